"""Lecture 10's latent-variable pages: variational inference, the VAE and the AAE."""

import math

import pytest

from tests.app.conftest import metric, open_page
from ui.i18n import catalog as strings

EN = strings("en")


def assert_clean(at):
    assert not at.exception, [e.value for e in at.exception]


def test_elbo_and_kl_add_up_to_the_evidence_and_the_posterior_closes_the_gap():
    at = open_page("variational")
    evidence = float(metric(at, EN["variational.identity.evidence"]))
    for mean, std in [(0.0, 1.0), (2.5, 0.1), (-3.0, 2.0)]:
        at.slider(key="q_mean").set_value(mean).run()
        at.slider(key="q_std").set_value(std).run()
        assert_clean(at)
        elbo, kl = float(metric(at, "ELBO")), float(metric(at, "KL(q ‖ p(z|x))"))
        assert float(metric(at, EN["variational.identity.evidence"])) == evidence  # q does not move ln p(x)
        assert elbo + kl == pytest.approx(evidence, abs=2e-3) and kl > 0
    at.slider(key="q_mean").set_value(0.8).run()  # the posterior of x = 2: N(0.8, 0.2), σ = 0.447
    at.slider(key="q_std").set_value(0.45).run()
    assert float(metric(at, "KL(q ‖ p(z|x))")) < 0.001


def test_fit_button_fits_q_to_one_mode():
    at = open_page("variational")
    assert at.info  # the invitation to press the button
    next(b for b in at.button if b.label == EN["variational.fit.run"]).click().run()
    assert_clean(at)
    assert not at.info
    assert float(metric(at, "KL(q ‖ p)")) == pytest.approx(math.log(2), abs=0.05)  # one of two equal modes
    assert len(at.get("plotly_chart")) == 5  # the ELBO curve joins the figures
    at.slider(key="start_x").set_value(-1.0).run()  # new settings: the old fit is not shown for them
    assert at.info


def test_more_monte_carlo_samples_bring_the_estimate_to_the_closed_form():
    at = open_page("variational", samples="10")
    closed = float(metric(at, EN["variational.kl.closed"]))
    few = metric(at, EN["variational.kl.monte_carlo"].format(samples=10))
    at.select_slider(key="samples").set_value("100000").run()
    assert_clean(at)
    many = metric(at, EN["variational.kl.monte_carlo"].format(samples=100000))
    estimate, error = (float(part) for part in many.split(" ± "))
    assert abs(estimate - closed) < 5 * error and error < float(few.split(" ± ")[1])


def test_beta_chooses_a_checkpoint_and_large_beta_collapses_the_posterior():
    at = open_page("vae", beta="0.1")
    assert_clean(at)
    rate_label, recon_label = EN["vae.beta.prior_fit"], EN["vae.beta.recon"]
    low_beta = float(metric(at, rate_label)), float(metric(at, recon_label))
    at.select_slider(key="beta").set_value("8").run()
    assert_clean(at)
    high_beta = float(metric(at, rate_label)), float(metric(at, recon_label))
    assert high_beta[0] < low_beta[0] and high_beta[1] > low_beta[1]  # less rate, more distortion
    assert metric(at, EN["vae.beta.active"]).startswith("0")  # collapsed: no active unit


def test_train_at_this_beta_trains_a_session_model():
    at = open_page("vae", beta="2")
    at.button[0].click().run(timeout=120)
    assert_clean(at)
    assert at.success and "R =" in at.success[0].value
    charts = len(at.get("plotly_chart"))
    at.select_slider(key="beta").set_value("4").run()  # another β: the session model is not shown for it
    assert_clean(at)
    assert not at.success and len(at.get("plotly_chart")) == charts


@pytest.mark.parametrize("prior", ["gaussian", "mixture", "uniform", "swiss_roll"])
def test_every_prior_shows_its_aae(prior):
    at = open_page("aae", prior=prior)
    assert_clean(at)
    aae, vae = float(metric(at, EN["aae.prior.energy"])), float(metric(at, EN["aae.prior.vae_energy"]))
    assert aae >= 0 and vae >= 0
    at.toggle(key="critic").set_value(True).run()
    assert_clean(at)
