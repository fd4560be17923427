"""Checkpoints: weights in safetensors (no pickle) beside a JSON card.

    checkpoints/<name>.safetensors   the tensors
    checkpoints/<name>.json          model name and config, seed, epochs, train time,
                                     data split, test metrics, library versions, and the
                                     sha256 of the weights file

Every read goes through load_card / load_checkpoint, which check the card's shape, the
hash and the shapes. Anything wrong (missing, truncated, altered, unreadable, a card that
is not what train.py writes or lacks a metric a page reads) raises CheckpointError, whose
message names the file and the command that rebuilds it.
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


class CardFields(dict):
    """The fields of a card, or its metrics: reading one the card does not have raises
    CheckpointError (naming the card), not KeyError. Survives pickling (st.cache_data)."""

    def __init__(self, fields: dict, name: str, path: Path):
        super().__init__(fields)
        self.name, self.path = name, path

    def __missing__(self, key):
        raise CheckpointError(self.name, self.path, f"the card has no '{key}'")


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
    card_path.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return card


def load_card(name: str, directory: Path | None = None) -> CardFields:
    """The JSON card of checkpoint `name`: a JSON object with the sha256 of the weights and
    numeric metrics. Anything else (missing, unreadable, not JSON, another shape) raises
    CheckpointError, and so does reading a field or a metric the card does not have."""
    _, card_path = paths(name, directory)
    if not card_path.is_file():
        raise CheckpointError(name, card_path, "the card is missing")
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CheckpointError(name, card_path, f"the card cannot be read ({error.strerror})") from None
    except ValueError as error:  # not UTF-8, or not JSON
        raise CheckpointError(name, card_path, f"the card is not valid JSON ({error})") from None
    problem = card_problem(card)
    if problem:
        raise CheckpointError(name, card_path, problem)
    return CardFields({**card, "metrics": CardFields(card["metrics"], name, card_path)}, name, card_path)


def card_problem(card) -> str | None:
    """What is wrong with the shape of a parsed card, or None if nothing is."""
    if not isinstance(card, dict):
        return "the card is not a JSON object"
    if not isinstance(card.get("sha256"), str):
        return "the card has no sha256 of the weights"
    if not isinstance(card.get("metrics"), dict):
        return "the card has no metrics"
    for key, value in card["metrics"].items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"the metric '{key}' is not a number"
    return None


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
    except (SafetensorError, OSError, ValueError) as error:  # an OSError's text would show the server path
        reason = error.strerror if isinstance(error, OSError) else error
        raise CheckpointError(name, weights_path, f"it cannot be read ({reason})") from None
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
