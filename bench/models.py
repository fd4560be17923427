"""Per-model timings, in this process as the app does them (one torch thread):
sampling 64 images and log p(x) of the 360 test digits, medians of a few runs; and the
work the app does live for one session (a VAE trained at one β, a variational fit)."""

from __future__ import annotations

import statistics
import time

GOALS = {"nade": 100.0, "pixelcnn": 500.0, "row_lstm": 500.0, "diagonal_bilstm": 500.0,
         "nade_continuous": 500.0,
         "diffusion": 500.0}  # sampling 64 images, ms (diffusion: DDIM in 50 steps, issue 18)
DEFAULT_GOAL = 50.0  # latent-variable models and GANs: one decoder pass
NEEDS_INPUT = {"puzzle_gan"}  # draws nothing without given pieces: timed in generation_table


def median_ms(run, repeats: int) -> float:
    run()  # warm-up
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(1000 * (time.perf_counter() - started))
    return statistics.median(times)


def model_table(repeats: int = 5) -> str:
    """Markdown: every model of core/registry.py with a checkpoint."""
    import torch

    from core import checkpoints, registry

    torch.set_num_threads(1)  # as ui/loaders.py sets it for the app
    lines = [
        "## Models: sampling and scoring (in process, one torch thread)",
        "",
        "| model | parameters | sample 64 images (ms) | goal (ms) | log p(x) of 360 test images (ms) |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, entry in registry.REGISTRY.items():
        try:
            model = registry.load(name)
        except checkpoints.CheckpointError as error:
            lines.append(f"| {name} | – | – | – | {error} |")
            continue
        test = entry.images("test")
        if hasattr(model, "sample") and name not in NEEDS_INPUT:
            goal = GOALS.get(name, DEFAULT_GOAL)
            sample = median_ms(lambda m=model: m.sample(64, 0), repeats)
            sampled, goal_text = f"{sample:.1f}" + (" ⚠" if sample > goal else ""), f"{goal:.0f}"
        else:  # a classifier, or a model that needs an input (timed in the generation table)
            sampled, goal_text = "–", "–"
        scored = f"{median_ms(lambda m=model, x=test: m.log_prob(x), repeats):.0f}" if hasattr(model, "log_prob") else "–"
        lines.append(f"| {name} | {model.num_params():,} | {sampled} | {goal_text} | {scored} |")
    return "\n".join(lines) + "\n"


def live_table(repeats: int = 3) -> str:
    """Markdown: what a session trains live, in seconds (median of `repeats` runs)."""
    import torch

    from core import live
    from core.lectures import variational

    torch.set_num_threads(1)
    fit = lambda: list(variational.fit_gaussian(variational.bimodal_log_density, steps=400))
    rows = [("variational fit, 400 steps (VI page)", median_ms(fit, repeats) / 1000, 5.0),
            (f"VAE at β = 1, {live.LIVE_VAE_EPOCHS} epochs (VAE page)",
             median_ms(lambda: live.train_vae(1.0), repeats) / 1000, 20.0)]
    lines = ["## Live training in a session (in process, one torch thread)", "",
             "| what | median (s) | goal (s) |", "|---|---:|---:|"]
    lines += [f"| {what} | {seconds:.2f}{' ⚠' if seconds > goal else ''} | {goal:.0f} |" for what, seconds, goal in rows]
    return "\n".join(lines) + "\n"


def generation_table(repeats: int = 7) -> str:
    """Markdown: one demo of each Lecture 10 conditional model, as its page runs it."""
    import numpy as np
    import torch

    from core import data, registry
    from core.data import domains as style_domains
    from core.models.adversarial import conditional, progan

    torch.set_num_threads(1)
    test = data.gray("test")
    text2image, puzzle, cyclegan, stargan, grown = (registry.load(name) for name in (
        "text2image", "puzzle_gan", "cyclegan_l10", "stargan", "progan"))
    given = conditional.preset("random_half", 0)
    domains = np.arange(len(style_domains.DOMAINS))
    rows = [
        ("Text2Image: one prompt, 12 samples", lambda: text2image.generate_text("a thick seven", 12, 0)),
        ("Puzzle-GAN: one puzzle, 4 completions", lambda: puzzle.complete(np.repeat(test[:1], 4, axis=0), given, 0)),
        ("CycleGAN: 8 digits there and back", lambda: cyclegan.cycle_a(test[:8])),
        ("StarGAN: one digit to every domain", lambda: stargan.translate(np.repeat(test[:1], len(domains), axis=0),
                                                                         domains)),
        ("Progressive GAN: 8 samples at each of 3 stages",
         lambda: [grown.sample(8, 0, side) for side in progan.RESOLUTIONS]),
    ]
    lines = ["## Conditional generation, translation, growing (in process, one torch thread)", "",
             f"Medians of {repeats} runs. Goal: ≤ {GENERATION_GOAL:.0f} ms each.", "",
             "| what | median (ms) | goal (ms) |", "|---|---:|---:|"]
    for what, run in rows:
        ms = median_ms(run, repeats)
        lines.append(f"| {what} | {ms:.1f}{' ⚠' if ms > GENERATION_GOAL else ''} | {GENERATION_GOAL:.0f} |")
    return "\n".join(lines) + "\n"


GENERATION_GOAL = 100.0  # ms for one prompt, puzzle, translation or ProGAN grid (issue 7)
