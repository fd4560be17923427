"""Per-model timings, in this process as the app does them (one torch thread):
sampling 64 images and log p(x) of the 360 test digits, medians of a few runs."""

from __future__ import annotations

import statistics
import time

GOALS = {"nade": 100.0}  # sampling 64 images, ms; PixelRNN variants: 500
DEFAULT_GOAL = 500.0


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
        sample = median_ms(lambda m=model: m.sample(64, 0), repeats)
        score = median_ms(lambda m=model, x=test: m.log_prob(x), repeats)
        goal = GOALS.get(name, DEFAULT_GOAL)
        flag = " ⚠" if sample > goal else ""
        lines.append(f"| {name} | {model.num_params():,} | {sample:.0f}{flag} | {goal:.0f} | {score:.0f} |")
    return "\n".join(lines) + "\n"
