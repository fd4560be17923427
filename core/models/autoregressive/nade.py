"""NADE: the neural autoregressive density estimator, binary and continuous.

    p(x) = prod_i p(x_i | x_{<i})
    h_i = sigmoid(c + W[:, <i] x_{<i})            one hidden layer per pixel, all sharing W and c
    p(x_i = 1 | x_{<i}) = sigmoid(b_i + V_i . h_i)

Sharing W makes every pre-activation a_i = c + W[:, <i] x_{<i} a running sum:
a_{i+1} = a_i + W[:, i] x_i, so log p(x) costs O(nH) instead of O(n^2 H), and sampling
updates a_i one pixel at a time. Parameters: W (H x n), V (n x H), b (n), c (H):
2nH + n + H.

Continuous NADE (RNADE) keeps h_i and replaces the Bernoulli by a mixture of K Gaussians
over the pixel's value, the lecture's "continuous output: a Gaussian mixture at the
last layer".

[1] Larochelle & Murray, The Neural Autoregressive Distribution Estimator, AISTATS 2011.
[2] Uria, Murray & Larochelle, RNADE: The real-valued neural autoregressive
    density-estimator, NeurIPS 2013.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from core.models.autoregressive.base import BinaryAutoregressive
from core.models.base import ExplicitModel, Seed
from core.models.neural import DequantizedDensity, as_float_tensor, torch_generator


@dataclass(frozen=True)
class NADEConfig:
    num_pixels: int = 64
    hidden: int = 100


def nade_params(n: int, hidden: int) -> int:
    """2nH + n + H: W and V, plus the biases b and c."""
    return 2 * n * hidden + n + hidden


def running_preactivations(x: torch.Tensor, W: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    """a_i = c + sum_{j<i} W[:, j] x_j for every pixel i at once: (B, n) -> (B, n, H)."""
    contributions = x[:, :, None] * W.T[None, :, :]  # (B, n, H): W[:, j] x_j
    return c + torch.cumsum(contributions, dim=1) - contributions  # exclusive running sum


class NADE(BinaryAutoregressive):
    """NADE over binary pixels [1]."""

    def __init__(self, config: NADEConfig):
        super().__init__()
        self.config = config
        self.num_pixels = n = config.num_pixels
        h = config.hidden
        self.W = nn.Parameter(torch.randn(h, n) * 0.05)  # (H, n)
        self.c = nn.Parameter(torch.zeros(h))  # (H,)
        self.V = nn.Parameter(torch.randn(n, h) * 0.05)  # (n, H)
        self.b = nn.Parameter(torch.zeros(n))  # (n,)

    def logits(self, x):
        hidden = torch.sigmoid(running_preactivations(x, self.W, self.c))  # (B, n, H)
        return (hidden * self.V).sum(dim=-1) + self.b  # (B, n)

    @torch.inference_mode()
    def sample(self, n: int, seed: Seed = 0, temperature: float = 1.0) -> np.ndarray:
        """Incremental sampling: a += W[:, i] x_i after each pixel, O(nH) per image."""
        generator = torch_generator(seed)
        a = self.c.expand(n, -1).clone()  # (n, H)
        x = torch.zeros(n, self.num_pixels)
        for i in range(self.num_pixels):
            p_one = torch.sigmoid((torch.sigmoid(a) @ self.V[i] + self.b[i]) / temperature)  # (n,)
            x[:, i] = torch.bernoulli(p_one, generator=generator)
            a += x[:, i : i + 1] * self.W[:, i]
        return x.to(torch.uint8).numpy()


# ----------------------------------------------------------------------------
# Continuous NADE: a mixture of Gaussians per pixel


@dataclass(frozen=True)
class ContinuousNADEConfig:
    num_pixels: int = 64
    hidden: int = 100
    components: int = 5
    levels: int = 17  # gray levels 0..16, modelled as y = (level + u) / 17 in [0, 1)


class ContinuousNADE(DequantizedDensity, ExplicitModel):
    """RNADE [2] on gray levels: p(y_i | y_{<i}) = sum_k pi_ik N(y_i; mu_ik, sigma_ik^2),
    with pi, mu, log sigma read from h_i. Data are dequantized, y = (level + u) / L with
    u ~ U[0, 1), so -log P(level) <= -E_u log p(y) + log L per pixel: log_prob returns
    that bound on the discrete log-likelihood (in nats per image)."""

    def __init__(self, config: ContinuousNADEConfig):
        super().__init__()
        self.config = config
        self.num_pixels = n = config.num_pixels
        h, k = config.hidden, config.components
        self.W = nn.Parameter(torch.randn(h, n) * 0.05)  # (H, n)
        self.c = nn.Parameter(torch.zeros(h))  # (H,)
        self.V = nn.Parameter(torch.randn(n, 3 * k, h) * 0.05)  # (n, 3K, H): weights, means, log-scales
        self.b = nn.Parameter(torch.cat([torch.zeros(n, k), torch.linspace(0.05, 0.95, k).expand(n, k),
                                         torch.full((n, k), math.log(0.1))], dim=1))  # (n, 3K)

    def mixture(self, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """log pi, mu, sigma of every pixel's mixture given the pixels before it: each (B, n, K)."""
        hidden = torch.sigmoid(running_preactivations(y, self.W, self.c))  # (B, n, H)
        out = torch.einsum("bnh,nkh->bnk", hidden, self.V) + self.b  # (B, n, 3K)
        weights, means, log_scales = out.chunk(3, dim=-1)
        return F.log_softmax(weights, dim=-1), means, log_scales.clamp(-7, 2).exp()

    def density_log_prob(self, y: torch.Tensor) -> torch.Tensor:
        """log p(y) = sum_i log sum_k pi_ik N(y_i; mu_ik, sigma_ik^2), (B, n) -> (B,)."""
        log_pi, mu, sigma = self.mixture(y)
        log_normal = torch.distributions.Normal(mu, sigma).log_prob(y[:, :, None])  # (B, n, K)
        return torch.logsumexp(log_pi + log_normal, dim=-1).sum(dim=1)

    @torch.inference_mode()
    def pixel_density(self, x, pixel: int, grid: np.ndarray) -> np.ndarray:
        """p(y_pixel | y_{<pixel}) of one image on a grid of values in [0, 1): (len(grid),)."""
        y = (as_float_tensor(x)[None, :] + 0.5) / self.config.levels
        log_pi, mu, sigma = (t[0, pixel] for t in self.mixture(y))
        values = torch.as_tensor(grid, dtype=torch.float32)[:, None]
        return torch.logsumexp(log_pi + torch.distributions.Normal(mu, sigma).log_prob(values), dim=-1).exp().numpy()

    @torch.inference_mode()
    def sample(self, n: int, seed: Seed = 0) -> np.ndarray:
        """Gray levels 0..L-1, drawn pixel by pixel from the mixtures."""
        generator = torch_generator(seed)
        y = torch.zeros(n, self.num_pixels)
        for i in range(self.num_pixels):
            log_pi, mu, sigma = (t[:, i] for t in self.mixture(y))
            k = torch.multinomial(log_pi.exp(), 1, generator=generator)[:, 0]
            rows = torch.arange(n)
            y[:, i] = mu[rows, k] + sigma[rows, k] * torch.randn(n, generator=generator)
        return np.clip(np.floor(y.numpy() * self.config.levels), 0, self.config.levels - 1).astype(np.uint8)

