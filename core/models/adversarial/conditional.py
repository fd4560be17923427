"""Conditional GANs on the 8x8 gray digits: Text2Image and Puzzle-GAN.

A conditional GAN gives both players the condition y [1]:

    min_G max_D  E_{x,y}[log D(x, y)] + E_{z,y}[log(1 - D(G(z, y), y))]

so G learns p(x | y), and D rejects images that do not fit their condition.

- Text2Image [2]: y is a sentence ("a thick seven", "굵은 칠"). A text encoder turns it into
  a vector t: the mean of learned word embeddings over its tokens (a bag of words,
  `nn.EmbeddingBag`). G(z, t) is the DCGAN generator fed (z, t); D(x, t) is a projection
  discriminator [3], D(x, t) = w^T phi(x) + b + t^T phi(x), with phi DCGAN's
  convolutional body. Each player has its own encoder. D is matching-aware as in GAN-INT-CLS [2]:
  a real image with a wrong caption counts as fake too,

      L_D = -log D(x, t) - 1/2 [log(1 - D(G(z, t), t)) + log(1 - D(x, t_wrong))],

  so D cannot ignore the text, and G must draw what the caption says. A prompt without any
  known word is an empty bag: its mean is the zero vector and t = the encoder's bias, a
  learned "no words" vector (10 % of the training captions drop the digit word, so it means "any digit").
- Puzzle-GAN [4]: y is a set of given 2x2 pieces of the image. G(x * m, m, z) completes
  the image, whose given pieces are pasted back, G_m(x) = m * x + (1 - m) * G(...).
  D sees (image, mask) as two channels (conditional, as in pix2pix [5]), and G also pays
  an L1 reconstruction term on the missing pixels (context encoders [6]), and a mode-seeking
  term [7] so that two noises z, z' give different completions (with L1 alone G ignores z):

      L_G = -log D(G_m(x), m) + lambda * ||(1 - m) * (G_m(x) - x)||_1 / #missing + mu / (spread + eps),
      spread = mean |G_m(x; z) - G_m(x; z')| over the missing pixels / mean |z - z'|.

[1] Mirza & Osindero, Conditional Generative Adversarial Nets, arXiv 2014.
[2] Reed et al., Generative Adversarial Text to Image Synthesis, ICML 2016.
[3] Miyato & Koyama, cGANs with Projection Discriminator, ICLR 2018.
[4] Lee et al., Unsupervised Holistic Image Generation from Key Local Patches, ECCV 2018.
[5] Isola et al., Image-to-Image Translation with Conditional Adversarial Networks, CVPR 2017.
[6] Pathak et al., Context Encoders: Feature Learning by Inpainting, CVPR 2016.
[7] Mao et al., Mode Seeking Generative Adversarial Networks for Diverse Image Synthesis, CVPR 2019.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from core.data import prompts
from core.models.adversarial.gan import FIXED_NOISE_SEED, GAN, dcgan_body, dcgan_generator
from core.models.base import Seed
from core.models.neural import adam, torch_generator

# ----------------------------------------------------------------------------
# Text2Image

DIGIT_DROP = 0.1  # share of training captions without their digit word: the "any digit" prompts
STYLE_OMIT = 0.5  # chance that a training caption leaves out each style word


@dataclass(frozen=True)
class Text2ImageConfig:
    side: int = 8
    noise: int = 32
    vocabulary: int = len(prompts.TOKENS)  # tokens of the encoder (core.data.prompts.TOKENS)
    embed: int = 32  # word embedding size
    text: int = 32  # size of G's text vector t
    ngf: int = 32
    ndf: int = 32


class TextEncoder(nn.Module):
    """t = W mean(e_w for w in the caption) + b; an empty caption gives t = b."""

    def __init__(self, vocabulary: int, embed: int, out: int):
        super().__init__()
        self.bag = nn.EmbeddingBag(vocabulary, embed, mode="mean")  # an empty bag -> the zero vector
        self.project = nn.Linear(embed, out)

    def forward(self, ids: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        return self.project(self.bag(ids, offsets))  # (B, out)


def tokenize(texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """The captions as one flat tensor of token ids and the offset where each caption starts."""
    ids = [prompts.token_ids(text) for text in texts]
    offsets = np.cumsum([0] + [len(row) for row in ids[:-1]])
    return torch.tensor([i for row in ids for i in row], dtype=torch.long), torch.as_tensor(offsets, dtype=torch.long)


def with_attributes(images: np.ndarray, labels: np.ndarray, thickness: np.ndarray, slant: np.ndarray) -> np.ndarray:
    """Training rows (N, 67): 64 pixels, the digit, its thickness class and its slant class (core.data.styles)."""
    columns = [np.asarray(a, dtype=np.float32)[:, None] for a in (labels, thickness, slant)]
    return np.concatenate([np.asarray(images, dtype=np.float32), *columns], axis=1)


def training_captions(rows: torch.Tensor, rng: random.Random, wrong: bool = False) -> list[str]:
    """A random caption per row (random language and synonyms, words left out at random);
    wrong=True names another digit (the mismatched captions of GAN-INT-CLS)."""
    captions = []
    for digit, thickness, slant in rows[:, -3:].long().tolist():
        if wrong:
            digit = (digit + rng.randrange(1, 10)) % 10  # any other digit
        elif rng.random() < DIGIT_DROP:
            digit = None
        captions.append(prompts.caption(digit, prompts.THICKNESS[thickness], prompts.SLANT[slant], rng,
                                        rng.choice(prompts.LANGUAGES), omit=STYLE_OMIT))
    return captions


class Text2Image(GAN):
    """A bag-of-words text encoder conditions DCGAN players: G(z, t) and a projection D(x, t)."""

    def __init__(self, config: Text2ImageConfig):
        super().__init__()
        self.config = config
        self.latent = config.noise + config.text  # G's input (z, t)
        width = config.ndf * 2 * 2 * 2  # phi(x): D's body ends at (ndf*2) x 2 x 2
        self.g_text = TextEncoder(config.vocabulary, config.embed, config.text)
        self.generator = dcgan_generator(self.latent, config.ngf)
        self.d_text = TextEncoder(config.vocabulary, config.embed, width)  # projection vectors, one per caption
        self.body = dcgan_body(config.side, config.ndf)
        self.d_head = nn.Linear(width, 1)

    def discriminator_logits(self, features: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
        """Projection [3]: w^T phi(x) + b + t^T phi(x), from features phi(x) (B, width): (B,)."""
        return self.d_head(features).flatten() + (text * features).sum(dim=1)

    def generate_from(self, z: torch.Tensor, ids: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        """G(z, t) for tokenized captions: (B, 64) in [0, 1]."""
        return self.generate(torch.cat([z, self.g_text(ids, offsets)], dim=1))

    def noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """G's input for the empty prompt: (z, t_empty); GAN.sample draws "any digit" this way."""
        ids, offsets = tokenize([""] * n)
        return torch.cat([torch.randn(n, self.config.noise, generator=generator), self.g_text(ids, offsets)], dim=1)

    def configure_optimizers(self, config) -> dict[str, torch.optim.Optimizer]:
        player_d = [*self.d_text.parameters(), *self.body.parameters(), *self.d_head.parameters()]
        player_g = [*self.g_text.parameters(), *self.generator.parameters()]
        return {"D": adam(player_d, config), "G": adam(player_g, config)}

    def train_step(self, rows: torch.Tensor, optimizers: dict) -> dict[str, torch.Tensor]:
        """One round on labelled rows (B, 67); captions are drawn with a seed from the loop's global RNG."""
        rng = random.Random(int(torch.randint(2**31, ())))
        real = rows[:, :-3]  # (B, 64)
        right = tokenize(training_captions(rows, rng))
        wrong = tokenize(training_captions(rows, rng, wrong=True))
        fake = self.generate_from(torch.randn(len(rows), self.config.noise), *right)  # (B, 64)

        # (1) Update D: maximize log D(x, t) + 1/2 [log(1 - D(G(z, t), t)) + log(1 - D(x, t_wrong))].
        # fake.detach(): this phase must not send gradients into G.
        optimizers["D"].zero_grad()
        loss_d = self.discriminator_loss(real, fake.detach(), right, wrong)
        loss_d.backward()
        optimizers["D"].step()

        # (2) Update G: maximize log D(G(z, t), t) (non-saturating).
        optimizers["G"].zero_grad()
        loss_g = self.generator_loss(fake, right)
        loss_g.backward()
        optimizers["G"].step()
        return {"loss_d": loss_d, "loss_g": loss_g}

    def discriminator_loss(self, real, fake, right, wrong) -> torch.Tensor:
        """The matching-aware loss of GAN-INT-CLS [2], binary cross-entropy on logits."""
        t_right, t_wrong = self.d_text(*right), self.d_text(*wrong)
        phi_real = self.body(real)
        real_logits = self.discriminator_logits(phi_real, t_right)
        fake_logits = self.discriminator_logits(self.body(fake), t_right)
        mismatch_logits = self.discriminator_logits(phi_real, t_wrong)
        bce = F.binary_cross_entropy_with_logits
        return (bce(real_logits, torch.ones_like(real_logits))
                + 0.5 * (bce(fake_logits, torch.zeros_like(fake_logits))
                         + bce(mismatch_logits, torch.zeros_like(mismatch_logits))))

    def generator_loss(self, fake, right) -> torch.Tensor:
        """Non-saturating: -log D(G(z, t), t)."""
        fake_logits = self.discriminator_logits(self.body(fake), self.d_text(*right))
        return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))

    def loss(self, rows: torch.Tensor) -> dict[str, torch.Tensor]:
        """Validation terms on labelled rows: both players' losses, fixed noise and fixed captions."""
        rng = random.Random(FIXED_NOISE_SEED)
        right, wrong = tokenize(training_captions(rows, rng)), tokenize(training_captions(rows, rng, wrong=True))
        z = torch.randn(len(rows), self.config.noise, generator=torch_generator(FIXED_NOISE_SEED))
        fake = self.generate_from(z, *right)
        loss_d, loss_g = self.discriminator_loss(rows[:, :-3], fake, right, wrong), self.generator_loss(fake, right)
        return {"loss": loss_d + loss_g, "loss_d": loss_d, "loss_g": loss_g}

    @torch.inference_mode()
    def generate_captions(self, texts: list[str], seed: Seed = 0) -> np.ndarray:
        """One image per caption, z from a seeded generator: (len(texts), 64) in [0, 1]."""
        z = torch.randn(len(texts), self.config.noise, generator=torch_generator(seed))
        return self.generate_from(z, *tokenize(list(texts))).numpy()

    def generate_text(self, text: str, n: int, seed: Seed = 0) -> tuple[np.ndarray, prompts.Prompt]:
        """n images (n, 64) in [0, 1] for a typed prompt, and what the prompt was read as."""
        return self.generate_captions([text] * n, seed), prompts.parse(text)

    def generate_attributes(self, digits, thickness, slant, seed: Seed = 0, language: str = "en") -> np.ndarray:
        """One image per (digit, thickness, slant) of the arrays (style classes as in core.data.styles; None
        leaves the attribute out), captioned in `language` with the same seed: (n, 64)."""
        rng = random.Random(int(np.random.default_rng(seed).integers(2**31)))
        name = lambda names, i: None if i is None else names[int(i)]
        texts = [prompts.caption(None if d is None else int(d), name(prompts.THICKNESS, t), name(prompts.SLANT, s),
                                 rng, language, omit=0.0) for d, t, s in zip(digits, thickness, slant)]
        return self.generate_captions(texts, seed)


