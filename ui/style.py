"""Page-wide CSS, injected once per run by app.py, for a projector: formulas, tables and
code scroll sideways with a visible bar instead of being cut off, Korean wraps between
words, and classroom mode enlarges all text. Static CSS only, chosen by two flags."""

from __future__ import annotations

import streamlit as st

# Streamlit hides every scrollbar until the pointer hovers over it, so a formula wider
# than its column looks cut off. Wide content keeps a visible bar and never wraps.
BASE = """
[data-testid="stMain"] .katex-display,
[data-testid="stMain"] [data-testid="stMarkdownContainer"] table,
[data-testid="stMain"] [data-testid="stTable"],
[data-testid="stMain"] .dvn-scroller,
[data-testid="stMain"] pre {
    overflow-x: auto;
    scrollbar-width: auto;
    scrollbar-color: rgba(17, 24, 39, 0.45) transparent;
}
/* KaTeX lets some constructs (aligned, fractions, subscripts under a fraction) stick out a few px to the
   right and below: the padding keeps that inside, whatever fonts the machine has. */
[data-testid="stMain"] .katex-display { overflow-y: hidden; padding: 0.1em 0.2em 0.6em; }
/* On a projector-sized window (1024 or 1280 px) the page keeps its width for content. */
@media (max-width: 1400px) {
    [data-testid="stMainBlockContainer"] { padding-left: 2rem; padding-right: 2rem; }
}
[data-testid="stMain"] [data-testid="stMarkdownContainer"] table { display: block; max-width: 100%; }
/* Labels wrap instead of ending in "…" (metrics, buttons, segmented controls, page links);
   a metric's value shows in full. */
html body [data-testid="stMain"] :is(.stMarkdownEllipsis, button, [data-testid^="stPageLink"]),
html body [data-testid="stMain"] :is(.stMarkdownEllipsis, button, [data-testid^="stPageLink"]) * {
    white-space: normal;
    text-overflow: clip;
}
html body [data-testid="stMetric"] [data-testid="stMarkdownContainer"] { overflow: visible; }
/* A segmented control or pills wider than its column wraps onto a second line. */
[data-testid="stButtonGroup"] div:has(> button) { flex-wrap: wrap; }
[data-testid="stButtonGroup"] button { min-width: 0; max-width: 100%; }
/* Rows of three or more columns (Home's three jobs, the model map, rows of pictures) wrap
   into fewer, wider columns when each would be narrower than 10rem (wider in classroom
   mode, whose rem is larger); a grid of checkboxes keeps its shape. */
[data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"]:nth-child(3)):not(:has([data-testid="stCheckbox"])) {
    flex-wrap: wrap;
}
[data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"]:nth-child(3)):not(:has([data-testid="stCheckbox"]))
    > [data-testid="stColumn"] { min-width: min(100%, 10rem); max-width: calc(50% - 0.5rem); }
/* Columns inside a narrow column (two metrics side by side in the widget column) stack. */
[data-testid="stColumn"] { container-type: inline-size; }
@container (max-width: 15rem) {
    [data-testid="stHorizontalBlock"] { flex-wrap: wrap; }
    [data-testid="stHorizontalBlock"] > [data-testid="stColumn"] { flex: 1 1 100%; min-width: 100%; }
}
"""

# Korean wraps at spaces (between eojeol), never inside a word; a word longer than the
# line still breaks rather than overflow. Streamlit sets word-break on each paragraph
# (".st-emotion-cache-… p"), so the rule needs a more specific selector.
KOREAN = """
html body [data-testid="stApp"] * { word-break: keep-all; overflow-wrap: break-word; }
"""

# Everything Streamlit sizes in rem grows with the root font: text, widget labels,
# captions, metrics, headings, the sidebar. Fixed-size pictures grow by the figures' scale.
CLASSROOM = """
html { font-size: 22px; }
[data-testid="stMain"] [data-testid="stImage"] img { min-width: min(100%, 260px); image-rendering: pixelated; }
"""


def css(lang: str, classroom: bool) -> str:
    """The CSS for one language and mode."""
    return BASE + (KOREAN if lang == "ko" else "") + (CLASSROOM if classroom else "")


def inject(lang: str, classroom: bool) -> None:
    """Add the page-wide CSS (style-only HTML takes no space in the page)."""
    st.html(f"<style>{css(lang, classroom)}</style>")
