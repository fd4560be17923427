"""Every page runs in both languages, and moving its main widgets changes what is shown."""

import pytest

from tests.app.conftest import metric, open_page
from tests.conftest import ROOT
from ui import catalog
from ui.i18n import catalog as strings

PAGES = [p.stem for p in catalog.built_pages()]


def assert_clean(at):
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("stem", PAGES)
def test_every_page_runs_in_both_languages(stem, lang):
    at = open_page(stem, lang)
    assert_clean(at)
    assert at.title[0].value == strings(lang)[f"{stem}.title"]
    assert len(at.get("plotly_chart")) + len(at.get("image")) >= (0 if stem == "glossary" else 3)


def test_sidebar_language_switch_translates_every_page():
    at = open_page("home", "en")
    at.button_group(key="lang").set_value("ko").run()
    assert_clean(at)
    assert at.title[0].value == strings("ko")["home.title"]
    at.switch_page(catalog.page("independence").path).run()
    assert at.title[0].value == strings("ko")["independence.title"]
    assert at.button_group(key="lang").value == "ko"


def test_bernoulli_p_and_flips_change_the_frequency():
    at = open_page("discrete")
    label = strings("en")["discrete.bernoulli.frequency"]
    before = metric(at, label.format(n=500))
    at.slider(key="p").set_value(0.9).run()
    after = metric(at, label.format(n=500))
    assert float(before) < 0.5 < float(after)
    at.slider(key="flips").set_value(1).run()
    assert metric(at, label.format(n=1)) in ("0.000", "1.000")


def test_die_faces_change_the_parameter_count():
    at = open_page("discrete")
    params = strings("en")["common.num_params"]
    assert [m.value for m in at.metric if m.label == params][1] == "5"
    at.slider(key="m").set_value(20).run()
    assert_clean(at)
    assert [m.value for m in at.metric if m.label == params][1] == "19"


def test_rgb_bits_and_pixels_change_the_counts():
    at = open_page("discrete")
    params = strings("en")["common.num_params"]
    assert [m.value for m in at.metric if m.label == params][2] == "16,777,215"
    at.slider(key="bits").set_value(1).run()
    assert [m.value for m in at.metric if m.label == params][2] == "7"
    digits = strings("en")["discrete.binary.digits"]
    assert metric(at, digits) == "20"
    at.slider(key="n").set_value(784).run()
    assert metric(at, digits) == "237"
    at.slider(key="n").set_value(1).run()
    assert_clean(at)
    assert metric(at, digits) == "1"


def test_independence_n_and_k_change_counts_and_likelihood():
    at = open_page("independence")
    params = strings("en")["common.num_params"]
    assert [m.value for m in at.metric if m.label == params][0] == "127"  # Markov k=1, n=64: 2n - 1
    at.slider(key="k").set_value(3).run()
    assert [m.value for m in at.metric if m.label == params][0] == f"{7 + 61 * 8:,}"
    test_nll = strings("en")["independence.fit.test_nll"]
    before = metric(at, test_nll)
    at.slider(key="order").set_value(40).run()
    assert_clean(at)
    assert float(metric(at, test_nll)) > float(before) + 5  # over-fitting
    at.slider(key="n").set_value(1).run()  # k must follow n down
    assert_clean(at)
    assert [m.value for m in at.metric if m.label == params][0] == "1"


@pytest.mark.parametrize("structure", ["independent", "markov", "tree", "full_joint"])
def test_every_fitted_structure_renders(structure):
    at = open_page("independence", model=structure)
    assert_clean(at)
    assert at.radio(key="model").value == structure


def test_conditional_independence_button_makes_it_hold():
    at = open_page("independence")
    assert not at.success
    at.button[0].click().run()
    assert_clean(at)
    assert at.success and "⊥" in at.success[0].value


def test_home_noise_changes_the_anomaly_score():
    at = open_page("home")
    auc = strings("en")["home.density.auc"]
    low = float(metric(at, auc))
    at.slider(key="noise").set_value(0.01).run()
    assert_clean(at)
    assert float(metric(at, auc)) < low


