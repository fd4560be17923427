"""PixelCNN: the autoregressive factorization computed by masked convolutions.

    p(x) = prod_{i=1}^{n} p(x_i | x_1, ..., x_{i-1})          pixels in raster order

A convolution sees a window around each pixel. Zeroing the kernel's weights at the
centre's future (the rest of the centre row to the right, every row below) makes the
feature at pixel i read only pixels before i, so one pass gives all n conditionals at
once in training (sampling still draws one pixel after the other).

Masks A and B. With colour, each pixel is itself three variables in the order R -> G -> B:

    p(x_i) = p(x_i,R | x_<i) p(x_i,G | x_<i, x_i,R) p(x_i,B | x_<i, x_i,R, x_i,G)

Every layer then splits its channels into three groups (R, G, B), and the mask also
decides, at the centre position, which group may read which:
  - mask A, first layer only (it reads the image): G reads R, B reads R and G, R reads
    nothing of its own pixel. The features of pixel i for colour c now exclude x_i,c.
  - mask B, every later layer (it reads features): each group also reads its own group
    (R <- R; G <- R, G; B <- R, G, B). The feature it reads already excludes its own
    colour, so reading it keeps the order.
Our digits have one channel (one "colour"): mask A drops the centre, mask B keeps it.

Gated units. A stack of masked ReLU convolutions stalls on the digits; the gated
activation of Gated PixelCNN [2], y = tanh(W_f * h) . sigmoid(W_g * h), lets each unit
multiply its inputs, as the gates of the PixelRNN's LSTMs do. Each block is residual.

The blind spot. We keep a single masked stack. Stacking masked convolutions widens the
region each pixel reads, but a wedge to its upper right is never reached: a pixel in the
row above and far enough to the right is read by no position that the current pixel
reads, although it comes earlier in raster order (Gated PixelCNN removes this with a
second, vertical stack; we keep the classic blind spot for the page to show).

Output: a 1x1 convolution to one logit per pixel, plus a learned bias per position
(the pixels near the border of a digit are nearly always 0).

Sampling is the raster sampler, one network pass per pixel; since no mask reads a row
below, each pass runs on the rows drawn so far only.

[1] van den Oord, Kalchbrenner & Kavukcuoglu, Pixel Recurrent Neural Networks, ICML 2016.
[2] van den Oord, Kalchbrenner, Vinyals, Espeholt, Graves & Kavukcuoglu, Conditional
    Image Generation with PixelCNN Decoders, NeurIPS 2016.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from core.models.autoregressive.base import BinaryAutoregressive
from core.models.base import Seed
from core.models.neural import torch_generator


@dataclass(frozen=True)
class PixelCNNConfig:
    side: int = 8  # images are side x side, num_pixels = side * side
    channels: int = 32  # feature maps per layer
    layers: int = 4  # gated mask-B blocks after the first mask-A convolution
    first_kernel: int = 7  # the mask-A convolution that reads the image
    kernel: int = 3  # the mask-B convolutions
    dropout: float = 0.0

    @property
    def num_pixels(self) -> int:
        return self.side * self.side


# ----------------------------------------------------------------------------
# Masked convolution (shared with the PixelRNNs of core/models/autoregressive/pixelrnn.py)


def causal_mask(kernel: tuple[int, int], mask_type: str) -> torch.Tensor:
    """1 where a kernel may look, for one channel: the rows above the centre, and the
    centre row left of the centre (mask A) or up to and including it (mask B)."""
    height, width = kernel
    mask = torch.zeros(height, width)
    mask[: height // 2] = 1  # every row above the centre
    mask[height // 2, : width // 2 + (mask_type == "B")] = 1  # the centre row, left of (or up to) the centre
    return mask


class MaskedConv2d(nn.Conv2d):
    """A 'same' convolution whose output at pixel i reads only pixels before i (mask A)
    or up to and including i (mask B)."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int | tuple[int, int], mask_type: str):
        kernel = (kernel, kernel) if isinstance(kernel, int) else kernel
        if mask_type not in ("A", "B") or kernel[0] % 2 == 0 or kernel[1] % 2 == 0:
            raise ValueError(f"need mask 'A' or 'B' and an odd kernel, got {mask_type!r} and {kernel}")
        super().__init__(in_channels, out_channels, kernel, padding=(kernel[0] // 2, kernel[1] // 2))
        self.mask_type = mask_type
        # not persistent: the mask follows from the config, the checkpoint holds only weights
        self.register_buffer("mask", causal_mask(kernel, mask_type), persistent=False)

    def forward(self, x):
        # multiplying in forward (not once at init) keeps the masked weights at zero
        # whatever the optimizer does to them
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)


def image_to_grid(x: torch.Tensor, side: int) -> torch.Tensor:
    """(B, n) pixels 0/1 in raster order -> (B, 1, rows, side) in {-1, +1}, rows = n / side.

    +-1 rather than 0/1, so that an off pixel differs from the zero padding at the border.
    """
    return (2 * x - 1).view(len(x), 1, -1, side)


# ----------------------------------------------------------------------------
# PixelCNN


class GatedBlock(nn.Module):
    """h + W_o (tanh(W_f * h) . sigmoid(W_g * h)), with W_f, W_g one masked (B) convolution."""

    def __init__(self, channels: int, kernel: int, dropout: float):
        super().__init__()
        self.conv = MaskedConv2d(channels, 2 * channels, kernel, "B")  # filter and gate together
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Conv2d(channels, channels, 1)

    def forward(self, h):
        f, g = self.conv(h).chunk(2, dim=1)  # (B, C, H, W) each
        return h + self.out(self.dropout(torch.tanh(f) * torch.sigmoid(g)))  # (B, C, H, W)


class PixelCNN(BinaryAutoregressive):
    """A mask-A convolution, then gated mask-B blocks, then 1x1 convolutions to the logits."""

    def __init__(self, config: PixelCNNConfig):
        super().__init__()
        self.config = config
        self.num_pixels = config.num_pixels
        c = config.channels
        self.first = MaskedConv2d(1, c, config.first_kernel, "A")
        self.blocks = nn.ModuleList(GatedBlock(c, config.kernel, config.dropout) for _ in range(config.layers))
        # 1x1 convolutions read one position only, so they need no mask
        self.output = nn.Sequential(nn.ReLU(), nn.Conv2d(c, c, 1), nn.ReLU(), nn.Conv2d(c, 1, 1))
        self.position_bias = nn.Parameter(torch.zeros(config.num_pixels))  # (n,)

    def logits(self, x):
        """Also for the first rows of the images only, x (B, rows * side): no mask reads a row below,
        so the logits of those rows do not depend on the rows left out (the sampler uses this)."""
        h = self.first(image_to_grid(x, self.config.side))  # (B, C, H, W)
        for block in self.blocks:
            h = block(h)  # (B, C, H, W)
        return self.output(h).flatten(1) + self.position_bias[: x.shape[1]]  # (B, n)

    @torch.inference_mode()
    def sample(self, n: int, seed: Seed = 0, temperature: float = 1.0) -> np.ndarray:
        """The raster sampler, each pass on the rows drawn so far: about half the work of whole images."""
        generator = torch_generator(seed)
        side = self.config.side
        x = torch.zeros(n, self.num_pixels)
        for i in range(self.num_pixels):
            rows = i // side + 1  # pixel i lies in row i // side
            p_one = torch.sigmoid(self.logits(x[:, : rows * side])[:, i] / temperature)
            x[:, i] = torch.bernoulli(p_one, generator=generator)
        return x.to(torch.uint8).numpy()
