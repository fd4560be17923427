"""Adversarial autoencoder: any prior that can be sampled (a mixture, a square, a swiss
roll), matched by a discriminator on the codes instead of a KL; the encoded test digits
over the prior, the discriminator's view, decoded prior samples, and the VAE beside it."""

import numpy as np
import streamlit as st

from core.models.latent import aae as aae_module
from core.models.latent.vae import beta_name
from core.recipes.latent import prior_match
from ui import loaders, page, pictures, state
from ui.i18n import t

PRIORS = list(aae_module.PRIORS)
LIMIT = 4.5  # the latent plots show [−4.5, 4.5]²

page.header("aae")
st.latex(r"\begin{gathered}"
         r"\underbrace{\min_{E,\ \mathrm{dec}}\ \mathbb{E}_{x}\big[-\ln p(x\mid E(x))\big]}_{\text{Reconstruction}}"
         r"\\ \underbrace{\min_E \max_D\ \mathbb{E}_{z\sim p(z)}\big[\log D(z)\big]"
         r"+\mathbb{E}_{x}\big[\log\big(1-D(E(x))\big)\big]}_{\text{Prior Fitting (GAN)}}\end{gathered}")
page.prose("aae.prose")


def latent_labels(background: str) -> dict[str, str]:
    return {"digit": "{digit}", "background": background, "heat": "D(z)", "z1": "z₁", "z2": "z₂"}


# The pictures of this demo, per prior (and seed): a press of the prior or the critic switch draws
# cached SVGs and a PNG instead of recomputing and re-plotting 2 × 1,360 points.
@st.cache_data(show_spinner=False, max_entries=64)
def codes_picture(name: str, prior: str, seed: int, critic: bool, labels: dict[str, str], height: int,
                  text: float) -> str:
    """The codes of the test digits under checkpoint `name` (an AAE or the VAE) over samples of
    `prior`, and with `critic` the AAE's discriminator D(z) on a grid, as an SVG."""
    model = loaders.trained(name)
    heat = None
    if critic:
        axis = np.linspace(-LIMIT, LIMIT, 90)
        grid = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)
        heat = (axis, model.discriminator_probs(grid).reshape(len(axis), len(axis)))
    return pictures.latent_svg(model.embed(loaders.binary_digits("test")), loaders.digit_labels("test"), labels,
                               LIMIT, background=aae_module.sample_prior(prior, 1000, seed), heat=heat, height=height,
                               text=text)


@st.cache_data(show_spinner=False, max_entries=16)
def decoded_picture(prior: str, seed: int) -> np.ndarray:
    """32 decoded prior samples (the decoder's means) of the AAE of `prior`."""
    return pictures.digit_picture(loaders.trained(f"aae_{prior}").sample(32, seed, mean=True), columns=8)


@st.fragment
@page.section()
def prior_demo():
    controls, plot = page.controls_and_plot()
    with controls:
        prior = state.choice(t("aae.prior.prior"), "prior", PRIORS, "mixture",
                             format_func=lambda p: t(f"aae.priors.{p}"))
        show_critic = state.toggle(t("aae.prior.critic"), "critic", False, help=t("aae.prior.critic_help"))
        loaders.trained(f"aae_{prior}")  # a broken checkpoint ends the demo here, with its message
        metrics = loaders.checkpoint_card(f"aae_{prior}")["metrics"]
        st.metric(t("aae.prior.recon"), f"{metrics['recon']:.2f}")
        st.metric(t("aae.prior.energy"), f"{metrics['energy']:.3f}", help=t("aae.prior.energy_help"))
        with page.section():  # the VAE's checkpoint: broken, it disables only what reads it
            vae_metrics = loaders.checkpoint_card(beta_name(1.0))["metrics"]
            st.metric(t("aae.prior.vae_energy"), f"{vae_metrics[f'energy_{prior}']:.3f}")
        st.caption(t("aae.prior.floor", floor=metrics["energy_floor"]))
    labels = latent_labels(t("aae.prior.samples"))
    with plot:
        page.picture(codes_picture(f"aae_{prior}", prior, state.seed(), show_critic, labels, 480, page.text_scale()))
        match = prior_match(metrics["energy"], metrics["energy_floor"])
        st.caption(t("aae.prior.caption") + " " + t(f"aae.prior.match.{match}", energy=metrics["energy"],
                                                     floor=metrics["energy_floor"],
                                                     ratio=metrics["energy"] / metrics["energy_floor"]))
    left, right = st.columns(2, gap="large")
    with left:
        page.heading("aae.decoded.title", level=3)
        st.image(decoded_picture(prior, state.seed()), width="stretch",
                 caption=t("aae.decoded.caption", prior=t(f"aae.priors.{prior}")))
    with right, page.section():
        page.heading("aae.vae.title", level=3)
        loaders.trained(beta_name(1.0))
        page.picture(codes_picture(beta_name(1.0), prior, state.seed(), False, labels, 420, page.text_scale()))
        st.caption(t("aae.vae.caption"))


@page.section()
def comparison_tables():
    page.heading("aae.table.title")
    vae = loaders.checkpoint_card(beta_name(1.0))["metrics"]
    matching, samples = [], []
    for prior in PRIORS:
        with page.section():  # a broken card: its rows are left out, with the message
            metrics, name = loaders.checkpoint_card(f"aae_{prior}")["metrics"], t(f"aae.priors.{prior}")
            row = {t("aae.table.prior"): name, t("aae.table.aae"): metrics["energy"],
                   t("aae.table.vae"): vae[f"energy_{prior}"], t("aae.table.floor"): metrics["energy_floor"],
                   t("aae.table.recon"): metrics["recon"]}
            samples.append(sample_row(t("aae.table.aae_row", prior=name), metrics))
            matching.append(row)
    samples.append(sample_row(t("aae.table.vae_row"), vae))
    table(matching, {"aae": "%.3f", "vae": "%.3f", "floor": "%.3f", "recon": "%.2f"})
    page.note(t("aae.table.caption"))
    page.heading("aae.table.samples_title", level=3)
    table(samples, {"fd": "%.1f", "precision": "%.2f", "recall": "%.2f", "nn": "%.2f", "distinct": "%.0f%%"})
    page.note(t("aae.table.samples_caption", fd_real=vae["classifier_fd_real"]))


def sample_row(name: str, metrics: dict) -> dict:
    """Decoded prior samples judged by the digit classifier and by their nearest training digits."""
    return {t("aae.table.model"): name, t("aae.table.fd"): metrics["classifier_fd"],
            t("aae.table.precision"): metrics["classifier_precision"],
            t("aae.table.recall"): metrics["classifier_recall"],
            t("aae.table.nn"): metrics["nn_hamming"], t("aae.table.distinct"): 100 * metrics["distinct"]}


def table(rows: list[dict], formats: dict[str, str]) -> None:
    """Rows as a table, each number column (key `aae.table.<column>`) in one format."""
    st.dataframe(rows, hide_index=True, width="stretch", column_config={
        t(f"aae.table.{column}"): st.column_config.NumberColumn(format=f) for column, f in formats.items()})


page.heading("aae.prior.title")
prior_demo()
comparison_tables()
page.code_behind(aae_module.AAE.train_step, aae_module.PRIORS["mixture"], aae_module.PRIORS["swiss_roll"])
