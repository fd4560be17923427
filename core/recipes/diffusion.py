"""The diffusion model's recipe: the shared loop with a decaying learning rate, and the GANs' card.

`fit_diffusion` runs the shared loop of core/training.py on the model's loss, L_simple (one Adam
step per batch, Polyak averaging of the weights), with the learning rate decayed from the recipe's
lr to 0 along a half cosine over the whole budget of epochs, and keeps the last epoch, where the
decay ends. The deterministic DDIM sampler needs an accurate noise predictor: with a constant rate
its error stays at a plateau, and choosing the epoch by the validation loss stops too early (the
validation L_simple is lowest about two thirds of the way, then rises a little while the samples
still improve). The validation loss is logged at every epoch all the same.

`measure_diffusion` is `quality.measure_gan` as it is (DDIM with 50 steps, n = 360 against the 360
test digits, 10 seeded draws, the same judge), so the card reads exactly like the DCGAN's; then
the same metrics for DDIM at every step count of SAMPLER_STEPS and for the full DDPM sampler (all
T steps), fewer draws each, for the page's plot of quality against steps.
"""

from __future__ import annotations

import dataclasses
import math

import torch

from core import data
from core.models.classifier import DigitClassifier
from core.models.diffusion.ddpm import Diffusion
from core.models.neural import adam
from core.recipes import quality
from core.training import TrainResult, ValidationMonitor, gradient_step, train

SAMPLER_STEPS = (5, 10, 20, 50, 100)  # DDIM steps of the quality curve
CURVE_DRAWS = 2  # seeded draws of n = 360 per point of the curve (the card's own point has 10)
CURVE_METRICS = ("fd", "precision", "recall")


class CosineDecay(ValidationMonitor):
    """A model trained by plain gradient steps on its loss, as the loop sees it, with the learning
    rate at batch k of K set to lr * (1 + cos(pi k / K)) / 2: from lr down to 0 after the last batch.

    Its validation terms add "lr", the rate the next batch would get. The loop keeps the epoch with
    the lowest monitored term: monitoring "lr", which falls at every epoch, keeps the last one. The
    count of batches is a buffer, so the loop's averaged copy of the model (which copies buffers
    after every batch) reports the same rate."""

    def __init__(self, model: Diffusion, batches: int):
        super().__init__(model)
        self.batches = batches
        self.register_buffer("done", torch.zeros((), dtype=torch.long))  # batches trained so far

    def rate(self) -> float:
        return self.base_lr * (1 + math.cos(math.pi * min(int(self.done), self.batches) / self.batches)) / 2

    def configure_optimizers(self, config) -> dict[str, torch.optim.Optimizer]:
        self.base_lr = config.lr
        return {"model": adam(self.model.parameters(), config)}

    def train_step(self, x: torch.Tensor, optimizers: dict) -> dict[str, torch.Tensor]:
        for group in optimizers["model"].param_groups:
            group["lr"] = self.rate()
        self.done += 1
        return gradient_step(self.model, x, optimizers)

    def loss(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        return {**self.model.loss(x), "lr": torch.tensor(self.rate())}


def fit_diffusion(entry, model: Diffusion) -> TrainResult:
    """The shared loop on the fit part with the cosine decay over all entry.train.epochs; the last
    epoch's averaged weights are kept (entry.train.monitor = "lr")."""
    fit, val = data.gray("fit"), data.gray("val")
    batches = entry.train.epochs * math.ceil(len(fit) / entry.train.batch_size)
    result = train(CosineDecay(model, batches), fit, val, entry.train)
    return dataclasses.replace(result, model=result.model.model.eval())


def sampler_name(steps: int | None) -> str:
    """The card's prefix of one point of the curve: "ddim_20", or "ddpm" for all T steps (None)."""
    return "ddpm" if steps is None else f"ddim_{steps}"


def quality_against_steps(model: Diffusion, reference: quality.Reference, fd_real: float,
                          draws: int = CURVE_DRAWS) -> dict[str, float]:
    """FD, its ratio to the real digits' FD, precision and recall of n = 360 samples for DDIM at each
    of SAMPLER_STEPS and for DDPM, as flat card metrics: "ddim_5_fd", ..., "ddpm_recall"."""
    metrics = {}
    for steps in (*SAMPLER_STEPS, None):
        sampler = "ddpm" if steps is None else "ddim"
        row = quality.averaged(lambda seed, sampler=sampler, steps=steps: model.sample(quality.N, seed, sampler, steps),
                               reference, draws)
        name = sampler_name(steps)
        metrics |= {f"{name}_{key}": row[key] for key in CURVE_METRICS}
        metrics[f"{name}_fd_ratio"] = row["fd"] / fd_real
    return metrics


def measure_diffusion(entry, model: Diffusion, classifier: DigitClassifier) -> dict[str, float]:
    """The GANs' card (quality.measure_gan: DDIM with 50 steps), then the quality against the steps."""
    card = quality.measure_gan(entry, model, classifier)
    return card | quality_against_steps(model, quality.Reference.build(classifier), card["fd_real"])
