"""The adversarial autoencoder (AAE): an autoencoder whose codes are pushed to a prior by a GAN.

An encoder z = E(x) and a decoder p(x | z) = prod_i Ber(x_i | sigmoid(decoder(z))_i), as
in the VAE (core/models/latent/vae.py), but the prior-fitting term is no KL. A discriminator D
looks at codes and tells samples of the prior p(z) ("real") from codes of data E(x)
("fake"); the encoder, as the GAN's generator, learns to fool it. At the game's
equilibrium the aggregated posterior q(z) = E_{p_data(x)} [delta(z - E(x))] equals p(z) [1]:

    reconstruction:  min_{E, dec}  E_x [ -log p(x | E(x)) ]
    regularization:  min_E max_D   E_{z ~ p(z)} [log D(z)] + E_x [log(1 - D(E(x)))]

The VAE's KL(q(z|x) || N(0, I)) needs the prior's density in closed form (and a Gaussian
makes it a formula); the discriminator needs only samples. So any prior we can sample
from will do: a mixture of 10 Gaussians on a circle, a uniform square, a swiss roll.
The encoder here is deterministic, the usual choice of [1] (its noise-free codes make
the aggregated posterior the set of encoded points).

Training alternates the two phases on each batch (`train_step`), as [1] does; the
encoder is updated with the non-saturating loss -log D(E(x)) of [2] rather than
log(1 - D(E(x))), which gives no gradient while D wins easily.

[1] Makhzani, Shlens, Jaitly, Goodfellow & Frey, Adversarial Autoencoders, ICLR 2016 workshop.
[2] Goodfellow et al., Generative Adversarial Nets, NeurIPS 2014.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from core.metrics import energy_distance
from core.models.base import Seed
from core.models.latent.vae import BernoulliDecoder, bernoulli_log_likelihood, mlp
from core.models.neural import AdversarialModel, adam, as_float_tensor, torch_generator

# ----------------------------------------------------------------------------
# Priors: anything we can sample from. Pure functions of (n, generator), 2-D points (n, 2).


def gaussian_prior(n: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """The standard normal N(0, I), the VAE's prior."""
    return torch.randn(n, 2, generator=generator)


def mixture_prior(n: int, generator: torch.Generator | None = None, modes: int = 10, radius: float = 3.0,
                  std: float = 0.3) -> torch.Tensor:
    """A mixture of `modes` equal Gaussians whose centres sit evenly on a circle."""
    angle = 2 * math.pi * torch.randint(modes, (n,), generator=generator) / modes  # (n,)
    centres = radius * torch.stack([torch.cos(angle), torch.sin(angle)], dim=1)  # (n, 2)
    return centres + std * torch.randn(n, 2, generator=generator)


def uniform_prior(n: int, generator: torch.Generator | None = None, half_width: float = 2.0) -> torch.Tensor:
    """Uniform on the square [-h, h]^2."""
    return half_width * (2 * torch.rand(n, 2, generator=generator) - 1)


def swiss_roll_prior(n: int, generator: torch.Generator | None = None, noise: float = 0.1) -> torch.Tensor:
    """A swiss roll: t uniform on [1.5 pi, 4.5 pi], the point t (cos t, sin t) / (1.5 pi),
    so the roll winds out from radius 1 to 3; plus a little Gaussian noise."""
    t = 1.5 * math.pi * (1 + 2 * torch.rand(n, generator=generator))  # (n,)
    roll = (t / (1.5 * math.pi))[:, None] * torch.stack([torch.cos(t), torch.sin(t)], dim=1)  # (n, 2)
    return roll + noise * torch.randn(n, 2, generator=generator)


VALIDATION_SEED = 100  # the prior draws of validation, apart from the seeds the test metrics use
PRIORS = {"gaussian": gaussian_prior, "mixture": mixture_prior, "uniform": uniform_prior, "swiss_roll": swiss_roll_prior}


def sample_prior(name: str, n: int, seed: Seed = 0) -> np.ndarray:
    """n seeded points of prior `name`, (n, 2): for pictures and for the two-sample tests."""
    return PRIORS[name](n, torch_generator(seed)).numpy()


# ----------------------------------------------------------------------------
# The AAE


@dataclass(frozen=True)
class AAEConfig:
    num_pixels: int = 64
    latent: int = 2  # the priors above are 2-D, and so is the page's picture
    hidden: int = 256  # encoder and decoder, as the VAE's
    layers: int = 2
    prior: str = "gaussian"  # a key of PRIORS
    critic_hidden: int = 64  # the discriminator on z
    critic_layers: int = 2
    dropout: float = 0.0
    adversarial_lr: float = 1.0  # the regularization phase's learning rate, as a multiple of the train config's


