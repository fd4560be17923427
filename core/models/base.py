"""The interface every explicit (likelihood) model of the app offers (DESIGN.md).

    log_prob(x)      -> (B,) log p(x) in nats, one value per image
    sample(n, seed)  -> (n, D) images
    num_params()     -> exact int

Images are flat in raster order, shape (B, D) with D = 64 for the 8x8 digits.
This base imports no torch: the count-based models of Lecture 9 run on numpy, so the
pages that use only them start fast. Neural models implement the same three methods.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

Seed = int | np.random.Generator


def as_rng(seed: Seed) -> np.random.Generator:
    """A numpy Generator from an int seed (or the Generator itself)."""
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


class ExplicitModel(ABC):
    """A generative model with a tractable likelihood p(x)."""

    num_pixels: int

    @abstractmethod
    def log_prob(self, x) -> np.ndarray:
        """log p(x) in nats for each image of x, shape (B, D) -> (B,)."""

    @abstractmethod
    def sample(self, n: int, seed: Seed = 0) -> np.ndarray:
        """n images x ~ p(x), shape (n, D)."""

    @abstractmethod
    def num_params(self) -> int:
        """The exact number of free parameters."""

    def nll(self, x) -> float:
        """Mean negative log-likelihood in nats per image: -1/B sum_b log p(x_b)."""
        return float(-np.mean(self.log_prob(x)))
