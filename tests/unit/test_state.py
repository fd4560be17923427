"""Reading widget values from the URL."""

import pytest

from ui.i18n import language_from_locale
from ui.state import _format, _parse


@pytest.mark.parametrize("raw, default, expected", [
    ("7", 3, 7), ("0.25", 0.5, 0.25), ("1", False, True), ("0", True, False), ("markov", "tree", "markov"),
])
def test_parse_reads_the_defaults_type(raw, default, expected):
    assert _parse(raw, default) == expected


@pytest.mark.parametrize("raw, default", [("abc", 3), ("1.5", 3), ("nan", 0.5), ("yes", False), ("", 2)])
def test_parse_refuses_odd_values(raw, default):
    with pytest.raises(ValueError):
        _parse(raw, default)


def test_format_round_trips():
    for value in (3, 0.25, True, False, "ko"):
        assert _parse(_format(value), value) == value


def test_language_from_browser_locale():
    assert language_from_locale("ko-KR") == "ko"
    assert language_from_locale("en-GB") == "en"
    assert language_from_locale("fr-FR") == "en"
    assert language_from_locale(None) == "en"
