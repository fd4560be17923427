"""The frame every page shares: title and intro, prose that classroom mode folds away,
figures sized for the mode, error boxes, and "the code behind this demo"."""

from __future__ import annotations

import inspect

import streamlit as st

from ui.i18n import t
from ui.state import classroom

CLASSROOM_SCALE = 1.35


def header(page: str) -> None:
    """Title and one-line intro of `page` (keys `<page>.title`, `<page>.intro`)."""
    st.title(t(f"{page}.title"))
    st.markdown(t(f"{page}.intro"))


def controls_and_plot():
    """The layout of every demo: a narrow column of widgets beside a wide one of figures."""
    return st.columns([1, 2], gap="large")


def prose(key: str) -> None:
    """A longer explanation: shown in full, or folded into an expander in classroom mode."""
    if classroom():
        with st.expander(t("app.read_more")):
            st.markdown(t(key))
    else:
        st.markdown(t(key))


def show(fig, height: int = 360) -> None:
    """A Plotly figure at the size (and font) of the current mode."""
    scale = CLASSROOM_SCALE if classroom() else 1.0
    fig.update_layout(
        height=int(height * scale),
        font_size=int(14 * scale),
        margin=dict(l=10, r=10, t=40 if fig.layout.title.text or fig.layout.annotations else 10, b=10),
    )
    st.plotly_chart(fig, width="stretch", config={"displaylogo": False})


def model_or_error(name: str):
    """The trained model `name`, or None after a clear error box (missing, truncated or
    altered checkpoint: the message names the file and the command that rebuilds it)."""
    from core.checkpoints import CheckpointError
    from ui.loaders import trained

    try:
        return trained(name)
    except CheckpointError as error:
        st.error(t("app.checkpoint_error", message=str(error)), icon=":material/block:")
        return None


def code_behind(*functions) -> None:
    """The expander that ends every page: the source of the `core` code it calls."""
    with st.expander(t("app.code_behind")):
        for function in functions:
            st.caption(f"{function.__module__}.{function.__qualname__}")
            st.code(inspect.getsource(function), language="python")
