"""Training and measuring the conditional GANs (core/models/adversarial/conditional.py): the registry's
`fit` and `measure` of Text2Image and Puzzle-GAN.

Text2Image is judged on prompts made from the 360 test digits: each digit's own
attributes (its digit, and its thickness and slant classes of core.data.styles, cut at the
tertiles of the fit part) captioned in English and in Korean with a fixed seed, one
sample per caption. The digit classifier reads the digit of each sample; core.data.styles
reads its thickness and slant; the samples' features are compared with the test digits'.

Puzzle-GAN completes each of the 360 test digits from k of its 16 pieces (seeded random
pieces). `agreement` = share of completions that the classifier reads as the original's
label; `pixel_accuracy` = share of the *missing* pixels that are on/off as in the original,
a pixel being "on" at gray level >= 8 of 16 (>= 0.5 here), the threshold of the binary models.
"""

from __future__ import annotations

import dataclasses
import random

import numpy as np
import torch

from core import data
from core.data import prompts, styles
from core.metrics import frechet_distance
from core.models.adversarial.conditional import GRID, PuzzleGAN, Text2Image, piece_mask, random_given, with_attributes
from core.models.classifier import DigitClassifier
from core.recipes import quality
from core.training import TrainResult, ValidationMonitor, train

CAPTION_SEED = 0  # the test captions' synonyms
SAMPLE_SEED = 0  # the noise of the measured samples
MASK_SEED = 0  # the given pieces of the measured completions
VAL_DRAWS = 4  # samples per validation caption when choosing the epoch (4 x 144 images)
GIVEN_COUNTS = (2, 4, 6, 8, 10, 12, 14)  # the page's curve


def attribute_rows(part: str, thresholds: styles.StyleThresholds) -> np.ndarray:
    """The labelled rows (N, 67) of one part: pixels, digit, thickness class, slant class."""
    images, labels = data.gray(part), data.digits(part).labels
    return with_attributes(images, labels, *styles.style_classes(images, labels, thresholds))


def fit_thresholds() -> styles.StyleThresholds:
    """The style tertiles of the fit part, per digit class."""
    return styles.style_thresholds(data.gray("fit"), data.digits("fit").labels)


# ----------------------------------------------------------------------------
# Text2Image


class CaptionMonitor(ValidationMonitor):
    """Text2Image as the training loop sees it, plus validation terms on the val carve:
    samples for fully worded captions of the val digits (both languages, VAL_DRAWS each)
    judged by the classifier: `fd` against the val digits and `digit_error`, the share not
    read as the digit asked for. No test digit is read."""

    def __init__(self, model: Text2Image, classifier: DigitClassifier):
        super().__init__(model)
        self.classifier = classifier.requires_grad_(False)


    def loss(self, rows: torch.Tensor) -> dict[str, torch.Tensor]:
        digits, thickness, slant = (rows[:, i].long().numpy() for i in (-3, -2, -1))
        samples, asked = [], []
        for draw in range(VAL_DRAWS):
            language = prompts.LANGUAGES[draw % len(prompts.LANGUAGES)]
            samples.append(self.model.generate_attributes(digits, thickness, slant, seed=draw, language=language))
            asked.append(digits)
        samples, asked = np.concatenate(samples), np.concatenate(asked)
        error = float((self.classifier.probs(samples).argmax(axis=1) != asked).mean())
        fd = frechet_distance(self.classifier.features(samples), self.classifier.features(rows[:, :-3].numpy()))
        return {**self.model.loss(rows), "fd": torch.tensor(fd), "digit_error": torch.tensor(error)}


def fit_text2image(entry, model: Text2Image, classifier: DigitClassifier) -> TrainResult:
    """The shared loop on labelled rows of the fit part; the epoch is chosen on the val carve."""
    thresholds = fit_thresholds()
    result = train(CaptionMonitor(model, classifier), attribute_rows("fit", thresholds),
                   attribute_rows("val", thresholds), entry.train)
    return dataclasses.replace(result, model=result.model.model.eval())


def captions_of_test_digits(language: str) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Captions of the 360 test digits' own attributes (every word present), and those attributes."""
    rows = attribute_rows("test", fit_thresholds())
    digits, thickness, slant = (rows[:, i].astype(int) for i in (-3, -2, -1))
    rng = random.Random(CAPTION_SEED)
    texts = [prompts.caption(int(d), prompts.THICKNESS[t], prompts.SLANT[s], rng, language, omit=0.0)
             for d, t, s in zip(digits, thickness, slant)]
    return texts, digits, thickness, slant


