"""Check yourself (issue #16): every page has at least three questions; their answers equal
what the lecture's formulas, the fitted models and the checkpoint cards give when computed
here independently, for many seeds; every text exists in both languages; answers typed in
any equivalent form are read, and junk is refused."""

from __future__ import annotations

import json
import math
import re
from functools import cache
from itertools import permutations

import pytest

from core import data, metrics, practice
from core.data.prompts import DIGIT_WORDS
from core.models import counted
from core.models.counted import IndependentLevels, MarkovChain
from tests.conftest import ROOT
from ui import catalog as pages
from ui.i18n import LANGUAGES, catalog

SEEDS = range(20)
STEMS = [info.stem for info in pages.built_pages()]


@cache
def questions(stem: str, seed: int) -> tuple[practice.Question, ...]:
    return tuple(practice.questions(stem, seed))


def card(name: str) -> dict:
    return json.loads((ROOT / "checkpoints" / f"{name}.json").read_text())["metrics"]


@cache
def markov_nll(k: int, part: str) -> float:
    return MarkovChain(data.digits("train").binary, k, 0.1).nll(data.digits(part).binary)


def option(question: practice.Question, name: str) -> str:
    return f"practice.{question.prompt.split('.')[1]}.{question.id}.options.{name}"


# ---------------------------------------------------------------------------- the answers, recomputed
def lower_of(question, low_name: str, high_name: str, low: float, high: float) -> str:
    """The option named for the smaller of two numbers."""
    return option(question, low_name if low < high else high_name)


@cache
def home_order() -> int:
    return counted.choose_markov_order(data.digits("fit").binary, data.digits("val").binary, range(25), 0.1)


def expected_home(q, v):
    if q.id == "job":
        return option(q, {"x_new ~ p(x)": "generation", "x ↦ log p(x)": "density", "x ↦ z": "representation"}[v["formula"]])
    if q.id == "flipped":
        return 64 * v["f"]
    assert v["k"] == home_order()
    model, test = MarkovChain(data.digits("train").binary, v["k"], 0.1), data.digits("test").binary
    clean, noisy = model.log_prob(test).mean(), model.log_prob(metrics.flip_pixels(test, v["f"], 0)).mean()
    return option(q, "clean" if clean > noisy else "noisy")


def expected_discrete(q, v):
    return {"bernoulli": lambda: 1 - v["p"], "categorical": lambda: v["m"] - 1,
            "rgb": lambda: (2 ** v["bits"]) ** 3 - 1, "binary": lambda: 2 ** v["n"] - 1}[q.id]()


def expected_independence(q, v):
    if q.id == "markov":  # one Bernoulli per configuration of each pixel's parents, by enumeration
        return sum(2 ** min(i - 1, v["k"]) for i in range(1, v["n"] + 1))
    if q.id == "chain_rule":
        return sum(2 ** (i - 1) for i in range(1, v["n"] + 1))
    if q.id == "overfit":
        return lower_of(q, "train", "test", markov_nll(v["k"], "train"), markov_nll(v["k"], "test"))
    return lower_of(q, "low", "high", markov_nll(v["low"], "test"), markov_nll(v["high"], "test"))


def expected_nade(q, v):
    if q.id == "params":
        return 2 * v["n"] * v["hidden"] + v["n"] + v["hidden"]
    if q.id == "inputs":
        return len(range(1, v["i"]))
    levels = IndependentLevels(data.digits("train").images).nll(data.digits("test").images)
    return lower_of(q, "mixture", "independent", card("nade_continuous")["test_nll"], levels)


def expected_pixelrnn(q, v):
    if q.id == "past":
        return v["row"] * v["side"] + v["col"]
    if q.id == "mask":
        k, centre = v["kernel"], v["kernel"] // 2
        return sum(1 for r in range(k) for c in range(k) if r < centre or (r == centre and c < centre + (v["kind"] == "B")))
    names = [key.split(".")[1] for key in q.options]
    return f"models.{min(names, key=lambda name: card(name)['test_nll'])}.name"


def expected_variational(q, v):
    if q.id == "kl":
        return 0.5 * (v["mean"] ** 2 + v["std"] ** 2 - 1 - math.log(v["std"] ** 2))
    if q.id == "identity":  # ln p(x) of z ~ N(0, 1), x | z ~ N(2z, 1): p(x) = N(0, 5)
        return -0.5 * (math.log(2 * math.pi * 5) + v["x"] ** 2 / 5)
    return 2 * v["x"] / 5


def vae_card(beta) -> dict:
    return card(f"vae_beta_{beta:g}")


def expected_vae(q, v):
    if q.id == "sharper":
        return lower_of(q, "low", "high", vae_card(v["low"])["distortion"], vae_card(v["high"])["distortion"])
    if q.id == "rate":
        return option(q, "low" if vae_card(v["low"])["rate"] > vae_card(v["high"])["rate"] else "high")  # the larger
    metrics = vae_card(v["beta"])
    assert (v["d"], v["r"]) == (round(metrics["distortion"], 2), round(metrics["rate"], 2))
    return v["d"] + v["beta"] * v["r"]


