"""The GAN objective in one dimension, where every quantity can be computed on a grid.

Goodfellow et al. (2014), "Generative Adversarial Nets":

    min_G max_D V(D, G) = E_{x ~ p_data}[log D(x)] + E_{x ~ p_g}[log(1 - D(x))]

For a fixed generator the integrand p_data log D + p_g log(1 - D) is maximized at each x
separately, by the optimal discriminator

    D*(x) = p_data(x) / (p_data(x) + p_g(x)),

and putting D* back in gives

    V(D*, G) = -log 4 + 2 JSD(p_data || p_g),

so the generator minimizes the Jensen-Shannon divergence; the minimum, -log 4, is reached
exactly at p_g = p_data, where D* = 1/2 everywhere.

Here p_data is fixed (a mixture of two Gaussian bumps) and p_g is either one Gaussian
(mean, std) or, so that it can match p_data exactly, two equal bumps (center, gap, std);
their parameters are the page's sliders. All functions take densities sampled on a grid
of x and integrate numerically (trapezoid rule). Only numpy; no torch.
"""

from __future__ import annotations

import numpy as np

LOG4 = float(np.log(4.0))

DATA_BUMPS = ((0.5, -2.0, 0.6), (0.5, 2.0, 0.6))
"""p_data of the page: (weight, mean, std) of each Gaussian bump."""

GRID = np.linspace(-25.0, 25.0, 10001)
"""The x grid, step 0.005: wide enough that every density of the page (means within
+-5, stds from 0.1 to 3) has less than 1e-10 of its mass outside, fine enough for the
narrowest."""

EPS = 1e-15  # D is kept in [EPS, 1 - EPS]: see value()


# ----------------------------------------------------------------------------
# Densities on the grid


def normal_pdf(x: np.ndarray, mean: float, std: float) -> np.ndarray:
    """N(x; mean, std^2) = exp(-(x - mean)^2 / (2 std^2)) / (std sqrt(2 pi))."""
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * np.sqrt(2 * np.pi))


def data_density(grid: np.ndarray = GRID, bumps=DATA_BUMPS) -> np.ndarray:
    """p_data(x) = sum_k w_k N(x; m_k, s_k^2) on the grid, for bumps (w_k, m_k, s_k)."""
    return sum(w * normal_pdf(grid, m, s) for w, m, s in bumps)


def generator_mixture_density(center: float, gap: float, std: float, grid: np.ndarray = GRID) -> np.ndarray:
    """p_g(x) = 1/2 N(x; c - g/2, s^2) + 1/2 N(x; c + g/2, s^2): the page's generator, two bumps
    of width s, `gap` apart around `center`. One Gaussian when g = 0; p_data itself at
    c = 0, g = 4, s = 0.6, so the student can reach the minimum of the game."""
    return data_density(grid, generator_bumps(center, gap, std))


def generator_bumps(center: float, gap: float, std: float) -> tuple:
    """The page's generator as (weight, mean, std) bumps: two of width s, `gap` apart around `center`."""
    return (0.5, center - gap / 2, std), (0.5, center + gap / 2, std)


def sample_bumps(bumps, n: int, rng: np.random.Generator) -> np.ndarray:
    """n draws of the mixture: pick bump k with probability w_k, then x = m_k + s_k z, z ~ N(0, 1).
    For the generator this is x = G(z): the noise z (with the coin) mapped to a sample."""
    weights, means, stds = (np.array(column, dtype=float) for column in zip(*bumps))
    k = rng.choice(len(weights), size=n, p=weights / weights.sum())
    return means[k] + stds[k] * rng.standard_normal(n)


def mixture_value_landscape(centers: np.ndarray, gaps: np.ndarray, std: float, grid: np.ndarray = GRID) -> np.ndarray:
    """V(D*, G) of the two-bump generator for every centre and gap at width `std`:
    shape (len(gaps), len(centers)), row i = gaps[i]. Its lowest point is the best p_g."""
    p_data = data_density(grid)
    return np.array([[optimal_value(p_data, generator_mixture_density(c, g, std, grid), grid) for c in centers]
                     for g in gaps])


def generator_density(mean: float, std: float, grid: np.ndarray = GRID) -> np.ndarray:
    """p_g(x) = N(x; mean, std^2): the generator of the 1-D view, one Gaussian."""
    return normal_pdf(grid, mean, std)


def integrate(f: np.ndarray, grid: np.ndarray) -> float:
    """The integral of f over the grid by the trapezoid rule."""
    return float(np.trapezoid(f, grid))


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x log y with the convention 0 log y = 0 (a density that is 0 contributes nothing)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x > 0, x * np.log(y), 0.0)


# ----------------------------------------------------------------------------
# The discriminator, the value and the Jensen-Shannon divergence