def measure_text2image(entry, model: Text2Image, classifier: DigitClassifier) -> dict[str, float]:
    """Per language: digit accuracy (classifier), thickness and slant accuracy (core.data.styles
    classes of the samples vs those asked for), precision/recall and FD of the 360 samples vs
    the 360 test digits; then the means over both languages, fd_real and num_params."""
    reference = quality.Reference.build(classifier)
    thresholds = fit_thresholds()
    per_language = {}
    for language in prompts.LANGUAGES:
        texts, digits, thickness, slant = captions_of_test_digits(language)
        samples = model.generate_captions(texts, SAMPLE_SEED)
        read_thickness, read_slant = styles.style_classes(samples, digits, thresholds)
        scores = quality.sample_metrics(samples, reference)
        per_language[language] = {
            "digit_accuracy": float((reference.classifier.probs(samples).argmax(axis=1) == digits).mean()),
            "thickness_accuracy": float((read_thickness == thickness).mean()),
            "slant_accuracy": float((read_slant == slant).mean()),
            **{key: scores[key] for key in ("precision", "recall", "fd")},
        }
    names = {"en": "english", "ko": "korean"}
    metrics = {key: float(np.mean([row[key] for row in per_language.values()])) for key in per_language["en"]}
    metrics |= {f"digit_accuracy_{names[lang]}": row["digit_accuracy"] for lang, row in per_language.items()}
    return metrics | {"fd_real": quality.real_metrics(reference)["fd"], "num_params": model.num_params()}


# ----------------------------------------------------------------------------
# Puzzle-GAN


def fit_puzzle(entry, model: PuzzleGAN) -> TrainResult:
    """The shared loop with Puzzle-GAN's own step on the fit part; the epoch with the lowest
    validation L1 on fixed random halves is kept."""
    return train(model, data.gray("fit"), data.gray("val"), entry.train)


def completion_scores(model: PuzzleGAN, classifier: DigitClassifier, images: np.ndarray, labels: np.ndarray,
                      given: np.ndarray) -> tuple[float, float]:
    """(agreement, pixel_accuracy) of completions from the given pieces (N, 16); see the module docstring."""
    completed = model.complete(images, given, SAMPLE_SEED)
    agreement = float((classifier.probs(completed).argmax(axis=1) == labels).mean())
    return agreement, pixel_accuracy(completed, images, given)


def pixel_accuracy(completed: np.ndarray, originals: np.ndarray, given: np.ndarray) -> float:
    """Share of the missing pixels (outside the given pieces, (16,) or (N, 16)) that are on or
    off as in the original, "on" meaning >= 0.5 (gray level 8 of 16)."""
    missing = np.broadcast_to(~piece_mask(given), np.shape(completed))
    return float(((np.asarray(completed) >= 0.5) == (np.asarray(originals) >= 0.5))[missing].mean())


def measure_puzzle(entry, model: PuzzleGAN, classifier: DigitClassifier) -> dict[str, float]:
    """Agreement and pixel accuracy from a random half and from k = 2..14 given pieces; the
    classifier's agreement on the random halves with zeros elsewhere (what the pieces alone say);
    `diversity_half`: mean |difference| of two completions (two noises) over the missing pixels."""
    images, labels = data.gray("test"), data.digits("test").labels
    metrics = {}
    for k in GIVEN_COUNTS:
        given = random_given(len(images), k, MASK_SEED)
        metrics[f"agreement_given_{k}"], metrics[f"pixel_accuracy_given_{k}"] = completion_scores(
            model, classifier, images, labels, given)
    half = GRID * GRID // 2
    given = random_given(len(images), half, MASK_SEED)
    other = model.complete(images, given, SAMPLE_SEED + 1)  # another noise z
    spread = np.abs(model.complete(images, given, SAMPLE_SEED) - other)[~piece_mask(given)].mean()
    return {"agreement_half": metrics[f"agreement_given_{half}"],
            "pixel_accuracy_half": metrics[f"pixel_accuracy_given_{half}"],
            "agreement_masked_half": float((classifier.probs(images * piece_mask(given)).argmax(axis=1) == labels).mean()),
            "diversity_half": float(spread),
            **metrics, "num_params": model.num_params()}
