"""The glossary of the lecture's terms and models (ui/locales/glossary.toml), in both languages."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from functools import cache

from ui.i18n import LOCALE_DIR

# Spaces and dashes do not matter: "잠재 벡터" finds "잠재벡터", "Info-GAN" finds "InfoGAN".
_IGNORED = re.compile(r"[\s\-‐‑‒–—]+")


@cache
def entries() -> tuple[dict, ...]:
    with open(LOCALE_DIR / "glossary.toml", "rb") as f:
        return tuple(tomllib.load(f).values())


def _key(text: str) -> str:
    """`text` as search compares it: one Unicode form, any case, no spaces or dashes."""
    return _IGNORED.sub("", unicodedata.normalize("NFKC", text).casefold())


def search(query: str) -> list[dict]:
    """The entries whose English or Korean name contains `query`, ignoring case, spaces and
    dashes. An empty query lists them all."""
    needle = _key(query or "")
    return [e for e in entries() if needle in _key(e["en"]) or needle in _key(e["ko"])]
