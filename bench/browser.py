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

QUIET_MS = 300  # how long the main area must stay unchanged after a run for a press to be over

# Installed in every page before the app loads (context.add_init_script): stamps, on arrival,
# each WebSocket message from the server that starts a script run (ForwardMsg.new_session,
# field 4) or ends one (script_finished, field 6), and hands the stamp to
# window.__benchOnMessage(field, ms). The field is found by reading the protobuf's top-level
# keys past hash (1) and metadata (2), which are serialised first.
WS_HOOK_JS = """(() => {
  const type = data => {
    const bytes = new Uint8Array(data);
    let i = 0;
    const varint = () => {
      let value = 0, shift = 0, byte;
      do { byte = bytes[i++]; value += (byte & 127) * 2 ** shift; shift += 7; } while (byte & 128);
      return value;
    };
    while (i < bytes.length) {
      const key = varint(), field = Math.floor(key / 8), wire = key % 8;
      if (field > 2) return field;
      if (wire === 0) varint();
      else if (wire === 2) { const length = varint(); i += length; }
      else i += wire === 1 ? 8 : 4;
    }
    return 0;
  };
  window.__benchOnMessage = null;
  window.WebSocket = class extends window.WebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', event => {
        const time = performance.now();
        if (window.__benchOnMessage && event.data instanceof ArrayBuffer) window.__benchOnMessage(type(event.data), time);
      });
    }
  };
})();"""

# Arms a one-shot promise, window.__benchDone: [total, queued] ms from the next keydown. "queued"
# ends when the first script run after it starts (its new_session message arrives). "total" ends
# at the first animation frame after the last change that follows keydown, a change being a
# DOM mutation in the main area (not in the status widget, a skeleton or a canvas's fallback
# content, which st.dataframe's grid updates a while after it is drawn) or the arrival of a
# run's start or end; the press is over once a run has finished, none is in flight and the main
# area has been quiet for quietMs (not counted). It does not depend on the app's
# data-test-script-state attribute, which a fast run may never visibly switch. null when no
# run finished within timeoutMs (if the area is still changing then, "total" ends there).
ARM_JS = """([timeoutMs, quietMs]) => {
  if (!('__benchOnMessage' in window)) throw new Error('bench: WS_HOOK_JS is not installed in this page');
  const main = document.querySelector('[data-testid="stMain"]');
  const ignored = '[data-testid="stStatusWidget"], [data-testid="stSkeleton"], canvas';
  window.__benchDone = new Promise(resolve => {
    let start = null, runStart = null, running = false, finished = false, frame = null, quiet;
    const done = value => {
      observer.disconnect(); clearTimeout(timer); clearTimeout(quiet); window.__benchOnMessage = null; resolve(value);
    };
    const settle = () => {
      if (frame === null) requestAnimationFrame(settle);
      else if (finished && !running) done([frame - start, runStart - start]);
    };
    const changed = () => {
      frame = null;
      requestAnimationFrame(() => { frame ??= performance.now(); });
      clearTimeout(quiet);
      quiet = setTimeout(settle, quietMs);
    };
    document.addEventListener('keydown', () => { start = performance.now(); changed(); }, {capture: true, once: true});
    window.__benchOnMessage = (field, time) => {
      if (start === null || (field !== 4 && field !== 6)) return;
      running = field === 4;
      finished ||= field === 6;
      if (running) runStart ??= time;
      changed();
    };
    const observer = new MutationObserver(records => {
      const counts = r => !(r.target instanceof Element ? r.target : r.target.parentElement)?.closest(ignored);
      if (start !== null && records.some(counts)) changed();
    });
    observer.observe(main, {subtree: true, childList: true, attributes: true, characterData: true});
    const end = () => done(finished ? [(frame ?? performance.now()) - start, runStart - start] : null);
    const timer = setTimeout(end, timeoutMs);
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
    """[total, queued] ms from each key press on the focused `target` to the frame after the
    last change it caused (ARM_JS), and to the start of the script run it triggered (None when
    no run finished). The page must have WS_HOOK_JS installed (see `new_page` in __main__).

    Presses keys[0] and keys[1] alternately; the first `warmup` presses are not returned."""
    target.focus()
    times = []
    for i in range(warmup + presses):
        page.evaluate(ARM_JS, [timeout_ms, QUIET_MS])
        page.keyboard.press(keys[i % 2])
        times.append(page.evaluate("() => window.__benchDone"))
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
        page.evaluate(ARM_JS, [timeout_ms, QUIET_MS])
        field.press("Enter")
        times.append(page.evaluate("() => window.__benchDone"))
    return times[warmup:]
