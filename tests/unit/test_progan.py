"""The Progressive GAN: the fade-in is exactly the previous stage at alpha = 0 and exactly the
new block at alpha = 1 (G and D), shapes per stage, the resolution changes, the same z at every
stage, one step at each stage, the alpha schedule of training, the exact parameter count."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from core import registry
from core.data import gray
from core.models.adversarial.progan import RESOLUTIONS, ProGAN, ProGANConfig, downsample, upsample
from core.recipes.progan import classifier_view, digits16, fit_progan
from core.training import TrainConfig

TINY = ProGANConfig(noise=8, channels=(8, 6, 4), fade_epochs=1, stabilize_epochs=1)
RECIPE = TrainConfig(batch_size=16, lr=1e-3, betas=(0.5, 0.999), ema=0.5)


def build(config=TINY):
    torch.manual_seed(0)
    return ProGAN(config)


def reals(n=16):
    return torch.as_tensor(digits16("fit")[:n])


def test_downsample_averages_blocks_and_undoes_upsample():
    image = torch.arange(16.0).view(1, 16)  # rows 0..3, 4..7, 8..11, 12..15
    torch.testing.assert_close(downsample(image, 2), torch.tensor([[2.5, 4.5, 10.5, 12.5]]))
    torch.testing.assert_close(upsample(torch.tensor([[1.0, 2.0, 3.0, 4.0]]), 4)[0].view(4, 4),
                               torch.tensor([[1.0, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]))
    x = torch.rand(5, 16, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(downsample(upsample(x, 16), 4), x, rtol=0, atol=1e-6)
    torch.testing.assert_close(downsample(upsample(x, 8), 4), x, rtol=0, atol=1e-6)


def test_digits16_pooled_back_to_8x8_are_the_digits_blurred_by_1_8_3_4_1_8():
    """Bilinear x2 (align_corners=False) then 2x2 mean = the separable blur [1/8, 3/4, 1/8] with
    edge replication: the 8x8 view of digits16 is close to, not equal to, the digits."""
    x16 = digits16("val")
    assert x16.shape == (144, 256) and x16.min() >= 0 and x16.max() <= 1
    x = torch.as_tensor(gray("val")).view(-1, 1, 8, 8)
    kernel = torch.tensor([1 / 8, 3 / 4, 1 / 8])
    padded = torch.nn.functional.pad(x, (1, 1, 1, 1), mode="replicate")
    blurred = torch.nn.functional.conv2d(padded, (kernel[:, None] * kernel[None, :]).view(1, 1, 3, 3))
    np.testing.assert_allclose(classifier_view(x16), blurred.flatten(1).numpy(), atol=1e-6)
    assert np.abs(classifier_view(x16) - gray("val")).max() > 0.1


@pytest.mark.parametrize("resolution", RESOLUTIONS)
def test_shapes_per_stage(resolution):
    model = build().eval()
    model.set_stage(resolution, 0.5)
    z = model.noise(5)
    fake = model.generate(z)
    assert fake.shape == (5, resolution**2) and 0 <= fake.min() and fake.max() <= 1
    assert model.discriminator(fake).shape == (5,)
    assert model.real_at_stage(reals(5)).shape == (5, resolution**2)
    assert model.sample(3, seed=1, resolution=resolution).shape == (3, resolution**2)
    assert classifier_view(model.sample(3, seed=1, resolution=resolution)).shape == (3, 64)


@pytest.mark.parametrize("resolution", RESOLUTIONS[1:])
def test_generator_fade_in_is_the_previous_stage_at_0_and_the_new_block_at_1(resolution):
    g = build().net_g.eval()
    z = torch.randn(6, TINY.noise, generator=torch.Generator().manual_seed(1))
    k = RESOLUTIONS.index(resolution)
    with torch.no_grad():
        h = g.first(z)
        for block in g.blocks[: k - 1]:
            h = block(h)  # the features at r/2
        new = g.to_image[k](g.blocks[k - 1](h))
        previous = upsample(g(z, resolution // 2, alpha=1.0), resolution)  # the finished stage r/2
        assert torch.equal(g(z, resolution, alpha=0.0), previous)
        assert torch.equal(g(z, resolution, alpha=1.0), new)
        torch.testing.assert_close(g(z, resolution, alpha=0.25), 0.75 * previous + 0.25 * new, rtol=0, atol=1e-6)
        assert not torch.allclose(previous, new)


@pytest.mark.parametrize("resolution", RESOLUTIONS[1:])
def test_discriminator_fade_in_is_the_previous_stage_at_0_and_the_new_block_at_1(resolution):
    d = build().net_d.eval()
    x = torch.rand(6, resolution**2, generator=torch.Generator().manual_seed(2))
    k = RESOLUTIONS.index(resolution)
    with torch.no_grad():
        torch.testing.assert_close(d(x, resolution, 0.0), d(downsample(x, resolution // 2), resolution // 2),
                                   rtol=0, atol=1e-6)
        h = d.blocks[k - 1](d.from_image[k](x.view(-1, 1, resolution, resolution)))
        for block in reversed(d.blocks[: k - 1]):
            h = block(h)
        torch.testing.assert_close(d(x, resolution, 1.0), d.last(h), rtol=0, atol=1e-6)
        at_one, halfway = d(x, resolution, 1.0), d(x, resolution, 0.5)
        d.from_image[k - 1][0].weight.add_(1.0)  # the old input path: ignored at alpha = 1 only
        assert torch.equal(d(x, resolution, 1.0), at_one)
        assert not torch.allclose(d(x, resolution, 0.5), halfway)


def test_real_images_fade_like_the_generator():
    model = build()
    x = reals(4)
    model.set_stage(8, 0.0)
    torch.testing.assert_close(model.real_at_stage(x), upsample(downsample(x, 4), 8))
    model.set_stage(8, 1.0)
    torch.testing.assert_close(model.real_at_stage(x), downsample(x, 8))
    model.set_stage(4, 0.0)  # the first stage has nothing to fade
    torch.testing.assert_close(model.real_at_stage(x), downsample(x, 4))


def test_the_same_seed_gives_the_same_z_at_every_stage_and_alpha():
    """With one set of weights in every snapshot, the 8x8 stage at alpha = 0 is the 4x4 sample
    upsampled: the same z went in. parts() agrees with sample() at any alpha."""
    model = build().eval()
    for snapshot in model.snapshots[1:]:
        snapshot.load_state_dict(model.snapshots[0].state_dict())
    np.testing.assert_array_equal(model.sample(4, seed=3, resolution=8, alpha=0.0),
                                  upsample(torch.as_tensor(model.sample(4, seed=3, resolution=4)), 8).numpy())
    assert not np.allclose(model.sample(4, seed=3, resolution=4), model.sample(4, seed=4, resolution=4))
    parts = model.parts(4, seed=3, resolution=16, alpha=0.3)
    np.testing.assert_allclose(parts["blend"], model.sample(4, seed=3, resolution=16, alpha=0.3), atol=1e-6)
    np.testing.assert_allclose(parts["previous"], upsample(torch.as_tensor(model.sample(4, 3, 8)), 16).numpy(), atol=1e-6)
    np.testing.assert_allclose(parts["new"], model.sample(4, seed=3, resolution=16, alpha=1.0), atol=1e-6)
    with pytest.raises(ValueError):
        model.parts(4, seed=3, resolution=4)


@pytest.mark.parametrize("resolution", RESOLUTIONS)
def test_one_step_at_each_stage_moves_both_players(resolution):
    model = build().train()
    model.set_stage(resolution, 0.5)
    optimizers = model.configure_optimizers(RECIPE)
    g_before = [p.detach().clone() for p in model.net_g.parameters()]
    d_before = [p.detach().clone() for p in model.net_d.parameters()]
    terms = model.train_step(reals(), optimizers)
    assert {"loss_d", "loss_g"} <= set(terms) and all(torch.isfinite(v) for v in terms.values())
    assert any(not torch.equal(a, b) for a, b in zip(g_before, model.net_g.parameters()))
    assert any(not torch.equal(a, b) for a, b in zip(d_before, model.net_d.parameters()))
    unused = RESOLUTIONS.index(resolution) + 1  # toImage of a later stage gets no gradient yet
    if unused < len(RESOLUTIONS):
        assert model.net_g.to_image[unused][0].weight.grad is None


def test_parameter_count_is_the_closed_form():
    n, (c0, c1, c2) = TINY.noise, TINY.channels
    conv = lambda c_in, c_out, k=3: c_in * c_out * k * k + c_out
    generator = (n * 16 * c0 + 16 * c0 + conv(c0, c0) + conv(c0, c1) + conv(c1, c1) + conv(c1, c2) + conv(c2, c2)
                 + conv(c0, 1, 1) + conv(c1, 1, 1) + conv(c2, 1, 1))
    discriminator = (conv(1, c0, 1) + conv(1, c1, 1) + conv(1, c2, 1) + conv(c1, c1) + conv(c1, c0)
                     + conv(c2, c2) + conv(c2, c1) + conv(c0 + 1, c0) + 16 * c0 + 1)
    model = build()
    assert model.num_params() == generator + discriminator
    direct = build(ProGANConfig(noise=8, channels=(8, 6, 4), stages=(16,)))
    assert direct.num_params() == model.num_params() and len(direct.snapshots) == 1


def test_schedules():
    assert ProGANConfig(fade_epochs=2, stabilize_epochs=3).phases() == [
        (4, "stabilize", 3), (8, "fade", 2), (8, "stabilize", 3), (16, "fade", 2), (16, "stabilize", 3)]
    assert ProGANConfig(stages=(16,), stabilize_epochs=7).phases() == [(16, "stabilize", 7)]


def test_a_tiny_run_grows_through_every_stage_with_alpha_rising_linearly(monkeypatch):
    model = build(ProGANConfig(noise=4, channels=(4, 4, 4), fade_epochs=1, stabilize_epochs=1))
    stages = []
    set_stage = model.set_stage
    monkeypatch.setattr(model, "set_stage", lambda r, alpha=1.0: (stages.append((r, alpha)), set_stage(r, alpha)))
    before = [s.to_image[2][0].weight.detach().clone() for s in model.snapshots]
    recipe = SimpleNamespace(train=TrainConfig(batch_size=256, lr=1e-3, betas=(0.5, 0.999), ema=0.5))
    result = fit_progan(recipe, model, registry.load("classifier"))
    batches = -(-len(digits16("fit")) // 256)  # 6 batches per epoch
    fade_8 = [alpha for r, alpha in stages[batches : 2 * batches]]
    np.testing.assert_allclose(fade_8, np.arange(batches) / batches)
    assert [r for r, _ in stages[:-1]] == [4] * batches + [8] * 2 * batches + [16] * 2 * batches
    assert [alpha for _, alpha in stages[2 * batches : 3 * batches]] == [1.0] * batches
    assert [row["resolution"] for row in result.history] == [4, 8, 8, 16, 16]
    assert result.monitor == "fd" and np.isfinite(result.best_val)
    assert len(model.stage_seconds) == 3 and min(model.stage_seconds) > 0
    # the 16x16 toImage is trained only in the last stage: snapshots 4 and 8 keep it as initialized
    after = [s.to_image[2][0].weight for s in model.snapshots]
    assert torch.equal(after[0], after[1]) and not torch.equal(after[1], after[2]) and not torch.equal(before[0], after[0])
