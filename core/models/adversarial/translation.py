"""Image-to-image translation without pairs: CycleGAN and StarGAN.

CycleGAN [1] learns two maps between unpaired domains A and B, G: A -> B and F: B -> A,
each with a discriminator (D_B judges G's images, D_A judges F's). The least-squares
adversarial loss of the paper,

    L_GAN(G, D_B) = E_b[(D_B(b) - 1)^2] + E_a[D_B(G(a))^2]     (D minimizes; G minimizes E_a[(D_B(G(a)) - 1)^2]),

only asks G(a) to look like some b: any b. The cycle-consistency loss asks that the way
back recovers the input, so the translation must keep what the image was:

    L_cyc(G, F) = E_a ||F(G(a)) - a||_1 + E_b ||G(F(b)) - b||_1,
    L = L_GAN(G, D_B) + L_GAN(F, D_A) + lambda L_cyc + 0.5 lambda L_identity,   (two GANs, tied by the cycle)
    L_identity(G, F) = E_b ||G(b) - b||_1 + E_a ||F(a) - a||_1.

StarGAN [2] serves k domains with one generator G(x, c) that takes the target domain c as
extra input channels (one-hot maps), and one discriminator with two heads: D_src (real or
fake) and D_cls (which domain). With the target c and the input's own domain c',

    L_D = L_adv + lambda_cls E_{x,c'}[-log D_cls(c' | x)],
    L_G = L_adv + lambda_cls E_{x,c}[-log D_cls(c | G(x, c))] + lambda_rec E ||G(G(x, c), c') - x||_1.

The paper's adversarial loss is WGAN-GP; here it is the least-squares loss of CycleGAN, which
is stable at this size and needs no gradient penalty (one more backward pass per step).
Where CycleGAN would need k(k - 1) generators for k domains (one per ordered pair), StarGAN
needs one, whose size grows only through the k input channels of its first layer.

At 8x8 both generators are the paper's ResNet generator kept at full resolution; CycleGAN's
also adds its input back (G(x) = x + a learned edit): without that, G and F settled on a
permutation of the digits, which is cycle-consistent too.

Images are flat (B, 64) gray levels in [0, 1]. Training uses the shared loop of
core/training.py: a CycleGAN row is (64 pixels of A, 64 pixels of B), unpaired, packed as
(B, 128); a StarGAN row is (64 pixels, domain index), (B, 65).

[1] Zhu et al., Unpaired Image-to-Image Translation using Cycle-Consistent Adversarial
    Networks, ICCV 2017.
[2] Choi et al., StarGAN: Unified Generative Adversarial Networks for Multi-Domain
    Image-to-Image Translation, CVPR 2018.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from core.models.neural import AdversarialModel, adam, as_float_tensor

PIXELS = 64


def least_squares_d(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """D's least-squares loss [1]: real patches -> 1, fake patches -> 0 (halved as in the paper)."""
    return 0.5 * (((real_scores - 1) ** 2).mean() + (fake_scores**2).mean())


def least_squares_g(fake_scores: torch.Tensor) -> torch.Tensor:
    """G's least-squares loss: its images' patches -> 1."""
    return ((fake_scores - 1) ** 2).mean()


# ----------------------------------------------------------------------------
# The players, scaled to 8x8: an encoder-residual-decoder generator and a patch discriminator


