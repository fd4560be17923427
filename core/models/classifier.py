"""A small digit classifier: the judge of the sample-quality metrics of the GAN pages.

    p(y | x) = softmax(W f(x) + b),   f(x) = the penultimate features of a small CNN

A GAN has no likelihood to report, so its samples are judged by what this network sees
in them: the Fréchet distance and precision/recall on f(x), an IS-style score on p(y|x)
(core/metrics.py). It plays the part the Inception network plays for ImageNet GANs [1],
scaled to 8x8 gray digits in [0, 1] (gray level / 16).

Training reuses the shared loop of core/training.py, which feeds the model one tensor per
batch: a labelled batch is (B, 65), the 64 pixels then the label (`with_labels`).

[1] Szegedy et al., Rethinking the Inception Architecture for Computer Vision, CVPR 2016.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from core.models.neural import NeuralModel


@dataclass(frozen=True)
class ClassifierConfig:
    side: int = 8
    classes: int = 10
    channels: int = 32  # first conv layer; the second has twice as many
    features: int = 64  # the penultimate layer: the feature space of the metrics
    dropout: float = 0.3


def with_labels(images: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """One (N, 65) array per labelled set: the pixels in [0, 1] then the label."""
    return np.concatenate([np.asarray(images, dtype=np.float32), np.asarray(labels, dtype=np.float32)[:, None]], axis=1)


class DigitClassifier(NeuralModel):
    """conv3x3 -> conv3x3 -> max-pool -> linear (features) -> linear (class logits)."""

    def __init__(self, config: ClassifierConfig):
        super().__init__()
        self.config = config
        c, side = config.channels, config.side
        self.body = nn.Sequential(
            nn.Conv2d(1, c, 3, padding=1), nn.ReLU(),  # state size c x 8 x 8
            nn.Conv2d(c, 2 * c, 3, padding=1), nn.ReLU(),  # state size 2c x 8 x 8
            nn.MaxPool2d(2),  # state size 2c x 4 x 4
            nn.Flatten(),
            nn.Linear(2 * c * (side // 2) ** 2, config.features), nn.ReLU(),  # state size features
        )
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.features, config.classes)

    def forward_features(self, images: torch.Tensor) -> torch.Tensor:
        """f(x): (B, 64) pixels in [0, 1] -> (B, features)."""
        side = self.config.side
        return self.body(images.view(-1, 1, side, side))

    def logits(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.forward_features(images)))  # (B, classes)

    def loss(self, batch: torch.Tensor) -> dict[str, torch.Tensor]:
        """Cross-entropy -log p(y|x) on a labelled batch (B, 65), and the error rate."""
        images, labels = batch[:, :-1], batch[:, -1].long()
        logits = self.logits(images)
        nll = F.cross_entropy(logits, labels)
        error = (logits.argmax(dim=1) != labels).float().mean()
        return {"loss": nll, "nll": nll, "error": error}

    @torch.inference_mode()
    def features(self, images) -> np.ndarray:
        """Penultimate features f(x) of images (N, 64) in [0, 1]: (N, features)."""
        return self.forward_features(torch.as_tensor(np.asarray(images), dtype=torch.float32)).numpy()

    @torch.inference_mode()
    def probs(self, images) -> np.ndarray:
        """p(y | x) of images (N, 64) in [0, 1]: (N, classes)."""
        return F.softmax(self.logits(torch.as_tensor(np.asarray(images), dtype=torch.float32)), dim=1).numpy()

