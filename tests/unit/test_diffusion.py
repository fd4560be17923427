"""Diffusion: the schedule, the forward process against its definition (a Markov chain) and its
closed form, the posterior q(x_{t-1} | x_t, x_0) against Gaussian conditioning, the samplers with
an exact noise predictor, the ELBO's pieces, and the noise-prediction network against a forward
pass written out by hand."""

import dataclasses
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from core.models.diffusion import ddpm, elbo, toy
from core.models.diffusion.ddpm import Diffusion, DiffusionConfig, Schedule, cosine_schedule, linear_schedule
from core.training import TrainConfig, train


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """One torch thread, as the app and the trainer run: these loops are many small ops, which two
    threads only slow down on a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


SCHEDULES = {"linear": linear_schedule(50), "cosine": cosine_schedule(50)}
TINY = DiffusionConfig(side=4, T=20, channels=4, time_dim=8, groups=2, sample_steps=5)


def exact_noise(x0: torch.Tensor, schedule: Schedule):
    """The noise predictor that knows x_0: eps(x_t, t) = (x_t - sqrt(abar_t) x_0) / sqrt(1 - abar_t)."""
    def epsilon(xt, t):
        abar = schedule.alpha_bars[t].to(xt.dtype)[:, None]
        return (xt - abar.sqrt() * x0) / (1 - abar).sqrt()
    return epsilon


def gaussian_data_noise(mean: float, std: float, schedule: Schedule):
    """The optimal noise predictor when the data are N(mean, std^2) per coordinate: x_t is then
    N(sqrt(abar) mean, abar std^2 + 1 - abar), and E[eps | x_t] = sqrt(1 - abar) (x_t - sqrt(abar) mean) / var."""
    def epsilon(xt, t):
        abar = schedule.alpha_bars[t].to(xt.dtype)[:, None]
        return (1 - abar).sqrt() * (xt - abar.sqrt() * mean) / (abar * std**2 + 1 - abar)
    return epsilon


# ----------------------------------------------------------------------------
# The schedule and the forward process


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_alpha_bar_is_the_running_product_of_one_minus_beta(name):
    schedule = SCHEDULES[name]
    product, expected = 1.0, [1.0]
    for beta in schedule.betas[1:].tolist():
        product *= 1 - beta
        expected.append(product)
    assert schedule.betas[0] == 0 and schedule.alpha_bars[0] == 1
    assert torch.allclose(schedule.alphas, 1 - schedule.betas)
    np.testing.assert_allclose(schedule.alpha_bars.numpy(), expected, rtol=1e-12)
    assert ((schedule.betas[1:] > 0) & (schedule.betas[1:] < 1)).all()
    assert (schedule.alpha_bars.diff() < 0).all() and schedule.alpha_bars[-1] < 1e-3  # x_T is almost pure noise


def test_linear_schedule_is_the_papers():
    schedule = linear_schedule(1000)
    assert schedule.T == 1000
    assert float(schedule.betas[1]) == pytest.approx(1e-4) and float(schedule.betas[-1]) == pytest.approx(0.02)


def test_cosine_schedule_follows_its_formula_where_no_beta_is_capped():
    T, s = 50, 0.008
    f = lambda t: math.cos((t / T + s) / (1 + s) * math.pi / 2) ** 2
    schedule = cosine_schedule(T, s)
    for t in range(T):  # the last step is capped at beta = 0.999
        assert float(schedule.alpha_bars[t]) == pytest.approx(f(t) / f(0), rel=1e-9)


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_q_sample_matches_the_closed_form_mean_and_variance(name):
    """Monte Carlo: draws of q(x_t | x_0) have mean sqrt(abar_t) x_0 and variance 1 - abar_t, within
    5 standard errors (of the mean: sqrt(var / n); of the variance: var sqrt(2 / (n - 1)))."""
    schedule, n = SCHEDULES[name], 20_000
    x0 = torch.linspace(-1, 1, 8, dtype=torch.float64)
    generator = torch.Generator().manual_seed(0)
    for step in (1, 10, 25, 40, 50):
        t = torch.full((n,), step)
        draws = ddpm.q_sample(schedule, x0.expand(n, -1), t, torch.randn(n, 8, generator=generator, dtype=torch.float64))
        abar = float(schedule.alpha_bars[step])
        var = 1 - abar
        assert (draws.mean(0) - math.sqrt(abar) * x0).abs().max() < 5 * math.sqrt(var / n), step
        assert (draws.var(0) - var).abs().max() < 5 * var * math.sqrt(2 / (n - 1)), step


def test_q_sample_equals_the_markov_chain_it_summarizes():
    """Noise added one step at a time, x_t = sqrt(1 - beta_t) x_{t-1} + sqrt(beta_t) z_t (the definition),
    has the distribution of the one-jump closed form at every t."""
    schedule, n = linear_schedule(50), 20_000
    x0 = torch.linspace(-1, 1, 8, dtype=torch.float64)
    generator = torch.Generator().manual_seed(1)
    x = x0.expand(n, -1)
    for step in range(1, 51):
        beta = float(schedule.betas[step])
        x = math.sqrt(1 - beta) * x + math.sqrt(beta) * torch.randn(n, 8, generator=generator, dtype=torch.float64)
        if step in (1, 5, 20, 50):
            abar = float(schedule.alpha_bars[step])
            assert (x.mean(0) - math.sqrt(abar) * x0).abs().max() < 5 * math.sqrt((1 - abar) / n), step
            assert (x.var(0) - (1 - abar)).abs().max() < 5 * (1 - abar) * math.sqrt(2 / (n - 1)), step


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_posterior_is_gaussian_conditioning_of_the_joint(name):
    """(x_{t-1}, x_t) given x_0 is jointly Gaussian: var(x_{t-1}) = 1 - abar_{t-1}, var(x_t) = 1 - abar_t,
    cov = sqrt(alpha_t) (1 - abar_{t-1}). Conditioning on x_t gives mu~_t and beta~_t."""
    schedule = SCHEDULES[name]
    x0 = torch.tensor([[0.3, -0.8]], dtype=torch.float64)
    xt = torch.tensor([[-0.5, 1.2]], dtype=torch.float64)
    for step in range(2, schedule.T + 1):
        abar, abar_prev, alpha = (float(v[step]) for v in (schedule.alpha_bars, schedule.alpha_bars, schedule.alphas))
        abar_prev = float(schedule.alpha_bars[step - 1])
        cov, var_t, var_prev = math.sqrt(alpha) * (1 - abar_prev), 1 - abar, 1 - abar_prev
        mean = math.sqrt(abar_prev) * x0 + cov / var_t * (xt - math.sqrt(abar) * x0)
        t = torch.tensor([step])
        assert torch.allclose(ddpm.posterior_mean(schedule, x0, xt, t), mean, atol=1e-10)
        assert float(schedule.posterior_variance()[step]) == pytest.approx(var_prev - cov**2 / var_t, rel=1e-8)


def test_reverse_mean_is_the_posterior_mean_at_the_estimated_x0():
    schedule = SCHEDULES["cosine"]
    generator = torch.Generator().manual_seed(2)
    xt, eps = torch.randn(2, 6, 5, generator=generator, dtype=torch.float64)
    t = torch.tensor([3, 7, 12, 30, 49, 50])
    x0_hat = ddpm.predict_x0(schedule, xt, t, eps)
    assert torch.allclose(ddpm.posterior_mean(schedule, x0_hat, xt, t), ddpm.reverse_mean(schedule, xt, t, eps),
                          atol=1e-9)


# ----------------------------------------------------------------------------
# Samplers


def test_ddim_timesteps():
    assert ddpm.ddim_timesteps(1000, 50)[:3].tolist() == [1000, 980, 960]
    for steps in (1, 5, 7, 50, 100):
        times = ddpm.ddim_timesteps(100, steps)
        assert len(times) == steps + 1 and times[0] == 100 and times[-1] == 0 and (np.diff(times) < 0).all()
    with pytest.raises(ValueError):
        ddpm.ddim_timesteps(100, 101)


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_ddim_with_the_exact_noise_inverts_the_forward_process(name):
    """With eps known exactly (a predictor that knows x_0), DDIM in T steps from x_T = q_sample(x_0, T)
    lands on x_0, and every state on the way is the forward process's x_t for the same eps."""
    schedule = SCHEDULES[name]
    generator = torch.Generator().manual_seed(3)
    x0 = 2 * torch.rand(4, 6, generator=generator, dtype=torch.float64) - 1
    noise = torch.randn(4, 6, generator=generator, dtype=torch.float64)
    xT = ddpm.q_sample(schedule, x0, torch.full((4,), schedule.T), noise)
    path = ddpm.ddim_sample(exact_noise(x0, schedule), schedule, xT, steps=schedule.T, clip=None)
    assert torch.allclose(path.x[-1], x0, atol=1e-8)
    for k, step in enumerate(path.t):
        assert torch.allclose(path.x[k], ddpm.q_sample(schedule, x0, torch.full((4,), int(step)), noise), atol=1e-8)


