"""Data and fitted models, loaded once per server process and shared read-only by all
sessions (st.cache_resource); pure tables cached by value (st.cache_data)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from core import data
from core.models import counted
from core.models.counted import fit_structure

MARKOV_ORDERS = range(data.NUM_PIXELS)  # k = 0..63, for the over-fitting curve
MARKOV_CHOICES = range(25)  # k = 0..24 for model choice: test NLL rises steadily past k = 12


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


@st.cache_data(show_spinner=False)
def best_markov_order(alpha: float) -> int:
    """k in MARKOV_CHOICES chosen on the validation carve of the training part."""
    return counted.choose_markov_order(binary_digits("fit"), binary_digits("val"), MARKOV_CHOICES, alpha)


TORCH_THREADS = 1  # per process: a classroom of sessions must not oversubscribe the cores


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
    real digits, a memorizer and each GAN, every row the same way (n = 180 per draw)."""
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
