"""Image translation: the printed font and the handwriting styles, the shapes of CycleGAN's and
StarGAN's players, the cycle term and its weight, a tiny training run of each, and the
parameter counts of one StarGAN generator against k(k - 1) CycleGAN generators."""

import numpy as np
import pytest
import torch

from core import data
from core.data.domains import DOMAINS, glyph_bitmaps, printed_digits, restyle, restyled_set, stretch
from core.models.adversarial.translation import (
    CycleGAN,
    CycleGANConfig,
    StarGAN,
    StarGANConfig,
    cyclegan_generators_params,
    generator_params,
    stargan_generator_params,
    translator,
)
from core.training import TrainConfig, train

TINY_CYCLE = CycleGANConfig(cycle_weight=10.0, ngf=4, ndf=4, blocks=1)
TINY_STAR = StarGANConfig(ngf=4, ndf=4, blocks=1)
RECIPE = TrainConfig(epochs=2, batch_size=8, lr=1e-3, betas=(0.5, 0.999), patience=2, ema=0.5, monitor="loss")


def digits(n=16):
    return data.gray("fit")[:n]


def slant_measure(images):
    """Mean normalised second moment of ink between row (downwards) and column, per image:
    negative when the top leans right."""
    grids = images.reshape(-1, 8, 8)
    r, c = np.mgrid[0:8, 0:8]
    mass = grids.sum(axis=(1, 2))
    mr, mc = (grids * r).sum(axis=(1, 2)) / mass, (grids * c).sum(axis=(1, 2)) / mass
    cov = (grids * (r - mr[:, None, None]) * (c - mc[:, None, None])).sum(axis=(1, 2)) / mass
    var = (grids * (r - mr[:, None, None]) ** 2).sum(axis=(1, 2)) / mass
    return cov / var


# ----------------------------------------------------------------------------
# Domains


def test_the_ten_printed_glyphs_differ_pairwise_by_at_least_three_cells():
    glyphs = glyph_bitmaps().reshape(10, -1)
    differences = (glyphs[:, None] != glyphs[None]).sum(axis=2)  # (10, 10) Hamming distances
    assert (differences + 100 * np.eye(10) >= 3).all()


def ink_extent(images: np.ndarray, axis: int) -> float:
    """Mean number of rows (axis=2) or columns (axis=1) from the first to the last one holding ink."""
    ink = images.reshape(-1, 8, 8).max(axis=axis) > 0.25
    first, last = ink.argmax(axis=1), 7 - ink[:, ::-1].argmax(axis=1)
    return float((last - first + 1).mean())


def test_printed_digits_fill_the_frame_as_the_handwritten_ones_do():
    """Both domains share the frame (full height, about five columns wide), so the translation
    changes the strokes, not the size or place of the digit. The 1s are left out of the widths."""
    handwritten, labels = data.gray("fit"), data.digits("fit").labels
    printed = printed_digits(labels, 0)
    assert ink_extent(printed, axis=2) >= 7.5 and ink_extent(handwritten, axis=2) >= 7.5
    assert abs(ink_extent(printed[labels != 1], axis=1) - ink_extent(handwritten[labels != 1], axis=1)) < 0.75


def test_stretching_a_glyph_by_whole_factors_repeats_each_cell():
    glyph = glyph_bitmaps()[4]
    assert np.array_equal(stretch(glyph, 7, 5), glyph)
    assert np.array_equal(stretch(glyph, 28, 20), np.kron(glyph, np.ones((4, 4))))
    assert stretch(glyph, 30, 17).shape == (30, 17)


def test_printed_digits_are_seeded_in_range_and_jittered():
    labels = np.repeat(np.arange(10), 20)
    a, b, c = printed_digits(labels, 0), printed_digits(labels, 0), printed_digits(labels, 1)
    assert a.shape == (200, 64) and a.dtype == np.float32
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert a.min() >= 0 and a.max() <= 1
    assert len({row.tobytes() for row in a[labels == 8]}) > 10  # jitter: the same 8 drawn many ways
    first_ink_column = (a.reshape(-1, 8, 8).max(axis=1) > 0.3).argmax(axis=1)
    assert len(set(first_ink_column[labels == 1])) > 1  # shifted, not always in the same place


