"""The data every page shares: scikit-learn's bundled 8x8 digits, one split, toy 2-D sets.

The digits are 1,797 images of 8x8 pixels with gray levels 0..16, flattened in raster
order to 64 columns. One split serves every figure (DESIGN.md):

    train, test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
    fit, val    = train_test_split(train, test_size=0.1, stratify=y_train, random_state=1)

The validation carve is for model choice only; the test part only reports final figures.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

SIDE = 8
NUM_PIXELS = SIDE * SIDE
MAX_LEVEL = 16
BINARY_THRESHOLD = 8  # gray level >= 8 -> 1


def _bundled_digits_file() -> Path:
    """Path of sklearn's digits.csv.gz, found without importing sklearn (1.5 s saved)."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("scikit-learn is not installed: run `make run` to set up the environment")
    return Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "digits.csv.gz"


@cache
def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """All 1,797 digits: images (N, 64) uint8 in 0..16 and labels (N,) int64.

    The same numbers as ``sklearn.datasets.load_digits()`` (a unit test checks it).
    """
    with gzip.open(_bundled_digits_file(), "rt") as f:
        table = np.loadtxt(f, delimiter=",")
    images = table[:, :-1].astype(np.uint8)  # (N, 64)
    labels = table[:, -1].astype(np.int64)  # (N,)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def binarize(images: np.ndarray) -> np.ndarray:
    """Binary pixels for the binary models: gray level >= 8 -> 1, else 0."""
    return (np.asarray(images) >= BINARY_THRESHOLD).astype(np.uint8)


SPLIT_FILE = Path(__file__).with_name("split_indices.json")


def compute_split_indices() -> dict[str, list[int]]:
    """The split of DESIGN.md, computed with sklearn's ``train_test_split``.

    Its result is stored in ``split_indices.json`` so the app does not import
    sklearn (about 1 s) on start; a unit test checks that the file equals this.
    """
    from sklearn.model_selection import train_test_split

    _, labels = load_digits()
    index = np.arange(len(labels))
    train, test = train_test_split(index, test_size=0.2, stratify=labels, random_state=0)
    fit, val = train_test_split(train, test_size=0.1, stratify=labels[train], random_state=1)
    return {part: sorted(int(i) for i in rows) for part, rows in
            {"train": train, "test": test, "fit": fit, "val": val}.items()}


@dataclass(frozen=True)
class Split:
    """Images (N, 64) and labels (N,) of one part of the split."""

    images: np.ndarray
    labels: np.ndarray

    @property
    def binary(self) -> np.ndarray:
        return binarize(self.images)


@cache
def split_indices() -> dict[str, np.ndarray]:
    """Row indices into ``load_digits()`` of train (1,437), test (360), and the
    validation carve of train: fit (1,293) and val (144)."""
    stored = json.loads(SPLIT_FILE.read_text())
    return {part: np.asarray(rows, dtype=np.int64) for part, rows in stored.items()}


@cache
def digits(part: str) -> Split:
    """One part of the shared split: "train", "test", "fit" or "val"."""
    images, labels = load_digits()
    rows = split_indices()[part]
    return Split(images[rows], labels[rows])



def gray(part: str) -> np.ndarray:
    """The digits of one part as the GANs see them: gray level / 16 in [0, 1], (N, 64) float32."""
    return digits(part).images.astype(np.float32) / MAX_LEVEL


# ----------------------------------------------------------------------------
# Toy 2-D distributions (GAN lab, variational inference)


def ring_of_gaussians(n: int, rng: np.random.Generator, modes: int = 8, radius: float = 2.0, std: float = 0.05):
    """n points from `modes` Gaussians evenly spaced on a circle."""
    angle = 2 * np.pi * rng.integers(modes, size=n) / modes
    centers = radius * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return centers + std * rng.standard_normal((n, 2))


def grid_of_gaussians(n: int, rng: np.random.Generator, side: int = 5, spacing: float = 1.0, std: float = 0.05):
    """n points from side x side Gaussians on a square grid centred at 0."""
    ij = rng.integers(side, size=(n, 2))
    return spacing * (ij - (side - 1) / 2) + std * rng.standard_normal((n, 2))


def two_moons(n: int, rng: np.random.Generator, noise: float = 0.05):
    """n points on two interleaved half circles."""
    upper = rng.random(n) < 0.5
    t = np.pi * rng.random(n)
    x = np.where(upper, np.cos(t), 1 - np.cos(t))
    y = np.where(upper, np.sin(t), 0.5 - np.sin(t))
    return np.stack([x, y], axis=1) + noise * rng.standard_normal((n, 2))


def spiral(n: int, rng: np.random.Generator, turns: float = 1.5, noise: float = 0.05):
    """n points on an Archimedean spiral r = t."""
    t = turns * 2 * np.pi * np.sqrt(rng.random(n))
    r = t / (turns * 2 * np.pi) * 2
    return np.stack([r * np.cos(t), r * np.sin(t)], axis=1) + noise * rng.standard_normal((n, 2))


def line(n: int, rng: np.random.Generator, noise: float = 0.02):
    """n points near the segment from (-1.5, -1) to (1.5, 1)."""
    t = rng.uniform(-1, 1, n)
    return np.stack([1.5 * t, t], axis=1) + noise * rng.standard_normal((n, 2))


TOY_2D = {"ring": ring_of_gaussians, "grid": grid_of_gaussians, "moons": two_moons, "spiral": spiral, "line": line}
