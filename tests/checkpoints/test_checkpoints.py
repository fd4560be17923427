"""Every committed checkpoint loads with a matching hash, and its card is complete.

(The model issues add the re-measurement of each card's metrics through core.registry.)
"""

import pytest

from core import checkpoints
from tests.conftest import ROOT

CARDS = sorted((ROOT / "checkpoints").glob("*.json"))
REQUIRED = ("name", "config", "seed", "epochs", "train_seconds", "split", "metrics", "versions", "sha256")


@pytest.mark.parametrize("card_path", CARDS, ids=[p.stem for p in CARDS])
def test_checkpoint_loads_and_its_card_is_complete(card_path):
    tensors, card = checkpoints.load_checkpoint(card_path.stem)
    assert tensors
    missing = [key for key in REQUIRED if key not in card]
    assert missing == []


def test_checkpoints_are_small():
    total = sum(p.stat().st_size for p in (ROOT / "checkpoints").glob("*"))
    assert total < 50 * 2**20
