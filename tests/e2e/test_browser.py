"""The real app in a real browser: every page in both languages, sliders that redraw
figures, the sidebar, and screenshots (tests/e2e/screenshots/) for a person to look at."""

import re

import pytest

from tests.e2e.conftest import SCREENSHOTS, full_screenshot, min_figures, wait_rendered
from ui import catalog
from ui.i18n import catalog as strings

PAGES = catalog.built_pages()


def url(app_url, stem, **query):
    path = "" if stem == "home" else stem
    return f"{app_url}/{path}?" + "&".join(f"{k}={v}" for k, v in query.items())


def assert_no_exception(page):
    exceptions = page.locator("[data-testid=stException]")
    assert exceptions.count() == 0, exceptions.first.inner_text()


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("info", PAGES, ids=[p.stem for p in PAGES])
def test_page_renders_in_both_languages(app_url, page, info, lang):
    page.goto(url(app_url, info.stem, lang=lang))
    wait_rendered(page, min_figures(info.stem))
    assert_no_exception(page)
    assert page.locator("h1").first.inner_text().strip() == strings(lang)[f"{info.stem}.title"]
    figures = page.locator('[data-testid="stPlotlyChart"], [data-testid="stMain"] [data-testid="stImage"]')
    assert figures.count() >= min_figures(info.stem)
    full_screenshot(page, SCREENSHOTS / f"{info.stem}_{lang}.png")


def slider(page, key):
    return page.locator(f'.st-key-{key} input[type="range"]')


def charts(page):
    """What every figure draws: Plotly charts' SVG and heatmaps, and images."""
    figures = page.locator('[data-testid="stPlotlyChart"], [data-testid="stMain"] [data-testid="stImage"] img')
    return figures.evaluate_all("figures => figures.map(f => f.src || f.innerHTML)")


@pytest.mark.parametrize("stem, key, arrow", [
    ("discrete", "n", "ArrowLeft"), ("discrete", "bits", "ArrowLeft"), ("discrete", "p", "ArrowRight"),
    ("independence", "order", "ArrowRight"), ("independence", "n", "ArrowLeft"), ("home", "noise", "ArrowRight"),
    ("nade", "hidden", "ArrowRight"), ("nade", "temperature", "ArrowLeft"), ("nade", "pixel", "ArrowRight"),
    ("pixelrnn", "row", "ArrowRight"), ("variational", "q_mean", "ArrowRight"), ("variational", "kl_std", "ArrowLeft"),
    ("conditional", "count", "ArrowRight"), ("translation", "domains_k", "ArrowLeft"),
    ("progressive_gan", "alpha", "ArrowRight"),
])
def test_slider_move_redraws_a_figure(app_url, page, stem, key, arrow):
    page.goto(url(app_url, stem, lang="en"))
    wait_rendered(page)
    before_value, before_charts = slider(page, key).input_value(), charts(page)
    slider(page, key).focus()
    page.keyboard.press(arrow)
    page.wait_for_function(
        f"""() => document.querySelector('.st-key-{key} input[type=range]').value !== '{before_value}'"""
    )
    page.wait_for_timeout(200)
    wait_rendered(page)
    assert_no_exception(page)
    assert charts(page) != before_charts
    assert re.search(rf"{key}=", page.url)  # the new value is in the URL, to share


def test_a_typed_prompt_draws_new_digits_and_lists_unknown_words(app_url, page):
    """Text2Image in Korean: typing a prompt and pressing Enter redraws the samples; a word
    outside the vocabulary is listed back, not an error."""
    page.goto(url(app_url, "conditional", lang="ko"))
    wait_rendered(page)
    before = charts(page)
    field = page.get_by_label(strings("ko")["conditional.text.prompt"], exact=True)
    field.fill("얇은 3 보라색")
    field.press("Enter")
    page.wait_for_timeout(300)
    wait_rendered(page)
    assert_no_exception(page)
    assert charts(page) != before
    assert "보라색" in page.locator('[data-testid="stAlert"]').first.inner_text()


def test_sampling_animation_plays_in_the_browser(app_url, page):
    """The pixel-by-pixel drawing is precomputed frames: pressing play changes the figure
    with no script run."""
    page.goto(url(app_url, "nade", lang="en"))
    wait_rendered(page)
    animation = page.locator('[data-testid="stPlotlyChart"]').filter(has=page.locator(".updatemenu-container"))
    before = animation.inner_html()
    animation.get_by_text("▶").click()
    page.wait_for_timeout(2000)
    assert animation.inner_html() != before
    assert page.locator('[data-testid="stApp"]').get_attribute("data-test-script-state") == "notRunning"


