"""A live training in a process of its own (core/live.py): the same weights as in this process,
every epoch reported back, and no process left behind when the session stops waiting."""

import multiprocessing

import pytest
import torch

from core import live


def test_a_training_apart_gives_the_same_model_and_reports_every_epoch():
    epochs = []
    apart = live.train_vae_apart(2.0, epochs=2, seed=3, progress=lambda epoch, row: epochs.append(epoch))
    here = live.train_vae(2.0, epochs=2, seed=3)
    assert epochs == [1, 2]
    assert apart.best_epoch == here.best_epoch and apart.history == here.history
    for (name, a), (_, b) in zip(apart.model.state_dict().items(), here.model.state_dict().items()):
        assert torch.equal(a, b), name
    assert not apart.model.training


def test_a_session_that_stops_waiting_stops_its_worker():
    class Stopped(Exception):
        pass

    def stop(epoch, row):
        raise Stopped  # as Streamlit raises inside a stopped session's script

    with pytest.raises(Stopped):
        live.train_vae_apart(1.0, epochs=50, progress=stop)
    assert not [p for p in multiprocessing.active_children() if p.name.startswith("live-vae")]
