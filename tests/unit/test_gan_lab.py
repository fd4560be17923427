"""The 2-D GAN lab: training steps, determinism, losses, penalties, measures, views, CSV upload."""

import math

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from core.gan_lab.config import MAX_POINTS, LabConfig, sample_target, with_settings
from core.gan_lab.lab import DISPLAY_POINTS, GANLab, modes_over_training
from core.gan_lab.losses import (
    discriminator_loss_bce,
    discriminator_loss_ls,
    generator_loss_ls,
    generator_loss_minimax,
    generator_loss_non_saturating,
    penalty,
)
from core.gan_lab.measures import histogram_divergences, mixture_modes, mode_stats
from core.gan_lab.networks import ADAM_BETAS, MLP, OPTIMIZER_CLASSES, flat_gradient, flatten_parameters
from core.gan_lab.points import PointsFileError, custom_config, parse_points_csv, rescale_points

SMALL = dict(g_units=16, d_units=16, batch_size=64)  # fast enough for many tests


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """One torch thread, as the app runs the lab: tiny matrices are slower with more."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def generator_vector(lab):
    return torch.cat([p.detach().reshape(-1) for p in lab.G.parameters()]).clone()


# ----------------------------------------------------------------------------
# Configuration


@pytest.mark.parametrize("change", [dict(target="moon"), dict(loss="wgan"), dict(regularizer="l2"), dict(noise="cauchy"),
                                    dict(g_optimizer="rmsprop"), dict(noise_dim=0), dict(d_steps=0), dict(batch_size=0),
                                    dict(target="custom")])
def test_config_refuses_unknown_settings(change):
    with pytest.raises(ValueError):
        LabConfig(**change)


def test_config_is_frozen_and_hashable():
    config = LabConfig()
    assert hash(config) == hash(LabConfig())
    with pytest.raises(AttributeError):
        config.seed = 1
    assert with_settings(config, seed=3).seed == 3


# ----------------------------------------------------------------------------
# Training


def test_a_few_steps_change_the_generator_and_record_losses():
    lab = GANLab(LabConfig(**SMALL))
    before = generator_vector(lab)
    last = lab.step(5)
    assert lab.iteration == 5
    assert not torch.equal(before, generator_vector(lab))
    curves = lab.loss_curves()
    assert list(curves["iteration"]) == [1, 2, 3, 4, 5]
    assert all(len(curves[key]) == 5 for key in ("d_loss", "g_loss", "penalty"))
    assert last["d_loss"] == pytest.approx(float(curves["d_loss"][-1]))
    assert np.all(curves["penalty"] == 0)


@pytest.mark.parametrize("settings", [dict(), dict(loss="minimax", regularizer="r1", noise="uniform"),
                                      dict(loss="least_squares", regularizer="gradient_penalty", d_steps=2, g_steps=2,
                                           g_optimizer="sgd", d_optimizer="sgd", noise_dim=3)])
def test_same_seed_same_result_and_steps_add_up(settings):
    config = LabConfig(**SMALL, **settings)
    a, b, c = GANLab(config), GANLab(config), GANLab(config)
    torch.rand(7)  # draws elsewhere in the process must not matter
    a.step(12)
    b.step(12)
    for _ in range(12):
        c.step(1)
    assert torch.equal(generator_vector(a), generator_vector(b))
    assert torch.equal(generator_vector(a), generator_vector(c))
    np.testing.assert_array_equal(a.loss_curves()["g_loss"], c.loss_curves()["g_loss"])
    np.testing.assert_array_equal(a.generated_points(), c.generated_points())
    other = GANLab(with_settings(config, seed=1))
    other.step(12)
    assert not torch.equal(generator_vector(a), generator_vector(other))


def test_reset_returns_to_the_start():
    lab = GANLab(LabConfig(**SMALL))
    start = generator_vector(lab)
    lab.step(3)
    lab.frame()
    lab.reset()
    assert lab.iteration == 0 and lab.metric_history == [] and len(lab.loss_curves()["d_loss"]) == 0
    assert torch.equal(start, generator_vector(lab))


def test_training_learns_the_ring():
    lab = GANLab(LabConfig())
    js_start = lab.divergences()["js"]
    lab.step(1500)
    assert lab.divergences()["js"] < 0.5 * js_start
    assert lab.modes().high_quality > 0.3


def test_loss_curves_average_long_runs():
    lab = GANLab(LabConfig(**SMALL))
    lab.step(10)
    full, short = lab.loss_curves(), lab.loss_curves(max_points=4)
    assert list(short["iteration"]) == [3, 6, 9, 10]
    np.testing.assert_allclose(short["g_loss"], [full["g_loss"][i : i + 3].mean() for i in (0, 3, 6, 9)], rtol=1e-6)


def test_modes_over_training():
    trace = modes_over_training(LabConfig(**SMALL), iterations=7, every=3)
    assert list(trace["iteration"]) == [3, 6, 7]
    assert trace["modes"].shape == trace["high_quality"].shape == (3,)
    with pytest.raises(ValueError):
        modes_over_training(LabConfig(target="moons"), iterations=1)


def test_step_for_runs_at_least_one_chunk():
    lab = GANLab(LabConfig(**SMALL))
    assert lab.step_for(0.0, chunk=4) == 4
    assert lab.step_for(0.05, chunk=3, max_iterations=7) <= 7


# ----------------------------------------------------------------------------
# Networks, optimizers, losses, penalties


def test_flat_parameters_are_the_network_weights():
    net = MLP(2, 8, 2, 1, torch.Generator().manual_seed(0))
    flat = flatten_parameters(net)
    assert flat.numel() == sum(p.numel() for p in net.parameters()) == 2 * 8 + 8 + 8 * 8 + 8 + 8 * 1 + 1
    x = torch.randn(5, 2)
    before = net(x).detach()
    with torch.no_grad():
        flat[-1] += 1.0  # the last bias
    torch.testing.assert_close(net(x).detach(), before + 1.0)


def test_mlp_matches_linear_layers():
    net = MLP(3, 5, 2, 2, torch.Generator().manual_seed(0))
    x = torch.randn(4, 3)
    h = x
    for i, (W, b) in enumerate(net.layers):
        h = h @ W + b
        h = torch.relu(h) if i < 2 else h
    torch.testing.assert_close(net(x), h)


def test_initialization_follows_pytorch_bounds():
    net = MLP(2, 64, 2, 1, torch.Generator().manual_seed(0))
    for W, b in net.layers:
        bound = 1 / math.sqrt(W.shape[0])
        assert W.abs().max() <= bound and b.abs().max() <= bound


@pytest.mark.parametrize("name", ["adam", "sgd"])
def test_flat_optimizers_match_torch_optim(name):
    torch.manual_seed(0)
    target = torch.randn(10)
    mine = nn.Linear(10, 1)
    reference = nn.Linear(10, 1)
    reference.load_state_dict(mine.state_dict())
    optimizer = OPTIMIZER_CLASSES[name](flatten_parameters(mine), 0.05)
    params = list(mine.parameters())
    torch_optimizer = (torch.optim.Adam(reference.parameters(), 0.05, betas=ADAM_BETAS) if name == "adam"
                       else torch.optim.SGD(reference.parameters(), 0.05))
    for _ in range(25):
        x = torch.randn(8, 10)
        optimizer.step(flat_gradient((mine(x).squeeze(1) - x @ target).pow(2).mean(), params))
        torch_optimizer.zero_grad()
        (reference(x).squeeze(1) - x @ target).pow(2).mean().backward()
        torch_optimizer.step()
    for p, q in zip(mine.parameters(), reference.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-5, atol=1e-6)


def test_losses_match_their_formulas():
    torch.manual_seed(0)
    real, fake = torch.randn(6, 1), torch.randn(6, 1)
    logits, labels = torch.cat([real, fake]), torch.cat([torch.ones(6, 1), torch.zeros(6, 1)])
    d_real, d_fake = torch.sigmoid(real), torch.sigmoid(fake)
    torch.testing.assert_close(discriminator_loss_bce(logits, labels),
                               0.5 * (-torch.log(d_real).mean() - torch.log(1 - d_fake).mean()))
    torch.testing.assert_close(discriminator_loss_ls(logits, labels),
                               0.5 * (real - 1).pow(2).mean() + 0.5 * fake.pow(2).mean())
    torch.testing.assert_close(generator_loss_minimax(fake), torch.log(1 - d_fake).mean())
    torch.testing.assert_close(generator_loss_non_saturating(fake), -torch.log(d_fake).mean())
    torch.testing.assert_close(generator_loss_ls(fake), 0.5 * (fake - 1).pow(2).mean())
    assert discriminator_loss_bce(torch.zeros(4, 1), labels[4:8]).item() == pytest.approx(math.log(2))


def test_penalties_on_a_linear_discriminator():
    """l(x) = 0.6 x_1 + 0.8 x_2 has a gradient of norm 1 everywhere: the WGAN-GP term is 0,
    the zero-centred ones are 1; a steeper l = 2 (...) gives (2 - 1)^2 = 1 and 4."""
    for scale, expected in ((1.0, {"gradient_penalty": 0.0, "zero_centered_gp": 1.0, "r1": 1.0}),
                            (2.0, {"gradient_penalty": 1.0, "zero_centered_gp": 4.0, "r1": 4.0})):
        d = nn.Linear(2, 1)
        with torch.no_grad():
            d.weight.copy_(scale * torch.tensor([[0.6, 0.8]]))
        real, fake, mix = torch.randn(32, 2), torch.randn(32, 2), torch.rand(32, 1)
        for name, value in expected.items():
            assert penalty(d, name, real, fake, mix).item() == pytest.approx(value, abs=1e-5)


@pytest.mark.parametrize("name", ["gradient_penalty", "zero_centered_gp", "r1"])
def test_penalties_are_taken_where_their_definition_says_and_reach_ds_weights(name):
    """R1 at the real points only; the two gradient penalties at x^ = mix x + (1 - mix) G(z):
    with mix = 1 those are the real points (the fakes do not matter), with mix = 1/2 they are not."""
    d = MLP(2, 16, 2, 1, torch.Generator().manual_seed(0))
    real, fake = torch.randn(64, 2), torch.randn(64, 2)
    at_real = penalty(d, name, real, fake, torch.ones(64, 1))
    assert penalty(d, name, real, fake + 3.0, torch.ones(64, 1)).item() == pytest.approx(at_real.item())
    halfway = penalty(d, name, real, fake, torch.full((64, 1), 0.5)).item()
    assert (halfway == pytest.approx(at_real.item())) == (name == "r1")
    grads = torch.autograd.grad(at_real, list(d.parameters()), allow_unused=True)
    assert any(grad is not None and grad.abs().sum() > 0 for grad in grads)
    lab = GANLab(LabConfig(**SMALL, regularizer=name))
    lab.step(5)
    assert np.all(np.isfinite(lab.loss_curves()["penalty"])) and lab.loss_curves()["penalty"].max() > 0


# ----------------------------------------------------------------------------
# Measures


@pytest.mark.parametrize("target, total", [("ring", 8), ("grid", 25)])
def test_modes_covered_on_hand_made_points(target, total):
    centres, std = mixture_modes(target)
    assert centres.shape == (total, 2) and std == 0.05
    rng = np.random.default_rng(0)
    everywhere = np.repeat(centres, 40, axis=0) + std * rng.standard_normal((40 * total, 2))
    stats = mode_stats(everywhere, centres, std)
    assert (stats.covered, stats.total) == (total, total) and stats.high_quality > 0.98
    one = centres[3] + std * rng.standard_normal((500, 2))
    stats = mode_stats(one, centres, std)
    assert stats.covered == 1 and stats.counts[3] > 490
    lost = centres[0] + 0.2 + np.zeros((100, 2))  # 0.28 from the centre, beyond 3 std: low quality
    assert mode_stats(lost, centres, std).high_quality == 0.0
    few = np.concatenate([one, centres[:2] + 0.01])  # two stray samples do not cover a mode
    assert mode_stats(few, centres, std).covered == 1


def test_mixture_modes_match_the_samplers():
    centres, std = mixture_modes("ring")
    points = sample_target(LabConfig(target="ring"), 2000, np.random.default_rng(0))
    assert mode_stats(points, centres, std).covered == 8
    assert mixture_modes("moons") is None and mixture_modes("custom") is None


def test_histogram_divergences():
    rng = np.random.default_rng(0)
    box = (-3.0, 3.0, -3.0, 3.0)
    a = rng.standard_normal((4000, 2))
    same = histogram_divergences(a, a, box)
    assert same == {"kl": 0.0, "kl_reverse": 0.0, "js": 0.0}
    close = histogram_divergences(a, rng.standard_normal((4000, 2)), box)
    apart = histogram_divergences(a * 0.2 - 2, a * 0.2 + 2, box)
    assert 0 < close["js"] < 0.05 < apart["js"] <= math.log(2)
    assert apart["js"] > 0.9 * math.log(2) and apart["kl"] > close["kl"]


# ----------------------------------------------------------------------------
# Views


@pytest.mark.parametrize("noise_dim, lines", [(1, 1), (2, 22), (3, 22)])
def test_frame_shapes(noise_dim, lines):
    lab = GANLab(LabConfig(**SMALL, noise_dim=noise_dim))
    lab.step(2)
    frame = lab.frame(resolution=20)
    n = DISPLAY_POINTS
    assert frame.real.shape == frame.fake.shape == frame.arrows.shape == (n, 2)
    assert frame.heatmap.shape == (20, 20) and frame.heatmap_x.shape == frame.heatmap_y.shape == (20,)
    assert np.all((frame.heatmap > 0) & (frame.heatmap < 1))
    assert frame.manifold.shape == (lines, 60, 2)
    assert len(frame.losses["d_loss"]) == 2 and frame.iteration == 2
    assert frame.modes.total == 8 and set(frame.divergences) == {"kl", "kl_reverse", "js"}
    assert lab.metric_history[-1]["iteration"] == 2 and "modes" in lab.metric_history[-1]
    for array in (frame.real, frame.fake, frame.arrows, frame.manifold):
        assert np.isfinite(array).all()


def test_heatmap_rows_are_y():
    lab = GANLab(LabConfig(**SMALL))
    xs, ys, heat = lab.discriminator_heatmap(7)
    with torch.no_grad():
        expected = torch.sigmoid(lab.D(torch.tensor([[xs[2], ys[5]]], dtype=torch.float32))).item()
    assert heat[5, 2] == pytest.approx(expected, rel=1e-5)


def test_manifold_of_one_dimensional_noise_is_g_of_a_line():
    lab = GANLab(LabConfig(**SMALL, noise_dim=1, noise="uniform"))
    curve = lab.manifold(points=5)[0]
    with torch.no_grad():
        expected = lab.G(torch.linspace(-1, 1, 5)[:, None]).numpy()
    np.testing.assert_allclose(curve, expected, rtol=1e-6)


def test_arrows_point_downhill_for_the_generator():
    """Moving each fake point a little along its arrow lowers the generator's loss."""
    lab = GANLab(LabConfig(**SMALL))
    lab.step(20)
    arrows = lab.generator_gradients()
    fake = torch.as_tensor(lab.generated_points())
    with torch.no_grad():
        before = F.softplus(-lab.D(fake)).squeeze(1)
        after = F.softplus(-lab.D(fake + 1e-3 * torch.as_tensor(arrows))).squeeze(1)
    moved = np.linalg.norm(arrows, axis=1) > 1e-4
    assert moved.mean() > 0.5 and (after < before)[torch.as_tensor(moved)].float().mean() > 0.95


