"""One training loop for every model.

A model's `loss(x)` returns a dict with "loss" (what is minimized) and named terms
("nll", "recon", "kl", ...); the loop logs every key. A model trained by a game (a GAN,
the AAE) brings its own step instead: `configure_optimizers(config)` returns its named
optimizers and `train_step(x, optimizers)` runs its phases ("update D", then "update G")
and returns the terms; its `loss(x)` then gives the validation terms. It keeps an exponential moving
average of the weights (Polyak averaging), evaluates the averaged weights on the
validation carve after each epoch, keeps the best, and stops when the monitored term
(the NLL unless the config says otherwise) has not improved for `patience` epochs. The test part is never touched here.
"""

from __future__ import annotations

import copy
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from core.models.neural import AdversarialModel, adam


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 200
    batch_size: int = 64
    lr: float = 3e-3
    weight_decay: float = 0.0
    patience: int = 20
    ema: float = 0.99  # weight-average decay per step; 0 keeps the raw weights
    seed: int = 0
    betas: tuple[float, float] = (0.9, 0.999)  # Adam's; GANs use (0.5, 0.999) as DCGAN does
    monitor: str = "nll"  # the loss term whose validation mean chooses the epoch


@dataclass
class TrainResult:
    model: torch.nn.Module  # the best averaged weights, in eval mode
    best_epoch: int
    best_val: float  # the monitored term on the validation carve at the best epoch
    monitor: str  # its name ("nll", ...): the card stores it as val_<monitor>
    seconds: float
    history: list[dict[str, float]] = field(default_factory=list)


@torch.no_grad()
def mean_terms(model, x: torch.Tensor, batch_size: int = 512) -> dict[str, float]:
    """The loss terms averaged over all of x, in eval mode."""
    model.eval()
    totals: dict[str, float] = {}
    for start in range(0, len(x), batch_size):
        batch = x[start : start + batch_size]
        for key, value in model.loss(batch).items():
            totals[key] = totals.get(key, 0.0) + float(value) * len(batch)
    return {key: value / len(x) for key, value in totals.items()}


def gradient_step(model, x: torch.Tensor, optimizers: dict) -> dict[str, torch.Tensor]:
    """The step of a likelihood model: one gradient step on model.loss(x)["loss"]."""
    terms = model.loss(x)
    optimizers["model"].zero_grad()
    terms["loss"].backward()
    optimizers["model"].step()
    return terms


def train(model, fit: np.ndarray, val: np.ndarray, config: TrainConfig,
          progress: Callable[[int, dict], None] | None = None) -> TrainResult:
    """Minimize model.loss on `fit`; choose the epoch by the monitored term on `val` (early stopping)."""
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    fit_x, val_x = torch.as_tensor(fit, dtype=torch.float32), torch.as_tensor(val, dtype=torch.float32)
    if isinstance(model, AdversarialModel):  # a game: the model runs its own phases
        optimizers, step = model.configure_optimizers(config), model.train_step
    else:
        optimizers, step = {"model": adam(model.parameters(), config)}, lambda x, opt: gradient_step(model, x, opt)
    average = copy.deepcopy(model)
    best, best_epoch, history = float("inf"), 0, []
    best_state = copy.deepcopy(average.state_dict())
    started = time.perf_counter()
    for epoch in range(1, config.epochs + 1):
        model.train()
        sums: dict[str, float] = {}
        for index in torch.randperm(len(fit_x), generator=generator).split(config.batch_size):
            terms = step(fit_x[index], optimizers)
            with torch.no_grad():  # Polyak averaging of the weights
                for kept, new in zip(average.parameters(), model.parameters()):
                    kept.lerp_(new, 1 - config.ema)
                for kept, new in zip(average.buffers(), model.buffers()):  # e.g. batch-norm statistics
                    kept.copy_(new)
            for key, value in terms.items():
                sums[key] = sums.get(key, 0.0) + float(torch.as_tensor(value).detach()) * len(index)
        val_terms = mean_terms(average, val_x)
        row = {"epoch": epoch, **{f"train_{k}": v / len(fit_x) for k, v in sums.items()},
               **{f"val_{k}": v for k, v in val_terms.items()}}
        history.append(row)
        if val_terms[config.monitor] < best:
            best, best_epoch = val_terms[config.monitor], epoch
            best_state = copy.deepcopy(average.state_dict())
        (progress or print_progress)(epoch, row)
        if epoch - best_epoch >= config.patience:
            break
    average.load_state_dict(best_state)
    average.eval()
    return TrainResult(average, best_epoch, best, config.monitor, time.perf_counter() - started, history)


class ValidationMonitor(AdversarialModel):
    """A model trained by a game, as the loop sees it, with more validation terms: training is
    the wrapped model's own (`configure_optimizers`, `train_step`); a subclass writes `loss`,
    e.g. a Fréchet distance of samples to the validation carve, to choose the epoch by."""

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        self.model = model

    def configure_optimizers(self, config: TrainConfig) -> dict:
        return self.model.configure_optimizers(config)

    def train_step(self, x: torch.Tensor, optimizers: dict) -> dict[str, torch.Tensor]:
        return self.model.train_step(x, optimizers)


def print_progress(epoch: int, row: dict) -> None:
    """One line per epoch on stderr: the command-line progress."""
    terms = "  ".join(f"{k}={v:.3f}" for k, v in row.items() if k != "epoch")
    print(f"epoch {epoch:4d}  {terms}", file=sys.stderr, flush=True)
