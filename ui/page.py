"""The frame every page shares: title and intro, prose that classroom mode folds away,
figures sized for the mode, sections that a broken checkpoint turns into an error box,
and "the code behind this demo"."""

from __future__ import annotations

import contextlib
import inspect
import re

import numpy as np
import streamlit as st

from core.checkpoints import CheckpointError
from ui.i18n import t
from ui.state import classroom

CLASSROOM_SCALE = 1.35
# The lettering of an SVG picture in classroom mode: a picture drawn ~550 px wide shows ~0.75 as wide
# in a 1024 px projector's column, so 1.8 x 13 px letters land near Plotly's 1.35 x 14 px.
PICTURE_TEXT_SCALE = 1.8


def anchor(key: str) -> str:
    """The in-page link target of the heading titled by locale key `key`, the same in every
    language (Streamlit makes one from the text otherwise): "independence.count.title" ->
    "independence-count-title"."""
    return key.replace(".", "-").replace("_", "-")


def header(page: str) -> None:
    """Title and one-line intro of `page` (keys `<page>.title`, `<page>.intro`)."""
    st.title(t(f"{page}.title"), anchor=anchor(f"{page}.title"))
    st.markdown(t(f"{page}.intro"))


def heading(key: str, level: int = 2) -> None:
    """A section's heading (level 2) or a part's (level 3), titled by locale key `key`, with its anchor."""
    (st.header if level == 2 else st.subheader)(t(key), anchor=anchor(key))


def controls_and_plot():
    """The layout of every demo: a narrow column of widgets beside a wide one of figures."""
    return st.columns([1, 2], gap="large")


def _foldable(write, text: str) -> None:
    """write(text), inside an expander in classroom mode: the page gets shorter and the
    teacher says it instead."""
    if classroom():
        with st.expander(t("app.read_more")):
            write(text)
    else:
        write(text)


def prose(key: str) -> None:
    """A longer explanation: shown in full, or folded into an expander in classroom mode."""
    _foldable(st.markdown, t(key))


def note(text: str) -> None:
    """An explanation under a figure or table, as a caption, folded in classroom mode like
    prose (a short readout of results stays an st.caption)."""
    _foldable(st.caption, text)


def errata(key: str) -> None:
    """A statement of the lecture notes beside the precise one, in a bordered box where the
    student meets it: keys `<key>.notes` (the notes, quoted) and `<key>.precisely`, with
    `key` like `<page>.errata.<name>`."""
    with st.container(border=True):
        st.markdown(f":material/menu_book: **{t('app.errata.notes')}** {t(f'{key}.notes')}")
        st.markdown(f":material/check_circle: **{t('app.errata.precisely')}** {t(f'{key}.precisely')}")


def show(fig, height: int = 360) -> None:
    """A Plotly figure at the size (and font) of the current mode. Its float arrays go as float32:
    Plotly sends numpy arrays as base64 typed arrays, so every press sends half the bytes, with
    seven significant digits, more than a screen can show."""
    for trace in fig.data:
        for axis in ("x", "y", "z"):
            values = getattr(trace, axis, None)
            if isinstance(values, np.ndarray) and values.dtype == np.float64:
                trace[axis] = values.astype(np.float32)
    scale = CLASSROOM_SCALE if classroom() else 1.0
    fig.update_layout(
        height=int(height * scale),
        font_size=int(14 * scale),
        margin=dict(l=10, r=10, t=40 if fig.layout.title.text or fig.layout.annotations else 10, b=10),
    )
    st.plotly_chart(fig, width="stretch", config={"displaylogo": False})


def text_scale() -> float:
    """How much larger the lettering of an SVG picture is drawn in the current mode."""
    return PICTURE_TEXT_SCALE if classroom() else 1.0


def picture(svg: str) -> None:
    """An SVG picture (ui.pictures) at its own size, never wider than its column: where a figure is
    redrawn on every press and Plotly's interactivity would bring nothing, an image costs the
    browser a fraction of a chart. Draw it with `text=text_scale()`: a picture that its column
    shrinks shrinks its text too, so classroom mode enlarges the lettering, not the picture."""
    width = float(re.search(r'viewBox="0 0 ([0-9.]+) ', svg).group(1))
    st.image(svg, width=int(width))


@contextlib.contextmanager
def section():
    """A part of a page that reads checkpoints, as a `with page.section():` block or a
    decorator `@page.section()` (under `@st.fragment`, so that fragment reruns are guarded
    too). A CheckpointError raised anywhere inside (a missing, truncated or altered weights
    file, a card that is garbage or lacks a metric) ends this part only, with a clear error
    box that names the file and the command that rebuilds it; the rest of the page goes on."""
    try:
        yield
    except CheckpointError as error:
        st.error(t("app.checkpoint_error", message=str(error)), icon=":material/block:")


def code_behind(*functions) -> None:
    """The expander that ends every page: the source of the `core` code it calls."""
    with st.expander(t("app.code_behind")):
        for function in functions:
            st.caption(f"{function.__module__}.{function.__qualname__}")
            st.code(inspect.getsource(function), language="python")


def prev_next(pages: dict, current: str) -> None:
    """Links to the previous and next page in lecture order: `pages` maps each built page's
    stem to its st.Page in catalog order, `current` is the stem of the page that just ran."""
    stems = list(pages)
    i = stems.index(current)
    with st.container(key="prev_next", horizontal=True, horizontal_alignment="distribute" if i > 0 else "right"):
        if i > 0:
            st.page_link(pages[stems[i - 1]], label=t("app.previous", title=t(f"nav.{stems[i - 1]}")),
                         icon=":material/arrow_back:")
        if i + 1 < len(stems):
            st.page_link(pages[stems[i + 1]], label=t("app.next", title=t(f"nav.{stems[i + 1]}")),
                         icon=":material/arrow_forward:", icon_position="right")