def expected_aae(q, v):
    if q.id == "best_prior":
        priors = [key.split(".")[-1] for key in q.options]
        return f"aae.priors.{min(priors, key=lambda p: card(f'aae_{p}')['energy'] / card(f'aae_{p}')['energy_floor'])}"
    if q.id == "vs_vae":
        prior = v["prior"].split(".")[-1]
        return lower_of(q, "aae", "vae", card(f"aae_{prior}")["energy"], card("vae_beta_1")[f"energy_{prior}"])
    return option(q, "critic_z")


def expected_gan(q, v):
    if q.id == "loss":  # gradients through the logit: -D for log(1 - D), -(1 - D) for -log D
        return option(q, "non_saturating" if 1 - v["d"] > v["d"] else "saturating")
    if q.id == "d_star":
        return v["p_data"] / (v["p_data"] + v["p_g"])
    return -math.log(4) + 2 * v["jsd"]


def expected_dcgan_infogan(q, v):
    if q.id == "entropy":
        return math.log(v["k"])
    if q.id == "fd":
        name = {"dcgan_infogan.models.dcgan": "dcgan", "dcgan_infogan.models.gan_mlp": "gan_mlp",
                "models.infogan.name": "infogan"}[v["model"]]
        return lower_of(q, "real", "model", card(name)["fd_real"], card(name)["fd"])
    return math.sqrt(v["d"] / 2)


def expected_conditional(q, v):
    if q.id == "prompt":
        words = re.findall(r"\w+", v["prompt"])
        found = {digit for digit, languages in DIGIT_WORDS.items() for word in languages["en"] if word in words}
        assert len(found) == 1, v["prompt"]
        return found.pop()
    if q.id == "missing":
        return (v["pieces"] - v["given"]) * v["piece"]
    metrics = card("puzzle_gan")
    return lower_of(q, "many", "few", metrics[f"agreement_given_{v['few']}"], metrics[f"agreement_given_{v['many']}"])


def expected_translation(q, v):
    from core.models.adversarial import translation

    if q.id == "generators":
        return len(list(permutations(range(v["k"]), 2)))
    if q.id == "params":
        return lower_of(q, "cycle", "star", translation.stargan_generator_params(v["k"]),
                        translation.cyclegan_generators_params(v["k"]))
    kept = {lam: card(f"cyclegan_l{lam}")["identity_ab"] for lam in ("0", "1", "10")}
    return option(q, f"l{max(kept, key=kept.get)}")


def expected_progressive_gan(q, v):
    grown, direct = card("progan"), card("progan_direct")
    if q.id == "fade":
        return (1 - v["alpha"]) * v["previous"] + v["alpha"] * v["new"]
    if q.id == "fd":
        return lower_of(q, "grown", "direct", grown["fd_16"], direct["fd_16"])
    return lower_of(q, "grown", "direct", grown["seconds_4"] + grown["seconds_8"] + grown["seconds_16"],
                    direct["seconds_16"])


def expected_flows(q, v):
    if q.id == "coupling":  # d/dx2 of x2 e^s + t, by a central difference, then its log
        step = 1e-6
        y = lambda x2: x2 * math.exp(v["s"]) + v["t"]
        return math.log((y(0.3 + step) - y(0.3 - step)) / (2 * step))
    if q.id == "stack":
        return v["base"] + v["a"] + v["b"] + v["c"]
    if q.id == "dequantization":  # 64 pixels, each cell of width 1/L
        return v["value"] + 64 * math.log(1 / v["levels"])
    return option(q, "log_px")


def expected_diffusion(q, v):
    if q.id == "alpha_bar":
        return math.prod([1 - v["beta"]] * v["t"])
    if q.id == "mean":
        return v["x0"] * v["alpha_bar"] ** 0.5
    if q.id == "std":
        return (1 - v["alpha_bar"]) ** 0.5
    return option(q, "noise")


def expected_glossary(q, v):
    return {"jsd": lambda: math.log(2), "kl": lambda: v["mu"] ** 2 / 2, "tree": lambda: 2 * v["n"] - 1}[q.id]()


EXPECTED = {name.removeprefix("expected_"): function for name, function in globals().items()
            if name.startswith("expected_")}


def test_every_built_page_has_a_generator_and_the_tests_check_each():
    assert set(practice.GENERATORS) >= set(STEMS)
    assert set(EXPECTED) == set(practice.GENERATORS)


@pytest.mark.parametrize("stem", sorted(practice.GENERATORS))
def test_answers_equal_the_core_computed_independently(stem):
    for seed in SEEDS:
        for q in questions(stem, seed):
            expected = EXPECTED[stem](q, q.format_values)
            where = f"{stem} seed {seed} {q.id} {q.format_values}"
            if q.kind == practice.CHOICE:
                assert q.answer == expected, where
            else:
                # the answer itself is right, and a student who types the exact value is right
                assert abs(float(q.answer) - expected) <= max(q.tolerance / 2, 1e-9 * abs(expected)), where
                assert practice.check(q, repr(float(expected))), where


