"""Measures of models and samples: pure functions of arrays (numpy only).

Nothing here loads a model: a judge's features or class probabilities come from the caller
(core/recipes/quality.py computes them with the classifier checkpoint). Every metric of a
sample is biased by the sample size: compare models only at equal n (DESIGN.md).
"""

from __future__ import annotations

import numpy as np

from core.models.base import Seed, as_rng

# ----------------------------------------------------------------------------
# Density estimation as anomaly detection


def flip_pixels(x: np.ndarray, fraction: float, seed: Seed = 0) -> np.ndarray:
    """Corrupt binary images: each pixel flips independently with probability `fraction`."""
    x = np.asarray(x, dtype=np.uint8)
    flips = as_rng(seed).random(x.shape) < fraction
    return x ^ flips.astype(np.uint8)


def roc_auc(normal_scores: np.ndarray, anomaly_scores: np.ndarray) -> float:
    """P(score of an anomaly > score of a normal example), ties counted 1/2: the area
    under the ROC curve, via the Mann–Whitney U statistic. Scores here are -log p(x)."""
    normal = np.asarray(normal_scores)[:, None]
    anomaly = np.asarray(anomaly_scores)[None, :]
    return float(np.mean((anomaly > normal) + 0.5 * (anomaly == normal)))


def surprise(x: np.ndarray, p_one: np.ndarray) -> np.ndarray:
    """-log p(x_i | x_<i) at every pixel of one binary image, from the model's conditionals
    p(x_i = 1 | x_<i): the pixels the model did not expect are large. They sum to -log p(x)."""
    with np.errstate(divide="ignore"):
        return -np.log(np.where(np.asarray(x) == 1, p_one, 1 - np.asarray(p_one)))


# ----------------------------------------------------------------------------
# Latent-variable models: two-sample statistics, active units, nearest neighbours


def pairwise_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distances ||a_i - b_j|| between the rows of a (N, d) and b (M, d): (N, M)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    squared = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
    return np.sqrt(np.maximum(squared, 0.0))


def energy_distance(a: np.ndarray, b: np.ndarray) -> float:
    """The energy distance of two samples (Székely & Rizzo), as a V-statistic:

        E(a, b) = 2 mean ||a_i - b_j|| - mean ||a_i - a_i'|| - mean ||b_j - b_j'||

    It is >= 0, exactly 0 for two equal sets, and its population value is 0 only when the
    two distributions are equal. No bandwidth to choose."""
    return float(2 * pairwise_distances(a, b).mean() - pairwise_distances(a, a).mean() - pairwise_distances(b, b).mean())


def mmd(a: np.ndarray, b: np.ndarray, bandwidths=(0.25, 0.5, 1.0, 2.0, 4.0)) -> float:
    """Unbiased MMD^2 (Gretton et al. 2012) with k(u, v) = sum_s exp(-||u - v||^2 / (2 s^2)) over the bandwidths s:

        MMD^2 = mean_{i != i'} k(a_i, a_i') + mean_{j != j'} k(b_j, b_j') - 2 mean_{i, j} k(a_i, b_j)

    Its expectation is 0 when a and b come from one distribution (single values may be < 0)."""
    def kernel(u, v):
        squared = pairwise_distances(u, v) ** 2
        return sum(np.exp(-squared / (2 * s * s)) for s in bandwidths)

    def within(u):
        k, n = kernel(u, u), len(u)
        return (k.sum() - np.trace(k)) / (n * (n - 1))

    return float(within(a) + within(b) - 2 * kernel(a, b).mean())


def active_units(mu: np.ndarray, threshold: float = 0.01) -> int:
    """Latent units whose posterior mean moves with the input: Cov_x(E_q[z_j | x]) > threshold
    (Burda et al. 2016). mu is (N, d), one row of posterior means per image. A collapsed
    unit has q(z_j | x) = p(z_j) for every x, so its mean never moves."""
    return int((np.var(np.asarray(mu, dtype=np.float64), axis=0) > threshold).sum())


