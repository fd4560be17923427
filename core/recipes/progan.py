"""The data, training and measurement of the Progressive GAN (core/models/adversarial/progan.py).

Data: the 8x8 digits upsampled to 16x16 (bilinear), `digits16`; every lower resolution is
made from these by 2x2 average pooling, as [1] makes its low-resolution real images.

Training, `fit_progan`: stage 4x4 (alpha = 1), then 8x8 with a fade-in (alpha rising
linearly from 0 to 1) and a stabilizing phase, then 16x16 likewise, a fixed number of
epochs per phase. It is a short loop of its own rather than core/training.py's `train` per
phase, because the shared loop chooses the best epoch on the validation carve (meaningless
halfway through a fade, where alpha < 1) and starts a fresh weight average at each call,
while [1] averages G over the whole growth. It reuses the model's two-phase step (GAN.train_step),
Adam from `configure_optimizers` (fresh state at each stage, as in the code of [1]) and the
progress line of the shared loop. At the end of each stage the averaged G is kept as that
stage's snapshot. `progan_direct` runs the same loop on the same network with one stage, 16x16.

Measurement, `measure_progan`: the digit classifier reads 8x8 images, so every image is
brought to 8x8 (16x16 by 2x2 average pooling, 4x4 by nearest-neighbour upsampling) and
judged against the 360 test digits taken through the same path (16x16, down to r, back to
8x8; n = 360 per draw, mean of quality.DRAWS seeded draws). Beside each stage stands the
floor of that resolution: real training digits through the same path. The path matters:
16x16 digits pooled back to 8x8 are the digits blurred by [1/8, 3/4, 1/8] along each axis,
and against the sharp 8x8 test digits even real digits would score about 177 (19 unblurred).

[1] Karras et al., Progressive Growing of GANs for Improved Quality, Stability, and
    Variation, ICLR 2018.
"""

from __future__ import annotations

import copy
import math
import time

import numpy as np
import torch
import torch.nn.functional as F

from core import data
from core.data import gray
from core.metrics import frechet_distance
from core.models.adversarial.progan import ProGAN, downsample, upsample
from core.models.classifier import DigitClassifier
from core.recipes.quality import DRAWS, VAL_SAMPLES, N, Reference, averaged, training_draw
from core.training import TrainResult, print_progress

SIDE = 16  # the final resolution
CLASSIFIER_SIDE = data.SIDE  # the digit classifier reads 8x8 images


def digits16(part: str) -> np.ndarray:
    """The digits of one part of the split at 16x16: bilinear upsampling of gray level / 16,
    (N, 256) in [0, 1] (a bilinear mix of pixels in [0, 1] stays in [0, 1])."""
    images = torch.as_tensor(gray(part)).view(-1, 1, data.SIDE, data.SIDE)
    return F.interpolate(images, size=SIDE, mode="bilinear", align_corners=False).flatten(1).numpy()


def classifier_view(images: np.ndarray) -> np.ndarray:
    """Square images (n, r*r) brought to 8x8 for the classifier: pooled down, or upsampled (nearest)."""
    x = torch.as_tensor(images)
    side = math.isqrt(x.shape[1])
    if side == CLASSIFIER_SIDE:
        return np.asarray(images)
    return (downsample(x, CLASSIFIER_SIDE) if side > CLASSIFIER_SIDE else upsample(x, CLASSIFIER_SIDE)).numpy()


# ----------------------------------------------------------------------------
# Training


@torch.inference_mode()
def validation_fd(model: ProGAN, generator, resolution: int, classifier) -> float:
    """FD of VAL_SAMPLES fixed-noise images of `generator` at `resolution` to the validation digits."""
    fake = generator(model.fixed_noise(VAL_SAMPLES), resolution).numpy()
    return frechet_distance(classifier.features(classifier_view(fake)), classifier.features(gray("val")))


