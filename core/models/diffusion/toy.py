"""A diffusion model on 2-D points, small enough to train live in a few seconds.

The same forward process, loss and samplers as the digits' model (ddpm.py), with a multilayer
perceptron for eps_theta(x_t, t). In two dimensions one can look at everything: the cloud of
points noised step by step, each point's path back from N(0, I), and the score the network
learned, drawn as arrows. The noise predictor and the score are one function [1, 2]:

    grad_x log q(x_t | x_0) = -(x_t - sqrt(abar_t) x_0) / (1 - abar_t) = -eps / sqrt(1 - abar_t),

so a network that predicts eps estimates the score of the noised data, s(x, t) = grad_x log q_t(x):

    s_theta(x, t) = -eps_theta(x, t) / sqrt(1 - abar_t).

The arrows point to where the data is denser; at large t they point to the origin (the score of
N(0, I) is -x), at small t to the data's own shape.

[1] Vincent, A Connection Between Score Matching and Denoising Autoencoders, Neural Computation 2011.
[2] Song & Ermon, Generative Modeling by Estimating Gradients of the Data Distribution, NeurIPS 2019.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from core.data import TOY_2D
from core.models.diffusion.ddpm import SCHEDULES, Trajectory, ddim_sample, ddpm_sample, q_sample, timestep_embedding
from core.models.neural import NeuralModel, as_float_tensor, torch_generator


@dataclass(frozen=True)
class ToyConfig:
    target: str = "moons"  # a key of core.data.TOY_2D
    T: int = 1000  # diffusion steps (the papers' name)
    schedule: str = "linear"  # the DDPM paper's: cosine's last betas (up to 0.999) throw DDIM off unless x0_hat is clipped
    hidden: int = 128
    layers: int = 3  # hidden layers of the MLP
    time_dim: int = 16
    points: int = 4000  # training points drawn from the target
    iterations: int = 2000
    batch_size: int = 256
    lr: float = 3e-3
    seed: int = 0


class ToyDiffusion(NeuralModel):
    """eps_theta(x_t, t) = MLP([x_t, embedding(t)]) for points x in R^2."""

    def __init__(self, config: ToyConfig):
        super().__init__()
        self.config = config
        self.schedule = SCHEDULES[config.schedule](config.T)
        widths = [2 + config.time_dim] + [config.hidden] * config.layers
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:]))
        self.out = nn.Linear(config.hidden, 2)

    def epsilon(self, xt: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """eps_theta(x_t, t): (B, 2), (B,) -> (B, 2)."""
        h = torch.cat([xt, timestep_embedding(t, self.config.time_dim)], dim=1)  # (B, 2 + time_dim)
        for layer in self.hidden:
            h = F.silu(layer(h))
        return self.out(h)

    def loss(self, x0: torch.Tensor, generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """L_simple on points x0 (B, 2): E ||eps - eps_theta(sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps, t)||^2."""
        t = torch.randint(1, self.config.T + 1, (len(x0),), generator=generator)
        noise = torch.randn(x0.shape, generator=generator)
        mse = F.mse_loss(self.epsilon(q_sample(self.schedule, x0, t, noise), t), noise)
        return {"loss": mse}

    @torch.inference_mode()
    def score(self, points, t: int) -> np.ndarray:
        """s_theta(x, t) = -eps_theta(x, t) / sqrt(1 - abar_t) at points (N, 2): (N, 2)."""
        x = as_float_tensor(points)
        eps = self.epsilon(x, torch.full((len(x),), t, dtype=torch.long))
        return (-eps / (1 - self.schedule.alpha_bars[t]).sqrt().float()).numpy()

    def trajectory(self, n: int, seed: int = 0, sampler: str = "ddpm", steps: int | None = None) -> Trajectory:
        """n points from N(0, I) back to the data, every state kept: "ddpm" (all T steps) or "ddim"."""
        generator = torch_generator(seed)
        x = torch.randn(n, 2, generator=generator)
        if sampler == "ddpm":
            return ddpm_sample(self.epsilon, self.schedule, x, generator, clip=None, every=1)
        return ddim_sample(self.epsilon, self.schedule, x, steps or self.config.T, clip=None)

    def score_field(self, box: tuple[float, float, float, float], t: int, side: int = 17) -> tuple[np.ndarray, np.ndarray]:
        """The learned score at t on a side x side grid of the box (x0, x1, y0, y1): (grid points, scores),
        each (side^2, 2)."""
        xs, ys = np.meshgrid(np.linspace(box[0], box[1], side), np.linspace(box[2], box[3], side))
        grid = np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float32)
        return grid, self.score(grid, t)

    @torch.inference_mode()
    def noised(self, points, t: int, seed: int = 0) -> np.ndarray:
        """A draw of q(x_t | x_0) for each point (N, 2)."""
        x0 = as_float_tensor(points)
        noise = torch.randn(x0.shape, generator=torch_generator(seed))
        return q_sample(self.schedule, x0, torch.full((len(x0),), t, dtype=torch.long), noise).numpy()


def target_points(config: ToyConfig, n: int | None = None, seed: int | None = None) -> np.ndarray:
    """n points of the config's target (its training set when n and seed are not given)."""
    rng = np.random.default_rng(config.seed if seed is None else seed)
    return TOY_2D[config.target](config.points if n is None else n, rng).astype(np.float32)


def train_toy(config: ToyConfig) -> ToyDiffusion:
    """Minimize L_simple with Adam on minibatches of the target's points: a fixed number of
    iterations, every draw seeded by config.seed (the same config gives the same network)."""
    with torch.random.fork_rng(devices=[]):  # seeded initial weights; the process's own stream is left as it was
        torch.manual_seed(config.seed)
        model = ToyDiffusion(config)
    generator = torch.Generator().manual_seed(config.seed)
    data = as_float_tensor(target_points(config))
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, config.iterations)
    for _ in range(config.iterations):
        batch = data[torch.randint(len(data), (config.batch_size,), generator=generator)]
        loss = model.loss(batch, generator)["loss"]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
    return model.eval()
