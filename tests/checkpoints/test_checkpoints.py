"""Every model of the registry has a committed checkpoint that loads with a matching
hash, whose test NLL re-measured now equals its card, and meets its issue's bar."""

import pytest

from core import checkpoints, registry
from core.train import measure_test_nll
from tests.conftest import ROOT

NAMES = list(registry.REGISTRY)
REQUIRED = ("name", "config", "seed", "epochs", "train_seconds", "split", "metrics", "versions", "sha256")


@pytest.mark.parametrize("name", NAMES)
def test_checkpoint_loads_and_its_card_is_complete(name):
    card = checkpoints.load_card(name)
    assert [key for key in REQUIRED if key not in card] == []
    model = registry.load(name)
    assert model.num_params() == card["metrics"]["num_params"]


@pytest.mark.parametrize("name", NAMES)
def test_test_nll_re_measured_equals_the_card_and_meets_the_bar(name):
    entry, card = registry.entry(name), checkpoints.load_card(name)
    measured = measure_test_nll(registry.load(name), entry.images("test"))
    assert measured == pytest.approx(card["metrics"]["test_nll"], abs=1e-3)
    if entry.bar is not None:
        assert measured <= entry.bar


def test_no_stray_checkpoints_and_all_small():
    stems = {p.stem for p in (ROOT / "checkpoints").glob("*.safetensors")}
    assert stems == set(NAMES)
    total = sum(p.stat().st_size for p in (ROOT / "checkpoints").glob("*"))
    assert total < 50 * 2**20
