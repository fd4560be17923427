"""Progressive GAN: grow both players from 4x4 to 16x16, fading every new block in [1].

A discriminator that sees a whole high-resolution image at once can tell fakes apart by any
detail, and the generator gets weak, confusing gradients. Karras et al. [1] start both players
at a tiny resolution, where only the coarse shape matters, and add a block to each (an
upsampling block to G, the mirrored downsampling block to D) once the current resolution is
learned: 4x4 -> 8x8 -> ... -> 1024x1024 in the paper, 4x4 -> 8x8 -> 16x16 here.

A new block at resolution r is faded in. With h_{r/2} the features of G at r/2 and
"up" nearest-neighbour upsampling by 2,

    G_alpha(z) = (1 - alpha) up(toImage_{r/2}(h_{r/2})) + alpha toImage_r(block_r(up(h_{r/2}))),

alpha rising linearly from 0 to 1 over the fade phase; D reads its input the mirrored way
("down" = 2x2 average pooling),

    D_alpha(x) = D_{r/2}((1 - alpha) fromImage_{r/2}(down(x)) + alpha block_r(fromImage_r(x))).

The real images are shown at the current resolution, x_r = down(x), and during a fade they
are blended the same way, (1 - alpha) up(down(x_r)) + alpha x_r, so that D cannot tell real
from fake by the detail the half-trained new block has not learned yet.

The game is the non-saturating GAN of core/models/adversarial/gan.py, with its two phases of a step;
at 16x16 the paper's WGAN-GP loss is not needed. Also from [1]: pixelwise feature
normalization in G, the minibatch standard deviation as an extra feature map of D, and
Polyak averaging of G's weights (core/recipes/progan.py trains). Left out: the equalized
learning rate (with so few weights, Adam's per-weight step size does most of its job).
Images are flat (B, r*r) gray levels / 16 in [0, 1], r in RESOLUTIONS.

[1] Karras et al., Progressive Growing of GANs for Improved Quality, Stability, and
    Variation, ICLR 2018.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from core.models.adversarial.gan import GAN
from core.models.neural import adam, free_parameters, torch_generator

RESOLUTIONS = (4, 8, 16)  # the side of the images at each stage; every stage doubles it
SLOPE = 0.2  # LeakyReLU slope of both players, as in [1]
EPSILON = 1e-8  # keeps the square roots of pixel norm and minibatch std away from 0, as in [1]


# ----------------------------------------------------------------------------
# Resolutions and the fade-in


def side_of(images: torch.Tensor) -> int:
    return math.isqrt(images.shape[-1])


def downsample(images: torch.Tensor, side: int) -> torch.Tensor:
    """Average pooling of flat square images (B, s*s) -> (B, side*side): each new pixel is the
    mean of an (s/side) x (s/side) block, as [1] shrinks the real images for the early stages."""
    s = side_of(images)
    return F.avg_pool2d(images.view(-1, 1, s, s), s // side).flatten(1)


def upsample(images: torch.Tensor, side: int) -> torch.Tensor:
    """Nearest-neighbour upsampling of flat square images (B, s*s) -> (B, side*side): each pixel
    becomes a block, the "up" of G's fade-in."""
    s = side_of(images)
    return F.interpolate(images.view(-1, 1, s, s), scale_factor=side // s, mode="nearest").flatten(1)


def fade(previous: torch.Tensor, new: torch.Tensor, alpha: float) -> torch.Tensor:
    """The fade-in of a new block, the same for G (on images) and D (on features):

        (1 - alpha) previous + alpha new,

    alpha = 0: only the path of the previous stage, alpha = 1: only the new block."""
    return (1 - alpha) * previous + alpha * new


# ----------------------------------------------------------------------------
# The players


@dataclass(frozen=True)
class ProGANConfig:
    noise: int = 32
    channels: tuple[int, int, int] = (64, 32, 16)  # feature maps at 4x4, 8x8, 16x16: fewer as maps grow [1]
    stages: tuple[int, ...] = RESOLUTIONS  # resolutions trained in turn; (16,) trains the final network directly
    fade_epochs: int = 20  # epochs of each fade-in (alpha 0 -> 1), from the second stage on
    stabilize_epochs: int = 40  # epochs of each stage at alpha = 1

    def phases(self) -> list[tuple[int, str, int]]:
        """The schedule, (resolution, "fade" or "stabilize", epochs) in order."""
        fade_in = lambda stage: [(stage, "fade", self.fade_epochs)] if stage != self.stages[0] else []
        return [phase for r in self.stages for phase in fade_in(r) + [(r, "stabilize", self.stabilize_epochs)]]


class PixelNorm(nn.Module):
    """Each pixel's feature vector scaled to unit root mean square over channels [1]:
    b = a / sqrt(mean_c a_c^2 + eps). It stops G's feature magnitudes from escalating."""

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return h * torch.rsqrt(h.pow(2).mean(dim=1, keepdim=True) + EPSILON)


class MinibatchStd(nn.Module):
    """One extra feature map [1]: the standard deviation of every feature over the batch,
    averaged to one number. A batch of near-identical fakes (mode collapse) shows a small value."""

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        std = torch.sqrt(h.var(dim=0, unbiased=False) + EPSILON).mean()  # one number for the batch
        return torch.cat([h, std.expand(len(h), 1, *h.shape[2:])], dim=1)  # (B, C + 1, H, W)


def conv3x3(c_in: int, c_out: int) -> nn.Conv2d:
    return nn.Conv2d(c_in, c_out, 3, padding=1)


class Generator(nn.Module):
    """z -> 4x4 -> 8x8 -> 16x16: a first block, then upsample + two 3x3 convolutions per
    resolution, and a 1x1 toImage per resolution. It can stop at any resolution."""

    def __init__(self, config: ProGANConfig):
        super().__init__()
        c = config.channels
        self.first = nn.Sequential(  # the paper's 4x4 "conv" on a 1x1 input is this linear layer
            PixelNorm(),  # z normalized too [1]
            nn.Linear(config.noise, c[0] * 4 * 4), nn.Unflatten(1, (c[0], 4, 4)), nn.LeakyReLU(SLOPE), PixelNorm(),
            conv3x3(c[0], c[0]), nn.LeakyReLU(SLOPE), PixelNorm(),  # state size c[0] x 4 x 4
        )
        self.blocks = nn.ModuleList(  # block_r for r = 8, 16: state size c[k] x r x r
            nn.Sequential(
                nn.Upsample(scale_factor=2, mode="nearest"),  # state size c[k-1] x r x r
                conv3x3(c[k - 1], c[k]), nn.LeakyReLU(SLOPE), PixelNorm(),
                conv3x3(c[k], c[k]), nn.LeakyReLU(SLOPE), PixelNorm(),
            )
            for k in range(1, len(RESOLUTIONS))
        )
        self.to_image = nn.ModuleList(  # toImage_r: state size 1 x r x r, gray levels in [0, 1]
            nn.Sequential(nn.Conv2d(c[k], 1, 1), nn.Sigmoid(), nn.Flatten()) for k in range(len(RESOLUTIONS))
        )

    def parts(self, z: torch.Tensor, resolution: int) -> tuple[torch.Tensor | None, torch.Tensor]:
        """The two images the fade-in mixes at `resolution`, both (B, r*r): "previous",
        up(toImage_{r/2}(h_{r/2})) (None at the first resolution), and "new", toImage_r(h_r)."""
        k = RESOLUTIONS.index(resolution)
        h = self.first(z)  # state size c[0] x 4 x 4
        for block in self.blocks[: max(k - 1, 0)]:
            h = block(h)  # state size c[j] x 2^(j+2) x 2^(j+2), up to r/2
        if k == 0:
            return None, self.to_image[0](h)
        previous = upsample(self.to_image[k - 1](h), resolution)
        return previous, self.to_image[k](self.blocks[k - 1](h))

    def forward(self, z: torch.Tensor, resolution: int, alpha: float = 1.0) -> torch.Tensor:
        """G_alpha(z): (B, noise) -> (B, r*r) in [0, 1]."""
        previous, new = self.parts(z, resolution)
        return new if previous is None else fade(previous, new, alpha)


class Discriminator(nn.Module):
    """The mirror of G: a 1x1 fromImage per resolution, then 3x3 convolutions + 2x2 average
    pooling per resolution down to 4x4, where the minibatch std joins and a linear layer scores."""

    def __init__(self, config: ProGANConfig):
        super().__init__()
        c = config.channels
        self.from_image = nn.ModuleList(  # fromImage_r: state size c[k] x r x r
            nn.Sequential(nn.Conv2d(1, c[k], 1), nn.LeakyReLU(SLOPE)) for k in range(len(RESOLUTIONS))
        )
        self.blocks = nn.ModuleList(  # block_r for r = 8, 16: state size c[k-1] x r/2 x r/2
            nn.Sequential(
                conv3x3(c[k], c[k]), nn.LeakyReLU(SLOPE),  # state size c[k] x r x r
                conv3x3(c[k], c[k - 1]), nn.LeakyReLU(SLOPE),  # state size c[k-1] x r x r
                nn.AvgPool2d(2),
            )
            for k in range(1, len(RESOLUTIONS))
        )
        self.last = nn.Sequential(
            MinibatchStd(),  # state size (c[0] + 1) x 4 x 4
            conv3x3(c[0] + 1, c[0]), nn.LeakyReLU(SLOPE),  # state size c[0] x 4 x 4
            nn.Flatten(), nn.Linear(c[0] * 4 * 4, 1), nn.Flatten(0),  # state size 1: the logit of "real"
        )

    def forward(self, images: torch.Tensor, resolution: int, alpha: float = 1.0) -> torch.Tensor:
        """D_alpha(x): (B, r*r) -> (B,) logits."""
        k = RESOLUTIONS.index(resolution)
        x = images.view(-1, 1, resolution, resolution)
        h = self.from_image[k](x)  # state size c[k] x r x r
        if k > 0:
            previous = self.from_image[k - 1](F.avg_pool2d(x, 2))  # state size c[k-1] x r/2 x r/2
            h = fade(previous, self.blocks[k - 1](h), alpha)
        for block in reversed(self.blocks[: max(k - 1, 0)]):
            h = block(h)  # down to c[0] x 4 x 4
        return self.last(h)


# ----------------------------------------------------------------------------
# The growing GAN


class ProGAN(GAN):
    """The two players, the stage training is at, and a snapshot of the (averaged) generator
    at the end of each stage: samples at every stage exactly as they were when it ended."""

    def __init__(self, config: ProGANConfig):
        super().__init__()
        self.config = config
        self.latent = config.noise
        self.net_g, self.net_d = Generator(config), Discriminator(config)
        self.snapshots = nn.ModuleList(Generator(config) for _ in config.stages)  # filled by training
        # training seconds of each stage, set by fit_progan: a fact of the run, kept out of the
        # weights so that every rebuild writes the same file (the card keeps them)
        self.stage_seconds: list[float] | None = None
        self.resolution, self.alpha = config.stages[0], 1.0  # where training is; set by the training loop

    def set_stage(self, resolution: int, alpha: float = 1.0) -> None:
        self.resolution, self.alpha = resolution, alpha

    def generate(self, z: torch.Tensor) -> torch.Tensor:
        """G_alpha(z) at the current stage: (B, noise) -> (B, r*r)."""
        return self.net_g(z, self.resolution, self.alpha)

    def discriminator(self, images: torch.Tensor) -> torch.Tensor:
        """D_alpha(x) at the current stage: (B, r*r) -> (B,) logits."""
        return self.net_d(images, self.resolution, self.alpha)

    def configure_optimizers(self, config) -> dict[str, torch.optim.Optimizer]:
        return {"D": adam(self.net_d.parameters(), config), "G": adam(self.net_g.parameters(), config)}

    def real_at_stage(self, images: torch.Tensor) -> torch.Tensor:
        """Real images (B, 256) as D sees them now: x_r = down(x), during a fade
        (1 - alpha) up(down(x_r)) + alpha x_r, (B, r*r)."""
        r = self.resolution
        x = downsample(images, r)
        return x if r == RESOLUTIONS[0] else fade(upsample(downsample(x, r // 2), r), x, self.alpha)

    def train_step(self, images: torch.Tensor, optimizers: dict) -> dict[str, torch.Tensor]:
        """One round of the game (GAN.train_step: update D, then G) on 16x16 reals (B, 256)."""
        return super().train_step(self.real_at_stage(images), optimizers)

    def snapshot(self, resolution: int) -> Generator:
        if resolution not in self.config.stages:
            raise ValueError(f"this model was trained at {self.config.stages}, not at {resolution}x{resolution}")
        return self.snapshots[self.config.stages.index(resolution)]

    @torch.inference_mode()
    def parts(self, n: int, seed: int = 0, resolution: int = 16, alpha: float = 1.0) -> dict[str, np.ndarray]:
        """The fade-in at `resolution` with the generator as it ended that stage, each (n, r*r):
        "previous" (the upsampled lower-resolution image), "new" (the new block's image) and
        "blend", (1 - alpha) previous + alpha new. The first stage has nothing to fade."""
        if resolution == self.config.stages[0]:
            raise ValueError(f"{resolution}x{resolution} is the first stage: no block fades in")
        previous, new = self.snapshot(resolution).parts(self.noise(n, torch_generator(seed)), resolution)
        return {"previous": previous.numpy(), "new": new.numpy(), "blend": fade(previous, new, alpha).numpy()}

    @torch.inference_mode()
    def sample(self, n: int, seed: int = 0, resolution: int = 16, alpha: float = 1.0) -> np.ndarray:
        """n images G_alpha(z) of the stage `resolution`, (n, r*r) in [0, 1]. The same seed
        gives the same z at every resolution and alpha, so samples line up across stages."""
        return self.snapshot(resolution)(self.noise(n, torch_generator(seed)), resolution, alpha).numpy()

    def num_params(self) -> int:
        """The two players' weights (the snapshots are copies of G)."""
        return free_parameters(self.net_g) + free_parameters(self.net_d)