@pytest.mark.parametrize("query", [
    {"k": "abc"}, {"k": "9999"}, {"n": "-4"}, {"structure": "banana"}, {"alpha": "7"}, {"seed": "x"}, {"lang": "fr"},
    {"order": "63", "model": "markov"}, {"digit": "359"},
])
def test_odd_url_values_warn_and_fall_back(query):
    at = open_page("independence", **query)
    assert_clean(at)
    if "lang" not in query and query != {"order": "63", "model": "markov"} and query != {"digit": "359"}:
        assert at.warning, query


def test_url_reopens_the_same_demo():
    at = open_page("discrete", "ko", p="0.8", n="100", m="12")
    assert_clean(at)
    assert at.title[0].value == strings("ko")["discrete.title"]
    assert (at.slider(key="p").value, at.slider(key="n").value, at.slider(key="m").value) == (0.8, 100, 12)
    assert at.button_group(key="lang").value == "ko"
    home = open_page("home", seed="42", classroom="1", noise="0.3")
    assert home.number_input(key="seed").value == 42
    assert home.toggle(key="classroom").value is True
    assert home.slider(key="noise").value == 0.3


def test_classroom_mode_folds_the_prose():
    at = open_page("discrete")
    expanders = len(at.expander)
    at.toggle(key="classroom").set_value(True).run()
    assert_clean(at)
    assert len(at.expander) > expanders


@pytest.mark.parametrize("query, found", [("chain", True), ("연쇄", True), ("  CHAIN rule ", True), ("((", False),
                                          ("<script>", False), ("", True)])
def test_glossary_search_handles_any_text(query, found):
    at = open_page("glossary", q=query) if query else open_page("glossary")
    assert_clean(at)
    assert bool(at.info) != found


def test_glossary_marks_the_notes_spelling_and_shows_the_paper():
    at = open_page("glossary", "ko", q="잠재 벡터")
    assert_clean(at)
    assert strings("ko")["glossary.from_notes"] in [c.value for c in at.caption]
    at = open_page("glossary", "en", q="variational auto-encoder")
    assert_clean(at)
    paper = strings("en")["glossary.paper"].format(paper="Kingma & Welling, 2013, arXiv:1312.6114")
    assert paper in [c.value for c in at.caption]


@pytest.mark.parametrize("damage", ["missing", "truncated", "altered"])
def test_a_damaged_checkpoint_gives_a_clear_message_and_the_page_stays_usable(tmp_path, monkeypatch, damage):
    import shutil

    import streamlit as st

    from core import checkpoints

    for path in (ROOT / "checkpoints").glob("*"):
        shutil.copy(path, tmp_path)
    weights = tmp_path / "nade.safetensors"
    if damage == "missing":
        weights.unlink()
    elif damage == "truncated":
        weights.write_bytes(weights.read_bytes()[:1000])
    else:
        raw = bytearray(weights.read_bytes())
        raw[-5] ^= 0xFF
        weights.write_bytes(bytes(raw))
    monkeypatch.setattr(checkpoints, "CHECKPOINT_DIR", tmp_path)
    st.cache_resource.clear()
    try:
        at = open_page("nade")
        assert_clean(at)
        assert any("nade.safetensors" in e.value and "python -m core.train nade" in e.value for e in at.error)
        assert at.slider(key="hidden").value == 100  # the rest of the page is still there
        at.slider(key="hidden").set_value(300).run()
        assert_clean(at)
    finally:
        st.cache_resource.clear()


def test_nade_hidden_units_change_the_parameter_count_and_the_pixel_changes_the_density():
    at = open_page("nade")
    label = strings("en")["nade.count.params_64"]
    assert metric(at, label) == f"{2 * 64 * 100 + 64 + 100:,}"
    at.slider(key="hidden").set_value(7).run()
    assert_clean(at)
    assert metric(at, label) == f"{2 * 64 * 7 + 64 + 7:,}"
    before = len(at.get("plotly_chart"))
    at.slider(key="pixel").set_value(0).run()
    at.slider(key="temperature").set_value(0.1).run()
    at.slider(key="noise").set_value(0.5).run()
    assert_clean(at)
    assert len(at.get("plotly_chart")) == before


@pytest.mark.parametrize("stem", PAGES)
def test_every_slider_at_both_ends(stem):
    at = open_page(stem)
    assert_clean(at)
    for key in [s.key for s in at.slider]:
        widget = at.slider(key=key)
        for value in (widget.min, widget.max):
            at.slider(key=key).set_value(value).run()
            assert_clean(at)
