"""The lab's settings: LabConfig (every setting, checked when it is made), the target
distributions and the noise p(z) that a config names, and the presets of the page.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch

from core.data import TOY_2D

TARGETS = (*TOY_2D, "custom")
NOISES = ("gaussian", "uniform")
OPTIMIZERS = ("adam", "sgd")
LOSSES = ("minimax", "non_saturating", "least_squares")
REGULARIZERS = ("none", "gradient_penalty", "zero_centered_gp", "r1")

CUSTOM_STD = 0.05  # each custom point becomes a small Gaussian bump, as narrow as the toy modes
MIN_POINTS, MAX_POINTS = 3, 10_000  # the points of a custom target (core/gan_lab/points.py reads them)


@dataclass(frozen=True)
class LabConfig:
    """Every setting of the lab. Frozen and hashable: a cache key, and the same config
    (with its seed) always trains the same way."""

    target: str = "ring"  # a TOY_2D name of core/data/__init__.py, or "custom" with custom_points
    custom_points: tuple[tuple[float, float], ...] = ()  # (x, y) pairs; see points.parse_points_csv
    noise_dim: int = 2  # 1 draws a curve, 2 a warped grid; more: the manifold shows z_1, z_2
    noise: str = "gaussian"  # "gaussian": N(0, I); "uniform": U[-1, 1]^noise_dim
    g_layers: int = 2  # hidden layers of G
    g_units: int = 64  # units per hidden layer of G
    d_layers: int = 2
    d_units: int = 64
    g_optimizer: str = "adam"  # "adam" or "sgd"
    d_optimizer: str = "adam"
    g_lr: float = 1e-3
    d_lr: float = 1e-3
    d_steps: int = 1  # D updates per iteration
    g_steps: int = 1  # G updates per iteration
    loss: str = "non_saturating"  # one of LOSSES
    regularizer: str = "none"  # one of REGULARIZERS
    reg_weight: float = 1.0  # the regularizer's weight (lambda; gamma / 2 for R1)
    batch_size: int = 256  # real points and fake points per update
    seed: int = 0

    def __post_init__(self):
        for name, allowed in (("target", TARGETS), ("noise", NOISES), ("loss", LOSSES), ("regularizer", REGULARIZERS),
                              ("g_optimizer", OPTIMIZERS), ("d_optimizer", OPTIMIZERS)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, not {getattr(self, name)!r}")
        for name in ("noise_dim", "g_layers", "g_units", "d_layers", "d_units", "d_steps", "g_steps", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if not (self.g_lr > 0 and self.d_lr > 0 and self.reg_weight >= 0):
            raise ValueError("learning rates must be > 0 and reg_weight >= 0")
        if self.target == "custom" and len(self.custom_points) < MIN_POINTS:
            raise ValueError(f"a custom target needs at least {MIN_POINTS} points in custom_points")


# ----------------------------------------------------------------------------
# Target distributions and noise


def sample_target(config: LabConfig, n: int, rng: np.random.Generator) -> np.ndarray:
    """n points (n, 2) from the config's target. A custom target is the uploaded points,
    each blurred into a Gaussian bump of std CUSTOM_STD (a kernel density estimate)."""
    if config.target == "custom":
        points = np.asarray(config.custom_points, dtype=np.float64)
        return points[rng.integers(len(points), size=n)] + CUSTOM_STD * rng.standard_normal((n, 2))
    return TOY_2D[config.target](n, rng)


def sample_noise(config: LabConfig, n: int, generator: torch.Generator) -> torch.Tensor:
    """z ~ p(z), shape (n, noise_dim): N(0, I) or U[-1, 1]^noise_dim."""
    if config.noise == "gaussian":
        return torch.randn(n, config.noise_dim, generator=generator)
    return 2 * torch.rand(n, config.noise_dim, generator=generator) - 1


def noise_quantile(config: LabConfig, u: torch.Tensor) -> torch.Tensor:
    """The noise coordinate at probability level u in (0, 1): the inverse of its CDF.
    Lines at equally spaced u cut the noise space into cells of equal probability."""
    return torch.special.ndtri(u) if config.noise == "gaussian" else 2 * u - 1


# ----------------------------------------------------------------------------
# Presets

MODE_COLLAPSE = LabConfig(target="ring", loss="minimax", g_lr=1e-2, d_lr=1e-2, d_units=128)
"""The ring of 8 with the minimax loss, a large learning rate and a wider D (2 x 128): D
grows sharp peaks and G piles its samples onto one to three modes within about 1,000
iterations, and stays there (seeds 0, 1, 2; see the report of bench/gan_lab.py)."""

PRESETS: dict[str, LabConfig] = {
    "default": LabConfig(),
    "mode_collapse": MODE_COLLAPSE,
    # the same game with a gradient penalty on D: a smoother D, and all 8 modes
    "mode_collapse_gradient_penalty": replace(MODE_COLLAPSE, regularizer="gradient_penalty", reg_weight=0.1),
}


def with_settings(config: LabConfig, **changes) -> LabConfig:
    """A copy of config with some settings changed (configs are frozen)."""
    return replace(config, **changes)
