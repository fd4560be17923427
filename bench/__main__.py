"""`python -m bench`: cold start, slider latency and server memory, as Markdown tables.

Prints the tables and writes them to bench/RESULTS.md. One run, medians and ratios only:
the machines are shared and noisy, so nothing here is asserted.
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench.browser import key_latencies, rss_mb, server, slider_labels
from tests.e2e.conftest import CHROMIUM_FLAGS, ROOT, chromium_path, wait_rendered
from ui import catalog

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HELLO = 'import streamlit as st; st.write("hello")\n'
# The sliders moved on each page (by exact label, en locale). Pages without an entry are
# skipped for latency, with a note in the results.
SLIDERS = {
    "home": ["Noise: share of flipped pixels"],
    "discrete": ["p = P(X = 1)", "Number of pixels n"],
    "independence": ["Markov order k (n = 64)", "Number of pixels n"],
}
GOALS = "cold start of the app ≤ 1.5× a hello-world app's; slider → updated figure p95 ≤ 300 ms"


def url_path(info: catalog.PageInfo) -> str:
    return "" if info.stem == "home" else info.stem


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]


def new_page(browser):
    """A page in a brand-new context (empty cache), English, desktop-sized."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    return context, context.new_page()


def cold_start(browser, script: Path, ready, log_path: Path) -> tuple[float, float]:
    """Seconds from spawning `streamlit run script` until the first page is rendered and
    `ready(page)` holds, and the server's RSS (MB) at that moment."""
    with server(script, log_path) as (process, port, started):
        context, page = new_page(browser)
        try:
            page.goto(f"http://127.0.0.1:{port}/")
            wait_rendered(page)
            ready(page)
            seconds = time.monotonic() - started
            return seconds, rss_mb(process.pid)
        finally:
            context.close()


def measure_cold_starts(browser, repeats: int, tmp: Path) -> dict[str, dict]:
    """Alternating cold starts of app.py and of a hello-world script, each on a new server."""
    hello = tmp / "hello.py"
    hello.write_text(HELLO)
    runs = {
        "app": (ROOT / "app.py", lambda page: page.locator("h1").first.wait_for(state="visible")),
        "hello": (hello, lambda page: page.get_by_text("hello", exact=True).wait_for(state="visible")),
    }
    results = {name: {"seconds": [], "rss": []} for name in runs}
    for i in range(repeats):
        for name, (script, ready) in runs.items():
            seconds, rss = cold_start(browser, script, ready, tmp / f"cold-{name}-{i}.log")
            results[name]["seconds"].append(seconds)
            results[name]["rss"].append(rss)
            print(f"  cold start {name} #{i + 1}: {seconds:.2f} s, {rss:.0f} MB", file=sys.stderr)
    return results


def measure_warm(browser, presses: int, tmp: Path) -> tuple[list[tuple], list[tuple], list[str]]:
    """On one server, every built page in turn: RSS once rendered, then slider latencies.

    Returns (memory rows (what, MB), latency rows (url, label, times), notes)."""
    memory, latency, notes = [], [], []
    with server(ROOT / "app.py", tmp / "warm.log") as (process, port, _):
        context, page = new_page(browser)
        try:
            for info in catalog.built_pages():
                url = "/" + url_path(info)
                page.goto(f"http://127.0.0.1:{port}{url}")
                wait_rendered(page)
                memory.append((f"app.py warm, `{url}` rendered", rss_mb(process.pid)))
                labels = slider_labels(page)
                print(f"  {url}: sliders {labels}", file=sys.stderr)
                if info.stem not in SLIDERS:
                    notes.append(f"`{url}` has no entry in bench SLIDERS: latency not measured.")
                for label in SLIDERS.get(info.stem, []):
                    if label not in labels:
                        notes.append(f"`{url}`: no slider labelled “{label}” (found: {labels}).")
                        continue
                    times = key_latencies(page, label, presses)
                    latency.append((url, label, times))
                    wait_rendered(page)
            memory.append(("app.py warm, after all slider presses", rss_mb(process.pid)))
        finally:
            context.close()
    return memory, latency, notes


def tables(cold: dict, memory: list, latency: list, notes: list[str]) -> str:
    """The results as Markdown."""
    app, hello = (statistics.median(cold[n]["seconds"]) for n in ("app", "hello"))
    lines = [
        "## Cold start: process start → first rendered page in chromium",
        "",
        "| script | median (s) | runs (s) |",
        "|---|---:|---|",
        *(f"| {name} | {statistics.median(r['seconds']):.2f} | {', '.join(f'{s:.2f}' for s in r['seconds'])} |"
          for name, r in (("app.py (Home)", cold["app"]), ("hello world", cold["hello"]))),
        f"| **ratio app / hello** | **{app / hello:.2f}×** | goal ≤ 1.5× |",
        "",
        "## Slider key press → script run finished and figures redrawn (one warm server)",
        "",
        "| page | slider | p50 (ms) | p95 (ms) | presses | no rerun seen |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for url, label, times in latency:
        done = [t for t in times if t is not None]
        p50_text, p95_text = (f"{statistics.median(done):.0f}", f"{p95(done):.0f}") if done else ("–", "–")
        flag = " ⚠" if done and p95(done) > 300 else ""
        lines.append(f"| `{url}` | {label} | {p50_text} | {p95_text}{flag} | {len(times)} | {len(times) - len(done)} |")
    lines += [
        "",
        "## Server memory (RSS of the server process and its children)",
        "",
        "| server, after | RSS (MB) |",
        "|---|---:|",
        f"| hello world, rendered (median of cold starts) | {statistics.median(cold['hello']['rss']):.0f} |",
        f"| app.py, Home rendered (median of cold starts) | {statistics.median(cold['app']['rss']):.0f} |",
        *(f"| {what} | {mb:.0f} |" for what, mb in memory),
    ]
    if notes:
        lines += ["", "Notes:", "", *(f"- {note}" for note in notes)]
    return "\n".join(lines) + "\n"


def header(browser_version: str, repeats: int, presses: int) -> str:
    import streamlit

    return "\n".join([
        "# Benchmark results",
        "",
        f"- Date: {datetime.datetime.now().isoformat(timespec='minutes')}",
        f"- Machine: {os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {platform.platform()}, "
        f"Python {platform.python_version()}, Streamlit {streamlit.__version__}, Chromium {browser_version}",
        f"- One run of `python -m bench`: medians (and p95) of that run only — {repeats} alternating cold "
        f"starts per script, {presses} key presses per slider after 2 warm-ups. Shared, noisy machine: "
        "compare ratios, do not assert timings.",
        f"- Goals: {GOALS}.",
        "- Cold starts include the fixed 0.3 s settle at the end of `wait_rendered` (for both scripts).",
        "",
    ]) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="cold starts per script (default 3)")
    parser.add_argument("--presses", type=int, default=20, help="timed key presses per slider (default 20)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-") as tmp, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            print("cold starts…", file=sys.stderr)
            cold = measure_cold_starts(browser, args.repeats, Path(tmp))
            print("warm server: pages, sliders, memory…", file=sys.stderr)
            memory, latency, notes = measure_warm(browser, args.presses, Path(tmp))
            report = header(browser.version, args.repeats, args.presses) + tables(cold, memory, latency, notes)
        finally:
            browser.close()
            for log in sorted(Path(tmp).glob("*.log")):
                if "Traceback" in log.read_text():
                    print(f"--- {log.name} has a traceback:\n{log.read_text()}", file=sys.stderr)
    print(report)
    RESULTS.write_text(report)


if __name__ == "__main__":
    main()
