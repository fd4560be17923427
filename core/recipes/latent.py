"""The registry's measure of the latent-variable models (VAE over β, the larger VAE, the AAEs).

Both are trained by the shared loop (core/training.py): the VAE minimizes D + β·R, the AAE
plays its own game. On the test part they are measured as explicit models where they can be
(rate, distortion, -ELBO, the IWAE bound), by how well their codes match the prior (energy
distance beside its floor), and by their decoded prior samples: nearest training digits,
distinct images, and the digit classifier's judgement (a judge the registry passes in).
"""

from __future__ import annotations

import numpy as np
import torch

from core.metrics import active_units, energy_distance, mmd, nearest_neighbour_hamming
from core.models.classifier import DigitClassifier
from core.models.latent.aae import AAE, PRIORS, sample_prior
from core.models.latent.vae import VAE, bernoulli_log_likelihood
from core.models.neural import as_float_tensor
from core.recipes.quality import judged_by_classifier


def bound_metrics(model: VAE, x: np.ndarray, k: int = 500, samples: int = 10, seed: int = 0) -> dict[str, float]:
    """Rate, distortion, -ELBO, the IWAE bound (K importance samples) and active units on x,
    in nats per image; everything seeded, so the same model gives the same numbers."""
    rate, distortion = model.rate_distortion(x, samples, seed)
    return {"rate": float(rate.mean()), "distortion": float(distortion.mean()),
            "neg_elbo": float((rate + distortion).mean()), "iwae_nll": float(-model.iwae_bound(x, k, seed).mean()),
            "active_units": active_units(model.embed(x)), "num_params": model.num_params()}



def prior_distances(codes: np.ndarray, seed: int = 0) -> dict[str, float]:
    """Energy distance between codes (N, 2) and N seeded draws of each prior: which prior
    the codes match (used for the VAE's aggregated posterior beside the AAEs')."""
    return {f"energy_{name}": energy_distance(codes, sample_prior(name, len(codes), seed)) for name in PRIORS}


MATCH_RATIOS = (1.5, 3.0)  # energy / floor: the bounds of a "close" and a "fair" match


def prior_match(energy: float, floor: float) -> str:
    """How closely the codes match the prior, from a card's energy distance and its floor (two
    samples of the prior of the same size): "close" up to 1.5 times the floor, "fair" up to 3
    times, else "poor". One draw of the floor varies up to about 2 times around its mean (20
    seeded pairs of each prior at n = 360), so "close" is within that noise and "poor" is not;
    the shipped AAEs score 0.9, 1.3 and 2.8 times their floor, the 10-Gaussian mixture 5.2."""
    ratio = energy / floor
    return "close" if ratio <= MATCH_RATIOS[0] else "fair" if ratio <= MATCH_RATIOS[1] else "poor"


def decoded_sample_metrics(model, train: np.ndarray, n: int, seed: int = 0) -> dict[str, float]:
    """Of n decoded prior samples (decoder means > 1/2): the mean Hamming distance to the
    nearest training digit (0 would be a copy machine) and the share of distinct images
    (a collapsed model decodes every z to one image). Together, since a blurry average digit
    also lies a few pixels from some training digit."""
    decoded = (model.sample(n, seed, mean=True) > 0.5).astype(np.uint8)
    return {"nn_hamming": float(nearest_neighbour_hamming(decoded, train).mean()),
            "distinct": len(np.unique(decoded, axis=0)) / n}


def autoencoder_metrics(model: AAE, x: np.ndarray, train: np.ndarray, seed: int = 0) -> dict[str, float]:
    """On test digits x: the reconstruction -log p(x | E(x)) in nats; the energy distance and
    MMD^2 between their codes and as many seeded prior draws, beside the same statistic
    between two independent prior samples of that size (its floor: what a perfect match
    would show); of decoded prior samples, the nearest-neighbour Hamming distance to the
    training digits (beside that of the test digits themselves: a real, unseen digit) and
    the share of distinct images."""
    codes, prior = model.embed(x), sample_prior(model.config.prior, len(x), seed)
    with torch.inference_mode():
        xt = as_float_tensor(x)
        recon = float(-bernoulli_log_likelihood(model.decoder(model.encoder(xt)), xt).mean())
    return {"recon": recon, "energy": energy_distance(codes, prior), "mmd": mmd(codes, prior),
            "energy_floor": energy_distance(sample_prior(model.config.prior, len(x), seed + 1), prior),
            **decoded_sample_metrics(model, train, len(x), seed),
            "nn_hamming_test": float(nearest_neighbour_hamming(x, train).mean()), "num_params": model.num_params()}


def measure_vae(entry, model: VAE, classifier: DigitClassifier) -> dict[str, float]:
    """Rate R, distortion D, -ELBO = R + D, the IWAE bound (K = 500) and active units on the
    test part (nats per image). With a 2-D latent also the energy distance of the aggregated
    posterior (one z ~ q(z|x) per test digit) to each AAE prior, and the nearest-neighbour
    distance, share of distinct images and the classifier's judgement of decoded prior samples."""
    test = entry.images("test")
    metrics = bound_metrics(model, test)
    if model.config.latent == 2:
        metrics |= prior_distances(model.posterior_sample(test, seed=2), seed=0)  # seeds apart: z and prior independent
        metrics |= decoded_sample_metrics(model, entry.images("train"), len(test)) | judged_by_classifier(model, classifier)
    return metrics


def measure_aae(entry, model: AAE, classifier: DigitClassifier) -> dict[str, float]:
    """Reconstruction, the codes' distance to the prior, and decoded prior samples: their nearest
    training digits and the digit classifier's judgement (test part)."""
    test, train = entry.images("test"), entry.images("train")
    return autoencoder_metrics(model, test, train) | judged_by_classifier(model, classifier)
