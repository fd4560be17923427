"""Sample quality of the implicit models, measured the same way everywhere.

The metrics of core/metrics.py (Fréchet distance, IS-style score, precision/recall with
k = 3, nearest-training-digit distance and copy rate) read the digit classifier's
features; this module computes those features and measures two things with them.

The cards (`measure_gan`): n = 360 samples per draw against the 360 test digits, averaged
over seeded draws, beside real digits at the same n (360 training digits against the test
digits: "fd_real", the floor of "fd_ratio", which the registry's bars read).

The page's table (`quality_table`), where every row is measured by one function,
`model_row`, on anything with `sample(n, seed)`: in each draw the test digits are split in
two halves of 180 with the same share of each class; one half is the reference, the other
is the row "real": real digits that no model was trained on and that the reference does not
contain. Beside it, a `Memorizer` (training images, unchanged) and the models, 180 images
per draw against the same half. The memorizer scores like real digits on every
feature-space metric; only its nearest-training distance (0) and copy rate (1) give it away.
Fréchet distance is strongly biased at small n, so numbers are comparable only within one n:
the table's (n = 180) are not the cards' (n = 360).

"Training digits" are the fit part of the split (what the GANs are trained on); the
test part is touched only here, to report. The registry's `fit`/`measure` functions of
the classifier and the GANs live here too.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from core import data
from core.data import gray
from core.metrics import copy_rate, frechet_distance, inception_score, nearest_neighbour, precision_recall
from core.models.adversarial.gan import GAN, InfoGAN
from core.models.classifier import DigitClassifier, with_labels
from core.training import TrainResult, ValidationMonitor, train

N = 360  # images per draw: the size of the test part
DRAWS = 10  # seeded draws averaged in every table
VAL_SAMPLES = 512  # generated images compared with the validation carve when choosing the epoch
METRICS = ("fd", "inception_score", "precision", "recall", "nn_median", "copy_rate")


# ----------------------------------------------------------------------------
# The standard table


@dataclass(frozen=True)
class Reference:
    """What every set of images is compared with: the test digits' features and the training images."""

    classifier: DigitClassifier
    test_features: np.ndarray  # (360, features)
    train_images: np.ndarray  # (1293, 64), the fit part in [0, 1]

    @classmethod
    def build(cls, classifier: DigitClassifier) -> Reference:
        return cls(classifier, classifier.features(gray("test")), gray("fit"))


def sample_metrics(images: np.ndarray, reference: Reference) -> dict[str, float]:
    """All metrics of one set of images (n, 64) in [0, 1] against the test digits."""
    features = reference.classifier.features(images)
    precision, recall = precision_recall(reference.test_features, features, k=3)
    return {
        "fd": frechet_distance(features, reference.test_features),
        "inception_score": inception_score(reference.classifier.probs(images)),
        "precision": precision,
        "recall": recall,
        "nn_median": float(np.median(nearest_neighbour(images, reference.train_images))),
        "copy_rate": copy_rate(images, reference.train_images),
    }


def mean_row(rows: list[dict[str, float]]) -> dict[str, float]:
    """The mean of each metric over the rows of several draws."""
    return {key: float(np.mean([row[key] for row in rows])) for key in rows[0]}


def averaged(draw: Callable[[int], np.ndarray], reference: Reference, draws: int = DRAWS) -> dict[str, float]:
    """The metrics of draw(seed) for seeds 0..draws-1, averaged."""
    return mean_row([sample_metrics(draw(seed), reference) for seed in range(draws)])


class Memorizer:
    """The model that wins every feature metric: sample(n, seed) returns n training images
    unchanged (drawn without replacement, seeded). No model should look like it."""

    def __init__(self, train_images: np.ndarray):
        self.train_images = train_images

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        rows = np.random.default_rng(seed).choice(len(self.train_images), n, replace=False)
        return self.train_images[rows]


def training_draw(reference: Reference, n: int = N) -> Callable[[int], np.ndarray]:
    """n training digits without replacement, seeded: the cards' real digits (the memorizer's draw)."""
    return lambda seed: Memorizer(reference.train_images).sample(n, seed)


