"""Denoising diffusion (DDPM [1]) for the 8x8 gray digits, sampled in all T steps or with DDIM [2].

Forward process q: fixed, no parameters. Noise is added in T small steps,

    q(x_t | x_{t-1}) = N(sqrt(1 - beta_t) x_{t-1}, beta_t I),        t = 1..T

and the steps compose into one Gaussian at every t (alpha_t = 1 - beta_t, abar_t = prod_{s<=t} alpha_s):

    q(x_t | x_0) = N(sqrt(abar_t) x_0, (1 - abar_t) I),   i.e.   x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps

with eps ~ N(0, I). abar_T is close to 0, so x_T is (almost) pure noise N(0, I).

Reverse process p_theta: learned. Each step is a Gaussian whose mean comes from a network
eps_theta(x_t, t) that guesses the noise in x_t:

    p_theta(x_{t-1} | x_t) = N(mu_theta(x_t, t), sigma_t^2 I)
    mu_theta(x_t, t) = 1 / sqrt(alpha_t) * (x_t - beta_t / sqrt(1 - abar_t) * eps_theta(x_t, t))

Training minimizes the simple loss of [1] (the ELBO with its weights set to 1: elbo.py),

    L_simple = E_{t ~ U{1..T}, x_0, eps} || eps - eps_theta(sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps, t) ||^2.

Sampling starts from x_T ~ N(0, I). `ddpm_sample` walks all T steps of p_theta (ancestral
sampling, sigma_t^2 = beta~_t, the variance of q(x_{t-1} | x_t, x_0)). `ddim_sample` [2] jumps
along a short sequence of S < T steps, deterministically for eta = 0: it estimates x_0 from
x_t and eps_theta, then re-noises that estimate to the earlier step with the same eps_theta,

    x0_hat = (x_t - sqrt(1 - abar_t) eps_theta) / sqrt(abar_t)
    x_s    = sqrt(abar_s) x0_hat + sqrt(1 - abar_s) eps_theta,          s < t.

Both samplers take the noise predictor as a function, so the same code samples the digit
network here and the 2-D network of toy.py, and a test can hand them the exact noise.
Images live in [-1, 1] inside (gray level / 16 * 2 - 1); `Diffusion.sample` returns [0, 1].

[1] Ho, Jain & Abbeel, Denoising Diffusion Probabilistic Models, NeurIPS 2020.
[2] Song, Meng & Ermon, Denoising Diffusion Implicit Models, ICLR 2021.
[3] Nichol & Dhariwal, Improved Denoising Diffusion Probabilistic Models, ICML 2021 (cosine schedule).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from core.models.base import Seed
from core.models.neural import NeuralModel, as_float_tensor, torch_generator

NoisePredictor = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # eps_theta(x_t (B, D), t (B,)) -> (B, D)
VALIDATION_SEED = 100  # the draws of t and eps on the validation carve: every epoch judged on the same noise

# ----------------------------------------------------------------------------
# The noise schedule and the forward process q


@dataclass(frozen=True)
class Schedule:
    """beta_t, alpha_t = 1 - beta_t and abar_t = prod_{s<=t} alpha_s for t = 0..T, each a (T + 1,)
    float64 tensor indexed by t itself: entry 0 is t = 0 (beta_0 = 0, abar_0 = 1, no noise)."""

    betas: torch.Tensor
    alphas: torch.Tensor
    alpha_bars: torch.Tensor

    @property
    def T(self) -> int:  # the papers' name
        return len(self.betas) - 1

    @classmethod
    def from_betas(cls, betas: np.ndarray) -> Schedule:
        """The schedule of beta_1..beta_T: alphas and their running product."""
        betas = torch.cat([torch.zeros(1, dtype=torch.float64), torch.as_tensor(betas, dtype=torch.float64)])
        alphas = 1 - betas
        return cls(betas, alphas, torch.cumprod(alphas, dim=0))

    def scales(self) -> tuple[np.ndarray, np.ndarray]:
        """sqrt(abar_t) and sqrt(1 - abar_t) for t = 0..T: what x_0 and eps are multiplied by in x_t."""
        return self.alpha_bars.sqrt().numpy(), (1 - self.alpha_bars).sqrt().numpy()

    def posterior_variance(self) -> torch.Tensor:
        """beta~_t = (1 - abar_{t-1}) / (1 - abar_t) * beta_t, the variance of q(x_{t-1} | x_t, x_0);
        (T + 1,), with beta~_0 = beta~_1 = 0 (x_0 is known once x_1 is)."""
        tilde = torch.zeros_like(self.betas)
        tilde[1:] = (1 - self.alpha_bars[:-1]) / (1 - self.alpha_bars[1:]) * self.betas[1:]
        return tilde


def linear_schedule(T: int, first: float = 1e-4, last: float = 0.02) -> Schedule:
    """beta_t rising linearly from 1e-4 to 0.02, as in [1] (for T = 1000; scaled by 1000 / T otherwise)."""
    scale = 1000 / T
    return Schedule.from_betas(np.linspace(first * scale, last * scale, T))


def cosine_schedule(T: int, s: float = 0.008, max_beta: float = 0.999) -> Schedule:
    """abar_t = f(t) / f(0) with f(t) = cos^2((t / T + s) / (1 + s) * pi / 2) [3]: the signal fades
    evenly instead of being almost gone halfway, which matters for images as small as 8x8.
    beta_t = 1 - abar_t / abar_{t-1} (at most max_beta), and abar is rebuilt as prod (1 - beta)."""
    f = np.cos((np.arange(T + 1) / T + s) / (1 + s) * np.pi / 2) ** 2
    return Schedule.from_betas(np.minimum(1 - f[1:] / f[:-1], max_beta))


SCHEDULES = {"linear": linear_schedule, "cosine": cosine_schedule}


def gather(values: torch.Tensor, t: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """values[t] with a trailing axis, (B, 1), in the dtype of `like`: to scale a batch of flat images (B, D)."""
    return values[t].to(like.dtype)[:, None]


def q_sample(schedule: Schedule, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps: a draw of q(x_t | x_0). x0, noise (B, D), t (B,)."""
    abar = gather(schedule.alpha_bars, t, x0)  # (B, 1)
    return abar.sqrt() * x0 + (1 - abar).sqrt() * noise


