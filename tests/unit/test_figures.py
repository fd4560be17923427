"""Figure helpers: a log axis is labelled at powers of ten only where that stays readable,
in one notation, and stops where small curves stay visible; slider labels and ticks say
what they count."""

import re

import numpy as np
import pytest

from ui.figures import PROBABILITY_TICKS, add_probability_curve, lines, log_axis, sampling_animation
from ui.pictures import histogram_svg, round_ticks

POWER = dict(type="log", exponentformat="power")  # labels 10, 10², 10³: never "1T" beside "10¹⁵"


def test_a_log_axis_over_a_few_decades_is_labelled_at_powers_of_ten():
    assert log_axis([39_297, 3_500_000]) == POWER | dict(dtick=1)  # about 2 decades: 10⁵, 10⁶
    assert log_axis([7, 16_777_215]) == POWER | dict(dtick=1)  # the RGB pixel's counts, 6.4 decades


def test_a_short_or_very_long_log_axis_keeps_plotlys_own_ticks():
    assert log_axis([10, 200]) == POWER  # 1.3 decades: one power of ten would be too few
    assert log_axis([1.0, 2.0**784]) == POWER  # 236 decades: a label each would be unreadable
    assert log_axis([0.0, np.nan, np.inf]) == POWER  # nothing positive and finite to span


def test_lines_sets_the_log_axes_from_its_own_data():
    fig = lines(np.arange(2, 11), {"a": np.linspace(4e4, 4e6, 9)}, "k", "count", log_y=True)
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis.dtick == 1
    assert fig.layout.xaxis.type is None  # linear x untouched


def test_a_log_axis_with_a_top_keeps_small_curves_visible_under_a_huge_one():
    """The independence counting chart: n, 2n − 1 and 2^n − 1 over n = 1..784. On one scale up
    to 10^236 the small counts would lie flat at the bottom; the axis stops a decade above them."""
    n = np.arange(1, 785)
    series = {"full joint": 2.0**n - 1, "independent": n.astype(float), "tree": 2.0 * n - 1}
    top = 10 * series["tree"].max()
    fig = lines(n, series, "n", "parameters", log_x=True, log_y=True, y_top=top)
    low, high = fig.layout.yaxis.range
    assert fig.layout.yaxis.type == "log" and high == pytest.approx(np.log10(top)) and low < 0 <= low + 0.2
    assert (np.log10(series["independent"].max()) - low) / (high - low) > 0.6  # most of the height, not flat
    assert fig.layout.yaxis.exponentformat == "power" and fig.layout.yaxis.dtick == 1


def test_the_sampling_slider_counts_drawn_pixels_the_way_its_label_says():
    sample = np.zeros(64)
    fig = sampling_animation(sample, np.full(64, 0.5), ("drawn", "p"), "Play", "pixels drawn")
    slider = fig.layout.sliders[0]
    assert slider.currentvalue.prefix == "pixels drawn: " and slider.currentvalue.suffix == " / 64"
    assert [step.label for step in slider.steps] == [str(t) for t in range(65)]  # 0 to 64 pixels drawn
    assert slider.active == 64
    for t in (0, 1, 64):  # frame t shows exactly t drawn pixels
        probs = np.asarray(fig.frames[t].data[1].z, dtype=float)
        assert np.isfinite(probs).sum() == t


def test_a_probability_curve_on_the_right_axis_is_ticked_at_round_values():
    fig = add_probability_curve(lines(np.arange(3), {"p": np.ones(3) / 3}, "x", "density"), np.arange(3),
                                np.array([0.05, 0.5, 0.97]), "D*(x)")
    axis = fig.layout.yaxis2
    assert list(axis.tickvals) == PROBABILITY_TICKS and axis.tickmode == "array" and axis.range == (0, 1.02)
    assert fig.data[-1].yaxis == "y2"


@pytest.mark.parametrize("low, high", [(-76.3, -9.1), (0.051, 0.971), (-2.5, 2.5), (12_000, 98_000), (3, 3)])
def test_round_ticks_are_round_numbers_inside_the_range(low, high):
    ticks, decimals = round_ticks(low, high)
    assert 1 <= len(ticks) <= 6 and (ticks >= low - 1e-9).all() and (ticks <= max(high, low) + 1e-9).all()
    step = np.diff(ticks)[0] if len(ticks) > 1 else 1.0
    mantissa = step / 10 ** np.floor(np.log10(step))
    assert min(abs(mantissa - m) for m in (1, 2, 5)) < 1e-9
    assert all(float(f"{t:.{decimals}f}") == pytest.approx(t) for t in ticks)  # no digit lost


def test_the_histogram_picture_labels_its_axis_with_round_numbers():
    """Home's log p(x) histogram: −60, −40, −20, not −76, −59, −43."""
    svg = histogram_svg({"clean": np.linspace(-30, -9, 50), "noisy": np.linspace(-76, -35, 50)}, "log p(x)")
    labels = re.findall(r'text-anchor="middle">([−\d.]+)</text>', svg)
    assert labels and all(float(label.replace("−", "-")) % 10 == 0 for label in labels), labels
