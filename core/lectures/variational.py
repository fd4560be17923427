"""Variational inference, the identity at the heart of Lecture 10:

    ln p(x) = ELBO(q) + KL(q(z|x) ‖ p(z|x)),   ELBO(q) = E_q[ln p(x, z) − ln q(z|x)].

ln p(x) does not depend on q, so raising the ELBO is the same as lowering the KL to the
true posterior, which we cannot compute (it needs p(x)). Three demos:

1. `LinearGaussian`: z ~ N(0, 1), x | z ~ N(w z + b, s²). Posterior and evidence are exact,
   so ELBO and KL of any q = N(μ, σ²) are closed forms that visibly add up to ln p(x).
2. `fit_gaussian`: a diagonal Gaussian q fitted to a 2-D unnormalized density that is not
   Gaussian, by stochastic gradient ascent on the ELBO with the reparameterization trick
   z = μ + σ ⊙ ε, ε ~ N(0, I). KL(q‖p) is mode-seeking: q settles on one mode.
3. `kl_to_standard_normal` and its Monte Carlo estimate.

References: Jordan et al. 1999 (variational methods); Kingma & Welling 2014 (reparameterization).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch
from scipy.special import logsumexp

LOG_2PI = float(np.log(2 * np.pi))


def normal_log_pdf(x, mean, var):
    """ln N(x; mean, var)."""
    return -0.5 * (LOG_2PI + np.log(var) + (np.asarray(x) - mean) ** 2 / var)


def kl_normal(mean_q: float, var_q: float, mean_p: float, var_p: float) -> float:
    """KL(N(m_q, v_q) ‖ N(m_p, v_p)) = 1/2 [ln(v_p/v_q) + (v_q + (m_q − m_p)²)/v_p − 1]."""
    return 0.5 * (np.log(var_p / var_q) + (var_q + (mean_q - mean_p) ** 2) / var_p - 1.0)


def kl_to_standard_normal(mean: float, std: float) -> float:
    """KL(N(μ, σ²) ‖ N(0, 1)) = 1/2 (μ² + σ² − 1 − ln σ²): the VAE's prior-fitting term, per dimension."""
    return 0.5 * (mean**2 + std**2 - 1.0 - np.log(std**2))


def kl_monte_carlo(mean: float, std: float, samples: int, seed: int = 0) -> tuple[float, float]:
    """The same KL estimated by sampling: (1/S) Σ_s [ln q(z_s) − ln p(z_s)], z_s ~ q.
    Returns (estimate, its standard error)."""
    z = mean + std * np.random.default_rng(seed).standard_normal(samples)
    terms = normal_log_pdf(z, mean, std**2) - normal_log_pdf(z, 0.0, 1.0)
    error = terms.std(ddof=1) / np.sqrt(samples) if samples > 1 else float("nan")
    return float(terms.mean()), float(error)


# --------------------------------------------------------------------------- exact model


@dataclass(frozen=True)
class LinearGaussian:
    """z ~ N(0, 1), x | z ~ N(w z + b, s²): every quantity of VI in closed form."""

    w: float = 2.0
    b: float = 0.0
    s: float = 1.0

    def log_joint(self, x: float, z):
        """ln p(x, z) = ln p(z) + ln p(x | z) = ln N(z; 0, 1) + ln N(x; w z + b, s²)."""
        return normal_log_pdf(z, 0.0, 1.0) + normal_log_pdf(x, self.w * np.asarray(z) + self.b, self.s**2)

    def log_evidence(self, x: float) -> float:
        """ln p(x) with p(x) = N(x; b, w² + s²), z integrated out."""
        return float(normal_log_pdf(x, self.b, self.w**2 + self.s**2))

    def posterior(self, x: float) -> tuple[float, float]:
        """p(z | x) = N(m, v) with v = 1 / (1 + w²/s²), m = v w (x − b) / s²."""
        var = 1.0 / (1.0 + self.w**2 / self.s**2)
        return var * self.w * (x - self.b) / self.s**2, var

    def elbo(self, x: float, mean: float, std: float) -> float:
        """E_q[ln p(x|z)] + E_q[ln p(z)] + H(q) for q = N(μ, σ²), all Gaussian expectations:
        E_q[(x − wz − b)²] = (x − wμ − b)² + w²σ², E_q[z²] = μ² + σ², H(q) = 1/2 ln(2πeσ²)."""
        var = std**2
        reconstruction = -0.5 * (LOG_2PI + np.log(self.s**2) + ((x - self.w * mean - self.b) ** 2 + self.w**2 * var)
                                 / self.s**2)
        prior = -0.5 * (LOG_2PI + mean**2 + var)
        entropy = 0.5 * (LOG_2PI + 1.0 + np.log(var))
        return float(reconstruction + prior + entropy)

    def kl_to_posterior(self, x: float, mean: float, std: float) -> float:
        """KL(q(z) ‖ p(z|x)), the gap between ln p(x) and the ELBO."""
        post_mean, post_var = self.posterior(x)
        return float(kl_normal(mean, std**2, post_mean, post_var))


