"""Home: the three jobs of a generative model, live, and the map of every model."""

import numpy as np
import streamlit as st

from core import metrics
from core.models import counted
from ui import catalog, figures, loaders, page, pictures, state
from ui.i18n import t

ALPHA = 0.1
LATENT_MODEL = "vae_beta_1"  # the plain VAE of the VAE page, with a 2-D latent space

page.header("home")
st.latex(r"\text{" + t("home.learn") + r"}\quad p(x)")

k = loaders.best_markov_order(ALPHA)
model = loaders.pixel_model("markov", k, ALPHA)
st.caption(t("home.model_used", k=k))


@st.fragment
def density_estimation(model):
    """Density estimation and anomaly detection; the noise slider reruns only this column."""
    page.heading("home.density.title", level=3)
    st.latex(r"x \mapsto \log p(x)")
    noise = state.slider(t("home.density.noise"), "noise", 0.0, 0.5, 0.1, step=0.01)
    test = loaders.binary_digits("test")
    noisy = metrics.flip_pixels(test, noise, state.seed())
    clean_logp, noisy_logp = model.log_prob(test), model.log_prob(noisy)
    st.image(pictures.digit_picture(np.concatenate([test[:4], noisy[:4]]), columns=4), width="stretch")
    st.caption(t("home.density.pair", clean=clean_logp[:4].mean(), noisy=noisy_logp[:4].mean()))
    auc = metrics.roc_auc(-clean_logp, -noisy_logp)
    st.image(pictures.histogram_svg({t("home.density.clean"): clean_logp, t("home.density.noisy"): noisy_logp},
                                    "log p(x)"), width="stretch")
    st.metric(t("home.density.auc"), f"{auc:.3f}", help=t("home.density.auc_help"))


generation, density, representation = st.columns(3, gap="large")
with generation:
    page.heading("home.generation.title", level=3)
    st.latex(r"x_{new} \sim p(x)")
    st.markdown(t("home.generation.text"))
    st.image(pictures.digit_picture(model.sample(16, state.seed()), columns=4), width="stretch")
    st.caption(t("home.generation.seed"))

with density:
    density_estimation(model)

with representation:
    page.heading("home.representation.title", level=3)
    st.markdown(t("home.representation.text"))
    # a trained network needs torch (a few seconds and ~170 MB the first time): Home opens without it
    show_latent_space = state.toggle(t("home.representation.show"), "latent", False)
    latent_space = st.container()  # filled last: the rest of Home is on screen before torch and the VAE load
    for stem in ("vae", "dcgan_infogan"):
        st.page_link(catalog.page(stem).path, label=t(f"home.representation.{stem}"), icon=":material/arrow_forward:")

# ----------------------------------------------------------------------------
page.heading("home.map.title")
page.prose("home.map.prose")
CARDS_PER_ROW = 4
for kind in catalog.KINDS:
    st.subheader(t(f"home.map.{kind}"))
    st.caption(t(f"home.map.{kind}_help"))
    models = [m for m in catalog.MODELS if m.kind == kind]
    for row in range(0, len(models), CARDS_PER_ROW):
        for model_info, column in zip(models[row : row + CARDS_PER_ROW], st.columns(CARDS_PER_ROW)):
            target = catalog.page(model_info.page)
            with column.container(border=True, height="stretch"):
                st.markdown(f"**{t(f'models.{model_info.key}.name')}**  \n{t(f'models.{model_info.key}.blurb')}")
                if target.built:
                    st.page_link(target.path, label=t("home.map.open"), icon=":material/arrow_forward:",
                                 help=t(f"nav.{target.stem}"))
                else:
                    st.caption(t("home.map.coming", page=t(f"nav.{target.stem}")))

if show_latent_space:
    with latent_space, page.section():  # a broken VAE checkpoint disables this picture only
        vae = loaders.trained(LATENT_MODEL)
        page.show(figures.latent_scatter(vae.embed(loaders.binary_digits("test")), loaders.digit_labels("test"),
                                         {"digit": "{digit}", "z1": "z₁", "z2": "z₂"}, limit=4.0), height=300)
        st.caption(t("home.representation.caption"))

page.code_behind(metrics.flip_pixels, metrics.roc_auc, counted.choose_markov_order)
