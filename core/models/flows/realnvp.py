"""RealNVP: a normalizing flow built from affine coupling layers.

A flow is an invertible map f from data x to a code z = f(x) with a simple density, here
the standard normal N(0, I). The change of variables gives the exact likelihood:

    log p(x) = log N(f(x); 0, I) + log |det df/dx|

f is a stack f = f_K o ... o f_1, so with h_0 = x, h_k = f_k(h_{k-1}), z = h_K the
log-determinant is a sum over the layers (the chain rule for Jacobians, det(AB) = det A det B):

    log p(x) = log N(h_K; 0, I) + sum_k log |det J_k(h_{k-1})|

An affine coupling layer splits its input into two parts, A (kept) and B (changed):

    y_A = x_A
    y_B = x_B * exp(s(x_A)) + t(x_A)

with s and t any networks of x_A (here small MLPs; s is bounded by tanh so that one layer
cannot stretch by more than exp(scale_bound)). Its Jacobian is triangular (y_A does not
depend on x_B, and dy_B/dx_B = diag(exp(s))), so

    log |det J| = sum_B s(x_A)

costs nothing, and the inverse is as cheap as the forward pass:

    x_A = y_A,   x_B = (y_B - t(y_A)) * exp(-s(y_A))

Successive layers keep different parts, so every coordinate is changed by some layer.

DigitFlow models the digits' 17 gray levels: each level is dequantized, y = (level + u) / 17
with u ~ U[0, 1) (as ContinuousNADE does), then mapped to the real line by a logit (its
log-determinant included), then through the stack. -log p(y) + n log 17 bounds -log P(levels).

[1] Dinh, Sohl-Dickstein & Bengio, Density estimation using Real NVP, ICLR 2017.
[2] Dinh, Krueger & Bengio, NICE: Non-linear independent components estimation, ICLR 2015 workshop.
[3] Uria, Murray & Larochelle, RNADE: The real-valued neural autoregressive density-estimator,
    NeurIPS 2013 (uniform dequantization of discrete data).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn

from core.models.base import ExplicitModel, Seed
from core.models.neural import DequantizedDensity, as_float_tensor, torch_generator


def standard_normal_log_prob(z: torch.Tensor) -> torch.Tensor:
    """log N(z; 0, I) = -|z|^2 / 2 - (d / 2) log(2 pi), summed over the last axis: (B, d) -> (B,)."""
    return -0.5 * (z**2).sum(dim=-1) - 0.5 * z.shape[-1] * math.log(2 * math.pi)


def mlp(inputs: int, hidden: int, depth: int, outputs: int, dropout: float = 0.0) -> nn.Sequential:
    """inputs -> `depth` hidden ReLU layers of `hidden` units -> outputs. The last layer starts at
    zero, so a fresh coupling layer is the identity (s = t = 0) and a fresh flow is N(0, I)."""
    layers: list[nn.Module] = []
    for i in range(depth):
        layers += [nn.Linear(inputs if i == 0 else hidden, hidden), nn.ReLU()]
        if dropout:
            layers.append(nn.Dropout(dropout))
    last = nn.Linear(hidden if depth else inputs, outputs)
    nn.init.zeros_(last.weight)
    nn.init.zeros_(last.bias)
    return nn.Sequential(*layers, last)


# ----------------------------------------------------------------------------
# The coupling layer and the stack


class AffineCoupling(nn.Module):
    """y_A = x_A, y_B = x_B * exp(s(x_A)) + t(x_A); log |det J| = sum_B s(x_A)."""

    def __init__(self, dim: int, kept: Sequence[int], hidden: int, depth: int, scale_bound: float,
                 dropout: float = 0.0):
        super().__init__()
        changed = [i for i in range(dim) if i not in set(kept)]
        # index buffers, not weights: fixed by the config, so not stored in the checkpoint
        self.register_buffer("kept", torch.tensor(sorted(kept), dtype=torch.long), persistent=False)
        self.register_buffer("changed", torch.tensor(changed, dtype=torch.long), persistent=False)
        self.net = mlp(len(kept), hidden, depth, 2 * len(changed), dropout)
        self.scale_bound = scale_bound

    def scale_and_shift(self, x_a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """s(x_A) in (-scale_bound, scale_bound) and t(x_A), each (B, |B|)."""
        raw_s, t = self.net(x_a).chunk(2, dim=-1)
        return self.scale_bound * torch.tanh(raw_s / self.scale_bound), t

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, d) -> y (B, d) and log |det dy/dx| (B,)."""
        x_a, x_b = x[:, self.kept], x[:, self.changed]
        s, t = self.scale_and_shift(x_a)
        y = torch.empty_like(x)
        y[:, self.kept] = x_a
        y[:, self.changed] = x_b * torch.exp(s) + t
        return y, s.sum(dim=-1)

    def inverse(self, y: torch.Tensor) -> torch.Tensor:
        """x with forward(x) = y: x_B = (y_B - t(y_A)) * exp(-s(y_A))."""
        y_a, y_b = y[:, self.kept], y[:, self.changed]
        s, t = self.scale_and_shift(y_a)
        x = torch.empty_like(y)
        x[:, self.kept] = y_a
        x[:, self.changed] = (y_b - t) * torch.exp(-s)
        return x


