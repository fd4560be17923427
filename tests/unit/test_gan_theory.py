"""The 1-D GAN objective: D*, V(D*, G) = -log 4 + 2 JSD, and the generator's two losses."""

import numpy as np
import pytest
from scipy.optimize import minimize

from core.lectures import gan_theory as t

SETTINGS = [(-2.0, 0.6), (0.0, 1.0), (1.0, 2.5), (3.0, 0.3), (-5.0, 0.5), (5.0, 3.0), (0.0, 0.1)]


def densities(mean, std):
    return t.data_density(), t.generator_density(mean, std)


def test_densities_integrate_to_one():
    assert t.integrate(t.data_density(), t.GRID) == pytest.approx(1.0, abs=1e-6)
    for mean, std in SETTINGS:
        assert t.integrate(t.generator_density(mean, std), t.GRID) == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("mean, std", SETTINGS)
def test_optimal_discriminator_is_the_pointwise_maximum(mean, std):
    """At each x, D*(x) maximizes p_data log D + p_g log(1 - D) over a fine grid of D."""
    p_data, p_g = (p[::20] for p in densities(mean, std))  # every 20th x is enough here
    d_values = np.linspace(1e-4, 1 - 1e-4, 20001)
    integrand = t._xlogy(p_data[:, None], d_values[None, :]) + t._xlogy(p_g[:, None], 1 - d_values[None, :])
    best = d_values[integrand.argmax(axis=1)]
    weight = (p_data + p_g) > 1e-8  # where both vanish every D is optimal
    np.testing.assert_allclose(best[weight], t.optimal_discriminator(p_data, p_g)[weight], atol=1e-4)


def test_optimal_discriminator_beats_other_discriminators():
    """V(D*, G) >= V(D, G) for random logistic discriminators and for one fitted by scipy."""
    p_data, p_g = densities(1.0, 1.5)
    best = t.optimal_value(p_data, p_g)
    rng = np.random.default_rng(0)
    for _ in range(20):
        d = 1 / (1 + np.exp(-(rng.normal() * t.GRID + rng.normal())))
        assert t.value(d, p_data, p_g) <= best + 1e-9

    def negative_value(w):
        return -t.value(1 / (1 + np.exp(-(w[0] * t.GRID**2 + w[1] * t.GRID + w[2]))), p_data, p_g)

    fitted = minimize(negative_value, x0=np.zeros(3), method="Nelder-Mead", options={"maxiter": 4000})
    assert -fitted.fun <= best + 1e-9


def test_optimal_discriminator_is_safe_where_both_densities_vanish():
    d = t.optimal_discriminator(np.array([0.0, 1.0, 0.0]), np.array([0.0, 1.0, 2.0]))
    np.testing.assert_allclose(d, [0.5, 0.5, 0.0])


@pytest.mark.parametrize("mean, std", SETTINGS)
def test_value_of_optimal_discriminator_is_jsd_identity(mean, std):
    p_data, p_g = densities(mean, std)
    assert t.optimal_value(p_data, p_g) == pytest.approx(-t.LOG4 + 2 * t.jensen_shannon(p_data, p_g), abs=1e-9)
    assert t.value_from_jsd(p_data, p_g) == pytest.approx(t.optimal_value(p_data, p_g), abs=1e-9)


def test_jensen_shannon_bounds():
    p_data = t.data_density()
    assert t.jensen_shannon(p_data, p_data) == pytest.approx(0.0, abs=1e-12)
    assert t.optimal_value(p_data, p_data) == pytest.approx(-t.LOG4, abs=1e-9)
    for mean, std in SETTINGS:
        jsd = t.jensen_shannon(*densities(mean, std))
        assert 0 <= jsd <= np.log(2) + 1e-9
    far_apart = t.jensen_shannon(t.generator_density(-5, 0.2), t.generator_density(5, 0.2))
    assert far_apart == pytest.approx(np.log(2), abs=1e-6)
    p, q = densities(1.0, 2.0)
    assert t.jensen_shannon(p, q) == pytest.approx(t.jensen_shannon(q, p), abs=1e-12)


def test_minimum_over_the_sliders_is_the_data():
    """With one Gaussian as data, V(D*, G) over a grid of (mean, std) is lowest at the data's."""
    bumps = ((1.0, 0.5, 1.2),)
    means, stds = np.linspace(-2, 3, 21), np.linspace(0.4, 2.4, 21)
    landscape = t.value_landscape(means, stds, bumps=bumps)
    assert landscape.shape == (len(stds), len(means))
    i, j = np.unravel_index(landscape.argmin(), landscape.shape)
    assert (means[j], stds[i]) == pytest.approx((0.5, 1.2))
    assert landscape.min() == pytest.approx(-t.LOG4, abs=1e-6)


def test_non_saturating_gradient_is_larger_when_d_is_small():
    d = np.array([1e-4, 1e-3, 0.01, 0.1, 0.3])
    losses = t.generator_losses(d)
    assert np.all(np.abs(losses["non_saturating_gradient"]) > np.abs(losses["saturating_gradient"]))
    assert abs(losses["saturating_gradient"][0]) < 1e-3 < 0.99 < abs(losses["non_saturating_gradient"][0])
    # both losses decrease as D(G(z)) rises: the generator wants to fool D
    assert np.all(np.diff(losses["saturating"]) < 0) and np.all(np.diff(losses["non_saturating"]) < 0)


def test_logit_gradients_match_finite_differences():
    logits = np.linspace(-6, 6, 25)
    eps = 1e-6
    sigmoid = lambda logit: 1 / (1 + np.exp(-logit))
    for loss, grad in ((t.saturating_loss, t.saturating_logit_gradient),
                       (t.non_saturating_loss, t.non_saturating_logit_gradient)):
        numeric = (loss(sigmoid(logits + eps)) - loss(sigmoid(logits - eps))) / (2 * eps)
        np.testing.assert_allclose(grad(sigmoid(logits)), numeric, atol=1e-6)


def test_two_bump_generator_reaches_the_minimum_at_the_data():
    grid = np.linspace(-10, 10, 801)
    p_data = t.data_density(grid)
    np.testing.assert_allclose(t.generator_mixture_density(0.0, 4.0, 0.6, grid), p_data, atol=1e-12)
    np.testing.assert_allclose(t.generator_mixture_density(1.0, 0.0, 0.7, grid), t.generator_density(1.0, 0.7, grid))
    centers, gaps = np.linspace(-2, 2, 9), np.linspace(0, 6, 13)
    landscape = t.mixture_value_landscape(centers, gaps, 0.6, grid)
    assert landscape.shape == (len(gaps), len(centers))
    i, j = np.unravel_index(landscape.argmin(), landscape.shape)
    assert (centers[j], gaps[i]) == pytest.approx((0.0, 4.0))
    assert landscape.min() == pytest.approx(-t.LOG4, abs=1e-9)
    assert landscape[i, j] == pytest.approx(t.optimal_value(p_data, t.generator_mixture_density(0.0, 4.0, 0.6, grid), grid))
