"""The table of contents: every page of both lectures (built or still to come) and every
model with its kind. app.py builds the navigation from it; Home draws the model map."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Not "pages/": Streamlit treats a folder of that name as an old-style multipage app and
# runs a page file directly, without app.py, on the first request of a server process.
PAGES_DIR_NAME = "app_pages"
PAGES_DIR = Path(__file__).resolve().parent.parent / PAGES_DIR_NAME


@dataclass(frozen=True)
class PageInfo:
    stem: str  # app_pages/<stem>.py; its title is the locale key nav.<stem>
    section: str  # "" (top), "lecture9", "lecture10", "beyond" (beyond the lecture), "extras"
    icon: str

    @property
    def path(self) -> str:
        """Relative to app.py, as st.Page and st.page_link take it."""
        return f"{PAGES_DIR_NAME}/{self.stem}.py"

    @property
    def built(self) -> bool:
        return (PAGES_DIR / f"{self.stem}.py").is_file()


@dataclass(frozen=True)
class ModelInfo:
    key: str  # locale keys models.<key>.name and models.<key>.blurb
    kind: str  # "explicit", "approximate" (a bound on p(x)) or "implicit"
    page: str  # the stem of the page that teaches it


PAGES = (
    PageInfo("home", "", ":material/home:"),
    PageInfo("discrete", "lecture9", ":material/casino:"),
    PageInfo("independence", "lecture9", ":material/account_tree:"),
    PageInfo("nade", "lecture9", ":material/grain:"),
    PageInfo("pixelrnn", "lecture9", ":material/grid_on:"),
    PageInfo("variational", "lecture10", ":material/functions:"),
    PageInfo("vae", "lecture10", ":material/compress:"),
    PageInfo("aae", "lecture10", ":material/join_inner:"),
    PageInfo("gan", "lecture10", ":material/sports_kabaddi:"),
    PageInfo("dcgan_infogan", "lecture10", ":material/auto_awesome:"),
    PageInfo("conditional", "lecture10", ":material/text_fields:"),
    PageInfo("translation", "lecture10", ":material/swap_horiz:"),
    PageInfo("progressive_gan", "lecture10", ":material/zoom_in:"),
    PageInfo("flows", "beyond", ":material/swap_calls:"),
    PageInfo("diffusion", "beyond", ":material/blur_on:"),
    PageInfo("glossary", "extras", ":material/translate:"),
)
SECTIONS = ("", "lecture9", "lecture10", "beyond", "extras")

MODELS = (
    ModelInfo("independent", "explicit", "independence"),
    ModelInfo("markov", "explicit", "independence"),
    ModelInfo("chow_liu", "explicit", "independence"),
    ModelInfo("nade", "explicit", "nade"),
    ModelInfo("pixelrnn", "explicit", "pixelrnn"),
    ModelInfo("pixelcnn", "explicit", "pixelrnn"),
    ModelInfo("flow", "explicit", "flows"),
    ModelInfo("vae", "approximate", "vae"),
    ModelInfo("diffusion", "approximate", "diffusion"),
    ModelInfo("aae", "implicit", "aae"),
    ModelInfo("gan", "implicit", "gan"),
    ModelInfo("dcgan", "implicit", "dcgan_infogan"),
    ModelInfo("infogan", "implicit", "dcgan_infogan"),
    ModelInfo("text2image", "implicit", "conditional"),
    ModelInfo("puzzle_gan", "implicit", "conditional"),
    ModelInfo("cyclegan", "implicit", "translation"),
    ModelInfo("stargan", "implicit", "translation"),
    ModelInfo("progressive_gan", "implicit", "progressive_gan"),
)
KINDS = ("explicit", "approximate", "implicit")


def page(stem: str) -> PageInfo:
    return next(p for p in PAGES if p.stem == stem)


def built_pages() -> list[PageInfo]:
    return [p for p in PAGES if p.built]
