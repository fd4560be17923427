"""Diffusion models: the forward process that noises a digit (and 2-D points), the reverse process
that a network learned, samples by DDPM (all T steps) and DDIM (a few), their quality against
the steps, the learned score field in 2-D, and the loss as the ELBO of a hierarchical VAE."""

import numpy as np
import streamlit as st

from core import metrics
from core.data import TOY_2D
from core.models.diffusion import ddpm, elbo, toy
from core.recipes import diffusion as recipe
from ui import figures, loaders, page, pictures, state
from ui.i18n import t

T = ddpm.DiffusionConfig().T
SCHEDULES = list(ddpm.SCHEDULES)
STRIP = np.linspace(0, T, 11).astype(int)  # the steps of the forward strip
BOX = (-3.5, 3.5, -3.5, 3.5)  # the 2-D lab's view: the targets and N(0, I)
ANIMATED = 4  # digits in the animation

page.header("diffusion")
st.latex(r"\begin{gathered}q(x_t\mid x_{t-1})=\mathcal N\big(\sqrt{1-\beta_t}\,x_{t-1},\ \beta_t I\big)"
         r"\qquad p_\theta(x_{t-1}\mid x_t)=\mathcal N\big(\mu_\theta(x_t,t),\ \sigma_t^2 I\big)\\"
         r"x_0\ \rightleftarrows\ x_1\ \rightleftarrows\ \cdots\ \rightleftarrows\ x_T\sim\mathcal N(0,I)\end{gathered}")
page.prose("diffusion.prose")


@st.fragment
def forward_process():
    controls, plot = page.controls_and_plot()
    test = loaders.gray_digits("test")
    with controls:
        step = state.slider(t("diffusion.forward.t"), "t", 0, T, 300)
        name = state.choice(t("diffusion.forward.schedule"), "schedule", SCHEDULES, "cosine", widget=st.segmented_control,
                            format_func=lambda s: t(f"diffusion.schedules.{s}"))
        index = state.slider(t("diffusion.forward.digit"), "digit", 0, len(test) - 1, 0)
        schedule = ddpm.SCHEDULES[name](T)
        signal, noise = schedule.scales()
        st.metric("ᾱ_t", f"{float(schedule.alpha_bars[step]):.4f}")
        st.metric(t("diffusion.forward.signal"), f"{signal[step]:.3f}")
        st.metric(t("diffusion.forward.noise"), f"{noise[step]:.3f}")
    with plot:
        strip = ddpm.noised_strip(test[index] / 16, schedule, [step, *STRIP], state.seed())
        left, right = st.columns([1, 3])
        left.image(pictures.digit_picture(ddpm.to_gray(strip[:1]), columns=1, cell=20), width="stretch",
                   caption=t("diffusion.forward.now", t=step))
        right.image(pictures.digit_picture(ddpm.to_gray(strip[1:]), columns=len(STRIP), cell=8, gap=3),
                    width="stretch", caption=t("diffusion.forward.strip"))
        page.show(figures.lines(np.arange(T + 1), {t("diffusion.forward.signal"): signal,
                                                   t("diffusion.forward.noise"): noise,
                                                   "β_t": schedule.betas.numpy()}, "t", "",
                                marker=(step, float(signal[step]), t("common.current"))), height=300)
        page.note(t(f"diffusion.forward.caption_{name}"))


