""""Check yourself": questions built from each page's own objects, and a safe answer checker.

Every page of the app ends with at least three questions. Each is built here from the
same core functions (and checkpoint cards) the page shows, with its numbers drawn from
the sidebar's seed, so another seed asks the same thing about other numbers:

    questions("independence", seed=3)  ->  [Question(...), ...]

A Question holds locale keys (practice.<page>.<id>.prompt / .hint / .explanation, and
the title key of the page section that shows the answer) and the values that fill them,
never text; ui/practice.py draws it in the student's language.

Numeric answers are read by `parse_number`, a tiny parser (no eval) that accepts what a
student may type for the same number: 64, 2^6, 2**6, 6.4e1, 1,024, 2^10 - 1, 1/2.
Reading a card can raise core.checkpoints.CheckpointError (a damaged checkpoint); the
page's practice then shows that message.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from core import checkpoints
from core.lectures import counting

NUMBER = "number"
CHOICE = "choice"


class LocaleKey(str):
    """A format value that is itself a locale key (a model's or a prior's name): shown translated."""


@dataclass(frozen=True)
class Question:
    id: str  # unique within its page
    prompt: str  # locale key, filled with `values`
    values: tuple[tuple[str, object], ...]  # (name, value) pairs for the prompt, options, hint and explanation
    kind: str  # NUMBER or CHOICE
    answer: float | int | str  # the number, or the locale key of the right option
    options: tuple[str, ...] = ()  # CHOICE: locale keys, in the order shown
    tolerance: float = 0.0  # NUMBER: |typed - answer| <= tolerance counts as right
    hint: str = ""  # locale key: shown after a first wrong answer
    explanation: str = ""  # locale key: shown with the answer
    section: str = ""  # locale key of the title of the page's section that shows the answer

    @property
    def format_values(self) -> dict[str, object]:
        return dict(self.values)


def _question(stem: str, id: str, kind: str, answer, values: dict, section: str, *,
              options: tuple[str, ...] = (), tolerance: float = 0.0) -> Question:
    """A question whose texts follow the key convention practice.<stem>.<id>.<part>."""
    base = f"practice.{stem}.{id}"
    return Question(id=id, prompt=f"{base}.prompt", values=tuple(values.items()), kind=kind, answer=answer,
                    options=options, tolerance=tolerance, hint=f"{base}.hint", explanation=f"{base}.explanation",
                    section=section)


def _shuffled(options, rng: random.Random) -> tuple[str, ...]:
    options = list(options)
    rng.shuffle(options)
    return tuple(options)


def _choice(stem: str, id: str, right: str, options, values: dict, section: str, rng: random.Random) -> Question:
    """A choice among `options` (locale keys, `right` one of them), shown in a seeded order."""
    assert right in options
    return _question(stem, id, CHOICE, right, values, section, options=_shuffled(options, rng))


def _own_choice(stem: str, id: str, right: str, names, values: dict, section: str, rng: random.Random) -> Question:
    """A choice whose options are the question's own keys practice.<stem>.<id>.options.<name>."""
    key = f"practice.{stem}.{id}.options."
    return _choice(stem, id, key + right, [key + name for name in names], values, section, rng)


def _card_metrics(name: str):
    """The metrics of checkpoint `name`'s card (CheckpointError if the card is damaged)."""
    return checkpoints.load_card(name)["metrics"]


# ----------------------------------------------------------------------------
# One generator per page


def home(rng: random.Random) -> list[Question]:
    from core import data

    s = "home"
    job = rng.choice(("generation", "density", "representation"))
    formula = {"generation": "x_new ~ p(x)", "density": "x ↦ log p(x)", "representation": "x ↦ z"}[job]
    fraction = rng.choice((0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5))
    clean, noisy = _home_log_probs(fraction)
    higher = "clean" if clean > noisy else "noisy"
    return [
        _own_choice(s, "job", job, ("generation", "density", "representation"), {"formula": formula},
                    f"home.{job}.title", rng),
        _question(s, "flipped", NUMBER, data.NUM_PIXELS * fraction, {"f": fraction, "n": data.NUM_PIXELS},
                  "home.density.title", tolerance=0.01),
        _own_choice(s, "noisy", higher, ("clean", "noisy"),
                    {"f": fraction, "clean": clean, "noisy": noisy, "k": _home_markov_order()}, "home.density.title", rng),
    ]


