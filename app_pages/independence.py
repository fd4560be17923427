"""Independence & the chain rule: parameter counts of each structure, the same
structures fitted to the digits, and a conditional-independence explorer.

Each section is a fragment: moving its widgets reruns only that section; its heading, formula
and prose, which never change, are drawn outside it."""

import numpy as np
import streamlit as st

from core import metrics
from core.lectures import counting, distributions
from core.models import counted
from ui import figures, loaders, page, pictures, state
from ui.i18n import t

FACTORIZATION = {
    "full_joint": r"p(x_1,\dots,x_n)",
    "independent": r"p(x_1,\dots,x_n)=\prod_{i=1}^{n} p(x_i)",
    "chain_rule": r"p(x_1,\dots,x_n)=p(x_1)\,p(x_2\mid x_1)\\ \cdot\,p(x_3\mid x_1,x_2)\cdots p(x_n\mid x_1,\dots,x_{n-1})",
    "markov": r"p(x_1,\dots,x_n)=\prod_{i=1}^{n} p(x_i\mid x_{\max(1,i-k)},\dots,x_{i-1})",
    "tree": r"p(x_1,\dots,x_n)=p(x_r)\prod_{i\neq r} p(x_i\mid x_{\mathrm{pa}(i)})",
}
COUNT = {
    "full_joint": r"2^{n}-1",
    "independent": r"n",
    "chain_rule": r"1+2+4+\dots+2^{n-1}=2^{n}-1",
    "markov": r"(2^{k}-1)+(n-k)\,2^{k}\\ &\phantom{=}\ (k=1:\ 2n-1)",
    "tree": r"1+2(n-1)=2n-1",
}

MAX_PIXELS = 784  # a 28 x 28 image, the size of MNIST

page.header("independence")
page.prose("independence.prose")
page.errata("independence.errata.images")

@st.fragment
def parameter_counts():
    controls, plot = page.controls_and_plot()
    with controls:
        structure = state.choice(t("independence.structure"), "structure", counting.STRUCTURES, "markov",
                                 format_func=lambda s: t(f"structures.{s}"))
        n = state.slider(t("independence.count.n"), "n", 1, MAX_PIXELS, 64)
        if n > 1:
            state.bind("k", 1, valid=lambda v: 0 <= v < MAX_PIXELS)
            # n sets the slider's end, so moving n draws a new slider: hand it the k already chosen (at most n - 1)
            st.session_state.k = min(st.session_state.k, n - 1)
            k = state.slider(t("independence.count.k"), "k", 0, n - 1, 1, disabled=structure != "markov")
        else:
            k = 0
            st.caption(t("independence.count.k_single"))
        count = counting.structure_params(structure, n, k)
        st.metric(t("common.num_params"), f"{count:,}" if count < 10**15 else counting.scientific(count))
    with plot:
        st.latex(r"\begin{gathered}" + FACTORIZATION[structure] + r"\end{gathered}")
        exact = str(count) if count < 10**15 else counting.scientific(count).replace("e+", r"\times 10^{") + "}"
        st.latex(r"\begin{aligned}\#\text{params} &= " + COUNT[structure] + rf"\\ &= {exact}\end{{aligned}}")
        ns = np.arange(1, MAX_PIXELS + 1)
        series = {
            t(f"structures.{s}") + (f" (k={k})" if s == "markov" else ""):
                np.array([float(counting.structure_params(s, int(m), k)) for m in ns])
            for s in counting.STRUCTURES if s != "chain_rule"  # the chain rule's curve is the full joint's
        }
        # a log axis one decade above the current count and every structure but the full joint,
        # which runs off the top: on its scale (up to 10^236) the others would lie flat
        top = 10 * max(float(count), *(v.max() for name, v in series.items() if name != t("structures.full_joint")))
        page.show(figures.lines(
            ns, series, t("independence.count.n"), t("independence.count.log_axis"), log_x=True, log_y=True,
            y_top=top, marker=(n, float(count), t("common.current")),
        ), height=340)
        page.note(t("independence.count.chain_note"))
        page.errata("independence.errata.chain_count")


