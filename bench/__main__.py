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

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import sync_playwright

from bench.browser import key_latencies, rss_mb, server, slider_labels, text_latencies
from bench.gan_lab import lab_table
from bench.models import generation_table, live_table, model_table
from tests.e2e.conftest import CHROMIUM_FLAGS, ROOT, chromium_path, min_figures, wait_rendered
from ui import catalog

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
# Markdown "# hello" so the page has the h1 that conftest's wait_rendered waits for, as the app's does.
HELLO = 'import streamlit as st; st.write("# hello")\n'
# The sliders moved on each page (by exact label, en locale). Pages without an entry are
# skipped for latency, with a note in the results.
SLIDERS = {
    "home": ["Noise: share of flipped pixels"],
    "discrete": ["p = P(X = 1)", "Number of pixels n"],
    "independence": ["Markov order k (n = 64)", "Number of pixels n"],
    "nade": ["Hidden units H", "Temperature T"],
    "pixelrnn": ["Row of the pixel"],
    "variational": ["Mean μ of q(z)", "Monte Carlo samples S"],
    "vae": ["KL weight β (one trained checkpoint each)", "First test digit shown"],
    "gan": ["Centre of p_g", "D(G(z)): how real the discriminator finds a fake"],
    "dcgan_infogan": ["Samples", "c₂"],
    "conditional": ["Samples"],
    "translation": ["Number of domains k"],
    "progressive_gan": ["α"],
}
# Text inputs timed the same way (type one text or the other, press Enter): page -> (label, texts).
TEXT_INPUTS = {"conditional": ("Prompt (English or Korean)", ("a thick seven", "얇은 3"))}
GOALS = "cold start of the app ≤ 1.5× a hello-world app's; slider → updated figure p95 ≤ 300 ms"


def url_path(info: catalog.PageInfo) -> str:
    """The page's URL path after the host: "" for Home, its stem otherwise."""
    return "" if info.stem == "home" else info.stem


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]


def new_page(browser):
    """A page in a brand-new context (empty cache), English, desktop-sized."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    return context, context.new_page()


def cold_start(browser, script: Path, ready, figures: int, log_path: Path) -> dict[str, float]:
    """One cold start of `streamlit run script`: "seconds" from spawning it until the first
    page is rendered and `ready(page)` holds; "settle", how long wait_rendered then takes on
    the already-rendered page (its fixed waits, part of "seconds"); the server's "rss" (MB)."""
    with server(script, log_path) as (process, port, started):
        context, page = new_page(browser)
        try:
            page.goto(f"http://127.0.0.1:{port}/")
            wait_rendered(page, figures)
            ready(page)
            seconds = time.monotonic() - started
            rss = rss_mb(process.pid)
            before = time.monotonic()
            wait_rendered(page, figures)
            return {"seconds": seconds, "settle": time.monotonic() - before, "rss": rss}
        finally:
            context.close()


def measure_cold_starts(browser, repeats: int, tmp: Path) -> dict[str, dict]:
    """Alternating cold starts of app.py and of a hello-world script, each on a new server."""
    hello = tmp / "hello.py"
    hello.write_text(HELLO)
    runs = {
        "app": (ROOT / "app.py", lambda page: page.locator("h1").first.wait_for(state="visible"), 1),
        "hello": (hello, lambda page: page.get_by_text("hello", exact=True).wait_for(state="visible"), 0),
    }
    results = {name: {"seconds": [], "net": [], "rss": []} for name in runs}
    for i in range(repeats):
        for name, (script, ready, figures) in runs.items():
            run = cold_start(browser, script, ready, figures, tmp / f"cold-{name}-{i}.log")
            results[name]["seconds"].append(run["seconds"])
            results[name]["net"].append(run["seconds"] - run["settle"])
            results[name]["rss"].append(run["rss"])
            print(f"  cold start {name} #{i + 1}: {run}", file=sys.stderr)
    return results


def measure_page(page, base: str, pid: int, info: catalog.PageInfo, presses: int, results: dict) -> None:
    """Open one page on the warm server, note the server's RSS, time its sliders (in place)."""
    url = "/" + url_path(info)
    page.goto(base + url)
    wait_rendered(page, min_figures(info.stem))
    results["memory"].append((f"app.py warm, `{url}` rendered", rss_mb(pid)))
    if page.locator('[data-testid="stException"]').count():
        results["notes"].append(f"`{url}` shows an exception (see the server log): its timings may be off.")
    labels = slider_labels(page)
    print(f"  {url}: sliders {labels}", file=sys.stderr)
    if info.stem not in SLIDERS:
        results["notes"].append(f"`{url}` has no entry in bench SLIDERS: latency not measured.")
    for label in SLIDERS.get(info.stem, []):
        if label not in labels:
            results["notes"].append(f"`{url}`: no slider labelled “{label}” (found: {labels}).")
            continue
        results["latency"].append((url, label, key_latencies(page, label, presses)))
        wait_rendered(page)
    if info.stem in TEXT_INPUTS:
        label, texts = TEXT_INPUTS[info.stem]
        results["latency"].append((url, f"{label} (typed, Enter)", text_latencies(page, label, texts, presses)))
        wait_rendered(page)


