"""The glossary: every entry complete, every model with its paper, search in both languages
that ignores case, spaces and dashes, formulas that can render."""

import re

import pytest

from ui import catalog, glossary
from ui.i18n import catalog as strings

ENTRIES = glossary.entries()
MODELS = [e for e in ENTRIES if e.get("kind") == "model"]
FIELDS = {"en", "ko", "notes", "kind", "latex", "page", "paper"}


def names(entries) -> list[str]:
    return [e["en"] for e in entries]


def test_at_least_70_entries_each_with_both_names_and_a_known_page():
    stems = {p.stem for p in catalog.PAGES}
    assert len(ENTRIES) >= 70
    assert len(set(names(ENTRIES))) == len(ENTRIES) and len({e["ko"] for e in ENTRIES}) == len(ENTRIES)
    for entry in ENTRIES:
        assert set(entry) <= FIELDS, entry
        assert entry["en"].strip() and entry["ko"].strip() and entry["page"] in stems, entry
        assert entry.get("kind", "model") == "model" and entry.get("notes", True) is True, entry


def test_the_terms_the_issue_asks_for_are_there():
    for term in ("variational inference", "KL divergence", "JSD", "likelihood", "intractable", "isotropic Gaussian",
                 "Gaussian mixture", "generator", "discriminator", "mode collapse", "deconvolution",
                 "transposed convolution", "LeakyReLU", "Markov chain", "Chow–Liu tree"):
        assert glossary.search(term), term


def test_every_model_has_a_paper_with_a_year_and_a_well_formed_arxiv_id():
    assert len(MODELS) >= 17
    for entry in MODELS:
        paper = entry.get("paper", "")
        assert re.search(r"\b(1[89]|20)\d\d\b", paper), entry
        for arxiv in re.findall(r"arXiv:\S*", paper):
            assert re.fullmatch(r"arXiv:\d{4}\.\d{4,5};?", arxiv), entry


def test_every_model_the_app_names_is_a_model_entry():
    app = strings("en")
    model_names = [app[key] for key in app if re.fullmatch(r"models\.\w+\.name", key)]
    assert len(model_names) >= 18
    for name in model_names:
        if name == app["models.independent.name"]:  # a structure (the "independence" entry), not a model
            continue
        assert any(e.get("kind") == "model" for e in glossary.search(name)), name


@pytest.mark.parametrize("entry", ENTRIES, ids=names(ENTRIES))
def test_search_finds_every_entry_by_its_korean_and_english_names(entry):
    korean, english = entry["ko"], entry["en"]
    for query in (korean, korean.replace(" ", ""), " ".join(korean.replace(" ", "")),
                  english, english.upper(), english.lower(), english.replace(" ", "")):
        assert entry in glossary.search(query), query


def test_search_ignores_spaces_and_dashes_both_ways():
    latent = ["Latent vector"]
    assert names(glossary.search("잠재벡터")) == latent and names(glossary.search("잠재 벡터")) == latent
    assert names(glossary.search("LATENT  VECTOR")) == names(glossary.search("latentvector")) == latent
    assert names(glossary.search("조건부독립")) == names(glossary.search("조건부 독 립")) == ["Conditional independence"]
    for spelling, model in [("Pixel RNN", "PixelRNN"), ("Info-GAN", "InfoGAN"), ("Star-GAN", "StarGAN"),
                            ("Progressive-GAN", "Progressive GAN"), ("chow-liu", "Chow–Liu tree"),
                            ("cycle gan", "CycleGAN")]:
        assert any(e["en"].startswith(model) for e in glossary.search(spelling)), spelling


def test_search_in_both_languages_and_odd_text():
    assert [e["ko"] for e in glossary.search("chain rule")] == ["연쇄 법칙"]
    assert [e["en"] for e in glossary.search(" 조건부 독립 ")] == ["Conditional independence"]
    assert len(glossary.search("")) == len(glossary.search("   ")) == len(ENTRIES)
    assert glossary.search("((") == [] and glossary.search(".*") == [] and glossary.search("<script>") == []


def balanced(latex: str) -> bool:
    """Braces (not the escaped \\{ \\}), \\left/\\right and \\begin/\\end pair up, in order."""
    depth = 0
    for brace in re.sub(r"\\[{}]", "", latex):
        depth += {"{": 1, "}": -1}.get(brace, 0)
        if depth < 0:
            return False
    return (depth == 0 and len(re.findall(r"\\left\b", latex)) == len(re.findall(r"\\right\b", latex))
            and re.findall(r"\\begin\{(\w+)\}", latex) == re.findall(r"\\end\{(\w+)\}", latex)[::-1])


@pytest.mark.parametrize("entry", [e for e in ENTRIES if "latex" in e], ids=lambda e: e["en"])
def test_every_formula_is_non_empty_and_balanced(entry):
    latex = entry["latex"]
    assert latex.strip() and "$" not in latex and balanced(latex), latex


def test_the_brace_check_catches_broken_formulas():
    assert balanced(r"\frac{a}{b}\left(\{x\}\right)")
    assert not balanced(r"\frac{a}{b") and not balanced(r"x}{") and not balanced(r"\left( x")
