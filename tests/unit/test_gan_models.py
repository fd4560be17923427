"""The GANs: shapes fixed by the config, the two phases of a step (D's phase leaves G
alone), a tiny training run through the shared loop, InfoGAN's bound and code matching."""

import math

import numpy as np
import pytest
import torch

from core import data
from core.models.adversarial.gan import (
    DCGAN,
    MLPGAN,
    DCGANConfig,
    InfoGAN,
    InfoGANConfig,
    MLPGANConfig,
    code_mutual_information,
    interpolate,
)
from core.models.classifier import ClassifierConfig, DigitClassifier
from core.recipes import quality
from core.training import TrainConfig, train

CONFIGS = {"mlp": (MLPGAN, MLPGANConfig(hidden=32)), "dcgan": (DCGAN, DCGANConfig(ngf=8, ndf=8)),
           "infogan": (InfoGAN, InfoGANConfig(ngf=8, ndf=8))}
RECIPE = TrainConfig(epochs=2, batch_size=16, lr=1e-3, betas=(0.5, 0.999), patience=2, ema=0.5, monitor="fd")


def _dcgan_generator_params(latent, ngf=8):
    """ConvT latent -> 4ngf (2x2, no bias), BN, ConvT 4ngf -> 2ngf (4x4, no bias), BN, ConvT 2ngf -> 1 (4x4) + bias."""
    return latent * 4 * ngf * 4 + 2 * 4 * ngf + 4 * ngf * 2 * ngf * 16 + 2 * 2 * ngf + 2 * ngf * 16 + 1


def _dcgan_body_params(ndf=8):
    """Conv 1 -> ndf (4x4) + bias, Conv ndf -> 2ndf (4x4, no bias), BN."""
    return ndf * 16 + ndf + ndf * 2 * ndf * 16 + 2 * 2 * ndf


# counted by hand from the layer lists of core/models/adversarial/gan.py (weights + biases, batch-norm scale + shift)
PARAMS_BY_HAND = {
    "mlp": (32 + 1) * 32 + (32 + 1) * 32 + (32 + 1) * 64 + (64 + 1) * 32 + (32 + 1) * 32 + (32 + 1) * 1,
    "dcgan": _dcgan_generator_params(32) + _dcgan_body_params() + (64 + 1),
    "infogan": _dcgan_generator_params(16 + 10 + 2) + _dcgan_body_params() + (64 + 1) + (64 + 1) * 128 + (128 + 1) * 12,
}


def build(kind):
    torch.manual_seed(0)
    model_class, config = CONFIGS[kind]
    return model_class(config)


def digits(n=48):
    return data.gray("fit")[:n]


def snapshot(module):
    return [p.detach().clone() for p in module.parameters()]


def changed(before, module):
    return any(not torch.equal(a, b) for a, b in zip(before, module.parameters()))


@pytest.mark.parametrize("kind", CONFIGS)
def test_shapes_are_fixed_by_the_config_before_any_training(kind):
    model = build(kind).eval()
    images = model.sample(5, seed=0)
    assert images.shape == (5, 64) and images.dtype == np.float32
    assert images.min() >= 0 and images.max() <= 1
    assert model.discriminator(torch.as_tensor(images)).shape == (5,)
    assert model.num_params() == PARAMS_BY_HAND[kind]
    np.testing.assert_array_equal(model.sample(3, seed=7), model.sample(3, seed=7))
    torch.testing.assert_close(model.fixed_noise(4), model.fixed_noise(4))


def test_the_dcgan_generator_doubles_2x2_to_8x8():
    model = build("dcgan")
    layer_sizes = []
    x = model.noise(2)
    for layer in model.generator:
        x = layer(x)
        if x.dim() == 4:
            layer_sizes.append(tuple(x.shape[2:]))
    assert layer_sizes[0] == (1, 1) and (2, 2) in layer_sizes and (4, 4) in layer_sizes and layer_sizes[-1] == (8, 8)