@st.fragment
@page.section()
def samples():
    controls, plot = page.controls_and_plot()
    with controls:
        steps = state.slider(t("diffusion.samples.steps"), "steps", 5, 100, 50)
        count = state.slider(t("diffusion.samples.count"), "count", 4, 16, 8, step=4)
        st.caption(t("diffusion.samples.seed_hint"))
    with plot:
        ddim_column, ddpm_column = st.columns(2)
        with st.spinner(t("diffusion.samples.sampling")):
            fast, fast_seconds = loaders.diffusion_samples("ddim", steps, count, state.seed())
            slow, slow_seconds = loaders.diffusion_samples("ddpm", T, count, state.seed())
        ddim_column.image(pictures.digit_picture(fast, columns=4), width="stretch",
                          caption=t("diffusion.samples.ddim", steps=steps, seconds=fast_seconds))
        ddpm_column.image(pictures.digit_picture(slow, columns=4), width="stretch",
                          caption=t("diffusion.samples.ddpm", steps=T, seconds=slow_seconds))
        page.note(t("diffusion.samples.caption"))

    page.heading("diffusion.reverse.title", level=3)
    controls, plot = page.controls_and_plot()
    with controls:
        sampler = state.choice(t("diffusion.reverse.sampler"), "sampler", ["ddim", "ddpm"], "ddim",
                               widget=st.segmented_control, format_func=lambda s: t(f"diffusion.samplers.{s}"))
        st.latex(r"\hat x_0=\frac{x_t-\sqrt{1-\bar\alpha_t}\,\epsilon_\theta(x_t,t)}{\sqrt{\bar\alpha_t}}")
        st.caption(t("diffusion.reverse.help", steps=steps))
    with plot:
        times, states, estimates = loaders.diffusion_path(sampler, steps, ANIMATED, state.seed(),
                                                          every=1 if sampler == "ddim" else T // 50)
        frames = np.stack([figures.digit_grid(ddpm.to_gray(np.concatenate([x, x0])), columns=ANIMATED)
                           for x, x0 in zip(states, estimates)])
        page.show(figures.denoising_animation(frames, times, t("diffusion.reverse.play"), "t"), height=380)
        st.caption(t("diffusion.reverse.caption"))



@page.section()
def quality_against_steps():
    card = loaders.checkpoint_card("diffusion")["metrics"]
    dcgan_ratio = loaders.checkpoint_card("dcgan")["metrics"]["fd_ratio"]
    curve = {key: [card[f"{recipe.sampler_name(s)}_{key}"] for s in recipe.SAMPLER_STEPS]
             for key in ("fd_ratio", "precision", "recall")}
    ddpm_row = {key: card[f"ddpm_{key}"] for key in ("fd_ratio", "precision", "recall")}
    x = list(recipe.SAMPLER_STEPS)
    left, right = st.columns(2)
    with left:
        ddim_name, ddpm_name = t("diffusion.samplers.ddim"), t("diffusion.samplers.ddpm")
        fig = figures.lines({ddim_name: x, ddpm_name: [T]},
                            {ddim_name: curve["fd_ratio"], ddpm_name: [ddpm_row["fd_ratio"]]},
                            t("diffusion.quality.steps"), t("diffusion.quality.fd_ratio"), log_x=True,
                            modes={ddim_name: "lines+markers", ddpm_name: "markers"},
                            hline=(dcgan_ratio, t("diffusion.quality.dcgan", ratio=dcgan_ratio)))
        fig.add_hline(y=1.0, line_dash="dot", line_color="#2a9d8f", annotation_text=t("diffusion.quality.real"),
                      annotation_position="bottom right")
        page.show(fig, height=320)
    with right:
        series = {f"{t('dcgan_infogan.table.precision')} (DDIM)": curve["precision"],
                  f"{t('dcgan_infogan.table.recall')} (DDIM)": curve["recall"],
                  f"{t('dcgan_infogan.table.precision')} (DDPM)": [ddpm_row["precision"]],
                  f"{t('dcgan_infogan.table.recall')} (DDPM)": [ddpm_row["recall"]]}
        xs = {name: ([T] if "DDPM" in name else x) for name in series}
        page.show(figures.lines(xs, series, t("diffusion.quality.steps"), "", log_x=True,
                                modes={name: "markers" if "DDPM" in name else "lines+markers" for name in series}),
                  height=320)
    st.metric(t("diffusion.quality.card"), f"{card['fd_ratio']:.3f}", help=t("diffusion.quality.card_help"))
    page.note(t("diffusion.quality.caption", draws=recipe.CURVE_DRAWS))


def lab_view(model: toy.ToyDiffusion, step: int, sampler: str) -> None:
    """The 2-D lab at step t: noised data and the learned score; the reverse paths and the samples."""
    data = toy.target_points(model.config, 600, seed=state.seed() + 1)
    labels = {"data": t("diffusion.lab.data"), "points": t("diffusion.lab.noised", t=step),
              "field": t("diffusion.lab.score"), "paths": t("diffusion.lab.paths")}
    left, right = st.columns(2)
    with left:
        page.show(figures.diffusion_plane(BOX, labels, data, points=model.noised(data, step, state.seed()),
                                          field=model.score_field(BOX, step)), height=460)
        st.caption(t("diffusion.lab.score_caption", t=step))
    with right:
        states = loaders.toy_diffusion_paths(model.config.target, state.seed(), sampler)
        shown = states[:, :40]  # 40 of the paths
        page.show(figures.diffusion_plane(BOX, labels | {"points": t("diffusion.lab.samples")}, data,
                                          points=states[-1], paths=shown), height=460)
        st.caption(t(f"diffusion.lab.paths_caption_{sampler}"))
    st.metric(t("diffusion.lab.energy"), f"{metrics.energy_distance(states[-1], data):.4f}",
              help=t("diffusion.lab.energy_help",
                     floor=metrics.energy_distance(toy.target_points(model.config, 600, seed=state.seed() + 2), data)))


@st.fragment
def lab():
    first, second, third = st.columns([2, 1, 2])
    with first:
        target = state.choice(t("diffusion.lab.target"), "toy_target", list(TOY_2D), "moons",
                              widget=st.segmented_control, format_func=lambda n: t(f"gan.lab.targets.{n}"))
    with second:
        sampler = state.choice(t("diffusion.reverse.sampler"), "toy_sampler", ["ddpm", "ddim"], "ddpm",
                               widget=st.segmented_control, format_func=lambda s: t(f"diffusion.samplers.{s}"))
    with third:
        step = state.slider(t("diffusion.lab.t"), "toy_t", 1, T, 100)
    with st.spinner(t("diffusion.lab.training")):
        model = loaders.toy_diffusion(target, state.seed())
    lab_view(model, step, sampler)


def loss_derivation():
    """The two ELBOs side by side and the reduction of one denoising term: no checkpoint, no widget."""
    # side by side on a wide screen; one under the other in classroom mode, where each would scroll
    vae_column, diffusion_column = (st.container(), st.container()) if state.classroom() else st.columns(2, gap="large")
    with vae_column:
        st.markdown(f"**{t('diffusion.loss.vae')}**")
        st.latex(r"\begin{aligned}-\log p_\theta(x)\ \le\ &\underbrace{\mathrm{KL}\big(q_\phi(z|x)\,\|\,p(z)\big)}"
                 r"_{\text{prior fitting}}\\&\underbrace{-\,\mathbb E_{q_\phi(z|x)}\log p_\theta(x|z)}"
                 r"_{\text{reconstruction}}\end{aligned}")
        page.prose("diffusion.loss.vae_text")
    with diffusion_column:
        st.markdown(f"**{t('diffusion.loss.diffusion')}**")
        st.latex(r"\begin{aligned}-\log p_\theta(x_0)&\le\underbrace{L_T}_{\text{prior fitting}}"
                 r"+\sum_{t=2}^{T}\underbrace{L_{t-1}}_{\text{denoising}}+\underbrace{L_0}_{\text{reconstruction}}\\"
                 r"L_T&=\mathrm{KL}\big(q(x_T|x_0)\,\|\,p(x_T)\big)\\"
                 r"L_{t-1}&=\mathbb E_q\,\mathrm{KL}\big(q(x_{t-1}|x_t,x_0)\,\|\,p_\theta(x_{t-1}|x_t)\big)\\"
                 r"L_0&=-\,\mathbb E_q\log p_\theta(x_0|x_1)\end{aligned}")
        page.prose("diffusion.loss.diffusion_text")
    page.heading("diffusion.loss.reduction", level=3)
    st.latex(r"\begin{aligned}q(x_{t-1}\mid x_t,x_0)&=\mathcal N\big(\tilde\mu_t(x_t,x_0),\ \tilde\beta_t I\big),"
             r"\quad \tilde\beta_t=\frac{1-\bar\alpha_{t-1}}{1-\bar\alpha_t}\beta_t,\quad"
             r"\tilde\mu_t=\frac{1}{\sqrt{\alpha_t}}\Big(x_t-\frac{\beta_t}{\sqrt{1-\bar\alpha_t}}\,\epsilon\Big)\\"
             r"p_\theta(x_{t-1}\mid x_t)&=\mathcal N\big(\mu_\theta(x_t,t),\ \sigma_t^2 I\big),"
             r"\quad\sigma_t^2=\tilde\beta_t,\quad"
             r"\mu_\theta=\frac{1}{\sqrt{\alpha_t}}\Big(x_t-\frac{\beta_t}{\sqrt{1-\bar\alpha_t}}"
             r"\,\epsilon_\theta(x_t,t)\Big)\\"
             r"L_{t-1}&=\mathbb E_q\,\frac{\|\tilde\mu_t-\mu_\theta\|^2}{2\sigma_t^2}"
             r"=\mathbb E\Big[\underbrace{\frac{\beta_t^2}{2\sigma_t^2\,\alpha_t\,(1-\bar\alpha_t)}}_{\lambda_t}"
             r"\,\big\|\epsilon-\epsilon_\theta(x_t,t)\big\|^2\Big]\\"
             r"L_{\text{simple}}&=\mathbb E_{t,x_0,\epsilon}\big\|\epsilon-\epsilon_\theta"
             r"\big(\sqrt{\bar\alpha_t}\,x_0+\sqrt{1-\bar\alpha_t}\,\epsilon,\ t\big)\big\|^2"
             r"\quad(\lambda_t\to 1)\end{aligned}")
    page.prose("diffusion.loss.reduction_text")


@st.fragment
@page.section()
def loss_of_one_digit():
    controls, plot = page.controls_and_plot()
    test = loaders.gray_digits("test")
    with controls:
        index = state.slider(t("diffusion.loss.digit"), "elbo_digit", 0, len(test) - 1, 0)
        st.image(pictures.digit_picture(test[index][None], columns=1, vmax=16, cell=16), width=140)
        terms = loaders.diffusion_elbo(index)
        st.metric("L_T", f"{terms.prior:.1e}", help=t("diffusion.loss.prior_help"))
        st.metric("Σ L₍ₜ₋₁₎", f"{terms.denoising:.1f}")
        st.metric("L₀", f"{terms.reconstruction:.2f}", help=t("diffusion.loss.reconstruction_help"))
        st.metric(t("diffusion.loss.total"), f"{terms.total:.1f}",
                  help=t("diffusion.loss.total_help", bits=terms.total / (terms.pixels * np.log(2))))
    with plot:
        page.show(figures.lines(terms.t, {"L<sub>t−1</sub>": terms.steps, "λ<sub>t</sub>": terms.weights,
                                          t("diffusion.loss.squared"): terms.squared_errors},
                                "t", "", log_y=True), height=340)
        st.caption(t("diffusion.loss.caption", gap=terms.kl_gap, simple=terms.simple))


page.heading("diffusion.forward.title")
st.latex(r"q(x_t\mid x_0)=\mathcal N\big(\sqrt{\bar\alpha_t}\,x_0,\ (1-\bar\alpha_t)\,I\big),\qquad"
         r"\bar\alpha_t=\prod_{s=1}^{t}(1-\beta_s)")
forward_process()
page.heading("diffusion.samples.title")
samples()
page.heading("diffusion.quality.title", level=3)
quality_against_steps()
page.heading("diffusion.lab.title")
st.latex(r"s_\theta(x,t)=\nabla_x\log q_t(x)\approx-\frac{\epsilon_\theta(x,t)}{\sqrt{1-\bar\alpha_t}}")
page.prose("diffusion.lab.prose")
lab()
page.heading("diffusion.loss.title")
loss_derivation()
loss_of_one_digit()
page.code_behind(ddpm.q_sample, ddpm.Diffusion.loss, ddpm.ddpm_sample, ddpm.ddim_sample, ddpm.UNet.forward,
                 toy.ToyDiffusion.score, elbo.noise_matching_weight, elbo.elbo_terms)
