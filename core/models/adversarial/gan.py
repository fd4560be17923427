"""GANs on the 8x8 gray digits: an MLP GAN, DCGAN and InfoGAN.

A generator G maps noise z ~ N(0, I) to an image; a discriminator D scores how real an
image looks. They play the minimax game of [1]

    min_G max_D V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))]

in alternating steps, each the two commented phases of the DCGAN example of
pytorch/examples: update D on a real batch and a detached fake batch, then update G
with the non-saturating loss -log D(G(z)) (the same fixed point, stronger gradients
early on, when D rejects every fake). Images are flat (B, 64) gray levels / 16 in [0, 1].

- MLPGAN: both players are multilayer perceptrons on the flat pixels [1].
- DCGAN [2]: transposed convolutions up from a 2x2 map, batch norm, ReLU in G and
  LeakyReLU in D, no pooling, Adam with beta1 = 0.5: the paper's recipe scaled to 8x8.
- InfoGAN [3]: the input of G is split into noise z and a code c (a 10-way categorical
  code and 2 continuous codes), and G is asked to keep c readable from its images: a
  head Q on D's body predicts c, and both players maximize the variational lower bound
  on the mutual information

      I(c; G(z, c)) >= L_I = E_{c ~ p(c), x ~ G(z, c)}[log Q(c | x)] + H(c),   H(c) = ln 10,

  beside the GAN game: min_{G,Q} max_D V(D, G) - lambda L_I. Nothing tells the code
  that it should be the digit class; it often becomes one because the class is the
  most informative discrete factor of the images.

[1] Goodfellow et al., Generative Adversarial Nets, NeurIPS 2014.
[2] Radford, Metz & Chintala, Unsupervised Representation Learning with Deep
    Convolutional Generative Adversarial Networks, ICLR 2016.
[3] Chen et al., InfoGAN: Interpretable Representation Learning by Information
    Maximizing Generative Adversarial Nets, NeurIPS 2016.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from core.models.base import Seed
from core.models.neural import AdversarialModel, adam, torch_generator

FIXED_NOISE_SEED = 0  # the noise of the comparable sample grids (and of the validation samples)


class GAN(AdversarialModel):
    """What every GAN here shares: noise, sampling, the two-phase step, validation terms.

    A model builds `self.generator` ((B, latent) -> (B, 64) in [0, 1]) and
    `self.discriminator` ((B, 64) -> (B,) logits of "real")."""

    latent: int  # size of G's input

    def noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """G's input for n images: z ~ N(0, I), (n, latent)."""
        return torch.randn(n, self.latent, generator=generator)

    def fixed_noise(self, n: int) -> torch.Tensor:
        """The same input every time: comparable grids across epochs and checkpoints."""
        return self.noise(n, torch_generator(FIXED_NOISE_SEED))

    def generate(self, z: torch.Tensor) -> torch.Tensor:
        """G(z): (B, latent) -> (B, 64) images in [0, 1]."""
        return self.generator(z)

    @torch.inference_mode()
    def sample(self, n: int, seed: Seed = 0) -> np.ndarray:
        """n images G(z), z drawn from a seeded generator: (n, 64) in [0, 1]."""
        return self.generate(self.noise(n, torch_generator(seed))).numpy()

    def noise_of(self, seed: int) -> np.ndarray:
        """The input behind sample(1, seed): (latent,), e.g. an end of a latent walk."""
        return self.noise(1, torch_generator(seed))[0].numpy()

    @torch.inference_mode()
    def generate_numpy(self, latent: np.ndarray) -> np.ndarray:
        """G of given inputs (B, latent) as numpy images (B, 64) in [0, 1]."""
        return self.generate(torch.as_tensor(np.asarray(latent), dtype=torch.float32)).numpy()

    def configure_optimizers(self, config) -> dict[str, torch.optim.Optimizer]:
        return {"D": adam(self.discriminator.parameters(), config), "G": adam(self.generator.parameters(), config)}

    def discriminator_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        """-[log D(x) + log(1 - D(G(z)))], as binary cross-entropy on logits (stable)."""
        real_logits, fake_logits = self.discriminator(real), self.discriminator(fake)
        return (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
                + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))

    def generator_loss(self, fake: torch.Tensor) -> torch.Tensor:
        """Non-saturating: -log D(G(z)) instead of log(1 - D(G(z)))."""
        fake_logits = self.discriminator(fake)
        return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))

    def update_discriminator(self, real: torch.Tensor, fake: torch.Tensor, latent: torch.Tensor,
                             optimizer) -> dict[str, torch.Tensor]:
        # (1) Update D network: maximize log D(x) + log(1 - D(G(z))).
        # fake.detach(): this phase must not send gradients into G.
        optimizer.zero_grad()
        loss_d = self.discriminator_loss(real, fake.detach())
        loss_d.backward()
        optimizer.step()
        return {"loss_d": loss_d}

    def update_generator(self, fake: torch.Tensor, latent: torch.Tensor, optimizer) -> dict[str, torch.Tensor]:
        # (2) Update G network: maximize log D(G(z)).
        optimizer.zero_grad()
        loss_g = self.generator_loss(fake)
        loss_g.backward()
        optimizer.step()
        return {"loss_g": loss_g}

    def train_step(self, real: torch.Tensor, optimizers: dict) -> dict[str, torch.Tensor]:
        """One round of the game on a real batch (B, 64); the loop seeds the global RNG."""
        latent = self.noise(len(real))  # (B, latent): G's input
        fake = self.generate(latent)  # (B, 64)
        return {**self.update_discriminator(real, fake, latent, optimizers["D"]),
                **self.update_generator(fake, latent, optimizers["G"])}

    def loss(self, real: torch.Tensor) -> dict[str, torch.Tensor]:
        """Validation terms on real images: both players' losses against fixed-noise fakes."""
        fake = self.generate(self.fixed_noise(len(real)))
        loss_d, loss_g = self.discriminator_loss(real, fake), self.generator_loss(fake)
        return {"loss": loss_d + loss_g, "loss_d": loss_d, "loss_g": loss_g}