@pytest.mark.parametrize("kind", CONFIGS)
def test_the_discriminator_phase_sends_no_gradient_into_the_generator(kind):
    """fake.detach(): after phase (1) the generator has no gradient and has not moved."""
    model = build(kind).train()
    optimizers = model.configure_optimizers(RECIPE)
    generator_before, real = snapshot(model.generator), torch.as_tensor(digits(16))
    latent = model.noise(16)
    fake = model.generate(latent)
    discriminator_before = [p.detach().clone() for g in optimizers["D"].param_groups for p in g["params"]]
    model.update_discriminator(real, fake, latent, optimizers["D"])
    assert all(p.grad is None for p in model.generator.parameters())
    after = [p for g in optimizers["D"].param_groups for p in g["params"]]
    assert any(not torch.equal(a, b) for a, b in zip(discriminator_before, after))
    assert not changed(generator_before, model.generator)


@pytest.mark.parametrize("kind", CONFIGS)
def test_one_step_moves_both_players(kind):
    model = build(kind).train()
    optimizers = model.configure_optimizers(RECIPE)
    generator_before = snapshot(model.generator)
    discriminator_before = [p.detach().clone() for g in optimizers["D"].param_groups for p in g["params"]]
    terms = model.train_step(torch.as_tensor(digits(16)), optimizers)
    assert {"loss_d", "loss_g"} <= set(terms)
    assert changed(generator_before, model.generator)
    after = [p for g in optimizers["D"].param_groups for p in g["params"]]
    assert any(not torch.equal(a, b) for a, b in zip(discriminator_before, after))


@pytest.mark.parametrize("kind", CONFIGS)
def test_a_tiny_run_of_the_shared_loop_changes_the_generator(kind):
    torch.manual_seed(0)
    critic = DigitClassifier(ClassifierConfig(channels=4, features=8)).eval()
    model = build(kind)
    before = model.sample(8, seed=0)
    result = train(quality.FrechetMonitor(model, critic, samples=32), digits(), digits(32), RECIPE,
                   progress=lambda epoch, row: None)
    assert len(result.history) == 2 and result.monitor == "fd"
    assert {"train_loss_d", "train_loss_g", "val_fd"} <= set(result.history[0])
    trained = result.model.model.eval()
    assert not np.allclose(trained.sample(8, seed=0), before)


def test_the_discriminator_loss_is_the_negated_value_function():
    """-[log D(x) + log(1 - D(G(z)))] with D = sigmoid(logit), checked by hand."""
    model = build("mlp").eval()
    real, fake = torch.as_tensor(digits(8)), model.generate(model.noise(8))
    d_real, d_fake = torch.sigmoid(model.discriminator(real)), torch.sigmoid(model.discriminator(fake))
    by_hand = -(torch.log(d_real).mean() + torch.log(1 - d_fake).mean())
    torch.testing.assert_close(model.discriminator_loss(real, fake), by_hand)
    torch.testing.assert_close(model.generator_loss(fake), -torch.log(d_fake).mean())


def test_walk_ends_and_noise_of_a_seed_reproduce_the_samples():
    model = build("dcgan").eval()
    z_0, z_1 = model.noise_of(3), model.noise_of(4)
    np.testing.assert_allclose(model.generate_numpy(z_0[None]), model.sample(1, seed=3), atol=1e-6)
    for spherical in (False, True):
        walk = interpolate(z_0, z_1, steps=7, spherical=spherical)
        assert walk.shape == (7, model.latent)
        np.testing.assert_allclose(walk[0], z_0, atol=1e-5)
        np.testing.assert_allclose(walk[-1], z_1, atol=1e-5)
    np.testing.assert_allclose(interpolate(z_0, z_1, 3, spherical=False)[1], (z_0 + z_1) / 2, atol=1e-6)