def _home_markov_order() -> int:
    """The Markov order of Home's model, the one ui.loaders shows."""
    from core.models import counted

    return counted.validated_markov_order(0.1)


def _home_log_probs(fraction: float) -> tuple[float, float]:
    """Mean log p(x) of the test digits, clean and with a fraction of pixels flipped, under Home's model."""
    from core import data, metrics

    model = _markov(_home_markov_order(), 0.1)
    test = data.digits("test").binary
    return float(model.log_prob(test).mean()), float(model.log_prob(metrics.flip_pixels(test, fraction, 0)).mean())


@cache
def _markov(k: int, alpha: float):
    from core import data
    from core.models.counted import MarkovChain

    return MarkovChain(data.digits("train").binary, k, alpha)


def discrete(rng: random.Random) -> list[Question]:
    s = "discrete"
    p = rng.choice([round(0.05 * i, 2) for i in range(1, 20)])
    m, bits, n = rng.randint(3, 20), rng.randint(1, 8), rng.randint(3, 20)
    return [
        _question(s, "bernoulli", NUMBER, round(1 - p, 2), {"p": p}, "discrete.bernoulli.title", tolerance=1e-9),
        _question(s, "categorical", NUMBER, counting.categorical_params(m), {"m": m}, "discrete.categorical.title"),
        _question(s, "rgb", NUMBER, counting.rgb_pixel_params(bits), {"bits": bits, "levels": 2**bits},
                  "discrete.rgb.title"),
        _question(s, "binary", NUMBER, counting.full_joint_params(n), {"n": n}, "discrete.binary.title"),
    ]


def independence(rng: random.Random) -> list[Question]:
    from core import data

    s = "independence"
    n = rng.randint(8, 64)
    k = rng.randint(1, min(8, n - 1))
    chain_n = rng.randint(3, 12)
    order = rng.randint(10, 20)
    fitted = _markov(order, 0.1)
    train_nll, test_nll = fitted.nll(data.digits("train").binary), fitted.nll(data.digits("test").binary)
    low = rng.randint(0, 20)
    high = rng.randint(low + 4, 24)  # orders far enough apart that the U-curve tells them apart
    test_low, test_high = (_markov(j, 0.1).nll(data.digits("test").binary) for j in (low, high))
    lower = "train" if train_nll < test_nll else "test"
    better = "low" if test_low < test_high else "high"
    return [
        _question(s, "markov", NUMBER, counting.markov_params(n, k), {"n": n, "k": k}, "independence.count.title"),
        _question(s, "chain_rule", NUMBER, counting.chain_rule_params(chain_n), {"n": chain_n},
                  "independence.count.title"),
        _own_choice(s, "overfit", lower, ("train", "test"),
                    {"k": order, "train": train_nll, "test": test_nll}, "independence.fit.title", rng),
        _own_choice(s, "u_curve", better, ("low", "high"),
                    {"low": low, "high": high, "test_low": test_low, "test_high": test_high}, "independence.fit.title", rng),
    ]


def nade(rng: random.Random) -> list[Question]:
    from core import data
    from core.models.autoregressive.nade import nade_params
    from core.models.counted import IndependentLevels

    s = "nade"
    hidden = rng.choice((5, 10, 20, 30, 50, 64, 100, 128, 200, 256, 300, 500))
    pixel = rng.randint(2, 784)
    mixture = float(_card_metrics("nade_continuous")["test_nll"])
    levels = float(IndependentLevels(data.digits("train").images).nll(data.digits("test").images))
    lower = "mixture" if mixture < levels else "independent"
    return [
        _question(s, "params", NUMBER, nade_params(data.NUM_PIXELS, hidden), {"n": data.NUM_PIXELS, "hidden": hidden},
                  "nade.count.title"),
        _question(s, "inputs", NUMBER, pixel - 1, {"i": pixel}, "nade.count.title"),
        _own_choice(s, "continuous", lower, ("mixture", "independent"),
                    {"mixture": mixture, "levels": levels}, "nade.continuous.title", rng),
    ]


