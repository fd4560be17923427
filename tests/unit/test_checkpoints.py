"""Checkpoints round-trip, and every kind of damage raises the one clear error."""

import json

import numpy as np
import pytest

from core import checkpoints as ck

TENSORS = {"weight": np.arange(12, dtype=np.float32).reshape(3, 4), "bias": np.ones(4, dtype=np.float32)}


@pytest.fixture
def saved(tmp_path):
    ck.save_checkpoint("tiny", TENSORS, {"config": {"hidden": 4}, "seed": 0, "metrics": {"test_nll": 1.5}}, tmp_path)
    return tmp_path


def test_round_trip_keeps_tensors_and_card(saved):
    tensors, card = ck.load_checkpoint("tiny", directory=saved)
    for key, value in TENSORS.items():
        np.testing.assert_array_equal(tensors[key], value)
    assert card["config"] == {"hidden": 4} and card["metrics"]["test_nll"] == 1.5
    assert card["shapes"] == {"weight": [3, 4], "bias": [4]}
    assert card["sha256"] == ck.sha256_of(saved / "tiny.safetensors")
    assert "numpy" in card["versions"]


def assert_refused(saved, words):
    with pytest.raises(ck.CheckpointError) as error:
        ck.load_checkpoint("tiny", directory=saved)
    message = str(error.value)
    assert "python -m core.train tiny" in message and "tiny." in message
    for word in words:
        assert word in message


def test_truncated_file_is_refused(saved):
    path = saved / "tiny.safetensors"
    path.write_bytes(path.read_bytes()[:-10])
    assert_refused(saved, ["sha256"])


def test_altered_file_is_refused(saved):
    path = saved / "tiny.safetensors"
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 0xFF
    path.write_bytes(bytes(raw))
    assert_refused(saved, ["sha256"])


def test_missing_weights_and_missing_card_are_refused(saved):
    (saved / "tiny.safetensors").unlink()
    assert_refused(saved, ["missing"])
    (saved / "tiny.json").unlink()
    assert_refused(saved, ["missing"])


def test_corrupt_card_is_refused(saved):
    (saved / "tiny.json").write_text("{not json")
    assert_refused(saved, ["JSON"])


def test_garbage_with_a_matching_hash_is_refused(saved):
    path = saved / "tiny.safetensors"
    path.write_bytes(b"\x00" * 64)
    card = json.loads((saved / "tiny.json").read_text())
    card["sha256"] = ck.sha256_of(path)
    (saved / "tiny.json").write_text(json.dumps(card))
    assert_refused(saved, ["cannot be read"])


def test_wrong_shape_is_refused(saved):
    tensors, _ = ck.load_checkpoint("tiny", directory=saved)
    expected = {key: value.shape for key, value in tensors.items()}
    with pytest.raises(ck.CheckpointError, match="shape"):
        ck.load_checkpoint("tiny", expected_shapes={**expected, "weight": (4, 3)}, directory=saved)


def test_weights_of_another_model_version_are_refused(saved):
    """A tensor the model does not have (its code changed since training) is a clear error, not a traceback."""
    tensors, _ = ck.load_checkpoint("tiny", directory=saved)
    expected = {key: value.shape for key, value in tensors.items()}
    expected.pop(sorted(expected)[0])
    with pytest.raises(ck.CheckpointError, match="tensors the model does not"):
        ck.load_checkpoint("tiny", expected_shapes=expected, directory=saved)


def test_scalar_tensors_keep_their_shape(tmp_path):
    """A 0-d tensor (batch norm's step counter) is saved and loaded as 0-d, not as (1,)."""
    tensors = {"counter": np.array(7, dtype=np.int64), "weight": np.ones((2, 3), dtype=np.float32)}
    card = ck.save_checkpoint("scalar", tensors, {"model": "test"}, tmp_path)
    assert card["shapes"]["counter"] == []
    loaded, _ = ck.load_checkpoint("scalar", {"counter": (), "weight": (2, 3)}, tmp_path)
    assert loaded["counter"].shape == () and int(loaded["counter"]) == 7