class RealNVP(nn.Module):
    """A stack of affine coupling layers, layer k keeping the coordinates `partitions[k]`,
    over a standard normal base: z = f(x) = f_K(... f_1(x))."""

    def __init__(self, dim: int, partitions: Sequence[Sequence[int]], hidden: int, depth: int = 2,
                 scale_bound: float = 2.0, dropout: float = 0.0):
        super().__init__()
        self.dim = dim
        self.layers = nn.ModuleList(AffineCoupling(dim, kept, hidden, depth, scale_bound, dropout)
                                    for kept in partitions)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """z = f(x) (B, d) and log |det df/dx| = sum_k log |det J_k| (B,)."""
        log_det = torch.zeros(len(x))
        for layer in self.layers:
            x, layer_log_det = layer(x)
            log_det = log_det + layer_log_det
        return x, log_det

    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        """x = f^-1(z): the layers' inverses in reverse order."""
        for layer in reversed(self.layers):
            z = layer.inverse(z)
        return z

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x) = log N(f(x); 0, I) + log |det df/dx|, (B, d) -> (B,)."""
        z, log_det = self(x)
        return standard_normal_log_prob(z) + log_det

    def trajectory(self, x: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
        """The points after each layer, [h_0 = x, h_1, ..., h_K = z] (each (B, d)), and each
        layer's log |det J_k(h_{k-1})|, (K, B)."""
        points, log_dets = [x], []
        for layer in self.layers:
            x, layer_log_det = layer(x)
            points.append(x)
            log_dets.append(layer_log_det)
        return points, torch.stack(log_dets) if log_dets else torch.zeros(0, len(x))

    def log_prob_after(self, h: torch.Tensor, k: int) -> torch.Tensor:
        """The density of h_k, the points after layer k when x ~ p: the remaining layers map it
        to z, so log p_k(h) = log N(f_K(... f_{k+1}(h))) + sum_{j > k} log |det J_j|.
        k = 0 is log p(x); k = K is log N(h; 0, I)."""
        log_det = torch.zeros(len(h))
        for layer in self.layers[k:]:
            h, layer_log_det = layer(h)
            log_det = log_det + layer_log_det
        return standard_normal_log_prob(h) + log_det

    @torch.inference_mode()
    def sample(self, n: int, seed: Seed = 0) -> np.ndarray:
        """x = f^-1(z), z ~ N(0, I): (n, d)."""
        z = torch.randn(n, self.dim, generator=torch_generator(seed))
        return self.inverse(z).numpy()


def alternating_halves(dim: int, layers: int) -> list[list[int]]:
    """Layer k keeps the first half of the coordinates when k is even, the second when odd
    (in 2-D: x_1, then x_2)."""
    half = dim // 2
    return [list(range(half)) if k % 2 == 0 else list(range(half, dim)) for k in range(layers)]