PIXELRNN_BOARD = ("nade", "pixelcnn", "row_lstm", "diagonal_bilstm")


def pixelrnn(rng: random.Random) -> list[Question]:
    from core.data import SIDE
    from core.models.autoregressive.pixelcnn import causal_mask

    s = "pixelrnn"
    row, col = rng.randint(0, SIDE - 1), rng.randint(0, SIDE - 1)
    if row == col == 0:
        col = rng.randint(1, SIDE - 1)
    kernel, kind = rng.choice((3, 5, 7)), rng.choice("AB")
    shown = rng.sample(PIXELRNN_BOARD, 3)
    nll = {name: float(_card_metrics(name)["test_nll"]) for name in shown}
    best = min(shown, key=nll.get)
    return [
        _question(s, "past", NUMBER, row * SIDE + col, {"row": row, "col": col, "side": SIDE}, "pixelrnn.context.title"),
        _question(s, "mask", NUMBER, int(causal_mask((kernel, kernel), kind).sum()), {"kernel": kernel, "kind": kind},
                  "pixelrnn.masks.title"),
        _choice(s, "board", f"models.{best}.name", [f"models.{name}.name" for name in shown],
                {"nll": ", ".join(f"{nll[name]:.2f}" for name in sorted(shown, key=nll.get))}, "pixelrnn.board.title",
                rng),
    ]


def variational(rng: random.Random) -> list[Question]:
    from core.lectures import variational as vi

    s = "variational"
    model = vi.LinearGaussian()  # the page's exact model: z ~ N(0, 1), x | z ~ N(2z, 1)
    mean, std = rng.choice((-2.0, -1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0)), rng.choice((0.5, 1.0, 2.0))
    x = rng.choice([v / 2 for v in range(-8, 9)])
    q_mean, q_std = rng.choice((-1.0, -0.5, 0.0, 0.5, 1.0)), rng.choice((0.5, 1.0, 1.5))
    elbo, kl = round(model.elbo(x, q_mean, q_std), 3), round(model.kl_to_posterior(x, q_mean, q_std), 3)
    post_x = rng.choice([v / 2 for v in range(-8, 9) if v])
    return [
        _question(s, "kl", NUMBER, round(float(vi.kl_to_standard_normal(mean, std)), 4), {"mean": mean, "std": std},
                  "variational.kl.title", tolerance=0.01),
        _question(s, "identity", NUMBER, round(elbo + kl, 3), {"x": x, "elbo": elbo, "kl": kl},
                  "variational.identity.title", tolerance=0.01),
        _question(s, "posterior", NUMBER, round(model.posterior(post_x)[0], 4), {"x": post_x},
                  "variational.identity.title", tolerance=0.01),
    ]


def vae(rng: random.Random) -> list[Question]:
    from core.models.latent.vae import BETAS, beta_name

    s = "vae"
    cards = {beta: _card_metrics(beta_name(beta)) for beta in BETAS}
    low, high = sorted(rng.sample(BETAS, 2))
    sharper = "low" if cards[low]["distortion"] < cards[high]["distortion"] else "high"
    rate_low, rate_high = sorted(rng.sample(BETAS, 2))
    more = "low" if cards[rate_low]["rate"] > cards[rate_high]["rate"] else "high"
    beta = rng.choice(BETAS)
    d, r = round(float(cards[beta]["distortion"]), 2), round(float(cards[beta]["rate"]), 2)
    return [
        _own_choice(s, "sharper", sharper, ("low", "high"),
                    {"low": low, "high": high, "d_low": cards[low]["distortion"], "d_high": cards[high]["distortion"]},
                    "vae.beta.title", rng),
        _own_choice(s, "rate", more, ("low", "high"),
                    {"low": rate_low, "high": rate_high, "r_low": cards[rate_low]["rate"],
                     "r_high": cards[rate_high]["rate"]},
                    "vae.beta.title", rng),
        _question(s, "loss", NUMBER, round(d + beta * r, 4), {"beta": beta, "d": d, "r": r}, "vae.beta.title",
                  tolerance=0.01),
    ]


