"""Latent-variable models: the VAE's bounds against exact answers, the AAE's game, the priors,
and the two-sample statistics of core/metrics.py."""

import math

import numpy as np
import pytest
import torch

from core import metrics
from core.data import digits
from core.models.latent.aae import AAE, PRIORS, AAEConfig, sample_prior
from core.models.latent.vae import VAE, VAEConfig, bernoulli_log_likelihood, gaussian_kl, standard_normal_log_pdf
from core.recipes.latent import prior_distances


def tiny_vae(latent=1, beta=1.0, scale=1.0, seed=0) -> VAE:
    """A small untrained VAE over 9 pixels whose weights are large enough that q(z|x) is
    far from the true posterior (so the bounds differ visibly)."""
    torch.manual_seed(seed)
    model = VAE(VAEConfig(num_pixels=9, latent=latent, hidden=8, layers=1, beta=beta))
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, scale)
    return model.eval()


def images(n=6, pixels=9, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 2, size=(n, pixels)).astype(np.uint8)


def exact_log_px(model: VAE, x: np.ndarray, points: int = 20001) -> np.ndarray:
    """log p(x) = log int p(x|z) N(z; 0, 1) dz for a 1-D latent, by quadrature on [-10, 10]."""
    z = torch.linspace(-10, 10, points)[:, None]  # (P, 1)
    dz = 20 / (points - 1)
    with torch.no_grad():
        log_joint = bernoulli_log_likelihood(model.decode(z)[:, None, :], torch.as_tensor(x, dtype=torch.float32))
        log_joint = log_joint + standard_normal_log_pdf(z)[:, None]  # (P, B)
    return (torch.logsumexp(log_joint, dim=0) + math.log(dz)).numpy()


# ----------------------------------------------------------------------------
# VAE


