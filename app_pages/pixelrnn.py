"""PixelRNN: Row LSTM and Diagonal BiLSTM beside the masked-convolution PixelCNN. The
context each network really uses (measured with autograd), samples, and the leaderboard
of every explicit model so far."""

import numpy as np
import streamlit as st

from core.data import SIDE
from core.models import counted, neural
from core.models.autoregressive import base as autoregressive
from core.models.autoregressive import pixelcnn
from ui import figures, loaders, page, pictures, state
from ui.i18n import t

NETWORKS = ("pixelcnn", "row_lstm", "diagonal_bilstm")
CONTEXT_DIGITS = 8  # the gradient is averaged over this many test digits
CONTEXT_COLORS = [[0, figures.PALETTE[1]], [0.1, figures.PALETTE[1]], [0.1, "#dbe6f5"], [1, figures.PALETTE[0]]]
ALPHA = 0.1

page.header("pixelrnn")
st.latex(r"p(x)=\prod_{i=1}^{n^2} p(x_{i,R} \mid x_{<i})\;p(x_{i,G} \mid x_{<i}, x_{i,R})\;"
         r"p(x_{i,B} \mid x_{<i}, x_{i,R}, x_{i,G})")
page.prose("pixelrnn.prose")
page.errata("pixelrnn.errata.green")


def masks():
    page.heading("pixelrnn.masks.title")
    controls, plot = page.controls_and_plot()
    with controls:
        page.prose("pixelrnn.masks.prose")
    with plot:
        page.show(figures.map_panels([
            dict(z=pixelcnn.causal_mask((5, 5), kind).numpy(), title=t("pixelrnn.masks.mask", kind=kind),
                 colorscale=[[0, "#eef2f8"], [1, figures.PALETTE[0]]], colorbar=False, mark=(2, 2))
            for kind in ("A", "B")
        ]), height=260)


@st.fragment
def receptive_fields(models: dict):
    page.heading("pixelrnn.context.title")
    page.prose("pixelrnn.context.prose")
    controls, plot = page.controls_and_plot()
    with controls:
        row = state.slider(t("pixelrnn.context.row"), "row", 0, SIDE - 1, 4)
        col = state.slider(t("pixelrnn.context.col"), "col", 0, SIDE - 1, 0)
        pixel = row * SIDE + col
        st.caption(t("pixelrnn.context.past", past=pixel))
    panels, notes = [], []
    for name in models:
        gradient = loaders.input_gradient(name, pixel, CONTEXT_DIGITS)  # (64,)
        used = gradient > 1e-6 * max(gradient.max(), 1e-12)
        # red: an earlier pixel the network cannot see; blue: seen, darker = stronger; white: the future
        strength = 0.2 + 0.8 * np.sqrt(gradient / max(gradient.max(), 1e-12))
        z = np.where(np.arange(gradient.size) < pixel, np.where(used, strength, 0.0), np.nan)
        z[pixel:][used[pixel:]] = 1.0  # a leak into the future would show dark blue (tests keep it empty)
        panels.append(dict(z=z, title=t(f"models.{name}.name"), colorscale=CONTEXT_COLORS, colorbar=False,
                           mark=(row, col)))
        notes.append(t("pixelrnn.context.count", model=t(f"models.{name}.name"), used=int(used[:pixel].sum()),
                       past=pixel, future=int(used[pixel:].sum())))
    with plot:
        page.show(figures.map_panels(panels), height=300)
        for note in notes:
            st.markdown(f"- {note}")


@st.fragment
def samples(models: dict):
    page.heading("pixelrnn.samples.title")
    controls, plot = page.controls_and_plot()
    with controls:
        name = state.choice(t("pixelrnn.samples.model"), "model", list(models), next(iter(models)),
                            format_func=lambda m: t(f"models.{m}.name"))
        count = state.slider(t("nade.samples.count"), "count", 4, 32, 16, step=4)
    with plot:
        st.image(pictures.digit_picture(models[name].sample(count, state.seed()), columns=8), width="stretch")


@page.section()
def leaderboard(networks: dict):
    page.heading("pixelrnn.board.title")
    k = loaders.best_markov_order(ALPHA)
    rows = [dict(row, name=t(f"models.{row['model']}.name") + (f" (k = {k})" if row["model"] == "markov" else ""))
            for row in loaders.count_model_rows(k, ALPHA)]
    for name in ("nade", *NETWORKS):
        with page.section():  # a broken card: its row is left out, with the message
            card = loaders.checkpoint_card(name)
            rows.append({"model": name, "name": t(f"models.{name}.name"), "params": card["metrics"]["num_params"],
                         "test_nll": card["metrics"]["test_nll"], "val_nll": card["metrics"]["val_nll"],
                         "seconds": card["train_seconds"]})
    rows.sort(key=lambda r: r["test_nll"])
    number = st.column_config.NumberColumn
    st.dataframe(
        {"name": [r["name"] for r in rows], "test": [r["test_nll"] for r in rows],
         "val": [f"{r['val_nll']:.2f}" if "val_nll" in r else "—" for r in rows],
         "params": [r["params"] for r in rows],
         "seconds": [f"{r['seconds']:.0f}" if "seconds" in r else "—" for r in rows]},  # "—": fitted by counting
        hide_index=True, width="stretch",
        column_config={"name": st.column_config.TextColumn(t("pixelrnn.board.model")),
                       "test": number(t("pixelrnn.board.test"), format="%.2f"),
                       "val": st.column_config.TextColumn(t("pixelrnn.board.val")),
                       "params": number(t("common.num_params"), format="localized"),
                       "seconds": st.column_config.TextColumn(t("pixelrnn.board.seconds"))},
    )
    fig = figures.lines({r["name"]: [r["params"]] for r in rows}, {r["name"]: [r["test_nll"]] for r in rows},
                        t("common.num_params"), t("independence.fit.nll_axis"), log_x=True,
                        modes={r["name"]: "markers" for r in rows})
    fig.update_traces(marker=dict(size=14))
    fig.update_layout(legend=dict(orientation="v", x=1.02, y=1, yanchor="top"))
    page.show(fig, height=380)
    counts = ", ".join(f"{t(f'models.{name}.name')} {model.num_params():,} / {neural.stored_parameters(model):,}"
                       for name, model in networks.items())
    page.note(t("pixelrnn.board.paper") + ("\n\n" + t("pixelrnn.board.free", counts=counts) if counts else ""))


masks()
networks = {}
for name in NETWORKS:
    with page.section():  # a broken network is left out, with the message; the others stay
        networks[name] = loaders.trained(name)
if networks:
    receptive_fields(networks)
    samples(networks)
leaderboard(networks)

page.code_behind(autoregressive.input_gradient, pixelcnn.causal_mask, autoregressive.BinaryAutoregressive.sample,
                 counted.count_model_rows)