def aae(rng: random.Random) -> list[Question]:
    from core.models.latent.aae import PRIORS
    from core.models.latent.vae import beta_name

    s = "aae"
    cards = {prior: _card_metrics(f"aae_{prior}") for prior in PRIORS}
    vae_card = _card_metrics(beta_name(1.0))
    shown = rng.sample(list(PRIORS), 3)
    ratio = {prior: cards[prior]["energy"] / cards[prior]["energy_floor"] for prior in shown}
    best = min(shown, key=ratio.get)
    prior = rng.choice(list(PRIORS))
    closer = "aae" if cards[prior]["energy"] < vae_card[f"energy_{prior}"] else "vae"
    return [
        _choice(s, "best_prior", f"aae.priors.{best}", [f"aae.priors.{p}" for p in shown],
                {"ratios": ", ".join(f"{ratio[p]:.1f}" for p in sorted(shown, key=ratio.get))}, "aae.table.title", rng),
        _own_choice(s, "vs_vae", closer, ("aae", "vae"),
                    {"prior": LocaleKey(f"aae.priors.{prior}"), "aae": cards[prior]["energy"],
                     "vae": vae_card[f"energy_{prior}"]},
                    "aae.table.title", rng),
        _own_choice(s, "replaces", "critic_z", ("critic_z", "critic_x", "closed_form"), {}, "aae.prior.title", rng),
    ]


def gan(rng: random.Random) -> list[Question]:
    import numpy as np

    from core.lectures import gan_theory

    s = "gan"
    d = rng.choice((0.01, 0.02, 0.03, 0.05))
    losses = gan_theory.generator_losses(np.array([d]))
    saturating, non_saturating = float(losses["saturating_gradient"][0]), float(losses["non_saturating_gradient"][0])
    useful = "non_saturating" if abs(non_saturating) > abs(saturating) else "saturating"
    p_data, p_g = rng.choice([0.05 * i for i in range(1, 11)]), rng.choice([0.05 * i for i in range(1, 11)])
    p_data, p_g = round(p_data, 2), round(p_g, 2)
    jsd = round(rng.choice([0.05 * i for i in range(0, 14)]), 2)
    return [
        _own_choice(s, "loss", useful, ("saturating", "non_saturating"),
                    {"d": d, "saturating": saturating, "non_saturating": non_saturating}, "gan.losses.title", rng),
        _question(s, "d_star", NUMBER,
                  round(float(gan_theory.optimal_discriminator(np.array(p_data), np.array(p_g))), 4),
                  {"p_data": p_data, "p_g": p_g}, "gan.theory.title", tolerance=0.01),
        _question(s, "value", NUMBER, round(-gan_theory.LOG4 + 2 * jsd, 4), {"jsd": jsd}, "gan.theory.title",
                  tolerance=0.01),
    ]


def dcgan_infogan(rng: random.Random) -> list[Question]:
    import numpy as np
    import torch

    from core.models.adversarial.gan import code_mutual_information, interpolate

    s = "dcgan_infogan"
    categories = rng.randint(2, 20)
    most = float(code_mutual_information(torch.eye(categories, dtype=torch.float64)))  # each image one sure code
    name = rng.choice(("dcgan", "gan_mlp", "infogan"))
    metrics = _card_metrics(name)
    lower = "real" if metrics["fd_real"] < metrics["fd"] else "model"
    dim = rng.choice((2, 8, 16, 32, 50, 64, 100))
    z_0, z_1 = np.zeros(dim), np.zeros(dim)
    z_0[0] = z_1[1] = math.sqrt(dim)  # two orthogonal noise vectors of the typical norm sqrt(d)
    middle = interpolate(z_0, z_1, steps=3, spherical=False)[1]
    return [
        _question(s, "entropy", NUMBER, round(most, 4), {"k": categories}, "dcgan_infogan.infogan.title",
                  tolerance=0.01),
        _own_choice(s, "fd", lower, ("model", "real"),
                    {"model": LocaleKey(f"dcgan_infogan.models.{name}" if name != "infogan" else "models.infogan.name"),
                     "fd": metrics["fd"], "fd_real": metrics["fd_real"]}, "dcgan_infogan.table.title", rng),
        _question(s, "walk", NUMBER, round(float(np.linalg.norm(middle)), 4), {"d": dim, "norm": math.sqrt(dim)},
                  "dcgan_infogan.walk.title", tolerance=0.01),
    ]


