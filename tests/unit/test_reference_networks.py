"""Reference tests: every network family against a hand computation or an independent forward pass.

Each test builds a tiny config with seeded random weights and recomputes the network's output
from its weights with plain torch ops (F.conv2d with masks written out by hand, explicit
per-pixel loops for the LSTM recurrences, BCE and KL written as formulas), never with the
model's own helpers. A mistake in the model (sigma = exp(logvar) instead of exp(logvar / 2),
a residual added twice, a mask of the wrong type, a sign in the KL, swapped labels) then
changes a number these tests compare.
"""

import math

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from core.models.adversarial.gan import DCGAN, MLPGAN, DCGANConfig, InfoGAN, InfoGANConfig, MLPGANConfig
from core.models.adversarial.progan import ProGAN, ProGANConfig
from core.models.adversarial.translation import CycleGAN, CycleGANConfig, ResidualBlock, StarGAN, StarGANConfig
from core.models.autoregressive.pixelcnn import GatedBlock, PixelCNN, PixelCNNConfig
from core.models.autoregressive.pixelrnn import DiagonalBiLSTM, DiagonalBiLSTMConfig, RowLSTM, RowLSTMConfig
from core.models.classifier import ClassifierConfig, DigitClassifier
from core.models.latent.aae import AAE, VALIDATION_SEED, AAEConfig
from core.models.latent.vae import VAE, VAEConfig, reparameterize
from core.training import TrainConfig

ATOL = 1e-5


def randomize(model: nn.Module, seed: int = 0, scale: float = 0.5) -> nn.Module:
    """Seeded normal weights, larger than at init, so every unit and gate really varies."""
    torch.manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, scale)
    return model


def binary_images(n: int, pixels: int, seed: int = 0) -> torch.Tensor:
    return torch.randint(0, 2, (n, pixels), generator=torch.Generator().manual_seed(seed)).float()


def gray_images(n: int, pixels: int = 64, seed: int = 0) -> torch.Tensor:
    return torch.rand(n, pixels, generator=torch.Generator().manual_seed(seed))


# ----------------------------------------------------------------------------
# Plain-op building blocks of the references (nothing here calls a model's forward)


def sigmoid(t):
    return 1 / (1 + torch.exp(-t))


def elu(t):
    return torch.where(t > 0, t, torch.exp(t) - 1)


def leaky(t, slope=0.2):
    return torch.where(t > 0, t, slope * t)


def linear(t, layer: nn.Linear):
    return t @ layer.weight.T + layer.bias


def conv1x1(h, conv: nn.Conv2d):
    """sum_i W[o, i] h[b, i, r, c] + bias[o] at every position."""
    return torch.einsum("oi,bihw->bohw", conv.weight[:, :, 0, 0], h) + conv.bias[None, :, None, None]


def mlp_by_hand(sequential: nn.Sequential, t):
    """Linear -> ELU -> ... -> Linear: ELU between the linear layers, none after the last."""
    layers = [m for m in sequential if isinstance(m, nn.Linear)]
    for layer in layers[:-1]:
        t = elu(linear(t, layer))
    return linear(t, layers[-1])


def bernoulli_log_likelihood_by_hand(logits, x):
    """sum_i x_i log p_i + (1 - x_i) log(1 - p_i), p = sigmoid(logits), over the last axis."""
    p = sigmoid(logits)
    return (x * torch.log(p) + (1 - x) * torch.log(1 - p)).sum(-1)


def bce_by_hand(logits, label: float):
    """-mean [y log D + (1 - y) log(1 - D)], D = sigmoid(logit): the GAN losses written out."""
    d = sigmoid(logits)
    return -(label * torch.log(d) + (1 - label) * torch.log(1 - d)).mean()


def cross_entropy_by_hand(logits, labels):
    """-mean log softmax(logits)[label] = mean(log sum_k exp(l_k) - l_label)."""
    return (torch.log(torch.exp(logits).sum(1)) - logits[torch.arange(len(labels)), labels]).mean()


def instance_norm_by_hand(h, norm: nn.InstanceNorm2d):
    """(h - mean) / sqrt(var + eps) * w + b, mean and (biased) var over each image's positions, per channel."""
    mean = h.mean(dim=(2, 3), keepdim=True)
    var = ((h - mean) ** 2).mean(dim=(2, 3), keepdim=True)
    return (h - mean) / torch.sqrt(var + norm.eps) * norm.weight[None, :, None, None] + norm.bias[None, :, None, None]


def batch_norm_eval_by_hand(h, norm: nn.BatchNorm2d):
    """Eval mode: (h - running_mean) / sqrt(running_var + eps) * w + b, per channel."""
    shape = (1, -1, 1, 1)
    return ((h - norm.running_mean.view(shape)) / torch.sqrt(norm.running_var.view(shape) + norm.eps)
            * norm.weight.view(shape) + norm.bias.view(shape))


def random_running_stats(model: nn.Module, seed: int = 1) -> None:
    generator = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=generator))
            m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=generator))


def transposed_conv_by_scatter(h, weight, bias, stride: int, padding: int):
    """Each input position (r, c) adds W[i, o] h[i, r, c] to the output window whose corner is
    (r * stride - padding, c * stride - padding); what falls outside the output is cropped."""
    batch, _, height, width = h.shape
    k = weight.shape[2]
    full = torch.zeros(batch, weight.shape[1], (height - 1) * stride + k, (width - 1) * stride + k)
    for r in range(height):
        for c in range(width):
            full[:, :, r * stride : r * stride + k, c * stride : c * stride + k] += torch.einsum(
                "iokl,bi->bokl", weight, h[:, :, r, c])
    out_h, out_w = (height - 1) * stride - 2 * padding + k, (width - 1) * stride - 2 * padding + k
    out = full[:, :, padding : padding + out_h, padding : padding + out_w]
    return out if bias is None else out + bias[None, :, None, None]


# ----------------------------------------------------------------------------
# VAE


