"""The server's shared training pool (core/compute.py) on the VAE page: when every slot is taken
by other sessions, the live training waits in the queue with its place shown, trains as soon as
a slot frees, and leaves the queue when its script is stopped."""

import threading

import pytest

from core import compute
from tests.app.conftest import open_page
from ui import queue
from ui.i18n import catalog as strings

EN = strings("en")


@pytest.fixture
def full_pool(monkeypatch):
    """A pool of one slot, taken by "another session" (a thread) until the test sets `free`."""
    pool = compute.TrainingPool(slots=1)
    monkeypatch.setattr(compute, "POOL", pool)
    taken, free = threading.Event(), threading.Event()

    def other_session():
        with pool.turn():
            taken.set()
            free.wait(300)

    thread = threading.Thread(target=other_session, daemon=True)
    thread.start()
    assert taken.wait(10)
    yield pool, free
    free.set()
    thread.join(10)


@pytest.fixture
def notices(monkeypatch):
    """Every queue notice the page draws, as text."""
    shown, draw = [], queue.waiting_notice

    class Box:  # the page's placeholder, noting what it is asked to show
        def __init__(self, box):
            self.box = box

        def info(self, text, **options):
            shown.append(text)
            self.box.info(text, **options)

    monkeypatch.setattr(queue, "waiting_notice", lambda box, position, waiting: draw(Box(box), position, waiting))
    return shown


def train_button(at, beta: str):
    return next(b for b in at.button if b.label == EN["vae.live.run"].format(beta=beta))


def test_a_full_pool_shows_the_place_in_the_queue_and_trains_when_a_slot_frees(full_pool, notices):
    pool, free = full_pool
    at = open_page("vae", beta="2")

    def free_the_slot_after_two_notices():
        while len(notices) < 2:  # the page has waited about a second, telling its place
            threading.Event().wait(0.05)
        free.set()

    threading.Thread(target=free_the_slot_after_two_notices, daemon=True).start()
    train_button(at, "2").click().run(timeout=180)
    assert not at.exception, [e.value for e in at.exception]
    assert notices[0] == EN["queue.waiting"].format(position=1, waiting=1)
    assert at.success and "R =" in at.success[0].value  # it trained once the slot was free
    waited = EN["queue.waited"].split("{")[0]
    assert any(caption.value.startswith(waited) for caption in at.caption)
    assert pool.running == 0 and pool.waiting == 0


def test_a_stopped_script_leaves_the_queue(full_pool, notices):
    pool, free = full_pool
    at = open_page("vae", beta="2")
    with pytest.raises(RuntimeError, match="timed out"):  # AppTest stops the script that is still waiting
        train_button(at, "2").click().run(timeout=4)
    assert notices and pool.waiting == 0 and pool.running == 1  # gone from the queue; the other still trains
