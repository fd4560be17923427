"""The explorer in a real browser: on every page, in both languages, click every option of
every segmented control, pills and radio (the selected one again included: only the browser
decides what such a click sends), pick every option of every select box, press every button
and toggle, and push every slider to both ends with the keyboard. Fails on any exception
element. The value space is explored more finely in tests/app/test_explorer.py."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import wait_rendered
from tests.e2e.test_browser import url
from ui import catalog
from ui.i18n import catalog as strings

PAGES = [p.stem for p in catalog.built_pages()]
CLICKABLE = {
    "language": '.st-key-lang button[aria-checked="true"]',  # the active one only: the page stays in its language
    "option": '[data-testid="stButtonGroup"]:not(.st-key-lang [data-testid="stButtonGroup"]) button',  # segmented, pills
    "radio": '[data-testid="stRadio"] label',
    "toggle": '[data-testid="stCheckbox"] label',  # toggles and checkboxes
    "button": '[data-testid="stButton"] button',
}
SLIDERS = '[data-testid="stSlider"] [role="slider"]'
SELECTBOXES = '[data-testid="stSelectbox"]'
NOT_CLICKED = {strings(lang)["gan.lab.play"] for lang in ("en", "ko")}  # a timer of its own: tests/e2e/test_gan_lab.py


IDLE = """() => document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state') === 'notRunning'
    && document.querySelectorAll('[data-testid=stElementContainer]').length"""


def settle(page) -> None:
    """Until the run a click started has finished and the page has stopped changing for 300 ms
    (with or without its title: a crash can take the whole page down)."""
    page.wait_for_timeout(150)
    previous = None
    for _ in range(60):
        count = page.wait_for_function(IDLE, timeout=60_000).json_value()
        if count == previous:
            return
        previous = count
        page.wait_for_timeout(300)


def exceptions(page, what: str) -> list[str]:
    found = page.locator('[data-testid="stException"]')
    return [f"{what}: {text[:300]}" for text in found.all_inner_texts()]


def click_each(page, selector: str, kind: str) -> list[str]:
    problems = []
    index = 0
    while index < page.locator(selector).count():  # the page may grow or shrink after a click
        target = page.locator(selector).nth(index)
        name = target.inner_text().strip()[:40]
        index += 1
        if not target.is_visible() or not target.is_enabled() or name in NOT_CLICKED:
            continue
        for again in range(1 if kind == "button" else 2):  # an option, then the selected one again; a toggle back
            page.locator(selector).nth(index - 1).click()
            settle(page)
            problems += exceptions(page, f"{kind} '{name}'" + " (again)" * again)
    return problems


def slide_each(page) -> list[str]:
    problems = []
    for index in range(page.locator(SLIDERS).count()):
        for key in ("End", "Home"):
            thumb = page.locator(SLIDERS).nth(index)
            if not thumb.is_visible():
                continue
            thumb.focus()
            page.keyboard.press(key)
            settle(page)
            problems += exceptions(page, f"slider {index} {key}")
    return problems


def select_each(page) -> list[str]:
    problems = []
    for index in range(page.locator(SELECTBOXES).count()):
        box = page.locator(SELECTBOXES).nth(index)
        if not box.is_visible():  # in a folded expander
            continue
        box.click()
        options = page.locator('[role="option"]')
        count = options.count()
        page.keyboard.press("Escape")
        for option in range(count):
            page.locator(SELECTBOXES).nth(index).click()
            page.locator('[role="option"]').nth(option).click()
            settle(page)
            problems += exceptions(page, f"select box {index} option {option}")
    return problems


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("stem", PAGES)
def test_clicking_everything_raises_nothing(app_url, page, stem, lang):
    page.goto(url(app_url, stem, lang=lang))
    wait_rendered(page, 0)
    problems = exceptions(page, "on opening")
    for kind, selector in CLICKABLE.items():
        problems += click_each(page, selector, kind)
    problems += select_each(page) + slide_each(page)
    assert not problems, "\n".join(problems)