@st.fragment
def fitted_to_digits():
    controls, plot = page.controls_and_plot()
    with controls:
        fitted = state.choice(t("independence.structure"), "model", counted.STRUCTURES, "markov",
                              format_func=lambda s: t(f"structures.{s}"))
        order = state.slider(t("independence.fit.k"), "order", 0, 63, 8, disabled=fitted != "markov")
        alpha = state.choice(t("independence.fit.alpha"), "alpha", ("0.01", "0.1", "1"), "0.1",
                             widget=st.select_slider, help=t("independence.fit.alpha_help"))
        model = loaders.pixel_model(fitted, order, float(alpha))
        nll = {part: loaders.pixel_model_nll(fitted, order, float(alpha), part) for part in ("train", "test")}
        params = model.num_params()
        shown = f"{params:,}" if params < 10**9 else counting.scientific(params)  # one format for the count
        st.metric(t("common.num_params"), shown)
        left, right = st.columns(2)
        left.metric(t("independence.fit.train_nll"), f"{nll['train']:.2f}")
        right.metric(t("independence.fit.test_nll"), f"{nll['test']:.2f}")
        if fitted == "markov":
            st.caption(t("independence.fit.contexts", seen=model.contexts_seen(), total=shown))
    with plot:
        sweep = loaders.markov_sweep(float(alpha))
        hover = [f"k = {k}" for k in sweep["k"]]
        x = {t("independence.fit.train_curve"): sweep["params"], t("independence.fit.test_curve"): sweep["params"]}
        fig = figures.lines(
            x, {t("independence.fit.train_curve"): sweep["train_nll"], t("independence.fit.test_curve"): sweep["test_nll"]},
            t("independence.fit.params_axis"), t("independence.fit.nll_axis"), log_x=True,
            marker=(float(params), nll["test"], t("common.current")),
            modes={name: "lines+markers" for name in x}, hover={name: hover for name in x},
        )
        for s, symbol in zip(("tree", "full_joint"), ("square", "x")):
            other_params = float(loaders.pixel_model(s, 0, float(alpha)).num_params())
            for part, color in (("train", figures.PALETTE[0]), ("test", figures.PALETTE[1])):
                name = f"{t(f'structures.{s}')}, {t(f'independence.fit.{part}')}"
                other_nll = loaders.pixel_model_nll(s, 0, float(alpha), part)
                fig.add_scatter(x=[other_params], y=[other_nll], mode="markers", name=name,
                                marker=dict(size=12, symbol=symbol, color=color), hovertemplate=name + "<extra></extra>")
        page.show(fig, height=400)
        best = int(sweep["k"][np.argmin(sweep["test_nll"])])
        st.caption(t("independence.fit.u_curve", best=best, nll=sweep["test_nll"].min()))

    samples_col, maps_col = page.controls_and_plot()
    with samples_col:
        samples = model.sample(16, state.seed())
        st.markdown(f"**{t('independence.fit.samples')}**")
        st.image(pictures.digit_picture(samples, columns=4), width="stretch")
        copies = int((loaders.pixel_model("full_joint").count(samples) > 0).sum())
        st.caption(t("independence.fit.copies", copies=copies, n=len(samples)))
    with maps_col:
        test = loaders.binary_digits("test")
        index = state.slider(t("independence.fit.test_digit"), "digit", 0, len(test) - 1, 0)
        digit = test[index : index + 1]
        if isinstance(model, counted.PixelBayesNet):
            p_one = model.conditionals(digit)[0]
            surprise = metrics.surprise(digit[0], p_one)
            # a picture, not a chart: an 8 × 8 map per panel, redrawn on every press of k
            page.picture(pictures.map_panels_svg([
                dict(z=digit[0], title=t("independence.fit.digit"), colorscale=figures.INK, colorbar=False),
                dict(z=p_one, title=t("independence.fit.p_one")),
                dict(z=np.minimum(surprise, 5.0), title=t("independence.fit.surprise"), zmax=5.0, colorscale="Reds"),
            ], text=page.text_scale()))
            st.caption(t("independence.fit.maps_caption", logp=float(model.log_prob(digit)[0])))
        else:
            seen = int(model.count(digit)[0])
            st.image(pictures.digit_picture(digit, columns=1, cell=24), caption=t("independence.fit.digit"))
            st.info(t("independence.fit.memorizer", seen=seen, logp=float(model.log_prob(digit)[0]),
                      in_train=int((model.count(test) > 0).sum()), n_test=len(test)))


