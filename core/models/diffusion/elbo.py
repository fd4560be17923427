"""The diffusion loss as the lecture would write it: the ELBO of a hierarchical VAE whose
encoder is fixed.

A VAE has one latent z, a learned encoder q_phi(z | x) and decoder p_theta(x | z):

    ELBO = E_q[log p_theta(x | z)]  -  KL(q_phi(z | x) || p(z))
           (reconstruction)            (prior fitting)

A diffusion model has T latents x_1..x_T of the image's own size. Its "encoder" is the forward
process q(x_{1:T} | x_0) = prod_t q(x_t | x_{t-1}), fixed, with no parameters; its "decoder" is
the chain p_theta(x_{0:T}) = p(x_T) prod_t p_theta(x_{t-1} | x_t). The same bound [1, eq. 5]:

    -log p_theta(x_0) <= E_q[ -log p_theta(x_{0:T}) / q(x_{1:T} | x_0) ]
                       = L_T + sum_{t=2}^{T} L_{t-1} + L_0

    L_T     = KL(q(x_T | x_0) || p(x_T))                          prior fitting (no parameter left)
    L_{t-1} = E_q KL(q(x_{t-1} | x_t, x_0) || p_theta(x_{t-1} | x_t))   denoising matching
    L_0     = E_q[ -log p_theta(x_0 | x_1) ]                        reconstruction

q(x_{t-1} | x_t, x_0) = N(mu~_t, beta~_t I) is a Gaussian (Bayes' rule on Gaussians). With the
same variance in p_theta (sigma_t^2 = beta~_t) the KL of two Gaussians with one variance is the
squared distance of their means over 2 sigma_t^2, and with mu_theta written through eps_theta
the means differ by a multiple of eps - eps_theta:

    L_{t-1} = E || mu~_t - mu_theta ||^2 / (2 sigma_t^2)
            = lambda_t E || eps - eps_theta(x_t, t) ||^2,   lambda_t = beta_t^2 / (2 sigma_t^2 alpha_t (1 - abar_t)).

Dropping lambda_t (setting every weight to 1) gives L_simple, the loss the model is trained with [1].

L_0 is a discretized Gaussian over the 17 gray levels: the probability of the level's bin
(width 2/16 in [-1, 1], the end bins open) under N(mu_theta(x_1, 1), sigma_1^2), sigma_1^2 = beta_1.
The bound is then on the probability of the discrete image, in nats.

[1] Ho, Jain & Abbeel, Denoising Diffusion Probabilistic Models, NeurIPS 2020 (eq. 5, 8-12).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from core.models.diffusion.ddpm import Diffusion, Schedule, gather, posterior_mean, q_sample, reverse_mean, to_model_space
from core.models.neural import as_float_tensor, torch_generator

LEVELS = 17  # gray levels 0..16


def gaussian_kl(mean_q: torch.Tensor, var_q: torch.Tensor, mean_p: torch.Tensor, var_p: torch.Tensor) -> torch.Tensor:
    """KL(N(mean_q, var_q I) || N(mean_p, var_p I)) summed over the last axis (D dimensions):
    1/2 sum_i [ log(var_p / var_q) + (var_q + (mean_q - mean_p)^2) / var_p - 1 ]."""
    return 0.5 * (torch.log(var_p / var_q) + (var_q + (mean_q - mean_p) ** 2) / var_p - 1).sum(dim=-1)


def noise_matching_weight(schedule: Schedule, t: torch.Tensor) -> torch.Tensor:
    """lambda_t = beta_t^2 / (2 sigma_t^2 alpha_t (1 - abar_t)) with sigma_t^2 = beta~_t, for t >= 2 (B,)."""
    beta, alpha, abar = schedule.betas[t], schedule.alphas[t], schedule.alpha_bars[t]
    return beta**2 / (2 * schedule.posterior_variance()[t] * alpha * (1 - abar))


def prior_term(schedule: Schedule, x0: torch.Tensor) -> torch.Tensor:
    """L_T = KL(N(sqrt(abar_T) x_0, (1 - abar_T) I) || N(0, I)), per image (B,), in float64 (it is tiny)."""
    abar, x0 = schedule.alpha_bars[-1], x0.double()
    return gaussian_kl(abar.sqrt() * x0, (1 - abar).expand_as(x0), torch.zeros_like(x0), torch.ones_like(x0))


def standard_normal_cdf(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * (1 + torch.erf(x / math.sqrt(2)))


def discretized_gaussian_nll(x0: torch.Tensor, mean: torch.Tensor, std: float) -> torch.Tensor:
    """-log P(x_0) per image (B,) for x_0 on the grid of 17 levels in [-1, 1]: each pixel's probability
    is the mass of N(mean, std^2) on the level's bin (edges half a level away; -inf and +inf at the ends)."""
    half = 1.0 / (LEVELS - 1)  # half the spacing 2 / 16
    upper = torch.where(x0 > 1 - half, torch.ones_like(x0), standard_normal_cdf((x0 + half - mean) / std))
    lower = torch.where(x0 < -1 + half, torch.zeros_like(x0), standard_normal_cdf((x0 - half - mean) / std))
    return -torch.log((upper - lower).clamp_min(1e-12)).sum(dim=-1)


