"""Glossary: the lecture's terms and models in English and Korean, each with its formula, page and paper."""

import streamlit as st

from ui import catalog, glossary, page, state
from ui.i18n import current_language, literal, t

page.header("glossary")
query = state.text(t("glossary.search"), "q", placeholder=t("glossary.search_hint"), max_chars=40)
entries = glossary.search(query)
if not entries:
    st.info(t("glossary.nothing", query=literal(query)))
for entry in entries:
    target = catalog.page(entry["page"])
    with st.container(border=True):
        name, link = st.columns([3, 1], vertical_alignment="center")
        first, second = ("ko", "en") if current_language() == "ko" else ("en", "ko")
        name.markdown(f"**{entry[first]}**  \n{entry[second]}")
        if entry.get("notes"):
            name.caption(t("glossary.from_notes"))
        if target.built:
            link.page_link(target.path, label=t(f"nav.{target.stem}"), icon=":material/arrow_forward:")
        else:
            link.caption(t("home.map.coming", page=t(f"nav.{target.stem}")))
        if entry.get("latex"):  # full width: the longer formulas do not fit in a column
            st.latex(entry["latex"])
        if entry.get("paper"):
            st.caption(t("glossary.paper", paper=entry["paper"]))

page.code_behind(glossary.search)