def fit_progan(entry, model: ProGAN, classifier: DigitClassifier) -> TrainResult:
    """Train stage by stage as model.config.phases() says; keep the averaged G of each stage."""
    recipe, config = entry.train, model.config
    torch.manual_seed(recipe.seed)
    order = torch.Generator().manual_seed(recipe.seed)
    fit = torch.as_tensor(digits16("fit"))
    average = copy.deepcopy(model.net_g)  # Polyak average of G over the whole growth
    history, seconds, started = [], [], time.perf_counter()
    for stage, resolution in enumerate(config.stages):
        stage_started = time.perf_counter()
        optimizers = model.configure_optimizers(recipe)
        for phase, epochs in [(phase, epochs) for r, phase, epochs in config.phases() if r == resolution]:
            steps, step = epochs * -(-len(fit) // recipe.batch_size), 0  # batches in the phase
            for _ in range(epochs):
                model.train()
                sums = {}
                for index in torch.randperm(len(fit), generator=order).split(recipe.batch_size):
                    alpha = step / steps if phase == "fade" else 1.0  # rises linearly from 0 towards 1 in a fade
                    model.set_stage(resolution, alpha)
                    terms = model.train_step(fit[index], optimizers)
                    with torch.no_grad():  # Polyak averaging of G
                        for kept, new in zip(average.parameters(), model.net_g.parameters()):
                            kept.lerp_(new, 1 - recipe.ema)
                    for key, value in terms.items():
                        sums[key] = sums.get(key, 0.0) + float(value.detach()) * len(index)
                    step += 1
                row = {"epoch": len(history) + 1, "resolution": resolution, "alpha": model.alpha,
                       **{f"train_{key}": value / len(fit) for key, value in sums.items()}}
                history.append(row)
                print_progress(row["epoch"], row)
        model.snapshots[stage].load_state_dict(average.state_dict())
        seconds.append(time.perf_counter() - stage_started)
        history[-1]["val_fd"] = validation_fd(model, model.snapshots[stage], resolution, classifier)
        print_progress(history[-1]["epoch"], history[-1])
    model.set_stage(config.stages[-1])
    model.stage_seconds = seconds
    return TrainResult(model.eval(), len(history), history[-1]["val_fd"], "fd", time.perf_counter() - started, history)


# ----------------------------------------------------------------------------
# Measurement


def at_resolution(images16: np.ndarray, r: int) -> np.ndarray:
    """16x16 images (N, 256) as the classifier sees a sample of resolution r: down to r, back to 8x8."""
    return classifier_view(downsample(torch.as_tensor(images16), r).numpy())


def reference_at(classifier, r: int) -> Reference:
    """What samples of resolution r are compared with: the test digits through the same path as
    the samples (16x16, down to r, to 8x8), and the training digits through it for the
    nearest-neighbour metrics; a sharp 8x8 reference would charge every stage for the blur of
    the path itself."""
    return Reference(classifier, classifier.features(at_resolution(digits16("test"), r)),
                     at_resolution(digits16("fit"), r))


def measure_progan(entry, model: ProGAN, classifier: DigitClassifier, draws: int = DRAWS) -> dict[str, float]:
    """Per trained stage r: fd_r of the stage's samples and fd_real_r of real training digits,
    both against the test digits through the same path (reference_at); at the final stage also
    precision, recall and fd_ratio = fd / fd_real. Right after fit_progan also seconds_r, the
    training time of each stage, and their sum "seconds" (the card keeps them; a checkpoint
    loaded later has no timings, and re-measuring it leaves them out)."""
    metrics: dict[str, float] = {}
    for r in model.config.stages:
        reference = reference_at(classifier, r)
        fake_row = averaged(lambda seed, r=r: classifier_view(model.sample(N, seed, r)), reference, draws)
        metrics |= {f"fd_{r}": fake_row["fd"], f"fd_real_{r}": averaged(training_draw(reference), reference, draws)["fd"]}
    if model.stage_seconds is not None:
        metrics |= {f"seconds_{r}": s for r, s in zip(model.config.stages, model.stage_seconds)}
        metrics["seconds"] = sum(model.stage_seconds)
    last = model.config.stages[-1]
    return {**metrics, "fd_ratio": metrics[f"fd_{last}"] / metrics[f"fd_real_{last}"],
            "precision": fake_row["precision"], "recall": fake_row["recall"], "num_params": model.num_params()}
