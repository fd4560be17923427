"""Both languages have every string, with the same placeholders, and every key the
code asks for exists."""

import re
import string
import tomllib
import unicodedata

import pytest

from tests.conftest import ROOT
from ui.i18n import LANGUAGES, catalog

KEY_CALL = re.compile(r"""\bt\(\s*f?["']([^"'{}]+)["']""")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_both_languages_have_the_same_keys():
    english, korean = catalog("en"), catalog("ko")
    assert set(english) == set(korean)


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_placeholders_match_english(lang):
    english, other = catalog("en"), catalog(lang)
    mismatched = [key for key in english if placeholders(english[key]) != placeholders(other[key])]
    assert mismatched == []


def test_every_literal_key_used_in_code_exists():
    keys = set(catalog("en"))
    used = set()
    for path in [ROOT / "app.py", *ROOT.glob("app_pages/*.py"), *ROOT.glob("ui/*.py")]:
        used |= set(KEY_CALL.findall(path.read_text()))
    missing = sorted(k for k in used if k not in keys)
    assert missing == []


def test_korean_uses_the_lecture_terms():
    korean = "\n".join(catalog("ko").values())
    for term in ("베르누이 분포", "카테고리 분포", "조건부 독립", "연쇄 법칙", "마르코프 가정", "자기회귀 모델"):
        assert term in korean, term


def test_locale_files_parse_and_both_languages_have_the_same_files():
    folders = [ROOT / "ui" / "locales" / lang for lang in LANGUAGES]
    names = [sorted(p.name for p in folder.glob("*.toml")) for folder in folders]
    assert names[0] and all(n == names[0] for n in names)
    for folder in folders:
        for path in folder.glob("*.toml"):
            with open(path, "rb") as f:
                assert tomllib.load(f), path


def is_punctuation(char: str) -> bool:
    return unicodedata.category(char)[0] in "PS"


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_bold_text_closes(lang):
    """CommonMark closes ** only when it is right-flanking: a bold text ending in punctuation
    must be followed by a space or punctuation, not by a letter (Korean particles are letters):
    "**D*(x)**이고" shows its asterisks."""
    unclosed = [key for key, text in catalog(lang).items() if isinstance(text, str)
                for inner, after in re.findall(r"\*\*(.+?)\*\*(.?)", text)
                if is_punctuation(inner[-1]) and after and not (after.isspace() or is_punctuation(after))]
    assert unclosed == []
