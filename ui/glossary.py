"""The glossary of the lecture's terms (ui/locales/glossary.toml), in both languages."""

from __future__ import annotations

import tomllib
from functools import cache

from ui.i18n import LOCALE_DIR


@cache
def entries() -> tuple[dict, ...]:
    with open(LOCALE_DIR / "glossary.toml", "rb") as f:
        return tuple(tomllib.load(f).values())


def search(query: str) -> list[dict]:
    """The entries whose English or Korean name contains `query` (any case; spaces ignored
    at the ends). An empty query lists them all."""
    needle = (query or "").strip().casefold()
    return [e for e in entries() if needle in e["en"].casefold() or needle in e["ko"].casefold()]
