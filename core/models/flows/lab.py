"""The live 2-D lab of the flows page: a RealNVP fitted in a few seconds to a target of
points (moons, ring, spiral or the student's own), and what it does layer by layer.

Layer k of the flow maps h_{k-1} to h_k (h_0 = x, h_K = z ~ N(0, I)). If x ~ p, the points
after layer k have the density

    p_k(h) = N(f_K(... f_{k+1}(h)); 0, I) * prod_{j > k} |det J_j|

(p_0 is the learned density p(x), p_K the base N(0, I)); every p_k integrates to 1, which
`grid_integral` checks on a grid. The fit maximizes the exact log-likelihood: the loss is
-1/B sum_b log p(x_b) = -1/B sum_b [log N(f(x_b)) + sum_k log |det J_k|].
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass

import numpy as np
import torch

from core.data import TOY_2D
from core.gan_lab.config import CUSTOM_STD
from core.gan_lab.points import rescale_points
from core.models.flows.realnvp import RealNVP, alternating_halves, standard_normal_log_prob

TARGETS = ("moons", "ring", "spiral", "custom")
TRAIN_POINTS = TEST_POINTS = 2000
HIDDEN, DEPTH, SCALE_BOUND = 64, 2, 2.0  # each coupling's network: 2 hidden layers of 64 units
BATCH_SIZE, LEARNING_RATE = 256, 3e-3
CHUNK = 65_536  # grid points evaluated at once


def flow_2d(layers: int) -> RealNVP:
    """A fresh 2-D RealNVP of `layers` couplings, keeping x_1 and x_2 in turn (the identity at init)."""
    return RealNVP(2, alternating_halves(2, layers), HIDDEN, DEPTH, SCALE_BOUND)


def target_points(target: str, n: int, rng: np.random.Generator, custom: np.ndarray | None = None) -> np.ndarray:
    """n points (n, 2) of a toy target of core/data, or of the student's points (rescaled to
    the toy targets' size, each blurred into a Gaussian bump of std CUSTOM_STD, as in the GAN lab)."""
    if target == "custom":
        if custom is None or len(custom) == 0:
            raise ValueError("a custom target needs points")
        points = rescale_points(custom)
        return points[rng.integers(len(points), size=n)] + CUSTOM_STD * rng.standard_normal((n, 2))
    return TOY_2D[target](n, rng)


@dataclass
class Fit2D:
    flow: RealNVP  # trained, in eval mode
    history: np.ndarray  # the training NLL (nats per point) of every step's batch
    seconds: float