def test_restyle_keeps_shape_and_range_and_original_is_the_identity():
    x = digits(40)
    for name in DOMAINS:
        out = restyle(x, name)
        assert out.shape == x.shape and out.dtype == np.float32
        assert np.array_equal(restyle(x, name), out)  # deterministic
    assert np.array_equal(restyle(x, "original"), x)
    assert not np.allclose(restyle(x, "thin"), x)
    with pytest.raises(ValueError):
        restyle(x, "bold")


def test_thin_and_thick_by_hand_on_three_dots():
    """thin: x' = clip((x - cut) / (1 - cut), 0, 1); thick: x' = max(x, s * max of the 4-neighbours), computed
    by hand for dots of ink 1, 0.725 and 0.3 on an empty 8x8 image."""
    from core.data.domains import THICK_SPREAD, THIN_CUT

    image = np.zeros((8, 8), dtype=np.float32)
    image[3, 3], image[0, 7], image[6, 1] = 1.0, 0.725, 0.3
    thin = np.zeros((8, 8))
    thin[3, 3], thin[0, 7] = 1.0, (0.725 - THIN_CUT) / (1 - THIN_CUT)  # 0.3 < cut: removed
    np.testing.assert_allclose(restyle(image.reshape(1, 64), "thin").reshape(8, 8), thin, atol=1e-6)
    thick = image.astype(np.float64)
    for (r, c), ink in {(3, 3): 1.0, (0, 7): 0.725, (6, 1): 0.3}.items():
        for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1)):  # the 4-neighbours inside the image, not the diagonals
            if 0 <= r + dr < 8 and 0 <= c + dc < 8:
                thick[r + dr, c + dc] = max(thick[r + dr, c + dc], THICK_SPREAD * ink)
    np.testing.assert_allclose(restyle(image.reshape(1, 64), "thick").reshape(8, 8), thick, atol=1e-6)


def test_slants_lean_opposite_ways_and_thick_has_more_ink_than_thin():
    x = digits(100)
    base = slant_measure(x)
    left, right = slant_measure(restyle(x, "slant_left")) - base, slant_measure(restyle(x, "slant_right")) - base
    assert (right < 0).mean() > 0.95 and (left > 0).mean() > 0.95  # top to the right: ink higher up sits further right
    assert np.allclose(left.mean(), -right.mean(), rtol=0.2)  # the same shear, mirrored
    ink = {name: restyle(x, name).sum(axis=1) for name in ("thin", "original", "thick")}
    assert (ink["thin"] < ink["original"]).all() and (ink["original"] < ink["thick"]).all()


def test_each_training_digit_is_seen_in_one_domain_only():
    x = digits(200)
    images, domains = restyled_set(x, seed=0)
    assert set(np.unique(domains)) == set(range(len(DOMAINS)))
    for d, name in enumerate(DOMAINS):
        assert np.array_equal(images[domains == d], restyle(x[domains == d], name))


# ----------------------------------------------------------------------------
# CycleGAN


def build_cycle(weight=10.0):
    torch.manual_seed(0)
    return CycleGAN(CycleGANConfig(cycle_weight=weight, ngf=4, ndf=4, blocks=1))


def rows(n=16):
    labels = np.random.default_rng(0).integers(10, size=n)
    return np.concatenate([digits(n), printed_digits(labels, 0)], axis=1)


def test_cyclegan_shapes():
    model = build_cycle()
    x = digits(5)
    assert model.translate_ab(x).shape == (5, 64) and model.translate_ba(x).shape == (5, 64)
    fake, back = model.cycle_a(x)
    assert fake.shape == back.shape == (5, 64)
    assert np.allclose(back, model.translate_ba(fake), atol=1e-6)  # F(G(x))
    assert model.D_A(torch.as_tensor(x)).shape == (5, 4)  # one score per patch


def test_cycle_loss_is_the_l1_way_back_in_both_directions():
    model = build_cycle()
    batch = torch.as_tensor(rows(8))
    a, b = model.split(batch)
    with torch.no_grad():
        fake_b, fake_a = model.g(a), model.f(b)
        expected = (model.f(fake_b) - a).abs().mean() + (model.g(fake_a) - b).abs().mean()
        assert torch.allclose(model.cycle_loss(a, b, fake_b, fake_a), expected)
        terms = model.loss(batch)
    assert torch.allclose(terms["loss"], terms["loss_g"] + 10 * terms["cycle"])


