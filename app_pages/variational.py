"""Variational inference & ELBO: ln p(x) = ELBO + KL(q‖p(z|x)) on an exact model, a
diagonal Gaussian q fitted live to a posterior that is not Gaussian, and the Gaussian KL
in closed form beside its Monte Carlo estimate."""

import numpy as np
import streamlit as st

from core import derivation as core_derivation
from core.lectures import variational as vi
from ui import derivation, figures, page, queue, state
from ui.i18n import t

page.header("variational")
st.latex(r"\ln p(x) = \underbrace{\mathbb{E}_{q(z\mid x)}\!\left[\ln \frac{p(x,z)}{q(z\mid x)}\right]}_{\text{ELBO}}"
         r" + \underbrace{\mathrm{KL}\big(q(z\mid x)\,\|\,p(z\mid x)\big)}_{\ge 0}")
page.prose("variational.prose")
page.errata("variational.errata.elbo_name")
page.errata("variational.errata.likelihood")

MODEL = vi.LinearGaussian(w=2.0, b=0.0, s=1.0)
FIT_STEPS = 400


@st.fragment
def identity():
    controls, plot = page.controls_and_plot()
    with controls:
        x = state.slider(t("variational.identity.x"), "x", -5.0, 5.0, 2.0, step=0.1)
        mean = state.slider(t("variational.identity.mean"), "q_mean", -3.0, 3.0, 0.0, step=0.05)
        std = state.slider(t("variational.identity.std"), "q_std", 0.05, 2.0, 1.0, step=0.05)
        log_evidence, elbo = MODEL.log_evidence(x), MODEL.elbo(x, mean, std)
        kl = MODEL.kl_to_posterior(x, mean, std)
        post_mean, post_var = MODEL.posterior(x)
        st.metric(t("variational.identity.evidence"), f"{log_evidence:.3f}")
        st.metric("ELBO", f"{elbo:.3f}")
        st.metric("KL(q ‖ p(z|x))", f"{kl:.3f}")
        st.caption(t("variational.identity.posterior", mean=post_mean, std=np.sqrt(post_var)))
    with plot:
        bars, densities = st.columns(2)
        with bars:
            page.show(figures.gap_bars(log_evidence, elbo, kl, {
                "evidence": "ln p(x)", "elbo": "ELBO", "kl": "KL(q‖p(z|x))", "value": t("variational.identity.nats"),
            }), height=380)
        with densities:
            z = np.linspace(-4, 4, 401)
            page.show(figures.lines(z, {
                t("variational.identity.prior"): np.exp(vi.normal_log_pdf(z, 0.0, 1.0)),
                t("variational.identity.true_posterior"): np.exp(vi.normal_log_pdf(z, post_mean, post_var)),
                "q(z)": np.exp(vi.normal_log_pdf(z, mean, std**2)),
            }, "z", t("variational.identity.density")), height=380)
        st.caption(t("variational.identity.caption"))
    derivation.evidence(MODEL, x, mean, std, state.seed())


