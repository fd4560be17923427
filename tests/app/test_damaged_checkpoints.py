"""Every checkpoint, damaged every way, on every page that reads it (issue #13, item 8): no
traceback, a clear message in the section that needs it (the file and the command that
rebuilds it, never a server path), and the rest of the page still drawn.

Which page reads which checkpoint is not listed by hand: each page (and each widget value
that switches to another checkpoint) is run once with cold caches while core.checkpoints
records the weights, cards and metrics it reads. A checkpoint that no page reads fails
`test_every_checkpoint_is_read_by_some_page` unless it is in UNREAD."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core import checkpoints
from core.models.latent.aae import PRIORS
from core.models.latent.vae import BETAS
from tests.app.conftest import TIMEOUT
from tests.conftest import ROOT
from ui import catalog, loaders
from ui.i18n import catalog as strings

EN = strings("en")
NAMES = sorted(path.stem for path in (ROOT / "checkpoints").glob("*.safetensors"))
UNREAD = {"vae"}  # the 16-d VAE: a bar for the IWAE bound in tests/checkpoints, shown on no page

# every page as it opens, and the widget values that make it read another checkpoint
VIEWS = [(info.stem, {}) for info in catalog.built_pages()] + [
    *(("vae", {"beta": f"{beta:g}"}) for beta in BETAS),
    *(("aae", {"prior": prior}) for prior in PRIORS),
    ("dcgan_infogan", {"model": "gan_mlp"}),
    *(("translation", {"lam": lam}) for lam in ("0", "1")),
]


def view_id(view) -> str:
    stem, query = view
    return stem + "".join(f"?{key}={value}" for key, value in query.items())


def open_view(view) -> AppTest:
    """The page as conftest.open_page opens it, without running Home first (it runs 200 times here)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params.update({"lang": "en", **view[1]})
    at.switch_page(catalog.page(view[0]).path)
    return at.run()


# ---------------------------------------------------------------------------- the damages
def truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def alter_one_byte(path):
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    path.write_bytes(bytes(raw))


def rewrite_card(change):
    def damage(path):
        card = json.loads(path.read_text())
        change(card)
        path.write_text(json.dumps(card))
    return damage


def text_metric(card):
    card["metrics"][next(iter(card["metrics"]))] = "n/a"


WEIGHT_DAMAGES = {"truncated": truncate, "one byte altered": alter_one_byte, "weights deleted": None}
CARD_DAMAGES = {
    "card deleted": None,
    "card not JSON": lambda path: path.write_text("{'metrics': oops"),
    "card random bytes": lambda path: path.write_bytes(random.Random(0).randbytes(400)),
    "card a JSON list": lambda path: path.write_text("[1, 2, 3]"),
    "card without metrics": rewrite_card(lambda card: card.pop("metrics")),
    "card with a text metric": rewrite_card(text_metric),
}
METRIC_MISSING = "card lacks a metric the page reads"  # which metric depends on the page: learnt


# ---------------------------------------------------------------------------- what each view reads
@dataclass
class Reads:
    weights: set = field(default_factory=set)
    cards: set = field(default_factory=set)
    metrics: dict = field(default_factory=dict)  # card name -> the metrics read, in order


RECORDED = Reads()  # a global: st.cache_data pickles the metrics, and the copies record here too


class RecordingMetrics(checkpoints.CardFields):
    def __getitem__(self, key):
        RECORDED.metrics.setdefault(self.name, []).append(key)
        return super().__getitem__(key)


def clear_caches(name: str | None = None):
    """Forget what was loaded (of `name` only, or of every checkpoint), so the next run reads the files."""
    loaders.trained.clear(*(name,) if name else ())
    loaders.checkpoint_card.clear(*(name,) if name else ())
    st.cache_data.clear()  # quality_rows, infogan_confusion, input_gradient, … hold what they read


@pytest.fixture(scope="module")
def reads() -> dict[str, Reads]:
    """What each view reads, recorded around core.checkpoints with cold caches."""
    load_card, load_checkpoint = checkpoints.load_card, checkpoints.load_checkpoint

    def recording_card(name, directory=None):
        RECORDED.cards.add(name)
        card = load_card(name, directory)
        card["metrics"] = RecordingMetrics(card["metrics"], name, card.path)
        return card

    def recording_checkpoint(name, *args, **kwargs):
        RECORDED.weights.add(name)
        return load_checkpoint(name, *args, **kwargs)

    found = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(checkpoints, "load_card", recording_card)
        patch.setattr(checkpoints, "load_checkpoint", recording_checkpoint)
        for view in VIEWS:
            clear_caches()
            RECORDED.weights, RECORDED.cards, RECORDED.metrics = set(), set(), {}
            at = open_view(view)
            assert not at.exception, (view_id(view), [e.value for e in at.exception])
            found[view_id(view)] = Reads(RECORDED.weights, RECORDED.cards, RECORDED.metrics)
    clear_caches()  # no recording copies left in the caches
    return found