ITERATION_IS = """([label, value]) => [...document.querySelectorAll('[data-testid=stMetric]')].some(
    m => m.innerText.includes(label) && m.querySelector('[data-testid=stMetricValue]').innerText.trim() === value)"""


def lab_iteration(page) -> int:
    metric = page.locator('[data-testid="stMetric"]').filter(has_text=strings("en")["gan.lab.iteration"])
    return int(metric.locator('[data-testid="stMetricValue"]').inner_text().replace(",", ""))


def test_gan_lab_steps_and_plays_in_the_browser(app_url, page):
    """One step at a time, then play: the fragment trains and redraws on its own until paused."""
    page.goto(url(app_url, "gan", lang="en"))
    wait_rendered(page)
    en = strings("en")
    for expected in (1, 2, 3):
        page.get_by_role("button", name=en["gan.lab.step"]).click()
        page.wait_for_function(ITERATION_IS, arg=[en["gan.lab.iteration"], str(expected)])
    wait_rendered(page)
    assert lab_iteration(page) == 3
    lab_chart = page.locator('[data-testid="stPlotlyChart"]').nth(4)
    before = lab_chart.inner_html()
    page.get_by_role("button", name=en["gan.lab.play"]).click()
    page.wait_for_timeout(3000)
    page.get_by_role("button", name=en["gan.lab.pause"]).click()
    wait_rendered(page)
    assert lab_iteration(page) > 3 + 25  # at least one frame's chunk of training ran on its own
    assert lab_chart.inner_html() != before
    assert_no_exception(page)
    full_screenshot(page, SCREENSHOTS / "gan_en_lab_played.png")


def test_sidebar_language_switch_keeps_the_language_across_pages(app_url, page):
    page.goto(url(app_url, "home", lang="en"))
    wait_rendered(page)
    page.get_by_role("radio", name="한국어").click()
    page.wait_for_function("() => location.search.includes('lang=ko')")
    wait_rendered(page)
    assert page.locator("h1").first.inner_text().strip() == strings("ko")["home.title"]
    page.get_by_role("link", name=strings("ko")["nav.independence"]).first.click()
    page.wait_for_url(re.compile(r"/independence"))
    wait_rendered(page)
    assert page.locator("h1").first.inner_text().strip() == strings("ko")["independence.title"]
    assert "lang=ko" in page.url


def test_a_shared_link_reopens_the_same_demo(app_url, page):
    page.goto(url(app_url, "independence", lang="ko", model="tree", n="100", seed="7"))
    wait_rendered(page)
    assert slider(page, "n").input_value() == "100"
    assert page.locator(".st-key-seed input").input_value() == "7"
    assert_no_exception(page)


def test_odd_link_values_warn_instead_of_failing(app_url, page):
    page.goto(url(app_url, "discrete", lang="en", n="99999", p="abc"))
    wait_rendered(page)
    assert_no_exception(page)
    assert page.locator('[data-testid="stAlertContentWarning"]').count() == 2


def test_classroom_mode_enlarges_figures_and_folds_prose(app_url, page):
    page.goto(url(app_url, "discrete", lang="en"))
    wait_rendered(page)
    height = page.locator('[data-testid="stPlotlyChart"]').first.bounding_box()["height"]
    page.locator(".st-key-classroom label").click()
    page.wait_for_function("() => location.search.includes('classroom=1')")
    wait_rendered(page)
    assert page.locator('[data-testid="stPlotlyChart"]').first.bounding_box()["height"] > 1.2 * height
    assert page.locator('[data-testid="stExpander"]').count() >= 4
    full_screenshot(page, SCREENSHOTS / "discrete_en_classroom.png")


def test_server_log_has_no_error_after_every_page(app_url, page, server_log):
    """Runs last: every page was served; neither a page nor the file watcher logged an error."""
    for info in PAGES:
        page.goto(url(app_url, info.stem, lang="ko"))
        wait_rendered(page, min_figures(info.stem))
    log = server_log.read_text()
    assert "Traceback" not in log and "Error" not in log, log[-3000:]