@contextlib.contextmanager
def one_thread():
    """Run torch on one thread inside the block: on matrices this small, more threads only add
    overhead (on a busy machine, a 2-D fit took 27 times longer with two threads than with one)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@one_thread()
def fit_2d(points: np.ndarray, layers: int = 6, steps: int = 1000, seed: int = 0) -> Fit2D:
    """Maximum likelihood on `points`: Adam on -mean log p(x) over random batches, the learning
    rate decayed to 0 by a cosine over `steps`. Deterministic for a seed."""
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    flow = flow_2d(layers)
    x = torch.as_tensor(points, dtype=torch.float32)
    optimizer = torch.optim.Adam(flow.parameters(), lr=LEARNING_RATE, fused=True)  # fused: one update for all tensors
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 0.5 * (1 + math.cos(math.pi * step / steps)))
    history = np.empty(steps)
    started = time.perf_counter()
    for step in range(steps):
        batch = x[torch.randint(len(x), (BATCH_SIZE,), generator=generator)]
        nll = -flow.log_prob(batch).mean()  # exact: log N(f(x)) + sum of the layers' log |det J|
        optimizer.zero_grad()
        nll.backward()
        optimizer.step()
        schedule.step()
        history[step] = float(nll.detach())
    return Fit2D(flow.eval(), history, time.perf_counter() - started)


@dataclass
class Lab:
    target: str
    train: np.ndarray  # (TRAIN_POINTS, 2)
    test: np.ndarray  # (TEST_POINTS, 2), a second draw of the same target
    fit: Fit2D


def lab(target: str, layers: int, steps: int, seed: int, custom: np.ndarray | None = None) -> Lab:
    """A train and a test draw of the target (seeded) and a flow fitted to the train draw."""
    rng = np.random.default_rng(seed)
    train, test = (target_points(target, n, rng, custom) for n in (TRAIN_POINTS, TEST_POINTS))
    return Lab(target, train, test, fit_2d(train, layers, steps, seed))


# ----------------------------------------------------------------------------
# Layer by layer


@torch.inference_mode()
def points_after(flow: RealNVP, points: np.ndarray, k: int) -> np.ndarray:
    """h_k = f_k(... f_1(x)) for each point: (N, 2)."""
    h = torch.as_tensor(points, dtype=torch.float32)
    for layer in flow.layers[:k]:
        h, _ = layer(h)
    return h.numpy()


@torch.inference_mode()
def log_det_per_layer(flow: RealNVP, points: np.ndarray) -> np.ndarray:
    """log |det J_k| of every layer at every point, (K, N)."""
    _, log_dets = flow.trajectory(torch.as_tensor(points, dtype=torch.float32))
    return log_dets.numpy()


@torch.inference_mode()
def likelihood_terms(flow: RealNVP, points: np.ndarray) -> dict[str, np.ndarray | float]:
    """The change of variables averaged over the points: log p(x) = log N(z) + sum_k log |det J_k|.
    Returns base (mean log N(z)), layers (mean log |det J_k| of each layer, (K,)), log_p (their sum)."""
    x = torch.as_tensor(points, dtype=torch.float32)
    trajectory, log_dets = flow.trajectory(x)
    base = float(standard_normal_log_prob(trajectory[-1]).mean())
    layers = log_dets.mean(dim=1).numpy()
    return {"base": base, "layers": layers, "log_p": base + float(layers.sum())}


def box_around(points: np.ndarray, pad: float = 0.25) -> tuple[float, float, float, float]:
    """(x0, x1, y0, y1): a square box around the points (their 0.5 % to 99.5 % quantiles), padded."""
    low, high = np.quantile(points, [0.005, 0.995], axis=0)
    center, half = (low + high) / 2, (high - low).max() / 2 * (1 + pad) + 0.1
    return center[0] - half, center[0] + half, center[1] - half, center[1] + half


def grid_axes(box: tuple[float, float, float, float], resolution: int) -> tuple[np.ndarray, np.ndarray]:
    """The centres of resolution x resolution equal cells covering the box."""
    x0, x1, y0, y1 = box
    return (x0 + (np.arange(resolution) + 0.5) * (x1 - x0) / resolution,
            y0 + (np.arange(resolution) + 0.5) * (y1 - y0) / resolution)


@torch.inference_mode()
def density_after(flow: RealNVP, k: int, box: tuple[float, float, float, float],
                  resolution: int = 120) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """p_k on the cell centres of the box: xs, ys and the density (resolution, resolution),
    row i at ys[i]. k = 0 is the learned p(x)."""
    xs, ys = grid_axes(box, resolution)
    grid = torch.as_tensor(np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2), dtype=torch.float32)  # (R*R, 2)
    log_p = torch.cat([flow.log_prob_after(chunk, k) for chunk in grid.split(CHUNK)])  # bounded memory
    return xs, ys, log_p.exp().numpy().reshape(resolution, resolution)


def grid_integral(xs: np.ndarray, ys: np.ndarray, density: np.ndarray) -> float:
    """sum of p over the cells times the cell area (the midpoint rule): about 1 when the box
    holds the mass and the cells are fine."""
    return float(density.sum() * (xs[1] - xs[0]) * (ys[1] - ys[0]))


@torch.inference_mode()
def mass_box(flow: RealNVP, k: int = 0, radius: float = 5.0, points: int = 1440) -> tuple[float, float, float, float]:
    """A box that holds all but exp(-radius^2 / 2) of p_k's mass (3.7e-6 at radius 5): the
    remaining layers map the region inside the curve below onto the disc |z| <= radius, whose
    mass under N(0, I) is 1 - exp(-radius^2 / 2); the box bounds that curve, the image of the circle."""
    angle = torch.linspace(0, 2 * math.pi, points)
    h = radius * torch.stack([angle.cos(), angle.sin()], dim=1)
    for layer in reversed(flow.layers[k:]):
        h = layer.inverse(h)
    (x0, y0), (x1, y1) = h.min(dim=0).values.tolist(), h.max(dim=0).values.tolist()
    return x0, x1, y0, y1


def learned_density_integral(flow: RealNVP, k: int = 0, resolution: int = 400) -> float:
    """The integral of p_k over a grid of resolution^2 cells on its mass box (should be 1)."""
    return grid_integral(*density_after(flow, k, mass_box(flow, k), resolution))


@torch.inference_mode()
def warped_grid(flow: RealNVP, box: tuple[float, float, float, float], k: int, lines: int = 17,
                points: int = 120) -> np.ndarray:
    """The lines of a regular grid over the box in data space, carried through layers 1..k:
    one array (M, 2) of polylines separated by NaN rows (for one plot trace)."""
    xs, ys = np.linspace(box[0], box[1], lines), np.linspace(box[2], box[3], lines)
    ts_x, ts_y = np.linspace(box[0], box[1], points), np.linspace(box[2], box[3], points)
    polylines = [np.stack([np.full(points, x), ts_y], axis=1) for x in xs]
    polylines += [np.stack([ts_x, np.full(points, y)], axis=1) for y in ys]
    gap = np.full((1, 2), np.nan)
    return np.concatenate([np.vstack([points_after(flow, line, k), gap]) for line in polylines])


# ----------------------------------------------------------------------------
# Against Gaussian mixtures


@torch.inference_mode()
def flow_nll(flow: RealNVP, points: np.ndarray) -> float:
    """-1/N sum log p(x), nats per point."""
    return float(-flow.log_prob(torch.as_tensor(points, dtype=torch.float32)).mean())


def gmm_nll(train: np.ndarray, test: np.ndarray, components: int, seed: int = 0) -> float:
    """Test NLL (nats per point) of scikit-learn's GaussianMixture (full covariances, EM) fitted to train."""
    from sklearn.mixture import GaussianMixture

    gmm = GaussianMixture(components, random_state=seed).fit(train)
    return float(-gmm.score_samples(test).mean())


def mixture_comparison(result: Lab, components: tuple[int, ...] = (2, 10)) -> dict[str, float]:
    """The flow's test NLL beside Gaussian mixtures fitted to the same train draw, on the same
    test draw: {"flow": ..., "gmm_2": ..., "gmm_10": ...}."""
    return {"flow": flow_nll(result.fit.flow, result.test),
            **{f"gmm_{c}": gmm_nll(result.train, result.test, c) for c in components}}


def moons_comparison(seed: int = 0, layers: int = 6, steps: int = 1000) -> dict[str, float]:
    """The issue's goal on two moons: the flow's test NLL below a 2-component GaussianMixture's,
    with the 10-component one beside it (a seeded train/test draw)."""
    return mixture_comparison(lab("moons", layers, steps, seed))
