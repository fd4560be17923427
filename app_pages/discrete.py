"""Discrete distributions: Bernoulli, categorical, one RGB pixel, n binary pixels.

Each section is a fragment: moving its slider reruns only that section; its heading and formula,
which never change, are drawn outside it."""

import numpy as np
import streamlit as st

from core.lectures import counting, distributions
from ui import figures, page, state
from ui.i18n import t

page.header("discrete")


@st.fragment
def bernoulli():
    controls, plot = page.controls_and_plot()
    with controls:
        p = state.slider(t("discrete.bernoulli.p"), "p", 0.0, 1.0, 0.3, step=0.01)
        flips = state.slider(t("discrete.bernoulli.flips"), "flips", 1, 5000, 500)
        frequency = distributions.bernoulli_running_frequency(p, flips, state.seed())
        st.metric(t("discrete.bernoulli.frequency", n=flips), f"{frequency[-1]:.3f}", f"{frequency[-1] - p:+.3f}",
                  delta_color="off")
        st.metric(t("common.num_params"), counting.bernoulli_params())
        page.prose("discrete.bernoulli.prose")
    with plot:
        n = np.arange(1, flips + 1)
        low, high = distributions.frequency_band(p, n)
        fig = figures.lines(
            n, {t("discrete.bernoulli.running"): frequency, "p ± 2√(p(1−p)/N)": high},
            t("discrete.bernoulli.flip_axis"), t("discrete.bernoulli.frequency_axis"), hline=(p, f"p = {p:.2f}"),
            log_x=flips > 50,
        )
        fig.add_scatter(x=n, y=low, showlegend=False, hoverinfo="skip",
                        line=dict(color=figures.PALETTE[1], width=2.5))
        fig.update_yaxes(range=[-0.02, 1.02])
        page.show(fig)


@st.fragment
def categorical():
    controls, plot = page.controls_and_plot()
    with controls:
        m = state.slider(t("discrete.categorical.m"), "m", 2, 20, 6)
        rolls = state.slider(t("discrete.categorical.rolls"), "rolls", 10, 10000, 600)
        st.caption(t("discrete.categorical.edit"))
        default_weights = [1.0] * (m - 1) + [3.0]  # a loaded die: the last face is 3x as likely
        table = st.data_editor(
            {"face": list(range(1, m + 1)), "weight": default_weights},
            key=f"weights_{m}", disabled=["face"], hide_index=True, height="auto",  # every row, up to ten
            column_config={
                "face": st.column_config.NumberColumn(t("discrete.categorical.face")),
                "weight": st.column_config.NumberColumn(t("discrete.categorical.weight"), format="%.3g"),
            },
        )
        st.metric(t("common.num_params"), counting.categorical_params(m))
    try:
        probs = distributions.normalize_weights(list(table["weight"]))
    except distributions.InvalidWeights as reason:
        with plot:
            st.error(t(f"discrete.categorical.invalid.{reason}"), icon=":material/block:")
    else:
        counts = distributions.categorical_counts(probs, rolls, state.seed())
        with plot:
            faces = [str(i) for i in range(1, m + 1)]
            page.show(figures.grouped_bars(
                faces, {t("discrete.categorical.truth"): probs, t("discrete.categorical.sampled", n=rolls): counts / rolls},
                t("discrete.categorical.face"), t("discrete.categorical.probability"),
            ))
            st.caption(t("discrete.categorical.tv", tv=distributions.total_variation(probs, counts / rolls)))


@st.fragment
def rgb_pixel():
    controls, plot = page.controls_and_plot()
    with controls:
        bits = state.slider(t("discrete.rgb.bits"), "bits", 1, 8, 8)
        levels = 2**bits
        st.metric(t("discrete.rgb.outcomes", levels=levels), f"{levels**3:,}")
        st.metric(t("common.num_params"), f"{counting.rgb_pixel_params(bits):,}")
        page.prose("discrete.rgb.prose")
    with plot:
        swatch = np.random.default_rng(state.seed()).integers(0, levels, size=(8, 32, 3)) * (255 / (levels - 1))
        st.caption(t("discrete.rgb.swatch", bits=bits))
        st.image(np.kron(swatch, np.ones((24, 24, 1))).astype(np.uint8), width="stretch")  # crisp 24x24 blocks
        all_bits = np.arange(1, 9)
        page.show(figures.lines(
            all_bits, {t("common.num_params"): [float(counting.rgb_pixel_params(b)) for b in all_bits]},
            t("discrete.rgb.bits"), t("common.num_params"), log_y=True,
            marker=(bits, float(counting.rgb_pixel_params(bits)), t("common.current")),
        ), height=300)


@st.fragment
def binary_pixels():
    controls, plot = page.controls_and_plot()
    with controls:
        pixels = state.slider(t("discrete.binary.n"), "n", 1, 784, 64)
        count = counting.full_joint_params(pixels)
        st.metric(t("common.num_params"), counting.scientific(count))
        st.metric(t("discrete.binary.digits"), f"{len(str(count)):,}")
        page.prose("discrete.binary.prose")
    with plot:
        ns = np.arange(1, 785)
        page.show(figures.lines(
            ns, {"log₁₀(2ⁿ − 1)": [counting.log10(counting.full_joint_params(int(k))) for k in ns]},
            t("discrete.binary.n"), t("discrete.binary.log_axis"), hline=(80, t("discrete.binary.atoms")),
            marker=(pixels, counting.log10(count), f"n = {pixels}"),
        ), height=320)
    st.markdown(t("discrete.binary.exact", n=pixels))
    st.code(str(count), language=None, wrap_lines=True)


page.heading("discrete.bernoulli.title")
st.latex(r"X \sim \mathrm{Ber}(p):\quad P(X=1)=p,\quad P(X=0)=1-p")
bernoulli()
page.heading("discrete.categorical.title")
st.latex(r"Y \sim \mathrm{Cat}(p_1,\dots,p_m):\quad P(Y=i)=p_i,\quad \sum_{i=1}^{m} p_i = 1")
categorical()
page.heading("discrete.rgb.title")
st.latex(r"(r, g, b) \sim p(R, G, B):\quad (2^{b})^{3} - 1 \text{ " + t("common.parameters") + "}")
rgb_pixel()
page.heading("discrete.binary.title")
st.latex(r"p(x_1,\dots,x_n),\ x_i \in \{0,1\}:\quad 2^{n} \text{ " + t("discrete.binary.states")
         + r"},\quad 2^{n}-1 \text{ " + t("common.parameters") + "}")
binary_pixels()

page.code_behind(counting.full_joint_params, counting.rgb_pixel_params, distributions.bernoulli_running_frequency,
                 distributions.normalize_weights)