@pytest.mark.parametrize("stem", sorted(practice.GENERATORS))
def test_three_questions_or_more_well_formed_and_changing_with_the_seed(stem):
    seen = set()
    for seed in SEEDS:
        shown = questions(stem, seed)
        assert len(shown) >= 3
        assert len({q.id for q in shown}) == len(shown)
        assert questions(stem, seed) == tuple(practice.questions(stem, seed))  # the same seed asks the same
        for q in shown:
            assert q.kind in (practice.NUMBER, practice.CHOICE)
            if q.kind == practice.CHOICE:
                assert len(q.options) >= 2 and len(set(q.options)) == len(q.options) and q.answer in q.options
                assert practice.check(q, q.answer) and not any(practice.check(q, o) for o in q.options if o != q.answer)
            else:
                assert math.isfinite(float(q.answer)) and q.tolerance >= 0
        seen.add(tuple((q.id, q.values, q.options) for q in shown))
    assert len(seen) > 1, "the questions do not change with the seed"


def filled(text: str, values: dict, strings: dict) -> str:
    return text.format(**{k: strings[v] if isinstance(v, practice.LocaleKey) else v for k, v in values.items()})


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_every_text_of_every_question_exists_and_fills_in(lang):
    strings = catalog(lang)
    for stem in practice.GENERATORS:
        for seed in SEEDS:
            for q in questions(stem, seed):
                values = q.format_values
                keys = [q.prompt, q.hint, q.explanation, q.section, *q.options]
                keys += [v for v in values.values() if isinstance(v, practice.LocaleKey)]
                assert all(key in strings for key in keys), [key for key in keys if key not in strings]
                for key in (q.prompt, q.hint, q.explanation, *q.options):
                    filled(strings[key], values, strings)  # no placeholder without a value


# ---------------------------------------------------------------------------- reading answers
@pytest.mark.parametrize("text, value", [
    ("64", 64), ("2^6", 64), ("2**6", 64), ("6.4e1", 64), ("6.4E+1", 64), (" 64 ", 64), ("1,024", 1024),
    ("2^10", 1024), ("2^64 - 1", 2**64 - 1), ("(2^8)^3 - 1", 16_777_215), ("2*64*100 + 64 + 100", 12_964),
    ("1/2", 0.5), ("0.5", 0.5), (".5", 0.5), ("-1.386", -1.386), ("−3", -3), ("2^-1", 0.5), ("2^3^2", 512),
    ("-2^2", -4), ("12,345,678.5", 12_345_678.5), ("3×4", 12), ("1e-3", 0.001),
])
def test_parse_number_reads_equivalent_forms(text, value):
    assert practice.parse_number(text) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("text", [
    "", "   ", "abc", "2^^", "2^", "^2", "1e999", "10^400", "2**2**2**2**2", "1,02", "1,0245", "(2", "2)",
    "nan", "inf", "1/0", "0^-1", "(-8)^(1/3)", "2 3", "64abc", "0x40", "__import__('os')", "9" * 400, "1e308*10",
])
def test_parse_number_refuses_junk(text):
    with pytest.raises(ValueError):
        practice.parse_number(text)


def test_check_accepts_equivalent_forms_and_refuses_wrong_or_junk():
    q = next(q for q in questions("discrete", 0) if q.id == "binary")  # 2^n - 1
    n = q.format_values["n"]
    for typed in (str(2**n - 1), f"2^{n} - 1", f"2**{n}-1", f"{2**n - 1:,}", f"{2**n - 1:e}"):
        assert practice.check(q, typed), typed
    for typed in (str(2**n), str(2**n - 2), "", "abc", "2^^", "1e999"):
        assert not practice.check(q, typed), typed
    kl = next(q for q in questions("variational", 0) if q.id == "kl")  # tolerance 0.01
    assert practice.check(kl, f"{float(kl.answer) + 0.009}")
    assert not practice.check(kl, f"{float(kl.answer) + 0.02}")


def test_a_damaged_card_raises_a_checkpoint_error(tmp_path, monkeypatch):
    from core import checkpoints

    for path in (ROOT / "checkpoints").glob("*.json"):
        (tmp_path / path.name).write_text(path.read_text())
    (tmp_path / "puzzle_gan.json").write_text("[1, 2, 3]")
    monkeypatch.setattr(checkpoints, "CHECKPOINT_DIR", tmp_path)
    with pytest.raises(checkpoints.CheckpointError, match="puzzle_gan.json"):
        practice.questions("conditional", 0)
    assert all(len(practice.questions(stem, 0)) >= 3 for stem in ("discrete", "gan", "glossary"))  # no card read
