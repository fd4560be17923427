"""The two players' losses and the regularizers of D; [n] are the references of the
package docstring (core/gan_lab/__init__.py).

The losses take D's logits l, with D(x) = sigmoid(l). D's losses take the logits of a batch
of 2B points, B real then B fake, and their labels (1 real, 0 fake), as in the DCGAN
example; binary cross-entropy on a logit is -log D for label 1 and -log(1 - D) for 0.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F


def discriminator_loss_bce(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """The mean binary cross-entropy over the 2B points:
    1/2 (-E log D(x) - E log(1 - D(G(z)))), half of D's side of the minimax game.
    It is log 2 when D cannot tell (D = 1/2 everywhere)."""
    return F.binary_cross_entropy_with_logits(logits, labels)


def discriminator_loss_ls(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """1/2 E (l(x) - 1)^2 + 1/2 E l(G(z))^2: least squares toward the labels [3]."""
    return F.mse_loss(logits, labels)


def generator_loss_minimax(fake: torch.Tensor) -> torch.Tensor:
    """E log(1 - D(G(z))), minimized: minus the cross-entropy of the fakes labelled 0.
    Its gradient with respect to l is -D(G(z)): it vanishes when D rejects the fakes."""
    return -F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake))


def generator_loss_non_saturating(fake: torch.Tensor) -> torch.Tensor:
    """-E log D(G(z)): the cross-entropy of the fakes labelled 1 (real) [2, section 3].
    Its gradient with respect to l is -(1 - D(G(z))): strongest when D rejects the fakes."""
    return F.binary_cross_entropy_with_logits(fake, torch.ones_like(fake))


def generator_loss_ls(fake: torch.Tensor) -> torch.Tensor:
    """1/2 E (l(G(z)) - 1)^2 [3]."""
    return 0.5 * F.mse_loss(fake, torch.ones_like(fake))


DISCRIMINATOR_LOSSES = {"minimax": discriminator_loss_bce, "non_saturating": discriminator_loss_bce,
                        "least_squares": discriminator_loss_ls}
GENERATOR_LOSSES = {"minimax": generator_loss_minimax, "non_saturating": generator_loss_non_saturating,
                    "least_squares": generator_loss_ls}


def penalty(discriminator: nn.Module, regularizer: str, real: torch.Tensor, fake: torch.Tensor,
            mix: torch.Tensor) -> torch.Tensor:
    """The regularizer of D (>= 0), on the gradient of its logit with respect to its input.
    `mix` (B, 1) ~ U[0, 1] places the interpolates x^ = mix x + (1 - mix) G(z)."""
    points = real if regularizer == "r1" else mix * real + (1 - mix) * fake  # (B, 2)
    points = points.detach().requires_grad_(True)
    # create_graph: the penalty is itself differentiated with respect to D's weights
    (grad,) = torch.autograd.grad(discriminator(points).sum(), points, create_graph=True)  # (B, 2)
    squared_norm = grad.pow(2).sum(dim=1)  # (B,)
    if regularizer == "gradient_penalty":
        return ((squared_norm + 1e-12).sqrt() - 1).pow(2).mean()  # 1e-12: the root's slope at 0
    return squared_norm.mean()
