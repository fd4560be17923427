"""An explorer that clicks everything: every page, both languages, every widget it finds
(every option of every radio, select box, select slider, segmented control and pills, the
selected one again included; every slider and number at both ends and the middle; every
toggle and checkbox both ways; every button; odd text and odd files), and fails on any
exception element. Widgets that appear after a click are explored too."""

from __future__ import annotations

import pytest

from tests.app.conftest import open_page
from ui import catalog, i18n

PAGES = [p.stem for p in catalog.built_pages()]
KINDS = ("slider", "select_slider", "selectbox", "radio", "button_group", "multiselect", "toggle", "checkbox",
         "number_input", "text_input", "text_area", "file_uploader", "button")
ODD_TEXTS = ("", "   ", "[Log in](https://evil.example/x) ![t](http://127.0.0.1:9/g.png) <b>x</b> $x$ :red[a]",
             "얇은 3 보라색 thick seven 1e308 -0 nan", "x" * 10_000)
ODD_FILES = (
    ("points.csv", b"x,y\n0,0\n1,1\n-1,1\n1,-1\n", "text/csv"),
    ("empty.csv", b"", "text/csv"),
    ("binary.csv", bytes(range(256)) * 4, "text/csv"),
    ("huge.csv", b"1.7e308,1.7e308\n1.6e308,1.7e308\n1.7e308,1.6e308\n", "text/csv"),
    ("nan.csv", b"0,0\nnan,1\n1,1\n", "text/csv"),
)


class Label(str):
    """An option given by the label the student sees. AppTest sets a choice by its raw option
    and formats it with the widget's format_func; the pages' options are codes shown through a
    translation, so a Label makes every format_func fail and AppTest falls back to the label."""

    def __format__(self, spec):
        raise TypeError("a label, not a raw option")

    __str__ = __format__
    __hash__ = None


def found_widgets(at) -> dict[tuple, object]:
    """Every widget on the page, named by (kind, key or label, occurrence)."""
    widgets = {}
    for kind in KINDS:
        seen: dict[str, int] = {}
        for widget in getattr(at, kind):
            name = widget.key or widget.label
            seen[name] = seen.get(name, 0) + 1
            widgets[(kind, name, seen[name])] = widget
    return widgets


def grid_middle(lo, hi, step):
    step = step or 1
    return lo + round((hi - lo) / 2 / step) * step


def trials(kind: str, widget) -> list:
    """The values to give one widget, as (description, action on the widget)."""
    if kind == "button":
        return [("click", lambda w: w.click())]
    if kind in ("toggle", "checkbox"):
        return [(v, lambda w, v=v: w.set_value(v)) for v in (not widget.value, widget.value)]
    if kind in ("slider", "number_input"):
        lo, hi = widget.min, widget.max
        if lo is None or hi is None:  # a number box without both ends
            values = [widget.value, (widget.value or 0) + 1]
        else:
            values = [lo, hi, grid_middle(lo, hi, widget.step), widget.value]
        return [(v, lambda w, v=v: w.set_value(v)) for v in values]
    if kind in ("text_input", "text_area"):
        limit = widget.proto.max_chars or None
        return [(repr(v[:40]), lambda w, v=v: w.set_value(v[:limit])) for v in (*ODD_TEXTS, widget.value)]
    if kind == "file_uploader":
        return [(f[0], lambda w, f=f: w.set_value(f)) for f in ODD_FILES] + [("none", lambda w: w.set_value(None))]
    options = list(widget.options)
    if kind in ("multiselect",) or (kind == "button_group" and not widget._is_single_select):
        choices = [[], [Label(o) for o in options], [Label(options[0])]]
        return [(c, lambda w, c=c: w.set_value(c)) for c in choices]
    current = widget.format_func(widget.value)
    labels = [*options, current]  # every option, then the one selected at first again
    if widget.key == "lang":  # switching languages has its own test (AppTest would format the new labels in the old one)
        labels = [current]
    if kind == "select_slider":  # AppTest formats its value with no fallback: the pages' are shown as they are
        return [(v, lambda w, v=v: w.set_value(v)) for v in (options[0], options[-1], options[len(options) // 2], current)]
    tried = [(label, lambda w, label=label: w.set_value(Label(label))) for label in labels]
    if kind == "button_group":  # a click on the active option: a segmented control that may be cleared sends None
        tried.append(("the active option clicked again", lambda w: w.set_value(None)))
    return tried


def explore(stem: str, lang: str, max_runs: int) -> list[str]:
    """Exercise every widget of page `stem`; the list of (widget, value, exception) found."""
    at = open_page(stem, lang)
    problems = [f"on opening: {e.value}" for e in at.exception]
    done: set[tuple] = set()
    runs = 0
    while runs < max_runs:
        pending = [name for name, widget in found_widgets(at).items() if name not in done and not widget.disabled]
        if not pending:
            break
        name = pending[0]
        done.add(name)
        for value, act in trials(name[0], found_widgets(at)[name]):
            widget = found_widgets(at).get(name)
            if widget is None or widget.disabled:  # it went away after an earlier value, or cannot be used now
                break
            act(widget)
            at.run()
            runs += 1
            problems += [f"{name} = {value}: {e.value[:300]}" for e in at.exception]
    assert runs < max_runs, f"{stem}: more than {max_runs} runs; raise the bound or split the page"
    return problems


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("stem", PAGES)
def test_explorer_finds_no_exception(stem, lang, monkeypatch):
    # AppTest formats a widget's value with the page's format_func between runs, outside the
    # script, where the session's language cannot be read: give it the page's language
    monkeypatch.setattr(i18n, "current_language", lambda: lang)
    problems = explore(stem, lang, max_runs=400)
    assert not problems, "\n".join(problems)
