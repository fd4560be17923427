"""What every neural model of the app shares (torch; the numpy-only interface is base.py).

    NeuralModel        an nn.Module that counts its free parameters exactly
    AdversarialModel   a model trained by a game: its own optimizers and phases per batch
    DequantizedDensity a density on [0, 1)^n scored on the discrete gray levels (dequantization)
    adam               the one optimizer factory, from a training recipe (core/training.py)
    torch_generator    a seeded torch.Generator (from an int or a numpy Generator)
    as_float_tensor    numpy images -> a float32 tensor (a copy)

A masked weight (PixelCNN's and the PixelRNNs' masked convolutions) is multiplied by a
fixed 0/1 mask in every forward pass, so the entries the mask zeroes are never used:
they are not parameters of the model, and `num_params` does not count them.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod

import numpy as np
import torch
import torch.nn as nn

from core.models.base import Seed


def torch_generator(seed: Seed) -> torch.Generator:
    """A seeded CPU torch.Generator (a numpy Generator gives the seed)."""
    if isinstance(seed, np.random.Generator):
        seed = int(seed.integers(2**31))
    return torch.Generator().manual_seed(int(seed))


def as_float_tensor(x) -> torch.Tensor:
    """float32 tensor of x, a copy: inputs may be read-only numpy arrays."""
    return torch.from_numpy(np.array(x, dtype=np.float32))


def stored_parameters(module: nn.Module) -> int:
    """Every entry of every parameter tensor, used or not."""
    return sum(p.numel() for p in module.parameters())


def free_parameters(module: nn.Module) -> int:
    """The number of parameters a network really has: every entry of every parameter,
    except the weight entries that a module's fixed `mask` buffer sets to zero."""
    total = stored_parameters(module)
    for part in module.modules():
        mask = getattr(part, "mask", None)
        if isinstance(mask, torch.Tensor) and isinstance(getattr(part, "weight", None), nn.Parameter):
            total -= int((torch.broadcast_to(mask, part.weight.shape) == 0).sum())
    return total


def adam(parameters, config, lr_scale: float = 1.0) -> torch.optim.AdamW:
    """Adam with decoupled weight decay (AdamW), from a recipe's lr, betas and weight_decay;
    with weight_decay = 0 it is plain Adam. lr_scale: a phase that learns slower or faster."""
    return torch.optim.AdamW(parameters, lr=config.lr * lr_scale, betas=tuple(config.betas),
                             weight_decay=config.weight_decay)


class NeuralModel(nn.Module):
    """An nn.Module of the app: `num_params()` is the exact number of free parameters."""

    def num_params(self) -> int:
        return free_parameters(self)


class DequantizedDensity(NeuralModel, ABC):
    """A density p(y) on [0, 1)^n that scores gray levels l in {0, ..., L-1}^n (ContinuousNADE,
    the flow). Dequantized, y = (l + u) / L with u ~ U[0, 1)^n, and by Jensen

        log P(l) = log E_u p(y) / L^n  >=  E_u log p(y) - n log L,

    so the loss and log_prob are that bound on the discrete likelihood, in nats per image.
    A subclass gives `density_log_prob(y)`, `num_pixels` and `config.levels` (= L)."""

    num_pixels: int

    @abstractmethod
    def density_log_prob(self, y: torch.Tensor) -> torch.Tensor:
        """log p(y) of dequantized images: (B, n) -> (B,)."""

    def dequantize(self, levels: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """y = (l + u) / L, u ~ U[0, 1) per pixel."""
        u = torch.rand(levels.shape, generator=generator)
        return (levels + u) / self.config.levels

    def loss(self, levels: torch.Tensor) -> dict[str, torch.Tensor]:
        """Bound on -log P(levels) per image: -log p(y) + n log L with y dequantized."""
        nll = -self.density_log_prob(self.dequantize(levels)).mean() + self.num_pixels * math.log(self.config.levels)
        return {"loss": nll, "nll": nll}

    @torch.inference_mode()
    def log_prob(self, x, draws: int = 8, seed: Seed = 0) -> np.ndarray:
        """The dequantization bound on log P(levels), averaged over `draws` noise draws."""
        levels, generator = as_float_tensor(x), torch_generator(seed)
        log_p = torch.stack([self.density_log_prob(self.dequantize(levels, generator)) for _ in range(draws)])
        return (log_p.mean(dim=0) - self.num_pixels * math.log(self.config.levels)).numpy()


class AdversarialModel(NeuralModel, ABC):
    """A model trained by a game (a GAN, the AAE): the training loop calls
    `configure_optimizers(recipe)` once and `train_step(x, optimizers)` per batch, which runs
    the phases ("update D", then "update G") and returns the terms to log; `loss(x)` gives
    the terms measured on the validation carve."""

    @abstractmethod
    def configure_optimizers(self, config) -> dict[str, torch.optim.Optimizer]:
        """One optimizer per player, built with `adam`."""

    @abstractmethod
    def train_step(self, x: torch.Tensor, optimizers: dict) -> dict[str, torch.Tensor]:
        """One batch of the game: every phase, each with its own optimizer."""
