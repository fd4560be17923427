"""The variational autoencoder (VAE) for binary 8x8 digits, with a KL weight beta.

A latent variable z explains each image:

    p(z) = N(0, I),   p(x | z) = prod_i Ber(x_i | sigmoid(decoder(z))_i),   p(x) = E_{p(z)} p(x | z)

p(x) is an integral we cannot compute, so an encoder q(z | x) = N(mu(x), diag sigma^2(x))
stands in for the true posterior and gives a lower bound on the log-likelihood, the ELBO:

    log p(x) = ELBO(x) + KL(q(z|x) || p(z|x)) >= ELBO(x)
    ELBO(x)  = E_q[log p(x | z)] - KL(q(z|x) || p(z))
             =   -distortion D  -  rate R

Training minimizes  D + beta * R  [1, 3]: beta = 1 is the VAE, beta > 1 presses the
posterior toward the prior (a smaller rate, a blurrier reconstruction), beta < 1 the
reverse. The gradient through E_q goes by reparameterization [1]: z = mu + sigma * eps,
eps ~ N(0, I), so the sampling noise does not depend on the parameters.

The ELBO is loose by KL(q || p(z|x)). Importance weighting with K samples tightens it [2]:

    log p(x) >= L_K(x) = E[ log 1/K sum_k p(x, z_k) / q(z_k | x) ],   z_k ~ q(z | x)

with L_1 = ELBO <= L_K <= L_{K+1} -> log p(x) as K grows. `log_prob` returns L_K for a
fixed K and seed, so the VAE enters the explicit-model interface as an approximate model:
its "log p(x)" is a bound from below, slightly noisy, not an exact likelihood.

The encoder and decoder are small MLPs (`mlp`, `GaussianEncoder`, `BernoulliDecoder`);
the adversarial autoencoder of core/models/latent/aae.py reuses them.

[1] Kingma & Welling, Auto-Encoding Variational Bayes, ICLR 2014.
[2] Burda, Grosse & Salakhutdinov, Importance Weighted Autoencoders, ICLR 2016.
[3] Higgins et al., beta-VAE: Learning Basic Visual Concepts with a Constrained
    Variational Framework, ICLR 2017.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from core.models.base import ExplicitModel, Seed
from core.models.neural import NeuralModel, as_float_tensor, torch_generator

LOG_2PI = math.log(2 * math.pi)
BETAS = (0.1, 0.25, 0.5, 1, 2, 4, 8)  # the KL weights of the checkpoint family vae_beta_<beta> (2-D latent)


def beta_name(beta: float) -> str:
    """The registry name of the beta family's checkpoint: 1.0 -> "vae_beta_1", 0.25 -> "vae_beta_0.25"."""
    return f"vae_beta_{beta:g}"


@dataclass(frozen=True)
class VAEConfig:
    num_pixels: int = 64
    latent: int = 2  # dimension of z; 2 lets the page draw the latent space
    hidden: int = 256  # units per hidden layer, encoder and decoder alike
    layers: int = 2  # hidden layers of the encoder, and of the decoder
    beta: float = 1.0  # the KL weight of the loss D + beta * R
    dropout: float = 0.0  # on the hidden layers, in training only
    iwae_k: int = 500  # importance samples of log_prob
    iwae_seed: int = 0  # its fixed seed, so log_prob is deterministic


# ----------------------------------------------------------------------------
# Building blocks (shared with the AAE)


def mlp(inputs: int, hidden: int, layers: int, outputs: int, dropout: float = 0.0) -> nn.Sequential:
    """inputs -> [Linear -> ELU -> Dropout] x layers -> Linear -> outputs."""
    sizes = [inputs] + [hidden] * layers
    blocks: list[nn.Module] = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        blocks += [nn.Linear(a, b), nn.ELU()] + ([nn.Dropout(dropout)] if dropout else [])
    return nn.Sequential(*blocks, nn.Linear(sizes[-1], outputs))


class GaussianEncoder(nn.Module):
    """q(z | x) = N(mu(x), diag exp(logvar(x))): one MLP whose output is split in two."""

    def __init__(self, num_pixels: int, hidden: int, layers: int, latent: int, dropout: float = 0.0):
        super().__init__()
        self.net = mlp(num_pixels, hidden, layers, 2 * latent, dropout)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.net(x).chunk(2, dim=-1)  # (B, d) each
        return mu, logvar.clamp(-12.0, 6.0)  # keeps exp(logvar) finite early in training


