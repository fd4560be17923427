"""Anomaly scores and the Markov sweep."""

import numpy as np
import pytest

from core import metrics
from core.data import digits
from core.models import counted


def test_roc_auc_against_brute_force_pairs():
    rng = np.random.default_rng(0)
    normal, anomaly = rng.normal(0, 1, 50), rng.normal(1, 1, 40)
    pairs = [(a > n) + 0.5 * (a == n) for n in normal for a in anomaly]
    assert metrics.roc_auc(normal, anomaly) == pytest.approx(np.mean(pairs))
    assert metrics.roc_auc([0, 1], [2, 3]) == 1.0
    assert metrics.roc_auc([1, 1], [1, 1]) == 0.5


def test_flip_pixels_flips_the_asked_share():
    x = np.zeros((200, 64), dtype=np.uint8)
    assert metrics.flip_pixels(x, 0.25, seed=0).mean() == pytest.approx(0.25, abs=0.01)
    np.testing.assert_array_equal(metrics.flip_pixels(x, 0.0), x)
    np.testing.assert_array_equal(metrics.flip_pixels(x, 1.0), 1 - x)


def test_markov_sweep_shows_the_over_fitting_u_curve():
    train, test = digits("train").binary, digits("test").binary
    sweep = counted.markov_sweep(train, test, range(0, 64, 3), alpha=0.1)
    best = int(np.argmin(sweep["test_nll"]))
    assert 0 < best < len(sweep["k"]) - 1  # a minimum inside: the U
    assert sweep["test_nll"][best] < 20.0 < 25.0 < sweep["test_nll"][0]
    assert sweep["train_nll"][-1] < sweep["train_nll"][best] < sweep["train_nll"][0]
    assert sweep["test_nll"][-1] > sweep["test_nll"][best] + 5


def test_markov_order_is_chosen_on_validation():
    k = counted.choose_markov_order(digits("fit").binary, digits("val").binary, range(0, 16), alpha=0.1)
    assert 4 <= k <= 15


def test_the_stored_markov_orders_are_what_the_validation_carve_chooses():
    for alpha, k in counted.STORED_ORDERS.items():
        assert counted.validated_markov_order(alpha, stored=False) == k
        assert counted.validated_markov_order(alpha) == k


def test_noisy_digits_score_far_lower():
    from core.models.counted import MarkovChain

    train, test = digits("train").binary, digits("test").binary
    model = MarkovChain(train, 8)
    clean, noisy = model.log_prob(test), model.log_prob(metrics.flip_pixels(test, 0.1, seed=0))
    assert noisy.mean() < clean.mean() - 10
    assert metrics.roc_auc(-clean, -noisy) > 0.95
