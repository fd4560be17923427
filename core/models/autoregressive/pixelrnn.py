"""PixelRNN: the autoregressive factorization computed by two-dimensional LSTMs.

    p(x) = prod_{i=1}^{n} p(x_i | x_1, ..., x_{i-1})          pixels in raster order

Both models stack LSTM layers over the image. A layer has an input-to-state convolution
K_is (masked, so that a pixel never reads itself or its future) and a state-to-state
convolution K_ss over states already computed; at each position

    [o, f, i, g] = [sigmoid, sigmoid, sigmoid, tanh](K_ss * h_prev + K_is * x)
    c = f . c_prev + i . g,      h = o . tanh(c)

The first layer's K_is is mask A (it reads the image, and must not read the pixel it
predicts); the later layers' K_is is mask B (they read features that already exclude
their own pixel); core/models/autoregressive/pixelcnn.py explains the masks. Layers after the first are
residual; two 1x1 convolutions then give one logit per pixel, plus a learned bias per
position.

Row LSTM. The states are computed one row at a time. K_is is a 1 x k convolution along
the row; K_ss is a 1-D convolution of kernel 3 over the states of the row above, so the
state at (r, c) reads the states at (r-1, c-1..c+1), which read row r-2 at c-2..c+2, and
so on: the context is a triangle above the pixel, and the upper right beyond it is never
seen. The first layer's K_is is first_rows x k, mask A. With first_rows = 1 (K_is only
along the row) no state at (r-1, c') reads x_{r-1,c'} itself, so pixel (r, c) never reads
x_{r-1,c+1}, its neighbour above-right, and the last pixel of each row is read by no one;
first_rows = 3 also reads the row above, as the paper's first 7x7 mask-A convolution
does, and learns much better digits (test NLL about 16.6 against 17.5 nats here).

Diagonal BiLSTM. The state at (r, c) reads the states at (r, c-1) and (r-1, c). All the
pixels of one diagonal depend only on the diagonal before, so the map is skewed, row r
shifted right by r: the diagonals become the columns of an H x (W + H - 1) map, and a
column-wise 2x1 K_ss over the previous column reads exactly (r-1, c) and (r, c-1). The
states are computed column by column; one direction sees the whole quadrant above-left.
A second direction runs right to left (the same computation on the mirrored image) and
sees the quadrant above-right, but also the rest of row r, which is the future: its
output is shifted down one row, so that (r, c) reads its state at (r-1, c). With both,
every pixel sees every pixel before it. K_is is a 1x1 convolution, except in the first
layer: on one channel a 1x1 mask A reads nothing (at a single position it only lets G
read R and B read R, G), so the first K_is is a k x k mask-A convolution, the role of the
paper's first 7x7 mask-A layer.

Sampling. The generic raster sampler reruns the whole network for each pixel. A PixelRNN
can keep its states instead: the Row LSTM reruns only the current row, and the Diagonal
BiLSTM computes one cell per layer per pixel (its left-to-right state needs only the cells
left and above), plus each row's right-to-left states once the row is drawn.

[1] van den Oord, Kalchbrenner & Kavukcuoglu, Pixel Recurrent Neural Networks, ICML 2016.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from core.models.autoregressive.base import BinaryAutoregressive
from core.models.autoregressive.pixelcnn import MaskedConv2d, image_to_grid
from core.models.base import Seed
from core.models.neural import torch_generator

State = tuple[torch.Tensor, torch.Tensor]  # (h, c) of an LSTM


@dataclass(frozen=True)
class RowLSTMConfig:
    side: int = 8  # images are side x side, num_pixels = side * side
    hidden: int = 32  # h: channels of the LSTM states
    layers: int = 2
    kernel: int = 7  # k of the 1 x k input-to-state convolution along the row
    first_rows: int = 3  # the first layer's K_is is first_rows x k (1: along the row only)
    dropout: float = 0.0

    @property
    def num_pixels(self) -> int:
        return self.side * self.side


@dataclass(frozen=True)
class DiagonalBiLSTMConfig:
    side: int = 8
    hidden: int = 32
    layers: int = 2
    first_kernel: int = 3  # k of the first layer's k x k mask-A input-to-state convolution
    dropout: float = 0.0

    @property
    def num_pixels(self) -> int:
        return self.side * self.side


# ----------------------------------------------------------------------------
# What both share: the LSTM update and the output


def lstm_update(gates: torch.Tensor, c: torch.Tensor) -> State:
    """The LSTM step from the summed convolutions: gates (B, 4h, ...) and c (B, h, ...) -> (h, c)."""
    o, f, i, g = gates.chunk(4, dim=1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


class PixelRNN(BinaryAutoregressive):
    """LSTM layers, then 1x1 convolutions to one logit per pixel, plus a bias per position."""

    def __init__(self, config, layers: list[nn.Module]):
        super().__init__()
        self.config = config
        self.num_pixels = config.num_pixels
        h = config.hidden
        self.lstm_layers = nn.ModuleList(layers)
        self.dropout = nn.Dropout(config.dropout)
        # 1x1 convolutions read one position only, so they need no mask
        self.output = nn.Sequential(nn.ReLU(), nn.Conv2d(h, h, 1), nn.ReLU(), nn.Conv2d(h, 1, 1))
        self.position_bias = nn.Parameter(torch.zeros(config.num_pixels))  # (n,)

    def zero_state(self, batch: int, *size: int) -> State:
        """The (h, c) outside the image: zeros, (B, h, *size)."""
        zeros = torch.zeros(batch, self.config.hidden, *size)
        return zeros, zeros


# ----------------------------------------------------------------------------
# Row LSTM


class RowLSTMLayer(nn.Module):
    """K_is along the row (masked) and K_ss, kernel 3, over the states of the row above."""

    def __init__(self, in_channels: int, hidden: int, kernel: tuple[int, int], mask_type: str):
        super().__init__()
        self.input_to_state = MaskedConv2d(in_channels, 4 * hidden, kernel, mask_type)
        self.state_to_state = nn.Conv1d(hidden, 4 * hidden, 3, padding=1)

    def forward(self, from_input: torch.Tensor, above: State) -> State:
        """The states of one row from K_is * x there (B, 4h, W) and (h, c) of the row above, each (B, h, W)."""
        h, c = above
        return lstm_update(from_input + self.state_to_state(h), c)


class RowLSTM(PixelRNN):
    """PixelRNN with Row LSTM layers [1]: the context is a triangle above each pixel."""

    def __init__(self, config: RowLSTMConfig):
        h, k = config.hidden, config.kernel
        layers = [RowLSTMLayer(1, h, (config.first_rows, k), "A")]
        layers += [RowLSTMLayer(h, h, (1, k), "B") for _ in range(config.layers - 1)]
        super().__init__(config, layers)

    def row(self, from_image: torch.Tensor, above: list[State]) -> tuple[torch.Tensor, list[State]]:
        """Row r through every layer: the first layer's K_is * image on row r (B, 4h, W) and each layer's
        states of row r-1 -> the top features of row r (B, h, W) and each layer's states of row r."""
        first, *rest = self.lstm_layers
        h, c = first(from_image, above[0])  # (B, h, W) each
        features, states = h, [(h, c)]
        for layer, state in zip(rest, above[1:]):
            # K_is, 1 x k (mask B), along the row of the features below: (B, h, 1, W) -> (B, 4h, W)
            from_input = layer.input_to_state(self.dropout(features)[:, :, None])[:, :, 0]
            h, c = layer(from_input, state)  # (B, h, W) each
            features = features + h  # residual
            states.append((h, c))
        return features, states

    def logits(self, x):
        side = self.config.side
        # the whole image is known in training (teacher forcing): the first K_is runs on all rows at once
        from_image = self.lstm_layers[0].input_to_state(image_to_grid(x, side))  # (B, 4h, H, W)
        states = [self.zero_state(len(x), side)] * len(self.lstm_layers)  # the row above the image
        rows = []
        for r in range(side):
            features, states = self.row(from_image[:, :, r], states)  # (B, h, W)
            rows.append(features)
        h = torch.stack(rows, dim=2)  # (B, h, H, W)
        return self.output(self.dropout(h)).flatten(1) + self.position_bias  # (B, n)

    @torch.inference_mode()
    def sample(self, n: int, seed: Seed = 0, temperature: float = 1.0) -> np.ndarray:
        """Raster order, keeping the states of the rows above: each pixel reruns only its own row."""
        generator = torch_generator(seed)
        side, first = self.config.side, self.lstm_layers[0]
        x = torch.zeros(n, side, side)
        bias = self.position_bias.view(side, side)
        above = [self.zero_state(n, side)] * len(self.lstm_layers)
        for r in range(side):
            for c in range(side):
                from_image = first.input_to_state(image_to_grid(x.flatten(1), side))[:, :, r]  # (n, 4h, W)
                features, _ = self.row(from_image, above)  # (n, h, W)
                logit = self.output(features[:, :, None, c : c + 1]).flatten() + bias[r, c]  # (n,)
                x[:, r, c] = torch.bernoulli(torch.sigmoid(logit / temperature), generator=generator)
            # row r is drawn: its states, for row r+1 to read
            from_image = first.input_to_state(image_to_grid(x.flatten(1), side))[:, :, r]
            _, above = self.row(from_image, above)
        return x.flatten(1).to(torch.uint8).numpy()


