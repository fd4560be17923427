"""The one split of DESIGN.md, and the bundled digits read without importing sklearn."""

import numpy as np
import pytest

from core import data


def test_digits_are_sklearns_bundled_digits():
    from sklearn.datasets import load_digits

    images, labels = data.load_digits()
    reference = load_digits()
    np.testing.assert_array_equal(images, reference.data)
    np.testing.assert_array_equal(labels, reference.target)
    assert images.shape == (1797, 64) and images.max() == data.MAX_LEVEL


def test_stored_split_equals_train_test_split():
    stored = {part: list(rows) for part, rows in data.split_indices().items()}
    assert stored == data.compute_split_indices()


def test_split_sizes_disjointness_and_stratification():
    index = data.split_indices()
    assert {part: len(rows) for part, rows in index.items()} == {"train": 1437, "test": 360, "fit": 1293, "val": 144}
    assert not set(index["train"]) & set(index["test"])
    assert set(index["fit"]) | set(index["val"]) == set(index["train"])
    assert not set(index["fit"]) & set(index["val"])
    _, labels = data.load_digits()
    for part in ("train", "test", "val"):
        shares = np.bincount(labels[index[part]], minlength=10) / len(index[part])
        assert np.abs(shares - 0.1).max() < 0.02


def test_binarize_threshold():
    np.testing.assert_array_equal(data.binarize(np.array([0, 7, 8, 16])), [0, 0, 1, 1])
    assert set(np.unique(data.digits("test").binary)) == {0, 1}


@pytest.mark.parametrize("name", sorted(data.TOY_2D))
def test_toy_sets_have_the_asked_shape_and_repeat_with_a_seed(name):
    draw = data.TOY_2D[name]
    a, b = draw(500, np.random.default_rng(0)), draw(500, np.random.default_rng(0))
    assert a.shape == (500, 2) and np.isfinite(a).all()
    np.testing.assert_array_equal(a, b)


def test_ring_has_its_modes_on_the_circle():
    points = data.ring_of_gaussians(4000, np.random.default_rng(0), modes=8, radius=2.0, std=0.01)
    assert np.allclose(np.linalg.norm(points, axis=1), 2.0, atol=0.05)
    angles = np.round(np.arctan2(points[:, 1], points[:, 0]) / (2 * np.pi / 8)) % 8
    assert len(np.unique(angles)) == 8
