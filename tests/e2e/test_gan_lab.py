"""The GAN lab as an impatient student uses it: play, pause (twice), and nothing but the lab
drawn while it plays."""

from tests.e2e.conftest import wait_rendered
from tests.e2e.test_browser import assert_no_exception, lab_iteration, url
from ui.i18n import catalog as strings

EN = strings("en")
STRAY_NUMBER = r"""() => [...document.querySelectorAll('[data-testid=stMain] [data-testid=stMarkdown]')]
    .some(m => /^\s*[\d.,]+\s*$/.test(m.innerText))"""

LAB_POINTS = """() => Math.max(0, ...[...document.querySelectorAll('[data-testid=stPlotlyChart]')]
    .map(c => c.querySelectorAll('.scatterlayer .point').length))"""


def watch_for_stray_numbers(page) -> None:
    """Record in window.strayNumber whether a markdown element holding a bare number ever
    appears (Streamlit's magic writes an expression's value, e.g. a step count)."""
    page.evaluate("""(check) => { window.strayNumber = false;
        new MutationObserver(() => { if ((eval(check))()) window.strayNumber = true; })
            .observe(document.body, {childList: true, subtree: true, characterData: true}); }""", STRAY_NUMBER)


def test_pause_stops_training_at_once_and_a_second_click_keeps_it_paused(app_url, page):
    page.goto(url(app_url, "gan", lang="en"))
    wait_rendered(page)
    watch_for_stray_numbers(page)
    play, pause = (page.get_by_role("button", name=EN[f"gan.lab.{name}"]) for name in ("play", "pause"))
    play.click()
    page.wait_for_function(f"() => [...document.querySelectorAll('button')].some("
                           f"b => b.innerText.includes('{EN['gan.lab.pause']}') && !b.disabled)", timeout=10_000)
    page.wait_for_function(f"() => {{ const m = [...document.querySelectorAll('[data-testid=stMetric]')]"
                           f".find(m => m.innerText.includes('{EN['gan.lab.iteration']}'));"
                           f" return m && parseInt(m.querySelector('[data-testid=stMetricValue]').innerText"
                           f".replace(/,/g, '')) > 0; }}", timeout=20_000)
    for _ in range(12):  # every frame while playing draws the lab's points (none blank)
        page.wait_for_timeout(125)
        assert page.evaluate(LAB_POINTS) > 0, "a blank lab frame"
    box = pause.bounding_box()
    for _ in range(2):  # an impatient double click, the second before the page has answered the first
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_timeout(150)
    page.wait_for_function(f"() => [...document.querySelectorAll('button')].some("
                           f"b => b.innerText.includes('{EN['gan.lab.play']}') && !b.disabled)", timeout=5_000)
    wait_rendered(page)
    stopped_at = lab_iteration(page)
    page.wait_for_timeout(3000)  # twelve frames at the fast refresh
    assert lab_iteration(page) == stopped_at, "training went on after pause"
    assert play.is_enabled() and pause.is_disabled(), "a second click started it again"
    assert not page.evaluate("() => window.strayNumber"), "a bare number was drawn while the lab played"
    assert_no_exception(page)
