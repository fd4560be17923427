"""Style measures of digit images: how much ink, and which way the strokes lean.

Images are (N, 64) gray levels in [0, 1], rows top to bottom. With I(r, c) the image,
m = sum I, centroid (r0, c0) and second moments

    mu_rr = sum I (r - r0)^2 / m,     mu_rc = sum I (r - r0)(c - c0) / m,

    ink(x)   = m / 64                  the mean intensity: stroke mass (thick strokes, more ink)
    slant(x) = -mu_rc / mu_rr          the shear of the least-squares line c - c0 = -slant (r - r0):
                                       columns moved right per row up (> 0: leaning right)

The slant is the shear that deskewing removes (the moments method used on MNIST).
The style attributes of Text2Image are these measures cut at their tertiles, computed on
the fit part *per digit class* (a "thick 1" is thick for a one, which has less ink than
any 8), so every attribute is learned from the real digits and each (digit, attribute)
pair covers a third of that digit's images.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.data import SIDE
from core.data.prompts import SLANT, THICKNESS

TERTILES = (1 / 3, 2 / 3)
EPS = 1e-8  # guards a blank image (no ink) or a single-row one (mu_rr = 0)


def ink(images: np.ndarray) -> np.ndarray:
    """Mean intensity of each image, (N,)."""
    return np.asarray(images, dtype=np.float64).mean(axis=1)


def slant(images: np.ndarray) -> np.ndarray:
    """Shear -mu_rc / mu_rr of each image from its second moments, (N,); > 0 leans right."""
    grid = np.asarray(images, dtype=np.float64).reshape(-1, SIDE, SIDE)  # (N, 8, 8)
    r, c = np.meshgrid(np.arange(SIDE), np.arange(SIDE), indexing="ij")  # (8, 8) row and column index
    mass = grid.sum(axis=(1, 2)) + EPS
    r0 = (grid * r).sum(axis=(1, 2)) / mass  # (N,)
    c0 = (grid * c).sum(axis=(1, 2)) / mass
    dr, dc = r - r0[:, None, None], c - c0[:, None, None]  # (N, 8, 8)
    mu_rr = (grid * dr**2).sum(axis=(1, 2)) / mass
    mu_rc = (grid * dr * dc).sum(axis=(1, 2)) / mass
    return -mu_rc / (mu_rr + EPS)


@dataclass(frozen=True)
class StyleThresholds:
    """The two tertile cuts of each measure for each digit class: (10, 2) arrays."""

    ink: np.ndarray
    slant: np.ndarray


def style_thresholds(images: np.ndarray, labels: np.ndarray) -> StyleThresholds:
    """Tertiles of ink and slant within each digit class (call it on the fit part)."""
    labels = np.asarray(labels)
    classes = range(int(labels.max()) + 1)
    cuts = lambda values: np.stack([np.quantile(values[labels == d], TERTILES) for d in classes])  # (10, 2)
    return StyleThresholds(ink=cuts(ink(images)), slant=cuts(slant(images)))


def style_classes(images: np.ndarray, labels: np.ndarray, thresholds: StyleThresholds) -> tuple[np.ndarray, np.ndarray]:
    """Thickness class (0 thin, 1 regular, 2 thick) and slant class (0 left, 1 upright,
    2 right) of each image, cut at the tertiles of its digit class `labels`: two (N,) ints."""
    labels = np.asarray(labels)
    cut = lambda values, cuts: (values[:, None] > cuts[labels]).sum(axis=1)  # cuts[labels]: (N, 2)
    return cut(ink(images), thresholds.ink), cut(slant(images), thresholds.slant)


def style_names(thickness: np.ndarray, slant_class: np.ndarray) -> list[tuple[str, str]]:
    """The words of the classes, e.g. [("thick", "upright"), ...]."""
    return [(THICKNESS[t], SLANT[s]) for t, s in zip(thickness, slant_class)]
