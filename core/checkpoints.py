"""Checkpoints: weights in safetensors (no pickle) beside a JSON card.

    checkpoints/<name>.safetensors   the tensors
    checkpoints/<name>.json          model name and config, seed, epochs, train time,
                                     data split, test metrics, library versions, and the
                                     sha256 of the weights file

Loading checks the hash and the shapes. Anything wrong (missing, truncated, altered,
unreadable) raises CheckpointError, whose message names the file and the command
that rebuilds it.
"""

from __future__ import annotations

import hashlib
import json
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

CHECKPOINT_DIR = Path(__file__).resolve().parent.parent / "checkpoints"
VERSIONED_LIBRARIES = ("torch", "numpy", "scipy", "scikit-learn", "safetensors")


class CheckpointError(RuntimeError):
    """A checkpoint that cannot be used; the message says which file and how to rebuild it."""

    def __init__(self, name: str, path: Path, problem: str):
        self.name, self.path, self.problem = name, path, problem
        super().__init__(f"{path.name}: {problem}. Rebuild it with: {rebuild_command(name)}")


def rebuild_command(name: str) -> str:
    return f"python -m core.train {name}"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for library in VERSIONED_LIBRARIES:
        try:
            found[library] = version(library)
        except PackageNotFoundError:
            pass
    return found


def paths(name: str, directory: Path | None = None) -> tuple[Path, Path]:
    """(weights, card) paths of checkpoint `name`, in `directory` or else CHECKPOINT_DIR."""
    directory = CHECKPOINT_DIR if directory is None else Path(directory)
    return directory / f"{name}.safetensors", directory / f"{name}.json"


def save_checkpoint(name: str, tensors: dict[str, np.ndarray], card: dict, directory: Path | None = None) -> dict:
    """Write the weights and the card (adding versions, shapes and the sha256); return the card."""
    from safetensors.numpy import save_file

    weights_path, card_path = paths(name, directory)
    weights_path.parent.mkdir(parents=True, exist_ok=True)
    # reshape: ascontiguousarray makes 0-d arrays 1-d (e.g. batch norm's step counter)
    save_file({k: np.ascontiguousarray(v).reshape(np.shape(v)) for k, v in tensors.items()}, str(weights_path))
    card = {
        "name": name,
        **card,
        "shapes": {k: list(v.shape) for k, v in tensors.items()},
        "versions": library_versions(),
        "sha256": sha256_of(weights_path),
    }
    card_path.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    return card


def load_card(name: str, directory: Path | None = None) -> dict:
    """The JSON card of checkpoint `name` (CheckpointError if missing or not JSON)."""
    _, card_path = paths(name, directory)
    if not card_path.is_file():
        raise CheckpointError(name, card_path, "the card is missing")
    try:
        card = json.loads(card_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CheckpointError(name, card_path, f"the card is not valid JSON ({error})") from None
    if not isinstance(card, dict) or "sha256" not in card:
        raise CheckpointError(name, card_path, "the card has no sha256")
    return card


def load_checkpoint(
    name: str, expected_shapes: dict[str, tuple[int, ...]] | None = None, directory: Path | None = None
) -> tuple[dict[str, np.ndarray], dict]:
    """(tensors, card) of checkpoint `name`, after checking the hash and the shapes."""
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    weights_path, _ = paths(name, directory)
    card = load_card(name, directory)
    if not weights_path.is_file():
        raise CheckpointError(name, weights_path, "the weights file is missing")
    if sha256_of(weights_path) != card["sha256"]:
        raise CheckpointError(name, weights_path, "its sha256 does not match the card (truncated or altered)")
    try:
        tensors = load_file(str(weights_path))
    except (SafetensorError, OSError, ValueError) as error:
        raise CheckpointError(name, weights_path, f"it cannot be read ({error})") from None
    expected = expected_shapes or card.get("shapes", {})
    unexpected = sorted(set(tensors) - set(expected))
    if unexpected:  # weights of another version of the model
        raise CheckpointError(name, weights_path, f"it has tensors the model does not: {', '.join(unexpected[:3])}")
    for key, shape in expected.items():
        if key not in tensors:
            raise CheckpointError(name, weights_path, f"the tensor '{key}' is missing")
        if tuple(tensors[key].shape) != tuple(shape):
            raise CheckpointError(
                name, weights_path, f"'{key}' has shape {tuple(tensors[key].shape)}, expected {tuple(shape)}"
            )
    return tensors, card
