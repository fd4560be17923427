"""Models trained live for one session of the app: small, fast, and always a fresh copy,
so the shared checkpoints that every session reads are never trained in place."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from core import data, registry
from core.training import TrainResult, train

LIVE_VAE_EPOCHS = 100  # about 10 s on one core


def train_vae(beta: float, epochs: int = LIVE_VAE_EPOCHS, seed: int = 0,
              progress: Callable[[int, dict], None] | None = None) -> TrainResult:
    """A fresh 2-D-latent VAE trained with loss D + β·R on the fit part for a fixed number of
    epochs (the epoch with the best validation objective is kept); `progress(epoch, row)`
    is called after every epoch."""
    base = registry.entry("vae_beta_1")  # the β family's network and recipe, at another β
    model = registry.build("vae_beta_1", beta=beta)
    config = dataclasses.replace(base.train, epochs=epochs, patience=epochs, seed=seed)
    split = data.digits("fit").binary, data.digits("val").binary
    return train(model, *split, config, progress=progress or (lambda epoch, row: None))
