"""Variational inference: the identity ln p(x) = ELBO + KL on the exact model, the Gaussian
KL against Monte Carlo and quadrature, and the mode-seeking fit on a bimodal target."""

import numpy as np
import pytest
import torch
from scipy import integrate

from core.lectures import variational as vi


@pytest.mark.parametrize("mean,std", [(0.0, 1.0), (1.5, 0.2), (-2.0, 3.0), (0.3, 0.05)])
@pytest.mark.parametrize("x", [-3.0, 0.0, 1.3])
def test_elbo_plus_kl_is_the_log_evidence_for_any_q(x, mean, std):
    model = vi.LinearGaussian(w=2.0, b=0.5, s=0.8)
    total = model.elbo(x, mean, std) + model.kl_to_posterior(x, mean, std)
    assert total == pytest.approx(model.log_evidence(x), abs=1e-12)
    assert model.kl_to_posterior(x, mean, std) >= 0


def test_the_exact_posterior_closes_the_gap_and_the_evidence_is_a_density():
    model = vi.LinearGaussian(w=1.5, b=-0.2, s=0.7)
    mean, var = model.posterior(0.9)
    assert model.elbo(0.9, mean, np.sqrt(var)) == pytest.approx(model.log_evidence(0.9), abs=1e-12)
    total, _ = integrate.quad(lambda x: np.exp(model.log_evidence(x)), -30, 30)
    assert total == pytest.approx(1.0, abs=1e-8)


def test_posterior_is_bayes_rule_by_quadrature():
    model, x = vi.LinearGaussian(w=2.0, b=0.5, s=0.8), 1.1
    joint = lambda z: np.exp(vi.normal_log_pdf(z, 0, 1) + vi.normal_log_pdf(x, model.w * z + model.b, model.s**2))
    evidence, _ = integrate.quad(joint, -20, 20)
    mean, _ = integrate.quad(lambda z: z * joint(z) / evidence, -20, 20)
    assert np.log(evidence) == pytest.approx(model.log_evidence(x), abs=1e-9)
    assert mean == pytest.approx(model.posterior(x)[0], abs=1e-9)


@pytest.mark.parametrize("mean,std", [(0.0, 1.0), (1.0, 0.5), (-2.0, 2.5)])
def test_kl_closed_form_matches_monte_carlo_and_quadrature(mean, std):
    closed = vi.kl_to_standard_normal(mean, std)
    estimate, error = vi.kl_monte_carlo(mean, std, 200_000, seed=1)
    assert abs(estimate - closed) < 5 * error + 1e-12
    q = lambda z: np.exp(vi.normal_log_pdf(z, mean, std**2))
    by_quadrature, _ = integrate.quad(lambda z: q(z) * (np.log(q(z)) - vi.normal_log_pdf(z, 0, 1)),
                                      mean - 12 * std, mean + 12 * std)
    assert closed == pytest.approx(by_quadrature, abs=1e-8)
    assert closed == pytest.approx(vi.kl_normal(mean, std**2, 0.0, 1.0))


def test_kl_is_zero_only_at_the_prior():
    assert vi.kl_to_standard_normal(0.0, 1.0) == 0.0
    assert vi.kl_to_standard_normal(0.1, 1.0) > 0 and vi.kl_to_standard_normal(0.0, 0.9) > 0


def test_grid_normalizer_and_the_gap_on_a_gaussian_target():
    """A Gaussian target: the fitted q can be exact, so the grid KL of q = p is ~0."""
    target = lambda z: -0.5 * ((z[..., 0] - 1) ** 2 / 0.25 + (z[..., 1] + 0.5) ** 2)
    _, _, log_z = vi.density_grid(target, 301)
    assert log_z == pytest.approx(np.log(2 * np.pi * 0.5), abs=1e-3)  # the grid cuts the tails at ±4.5
    elbo, kl = vi.gaussian_elbo_on_grid(target, (1.0, -0.5), (0.5, 1.0))
    assert kl == pytest.approx(0.0, abs=1e-4)
    _, kl_off = vi.gaussian_elbo_on_grid(target, (0.0, 0.0), (0.5, 1.0))
    assert kl_off > 0.5


def test_fitting_q_to_two_modes_picks_one_of_them():
    """KL(q‖p) is mode-seeking: from a start right of the middle, q settles on the right
    bump, and its KL to the normalized target is about ln 2 (it covers half the mass)."""
    torch.manual_seed(0)
    last = list(vi.fit_gaussian(vi.bimodal_log_density, steps=400, start=(0.5, 1.5), seed=0))[-1]
    assert last.mean[0] == pytest.approx(2.5, abs=0.15) and abs(last.mean[1]) < 0.15
    assert last.std[0] == pytest.approx(0.5, abs=0.1)
    _, kl = vi.gaussian_elbo_on_grid(vi.bimodal_log_density, last.mean, last.std)
    assert kl == pytest.approx(np.log(2), abs=0.05)


def test_fit_raises_the_elbo_and_is_reproducible():
    first = list(vi.fit_gaussian(vi.banana_log_density, steps=200, seed=3))
    again = list(vi.fit_gaussian(vi.banana_log_density, steps=200, seed=3))
    assert first == again
    assert np.mean([s.elbo for s in first[-20:]]) > np.mean([s.elbo for s in first[:20]]) + 0.5
