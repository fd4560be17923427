"""VAE: the ELBO as the lecture splits it (reconstruction term − prior fitting term), the
KL weight β choosing among trained checkpoints, the latent space and its decoded manifold,
the rate–distortion curve of every β, and a fresh VAE trained live at the chosen β."""

import numpy as np
import streamlit as st

from core import derivation as core_derivation
from core import live
from core.models.latent import vae as vae_module
from ui import derivation, loaders, page, pictures, queue, state
from ui.i18n import t

BETAS = [f"{beta:g}" for beta in vae_module.BETAS]
LATENT_LABELS = {"digit": "{digit}", "background": "", "heat": "", "z1": "z₁", "z2": "z₂"}

page.header("vae")
st.latex(r"\begin{gathered}\mathrm{ELBO}=\underbrace{\mathbb{E}_{q_\phi(z\mid x)}\big[\ln p_\theta(x\mid z)\big]}"
         r"_{\text{Reconstruction Term}}"
         r"-\underbrace{\mathrm{KL}\big(q_\phi(z\mid x)\,\|\,p(z)\big)}_{\text{Prior Fitting Term}}\\"
         r"\text{loss}=\underbrace{-\mathbb{E}_q\ln p_\theta(x\mid z)}_{D}+\beta\,\underbrace{\mathrm{KL}}_{R}"
         r"\end{gathered}")
page.prose("vae.prose")
page.errata("vae.errata.recon_ln")
page.errata("vae.errata.implicit")


def rate_distortion_figure(current: str, extra: tuple[float, float, str] | None = None) -> str:
    """Every β's checkpoint as a point (R, D), the current one marked, independent pixels as a
    line, as an SVG: its only change on a press of β is where the marker sits."""
    cards = {beta: loaders.checkpoint_card(vae_module.beta_name(float(beta)))["metrics"] for beta in BETAS}
    rates = np.array([cards[b]["rate"] for b in BETAS])
    distortions = np.array([cards[b]["distortion"] for b in BETAS])
    independent = loaders.pixel_model_nll("independent", 1, 0.1, "test")
    return pictures.curve_svg(
        rates, distortions, [f"β={b}" for b in BETAS],
        {"curve": t("vae.rd.curve"), "current": t("vae.rd.current", beta=current), "x": t("vae.rd.rate"),
         "y": t("vae.rd.distortion")},
        current=(cards[current]["rate"], cards[current]["distortion"]),
        reference=(independent, t("vae.rd.independent", nll=independent)), extra=extra,
        x_range=(-0.5, 1.25 * rates.max()),  # room for the labels of the end points
        text=page.text_scale())


def live_training(beta: str):
    st.subheader(t("vae.live.title", beta=beta))
    st.caption(t("vae.live.caption", epochs=live.LIVE_VAE_EPOCHS))
    if st.button(t("vae.live.run", beta=beta), width="stretch"):
        with queue.turn():  # the server's slots are shared by every session: wait for one, in a queue
            bar = st.progress(0.0, text=t("vae.live.starting"))

            def progress(epoch, row):
                bar.progress(epoch / live.LIVE_VAE_EPOCHS, text=t("vae.live.progress", epoch=epoch,
                                                                   total=live.LIVE_VAE_EPOCHS, loss=row["val_objective"]))

            result = live.train_vae_apart(float(beta), seed=state.seed(), progress=progress)
            bar.empty()
        rate, distortion = result.model.rate_distortion(loaders.binary_digits("test"), samples=1, seed=0)
        st.session_state["vae_live"] = dict(beta=beta, model=result.model, seconds=result.seconds,
                                            rate=float(rate.mean()), distortion=float(distortion.mean()))
    trained = st.session_state.get("vae_live")
    if trained is None or trained["beta"] != beta:
        return None
    st.success(t("vae.live.done", seconds=trained["seconds"], rate=trained["rate"], distortion=trained["distortion"]))
    st.image(pictures.digit_picture(trained["model"].sample(16, state.seed(), mean=True), columns=8),
             caption=t("vae.live.samples"), width="stretch")
    return trained["rate"], trained["distortion"], t("vae.live.yours", beta=beta)


