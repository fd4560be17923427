"""Checkpoints round-trip, and every kind of damage raises the one clear error."""

import json
import pickle

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


GARBAGE_CARDS = {
    "random bytes": bytes(range(256)) * 4,
    "not JSON": b"{not json",
    "empty": b"",
    "a JSON list": b"[1, 2, 3]",
    "a JSON string": b'"card"',
    "a JSON number": b"42",
    "null": b"null",
    "no sha256": json.dumps({"metrics": {"test_nll": 1.5}}).encode(),
    "a sha256 that is not a string": json.dumps({"sha256": 12, "metrics": {}}).encode(),
    "no metrics": json.dumps({"sha256": "ab"}).encode(),
    "metrics that are a list": json.dumps({"sha256": "ab", "metrics": [1.5]}).encode(),
    "a text metric": json.dumps({"sha256": "ab", "metrics": {"test_nll": "1.5"}}).encode(),
    "a null metric": json.dumps({"sha256": "ab", "metrics": {"test_nll": None}}).encode(),
    "a boolean metric": json.dumps({"sha256": "ab", "metrics": {"test_nll": True}}).encode(),
    "a list metric": json.dumps({"sha256": "ab", "metrics": {"test_nll": [1.5]}}).encode(),
}


@pytest.mark.parametrize("kind", GARBAGE_CARDS)
def test_a_garbage_card_is_refused_by_load_card_and_load_checkpoint(saved, kind):
    (saved / "tiny.json").write_bytes(GARBAGE_CARDS[kind])
    with pytest.raises(ck.CheckpointError) as error:
        ck.load_card("tiny", saved)
    assert str(error.value).startswith("tiny.json: ") and "python -m core.train tiny" in str(error.value)
    assert str(saved) not in str(error.value)  # never a server path
    assert_refused(saved, ["tiny.json"])


def test_reading_a_metric_or_field_the_card_lacks_is_a_checkpoint_error_even_after_pickling(saved):
    """st.cache_data pickles what it returns: the copy must still name the card."""
    card = ck.load_card("tiny", saved)
    assert card["metrics"]["test_nll"] == 1.5 and card["metrics"].get("fd") is None
    for copy in (card, pickle.loads(pickle.dumps(card))):
        assert copy == card and copy["metrics"] == {"test_nll": 1.5}
        with pytest.raises(ck.CheckpointError, match=r"^tiny\.json: the card has no 'fd'\. .*python -m core\.train tiny"):
            copy["metrics"]["fd"]
        with pytest.raises(ck.CheckpointError, match="tiny.json: the card has no 'train_seconds'"):
            copy["train_seconds"]


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
    card = ck.save_checkpoint("scalar", tensors, {"model": "test", "metrics": {}}, tmp_path)
    assert card["shapes"]["counter"] == []
    loaded, _ = ck.load_checkpoint("scalar", {"counter": (), "weight": (2, 3)}, tmp_path)
    assert loaded["counter"].shape == () and int(loaded["counter"]) == 7
