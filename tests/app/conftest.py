"""Streamlit's AppTest over the real app.py: pages switched as a user would."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from ui import catalog

TIMEOUT = 120


def open_page(stem: str, lang: str = "en", **query) -> AppTest:
    """Run app.py, switch to the page `stem`, and run it, with ?lang= and other query parameters."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params.update({"lang": lang, **{k: str(v) for k, v in query.items()}})
    at.run()
    if stem != "home":
        at.switch_page(catalog.page(stem).path).run()
    return at


def metric(at: AppTest, label: str) -> str:
    """The value of the metric whose label is `label`."""
    return next(m.value for m in at.metric if m.label == label)


@pytest.fixture
def page():
    return open_page