def test_slerp_keeps_the_norm_and_moves_at_constant_angle():
    z_0, z_1 = np.array([2.0, 0.0, 0.0]), np.array([0.0, 2.0, 0.0])
    walk = interpolate(z_0, z_1, steps=5, spherical=True)
    np.testing.assert_allclose(np.linalg.norm(walk, axis=1), 2.0, rtol=1e-6)
    angles = np.arctan2(walk[:, 1], walk[:, 0])
    np.testing.assert_allclose(np.diff(angles), np.pi / 8, rtol=1e-5)
    assert np.linalg.norm(interpolate(z_0, z_1, 3, spherical=False)[1]) < 2.0


# ----------------------------------------------------------------------------
# InfoGAN


def test_infogan_input_carries_the_codes_it_was_given():
    model = build("infogan")
    category, continuous = torch.arange(10), torch.linspace(-1, 1, 20).view(10, 2)
    latent = model.latent_input(torch.zeros(10, model.config.noise), category, continuous)
    assert latent.shape == (10, model.config.noise + 10 + 2)
    got_category, got_continuous = model.split_input(latent)
    torch.testing.assert_close(got_category, category)
    torch.testing.assert_close(got_continuous, continuous)
    logits, means = model.q(model.generate(latent))
    assert logits.shape == (10, 10) and means.shape == (10, 2)


def test_infogan_code_grid_varies_only_the_codes():
    model = build("infogan").eval()
    values = np.linspace(-1, 1, 3)
    grid = model.code_grid(values, sweep_index=1, seed=5)
    assert grid.shape == (10 * 3, 64)
    one = model.generate_codes(np.array([4]), np.array([[0.0, values[2]]]), seed=5)  # row 4, column 2
    np.testing.assert_allclose(grid[4 * 3 + 2], one[0], atol=1e-6)


def test_infogan_bound_is_at_most_ln_10_and_equals_h_minus_cross_entropy():
    model = build("infogan").eval()
    latent = model.noise(200, torch.Generator().manual_seed(0))
    with torch.no_grad():
        images = model.generate(latent)
        bound = model.mutual_information_bound(images, latent)
        category, _ = model.split_input(latent)
        log_q = torch.log_softmax(model.q(images)[0], dim=1)[torch.arange(200), category]
    assert float(bound) <= math.log(10)
    assert float(bound) == pytest.approx(math.log(10) + float(log_q.mean()), abs=1e-5)
    assert quality.information_bound(model, n=200) <= math.log(10)


def test_code_mutual_information_is_ln_10_for_confident_balanced_codes_and_0_for_one_distribution():
    confident = torch.eye(10)[torch.arange(50) % 10]
    assert float(code_mutual_information(confident)) == pytest.approx(math.log(10), abs=1e-5)
    assert float(code_mutual_information(torch.full((30, 10), 0.1))) == pytest.approx(0.0, abs=1e-6)


def test_hungarian_matching_of_a_permuted_confusion_matrix_gives_accuracy_one():
    rng = np.random.default_rng(0)
    permutation = rng.permutation(10)
    confusion = np.diag(rng.integers(5, 40, size=10))[:, permutation]  # code j holds every image of class permutation[j]
    class_of_code, accuracy = quality.hungarian_match(confusion)
    assert accuracy == 1.0
    np.testing.assert_array_equal(class_of_code, permutation)


def test_hungarian_matching_is_the_best_one_to_one_assignment_on_a_small_case():
    import itertools

    confusion = np.array([[5, 1, 0], [4, 4, 0], [0, 3, 2]])
    best = max(sum(confusion[c, code] for code, c in enumerate(p)) for p in itertools.permutations(range(3)))
    assert quality.hungarian_match(confusion)[1] == pytest.approx(best / confusion.sum())


def test_code_confusion_counts_every_image_once():
    model = build("infogan").eval()
    images, labels = digits(40), np.arange(40) % 10
    confusion = quality.code_confusion(model, images, labels)
    assert confusion.shape == (10, 10) and confusion.sum() == 40
    np.testing.assert_array_equal(confusion.sum(axis=1), np.bincount(labels, minlength=10))