def test_ddim_with_eta_zero_is_deterministic_and_with_eta_one_is_not():
    model = Diffusion(TINY).eval()
    x = model.noise(3, 0)
    first, second = (ddpm.ddim_sample(model.epsilon, model.schedule, x, 5, generator=torch.Generator().manual_seed(s))
                     for s in (1, 2))
    assert torch.equal(first.x, second.x)
    noisy = [ddpm.ddim_sample(model.epsilon, model.schedule, x, 5, eta=1.0, generator=torch.Generator().manual_seed(s))
             for s in (1, 2)]
    assert not torch.equal(noisy[0].x[-1], noisy[1].x[-1])
    assert np.array_equal(model.sample(3, seed=4), model.sample(3, seed=4))


def test_ddpm_with_the_optimal_noise_samples_the_data_distribution():
    """Data N(mean, std^2): the ancestral sampler (all T = 1000 steps) with the optimal eps gives that
    mean back (5 standard errors) and that variance up to the discretization: sigma_t^2 = beta~_t is
    a little below the true Var(x_{t-1} | x_t) at each step (about 3% less variance in the end; it
    vanishes as T grows). Without the fresh noise, or with a wrong mean, it would be far off."""
    schedule, n, mean, std = linear_schedule(1000), 20_000, 0.4, 0.3
    generator = torch.Generator().manual_seed(5)
    x = torch.randn(n, 2, generator=generator, dtype=torch.float64)
    out = ddpm.ddpm_sample(gaussian_data_noise(mean, std, schedule), schedule, x, generator, clip=None).x[-1]
    assert (out.mean(0) - mean).abs().max() < 5 * std / math.sqrt(n)
    assert out.var(0).numpy() == pytest.approx([std**2] * 2, rel=0.05)


