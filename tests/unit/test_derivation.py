"""The lecture's derivations, checked line by line: for many parameter settings the number
each line comes to equals the next line's (within Monte Carlo error where a line is a
sample mean), and the last line is the known result."""

import numpy as np
import pytest
import torch

from core import derivation
from core.lectures import gan_theory
from core.lectures import variational as vi
from core.models.latent.vae import VAE, VAEConfig, gaussian_kl

SIGMAS = 5  # Monte Carlo values may differ by this many standard errors


def assert_chain(lines: list[derivation.Check], atol: float = 1e-9) -> None:
    """Each line follows from the one before: equal (within atol plus SIGMAS standard errors), or
    no larger for a "≥" line."""
    for i, (before, line) in enumerate(zip(lines, lines[1:]), 2):
        slack = atol + SIGMAS * np.hypot(before.error, line.error)
        if line.relation == "=":
            assert abs(before.value - line.value) <= slack, (i, before, line)
        else:
            assert line.relation == "≥" and before.value >= line.value - slack, (i, before, line)


# --------------------------------------------------------------------------- ln p(x) = ELBO + KL


@pytest.mark.parametrize("model", [vi.LinearGaussian(), vi.LinearGaussian(w=-1.3, b=0.7, s=0.4)])
@pytest.mark.parametrize("x,mean,std,seed", [(2.0, 0.0, 1.0, 0), (-3.0, 2.5, 0.1, 1), (0.4, -1.0, 2.0, 7),
                                             (1.0, 0.8, 0.45, 3)])
def test_evidence_derivation_holds_line_by_line(model, x, mean, std, seed):
    lines = derivation.evidence_lines(model, x, mean, std, samples=2000, seed=seed)
    assert len(lines) == 6
    assert_chain(lines, atol=1e-10)
    assert lines[0].value == pytest.approx(model.log_evidence(x), abs=1e-12)
    # up to the split every draw gives ln p(x) itself: no Monte Carlo error at all
    assert all(line.error < 1e-12 for line in lines[1:4])
    # after the split each half is noisy, and agrees with its closed form within its error
    elbo, kl = lines[4].parts
    assert lines[4].error < 1e-12 and elbo.error > 0 and kl.error > 0
    closed_elbo, closed_kl = lines[5].parts
    assert closed_elbo.value == pytest.approx(model.elbo(x, mean, std), abs=1e-12)
    assert closed_kl.value == pytest.approx(model.kl_to_posterior(x, mean, std), abs=1e-12)
    assert abs(elbo.value - closed_elbo.value) < SIGMAS * elbo.error
    assert abs(kl.value - closed_kl.value) < SIGMAS * kl.error


def test_the_chain_check_catches_a_wrong_last_line():
    """Dropping the KL from the last line (ln p(x) = ELBO) breaks the chain unless q is the posterior."""
    model = vi.LinearGaussian()
    lines = derivation.evidence_lines(model, 2.0, 0.0, 1.0)
    wrong = derivation.Check(model.elbo(2.0, 0.0, 1.0), "closed")
    with pytest.raises(AssertionError):
        assert_chain(lines[:-1] + [wrong])


def test_log_joint_is_prior_times_likelihood():
    model = vi.LinearGaussian(w=1.5, b=-0.5, s=0.7)
    z = np.array([-1.0, 0.3, 2.0])
    expected = vi.normal_log_pdf(z, 0, 1) + vi.normal_log_pdf(0.9, 1.5 * z - 0.5, 0.49)
    np.testing.assert_allclose(model.log_joint(0.9, z), expected)


# --------------------------------------------------------------------------- ELBO = reconstruction − prior fitting


