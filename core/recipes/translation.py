"""The registry's fit and measure of the translation models and of their two judges.

Judges (the digit classifier of core/recipes/quality.py reads handwritten digits):
- printed_classifier: a DigitClassifier trained on printed digits; it reads CycleGAN's G(x).
- domain_classifier: a DigitClassifier with one class per StarGAN domain; it says which
  style a digit is drawn in, and so whether G(x, c) reached c.

Data: A = the handwritten digits of a part, B = printed digits rendered for labels drawn
independently of A's (seeded): unpaired, and no label reaches a translation model. The test
measurements use the 360 test digits and 360 printed digits rendered for the test labels.
Epochs are chosen on the validation carve without digit labels: CycleGAN by how much its
translations look like the other domain (Fréchet distances on the judges' features),
StarGAN by how often the domain classifier reads its translations as the target, plus its
reconstruction error.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

from core import data
from core.data import gray
from core.data.domains import DOMAINS, all_domains, printed_digits, restyle, restyled_set
from core.metrics import frechet_distance
from core.models.adversarial.translation import CycleGAN, StarGAN
from core.models.classifier import DigitClassifier, with_labels
from core.training import TrainResult, ValidationMonitor, train

# Seeds of the printed digits of each part (and of the independent labels they show), and of
# StarGAN's domain assignment; apart so that no two sets share a rendering.
PRINTED_SEEDS = {"fit": 1, "val": 2, "test": 3}
JUDGE_COPIES = 3  # printed_classifier: renderings of each fit label (more jitter seen per label)
JUDGE_MIN_INK = 0.3  # the printed judge also sees faint printing, so it reads a faint translation by its shape
STARGAN_SEEDS = {"fit": 4, "val": 5}


def printed_part(part: str, independent: bool) -> np.ndarray:
    """Printed digits as many as the part has digits: for its own labels (independent=False, the
    test measurement), or for labels drawn independently of them (the unpaired domain B)."""
    labels = data.digits(part).labels
    if independent:
        labels = np.random.default_rng(PRINTED_SEEDS[part]).integers(10, size=len(labels))
    return printed_digits(labels, PRINTED_SEEDS[part])


def unpaired_rows(part: str) -> np.ndarray:
    """CycleGAN's rows (N, 128): handwritten digit, then an unrelated printed digit."""
    return np.concatenate([gray(part), printed_part(part, independent=True)], axis=1)


def domain_rows(part: str) -> np.ndarray:
    """StarGAN's rows (N, 65): each digit restyled to one random domain, then that domain."""
    images, domains = restyled_set(gray(part), STARGAN_SEEDS[part])
    return with_labels(images, domains)


# ----------------------------------------------------------------------------
# The judges


def fit_printed_classifier(entry, model: DigitClassifier) -> TrainResult:
    """The shared loop on printed digits: JUDGE_COPIES renderings of each fit label, in a wider range
    of stroke intensity than the domain's, epoch chosen on val."""
    labels = np.tile(data.digits("fit").labels, JUDGE_COPIES)
    fit = with_labels(printed_digits(labels, PRINTED_SEEDS["fit"], min_ink=JUDGE_MIN_INK), labels)
    val = with_labels(printed_part("val", independent=False), data.digits("val").labels)
    return train(model, fit, val, entry.train)


def measure_printed_classifier(entry, model: DigitClassifier) -> dict[str, float]:
    accuracy = float((model.probs(printed_part("test", independent=False)).argmax(axis=1)
                      == data.digits("test").labels).mean())
    return {"test_accuracy": accuracy, "num_params": model.num_params()}


def fit_domain_classifier(entry, model: DigitClassifier) -> TrainResult:
    """The shared loop on every fit digit in every domain, labelled by domain; epoch chosen on val."""
    fit, val = (with_labels(*all_domains(gray(part))) for part in ("fit", "val"))
    return train(model, fit, val, entry.train)


def reference_accuracy(classifier: DigitClassifier) -> dict[str, float]:
    """The digit classifier's accuracy on the real restyled test digits of each domain: how
    readable each style is, the reference for StarGAN's identity accuracy."""
    test = data.digits("test")
    return {f"reference_identity_{name}": float((classifier.probs(restyle(gray("test"), name)).argmax(axis=1)
                                                  == test.labels).mean()) for name in DOMAINS}


def measure_domain_classifier(entry, model: DigitClassifier, classifier: DigitClassifier) -> dict[str, float]:
    """Domain accuracy on every test digit in every domain, per domain, and the readability reference."""
    images, domains = all_domains(gray("test"))
    correct = model.probs(images).argmax(axis=1) == domains
    per_domain = {f"test_accuracy_{name}": float(correct[domains == d].mean()) for d, name in enumerate(DOMAINS)}
    return {"test_accuracy": float(correct.mean()), **per_domain, **reference_accuracy(classifier),
            "num_params": model.num_params()}


# ----------------------------------------------------------------------------
# CycleGAN