def image_partitions(side: int, layers: int) -> list[list[int]]:
    """Pixels kept by each layer of a flow over side x side images (raster order): a
    checkerboard, then the left columns, then the top rows, each followed by its complement,
    and around again, so each pixel is changed by half the layers and conditions the other half."""
    rows, cols = np.divmod(np.arange(side * side), side)
    masks = [(rows + cols) % 2 == 0, cols < side // 2, rows < side // 2]
    patterns = [m for mask in masks for m in (mask, ~mask)]
    return [np.flatnonzero(patterns[k % len(patterns)]).tolist() for k in range(layers)]


# ----------------------------------------------------------------------------
# The digits: 17 gray levels, dequantized


@dataclass(frozen=True)
class DigitFlowConfig:
    num_pixels: int = 64  # side x side in raster order
    levels: int = 17  # gray levels 0..16, modelled as y = (level + u) / 17 in [0, 1)
    layers: int = 12
    hidden: int = 256
    depth: int = 2  # hidden layers of each coupling's network
    scale_bound: float = 2.0
    alpha: float = 0.05  # the logit squeezes y into [alpha, 1 - alpha] first (RealNVP's)
    dropout: float = 0.0


class DigitFlow(DequantizedDensity, ExplicitModel):
    """RealNVP [1] over dequantized gray levels [3].

    y = (level + u) / L,  v = alpha + (1 - 2 alpha) y,  w = logit(v) = log v - log(1 - v),
    z = f(w);  log p(y) = log N(z) + log |det df/dw| + sum_i log((1 - 2 alpha) / (v_i (1 - v_i))).

    -log P(level) <= -E_u log p(y) + n log L: log_prob returns that bound on the discrete
    log-likelihood (nats per image), averaged over noise draws, exactly as ContinuousNADE."""

    def __init__(self, config: DigitFlowConfig):
        super().__init__()
        self.config = config
        self.num_pixels = n = config.num_pixels
        side = math.isqrt(n)
        if side * side != n:
            raise ValueError(f"num_pixels must be a square, not {n}")
        self.flow = RealNVP(n, image_partitions(side, config.layers), config.hidden, config.depth,
                            config.scale_bound, config.dropout)

    def to_logit(self, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """w = logit(alpha + (1 - 2 alpha) y) and log |det dw/dy| (B,)."""
        alpha = self.config.alpha
        v = alpha + (1 - 2 * alpha) * y
        log_det = (math.log(1 - 2 * alpha) - torch.log(v) - torch.log1p(-v)).sum(dim=-1)
        return torch.log(v) - torch.log1p(-v), log_det

    def from_logit(self, w: torch.Tensor) -> torch.Tensor:
        """y = (sigmoid(w) - alpha) / (1 - 2 alpha), the inverse of to_logit."""
        return (torch.sigmoid(w) - self.config.alpha) / (1 - 2 * self.config.alpha)

    def density_log_prob(self, y: torch.Tensor) -> torch.Tensor:
        """log p(y) of dequantized images y in [0, 1)^n by the change of variables: (B, n) -> (B,)."""
        w, logit_log_det = self.to_logit(y)
        z, flow_log_det = self.flow(w)
        return standard_normal_log_prob(z) + flow_log_det + logit_log_det

    @torch.inference_mode()
    def encode(self, x, seed: Seed = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One dequantized draw y of each image of levels x, its code z = f(logit(y)) and log p(y):
        (B, n), (B, n), (B,)."""
        y = self.dequantize(as_float_tensor(x), torch_generator(seed))
        z, _ = self.flow(self.to_logit(y)[0])
        return y.numpy(), z.numpy(), self.density_log_prob(y).numpy()

    @torch.inference_mode()
    def decode(self, z) -> np.ndarray:
        """y = logit^-1(f^-1(z)), the inverse of encode: (B, n) -> (B, n) in [0, 1)."""
        return self.from_logit(self.flow.inverse(as_float_tensor(z))).numpy()

    @torch.inference_mode()
    def sample(self, n: int, seed: Seed = 0, temperature: float = 1.0) -> np.ndarray:
        """Gray levels 0..L-1: z ~ N(0, T^2 I), y = f^-1(z) through the logit, level = floor(L y).
        T < 1 draws from the typical middle of the density (Glow's reduced temperature)."""
        z = temperature * torch.randn(n, self.num_pixels, generator=torch_generator(seed))
        y = self.from_logit(self.flow.inverse(z))
        return np.clip(np.floor(y.numpy() * self.config.levels), 0, self.config.levels - 1).astype(np.uint8)