@pytest.mark.parametrize("init_seed,image_seed,seed", [(0, 0, 0), (1, 2, 5), (3, 4, 11)])
def test_elbo_split_holds_line_by_line(init_seed, image_seed, seed):
    torch.manual_seed(init_seed)
    model = VAE(VAEConfig(hidden=16, layers=1)).eval()
    image = (np.random.default_rng(image_seed).random(64) < 0.3).astype(np.uint8)
    lines = derivation.elbo_lines(model, image, samples=1000, seed=seed)
    assert len(lines) == 4
    assert_chain(lines, atol=1e-6)
    reconstruction, kl = lines[3].parts
    with torch.no_grad():
        mu, logvar = model.encode(torch.from_numpy(image[None].astype(np.float32)))
    assert kl.value == pytest.approx(float(gaussian_kl(mu, logvar)[0]), rel=1e-6)
    assert lines[2].parts[0].value == reconstruction.value  # the same draws on both lines
    # the last line is the ELBO that the model reports for the same draws
    assert lines[3].value == pytest.approx(float(model.elbo(image[None], samples=1000, seed=seed)[0]), abs=1e-4)


# --------------------------------------------------------------------------- D* and the JSD


GENERATORS = [(1.0, 0.0, 1.0), (0.0, 4.0, 0.6), (4.0, 0.0, 0.2), (-4.0, 6.0, 3.0), (0.5, 2.0, 1.5)]


def test_golden_section_finds_a_over_a_plus_b():
    rng = np.random.default_rng(0)
    a, b = rng.random(1000) * 10.0 ** rng.integers(-30, 3, 1000), rng.random(1000)
    y = derivation.maximize_pointwise(a, b)
    np.testing.assert_allclose(y, a / (a + b), atol=1e-7)
    assert derivation.maximize_pointwise(np.zeros(1), np.zeros(1))[0] == 0.5


@pytest.mark.parametrize("center,gap,std", GENERATORS)
@pytest.mark.parametrize("seed", [0, 3])
def test_discriminator_derivation_holds_line_by_line(center, gap, std, seed):
    bumps = gan_theory.generator_bumps(center, gap, std)
    lines = derivation.discriminator_lines(bumps, samples=50_000, seed=seed)
    assert len(lines) == 5
    assert_chain(lines, atol=1e-9)
    assert lines[3].parts[0].value < 1e-6  # the numerical maximizer is a / (a + b)
    p_data, p_g = gan_theory.data_density(), gan_theory.generator_mixture_density(center, gap, std)
    assert lines[-1].value == gan_theory.optimal_value(p_data, p_g)


@pytest.mark.parametrize("center,gap,std", GENERATORS)
def test_jsd_derivation_holds_line_by_line(center, gap, std):
    lines = derivation.jsd_lines(gan_theory.generator_bumps(center, gap, std))
    assert len(lines) == 5
    assert_chain(lines, atol=1e-9)
    p_data, p_g = gan_theory.data_density(), gan_theory.generator_mixture_density(center, gap, std)
    assert lines[0].value == pytest.approx(gan_theory.optimal_value(p_data, p_g), abs=1e-9)
    assert lines[3].parts[0].value == pytest.approx(gan_theory.jensen_shannon(p_data, p_g), abs=1e-12)
    assert lines[-1].value == -np.log(4)


def test_jsd_is_zero_at_the_data_and_log_2_without_overlap():
    at_data = derivation.jsd_lines(gan_theory.generator_bumps(0.0, 4.0, 0.6))
    assert at_data[3].parts[0].value == pytest.approx(0.0, abs=1e-9)
    assert at_data[3].value == pytest.approx(at_data[4].value, abs=1e-9)  # equality in the last line
    apart = derivation.jsd_lines(gan_theory.generator_bumps(0.0, 0.0, 0.2), data=((1.0, 10.0, 0.2),))
    assert apart[3].parts[0].value == pytest.approx(np.log(2), abs=1e-9)


def test_generator_samples_follow_the_bumps():
    bumps = gan_theory.generator_bumps(1.0, 4.0, 0.5)
    x = gan_theory.sample_bumps(bumps, 200_000, np.random.default_rng(0))
    assert np.mean(x < 1.0) == pytest.approx(0.5, abs=0.01)  # half from each bump
    assert x[x < 1.0].mean() == pytest.approx(-1.0, abs=0.01) and x[x > 1.0].std() == pytest.approx(0.5, abs=0.01)