# ----------------------------------------------------------------------------
# Puzzle-GAN

GRID = 4  # pieces per side
PIECE = 2  # pixels per piece side: GRID * PIECE = 8
PRESETS = ("random_half", "top_half", "left_half", "border", "centre")
MODE_SEEKING_EPS = 1e-5  # as in the reference code of [7]
GIVEN_RANGE = (2, 14)  # pieces given per training image, drawn uniformly (inclusive): any student choice


def pixel_piece(side: int = GRID * PIECE) -> np.ndarray:
    """The piece index of each pixel in raster order: (64,), piece = (row // 2) * 4 + col // 2."""
    r, c = np.divmod(np.arange(side * side), side)
    return (r // PIECE) * GRID + c // PIECE


def piece_mask(given: np.ndarray) -> np.ndarray:
    """Pixel mask of given pieces: (16,) -> (64,) or (B, 16) -> (B, 64), True where given."""
    return np.asarray(given, dtype=bool)[..., pixel_piece()]


def preset(name: str, seed: int = 0) -> np.ndarray:
    """The given pieces (16,) bool of a named choice: "random_half" (8 random pieces, seeded),
    "top_half" and "left_half" (8), "border" (the 12 outer pieces), "centre" (the 4 inner)."""
    row, col = np.divmod(np.arange(GRID * GRID), GRID)
    inner = (row > 0) & (row < GRID - 1) & (col > 0) & (col < GRID - 1)
    if name == "random_half":
        given = np.zeros(GRID * GRID, dtype=bool)
        given[np.random.default_rng(seed).choice(GRID * GRID, GRID * GRID // 2, replace=False)] = True
        return given
    masks = {"top_half": row < GRID // 2, "left_half": col < GRID // 2, "border": ~inner, "centre": inner}
    if name not in masks:
        raise ValueError(f"unknown preset {name!r}; known: {', '.join(PRESETS)}")
    return masks[name]


def random_given(n: int, k: int, seed: Seed = 0) -> np.ndarray:
    """k random given pieces for each of n images, seeded: (n, 16) bool."""
    rng = np.random.default_rng(seed)
    order = rng.random((n, GRID * GRID)).argsort(axis=1)  # a random permutation per row
    return order < k


def shuffle_pieces(image: np.ndarray, given: np.ndarray, seed: int = 0) -> np.ndarray:
    """The image (64,) with the contents of its given pieces permuted among the given
    positions: a derangement (no piece stays) when two or more are given. Other pixels unchanged."""
    positions = np.flatnonzero(given)
    rng = np.random.default_rng(seed)
    order = np.arange(len(positions))
    while len(positions) >= 2 and (order == np.arange(len(positions))).any():  # rejection: ~e tries on average
        order = rng.permutation(len(positions))
    side = GRID * PIECE
    pieces = np.asarray(image).reshape(GRID, PIECE, GRID, PIECE).transpose(0, 2, 1, 3).reshape(-1, PIECE, PIECE)
    shuffled = pieces.copy()
    shuffled[positions] = pieces[positions[order]]
    return shuffled.reshape(GRID, GRID, PIECE, PIECE).transpose(0, 2, 1, 3).reshape(side * side)


@dataclass(frozen=True)
class PuzzleGANConfig:
    side: int = 8
    noise: int = 16
    ngf: int = 32
    ndf: int = 32
    l1_weight: float = 10.0  # lambda of the reconstruction term
    diversity_weight: float = 0.02  # of the mode-seeking term [7]: 0.2 spreads more but misses the agreement bar


class PuzzleGenerator(nn.Module):
    """A small U-Net [5]: encode (x * m, m) down to 2x2, add z there, decode with skip connections."""

    def __init__(self, config: PuzzleGANConfig):
        super().__init__()
        c = config.ngf
        self.down1 = nn.Sequential(nn.Conv2d(2, c, 3, 1, 1), nn.LeakyReLU(0.2))  # state size c x 8 x 8
        self.down2 = nn.Sequential(nn.Conv2d(c, 2 * c, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * c),
                                   nn.LeakyReLU(0.2))  # state size 2c x 4 x 4
        self.down3 = nn.Sequential(nn.Conv2d(2 * c, 4 * c, 4, 2, 1, bias=False), nn.BatchNorm2d(4 * c),
                                   nn.LeakyReLU(0.2))  # state size 4c x 2 x 2
        self.up3 = nn.Sequential(nn.ConvTranspose2d(4 * c + config.noise, 2 * c, 4, 2, 1, bias=False),
                                 nn.BatchNorm2d(2 * c), nn.ReLU())  # state size 2c x 4 x 4
        self.up2 = nn.Sequential(nn.ConvTranspose2d(4 * c, c, 4, 2, 1, bias=False), nn.BatchNorm2d(c),
                                 nn.ReLU())  # state size c x 8 x 8
        self.out = nn.Sequential(nn.Conv2d(2 * c, 1, 3, 1, 1), nn.Sigmoid(), nn.Flatten())  # state size 64

    def forward(self, masked: torch.Tensor, mask: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        side = int(masked.shape[1] ** 0.5)
        x = torch.stack([masked, mask], dim=1).view(-1, 2, side, side)  # (B, 2, 8, 8)
        h1 = self.down1(x)
        h2 = self.down2(h1)
        h3 = self.down3(h2)
        h3 = torch.cat([h3, z[:, :, None, None].expand(-1, -1, *h3.shape[2:])], dim=1)  # z at every 2x2 cell
        u2 = self.up3(h3)
        u1 = self.up2(torch.cat([u2, h2], dim=1))
        return self.out(torch.cat([u1, h1], dim=1))  # (B, 64)


class PuzzleGAN(GAN):
    """Completes an image from given pieces; D judges (image, mask) pairs [4, 5]."""

    def __init__(self, config: PuzzleGANConfig):
        super().__init__()
        self.config = config
        self.latent = config.noise  # z only: the pieces come in beside it
        self.generator = PuzzleGenerator(config)
        width = config.ndf * 2 * 2 * 2
        self.discriminator = nn.Sequential(  # input (B, 128): the image, then its mask
            nn.Unflatten(1, (2, config.side, config.side)),  # state size 2 x 8 x 8
            nn.Conv2d(2, config.ndf, 4, 2, 1), nn.LeakyReLU(0.2),  # state size ndf x 4 x 4
            nn.Conv2d(config.ndf, config.ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(config.ndf * 2),
            nn.LeakyReLU(0.2),  # state size (ndf*2) x 2 x 2
            nn.Flatten(), nn.Linear(width, 1), nn.Flatten(0),  # state size 1: the logit of "real"
        )

    def complete_tensor(self, images: torch.Tensor, mask: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """G_m(x) = m * x + (1 - m) * G(x * m, m, z): the given pixels exactly, the rest generated."""
        return mask * images + (1 - mask) * self.generator(images * mask, mask, z)

    def sample(self, n: int, seed: Seed = 0) -> np.ndarray:
        raise TypeError("Puzzle-GAN completes given pieces: use complete(images, given, seed)")

    def train_step(self, real: torch.Tensor, optimizers: dict) -> dict[str, torch.Tensor]:
        """One round on real images (B, 64): a random number of random given pieces per image."""
        k = torch.randint(GIVEN_RANGE[0], GIVEN_RANGE[1] + 1, (len(real), 1))  # pieces given per image
        given = (torch.rand(len(real), GRID * GRID).argsort(dim=1) < k).float()  # (B, 16)
        mask = given[:, torch.as_tensor(pixel_piece())]  # (B, 64)
        z, z_other = torch.randn(2, len(real), self.config.noise)
        fake = self.complete_tensor(real, mask, z)
        # (1) Update D: maximize log D(x, m) + log(1 - D(G_m(x), m)), fakes detached (GAN's phase).
        terms = self.update_discriminator(torch.cat([real, mask], 1), torch.cat([fake, mask], 1), None, optimizers["D"])
        # (2) Update G: maximize log D(G_m(x), m), reconstruct the missing pixels (L1), and keep two
        # noises apart in the image (mode seeking [7]: else G learns to ignore z, as pix2pix reports [5]).
        optimizers["G"].zero_grad()
        loss_g = self.generator_loss(torch.cat([fake, mask], 1))
        l1 = self.missing_l1(fake, real, mask)
        spread = self.missing_l1(fake, self.complete_tensor(real, mask, z_other), mask) / (z - z_other).abs().mean()
        (loss_g + self.config.l1_weight * l1 + self.config.diversity_weight / (spread + MODE_SEEKING_EPS)).backward()
        optimizers["G"].step()
        return {**terms, "loss_g": loss_g, "l1": l1, "spread": spread}

    @staticmethod
    def missing_l1(completed: torch.Tensor, real: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Mean |G_m(x) - x| over the missing pixels."""
        return ((completed - real).abs() * (1 - mask)).sum() / (1 - mask).sum().clamp_min(1)

    def loss(self, real: torch.Tensor) -> dict[str, torch.Tensor]:
        """Validation terms with fixed random halves and fixed noise: the players' losses and the L1."""
        mask = torch.as_tensor(piece_mask(random_given(len(real), GRID * GRID // 2, FIXED_NOISE_SEED)), dtype=torch.float32)
        fake = self.complete_tensor(real, mask, self.fixed_noise(len(real)))
        real_pairs, fake_pairs = torch.cat([real, mask], 1), torch.cat([fake, mask], 1)
        loss_d, loss_g = self.discriminator_loss(real_pairs, fake_pairs), self.generator_loss(fake_pairs)
        return {"loss": loss_d + loss_g, "loss_d": loss_d, "loss_g": loss_g, "l1": self.missing_l1(fake, real, mask)}

    @torch.inference_mode()
    def complete(self, images: np.ndarray, given: np.ndarray, seed: Seed = 0) -> np.ndarray:
        """Completions (B, 64) in [0, 1] of images (B, 64) from their given pieces, (16,) for
        all images or (B, 16); z from a seeded generator. Given pixels are kept exactly."""
        images = torch.as_tensor(np.asarray(images, dtype=np.float32))
        mask = torch.as_tensor(np.broadcast_to(piece_mask(given), images.shape).astype(np.float32))  # a writable copy
        z = torch.randn(len(images), self.config.noise, generator=torch_generator(seed))
        return self.complete_tensor(images, mask, z).numpy()
