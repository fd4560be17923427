"""The derivation steppers: stepping shows one more line at a time, up to every line; the URL
reopens a step; the number beside a line is the core's check for the page's sliders."""

import pytest

from core import derivation as core_derivation
from core.lectures import gan_theory
from tests.app.conftest import open_page
from ui import derivation, i18n
from ui.i18n import catalog as strings

STEPPERS = [  # page, URL key, lines, locale prefix
    ("variational", "evidence_step", derivation.EVIDENCE, "variational.derivation"),
    ("vae", "elbo_step", derivation.ELBO_SPLIT, "vae.derivation"),
    ("gan", "dstar_step", derivation.DISCRIMINATOR, "gan.derivation.discriminator"),
    ("gan", "jsd_step", derivation.JSD, "gan.derivation.jsd"),
]


def assert_clean(at):
    assert not at.exception, [e.value for e in at.exception]


def shows(at, lines, step: int) -> bool:
    """Whether the page shows lines 1..step of a derivation, line `step` highlighted."""
    return any(derivation.aligned(lines, step - 1) in latex.value for latex in at.latex)


def explains(at, text: str) -> bool:
    return any(text in markdown.value for markdown in at.markdown)


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("stem,key,lines,prefix", STEPPERS)
def test_stepping_to_the_last_line_shows_every_line(stem, key, lines, prefix, lang, monkeypatch):
    # AppTest formats the options of the page's other widgets in the test, where the session's
    # language cannot be read: give it the page's language (as the explorer does)
    monkeypatch.setattr(i18n, "current_language", lambda: lang)
    at = open_page(stem, lang)
    assert_clean(at)
    assert shows(at, lines, 1) and not shows(at, lines, 2)
    assert at.button(key=f"{key}_previous").disabled
    for step in range(2, len(lines) + 1):
        at.button(key=f"{key}_next").click().run()
        assert_clean(at)
        assert at.select_slider(key=key).value == str(step) and at.query_params[key] == str(step)
        assert shows(at, lines, step), step
        assert explains(at, strings(lang)[f"{prefix}.s{step}"])
    assert at.button(key=f"{key}_next").disabled
    block = next(latex.value for latex in at.latex if derivation.aligned(lines, len(lines) - 1) in latex.value)
    cells = [cell for line in lines for row in line.split(r"\\") for cell in row.split("&") if cell.strip()]
    assert all(cell in block for cell in cells)  # every line of the derivation is on the page
    at.button(key=f"{key}_previous").click().run()
    assert at.select_slider(key=key).value == str(len(lines) - 1) and shows(at, lines, len(lines) - 1)


@pytest.mark.parametrize("stem,key,lines,prefix", STEPPERS)
def test_the_url_reopens_a_step(stem, key, lines, prefix):
    at = open_page(stem, "ko", **{key: 3})
    assert_clean(at)
    assert at.select_slider(key=key).value == "3"
    assert shows(at, lines, 3) and not shows(at, lines, 4)
    assert explains(at, strings("ko")[f"{prefix}.s3"])
    assert at.query_params[key] == "3"  # and it stays in the link


def test_a_step_beyond_the_last_falls_back_with_a_warning():
    at = open_page("gan", jsd_step=99)
    assert_clean(at)
    assert at.select_slider(key="jsd_step").value == "1" and at.warning


def test_the_number_beside_a_line_follows_the_sliders():
    at = open_page("gan", dstar_step=5, jsd_step=4, center=0.0, gap=4.0, std=0.6)
    label = strings("en")["derivation.value"]
    values = lambda: [float(m.value) for m in at.metric if m.label == label]  # noqa: E731
    assert values() == pytest.approx([-gan_theory.LOG4, -gan_theory.LOG4], abs=1e-4)  # p_g = p_data
    at.slider(key="center").set_value(1.5).run()
    assert_clean(at)
    expected = core_derivation.jsd_lines(gan_theory.generator_bumps(1.5, 4.0, 0.6))[3].value
    assert values() == pytest.approx([expected, expected], abs=1e-4) and expected > -gan_theory.LOG4 + 0.1
