"""Every trained model of the app, named once: its builder, its config, how it trains,
how it is measured on the test part, and the bars those measurements must meet.

`core.train`, the app's cached loaders, the checkpoint tests and the benchmarks all go
through here, so a new model is one entry. `load(name)` returns the trained model from
checkpoints/<name> (hash and shapes checked, eval mode).

Defaults are those of the likelihood models: the shared loop of core/training.py on the
model's view of the fit part, early stopping on the validation carve, and the test NLL.
A family with another objective (a GAN, a classifier) gives its own `fit` and `measure`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core import checkpoints, data
from core.models.nade import NADE, ContinuousNADE, ContinuousNADEConfig, NADEConfig
from core.models.pixelcnn import PixelCNN, PixelCNNConfig
from core.models.pixelrnn import DiagonalBiLSTM, DiagonalBiLSTMConfig, RowLSTM, RowLSTMConfig
from core.training import TrainConfig, TrainResult, train


def fit_likelihood(entry: Entry, model) -> TrainResult:
    """The shared loop: minimize model.loss on the fit part, stop early on the validation carve."""
    return train(model, entry.images("fit"), entry.images("val"), entry.train)


def measure_likelihood(entry: Entry, model) -> dict[str, float]:
    """Test NLL, -1/N sum_n log p(x_n) in nats per image, and the parameter count."""
    return {"test_nll": float(-model.log_prob(entry.images("test")).mean()), "num_params": model.num_params()}


@dataclass(frozen=True)
class Entry:
    name: str
    build: Callable  # config -> untrained model
    config: object  # the frozen config dataclass the model is built from
    train: object  # the training recipe `fit` reads (a TrainConfig for the shared loop)
    data: str = "binary"  # "binary" (0/1 pixels) or "levels" (gray levels 0..16)
    bars: tuple[tuple[str, str, float], ...] = ()  # (metric, "<=" or ">=", value) the checkpoint must meet
    fit: Callable[[Entry, object], TrainResult] = fit_likelihood
    measure: Callable[[Entry, object], dict] = measure_likelihood  # metrics on the test part, deterministic

    def images(self, part: str) -> np.ndarray:
        """The model's view of one part of the shared split, (N, 64)."""
        split = data.digits(part)
        return split.binary if self.data == "binary" else split.images

    def unmet_bars(self, metrics: dict) -> list[str]:
        """The bars `metrics` miss, as readable lines (empty when all hold)."""
        holds = {"<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b}
        return [f"{metric} = {metrics[metric]:.4g}, bar {op} {value}"
                for metric, op, value in self.bars if not holds[op](metrics[metric], value)]


ENTRIES = (
    Entry("nade", NADE, NADEConfig(hidden=100), TrainConfig(epochs=500, lr=3e-3, weight_decay=1e-3, patience=25),
          bars=(("test_nll", "<=", 17.3),)),
    Entry("nade_continuous", ContinuousNADE, ContinuousNADEConfig(hidden=100, components=5),
          TrainConfig(epochs=600, lr=2e-3, weight_decay=1e-4, patience=40), data="levels"),
    Entry("pixelcnn", PixelCNN, PixelCNNConfig(channels=32, layers=4, dropout=0.4),
          TrainConfig(lr=2e-3, weight_decay=0.1, patience=20, ema=0.995), bars=(("test_nll", "<=", 17.3),)),
    Entry("row_lstm", RowLSTM, RowLSTMConfig(hidden=32, layers=2, kernel=7, first_rows=3, dropout=0.2),
          TrainConfig(lr=3e-3, weight_decay=0.05, patience=15), bars=(("test_nll", "<=", 17.0),)),
    Entry("diagonal_bilstm", DiagonalBiLSTM, DiagonalBiLSTMConfig(hidden=32, layers=2, dropout=0.2),
          TrainConfig(lr=3e-3, weight_decay=0.05, patience=15, ema=0.995), bars=(("test_nll", "<=", 16.7),)),
)
REGISTRY = {entry.name: entry for entry in ENTRIES}


def entry(name: str) -> Entry:
    if name not in REGISTRY:
        raise KeyError(f"unknown model {name!r}; known: {', '.join(REGISTRY)}")
    return REGISTRY[name]


def build(name: str, **config_changes):
    """An untrained model of entry `name` (config fields may be changed, e.g. for tests)."""
    e = entry(name)
    return e.build(dataclasses.replace(e.config, **config_changes))


def load(name: str):
    """The trained model from checkpoints/<name>: hash and shapes checked, in eval mode."""
    import torch

    model = build(name)
    shapes = {key: tuple(value.shape) for key, value in model.state_dict().items()}
    tensors, _ = checkpoints.load_checkpoint(name, expected_shapes=shapes)
    model.load_state_dict({key: torch.from_numpy(value) for key, value in tensors.items()})
    return model.eval()
