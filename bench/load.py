"""`python -m bench.load`: a class of N sessions on 1 and 2 replicas, at the protocol level.

For each replica count: start the servers (scripts/serve.sh: replicas behind nginx with cookie
affinity; 1 replica also goes through nginx, so both counts pay the same proxy hop), visit the
pages once on each replica (warm), then

(a) N protocol sessions (bench/protocol.py, no browser), spread over a mix of pages, each moving
    one slider to a random point of its grid, waiting for the run to finish, pausing `--think`
    seconds (× uniform 0.5–1.5) and moving again, for `--seconds`; meanwhile one real chromium
    page (Playwright) presses the arrow keys on a slider and times its own presses (bench.browser);
(b) one idle session moving a cheap slider, alone for `--idle-seconds`, then while `--train`
    sessions press the VAE page's live-training button at once (for `--seconds` or until every
    training has finished);
(c) server CPU (utime + stime of the server process trees, /proc/<pid>/stat) and RSS
    (bench.browser.rss_mb) every 2 s through it all, and after every session has closed, RSS for
    up to `--recovery` seconds until it is back within 20% of its warm value.

Writes Markdown tables to `--out` (default bench/LOAD.md). Measures and reports; asserts nothing.
Run it under the machine's lock: `flock /tmp/heavy.lock .venv/bin/python -m bench.load`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import math
import os
import platform
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bench.browser import WS_HOOK_JS, rss_mb, slider_thumb, timed_presses
from bench.protocol import ProtocolError, Session, nearest

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).resolve().parent / "LOAD.md"
SERVE = ROOT / "scripts" / "serve.sh"
# (page URL path, slider label, en locale): the sessions of (a) take these in turn.
MIX = [
    ("independence", "Markov order k (n = 64)"),
    ("discrete", "p = P(X = 1)"),
    ("vae", "First test digit shown"),
    ("nade", "Temperature T"),
    ("variational", "Mean μ of q(z)"),
    ("vae", "KL weight β (one trained checkpoint each)"),
    ("gan", "Centre of p_g"),
    ("discrete", "Number of pixels n"),
]
BROWSER = ("independence", "Markov order k (n = 64)")  # the real browser's slider in (a)
IDLE = ("discrete", "p = P(X = 1)")  # the idle session's slider in (b)
TRAIN = ("vae", "Train at β")  # the live-training button (ui/locales/en/vae.toml vae.live.run)
SAMPLE_SECONDS = 2.0
GOALS = {"p95_2": 1.5, "ratio": 0.6, "idle": 2.0, "rss": 0.2, "rss_seconds": 180, "capacity_p95": 1.0}
TICK = os.sysconf("SC_CLK_TCK")


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]


# ---------------------------------------------------------------------------------------------
# Servers


def free_base_port(replicas: int) -> int:
    """A port P such that P and the replicas' P+100, P+101, ... are all free."""
    for _ in range(200):
        port = random.randrange(20000, 40000)
        try:
            for p in [port, *(port + 100 + i for i in range(replicas))]:
                with socket.socket() as s:
                    s.bind(("127.0.0.1", p))
            return port
        except OSError:
            continue
    raise RuntimeError("no free ports")


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