class CycleMonitor(ValidationMonitor):
    """A CycleGAN as the training loop sees it, plus one label-free validation term: how much the
    translations of the validation carve look like the other domain,

        fd = FD(G(a) vs b; printed_classifier features) + FD(F(b) vs a; digit classifier features).

    The cycle error is not used: the epoch must be chosen alike for every lambda."""

    def __init__(self, model: CycleGAN, printed_judge: DigitClassifier, digit_judge: DigitClassifier):
        super().__init__(model)
        self.printed_judge, self.digit_judge = printed_judge.requires_grad_(False), digit_judge.requires_grad_(False)


    def loss(self, rows: torch.Tensor) -> dict[str, torch.Tensor]:
        a, b = self.model.split(rows)
        fd_ab = frechet_distance(self.printed_judge.features(self.model.g(a)), self.printed_judge.features(b))
        fd_ba = frechet_distance(self.digit_judge.features(self.model.f(b)), self.digit_judge.features(a))
        return {**self.model.loss(rows), "fd": torch.tensor(fd_ab + fd_ba)}


def fit_cyclegan(entry, model: CycleGAN, printed_classifier: DigitClassifier,
                 classifier: DigitClassifier) -> TrainResult:
    """The shared loop on unpaired rows of the fit part; the epoch with the lowest validation fd is kept."""
    monitor = CycleMonitor(model, printed_classifier, classifier)
    result = train(monitor, unpaired_rows("fit"), unpaired_rows("val"), entry.train)
    return dataclasses.replace(result, model=result.model.model.eval())


def measure_cyclegan(entry, model: CycleGAN, printed_classifier: DigitClassifier,
                     classifier: DigitClassifier) -> dict[str, float]:
    """On the 360 test digits x and 360 printed digits y rendered for the test labels:
    identity_ab = share of G(x) the printed classifier reads as x's label, identity_ba = share of
    F(y) the digit classifier reads as y's label, cycle errors = mean |F(G(x)) - x| and
    |G(F(y)) - y| per pixel, fd_ab = FD of G(x) vs y on the printed classifier's features."""
    x, y, labels = gray("test"), printed_part("test", independent=False), data.digits("test").labels
    fake_b, back_a = model.cycle_a(x)
    fake_a = model.translate_ba(y)
    back_b = model.translate_ab(fake_a)
    return {
        "identity_ab": float((printed_classifier.probs(fake_b).argmax(axis=1) == labels).mean()),
        "identity_ba": float((classifier.probs(fake_a).argmax(axis=1) == labels).mean()),
        "cycle_error_a": float(np.abs(back_a - x).mean()),
        "cycle_error_b": float(np.abs(back_b - y).mean()),
        "fd_ab": frechet_distance(printed_classifier.features(fake_b), printed_classifier.features(y)),
        "num_params": model.num_params(),
    }


# ----------------------------------------------------------------------------
# StarGAN


class DomainMonitor(ValidationMonitor):
    """A StarGAN as the training loop sees it, plus validation terms that read no digit label:
    domain_error = share of translations of the validation carve (each digit to every domain)
    that the domain classifier does not read as the target, and selection = domain_error + rec
    (both in [0, 1], both 0 at best): reach the target and keep a way back to the input."""

    def __init__(self, model: StarGAN, domain_classifier: DigitClassifier):
        super().__init__(model)
        self.domain_classifier = domain_classifier.requires_grad_(False)


    def loss(self, rows: torch.Tensor) -> dict[str, torch.Tensor]:
        x, _ = self.model.split(rows)
        k = self.model.config.domains
        targets = torch.arange(k).repeat_interleave(len(x))  # (k * B,)
        fake = self.model.G(x.repeat(k, 1), targets)
        error = torch.tensor(float((self.domain_classifier.probs(fake).argmax(axis=1) != targets.numpy()).mean()))
        terms = self.model.loss(rows)
        return {**terms, "domain_error": error, "selection": error + terms["rec"]}


def fit_stargan(entry, model: StarGAN, domain_classifier: DigitClassifier) -> TrainResult:
    """The shared loop on the fit digits, each in one random domain; epoch chosen by validation selection."""
    result = train(DomainMonitor(model, domain_classifier), domain_rows("fit"), domain_rows("val"),
                   entry.train)
    return dataclasses.replace(result, model=result.model.model.eval())


def measure_stargan(entry, model: StarGAN, domain_classifier: DigitClassifier,
                    classifier: DigitClassifier) -> dict[str, float]:
    """Every test digit (original domain) translated to each other domain: domain_accuracy = share
    the domain classifier reads as the target, identity_accuracy = share the digit classifier reads
    as the digit's label; overall and per target domain, beside the digit classifier's accuracy on
    the real restyled test digits (reference_identity_<d>)."""
    x, labels = gray("test"), data.digits("test").labels
    metrics = {}
    for d, name in enumerate(DOMAINS[1:], start=1):
        fake = model.translate(x, d)
        metrics[f"domain_accuracy_{name}"] = float((domain_classifier.probs(fake).argmax(axis=1) == d).mean())
        metrics[f"identity_accuracy_{name}"] = float((classifier.probs(fake).argmax(axis=1) == labels).mean())
    targets = DOMAINS[1:]
    return {"domain_accuracy": float(np.mean([metrics[f"domain_accuracy_{n}"] for n in targets])),
            "identity_accuracy": float(np.mean([metrics[f"identity_accuracy_{n}"] for n in targets])),
            **metrics, **reference_accuracy(classifier), "num_params": model.num_params()}