# ----------------------------------------------------------------------------
# Diagonal BiLSTM


def skew(x: torch.Tensor) -> torch.Tensor:
    """Shift row r right by r: (B, C, H, W) -> (B, C, H, W + H - 1); diagonals become columns."""
    batch, channels, height, width = x.shape
    skewed = x.new_zeros(batch, channels, height, width + height - 1)
    for r in range(height):
        skewed[:, :, r, r : r + width] = x[:, :, r]
    return skewed


def unskew(skewed: torch.Tensor, width: int) -> torch.Tensor:
    """The inverse of skew: (B, C, H, W + H - 1) -> (B, C, H, W)."""
    return torch.stack([skewed[:, :, r, r : r + width] for r in range(skewed.shape[2])], dim=2)


class DiagonalLSTM(nn.Module):
    """One direction: the state at (r, c) reads the states at (r-1, c) and (r, c-1)."""

    def __init__(self, in_channels: int, hidden: int, kernel: int, mask_type: str):
        super().__init__()
        self.hidden = hidden
        self.input_to_state = MaskedConv2d(in_channels, 4 * hidden, kernel, mask_type)
        # 2x1 over a column of the skewed map: tap 0 reads row r-1 there, the pixel (r-1, c);
        # tap 1 reads row r, the pixel (r, c-1)
        self.state_to_state = nn.Conv1d(hidden, 4 * hidden, 2)

    def forward(self, x):
        """All the states, one diagonal at a time: (B, C, H, W) -> (B, h, H, W)."""
        batch, _, height, width = x.shape
        # K_is runs before skewing: its mask is defined on the image, not on the skewed map
        from_input = skew(self.input_to_state(x))  # (B, 4h, H, W + H - 1)
        # the cells the skew adds are outside the image: their states are kept at zero, like the
        # state above row 0 (padded below) and the states left of column 0
        inside = skew(x.new_ones(1, 1, height, width))[0]  # (1, H, W + H - 1)
        h = c = x.new_zeros(batch, self.hidden, height)  # (B, h, H): the column left of the map
        columns = []
        for j in range(from_input.shape[3]):
            # one zero state on top: row 0 has no row above it
            h, c = lstm_update(from_input[:, :, :, j] + self.state_to_state(F.pad(h, (1, 0))), c)  # (B, h, H)
            h, c = h * inside[:, :, j], c * inside[:, :, j]
            columns.append(h)
        return unskew(torch.stack(columns, dim=3), width)  # (B, h, H, W)

    def cell(self, from_input: torch.Tensor, above: State, before: State) -> State:
        """The state of one pixel, as forward computes it: K_is * x there (B, 4h) and the (h, c) of the
        pixel above and of the pixel before it in the row, each (B, h). The memory c comes from the
        pixel before, as it comes from the previous column in the skewed map."""
        weight = self.state_to_state.weight  # (4h, h, 2)
        gates = from_input + above[0] @ weight[:, :, 0].T + before[0] @ weight[:, :, 1].T + self.state_to_state.bias
        return lstm_update(gates, before[1])