def conditional(rng: random.Random) -> list[Question]:
    from core.data import prompts
    from core.models.adversarial import conditional as cond

    s = "conditional"
    text = ""
    while not text or any(ch.isdigit() for ch in text):  # the digit as a word, not a numeral
        text = prompts.caption(rng.randint(0, 9), rng.choice(prompts.THICKNESS), rng.choice(prompts.SLANT), rng,
                               "en", omit=0.3)
    given = rng.randint(2, 14)
    mask = cond.piece_mask(cond.random_given(1, given, rng.randrange(2**31))[0])
    metrics = _card_metrics("puzzle_gan")
    agreement = {k: metrics[f"agreement_given_{k}"] for k in (2, 4, 6, 8, 10, 12, 14)}
    pairs = [(a, b) for a in agreement for b in agreement if a < b and agreement[a] != agreement[b]]  # no ties
    few, many = rng.choice(pairs or [(2, 14)])
    higher = "few" if agreement[few] > agreement[many] else "many"
    return [
        _question(s, "prompt", NUMBER, prompts.parse(text).digit, {"prompt": text}, "conditional.text.title"),
        _question(s, "missing", NUMBER, int((~mask).sum()), {"given": given, "pieces": cond.GRID**2,
                                                               "piece": cond.PIECE**2}, "conditional.puzzle.title"),
        _own_choice(s, "agreement", higher, ("few", "many"),
                    {"few": few, "many": many, "a_few": agreement[few], "a_many": agreement[many]},
                    "conditional.puzzle.title", rng),
    ]


TRANSLATION_LAMBDAS = ("0", "1", "10")