def measure_warm(browser, presses: int, tmp: Path) -> dict[str, list]:
    """On one server, every built page in turn: RSS once rendered, then slider latencies.

    Returns "memory" rows (what, MB), "latency" rows (url, label, times) and "notes"."""
    results = {"memory": [], "latency": [], "notes": []}
    pages = catalog.built_pages()
    if not pages:
        results["notes"].append("catalog.built_pages() is empty: no page benchmarked.")
    with server(ROOT / "app.py", tmp / "warm.log") as (process, port, _):
        context, page = new_page(browser)
        try:
            for info in pages:
                try:
                    measure_page(page, f"http://127.0.0.1:{port}", process.pid, info, presses, results)
                except PlaywrightTimeoutError as error:
                    results["notes"].append(f"`{info.stem}` timed out, skipped: {str(error).splitlines()[0]}")
            results["memory"].append(("app.py warm, after all slider presses", rss_mb(process.pid)))
        finally:
            context.close()
    return results


def tables(cold: dict, warm: dict) -> str:
    """The results as Markdown."""
    median = {(n, k): statistics.median(cold[n][k]) for n in ("app", "hello") for k in ("seconds", "net")}
    lines = [
        "## Cold start: process start → first rendered page in chromium",
        "",
        "| script | median (s) | median without wait_rendered's settle (s) | runs (s) |",
        "|---|---:|---:|---|",
        *(
            f"| {title} | {median[name, 'seconds']:.2f} | {median[name, 'net']:.2f} | "
            f"{', '.join(f'{s:.2f}' for s in cold[name]['seconds'])} |"
            for name, title in (("app", "app.py (Home)"), ("hello", "hello world"))
        ),
        f"| **ratio app / hello** (goal ≤ 1.5×) | **{median['app', 'seconds'] / median['hello', 'seconds']:.2f}×** "
        f"| **{median['app', 'net'] / median['hello', 'net']:.2f}×** | |",
        "",
        "## Slider key press (or Enter in a text input) → script run finished and figures redrawn (one warm server)",
        "",
        "| page | widget | p50 (ms) | p95 (ms) | p50 key → run starts (ms) | presses | no rerun seen |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for url, label, times in warm["latency"]:
        done = [t for t in times if t is not None]
        if done:
            total, queued = [t[0] for t in done], [t[1] for t in done]
            flag = " ⚠" if p95(total) > 300 else ""
            cells = f"{statistics.median(total):.0f} | {p95(total):.0f}{flag} | {statistics.median(queued):.0f}"
        else:
            cells = "– | – | –"
        lines.append(f"| `{url}` | {label} | {cells} | {len(times)} | {len(times) - len(done)} |")
    lines += [
        "",
        "## Server memory (RSS of the server process and its children)",
        "",
        "| server, after | RSS (MB) |",
        "|---|---:|",
        f"| hello world, rendered (median of cold starts) | {statistics.median(cold['hello']['rss']):.0f} |",
        f"| app.py, Home rendered (median of cold starts) | {statistics.median(cold['app']['rss']):.0f} |",
        *(f"| {what} | {mb:.0f} |" for what, mb in warm["memory"]),
    ]
    if warm["notes"]:
        lines += ["", "Notes:", "", *(f"- {note}" for note in warm["notes"])]
    return "\n".join(lines) + "\n"


def header(browser_version: str, repeats: int, presses: int) -> str:
    import streamlit

    return (
        "\n".join(
            [
                "# Benchmark results",
                "",
                f"- Date: {datetime.datetime.now().isoformat(timespec='minutes')}",
                f"- Machine: nproc {len(os.sched_getaffinity(0))}, {platform.platform()}, "
                f"Python {platform.python_version()}, Streamlit {streamlit.__version__}, Chromium {browser_version}",
                f"- One run of `python -m bench`: medians (and p95) of that run only — {repeats} alternating cold "
                f"starts per script, {presses} key presses per slider after 2 warm-ups. Shared, noisy machine: "
                "compare ratios, do not assert timings.",
                f"- Goals: {GOALS}.",
                "- Cold start ends when `wait_rendered` (tests/e2e/conftest.py) has returned and the title is "
                'visible; the hello-world script is `st.write("# hello")`, so that it has the h1 `wait_rendered` '
                "needs. “Without settle” subtracts the time `wait_rendered` takes again on the rendered page "
                "(its fixed waits), which otherwise pulls the ratio towards 1. "
                "Slider latency runs from the browser's keydown to the first animation frame after the run it "
                "triggered ended; “key → run starts” is the part spent before the server started that run; "
                "“no rerun seen” counts presses after which no script run started within 4 s (left out of "
                "p50/p95). ⚠ marks p95 over the goal.",
                "",
            ]
        )
        + "\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="cold starts per script (default 5)")
    parser.add_argument("--presses", type=int, default=20, help="timed key presses per slider (default 20)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-") as tmp, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            print("cold starts…", file=sys.stderr)
            cold = measure_cold_starts(browser, args.repeats, Path(tmp))
            print("warm server: pages, sliders, memory…", file=sys.stderr)
            warm = measure_warm(browser, args.presses, Path(tmp))
            print("models…", file=sys.stderr)
            report = "\n".join([header(browser.version, args.repeats, args.presses) + tables(cold, warm),
                                 model_table(), generation_table(), live_table(), lab_table()])
        finally:
            browser.close()
            for log in sorted(Path(tmp).glob("*.log")):
                if "Traceback" in log.read_text():
                    print(f"--- {log.name} has a traceback:\n{log.read_text()}", file=sys.stderr)
    print(report)
    RESULTS.write_text(report)


if __name__ == "__main__":
    main()