class DiagonalBiLSTMLayer(nn.Module):
    """Left-to-right plus right-to-left (on the mirrored image), the latter one row lower."""

    def __init__(self, in_channels: int, hidden: int, kernel: int, mask_type: str):
        super().__init__()
        self.left_to_right = DiagonalLSTM(in_channels, hidden, kernel, mask_type)
        self.right_to_left = DiagonalLSTM(in_channels, hidden, kernel, mask_type)

    def forward(self, x):
        left = self.left_to_right(x)  # (B, h, H, W): reads the quadrant above-left
        right = self.right_to_left(x.flip(3)).flip(3)  # (B, h, H, W): above-right, and row r to the right
        # down one row: (r, c) takes the state of (r-1, c), which has read only rows < r
        right = F.pad(right, (0, 0, 1, 0))[:, :, :-1]  # (B, h, H, W)
        return left + right


class DiagonalBiLSTM(PixelRNN):
    """PixelRNN with Diagonal BiLSTM layers [1]: every pixel sees every pixel before it."""

    def __init__(self, config: DiagonalBiLSTMConfig):
        h = config.hidden
        layers = [DiagonalBiLSTMLayer(1, h, config.first_kernel, "A")]
        layers += [DiagonalBiLSTMLayer(h, h, 1, "B") for _ in range(config.layers - 1)]
        super().__init__(config, layers)

    def logits(self, x):
        first, *rest = self.lstm_layers
        h = first(image_to_grid(x, self.config.side))  # (B, h, H, W)
        for layer in rest:
            h = h + layer(self.dropout(h))  # (B, h, H, W)
        return self.output(self.dropout(h)).flatten(1) + self.position_bias  # (B, n)

    @torch.inference_mode()
    def sample(self, n: int, seed: Seed = 0, temperature: float = 1.0) -> np.ndarray:
        """Raster order, one cell per layer per pixel. The left-to-right state at (r, c) needs only
        (r, c-1) and (r-1, c), so it is computed when pixel (r, c) is reached; the right-to-left states
        of row r need the whole row, so they are computed once it is drawn (row r+1 reads them)."""
        generator = torch_generator(seed)
        side, depth = self.config.side, len(self.lstm_layers)
        x = torch.zeros(n, side * side)
        bias = self.position_bias.view(side, side)
        # the input map of every layer (the image, then the features below), filled as pixels are drawn;
        # its masked K_is never reads the cells not filled yet
        inputs = [image_to_grid(x, side)] + [torch.zeros(n, self.config.hidden, side, side) for _ in range(depth - 1)]
        left = [{} for _ in range(depth)]  # per layer, (r, c) -> (h, c) of the left-to-right direction
        right = [{} for _ in range(depth)]  # the same for the right-to-left direction
        outside = self.zero_state(n)  # (h, c) of the cells outside the image
        for r in range(side):
            for c in range(side):
                for d, layer in enumerate(self.lstm_layers):
                    from_input = layer.left_to_right.input_to_state(inputs[d])[:, :, r, c]  # (n, 4h)
                    left[d][r, c] = layer.left_to_right.cell(
                        from_input, left[d].get((r - 1, c), outside), left[d].get((r, c - 1), outside))
                    h = left[d][r, c][0] + right[d].get((r - 1, c), outside)[0]  # (n, h): right-to-left one row up
                    if d > 0:
                        h = inputs[d][:, :, r, c] + h  # residual
                    if d + 1 < depth:
                        inputs[d + 1][:, :, r, c] = h
                logit = self.output(h[:, :, None, None]).flatten() + bias[r, c]  # (n,)
                x[:, r * side + c] = torch.bernoulli(torch.sigmoid(logit / temperature), generator=generator)
                inputs[0][:, 0, r, c] = 2 * x[:, r * side + c] - 1  # as image_to_grid
            # row r is drawn: the right-to-left states of row r, from its right end
            for d, layer in enumerate(self.lstm_layers):
                from_input = layer.right_to_left.input_to_state(inputs[d].flip(3)).flip(3)[:, :, r]  # (n, 4h, W)
                for c in reversed(range(side)):
                    right[d][r, c] = layer.right_to_left.cell(
                        from_input[:, :, c], right[d].get((r - 1, c), outside), right[d].get((r, c + 1), outside))
        return x.to(torch.uint8).numpy()
