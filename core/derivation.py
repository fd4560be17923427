"""The lecture's derivations, line by line, evaluated for a page's current parameters.

Each `*_lines` function returns one `Check` per line of a derivation: the number that the
line's right-hand side comes to, computed the way the line is written (a sample mean for
an expectation, an integral on a grid for an integral, the closed form where the line
gives one). In a correct derivation consecutive lines give the same number, up to Monte
Carlo error; the tests check that for many parameter settings, and the pages show each
number beside its line.

1. `evidence_lines`: ln p(x) = ELBO + KL(q(z|x) ‖ p(z|x)), on the exact linear-Gaussian model.
2. `elbo_lines`: ELBO = E_q[ln p(x|z)] − KL(q(z|x) ‖ p(z)), on a VAE and one image.
3. `discriminator_lines`: max_D V(D, G) is reached at D*(x) = p_data / (p_data + p_g), one x at a time.
4. `jsd_lines`: V(D*, G) = −log 4 + 2 JSD(p_data ‖ p_g) ≥ −log 4.

References: Kingma & Welling 2014 (the ELBO and its split); Goodfellow et al. 2014,
Proposition 1 (D*) and Theorem 1 (the JSD).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core.lectures import gan_theory
from core.lectures import variational as vi
from core.models.latent.vae import VAE, bernoulli_log_likelihood, gaussian_kl, reparameterize, standard_normal_log_pdf
from core.models.neural import as_float_tensor, torch_generator


@dataclass(frozen=True)
class Part:
    """A named number shown beside a line (one of its terms): `name` is LaTeX."""

    name: str
    value: float
    error: float = 0.0  # standard error when the number is a Monte Carlo estimate


@dataclass(frozen=True)
class Check:
    """What one line of a derivation comes to."""

    value: float
    method: str  # "closed" (a formula), "monte_carlo" (a sample mean) or "grid" (an integral on a grid)
    error: float = 0.0  # standard error of a Monte Carlo value; 0 for the others
    samples: int = 0  # Monte Carlo draws
    parts: tuple[Part, ...] = ()
    relation: str = "="  # how the line follows the one before: "=" or "≥"


def _mean(values) -> tuple[float, float]:
    """A sample mean and its standard error."""
    values = np.asarray(values, dtype=np.float64)
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(len(values)))


def _monte_carlo(values, *parts: tuple[str, np.ndarray]) -> Check:
    """The check of an expectation estimated by the sample mean of `values`, with the means of
    its terms `parts` ((LaTeX name, per-sample values)) beside it."""
    value, error = _mean(values)
    return Check(value, "monte_carlo", error, len(values), tuple(Part(name, *_mean(v)) for name, v in parts))


# --------------------------------------------------------------------------- variational inference


def evidence_lines(model: vi.LinearGaussian, x: float, mean: float, std: float, samples: int = 2000,
                   seed: int = 0) -> list[Check]:
    """ln p(x) = E_q[ln p(x)] = E_q[ln p(x,z)/p(z|x)] = E_q[ln p(x,z) q/(q p(z|x))]
    = E_q[ln p(x,z)/q] + E_q[ln q/p(z|x)] = ELBO + KL(q ‖ p(z|x)), for q = N(mean, std²).

    The expectations are sample means over the same draws z_s ~ q. Up to the split every
    draw gives exactly ln p(x) (Bayes' rule holds at every z), so their error is 0; after
    it each half is noisy and only their sum is exact."""
    z = mean + std * np.random.default_rng(seed).standard_normal(samples)  # z_s ~ q
    log_joint = model.log_joint(x, z)
    post_mean, post_var = model.posterior(x)
    log_posterior = vi.normal_log_pdf(z, post_mean, post_var)
    log_q = vi.normal_log_pdf(z, mean, std**2)
    evidence = model.log_evidence(x)
    elbo, kl = model.elbo(x, mean, std), model.kl_to_posterior(x, mean, std)
    return [
        Check(evidence, "closed"),
        _monte_carlo(np.full(samples, evidence)),  # ln p(x) does not depend on z
        _monte_carlo(log_joint - log_posterior),  # p(x) = p(x, z) / p(z | x)
        _monte_carlo(log_joint + log_q - log_q - log_posterior),  # times q / q
        _monte_carlo(log_joint - log_q + log_q - log_posterior,
                     (r"\mathrm{ELBO}", log_joint - log_q), (r"\mathrm{KL}", log_q - log_posterior)),
        Check(elbo + kl, "closed", parts=(Part(r"\mathrm{ELBO}", elbo), Part(r"\mathrm{KL}", kl))),
    ]


@torch.inference_mode()
def elbo_lines(model: VAE, image, samples: int = 1000, seed: int = 0) -> list[Check]:
    """ELBO = E_q[ln p(x,z)/q] = ∫ q ln (p(x|z) p(z)/q) dz = E_q[ln p(x|z)] + E_q[ln p(z)/q]
    = E_q[ln p(x|z)] − KL(q(z|x) ‖ p(z)), for one image x (64 pixels) and the VAE's encoder q.
    Sample means over the same draws z_s ~ q; the KL of the last line is the closed form.
    The draws are those of `model.elbo(x, samples, seed)`, which gives the last line."""
    x = as_float_tensor(np.asarray(image).reshape(1, -1))  # (1, n)
    mu, logvar = model.encode(x)  # (1, d)
    eps = torch.randn((samples, *mu.shape), generator=torch_generator(seed))  # (S, 1, d)
    z = reparameterize(mu, logvar, eps)  # z_s ~ q(z|x), (S, 1, d)
    log_likelihood = bernoulli_log_likelihood(model.decode(z), x)[:, 0].double().numpy()  # ln p(x|z_s), (S,)
    log_prior = standard_normal_log_pdf(z)[:, 0].double().numpy()  # ln p(z_s)
    log_q = (standard_normal_log_pdf(eps) - 0.5 * logvar.sum(dim=-1))[:, 0].double().numpy()  # ln q(z_s|x)
    kl = float(gaussian_kl(mu, logvar)[0])
    reconstruction = _mean(log_likelihood)
    return [
        _monte_carlo(log_likelihood + log_prior - log_q),  # ln p(x, z) − ln q
        _monte_carlo(log_likelihood + log_prior - log_q),  # p(x, z) = p(x|z) p(z)
        _monte_carlo(log_likelihood + (log_prior - log_q),
                     (r"\mathbb{E}_q\ln p(x\mid z)", log_likelihood), (r"\mathbb{E}_q\ln\frac{p(z)}{q}", log_prior - log_q)),
        Check(reconstruction[0] - kl, "monte_carlo", reconstruction[1], samples,
              (Part(r"\mathbb{E}_q\ln p(x\mid z)", *reconstruction), Part(r"\mathrm{KL}(q\,\|\,p(z))", kl))),
    ]


# --------------------------------------------------------------------------- GAN


def maximize_pointwise(a: np.ndarray, b: np.ndarray, iterations: int = 100) -> np.ndarray:
    """argmax over y in (0, 1) of f(y) = a log y + b log(1 − y), separately for every pair
    (a, b) ≥ 0, found numerically by golden-section search (f is concave), without the
    formula a / (a + b). Where a = b = 0 every y is a maximum; 1/2 is returned."""
    scale = np.maximum(a, b)
    flat = scale == 0
    a, b = (np.where(flat, 0.0, v / np.where(flat, 1.0, scale)) for v in (a, b))  # the argmax ignores a common scale
    f = lambda y: a * np.log(y) + b * np.log1p(-y)  # noqa: E731
    ratio = (np.sqrt(5) - 1) / 2
    lo, hi = np.full(a.shape, gan_theory.EPS), np.full(a.shape, 1 - gan_theory.EPS)
    for _ in range(iterations):
        c, d = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
        left = f(c) >= f(d)  # the maximum lies in [lo, d], else in [c, hi]
        lo, hi = np.where(left, lo, c), np.where(left, d, hi)
    return np.where(flat, 0.5, (lo + hi) / 2)


def discriminator_lines(generator, samples: int = 100_000, seed: int = 0, data=gan_theory.DATA_BUMPS,
                        grid: np.ndarray = gan_theory.GRID) -> list[Check]:
    """max_D E_data[log D] + E_z[log(1 − D(G(z)))] = max_D ∫ p_data log D + p_g log(1 − D) dx
    = ∫ max_y [a log y + b log(1 − y)] dx (a = p_data(x), b = p_g(x))
    = ∫ [a log a/(a+b) + b log b/(a+b)] dx = V(D*, G), for p_data and p_g given as bumps.

    The maximizing D of the first three lines is found numerically at every grid point
    (`maximize_pointwise`); the first line is a sample mean over x ~ p_data and x = G(z)."""
    p_data, p_g = gan_theory.data_density(grid, data), gan_theory.data_density(grid, generator)
    d_numerical = maximize_pointwise(p_data, p_g)
    d_star = gan_theory.optimal_discriminator(p_data, p_g)

    rng = np.random.default_rng(seed)
    d_at = lambda x: np.clip(np.interp(x, grid, d_numerical), gan_theory.EPS, 1 - gan_theory.EPS)  # noqa: E731
    real = np.log(d_at(gan_theory.sample_bumps(data, samples, rng)))  # log D(x), x ~ p_data
    fake = np.log1p(-d_at(gan_theory.sample_bumps(generator, samples, rng)))  # log(1 − D(G(z))), z ~ p_z
    (real_mean, real_error), (fake_mean, fake_error) = _mean(real), _mean(fake)
    first = Check(real_mean + fake_mean, "monte_carlo", float(np.hypot(real_error, fake_error)), samples,
                  (Part(r"\mathbb{E}\log D", real_mean, real_error), Part(r"\mathbb{E}\log(1-D)", fake_mean, fake_error)))

    pointwise_maxima = p_data * np.log(np.clip(d_numerical, gan_theory.EPS, 1)) + p_g * np.log1p(
        -np.clip(d_numerical, 0, 1 - gan_theory.EPS))
    gap = float(np.max(np.abs(d_numerical - d_star)[p_data + p_g > 0]))
    return [
        first,
        Check(gan_theory.value(d_numerical, p_data, p_g, grid), "grid"),
        Check(gan_theory.integrate(pointwise_maxima, grid), "grid"),
        Check(gan_theory.value(d_star, p_data, p_g, grid), "grid",
              parts=(Part(r"\max_x\big|y_{\mathrm{num}}-\tfrac{a}{a+b}\big|", gap),)),
        Check(gan_theory.optimal_value(p_data, p_g, grid), "grid"),
    ]


def _expected_log(p: np.ndarray, ratio: np.ndarray, grid: np.ndarray) -> float:
    """∫ p log(ratio) dx, with 0 log(anything) = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return gan_theory.integrate(np.where(p > 0, p * np.log(ratio), 0.0), grid)


def jsd_lines(generator, data=gan_theory.DATA_BUMPS, grid: np.ndarray = gan_theory.GRID) -> list[Check]:
    """V(D*, G) = E_data[log p_data/(p_data+p_g)] + E_g[log p_g/(p_data+p_g)]
    = E_data[log p_data/m] + E_g[log p_g/m] − log 4   (m = (p_data + p_g)/2: times 2/2 in each log)
    = −log 4 + KL(p_data ‖ m) + KL(p_g ‖ m) = −log 4 + 2 JSD(p_data ‖ p_g) ≥ −log 4.
    Every integral on the grid."""
    p_data, p_g = gan_theory.data_density(grid, data), gan_theory.data_density(grid, generator)
    total, m = p_data + p_g, (p_data + p_g) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        data_share, fake_share = p_data / total, p_g / total  # D* and 1 − D*
        data_to_m, fake_to_m = p_data / m, p_g / m
    real, fake = _expected_log(p_data, data_share, grid), _expected_log(p_g, fake_share, grid)
    real_m, fake_m = _expected_log(p_data, data_to_m, grid), _expected_log(p_g, fake_to_m, grid)
    kl_data, kl_fake = gan_theory.kl_divergence(p_data, m, grid), gan_theory.kl_divergence(p_g, m, grid)
    jsd = gan_theory.jensen_shannon(p_data, p_g, grid)
    return [
        Check(real + fake, "grid", parts=(Part(r"\mathbb{E}_{p_{\mathrm{data}}}", real), Part(r"\mathbb{E}_{p_g}", fake))),
        Check(real_m + fake_m - gan_theory.LOG4, "grid",
              parts=(Part(r"\mathbb{E}_{p_{\mathrm{data}}}", real_m), Part(r"\mathbb{E}_{p_g}", fake_m))),
        Check(-gan_theory.LOG4 + kl_data + kl_fake, "grid", parts=(
            Part(r"\mathrm{KL}(p_{\mathrm{data}}\,\|\,m)", kl_data), Part(r"\mathrm{KL}(p_g\,\|\,m)", kl_fake))),
        Check(gan_theory.value_from_jsd(p_data, p_g, grid), "grid", parts=(Part(r"\mathrm{JSD}", jsd),)),
        Check(-gan_theory.LOG4, "closed", relation="≥"),
    ]
