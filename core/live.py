"""Models trained live for one session of the app: small, fast, and always a fresh copy,
so the shared checkpoints that every session reads are never trained in place.

A live training runs in a process of its own (`train_vae_apart`): in the server's process it
would hold Python's GIL between its small torch steps, and every other session's slider
would wait for it; and the memory it takes goes back to the system when its process ends.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
from collections.abc import Callable

import torch

from core import data, registry
from core.training import TrainResult, train

LIVE_VAE_EPOCHS = 100  # about 10 s on one core
START_SECONDS = 120.0  # the most a worker may take to start and report its first epoch


def train_vae(beta: float, epochs: int = LIVE_VAE_EPOCHS, seed: int = 0,
              progress: Callable[[int, dict], None] | None = None) -> TrainResult:
    """A fresh 2-D-latent VAE trained with loss D + β·R on the fit part for a fixed number of
    epochs (the epoch with the best validation objective is kept), every draw seeded by `seed`;
    `progress(epoch, row)` is called after every epoch."""
    base = registry.entry("vae_beta_1")  # the β family's network and recipe, at another β
    with torch.random.fork_rng(devices=[]):  # initial weights from `seed`, in any process
        torch.manual_seed(seed)
        model = registry.build("vae_beta_1", beta=beta)
    config = dataclasses.replace(base.train, epochs=epochs, patience=epochs, seed=seed)
    split = data.digits("fit").binary, data.digits("val").binary
    return train(model, *split, config, progress=progress or (lambda epoch, row: None))


def _vae_worker(connection, beta: float, epochs: int, seed: int) -> None:
    """In the worker process: train, sending ("epoch", epoch, row) after every epoch and then
    ("done", result without its model, the model's weights as numpy arrays)."""
    torch.set_num_threads(1)  # one core, as a slot of core.compute's pool promises
    result = train_vae(beta, epochs, seed, progress=lambda epoch, row: connection.send(("epoch", epoch, row)))
    weights = {name: tensor.numpy() for name, tensor in result.model.state_dict().items()}
    connection.send(("done", dataclasses.replace(result, model=None), weights))
    connection.close()


def train_vae_apart(beta: float, epochs: int = LIVE_VAE_EPOCHS, seed: int = 0,
                    progress: Callable[[int, dict], None] | None = None) -> TrainResult:
    """`train_vae` in a fresh process (spawned: the server's threads are not forked), with
    `progress` called here for every epoch it reports; the same weights as `train_vae` with the
    same arguments. An exception here (a session that stopped waiting, from `progress`)
    terminates the worker."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    worker = context.Process(target=_vae_worker, args=(sender, beta, epochs, seed), daemon=True,
                             name=f"live-vae-beta-{beta:g}")
    worker.start()
    sender.close()  # the worker holds the only sending end: its exit ends the pipe
    finished = False
    try:
        while not finished:
            if not receiver.poll(START_SECONDS):
                raise RuntimeError(f"the live training process sent nothing for {START_SECONDS:.0f} s")
            try:
                kind, *payload = receiver.recv()
            except EOFError as error:
                raise RuntimeError(f"the live training process ended with exit code {worker.exitcode}") from error
            if kind == "epoch" and progress is not None:
                progress(*payload)
            finished = kind == "done"
    finally:
        receiver.close()
        worker.join(5 if finished else 0)  # a worker that is done exits at once; any other is stopped
        if worker.is_alive():
            worker.terminate()
            worker.join()
    result, weights = payload
    model = registry.build("vae_beta_1", beta=beta)
    model.load_state_dict({name: torch.from_numpy(array) for name, array in weights.items()})
    return dataclasses.replace(result, model=model.eval())
