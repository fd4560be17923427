"""Normalizing flows: the change of variables live in 2-D (affine coupling layers fitted to a
target you pick, seen layer by layer), the same family on the digits' 17 gray levels beside the
continuous NADE, and where flows sit on Home's map."""

import numpy as np
import streamlit as st

from core.models.flows import lab
from core.models.flows import realnvp as realnvp_module
from ui import figures, loaders, page, pictures, points, state
from ui.i18n import t

MAX_LAYERS, DEFAULT_LAYERS = 10, 6
STEPS = ("250", "500", "1000", "1500")
SHOWN_POINTS = 600  # of the 2,000 test points, drawn on the planes
DISPLAY_RESOLUTION = 120  # grid cells per side of the density heatmap

page.header("flows")
st.latex(r"\begin{gathered}\log p(x)=\log \mathcal{N}\big(f(x);\,0,\,I\big)+\sum_{k=1}^{K}\log\left|\det "
         r"\frac{\partial h_k}{\partial h_{k-1}}\right|\\ h_0=x,\quad h_k=f_k(h_{k-1}),\quad z=h_K=f(x)\end{gathered}")
page.prose("flows.prose")



def lab_settings():
    """The target, its points, the number of layers and of steps from the widgets; None when
    the student's points are unusable."""
    target = state.choice(t("flows.lab.target"), "flow_target", lab.TARGETS, "moons",
                          format_func=lambda name: t(f"flows.lab.targets.{name}"), widget=st.segmented_control)
    custom = points.typed_or_uploaded("flows.lab", "flow") if target == "custom" else None
    layers = state.slider(t("flows.lab.layers"), "flow_layers", 1, MAX_LAYERS, DEFAULT_LAYERS)
    steps = int(state.choice(t("flows.lab.steps"), "flow_steps", STEPS, "1000", widget=st.select_slider))
    if target == "custom" and custom is None:
        return None
    return target, custom, layers, steps, state.seed()


