"""A 2-D GAN lab: train a small GAN on points in the plane and watch every part of it.

In the spirit of GAN Lab [1], in Python. A generator G maps noise z ~ p(z) to points
x = G(z) in the plane; a discriminator D scores points, and the two play the game [2]

    min_G max_D  E_{x ~ p_data}[log D(x)] + E_z[log(1 - D(G(z)))].

Each training iteration has two phases, as in the DCGAN example of pytorch/examples:
    (1) update D, `d_steps` times: push D(x) up on real points and down on G(z);
    (2) update G, `g_steps` times: move G(z) to where D says "real".
As in that example, the first G update reuses the fakes G(z) of the last D update.

D outputs a logit l(x) and D(x) = sigmoid(l(x)). The losses (`LOSSES`; D's are averaged
over the 2B points of a batch, B real and B fake, so each term counts 1/2):
    minimax         D: -log D(x) - log(1 - D(G(z)))      G: log(1 - D(G(z)))   (saturates)
    non_saturating  D: the same                          G: -log D(G(z))       [2, section 3]
    least_squares   D: 1/2 (l(x) - 1)^2 + 1/2 l(G(z))^2   G: 1/2 (l(G(z)) - 1)^2   [3]
Regularizers of D (`REGULARIZERS`), added to D's loss with the config's weight:
    gradient_penalty  E (||grad l(x^)|| - 1)^2 on x^ = e x + (1 - e) G(z), e ~ U[0, 1]   [4]
    zero_centered_gp  E ||grad l(x^)||^2 on the same interpolates                         [5]
    r1                E ||grad l(x)||^2 on real points (weight = gamma / 2)                [6]

What the page draws (numpy arrays, under torch.inference_mode() except the arrows):
    real and generated points, D's heatmap, the generator's manifold (the image of a
    regular grid of the noise space), the gradient of G's loss at each generated point,
    loss curves, KL and JS on a smoothed 2-D histogram, and, for the mixtures (ring,
    grid), the modes covered and the share of high-quality samples [7, 8].

Speed: one torch thread runs about a thousand iterations a second (bench/gan_lab.py)
because each network's weights live in one flat vector, so an optimizer step is a few
tensor operations (`flatten_parameters`, `Adam`), gradients are taken only with respect
to the network being trained (`torch.autograd.grad`), and D sees the real and the fake
half of a batch in one pass.

[1] Kahng et al., GAN Lab: Understanding Complex Deep Generative Models using
    Interactive Visual Experimentation, IEEE VIS 2018.
[2] Goodfellow et al., Generative Adversarial Nets, NeurIPS 2014.
[3] Mao et al., Least Squares Generative Adversarial Networks, ICCV 2017.
[4] Gulrajani et al., Improved Training of Wasserstein GANs, NeurIPS 2017.
[5] Thanh-Tung, Tran & Venkatesh, Improving Generalization and Stability of GANs, ICLR 2019.
[6] Mescheder, Geiger & Nowozin, Which Training Methods for GANs do actually Converge?, ICML 2018.
[7] Srivastava et al., VEEGAN: Reducing Mode Collapse in GANs using Implicit Variational Learning, NeurIPS 2017.
[8] Lin et al., PacGAN: The Power of Two Samples in Generative Adversarial Networks, NeurIPS 2018.
"""

from __future__ import annotations

import csv
import inspect
import io
import math
import time
from dataclasses import dataclass, replace

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from core.data import TOY_2D

TARGETS = (*TOY_2D, "custom")
NOISES = ("gaussian", "uniform")
OPTIMIZERS = ("adam", "sgd")
LOSSES = ("minimax", "non_saturating", "least_squares")
REGULARIZERS = ("none", "gradient_penalty", "zero_centered_gp", "r1")

POOL_SIZE = 20_000  # the training set: points drawn once from the target
DISPLAY_POINTS = 512  # real and generated points drawn on the page (fixed noise)
EVAL_POINTS = 4_096  # points behind KL, JS and the mode counts (fixed noise)
CUSTOM_STD = 0.05  # each custom point becomes a small Gaussian bump, as narrow as the toy modes
ADAM_BETAS = (0.5, 0.999)  # as in DCGAN (Radford et al. 2016)


