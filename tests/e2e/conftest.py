"""A real `streamlit run` of the app and Debian's chromium driven by Playwright.

The browser is /usr/bin/chromium (or $CHROMIUM): `playwright install` cannot download
browsers on these machines. These tests never skip: no browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "tests" / "e2e" / "screenshots"
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail("Debian's chromium is not installed: run `make test` (it installs it) or apt-get install chromium")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_streamlit(script: Path, port: int, log_path: Path) -> subprocess.Popen:
    """`streamlit run script` on 127.0.0.1:port, logging to log_path."""
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true"]
    log = open(log_path, "w")
    return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


def stop_streamlit(process: subprocess.Popen, grace: float = 10.0) -> None:
    """SIGTERM, and SIGKILL if the server has not exited within `grace` seconds (a script run
    or fragment still busy at the end of a session must not fail the last test's teardown)."""
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_healthy(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"streamlit did not answer on port {port} within {timeout} s")


@pytest.fixture(scope="session")
def server_log(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("streamlit") / "server.log"


@pytest.fixture(scope="session")
def app_url(server_log):
    port = free_port()
    server = start_streamlit(ROOT / "app.py", port, server_log)
    try:
        wait_healthy(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_streamlit(server)


@pytest.fixture(scope="session")
def browser():
    """One chromium for every browser test (Playwright's sync API allows one per process). It
    draws scrollbars, which Playwright's headless default hides: a person judging the screenshots,
    and the projector checks, must see which formula or table scrolls."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS,
                                             ignore_default_args=["--hide-scrollbars"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    page = context.new_page()
    yield page
    context.close()


PAGES_WITHOUT_FIGURES = {"glossary"}  # every other page shows at least 3 charts or images


def min_figures(stem: str) -> int:
    """How many charts and images page `stem` shows at least, once rendered."""
    return 0 if stem in PAGES_WITHOUT_FIGURES else 3


RENDERED = """(minFigures) => {
    const app = document.querySelector('[data-testid=stApp]');
    const charts = [...document.querySelectorAll('[data-testid=stPlotlyChart]')];
    const images = [...document.querySelectorAll('[data-testid=stMain] [data-testid=stImage] img')];
    const ready = app && app.getAttribute('data-test-script-state') === 'notRunning'
        && document.querySelector('[data-testid=stMain] h1') !== null
        && charts.length + images.length >= minFigures
        && charts.every(c => c.querySelector('.main-svg')) && images.every(i => i.complete);
    return ready && document.querySelectorAll('[data-testid=stMain] [data-testid=stElementContainer]').length;
}"""


def wait_rendered(page, min_figures: int = 1, timeout: float = 60_000) -> None:
    """Until the script has finished, the page has its title and at least `min_figures`
    charts and images (Streamlit loads the chart component lazily), every one is drawn,
    and the number of elements stays the same for 400 ms (a run can start again just
    after one ends)."""
    previous = None
    for _ in range(50):
        count = page.wait_for_function(RENDERED, arg=min_figures, timeout=timeout).json_value()
        if count == previous:
            return
        previous = count
        page.wait_for_timeout(400)
    raise TimeoutError("the page kept changing")


def full_screenshot(page, path: Path) -> None:
    """A screenshot of the whole page: Streamlit scrolls inside its main block, so the
    viewport is stretched to the content's height first."""
    height = page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")
    width = page.viewport_size["width"]
    page.set_viewport_size({"width": width, "height": min(max(height, 600), 12000)})
    page.wait_for_timeout(400)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": width, "height": 900})
