"""Entry point: page config, what is around every page (language, classroom mode,
seed), and the navigation over app_pages/ built from ui/catalog.py."""

import streamlit as st

from ui import catalog, page, practice, state, style
from ui.i18n import current_language, t

state.init_session()
st.set_page_config(page_title=t("app.title"), page_icon="🎲", layout="wide")

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