OWN_NGINX = """worker_processes 1;
pid {dir}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/client_body; proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi; uwsgi_temp_path {dir}/uwsgi; scgi_temp_path {dir}/scgi;
    map $cookie_stroute $route {{ "" $request_id; default $cookie_stroute; }}
    map $cookie_stroute $route_cookie {{ "" "stroute=$request_id; Path=/; HttpOnly; SameSite=Lax"; default ""; }}
    map $http_upgrade $connection_upgrade {{ default upgrade; "" ""; }}
    upstream streamlit {{ hash $route consistent; {servers} keepalive 16; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://streamlit;
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 3600s;
            proxy_send_timeout 3600s;
            add_header Set-Cookie $route_cookie always;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


@dataclass
class Servers:
    port: int  # nginx
    replica_ports: list[int]
    processes: list[subprocess.Popen]  # the roots of the server process trees
    how: str
    logs: list[Path] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def roots(self) -> list[int]:
        return [p.pid for p in self.processes]


def start_serve_sh(replicas: int, port: int, tmp: Path) -> Servers:
    """scripts/serve.sh REPLICAS PORT, nginx on 127.0.0.1 (it exits on SIGTERM, stopping all)."""
    log = tmp / f"serve-{replicas}.log"
    env = {**os.environ, "SERVE_ADDRESS": "127.0.0.1"}
    process = subprocess.Popen(["bash", str(SERVE), str(replicas), str(port)], cwd=ROOT, env=env,
                               stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True)
    return Servers(port, [port + 100 + i for i in range(replicas)], [process], "scripts/serve.sh", [log])


def start_own(replicas: int, port: int, tmp: Path) -> Servers:
    """The same set-up as scripts/serve.sh, started here: replicas (no file watcher) and nginx."""
    run_dir = tmp / f"nginx-{replicas}"
    run_dir.mkdir()
    run_dir.chmod(0o755)
    processes, logs, ports = [], [], [port + 100 + i for i in range(replicas)]
    for p in ports:
        logs.append(tmp / f"replica-{p}.log")
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.address",
             "127.0.0.1", "--server.port", str(p), "--server.fileWatcherType", "none"],
            cwd=ROOT, stdout=open(logs[-1], "w"), stderr=subprocess.STDOUT))
    servers = " ".join(f"server 127.0.0.1:{p};" for p in ports)
    (run_dir / "nginx.conf").write_text(OWN_NGINX.format(dir=run_dir, servers=servers, port=port))
    logs.append(tmp / f"nginx-{replicas}.log")
    processes.append(subprocess.Popen(["nginx", "-p", str(run_dir), "-c", str(run_dir / "nginx.conf"), "-e",
                                       "stderr", "-g", "daemon off;"], stdout=open(logs[-1], "w"),
                                      stderr=subprocess.STDOUT))
    return Servers(port, ports, processes, "own launcher (bench/load.py, as scripts/serve.sh)", logs)


def stop(servers: Servers) -> None:
    """SIGTERM every root (serve.sh stops its replicas and nginx), SIGKILL its group after 30 s."""
    for process in servers.processes:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
    for process in servers.processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                if servers.how == "scripts/serve.sh":
                    os.killpg(process.pid, signal.SIGKILL)
                else:
                    process.kill()
            process.wait()


@contextlib.contextmanager
def serve(replicas: int, launcher: str, tmp: Path, notes: list[str]):
    """Servers for `replicas`, healthy behind nginx and on every replica port; stopped on exit."""
    use_serve = launcher == "serve.sh" or (launcher == "auto" and SERVE.exists())
    port = free_base_port(replicas)
    servers = (start_serve_sh if use_serve else start_own)(replicas, port, tmp)
    try:
        deadline = time.monotonic() + 240
        while not all(healthy(p) for p in [port, *servers.replica_ports]):
            if any(p.poll() is not None for p in servers.processes) or time.monotonic() > deadline:
                raise RuntimeError(f"{servers.how} did not start: " + " / ".join(
                    log.read_text()[-2000:] for log in servers.logs))
            time.sleep(0.5)
    except RuntimeError as error:
        stop(servers)
        if not use_serve or launcher == "serve.sh":
            raise
        notes.append(f"{replicas} replica(s): scripts/serve.sh failed ({str(error)[:300]}); used the own launcher.")
        port = free_base_port(replicas)
        servers = start_own(replicas, port, tmp)
        deadline = time.monotonic() + 240
        while not all(healthy(p) for p in [port, *servers.replica_ports]):
            if time.monotonic() > deadline:
                stop(servers)
                raise RuntimeError(f"the own launcher did not start either: {servers.logs}") from error
            time.sleep(0.5)
    try:
        yield servers
    finally:
        scan_logs(servers, notes, replicas)
        stop(servers)


def scan_logs(servers: Servers, notes: list[str], replicas: int) -> None:
    """Note the tracebacks in the replicas' logs (serve.sh names its log folder on stdout)."""
    logs = list(servers.logs)
    for log in servers.logs:
        match = re.search(r"Replica logs: (\S+)/replica-\*\.log", log.read_text())
        if match:
            logs += sorted(Path(match.group(1)).glob("replica-*.log"))
    for log in logs:
        with contextlib.suppress(OSError):
            text = log.read_text()
            if count := text.count("Traceback"):
                last = text[text.rindex("Traceback"):][:600].replace("\n", " ⏎ ")
                notes.append(f"{replicas} replica(s): {count} traceback(s) in {log.name}; last: `{last}`")


# ---------------------------------------------------------------------------------------------
# CPU and RSS


def proc_table() -> tuple[dict[int, int], dict[int, float]]:
    """Every process's parent and its CPU seconds (utime + stime)."""
    parents, cpu = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            pid = int(stat.parent.name)
            parents[pid] = int(fields[1])
            cpu[pid] = (int(fields[11]) + int(fields[12])) / TICK
    return parents, cpu


def family(roots: list[int], parents: dict[int, int]) -> set[int]:
    found, grew = set(roots), True
    while grew:
        children = {child for child, parent in parents.items() if parent in found} - found
        found |= children
        grew = bool(children)
    return found


