"""Captions say what the picture and the numbers beside it show (issue 13, items 16-18):
checked against the shipped checkpoints' cards and, where a caption claims something about
the models, against the models themselves."""

import numpy as np
import pytest

from core import checkpoints, registry
from core.models.adversarial.progan import RESOLUTIONS
from core.models.latent.aae import PRIORS
from core.recipes.latent import prior_match
from core.recipes.progan import classifier_view
from ui.i18n import LANGUAGES, catalog


def aae_metrics(prior: str) -> dict:
    return checkpoints.load_card(f"aae_{prior}")["metrics"]


def test_prior_match_reads_the_energy_against_its_floor():
    assert prior_match(0.010, 0.010) == "close"
    assert prior_match(0.025, 0.010) == "fair"
    assert prior_match(0.050, 0.010) == "poor"


def test_the_default_aae_prior_is_called_a_poor_match_and_the_others_are_not():
    """The 10-Gaussian mixture (the page's default) scores 0.080 against a floor of 0.015; the
    caption must not say its codes fill the shape of the prior."""
    matches = {prior: prior_match(aae_metrics(prior)["energy"], aae_metrics(prior)["energy_floor"]) for prior in PRIORS}
    assert matches["mixture"] == "poor"
    assert all(match != "poor" for prior, match in matches.items() if prior != "mixture")
    for lang in LANGUAGES:
        strings = catalog(lang)
        assert "fill" not in strings["aae.prior.caption"] and "채우고" not in strings["aae.prior.caption"]
        metrics = aae_metrics("mixture")
        text = strings["aae.prior.match.poor"].format(energy=metrics["energy"], floor=metrics["energy_floor"],
                                                      ratio=metrics["energy"] / metrics["energy_floor"])
        assert "0.080" in text and "0.015" in text and "5.2" in text


def progan_args() -> dict:
    card = checkpoints.load_card("progan")
    metrics, config = card["metrics"], card["config"]
    return dict(floor4=metrics["fd_real_4"], fd8=metrics["fd_8"], fd16=metrics["fd_16"],
                epochs=config["fade_epochs"] + config["stabilize_epochs"], ratios="4×4 7.1×")


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_the_progressive_gan_captions_explain_the_stages(lang):
    strings = catalog(lang)
    note = strings["progressive_gan.quality.stages_note"].format(**progan_args())
    assert "64.3" in note and "20.9" in note and "4.7" in note  # the bars it explains
    assert "settles the coarse shape" not in strings["progressive_gan.stages.caption"]


def test_the_8x8_and_16x16_stages_share_one_reference_as_the_note_says():
    metrics = checkpoints.load_card("progan")["metrics"]
    assert metrics["fd_real_8"] == pytest.approx(metrics["fd_real_16"])
    assert metrics["fd_8"] > metrics["fd_4"] and metrics["fd_8"] > metrics["fd_16"]


def test_the_same_z_keeps_its_digit_within_the_final_network_more_than_across_snapshots():
    """The stages caption: the rows are snapshots taken as each stage ended, and later training
    changed the earlier layers, so a z often changes its digit from 8x8 to 16x16; within the
    finished network (the fade-in at 16x16) its 8x8 image and its 16x16 block mostly agree."""
    model, classifier = registry.load("progan"), registry.load("classifier")

    def digit(images: np.ndarray) -> np.ndarray:
        return classifier.probs(classifier_view(images)).argmax(axis=1)

    n, last = 1000, RESOLUTIONS[-1]
    final = digit(model.sample(n, 0, last))
    across_snapshots = (digit(model.sample(n, 0, last // 2)) == final).mean()
    within_final = (digit(model.parts(n, 0, last)["previous"]) == final).mean()
    assert across_snapshots < 0.75 < within_final


def test_the_points_message_reads_right_for_one_point():
    english = catalog("en")["gan.lab.bad_points.too_few_points"].format(count=1, limit=3)
    assert "1 points" not in english
