"""Measures of the generated points, numpy arrays in and numbers out: the modes of the
mixture targets and how many of them G covers (after VEEGAN [7] and PacGAN [8]; [n] are
the references of the package docstring), and KL and JS between two samples on a
smoothed 2-D histogram.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import numpy as np

from core.data import TOY_2D


def mixture_modes(target: str) -> tuple[np.ndarray, float] | None:
    """The centres (K, 2) and common std of a Gaussian-mixture target of core/data/__init__.py
    (ring: 8 modes on a circle; grid: 5 x 5), read from its sampler's defaults; None for
    the other targets, which have no modes to count."""
    if target not in ("ring", "grid"):
        return None
    defaults = {name: p.default for name, p in inspect.signature(TOY_2D[target]).parameters.items()}
    if target == "ring":
        angle = 2 * np.pi * np.arange(defaults["modes"]) / defaults["modes"]
        centres = defaults["radius"] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    else:
        side, spacing = defaults["side"], defaults["spacing"]
        ticks = spacing * (np.arange(side) - (side - 1) / 2)
        centres = np.stack(np.meshgrid(ticks, ticks, indexing="ij"), axis=-1).reshape(-1, 2)
    return centres, float(defaults["std"])


@dataclass(frozen=True)
class ModeStats:
    covered: int  # modes that received enough high-quality samples (see mode_stats)
    total: int  # modes of the target
    high_quality: float  # share of samples within 3 std of some mode centre
    counts: np.ndarray  # (K,) high-quality samples at each mode


def mode_stats(points: np.ndarray, centres: np.ndarray, std: float, min_share: float = 0.2) -> ModeStats:
    """Mode coverage after VEEGAN [7] and PacGAN [8]: a sample is high quality when it lies
    within 3 std of its nearest mode centre. Those papers count a mode as captured when
    at least one high-quality sample lands on it (min_share=0 here); by default a mode
    counts only when it holds at least 20% of its fair share n / K of the samples, so that
    a few stray samples on a bridge between modes do not make a collapsed G look good."""
    distance = np.linalg.norm(points[:, None, :] - centres[None, :, :], axis=2)  # (n, K)
    nearest = distance.argmin(axis=1)  # (n,)
    good = distance[np.arange(len(points)), nearest] <= 3 * std  # (n,)
    counts = np.bincount(nearest[good], minlength=len(centres))
    needed = max(1.0, min_share * len(points) / len(centres))
    return ModeStats(int((counts >= needed).sum()), len(centres), float(good.mean()) if len(points) else 0.0, counts)


def histogram_divergences(real: np.ndarray, fake: np.ndarray, box: tuple[float, float, float, float],
                          bins: int = 40, smoothing: float = 1.0) -> dict[str, float]:
    """KL(p_data || p_g), KL(p_g || p_data) and JS(p_data || p_g) in nats, estimated from two
    samples: 2-D histograms on the box (points outside are clipped onto its edge), smoothed
    by a Gaussian of `smoothing` bins and floored, so that no bin has probability 0."""
    from scipy.ndimage import gaussian_filter

    def density(points):
        x = np.clip(points[:, 0], box[0], box[1])
        y = np.clip(points[:, 1], box[2], box[3])
        counts, _, _ = np.histogram2d(x, y, bins=bins, range=[box[:2], box[2:]])
        smooth = gaussian_filter(counts, smoothing, mode="constant") + 1e-3 * counts.sum() / counts.size
        return smooth / smooth.sum()

    p, q = density(real), density(fake)
    m = (p + q) / 2
    kl = lambda a, b: float(np.sum(a * np.log(a / b)))
    return {"kl": kl(p, q), "kl_reverse": kl(q, p), "js": 0.5 * kl(p, m) + 0.5 * kl(q, m)}
