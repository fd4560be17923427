"""Reading widget values from the URL, and showing what a user typed literally."""

import re

import pytest

from ui.i18n import language_from_locale, literal
from ui.state import _format, _parse, on_grid


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


@pytest.mark.parametrize("value, lo, hi, step, expected", [
    (12, 4, 24, 4, True), (7, 4, 24, 4, False), (22, 4, 24, 4, False), (28, 4, 24, 4, False), (0, 0, 5, None, True),
    (0.3, 0.0, 1.0, 0.1, True), (0.35, 0.0, 1.0, 0.1, False), (0.25, 0.2, 3.0, 0.05, True), (-0.1, 0.0, 1.0, 0.1, False),
])
def test_on_grid_checks_the_step_as_well_as_the_range(value, lo, hi, step, expected):
    assert on_grid(value, lo, hi, step) is expected


@pytest.mark.parametrize("typed", [
    "[Log in](https://evil.example/x) ![t](http://h/g.png) <b>x</b> $x^2$ :red[a] **b** # h a_b",
    "a `tick` and ``two``", "`", " spaced ",
])
def test_literal_text_is_one_code_span_holding_the_text_as_typed(typed):
    """CommonMark: a code span opens and closes with runs of equally many backticks that occur
    nowhere inside, and one space is stripped from each end."""
    shown = literal(typed)
    fence = re.match("`+", shown).group()
    assert shown == f"{fence} {typed} {fence}"
    assert all(len(run) != len(fence) for run in re.findall("`+", typed))