def interpolate(z_0: np.ndarray, z_1: np.ndarray, steps: int, spherical: bool = True) -> np.ndarray:
    """`steps` points from z_0 to z_1, (steps, latent). Linear: (1 - t) z_0 + t z_1, whose
    middle points have a smaller norm than typical Gaussian noise; spherical (slerp) [2]:

        slerp(z_0, z_1; t) = sin((1 - t) Omega) / sin(Omega) z_0 + sin(t Omega) / sin(Omega) z_1,

    with Omega the angle between z_0 and z_1, keeps the walk where the noise lives."""
    z_0, z_1 = np.asarray(z_0, dtype=np.float64), np.asarray(z_1, dtype=np.float64)
    t = np.linspace(0, 1, steps)[:, None]  # (steps, 1)
    cos_omega = z_0 @ z_1 / (np.linalg.norm(z_0) * np.linalg.norm(z_1))
    omega = np.arccos(np.clip(cos_omega, -1, 1))
    if not spherical or np.sin(omega) < 1e-6:  # (anti)parallel ends: slerp is undefined, fall back to the line
        return ((1 - t) * z_0 + t * z_1).astype(np.float32)
    return ((np.sin((1 - t) * omega) * z_0 + np.sin(t * omega) * z_1) / np.sin(omega)).astype(np.float32)


# ----------------------------------------------------------------------------
# MLP GAN


@dataclass(frozen=True)
class MLPGANConfig:
    num_pixels: int = 64
    noise: int = 32
    hidden: int = 256


class MLPGAN(GAN):
    """Both players are two-hidden-layer perceptrons on the flat pixels [1]."""

    def __init__(self, config: MLPGANConfig):
        super().__init__()
        self.config = config
        self.latent = config.noise
        n, h = config.num_pixels, config.hidden
        self.generator = nn.Sequential(
            nn.Linear(config.noise, h), nn.ReLU(),  # state size h
            nn.Linear(h, h), nn.ReLU(),  # state size h
            nn.Linear(h, n), nn.Sigmoid(),  # state size 64, in [0, 1]
        )
        self.discriminator = nn.Sequential(
            nn.Linear(n, h), nn.LeakyReLU(0.2),  # state size h
            nn.Linear(h, h), nn.LeakyReLU(0.2),  # state size h
            nn.Linear(h, 1), nn.Flatten(0),  # state size 1: the logit of "real"
        )


# ----------------------------------------------------------------------------
# DCGAN


@dataclass(frozen=True)
class DCGANConfig:
    side: int = 8
    noise: int = 32
    ngf: int = 32  # generator feature maps (the example's ngf)
    ndf: int = 32  # discriminator feature maps (ndf)


