"""The server's shared budget of live compute (core/compute.py) as a student sees it: the
place in the queue while a training waits for a free slot, and the GAN labs' shared frame rate."""

from __future__ import annotations

import contextlib
import time
import uuid

import streamlit as st

from core import compute
from ui.i18n import t


def waiting_notice(box, position: int, waiting: int) -> None:
    """Show, in the placeholder `box`, where this session stands in the queue."""
    box.info(t("queue.waiting", position=position, waiting=waiting), icon=":material/hourglass_top:")


@contextlib.contextmanager
def turn():
    """Run the body of the `with` in a slot of the server's training pool: until then, a box
    shows the place in the queue (updated about once a second; that call to Streamlit is also
    where a stopped script, after a rerun or a closed tab, leaves the queue). After a wait,
    a caption says how long it was."""
    box = st.empty()
    started, first_position = time.monotonic(), None

    def on_wait(position: int, waiting: int) -> None:
        nonlocal first_position
        first_position = first_position or position
        waiting_notice(box, position, waiting)

    with compute.POOL.turn(on_wait):
        if first_position is not None:
            box.caption(t("queue.waited", seconds=time.monotonic() - started, position=first_position))
        yield


def frame_interval(base: float) -> float:
    """This session's GAN lab is playing: the seconds between its frames, shared by every lab
    playing on the server (core.compute.TrainingPool.frame_interval)."""
    return compute.POOL.frame_interval(_lab_key(), base)


def stop_playing() -> None:
    """This session's GAN lab is paused: it no longer takes a share of the frames."""
    compute.POOL.stop_playing(_lab_key())


def shared_frames_note(interval: float, base: float) -> None:
    """When the labs are slowed, say why (a caption), so a slow lab does not look broken."""
    if interval > base * 1.01:
        st.caption(t("queue.shared_frames", playing=compute.POOL.playing(), seconds=interval))


def _lab_key() -> str:
    """The name of this session's lab in the pool."""
    return st.session_state.setdefault("gan_lab_budget_key", uuid.uuid4().hex)


def note_run() -> None:
    """A session ran (app.py, every run): the pool releases memory for a while after the last run."""
    compute.POOL.note_activity()


def drop_closed_sessions() -> None:
    """Let Streamlit forget the sessions whose tab closed more than 2 minutes ago, with all they
    trained. It keeps a closed session for a reconnect in a cache that removes expired entries
    only when it is next written or counted: after the last tab of a class closes, they would
    stay in memory until some later tab closes. Counting the cache removes them. This reaches
    into Streamlit's internals; if they change, it does nothing."""
    with contextlib.suppress(Exception):
        from streamlit import runtime

        manager = runtime.get_instance()._session_mgr
        with manager._storage_lock:
            len(manager._session_storage._cache)


if drop_closed_sessions not in compute.POOL.before_release:  # once per process
    compute.POOL.before_release.append(drop_closed_sessions)