# The pictures of one β's checkpoint (and seed), drawn once per process: a press of β draws cached
# pictures instead of decoding 144 latent points and re-plotting the encoded test digits.
@st.cache_data(show_spinner=False, max_entries=32)
def latent_picture(beta: str, height: int, text: float) -> str:
    """The posterior means of the test digits, coloured by class, as an SVG."""
    model = loaders.trained(vae_module.beta_name(float(beta)))
    return pictures.latent_svg(model.embed(loaders.binary_digits("test")), loaders.digit_labels("test"),
                               LATENT_LABELS, 4.0, height=height, text=text)


@st.cache_data(show_spinner=False, max_entries=32)
def manifold_picture(beta: str, side: int) -> np.ndarray:
    """The decoder's means over a side × side grid of prior quantiles."""
    model = loaders.trained(vae_module.beta_name(float(beta)))
    return pictures.digit_picture(model.decode_probs(vae_module.prior_quantile_grid(side)), columns=side, cell=6, gap=2)


@st.cache_data(show_spinner=False, max_entries=64)
def samples_picture(beta: str, seed: int) -> np.ndarray:
    """16 samples (the decoder's means) of the checkpoint of β."""
    model = loaders.trained(vae_module.beta_name(float(beta)))
    return pictures.digit_picture(model.sample(16, seed, mean=True), columns=8)


@st.fragment
@page.section()
def beta_demo():
    controls, plot = page.controls_and_plot()
    with controls:
        beta = state.choice(t("vae.beta.beta"), "beta", BETAS, "1", widget=st.select_slider)
        name = vae_module.beta_name(float(beta))
        model, metrics = loaders.trained(name), loaders.checkpoint_card(name)["metrics"]
        st.metric(t("vae.beta.recon"), f"{metrics['distortion']:.2f}", help=t("vae.beta.recon_help"))
        st.metric(t("vae.beta.prior_fit"), f"{metrics['rate']:.2f}", help=t("vae.beta.prior_fit_help"))
        st.metric("−ELBO", f"{metrics['neg_elbo']:.2f}")
        st.metric(t("vae.beta.active"), f"{metrics['active_units']} / 2", help=t("vae.beta.active_help"))
        st.metric(t("vae.beta.fd"), f"{metrics['classifier_fd']:.1f}",
                  help=t("vae.beta.fd_help", real=metrics["classifier_fd_real"]))
    with plot:
        yours = live_training(beta)
        with page.section():  # reads every β's card: a broken one disables this figure only
            page.picture(rate_distortion_figure(beta, yours))
            page.note(t("vae.rd.caption"))
    test = loaders.binary_digits("test")
    st.subheader(t("vae.views.title", beta=beta))
    left, right = st.columns(2, gap="large")
    with left:
        first = state.slider(t("vae.views.first"), "first", 0, len(test) - 8, 0)
        originals = test[first : first + 8]
        reconstructions = model.decode_probs(model.embed(originals))
        st.image(pictures.digit_picture(np.concatenate([originals, reconstructions]), columns=8), width="stretch",
                 caption=t("vae.views.reconstructions"))
        st.image(samples_picture(beta, state.seed()), width="stretch", caption=t("vae.views.samples"))
        page.picture(latent_picture(beta, 420, page.text_scale()))
        st.caption(t("vae.views.latent_caption"))
    with right:
        st.image(manifold_picture(beta, 12), width="stretch", caption=t("vae.views.manifold"))
    derivation.elbo(model, test[first], state.seed())


page.heading("vae.beta.title")
beta_demo()
page.prose("vae.why_gaussian")
page.code_behind(vae_module.VAE.loss, vae_module.gaussian_kl, vae_module.reparameterize, live.train_vae,
                 core_derivation.elbo_lines)