def replace_ci_table(make_independent: bool) -> None:
    """Button callback (runs before the rerun): put a new table in the editor, either
    the conditionally independent version of the one shown, or a random one."""
    try:
        joint = distributions.joint_from_weights(st.session_state.ci_shown)
    except distributions.InvalidWeights:
        return  # the page already says what is wrong with the table
    new = (distributions.conditionally_independent_version(joint) if make_independent
           else np.random.default_rng([state.seed(), st.session_state.ci_version]).random((2, 2, 2)))
    st.session_state.ci_weights = [round(float(w), 4) for w in new.reshape(-1)]
    st.session_state.ci_version += 1  # a new editor key, so the editor shows the new table


@st.fragment
def conditional_independence():
    if "ci_weights" not in st.session_state:
        st.session_state.ci_weights = [6.0, 1.0, 2.0, 3.0, 2.0, 4.0, 1.0, 5.0]  # rows (x, y, z) in binary order
        st.session_state.ci_version = 0
    table_col, result_col = page.controls_and_plot()
    with table_col:
        rows = [f"{x}, {y}, {z}" for x in (0, 1) for y in (0, 1) for z in (0, 1)]  # binary order
        edited = st.data_editor(
            {"xyz": rows, "weight": st.session_state.ci_weights},
            key=f"ci_table_{st.session_state.ci_version}", disabled=["xyz"], hide_index=True, width="stretch",
            column_config={
                "xyz": st.column_config.TextColumn("x, y, z"),
                "weight": st.column_config.NumberColumn(t("independence.ci.weight"), format="%.4g"),
            },
        )
        st.session_state.ci_shown = list(edited["weight"])
        st.button(t("independence.ci.make_independent"), width="stretch", on_click=replace_ci_table, args=(True,),
                  help=t("independence.ci.make_independent_help"))
        st.button(t("independence.ci.random"), width="stretch", on_click=replace_ci_table, args=(False,))
    try:
        joint = distributions.joint_from_weights(st.session_state.ci_shown)
    except distributions.InvalidWeights as reason:
        with result_col:
            st.error(t(f"discrete.categorical.invalid.{reason}"), icon=":material/block:")
    else:
        with result_col:
            given_yz, given_z = distributions.x_given_yz(joint), distributions.x_given_z(joint)
            labels = [f"y={y}, z={z}" for y in (0, 1) for z in (0, 1)]
            page.show(figures.grouped_bars(
                labels, {"p(x=1 | y, z)": given_yz.reshape(-1), "p(x=1 | z)": np.repeat(given_z[None, :], 2, 0).reshape(-1)},
                "", t("discrete.categorical.probability"),
            ), height=300)
            cmi = distributions.conditional_mutual_information(joint)
            holds = cmi < 1e-6
            (st.success if holds else st.warning)(t("independence.ci.holds" if holds else "independence.ci.fails", cmi=cmi))
            bayes = distributions.bayes_z_given_x(joint)
            st.markdown(t("independence.ci.bayes"))
            st.dataframe(
                {
                    "x": [0, 0, 1, 1], "z": [0, 1, 0, 1],
                    "p(x|z)": bayes["likelihood"].reshape(-1), "p(z)": np.tile(bayes["prior"], 2),
                    "p(x)": np.repeat(bayes["evidence"], 2),
                    "p(x|z)p(z)/p(x)": bayes["bayes"].reshape(-1), "p(x,z)/p(x)": bayes["direct"].reshape(-1),
                },
                hide_index=True, width="stretch",
                column_config={c: st.column_config.NumberColumn(format="%.4f")
                               for c in ("p(x|z)", "p(z)", "p(x)", "p(x|z)p(z)/p(x)", "p(x,z)/p(x)")},
            )


page.heading("independence.count.title")
parameter_counts()
page.heading("independence.fit.title")
page.prose("independence.fit.prose")
fitted_to_digits()
page.heading("independence.ci.title")
st.latex(r"\begin{gathered}x \perp y \mid z \iff p(x \mid y, z) = p(x \mid z)"
         r"\\ p(z \mid x) = \frac{p(x \mid z)\,p(z)}{p(x)}\end{gathered}")
page.prose("independence.ci.prose")
conditional_independence()

page.code_behind(counting.markov_params, counted.MarkovChain, counted.ChowLiuTree,
                 counted.markov_sweep, distributions.conditional_mutual_information)
