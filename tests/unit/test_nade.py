"""NADE and continuous NADE: normalized, causal, the weight-sharing identities, sampling."""

import itertools

import numpy as np
import pytest
import torch

from core.models.autoregressive.nade import NADE, ContinuousNADE, ContinuousNADEConfig, NADEConfig, nade_params

N = 9  # a 3x3 image


@pytest.fixture(scope="module")
def nade():
    torch.manual_seed(0)
    model = NADE(NADEConfig(num_pixels=N, hidden=6))
    with torch.no_grad():  # larger weights than at init, so the conditionals really vary
        for p in model.parameters():
            p.normal_(0, 1.0)
    return model.eval()


def every_image(n=N):
    return np.array(list(itertools.product((0, 1), repeat=n)), dtype=np.uint8)


def test_probabilities_of_all_images_sum_to_one(nade):
    assert np.exp(np.logaddexp.reduce(nade.log_prob(every_image()))) == pytest.approx(1.0, abs=1e-5)


def test_parameter_count_is_2nH_plus_n_plus_H(nade):
    assert nade.num_params() == nade_params(N, 6) == 2 * N * 6 + N + 6


def test_logits_equal_the_per_pixel_formula(nade):
    """sigmoid(b_i + V_i . sigmoid(c + W[:, <i] x_<i)): the running sum changes nothing."""
    x = torch.as_tensor(every_image()[::37], dtype=torch.float32)
    fast = nade.logits(x)
    for i in range(N):
        h = torch.sigmoid(nade.c + x[:, :i] @ nade.W[:, :i].T)
        torch.testing.assert_close(fast[:, i], h @ nade.V[i] + nade.b[i])


def test_a_later_pixel_never_changes_an_earlier_conditional(nade):
    x = torch.as_tensor(every_image(), dtype=torch.float32)
    for j in range(N):
        flipped = x.clone()
        flipped[:, j] = 1 - flipped[:, j]
        torch.testing.assert_close(nade.logits(x)[:, : j + 1], nade.logits(flipped)[:, : j + 1])


def test_incremental_sampler_follows_the_model(nade):
    samples = nade.sample(20000, seed=0)
    codes = samples @ (2 ** np.arange(N)[::-1])
    empirical = np.bincount(codes, minlength=2**N) / len(samples)
    assert 0.5 * np.abs(empirical - np.exp(nade.log_prob(every_image()))).sum() < 0.05
    np.testing.assert_array_equal(nade.sample(5, seed=3), nade.sample(5, seed=3))


def test_cold_temperature_picks_the_likelier_pixel(nade):
    x = nade.sample(200, seed=1, temperature=0.01)
    p = nade.conditionals(x)
    assert ((p > 0.5) == (x == 1)).mean() > 0.99


@pytest.fixture(scope="module")
def continuous():
    torch.manual_seed(0)
    return ContinuousNADE(ContinuousNADEConfig(num_pixels=4, hidden=5, components=3, levels=17)).eval()


def test_each_mixture_integrates_to_one(continuous):
    grid = np.linspace(-3, 4, 20001)
    x = np.array([3, 16, 0, 8])
    for pixel in range(4):
        density = continuous.pixel_density(x, pixel, grid)
        assert np.trapezoid(density, grid) == pytest.approx(1.0, abs=1e-3)


def test_continuous_conditionals_are_causal(continuous):
    y = torch.rand(6, 4)
    for j in range(4):
        changed = y.clone()
        changed[:, j] = torch.rand(6)
        for a, b in zip(continuous.mixture(y), continuous.mixture(changed)):
            torch.testing.assert_close(a[:, : j + 1], b[:, : j + 1])


def test_continuous_log_prob_is_a_lower_bound_on_the_discrete_likelihood():
    """E_u log p(y) - n log L <= log E_u p(y) - n log L = log P(levels) (Jensen), and the
    P(levels) of all 17^2 level pairs of a 2-pixel model sum to at most 1."""
    import math

    model = ContinuousNADE(ContinuousNADEConfig(num_pixels=2, hidden=4, components=2, levels=17)).eval()
    levels = np.array(list(itertools.product(range(17), repeat=2)))
    bound = model.log_prob(levels, draws=256)
    with torch.no_grad():
        generator = torch.Generator().manual_seed(1)
        draws = torch.stack([model.density_log_prob(model.dequantize(torch.as_tensor(levels, dtype=torch.float32),
                                                                      generator)) for _ in range(2000)])
        log_p = (torch.logsumexp(draws, dim=0) - math.log(len(draws))).numpy() - 2 * math.log(17)
    assert (bound <= log_p + 0.05).all()
    assert np.exp(log_p).sum() <= 1.0 + 1e-2


def test_continuous_samples_of_the_first_pixel_follow_its_mixture_folded_onto_the_levels():
    """The sampler floors L y and clips to 0..L-1, so P(level l) = sum_k pi_k [Phi_k((l + 1) / L) - Phi_k(l / L)],
    with the mass below 0 on level 0 and above 1 on level L - 1. The first pixel's mixture reads no other pixel."""
    import math

    torch.manual_seed(0)
    model = ContinuousNADE(ContinuousNADEConfig(num_pixels=2, hidden=4, components=2, levels=17)).eval()
    with torch.no_grad():
        log_pi, mu, sigma = (t[0, 0] for t in model.mixture(torch.zeros(1, 2)))  # (K,) each
        edges = torch.arange(18.0) / 17
        edges[0], edges[-1] = -math.inf, math.inf
        cdf = (log_pi.exp() * torch.distributions.Normal(mu, sigma).cdf(edges[:, None])).sum(dim=1)  # (18,)
    expected = (cdf[1:] - cdf[:-1]).numpy()
    assert expected[0] > 0.02 and expected[-1] > 0.02  # the tails outside [0, 1] really land on the end levels
    samples = model.sample(20000, seed=0)
    empirical = np.bincount(samples[:, 0], minlength=17) / len(samples)
    assert len(empirical) == 17 and 0.5 * np.abs(empirical - expected).sum() < 0.02
