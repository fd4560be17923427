"""What is around every page (language, classroom mode, seed), and widgets whose
values live in the URL, so a copied link reopens the same demo.

A bound widget keeps its value in ``st.session_state[key]``; the first run of a
session reads it from ``?key=`` (checked against the widget's range; a bad value
gets a warning and the default), and every run writes it back to the URL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from ui.i18n import LANGUAGES, language_from_locale, literal, t

SEED_MAX = 2**31 - 1


def _format(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _parse(raw: str, default):
    """The URL text as the type of the default; ValueError if it is not one."""
    if isinstance(default, bool):
        if raw not in ("0", "1", "true", "false"):
            raise ValueError(raw)
        return raw in ("1", "true")
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        value = float(raw)
        if value != value:  # NaN
            raise ValueError(raw)
        return value
    return raw


def bind(key: str, default, *, valid: Callable[[object], bool] = lambda _: True) -> None:
    """Before the widget `key` is drawn: give it the URL's value, or the default."""
    if key in st.session_state:
        return
    raw = st.query_params.get(key)
    value = default
    if raw is not None:
        try:
            parsed = _parse(raw, default)
            if not valid(parsed):
                raise ValueError(raw)
            value = parsed
        except ValueError:
            st.warning(t("app.bad_url_value", name=literal(key), value=literal(raw[:40]), default=literal(_format(default))),
                       icon=":material/warning:")
    st.session_state[key] = value


def publish(key: str) -> None:
    """Write the widget's current value to the URL."""
    st.query_params[key] = _format(st.session_state[key])


def on_grid(value, lo, hi, step=None) -> bool:
    """Whether a widget with this range and step can take `value`: lo <= value <= hi, and
    value = lo + a whole number of steps."""
    if not lo <= value <= hi:
        return False
    steps = 0 if step is None else (value - lo) / step
    return abs(steps - round(steps)) < 1e-6


def slider(label: str, key: str, lo, hi, default, step=None, **kwargs):
    """st.slider bound to ?key=."""
    bind(key, default, valid=lambda v: on_grid(v, lo, hi, step))
    value = st.slider(label, lo, hi, step=step, key=key, **kwargs)
    publish(key)
    return value


def number(label: str, key: str, lo, hi, default, step=None, **kwargs):
    """st.number_input bound to ?key=."""
    bind(key, default, valid=lambda v: on_grid(v, lo, hi, step))
    value = st.number_input(label, lo, hi, step=step, key=key, **kwargs)
    publish(key)
    return value


def choice(label: str, key: str, options: Sequence[str], default: str, format_func=str, widget=st.radio, **kwargs):
    """A radio / selectbox / select slider / segmented control bound to ?key=; options are
    stable codes, `format_func` gives their label in the current language."""
    bind(key, default, valid=lambda v: v in options)
    if widget in (st.segmented_control, st.pills):
        kwargs["required"] = True  # clicking the active option keeps it instead of clearing it to None
    value = widget(label, list(options), key=key, format_func=format_func, **kwargs)
    if value not in options:  # never expected with `required`; a page must still get a valid choice
        value = default
    st.query_params[key] = _format(value)
    return value


def text(label: str, key: str, default: str = "", max_chars: int = 40, **kwargs) -> str:
    """st.text_input bound to ?key= (a longer text in the URL is refused with a warning)."""
    bind(key, default, valid=lambda v: len(v) <= max_chars)
    value = st.text_input(label, key=key, max_chars=max_chars, **kwargs)
    publish(key)
    return value


def grid(label: str, key: str, rows: int, columns: int, default: Sequence[int]) -> list[int]:
    """rows x columns checkboxes laid out as a grid; cell i (row by row, from 0) is checked
    when chosen. The chosen cells are bound to ?key= as comma-separated numbers from 1."""
    cells = rows * columns
    bind(key, ",".join(str(i + 1) for i in default),
         valid=lambda v: all(code.isdigit() and 1 <= int(code) <= cells for code in v.split(",") if code))
    chosen = {int(code) - 1 for code in st.session_state[key].split(",") if code}
    st.markdown(label)
    for row in range(rows):
        for column, box in enumerate(st.columns(columns, gap="small")):
            cell = row * columns + column
            cell_key = f"{key}_{cell + 1}"
            if cell_key not in st.session_state:  # first draw, or the page was left: the bound value decides
                st.session_state[cell_key] = cell in chosen
            box.checkbox(str(cell + 1), key=cell_key)
    chosen = [cell for cell in range(cells) if st.session_state[f"{key}_{cell + 1}"]]
    st.session_state[key] = ",".join(str(cell + 1) for cell in chosen)
    publish(key)
    return chosen


def set_grid(key: str, cells: int, chosen: Sequence[int]) -> None:
    """Check exactly the cells `chosen` of grid `key` (a button's callback, before the grid is drawn)."""
    st.session_state[key] = ",".join(str(cell + 1) for cell in chosen)
    for cell in range(cells):
        st.session_state[f"{key}_{cell + 1}"] = cell in chosen


def toggle(label: str, key: str, default: bool = False, **kwargs) -> bool:
    """st.toggle bound to ?key=."""
    bind(key, default)
    value = st.toggle(label, key=key, **kwargs)
    publish(key)
    return value


# ----------------------------------------------------------------------------
# Around every page


SHARED_KEYS = ("lang", "classroom", "seed")


def init_session() -> None:
    """Before anything is drawn: keep the sidebar's values across pages (Streamlit drops
    a widget's state in a run that does not draw it; re-assigning makes it the
    session's own), and pick the language: ?lang= if valid, else the browser's
    locale, else English."""
    for key in SHARED_KEYS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
    if st.session_state.get("lang") not in LANGUAGES:
        url = st.query_params.get("lang")
        st.session_state.lang = url if url in LANGUAGES else language_from_locale(st.context.locale)


def sidebar() -> None:
    """Language, classroom mode and seed, shared by every page and kept in the URL."""
    with st.sidebar:
        choice(
            t("app.language"), "lang", list(LANGUAGES), st.session_state.lang,
            format_func=LANGUAGES.get, widget=st.segmented_control,
        )
        toggle(t("app.classroom"), "classroom", help=t("app.classroom_help"))
        number(t("app.seed"), "seed", 0, SEED_MAX, 0, step=1, help=t("app.seed_help"))


def classroom() -> bool:
    return bool(st.session_state.get("classroom", False))


def seed() -> int:
    return int(st.session_state.get("seed", 0))
