"""The server's budget for live compute, shared fairly by every session of one process.

Streamlit runs every session's script in a thread of one Python process, so ten students
pressing "train" at once means ten trainings fighting for the same few cores (and for
Python's GIL) — each took ten times longer, and the sliders of everyone else stalled.
Here instead:

- `TrainingPool.turn()`: at most `slots` live trainings run at once (one core is left for
  the sliders of everyone else); the others wait in a first-come, first-served queue and
  are told their place in it about once a second.
- `TrainingPool.frame_interval()`: the GAN labs that are playing share the same budget by
  slowing their frames for everyone, instead of one lab starving the others.
- `release_memory()`: a thread of the pool gives freed memory back to the system for a few
  minutes after live compute or any session's run, so the memory of ended sessions does not
  stay with the server; `limit_malloc_arenas()` keeps the C heap from splitting per thread.

No Streamlit here: the page draws the place in the queue through the `on_wait` callback.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import math
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterator
from pathlib import Path

TORCH_THREADS = 1  # torch threads of the whole process (as ui/loaders.TORCH_THREADS): one per job
WAIT_REPORT_SECONDS = 1.0  # how often a waiting job hears its place in the queue
STALE_FRAMES = 3  # a lab that has not asked for a frame for 3 of its intervals is no longer playing...
MIN_STALE_SECONDS = 5.0  # ...nor for 5 s (a busy server may draw a frame late)
RELEASE_EVERY = 30.0  # seconds between two releases of freed memory
RELEASE_FOR = 300.0  # keep releasing this long after live compute or a run: Streamlit keeps a closed tab's
#                      session (and what it trained) for 2 minutes, in case the tab reconnects


def available_cores() -> int:
    """The CPUs this process may use: its affinity mask, capped by a cgroup v2 CPU quota
    (a container limited to 2 CPUs on a 64-core host has 2)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()
        if quota != "max":
            cores = min(cores, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        pass
    return max(1, cores)


def limit_torch_threads() -> None:
    """One torch thread per job, set for the whole process (torch.set_num_threads is
    process-wide, so it cannot be chosen per job): `slots` single-threaded jobs then use at
    most `slots` cores. Two threads per job would buy little on these small networks and put
    two jobs on the core kept for the sliders. Torch is not imported here (pages without a
    neural model never load it): a job that trains has already imported it."""
    torch = sys.modules.get("torch")
    if torch is not None and torch.get_num_threads() != TORCH_THREADS:
        torch.set_num_threads(TORCH_THREADS)


def _glibc(name: str) -> Callable[..., int] | None:
    """A function of glibc, or None where the C library is not glibc (macOS, musl)."""
    try:
        return getattr(ctypes.CDLL("libc.so.6"), name)
    except (OSError, AttributeError):
        return None


MALLOC_TRIM, MALLOPT = _glibc("malloc_trim"), _glibc("mallopt")
M_ARENA_MAX = -8  # mallopt's parameter for the most arenas (malloc.h)
MALLOC_ARENAS = 2


def limit_malloc_arenas() -> None:
    """At most MALLOC_ARENAS glibc heaps for the process (as MALLOC_ARENA_MAX=2 would). glibc gives
    threads that allocate at the same time heaps of their own, up to 8 per core, and memory freed
    in one heap serves only that heap: Streamlit runs every rerun of every session in a new
    thread, so the heaps multiply and the server's RSS climbs and stays."""
    if MALLOPT is not None:
        MALLOPT(M_ARENA_MAX, MALLOC_ARENAS)


def release_memory() -> None:
    """Free what only the cycle collector can free, then hand the C heap's free pages back
    to the system. Without malloc_trim, glibc keeps the memory a training freed in its
    per-thread arenas, and the server's RSS stays at its peak long after the sessions end."""
    gc.collect()
    if MALLOC_TRIM is not None:
        MALLOC_TRIM(0)


class TrainingPool:
    """A fair share of the cores for the live trainings and GAN labs of all sessions.

    `slots` jobs run at once; later ones wait in a FIFO queue. A job is cancelled when its
    session's script is stopped (a rerun or a closed tab make Streamlit raise inside the
    script's thread, from `on_wait` or from the job's progress callback): it then leaves the
    queue or frees its slot, as every exception does."""

    def __init__(self, slots: int, clock: Callable[[], float] = time.monotonic):
        self.slots = slots
        self.clock = clock
        self.before_release: list[Callable[[], None]] = []  # hooks of the app, run before release_memory
        self._changed = threading.Condition()  # guards what follows; notified whenever the queue moves
        self._waiting: deque[object] = deque()  # one ticket per waiting job, first come first
        self._running = 0
        self._playing: dict[Hashable, tuple[float, float]] = {}  # lab -> (when it last asked, its interval)
        self._last_activity = -math.inf
        self._janitor: threading.Thread | None = None

    # -- training jobs ----------------------------------------------------------

    @property
    def running(self) -> int:
        """Jobs holding a slot now."""
        return self._running

    @property
    def waiting(self) -> int:
        """Jobs waiting in the queue now."""
        return len(self._waiting)

    def _may_start(self, ticket: object) -> bool:
        """Whether the job is among the first in the queue for the slots free now."""
        return self._waiting.index(ticket) < self.slots - self._running

    @contextlib.contextmanager
    def turn(self, on_wait: Callable[[int, int], None] | None = None,
             report_every: float = WAIT_REPORT_SECONDS) -> Iterator[None]:
        """Wait for a slot, run the body of the `with`, free the slot. While waiting,
        `on_wait(position, waiting)` (position 1 = next) is called about every `report_every`
        seconds and whenever the queue moves; it runs outside the pool's lock, so it may draw
        on a page, or raise to give up the place."""
        self._start_janitor()
        ticket = object()
        with self._changed:
            self._waiting.append(ticket)
        try:
            while True:
                with self._changed:
                    if self._may_start(ticket):
                        self._waiting.remove(ticket)
                        self._running += 1
                        self._changed.notify_all()  # the ones behind move up a place
                        break
                    position, waiting = self._waiting.index(ticket) + 1, len(self._waiting)
                if on_wait is not None:
                    on_wait(position, waiting)
                with self._changed:
                    if not self._may_start(ticket):
                        self._changed.wait(report_every)
        except BaseException:  # cancelled while waiting: leave the queue, let the next one move up
            with self._changed:
                self._waiting.remove(ticket)
                self._changed.notify_all()
            raise
        try:
            limit_torch_threads()
            yield
        finally:  # done, failed or cancelled: the slot goes to the first in the queue
            with self._changed:
                self._running -= 1
                self._last_activity = self.clock()
                self._changed.notify_all()

    # -- the GAN labs' frames ---------------------------------------------------

    def _forget_stale_labs(self, now: float) -> None:
        """Drop the labs that stopped asking for frames (their tab was closed)."""
        for key, (seen, interval) in list(self._playing.items()):
            if now - seen > max(STALE_FRAMES * interval, MIN_STALE_SECONDS):
                del self._playing[key]

    def frame_interval(self, key: Hashable, base: float) -> float:
        """Note that the lab `key` is playing and return the seconds between its frames: `base`
        while the labs and jobs fit the slots, and base × (labs + jobs) / slots beyond, the same
        for every lab, so that together they use about `slots` cores. A lab's frame (≈ `base`
        seconds of training and drawing) is too short to queue for: its budget is this rate."""
        self._start_janitor()
        limit_torch_threads()
        now = self.clock()
        with self._changed:
            self._forget_stale_labs(now)
            load = len(self._playing.keys() | {key}) + self._running
            interval = base * max(1.0, load / self.slots)
            self._playing[key] = (now, interval)
            self._last_activity = now
        return interval

    def stop_playing(self, key: Hashable) -> None:
        """The lab `key` paused (or was never playing)."""
        with self._changed:
            if self._playing.pop(key, None) is not None:
                self._last_activity = self.clock()

    def playing(self) -> int:
        """How many labs are playing now."""
        with self._changed:
            self._forget_stale_labs(self.clock())
            return len(self._playing)

    # -- memory -----------------------------------------------------------------

    def note_activity(self) -> None:
        """A session ran (app.py calls this on every run): memory is released for RELEASE_FOR
        seconds after the last one, so a class that only moved sliders gets its memory back too."""
        self._start_janitor()
        self._last_activity = self.clock()

    def _start_janitor(self) -> None:
        """Start, once, the thread that releases memory after live compute."""
        with self._changed:
            if self._janitor is None:
                self._janitor = threading.Thread(target=self._release_loop, name="memory-janitor", daemon=True)
                self._janitor.start()

    def _release_loop(self) -> None:
        """Every RELEASE_EVERY seconds while there was live compute or a session's run in the last
        RELEASE_FOR seconds: the app's hooks (which drop closed sessions), then release_memory()."""
        while True:
            time.sleep(RELEASE_EVERY)
            if self.clock() - self._last_activity < RELEASE_FOR:
                for hook in self.before_release:
                    with contextlib.suppress(Exception):  # a failing hook must not stop the releases
                        hook()
                release_memory()


POOL = TrainingPool(slots=max(1, available_cores() - 1))  # the one pool of this server process
limit_malloc_arenas()  # once per process: app.py imports this module on its first run, before the sessions' threads
