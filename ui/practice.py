""""Check yourself" at the end of every page: the questions of core.practice, checked at
once. A wrong answer gets a hint the first time and the answer the second; the progress is
kept in this session only (st.session_state), never on the server. In classroom mode the
answers stay hidden until the teacher reveals them with one click."""

from __future__ import annotations

import streamlit as st

from core import practice
from ui import catalog, page, state
from ui.i18n import literal, t

ANSWERS = "practice_answers"  # "<stem>:<seed>:<id>" -> Record of that question
PROGRESS = "practice_progress"  # stem -> (right, total) of the page's questions as last drawn
REVEALED = "practice_revealed"  # "<stem>:<seed>" of the pages whose answers the teacher revealed


@st.cache_data(show_spinner=False, max_entries=256)
def questions(stem: str, seed: int) -> list[practice.Question]:
    """The page's questions for this seed, built once per process (CheckpointError is not cached)."""
    return practice.questions(stem, seed)


def check_yourself(stem: str) -> None:
    """The "check yourself" part of page `stem`; on Home, followed by the progress on every page.
    A fragment: answering a question reruns this part only."""
    st.fragment(_check_yourself)(stem)


def _check_yourself(stem: str) -> None:
    st.header(t("practice.title"))
    with page.section():  # a damaged checkpoint card: its message instead of the questions
        seed = state.seed()
        shown = questions(stem, seed)
        page_key = f"{stem}:{seed}"
        revealed = state.classroom() and page_key in st.session_state.setdefault(REVEALED, set())
        if state.classroom():
            st.button(t("practice.hide" if revealed else "practice.reveal"), key=f"practice_reveal_{stem}",
                      on_click=_toggle_reveal, args=(page_key,), icon=":material/visibility:")
        else:
            st.caption(t("practice.intro"))
        records = [_question(stem, seed, number, question, revealed)
                   for number, question in enumerate(shown, start=1)]
        right = sum(record["right"] for record in records)
        st.session_state.setdefault(PROGRESS, {})[stem] = (right, len(shown))
        st.markdown(t("practice.progress", right=right, total=len(shown)))
    if stem == "home":
        progress_summary()


def _toggle_reveal(page_key: str) -> None:
    st.session_state[REVEALED] ^= {page_key}


def _values(question: practice.Question) -> dict:
    """The question's format values, with the locale keys among them translated."""
    return {name: t(value) if isinstance(value, practice.LocaleKey) else value
            for name, value in question.format_values.items()}


def number_text(value: float) -> str:
    """A number as an answer is shown: whole numbers with thousands commas, others to 4 digits."""
    value = float(value)
    return f"{int(value):,}" if value.is_integer() and abs(value) < 1e15 else f"{value:.4g}"


def answer_text(question: practice.Question) -> str:
    if question.kind == practice.CHOICE:
        return t(question.answer, **_values(question))
    return number_text(question.answer)


def _record(stem: str, seed: int, question: practice.Question) -> dict:
    """What the student did with one question: wrong answers so far, whether it counts as answered
    right (right before the answer was shown), and the last answer read."""
    answers = st.session_state.setdefault(ANSWERS, {})
    return answers.setdefault(f"{stem}:{seed}:{question.id}", {"tries": 0, "right": False, "last": None, "ok": False})


def _question(stem: str, seed: int, number: int, question: practice.Question, revealed: bool) -> dict:
    """One question in its own form: the prompt, the answer box or options, and the feedback."""
    record, values = _record(stem, seed, question), _values(question)
    hidden = state.classroom() and not revealed
    with st.form(f"practice_{stem}_{question.id}"):
        st.markdown(f"**{number}.** {t(question.prompt, **values)}")
        if question.kind == practice.NUMBER:
            typed = st.text_input(t("practice.answer"), key=f"practice_{stem}_{question.id}_{seed}",
                                  max_chars=practice.MAX_ANSWER_CHARS, placeholder=t("practice.placeholder"))
            if question.tolerance >= 0.001:
                st.caption(t("practice.tolerance", tolerance=number_text(question.tolerance)))
        else:
            typed = st.radio(t("practice.choose"), question.options, index=None,  # nothing chosen at first
                             key=f"practice_{stem}_{question.id}_{seed}",
                             format_func=lambda key: t(key, **values) if key else "")
        if st.form_submit_button(t("practice.check"), key=f"practice_check_{stem}_{question.id}", icon=":material/check:"):
            _submit(question, record, typed, answer_shown=revealed or (record["tries"] >= 2 and not hidden))
        _feedback(question, record, values, hidden, revealed)
    return record


def _submit(question: practice.Question, record: dict, typed, answer_shown: bool) -> None:
    """Check one answer and remember it; text that is not a number (or no option) is not a try."""
    if question.kind == practice.NUMBER:
        try:
            practice.parse_number(typed)
        except ValueError:
            st.warning(t("practice.unreadable", text=literal(typed)), icon=":material/edit:")
            return
    elif typed is None:
        st.warning(t("practice.pick_one"), icon=":material/radio_button_unchecked:")
        return
    ok = practice.check(question, typed)
    record.update(last=typed, ok=ok)
    if ok and not answer_shown:
        record["right"] = True
    elif not ok:
        record["tries"] += 1


def _feedback(question: practice.Question, record: dict, values: dict, hidden: bool, revealed: bool) -> None:
    """Right: why, and where the page shows it. Wrong: a hint the first time, the answer after the
    second (in classroom mode only once the teacher reveals the answers)."""
    where = f"[{t(question.section)}](#{page.anchor(question.section)})"  # a link to that part of the page
    why = f"{t(question.explanation, **values)} {t('practice.see', section=where)}"
    answer = t("practice.the_answer", answer=answer_text(question))
    if record["last"] is not None:
        if question.kind == practice.NUMBER:
            st.caption(t("practice.you_typed", text=literal(record["last"]),
                         value=number_text(practice.parse_number(record["last"]))))
        if record["ok"]:
            st.success(f"{t('practice.right')} {why}", icon=":material/check_circle:")
        elif record["tries"] >= 2 and not hidden:
            st.error(f"{t('practice.wrong')} {answer} {why}", icon=":material/cancel:")
        else:
            wait = f" {t('practice.wait_for_teacher')}" if hidden and record["tries"] >= 2 else ""
            st.error(f"{t('practice.wrong')} {t('practice.hint', hint=t(question.hint, **values))}{wait}",
                     icon=":material/lightbulb:")
    if revealed and not record["ok"]:
        st.info(f"{answer} {why}", icon=":material/visibility:")


def progress_summary() -> None:
    """Home: the answers right on every page so far in this session, each page a link."""
    st.subheader(t("practice.summary.title"))
    progress = st.session_state.get(PROGRESS, {})
    right, total = (sum(counts[i] for counts in progress.values()) for i in (0, 1))
    st.markdown(t("practice.summary.total", right=right, total=total, pages=len(progress),
                  all_pages=len(catalog.built_pages())))
    for info in catalog.built_pages():
        if info.stem in progress:
            label = t("practice.summary.page", title=t(f"nav.{info.stem}"), right=progress[info.stem][0],
                      total=progress[info.stem][1])
        else:
            label = t("practice.summary.not_yet", title=t(f"nav.{info.stem}"))
        st.page_link(info.path, label=label, icon=info.icon)
