"""The lecture notes' own slips, told where the student meets them (issue 16): every errata box
a page draws has both lines in both languages, and the formulas the notes got wrong or the
app wrote loosely are written precisely."""

import ast
import re

import pytest

from tests.conftest import ROOT
from ui.i18n import LANGUAGES, catalog

ERRATA_CALL = re.compile(r"""\bpage\.errata\(\s*["']([^"']+)["']\s*\)""")


def errata_keys() -> dict[str, str]:
    """Every key a page passes to page.errata, with the page that draws it."""
    return {key: path.stem for path in sorted((ROOT / "app_pages").glob("*.py"))
            for key in ERRATA_CALL.findall(path.read_text())}


def page_constant(stem: str, name: str):
    """A literal constant of app_pages/<stem>.py, read without running the page."""
    tree = ast.parse((ROOT / "app_pages" / f"{stem}.py").read_text())
    value = next(node.value for node in tree.body
                 if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets))
    return ast.literal_eval(value)


def test_the_pages_draw_the_errata_of_the_issue():
    assert errata_keys() == {
        "independence.errata.images": "independence", "independence.errata.chain_count": "independence",
        "nade.errata.inputs": "nade", "pixelrnn.errata.green": "pixelrnn",
        "variational.errata.elbo_name": "variational", "variational.errata.likelihood": "variational",
        "vae.errata.recon_ln": "vae", "vae.errata.implicit": "vae", "dcgan_infogan.errata.code": "dcgan_infogan",
    }


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_every_errata_box_has_both_lines_in_both_languages(lang):
    strings = catalog(lang)
    assert strings["app.errata.notes"] and strings["app.errata.precisely"]
    for key, stem in errata_keys().items():
        assert key.startswith(f"{stem}.errata."), key
        for line in ("notes", "precisely"):
            assert strings.get(f"{key}.{line}", "").strip(), f"{lang}: {key}.{line}"


def test_no_errata_string_is_left_without_a_box():
    drawn = set(errata_keys())
    defined = {key.rsplit(".", 1)[0] for key in catalog("en") if ".errata." in key and not key.startswith("app.")}
    assert defined == drawn


def test_the_markov_factorization_never_indexes_below_x1():
    """For i <= k the context starts at x_1: x_{max(1, i-k)}, not x_{i-k}."""
    markov = page_constant("independence", "FACTORIZATION")["markov"]
    assert r"x_{\max(1,i-k)}" in markov and "x_{i-k}" not in markov


def test_the_text2image_formula_has_the_mismatched_caption_term_and_an_embedding_e_of_w():
    formula = page_constant("conditional", "TEXT2IMAGE")
    assert "e(w)" in formula and "E[w]" not in formula
    assert r"D(x,\hat t)" in formula  # the matching-aware term of core/models/adversarial/conditional.py's loss