@dataclass(frozen=True)
class ELBOTerms:
    """The terms of -ELBO for one image, in nats: prior L_T, each L_{t-1} for t = 2..T (with its
    weight and the KL computed directly from the two Gaussians, the check), and L_0."""

    prior: float  # L_T
    t: np.ndarray  # 2..T
    steps: np.ndarray  # L_{t-1} = lambda_t ||eps - eps_theta||^2, averaged over the draws
    kl: np.ndarray  # KL(q(x_{t-1}|x_t,x_0) || p_theta(x_{t-1}|x_t)) from the Gaussians, same draws
    weights: np.ndarray  # lambda_t
    squared_errors: np.ndarray  # ||eps - eps_theta||^2 (summed over the 64 pixels), averaged over the draws
    reconstruction: float  # L_0
    pixels: int  # D, the image's size

    @property
    def denoising(self) -> float:
        """sum_{t=2}^T L_{t-1}."""
        return float(self.steps.sum())

    @property
    def simple(self) -> float:
        """L_simple of this digit: ||eps - eps_theta||^2 per pixel, averaged over t = 2..T (no lambda_t)."""
        return float(self.squared_errors.mean() / self.pixels)

    @property
    def kl_gap(self) -> float:
        """The largest relative difference between the KL of the two Gaussians and lambda_t ||eps - eps_theta||^2."""
        return float(np.max(np.abs(self.kl - self.steps) / np.maximum(np.abs(self.kl), 1e-12)))

    @property
    def total(self) -> float:
        """-ELBO = L_T + sum L_{t-1} + L_0 >= -log p(x_0)."""
        return self.prior + self.denoising + self.reconstruction


@torch.inference_mode()
def elbo_terms(model: Diffusion, gray, draws: int = 1, seed: int = 0) -> ELBOTerms:
    """Every term of -ELBO for one digit `gray` (64,) in [0, 1]: L_{t-1} at every t = 2..T, each a
    Monte Carlo estimate over `draws` draws of x_t ~ q(x_t | x_0) (the same draws for the KL check)."""
    schedule, T = model.schedule, model.config.T
    x0 = to_model_space(as_float_tensor(np.asarray(gray, dtype=np.float32).reshape(1, -1)))  # (1, 64)
    generator = torch_generator(seed)
    t = torch.arange(2, T + 1).repeat(draws)  # (draws * (T - 1),)
    x0s = x0.expand(len(t), -1)
    noise = torch.randn(x0s.shape, generator=generator)
    xt = q_sample(schedule, x0s, t, noise)
    eps = model.epsilon(xt, t)
    squared = ((noise - eps) ** 2).sum(dim=1).double()  # (N,)
    weights = noise_matching_weight(schedule, t)
    x0s, xt, eps = x0s.double(), xt.double(), eps.double()  # the KL subtracts close means: float64
    variance = gather(schedule.posterior_variance(), t, xt).expand_as(xt)  # sigma_t^2 = beta~_t, (N, D)
    kl = gaussian_kl(posterior_mean(schedule, x0s, xt, t), variance, reverse_mean(schedule, xt, t, eps), variance)
    by_step = lambda values: values.view(draws, T - 1).mean(dim=0).numpy()
    one = torch.ones(1, dtype=torch.long)
    x1 = q_sample(schedule, x0, one, torch.randn(x0.shape, generator=generator))
    decoder_mean = reverse_mean(schedule, x1, one, model.epsilon(x1, one))
    reconstruction = discretized_gaussian_nll(x0.double(), decoder_mean.double(), math.sqrt(float(schedule.betas[1])))
    return ELBOTerms(float(prior_term(schedule, x0)[0]), np.arange(2, T + 1), by_step(weights * squared), by_step(kl),
                     noise_matching_weight(schedule, torch.arange(2, T + 1)).numpy(), by_step(squared),
                     float(reconstruction[0]) + 0.0, x0.shape[1])  # + 0.0: no "-0.00" on the page