@dataclass(frozen=True)
class LabConfig:
    """Every setting of the lab. Frozen and hashable: a cache key, and the same config
    (with its seed) always trains the same way."""

    target: str = "ring"  # a TOY_2D name of core/data/__init__.py, or "custom" with custom_points
    custom_points: tuple[tuple[float, float], ...] = ()  # (x, y) pairs; see parse_points_csv
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
# Networks and optimizers


class MLP(nn.Module):
    """inputs -> [Linear -> ReLU] x layers -> Linear -> outputs, written as h <- relu(h @ W + b).

    W has shape (in, out), as in the lecture's h W + b; nn.Linear stores (out, in). For the
    thin 2-unit layers at the ends this layout is also the faster one in matrix products.
    Weights are drawn from `generator` with PyTorch's default rule for nn.Linear,
    W and b ~ U[-1/sqrt(in), 1/sqrt(in)], so the same seed gives the same network."""

    def __init__(self, inputs: int, units: int, layers: int, outputs: int, generator: torch.Generator):
        super().__init__()
        sizes = [inputs] + [units] * layers + [outputs]
        self.weights, self.biases = nn.ParameterList(), nn.ParameterList()
        for a, b in zip(sizes[:-1], sizes[1:]):
            bound = 1 / math.sqrt(a)
            self.weights.append(nn.Parameter(torch.empty(a, b).uniform_(-bound, bound, generator=generator)))  # (in, out)
            self.biases.append(nn.Parameter(torch.empty(b).uniform_(-bound, bound, generator=generator)))  # (out,)
        self.layers = tuple(zip(self.weights, self.biases))  # a plain tuple: faster to loop over

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for W, b in self.layers[:-1]:
            x = torch.relu_(torch.addmm(b, x, W))  # (B, units); in place: one buffer less
        W, b = self.layers[-1]
        return torch.addmm(b, x, W)  # (B, outputs)


def flatten_parameters(net: nn.Module) -> torch.Tensor:
    """Move all of net's weights into one flat vector and return it: each parameter
    becomes a view of a slice of it, so updating the vector in place updates the network."""
    params = list(net.parameters())
    flat = torch.cat([p.detach().reshape(-1) for p in params])
    start = 0
    for p in params:
        p.data = flat[start : start + p.numel()].view_as(p)
        start += p.numel()
    return flat


class SGD:
    """Plain gradient descent on a flat parameter vector: theta <- theta - lr g."""

    def __init__(self, flat: torch.Tensor, lr: float):
        self.flat, self.lr = flat, lr

    def step(self, grad: torch.Tensor) -> None:
        self.flat.add_(grad, alpha=-self.lr)


class Adam:
    """Adam (Kingma & Ba 2015) on a flat parameter vector, in the paper's efficient form:
        m <- b1 m + (1 - b1) g,   v <- b2 v + (1 - b2) g^2,
        theta <- theta - lr_t m / (sqrt(v) + eps_t),
    with the bias corrections folded into lr_t = lr sqrt(1 - b2^t) / (1 - b1^t) and
    eps_t = eps sqrt(1 - b2^t) (the same update as m_hat / (sqrt(v_hat) + eps))."""

    def __init__(self, flat: torch.Tensor, lr: float, betas: tuple[float, float] = ADAM_BETAS, eps: float = 1e-8):
        self.flat, self.lr, self.betas, self.eps = flat, lr, betas, eps
        self.m, self.v, self.t = torch.zeros_like(flat), torch.zeros_like(flat), 0

    def step(self, grad: torch.Tensor) -> None:
        b1, b2 = self.betas
        self.t += 1
        correction = math.sqrt(1 - b2**self.t)
        self.m.lerp_(grad, 1 - b1)
        self.v.mul_(b2).addcmul_(grad, grad, value=1 - b2)
        self.flat.addcdiv_(self.m, self.v.sqrt().add_(self.eps * correction), value=-self.lr * correction / (1 - b1**self.t))


OPTIMIZER_CLASSES = {"adam": Adam, "sgd": SGD}


