"""Where a slider press's time goes: the server's part, measured without a browser.

A press in the browser (bench/__main__.py) = key → message to the server → the script (or its
fragment) reruns → ForwardMsgs back → the browser renders them. A protocol-level session
(bench/protocol.py) times the middle: from sending the rerun to its `script_finished`, which is
the server's script time plus serialization and the local socket, and counts what the run
sends (bytes and elements). The rest of the browser's p50 is the browser's: receiving,
diffing and rendering those elements (Plotly and KaTeX above all).
"""

from __future__ import annotations

import asyncio
import statistics
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.browser import server
from bench.protocol import Session, nearest

RUNS = 10  # timed moves per slider, after 2 warm-ups


class CountingSession(Session):
    """A Session that counts the bytes and the elements (deltas) each run sends back."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.bytes = self.deltas = 0

    def _handle(self, msg: ForwardMsg) -> None:
        self.bytes += msg.ByteSize()
        self.deltas += msg.WhichOneof("type") == "delta"
        super()._handle(msg)


async def _slider_runs(base: str, page: str, label: str, runs: int) -> dict[str, float]:
    """Medians over `runs` moves of one slider, one step up and back: seconds, bytes, deltas per run."""
    session = CountingSession(base)
    try:
        await session.open(page)
        slider = session.sliders()[label]
        grid = slider.grid()
        here = nearest(grid, slider.value[0]) if slider.value else 0
        values = [grid[here + 1] if here + 1 < len(grid) else grid[here - 1], grid[here]]
        rows = []
        for i in range(runs + 2):
            session.bytes = session.deltas = 0
            seconds = await session.move(label, values[i % 2])
            rows.append((seconds, session.bytes, session.deltas))
        rows = rows[2:]
        return {key: statistics.median(row[k] for row in rows) for k, key in enumerate(("seconds", "bytes", "deltas"))}
    finally:
        await session.close()


def server_runs(script: Path, sliders: dict[str, list[str]], log_path: Path, runs: int = RUNS) -> dict:
    """{(page, label): medians} for every slider of `sliders` (page stem -> labels; "home" is
    Home) on one fresh server of `script`."""
    with server(script, log_path) as (_, port, _):
        base = f"http://127.0.0.1:{port}"
        results = {}
        for stem, labels in sliders.items():
            for label in labels:
                page = "" if stem == "home" else stem
                try:  # in a thread of its own: Playwright's sync API runs an event loop in this one
                    with ThreadPoolExecutor(1) as thread:
                        results[stem, label] = thread.submit(asyncio.run, _slider_runs(base, page, label, runs)).result()
                except Exception as error:  # a slider the protocol client cannot move: say so, go on
                    results[stem, label] = {"error": f"{type(error).__name__}: {error}"}
        return results


def anatomy_table(floor: dict, app: dict, browser_p50: dict[tuple[str, str], float], top: int = 5) -> list[str]:
    """The slowest `top` widgets by browser p50 (and the floor app), each split into the server's
    run and the browser's rest, with what the run sent."""
    rows = sorted(app.items(), key=lambda item: -browser_p50.get(item[0], 0))[:top]
    lines = ["## Where a press's time goes (the slowest widgets, and the floor app)", "",
             "Server run: a protocol-level session (bench/anatomy.py, no browser) times a press from the rerun "
             "request to `script_finished`, medians of "
             f"{RUNS} moves on a fresh server; bytes and elements are what that run sends back. "
             "Browser: p50 of this run's browser presses minus the server run: receiving and rendering.", "",
             "| page | widget | browser p50 (ms) | server run p50 (ms) | browser's part (ms) | bytes per run | "
             "elements per run |", "|---|---|---:|---:|---:|---:|---:|"]
    for (stem, label), measured in [*floor.items(), *rows]:
        total = browser_p50.get((stem, label))
        if "error" in measured:
            lines.append(f"| {stem} | {label} | – | – | – | – | {measured['error']} |")
            continue
        server_ms = 1000 * measured["seconds"]
        rest = f"{total - server_ms:.0f}" if total is not None else "–"
        shown = f"{total:.0f}" if total is not None else "–"
        lines.append(f"| {stem} | {label} | {shown} | {server_ms:.0f} | {rest} | {measured['bytes']:,.0f} | "
                     f"{measured['deltas']:.0f} |")
    return [*lines, ""]
