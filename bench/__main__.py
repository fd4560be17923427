"""`python -m bench`: cold start, widget latency and server memory, as Markdown tables.

Prints the tables and writes them to bench/RESULTS.md. One run, medians and ratios only:
the machines are shared and noisy, so nothing here is asserted. `--only` and `--pages`
re-measure a part (written to `--out` if given, never to RESULTS.md), e.g.
`python -m bench --only sliders --pages /aae,/glossary --out /tmp/bench-partial.md`.
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

from bench.anatomy import anatomy_table, server_runs
from bench.browser import QUIET_MS, WS_HOOK_JS, key_latencies, radio_latencies, rss_mb, server, slider_labels, text_latencies
from bench.gan_lab import lab_table
from bench.models import generation_table, live_table, model_table
from tests.e2e.conftest import CHROMIUM_FLAGS, ROOT, chromium_path, min_figures, wait_rendered
from ui import catalog

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
# Markdown "# hello" so the page has the h1 that conftest's wait_rendered waits for, as the app's does.
HELLO = 'import streamlit as st; st.write("# hello")\n'
# The floor app: Streamlit's own cost of a slider press (one slider, one Plotly line, one 8×8 image).
FLOOR_APP = Path(__file__).resolve().parent / "floor_app.py"
FLOOR_LABEL = "Frequency"
FLOOR = "floor app"  # the page column of its rows
# The sliders moved on each page (by exact label, en locale), at least one per demo that has one.
# Pages with no entry here nor in RADIOS or TEXT_INPUTS are skipped for latency, with a note.
SLIDERS = {
    "home": ["Noise: share of flipped pixels"],
    "discrete": ["p = P(X = 1)", "Number of faces m", "Bits per channel b", "Number of pixels n"],
    "independence": ["Markov order k (n = 64)", "Number of pixels n"],
    "nade": ["Hidden units H", "Temperature T", "Start from test digit", "Pixel i (raster order)"],
    "pixelrnn": ["Row of the pixel", "How many samples"],
    "variational": ["Mean μ of q(z)", "Starting mean of q: z₁", "Monte Carlo samples S"],
    "vae": ["KL weight β (one trained checkpoint each)", "First test digit shown"],
    "gan": ["Centre of p_g", "D(G(z)): how real the discriminator finds a fake"],
    "dcgan_infogan": ["Samples", "c₂"],
    "conditional": ["Samples"],
    "translation": ["Number of domains k"],
    "progressive_gan": ["α"],
}
# Radio groups moved by arrow keys, timed the same way: page -> labels.
RADIOS = {"aae": ["Prior p(z)"]}
# Text inputs timed the same way (type one text or the other, press Enter): page -> (label, texts).
TEXT_INPUTS = {
    "conditional": ("Prompt (English or Korean)", ("a thick seven", "얇은 3")),
    "glossary": ("Search a term (English or 한국어)", ("chain rule", "잠재벡터")),
}
RATIO_GOAL, COLD_GOAL, MEMORY_GOAL_MB = 1.5, 1.3, 500
GOALS = (f"every widget of every page: p50 ≤ {RATIO_GOAL}× the floor app's p50 and p95 ≤ {RATIO_GOAL}× its p95; "
         f"cold start to the first rendered Home ≤ {COLD_GOAL}× the hello-world app's; "
         f"server memory after visiting every page ≤ {MEMORY_GOAL_MB} MB")
SECTIONS = ("cold", "sliders", "anatomy", "models")


def url_path(info: catalog.PageInfo) -> str:
    """The page's URL path after the host: "" for Home, its stem otherwise."""
    return "" if info.stem == "home" else info.stem


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]


def new_page(browser):
    """A page in a brand-new context (empty cache), English, desktop-sized, with the WebSocket
    hook that widget timing needs."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    context.add_init_script(WS_HOOK_JS)  # before the app opens its WebSocket, for ARM_JS
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


def measure_floor(browser, presses: int, tmp: Path, when: str) -> tuple:
    """The floor app's slider latencies, on its own fresh server: a "latency" row (url, label, times)."""
    with server(FLOOR_APP, tmp / f"floor-{when}.log") as (_, port, _):
        context, page = new_page(browser)
        try:
            page.goto(f"http://127.0.0.1:{port}/")
            wait_rendered(page, 2)
            return FLOOR, f"{FLOOR_LABEL} ({when} the app's widgets)", key_latencies(page, FLOOR_LABEL, presses)
        finally:
            context.close()


