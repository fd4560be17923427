"""The base of the neural autoregressive models over 64 binary pixels in raster order:

    p(x) = prod_{i=1}^{n} p(x_i | x_{<i}),   p(x_i = 1 | x_{<i}) = sigmoid(logit_i(x_{<i})).

A model writes only `logits(x)`: all n conditional logits at once (teacher forcing),
where logit_i must read nothing but x_{<i}. Everything else is shared: the loss, log p(x),
the conditional maps, and the generic raster sampler that draws x_1, then x_2 given x_1,
and so on (one network pass per pixel). A model with a cheaper incremental sampler
overrides `sample`.
"""

from __future__ import annotations

from abc import abstractmethod

import numpy as np
import torch
import torch.nn.functional as F

from core.models.base import ExplicitModel, Seed
from core.models.neural import NeuralModel, as_float_tensor, torch_generator


class BinaryAutoregressive(NeuralModel, ExplicitModel):
    """Bernoulli conditionals from a network; images (B, n) of 0/1 in raster order."""

    num_pixels: int

    @abstractmethod
    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """logit_i(x_{<i}) for every pixel: (B, n) -> (B, n)."""

    def loss(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """NLL in nats per image: -sum_i log Ber(x_i | sigmoid(logit_i))."""
        nll = F.binary_cross_entropy_with_logits(self.logits(x), x, reduction="none").sum(dim=1).mean()
        return {"loss": nll, "nll": nll}

    @torch.inference_mode()
    def log_prob(self, x) -> np.ndarray:
        x = as_float_tensor(x)
        return -F.binary_cross_entropy_with_logits(self.logits(x), x, reduction="none").sum(dim=1).numpy()

    @torch.inference_mode()
    def conditionals(self, x) -> np.ndarray:
        """p(x_i = 1 | x_{<i}) at every pixel of each image: (B, n)."""
        return torch.sigmoid(self.logits(as_float_tensor(x))).numpy()

    @torch.inference_mode()
    def sample(self, n: int, seed: Seed = 0, temperature: float = 1.0) -> np.ndarray:
        """Draw pixel by pixel in raster order; temperature T scales the logits by 1/T."""
        generator = torch_generator(seed)
        x = torch.zeros(n, self.num_pixels)
        for i in range(self.num_pixels):
            p_one = torch.sigmoid(self.logits(x)[:, i] / temperature)
            x[:, i] = torch.bernoulli(p_one, generator=generator)
        return x.to(torch.uint8).numpy()


def input_gradient(model: BinaryAutoregressive, images, pixel: int) -> np.ndarray:
    """Which input pixels move the conditional of `pixel`: |d logit_pixel / d x_j| for
    every j, averaged over the images, (n,). Measured from the trained network, so it shows
    the context the architecture really uses (zero on and after `pixel` for a causal model)."""
    x = as_float_tensor(images).requires_grad_(True)
    with torch.enable_grad():
        model.logits(x)[:, pixel].sum().backward()
    return x.grad.abs().mean(dim=0).numpy()