class ResidualBlock(nn.Module):
    """x + conv(relu(norm(conv(x)))): the generator's transformation layers [1]."""

    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1), nn.InstanceNorm2d(channels, affine=True), nn.ReLU(),
            nn.Conv2d(channels, channels, 3, padding=1), nn.InstanceNorm2d(channels, affine=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


def translator(in_channels: int, ngf: int, blocks: int, first_norm: bool = True) -> nn.Sequential:
    """(B, in_channels, 8, 8) -> (B, 64) in [0, 1]: the paper's ResNet generator [1] kept at full
    resolution. Its down-sampling to 4x4 is left out: through a bottleneck that sees the whole
    image, G learned to map each digit to some other digit (a permutation the cycle cannot see);
    local 3x3 convolutions at 8x8 make redrawing the strokes the easy way. StarGAN's generator has
    no instance norm on the first layer (first_norm=False): its domain maps are constant over the
    image, so they add a constant to each channel there, which a normalization over the image
    would subtract again."""
    return nn.Sequential(
        nn.Conv2d(in_channels, ngf, 3, padding=1), *([nn.InstanceNorm2d(ngf, affine=True)] if first_norm else []), nn.ReLU(),
        # state size ngf x 8 x 8
        *[ResidualBlock(ngf) for _ in range(blocks)],
        # state size ngf x 8 x 8
        nn.Conv2d(ngf, 1, 3, padding=1), nn.Sigmoid(),  # the paper's tanh, for images in [0, 1]
        # state size 1 x 8 x 8
        nn.Flatten(),  # state size 64
    )


def patch_body(ndf: int) -> nn.Sequential:
    """(B, 64) -> (B, 2*ndf, 2, 2): strided convolutions and LeakyReLU, a PatchGAN [1] at 8x8."""
    return nn.Sequential(
        nn.Unflatten(1, (1, 8, 8)),  # state size 1 x 8 x 8
        nn.Conv2d(1, ndf, 4, 2, 1), nn.LeakyReLU(0.2),
        # state size ndf x 4 x 4
        nn.Conv2d(ndf, 2 * ndf, 4, 2, 1), nn.InstanceNorm2d(2 * ndf, affine=True), nn.LeakyReLU(0.2),
        # state size (2*ndf) x 2 x 2
    )


def patch_discriminator(ndf: int) -> nn.Sequential:
    """(B, 64) -> (B, 4): one real/fake score per overlapping 6x6 patch (2 x 2 of them)."""
    return nn.Sequential(patch_body(ndf), nn.Conv2d(2 * ndf, 1, 3, padding=1), nn.Flatten())  # state size 1 x 2 x 2


# ----------------------------------------------------------------------------
# CycleGAN


@dataclass(frozen=True)
class CycleGANConfig:
    cycle_weight: float = 10.0  # lambda of L_cyc (the paper's 10); 0 leaves two independent GANs
    ngf: int = 32  # generator feature maps at 8x8
    ndf: int = 32  # discriminator feature maps at 4x4
    blocks: int = 2  # residual blocks at 8x8
    identity_weight: float = 0.0  # weight of L_identity as a share of lambda (the paper uses 0.5 lambda)


class CycleGAN(AdversarialModel):
    """G: A -> B and F: B -> A, with D_B judging G's images and D_A judging F's [1].

    The identity loss of [1] (weighted 0.5 lambda there, as here) asks each map to leave an image
    of its own target domain alone, so it changes only what makes the other domain. Tied to
    lambda, it is off at lambda = 0 with the cycle term: that checkpoint is two plain GANs."""

    def __init__(self, config: CycleGANConfig):
        super().__init__()
        self.config = config
        self.G = translator(1, config.ngf, config.blocks)  # A (handwritten) -> B (printed)
        self.F = translator(1, config.ngf, config.blocks)  # B -> A
        self.D_A, self.D_B = patch_discriminator(config.ndf), patch_discriminator(config.ndf)

    @staticmethod
    def split(rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """A row of the loop (B, 128) -> an image of A (B, 64) and an unrelated image of B (B, 64)."""
        return rows[:, :PIXELS], rows[:, PIXELS:]

    @staticmethod
    def redraw(net: nn.Module, x: torch.Tensor) -> torch.Tensor:
        """x plus a change in (-1, 1) that the net computes (2 sigmoid - 1), kept in [0, 1]: a residual
        connection around the whole generator, so G starts as the identity and learns an edit. Without
        it G and F found a permutation of the digits (1 -> 0, 4 -> 2, ...), which the cycle cannot see."""
        return (x + 2 * net(x.view(-1, 1, 8, 8)) - 1).clamp(0, 1)  # (B, 64)

    def g(self, a: torch.Tensor) -> torch.Tensor:
        return self.redraw(self.G, a)

    def f(self, b: torch.Tensor) -> torch.Tensor:
        return self.redraw(self.F, b)

    def cycle_loss(self, a, b, fake_b, fake_a) -> torch.Tensor:
        """L_cyc = ||F(G(a)) - a||_1 + ||G(F(b)) - b||_1, each the mean absolute error per pixel."""
        return (self.f(fake_b) - a).abs().mean() + (self.g(fake_a) - b).abs().mean()

    def identity_loss(self, a, b) -> torch.Tensor:
        """L_identity = ||G(b) - b||_1 + ||F(a) - a||_1: an image already in the target domain should
        pass unchanged, so each map changes only what makes the other domain [1]."""
        return (self.g(b) - b).abs().mean() + (self.f(a) - a).abs().mean()

    def configure_optimizers(self, config) -> dict[str, torch.optim.Optimizer]:
        return {"D": adam([*self.D_A.parameters(), *self.D_B.parameters()], config),
                "G": adam([*self.G.parameters(), *self.F.parameters()], config)}

    def train_step(self, rows: torch.Tensor, optimizers: dict) -> dict[str, torch.Tensor]:
        """One round on a batch of unpaired rows (B, 128)."""
        a, b = self.split(rows)
        fake_b, fake_a = self.g(a), self.f(b)  # (B, 64) each

        # (1) Update D_A and D_B: real images -> 1, translated images -> 0 (least squares).
        # fake.detach(): this phase must not send gradients into G or F.
        optimizers["D"].zero_grad()
        loss_d_a = least_squares_d(self.D_A(a), self.D_A(fake_a.detach()))
        loss_d_b = least_squares_d(self.D_B(b), self.D_B(fake_b.detach()))
        (loss_d_a + loss_d_b).backward()
        optimizers["D"].step()

        # (2) Update G and F: fool both discriminators, and come back where they started (lambda L_cyc).
        optimizers["G"].zero_grad()
        loss_g = least_squares_g(self.D_B(fake_b)) + least_squares_g(self.D_A(fake_a))
        terms = {"loss_g": loss_g}
        loss = loss_g
        if self.config.cycle_weight > 0:  # lambda = 0: no cycle term at all (two independent GANs)
            cycle = self.cycle_loss(a, b, fake_b, fake_a)
            loss = loss + self.config.cycle_weight * cycle
            terms["cycle"] = cycle
        if self.config.identity_weight > 0:  # L_identity = ||G(b) - b||_1 + ||F(a) - a||_1, weighted 0.5 lambda in [1]
            identity = self.identity_loss(a, b)
            loss = loss + self.config.identity_weight * self.config.cycle_weight * identity
            terms["identity"] = identity
        loss.backward()
        optimizers["G"].step()
        return {"loss_d": loss_d_a + loss_d_b, **terms}

    def loss(self, rows: torch.Tensor) -> dict[str, torch.Tensor]:
        """Validation terms: both players' losses and the cycle error (reported whatever lambda is)."""
        a, b = self.split(rows)
        fake_b, fake_a = self.g(a), self.f(b)
        loss_d = (least_squares_d(self.D_A(a), self.D_A(fake_a)) + least_squares_d(self.D_B(b), self.D_B(fake_b)))
        loss_g = least_squares_g(self.D_B(fake_b)) + least_squares_g(self.D_A(fake_a))
        cycle = self.cycle_loss(a, b, fake_b, fake_a)
        return {"loss": loss_g + self.config.cycle_weight * cycle, "loss_d": loss_d, "loss_g": loss_g, "cycle": cycle}

    @torch.inference_mode()
    def translate_ab(self, images) -> np.ndarray:
        """G(x): handwritten (B, 64) in [0, 1] -> printed (B, 64)."""
        return self.g(as_float_tensor(images)).numpy()

    @torch.inference_mode()
    def translate_ba(self, images) -> np.ndarray:
        """F(y): printed (B, 64) -> handwritten (B, 64)."""
        return self.f(as_float_tensor(images)).numpy()

    @torch.inference_mode()
    def cycle_a(self, images) -> tuple[np.ndarray, np.ndarray]:
        """(G(x), F(G(x))): the translation of handwritten digits and the way back, (B, 64) each."""
        fake_b = self.g(as_float_tensor(images))
        return fake_b.numpy(), self.f(fake_b).numpy()


# ----------------------------------------------------------------------------
# StarGAN


@dataclass(frozen=True)
class StarGANConfig:
    domains: int = 5  # len(core.data.domains.DOMAINS)
    ngf: int = 32
    ndf: int = 32
    blocks: int = 2
    cls_weight: float = 1.0  # lambda_cls (the paper's 1)
    rec_weight: float = 10.0  # lambda_rec (the paper's 10)


class StarGAN(AdversarialModel):
    """One generator G(x, c) for every target domain c; D with a real/fake head and a domain head [2]."""

    def __init__(self, config: StarGANConfig):
        super().__init__()
        self.config = config
        self.generator = translator(1 + config.domains, config.ngf, config.blocks, first_norm=False)
        self.body = patch_body(config.ndf)  # shared by both heads of D
        self.src_head = nn.Sequential(nn.Conv2d(2 * config.ndf, 1, 3, padding=1), nn.Flatten())  # (B, 4) patch scores
        self.cls_head = nn.Sequential(nn.Flatten(), nn.Linear(2 * config.ndf * 2 * 2, config.domains))  # (B, k) logits

    def G(self, images: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """G(x, c): images (B, 64) and target domains (B,) -> (B, 64). c enters as k constant
        8x8 maps, the one-hot code of the target, stacked on the image."""
        code = F.one_hot(target, self.config.domains).float()  # (B, k)
        maps = code[:, :, None, None].expand(-1, -1, 8, 8)  # (B, k, 8, 8)
        return self.generator(torch.cat([images.view(-1, 1, 8, 8), maps], dim=1))

    def D(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(D_src patch scores (B, 4), D_cls domain logits (B, k))."""
        features = self.body(images)
        return self.src_head(features), self.cls_head(features)

    @staticmethod
    def split(rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """A row of the loop (B, 65) -> images (B, 64) and their domains (B,)."""
        return rows[:, :PIXELS], rows[:, PIXELS].long()

    def random_targets(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return torch.randint(self.config.domains, (n,), generator=generator)

    def configure_optimizers(self, config) -> dict[str, torch.optim.Optimizer]:
        return {"D": adam([*self.body.parameters(), *self.src_head.parameters(), *self.cls_head.parameters()], config),
                "G": adam(self.generator.parameters(), config)}

    def train_step(self, rows: torch.Tensor, optimizers: dict) -> dict[str, torch.Tensor]:
        """One round on a batch (B, 65); target domains drawn from the global RNG the loop seeds."""
        x, source = self.split(rows)
        target = self.random_targets(len(x))
        fake = self.G(x, target)  # (B, 64)
        c = self.config

        # (1) Update D: real -> 1, fake -> 0 (least squares), and classify real images by their domain.
        # fake.detach(): this phase must not send gradients into G.
        optimizers["D"].zero_grad()
        real_src, real_cls = self.D(x)
        fake_src, _ = self.D(fake.detach())
        loss_d = least_squares_d(real_src, fake_src)
        cls_d = F.cross_entropy(real_cls, source)
        (loss_d + c.cls_weight * cls_d).backward()
        optimizers["D"].step()

        # (2) Update G: fool D, be classified as the target domain, and return to x from G(x, c).
        optimizers["G"].zero_grad()
        fake_src, fake_cls = self.D(fake)
        loss_g = least_squares_g(fake_src)
        cls_g = F.cross_entropy(fake_cls, target)
        rec = (self.G(fake, source) - x).abs().mean()
        (loss_g + c.cls_weight * cls_g + c.rec_weight * rec).backward()
        optimizers["G"].step()
        return {"loss_d": loss_d, "cls_d": cls_d, "loss_g": loss_g, "cls_g": cls_g, "rec": rec}

    def loss(self, rows: torch.Tensor) -> dict[str, torch.Tensor]:
        """Validation terms, every row sent to the next domain (c' + 1 mod k): deterministic."""
        x, source = self.split(rows)
        target = (source + 1) % self.config.domains
        fake = self.G(x, target)
        real_src, real_cls = self.D(x)
        fake_src, fake_cls = self.D(fake)
        rec = (self.G(fake, source) - x).abs().mean()
        loss_g, cls_g = least_squares_g(fake_src), F.cross_entropy(fake_cls, target)
        return {"loss": loss_g + self.config.cls_weight * cls_g + self.config.rec_weight * rec,
                "loss_d": least_squares_d(real_src, fake_src), "cls_d": F.cross_entropy(real_cls, source),
                "loss_g": loss_g, "cls_g": cls_g, "rec": rec}

    @torch.inference_mode()
    def translate(self, images, target: int | np.ndarray) -> np.ndarray:
        """G(x, c): images (B, 64) in [0, 1] to target domain(s) (one index, or (B,) indices of
        core.data.domains.DOMAINS) -> (B, 64)."""
        x = as_float_tensor(images)
        target = torch.as_tensor(np.broadcast_to(np.asarray(target, dtype=np.int64), (len(x),)).copy())
        return self.G(x, target).numpy()


# ----------------------------------------------------------------------------
# One generator for k domains, or one per ordered pair


def generator_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def stargan_generator_params(k, config: StarGANConfig = StarGANConfig()) -> int | np.ndarray:
    """Parameters of the one StarGAN generator built for k domains (the module built and counted).
    k may be an int or an array of ints."""
    if np.ndim(k):
        return np.array([stargan_generator_params(int(one), config) for one in np.ravel(k)]).reshape(np.shape(k))
    return generator_params(translator(1 + int(k), config.ngf, config.blocks, first_norm=False))


def cyclegan_generators_params(k, config: CycleGANConfig = CycleGANConfig()) -> int | np.ndarray:
    """k(k - 1) CycleGAN generators, one per ordered pair of domains, times the parameters of one."""
    k = np.asarray(k)
    total = k * (k - 1) * generator_params(translator(1, config.ngf, config.blocks))
    return int(total) if total.ndim == 0 else total
