"""The lab's networks and optimizers, written out because they are part of what the lab
teaches: an MLP in the lecture's layout h <- relu(h W + b), and gradient descent and Adam
on one flat vector that holds all of a network's weights, so that an optimizer step is a
few tensor operations.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn

ADAM_BETAS = (0.5, 0.999)  # as in DCGAN (Radford et al. 2016)


class MLP(nn.Module):
    """inputs -> [Linear -> ReLU] x layers -> Linear -> outputs, written as h <- relu(h @ W + b).

    W has shape (in, out), as in the lecture's h W + b; nn.Linear stores (out, in). For the
    thin 2-unit layers at the ends this layout is also the faster one in matrix products.
    Weights are drawn from `generator` with PyTorch's default rule for nn.Linear,
    W and b ~ U[-1/sqrt(in), 1/sqrt(in)], so the same seed gives the same network."""

    def __init__(self, inputs: int, units: int, layers: int, outputs: int, generator: torch.Generator):
        super().__init__()
        sizes = [inputs] + [units] * layers + [outputs]
        self.weights, self.biases = nn.ParameterList(), nn.ParameterList()
        for a, b in zip(sizes[:-1], sizes[1:]):
            bound = 1 / math.sqrt(a)
            self.weights.append(nn.Parameter(torch.empty(a, b).uniform_(-bound, bound, generator=generator)))  # (in, out)
            self.biases.append(nn.Parameter(torch.empty(b).uniform_(-bound, bound, generator=generator)))  # (out,)
        self.layers = tuple(zip(self.weights, self.biases))  # a plain tuple: faster to loop over

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for W, b in self.layers[:-1]:
            x = torch.relu_(torch.addmm(b, x, W))  # (B, units); in place: one buffer less
        W, b = self.layers[-1]
        return torch.addmm(b, x, W)  # (B, outputs)


def flatten_parameters(net: nn.Module) -> torch.Tensor:
    """Move all of net's weights into one flat vector and return it: each parameter
    becomes a view of a slice of it, so updating the vector in place updates the network."""
    params = list(net.parameters())
    flat = torch.cat([p.detach().reshape(-1) for p in params])
    start = 0
    for p in params:
        p.data = flat[start : start + p.numel()].view_as(p)
        start += p.numel()
    return flat


class SGD:
    """Plain gradient descent on a flat parameter vector: theta <- theta - lr g."""

    def __init__(self, flat: torch.Tensor, lr: float):
        self.flat, self.lr = flat, lr

    def step(self, grad: torch.Tensor) -> None:
        self.flat.add_(grad, alpha=-self.lr)


class Adam:
    """Adam (Kingma & Ba 2015) on a flat parameter vector, in the paper's efficient form:
        m <- b1 m + (1 - b1) g,   v <- b2 v + (1 - b2) g^2,
        theta <- theta - lr_t m / (sqrt(v) + eps_t),
    with the bias corrections folded into lr_t = lr sqrt(1 - b2^t) / (1 - b1^t) and
    eps_t = eps sqrt(1 - b2^t) (the same update as m_hat / (sqrt(v_hat) + eps))."""

    def __init__(self, flat: torch.Tensor, lr: float, betas: tuple[float, float] = ADAM_BETAS, eps: float = 1e-8):
        self.flat, self.lr, self.betas, self.eps = flat, lr, betas, eps
        self.m, self.v, self.t = torch.zeros_like(flat), torch.zeros_like(flat), 0

    def step(self, grad: torch.Tensor) -> None:
        b1, b2 = self.betas
        self.t += 1
        correction = math.sqrt(1 - b2**self.t)
        self.m.lerp_(grad, 1 - b1)
        self.v.mul_(b2).addcmul_(grad, grad, value=1 - b2)
        self.flat.addcdiv_(self.m, self.v.sqrt().add_(self.eps * correction), value=-self.lr * correction / (1 - b1**self.t))


OPTIMIZER_CLASSES = {"adam": Adam, "sgd": SGD}


def flat_gradient(loss: torch.Tensor, params: list[nn.Parameter]) -> torch.Tensor:
    """d loss / d params as one flat vector, in the order of flatten_parameters.
    Only these parameters get gradients: the other network is left alone."""
    return torch.cat([g.reshape(-1) for g in torch.autograd.grad(loss, params)])
