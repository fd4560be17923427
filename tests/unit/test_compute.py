"""The server's shared budget of live compute (core/compute.py): a bounded pool with a FIFO
queue that reports places and survives cancellation, the GAN labs' shared frame interval,
and the release of memory after live compute."""

import os
import threading
import time

import pytest

from core import compute
from core.compute import TrainingPool

REPORT = 0.02  # seconds between two reports of a waiting job, in these tests


def wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.002)


class Cancelled(BaseException):
    """Like Streamlit's StopException: raised in a script's thread when its session stops it."""


def test_never_more_jobs_inside_than_slots():
    pool, lock = TrainingPool(slots=2), threading.Lock()
    inside, most = [0], [0]

    def job():
        with pool.turn(report_every=REPORT):
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.02)
            with lock:
                inside[0] -= 1

    threads = [threading.Thread(target=job) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not any(thread.is_alive() for thread in threads)
    assert most[0] == 2 and pool.running == 0 and pool.waiting == 0


def test_first_come_first_served_with_places_reported():
    pool, started, places = TrainingPool(slots=1), [], {}

    def job(name):
        places[name] = []
        with pool.turn(lambda position, waiting: places[name].append((position, waiting)), report_every=REPORT):
            started.append(name)
            time.sleep(0.05)

    with pool.turn():  # the one slot is busy
        threads = []
        for count, name in enumerate("abc", start=1):
            threads.append(threading.Thread(target=job, args=(name,)))
            threads[-1].start()
            wait_until(lambda count=count: pool.waiting == count)
        wait_until(lambda: len(places["c"]) >= 3)  # c keeps hearing its place while nothing moves
    for thread in threads:
        thread.join(10)
    assert started == ["a", "b", "c"]
    assert places["a"][0] == (1, 1) and places["b"][0] == (2, 2) and places["c"][0] == (3, 3)
    for name in "abc":
        positions = [position for position, _ in places[name]]
        assert positions == sorted(positions, reverse=True) and positions[-1] == 1  # only ever moves up
    assert {1, 2, 3} <= {position for position, _ in places["c"]}


def test_a_failed_job_frees_its_slot():
    pool = TrainingPool(slots=1)
    with pytest.raises(ValueError):
        with pool.turn():
            raise ValueError("the training broke")
    assert pool.running == 0

    def never_wait(position, waiting):
        raise AssertionError("the slot was not freed")

    with pool.turn(never_wait):
        pass


def test_a_job_cancelled_while_waiting_leaves_the_queue_and_the_next_moves_up():
    pool, places = TrainingPool(slots=1), []
    cancel = threading.Event()

    def impatient(position, waiting):
        if cancel.is_set():
            raise Cancelled

    def patient():
        with pool.turn(lambda position, waiting: places.append(position), report_every=REPORT):
            places.append("started")

    def give_up():
        with pytest.raises(Cancelled):
            with pool.turn(impatient, report_every=REPORT):
                pass

    with pool.turn():
        first = threading.Thread(target=give_up)
        first.start()
        wait_until(lambda: pool.waiting == 1)
        second = threading.Thread(target=patient)
        second.start()
        wait_until(lambda: places[:1] == [2])
        cancel.set()  # the session of the first one stops its script
        first.join(5)
        wait_until(lambda: places[-1] == 1)  # the second one moved up without a slot freeing
        assert pool.waiting == 1 and pool.running == 1
    second.join(5)
    assert places[-1] == "started" and pool.running == 0 and pool.waiting == 0


def test_a_job_cancelled_while_running_frees_its_slot():
    pool = TrainingPool(slots=1)
    with pytest.raises(Cancelled):
        with pool.turn():
            raise Cancelled
    assert pool.running == 0 and pool.waiting == 0


def test_a_turn_runs_torch_on_one_thread():
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        with TrainingPool(slots=1).turn():
            assert torch.get_num_threads() == compute.TORCH_THREADS == 1
    finally:
        torch.set_num_threads(before)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_frames_slow_down_for_every_lab_as_more_play_and_speed_up_when_they_stop():
    clock = Clock()
    pool = TrainingPool(slots=2, clock=clock)
    assert pool.frame_interval("a", 0.25) == 0.25
    assert pool.frame_interval("b", 0.25) == 0.25  # two labs fit two slots
    assert pool.frame_interval("c", 0.25) == pytest.approx(0.375)
    assert pool.frame_interval("d", 0.25) == pytest.approx(0.5)
    assert pool.frame_interval("a", 0.25) == pytest.approx(0.5)  # the same interval for every lab
    assert pool.playing() == 4
    pool.stop_playing("c")
    pool.stop_playing("d")
    assert pool.frame_interval("a", 0.25) == 0.25 and pool.playing() == 2
    pool.stop_playing("never played")  # harmless


def test_labs_that_stop_asking_for_frames_are_dropped():
    clock = Clock()
    pool = TrainingPool(slots=1, clock=clock)
    for lab in "abcd":
        pool.frame_interval(lab, 0.25)
    assert pool.frame_interval("a", 0.25) == pytest.approx(1.0)
    for _ in range(10):  # only "a" goes on asking, once a frame: the three closed tabs expire
        clock.now += 1.0
        interval = pool.frame_interval("a", 0.25)
    assert interval == 0.25 and pool.playing() == 1
    clock.now += 3 * interval + compute.MIN_STALE_SECONDS
    assert pool.playing() == 0


def test_running_jobs_count_in_the_frame_budget():
    pool = TrainingPool(slots=1, clock=Clock())
    with pool.turn():
        assert pool.frame_interval("lab", 1.0) == pytest.approx(2.0)  # one lab and one training on one slot
    assert pool.frame_interval("lab", 1.0) == 1.0


def test_memory_is_released_after_live_compute_and_not_when_idle(monkeypatch):
    monkeypatch.setattr(compute, "RELEASE_EVERY", 0.01)
    released = []
    monkeypatch.setattr(compute, "release_memory", lambda: released.append(time.monotonic()))
    pool = TrainingPool(slots=1)
    pool.before_release.append(lambda: released.append("hook"))
    with pool.turn():
        pass
    wait_until(lambda: len(released) >= 4)
    assert released[0] == "hook"
    pool._last_activity = time.monotonic() - compute.RELEASE_FOR  # long after the last job
    time.sleep(0.05)
    count = len(released)
    time.sleep(0.1)
    assert len(released) == count


def test_memory_is_released_after_a_session_ran(monkeypatch):
    """A class that only moved sliders (no live compute) gets its memory back too."""
    monkeypatch.setattr(compute, "RELEASE_EVERY", 0.01)
    released = []
    monkeypatch.setattr(compute, "release_memory", lambda: released.append(time.monotonic()))
    pool = TrainingPool(slots=1)
    time.sleep(0.05)
    assert not released  # no janitor before anything ran
    pool.note_activity()
    wait_until(lambda: len(released) >= 2)


def test_release_memory_and_the_cores():
    compute.release_memory()  # gc + malloc_trim where glibc has it; never fails
    assert 1 <= compute.available_cores() <= len(os.sched_getaffinity(0))
    assert compute.POOL.slots == max(1, compute.available_cores() - 1)