def judged_by_classifier(model, classifier: DigitClassifier, n: int = N, draws: int = DRAWS) -> dict[str, float]:
    """Prior samples of a binary latent-variable model (VAE, AAE) judged like the GANs' samples:
    Fréchet distance, IS-style score, precision and recall on the classifier's features, n per
    draw, averaged over seeded draws. Samples are binary, so the reference is binary too (the
    binarized test digits), and "classifier_fd_real" is binarized real digits against it."""
    binary = {part: data.digits(part).binary.astype(np.float32) for part in ("test", "fit")}
    reference = Reference(classifier, classifier.features(binary["test"]), binary["fit"])
    keys = ("fd", "inception_score", "precision", "recall")
    metrics = averaged(lambda seed: model.sample(n, seed).astype(np.float32), reference, draws)
    real = averaged(training_draw(reference, n), reference, draws)
    return {f"classifier_{key}": metrics[key] for key in keys} | {"classifier_fd_real": real["fd"]}


def real_metrics(reference: Reference, n: int = N, draws: int = DRAWS) -> dict[str, float]:
    """The cards' real digits: n training digits vs the test digits on the feature metrics (the
    floor of fd_ratio); their own nearest-training distance is that of the test digits. The
    classifier was trained on these digits, which raises their FD: unseen digits score lower
    (see the table's held-out row), so this floor is a generous one."""
    row = averaged(training_draw(reference, n), reference, draws)
    test_images = gray("test")
    row["nn_median"] = float(np.median(nearest_neighbour(test_images, reference.train_images)))
    row["copy_rate"] = copy_rate(test_images, reference.train_images)
    return row


# ----------------------------------------------------------------------------
# The page's table: real held-out digits, a memorizer and the models, measured alike

HALF = N // 2  # images per row and draw in the table: the test digits split in two halves