def test_reparameterize_is_mu_plus_exp_half_logvar_times_eps_by_hand():
    """z = mu + sigma eps, sigma = exp(logvar / 2): logvar = log 4 gives sigma = 2, log 1/4 gives 1/2."""
    mu = torch.tensor([[1.0, -2.0, 0.5]])
    logvar = torch.tensor([[math.log(4.0), 0.0, math.log(0.25)]])
    eps = torch.tensor([[0.5, -1.0, 2.0]])
    # 1 + 2 * 0.5 = 2,  -2 + 1 * (-1) = -3,  0.5 + 0.5 * 2 = 1.5
    torch.testing.assert_close(reparameterize(mu, logvar, eps), torch.tensor([[2.0, -3.0, 1.5]]))
    # a leading sample axis (S, B, d) against (B, d)
    eps2 = torch.tensor([[[0.5, -1.0, 2.0]], [[-1.0, 0.0, -2.0]]])
    torch.testing.assert_close(reparameterize(mu, logvar, eps2), torch.tensor([[[2.0, -3.0, 1.5]], [[-1.0, -2.0, -0.5]]]))


@pytest.fixture(scope="module")
def vae():
    return randomize(VAE(VAEConfig(num_pixels=6, latent=2, hidden=5, layers=2, beta=2.5)), seed=0, scale=0.5).eval()


def vae_posterior_by_hand(model: VAE, x):
    """mu, logvar: the encoder MLP's 2d outputs split in halves (Linear -> ELU -> Linear -> ELU -> Linear)."""
    out = mlp_by_hand(model.encoder.net, x)
    d = model.config.latent
    mu, logvar = out[:, :d], out[:, d:]
    assert (logvar > -12).all() and (logvar < 6).all()  # inside the encoder's clamp: no clamp to reproduce
    return mu, logvar


def closed_form_kl(mu, logvar):
    """KL(N(mu, sigma^2) || N(0, 1)) summed over the latent axis, from torch.distributions (independent of the model)."""
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    return torch.distributions.kl_divergence(q, torch.distributions.Normal(0.0, 1.0)).sum(-1)


def test_vae_loss_terms_equal_an_independent_forward_pass(vae):
    """Eval mode draws eps from seed 0: z = mu + exp(logvar / 2) eps, recon = -mean log p(x|z),
    kl = mean KL(q || N(0, I)), loss = recon + beta kl, nll = recon + kl."""
    x = binary_images(7, 6)
    with torch.no_grad():
        mu, logvar = vae_posterior_by_hand(vae, x)
        eps = torch.randn(mu.shape, generator=torch.Generator().manual_seed(0))
        z = mu + torch.exp(logvar / 2) * eps
        recon = -bernoulli_log_likelihood_by_hand(mlp_by_hand(vae.decoder.net, z), x).mean()
        kl = closed_form_kl(mu, logvar).mean()
        terms = vae.loss(x)
    torch.testing.assert_close(terms["recon"], recon, rtol=1e-5, atol=ATOL)
    torch.testing.assert_close(terms["kl"], kl, rtol=1e-5, atol=ATOL)
    torch.testing.assert_close(terms["loss"], recon + 2.5 * kl, rtol=1e-5, atol=ATOL)
    torch.testing.assert_close(terms["nll"], recon + kl, rtol=1e-5, atol=ATOL)


def test_vae_kl_of_a_hand_computed_posterior():
    """1/2 (mu^2 + sigma^2 - 1 - log sigma^2): mu = 1, sigma^2 = 4 gives 1/2 (1 + 4 - 1 - log 4) = 2 - log 2;
    mu = 0, sigma^2 = 1 gives 0. The VAE's kl term on an encoder whose last layer outputs exactly these."""
    model = VAE(VAEConfig(num_pixels=3, latent=2, hidden=4, layers=1))
    last = [m for m in model.encoder.net if isinstance(m, nn.Linear)][-1]
    with torch.no_grad():
        last.weight.zero_()
        last.bias.copy_(torch.tensor([1.0, 0.0, math.log(4.0), 0.0]))  # mu = (1, 0), logvar = (log 4, 0)
        kl = model.eval().loss(binary_images(3, 3))["kl"]
    assert float(kl) == pytest.approx(2 - math.log(2), abs=1e-6)


def test_vae_rate_distortion_equal_closed_form_kl_and_mean_bernoulli_nll(vae):
    """R(x) = KL(q(z|x) || N(0, I)); D(x) = -1/S sum_s log p(x | mu + sigma eps_s), eps from the seed."""
    x = binary_images(5, 6, seed=1)
    rate, distortion = vae.rate_distortion(x.numpy(), samples=4, seed=3)
    with torch.no_grad():
        mu, logvar = vae_posterior_by_hand(vae, x)
        eps = torch.randn((4, *mu.shape), generator=torch.Generator().manual_seed(3))
        z = mu + torch.exp(logvar / 2) * eps  # (4, B, d)
        expected = -bernoulli_log_likelihood_by_hand(mlp_by_hand(vae.decoder.net, z), x).mean(0)
    np.testing.assert_allclose(rate, closed_form_kl(mu, logvar).numpy(), rtol=1e-5, atol=ATOL)
    np.testing.assert_allclose(distortion, expected.numpy(), rtol=1e-5, atol=ATOL)
    np.testing.assert_allclose(vae.elbo(x.numpy(), samples=4, seed=3), -(rate + distortion), rtol=1e-6)