def test_ddim_with_the_optimal_noise_samples_the_data_distribution():
    """The same with DDIM, deterministic, in T steps (about 1% of discretization on the variance)."""
    schedule, n, mean, std = linear_schedule(1000), 20_000, 0.4, 0.3
    x = torch.randn(n, 2, generator=torch.Generator().manual_seed(6), dtype=torch.float64)
    out = ddpm.ddim_sample(gaussian_data_noise(mean, std, schedule), schedule, x, 1000, clip=None).x[-1]
    assert (out.mean(0) - mean).abs().max() < 5 * std / math.sqrt(n)
    assert out.var(0).numpy() == pytest.approx([std**2] * 2, rel=0.02)


def test_trajectories_run_from_noise_to_the_sample():
    model = Diffusion(TINY).eval()
    for sampler, every, kept in (("ddim", 1, 6), ("ddim", None, 2), ("ddpm", 1, TINY.T + 1), ("ddpm", 3, 8)):
        path = model.trajectory(3, 0, sampler, every=every)
        assert path.x.shape == path.x0.shape == (kept, 3, 16) and path.t[0] == TINY.T and path.t[-1] == 0
        assert torch.equal(path.x[0], model.noise(3, 0)) and torch.equal(path.x0[-1], path.x[-1])
        assert (np.diff(path.t) < 0).all()
        full = model.trajectory(3, 0, sampler, every=1)
        assert torch.equal(full.x[-1], path.x[-1])
        on_full = np.searchsorted(-full.t, -path.t)  # where each kept state sits on the full path
        assert torch.equal(full.x[on_full], path.x) and torch.equal(full.x0[on_full], path.x0)
        # the estimate from each state is x0_hat of that state
        with torch.no_grad():
            k = len(full.t) // 2
            t = torch.full((3,), int(full.t[k]))
            x0_hat = ddpm.predict_x0(model.schedule, full.x[k], t, model.epsilon(full.x[k], t)).clamp(-1, 1)
        assert torch.allclose(full.x0[k], x0_hat, atol=1e-5)
        images = model.sample(3, 0, sampler)
        assert images.shape == (3, 16) and images.min() >= 0 and images.max() <= 1
        np.testing.assert_allclose(images, ddpm.to_gray(path.x[-1]))