def optimal_discriminator(p_data: np.ndarray, p_g: np.ndarray) -> np.ndarray:
    """D*(x) = p_data / (p_data + p_g). Where both densities are 0 every D is optimal
    (the point carries no weight); we return 1/2 there."""
    total = p_data + p_g
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, p_data / total, 0.5)


def value(d: np.ndarray, p_data: np.ndarray, p_g: np.ndarray, grid: np.ndarray = GRID) -> float:
    """V(D, G) = int p_data(x) log D(x) dx + int p_g(x) log(1 - D(x)) dx
    = E_data[log D] + E_g[log(1 - D)], for a discriminator D given on the grid.

    D is clipped to [EPS, 1 - EPS]: far in the tails D* = p_data / (p_data + p_g) rounds to
    exactly 0 or 1 while the other density is tiny but not 0, and 0 * log 0 would spoil
    the sum; the clipping changes V by less than 1e-13 there."""
    d = np.clip(d, EPS, 1 - EPS)
    return integrate(_xlogy(p_data, d) + _xlogy(p_g, 1 - d), grid)


def kl_divergence(p: np.ndarray, q: np.ndarray, grid: np.ndarray = GRID) -> float:
    """KL(p || q) = int p log(p / q) dx >= 0 (infinite if q = 0 where p > 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return integrate(np.where(p > 0, p * np.log(p / q), 0.0), grid)


def jensen_shannon(p: np.ndarray, q: np.ndarray, grid: np.ndarray = GRID) -> float:
    """JSD(p || q) = 1/2 KL(p || m) + 1/2 KL(q || m) with m = (p + q) / 2.
    Symmetric, 0 exactly when p = q, at most log 2 (when p and q do not overlap)."""
    m = (p + q) / 2
    return 0.5 * kl_divergence(p, m, grid) + 0.5 * kl_divergence(q, m, grid)


def optimal_value(p_data: np.ndarray, p_g: np.ndarray, grid: np.ndarray = GRID) -> float:
    """V(D*, G): the value once the discriminator has been trained to the optimum."""
    return value(optimal_discriminator(p_data, p_g), p_data, p_g, grid)


def value_from_jsd(p_data: np.ndarray, p_g: np.ndarray, grid: np.ndarray = GRID) -> float:
    """-log 4 + 2 JSD(p_data || p_g): the same number as optimal_value, by the identity."""
    return -LOG4 + 2 * jensen_shannon(p_data, p_g, grid)


def value_landscape(means: np.ndarray, stds: np.ndarray, grid: np.ndarray = GRID, bumps=DATA_BUMPS) -> np.ndarray:
    """V(D*, G) for every slider setting: shape (len(stds), len(means)), row i = stds[i].
    The generator's training signal is this surface; its lowest point is the best p_g."""
    p_data = data_density(grid, bumps)
    return np.array([[optimal_value(p_data, generator_density(m, s, grid), grid) for m in means] for s in stds])


# ----------------------------------------------------------------------------
# The generator's two losses, as functions of D(G(z)) in (0, 1)
#
# D(G(z)) = sigmoid(l), where l is the discriminator's logit. Early in training the
# discriminator easily rejects the fakes, D(G(z)) ~ 0: what matters then is the gradient
# each loss sends back through l.


def saturating_loss(d: np.ndarray) -> np.ndarray:
    """The minimax generator loss log(1 - D(G(z))), minimized by G. Flat near D = 0."""
    return np.log1p(-np.asarray(d, dtype=np.float64))


def non_saturating_loss(d: np.ndarray) -> np.ndarray:
    """The non-saturating generator loss -log D(G(z)) (Goodfellow et al. 2014, section 3)."""
    return -np.log(np.asarray(d, dtype=np.float64))


def saturating_logit_gradient(d: np.ndarray) -> np.ndarray:
    """d/dl log(1 - sigmoid(l)) = -sigmoid(l) = -D: it vanishes as D(G(z)) -> 0."""
    return -np.asarray(d, dtype=np.float64)


def non_saturating_logit_gradient(d: np.ndarray) -> np.ndarray:
    """d/dl -log sigmoid(l) = -(1 - sigmoid(l)) = -(1 - D): about -1 when D(G(z)) -> 0."""
    return -(1 - np.asarray(d, dtype=np.float64))


def generator_losses(d: np.ndarray) -> dict[str, np.ndarray]:
    """Both losses and their gradients with respect to the logit, for a plot against D(G(z))."""
    return {
        "saturating": saturating_loss(d),
        "non_saturating": non_saturating_loss(d),
        "saturating_gradient": saturating_logit_gradient(d),
        "non_saturating_gradient": non_saturating_logit_gradient(d),
    }