def dcgan_generator(latent: int, ngf: int) -> nn.Sequential:
    """z -> 2x2 -> 4x4 -> 8x8 by transposed convolutions, batch norm and ReLU [2]."""
    return nn.Sequential(
        nn.Unflatten(1, (latent, 1, 1)),  # state size latent x 1 x 1
        nn.ConvTranspose2d(latent, ngf * 4, 2, 1, 0, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(),
        # state size (ngf*4) x 2 x 2
        nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(),
        # state size (ngf*2) x 4 x 4
        nn.ConvTranspose2d(ngf * 2, 1, 4, 2, 1), nn.Sigmoid(),  # the paper's tanh, for images in [0, 1]
        # state size 1 x 8 x 8
        nn.Flatten(),  # state size 64
    )


def dcgan_body(side: int, ndf: int) -> nn.Sequential:
    """8x8 -> 4x4 -> 2x2 by strided convolutions and LeakyReLU, batch norm after the first [2]."""
    return nn.Sequential(
        nn.Unflatten(1, (1, side, side)),  # state size 1 x 8 x 8
        nn.Conv2d(1, ndf, 4, 2, 1), nn.LeakyReLU(0.2),
        # state size ndf x 4 x 4
        nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2),
        # state size (ndf*2) x 2 x 2
        nn.Flatten(),  # state size ndf*2*2*2
    )


class DCGAN(GAN):
    """Convolutional players [2]: G upsamples with transposed convolutions, D downsamples with strided ones."""

    def __init__(self, config: DCGANConfig):
        super().__init__()
        self.config = config
        self.latent = config.noise
        self.generator = dcgan_generator(config.noise, config.ngf)
        self.discriminator = nn.Sequential(
            dcgan_body(config.side, config.ndf),
            nn.Linear(config.ndf * 2 * 2 * 2, 1), nn.Flatten(0),  # state size 1: the logit of "real"
        )


# ----------------------------------------------------------------------------
# InfoGAN


@dataclass(frozen=True)
class InfoGANConfig:
    side: int = 8
    noise: int = 16  # incompressible noise z
    categories: int = 10  # one categorical code c_1 ~ Cat(1/10, ..., 1/10)
    continuous: int = 2  # continuous codes c_2, c_3 ~ U(-1, 1)
    ngf: int = 32
    ndf: int = 32
    info_weight: float = 1.0  # lambda of the categorical code
    continuous_weight: float = 0.1  # lambda of the continuous codes (the paper uses less than 1 too)