def nearest_neighbour_hamming(images: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """For each binary image (N, n), the number of pixels where it differs from its nearest
    image of `reference` (M, n): (N,). 0 means an exact copy."""
    images, reference = np.asarray(images, dtype=np.int64), np.asarray(reference, dtype=np.int64)
    differing = images @ (1 - reference).T + (1 - images) @ reference.T  # (N, M) Hamming distances
    return differing.min(axis=1)


# ----------------------------------------------------------------------------
# Sample quality of implicit models (GANs): metrics on a classifier's features
#
# A GAN has no log p(x), so its samples are judged by what a digit classifier sees in
# them. Features and class probabilities come from the caller (core.recipes.quality computes them
# with the classifier checkpoint), so this part stays numpy/scipy only. Every metric is
# biased by the sample size: compare models only at equal n (DESIGN.md).
#
# [1] Heusel et al., GANs Trained by a Two Time-Scale Update Rule Converge to a Local
#     Nash Equilibrium (the Fréchet Inception Distance), NeurIPS 2017.
# [2] Salimans et al., Improved Techniques for Training GANs (the Inception Score), NeurIPS 2016.
# [3] Kynkäänniemi et al., Improved Precision and Recall Metric for Assessing Generative
#     Models, NeurIPS 2019.

COPY_DISTANCE = 0.5  # pixel space, images in [0, 1]: every one of 64 pixels off by one gray level, 8 * 1/16


def frechet_distance(feat_a: np.ndarray, feat_b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (N, d) [1]:

        FD = |mu_a - mu_b|^2 + Tr(S_a + S_b - 2 (S_a S_b)^{1/2})

    Tr (S_a S_b)^{1/2} is the sum of square roots of the eigenvalues of the symmetric
    matrix S_a^{1/2} S_b S_a^{1/2}, which has the same spectrum and is stable to compute."""
    a, b = np.asarray(feat_a, dtype=np.float64), np.asarray(feat_b, dtype=np.float64)
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)  # (d, d)
    values, vectors = np.linalg.eigh(cov_a)
    root_a = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T  # S_a^{1/2}
    middle = np.linalg.eigvalsh(root_a @ cov_b @ root_a)
    trace_root = np.sqrt(np.clip(middle, 0, None)).sum()
    return float(np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_root)


def inception_score(probs: np.ndarray) -> float:
    """IS = exp(E_x KL(p(y|x) || p(y))) [2], with p(y) the mean of p(y|x) over the set:
    between 1 (every image gets the same class distribution) and the number of classes
    (each image is confidently one class and the classes are balanced)."""
    p = np.clip(np.asarray(probs, dtype=np.float64), 1e-12, 1.0)  # (N, K)
    marginal = p.mean(axis=0)  # (K,): p(y)
    kl = np.sum(p * (np.log(p) - np.log(marginal)), axis=1)  # (N,)
    return float(np.exp(kl.mean()))


def knn_radii(feat: np.ndarray, k: int) -> np.ndarray:
    """Distance from each point to its k-th nearest neighbour in the same set (itself excluded)."""
    distances = pairwise_distances(feat, feat)
    return np.sort(distances, axis=1)[:, k]  # column 0 is the point itself


def manifold_coverage(support: np.ndarray, queries: np.ndarray, k: int) -> float:
    """Share of `queries` inside the estimated manifold of `support`: the union of balls
    around each support point with radius its k-th nearest-neighbour distance [3]."""
    radii = knn_radii(support, k)  # (N,)
    inside = pairwise_distances(queries, support) <= radii[None, :]  # (M, N)
    return float(inside.any(axis=1).mean())


def precision_recall(real_feat: np.ndarray, fake_feat: np.ndarray, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall [3]. Precision: the share of generated samples that
    fall in the real manifold (are they realistic?). Recall: the share of real samples
    that fall in the generated manifold (is every kind of real digit produced?)."""
    return manifold_coverage(real_feat, fake_feat, k), manifold_coverage(fake_feat, real_feat, k)


def nearest_training(images: np.ndarray, train_images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each image (M, 64), the index of its nearest training image in pixel space and
    the Euclidean distance to it: ((M,), (M,))."""
    distances = pairwise_distances(images, train_images)  # (M, N)
    index = distances.argmin(axis=1)
    return index, distances[np.arange(len(index)), index]


def nearest_neighbour(fake_images: np.ndarray, train_images: np.ndarray) -> np.ndarray:
    """Pixel-space Euclidean distance from each generated image to its nearest training image, (M,)."""
    return nearest_training(fake_images, train_images)[1]


def copy_rate(fake_images: np.ndarray, train_images: np.ndarray, threshold: float = COPY_DISTANCE) -> float:
    """Share of generated images that are copies of a training image: a training image
    lies within `threshold` in pixel space (images in [0, 1]; the default 0.5 is the
    distance of an image whose every pixel is off by one gray level of 16)."""
    return float((nearest_neighbour(fake_images, train_images) < threshold).mean())
