"""Every visible string, in English and Korean, from the locale files in ui/locales/<lang>/.

Each language is a folder of TOML files (base.toml: the app, Home and Lecture 9; one file
per later page), merged into one catalog; a key defined twice is an error.
``t("home.title")`` looks the dotted key up in the current language's catalog;
``t("discrete.binary.exact", n=64)`` fills {n}. A missing key shows as the key itself (a test checks none is).
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path

import streamlit as st

LANGUAGES = {"en": "English", "ko": "한국어"}
DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).parent / "locales"


@cache
def catalog(lang: str) -> dict[str, str]:
    """All strings of one language, flattened to dotted keys, from every file of its folder."""
    strings: dict[str, str] = {}
    for path in sorted((LOCALE_DIR / lang).glob("*.toml")):
        with open(path, "rb") as f:
            for key, value in _flatten(tomllib.load(f)):
                if key in strings:
                    raise ValueError(f"{path}: the key {key!r} is already defined in another file")
                strings[key] = value
    return strings


def _flatten(tree: dict, prefix: str = ""):
    for key, value in tree.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def language_from_locale(locale: str | None) -> str:
    """'ko-KR' -> 'ko'; anything unsupported -> English."""
    code = (locale or "").split("-")[0].lower()
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def current_language() -> str:
    lang = st.session_state.get("lang")
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, **values) -> str:
    """The string `key` in the current language, with {placeholders} filled."""
    text = catalog(current_language()).get(key) or catalog(DEFAULT_LANGUAGE).get(key, key)
    return text.format(**values) if values else text


def literal(text: str) -> str:
    """Text from a URL, a text box or an upload, to put in a markdown string: a code span, where
    markdown does nothing (no link, not even a bare URL; no image, emphasis, HTML, math or icon).
    The fence is one backtick longer than the longest run of backticks inside; one space pads
    each end, and markdown strips exactly that one."""
    text = str(text)
    if not text:
        return ""
    fence = "`" * (1 + max((len(run) for run in re.findall("`+", text)), default=0))
    return f"{fence} {text} {fence}"
