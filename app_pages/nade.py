"""Autoregressive models: NADE. Weight sharing and its parameter count, samples and a
pixel-by-pixel drawing, density estimation of a digit you draw, and continuous output."""

import numpy as np
import streamlit as st

from core import metrics
from core.data import NUM_PIXELS, SIDE
from core.lectures import counting
from core.models.autoregressive import nade as nade_module
from ui import figures, loaders, page, pictures, state
from ui.i18n import t

page.header("nade")
st.latex(r"\begin{gathered}p(x)=\prod_{i=1}^{n} p(x_i \mid x_{<i})\\"
         r"p(x_i=1 \mid x_{<i})=\sigma(V_i h_i + b_i),\qquad h_i=\sigma(W_{:,<i}\,x_{<i}+c)\end{gathered}")
page.prose("nade.prose")
page.errata("nade.errata.inputs")


@st.fragment
def parameter_counts():
    page.heading("nade.count.title")
    controls, plot = page.controls_and_plot()
    with controls:
        hidden = state.slider(t("nade.count.hidden"), "hidden", 1, 500, 100)
        params = nade_module.nade_params(NUM_PIXELS, hidden)
        st.metric(t("nade.count.params_64"), f"{params:,}")
        st.latex(r"2nH + n + H")
        page.prose("nade.count.prose")
    with plot:
        ns = np.arange(1, 785)
        series = {
            t("nade.count.nade", hidden=hidden): [float(nade_module.nade_params(int(n), hidden)) for n in ns],
            t("structures.chain_rule"): [float(counting.chain_rule_params(int(n))) for n in ns],
            t("nade.count.markov"): [float(counting.markov_params(int(n), min(8, int(n) - 1))) for n in ns],
            t("structures.independent"): ns.astype(float),
        }
        page.show(figures.lines(ns, series, t("independence.count.n"), t("common.num_params"), log_x=True, log_y=True,
                                marker=(NUM_PIXELS, float(params), t("common.current"))), height=340)
        st.caption(t("nade.count.caption"))


@st.fragment
def samples(model):
    page.heading("nade.samples.title")
    controls, plot = page.controls_and_plot()
    with controls:
        count = state.slider(t("nade.samples.count"), "count", 4, 64, 16, step=4)
        temperature = state.slider(t("nade.samples.temperature"), "temperature", 0.1, 2.0, 1.0, step=0.05)
        st.caption(t("nade.samples.temperature_help"))
    with plot:
        st.image(pictures.digit_picture(model.sample(count, state.seed(), temperature), columns=8), width="stretch")
    one = model.sample(1, state.seed(), temperature)[0]
    page.show(figures.sampling_animation(one, model.conditionals(one[None])[0],
                                         (t("nade.samples.drawn"), t("nade.samples.p_one")), t("nade.samples.play"),
                                         t("nade.samples.counter")),
              height=360)
    st.caption(t("nade.samples.animation_caption"))


@st.fragment
def density(model):
    page.heading("nade.density.title")
    test = loaders.binary_digits("test")
    controls, plot = page.controls_and_plot()
    with controls:
        index = state.slider(t("nade.density.start_from"), "digit", 0, len(test) - 1, 0)
        st.caption(t("nade.density.edit"))
        grid = st.data_editor(
            {str(c): [bool(v) for v in test[index].reshape(SIDE, SIDE)[:, c]] for c in range(SIDE)},  # lists: a
            # dict of numpy arrays would be read as one row
            key=f"grid_{index}", hide_index=True, width="stretch",
            column_config={str(c): st.column_config.CheckboxColumn(" ", width=34) for c in range(SIDE)},
        )
        drawn = np.stack([np.asarray(grid[str(c)], dtype=bool) for c in range(SIDE)], axis=1).reshape(1, -1)
        drawn = drawn.astype(np.uint8)
        log_p = float(model.log_prob(drawn)[0])
        st.metric(t("nade.density.log_p"), f"{log_p:.1f}")
    with plot:
        p_one = model.conditionals(drawn)[0]
        surprise = metrics.surprise(drawn[0], p_one)
        # a picture, not a chart: an 8 × 8 map per panel, redrawn on every press
        page.picture(pictures.map_panels_svg([
            dict(z=drawn[0], title=t("independence.fit.digit"), colorscale=figures.INK, colorbar=False),
            dict(z=p_one, title=t("nade.density.p_one")),
            dict(z=np.minimum(surprise, 5.0), title=t("independence.fit.surprise"), zmax=5.0, colorscale="Reds"),
        ], text=page.text_scale()))
        noise = state.slider(t("home.density.noise"), "noise", 0.0, 0.5, 0.1, step=0.01)
        clean, noisy = model.log_prob(test), model.log_prob(metrics.flip_pixels(test, noise, state.seed()))
        page.show(figures.histogram_overlay({t("home.density.clean"): clean, t("home.density.noisy"): noisy},
                                            "log p(x)", marker=(log_p, t("nade.density.yours"))), height=280)
        st.metric(t("home.density.auc"), f"{metrics.roc_auc(-clean, -noisy):.3f}", help=t("home.density.auc_help"))


@st.fragment
@page.section()
def continuous_output():
    page.heading("nade.continuous.title")
    st.latex(r"p(x_i \mid x_{<i}) = \sum_{k=1}^{K} \pi_{ik}\,\mathcal{N}(x_i;\ \mu_{ik}, \sigma_{ik}^2)")
    model = loaders.trained("nade_continuous")
    test = loaders.gray_digits("test")
    controls, plot = page.controls_and_plot()
    with controls:
        index = state.slider(t("nade.continuous.digit"), "gray_digit", 0, len(test) - 1, 0)
        pixel = state.slider(t("nade.continuous.pixel"), "pixel", 0, NUM_PIXELS - 1, 27)
        st.image(pictures.digit_picture(np.where(np.arange(NUM_PIXELS) < pixel, test[index], 0)[None], columns=1,
                                        vmax=16, cell=20), caption=t("nade.continuous.context"))
        baseline = loaders.independent_levels()
        card = loaders.checkpoint_card("nade_continuous")
        st.metric(t("nade.continuous.nll"), f"{card['metrics']['test_nll']:.1f}",
                  help=t("nade.continuous.nll_help"))
        st.metric(t("nade.continuous.baseline"), f"{baseline.nll(test):.1f}")
    with plot:
        grid = np.linspace(0, 1, 400)
        levels = grid * 17
        density = model.pixel_density(test[index], pixel, grid) / 17  # per gray level
        fig = figures.lines(levels, {t("nade.continuous.density"): density}, t("nade.continuous.level"),
                            t("nade.continuous.density_axis"))
        fig.add_bar(x=np.arange(17) + 0.5, y=baseline.p[pixel], name=t("nade.continuous.marginal"), opacity=0.4,
                    marker_color=figures.PALETTE[2])
        fig.add_vline(x=test[index][pixel] + 0.5, line_dash="dash",
                      annotation_text=t("nade.continuous.true", level=int(test[index][pixel])))
        page.show(fig, height=360)
        st.caption(t("nade.continuous.caption"))


parameter_counts()
with page.section():  # samples and density share the binary NADE
    binary = loaders.trained("nade")
    samples(binary)
    density(binary)
continuous_output()

page.code_behind(nade_module.running_preactivations, nade_module.NADE, nade_module.ContinuousNADE.mixture)
