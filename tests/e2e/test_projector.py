"""On a projector (1024x768 and 1280x720), every page in both languages, then in classroom
mode: no formula, table or label cut off without a visible scrollbar, every page in the
navigation, links to the previous and next page, Korean wrapped between words, and larger
text in classroom mode. Screenshots <stem>_<lang>_1024.png and <stem>_<lang>_classroom.png
go to tests/e2e/screenshots/ for a person to look at. One page load per page and language."""

import pytest

from tests.e2e.conftest import SCREENSHOTS, full_screenshot, min_figures, wait_rendered
from tests.e2e.test_browser import url
from ui import catalog
from ui.i18n import catalog as strings

PAGES = catalog.built_pages()
PROJECTORS = ({"width": 1024, "height": 768}, {"width": 1280, "height": 720})

# Everything in the page that is wider than its box: it scrolls with a visible scrollbar
# (Streamlit's own is transparent until hovered), a formula or table is not cut at the
# bottom or by a container, and no text ends in "…".
CUT_OFF = """() => {
    const main = document.querySelector('[data-testid=stMain]');
    const problems = [];
    const name = (e) => (e.innerText || '').replace(/\\s+/g, ' ').trim().slice(0, 50) || e.className;
    const cut = (e) => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1;
    const hides = (style) => ['hidden', 'clip'].includes(style.overflowX);
    const scrolls = (style) => ['auto', 'scroll'].includes(style.overflowX);
    const visibleBar = (style) => style.scrollbarWidth !== 'none'
        && !/^(transparent|rgba\\(0, 0, 0, 0\\))/.test(style.scrollbarColor);
    for (const e of main.querySelectorAll('*')) {
        const style = getComputedStyle(e);
        if (!cut(e)) continue;
        if (scrolls(style) && !visibleBar(style))
            problems.push(`scrolls with no visible scrollbar (${e.scrollWidth} > ${e.clientWidth} px): ${name(e)}`);
        if (style.textOverflow === 'ellipsis' || (hides(style) && e.closest('[data-testid=stMetric]')))
            problems.push(`text cut off (${e.scrollWidth} > ${e.clientWidth} px): ${name(e)}`);
    }
    const wide = '.katex-display, [data-testid=stMarkdownContainer] table, [data-testid=stTable], .dvn-scroller';
    for (const e of main.querySelectorAll(wide)) {
        const style = getComputedStyle(e);
        if (cut(e) && !scrolls(style))
            problems.push(`wider than its box and does not scroll (${e.scrollWidth} > ${e.clientWidth} px): ${name(e)}`);
        if (style.overflowY === 'hidden' && e.scrollHeight > e.clientHeight + 1)
            problems.push(`cut at the bottom (${e.scrollHeight} > ${e.clientHeight} px): ${name(e)}`);
        for (let box = e.parentElement; box && box !== main; box = box.parentElement)
            if (hides(getComputedStyle(box)) && cut(box)) {
                problems.push(`cut by its container (${box.scrollWidth} > ${box.clientWidth} px): ${name(e)}`);
                break;
            }
    }
    return problems;
}"""

AROUND_THE_PAGE = """() => ({
    navigation: [...document.querySelectorAll('[data-testid=stSidebarNavLink] [data-testid=stMarkdownContainer]')]
        .map(e => e.innerText.trim()),
    view_more: document.querySelectorAll('[data-testid=stSidebarNavViewButton]').length,
    prev_next: [...document.querySelectorAll('.st-key-prev_next a')].map(a => [a.getAttribute('href'), a.innerText]),
    word_break: [...new Set([...document.querySelectorAll('[data-testid=stApp] :is(p, li, label, h1, h2, h3)')]
        .map(e => getComputedStyle(e).wordBreak))],
})"""

FONT_SIZES = """() => {
    const size = (selector) => {
        const e = document.querySelector('[data-testid=stMain] ' + selector);
        return e ? parseFloat(getComputedStyle(e).fontSize) : null;
    };
    return {
        text: size('[data-testid=stMarkdown] [data-testid=stMarkdownContainer] p'),
        label: size('[data-testid=stWidgetLabel] p'),
        caption: size('[data-testid=stCaptionContainer]'),
        metric: size('[data-testid=stMetricValue]'),
    };
}"""


def href(stem: str) -> str:
    """Streamlit's link to a page: its url path, empty for the default page."""
    return "" if stem == "home" else stem


def expected_prev_next(stem: str, lang: str) -> list:
    stems = [p.stem for p in PAGES]
    i = stems.index(stem)
    links = []
    if i > 0:
        links.append([href(stems[i - 1]), strings(lang)["app.previous"].format(title=strings(lang)[f"nav.{stems[i - 1]}"])])
    if i + 1 < len(stems):
        links.append([href(stems[i + 1]), strings(lang)["app.next"].format(title=strings(lang)[f"nav.{stems[i + 1]}"])])
    return links


def wait_whole_page(page, stem: str) -> None:
    """Until the page is drawn to its end: the links to the previous and next page come last
    (on a cold server the first run can look finished before them)."""
    page.wait_for_selector(".st-key-prev_next a", timeout=60_000)
    wait_rendered(page, min_figures(stem))


def assert_nothing_cut_off(page, where: str) -> None:
    problems = page.evaluate(CUT_OFF)
    assert not problems, f"{where}:\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("info", PAGES, ids=[p.stem for p in PAGES])
def test_page_on_a_projector(app_url, browser, info, lang):
    """One page load at 1024x768, the same page at 1280x720, then in classroom mode at 1024x768."""
    context = browser.new_context(viewport=PROJECTORS[0], locale="en-US")
    page = context.new_page()
    try:
        page.goto(url(app_url, info.stem, lang=lang))
        wait_whole_page(page, info.stem)
        assert_nothing_cut_off(page, "1024x768")

        around = page.evaluate(AROUND_THE_PAGE)
        assert around["navigation"] == [strings(lang)[f"nav.{p.stem}"] for p in PAGES]
        assert around["view_more"] == 0
        assert [[link, label.replace("arrow_back", "").replace("arrow_forward", "").strip()]
                for link, label in around["prev_next"]] == expected_prev_next(info.stem, lang)
        if lang == "ko":
            assert around["word_break"] == ["keep-all"]
        else:
            assert "keep-all" not in around["word_break"]

        normal = page.evaluate(FONT_SIZES)
        full_screenshot(page, SCREENSHOTS / f"{info.stem}_{lang}_1024.png")
        page.set_viewport_size(PROJECTORS[1])
        page.wait_for_timeout(600)
        assert_nothing_cut_off(page, "1280x720")

        page.set_viewport_size(PROJECTORS[0])
        page.locator(".st-key-classroom label").click()
        page.wait_for_function("() => location.search.includes('classroom=1')")
        wait_whole_page(page, info.stem)
        assert_nothing_cut_off(page, "classroom mode, 1024x768")
        larger = page.evaluate(FONT_SIZES)
        for kind, size in normal.items():
            if size is not None:
                assert larger[kind] >= 1.2 * size, f"{kind}: {larger[kind]} px in classroom mode, {size} px otherwise"
        full_screenshot(page, SCREENSHOTS / f"{info.stem}_{lang}_classroom.png")
    finally:
        context.close()


def test_korean_titles_use_korean_terms():
    """The VAE, AAE and GAN pages were titled in English in the Korean UI."""
    en, ko = strings("en"), strings("ko")
    for key in ("vae.title", "aae.title", "gan.title", "nav.vae", "nav.aae", "nav.gan"):
        assert ko[key] != en[key]
        assert any("가" <= ch <= "힣" for ch in ko[key]), ko[key]
