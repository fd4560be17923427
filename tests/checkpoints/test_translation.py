"""The translation checkpoints against each other: the cycle term is what keeps the digit, and
StarGAN's target domain controls the style of its output."""

import numpy as np

from core import checkpoints, registry
from core.data import gray
from core.data.domains import DOMAINS


def cyclegan_metrics(weight: int) -> dict:
    return checkpoints.load_card(f"cyclegan_l{weight}")["metrics"]


def test_the_cycle_term_keeps_the_digit_and_the_way_back():
    """lambda = 10 against lambda = 0 (same everything else): both round trips land far closer to
    where they started, G(x) keeps x's digit as the issue asks, and F(y) keeps y's digit far more
    often (without the cycle, G's local convolutions keep most digits by themselves; F does not)."""
    no_cycle, cycle = cyclegan_metrics(0), cyclegan_metrics(10)
    assert cycle["cycle_error_a"] < 0.5 * no_cycle["cycle_error_a"]
    assert cycle["cycle_error_b"] < 0.5 * no_cycle["cycle_error_b"]
    assert cycle["identity_ab"] >= 0.85 and cycle["identity_ba"] > no_cycle["identity_ba"] + 0.3


def test_the_cyclegans_differ_only_in_lambda():
    cards = [checkpoints.load_card(f"cyclegan_l{weight}") for weight in (0, 1, 10)]
    for card in cards:
        card["config"].pop("cycle_weight")
    assert all(card["config"] == cards[0]["config"] and card["train"] == cards[0]["train"] for card in cards)


def test_stargan_target_domain_controls_the_style():
    """The same digits sent to each domain in turn: the domain classifier's reading follows the
    target, so the target label, not the input, decides the style."""
    model, judge = registry.load("stargan"), registry.load("domain_classifier")
    x = gray("test")[:100]
    readings = np.stack([judge.probs(model.translate(x, d)).argmax(axis=1) for d in range(len(DOMAINS))])  # (k, 100)
    agreement = (readings == np.arange(len(DOMAINS))[:, None]).mean(axis=1)
    assert (agreement >= 0.8).all(), dict(zip(DOMAINS, agreement))
    # one generator, k domains: what changes between targets is the output, for the same input
    assert (readings[1:] != readings[0]).mean() > 0.8


def test_stargan_keeps_the_digit_about_as_well_as_the_restyles_do():
    metrics = checkpoints.load_card("stargan")["metrics"]
    for name in DOMAINS[1:]:
        assert metrics[f"identity_accuracy_{name}"] >= metrics[f"reference_identity_{name}"] - 0.1, name