class InfoGAN(GAN):
    """DCGAN players whose generator input is (z, c); a head Q on D's body reads c back [3]."""

    def __init__(self, config: InfoGANConfig):
        super().__init__()
        self.config = config
        self.latent = config.noise + config.categories + config.continuous
        self.generator = dcgan_generator(self.latent, config.ngf)
        width = config.ndf * 2 * 2 * 2
        self.body = dcgan_body(config.side, config.ndf)  # shared by D and Q
        self.d_head = nn.Linear(width, 1)  # logit of "real"
        self.q_head = nn.Sequential(  # Q(c | x): logits of c_1, means of c_2, c_3 (unit variance)
            nn.Linear(width, 128), nn.LeakyReLU(0.2), nn.Linear(128, config.categories + config.continuous))

    def discriminator(self, images: torch.Tensor) -> torch.Tensor:
        return self.d_head(self.body(images)).flatten()  # (B,)

    def q(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Q's guess of the codes behind images: categorical logits (B, 10), continuous means (B, 2)."""
        out = self.q_head(self.body(images))
        return out[:, : self.config.categories], out[:, self.config.categories :]

    def codes(self, n: int, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """c ~ p(c): the category (n,) uniform over 10, the continuous codes (n, 2) uniform on [-1, 1]."""
        category = torch.randint(self.config.categories, (n,), generator=generator)
        continuous = 2 * torch.rand(n, self.config.continuous, generator=generator) - 1
        return category, continuous

    def latent_input(self, z: torch.Tensor, category: torch.Tensor, continuous: torch.Tensor) -> torch.Tensor:
        """G's input (z, one-hot c_1, c_2, c_3): (n, noise + 10 + 2)."""
        one_hot = F.one_hot(category, self.config.categories).float()
        return torch.cat([z, one_hot, continuous], dim=1)

    def noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """The full input of G: z ~ N(0, I) and codes c ~ p(c)."""
        z = torch.randn(n, self.config.noise, generator=generator)
        return self.latent_input(z, *self.codes(n, generator))

    def split_input(self, latent: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The codes inside G's input: the category (B,) and the continuous codes (B, 2)."""
        start = self.config.noise
        return (latent[:, start : start + self.config.categories].argmax(dim=1),
                latent[:, start + self.config.categories :])

    def info_terms(self, images: torch.Tensor, latent: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The categorical and continuous parts of -L_I, up to H(c), on images made from `latent`:
        cross-entropy -log Q(c_1 | x), and the Gaussian -log Q(c_2, c_3 | x) up to a constant."""
        category, continuous = self.split_input(latent)
        logits, means = self.q(images)
        return F.cross_entropy(logits, category), 0.5 * ((means - continuous) ** 2).sum(dim=1).mean()

    def info_loss(self, images: torch.Tensor, latent: torch.Tensor) -> torch.Tensor:
        categorical, continuous = self.info_terms(images, latent)
        return self.config.info_weight * categorical + self.config.continuous_weight * continuous

    def configure_optimizers(self, config) -> dict[str, torch.optim.Optimizer]:
        player_d = [*self.body.parameters(), *self.d_head.parameters(), *self.q_head.parameters()]
        return {"D": adam(player_d, config), "G": adam(self.generator.parameters(), config)}

    def update_discriminator(self, real, fake, latent, optimizer) -> dict[str, torch.Tensor]:
        # (1) Update D and Q: maximize log D(x) + log(1 - D(G(z, c))), and L_I on the fakes.
        # fake.detach(): this phase must not send gradients into G.
        optimizer.zero_grad()
        loss_d = self.discriminator_loss(real, fake.detach())
        info_d = self.info_loss(fake.detach(), latent)
        (loss_d + info_d).backward()
        optimizer.step()
        return {"loss_d": loss_d, "info_d": info_d}

    def update_generator(self, fake, latent, optimizer) -> dict[str, torch.Tensor]:
        # (2) Update G: maximize log D(G(z, c)) and L_I, so that c stays readable from G's images.
        optimizer.zero_grad()
        loss_g = self.generator_loss(fake)
        info_g = self.info_loss(fake, latent)
        (loss_g + info_g).backward()
        optimizer.step()
        return {"loss_g": loss_g, "info_g": info_g}

    def mutual_information_bound(self, images: torch.Tensor, latent: torch.Tensor) -> torch.Tensor:
        """L_I of the categorical code = H(c) - E[-log Q(c_1 | x)] <= H(c) = ln 10 (nats)."""
        categorical, _ = self.info_terms(images, latent)
        return math.log(self.config.categories) - categorical

    @torch.inference_mode()
    def generate_codes(self, category: np.ndarray, continuous: np.ndarray, seed: Seed = 0) -> np.ndarray:
        """Images for chosen codes: categories (n,) and continuous codes (n, 2), z drawn from a
        seeded generator; (n, 64) in [0, 1]."""
        z = torch.randn(len(category), self.config.noise, generator=torch_generator(seed))
        latent = self.latent_input(z, torch.as_tensor(np.asarray(category), dtype=torch.long),
                                   torch.as_tensor(np.asarray(continuous), dtype=torch.float32))
        return self.generate(latent).numpy()

    def code_grid(self, values: np.ndarray, sweep_index: int = 0, seed: Seed = 0) -> np.ndarray:
        """One row per categorical code, one column per value of continuous code `sweep_index`
        (the other continuous code 0), all from the same z: (10 * len(values), 64), row by row."""
        k, m = self.config.categories, len(values)
        category = np.repeat(np.arange(k), m)  # (k * m,)
        continuous = np.zeros((k * m, self.config.continuous), dtype=np.float32)
        continuous[:, sweep_index] = np.tile(values, k)
        z = torch.randn(1, self.config.noise, generator=torch_generator(seed)).expand(k * m, -1)  # one z for all
        with torch.inference_mode():
            latent = self.latent_input(z, torch.as_tensor(category), torch.as_tensor(continuous))
            return self.generate(latent).numpy()

    def code_probs(self, images: torch.Tensor) -> torch.Tensor:
        """Q(c_1 | x) of any images, e.g. real digits: (B, 10)."""
        return F.softmax(self.q(images)[0], dim=1)

    def loss(self, real: torch.Tensor) -> dict[str, torch.Tensor]:
        """Validation terms: the players' losses, L_I on fixed-noise fakes, and Î(c_1; x) on
        the real images: how confidently and evenly Q sorts real digits into the 10 codes,
        H(E_x Q(c_1|x)) - E_x H(Q(c_1|x)), a label-free score of the clustering."""
        latent = self.fixed_noise(len(real))
        fake = self.generate(latent)
        loss_d, loss_g = self.discriminator_loss(real, fake), self.generator_loss(fake)
        q_real = self.code_probs(real)  # (B, 10)
        return {"loss": loss_d + loss_g, "loss_d": loss_d, "loss_g": loss_g,
                "info_bound": self.mutual_information_bound(fake, latent), "code_mi": code_mutual_information(q_real)}


def code_mutual_information(probs: torch.Tensor) -> torch.Tensor:
    """Î(c; x) = H(mean_x q(c|x)) - mean_x H(q(c|x)) of code probabilities (B, K), in nats."""
    entropy = lambda p: -(p * torch.log(p.clamp_min(1e-12))).sum(dim=-1)
    return entropy(probs.mean(dim=0)) - entropy(probs).mean()