def translation(rng: random.Random) -> list[Question]:
    from core.models.adversarial import translation as tr

    s = "translation"
    k = rng.randint(2, 10)
    cycle = tr.cyclegan_generators_params(k)
    one_cycle = tr.cyclegan_generators_params(2) // 2  # one generator: CycleGAN with 2 domains has 2
    star = tr.stargan_generator_params(k)
    more = "cycle" if cycle > star else "star"
    kept = {lam: _card_metrics(f"cyclegan_l{lam}")["identity_ab"] for lam in TRANSLATION_LAMBDAS}
    best = max(TRANSLATION_LAMBDAS, key=kept.get)
    return [
        _question(s, "generators", NUMBER, cycle // one_cycle, {"k": k}, "translation.counts.title"),
        _own_choice(s, "params", more, ("star", "cycle"),
                    {"k": k, "cycle": cycle, "star": star}, "translation.counts.title", rng),
        _own_choice(s, "lambda", f"l{best}", [f"l{lam}" for lam in TRANSLATION_LAMBDAS],
                    {f"kept_{lam}": kept[lam] for lam in TRANSLATION_LAMBDAS}, "translation.cycle.title", rng),
    ]


def progressive_gan(rng: random.Random) -> list[Question]:
    import torch

    from core.models.adversarial import progan

    s = "progressive_gan"
    previous, new = rng.choice([i / 10 for i in range(11)]), rng.choice([i / 10 for i in range(11)])
    alpha = rng.choice([i / 20 for i in range(1, 20)])
    blended = float(progan.fade(torch.tensor(previous, dtype=torch.float64), torch.tensor(new, dtype=torch.float64),
                                alpha))
    grown, direct = _card_metrics("progan"), _card_metrics("progan_direct")
    better = "grown" if grown["fd_16"] < direct["fd_16"] else "direct"
    grown_seconds = sum(grown[f"seconds_{side}"] for side in progan.RESOLUTIONS)
    faster = "grown" if grown_seconds < direct["seconds_16"] else "direct"
    return [
        _question(s, "fade", NUMBER, round(blended, 4), {"previous": previous, "new": new, "alpha": alpha},
                  "progressive_gan.fade.title", tolerance=0.01),
        _own_choice(s, "fd", better, ("grown", "direct"),
                    {"grown": grown["fd_16"], "direct": direct["fd_16"]}, "progressive_gan.quality.title", rng),
        _own_choice(s, "time", faster, ("grown", "direct"),
                    {"grown": grown_seconds, "direct": direct["seconds_16"]}, "progressive_gan.quality.title", rng),
    ]


def glossary(rng: random.Random) -> list[Question]:
    from core.lectures import gan_theory

    s = "glossary"
    apart = rng.choice((12.0, 14.0, 16.0))  # two bumps of width 1 this far apart do not overlap
    p, q = (gan_theory.normal_pdf(gan_theory.GRID, side * apart / 2, 1.0) for side in (-1, 1))  # no tail underflows
    shift = rng.choice((0.5, 1.0, 1.5, 2.0, 2.5, 3.0))
    kl = gan_theory.kl_divergence(gan_theory.normal_pdf(gan_theory.GRID, shift, 1.0),
                                  gan_theory.normal_pdf(gan_theory.GRID, 0.0, 1.0))
    n = rng.randint(3, 784)
    return [
        _question(s, "jsd", NUMBER, round(gan_theory.jensen_shannon(p, q), 4), {"apart": apart}, "glossary.title",
                  tolerance=0.01),
        _question(s, "kl", NUMBER, round(kl, 4), {"mu": shift}, "glossary.title", tolerance=0.01),
        _question(s, "tree", NUMBER, counting.tree_params(n), {"n": n}, "glossary.title"),
    ]


def flows(rng: random.Random) -> list[Question]:
    s = "flows"
    scale, shift = round(rng.uniform(-1.5, 1.5), 2), round(rng.uniform(-2, 2), 2)
    log_dets = [round(rng.uniform(-1.0, 1.5), 2) for _ in range(3)]
    base = round(rng.uniform(-4.0, -1.5), 2)
    mean_log_density = round(rng.uniform(40.0, 90.0), 1)
    levels = 17
    return [
        _question(s, "coupling", NUMBER, scale, {"s": scale, "t": shift}, "flows.lab.title", tolerance=0.01),
        _question(s, "stack", NUMBER, round(base + sum(log_dets), 4),
                  {"base": base, "a": log_dets[0], "b": log_dets[1], "c": log_dets[2]}, "flows.lab.title",
                  tolerance=0.01),
        _question(s, "dequantization", NUMBER, round(mean_log_density - 64 * math.log(levels), 4),
                  {"value": mean_log_density, "levels": levels}, "flows.digits.title", tolerance=0.05),
        _own_choice(s, "exact", "log_px", ("log_px", "samples", "latent"), {}, "flows.map.title", rng),
    ]


def diffusion(rng: random.Random) -> list[Question]:
    s = "diffusion"
    beta, t = rng.choice((0.01, 0.02, 0.05)), rng.choice((5, 10, 20, 50))
    alpha_bar = round(rng.uniform(0.05, 0.95), 2)
    x0 = rng.choice((-1.0, -0.5, 0.5, 1.0))
    return [
        _question(s, "alpha_bar", NUMBER, round((1 - beta) ** t, 4), {"beta": beta, "t": t},
                  "diffusion.forward.title", tolerance=0.005),
        _question(s, "mean", NUMBER, round(math.sqrt(alpha_bar) * x0, 4), {"alpha_bar": alpha_bar, "x0": x0},
                  "diffusion.forward.title", tolerance=0.01),
        _question(s, "std", NUMBER, round(math.sqrt(1 - alpha_bar), 4), {"alpha_bar": alpha_bar},
                  "diffusion.forward.title", tolerance=0.01),
        _own_choice(s, "predicts", "noise", ("noise", "clean", "schedule"), {}, "diffusion.loss.title", rng),
    ]


GENERATORS: dict[str, Callable[[random.Random], list[Question]]] = {
    "home": home, "discrete": discrete, "independence": independence, "nade": nade, "pixelrnn": pixelrnn,
    "variational": variational, "vae": vae, "aae": aae, "gan": gan, "dcgan_infogan": dcgan_infogan,
    "conditional": conditional, "translation": translation, "progressive_gan": progressive_gan,
    "flows": flows, "diffusion": diffusion, "glossary": glossary,
}
"""Every page stem -> the generator of its questions."""


def questions(stem: str, seed: int) -> list[Question]:
    """The questions of page `stem` for this seed (the same seed, the same questions)."""
    return GENERATORS[stem](random.Random(f"{stem}/{seed}"))


# ----------------------------------------------------------------------------
# Reading and checking answers

MAX_ANSWER_CHARS = 60
_TOKEN = re.compile(r"\s*(?:(\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|(\*\*|[-+*/^()×·]))")


def parse_number(text: str) -> float:
    """The number a student typed, read without eval: a decimal number (1,024 with thousands
    commas, 6.4e1), powers (2^6, 2**6, right-associative), * × / + - and brackets. Raises
    ValueError for anything else, and for a result that is not a finite real number."""
    text = str(text).replace("−", "-").strip()
    if not text or len(text) > MAX_ANSWER_CHARS:
        raise ValueError("empty or too long")
    tokens, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            if text[position:].strip():
                raise ValueError(f"cannot read {text[position:]!r}")
            break
        number, exponent, operator = match.groups()
        tokens.append(("num", float(number.replace(",", "") + (exponent or ""))) if number else ("op", operator))
        position = match.end()
    value, rest = _sum(tokens)
    if rest:
        raise ValueError("unexpected text after the number")
    return value


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return value


def _sum(tokens):
    value, tokens = _product(tokens)
    while tokens and tokens[0] in (("op", "+"), ("op", "-")):
        right, rest = _product(tokens[1:])
        value, tokens = _finite(value + right if tokens[0][1] == "+" else value - right), rest
    return value, tokens


def _product(tokens):
    value, tokens = _signed(tokens)
    while tokens and tokens[0][0] == "op" and tokens[0][1] in "*×·/":
        right, rest = _signed(tokens[1:])
        if tokens[0][1] == "/":
            if right == 0:
                raise ValueError("division by zero")
            value = value / right
        else:
            value = value * right
        value, tokens = _finite(value), rest
    return value, tokens


def _signed(tokens):
    if tokens and tokens[0] in (("op", "-"), ("op", "+")):
        value, rest = _signed(tokens[1:])
        return (-value if tokens[0][1] == "-" else value), rest
    return _power(tokens)


def _power(tokens):
    base, tokens = _atom(tokens)
    if tokens and tokens[0] in (("op", "^"), ("op", "**")):
        exponent, tokens = _signed(tokens[1:])  # right-associative: 2^3^2 = 2^9
        try:
            base = math.pow(base, exponent)  # math.pow raises where ** would return a complex number
        except (OverflowError, ValueError, ZeroDivisionError):
            raise ValueError("no real, finite power") from None
        base = _finite(base)
    return base, tokens


def _atom(tokens):
    if not tokens:
        raise ValueError("a number is missing")
    kind, value = tokens[0]
    if kind == "num":
        return _finite(value), tokens[1:]
    if value == "(":
        inner, rest = _sum(tokens[1:])
        if not rest or rest[0] != ("op", ")"):
            raise ValueError("a bracket is not closed")
        return inner, rest[1:]
    raise ValueError(f"unexpected {value!r}")


def check(question: Question, text: str) -> bool:
    """Whether `text` answers the question: a number within its tolerance (in any form
    parse_number reads), or the right option's key. Unreadable text is not right."""
    if question.kind == CHOICE:
        return text == question.answer
    try:
        typed = parse_number(text)
    except ValueError:
        return False
    answer = float(question.answer)
    return abs(typed - answer) <= question.tolerance + 1e-9 * max(1.0, abs(answer))
