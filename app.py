"""Entry point: page config, what is around every page (language, classroom mode,
seed), and the navigation over app_pages/ built from ui/catalog.py."""

import streamlit as st

from ui import catalog, state
from ui.i18n import t

state.init_session()
st.set_page_config(page_title=t("app.title"), page_icon="🎲", layout="wide")

sections: dict[str, list] = {}
for info in catalog.built_pages():
    sections.setdefault(t(f"nav.section.{info.section}") if info.section else "", []).append(
        st.Page(info.path, title=t(f"nav.{info.stem}"), icon=info.icon, default=info.stem == "home")
    )
navigation = st.navigation(sections)
state.sidebar()
navigation.run()
