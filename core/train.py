"""`python -m core.train NAME [NAME ...]` or `--all`: train models of core/registry.py on
the fit part of the split (each entry's own `fit`; choices on the validation carve only),
measure the test metrics once (the entry's `measure`), and write
checkpoints/<name>.safetensors with its JSON card. Deterministic on CPU."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import torch

from core import checkpoints, registry

SPLIT = ("train_test_split(test_size=0.2, stratify=y, random_state=0); validation carve of train "
         "(test_size=0.1, stratify, random_state=1): fit 1293 / val 144 / test 360")


def train_and_save(name: str, seed: int | None = None, directory: Path | None = None) -> dict:
    """Train entry `name` (optionally with another seed) and write its checkpoint; return the card."""
    entry = registry.entry(name)
    if seed is not None:
        entry = dataclasses.replace(entry, train=dataclasses.replace(entry.train, seed=seed))
    config = entry.train
    torch.manual_seed(config.seed)
    torch.set_num_threads(1)  # deterministic, and one core left for the rest of the machine
    model = registry.build(name)
    result = registry.fit(entry, model)
    result.model.eval()
    metrics = {f"val_{result.monitor}": result.best_val, **registry.measure(entry, result.model)}
    tensors = {key: value.detach().numpy() for key, value in result.model.state_dict().items()}
    card = {
        "model": type(result.model).__name__,
        "config": dataclasses.asdict(entry.config),
        "train": dataclasses.asdict(config),
        "seed": config.seed,
        "epochs": {"best": result.best_epoch, "run": len(result.history)},
        "train_seconds": round(result.seconds, 1),
        "split": SPLIT,
        "data": entry.data,
        "metrics": metrics,
    }
    return checkpoints.save_checkpoint(name, tensors, card, directory)


def remeasure(name: str) -> dict:
    """Measure the committed weights of `name` again (after a change to its `measure`) and
    rewrite the card's test metrics; the weights, their sha256 and what only training measured stay."""
    entry, card = registry.entry(name), checkpoints.load_card(name)
    torch.set_num_threads(1)
    card["metrics"] |= registry.measure(entry, registry.load(name))  # what only training knows (val_*, seconds) stays
    checkpoints.paths(name)[1].write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    return card


def print_quality_table() -> None:
    """The GANs' sample-quality table of the DCGAN page, and InfoGAN's code-vs-class confusion
    matrix on the test digits (codes in matched order)."""
    import numpy as np

    from core.recipes import quality

    models = {name: registry.load(name) for name in quality.GAN_NAMES}
    print(quality.format_table(quality.quality_table(models, registry.load("classifier"))))
    confusion = quality.matched_confusion(models["infogan"])
    print(f"\nInfoGAN: rows = true class 0..9, columns = codes matched to classes 0..9; "
          f"accuracy {np.trace(confusion) / confusion.sum():.3f}")
    print("\n".join(" ".join(f"{count:3d}" for count in row) for row in confusion))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help=f"models to train: {', '.join(registry.REGISTRY)}")
    parser.add_argument("--all", action="store_true", help="train every model of the registry")
    parser.add_argument("--remeasure", action="store_true",
                        help="do not train: measure the weights in checkpoints/ again and rewrite their card's metrics")
    parser.add_argument("--seed", type=int, help="another training seed (the card records it)")
    parser.add_argument("--out", type=Path, default=checkpoints.CHECKPOINT_DIR,
                        help="where to write (default: checkpoints/); e.g. a scratch folder for a seed spread")
    parser.add_argument("--quality-table", action="store_true", help="print the GANs' sample-quality table and stop")
    args = parser.parse_args(argv)
    if args.quality_table:
        return print_quality_table()
    names = list(registry.REGISTRY) if args.all else args.names
    if not names:
        parser.error("name a model, or pass --all")
    for name in names:
        card = remeasure(name) if args.remeasure else train_and_save(name, args.seed, args.out)
        metrics = ", ".join(f"{key} {value:.4g}" for key, value in card["metrics"].items())
        unmet = registry.entry(name).unmet_bars(card["metrics"])
        print(f"{name}: {metrics}; {card['train_seconds']} s" + (f"; MISSES {unmet}" if unmet else ""),
              file=sys.stderr)


if __name__ == "__main__":
    main()
