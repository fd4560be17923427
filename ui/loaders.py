"""Data and fitted models, loaded once per server process and shared read-only by all
sessions (st.cache_resource); pure tables cached by value (st.cache_data)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from core import data
from core.compute import TORCH_THREADS  # one torch thread per process: see core/compute.py
from core.models import counted
from core.models.counted import fit_structure

MARKOV_ORDERS = range(data.NUM_PIXELS)  # k = 0..63, for the over-fitting curve


@st.cache_resource(show_spinner=False)
def binary_digits(part: str) -> np.ndarray:
    """Binarized digits of one part of the shared split, (N, 64) uint8, read-only."""
    images = data.digits(part).binary
    images.setflags(write=False)
    return images


@st.cache_resource(show_spinner=False)
def digit_labels(part: str) -> np.ndarray:
    """The true digit (0..9) of each image of one part of the split, read-only."""
    labels = data.digits(part).labels
    labels.setflags(write=False)
    return labels


@st.cache_resource(show_spinner=False, max_entries=128)
def pixel_model(structure: str, k: int = 1, alpha: float = 0.1):
    """A structure of Lecture 9 fitted to the binarized training digits."""
    return fit_structure(structure, binary_digits("train"), k, alpha)


@st.cache_data(show_spinner=False, max_entries=512)
def pixel_model_nll(structure: str, k: int, alpha: float, part: str) -> float:
    """NLL (nats per image) of a fitted structure on one part of the split, computed once."""
    return pixel_model(structure, k, alpha).nll(binary_digits(part))


@st.cache_data(show_spinner=False, max_entries=16)
def markov_sweep(alpha: float) -> dict[str, np.ndarray]:
    """Train and test NLL of the Markov chains of every order 0..63."""
    return counted.markov_sweep(binary_digits("train"), binary_digits("test"), MARKOV_ORDERS, alpha)


def best_markov_order(alpha: float) -> int:
    """k chosen on the validation carve of the training part (computed once per process, in core)."""
    return counted.validated_markov_order(alpha)


@st.cache_resource(show_spinner=False)
def trained(name: str):
    """The trained model `name` of core/registry.py, shared read-only by all sessions.

    Raises core.checkpoints.CheckpointError (missing, truncated or altered file); pages
    call it inside a `ui.page.section`, which shows the message in that section."""
    import torch

    from core import registry  # imports torch: only the pages with neural models pay for it

    torch.set_num_threads(TORCH_THREADS)
    return registry.load(name)


@st.cache_resource(show_spinner=False)
def checkpoint_card(name: str) -> dict:
    """The checked card of checkpoint `name`; CheckpointError as for `trained`, also when a
    page reads a metric the card does not have."""
    from core import checkpoints

    return checkpoints.load_card(name)


@st.cache_resource(show_spinner=False)
def gray_digits(part: str) -> np.ndarray:
    """Gray-level digits (0..16) of one part of the split, (N, 64) uint8, read-only."""
    return data.digits(part).images


@st.cache_resource(show_spinner=False)
def independent_levels():
    """Independent pixels over the 17 gray levels, fitted to the training digits."""
    from core.models.counted import IndependentLevels

    return IndependentLevels(gray_digits("train"))


@st.cache_data(show_spinner=False)
def count_model_rows(markov_k: int, alpha: float) -> list[dict]:
    """Test NLL of the Lecture 9 structures, for the leaderboard."""
    return counted.count_model_rows(binary_digits("train"), binary_digits("test"), markov_k, alpha)


@st.cache_data(show_spinner=False, max_entries=512)
def input_gradient(name: str, pixel: int, digits: int) -> np.ndarray:
    """|d logit_pixel / d x| of trained model `name`, averaged over the first test digits."""
    from core.models.autoregressive.base import input_gradient as measure

    return measure(trained(name), binary_digits("test")[:digits], pixel)


@st.cache_data(show_spinner=False, max_entries=64)
def gan_value_landscape(std: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """V(D*, G) over the centre and gap sliders of the GAN page at one width (a coarser grid of x)."""
    from core.lectures import gan_theory

    centers, gaps = np.linspace(-4, 4, 41), np.linspace(0, 6, 31)
    return centers, gaps, gan_theory.mixture_value_landscape(centers, gaps, std, np.linspace(-10, 10, 801))


@st.cache_data(show_spinner=False)
def quality_rows() -> dict[str, dict[str, float]]:
    """The sample-quality table (core.recipes.quality.quality_table), measured once per process: held-out
    real digits, a memorizer, each GAN and the diffusion model, every row the same way (n = 180 per draw)."""
    from core.recipes import quality

    return quality.quality_table({name: trained(name) for name in quality.GAN_NAMES}, trained("classifier"))


@st.cache_data(show_spinner=False)
def infogan_confusion() -> np.ndarray:
    """True class × InfoGAN's categorical code on the test digits, codes in matched order."""
    from core.recipes import quality

    return quality.matched_confusion(trained("infogan"))