@pytest.mark.parametrize(("mu", "sigma"), [(0.0, 1.0), (1.5, 0.3), (-0.7, 2.0)])
def test_kl_closed_form_equals_monte_carlo(mu, sigma):
    """1/2 (mu^2 + sigma^2 - 1 - log sigma^2) = E_q[log q(z) - log p(z)], estimated from 400k draws."""
    mean, logvar = torch.tensor([[mu]]), torch.tensor([[math.log(sigma**2)]])
    closed = float(gaussian_kl(mean, logvar)[0])
    z = mu + sigma * torch.randn(400_000, 1, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    log_q = -0.5 * ((z - mu) / sigma) ** 2 - math.log(sigma) - 0.5 * math.log(2 * math.pi)
    terms = (log_q - standard_normal_log_pdf(z)[:, None]).numpy()
    assert closed >= 0
    assert closed == pytest.approx(terms.mean(), abs=4 * terms.std() / math.sqrt(len(terms)) + 1e-4)
    assert float(gaussian_kl(torch.zeros(1, 3), torch.zeros(1, 3))[0]) == 0.0  # q = p


def test_loss_terms_are_rate_and_distortion():
    model = tiny_vae(latent=2, beta=4.0)
    x = torch.as_tensor(images(), dtype=torch.float32)
    terms = model.loss(x)
    assert set(terms) == {"loss", "objective", "recon", "kl", "nll"}
    torch.testing.assert_close(terms["nll"], terms["recon"] + terms["kl"])
    torch.testing.assert_close(terms["loss"], terms["recon"] + 4.0 * terms["kl"])
    torch.testing.assert_close(terms["objective"], terms["loss"])
    mu, logvar = model.encode(x)
    # the closed-form KL from torch.distributions, not from the model's own gaussian_kl
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    kl = torch.distributions.kl_divergence(q, torch.distributions.Normal(0.0, 1.0)).sum(-1).mean()
    torch.testing.assert_close(terms["kl"], kl)
    torch.testing.assert_close(model.loss(x)["recon"], terms["recon"])  # eval mode: a fixed draw


def test_elbo_plus_posterior_kl_equals_log_evidence():
    """log p(x) = ELBO + KL(q(z|x) || p(z|x)), with the posterior and the evidence by quadrature."""
    model, x = tiny_vae(), images()
    log_px = exact_log_px(model, x)
    z = torch.linspace(-10, 10, 20001)[:, None]
    dz = 20 / 20000
    xt = torch.as_tensor(x, dtype=torch.float32)
    with torch.no_grad():
        mu, logvar = model.encode(xt)  # (B, 1)
        log_q = -0.5 * ((z - mu[:, 0]) ** 2 / logvar[:, 0].exp() + logvar[:, 0] + math.log(2 * math.pi))  # (P, B)
        log_joint = bernoulli_log_likelihood(model.decode(z)[:, None, :], xt) + standard_normal_log_pdf(z)[:, None]
        elbo = (log_q.exp() * (log_joint - log_q)).sum(0) * dz  # E_q[log p(x, z) - log q(z|x)]
        posterior_kl = (log_q.exp() * (log_q - (log_joint - torch.as_tensor(log_px)))).sum(0) * dz
    np.testing.assert_allclose((elbo + posterior_kl).numpy(), log_px, atol=1e-3)
    assert (posterior_kl > 0.01).all()  # q is really off, so the identity is not trivial
    # and the model's own ELBO (rate in closed form, distortion by sampling) agrees with the quadrature
    np.testing.assert_allclose(model.elbo(x, samples=20000, seed=0), elbo.numpy(), atol=0.05)


def test_iwae_bound_rises_with_k_toward_log_evidence():
    """E L_1 = ELBO <= E L_K <= E L_{K'} <= log p(x) for K < K', and E L_K -> log p(x)
    (Burda et al. 2016, Theorem 1). Expectations are means over R independent replicates."""
    model, x, replicates = tiny_vae(scale=0.5), images(), 400
    log_px, elbo = exact_log_px(model, x), model.elbo(x, samples=20000)
    mean, error = {}, {}
    for k in (1, 5, 50, 500):
        draws = model.iwae_bound(np.repeat(x, replicates, axis=0), k, seed=k).reshape(len(x), replicates)
        mean[k], error[k] = draws.mean(1), draws.std(1) / np.sqrt(replicates)
    assert (np.abs(mean[1] - elbo) < 4 * error[1] + 0.01).all()
    for small, large in ((1, 5), (5, 50), (50, 500)):
        assert (mean[large] > mean[small] - 3 * (error[small] + error[large])).all()
        assert mean[large].mean() > mean[small].mean()
    assert (mean[500] <= log_px + 4 * error[500] + 1e-3).all()
    assert (elbo < log_px - 0.01).all()  # the ELBO's gap is real
    assert (log_px - mean[500] < 0.25 * (log_px - elbo)).all()  # and the IWAE bound closes most of it


def test_iwae_is_deterministic_and_chunks_only_regroup_the_draws():
    model, x = tiny_vae(latent=2, scale=0.5), images()
    np.testing.assert_array_equal(model.iwae_bound(x, 300, seed=3), model.iwae_bound(x, 300, seed=3))
    np.testing.assert_array_equal(model.log_prob(x), model.iwae_bound(x, 500, seed=0))
    # other chunk sizes may draw other z from the same seed, but estimate the same bound:
    # equal means over 40 replicates of each image, within their standard errors
    replicated = np.repeat(x, 40, axis=0)
    one_chunk = model.iwae_bound(replicated, 200, seed=3, rows=200 * len(replicated)).reshape(len(x), 40)
    small_chunks = model.iwae_bound(replicated, 200, seed=3, rows=1000).reshape(len(x), 40)
    error = np.sqrt((one_chunk.var(1) + small_chunks.var(1)) / 40)
    assert (np.abs(one_chunk.mean(1) - small_chunks.mean(1)) < 4 * error + 1e-3).all()


def test_vae_samples_and_pictures():
    model = tiny_vae(latent=2)
    s = model.sample(5, seed=1)
    assert s.shape == (5, 9) and s.dtype == np.uint8 and set(np.unique(s)) <= {0, 1}
    np.testing.assert_array_equal(s, model.sample(5, seed=1))
    probs = model.sample(5, seed=1, mean=True)
    z = torch.randn(5, 2, generator=torch.Generator().manual_seed(1))  # the prior draw behind seed 1
    np.testing.assert_allclose(probs, model.decode_probs(z.numpy()), atol=1e-6)
    assert model.embed(images()).shape == (6, 2)
    # counted by hand: encoder 9 -> 8 -> 2 * 2 (mu, logvar), decoder 2 -> 8 -> 9, weights and biases
    assert model.num_params() == (9 + 1) * 8 + (8 + 1) * 4 + (2 + 1) * 8 + (8 + 1) * 9


def test_vae_training_lowers_the_negative_elbo():
    from core.training import TrainConfig, train

    x = digits("fit").binary[:200]
    model = VAE(VAEConfig(latent=2, hidden=32))
    before = -model.elbo(x, samples=5).mean()
    result = train(model, x, x[:50], TrainConfig(epochs=15, lr=3e-3, patience=100), progress=lambda e, r: None)
    assert -result.model.elbo(x, samples=5).mean() < before - 5


# ----------------------------------------------------------------------------
# AAE


@pytest.mark.parametrize("name", list(PRIORS))
def test_priors_are_seeded_2d_samples(name):
    a, b, c = sample_prior(name, 500, seed=1), sample_prior(name, 500, seed=1), sample_prior(name, 500, seed=2)
    assert a.shape == (500, 2) and np.isfinite(a).all()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_priors_have_their_shapes():
    gaussian = sample_prior("gaussian", 20000)
    np.testing.assert_allclose(np.cov(gaussian.T), np.eye(2), atol=0.05)
    uniform = sample_prior("uniform", 20000)
    assert np.abs(uniform).max() <= 2.0 and np.abs(uniform).min() < 0.01
    np.testing.assert_allclose(uniform.var(0), [4 / 3, 4 / 3], rtol=0.05)  # Var U[-2, 2] = 16/12
    mixture = sample_prior("mixture", 20000)
    angle = np.mod(np.arctan2(mixture[:, 1], mixture[:, 0]), 2 * np.pi)
    nearest_mode = np.round(angle / (2 * np.pi / 10)) % 10
    assert np.bincount(nearest_mode.astype(int), minlength=10).min() > 1700  # 10 equal modes
    np.testing.assert_allclose(np.linalg.norm(mixture, axis=1).mean(), 3.0, atol=0.05)
    radius = np.linalg.norm(sample_prior("swiss_roll", 20000), axis=1)
    assert 0.7 < radius.min() and radius.max() < 3.4


@pytest.mark.parametrize("name", list(PRIORS))
def test_prior_distances_recognize_each_prior(name):
    """Draws of one prior are nearer (in energy distance) to it than to any other prior."""
    distances = prior_distances(sample_prior(name, 360, seed=7), seed=0)
    assert min(distances, key=distances.get) == f"energy_{name}"


def test_aae_train_step_lowers_reconstruction():
    torch.manual_seed(0)
    model = AAE(AAEConfig(hidden=64, prior="mixture"))
    x = torch.as_tensor(digits("fit").binary[:32], dtype=torch.float32)
    from core.training import TrainConfig

    optimizers = model.configure_optimizers(TrainConfig(lr=3e-3))
    assert set(optimizers) == {"autoencoder", "discriminator", "generator"}
    model.train()
    first = model.train_step(x, optimizers)
    assert set(first) == {"recon", "d_loss", "g_loss"}
    for _ in range(150):
        last = model.train_step(x, optimizers)
    assert float(last["recon"]) < 0.6 * float(first["recon"])
    model.eval()
    terms = model.loss(x)
    assert set(terms) == {"loss", "recon", "d_loss", "g_loss", "energy"}
    torch.testing.assert_close(terms["loss"], terms["recon"])


def test_aae_discriminator_step_moves_only_the_discriminator():
    """Phase (2a) detaches the codes: the encoder's gradient comes from phases (1) and (2b) only."""
    torch.manual_seed(0)
    model = AAE(AAEConfig(hidden=16, critic_hidden=8))
    x = torch.as_tensor(digits("fit").binary[:8], dtype=torch.float32)
    from core.training import TrainConfig

    optimizers = model.configure_optimizers(TrainConfig(lr=1e-2))
    decoder_before = [p.clone() for p in model.decoder.parameters()]
    encoder_before = [p.clone() for p in model.encoder.parameters()]
    discriminator_before = [p.detach().clone() for p in model.discriminator.parameters()]
    optimizers["autoencoder"].step = lambda: None  # freeze phase (1) and (2b) to watch phase (2a) alone
    optimizers["generator"].step = lambda: None
    model.train_step(x, optimizers)
    assert all(torch.equal(a, b) for a, b in zip(decoder_before, model.decoder.parameters()))
    assert all(torch.equal(a, b) for a, b in zip(encoder_before, model.encoder.parameters()))
    # and phase (2a) did move the discriminator (else the two checks above hold for a step that does nothing)
    assert all(not torch.equal(a, b) for a, b in zip(discriminator_before, model.discriminator.parameters()))


def test_aae_sampling_and_pictures():
    model = AAE(AAEConfig(hidden=16, prior="swiss_roll")).eval()
    s = model.sample(4, seed=0)
    assert s.shape == (4, 64) and set(np.unique(s)) <= {0, 1}
    np.testing.assert_array_equal(s, model.sample(4, seed=0))
    assert model.embed(digits("test").binary[:3]).shape == (3, 2)
    p = model.discriminator_probs(np.zeros((5, 2)))
    assert p.shape == (5,) and ((p > 0) & (p < 1)).all()
    with pytest.raises(ValueError, match="unknown prior"):
        AAE(AAEConfig(prior="cube"))


# ----------------------------------------------------------------------------
# Two-sample statistics, active units, nearest neighbours (core/metrics.py)


def test_energy_distance_matches_brute_force_and_separates():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(30, 2)), rng.normal(size=(20, 2)) + 0.3
    dist = lambda u, v: np.mean([np.linalg.norm(p - q) for p in u for q in v])
    assert metrics.energy_distance(a, b) == pytest.approx(2 * dist(a, b) - dist(a, a) - dist(b, b))
    assert metrics.energy_distance(a, a) == pytest.approx(0.0, abs=1e-9)
    same = metrics.energy_distance(rng.normal(size=(400, 2)), rng.normal(size=(400, 2)))
    shifted = metrics.energy_distance(rng.normal(size=(400, 2)), rng.normal(size=(400, 2)) + 0.5)
    assert 0 <= same < 0.02 < 0.1 < shifted


