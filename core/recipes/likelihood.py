"""The registry's default fit and measure: the likelihood models (NADE, PixelCNN, the PixelRNNs).

fit: the shared loop of core/training.py minimizes model.loss (the NLL) on the fit part and
stops early on the validation carve. measure: the test NLL, -1/N sum_n log p(x_n) in nats
per image, and the exact number of free parameters.
"""

from __future__ import annotations

from core.training import TrainResult, train


def fit_likelihood(entry, model) -> TrainResult:
    """The shared loop: minimize model.loss on the fit part, stop early on the validation carve."""
    return train(model, entry.images("fit"), entry.images("val"), entry.train)


def measure_likelihood(entry, model) -> dict[str, float]:
    """Test NLL in nats per image and the parameter count."""
    return {"test_nll": float(-model.log_prob(entry.images("test")).mean()), "num_params": model.num_params()}