# ----------------------------------------------------------------------------
# The loss and its derivation from the ELBO


def test_gaussian_kl_closed_form_against_monte_carlo():
    mean_q, var_q = torch.tensor([[0.3, -1.0]], dtype=torch.float64), torch.tensor([[0.5, 2.0]], dtype=torch.float64)
    mean_p, var_p = torch.tensor([[1.0, 0.0]], dtype=torch.float64), torch.tensor([[1.5, 0.7]], dtype=torch.float64)
    n = 400_000
    z = mean_q + var_q.sqrt() * torch.randn(n, 2, generator=torch.Generator().manual_seed(7), dtype=torch.float64)
    log_ratio = (-0.5 * ((z - mean_q) ** 2 / var_q + var_q.log()) + 0.5 * ((z - mean_p) ** 2 / var_p + var_p.log())).sum(1)
    closed = float(elbo.gaussian_kl(mean_q, var_q, mean_p, var_p)[0])
    assert closed == pytest.approx(float(log_ratio.mean()), abs=5 * float(log_ratio.std()) / math.sqrt(n))
    assert float(elbo.gaussian_kl(torch.zeros(1, 1), torch.ones(1, 1), torch.ones(1, 1), torch.ones(1, 1))) == 0.5


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_kl_between_posterior_and_reverse_step_is_the_weighted_noise_error(name):
    """KL(q(x_{t-1} | x_t, x_0) || p_theta(x_{t-1} | x_t)) with sigma_t^2 = beta~_t equals
    lambda_t ||eps - eps_theta||^2, lambda_t = beta_t^2 / (2 sigma_t^2 alpha_t (1 - abar_t)), at every t >= 2."""
    schedule = SCHEDULES[name]
    generator = torch.Generator().manual_seed(8)
    t = torch.arange(2, schedule.T + 1)
    x0 = 2 * torch.rand(len(t), 16, generator=generator, dtype=torch.float64) - 1
    eps, eps_theta = torch.randn(2, len(t), 16, generator=generator, dtype=torch.float64)
    xt = ddpm.q_sample(schedule, x0, t, eps)
    variance = schedule.posterior_variance()[t][:, None].expand_as(xt)
    kl = elbo.gaussian_kl(ddpm.posterior_mean(schedule, x0, xt, t), variance,
                          ddpm.reverse_mean(schedule, xt, t, eps_theta), variance)
    weighted = elbo.noise_matching_weight(schedule, t) * ((eps - eps_theta) ** 2).sum(1)
    np.testing.assert_allclose(kl.numpy(), weighted.numpy(), rtol=1e-6)
    # the weight written out
    beta, alpha, abar = (float(v[10]) for v in (schedule.betas, schedule.alphas, schedule.alpha_bars))
    tilde = (1 - float(schedule.alpha_bars[9])) / (1 - abar) * beta
    assert float(elbo.noise_matching_weight(schedule, torch.tensor([10]))) == pytest.approx(
        beta**2 / (2 * tilde * alpha * (1 - abar)))


def test_prior_term_is_the_kl_of_q_xT_to_the_standard_normal():
    schedule = linear_schedule(50)
    x0 = torch.tensor([[0.5, -1.0, 1.0]])
    abar = float(schedule.alpha_bars[-1])
    expected = 0.5 * sum(abar * v**2 + (1 - abar) - 1 - math.log(1 - abar) for v in (0.5, -1.0, 1.0))
    assert float(elbo.prior_term(schedule, x0)[0]) == pytest.approx(expected, rel=1e-4)