class BernoulliDecoder(nn.Module):
    """p(x | z) = prod_i Ber(x_i | sigmoid(logit_i(z))): z (B, d) -> logits (B, n)."""

    def __init__(self, latent: int, hidden: int, layers: int, num_pixels: int, dropout: float = 0.0):
        super().__init__()
        self.net = mlp(latent, hidden, layers, num_pixels, dropout)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)  # (B, n)


def bernoulli_log_likelihood(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """log p(x | z) = sum_i [x_i log p_i + (1 - x_i) log(1 - p_i)], summed over the last axis."""
    logits, x = torch.broadcast_tensors(logits, x)  # e.g. K draws (K, B, n) against the images (B, n)
    return -F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=-1)


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, sigma^2) || N(0, I)) = 1/2 sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2)
    (appendix B of [1]), summed over the last axis: the rate of one image, in nats."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=-1)


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """z = mu + sigma * eps with sigma = exp(logvar / 2): with eps ~ N(0, I) a draw from
    q(z|x) = N(mu, sigma^2) that gradients flow through to mu and logvar (the
    reparameterization trick). eps may have leading sample axes: (S, B, d) against (B, d)."""
    return mu + torch.exp(0.5 * logvar) * eps


def prior_quantile_grid(side: int, low: float = 0.04) -> np.ndarray:
    """A side x side grid of z in 2-D at the prior's quantiles Φ⁻¹(u), u evenly spaced in
    [low, 1 - low] (equal prior mass between neighbours), rows from the top (z_2 falling):
    (side², 2), the points the manifold picture decodes."""
    from scipy.special import ndtri  # Φ⁻¹; here so that importing the model does not load scipy

    quantiles = ndtri(np.linspace(low, 1 - low, side))
    return np.stack(np.meshgrid(quantiles, quantiles[::-1]), axis=-1).reshape(-1, 2)


def standard_normal_log_pdf(z: torch.Tensor) -> torch.Tensor:
    """log N(z; 0, I), summed over the last axis."""
    return -0.5 * (z.pow(2).sum(dim=-1) + z.shape[-1] * LOG_2PI)


# ----------------------------------------------------------------------------
# The VAE