def test_custom_target_trains_and_has_no_modes():
    points = np.array([[10.0, 10.0], [12.0, 10.0], [11.0, 14.0], [10.0, 14.0]])
    config = custom_config(points, **SMALL)
    assert np.abs(np.array(config.custom_points)).max() == pytest.approx(2.0)
    lab = GANLab(config)
    lab.step(3)
    frame = lab.frame()
    assert frame.modes is None and np.isfinite(frame.fake).all()


# ----------------------------------------------------------------------------
# CSV upload


@pytest.mark.parametrize("text", [
    "x,y\n0,0\n1,1\n2,0.5\n",
    "0,0\n1,1\n2,0.5",
    "0;0\n1;1\n2;0.5\n",
    "x\ty\n0\t0\n1\t1\n2\t0.5\n",
    "\n0, 0\r\n1, 1\r\n\n 2 , 0.5 \r\n",
    b"\xef\xbb\xbfx,y\n0,0\n1,1\n2,0.5\n",
    "X coordinate,Y coordinate\n0,0\n1,1\n2,5e-1\n",
])
def test_good_csv_files(text):
    np.testing.assert_allclose(parse_points_csv(text), [[0, 0], [1, 1], [2, 0.5]])


@pytest.mark.parametrize("text, code", [
    ("", "empty"), ("\n  \n", "empty"), ("x,y\n", "empty"),
    ("x,y\n0,0\n1,one\n2,2\n", "not_numeric"), (b"\xff\xfe\x00\x01", "not_text"),
    ("0,0,0\n1,1,1\n2,2,2\n", "wrong_columns"), ("0\n1\n2\n", "wrong_columns"), ("0,0\n1,1\n2\n", "wrong_columns"),
    ("0,0\n1,1\n", "too_few_points"),
    ("0,0\n" * (MAX_POINTS + 1), "too_many_points"),
    ("0,0\n1,nan\n2,2\n", "not_finite"), ("0,0\n1,inf\n2,2\n", "not_finite"),
])
def test_bad_csv_files_say_why(text, code):
    with pytest.raises(PointsFileError) as error:
        parse_points_csv(text)
    assert error.value.code == code
    assert isinstance(error.value, ValueError) and str(error.value)


