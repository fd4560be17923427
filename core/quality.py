"""Sample quality of the implicit models, measured the same way everywhere.

The metrics of core/evaluate.py (Fréchet distance, IS-style score, precision/recall with
k = 3, nearest-training-digit distance and copy rate) read the digit classifier's
features; this module computes those features and builds the standard table:

    n = 360 images per draw, against the 360 test digits, averaged over seeded draws,

always beside two references at the same n: real digits (360 real training digits against
the test digits: what a perfect model would score at this n; their nearest-training
distance is that of the test digits, which no model saw) and a memorizer (the training
images themselves). Fréchet distance is strongly biased at small n, so numbers are
comparable only within one n. The memorizer scores like real digits on every
feature-space metric; only its copy rate gives it away.

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
from core.evaluate import copy_rate, frechet_distance, inception_score, nearest_neighbour, precision_recall
from core.models.classifier import DigitClassifier, with_labels
from core.models.gan import GAN, InfoGAN
from core.training import TrainResult, ValidationMonitor, train

N = 360  # images per draw: the size of the test part
DRAWS = 10  # seeded draws averaged in every table
VAL_SAMPLES = 512  # generated images compared with the validation carve when choosing the epoch
METRICS = ("fd", "inception_score", "precision", "recall", "nn_median", "copy_rate")


def gray(part: str) -> np.ndarray:
    """The digits of one part of the split as the GANs see them: gray level / 16 in [0, 1], (N, 64)."""
    return data.digits(part).images.astype(np.float32) / data.MAX_LEVEL


def load_classifier() -> DigitClassifier:
    from core import registry  # here, not at import: the registry imports this module

    return registry.load("classifier")


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


def averaged(draw: Callable[[int], np.ndarray], reference: Reference, draws: int = DRAWS) -> dict[str, float]:
    """The metrics of draw(seed) for seeds 0..draws-1, averaged."""
    rows = [sample_metrics(draw(seed), reference) for seed in range(draws)]
    return {key: float(np.mean([row[key] for row in rows])) for key in rows[0]}


def training_draw(reference: Reference, n: int = N) -> Callable[[int], np.ndarray]:
    """n training digits without replacement, seeded: the memorizer's output, and real digits."""
    return lambda seed: reference.train_images[np.random.default_rng(seed).choice(len(reference.train_images), n,
                                                                                   replace=False)]


def judged_by_classifier(model, n: int = N, draws: int = DRAWS) -> dict[str, float]:
    """Prior samples of a binary latent-variable model (VAE, AAE) judged like the GANs' samples:
    Fréchet distance, IS-style score, precision and recall on the classifier's features, n per
    draw, averaged over seeded draws. Samples are binary, so the reference is binary too (the
    binarized test digits), and "classifier_fd_real" is binarized real digits against it."""
    classifier = load_classifier()
    binary = {part: data.digits(part).binary.astype(np.float32) for part in ("test", "fit")}
    reference = Reference(classifier, classifier.features(binary["test"]), binary["fit"])
    keys = ("fd", "inception_score", "precision", "recall")
    metrics = averaged(lambda seed: model.sample(n, seed).astype(np.float32), reference, draws)
    real = averaged(training_draw(reference, n), reference, draws)
    return {f"classifier_{key}": metrics[key] for key in keys} | {"classifier_fd_real": real["fd"]}


def real_metrics(reference: Reference, n: int = N, draws: int = DRAWS) -> dict[str, float]:
    """Held-out real digits: n training digits vs the test digits on the feature metrics; their
    own nearest-training distance is that of the test digits, which no model was trained on."""
    row = averaged(training_draw(reference, n), reference, draws)
    test_images = gray("test")
    row["nn_median"] = float(np.median(nearest_neighbour(test_images, reference.train_images)))
    row["copy_rate"] = copy_rate(test_images, reference.train_images)
    return row


def quality_table(models: dict[str, GAN], classifier: DigitClassifier | None = None, n: int = N,
                  draws: int = DRAWS) -> dict[str, dict[str, float]]:
    """Rows "real" (held-out real digits), "memorizer", then each model's samples (n per draw)."""
    reference = Reference.build(classifier or load_classifier())
    table = {"real": real_metrics(reference, n, draws),
             "memorizer": averaged(training_draw(reference, n), reference, draws)}
    for name, model in models.items():
        table[name] = averaged(lambda seed, model=model: model.sample(n, seed=seed), reference, draws)
    return table


def format_table(table: dict[str, dict[str, float]], n: int = N, draws: int = DRAWS) -> str:
    """The table as Markdown, with n and the number of draws stated."""
    lines = [f"n = {n} images per draw vs the {n} test digits, mean of {draws} seeded draws",
             "| | " + " | ".join(METRICS) + " |", "|---|" + "---:|" * len(METRICS)]
    labels = {"real": "real digits (held-out)", "memorizer": "memorizer (training digits)"}
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


def fit_gan(entry, model: GAN) -> TrainResult:
    """The shared loop with the model's own two-phase step on the fit part; the epoch with the
    lowest validation Fréchet distance (of the averaged weights) is kept."""
    result = train(FrechetMonitor(model, load_classifier()), gray("fit"), gray("val"), entry.train)
    return dataclasses.replace(result, model=result.model.model.eval())


def measure_gan(entry, model: GAN) -> dict[str, float]:
    """The table's metrics at n = 360 vs the test digits (mean of DRAWS seeded draws), with the
    held-out real digits' Fréchet distance and nearest-training distance beside them."""
    reference = Reference.build(load_classifier())
    real = real_metrics(reference)
    metrics = averaged(lambda seed: model.sample(N, seed=seed), reference)
    return {**metrics, "fd_real": real["fd"], "fd_ratio": metrics["fd"] / real["fd"],
            "nn_median_real": real["nn_median"], "num_params": model.num_params()}


def measure_infogan(entry, model: InfoGAN) -> dict[str, float]:
    """measure_gan, plus the code-to-class accuracy after Hungarian matching on the test
    digits, L_I against H(c) = ln 10, and the label-free Î(c; x) of Q on the validation carve."""
    _, accuracy = hungarian_match(code_confusion(model, gray("test"), data.digits("test").labels))
    with torch.inference_mode():
        code_mi = float(model.loss(torch.as_tensor(gray("val")))["code_mi"])
    return {**measure_gan(entry, model), "code_accuracy": accuracy, "info_bound": information_bound(model),
            "val_code_mi": code_mi}


GAN_NAMES = ("gan_mlp", "dcgan", "infogan")


def main() -> None:
    """`python -m core.quality`: the standard table of the committed GAN checkpoints, and
    InfoGAN's code-vs-class confusion matrix on the test digits (codes in matched order)."""
    from core import registry

    models = {name: registry.load(name) for name in GAN_NAMES}
    print(format_table(quality_table(models)))
    confusion = matched_confusion(models["infogan"])
    print(f"\nInfoGAN: rows = true class 0..9, columns = codes matched to classes 0..9; "
          f"accuracy {np.trace(confusion) / confusion.sum():.3f}")
    print("\n".join(" ".join(f"{count:3d}" for count in row) for row in confusion))


if __name__ == "__main__":
    main()