class VAE(NeuralModel, ExplicitModel):
    """Gaussian encoder, Bernoulli decoder, standard normal prior; loss D + beta R [1, 3]."""

    def __init__(self, config: VAEConfig):
        super().__init__()
        self.config = config
        self.num_pixels = config.num_pixels
        c = config
        self.encoder = GaussianEncoder(c.num_pixels, c.hidden, c.layers, c.latent, c.dropout)
        self.decoder = BernoulliDecoder(c.latent, c.hidden, c.layers, c.num_pixels, c.dropout)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """mu(x), log sigma^2(x): (B, n) -> (B, d), (B, d)."""
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """The logits of p(x | z): (B, d) -> (B, n)."""
        return self.decoder(z)

    def loss(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Per image, averaged over the batch (nats):
            recon = -log p(x | z), one z ~ q(z|x)       the distortion D
            kl    = KL(q(z|x) || N(0, I)) in closed form  the rate R: 1/2 sum(mu^2 + sigma^2 - 1 - log sigma^2)
            loss  = objective = recon + beta * kl       what training minimizes
            nll   = recon + kl = -ELBO                  a bound on -log p(x), whatever beta
        In eval mode z comes from a fixed seed, so successive validation passes see the
        same noise and their differences are the model's, not the draw's."""
        generator = None if self.training else torch.Generator().manual_seed(0)
        mu, logvar = self.encode(x)  # (B, d) each
        z = reparameterize(mu, logvar, torch.randn(mu.shape, generator=generator))  # (B, d)
        recon = -bernoulli_log_likelihood(self.decode(z), x).mean()
        kl = gaussian_kl(mu, logvar).mean()
        objective = recon + self.config.beta * kl
        return {"loss": objective, "objective": objective, "recon": recon, "kl": kl, "nll": recon + kl}

    # ------------------------------------------------------------------------
    # Bounds on log p(x), per image

    @torch.inference_mode()
    def rate_distortion(self, x, samples: int = 1, seed: Seed = 0) -> tuple[np.ndarray, np.ndarray]:
        """Rate R(x) = KL(q(z|x) || p(z)) (closed form) and distortion D(x) = -E_q log p(x|z)
        (the mean over `samples` seeded draws), each (B,); ELBO(x) = -(R + D)."""
        x, generator = as_float_tensor(x), torch_generator(seed)
        mu, logvar = self.encode(x)  # (B, d)
        z = reparameterize(mu, logvar, torch.randn((samples, *mu.shape), generator=generator))  # (S, B, d)
        distortion = -bernoulli_log_likelihood(self.decode(z), x).mean(dim=0)  # (B,)
        return gaussian_kl(mu, logvar).numpy(), distortion.numpy()

    def elbo(self, x, samples: int = 1, seed: Seed = 0) -> np.ndarray:
        """ELBO(x) = E_q log p(x|z) - KL(q(z|x) || p(z)), per image (B,), in nats."""
        rate, distortion = self.rate_distortion(x, samples, seed)
        return -(rate + distortion)

    @torch.inference_mode()
    def iwae_bound(self, x, k: int = 500, seed: Seed = 0, rows: int = 1 << 16) -> np.ndarray:
        """L_K(x) = log 1/K sum_k p(x|z_k) p(z_k) / q(z_k|x), z_k ~ q(z|x), per image (B,) [2].
        The K draws go in chunks of about `rows` decoder rows, so K = 5000 fits in memory."""
        x, generator = as_float_tensor(x), torch_generator(seed)
        mu, logvar = self.encode(x)  # (B, d)
        chunk = max(1, rows // len(x))
        log_w = []
        for start in range(0, k, chunk):
            eps = torch.randn((min(chunk, k - start), *mu.shape), generator=generator)  # (k', B, d)
            z = reparameterize(mu, logvar, eps)  # (k', B, d)
            log_q = standard_normal_log_pdf(eps) - 0.5 * logvar.sum(dim=-1)  # (k', B): log N(z; mu, sigma^2)
            log_w.append(bernoulli_log_likelihood(self.decode(z), x) + standard_normal_log_pdf(z) - log_q)
        return (torch.logsumexp(torch.cat(log_w), dim=0) - math.log(k)).numpy()  # (B,)

    def log_prob(self, x) -> np.ndarray:
        """The IWAE bound L_K <= log p(x) with the config's K and seed: a lower bound, not exact."""
        return self.iwae_bound(x, self.config.iwae_k, self.config.iwae_seed)

    # ------------------------------------------------------------------------
    # Pictures

    @torch.inference_mode()
    def embed(self, x) -> np.ndarray:
        """The posterior means mu(x), (B, d): where each image sits in the latent space."""
        return self.encode(as_float_tensor(x))[0].numpy()

    @torch.inference_mode()
    def posterior_sample(self, x, seed: Seed = 0) -> np.ndarray:
        """One seeded draw z ~ q(z|x) per image, (B, d): over the data, draws of the aggregated
        posterior q(z) = E_x q(z|x), the distribution that should match the prior."""
        mu, logvar = self.encode(as_float_tensor(x))
        return reparameterize(mu, logvar, torch.randn(mu.shape, generator=torch_generator(seed))).numpy()

    @torch.inference_mode()
    def decode_probs(self, z) -> np.ndarray:
        """The decoder's pixel probabilities sigmoid(logits(z)), (B, n): the mean image of p(x|z)."""
        return torch.sigmoid(self.decode(as_float_tensor(z))).numpy()

    @torch.inference_mode()
    def sample(self, n: int, seed: Seed = 0, mean: bool = False) -> np.ndarray:
        """z ~ N(0, I), then x ~ p(x|z): binary images (n, 64) uint8, as the explicit interface asks.
        mean=True returns the decoder's probabilities instead (floats in [0, 1], the smoother
        pictures papers show)."""
        generator = torch_generator(seed)
        z = torch.randn(n, self.config.latent, generator=generator)  # (n, d)
        probs = torch.sigmoid(self.decode(z))  # (n, 64)
        return probs.numpy() if mean else torch.bernoulli(probs, generator=generator).to(torch.uint8).numpy()
