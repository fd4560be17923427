"""Servers, memory readings and widget timing (sliders, radios, text inputs) for the benchmark.

Starting servers and waiting for a rendered page reuse the helpers of tests/e2e/conftest.py.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

from tests.e2e.conftest import free_port, start_streamlit, stop_streamlit, wait_healthy

SLIDER = '[data-testid="stSlider"]'
# Older Streamlit thumbs are a div with role="slider"; 1.67 (react-aria) has a hidden <input type="range">.
THUMB = ':is([role="slider"], input[type="range"])'
RADIO = '[data-testid="stRadio"]'

# Arms a one-shot promise, window.__benchDone: [total, queued] ms from the next keydown until
# the script run it triggers has finished (state "running" seen, then "notRunning") and one
# more animation frame has passed, and until that run started; null if that did not happen
# within timeout_ms. A MutationObserver sees every change of the state attribute, so a run
# shorter than a frame is not missed.
ARM_JS = """(timeoutMs) => {
  const app = document.querySelector('[data-testid="stApp"]');
  window.__benchDone = new Promise(resolve => {
    let start = null, runStart = null;
    document.addEventListener('keydown', () => { start = performance.now(); }, {capture: true, once: true});
    const observer = new MutationObserver(records => {
      const state = app.getAttribute('data-test-script-state');
      if (start === null) return;
      if (runStart === null && (state === 'running' || records.some(r => r.oldValue === 'running'))) {
        runStart = performance.now();
      }
      if (runStart !== null && state === 'notRunning') {
        observer.disconnect(); clearTimeout(timer);
        requestAnimationFrame(() => resolve([performance.now() - start, runStart - start]));
      }
    });
    const timer = setTimeout(() => { observer.disconnect(); resolve(null); }, timeoutMs);
    observer.observe(app, {attributes: true, attributeFilter: ['data-test-script-state'], attributeOldValue: true});
  });
}"""


@contextlib.contextmanager
def server(script: Path, log_path: Path):
    """A fresh `streamlit run script`: yields (process, port, start time), killed on exit.

    The start time (time.monotonic()) is taken just before the process is spawned."""
    port = free_port()
    started = time.monotonic()
    process = start_streamlit(script, port, log_path)
    try:
        wait_healthy(port)
        yield process, port, started
    finally:
        stop_streamlit(process)


def rss_mb(pid: int) -> float:
    """Resident memory (VmRSS) of pid and all its descendants, in MB."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
    family, grew = {pid}, True
    while grew:
        children = {child for child, parent in parents.items() if parent in family} - family
        family |= children
        grew = bool(children)
    total_kb = 0
    for member in family:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
    return total_kb / 1024


def slider_thumb(page, label: str):
    """The thumb of the slider whose label is exactly `label`."""
    box = page.locator(SLIDER).filter(has=page.get_by_text(label, exact=True))
    return box.locator(THUMB).first


def slider_labels(page) -> list[str]:
    """The labels of every slider on the page, for choosing what to benchmark."""
    return [box.locator('[data-testid="stWidgetLabel"]').inner_text() for box in page.locator(SLIDER).all()]


def timed_presses(page, target, keys: tuple[str, str], presses: int, warmup: int = 2,
                  timeout_ms: int = 4_000) -> list:
    """[total, queued] ms from each key press on the focused `target` to the script run it
    triggered finished and a frame drawn, and to that run's start (None when no run was seen).

    Presses keys[0] and keys[1] alternately; the first `warmup` presses are not returned."""
    target.focus()
    times = []
    for i in range(warmup + presses):
        page.evaluate(ARM_JS, timeout_ms)
        page.keyboard.press(keys[i % 2])
        times.append(page.evaluate("() => window.__benchDone"))
        page.wait_for_timeout(50)  # let the browser settle between presses
    return times[warmup:]


def key_latencies(page, label: str, presses: int) -> list:
    """timed_presses on the slider `label`: ArrowRight and ArrowLeft alternately (starting away
    from the end it sits at), so the value moves by one step and back."""
    thumb = slider_thumb(page, label)
    value = thumb.evaluate("e => Number(e.getAttribute('aria-valuenow') ?? e.value)")
    top = thumb.evaluate("e => Number(e.getAttribute('aria-valuemax') ?? e.max)")
    keys = ("ArrowLeft", "ArrowRight") if value >= top else ("ArrowRight", "ArrowLeft")
    return timed_presses(page, thumb, keys, presses)


def radio_latencies(page, label: str, presses: int) -> list:
    """timed_presses on the radio group `label`: ArrowDown then ArrowUp from its checked option,
    which select the next option (the first, from the last) and back."""
    group = page.locator(RADIO).filter(has=page.get_by_text(label, exact=True))
    return timed_presses(page, group.locator("input:checked"), ("ArrowDown", "ArrowUp"), presses)


def text_latencies(page, label: str, texts: tuple[str, str], presses: int, warmup: int = 2,
                   timeout_ms: int = 4_000) -> list:
    """As timed_presses, for the text input `label`: each press types one of `texts` in turn
    (alternating) and presses Enter, the key that submits it; timed from that Enter."""
    field = page.get_by_label(label, exact=True)
    times = []
    for i in range(warmup + presses):
        field.fill(texts[i % 2])
        page.evaluate(ARM_JS, timeout_ms)
        field.press("Enter")
        times.append(page.evaluate("() => window.__benchDone"))
        page.wait_for_timeout(50)
    return times[warmup:]