def test_discretized_decoder_sums_to_one_over_the_gray_levels():
    levels = torch.linspace(-1, 1, elbo.LEVELS)[:, None]  # every value one pixel can take
    for mean, std in ((0.1, 0.05), (-0.97, 0.3), (1.2, 0.01)):
        nll = elbo.discretized_gaussian_nll(levels, torch.full_like(levels, mean), std)
        assert float(torch.exp(-nll).sum()) == pytest.approx(1.0, abs=1e-5)


def test_elbo_terms_of_one_digit_add_up_and_check_against_the_kl():
    model = Diffusion(TINY).eval()
    terms = elbo.elbo_terms(model, np.linspace(0, 1, 16), draws=2)
    assert terms.t.tolist() == list(range(2, TINY.T + 1))
    np.testing.assert_allclose(terms.kl, terms.steps, rtol=1e-3)
    np.testing.assert_allclose(terms.steps, terms.weights * terms.squared_errors, rtol=1e-6)
    assert terms.total == pytest.approx(terms.prior + terms.steps.sum() + terms.reconstruction)
    assert terms.prior >= 0 and terms.reconstruction >= 0


def test_loss_is_the_mean_squared_noise_error_with_seeded_draws_in_eval():
    model = Diffusion(TINY).eval()
    x = torch.rand(5, 16, generator=torch.Generator().manual_seed(9))
    generator = torch.Generator().manual_seed(ddpm.VALIDATION_SEED)
    t = torch.randint(1, TINY.T + 1, (5,), generator=generator)
    noise = torch.randn(5, 16, generator=generator)
    abar = model.schedule.alpha_bars[t].float()[:, None]
    xt = abar.sqrt() * (2 * x - 1) + (1 - abar).sqrt() * noise
    with torch.no_grad():
        expected = ((noise - model.network(xt, t)) ** 2).mean()
        assert float(model.loss(x)["loss"]) == pytest.approx(float(expected), rel=1e-6)
        assert float(model.loss(x)["loss"]) == float(model.loss(x)["loss"])


def test_a_few_epochs_lower_the_validation_loss():
    generator = np.random.default_rng(0)
    images = (generator.random((96, 16)) < 0.5).astype(np.float32)  # a toy data set of binary 4x4 images
    model = Diffusion(TINY)
    with torch.no_grad():
        before = float(model.eval().loss(torch.as_tensor(images[64:]))["loss"])
    result = train(model, images[:64], images[64:], TrainConfig(epochs=15, patience=15, lr=3e-3, monitor="loss"),
                   progress=lambda epoch, row: None)
    assert result.best_val < before


# ----------------------------------------------------------------------------
# The network against a forward pass written by hand


def embedding_by_hand(step: int, dim: int) -> list[float]:
    half = dim // 2
    return ([math.sin(step * 10000 ** (-j / half)) for j in range(half)]
            + [math.cos(step * 10000 ** (-j / half)) for j in range(half)])


def test_timestep_embedding_by_hand():
    got = ddpm.timestep_embedding(torch.tensor([0, 1, 17, 999]), 8)
    for row, step in zip(got, (0, 1, 17, 999)):
        np.testing.assert_allclose(row.numpy(), embedding_by_hand(step, 8), atol=1e-5)


def group_norm(h, norm, groups):
    b, c, hh, ww = h.shape
    g = h.reshape(b, groups, -1)
    g = (g - g.mean(-1, keepdim=True)) / torch.sqrt(g.var(-1, unbiased=False, keepdim=True) + norm.eps)
    return g.reshape(b, c, hh, ww) * norm.weight[None, :, None, None] + norm.bias[None, :, None, None]


def silu(h):
    return h / (1 + torch.exp(-h))


def block_by_hand(block, h, emb, groups):
    a = F.conv2d(silu(group_norm(h, block.norm1, groups)), block.conv1.weight, block.conv1.bias, padding=1)
    a = a + (emb @ block.time.weight.T + block.time.bias)[:, :, None, None]
    a = F.conv2d(silu(group_norm(a, block.norm2, groups)), block.conv2.weight, block.conv2.bias, padding=1)
    skip = h if isinstance(block.skip, torch.nn.Identity) else F.conv2d(h, block.skip.weight, block.skip.bias)
    return a + skip


