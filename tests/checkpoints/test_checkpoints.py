"""Every model of the registry has a committed checkpoint that loads with a matching
hash, whose test metrics re-measured now equal its card, and meet its issue's bars."""

import dataclasses
import json

import pytest

from core import checkpoints, registry
from tests.conftest import ROOT

NAMES = list(registry.REGISTRY)
REQUIRED = ("name", "config", "seed", "epochs", "train_seconds", "split", "metrics", "versions", "sha256")


@pytest.mark.parametrize("name", NAMES)
def test_checkpoint_loads_and_its_card_is_complete(name):
    card = checkpoints.load_card(name)
    assert [key for key in REQUIRED if key not in card] == []
    model = registry.load(name)
    assert model.num_params() == card["metrics"]["num_params"]


@pytest.mark.parametrize("name", NAMES)
def test_metrics_re_measured_equal_the_card_and_meet_the_bars(name):
    entry, card = registry.entry(name), checkpoints.load_card(name)
    measured = registry.measure(entry, registry.load(name))
    for metric, value in measured.items():
        assert value == pytest.approx(card["metrics"][metric], rel=1e-4, abs=1e-3), metric
    assert entry.unmet_bars(measured) == []


def test_no_stray_checkpoints_and_all_small():
    stems = {p.stem for p in (ROOT / "checkpoints").glob("*.safetensors")}
    assert stems == set(NAMES)
    total = sum(p.stat().st_size for p in (ROOT / "checkpoints").glob("*"))
    assert total < 50 * 2**20


def test_the_beta_family_traces_a_rate_distortion_curve_and_collapses_at_the_largest_beta():
    """As β grows the rate R falls and the distortion D rises; at β = 8 the posterior has
    collapsed (no active unit) and D is the NLL of independent pixels fitted to the same data."""
    from core.data import digits
    from core.models.counted import IndependentPixels
    from core.models.latent.vae import BETAS, beta_name

    cards = [checkpoints.load_card(beta_name(beta))["metrics"] for beta in BETAS]
    rates, distortions = [c["rate"] for c in cards], [c["distortion"] for c in cards]
    assert rates == sorted(rates, reverse=True) and len(set(rates)) == len(rates)
    assert distortions == sorted(distortions) and len(set(distortions)) == len(distortions)
    assert cards[-1]["active_units"] == 0 and cards[0]["active_units"] == 2
    independent = IndependentPixels(digits("train").binary, 0.1).nll(digits("test").binary)
    assert abs(cards[-1]["distortion"] - independent) < 0.5


def test_dcgan_beats_the_mlp_gan_trained_for_about_the_same_time():
    """The convolutional recipe, not more training: DCGAN's Fréchet distance is lower than the
    MLP GAN's, whose budget was set so that it trained at least as long."""
    dcgan, mlp = checkpoints.load_card("dcgan"), checkpoints.load_card("gan_mlp")
    assert dcgan["metrics"]["fd"] < mlp["metrics"]["fd"]
    assert mlp["train_seconds"] >= 0.8 * dcgan["train_seconds"]


def test_the_classifier_tells_collapsed_samples_from_good_ones():
    """Decoded prior samples judged on the classifier's features: the collapsed β = 8 VAE is
    far worse than β = 1 and than every AAE, and none comes near binarized real digits."""
    fd = {name: checkpoints.load_card(name)["metrics"]["classifier_fd"]
          for name in ("vae_beta_1", "vae_beta_8", "aae_gaussian", "aae_mixture", "aae_uniform", "aae_swiss_roll")}
    real = checkpoints.load_card("vae_beta_1")["metrics"]["classifier_fd_real"]
    assert fd["vae_beta_8"] > 3 * fd["vae_beta_1"]
    assert all(fd["vae_beta_8"] > value for name, value in fd.items() if name.startswith("aae"))
    assert min(fd.values()) > real


@pytest.mark.parametrize("name", NAMES)
def test_the_registry_still_builds_and_trains_each_model_as_its_card_says_it_was(name):
    """The entry's config and training recipe equal the card's (fields added to a config after a
    checkpoint was trained are absent from its card and take their defaults, which the shape check
    of `registry.load` covers)."""
    entry, card = registry.entry(name), checkpoints.load_card(name)
    config = json.loads(json.dumps(dataclasses.asdict(entry.config)))
    recipe = json.loads(json.dumps(dataclasses.asdict(entry.train)))
    assert {key: config[key] for key in card["config"]} == card["config"]
    assert {key: recipe[key] for key in card["train"]} == card["train"]
    assert card["data"] == entry.data and card["model"] == type(registry.build(name)).__name__