def predict_x0(schedule: Schedule, xt: torch.Tensor, t: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """x0_hat = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t): q_sample solved for x_0."""
    abar = gather(schedule.alpha_bars, t, xt)
    return (xt - (1 - abar).sqrt() * eps) / abar.sqrt()


def posterior_mean(schedule: Schedule, x0: torch.Tensor, xt: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """The mean of q(x_{t-1} | x_t, x_0), a Gaussian by Bayes' rule (eq. 7 of [1]):
    mu~_t = sqrt(abar_{t-1}) beta_t / (1 - abar_t) x_0 + sqrt(alpha_t) (1 - abar_{t-1}) / (1 - abar_t) x_t."""
    abar, abar_prev = gather(schedule.alpha_bars, t, xt), gather(schedule.alpha_bars, t - 1, xt)
    beta, alpha = gather(schedule.betas, t, xt), gather(schedule.alphas, t, xt)
    return abar_prev.sqrt() * beta / (1 - abar) * x0 + alpha.sqrt() * (1 - abar_prev) / (1 - abar) * xt


def reverse_mean(schedule: Schedule, xt: torch.Tensor, t: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """mu_theta(x_t, t) = 1 / sqrt(alpha_t) * (x_t - beta_t / sqrt(1 - abar_t) * eps): the posterior
    mean with x_0 replaced by its estimate x0_hat (eq. 11 of [1])."""
    alpha, beta, abar = (gather(values, t, xt) for values in (schedule.alphas, schedule.betas, schedule.alpha_bars))
    return (xt - beta / (1 - abar).sqrt() * eps) / alpha.sqrt()


@torch.inference_mode()
def noised_strip(gray, schedule: Schedule, steps, seed: Seed = 0) -> np.ndarray:
    """One gray digit (64,) in [0, 1] at each of `steps` under q(x_t | x_0), with one draw of eps for all:
    x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps, so the strip shows the signal fading into that noise.
    Returns (len(steps), 64) in model space [-1, 1] (and beyond: noise is unbounded)."""
    x0 = to_model_space(as_float_tensor(np.asarray(gray).reshape(1, -1)))  # (1, 64)
    noise = torch.randn(x0.shape, generator=torch_generator(seed))
    t = torch.as_tensor(np.asarray(steps, dtype=np.int64))
    return q_sample(schedule, x0.expand(len(t), -1), t, noise.expand(len(t), -1)).numpy()


# ----------------------------------------------------------------------------
# Samplers: any noise predictor, from x_T to x_0


@dataclass(frozen=True)
class Trajectory:
    """States a sampler went through (all, or every few): t[k] is the step of x[k] (t[0] = T,
    t[-1] = 0); x0[k] is the estimate of x_0 the sampler made from x[k] (x0[-1] = x[-1], the
    sample itself). x, x0: (kept states, B, D)."""

    t: np.ndarray
    x: torch.Tensor
    x0: torch.Tensor


def _clamp(x: torch.Tensor, clip: float | None) -> torch.Tensor:
    return x if clip is None else x.clamp(-clip, clip)


def _kept(step: int, total: int, every: int | None) -> bool:
    """Whether the sampler keeps state number `step` of 0..total: the first and the last always,
    and every `every`-th one between them."""
    return step in (0, total) or (every is not None and step % every == 0)


@torch.inference_mode()
def ddpm_sample(epsilon: NoisePredictor, schedule: Schedule, x: torch.Tensor, generator: torch.Generator,
                clip: float | None = 1.0, every: int | None = None) -> Trajectory:
    """Ancestral sampling of p_theta, all T steps from x = x_T (B, D):

        x_{t-1} = mu_theta(x_t, t) + sigma_t z,   z ~ N(0, I),   sigma_t^2 = beta~_t.

    With `clip`, x0_hat is clamped to [-clip, clip] (the data's range) and mu is the posterior mean
    of that estimate; without clipping this is exactly `reverse_mean` (a test checks it). The
    trajectory keeps x_T, x_0 and every `every`-th state between them."""
    sigma = schedule.posterior_variance().sqrt()
    T = schedule.T
    times, states, estimates = [T], [x], []
    for step in range(T, 0, -1):  # state number T - step is x_step
        t = torch.full((len(x),), step, dtype=torch.long)
        x0 = _clamp(predict_x0(schedule, x, t, epsilon(x, t)), clip)
        if _kept(T - step, T, every):
            estimates.append(x0)
        noise = torch.randn(x.shape, generator=generator, dtype=x.dtype)
        x = posterior_mean(schedule, x0, x, t) + gather(sigma, t, x) * noise  # (B, D)
        if _kept(T - step + 1, T, every):
            times.append(step - 1)
            states.append(x)
    estimates.append(x)  # x_0 is its own estimate
    return Trajectory(np.array(times), torch.stack(states), torch.stack(estimates))


def ddim_timesteps(T: int, steps: int) -> np.ndarray:
    """The S + 1 steps T = tau_S > ... > tau_0 = 0 that DDIM visits, evenly spaced (S = steps <= T)."""
    if not 1 <= steps <= T:
        raise ValueError(f"steps must be in 1..{T}, got {steps}")
    return np.round(np.linspace(T, 0, steps + 1)).astype(np.int64)


@torch.inference_mode()
def ddim_sample(epsilon: NoisePredictor, schedule: Schedule, x: torch.Tensor, steps: int, eta: float = 0.0,
                generator: torch.Generator | None = None, clip: float | None = 1.0, every: int | None = 1) -> Trajectory:
    """DDIM from x = x_T (B, D) in `steps` jumps t -> s along `ddim_timesteps` (eq. 12 of [2]):

        x0_hat = (x_t - sqrt(1 - abar_t) eps_theta(x_t, t)) / sqrt(abar_t)
        x_s    = sqrt(abar_s) x0_hat + sqrt(1 - abar_s - sigma^2) eps_theta + sigma z
        sigma  = eta * sqrt((1 - abar_s) / (1 - abar_t)) * sqrt(1 - abar_t / abar_s)

    eta = 0: no fresh noise, the map x_T -> x_0 is deterministic. `clip` clamps x0_hat (and eps is
    then re-derived from it, so the two stay consistent). The trajectory keeps every `every`-th state
    (every one by default: there are only `steps`), x_T and x_0 always."""
    abar = schedule.alpha_bars.to(x.dtype)
    times = ddim_timesteps(schedule.T, steps)
    kept, states, estimates = [0], [x], []
    for k, (now, before) in enumerate(zip(times[:-1], times[1:]), start=1):
        a_now, a_before = abar[now], abar[before]  # abar_t, abar_s
        eps = epsilon(x, torch.full((len(x),), int(now), dtype=torch.long))
        x0 = (x - (1 - a_now).sqrt() * eps) / a_now.sqrt()
        if clip is not None:
            x0 = x0.clamp(-clip, clip)
            eps = (x - a_now.sqrt() * x0) / (1 - a_now).sqrt()
        if _kept(k - 1, steps, every):
            estimates.append(x0)
        sigma = eta * ((1 - a_before) / (1 - a_now) * (1 - a_now / a_before)).sqrt()
        x = a_before.sqrt() * x0 + (1 - a_before - sigma**2).clamp_min(0).sqrt() * eps  # (B, D)
        if eta > 0:
            x = x + sigma * torch.randn(x.shape, generator=generator, dtype=x.dtype)
        if _kept(k, steps, every):
            kept.append(k)
            states.append(x)
    estimates.append(x)  # x_0 is its own estimate
    return Trajectory(times[kept], torch.stack(states), torch.stack(estimates))


# ----------------------------------------------------------------------------
# The noise predictor eps_theta(x_t, t): a small U-Net with a time embedding


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """The sinusoidal embedding of the step (as in [1], after the Transformer's positions):
    [sin(t w_0), ..., sin(t w_{k-1}), cos(t w_0), ..., cos(t w_{k-1})], w_j = 10000^(-j / k), k = dim / 2.
    t (B,) -> (B, dim)."""
    half = dim // 2
    frequencies = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)  # (k,)
    angles = t.float()[:, None] * frequencies[None, :]  # (B, k)
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)


class ResidualBlock(nn.Module):
    """x + conv(dropout(act(norm(conv(act(norm(x))) + W emb)))): two 3x3 convolutions, the time
    embedding added per channel between them; a 1x1 convolution on the skip when the width changes."""

    def __init__(self, channels_in: int, channels_out: int, time_dim: int, groups: int, dropout: float = 0.0):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, channels_in)
        self.conv1 = nn.Conv2d(channels_in, channels_out, 3, padding=1)
        self.time = nn.Linear(time_dim, channels_out)
        self.norm2 = nn.GroupNorm(groups, channels_out)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(channels_out, channels_out, 3, padding=1)
        self.skip = nn.Conv2d(channels_in, channels_out, 1) if channels_in != channels_out else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))  # (B, C_out, H, W)
        h = h + self.time(emb)[:, :, None, None]  # the step, one shift per channel
        h = self.conv2(self.dropout(F.silu(self.norm2(h))))
        return h + self.skip(x)