@pytest.mark.parametrize("dropout", [0.0, 0.5])
def test_noise_predictor_against_a_forward_pass_by_hand(dropout):
    """In eval mode (as it samples) dropout is off: the same numbers with or without it."""
    torch.manual_seed(0)
    model = Diffusion(dataclasses.replace(TINY, dropout=dropout)).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, 0.5)
    net, g = model.network, TINY.groups
    x, t = torch.randn(3, 16), torch.tensor([1, 7, 20])
    with torch.no_grad():
        got = model.epsilon(x, t)
        emb = torch.tensor([embedding_by_hand(int(s), TINY.time_dim) for s in t])
        lin = lambda layer, v: v @ layer.weight.T + layer.bias
        emb = silu(lin(net.time_mlp[2], silu(lin(net.time_mlp[0], emb))))
        h = F.conv2d(x.view(3, 1, 4, 4), net.conv_in.weight, net.conv_in.bias, padding=1)
        skip = block_by_hand(net.down, h, emb, g)
        h = F.conv2d(skip, net.downsample.weight, net.downsample.bias, stride=2, padding=1)  # (3, 8, 2, 2)
        for block in net.middle:
            h = block_by_hand(block, h, emb, g)
        h = F.conv2d(h, net.narrow.weight, net.narrow.bias)
        h = h.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3)  # nearest upsampling
        h = block_by_hand(net.up, h + skip, emb, g)
        want = F.conv2d(silu(group_norm(h, net.norm_out, g)), net.conv_out.weight, net.conv_out.bias, padding=1)
    assert got.shape == (3, 16)
    np.testing.assert_allclose(got.numpy(), want.reshape(3, 16).numpy(), atol=1e-4)


def test_num_params_counts_every_weight():
    model = Diffusion(TINY)
    assert model.num_params() == sum(p.numel() for p in model.parameters())


# ----------------------------------------------------------------------------
# The 2-D model


def test_toy_score_is_minus_the_noise_over_its_scale_and_training_is_seeded():
    config = toy.ToyConfig(target="ring", iterations=30)
    a, b = toy.train_toy(config), toy.train_toy(config)
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.equal(p, q)
    points = np.array([[0.5, -0.2], [2.0, 1.0]], dtype=np.float32)
    with torch.no_grad():
        eps = a.epsilon(torch.as_tensor(points), torch.tensor([40, 40])).numpy()
    abar = float(a.schedule.alpha_bars[40])
    np.testing.assert_allclose(a.score(points, 40), -eps / math.sqrt(1 - abar), rtol=1e-5)


def test_toy_model_learns_its_target():
    """A short live training brings samples close to the target (energy distance far below the noise's)."""
    from core.metrics import energy_distance

    config = toy.ToyConfig(target="moons", iterations=800)
    model = toy.train_toy(config)
    real = toy.target_points(config, 500, seed=1)
    samples = model.trajectory(500, seed=2).x[-1].numpy()
    noise = np.random.default_rng(3).standard_normal((500, 2))
    assert energy_distance(samples, real) < 0.2 * energy_distance(noise, real)


def test_the_recipe_decays_the_learning_rate_along_a_half_cosine_and_keeps_the_last_epoch():
    from core.recipes.diffusion import CosineDecay

    images = np.random.default_rng(1).random((40, 16)).astype(np.float32)
    config = TrainConfig(epochs=4, patience=4, batch_size=10, lr=1e-3, monitor="lr")
    wrapper = CosineDecay(Diffusion(TINY), batches=16)
    optimizers = wrapper.configure_optimizers(config)
    rates = []
    for batch in np.split(images, 4) * 4:
        wrapper.train_step(torch.as_tensor(batch), optimizers)
        rates.append(optimizers["model"].param_groups[0]["lr"])
    expected = [1e-3 * (1 + math.cos(math.pi * k / 16)) / 2 for k in range(16)]
    np.testing.assert_allclose(rates, expected, rtol=1e-12)
    assert float(wrapper.eval().loss(torch.as_tensor(images[:10]))["lr"]) == pytest.approx(0.0, abs=1e-15)
    result = train(CosineDecay(Diffusion(TINY), batches=16), images, images[:10], config, progress=lambda e, r: None)
    assert isinstance(result.model.model, Diffusion) and len(result.history) == 4
    assert result.best_epoch == 4  # the last
    assert [row["val_lr"] for row in result.history] == pytest.approx(expected[4::4] + [0.0])
