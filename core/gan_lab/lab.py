"""The lab itself: GANLab holds a generator, a discriminator, their optimizers and the
history of training; `step` trains (the two phases of an iteration, see the package
docstring) and the other methods are the views of the page, all at once in a LabFrame.
modes_over_training trains a fresh lab and counts the modes it covers along the way.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import torch

from core.gan_lab.config import PRESETS, LabConfig, noise_quantile, sample_noise, sample_target
from core.gan_lab.losses import DISCRIMINATOR_LOSSES, GENERATOR_LOSSES, penalty
from core.gan_lab.measures import ModeStats, histogram_divergences, mixture_modes, mode_stats
from core.gan_lab.networks import MLP, OPTIMIZER_CLASSES, flat_gradient, flatten_parameters

POOL_SIZE = 20_000  # the training set: points drawn once from the target
DISPLAY_POINTS = 512  # real and generated points drawn on the page (fixed noise)
EVAL_POINTS = 4_096  # points behind KL, JS and the mode counts (fixed noise)


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

    def __init__(self, config: LabConfig = PRESETS["default"]):  # LabConfig(); frozen, so one shared default is safe
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
