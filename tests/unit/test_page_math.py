"""The small computations pages show, each checked against an independent value."""

import numpy as np
from scipy.stats import norm

from core import metrics
from core.lectures import distributions
from core.models.latent.vae import prior_quantile_grid


def test_the_frequency_band_is_two_standard_deviations_of_the_mean_of_n_flips():
    low, high = distributions.frequency_band(0.3, np.array([1, 100]))
    np.testing.assert_allclose(high, [min(1.0, 0.3 + 2 * np.sqrt(0.21)), 0.3 + 2 * np.sqrt(0.21 / 100)])
    np.testing.assert_allclose(low, [0.0, 0.3 - 2 * np.sqrt(0.21 / 100)])
    assert distributions.frequency_band(0.0, np.array([5]))[1][0] == 0.0  # a certain coin: no band


def test_the_surprise_of_each_pixel_sums_to_minus_log_p():
    x = np.array([1, 0, 1, 0])
    p_one = np.array([0.9, 0.2, 0.5, 1.0])
    surprise = metrics.surprise(x, p_one)
    np.testing.assert_allclose(surprise[:3], [-np.log(0.9), -np.log(0.8), np.log(2)])
    assert surprise[3] == np.inf  # a pixel the model said was impossible
    assert np.isclose(surprise[:3].sum(), -np.log(0.9 * 0.8 * 0.5))


def test_the_manifold_grid_sits_at_the_priors_quantiles_with_z2_falling_down_the_rows():
    grid = prior_quantile_grid(3, low=0.1)
    quantiles = norm.ppf([0.1, 0.5, 0.9])
    assert grid.shape == (9, 2)
    np.testing.assert_allclose(grid[:3, 0], quantiles, atol=1e-12)  # z_1 rises along a row
    np.testing.assert_allclose(grid[::3, 1], quantiles[::-1], atol=1e-12)  # z_2 falls down the rows
