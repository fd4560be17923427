"""The 2-D GAN lab's speed, in this process as the app runs it (one torch thread):
training iterations per second and the time to compute one display frame (all views).

Goals (issue 6): >= 1,000 iterations per second with batch 256 and 2 x 64 MLPs, and
>= 4 display frames per second. Medians of a few runs; the machines are shared, so the
CPU time of this process is shown beside the wall-clock time (when other jobs take the
cores, wall-clock rates drop while CPU-time rates stay close to the machine's own speed).
"""

from __future__ import annotations

import os
import statistics
import time

ITERATIONS_GOAL = 1000.0
FPS_GOAL = 4.0


def iteration_rates(lab, iterations: int, repeats: int) -> tuple[float, float]:
    """Median iterations per second over `repeats` runs: (wall clock, CPU time)."""
    lab.step(min(iterations, 50))  # warm-up
    wall, cpu = [], []
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        lab.step(iterations)
        wall.append(iterations / (time.perf_counter() - started))
        cpu.append(iterations / max(time.process_time() - started_cpu, 1e-9))
    return statistics.median(wall), statistics.median(cpu)


def frame_ms(lab, repeats: int) -> float:
    """Median milliseconds to compute every view of one frame (LabFrame)."""
    lab.frame(record=False)  # warm-up (imports scipy.ndimage once)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        lab.frame(record=False)
        times.append(1000 * (time.perf_counter() - started))
    return statistics.median(times)


def lab_table(iterations: int = 500, repeats: int = 7) -> str:
    """Markdown: iterations per second and frame time for the default lab, with and without
    a regularizer (the penalties differentiate D twice, so they cost more)."""
    import torch

    from core.gan_lab.config import LabConfig
    from core.gan_lab.lab import GANLab

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as ui/loaders.py sets it for the app
    try:
        configs = {
            "default: ring, non-saturating, batch 256, G and D 2 × 64, Adam": LabConfig(),
            "+ gradient penalty (WGAN-GP)": LabConfig(regularizer="gradient_penalty"),
            "+ R1": LabConfig(regularizer="r1"),
        }
        load = os.getloadavg()[0]
        lines = [
            "## GAN lab: training and display speed (in process, one torch thread)",
            "",
            f"Medians of {repeats} runs of {iterations} iterations and of {repeats} frames; load average at the start "
            f"{load:.1f} on {os.cpu_count()} cores. Goals: ≥ {ITERATIONS_GOAL:,.0f} iterations/s (default config), "
            f"≥ {FPS_GOAL:.0f} frames/s.",
            "",
            "| config | iterations/s (wall) | iterations/s (CPU time) | one frame, all views (ms) | frames/s possible "
            f"| iterations/s left at {FPS_GOAL:.0f} frames/s |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for i, (name, config) in enumerate(configs.items()):
            lab = GANLab(config)
            wall, cpu = iteration_rates(lab, iterations, repeats)
            ms = frame_ms(lab, repeats)
            left = wall * max(0.0, 1 - FPS_GOAL * ms / 1000)  # the rest of each second trains
            flag = " ⚠" if i == 0 and wall < ITERATIONS_GOAL else ""
            fps_flag = " ⚠" if 1000 / ms < FPS_GOAL else ""
            lines.append(f"| {name} | {wall:,.0f}{flag} | {cpu:,.0f} | {ms:.1f} | {1000 / ms:.0f}{fps_flag} | {left:,.0f} |")
        return "\n".join(lines) + "\n"
    finally:
        torch.set_num_threads(threads)


if __name__ == "__main__":
    print(lab_table())
