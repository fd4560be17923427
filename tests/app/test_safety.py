"""Classroom safety in AppTest: two widgets that interact keep the right number, odd links
warn instead of failing, and the sidebar survives a click on the active language."""

import pytest

from core.lectures import counting
from tests.app.conftest import metric, open_page
from ui.i18n import catalog as strings

EN = strings("en")


def test_moving_n_keeps_the_markov_order():
    """A teacher on /independence?k=5 moves n: k stays 5 and the count is (2^k − 1) + (n − k)·2^k."""
    at = open_page("independence", k=5)
    for n in (63, 100, 6):
        at.slider(key="n").set_value(n).run()
        assert at.slider(key="k").value == 5 and at.query_params["k"] == "5"
        assert metric(at, EN["common.num_params"]) == f"{counting.structure_params('markov', n, 5):,}"
    at.slider(key="n").set_value(3).run()  # k cannot exceed n − 1
    assert at.slider(key="k").value == 2 and not at.exception


@pytest.mark.parametrize("count", ["5", "7", "22", "25", "1e3"])
def test_a_link_value_off_the_sliders_steps_warns_and_uses_the_default(count):
    at = open_page("conditional", count=count)
    assert not at.exception, [e.value for e in at.exception]
    assert any("count" in w.value and count in w.value for w in at.warning)
    assert at.slider(key="count").value == 12


def test_clicking_the_active_language_keeps_the_language_and_the_sidebar():
    at = open_page("home", "ko")
    for value in ("ko", None):  # the same option again; None is what a clearable control would send
        at.button_group(key="lang").set_value(value).run()
        assert not at.exception, [e.value for e in at.exception]
        assert at.title[0].value == strings("ko")["home.title"]
        assert at.sidebar.toggle(key="classroom") is not None