def machine_busy() -> float:
    """CPU seconds spent busy by the whole machine since boot (all cores)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(values[:8]) - values[3] - values[4]) / TICK


class Sampler(threading.Thread):
    """Every 2 s: (t, phase, server CPU %, client CPU %, others' CPU %, server RSS MB); CPU in %
    of one core over the last interval (200% = both cores of this machine busy)."""

    def __init__(self, roots: list[int]):
        super().__init__(daemon=True)
        self.roots, self.phase, self.samples = roots, "start", []
        self.t0 = time.monotonic()
        self._halt = threading.Event()

    def totals(self) -> tuple[float, float, float]:
        parents, cpu = proc_table()
        servers = family(self.roots, parents)
        client = family([os.getpid()], parents) - servers
        return sum(cpu.get(p, 0) for p in servers), sum(cpu.get(p, 0) for p in client), machine_busy()

    def run(self) -> None:
        last, last_t = self.totals(), time.monotonic()
        while not self._halt.wait(SAMPLE_SECONDS):
            now, now_t = self.totals(), time.monotonic()
            dt = now_t - last_t
            server, client, machine = (max(0.0, (a - b) / dt * 100) for a, b in zip(now, last))
            rss = sum(rss_mb(pid) for pid in self.roots)
            self.samples.append((now_t - self.t0, self.phase, server, client, max(0.0, machine - server - client), rss))
            last, last_t = now, now_t

    def stop(self) -> None:
        self._halt.set()
        self.join()

    def rss(self) -> float:
        return sum(rss_mb(pid) for pid in self.roots)

    def of(self, phase: str) -> list[tuple]:
        return [s for s in self.samples if s[1] == phase]


# ---------------------------------------------------------------------------------------------
# Protocol sessions


@dataclass
class Runs:
    """Slider runs: seconds of each finished run, errors (texts), what was moved."""

    seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    sessions: int = 0
    notes: list[str] = field(default_factory=list)
    upstreams: dict[str, int] = field(default_factory=dict)


async def open_session(base: str, page: str, runs: Runs, timeout: float) -> Session | None:
    session = Session(base, timeout=timeout)
    try:
        await session.open(page)
    except Exception as error:  # noqa: BLE001 - any failure to open is an error of the run
        runs.errors.append(f"open /{page}: {type(error).__name__}: {error}")
        await session.close()
        return None
    runs.errors += session.errors
    session.errors.clear()
    runs.upstreams[session.upstream or "direct"] = runs.upstreams.get(session.upstream or "direct", 0) + 1
    return session


async def keep_moving(session: Session, label: str, until: float, think: float, runs: Runs, rng: random.Random,
                      stop_when=lambda: False) -> None:
    """Move `label` to random grid points until `until` (time.monotonic()), pausing think × U(0.5, 1.5)."""
    sliders = session.sliders()
    if label not in sliders:
        runs.notes.append(f"/{session.page}: no slider {label!r}; moved {next(iter(sliders), None)!r} instead")
        label = next(iter(sliders), None)
        if label is None:
            runs.errors.append(f"/{session.page}: no slider at all")
            return
    grid = sliders[label].grid()
    while time.monotonic() < until and not stop_when():
        current = nearest(grid, session.sliders()[label].value[0])
        value = grid[rng.choice([i for i in range(len(grid)) if i != current] or [current])]
        before = len(session.errors)
        try:
            runs.seconds.append(await session.move(label, value))
        except ProtocolError:
            pass
        except Exception as error:  # noqa: BLE001 - counted, and the session goes on
            session.errors.append(f"/{session.page}: {type(error).__name__}: {error}")
        runs.errors += session.errors[before:]
        if session.errors[before:] and not session.connected:
            return  # disconnected: this session is over
        await asyncio.sleep(think * rng.uniform(0.5, 1.5))


async def class_load(base: str, n: int, seconds: float, think: float, started: threading.Event,
                     finished: threading.Event, sampler: Sampler, seed: int) -> Runs:
    """(a): n sessions over MIX, opened 0.2 s apart, then all moving sliders for `seconds`."""
    runs, rng = Runs(sessions=n), random.Random(seed)
    try:
        sessions = []
        for i in range(n):
            page, label = MIX[i % len(MIX)]
            sessions.append(asyncio.create_task(open_session(base, page, runs, 120)))
            await asyncio.sleep(0.2)
        opened = [await task for task in sessions]
        sampler.phase = "a: class"
        started.set()
        until = time.monotonic() + seconds
        await asyncio.gather(*(keep_moving(s, MIX[i % len(MIX)][1], until, think, runs, random.Random(rng.random()))
                               for i, s in enumerate(opened) if s is not None))
        await asyncio.gather(*(s.close() for s in opened if s is not None))
    finally:
        started.set()
        finished.set()
    return runs


async def idle_and_training(base: str, train: int, idle_seconds: float, seconds: float, think: float,
                            sampler: Sampler, seed: int) -> dict:
    """(b): one idle session alone, then while `train` sessions train a VAE live."""
    rng = random.Random(seed)
    alone, during, trainers_runs = Runs(sessions=1), Runs(sessions=1), Runs(sessions=train)
    idle = await open_session(base, IDLE[0], alone, 60)
    trainers = [await open_session(base, TRAIN[0], trainers_runs, 120) for _ in range(train)]
    trainers = [s for s in trainers if s is not None]
    result = {"alone": alone, "during": during, "trainers": trainers_runs, "train_seconds": [], "wall": 0.0,
              "idle_upstream": idle.upstream if idle else ""}
    if idle is None:
        return result
    await asyncio.sleep(2)
    sampler.phase = "b: idle alone"
    await keep_moving(idle, IDLE[1], time.monotonic() + idle_seconds, think, alone, rng)
    sampler.phase = f"b: idle + {train} training"

    async def train_once(session: Session) -> None:
        before = len(session.errors)
        try:
            result["train_seconds"].append(await session.press(TRAIN[1], timeout=900))
        except ProtocolError:
            pass
        trainers_runs.errors.extend(session.errors[before:])

    started = time.monotonic()
    tasks = [asyncio.create_task(train_once(s)) for s in trainers]
    await keep_moving(idle, IDLE[1], started + seconds, think, during, rng, stop_when=lambda: all(t.done() for t in tasks))
    sampler.phase = "b: trainings finishing"
    await asyncio.gather(*tasks)
    result["wall"] = time.monotonic() - started
    await asyncio.gather(idle.close(), *(s.close() for s in trainers))
    return result


async def warm_up(servers: Servers, notes: list[str], replicas: int) -> None:
    """One session visits every page of MIX (and the training page) on each replica, directly."""
    pages = sorted({page for page, _ in MIX} | {IDLE[0], TRAIN[0], BROWSER[0]})
    for port in servers.replica_ports:
        runs = Runs()
        for page in pages:
            session = await open_session(f"http://127.0.0.1:{port}", page, runs, 120)
            if session is not None:
                await session.close()
        if runs.errors:
            notes.append(f"{replicas} replica(s), warm-up on port {port}: {runs.errors[:3]}")


# ---------------------------------------------------------------------------------------------
# The real browser


def browser_presses(browser, base: str, think: float, started: threading.Event, finished: threading.Event,
                    notes: list[str]) -> Runs:
    """(a)'s real chromium page: arrow key presses on BROWSER's slider, timed by the page itself
    (bench.browser's WebSocket hook: key down → the frame after the run's last change), from
    `started` until `finished`; a press with no finished run within 30 s is an error."""
    from tests.e2e.conftest import wait_rendered

    runs = Runs(sessions=1)
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    context.add_init_script(WS_HOOK_JS)
    page = context.new_page()
    try:
        page.goto(f"{base}/{BROWSER[0]}?lang=en")
        wait_rendered(page, 3)
        thumb = slider_thumb(page, BROWSER[1])
        value = thumb.evaluate("e => Number(e.getAttribute('aria-valuenow') ?? e.value)")
        top = thumb.evaluate("e => Number(e.getAttribute('aria-valuemax') ?? e.max)")
        keys = ("ArrowLeft", "ArrowRight") if value >= top else ("ArrowRight", "ArrowLeft")
        timed_presses(page, thumb, keys, 2, warmup=0, timeout_ms=30_000)  # warm-ups, not counted
        started.wait()
        i = 0
        while not finished.is_set():
            [times] = timed_presses(page, thumb, (keys[i % 2], keys[(i + 1) % 2]), 1, warmup=0, timeout_ms=30_000)
            i += 1
            if times is None:
                runs.errors.append("browser: no run finished within 30 s of a key press")
            else:
                runs.seconds.append(times[0] / 1000)
            page.wait_for_timeout(think * random.uniform(0.5, 1.5) * 1000)
    except Exception as error:  # the browser's trouble must not lose the protocol sessions' results
        runs.errors.append(f"browser: {type(error).__name__}: {str(error).splitlines()[0]}")
        notes.append(f"browser: {type(error).__name__}: {str(error)[:300]}")
        finished.wait()
    finally:
        context.close()
    return runs


def in_thread(coroutine) -> tuple[threading.Thread, list]:
    """Run `coroutine` in its own event loop on a thread: (thread, [result or exception])."""
    out: list = []

    def target():
        try:
            out.append(asyncio.run(coroutine))
        except BaseException as error:  # noqa: BLE001 - reported by the caller
            out.append(error)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, out


def run_async(coroutine):
    """`coroutine`'s result, run on a thread of its own: Playwright's sync API keeps an event loop
    running on the main thread, where asyncio.run refuses to start another."""
    thread, out = in_thread(coroutine)
    thread.join()
    return result_of(out)


def result_of(out: list):
    if isinstance(out[0], BaseException):
        raise out[0]
    return out[0]


# ---------------------------------------------------------------------------------------------
# One replica count


def measure(replicas: int, args, browser, tmp: Path, notes: list[str]) -> dict:
    """Everything for one replica count: warm-up, (a), (b), RSS recovery."""
    with serve(replicas, args.launcher, tmp, notes) as servers:
        sampler = Sampler(servers.roots())
        sampler.start()
        sampler.phase = "warm-up"
        run_async(warm_up(servers, notes, replicas))
        time.sleep(4)
        warm = sampler.rss()
        print(f"[{replicas}] warm RSS {warm:.0f} MB ({servers.how})", file=sys.stderr)

        sampler.phase = "a: opening"
        started, finished = threading.Event(), threading.Event()
        thread, out = in_thread(class_load(servers.base, args.sessions, args.seconds, args.think, started, finished,
                                           sampler, seed=replicas))
        if browser is not None:
            browser_runs = browser_presses(browser, servers.base, args.think, started, finished, notes)
        else:
            browser_runs = Runs()
            notes.append("no browser (--no-browser)")
        thread.join()
        class_runs = result_of(out)
        a_cpu = sampler.of("a: class")
        print(f"[{replicas}] (a) {len(class_runs.seconds)} runs, {len(class_runs.errors)} errors", file=sys.stderr)

        sampler.phase = "b: opening"
        b = run_async(idle_and_training(servers.base, args.train, args.idle_seconds, args.seconds, args.think,
                                          sampler, seed=100 + replicas))
        print(f"[{replicas}] (b) trainings {[round(s) for s in b['train_seconds']]}", file=sys.stderr)

        sampler.phase = "after close"
        closed_at, at_close = time.monotonic(), sampler.rss()
        back = 0.0 if at_close <= warm * (1 + GOALS["rss"]) else None
        while back is None and time.monotonic() - closed_at < args.recovery:
            time.sleep(SAMPLE_SECONDS)
            if sampler.rss() <= warm * (1 + GOALS["rss"]):
                back = time.monotonic() - closed_at
        after = sampler.rss()
        sampler.stop()
    return {"replicas": replicas, "how": servers.how, "warm": warm, "at_close": at_close, "after": after,
            "back": back, "waited": time.monotonic() - closed_at, "a": class_runs, "browser": browser_runs,
            "a_cpu": a_cpu, "b": b, "samples": sampler.samples}


# ---------------------------------------------------------------------------------------------
# Report


def stats(seconds: list[float]) -> str:
    """"p50 | p95 | max" in seconds."""
    if not seconds:
        return "– | – | –"
    return f"{statistics.median(seconds):.2f} | {p95(seconds):.2f} | {max(seconds):.2f}"


def cpu_cells(samples: list[tuple]) -> str:
    """Mean and max server CPU, mean client and others' CPU (% of one core), RSS max."""
    if not samples:
        return "– | – | – | – | –"
    server = [s[2] for s in samples]
    return (f"{statistics.mean(server):.0f} | {max(server):.0f} | {statistics.mean(s[3] for s in samples):.0f} | "
            f"{statistics.mean(s[4] for s in samples):.0f} | {max(s[5] for s in samples):.0f}")


def capacity(results: list[dict], think: float) -> list[str]:
    """Sessions per replica (core) at slider p95 < 1 s: measured where a run met it, and modelled
    from each run's CPU per slider run; both extrapolated to classes of 30, 100 and 300."""
    lines = [
        "## Capacity estimate (slider p95 < 1 s)",
        "",
        "Measured: a run of (a) whose protocol-session p95 was under 1 s shows that a replica carries "
        "(sessions + 1 browser) / replicas sessions at that p95; one replica per core (a replica runs its scripts "
        "and its event loop under one GIL, so it uses about one core at most), so replicas = cores = "
        "⌈class / sessions per replica⌉. A run over 1 s only bounds it from above.",
        "",
        "| from run | sessions | p95 (s) | server CPU (cores) | sessions per replica | sessions per server core "
        "| class 30 | class 100 | class 300 |",
        "|---|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for r in results:
        cpu = [s[2] / 100 for s in r["a_cpu"]]
        if not r["a"].seconds or not cpu:
            continue
        sessions = r["a"].sessions + (1 if r["browser"].sessions else 0)
        tail, cores = p95(r["a"].seconds), statistics.mean(cpu)
        per_replica = sessions / r["replicas"]
        if tail < GOALS["capacity_p95"]:
            classes = " | ".join(f"{math.ceil(n / per_replica)} replicas on {math.ceil(n / per_replica)} cores"
                                 for n in (30, 100, 300))
        else:
            classes = " | ".join(f"≥ {math.floor(n / per_replica) + 1} replicas (bound)" for n in (30, 100, 300))
        lines.append(f"| {r['replicas']} replica(s) | {sessions} | {tail:.2f} | {cores:.2f} | {per_replica:.1f} | "
                     f"{sessions / cores:.1f} | {classes} |")
    lines += [
        "",
        "Model: c = server CPU seconds per slider run = mean server CPU (cores) × duration / runs (protocol + "
        f"browser runs). A session moving a slider every think + run ≈ {think:.1f} + 0.5 s asks for "
        f"d = c / {think + 0.5:.1f} s core-seconds per second. Each replica's core as a single queue (M/M/1): "
        "p95 of queueing + running = c · ln 20 / (1 − ρ) < 1 s ⇒ ρ_max = 1 − 3.0 · c. Sessions per core = "
        "ρ_max / d; cores (= replicas) = ⌈class / sessions per core⌉. It leaves out what the protocol sessions do "
        "not do (media and static files) and that scripts and the server's event loop share one GIL, so it is "
        "optimistic: use the measured rows where they exist.",
        "",
        "| from run | runs | runs/s | server CPU (cores) | c (s/run) | d (cores/session) | ρ_max | sessions per core "
        "| class 30 | class 100 | class 300 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for r in results:
        runs = len(r["a"].seconds) + len(r["browser"].seconds)
        cpu = [s[2] / 100 for s in r["a_cpu"]]
        if not runs or not cpu:
            continue
        duration = len(cpu) * SAMPLE_SECONDS
        cores = statistics.mean(cpu)
        c = cores * duration / runs
        d = c / (think + 0.5)
        rho = max(0.0, 1 - 3.0 * c)
        per_core = rho / d if d else float("inf")
        classes = " | ".join(f"{math.ceil(n / per_core)} cores, {math.ceil(n / per_core)} replicas"
                             if per_core > 0 else "–" for n in (30, 100, 300))
        lines.append(f"| {r['replicas']} replica(s) | {runs} | {runs / duration:.1f} | {cores:.2f} | {c:.3f} | "
                     f"{d:.3f} | {rho:.2f} | {per_core:.1f} | {classes} |")
    lines += ["", "Arithmetic, per row: c = cores × duration / runs; d = c / (think + 0.5); ρ_max = 1 − 3.0 c; "
              "sessions per core = ρ_max / d; cores = ⌈class / sessions per core⌉.", ""]
    return lines


def series(samples: list[tuple], every: float = 10.0) -> str:
    """One sample every `every` seconds: t s, phase: server CPU % / RSS MB."""
    shown, next_t = [], 0.0
    for t, phase, server, _client, _others, rss in samples:
        if t >= next_t:
            shown.append(f"{t:.0f} s {phase}: {server:.0f}% / {rss:.0f} MB")
            next_t = t + every
    return "; ".join(shown)


def report(results: list[dict], args, notes: list[str], browser_version: str, command: str) -> str:
    import streamlit

    phases = ["warm-up", "a: opening", "a: class", "b: opening", "b: idle alone", f"b: idle + {args.train} training",
              "b: trainings finishing", "after close"]
    lines = [
        "# Load test: a class at the protocol level",
        "",
        f"- Date: {datetime.datetime.now(datetime.UTC).isoformat(timespec='minutes')}",
        f"- Machine: nproc {len(os.sched_getaffinity(0))}, {platform.platform()}, Python {platform.python_version()}, "
        f"Streamlit {streamlit.__version__}, Chromium {browser_version}",
        f"- Command: `{command}`; servers: {', '.join(sorted({r['how'] for r in results}))}; every replica count goes "
        "through nginx (cookie affinity, `stroute`), so 1 and 2 replicas pay the same proxy hop.",
        f"- (a) {args.sessions} protocol sessions (bench/protocol.py) over {len(MIX)} sliders of "
        f"{len({p for p, _ in MIX})} pages ({', '.join(f'/{p} “{label}”' for p, label in MIX)}), opened 0.2 s apart, "
        f"then for {args.seconds:.0f} s each moves its slider to a random point of its grid, waits for the run's "
        f"script_finished, pauses {args.think:g} s × U(0.5, 1.5) and moves again; fragment sliders rerun their "
        "fragment (fragment_id), as the frontend does. A slider run = BackMsg sent → final script_finished "
        "received. Plus one real chromium page on "
        f"/{BROWSER[0]} “{BROWSER[1]}”: arrow key → the frame after the run's last change (bench/browser.py's "
        f"hook), same pauses. (b) One idle session on /{IDLE[0]} “{IDLE[1]}” (same pauses): {args.idle_seconds:.0f} s "
        f"alone, then while {args.train} sessions on /{TRAIN[0]} press “{TRAIN[1]} …” at once (until "
        f"{args.seconds:.0f} s or every training has finished).",
        "- CPU: utime + stime of the server process trees (replicas + nginx), per 2 s, in % of one core "
        "(200% = both cores); client = this process, its Playwright driver and chromium; others = the rest of the "
        "machine (/proc/stat), i.e. work outside this benchmark. RSS: bench.browser.rss_mb of the server trees. "
        "Warm = after one session visited every page of the mix on each replica. Errors: exception elements, "
        "compile errors, page not found, runs not finished within 60 s, disconnects, browser presses with no run "
        "within 30 s. Not emulated by the protocol sessions: media and static files, the message cache.",
        f"- Goals (measured, not asserted): {args.sessions} sessions: 0 errors; 2 replicas slider p95 ≤ "
        f"{GOALS['p95_2']} s and ≤ {GOALS['ratio']}× the 1-replica p95; idle p95 while {args.train} train ≤ "
        f"{GOALS['idle']}× its idle value; RSS within {GOALS['rss']:.0%} of warm ≤ {GOALS['rss_seconds']} s after "
        "the sessions close. Streamlit keeps a closed session for server.disconnectedSessionTTL = 120 s.",
        "",
        "## (a) The class: slider runs",
        "",
        "| replicas | who | sessions | runs | errors | p50 (s) | p95 (s) | max (s) | server CPU mean % | max % "
        "| client CPU % | others % | server RSS max (MB) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        cells = cpu_cells(r["a_cpu"])
        for who, runs in (("protocol sessions", r["a"]), ("chromium page", r["browser"])):
            lines.append(f"| {r['replicas']} | {who} | {runs.sessions} | {len(runs.seconds)} | {len(runs.errors)} | "
                         f"{stats(runs.seconds)} | {cells} |")
        if r["b"]["trainers"].upstreams:
            notes.append(f"{r['replicas']} replica(s), (b): idle session on {r['b']['idle_upstream'] or 'direct'}, "
                         f"training sessions per replica: {dict(sorted(r['b']['trainers'].upstreams.items()))}")
        if r["a"].upstreams:
            notes.append(f"{r['replicas']} replica(s), (a): sessions per replica (nginx X-Upstream): "
                         f"{dict(sorted(r['a'].upstreams.items()))}")
    lines += ["", "## (b) An idle session while sessions train live", "",
              "| replicas | idle session | runs | errors | p50 (s) | p95 (s) | max (s) | p95 / alone | trainings "
              "| training wall (s) p50 / max | training errors |",
              "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|"]
    for r in results:
        b = r["b"]
        base = p95(b["alone"].seconds) if b["alone"].seconds else None
        for who, runs in (("alone", b["alone"]), (f"while {args.train} train", b["during"])):
            ratio = f"{p95(runs.seconds) / base:.2f}×" if base and runs.seconds and who != "alone" else ""
            train = (f"{len(b['train_seconds'])} | {statistics.median(b['train_seconds']):.0f} / "
                     f"{max(b['train_seconds']):.0f} | {len(b['trainers'].errors)}"
                     if who != "alone" and b["train_seconds"] else " | | ")
            lines.append(f"| {r['replicas']} | {who} | {len(runs.seconds)} | {len(runs.errors)} | {stats(runs.seconds)} "
                         f"| {ratio} | {train} |")
    lines += ["", "## (c) CPU and RSS per phase (samples every 2 s)", "",
              "| replicas | phase | samples | server CPU mean % | max % | client CPU % | others % | server RSS max (MB) |",
              "|---:|---|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        for phase in phases:
            samples = [s for s in r["samples"] if s[1] == phase]
            if samples:
                lines.append(f"| {r['replicas']} | {phase} | {len(samples)} | {cpu_cells(samples)} |")
    lines += ["", "## RSS after the sessions close", "",
              "| replicas | warm (MB) | peak (MB) | at close (MB) | at end of wait (MB) | back within 20% of warm after "
              "| goal ≤ 180 s |",
              "|---:|---:|---:|---:|---:|---|---|"]
    for r in results:
        peak = max((s[5] for s in r["samples"]), default=0)
        back = f"{r['back']:.0f} s" if r["back"] is not None else f"not within {r['waited']:.0f} s"
        met = "met" if r["back"] is not None and r["back"] <= GOALS["rss_seconds"] else "missed"
        lines.append(f"| {r['replicas']} | {r['warm']:.0f} | {peak:.0f} | {r['at_close']:.0f} | {r['after']:.0f} | "
                     f"{back} | {met} |")
    lines += ["", "## Goals", "", "| goal | measured | |", "|---|---|---|"]
    by = {r["replicas"]: r for r in results}
    all_errors = sum(len(r["a"].errors) + len(r["browser"].errors) for r in results)
    lines.append(f"| {args.sessions} sessions: 0 errors | {all_errors} | {'met' if not all_errors else 'missed'} |")
    if 2 in by and by[2]["a"].seconds:
        two = p95(by[2]["a"].seconds)
        lines.append(f"| 2 replicas: slider p95 ≤ {GOALS['p95_2']} s | {two:.2f} s | "
                     f"{'met' if two <= GOALS['p95_2'] else 'missed'} |")
        if 1 in by and by[1]["a"].seconds:
            ratio = two / p95(by[1]["a"].seconds)
            lines.append(f"| 2-replica p95 ≤ {GOALS['ratio']}× 1-replica p95 | {ratio:.2f}× | "
                         f"{'met' if ratio <= GOALS['ratio'] else 'missed'} |")
    for r in results:
        b = r["b"]
        if b["alone"].seconds and b["during"].seconds:
            ratio = p95(b["during"].seconds) / p95(b["alone"].seconds)
            lines.append(f"| {r['replicas']} replica(s): idle p95 while {args.train} train ≤ {GOALS['idle']}× alone | "
                         f"{ratio:.2f}× | {'met' if ratio <= GOALS['idle'] else 'missed'} |")
        ok = r["back"] is not None and r["back"] <= GOALS["rss_seconds"]
        back = f"{r['back']:.0f} s" if r["back"] is not None else "not reached"
        lines.append(f"| {r['replicas']} replica(s): RSS within 20% of warm ≤ 180 s after close | {back} | "
                     f"{'met' if ok else 'missed'} |")
    lines += ["", *capacity(results, args.think), "## Time series (every ~10 s: server CPU % of one core / RSS MB)", ""]
    lines += [f"- {r['replicas']} replica(s): {series(r['samples'])}" for r in results]
    if notes:
        lines += ["", "## Notes", "", *(f"- {note}" for note in dict.fromkeys(notes))]
    error_kinds: dict[str, int] = {}
    for r in results:
        for runs in (r["a"], r["browser"], r["b"]["alone"], r["b"]["during"], r["b"]["trainers"]):
            for error in runs.errors:
                kind = f"{r['replicas']} replica(s): {re.sub(r'[0-9.]+ s', 'N s', error)[:160]}"
                error_kinds[kind] = error_kinds.get(kind, 0) + 1
    if error_kinds:
        lines += ["", "## Errors by kind", "", *(f"- {n}× {kind}" for kind, n in error_kinds.items())]
    return "\n".join(lines) + "\n"


def load_raw(path: Path) -> list[dict]:
    """The results of a run written with --raw, as report() takes them."""
    raw = json.loads(path.read_text())
    results = raw["results"] if isinstance(raw, dict) else raw
    for r in results:
        for key in ("a", "browser"):
            r[key] = Runs(**r[key])
        for key in ("alone", "during", "trainers"):
            r["b"][key] = Runs(**r["b"][key])
    return results


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30, help="protocol sessions in (a) (default 30)")
    parser.add_argument("--replicas", default="1,2", help="comma-separated replica counts (default 1,2)")
    parser.add_argument("--seconds", type=float, default=60, help="length of (a) and of (b)'s training part (default 60)")
    parser.add_argument("--idle-seconds", type=float, default=30, help="(b): the idle session alone (default 30)")
    parser.add_argument("--train", type=int, default=10, help="(b): sessions training live at once (default 10)")
    parser.add_argument("--think", type=float, default=1.0,
                        help="mean pause between a run's end and the next move, × U(0.5, 1.5) (default 1.0 s)")
    parser.add_argument("--recovery", type=float, default=180, help="max seconds of RSS watch after close (default 180)")
    parser.add_argument("--launcher", choices=("auto", "serve.sh", "own"), default="auto",
                        help="scripts/serve.sh if it exists (auto), or the same set-up started here (own)")
    parser.add_argument("--no-browser", action="store_true", help="no chromium page in (a)")
    parser.add_argument("--out", type=Path, default=OUT, help="Markdown report (default bench/LOAD.md)")
    parser.add_argument("--raw", type=Path, help="also write every measurement as JSON to this file")
    parser.add_argument("--render", type=Path, help="only re-render the report of a --raw JSON file (with the same "
                        "options as its run) to --out")
    args = parser.parse_args()
    if args.render:
        raw = json.loads(args.render.read_text())
        notes, version = (raw.get("notes", []), raw.get("browser", "?")) if isinstance(raw, dict) else ([], "?")
        args.out.write_text(report(load_raw(args.render), args, notes, version,
                                   "python -m bench.load " + " ".join(sys.argv[1:])))
        return
    counts = [int(part) for part in args.replicas.split(",") if part.strip()]
    command = " ".join(["python -m bench.load", *sys.argv[1:]])
    notes: list[str] = []
    results = []
    with tempfile.TemporaryDirectory(prefix="load-") as tmp, contextlib.ExitStack() as stack:
        browser, version = None, "none"
        if not args.no_browser:
            from playwright.sync_api import sync_playwright

            from tests.e2e.conftest import CHROMIUM_FLAGS, chromium_path

            playwright = stack.enter_context(sync_playwright())
            browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
            stack.callback(browser.close)
            version = browser.version
        for replicas in counts:
            print(f"{replicas} replica(s)…", file=sys.stderr)
            results.append(measure(replicas, args, browser, Path(tmp), notes))
            text = report(results, args, notes, version, command)
            args.out.write_text(text)  # after every replica count, so a cut run keeps what it measured
            if args.raw:
                args.raw.write_text(json.dumps({"results": results, "notes": notes, "browser": version},
                                               default=lambda o: o.__dict__))
    print(text)
    print(f"written to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
