"""Text that comes from a link, a text box or an upload is shown as typed: never a link, an
image the browser fetches, or HTML."""

import pytest

from tests.e2e.conftest import wait_rendered
from tests.e2e.test_browser import assert_no_exception, url
from ui.i18n import catalog as strings

LINK = "[Log in](https://evil.example/x)"
IMAGE = "![t](http://127.0.0.9:9/g.png)"
FOREIGN = "() => [...document.querySelectorAll('a[href*=\"evil.example\"], img[src*=\"127.0.0.9\"]')].length"


def fetched_from_outside(page) -> list[str]:
    """Record every request the page makes to the planted image's host."""
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url) if request.url.startswith("http://127.0.0.9") else None)
    return requests


def alerts(page) -> str:
    return " ".join(page.locator('[data-testid="stAlert"]').all_inner_texts())


@pytest.mark.parametrize("stem, key", [("home", "noise"), ("glossary", "q"), ("discrete", "p")])
def test_link_values_are_shown_literally(app_url, page, stem, key):
    requests = fetched_from_outside(page)
    for value in (LINK, IMAGE):
        page.goto(url(app_url, stem, lang="en", **{key: value.replace("&", "%26")}))
        wait_rendered(page, 0)
        assert_no_exception(page)
        assert page.evaluate(FOREIGN) == 0
        assert value[:40] in alerts(page)  # the warning quotes it as typed
    assert requests == []


def test_typed_and_uploaded_points_are_quoted_literally(app_url, page):
    page.goto(url(app_url, "gan", lang="en", lab_target="custom"))
    wait_rendered(page, 0)
    field = page.get_by_label(strings("en")["gan.lab.typed"], exact=True)
    field.fill(f"0,0\n1,1\n{LINK},1\n")  # "not a number", quoting the cell
    field.press("Control+Enter")
    page.wait_for_function("(text) => document.body.innerText.includes(text)", arg=LINK)
    assert page.evaluate(FOREIGN) == 0
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": "points.csv", "mimeType": "text/csv", "buffer": f"x,y\n1,{IMAGE}\n1,1\n2,2\n".encode()}])
    page.wait_for_function("(text) => document.body.innerText.includes(text)", arg=IMAGE)
    assert page.evaluate(FOREIGN) == 0
    assert_no_exception(page)
