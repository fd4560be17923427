"""PixelCNN, Row LSTM and Diagonal BiLSTM: normalized, causal, the context the papers
describe, samplers that follow the model, exact parameter counts, and they learn."""

import itertools

import numpy as np
import pytest
import torch

from core.data import digits
from core.models.autoregressive.base import BinaryAutoregressive
from core.models.autoregressive.pixelcnn import PixelCNN, PixelCNNConfig, causal_mask
from core.models.autoregressive.pixelrnn import DiagonalBiLSTM, DiagonalBiLSTMConfig, RowLSTM, RowLSTMConfig, skew, unskew
from core.training import TrainConfig, train


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def tiny_configs(side):
    return [
        PixelCNNConfig(side=side, channels=8, layers=2, first_kernel=3),
        RowLSTMConfig(side=side, hidden=8, layers=2, kernel=3),
        DiagonalBiLSTMConfig(side=side, hidden=8, layers=2, first_kernel=3),
    ]


MODEL_OF = {PixelCNNConfig: PixelCNN, RowLSTMConfig: RowLSTM, DiagonalBiLSTMConfig: DiagonalBiLSTM}


def random_model(config, seed=0, scale=0.5):
    """A model with large random weights, so its distribution is far from uniform."""
    torch.manual_seed(seed)
    model = MODEL_OF[type(config)](config).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, scale)
    return model


def every_image(n):
    return np.array(list(itertools.product((0, 1), repeat=n)), dtype=np.uint8)


def jacobian(model, x):
    """d logit_i / d x_j for every image of x: (B, n) -> (B, n, n), indexed [b, i, j]."""
    x = torch.as_tensor(x, dtype=torch.float32).requires_grad_()
    logits = model.logits(x)
    rows = [torch.autograd.grad(logits[:, i].sum(), x, retain_graph=True)[0] for i in range(x.shape[1])]
    return torch.stack(rows, dim=1)


def seen(model, side, images=16):
    """Which x_j move logit_i, (n, n) booleans, over a batch of random images
    (a union over many images, so a ReLU that happens to be off hides nothing)."""
    x = np.random.default_rng(0).integers(0, 2, size=(images, side * side))
    return (jacobian(model, x) != 0).any(dim=0).numpy()


ids = lambda config: type(config).__name__.removesuffix("Config")


# ----------------------------------------------------------------------------
# The explicit-model contract


@pytest.mark.parametrize("config", tiny_configs(3), ids=ids)
def test_probabilities_of_all_images_sum_to_one(config):
    model = random_model(config)
    log_p = model.log_prob(every_image(config.num_pixels))  # all 2^9 images
    assert torch.logsumexp(torch.as_tensor(log_p, dtype=torch.float64), 0).item() == pytest.approx(0.0, abs=1e-5)


@pytest.mark.parametrize("config", tiny_configs(3), ids=ids)
def test_logit_does_not_change_when_this_or_a_later_pixel_changes(config):
    model = random_model(config)
    x = torch.as_tensor(np.random.default_rng(1).integers(0, 2, size=(64, config.num_pixels)), dtype=torch.float32)
    with torch.no_grad():
        before = model.logits(x)
        for j in range(config.num_pixels):
            flipped = x.clone()
            flipped[:, j] = 1 - flipped[:, j]
            after = model.logits(flipped)
            torch.testing.assert_close(after[:, : j + 1], before[:, : j + 1], rtol=0, atol=1e-6)  # logit_i, i <= j


@pytest.mark.parametrize("config", tiny_configs(3), ids=ids)
def test_gradient_of_a_logit_to_this_and_later_pixels_is_zero(config):
    model = random_model(config)
    J = jacobian(model, np.random.default_rng(2).integers(0, 2, size=(16, config.num_pixels)))  # (B, n, n)
    on_or_above_diagonal = torch.ones(config.num_pixels, config.num_pixels).triu().bool()  # j >= i
    assert (J[:, on_or_above_diagonal] == 0).all()
    assert (J[:, ~on_or_above_diagonal] != 0).any()  # and it does read the past


@pytest.mark.parametrize("config", tiny_configs(2), ids=ids)
def test_sampler_follows_the_model(config):
    model = random_model(config, seed=3, scale=1.0)
    samples = model.sample(20000, seed=1)  # (20000, 4)
    assert samples.dtype == np.uint8 and set(np.unique(samples)) <= {0, 1}
    codes = samples.astype(np.int64) @ (2 ** np.arange(config.num_pixels)[::-1])
    empirical = np.bincount(codes, minlength=2**config.num_pixels) / len(samples)
    exact = np.exp(model.log_prob(every_image(config.num_pixels)))
    assert 0.5 * np.abs(exact - 1 / len(exact)).sum() > 0.2  # far from uniform: a sampler that ignores the model fails
    assert 0.5 * np.abs(empirical - exact).sum() < 0.03