def test_every_checkpoint_is_read_by_some_page(reads):
    weights = set().union(*(r.weights for r in reads.values()))
    cards = set().union(*(r.cards for r in reads.values()))
    assert sorted(set(NAMES) - weights) == sorted(UNREAD), "a checkpoint no view loads: add the view to VIEWS"
    assert sorted(set(NAMES) - cards) == sorted(UNREAD)


# ---------------------------------------------------------------------------- one damaged run
def open_damaged(view, name: str, damage: str, folder, monkeypatch, metric: str | None = None):
    """Open `view` with checkpoint `name` damaged in `folder`, where the other files are links
    to checkpoints/ (the committed files are never touched). Returns the AppTest and the file."""
    for path in (ROOT / "checkpoints").iterdir():
        (folder / path.name).symlink_to(path)
    weights, card = checkpoints.paths(name, folder)
    target = weights if damage in WEIGHT_DAMAGES else card
    target.unlink()
    change = rewrite_card(lambda c: c["metrics"].pop(metric)) if damage == METRIC_MISSING else \
        {**WEIGHT_DAMAGES, **CARD_DAMAGES}[damage]
    if change is not None:  # else the file stays deleted
        target.write_bytes((ROOT / "checkpoints" / target.name).read_bytes())
        change(target)
    monkeypatch.setattr(checkpoints, "CHECKPOINT_DIR", folder)
    clear_caches(name)
    try:
        return open_view(view), target.name
    finally:
        clear_caches(name)  # a card that lacked a metric must not stay cached


def assert_clear_message_and_page_works(at, view, name: str, file: str, tmp_path):
    where = f"{view_id(view)} with {file} damaged"
    assert not at.exception, (where, [e.value for e in at.exception])
    messages = [e.value for e in at.error]
    assert any(file in m and f"python -m core.train {name}" in m for m in messages), (where, messages)
    assert not any(str(tmp_path) in m or str(ROOT) in m or "Traceback" in m for m in messages), messages
    assert [title.value for title in at.main.get("title")] == [EN[f"{view[0]}.title"]], where
    assert EN["app.code_behind"] in [e.label for e in at.main.get("expander")], where  # ran to the end
    others = ("header", "latex", "plotly_chart", "image", "dataframe", "metric", "slider", "select_slider",
              "button_group", "radio", "number_input")  # the sections that do not need the checkpoint
    assert any(at.main.get(kind) for kind in others), where


def first_view(reads, name: str, kind: str, stem: str | None = None):
    """The first view (of page `stem`, or of any) that reads the weights, the card or a metric of `name`."""
    for view in VIEWS:
        found = reads[view_id(view)]
        if name in {"weights": found.weights, "card": found.cards, "metric": found.metrics}[kind] and \
                stem in (None, view[0]):
            return view
    return None


def kind_of(damage: str) -> str:
    return "weights" if damage in WEIGHT_DAMAGES else "metric" if damage == METRIC_MISSING else "card"


READ = [name for name in NAMES if name not in UNREAD]
GARBAGE = [damage for damage in CARD_DAMAGES if damage != "card deleted"]
# every damage of every checkpoint; the kinds of garbage (each checked by load_card's unit test) take turns
CASES = [(name, damage) for number, name in enumerate(READ)
         for damage in (*WEIGHT_DAMAGES, "card deleted", GARBAGE[number % len(GARBAGE)], METRIC_MISSING)]


@pytest.mark.parametrize("name, damage", CASES)
def test_each_damage_gives_a_clear_message_in_its_section(reads, name, damage, tmp_path, monkeypatch):
    """On the first view that reads what is damaged."""
    view = first_view(reads, name, kind_of(damage))
    if view is None:
        assert damage == METRIC_MISSING, f"no view reads the {kind_of(damage)} of {name}"
        pytest.skip(f"no page reads a metric of {name}.json (only its model)")
    metric = reads[view_id(view)].metrics.get(name, [None])[0]
    at, file = open_damaged(view, name, damage, tmp_path, monkeypatch, metric)
    assert_clear_message_and_page_works(at, view, name, file, tmp_path)


@pytest.mark.parametrize("name", READ)
def test_every_other_page_that_reads_a_checkpoint_shows_the_message(reads, name, tmp_path, monkeypatch):
    """One damage on each page that reads the checkpoint besides those of the test above."""
    tested = {first_view(reads, name, kind)[0] for kind in ("weights", "card")}
    others = sorted({stem for stem, _ in VIEWS if first_view(reads, name, "card", stem)} - tested)
    for number, stem in enumerate(others):
        view = first_view(reads, name, "weights", stem) or first_view(reads, name, "card", stem)
        damage = "truncated" if name in reads[view_id(view)].weights else GARBAGE[number % len(GARBAGE)]
        folder = tmp_path / stem
        folder.mkdir()
        at, file = open_damaged(view, name, damage, folder, monkeypatch)
        assert_clear_message_and_page_works(at, view, name, file, folder)