def test_lambda_zero_has_no_cycle_term_and_its_generators_get_only_adversarial_gradients():
    batch = torch.as_tensor(rows(8))
    for weight in (0.0, 10.0):
        model = build_cycle(weight)
        optimizers = model.configure_optimizers(RECIPE)
        terms = model.train_step(batch, optimizers)
        assert ("cycle" in terms) == (weight > 0)
    model = build_cycle(0.0)
    with torch.no_grad():
        terms = model.loss(batch)
    assert torch.allclose(terms["loss"], terms["loss_g"])  # the cycle error is reported, weighted by 0


def test_cyclegan_discriminator_phase_leaves_the_generators_alone():
    model = build_cycle()
    optimizers = model.configure_optimizers(RECIPE)
    before = {name: [p.detach().clone() for p in getattr(model, name).parameters()] for name in ("G", "F", "D_A", "D_B")}
    optimizers["G"].step = lambda: None  # skip phase (2): what is left is phase (1)
    model.train_step(torch.as_tensor(rows(8)), optimizers)
    for name in ("G", "F"):
        assert all(torch.equal(p, q) for p, q in zip(before[name], getattr(model, name).parameters())), name
    for name in ("D_A", "D_B"):  # phase (1) did run: both discriminators moved
        assert any(not torch.equal(p, q) for p, q in zip(before[name], getattr(model, name).parameters())), name


def test_a_tiny_cyclegan_training_run():
    model = build_cycle()
    result = train(model, rows(16), rows(8), RECIPE, progress=lambda epoch, row: None)
    assert len(result.history) == 2 and np.isfinite(result.best_val)
    assert "train_cycle" in result.history[0] and "val_cycle" in result.history[0]


# ----------------------------------------------------------------------------
# StarGAN


def build_star():
    torch.manual_seed(0)
    return StarGAN(TINY_STAR)


def test_stargan_shapes_and_the_target_changes_the_output():
    model = build_star()
    x = digits(6)
    assert model.translate(x, 2).shape == (6, 64)
    assert np.array_equal(model.translate(x, np.full(6, 2)), model.translate(x, 2))
    assert not np.allclose(model.translate(x, 1), model.translate(x, 2))
    src, cls = model.D(torch.as_tensor(x))
    assert src.shape == (6, 4) and cls.shape == (6, len(DOMAINS))


def test_a_tiny_stargan_training_run():
    model = build_star()
    images, domains = restyled_set(digits(24), seed=0)
    labelled = np.concatenate([images, domains[:, None].astype(np.float32)], axis=1)
    result = train(model, labelled[:16], labelled[16:], RECIPE, progress=lambda epoch, row: None)
    assert {"train_cls_d", "train_cls_g", "train_rec", "val_rec"} <= set(result.history[0])
    assert np.isfinite(result.best_val)


# ----------------------------------------------------------------------------
# Parameter counts: one generator for k domains vs one per ordered pair


def translator_params_by_hand(in_channels: int, ngf: int = 32, blocks: int = 2, first_norm: bool = True) -> int:
    """conv3x3 in -> ngf (+ bias), instance norm (scale + shift, CycleGAN only), per residual block two
    conv3x3 ngf -> ngf and two instance norms, conv3x3 ngf -> 1 (+ bias)."""
    conv = lambda c_in, c_out: c_in * c_out * 9 + c_out
    return (conv(in_channels, ngf) + 2 * ngf * first_norm + blocks * (2 * conv(ngf, ngf) + 2 * 2 * ngf) + conv(ngf, 1))


def test_cyclegan_needs_k_times_k_minus_1_generators():
    one = translator_params_by_hand(1)
    assert generator_params(translator(1, CycleGANConfig().ngf, CycleGANConfig().blocks)) == one
    k = np.arange(2, 11)
    assert np.array_equal(cyclegan_generators_params(k), k * (k - 1) * one)
    assert cyclegan_generators_params(2) == 2 * one  # G and F
    model = CycleGAN(CycleGANConfig())
    assert model.num_params() == 2 * one + 2 * (1 * 32 * 16 + 32 + 32 * 64 * 16 + 64 + 2 * 64 + 64 * 9 + 1)  # + D_A, D_B


def test_stargan_generator_grows_only_through_its_input_channels():
    config = StarGANConfig()
    k = np.arange(2, 11)
    counts = stargan_generator_params(k)
    assert counts[3] == translator_params_by_hand(1 + 5, first_norm=False)  # 5 domains: image + 5 code maps in
    # one more domain = one more input map into the first 3x3 convolution: ngf * 9 weights
    assert np.array_equal(np.diff(counts), np.full(len(k) - 1, config.ngf * 3 * 3))
    assert (counts < cyclegan_generators_params(k)).all()