# --------------------------------------------------------------------------- 2-D targets


def bimodal_log_density(z: torch.Tensor) -> torch.Tensor:
    """Unnormalized ln p(z) of two equal round bumps at (±2.5, 0), σ = 0.5: a posterior with two explanations."""
    centres = torch.tensor([[-2.5, 0.0], [2.5, 0.0]], dtype=z.dtype)
    squared = ((z[..., None, :] - centres) ** 2).sum(-1)  # (..., 2)
    return torch.logsumexp(-squared / (2 * 0.5**2), dim=-1)


def banana_log_density(z: torch.Tensor) -> torch.Tensor:
    """Unnormalized ln p(z) of a curved ridge: z₁ ~ N(0, 1.5²), z₂ | z₁ ~ N(z₁²/2 − 1, 0.4²)."""
    z1, z2 = z[..., 0], z[..., 1]
    return -z1**2 / (2 * 1.5**2) - (z2 - (z1**2 / 2 - 1)) ** 2 / (2 * 0.4**2)


TARGETS_2D: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {"bimodal": bimodal_log_density,
                                                                  "banana": banana_log_density}
GRID_LIMIT = 4.5  # the plots and the numerical normalizer cover [−4.5, 4.5]²


def density_grid(log_density: Callable, points: int = 121) -> tuple[np.ndarray, np.ndarray, float]:
    """The axis, ln p̃ on the grid (rows: z₂, columns: z₁), and ln Z = ln ∫ p̃ by the rectangle rule."""
    axis = np.linspace(-GRID_LIMIT, GRID_LIMIT, points)
    z1, z2 = np.meshgrid(axis, axis)
    log_p = log_density(torch.from_numpy(np.stack([z1, z2], axis=-1))).numpy()
    cell = (axis[1] - axis[0]) ** 2
    return axis, log_p, float(logsumexp(log_p) + np.log(cell))


@dataclass(frozen=True)
class FitStep:
    step: int
    mean: tuple[float, float]
    std: tuple[float, float]
    elbo: float  # Monte Carlo estimate with the step's samples


def fit_gaussian(log_density: Callable, steps: int = 600, samples: int = 64, lr: float = 0.05,
                 start: tuple[float, float] = (0.5, 1.5), seed: int = 0) -> Iterator[FitStep]:
    """Maximize ELBO(μ, σ) = E_ε[ln p̃(μ + σ ⊙ ε)] + H(q), H(q) = Σ_j ln σ_j + ln(2πe), with Adam,
    for a diagonal Gaussian q in 2-D. The reparameterization z = μ + σ ⊙ ε moves the
    randomness into ε, so the gradient flows through z to μ and σ. Yields every step, so a
    progress bar and an animation can follow it."""
    generator = torch.Generator().manual_seed(seed)
    mean = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    log_std = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([mean, log_std], lr=lr)
    for step in range(1, steps + 1):
        epsilon = torch.randn(samples, 2, generator=generator, dtype=torch.float64)  # (S, 2)
        z = mean + log_std.exp() * epsilon  # the reparameterization trick, (S, 2)
        elbo = log_density(z).mean() + log_std.sum() + (1 + LOG_2PI)  # E_q ln p̃ + H(q)
        optimizer.zero_grad()
        (-elbo).backward()
        optimizer.step()
        yield FitStep(step, tuple(mean.tolist()), tuple(log_std.exp().tolist()), float(elbo.detach()))


def gaussian_elbo_on_grid(log_density: Callable, mean, std, points: int = 241) -> tuple[float, float]:
    """(ELBO, KL(q‖p)) of q = N(mean, diag std²) against the normalized target, by quadrature
    on the grid: ELBO = ∫ q (ln p̃ − ln q), KL = ln Z − ELBO."""
    axis, log_p, log_z = density_grid(log_density, points)
    z1, z2 = np.meshgrid(axis, axis)
    log_q = normal_log_pdf(z1, mean[0], std[0] ** 2) + normal_log_pdf(z2, mean[1], std[1] ** 2)
    q = np.exp(log_q) * (axis[1] - axis[0]) ** 2
    elbo = float((q * (log_p - log_q)).sum() / q.sum())
    return elbo, log_z - elbo