def flat_gradient(loss: torch.Tensor, params: list[nn.Parameter]) -> torch.Tensor:
    """d loss / d params as one flat vector, in the order of flatten_parameters.
    Only these parameters get gradients: the other network is left alone."""
    return torch.cat([g.reshape(-1) for g in torch.autograd.grad(loss, params)])


# ----------------------------------------------------------------------------
# Losses on D's logits l, with D(x) = sigmoid(l). D's losses take the logits of a batch
# of 2B points, B real then B fake, and their labels (1 real, 0 fake), as in the DCGAN
# example; binary cross-entropy on a logit is -log D for label 1 and -log(1 - D) for 0.


def discriminator_loss_bce(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """The mean binary cross-entropy over the 2B points:
    1/2 (-E log D(x) - E log(1 - D(G(z)))), half of D's side of the minimax game.
    It is log 2 when D cannot tell (D = 1/2 everywhere)."""
    return F.binary_cross_entropy_with_logits(logits, labels)


def discriminator_loss_ls(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """1/2 E (l(x) - 1)^2 + 1/2 E l(G(z))^2: least squares toward the labels [3]."""
    return F.mse_loss(logits, labels)


def generator_loss_minimax(fake: torch.Tensor) -> torch.Tensor:
    """E log(1 - D(G(z))), minimized: minus the cross-entropy of the fakes labelled 0.
    Its gradient with respect to l is -D(G(z)): it vanishes when D rejects the fakes."""
    return -F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake))


def generator_loss_non_saturating(fake: torch.Tensor) -> torch.Tensor:
    """-E log D(G(z)): the cross-entropy of the fakes labelled 1 (real) [2, section 3].
    Its gradient with respect to l is -(1 - D(G(z))): strongest when D rejects the fakes."""
    return F.binary_cross_entropy_with_logits(fake, torch.ones_like(fake))


def generator_loss_ls(fake: torch.Tensor) -> torch.Tensor:
    """1/2 E (l(G(z)) - 1)^2 [3]."""
    return 0.5 * F.mse_loss(fake, torch.ones_like(fake))


DISCRIMINATOR_LOSSES = {"minimax": discriminator_loss_bce, "non_saturating": discriminator_loss_bce,
                        "least_squares": discriminator_loss_ls}
GENERATOR_LOSSES = {"minimax": generator_loss_minimax, "non_saturating": generator_loss_non_saturating,
                    "least_squares": generator_loss_ls}


def penalty(discriminator: nn.Module, regularizer: str, real: torch.Tensor, fake: torch.Tensor,
            mix: torch.Tensor) -> torch.Tensor:
    """The regularizer of D (>= 0), on the gradient of its logit with respect to its input.
    `mix` (B, 1) ~ U[0, 1] places the interpolates x^ = mix x + (1 - mix) G(z)."""
    points = real if regularizer == "r1" else mix * real + (1 - mix) * fake  # (B, 2)
    points = points.detach().requires_grad_(True)
    # create_graph: the penalty is itself differentiated with respect to D's weights
    (grad,) = torch.autograd.grad(discriminator(points).sum(), points, create_graph=True)  # (B, 2)
    squared_norm = grad.pow(2).sum(dim=1)  # (B,)
    if regularizer == "gradient_penalty":
        return ((squared_norm + 1e-12).sqrt() - 1).pow(2).mean()  # 1e-12: the root's slope at 0
    return squared_norm.mean()


# ----------------------------------------------------------------------------
# Custom targets from a CSV file

MIN_POINTS, MAX_POINTS = 3, 10_000


