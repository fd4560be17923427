"""Entry point: page config, what is around every page (language, classroom mode,
seed), and the navigation over app_pages/ built from ui/catalog.py."""

import gc
import sys

import streamlit as st

from ui import catalog, page, practice, queue, state, style
from ui.i18n import current_language, t


@st.cache_resource(show_spinner=False)
def frozen_modules() -> list[int]:
    """How many modules were imported when the long-lived objects were last frozen (one per process)."""
    return [0]


def freeze_long_lived() -> None:
    """After a full run that imported many modules (torch, Plotly, the models behind a page), move
    every object then alive into the collector's permanent generation (gc.freeze). Streamlit runs
    a full gc.collect after every run, fragment reruns included, holding the GIL: with torch
    loaded it walked ~10⁶ objects of modules for 80–180 ms before the run's last messages could
    leave the server. Frozen objects are still freed when their last reference goes; only cycles
    among objects alive at a freeze (a handful of freezes per process) are never collected."""
    imported = frozen_modules()
    if len(sys.modules) > imported[0] + 50:
        gc.collect()
        gc.freeze()
        imported[0] = len(sys.modules)


state.init_session()
# An ASCII icon: an emoji as page_icon makes Streamlit load its emoji catalog (a 0.24 s regex) on the first run.
st.set_page_config(page_title=t("app.title"), page_icon=":material/casino:", layout="wide")

pages = {info.stem: st.Page(info.path, title=t(f"nav.{info.stem}"), icon=info.icon, default=info.stem == "home")
         for info in catalog.built_pages()}
sections: dict[str, list] = {}
for info in catalog.built_pages():
    sections.setdefault(t(f"nav.section.{info.section}") if info.section else "", []).append(pages[info.stem])
navigation = st.navigation(sections, expanded=True)
state.sidebar()
style.inject(current_language(), state.classroom())
navigation.run()
current = next(stem for stem, built in pages.items() if built is navigation)
practice.check_yourself(current)
page.prev_next(pages, current)
freeze_long_lived()
queue.note_run()  # closed sessions and freed memory are handed back a while after the last run