@st.fragment
def live_fit():
    controls, plot = page.controls_and_plot()
    with controls:
        target = state.choice(t("variational.fit.target"), "target", list(vi.TARGETS_2D), "bimodal",
                              format_func=lambda name: t(f"variational.fit.{name}"), widget=st.segmented_control)
        start_x = state.slider(t("variational.fit.start_x"), "start_x", -3.0, 3.0, 0.5, step=0.1)
        start_y = state.slider(t("variational.fit.start_y"), "start_y", -3.0, 3.0, 1.5, step=0.1)
        settings = (target, start_x, start_y, state.seed())
        if st.button(t("variational.fit.run"), type="primary", width="stretch"):
            with queue.turn():  # a slot of the server's shared training pool, after a queue if it is full
                bar = st.progress(0.0, text=t("variational.fit.running"))
                path = []
                for step in vi.fit_gaussian(vi.TARGETS_2D[target], steps=FIT_STEPS, start=(start_x, start_y),
                                            seed=state.seed()):
                    path.append(step)
                    if step.step % 20 == 0:
                        bar.progress(step.step / FIT_STEPS, text=t("variational.fit.progress", step=step.step,
                                                                     elbo=step.elbo))
                bar.empty()
            st.session_state["variational_fit"] = (settings, path)
        fitted = st.session_state.get("variational_fit")
        path = fitted[1] if fitted and fitted[0] == settings else None
        mean, std = (path[-1].mean, path[-1].std) if path else ((start_x, start_y), (1.0, 1.0))
        elbo, kl = vi.gaussian_elbo_on_grid(vi.TARGETS_2D[target], mean, std)
        st.metric("ELBO", f"{elbo:.3f}")
        st.metric("KL(q ‖ p)", f"{kl:.3f}", help=t("variational.fit.kl_help"))
        if path is None:
            st.info(t("variational.fit.press"))
    with plot:
        axis, log_p, log_z = vi.density_grid(vi.TARGETS_2D[target])
        means = np.array([s.mean for s in path]) if path else None
        # every other grid point drawn (61 x 61): the contours look the same, the press sends a quarter of the bytes
        page.show(figures.density_with_gaussian(axis[::2], np.exp(log_p - log_z)[::2, ::2], mean, std, means, {
            "target": "p(z|x)", "q": "q(z)", "path": t("variational.fit.path"), "start": t("variational.fit.start"),
        }), height=440)
        if path:
            steps = np.array([s.step for s in path])
            page.show(figures.lines(steps, {t("variational.fit.elbo_estimate"): np.array([s.elbo for s in path])},
                                    t("variational.fit.step"), "ELBO", hline=(log_z, "ln Z")), height=240)
        page.note(t("variational.fit.caption"))


@st.fragment
def gaussian_kl():
    controls, plot = page.controls_and_plot()
    with controls:
        mean = state.slider("μ", "kl_mean", -3.0, 3.0, 1.0, step=0.05)
        std = state.slider("σ", "kl_std", 0.1, 3.0, 0.5, step=0.05)
        samples = state.choice(t("variational.kl.samples"), "samples", ["10", "100", "1000", "10000", "100000"],
                               "1000", widget=st.select_slider)
        closed = vi.kl_to_standard_normal(mean, std)
        estimate, error = vi.kl_monte_carlo(mean, std, int(samples), state.seed())
        st.metric(t("variational.kl.closed"), f"{closed:.4f}")
        st.metric(t("variational.kl.monte_carlo", samples=int(samples)), f"{estimate:.4f} ± {error:.4f}")
    with plot:
        z = np.linspace(-6, 6, 481)
        page.show(figures.lines(z, {
            "q = N(μ, σ²)": np.exp(vi.normal_log_pdf(z, mean, std**2)),
            "p = N(0, 1)": np.exp(vi.normal_log_pdf(z, 0.0, 1.0)),
        }, "z", t("variational.identity.density")), height=320)
        page.note(t("variational.kl.caption"))


page.heading("variational.identity.title")
st.latex(r"\begin{gathered}z \sim \mathcal{N}(0, 1),\quad x\mid z \sim \mathcal{N}(2z, 1)\\ \Rightarrow\quad "
         r"p(x)=\mathcal{N}(x;0,5),\quad p(z\mid x)=\mathcal{N}\!\left(\tfrac{2x}{5},\tfrac{1}{5}\right)\end{gathered}")
identity()
page.heading("variational.fit.title")
live_fit()
page.heading("variational.kl.title")
st.latex(r"\begin{aligned}\mathrm{KL}\big(\mathcal{N}(\mu,\sigma^2)\,\|\,\mathcal{N}(0,1)\big)"
         r"&=\tfrac12\left(\mu^2+\sigma^2-1-\ln\sigma^2\right)\\"
         r"&\approx \frac1S\sum_{s=1}^{S}\big[\ln q(z_s)-\ln p(z_s)\big],\quad z_s\sim q\end{aligned}")
gaussian_kl()
page.code_behind(vi.LinearGaussian, core_derivation.evidence_lines, vi.fit_gaussian, vi.kl_to_standard_normal,
                 vi.kl_monte_carlo)
