"""Measuring models: test NLL, the Markov-order sweep, and anomaly scores.

NLL is in nats per image, -1/N sum_n log p(x_n), on the shared split (core.data).
"""

from __future__ import annotations

import numpy as np

from core.models.base import ExplicitModel, Seed, as_rng
from core.pixel_models import ChowLiuTree, FullJoint, IndependentPixels, MarkovChain


def flip_pixels(x: np.ndarray, fraction: float, seed: Seed = 0) -> np.ndarray:
    """Corrupt binary images: each pixel flips independently with probability `fraction`."""
    x = np.asarray(x, dtype=np.uint8)
    flips = as_rng(seed).random(x.shape) < fraction
    return x ^ flips.astype(np.uint8)


def roc_auc(normal_scores: np.ndarray, anomaly_scores: np.ndarray) -> float:
    """P(score of an anomaly > score of a normal example), ties counted 1/2: the area
    under the ROC curve, via the Mann–Whitney U statistic. Scores here are -log p(x)."""
    normal = np.asarray(normal_scores)[:, None]
    anomaly = np.asarray(anomaly_scores)[None, :]
    return float(np.mean((anomaly > normal) + 0.5 * (anomaly == normal)))


def markov_sweep(train: np.ndarray, test: np.ndarray, orders, alpha: float) -> dict[str, np.ndarray]:
    """Fit a Markov chain of each order k on `train`; return k, the parameter count, the
    contexts seen, and the NLL on `train` and on `test` (held-out images): the
    over-fitting U-curve of held-out NLL against k."""
    rows = []
    for k in orders:
        model = MarkovChain(train, k, alpha)
        rows.append((k, float(model.num_params()), model.contexts_seen(), model.nll(train), model.nll(test)))
    k, params, seen, train_nll, test_nll = map(np.array, zip(*rows))
    return {"k": k, "params": params, "contexts_seen": seen, "train_nll": train_nll, "test_nll": test_nll}


def structure_table(train: np.ndarray, test: np.ndarray, orders, alpha: float) -> list[dict]:
    """Train and test NLL of every structure of the independence page on one split."""
    models: list[tuple[str, ExplicitModel]] = [("independent", IndependentPixels(train, alpha))]
    models += [(f"markov_{k}", MarkovChain(train, k, alpha)) for k in orders]
    models += [("chow_liu_tree", ChowLiuTree(train, alpha)), ("full_joint", FullJoint(train))]
    return [
        {"model": name, "params": model.num_params(), "train_nll": model.nll(train), "test_nll": model.nll(test)}
        for name, model in models
    ]


def choose_markov_order(fit: np.ndarray, val: np.ndarray, orders, alpha: float) -> int:
    """The Markov order with the lowest NLL on the validation carve (never the test part)."""
    sweep = markov_sweep(fit, val, orders, alpha)
    return int(sweep["k"][np.argmin(sweep["test_nll"])])


def main() -> None:
    """`python -m core.evaluate`: the test-NLL table of the independence page."""
    from core.data import digits

    train, test = digits("train").binary, digits("test").binary
    print("| model | parameters | train NLL | test NLL |\n|---|---:|---:|---:|")
    for row in structure_table(train, test, orders=range(1, 13), alpha=0.1):
        print(f"| {row['model']} | {row['params']:,} | {row['train_nll']:.2f} | {row['test_nll']:.2f} |")


if __name__ == "__main__":
    main()


def count_model_rows(train: np.ndarray, test: np.ndarray, markov_k: int, alpha: float) -> list[dict]:
    """Test NLL and parameters of the count-based structures of Lecture 9 (the baselines
    of the autoregressive leaderboard)."""
    models = {"independent": IndependentPixels(train, alpha), "markov": MarkovChain(train, markov_k, alpha),
              "chow_liu": ChowLiuTree(train, alpha)}
    return [{"model": name, "params": model.num_params(), "test_nll": model.nll(test)} for name, model in models.items()]
