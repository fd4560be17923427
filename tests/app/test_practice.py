"""Check yourself in the running app (issue #16): a right answer is confirmed with its
explanation, a wrong one gets a hint first (not the answer), then the answer; the page's
progress line and Home's summary follow; in classroom mode the answers wait for the teacher."""

from __future__ import annotations

import pytest

from core import practice
from tests.app.conftest import open_page
from ui import catalog as catalog_module
from ui import i18n, page
from ui.i18n import catalog

SEED = 0  # the sidebar's default


def strings(lang: str) -> dict[str, str]:
    return catalog(lang)


def find(stem: str, id: str) -> practice.Question:
    return next(q for q in practice.questions(stem, SEED) if q.id == id)


def answer(at, stem: str, question: practice.Question, value) -> None:
    """Type (or choose) `value` for `question` and press its Check button."""
    key = f"practice_{stem}_{question.id}_{SEED}"
    box = at.text_input(key=key) if question.kind == practice.NUMBER else at.radio(key=key)
    box.set_value(value)
    at.button(key=f"practice_check_{stem}_{question.id}").click().run()
    assert not at.exception, [e.value for e in at.exception]


def wrong_value(question: practice.Question):
    if question.kind == practice.NUMBER:
        return str(float(question.answer) + 1000)
    return next(option for option in question.options if option != question.answer)


def messages(elements) -> str:
    return "\n".join(e.value for e in elements)


def progress(at, lang: str, right: int, total: int) -> bool:
    line = strings(lang)["practice.progress"].format(right=right, total=total)
    return line in [m.value for m in at.markdown]


def check_right_then_hint_then_answer(stem: str, lang: str, id: str, right_value):
    """One page: question `id` answered right (typed as right_value(question)), another one wrong twice."""
    text = strings(lang)
    at = open_page(stem, lang)
    assert not at.exception
    shown = practice.questions(stem, SEED)
    assert text["practice.title"] in [h.value for h in at.header]
    assert progress(at, lang, 0, len(shown))

    right = find(stem, id)
    answer(at, stem, right, right_value(right))
    assert text["practice.right"] in messages(at.success)
    assert progress(at, lang, 1, len(shown))

    other = next(q for q in shown if q is not right)
    answer(at, stem, other, wrong_value(other))
    first = messages(at.error)
    hint = text["practice.hint"].split("{")[0]
    assert hint in first  # a hint...
    assert text["practice.the_answer"].split("{")[0] not in first  # ...not the answer
    answer(at, stem, other, wrong_value(other))
    second = messages(at.error)
    assert text["practice.the_answer"].split("{")[0] in second  # now the answer
    assert progress(at, lang, 1, len(shown))  # a wrong answer is not counted
    return at


def test_numbers_in_any_equivalent_form_on_the_discrete_page():
    question = find("discrete", "binary")  # 2^n - 1 parameters
    n = question.format_values["n"]
    at = check_right_then_hint_then_answer("discrete", "en", "binary", lambda q: f"2**{n} - 1")
    # text that is not a number is refused without counting as a try, and shown as text only (a code span)
    answer(at, "discrete", find("discrete", "rgb"), "**bold** [link](http://x)")
    assert any("` **bold** [link](http://x) `" in w.value for w in at.warning)
    assert progress(at, "en", 1, len(practice.questions("discrete", SEED)))


def test_choices_on_the_gan_page_in_korean(monkeypatch):
    # AppTest formats a widget's options between runs, outside the script: give it the page's language
    monkeypatch.setattr(i18n, "current_language", lambda: "ko")
    check_right_then_hint_then_answer("gan", "ko", "loss", lambda q: q.answer)


def test_home_sums_up_every_page_visited():
    at = check_right_then_hint_then_answer("discrete", "en", "categorical", lambda q: f"{q.answer:e}")
    at.switch_page("app_pages/home.py").run()
    assert not at.exception
    text = strings("en")
    labels = [link.proto.label for link in at.get("page_link")]
    done = text["practice.summary.page"].format(title=text["nav.discrete"], right=1,
                                               total=len(practice.questions("discrete", SEED)))
    assert done in labels
    assert text["practice.summary.not_yet"].format(title=text["nav.gan"]) in labels


def test_classroom_mode_hides_the_answers_until_the_teacher_reveals_them():
    text = strings("en")
    at = open_page("gan", "en", classroom=1)
    question = practice.questions("gan", SEED)[0]
    for _ in range(3):
        answer(at, "gan", question, wrong_value(question))
    the_answer = text["practice.the_answer"].split("{")[0]
    assert text["practice.wait_for_teacher"] in messages(at.error)
    assert the_answer not in messages(at.error) + messages(at.info)
    at.button(key="practice_reveal_gan").click().run()
    assert the_answer in messages(at.info)
    at.button(key="practice_reveal_gan").click().run()
    assert the_answer not in messages(at.info)


@pytest.mark.parametrize("stem", [p.stem for p in catalog_module.built_pages()])
def test_every_explanation_links_to_a_heading_of_its_page(stem):
    """The "the page shows it in …" link of every question points at a heading drawn on the page."""
    at = open_page(stem)
    anchors = {h.proto.anchor for kind in ("title", "header", "subheader") for h in getattr(at, kind)}
    targets = {page.anchor(q.section) for q in practice.questions(stem, SEED)}
    assert targets <= anchors, targets - anchors