@dataclass(frozen=True)
class DiffusionConfig:
    side: int = 8
    T: int = 1000  # diffusion steps (the papers' name)
    schedule: str = "cosine"  # a key of SCHEDULES
    channels: int = 32  # width at 8x8; 2 * channels at 4x4
    time_dim: int = 64  # the sinusoidal embedding of t, and the MLP after it
    groups: int = 8  # group norm
    dropout: float = 0.0  # in every residual block, as in [1]: 1,293 training digits are few
    sample_steps: int = 50  # DDIM steps of `sample`


class UNet(nn.Module):
    """eps_theta(x_t, t) for side x side images (side even):

        x_t (B, 1, 8, 8) -> conv -> block (C, 8x8) ------------------------ skip -------------------+
                             -> stride-2 conv (2C, 4x4) -> block -> block -> 1x1 conv (C, 4x4) -> upsample -> +
                             -> block (C, 8x8) -> conv -> eps (B, 1, 8, 8)

    Every block reads the embedding of t (sinusoid -> Linear -> SiLU -> Linear). The skip is added, not
    concatenated, and the width is halved before upsampling: a convolution of 2C channels at 8x8 would
    cost as much as all the others (64 samples x 50 DDIM steps must stay well under a second)."""

    def __init__(self, config: DiffusionConfig):
        super().__init__()
        c, d, g, p = config.channels, config.time_dim, config.groups, config.dropout
        self.config = config
        self.time_mlp = nn.Sequential(nn.Linear(d, d), nn.SiLU(), nn.Linear(d, d))
        self.conv_in = nn.Conv2d(1, c, 3, padding=1)  # state size C x 8 x 8
        self.down = ResidualBlock(c, c, d, g, p)
        self.downsample = nn.Conv2d(c, 2 * c, 3, stride=2, padding=1)  # state size 2C x 4 x 4
        self.middle = nn.ModuleList([ResidualBlock(2 * c, 2 * c, d, g, p), ResidualBlock(2 * c, 2 * c, d, g, p)])
        self.narrow = nn.Conv2d(2 * c, c, 1)  # state size C x 4 x 4, then nearest x2: C x 8 x 8
        self.up = ResidualBlock(c, c, d, g, p)
        self.norm_out = nn.GroupNorm(g, c)
        self.conv_out = nn.Conv2d(c, 1, 3, padding=1)

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """x (B, side * side) in raster order, t (B,) integer steps -> predicted noise (B, side * side)."""
        side = self.config.side
        emb = F.silu(self.time_mlp(timestep_embedding(t, self.config.time_dim)))  # (B, d)
        h = self.conv_in(x.view(-1, 1, side, side))  # (B, C, 8, 8)
        skip = self.down(h, emb)
        h = self.downsample(skip)  # (B, 2C, 4, 4)
        for block in self.middle:
            h = block(h, emb)
        h = F.interpolate(self.narrow(h), scale_factor=2, mode="nearest")  # (B, C, 8, 8)
        h = self.up(h + skip, emb)  # (B, C, 8, 8)
        return self.conv_out(F.silu(self.norm_out(h))).view(len(x), side * side)