@pytest.mark.parametrize("config", tiny_configs(4), ids=ids)
def test_faster_sampler_draws_what_the_generic_sampler_draws(config):
    """PixelCNN reads only the rows drawn so far, the PixelRNNs keep their states while sampling:
    the draws must be the generic raster sampler's."""
    model = random_model(config, seed=4)
    for seed in range(3):
        np.testing.assert_array_equal(model.sample(32, seed=seed), BinaryAutoregressive.sample(model, 32, seed=seed))


@pytest.mark.parametrize("config", tiny_configs(3), ids=ids)
def test_same_seed_same_samples(config):
    model = random_model(config)
    np.testing.assert_array_equal(model.sample(8, seed=5), model.sample(8, seed=5))
    assert not np.array_equal(model.sample(8, seed=5), model.sample(8, seed=6))


def mask_taps(height: int, width: int, mask_type: str) -> int:
    """Kernel positions a causal mask keeps: the rows above the centre, and the centre row left
    of the centre (A) or up to it (B). Counted by hand, not from the mask the model builds."""
    return (height // 2) * width + width // 2 + (mask_type == "B")


def pixelcnn_params(c: PixelCNNConfig) -> int:
    """Free parameters: first conv (mask A taps), gated blocks (mask B conv to 2C, 1x1 out),
    output 1x1 convs, position bias. Weights a mask zeroes are not parameters."""
    first = (mask_taps(c.first_kernel, c.first_kernel, "A") + 1) * c.channels
    block = (mask_taps(c.kernel, c.kernel, "B") * c.channels + 1) * 2 * c.channels + (c.channels + 1) * c.channels
    output = (c.channels + 1) * c.channels + c.channels + 1
    return first + c.layers * block + output + c.num_pixels


def row_lstm_params(c: RowLSTMConfig) -> int:
    """Per layer: K_is (first_rows x k mask A on the image, then 1 x k mask B, to 4h) and K_ss
    (kernel 3, h to 4h); output convs; position bias."""
    h, k = c.hidden, c.kernel
    state = (3 * h + 1) * 4 * h
    first = (mask_taps(c.first_rows, k, "A") + 1) * 4 * h + state
    later = (mask_taps(1, k, "B") * h + 1) * 4 * h + state
    return first + (c.layers - 1) * later + (h + 1) * h + h + 1 + c.num_pixels


def diagonal_bilstm_params(c: DiagonalBiLSTMConfig) -> int:
    """Per direction: K_is (k x k mask A first, then 1x1) and K_ss (2x1, h to 4h), two directions."""
    h, k = c.hidden, c.first_kernel
    state = (2 * h + 1) * 4 * h
    layers = 2 * ((mask_taps(k, k, "A") + 1) * 4 * h + state) + (c.layers - 1) * 2 * ((h + 1) * 4 * h + state)
    return layers + (h + 1) * h + h + 1 + c.num_pixels


CLOSED_FORM = {PixelCNNConfig: pixelcnn_params, RowLSTMConfig: row_lstm_params, DiagonalBiLSTMConfig: diagonal_bilstm_params}


@pytest.mark.parametrize("config", tiny_configs(3) + [PixelCNNConfig(), RowLSTMConfig(), DiagonalBiLSTMConfig()], ids=ids)
def test_num_params_counts_free_parameters_as_the_closed_form_does(config):
    """The masked weights are stored but never used: num_params leaves them out."""
    model = MODEL_OF[type(config)](config)
    assert model.num_params() == CLOSED_FORM[type(config)](config)
    assert model.num_params() < sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("config", tiny_configs(4), ids=ids)
def test_a_short_training_run_lowers_the_loss(config):
    torch.manual_seed(0)
    model = MODEL_OF[type(config)](config)
    x = digits("fit").binary[:16].reshape(-1, 8, 8)[:, 2:6, 2:6].reshape(-1, 16)  # the centre 4x4 of 16 digits
    before = model.loss(torch.as_tensor(x, dtype=torch.float32))["nll"].item()
    result = train(model, x, x, TrainConfig(epochs=10, batch_size=8, lr=1e-2, ema=0.0), progress=lambda *_: None)
    after = result.model.loss(torch.as_tensor(x, dtype=torch.float32))["nll"].item()
    assert after < before - 0.3


# ----------------------------------------------------------------------------
# The context each pixel sees is the one the papers describe


def test_masks_a_and_b():
    np.testing.assert_array_equal(causal_mask((3, 3), "A"), [[1, 1, 1], [1, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(causal_mask((3, 3), "B"), [[1, 1, 1], [1, 1, 0], [0, 0, 0]])
    np.testing.assert_array_equal(causal_mask((1, 5), "A"), [[1, 1, 0, 0, 0]])


def reachable(side, first_offsets, later_offsets, layers):
    """The pixels each output reads, by composing the windows of a stack of layers:
    a set of input pixels per position, (n, n) booleans [i, j]."""
    inside = lambda r, c: 0 <= r < side and 0 <= c < side
    field = {(r, c): {(r + dr, c + dc) for dr, dc in first_offsets if inside(r + dr, c + dc)}
             for r in range(side) for c in range(side)}
    for _ in range(layers):
        field = {(r, c): set().union(*(field[r + dr, c + dc] for dr, dc in later_offsets if inside(r + dr, c + dc)))
                 for r, c in field}
    table = np.zeros((side * side, side * side), dtype=bool)
    for (r, c), pixels in field.items():
        for pr, pc in pixels:
            table[r * side + c, pr * side + pc] = True
    return table


def offsets(mask):
    height, width = mask.shape
    return [(dr - height // 2, dc - width // 2) for dr, dc in zip(*np.nonzero(mask.numpy()))]


def test_pixelcnn_sees_the_stacked_masks_and_has_a_blind_spot():
    side = 5
    config = PixelCNNConfig(side=side, channels=8, layers=2, first_kernel=3)
    expected = reachable(side, offsets(causal_mask((3, 3), "A")), offsets(causal_mask((3, 3), "B")), config.layers)
    np.testing.assert_array_equal(seen(random_model(config), side), expected)
    # the blind spot: pixel (2, 2) never reads (1, 4), though (1, 4) comes before it
    assert not expected[2 * side + 2, 1 * side + 4] and expected[2 * side + 2, 1 * side + 3]


@pytest.mark.parametrize("first_rows", [1, 3])
def test_row_lstm_sees_the_triangle_above(first_rows):
    """h(r, c) reads the image through the first K_is, and h(r-1, c-1..c+1) through K_ss."""
    side, config = 5, RowLSTMConfig(side=5, hidden=8, layers=1, kernel=3, first_rows=first_rows)
    first = offsets(causal_mask((first_rows, 3), "A"))
    inside = lambda r, c: 0 <= r < side and 0 <= c < side
    field = {}
    for r, c in itertools.product(range(side), range(side)):  # raster order: the row above is done
        field[r, c] = {(r + dr, c + dc) for dr, dc in first if inside(r + dr, c + dc)}
        field[r, c] |= set().union(*(field[r - 1, c + dc] for dc in (-1, 0, 1) if inside(r - 1, c + dc)))
    expected = np.zeros((side * side, side * side), dtype=bool)
    for (r, c), pixels in field.items():
        for pr, pc in pixels:
            expected[r * side + c, pr * side + pc] = True
    np.testing.assert_array_equal(seen(random_model(config), side), expected)
    # a triangle: how many pixels of rows 0..3 pixel (4, 2) reads
    read = expected[4 * side + 2].reshape(side, side)[:4].sum(axis=1).tolist()
    if first_rows == 1:  # row 3 up to column 2 only (never (3, 3), above-right), and never the last column
        assert read == [4, 4, 4, 3]
    else:
        assert read == [5, 5, 5, 4]


def test_diagonal_bilstm_sees_every_earlier_pixel():
    side = 4
    config = DiagonalBiLSTMConfig(side=side, hidden=8, layers=1, first_kernel=3)
    before = np.tri(side * side, k=-1, dtype=bool)  # [i, j] = j < i
    np.testing.assert_array_equal(seen(random_model(config), side), before)


def test_skew_turns_diagonals_into_columns_and_unskew_inverts_it():
    x = torch.arange(12.0).view(1, 1, 3, 4)  # (B, C, H, W)
    skewed = skew(x)  # (1, 1, 3, 6)
    for r, c in itertools.product(range(3), range(4)):
        assert skewed[0, 0, r, r + c] == x[0, 0, r, c]  # pixels with r + c = j share column j
    torch.testing.assert_close(unskew(skewed, 4), x)