@st.fragment
def change_of_variables():
    page.heading("flows.lab.title")
    st.latex(r"y_A=x_A,\qquad y_B=x_B\odot e^{s(x_A)}+t(x_A),\qquad "
             r"\log\left|\det\frac{\partial y}{\partial x}\right|=\sum_{j\in B}s_j(x_A)")
    page.prose("flows.lab.prose")
    controls, plot = page.controls_and_plot()
    with controls:
        settings = lab_settings()
        if settings is None:
            return
        layers, steps = settings[2], settings[3]
        with st.spinner(t("flows.lab.training")):
            result = loaders.flow_lab(*settings)
        st.caption(t("flows.lab.seconds", seconds=result.fit.seconds, steps=steps))
        if st.session_state.get("flow_after", 0) > layers:  # fewer layers than the stage shown: show the last
            st.session_state["flow_after"] = layers
        k = state.slider(t("flows.lab.after"), "flow_after", 0, layers, 0, help=t("flows.lab.after_help"))
        terms = lab.likelihood_terms(result.fit.flow, result.test)
        st.metric(t("flows.lab.log_p"), f"{terms['log_p']:.3f}", help=t("flows.lab.log_p_help"))
        st.metric(t("flows.lab.integral"), f"{loaders.flow_integral(*settings):.4f}",
                  help=t("flows.lab.integral_help", cells=loaders.FLOW_INTEGRAL_RESOLUTION**2))
    with plot:
        flow, shown = result.fit.flow, result.test[:SHOWN_POINTS]
        box = lab.box_around(lab.points_after(flow, result.test, k))  # where the points are after layer k
        density_title, grid_title = st.columns(2)
        density_title.markdown(f"**{t('flows.lab.density', k=k)}**")
        grid_title.markdown(f"**{t('flows.lab.grid', k=k) if k else t('flows.lab.grid_data')}**")
        page.show(figures.flow_stage(lab.density_after(flow, k, box, DISPLAY_RESOLUTION),
                                     lab.points_after(flow, shown, k),
                                     lab.warped_grid(flow, lab.box_around(result.test), k), box,
                                     {"points": t("flows.lab.points"), "colorbar": "p_k"}), height=430)
        page.note(t("flows.lab.caption"))
        st.markdown(t("flows.lab.decomposition"))
        st.latex(rf"\underbrace{{{terms['log_p']:.3f}}}_{{\log p(x)}}=\underbrace{{{terms['base']:.3f}}}"
                 rf"_{{\log\mathcal{{N}}(z)}}+\underbrace{{{terms['layers'].sum():.3f}}}"
                 rf"_{{\sum_k \log|\det J_k|}}")
        log_dets, history = st.columns(2)
        with log_dets:
            st.markdown(f"**{t('flows.lab.log_det_title')}**")
            bars = figures.grouped_bars([str(j) for j in range(1, layers + 1)],
                                        {t("flows.lab.log_det_axis"): terms["layers"]}, t("flows.lab.layer"),
                                        t("flows.lab.log_det_axis"))
            bars.update_traces(marker_color=[figures.PALETTE[0] if j <= k else figures.PALETTE[5]  # passed: blue
                                             for j in range(1, layers + 1)], showlegend=False)
            page.show(bars, height=300)
        with history:
            st.markdown(f"**{t('flows.lab.history_title')}**")
            every = max(1, steps // 400)
            page.show(figures.lines(np.arange(1, steps + 1)[::every], {"NLL": result.fit.history[::every]},
                                    t("flows.lab.step"), t("flows.lab.nll_axis")), height=300)
    mixtures(settings)


def mixtures(settings):
    page.heading("flows.lab.gmm_title", level=3)
    nll = loaders.flow_mixtures(*settings)
    names = {"flow": t("flows.lab.gmm_flow", layers=settings[2]),
             **{key: t("flows.lab.gmm_mixture", components=key.split("_")[1]) for key in nll if key != "flow"}}
    st.dataframe({"model": list(names.values()), "nll": [nll[key] for key in names]}, hide_index=True,
                 column_config={"model": st.column_config.TextColumn(t("flows.lab.gmm_model")),
                                "nll": st.column_config.NumberColumn(t("flows.lab.gmm_nll"), format="%.3f")})
    page.note(t("flows.lab.gmm_caption"))


@st.fragment
@page.section()
def digit_flow():
    page.heading("flows.digits.title")
    st.latex(r"y=\frac{\mathrm{level}+u}{17},\ u\sim U[0,1)^{64},\qquad w=\operatorname{logit}(y),\ z=f(w),"
             r"\qquad -\log P(\mathrm{level})\le \mathbb{E}_u\big[-\log p(y)\big]+64\log 17")
    page.prose("flows.digits.prose")
    model = loaders.trained("flow")
    config = model.config
    page.note(t("flows.digits.architecture", layers=config.layers, depth=config.depth, hidden=config.hidden,
                dropout=config.dropout))
    card, nade_card = loaders.checkpoint_card("flow"), loaders.checkpoint_card("nade_continuous")
    controls, plot = page.controls_and_plot()
    with controls:
        count = state.slider(t("flows.digits.count"), "flow_count", 4, 64, 16, step=4)
        temperature = state.slider(t("flows.digits.temperature"), "flow_temperature", 0.5, 1.0, 1.0, step=0.05,
                                   help=t("flows.digits.temperature_help"))
        st.metric(t("flows.digits.nll"), f"{card['metrics']['test_nll']:.2f}", help=t("flows.digits.nll_help"))
        st.metric(t("flows.digits.nade_nll"), f"{nade_card['metrics']['test_nll']:.2f}")
        st.metric(t("flows.digits.params"), f"{card['metrics']['num_params']:,}")
        st.metric(t("flows.digits.nade_params"), f"{nade_card['metrics']['num_params']:,}")
    with plot:
        st.image(pictures.digit_picture(model.sample(count, state.seed(), temperature), columns=8, vmax=16),
                 caption=t("flows.digits.samples"), width="stretch")
        test = loaders.gray_digits("test")
        rows = [(t("flows.digits.independent"), loaders.independent_levels().nll(test)),
                (t("flows.digits.nade"), nade_card["metrics"]["test_nll"]),
                (t("flows.digits.flow"), card["metrics"]["test_nll"])]
        board = figures.grouped_bars([name for name, _ in rows], {"NLL": np.array([v for _, v in rows])},
                                     t("flows.digits.board_model"), "NLL", title=t("flows.digits.board_title"))
        board.update_traces(text=[f"{value:.2f}" for _, value in rows], textposition="outside", showlegend=False)
        board.update_yaxes(range=[0, 1.15 * max(value for _, value in rows)])
        page.show(board, height=300)
        page.note(t("flows.digits.board_caption"))
    one_digit(model, loaders.gray_digits("test"))


def one_digit(model, test: np.ndarray):
    controls, plot = page.controls_and_plot()
    with controls:
        index = state.slider(t("flows.digits.digit"), "flow_digit", 0, len(test) - 1, 0)
        y, z, log_p = model.encode(test[index : index + 1], state.seed())
        st.metric(t("flows.digits.log_p_digit"), f"{log_p[0]:.1f}")
        st.metric(t("flows.digits.roundtrip"), f"{np.abs(model.decode(z) - y).max():.1e}",
                  help=t("flows.digits.roundtrip_help"))
    with plot:
        page.show(figures.map_panels([
            dict(z=test[index], title=t("flows.digits.picture_x"), zmax=16, colorscale=figures.INK, colorbar=False),
            dict(z=y[0], title="y", zmax=1, colorscale=figures.INK, colorbar=False),
            dict(z=z[0], title=t("flows.digits.picture_z"), zmin=-3, zmax=3, colorscale="RdBu"),
        ]), height=280)
        page.note(t("flows.digits.pictures"))


def on_the_map():
    page.heading("flows.map.title")
    st.info(t("flows.map.text"), icon=":material/map:")


change_of_variables()
digit_flow()
on_the_map()

page.code_behind(realnvp_module.AffineCoupling.forward, realnvp_module.AffineCoupling.inverse,
                 realnvp_module.RealNVP.log_prob, realnvp_module.RealNVP.log_prob_after, lab.fit_2d,
                 lab.grid_integral, lab.mass_box, realnvp_module.DigitFlow.to_logit,
                 realnvp_module.DigitFlow.density_log_prob, realnvp_module.DigitFlow.sample)