def measure_page(page, base: str, pid: int, info: catalog.PageInfo, presses: int, results: dict) -> None:
    """Open one page on the warm server, note the server's RSS, time its widgets (in place)."""
    url = "/" + url_path(info)
    figures = min_figures(info.stem)
    page.goto(base + url)
    wait_rendered(page, figures)
    results["memory"].append((f"app.py warm, `{url}` rendered", rss_mb(pid)))
    if page.locator('[data-testid="stException"]').count():
        results["notes"].append(f"`{url}` shows an exception (see the server log): its timings may be off.")
    labels = slider_labels(page)
    print(f"  {url}: sliders {labels}", file=sys.stderr)
    if not any(info.stem in widgets for widgets in (SLIDERS, RADIOS, TEXT_INPUTS)):
        results["notes"].append(f"`{url}` has no entry in bench SLIDERS, RADIOS or TEXT_INPUTS: latency not measured.")
    for label in SLIDERS.get(info.stem, []):
        if label not in labels:
            results["notes"].append(f"`{url}`: no slider labelled “{label}” (found: {labels}).")
            continue
        results["latency"].append((url, label, key_latencies(page, label, presses)))
        wait_rendered(page, figures)
    for label in RADIOS.get(info.stem, []):
        results["latency"].append((url, f"{label} (radio)", radio_latencies(page, label, presses)))
        wait_rendered(page, figures)
    if info.stem in TEXT_INPUTS:
        label, texts = TEXT_INPUTS[info.stem]
        results["latency"].append((url, f"{label} (typed, Enter)", text_latencies(page, label, texts, presses)))
        wait_rendered(page, figures)


def measure_warm(browser, presses: int, tmp: Path, stems: list[str] | None = None) -> dict[str, list]:
    """On one server, every built page in turn (or those of `stems`): RSS once rendered, then
    widget latencies.

    Returns "memory" rows (what, MB), "latency" rows (url, label, times) and "notes"."""
    results = {"memory": [], "latency": [], "notes": []}
    pages = [info for info in catalog.built_pages() if stems is None or info.stem in stems]
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
            results["memory"].append(("app.py warm, after all widget presses", rss_mb(process.pid)))
        finally:
            context.close()
    return results


def cold_table(cold: dict) -> list[str]:
    """The cold starts of app.py and hello world, and their ratio."""
    median = {(n, k): statistics.median(cold[n][k]) for n in ("app", "hello") for k in ("seconds", "net")}
    ratios = [median["app", k] / median["hello", k] for k in ("seconds", "net")]
    return [
        "## Cold start: process start → first rendered page in chromium",
        "",
        "| script | median (s) | median without wait_rendered's settle (s) | runs (s) |",
        "|---|---:|---:|---|",
        *(
            f"| {title} | {median[name, 'seconds']:.2f} | {median[name, 'net']:.2f} | "
            f"{', '.join(f'{s:.2f}' for s in cold[name]['seconds'])} |"
            for name, title in (("app", "app.py (Home)"), ("hello", "hello world"))
        ),
        f"| **ratio app / hello** (goal ≤ {COLD_GOAL}×) | **{flag(ratios[0], COLD_GOAL, '.2f', '×')}** "
        f"| **{flag(ratios[1], COLD_GOAL, '.2f', '×')}** | |",
        "",
    ]


def flag(value: float, goal: float, spec: str = ".0f", unit: str = "") -> str:
    """`value` formatted, then `unit`, then ⚠ when it is over `goal` as shown."""
    shown = f"{value:{spec}}"
    return f"{shown}{unit}" + (" ⚠" if float(shown) > goal else "")


def summary(times: list) -> tuple[float, float, float] | None:
    """p50 and p95 of the total times and p50 of the queued times, over the presses that
    triggered a run (None if none did)."""
    done = [t for t in times if t is not None]
    if not done:
        return None
    total = [t[0] for t in done]
    return statistics.median(total), p95(total), statistics.median(t[1] for t in done)