class PointsFileError(ValueError):
    """A CSV file of points that cannot be used. `code` says why, for the page to translate
    ("empty", "not_text", "not_numeric", "wrong_columns", "too_few_points", "too_many_points",
    "not_finite"); `details` holds the line number, the value or the counts."""

    def __init__(self, code: str, message: str, **details):
        super().__init__(message)
        self.code, self.details = code, details


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def parse_points_csv(text: str | bytes) -> np.ndarray:
    """Points (n, 2) from CSV text: two numeric columns x, y, one point per line, an optional
    header line. Commas, semicolons or tabs separate the columns; blank lines are skipped."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise PointsFileError("not_text", "The file is not a text (CSV) file.") from None
    lines = [(number, line) for number, line in enumerate(text.lstrip("\ufeff").splitlines(), 1) if line.strip()]
    if not lines:
        raise PointsFileError("empty", "The file is empty: it should have one line 'x,y' per point.")
    dialect = next((d for d in (",", ";", "\t") if d in lines[0][1]), ",")
    rows = [(number, [cell.strip() for cell in row]) for (number, _), row in
            zip(lines, csv.reader(io.StringIO("\n".join(line for _, line in lines)), delimiter=dialect))]
    if not all(_is_number(cell) for cell in rows[0][1]):
        rows = rows[1:]  # a header such as "x,y"
    if not rows:
        raise PointsFileError("empty", "The file has a header but no points under it.")
    points = []
    for number, cells in rows:
        if len(cells) != 2:
            raise PointsFileError("wrong_columns", f"Line {number} has {len(cells)} columns; each line needs "
                                  f"exactly two, x and y.", line=number, columns=len(cells))
        for cell in cells:
            if not _is_number(cell):
                raise PointsFileError("not_numeric", f"Line {number}: {cell!r} is not a number.", line=number, value=cell)
        point = [float(cell) for cell in cells]
        if not all(math.isfinite(v) for v in point):
            raise PointsFileError("not_finite", f"Line {number}: {', '.join(cells)} is not a finite point "
                                  "(nan or infinity).", line=number, value=",".join(cells))
        points.append(point)
    if len(points) < MIN_POINTS:
        raise PointsFileError("too_few_points", f"The file has {len(points)} points; at least {MIN_POINTS} are needed.",
                              count=len(points), limit=MIN_POINTS)
    if len(points) > MAX_POINTS:
        raise PointsFileError("too_many_points", f"The file has {len(points)} points; at most {MAX_POINTS:,} are "
                              "allowed.", count=len(points), limit=MAX_POINTS)
    return np.array(points, dtype=np.float64)


def rescale_points(points: np.ndarray, half_width: float = 2.0) -> np.ndarray:
    """Centre the points and scale them uniformly into [-half_width, half_width]^2, the size
    of the toy targets, where the networks' default initialization works well."""
    points = np.asarray(points, dtype=np.float64)
    largest = np.abs(points).max()
    if largest > 0:  # to [-1, 1] first: the sums below overflow for points near the largest float (1.8e308)
        points = points / largest
    centred = points - (points.max(axis=0) + points.min(axis=0)) / 2
    extent = np.abs(centred).max()
    return centred * (half_width / extent) if extent > 0 else centred


def custom_config(points: np.ndarray, **settings) -> LabConfig:
    """A LabConfig whose target is the given points (rescaled), other settings as given."""
    return LabConfig(target="custom", custom_points=tuple(map(tuple, rescale_points(points).tolist())), **settings)


# ----------------------------------------------------------------------------
# Measures of the generated points


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


# ----------------------------------------------------------------------------
# The lab


@dataclass
class LabFrame:
    """Everything the page draws at one moment of training (numpy arrays)."""

    iteration: int
    box: tuple[float, float, float, float]  # (x_min, x_max, y_min, y_max) of the plots
    real: np.ndarray  # (DISPLAY_POINTS, 2)
    fake: np.ndarray  # (DISPLAY_POINTS, 2), G of a fixed noise sample
    arrows: np.ndarray  # (DISPLAY_POINTS, 2), -d loss_G / d x at each fake point
    heatmap_x: np.ndarray  # (R,)
    heatmap_y: np.ndarray  # (R,)
    heatmap: np.ndarray  # (R, R) D on the grid, row i at heatmap_y[i]
    manifold: np.ndarray  # (L, P, 2) polylines: the image of the noise grid
    losses: dict[str, np.ndarray]  # iteration, d_loss, g_loss, penalty: see GANLab.loss_curves
    divergences: dict[str, float]  # kl, kl_reverse, js
    modes: ModeStats | None  # for the ring and the grid only