def test_csv_error_details_name_the_line():
    with pytest.raises(PointsFileError) as error:
        parse_points_csv("x,y\n0,0\n1,abc\n")
    assert error.value.details == {"line": 3, "value": "abc"}
    assert "Line 3" in str(error.value)


def test_drawing_the_same_iteration_twice_records_it_once():
    lab = GANLab(LabConfig(**SMALL))
    lab.step(2)
    lab.frame(resolution=8)
    lab.frame(resolution=8)  # a page rerun without training
    assert [entry["iteration"] for entry in lab.metric_history] == [2]
    lab.step(1)
    lab.frame(resolution=8)
    assert [entry["iteration"] for entry in lab.metric_history] == [2, 3]


@pytest.mark.parametrize("points", [
    [[1.7e308, 1.7e308], [1.6e308, 1.7e308], [1.7e308, 1.6e308]],  # max + min overflows to inf
    [[1.7e308, -1.7e308], [-1.7e308, 1.7e308], [0.0, 0.0]],  # so does max - min
    [[5e-324, 0.0], [0.0, 5e-324], [0.0, 0.0]],  # the smallest floats
    [[3.0, 3.0], [3.0, 3.0], [3.0, 3.0]],  # all in one place
])
def test_rescaled_points_are_finite_and_in_the_box(points):
    scaled = rescale_points(np.array(points))
    assert np.isfinite(scaled).all() and np.abs(scaled).max() <= 2.0 + 1e-12
    assert custom_config(np.array(points)).custom_points  # a usable target
