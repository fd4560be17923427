"""Exact parameter counts of the discrete distributions of Lecture 9.

Every count is a Python ``int`` (arbitrary precision), so 2^784 - 1 is exact.
A distribution over ``m`` outcomes needs ``m - 1`` free parameters, because the
probabilities must sum to 1.
"""

from __future__ import annotations

import math
from decimal import Decimal


def categorical_params(m: int) -> int:
    """Cat(p_1, ..., p_m): m - 1 free parameters (the last is 1 - sum of the others)."""
    if m < 1:
        raise ValueError("a categorical distribution needs at least one outcome")
    return m - 1


def bernoulli_params() -> int:
    """Ber(p): one parameter, P(X = 1) = p and P(X = 0) = 1 - p."""
    return categorical_params(2)


def rgb_pixel_params(bits_per_channel: int = 8) -> int:
    """Joint p(R, G, B) of one pixel: (2^b)^3 outcomes, so (2^b)^3 - 1 parameters."""
    return categorical_params((2**bits_per_channel) ** 3)


def full_joint_params(n: int) -> int:
    """p(x_1, ..., x_n) over n binary pixels: 2^n - 1 parameters."""
    return categorical_params(2**n)


def independent_params(n: int) -> int:
    """p(x_1) p(x_2) ... p(x_n): one Bernoulli per pixel, n parameters."""
    return n


def chain_rule_params(n: int) -> int:
    """p(x_1) p(x_2|x_1) ... p(x_n|x_1..x_{n-1}): 1 + 2 + ... + 2^(n-1) = 2^n - 1
    (a unit test checks the sum against enumeration)."""
    return 2**n - 1


def markov_params(n: int, k: int) -> int:
    """Markov order k: p(x_i | x_{i-k}, ..., x_{i-1}).

    Pixel i (1-based) has min(i - 1, k) parents and one Bernoulli per parent
    configuration, so the count is sum_i 2^min(i-1, k) = (2^k - 1) + (n - k) 2^k
    for k < n. k = 0 gives n (independent), k = 1 gives 2n - 1, k = n - 1 gives 2^n - 1.
    """
    if not 0 <= k <= max(n - 1, 0):
        raise ValueError(f"Markov order k must be in 0..{n - 1}, got {k}")
    return (2**k - 1) + (n - k) * 2**k


def tree_params(n: int) -> int:
    """A tree-shaped Bayesian network (Chow–Liu): the root has 1, each of the n - 1
    other pixels has 2 (one per value of its parent), so 2n - 1."""
    return 2 * n - 1 if n > 0 else 0


def scientific(count: int, digits: int = 3) -> str:
    """Scientific notation of an exact integer of any size, e.g. '1.018e+236'."""
    return "0" if count == 0 else f"{Decimal(count):.{digits}e}"


def log10(count: int) -> float:
    """log10 of an exact integer too large for a float."""
    return math.log10(count) if count > 0 else float("-inf")


STRUCTURES = ("full_joint", "independent", "chain_rule", "markov", "tree")


def structure_params(structure: str, n: int, k: int = 1) -> int:
    """Parameters of n binary pixels under one structure of the lecture (k: Markov order)."""
    counts = {
        "full_joint": lambda: full_joint_params(n),
        "independent": lambda: independent_params(n),
        "chain_rule": lambda: chain_rule_params(n),
        "markov": lambda: markov_params(n, min(k, n - 1)),
        "tree": lambda: tree_params(n),
    }
    return counts[structure]()
