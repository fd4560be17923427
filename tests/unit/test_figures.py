"""Figure helpers: a log axis is labelled at powers of ten only where that stays readable."""

import numpy as np

from ui.figures import lines, log_axis


def test_a_log_axis_over_a_few_decades_is_labelled_at_powers_of_ten():
    assert log_axis([39_297, 3_500_000]) == dict(type="log", dtick=1)  # about 2 decades: 100k, 1M
    assert log_axis([7, 16_777_215]) == dict(type="log", dtick=1)  # the RGB pixel's counts, 6.4 decades


def test_a_short_or_very_long_log_axis_keeps_plotlys_own_ticks():
    assert log_axis([10, 200]) == dict(type="log")  # 1.3 decades: one power of ten would be too few
    assert log_axis([1.0, 2.0**784]) == dict(type="log")  # 236 decades: a label each would be unreadable
    assert log_axis([0.0, np.nan, np.inf]) == dict(type="log")  # nothing positive and finite to span


def test_lines_sets_the_log_axes_from_its_own_data():
    fig = lines(np.arange(2, 11), {"a": np.linspace(4e4, 4e6, 9)}, "k", "count", log_y=True)
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis.dtick == 1
    assert fig.layout.xaxis.type is None  # linear x untouched