class GANLab:
    """A generator, a discriminator, their optimizers, seeded random streams and the
    history of training. `step(n)` trains; the other methods are views for the page.

    All randomness of training comes from one torch generator, drawn in the same order
    in every iteration, so `step(1)` called 100 times gives exactly `step(100)`."""

    def __init__(self, config: LabConfig = LabConfig()):
        self.config = config
        self.reset()

    def reset(self) -> None:
        """Fresh networks and optimizers, the same ones for the same config (and seed)."""
        c = self.config
        self.generator = torch.Generator().manual_seed(c.seed)
        rng = np.random.default_rng(c.seed)
        self.pool = torch.as_tensor(sample_target(c, POOL_SIZE, rng), dtype=torch.float32)  # (POOL_SIZE, 2)
        self.G = MLP(c.noise_dim, c.g_units, c.g_layers, 2, self.generator)
        self.D = MLP(2, c.d_units, c.d_layers, 1, self.generator)
        self.g_params, self.d_params = list(self.G.parameters()), list(self.D.parameters())
        self.g_optimizer = OPTIMIZER_CLASSES[c.g_optimizer](flatten_parameters(self.G), c.g_lr)
        self.d_optimizer = OPTIMIZER_CLASSES[c.d_optimizer](flatten_parameters(self.D), c.d_lr)
        self.d_loss_fn, self.g_loss_fn = DISCRIMINATOR_LOSSES[c.loss], GENERATOR_LOSSES[c.loss]
        self.labels = torch.cat([torch.ones(c.batch_size, 1), torch.zeros(c.batch_size, 1)])  # (2B, 1)
        self.zero = torch.zeros(())  # the penalty when there is no regularizer
        # fixed noise and real points for the views, so successive frames are comparable
        views = torch.Generator().manual_seed(c.seed + 1)
        self.display_noise = sample_noise(c, DISPLAY_POINTS, views)  # (DISPLAY_POINTS, noise_dim)
        self.eval_noise = sample_noise(c, EVAL_POINTS, views)  # (EVAL_POINTS, noise_dim)
        self.display_real = self.pool[:DISPLAY_POINTS].numpy()
        self.eval_real = self.pool[-EVAL_POINTS:].numpy()
        low, high = self.pool.min(dim=0).values.numpy(), self.pool.max(dim=0).values.numpy()
        centre, half = (low + high) / 2, 0.6 * float((high - low).max()) + 0.1  # a square box with a margin
        self.box = (float(centre[0] - half), float(centre[0] + half), float(centre[1] - half), float(centre[1] + half))
        self.iteration = 0
        self._losses: list[np.ndarray] = []  # chunks (n, 3): d_loss, g_loss, penalty
        self.metric_history: list[dict] = []  # one entry per recorded frame

    # -- training ---------------------------------------------------------------

    def _fakes(self) -> torch.Tensor:
        """G(z) for a fresh batch of noise, (B, 2), with its graph (for G's update)."""
        return self.G(sample_noise(self.config, self.config.batch_size, self.generator))

    def _discriminator_step(self, fake: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(1) Update D: maximize log D(x) + log(1 - D(G(z))), i.e. minimize D's loss, on a
        fresh batch of real points and the given fakes (detached: G is not trained here)."""
        c = self.config
        real = self.pool[torch.randint(POOL_SIZE, (c.batch_size,), generator=self.generator)]  # (B, 2)
        logits = self.D(torch.cat([real, fake]))  # (2B, 1): one pass for both halves
        loss = self.d_loss_fn(logits, self.labels)
        if c.regularizer == "none":
            reg, total = self.zero, loss
        else:
            reg = penalty(self.D, c.regularizer, real, fake, torch.rand(c.batch_size, 1, generator=self.generator))
            total = loss + c.reg_weight * reg
        self.d_optimizer.step(flat_gradient(total, self.d_params))
        return loss.detach(), reg.detach()

    def _generator_step(self, fake: torch.Tensor) -> torch.Tensor:
        """(2) Update G: minimize G's loss on D(G(z)), through the fakes' graph into G;
        D is held fixed (its weights get no gradient)."""
        loss = self.g_loss_fn(self.D(fake))
        self.g_optimizer.step(flat_gradient(loss, self.g_params))
        return loss.detach()

    def step(self, iterations: int = 1) -> dict[str, float]:
        """Run `iterations` training iterations (d_steps D updates, then g_steps G updates
        each) and record the losses; return the last iteration's losses."""
        if iterations < 1:
            return self.last_losses()
        d_losses, g_losses, penalties = [], [], []
        for _ in range(iterations):
            for _ in range(self.config.d_steps):
                fake = self._fakes()  # (B, 2)
                d_loss, reg = self._discriminator_step(fake.detach())
            for k in range(self.config.g_steps):
                # the first G update reuses the last D update's fakes, as the DCGAN example does
                g_loss = self._generator_step(fake if k == 0 else self._fakes())
            d_losses.append(d_loss)
            g_losses.append(g_loss)
            penalties.append(reg)
        table = torch.stack([torch.stack(d_losses), torch.stack(g_losses), torch.stack(penalties)], dim=1)  # (iterations, 3)
        self._losses.append(table.numpy())
        self.iteration += iterations
        return self.last_losses()

    def step_for(self, seconds: float, chunk: int = 25, max_iterations: int = 100_000) -> int:
        """Train in chunks of `chunk` iterations until `seconds` have passed (a frame's
        time budget, so that many sessions share the server fairly); return how many ran."""
        start, done = time.perf_counter(), 0
        while done < max_iterations and (done == 0 or time.perf_counter() - start < seconds):
            self.step(min(chunk, max_iterations - done))
            done += min(chunk, max_iterations - done)
        return done

    def last_losses(self) -> dict[str, float]:
        """d_loss, g_loss and penalty of the last iteration ({} before the first)."""
        if not self._losses:
            return {}
        d_loss, g_loss, reg = self._losses[-1][-1].tolist()
        return {"d_loss": d_loss, "g_loss": g_loss, "penalty": reg}

    # -- views ------------------------------------------------------------------

    def loss_curves(self, max_points: int | None = None) -> dict[str, np.ndarray]:
        """One value per iteration so far: "iteration" (1..n), "d_loss" (without the
        penalty), "g_loss" and "penalty" (0 without a regularizer). With max_points, long
        runs are averaged over consecutive windows (iteration = each window's last)."""
        table = np.concatenate(self._losses) if self._losses else np.zeros((0, 3), np.float32)  # (n, 3)
        iteration = np.arange(1, len(table) + 1)
        if max_points is not None and len(table) > max_points:
            window = math.ceil(len(table) / max_points)
            starts = np.arange(0, len(table), window)
            ends = np.minimum(starts + window, len(table))
            table = np.add.reduceat(table, starts, axis=0) / (ends - starts)[:, None]  # window means
            iteration = ends
        return {"iteration": iteration, "d_loss": table[:, 0], "g_loss": table[:, 1], "penalty": table[:, 2]}

    @torch.inference_mode()
    def generated_points(self) -> np.ndarray:
        """G(z) for the fixed display noise, (DISPLAY_POINTS, 2)."""
        return self.G(self.display_noise).numpy()

    def real_points(self) -> np.ndarray:
        """DISPLAY_POINTS points of the training set, (DISPLAY_POINTS, 2)."""
        return self.display_real

    def discriminator_score(self, logits: torch.Tensor) -> torch.Tensor:
        """What the heatmap shows: D(x) = sigmoid(l) in (0, 1); for least squares the raw
        score l(x), whose targets are 1 (real) and 0 (fake)."""
        return logits if self.config.loss == "least_squares" else torch.sigmoid(logits)

    @torch.inference_mode()
    def discriminator_heatmap(self, resolution: int = 48) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(xs (R,), ys (R,), D (R, R)) on a regular grid of the box; D[i, j] at (xs[j], ys[i])."""
        xs = torch.linspace(self.box[0], self.box[1], resolution)
        ys = torch.linspace(self.box[2], self.box[3], resolution)
        grid = torch.stack(torch.meshgrid(xs, ys, indexing="xy"), dim=-1).reshape(-1, 2)  # (R*R, 2), x fastest
        score = self.discriminator_score(self.D(grid)).reshape(resolution, resolution)  # (R, R) rows = y
        return xs.numpy(), ys.numpy(), score.numpy()

    @torch.inference_mode()
    def manifold(self, lines: int = 11, points: int = 60) -> np.ndarray:
        """The generator's manifold: polylines (L, P, 2), the images under G of straight lines
        of the noise space at equally spaced probability levels (quantiles).
        noise_dim 1: one curve, L = 1. noise_dim >= 2: a grid of `lines` lines along z_1 and
        `lines` along z_2 (L = 2 lines), the other coordinates at 0; where the grid is
        stretched, G spreads probability thin, where it is squeezed, G piles it up."""
        c = self.config
        margin = 0.0 if c.noise == "uniform" else 0.02
        along = noise_quantile(c, torch.linspace(margin, 1 - margin, points))  # (P,)
        if c.noise_dim == 1:
            return self.G(along[:, None])[None].numpy()  # (1, P, 2)
        across = noise_quantile(c, torch.linspace(margin, 1 - margin, lines))  # (L,)
        z = torch.zeros(2, lines, points, c.noise_dim)
        z[0, :, :, 0], z[0, :, :, 1] = along[None, :], across[:, None]  # lines along z_1
        z[1, :, :, 0], z[1, :, :, 1] = across[:, None], along[None, :]  # lines along z_2
        return self.G(z.reshape(-1, c.noise_dim)).reshape(2 * lines, points, 2).numpy()

    def generator_gradients(self) -> np.ndarray:
        """-d loss_G / d x at each displayed fake point x = G(z), (DISPLAY_POINTS, 2): the
        direction in which the generator's loss pushes that point (GAN Lab's arrows). It is
        the per-point gradient (a sum, not a mean), so its size does not depend on the batch."""
        with torch.no_grad():
            fake = self.G(self.display_noise)
        fake.requires_grad_(True)
        with torch.enable_grad():
            loss = self.g_loss_fn(self.D(fake)) * len(fake)  # the losses are means: undo the 1/n
            (grad,) = torch.autograd.grad(loss, fake)
        return -grad.numpy()

    @torch.inference_mode()
    def divergences(self, bins: int = 40, smoothing: float = 1.0) -> dict[str, float]:
        """KL and JS between the training set and G on EVAL_POINTS points each (fixed noise)."""
        return histogram_divergences(self.eval_real, self.G(self.eval_noise).numpy(), self.box, bins, smoothing)

    @torch.inference_mode()
    def modes(self) -> ModeStats | None:
        """Modes covered and share of high-quality samples, on EVAL_POINTS generated points,
        for the ring and the grid; None for the other targets."""
        found = mixture_modes(self.config.target)
        return None if found is None else mode_stats(self.G(self.eval_noise).numpy(), *found)

    def frame(self, resolution: int = 48, record: bool = True, curve_points: int = 1000) -> LabFrame:
        """All views at once (loss curves averaged down to at most `curve_points` points).
        With `record`, also note the measures in metric_history (iteration, kl,
        kl_reverse, js, and modes and high_quality for mixtures), for a plot over time; a
        page rerun without training draws the same iteration again and adds no point."""
        xs, ys, heat = self.discriminator_heatmap(resolution)
        divergences, modes = self.divergences(), self.modes()
        if record and not (self.metric_history and self.metric_history[-1]["iteration"] == self.iteration):
            entry = {"iteration": self.iteration, **divergences}
            if modes is not None:
                entry |= {"modes": modes.covered, "high_quality": modes.high_quality}
            self.metric_history.append(entry)
        return LabFrame(self.iteration, self.box, self.real_points(), self.generated_points(), self.generator_gradients(),
                        xs, ys, heat, self.manifold(), self.loss_curves(curve_points), divergences, modes)


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


def modes_over_training(config: LabConfig, iterations: int, every: int = 250) -> dict[str, np.ndarray]:
    """Train a fresh lab and measure it every `every` iterations: "iteration", "modes"
    (covered) and "high_quality" (share), for a mixture target (ring or grid)."""
    if mixture_modes(config.target) is None:
        raise ValueError("modes are counted for the ring and the grid only")
    lab, rows = GANLab(config), []
    while lab.iteration < iterations:
        lab.step(min(every, iterations - lab.iteration))
        stats = lab.modes()
        rows.append((lab.iteration, stats.covered, stats.high_quality))
    iteration, modes, high_quality = (np.array(column) for column in zip(*rows))
    return {"iteration": iteration, "modes": modes, "high_quality": high_quality}