def test_mmd_matches_brute_force_and_is_unbiased():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(12, 2)), rng.normal(size=(9, 2))
    k = lambda u, v: sum(np.exp(-np.sum((u - v) ** 2) / (2 * s * s)) for s in (0.5, 2.0))
    within = lambda u: np.mean([k(u[i], u[j]) for i in range(len(u)) for j in range(len(u)) if i != j])
    cross = np.mean([k(p, q) for p in a for q in b])
    assert metrics.mmd(a, b, (0.5, 2.0)) == pytest.approx(within(a) + within(b) - 2 * cross)
    same = [metrics.mmd(rng.normal(size=(100, 2)), rng.normal(size=(100, 2))) for _ in range(30)]
    shifted = metrics.mmd(rng.normal(size=(100, 2)), rng.normal(size=(100, 2)) + 1.0)
    assert abs(np.mean(same)) < 3 * np.std(same) / np.sqrt(30) + 1e-3  # mean 0: unbiased
    assert shifted > 10 * np.std(same)


def test_active_units_count_the_moving_means():
    rng = np.random.default_rng(0)
    mu = np.column_stack([rng.normal(0, 1, 500), rng.normal(0, 0.01, 500), np.full(500, 3.0), rng.normal(0, 0.2, 500)])
    assert metrics.active_units(mu) == 2  # variances 1, 1e-4, 0, 0.04
    assert metrics.active_units(mu, threshold=0.05) == 1


def test_nearest_neighbour_hamming_matches_brute_force():
    rng = np.random.default_rng(0)
    a, ref = rng.integers(0, 2, (15, 64)), rng.integers(0, 2, (40, 64))
    brute = [min(int(np.sum(p != q)) for q in ref) for p in a]
    np.testing.assert_array_equal(metrics.nearest_neighbour_hamming(a, ref), brute)
    assert (metrics.nearest_neighbour_hamming(ref[:5], ref) == 0).all()