@st.cache_data(show_spinner=False)
def generator_parameter_counts(domain_counts: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Parameters of one StarGAN generator and of k(k−1) CycleGAN generators for each k,
    counted on modules built once per process."""
    from core.models.adversarial import translation

    counts = np.array(domain_counts)
    return translation.stargan_generator_params(counts), translation.cyclegan_generators_params(counts)


# ----------------------------------------------------------------------------
# Normalizing flows (app_pages/flows.py): the live 2-D lab, fitted once per setting per process

FLOW_INTEGRAL_RESOLUTION = 600  # grid cells per side for the integral of the learned density


@st.cache_resource(show_spinner=False, max_entries=32)
def flow_lab(target: str, custom: np.ndarray | None, layers: int, steps: int, seed: int):
    """A 2-D RealNVP fitted to a target's seeded train draw (core.models.flows.lab.lab), shared
    read-only by every session with the same settings; `custom` holds the student's points."""
    import torch

    from core.models.flows import lab

    torch.set_num_threads(TORCH_THREADS)
    return lab.lab(target, layers, steps, seed, custom)


@st.cache_data(show_spinner=False, max_entries=64)
def flow_mixtures(target: str, custom: np.ndarray | None, layers: int, steps: int, seed: int) -> dict[str, float]:
    """Test NLL of the lab's flow beside Gaussian mixtures of 2 and 10 components on the same draws."""
    from core.models.flows import lab

    return lab.mixture_comparison(flow_lab(target, custom, layers, steps, seed))


@st.cache_data(show_spinner=False, max_entries=64)
def flow_integral(target: str, custom: np.ndarray | None, layers: int, steps: int, seed: int) -> float:
    """The integral of the lab flow's learned density p(x), on a fine grid of its mass box."""
    from core.models.flows import lab

    return lab.learned_density_integral(flow_lab(target, custom, layers, steps, seed).fit.flow, 0,
                                        FLOW_INTEGRAL_RESOLUTION)


# ----------------------------------------------------------------------------
# Diffusion models (app_pages/diffusion.py): the 2-D model trained once per setting per process,
# and what the digits' model draws, cached by setting (sampling all T steps takes a few seconds)


@st.cache_resource(show_spinner=False, max_entries=16)
def toy_diffusion(target: str, seed: int):
    """A 2-D diffusion model trained on `target` (core.models.diffusion.toy.train_toy, a few seconds),
    shared read-only by every session with the same target and seed."""
    import torch

    from core.models.diffusion import toy

    torch.set_num_threads(TORCH_THREADS)
    return toy.train_toy(toy.ToyConfig(target=target, seed=seed))


@st.cache_data(show_spinner=False, max_entries=64)
def diffusion_samples(sampler: str, steps: int, count: int, seed: int) -> tuple[np.ndarray, float]:
    """`count` digits of the trained diffusion model by DDIM in `steps` steps or by DDPM (all T steps),
    and the seconds they took when first drawn."""
    import time

    model = trained("diffusion")
    started = time.perf_counter()
    images = model.sample(count, seed, sampler, steps)
    return images, time.perf_counter() - started


@st.cache_data(show_spinner=False, max_entries=64)
def diffusion_path(sampler: str, steps: int, count: int, seed: int, every: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The path of `count` digits from noise to sample: steps t (K,), states x_t and estimates x0_hat
    (K, count, 64) in [-1, 1] (every `every`-th state kept)."""
    path = trained("diffusion").trajectory(count, seed, sampler, steps, every=every)
    return path.t, path.x.numpy(), path.x0.numpy()


@st.cache_data(show_spinner=False, max_entries=64)
def diffusion_elbo(index: int, draws: int = 2):
    """The terms of -ELBO (core.models.diffusion.elbo.elbo_terms) for test digit number `index`."""
    from core.models.diffusion import elbo

    return elbo.elbo_terms(trained("diffusion"), data.gray("test")[index], draws=draws)


@st.cache_data(show_spinner=False, max_entries=32)
def toy_diffusion_paths(target: str, seed: int, sampler: str, points: int = 600, states: int = 51) -> np.ndarray:
    """Paths of `points` points from N(0, I) to the 2-D model's samples, by DDPM (all T steps) or DDIM
    (100 steps), `states` states of each kept evenly: (states, points, 2)."""
    path = toy_diffusion(target, seed).trajectory(points, seed, sampler, steps=100).x.numpy()
    return path[np.linspace(0, len(path) - 1, states).astype(int)]
