"""The basic discrete distributions of Lecture 9, and conditional independence on a table.

    Bernoulli     X ~ Ber(p):            P(X = 1) = p, P(X = 0) = 1 - p        (1 parameter)
    Categorical   Y ~ Cat(p_1..p_m):     P(Y = i) = p_i, sum_i p_i = 1         (m - 1 parameters)
    Bayes' rule   p(z | x) = p(x | z) p(z) / p(x)
    x ⊥ y | z     <=>  p(x | y, z) = p(x | z) for every y, z with p(y, z) > 0
"""

from __future__ import annotations

import numpy as np

from core.models.base import Seed, as_rng


class InvalidWeights(ValueError):
    """Weights that cannot be normalized into a probability vector."""


def bernoulli_running_frequency(p: float, n: int, seed: Seed = 0) -> np.ndarray:
    """Draw n flips of Ber(p); return the running frequency of 1s after each flip, (n,).
    By the law of large numbers it converges to p, with error about sqrt(p(1-p)/n)."""
    flips = as_rng(seed).random(n) < p
    return np.cumsum(flips) / np.arange(1, n + 1)


def frequency_band(p: float, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """p ± 2 sqrt(p(1 - p) / N), clipped to [0, 1]: where the running frequency of N flips
    stays about 95% of the time (two standard deviations of a mean of N Bernoulli draws)."""
    half_width = 2 * np.sqrt(p * (1 - p) / np.asarray(n, dtype=np.float64))
    return np.clip(p - half_width, 0, 1), np.clip(p + half_width, 0, 1)


def normalize_weights(weights) -> np.ndarray:
    """Probabilities p_i = w_i / sum_j w_j from non-negative weights.

    Raises InvalidWeights for empty, missing, non-numeric, non-finite or negative
    weights, or all zeros; its message is the reason: "empty", "not_finite",
    "negative" or "all_zero"."""
    try:
        w = np.array([np.nan if v is None else v for v in np.ravel(weights)], dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidWeights("not_finite") from None
    if w.size == 0:
        raise InvalidWeights("empty")
    if not np.isfinite(w).all():
        raise InvalidWeights("not_finite")
    if (w < 0).any():
        raise InvalidWeights("negative")
    if w.sum() <= 0:
        raise InvalidWeights("all_zero")
    return w / w.sum()


def categorical_counts(probs: np.ndarray, n: int, seed: Seed = 0) -> np.ndarray:
    """How often each of the m faces comes up in n rolls of Cat(p), (m,)."""
    return as_rng(seed).multinomial(n, probs)


def total_variation(p: np.ndarray, q: np.ndarray) -> float:
    """TV(p, q) = 1/2 sum_i |p_i - q_i|: 0 for equal distributions, 1 for disjoint ones."""
    return 0.5 * float(np.abs(np.asarray(p) - np.asarray(q)).sum())


# ----------------------------------------------------------------------------
# Three binary variables x, y, z with a joint table p[x, y, z]


def joint_from_weights(weights) -> np.ndarray:
    """A (2, 2, 2) joint table p[x, y, z] from 8 non-negative weights."""
    return normalize_weights(np.asarray(weights, dtype=np.float64).reshape(-1)).reshape(2, 2, 2)


def _divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b where b > 0, NaN where the condition has probability zero."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / b, np.nan)


def x_given_yz(joint: np.ndarray) -> np.ndarray:
    """p(x = 1 | y, z) = p(1, y, z) / p(y, z), shape (2, 2) indexed [y, z]."""
    return _divide(joint[1], joint.sum(axis=0))


def x_given_z(joint: np.ndarray) -> np.ndarray:
    """p(x = 1 | z) = p(x = 1, z) / p(z), shape (2,) indexed [z]."""
    return _divide(joint[1].sum(axis=0), joint.sum(axis=(0, 1)))


def conditional_mutual_information(joint: np.ndarray) -> float:
    """I(X; Y | Z) = sum p(x,y,z) log [p(x,y,z) p(z) / (p(x,z) p(y,z))] in nats.
    It is >= 0, and = 0 exactly when x ⊥ y | z."""
    p_z = joint.sum(axis=(0, 1))  # (z,)
    p_xz = joint.sum(axis=1)  # (x, z)
    p_yz = joint.sum(axis=0)  # (y, z)
    ratio = _divide(joint * p_z[None, None, :], p_xz[:, None, :] * p_yz[None, :, :])
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(joint > 0, joint * np.log(ratio), 0.0)
    return max(float(np.nansum(terms)), 0.0)


def conditionally_independent_version(joint: np.ndarray) -> np.ndarray:
    """The closest table in which x ⊥ y | z holds, keeping p(z), p(x|z), p(y|z):
    q(x, y, z) = p(z) p(x | z) p(y | z) = p(x, z) p(y, z) / p(z)."""
    p_z = joint.sum(axis=(0, 1))
    return np.nan_to_num(_divide(joint.sum(axis=1)[:, None, :] * joint.sum(axis=0)[None, :, :], p_z[None, None, :]))


def bayes_z_given_x(joint: np.ndarray) -> dict[str, np.ndarray]:
    """Bayes' rule on the table, both ways, indexed [x, z]:
    direct p(z | x) = p(x, z) / p(x), and via Bayes p(x | z) p(z) / p(x)."""
    p_xz = joint.sum(axis=1)  # (x, z)
    p_x, p_z = p_xz.sum(axis=1), p_xz.sum(axis=0)
    likelihood = _divide(p_xz, p_z[None, :])  # p(x | z)
    return {
        "likelihood": likelihood,
        "prior": p_z,
        "evidence": p_x,
        "direct": _divide(p_xz, p_x[:, None]),
        "bayes": _divide(likelihood * p_z[None, :], p_x[:, None]),
    }