def halves(labels: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the test digits in two halves of equal size with the same share of each class
    (within one image), seeded: (reference half, held-out half)."""
    order = np.lexsort((np.random.default_rng(seed).random(len(labels)), labels))  # by class, shuffled within
    return np.sort(order[1::2]), np.sort(order[0::2])


@dataclass(frozen=True)
class HeldOut:
    """The table's draws: for each seed, a Reference built on one half of the test digits, and
    the other half as `sample(n, seed)` — real digits no model saw, outside that reference."""

    references: list[Reference]
    real: list[np.ndarray]  # (HALF, 64) per draw

    @classmethod
    def build(cls, classifier: DigitClassifier, draws: int = DRAWS) -> HeldOut:
        test, fit = gray("test"), gray("fit")
        features, labels = classifier.features(test), data.digits("test").labels
        splits = [halves(labels, seed) for seed in range(draws)]
        return cls([Reference(classifier, features[ref], fit) for ref, _ in splits], [test[held] for _, held in splits])

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        return self.real[seed][:n]


def model_row(model, held_out: HeldOut, n: int = HALF) -> dict[str, float]:
    """One row of the table for anything with sample(n, seed) (a GAN, the memorizer, the real
    held-out digits): draw `seed` against that draw's reference half, averaged over the draws."""
    return mean_row([sample_metrics(model.sample(n, seed=seed), reference)
                     for seed, reference in enumerate(held_out.references)])


def quality_table(models: dict[str, GAN], classifier: DigitClassifier,
                  draws: int = DRAWS) -> dict[str, dict[str, float]]:
    """Rows "real" (held-out real digits), "memorizer", then each model's samples, all by model_row."""
    held_out = HeldOut.build(classifier, draws)
    rows = {"real": held_out, "memorizer": Memorizer(held_out.references[0].train_images), **models}
    return {name: model_row(model, held_out) for name, model in rows.items()}


def format_table(table: dict[str, dict[str, float]], draws: int = DRAWS) -> str:
    """The table as Markdown, with n and the number of draws stated."""
    lines = [f"n = {HALF} images per draw vs the other {HALF} test digits, mean of {draws} seeded splits",
             "| | " + " | ".join(METRICS) + " |", "|---|" + "---:|" * len(METRICS)]
    labels = {"real": "real digits (held-out half)", "memorizer": "memorizer (training digits)"}
    lines += [f"| {labels.get(name, name)} | " + " | ".join(f"{row[m]:.3f}" for m in METRICS) + " |"
              for name, row in table.items()]
    return "\n".join(lines)


# ----------------------------------------------------------------------------
# InfoGAN: does the categorical code find the digit classes?


def code_confusion(model: InfoGAN, images: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Counts of (true class, Q's most likely code) over real images: (10, 10)."""
    with torch.inference_mode():
        codes = model.code_probs(torch.as_tensor(images, dtype=torch.float32)).argmax(dim=1).numpy()
    k = model.config.categories
    return np.bincount(np.asarray(labels) * k + codes, minlength=k * k).reshape(k, k)


def hungarian_match(confusion: np.ndarray) -> tuple[np.ndarray, float]:
    """The one-to-one code -> class assignment that agrees with the most images
    (scipy's linear_sum_assignment), and the share of images it gets right.
    Returns (class of each code, accuracy)."""
    from scipy.optimize import linear_sum_assignment  # here: importing scipy.optimize costs 0.5 s at app start

    classes, codes = linear_sum_assignment(confusion, maximize=True)
    class_of_code = np.empty(confusion.shape[1], dtype=np.int64)
    class_of_code[codes] = classes
    return class_of_code, float(confusion[classes, codes].sum() / confusion.sum())


def matched_confusion(model: InfoGAN, part: str = "test") -> np.ndarray:
    """The confusion matrix with codes reordered to their matched classes (diagonal = agreement)."""
    confusion = code_confusion(model, gray(part), data.digits(part).labels)
    class_of_code, _ = hungarian_match(confusion)
    return confusion[:, np.argsort(class_of_code)]


@torch.inference_mode()
def information_bound(model: InfoGAN, n: int = 3600, seed: int = 0) -> float:
    """L_I of the categorical code on the model's own samples, in nats (at most ln 10)."""
    latent = model.noise(n, torch.Generator().manual_seed(seed))
    return float(model.mutual_information_bound(model.generate(latent), latent))


# ----------------------------------------------------------------------------
# The registry's fit and measure of the classifier and the GANs


def fit_classifier(entry, model: DigitClassifier) -> TrainResult:
    """The shared loop on labelled rows (pixels, label) of the fit part; the epoch is chosen on val."""
    fit, val = (with_labels(gray(part), data.digits(part).labels) for part in ("fit", "val"))
    return train(model, fit, val, entry.train)


def measure_classifier(entry, model: DigitClassifier) -> dict[str, float]:
    test = data.digits("test")
    accuracy = float((model.probs(gray("test")).argmax(axis=1) == test.labels).mean())
    return {"test_accuracy": accuracy, "num_params": model.num_params()}


class FrechetMonitor(ValidationMonitor):
    """A GAN as the training loop sees it, plus one validation term: the Fréchet distance
    between the classifier features of VAL_SAMPLES fixed-noise samples and of the
    validation carve. It chooses the epoch; no test digit and no label is read."""

    def __init__(self, gan: GAN, classifier: DigitClassifier, samples: int = VAL_SAMPLES):
        super().__init__(gan)
        self.classifier, self.samples = classifier.requires_grad_(False), samples


    def loss(self, real: torch.Tensor) -> dict[str, torch.Tensor]:
        fake = self.model.generate(self.model.fixed_noise(self.samples))
        fd = frechet_distance(self.classifier.features(fake), self.classifier.features(real))
        return {**self.model.loss(real), "fd": torch.tensor(fd)}


def fit_gan(entry, model: GAN, classifier: DigitClassifier) -> TrainResult:
    """The shared loop with the model's own two-phase step on the fit part; the epoch with the
    lowest validation Fréchet distance (of the averaged weights) is kept."""
    result = train(FrechetMonitor(model, classifier), gray("fit"), gray("val"), entry.train)
    return dataclasses.replace(result, model=result.model.model.eval())


def measure_gan(entry, model: GAN, classifier: DigitClassifier) -> dict[str, float]:
    """The table's metrics at n = 360 vs the test digits (mean of DRAWS seeded draws), with the
    held-out real digits' Fréchet distance and nearest-training distance beside them."""
    reference = Reference.build(classifier)
    real = real_metrics(reference)
    metrics = averaged(lambda seed: model.sample(N, seed=seed), reference)
    return {**metrics, "fd_real": real["fd"], "fd_ratio": metrics["fd"] / real["fd"],
            "nn_median_real": real["nn_median"], "num_params": model.num_params()}


def measure_infogan(entry, model: InfoGAN, classifier: DigitClassifier) -> dict[str, float]:
    """measure_gan, plus the code-to-class accuracy after Hungarian matching on the test
    digits, L_I against H(c) = ln 10, and the label-free Î(c; x) of Q on the validation carve."""
    _, accuracy = hungarian_match(code_confusion(model, gray("test"), data.digits("test").labels))
    with torch.inference_mode():
        code_mi = float(model.loss(torch.as_tensor(gray("val")))["code_mi"])
    return {**measure_gan(entry, model, classifier), "code_accuracy": accuracy, "info_bound": information_bound(model),
            "val_code_mi": code_mi}


GAN_NAMES = ("gan_mlp", "dcgan", "infogan", "diffusion")  # the model rows of the quality table, in this order
# (the diffusion model is no GAN, but it samples on demand like one: its row is measured the same way)