def test_iwae_bound_with_k_1_is_one_elbo_sample_and_with_k_3_the_log_mean_weight(vae):
    """log w = log p(x|z) + log N(z; 0, I) - log N(z; mu, sigma^2), z = mu + sigma eps;
    L_1 = log w (an ELBO sample), L_K = log 1/K sum_k w_k."""
    x = binary_images(5, 6, seed=2)
    with torch.no_grad():
        mu, logvar = vae_posterior_by_hand(vae, x)
        sigma = torch.exp(logvar / 2)

        def log_weights(k, seed):
            eps = torch.randn((k, *mu.shape), generator=torch.Generator().manual_seed(seed))
            z = mu + sigma * eps
            log_q = torch.distributions.Normal(mu, sigma).log_prob(z).sum(-1)
            log_prior = torch.distributions.Normal(0.0, 1.0).log_prob(z).sum(-1)
            return bernoulli_log_likelihood_by_hand(mlp_by_hand(vae.decoder.net, z), x) + log_prior - log_q  # (k, B)

        one, three = log_weights(1, 4)[0], log_weights(3, 5)
    np.testing.assert_allclose(vae.iwae_bound(x.numpy(), k=1, seed=4), one.numpy(), rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(vae.iwae_bound(x.numpy(), k=3, seed=5),
                               torch.log(torch.exp(three).mean(0)).numpy(), rtol=1e-5, atol=1e-4)
    # the ELBO sample with the same eps: -(distortion) - (log q - log p(z)), distortion from rate_distortion
    _, distortion = vae.rate_distortion(x.numpy(), samples=1, seed=4)
    eps = torch.randn((1, *mu.shape), generator=torch.Generator().manual_seed(4))[0]
    z = mu + sigma * eps
    log_q_over_p = torch.distributions.Normal(mu, sigma).log_prob(z) - torch.distributions.Normal(0.0, 1.0).log_prob(z)
    np.testing.assert_allclose(vae.iwae_bound(x.numpy(), k=1, seed=4), -distortion - log_q_over_p.sum(-1).numpy(),
                               rtol=1e-5, atol=1e-4)


# ----------------------------------------------------------------------------
# PixelCNN

# 1 where the kernel may look: rows above the centre; the centre row left of the centre (A) or up to it (B)
MASK_A_3 = torch.tensor([[1.0, 1, 1], [1, 0, 0], [0, 0, 0]])
MASK_B_3 = torch.tensor([[1.0, 1, 1], [1, 1, 0], [0, 0, 0]])
MASK_A_5 = torch.tensor([[1.0, 1, 1, 1, 1], [1, 1, 1, 1, 1], [1, 1, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]])


def gated_block_by_hand(block: GatedBlock, h):
    """h + W_o (tanh(f) . sigmoid(g)), [f, g] = (W * mask B) conv h: the residual added once."""
    fg = F.conv2d(h, block.conv.weight * MASK_B_3, block.conv.bias, padding=1)
    channels = h.shape[1]
    f, g = fg[:, :channels], fg[:, channels:]
    return h + conv1x1(torch.tanh(f) * sigmoid(g), block.out)


def test_gated_block_equals_masked_conv_then_gate_then_1x1_plus_one_residual():
    block = randomize(GatedBlock(channels=3, kernel=3, dropout=0.0), seed=1).eval()
    h = torch.randn(2, 3, 4, 5, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        torch.testing.assert_close(block(h), gated_block_by_hand(block, h), rtol=1e-5, atol=ATOL)


@pytest.mark.parametrize(("first_kernel", "mask_a"), [(3, MASK_A_3), (5, MASK_A_5)])
def test_pixelcnn_logits_equal_an_independent_forward_pass(first_kernel, mask_a):
    """Input 2x - 1; mask-A conv; gated mask-B blocks; ReLU, 1x1, ReLU, 1x1; plus a bias per position."""
    config = PixelCNNConfig(side=4, channels=3, layers=2, first_kernel=first_kernel, kernel=3)
    model = randomize(PixelCNN(config), seed=2).eval()
    x = binary_images(6, 16, seed=3)
    with torch.no_grad():
        h = F.conv2d((2 * x - 1).view(-1, 1, 4, 4), model.first.weight * mask_a, model.first.bias,
                     padding=first_kernel // 2)
        for block in model.blocks:
            h = gated_block_by_hand(block, h)
        out = conv1x1(torch.relu(conv1x1(torch.relu(h), model.output[1])), model.output[3])
        expected = out.flatten(1) + model.position_bias
        torch.testing.assert_close(model.logits(x), expected, rtol=1e-5, atol=ATOL)


# ----------------------------------------------------------------------------
# PixelRNN: the LSTM recurrences as explicit per-pixel loops
#
# Taps (dr, dc) the input-to-state convolution reads, relative to the pixel, written out by hand:
ROW_A_3x3 = [(-1, -1), (-1, 0), (-1, 1), (0, -1)]  # first_rows = 3, k = 3, mask A: the row above and the left
ROW_A_1x3 = [(0, -1)]  # first_rows = 1, k = 3, mask A: the pixel to the left only
ROW_B_1x3 = [(0, -1), (0, 0)]  # later layers, 1 x 3 mask B on the features: the left and the centre
CENTRE = [(0, 0)]  # the 1x1 (mask B) input-to-state of the Diagonal BiLSTM's later layers


def lstm_cell(gates, c_prev):
    """[o, f, i, g] = [sigmoid, sigmoid, sigmoid, tanh](gates); c = f c_prev + i g; h = o tanh(c)."""
    o, f, i, g = gates.chunk(4, dim=1)
    c = sigmoid(f) * c_prev + sigmoid(i) * torch.tanh(g)
    return sigmoid(o) * torch.tanh(c), c


def input_taps(conv: nn.Conv2d, inputs, r: int, c: int, taps, mirror: int = 1):
    """b + sum over the taps (dr, dc) of W[:, :, centre + dr, centre + dc] @ inputs[:, :, r + dr, c + mirror * dc],
    taps outside the map read 0 (the zero padding)."""
    kh, kw = conv.weight.shape[2:]
    height, width = inputs.shape[2:]
    total = conv.bias.expand(len(inputs), -1)
    for dr, dc in taps:
        rr, cc = r + dr, c + mirror * dc
        if 0 <= rr < height and 0 <= cc < width:
            total = total + inputs[:, :, rr, cc] @ conv.weight[:, :, kh // 2 + dr, kw // 2 + dc].T
    return total


def output_by_hand(model, top):
    """ReLU, 1x1, ReLU, 1x1 on the top features (B, h, H, W), plus the bias per position."""
    out = conv1x1(torch.relu(conv1x1(torch.relu(top), model.output[1])), model.output[3])
    return out.flatten(1) + model.position_bias


def row_lstm_by_hand(model: RowLSTM, x, first_taps):
    """Row by row, pixel by pixel: gates(r, c) = K_is taps + sum_{dc=-1..1} K_ss[dc] h_above(c + dc) + b,
    c_prev = c_above(c); the first layer reads the image, later ones the residual sum of the layers below."""
    side, hidden = model.config.side, model.config.hidden
    image = (2 * x - 1).view(-1, 1, side, side)
    batch = len(x)
    above = [(torch.zeros(batch, hidden, side), torch.zeros(batch, hidden, side)) for _ in model.lstm_layers]
    top = torch.zeros(batch, hidden, side, side)
    for r in range(side):
        features = torch.zeros(batch, hidden, side, side)  # row r: the sum of the layers so far
        for depth, layer in enumerate(model.lstm_layers):
            inputs, taps = (image, first_taps) if depth == 0 else (features.clone(), ROW_B_1x3)
            h_above, c_above = above[depth]
            h_row, c_row = torch.zeros(batch, hidden, side), torch.zeros(batch, hidden, side)
            for c in range(side):
                gates = input_taps(layer.input_to_state, inputs, r, c, taps) + layer.state_to_state.bias
                for dc in (-1, 0, 1):
                    if 0 <= c + dc < side:
                        gates = gates + h_above[:, :, c + dc] @ layer.state_to_state.weight[:, :, dc + 1].T
                h_row[:, :, c], c_row[:, :, c] = lstm_cell(gates, c_above[:, :, c])
            above[depth] = (h_row, c_row)
            features[:, :, r] = h_row if depth == 0 else features[:, :, r] + h_row  # residual after the first layer
        top[:, :, r] = features[:, :, r]
    return output_by_hand(model, top)


@pytest.mark.parametrize(("first_rows", "first_taps"), [(3, ROW_A_3x3), (1, ROW_A_1x3)])
def test_row_lstm_logits_equal_a_per_pixel_loop_of_the_recurrence(first_rows, first_taps):
    config = RowLSTMConfig(side=4, hidden=3, layers=3, kernel=3, first_rows=first_rows)
    model = randomize(RowLSTM(config), seed=5).eval()
    x = binary_images(5, 16, seed=6)
    with torch.no_grad():
        torch.testing.assert_close(model.logits(x), row_lstm_by_hand(model, x, first_taps), rtol=1e-5, atol=ATOL)


def diagonal_direction_by_hand(lstm, inputs, taps, step: int):
    """One direction, pixel by pixel in raster order (step = +1) or mirrored (step = -1, right to left):
    gates(r, c) = K_is taps (mirrored for step = -1) + K_ss[0] h(r-1, c) + K_ss[1] h(r, c - step) + b,
    c_prev = c(r, c - step); states outside the image are 0."""
    batch, _, side, _ = inputs.shape
    hidden = lstm.hidden
    h, c = torch.zeros(batch, hidden, side, side), torch.zeros(batch, hidden, side, side)
    weight, bias = lstm.state_to_state.weight, lstm.state_to_state.bias  # (4h, h, 2)
    inside = lambda r, col: 0 <= r < side and 0 <= col < side
    for r in range(side):
        for col in range(side) if step == 1 else reversed(range(side)):
            gates = input_taps(lstm.input_to_state, inputs, r, col, taps, mirror=step) + bias
            c_prev = torch.zeros(batch, hidden)
            if r > 0:
                gates = gates + h[:, :, r - 1, col] @ weight[:, :, 0].T
            if inside(r, col - step):
                gates = gates + h[:, :, r, col - step] @ weight[:, :, 1].T
                c_prev = c[:, :, r, col - step]
            h[:, :, r, col], c[:, :, r, col] = lstm_cell(gates, c_prev)
    return h


def diagonal_bilstm_by_hand(model: DiagonalBiLSTM, x):
    """Each layer: left-to-right state at (r, c) + right-to-left state at (r-1, c); residual after the first."""
    side = model.config.side
    h = (2 * x - 1).view(-1, 1, side, side)
    for depth, layer in enumerate(model.lstm_layers):
        taps = ROW_A_3x3 if depth == 0 else CENTRE  # first K_is: 3x3 mask A
        left = diagonal_direction_by_hand(layer.left_to_right, h, taps, +1)
        right = diagonal_direction_by_hand(layer.right_to_left, h, taps, -1)
        out = left.clone()
        out[:, :, 1:] += right[:, :, :-1]  # the right-to-left state one row down
        h = out if depth == 0 else h + out
    return output_by_hand(model, h)


def test_diagonal_bilstm_logits_equal_a_per_pixel_loop_of_both_directions():
    config = DiagonalBiLSTMConfig(side=4, hidden=3, layers=2, first_kernel=3)
    model = randomize(DiagonalBiLSTM(config), seed=7).eval()
    x = binary_images(5, 16, seed=8)
    with torch.no_grad():
        torch.testing.assert_close(model.logits(x), diagonal_bilstm_by_hand(model, x), rtol=1e-5, atol=ATOL)


# ----------------------------------------------------------------------------
# AAE

AAE_TINY = AAEConfig(num_pixels=9, latent=2, hidden=6, layers=1, prior="gaussian", critic_hidden=5, critic_layers=1)


def test_aae_players_have_the_shapes_of_the_config():
    model = AAE(AAE_TINY)
    x = binary_images(4, 9)
    z = model.encoder(x)
    assert z.shape == (4, 2) and model.decoder(z).shape == (4, 9) and model.discriminator(z).shape == (4, 1)


def energy_distance_by_loops(a, b):
    dist = lambda u, v: np.mean([np.linalg.norm(p - q) for p in u for q in v])
    return 2 * dist(a, b) - dist(a, a) - dist(b, b)


def test_aae_validation_terms_equal_a_hand_computation():
    """recon = -mean log p(x | E(x)); on prior draws z_p (seed VALIDATION_SEED):
    d_loss = -mean log D(z_p) - mean log(1 - D(E(x))), g_loss = -mean log D(E(x))."""
    model = randomize(AAE(AAE_TINY), seed=3).eval()
    x = binary_images(6, 9, seed=4)
    with torch.no_grad():
        z = mlp_by_hand(model.encoder, x)
        recon = -bernoulli_log_likelihood_by_hand(mlp_by_hand(model.decoder.net, z), x).mean()
        prior = torch.randn(6, 2, generator=torch.Generator().manual_seed(VALIDATION_SEED))
        real, fake = mlp_by_hand(model.discriminator, prior), mlp_by_hand(model.discriminator, z)
        terms = model.loss(x)
    torch.testing.assert_close(terms["recon"], recon, rtol=1e-5, atol=ATOL)
    torch.testing.assert_close(terms["loss"], recon, rtol=1e-5, atol=ATOL)
    torch.testing.assert_close(terms["d_loss"], bce_by_hand(real, 1.0) + bce_by_hand(fake, 0.0), rtol=1e-5, atol=ATOL)
    torch.testing.assert_close(terms["g_loss"], bce_by_hand(fake, 1.0), rtol=1e-5, atol=ATOL)
    assert float(terms["energy"]) == pytest.approx(energy_distance_by_loops(z.numpy(), prior.numpy()), abs=1e-5)


AAE_PHASES = {  # phase -> (the players it moves, its loss by hand from (model, x, prior draw))
    "autoencoder": (("encoder", "decoder"), lambda m, x, p: -bernoulli_log_likelihood_by_hand(
        mlp_by_hand(m.decoder.net, mlp_by_hand(m.encoder, x)), x).mean()),
    "discriminator": (("discriminator",),
                      lambda m, x, p: bce_by_hand(mlp_by_hand(m.discriminator, p), 1.0)
                      + bce_by_hand(mlp_by_hand(m.discriminator, mlp_by_hand(m.encoder, x).detach()), 0.0)),
    "generator": (("encoder",), lambda m, x, p: bce_by_hand(mlp_by_hand(m.discriminator, mlp_by_hand(m.encoder, x)), 1.0)),
}


@pytest.mark.parametrize("phase", AAE_PHASES)
def test_each_aae_phase_moves_only_its_players_by_one_adam_step_on_its_loss(phase):
    """With the other phases' steps switched off, one train_step moves exactly this phase's players,
    by Adam's first step on this phase's loss L: theta - lr g / (|g| + eps), g = dL/dtheta."""
    model = randomize(AAE(AAE_TINY), seed=4, scale=0.4).train()
    x = binary_images(8, 9, seed=5)
    lr = 1e-3
    optimizers = model.configure_optimizers(TrainConfig(lr=lr, weight_decay=0.0))
    for name, optimizer in optimizers.items():
        if name != phase:
            optimizer.step = lambda: None
    players, loss_by_hand = AAE_PHASES[phase]
    prior = torch.randn(8, 2, generator=torch.Generator().manual_seed(11))  # the draw train_step makes after the seed
    moved = [p for name in players for p in getattr(model, name).parameters()]
    grads = torch.autograd.grad(loss_by_hand(model, x, prior), moved)
    expected = [(p - lr * g / (g.abs() + 1e-8)).detach() for p, g in zip(moved, grads)]
    before = {name: [p.detach().clone() for p in getattr(model, name).parameters()]
              for name in ("encoder", "decoder", "discriminator")}
    torch.manual_seed(11)
    model.train_step(x, optimizers)
    for p, e in zip(moved, expected):
        torch.testing.assert_close(p.detach(), e, rtol=0, atol=1e-6)
    for name, params in before.items():
        if name not in players:
            assert all(torch.equal(a, b) for a, b in zip(params, getattr(model, name).parameters())), name


# ----------------------------------------------------------------------------
# GAN, DCGAN, InfoGAN

GAN_KINDS = {"mlp": lambda: MLPGAN(MLPGANConfig(hidden=6, noise=4)),
             "dcgan": lambda: DCGAN(DCGANConfig(noise=4, ngf=2, ndf=2)),
             "infogan": lambda: InfoGAN(InfoGANConfig(noise=4, ngf=2, ndf=2))}


@pytest.mark.parametrize("kind", GAN_KINDS)
def test_gan_losses_equal_binary_cross_entropy_written_out(kind):
    """loss_d = -mean log D(x) - mean log(1 - D(G(z))), loss_g = -mean log D(G(z)), D = sigmoid(logit);
    also the validation terms, on the fixed noise."""
    torch.manual_seed(0)
    model = GAN_KINDS[kind]().eval()
    real = gray_images(6)
    with torch.no_grad():
        fake = model.generate(model.noise(6, torch.Generator().manual_seed(1)))
        real_logits, fake_logits = model.discriminator(real), model.discriminator(fake)
        loss_d = -(torch.log(sigmoid(real_logits)).mean() + torch.log(1 - sigmoid(fake_logits)).mean())
        loss_g = -torch.log(sigmoid(fake_logits)).mean()
        torch.testing.assert_close(model.discriminator_loss(real, fake), loss_d, rtol=1e-5, atol=ATOL)
        torch.testing.assert_close(model.generator_loss(fake), loss_g, rtol=1e-5, atol=ATOL)
        fixed = model.generate(model.fixed_noise(6))
        fixed_logits = model.discriminator(fixed)
        terms = model.loss(real)
        val_d = -(torch.log(sigmoid(real_logits)).mean() + torch.log(1 - sigmoid(fixed_logits)).mean())
        torch.testing.assert_close(terms["loss_d"], val_d, rtol=1e-5, atol=ATOL)
        torch.testing.assert_close(terms["loss_g"], -torch.log(sigmoid(fixed_logits)).mean(), rtol=1e-5, atol=ATOL)


def test_mlp_gan_players_equal_an_independent_forward_pass():
    """G: ReLU(W1 z), ReLU(W2 .), sigmoid(W3 .); D: LeakyReLU_0.2 twice, then a linear logit."""
    model = randomize(MLPGAN(MLPGANConfig(hidden=6, noise=4)), seed=2).eval()
    z, x = torch.randn(5, 4, generator=torch.Generator().manual_seed(0)), gray_images(5)
    g = [m for m in model.generator if isinstance(m, nn.Linear)]
    d = [m for m in model.discriminator if isinstance(m, nn.Linear)]
    with torch.no_grad():
        image = sigmoid(linear(torch.relu(linear(torch.relu(linear(z, g[0])), g[1])), g[2]))
        logit = linear(leaky(linear(leaky(linear(x, d[0])), d[1])), d[2])[:, 0]
        torch.testing.assert_close(model.generate(z), image, rtol=1e-5, atol=ATOL)
        torch.testing.assert_close(model.discriminator(x), logit, rtol=1e-5, atol=ATOL)


def test_dcgan_players_equal_an_independent_forward_pass():
    """G: z -> 2x2 -> 4x4 -> 8x8 by transposed convolutions (scatter-added by hand), batch norm (eval) and ReLU,
    sigmoid; D: strided 4x4 convolutions, LeakyReLU 0.2, batch norm after the second, a linear logit."""
    model = randomize(DCGAN(DCGANConfig(noise=4, ngf=2, ndf=2)), seed=3, scale=0.4).eval()
    with torch.no_grad():
        random_running_stats(model)
        z, x = torch.randn(3, 4, generator=torch.Generator().manual_seed(0)), gray_images(3)
        g = model.generator
        h = z.view(3, 4, 1, 1)
        h = torch.relu(batch_norm_eval_by_hand(transposed_conv_by_scatter(h, g[1].weight, None, 1, 0), g[2]))  # 2x2
        h = torch.relu(batch_norm_eval_by_hand(transposed_conv_by_scatter(h, g[4].weight, None, 2, 1), g[5]))  # 4x4
        image = sigmoid(transposed_conv_by_scatter(h, g[7].weight, g[7].bias, 2, 1)).flatten(1)  # 8x8
        torch.testing.assert_close(model.generate(z), image, rtol=1e-5, atol=ATOL)
        body, head = model.discriminator[0], model.discriminator[1]
        h = leaky(F.conv2d(x.view(3, 1, 8, 8), body[1].weight, body[1].bias, stride=2, padding=1))  # 4x4
        h = leaky(batch_norm_eval_by_hand(F.conv2d(h, body[3].weight, None, stride=2, padding=1), body[4]))  # 2x2
        torch.testing.assert_close(model.discriminator(x), linear(h.flatten(1), head)[:, 0], rtol=1e-5, atol=ATOL)


def test_infogan_information_terms_on_given_logits_by_hand():
    """Q uniform on image 0 (-log Q(c) = ln 10) and Q(c) = 1/2 on image 1 (-log Q(c) = ln 2):
    cross-entropy = (ln 10 + ln 2) / 2, L_I = ln 10 - that = ln 5 / 2. Continuous codes:
    1/2 |mean - c|^2: 1/2 (0.4^2 + 0.7^2) = 0.325 and 1/2 (1 + 1) = 1, mean 0.6625."""
    torch.manual_seed(0)
    model = InfoGAN(InfoGANConfig(noise=4, ngf=2, ndf=2, info_weight=1.0, continuous_weight=0.1))
    category, continuous = torch.tensor([3, 7]), torch.tensor([[0.1, 0.2], [-1.0, 1.0]])
    latent = model.latent_input(torch.randn(2, 4), category, continuous)
    p = torch.full((10,), 0.5 / 9)
    p[7] = 0.5
    logits = torch.stack([torch.zeros(10), torch.log(p)])
    means = torch.tensor([[0.5, -0.5], [0.0, 0.0]])
    model.q = lambda images: (logits, means)  # Q's output given, not computed
    images = gray_images(2)
    categorical, gaussian = model.info_terms(images, latent)
    assert float(categorical) == pytest.approx((math.log(10) + math.log(2)) / 2, abs=1e-6)
    assert float(gaussian) == pytest.approx(0.6625, abs=1e-6)
    assert float(model.info_loss(images, latent)) == pytest.approx((math.log(10) + math.log(2)) / 2 + 0.1 * 0.6625, abs=1e-6)
    assert float(model.mutual_information_bound(images, latent)) == pytest.approx(math.log(5) / 2, abs=1e-6)


# ----------------------------------------------------------------------------
# CycleGAN and StarGAN


def translator_by_hand(net: nn.Sequential, x):
    """conv3x3 (-> instance norm) -> ReLU -> [x + IN(conv(ReLU(IN(conv x))))] per block -> conv3x3 -> sigmoid."""
    layers = list(net)
    h = F.conv2d(x, layers[0].weight, layers[0].bias, padding=1)
    rest = layers[1:]
    if isinstance(rest[0], nn.InstanceNorm2d):
        h, rest = instance_norm_by_hand(h, rest[0]), rest[1:]
    h = torch.relu(h)
    for block in (m for m in rest if isinstance(m, ResidualBlock)):
        conv_a, norm_a, _, conv_b, norm_b = block.body
        inner = torch.relu(instance_norm_by_hand(F.conv2d(h, conv_a.weight, conv_a.bias, padding=1), norm_a))
        h = h + instance_norm_by_hand(F.conv2d(inner, conv_b.weight, conv_b.bias, padding=1), norm_b)
    last = [m for m in rest if isinstance(m, nn.Conv2d)][-1]
    return sigmoid(F.conv2d(h, last.weight, last.bias, padding=1)).flatten(1)


def patch_body_by_hand(body: nn.Sequential, x):
    """4x4 stride-2 conv, LeakyReLU 0.2, 4x4 stride-2 conv, instance norm, LeakyReLU: (B, 64) -> (B, 2ndf, 2, 2)."""
    h = leaky(F.conv2d(x.view(-1, 1, 8, 8), body[1].weight, body[1].bias, stride=2, padding=1))
    return leaky(instance_norm_by_hand(F.conv2d(h, body[3].weight, body[3].bias, stride=2, padding=1), body[4]))


def patch_scores_by_hand(discriminator: nn.Sequential, x):
    head = discriminator[1]
    return F.conv2d(patch_body_by_hand(discriminator[0], x), head.weight, head.bias, padding=1).flatten(1)


def test_cyclegan_terms_equal_a_hand_computation():
    """G(a) = clip(a + 2 net_G(a) - 1, 0, 1), likewise F; cycle = mean |F(G(a)) - a| + mean |G(F(b)) - b|;
    least squares: loss_d = 1/2 [mean (D(real) - 1)^2 + mean D(fake)^2] per domain, loss_g = sum mean (D(fake) - 1)^2;
    loss = loss_g + lambda cycle; identity = mean |G(b) - b| + mean |F(a) - a|."""
    model = randomize(CycleGAN(CycleGANConfig(cycle_weight=7.0, ngf=3, ndf=2, blocks=1)), seed=5, scale=0.4).eval()
    a, b = gray_images(4, seed=1), gray_images(4, seed=2)
    g = lambda t: (t + 2 * translator_by_hand(model.G, t.view(-1, 1, 8, 8)) - 1).clamp(0, 1)
    f = lambda t: (t + 2 * translator_by_hand(model.F, t.view(-1, 1, 8, 8)) - 1).clamp(0, 1)
    with torch.no_grad():
        fake_b, fake_a = g(a), f(b)
        # the clip acts, and not everywhere
        assert ((fake_b > 0) & (fake_b < 1)).any() and ((fake_b == 0) | (fake_b == 1)).any()
        cycle = (f(fake_b) - a).abs().mean() + (g(fake_a) - b).abs().mean()
        d_a = lambda t: patch_scores_by_hand(model.D_A, t)
        d_b = lambda t: patch_scores_by_hand(model.D_B, t)
        loss_d = (0.5 * (((d_a(a) - 1) ** 2).mean() + (d_a(fake_a) ** 2).mean())
                  + 0.5 * (((d_b(b) - 1) ** 2).mean() + (d_b(fake_b) ** 2).mean()))
        loss_g = ((d_b(fake_b) - 1) ** 2).mean() + ((d_a(fake_a) - 1) ** 2).mean()
        terms = model.loss(torch.cat([a, b], dim=1))
        torch.testing.assert_close(model.g(a), fake_b, rtol=1e-5, atol=ATOL)
        torch.testing.assert_close(terms["cycle"], cycle, rtol=1e-5, atol=ATOL)
        torch.testing.assert_close(model.cycle_loss(a, b, fake_b, fake_a), cycle, rtol=1e-5, atol=ATOL)
        torch.testing.assert_close(terms["loss_d"], loss_d, rtol=1e-5, atol=ATOL)
        torch.testing.assert_close(terms["loss_g"], loss_g, rtol=1e-5, atol=ATOL)
        torch.testing.assert_close(terms["loss"], loss_g + 7.0 * cycle, rtol=1e-5, atol=ATOL)
        identity = (g(b) - b).abs().mean() + (f(a) - a).abs().mean()
        torch.testing.assert_close(model.identity_loss(a, b), identity, rtol=1e-5, atol=ATOL)


def test_stargan_terms_equal_a_hand_computation():
    """G(x, c) reads the image and k constant one-hot maps; validation sends domain c' to c = c' + 1 mod k:
    rec = mean |G(G(x, c), c') - x|, cls = cross-entropy of D_cls, loss = loss_g + l_cls cls_g + l_rec rec."""
    config = StarGANConfig(domains=3, ngf=3, ndf=2, blocks=1, cls_weight=1.5, rec_weight=4.0)
    model = randomize(StarGAN(config), seed=6, scale=0.4).eval()
    x, source = gray_images(4, seed=3), torch.tensor([0, 1, 2, 1])
    target = torch.tensor([1, 2, 0, 2])

    def generate(images, domains):
        maps = torch.zeros(len(images), 3, 8, 8)
        maps[torch.arange(len(images)), domains] = 1.0  # the one-hot code as constant maps
        return translator_by_hand(model.generator, torch.cat([images.view(-1, 1, 8, 8), maps], dim=1))

    def discriminate(images):
        features = patch_body_by_hand(model.body, images)
        src = F.conv2d(features, model.src_head[0].weight, model.src_head[0].bias, padding=1).flatten(1)
        return src, linear(features.flatten(1), model.cls_head[1])

    with torch.no_grad():
        fake = generate(x, target)
        rec = (generate(fake, source) - x).abs().mean()
        (real_src, real_cls), (fake_src, fake_cls) = discriminate(x), discriminate(fake)
        loss_g, cls_g = ((fake_src - 1) ** 2).mean(), cross_entropy_by_hand(fake_cls, target)
        terms = model.loss(torch.cat([x, source[:, None].float()], dim=1))
        torch.testing.assert_close(model.G(x, target), fake, rtol=1e-5, atol=ATOL)
        torch.testing.assert_close(terms["rec"], rec, rtol=1e-5, atol=ATOL)
        torch.testing.assert_close(terms["loss_g"], loss_g, rtol=1e-5, atol=ATOL)
        torch.testing.assert_close(terms["cls_g"], cls_g, rtol=1e-5, atol=ATOL)
        torch.testing.assert_close(terms["cls_d"], cross_entropy_by_hand(real_cls, source), rtol=1e-5, atol=ATOL)
        torch.testing.assert_close(terms["loss_d"], 0.5 * (((real_src - 1) ** 2).mean() + (fake_src**2).mean()),
                                   rtol=1e-5, atol=ATOL)
        torch.testing.assert_close(terms["loss"], loss_g + 1.5 * cls_g + 4.0 * rec, rtol=1e-5, atol=ATOL)


# ----------------------------------------------------------------------------
# ProGAN

PROGAN_TINY = ProGANConfig(noise=4, channels=(4, 3, 2))


def pixel_norm(h):
    """a / sqrt(mean_c a_c^2 + 1e-8) at each position."""
    return h / torch.sqrt((h**2).mean(dim=1, keepdim=True) + 1e-8)


def up2(h):
    """Nearest neighbour x2: every pixel becomes a 2x2 block."""
    return h.repeat_interleave(2, dim=-2).repeat_interleave(2, dim=-1)


def conv3x3(h, conv):
    return F.conv2d(h, conv.weight, conv.bias, padding=1)


def progan_generator_by_hand(g, z, resolution, alpha):
    """h_4 = PN(lrelu(conv(PN(lrelu(W PN(z)))))); block_r = up, (conv, lrelu, PN) x 2; toImage = sigmoid(1x1);
    G_alpha = (1 - alpha) up(toImage_{r/2}(h_{r/2})) + alpha toImage_r(block_r(h_{r/2}))."""
    first = g.first
    h = linear(pixel_norm(z), first[1]).view(len(z), -1, 4, 4)
    h = pixel_norm(leaky(conv3x3(pixel_norm(leaky(h)), first[5])))
    block = lambda h, k: pixel_norm(leaky(conv3x3(pixel_norm(leaky(conv3x3(up2(h), g.blocks[k][1]))), g.blocks[k][4])))
    to_image = lambda h, k: sigmoid(conv1x1(h, g.to_image[k][0]))
    k = {8: 1, 16: 2}[resolution]
    for j in range(k - 1):
        h = block(h, j)  # up to r / 2
    old, new = up2(to_image(h, k - 1)), to_image(block(h, k - 1), k)
    return ((1 - alpha) * old + alpha * new).flatten(1)


@pytest.mark.parametrize("resolution", [8, 16])
def test_progan_generator_fade_in_is_the_blend_of_the_upsampled_old_image_and_the_new_block(resolution):
    model = randomize(ProGAN(PROGAN_TINY), seed=8, scale=0.4).eval()
    z = torch.randn(3, 4, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        for alpha in (0.0, 0.3, 1.0):
            expected = progan_generator_by_hand(model.net_g, z, resolution, alpha)
            torch.testing.assert_close(model.net_g(z, resolution, alpha), expected, rtol=1e-5, atol=ATOL)


def test_progan_discriminator_fade_in_blends_the_old_input_path_and_the_new_block():
    """At 8x8: h = (1 - alpha) lrelu(1x1(avgpool(x))) + alpha block(lrelu(1x1 x)), block = conv, lrelu,
    conv, lrelu, avgpool; then the minibatch std map (sqrt(var_batch + 1e-8), averaged), conv, lrelu, linear."""
    model = randomize(ProGAN(PROGAN_TINY), seed=9, scale=0.4).eval()
    d, x, alpha = model.net_d, gray_images(4, 64, seed=4), 0.3
    from_image = lambda t, k: leaky(conv1x1(t, d.from_image[k][0]))
    pool = lambda t: t.view(*t.shape[:2], t.shape[2] // 2, 2, t.shape[3] // 2, 2).mean(dim=(3, 5))
    with torch.no_grad():
        image = x.view(4, 1, 8, 8)
        block = d.blocks[0]
        new = pool(leaky(conv3x3(leaky(conv3x3(from_image(image, 1), block[0])), block[2])))
        h = (1 - alpha) * from_image(pool(image), 0) + alpha * new
        std = torch.sqrt(((h - h.mean(0)) ** 2).mean(0) + 1e-8).mean()
        h = torch.cat([h, std.expand(4, 1, 4, 4)], dim=1)
        h = leaky(conv3x3(h, d.last[1]))
        torch.testing.assert_close(d(x, 8, alpha), linear(h.flatten(1), d.last[4])[:, 0], rtol=1e-5, atol=ATOL)


# ----------------------------------------------------------------------------
# The digit classifier


def test_classifier_logits_and_features_equal_an_independent_forward_pass():
    """conv3x3, ReLU, conv3x3, ReLU, 2x2 max-pool (max over each block), linear + ReLU = f(x); logits = W f + b."""
    model = randomize(DigitClassifier(ClassifierConfig(channels=2, features=5, classes=4)), seed=10, scale=0.4).eval()
    x, labels = gray_images(6, seed=5), torch.tensor([0, 1, 2, 3, 0, 1])
    body = model.body
    with torch.no_grad():
        h = torch.relu(conv3x3(torch.relu(conv3x3(x.view(6, 1, 8, 8), body[0])), body[2]))
        h = h.view(6, 4, 4, 2, 4, 2).amax(dim=(3, 5))  # 2x2 max-pool
        features = torch.relu(linear(h.flatten(1), body[6]))
        logits = linear(features, model.head)
        torch.testing.assert_close(model.logits(x), logits, rtol=1e-5, atol=ATOL)
        np.testing.assert_allclose(model.features(x.numpy()), features.numpy(), rtol=1e-5, atol=ATOL)
        probs = torch.exp(logits) / torch.exp(logits).sum(1, keepdim=True)
        np.testing.assert_allclose(model.probs(x.numpy()), probs.numpy(), rtol=1e-5, atol=ATOL)
        terms = model.loss(torch.cat([x, labels[:, None].float()], dim=1))
        torch.testing.assert_close(terms["nll"], cross_entropy_by_hand(logits, labels), rtol=1e-5, atol=ATOL)
        torch.testing.assert_close(terms["error"], (logits.argmax(1) != labels).float().mean())