# ----------------------------------------------------------------------------
# The model of the registry: loss for the shared loop, samples in [0, 1]


def to_model_space(gray: torch.Tensor) -> torch.Tensor:
    """Gray levels / 16 in [0, 1] -> [-1, 1], the range the noise schedule is made for."""
    return 2 * gray - 1


def to_gray(x) -> np.ndarray:
    """Model space [-1, 1] -> gray [0, 1], clipped, as numpy (from a tensor or an array)."""
    return np.clip((np.asarray(x, dtype=np.float32) + 1) / 2, 0, 1)


class Diffusion(NeuralModel):
    """A DDPM on 8x8 gray digits: `loss` for the shared training loop, `sample` by DDIM."""

    def __init__(self, config: DiffusionConfig):
        super().__init__()
        self.config = config
        self.schedule = SCHEDULES[config.schedule](config.T)
        self.network = UNet(config)

    def epsilon(self, xt: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """eps_theta(x_t, t): (B, 64), (B,) -> (B, 64)."""
        return self.network(xt, t)

    def loss(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """L_simple on a batch of gray digits x (B, 64) in [0, 1]: mean over pixels of
        (eps - eps_theta(x_t, t))^2 with t ~ U{1..T}, eps ~ N(0, I). In eval mode (validation) t and
        eps come from a fixed seed, so every epoch is judged on the same draws."""
        generator = None if self.training else torch.Generator().manual_seed(VALIDATION_SEED)
        x0 = to_model_space(x)
        t = torch.randint(1, self.config.T + 1, (len(x),), generator=generator)  # (B,)
        noise = torch.randn(x0.shape, generator=generator)  # (B, 64)
        mse = F.mse_loss(self.epsilon(q_sample(self.schedule, x0, t, noise), t), noise)
        return {"loss": mse, "mse": mse}

    def noise(self, n: int, seed: Seed) -> torch.Tensor:
        """x_T ~ N(0, I), (n, 64), seeded."""
        return torch.randn(n, self.config.side**2, generator=torch_generator(seed))

    @torch.inference_mode()
    def trajectory(self, n: int, seed: Seed = 0, sampler: str = "ddim", steps: int | None = None,
                   every: int | None = None) -> Trajectory:
        """The path of n samples from x_T to x_0 (x_T, x_0 and every `every`-th state): sampler "ddim"
        (`steps` jumps, default config.sample_steps) or "ddpm" (all T steps; seeded noise at every step)."""
        generator = torch_generator(seed)
        x = torch.randn(n, self.config.side**2, generator=generator)
        if sampler == "ddpm":
            return ddpm_sample(self.epsilon, self.schedule, x, generator, every=every)
        return ddim_sample(self.epsilon, self.schedule, x, steps or self.config.sample_steps, every=every)

    def sample(self, n: int, seed: Seed = 0, sampler: str = "ddim", steps: int | None = None) -> np.ndarray:
        """n digits (n, 64) in [0, 1], by DDIM with config.sample_steps steps unless told otherwise."""
        return to_gray(self.trajectory(n, seed, sampler, steps).x[-1])