class AAE(AdversarialModel):
    """Deterministic encoder, Bernoulli decoder, and a discriminator on codes [1]."""

    def __init__(self, config: AAEConfig):
        super().__init__()
        if config.prior not in PRIORS:
            raise ValueError(f"unknown prior {config.prior!r}; known: {', '.join(PRIORS)}")
        self.config = config
        c = config
        self.num_pixels = c.num_pixels
        self.encoder = mlp(c.num_pixels, c.hidden, c.layers, c.latent, c.dropout)  # x (B, n) -> z (B, d)
        self.decoder = BernoulliDecoder(c.latent, c.hidden, c.layers, c.num_pixels, c.dropout)  # z -> logits (B, n)
        self.discriminator = mlp(c.latent, c.critic_hidden, c.critic_layers, 1)  # z (B, d) -> logit of "from p(z)" (B, 1)

    def prior(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return PRIORS[self.config.prior](n, generator)  # (n, d)

    def configure_optimizers(self, config) -> dict[str, torch.optim.Optimizer]:
        """One optimizer per phase: the autoencoder's (encoder + decoder), the discriminator's,
        and the encoder's as the generator of the regularization phase."""
        scale = self.config.adversarial_lr
        return {"autoencoder": adam([*self.encoder.parameters(), *self.decoder.parameters()], config),
                "discriminator": adam(self.discriminator.parameters(), config, scale),
                "generator": adam(self.encoder.parameters(), config, scale)}

    def train_step(self, x: torch.Tensor, optimizers: dict) -> dict[str, torch.Tensor]:
        """One batch of the game, in the phases of [1]; returns the terms the loop logs."""
        # (1) Reconstruction phase: encoder and decoder minimize -log p(x | E(x)).
        recon = -bernoulli_log_likelihood(self.decoder(self.encoder(x)), x).mean()
        optimizers["autoencoder"].zero_grad()
        recon.backward()
        optimizers["autoencoder"].step()

        # (2a) Regularization phase, update D: maximize log D(z) + log(1 - D(E(x))), z ~ p(z).
        # The codes are detached: this step moves D only.
        real = self.discriminator(self.prior(len(x)))  # (B, 1)
        fake = self.discriminator(self.encoder(x).detach())  # (B, 1)
        d_loss = (F.binary_cross_entropy_with_logits(real, torch.ones_like(real))
                  + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake)))
        optimizers["discriminator"].zero_grad()
        d_loss.backward()
        optimizers["discriminator"].step()

        # (2b) Regularization phase, update the encoder (the generator): maximize log D(E(x)),
        # the non-saturating form of minimizing log(1 - D(E(x))) [2].
        fooled = self.discriminator(self.encoder(x))  # (B, 1)
        g_loss = F.binary_cross_entropy_with_logits(fooled, torch.ones_like(fooled))
        optimizers["generator"].zero_grad()
        g_loss.backward()
        optimizers["generator"].step()
        return {"recon": recon.detach(), "d_loss": d_loss.detach(), "g_loss": g_loss.detach()}

    @torch.no_grad()
    def loss(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """The validation terms, per image (nats for recon): recon = -log p(x | E(x)); d_loss
        and g_loss of the game on prior draws of a fixed seed (VALIDATION_SEED); energy = the energy distance
        between the batch's codes and as many prior draws (core.metrics.energy_distance)."""
        z = self.encoder(x)  # (B, d)
        recon = -bernoulli_log_likelihood(self.decoder(z), x).mean()
        prior = self.prior(len(x), torch.Generator().manual_seed(VALIDATION_SEED))  # (B, d)
        real, fake = self.discriminator(prior), self.discriminator(z)  # (B, 1) each
        d_loss = (F.binary_cross_entropy_with_logits(real, torch.ones_like(real))
                  + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake)))
        g_loss = F.binary_cross_entropy_with_logits(fake, torch.ones_like(fake))
        energy = torch.tensor(energy_distance(z.numpy(), prior.numpy()))
        return {"loss": recon, "recon": recon, "d_loss": d_loss, "g_loss": g_loss, "energy": energy}

    # ------------------------------------------------------------------------
    # Pictures

    @torch.inference_mode()
    def embed(self, x) -> np.ndarray:
        """The codes E(x), (B, d)."""
        return self.encoder(as_float_tensor(x)).numpy()

    @torch.inference_mode()
    def decode_probs(self, z) -> np.ndarray:
        """The decoder's pixel probabilities sigmoid(logits(z)), (B, n)."""
        return torch.sigmoid(self.decoder(as_float_tensor(z))).numpy()

    @torch.inference_mode()
    def discriminator_probs(self, z) -> np.ndarray:
        """D(z): the discriminator's probability that z came from the prior, (B,)."""
        return torch.sigmoid(self.discriminator(as_float_tensor(z)))[:, 0].numpy()

    @torch.inference_mode()
    def sample(self, n: int, seed: Seed = 0, mean: bool = False) -> np.ndarray:
        """z ~ p(z), then x ~ p(x|z): binary images (n, 64) uint8; mean=True gives the
        decoder's probabilities instead."""
        generator = torch_generator(seed)
        probs = torch.sigmoid(self.decoder(self.prior(n, generator)))  # (n, 64)
        return probs.numpy() if mean else torch.bernoulli(probs, generator=generator).to(torch.uint8).numpy()