def latency_table(latency: list) -> list[str]:
    """One row per widget (the floor app's first), with its p50 and p95 as ratios to the floor's."""
    lines = [
        "## Widget key press → its script run finished and the main area redrawn (floor app; app.py on one warm server)",
        "",
        "Slider and radio: an arrow key; text input: Enter after typing. The floor app is timed on its own server "
        "before and after the app's widgets; ratios are to its p50 and p95 over both (all its presses of this run); "
        f"⚠ marks a ratio over {RATIO_GOAL}.",
        "",
        "| page | widget | p50 (ms) | p95 (ms) | p50 / floor | p95 / floor | p50 key → run starts (ms) "
        "| presses | no rerun seen |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    floor = summary([t for url, _, times in latency if url == FLOOR for t in times])
    for url, label, times in latency:
        done = summary(times)
        if done and floor:
            ratios = " | ".join(flag(v / f, RATIO_GOAL, ".2f", "×") for v, f in zip(done[:2], floor[:2]))
        else:
            ratios = "– | –"
        cells = f"{done[0]:.0f} | {done[1]:.0f} | {ratios} | {done[2]:.0f}" if done else "– | – | – | – | –"
        page = url if url == FLOOR else f"`{url}`"
        seen = sum(t is not None for t in times)
        lines.append(f"| {page} | {label} | {cells} | {len(times)} | {len(times) - seen} |")
    return lines + [""]


def tables(cold: dict | None, warm: dict | None) -> str:
    """The results as Markdown: the parts that were measured."""
    lines = cold_table(cold) if cold else []
    if warm:
        lines += latency_table(warm["latency"])
        lines += [
            f"## Server memory (RSS of the server process and its children; goal ≤ {MEMORY_GOAL_MB} MB after "
            "every page)",
            "",
            "| server, after | RSS (MB) |",
            "|---|---:|",
        ]
        if cold:
            lines += [
                f"| hello world, rendered (median of cold starts) | {statistics.median(cold['hello']['rss']):.0f} |",
                f"| app.py, Home rendered (median of cold starts) | {statistics.median(cold['app']['rss']):.0f} |",
            ]
        lines += [f"| {what} | {flag(mb, MEMORY_GOAL_MB)} |" for what, mb in warm["memory"]]
        if warm["notes"]:
            lines += ["", "Notes:", "", *(f"- {note}" for note in warm["notes"])]
    return "\n".join(lines) + "\n"


def header(browser_version: str, command: str, only: set[str], repeats: int, presses: int) -> str:
    """The report's title, machine, what was run, goals and method."""
    import streamlit

    counts = [f"{repeats} alternating cold starts per script" if "cold" in only else "",
              f"{presses} key presses per widget after 2 warm-ups" if "sliders" in only else ""]
    return (
        "\n".join(
            [
                "# Benchmark results",
                "",
                f"- Date: {datetime.datetime.now().isoformat(timespec='minutes')}",
                f"- Machine: nproc {len(os.sched_getaffinity(0))}, {platform.platform()}, "
                f"Python {platform.python_version()}, Streamlit {streamlit.__version__}, Chromium {browser_version}",
                f"- One run of `{command}`: medians (and p95) of that run only — "
                f"{', '.join(filter(None, counts)) or 'no browser timing'}. Shared, noisy machine: "
                "compare ratios, do not assert timings.",
                f"- Goals: {GOALS}.",
                "- Cold start ends when `wait_rendered` (tests/e2e/conftest.py) has returned and the title is "
                'visible; the hello-world script is `st.write("# hello")`, so that it has the h1 `wait_rendered` '
                "needs. “Without settle” subtracts the time `wait_rendered` takes again on the rendered page "
                "(its fixed waits), which otherwise pulls the ratio towards 1. "
                "Widget latency runs from the browser's keydown to the first animation frame after the last "
                "change the press caused: a DOM mutation in the main area (figures redrawn included; not the "
                "status widget, skeletons or a canvas's fallback content) or a WebSocket message starting or "
                "ending a script run, stamped on arrival (bench/browser.py ARM_JS). The press is over once a run "
                f"has finished and the main area has been quiet for {QUIET_MS} ms, which is not counted; it does "
                "not rely on the app's script-state attribute, which a fast run may never visibly switch, so "
                "every press is counted. “Key → run starts” runs to the arrival of the run's first message "
                "(new_session); “no rerun seen” counts presses after which no script run finished within 4 s "
                "(left out of p50/p95). The floor app (bench/floor_app.py: one slider, one Plotly line, one 8×8 image) is "
                "timed the same way, on a fresh server of its own, before and after the app's widgets. "
                "⚠ marks a value over its goal.",
                "",
            ]
        )
        + "\n"
    )


def anatomy_of(latency: list, stems: list[str] | None, tmp: Path) -> list[str]:
    """The server's part of the slowest sliders' presses and of the floor app's (bench/anatomy.py),
    beside this run's browser p50s."""
    browser_p50 = {(url.strip("/") or "home", label): done[0] for url, label, times in latency
                   if url != FLOOR and (done := summary(times))}
    if floor_presses := summary([t for url, _, times in latency if url == FLOOR for t in times]):
        browser_p50[FLOOR, FLOOR_LABEL] = floor_presses[0]
    sliders = {stem: labels for stem, labels in SLIDERS.items() if stems is None or stem in stems}
    floor = server_runs(FLOOR_APP, {"": [FLOOR_LABEL]}, tmp / "anatomy-floor.log")
    app = server_runs(ROOT / "app.py", sliders, tmp / "anatomy-app.log")
    return anatomy_table({(FLOOR, FLOOR_LABEL): floor["", FLOOR_LABEL]}, app, browser_p50)


def page_stems(spec: str) -> list[str]:
    """The stems of a comma-separated list of page URL paths ("/" or "home" for Home, "/aae" or "aae")."""
    stems = [part.strip().strip("/") or "home" for part in spec.split(",") if part.strip()]
    known = {info.stem for info in catalog.built_pages()}
    if unknown := [stem for stem in stems if stem not in known]:
        raise SystemExit(f"--pages: no built page {unknown}; built: {sorted(known)}")
    return stems


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="cold starts per script (default 5)")
    parser.add_argument("--presses", type=int, default=20, help="timed key presses per widget (default 20)")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated parts to run, of {', '.join(SECTIONS)} (default all; sliders = every "
                        "widget's latency, with the floor app, and server memory)")
    parser.add_argument("--pages", help="comma-separated page URL paths whose widgets are timed, e.g. /aae,/glossary "
                        "(default every page; the floor app is always timed)")
    parser.add_argument("--out", type=Path, help="file to write the report to (default bench/RESULTS.md for a "
                        "full run; a partial run is only printed)")
    args = parser.parse_args()
    only = {part.strip() for part in args.only.split(",")}
    if only - set(SECTIONS):
        parser.error(f"--only: unknown part(s) {sorted(only - set(SECTIONS))}; choose from {', '.join(SECTIONS)}")
    stems = page_stems(args.pages) if args.pages else None
    full = only == set(SECTIONS) and stems is None
    command = " ".join(["python -m bench", *sys.argv[1:]])

    with tempfile.TemporaryDirectory(prefix="bench-") as tmp, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        cold = warm = None
        try:
            if "cold" in only:
                print("cold starts…", file=sys.stderr)
                cold = measure_cold_starts(browser, args.repeats, Path(tmp))
            if "sliders" in only:
                print("floor app, warm server (pages, widgets, memory), floor app again…", file=sys.stderr)
                before = measure_floor(browser, args.presses, Path(tmp), "before")
                warm = measure_warm(browser, args.presses, Path(tmp), stems)
                warm["latency"] = [before, measure_floor(browser, args.presses, Path(tmp), "after"), *warm["latency"]]
            parts = [header(browser.version, command, only, args.repeats, args.presses) + tables(cold, warm)]
            if "anatomy" in only and warm:
                print("the server's part of each press (protocol sessions)…", file=sys.stderr)
                parts.append("\n".join(anatomy_of(warm["latency"], stems, Path(tmp))))
            if "models" in only:
                print("models…", file=sys.stderr)
                parts += [model_table(), generation_table(), live_table(), lab_table()]
            report = "\n".join(parts)
        finally:
            browser.close()
            for log in sorted(Path(tmp).glob("*.log")):
                if "Traceback" in log.read_text():
                    print(f"--- {log.name} has a traceback:\n{log.read_text()}", file=sys.stderr)
    print(report)
    out = args.out or (RESULTS if full else None)
    if out:
        out.write_text(report)
        print(f"written to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
