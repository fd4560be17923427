"""The glossary: every entry complete, search in both languages."""

from ui import catalog, glossary


def test_every_entry_has_both_names_and_a_known_page():
    stems = {p.stem for p in catalog.PAGES}
    for entry in glossary.entries():
        assert entry["en"] and entry["ko"] and entry["page"] in stems, entry


def test_search_in_both_languages_and_odd_text():
    assert [e["ko"] for e in glossary.search("chain rule")] == ["연쇄 법칙"]
    assert [e["en"] for e in glossary.search(" 조건부 ")] == ["Conditional independence"]
    assert len(glossary.search("")) == len(glossary.entries())
    assert glossary.search("((") == [] and glossary.search(".*") == []
