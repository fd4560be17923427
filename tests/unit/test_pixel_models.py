"""The count-based models of Lecture 9: normalized, equal to enumeration, causal."""

import itertools

import numpy as np
import pytest

from core.data import digits
from core.models import counted as pm

N_TINY = 5


@pytest.fixture(scope="module")
def tiny_train():
    """Correlated binary images of 5 pixels: a noisy copy chain."""
    rng = np.random.default_rng(0)
    x = np.zeros((300, N_TINY), dtype=np.uint8)
    x[:, 0] = rng.random(300) < 0.6
    for i in range(1, N_TINY):
        x[:, i] = np.where(rng.random(300) < 0.8, x[:, i - 1], 1 - x[:, i - 1])
    return x


def every_image(n=N_TINY):
    return np.array(list(itertools.product((0, 1), repeat=n)), dtype=np.uint8)


def all_models(train):
    models = [pm.IndependentPixels(train), pm.ChowLiuTree(train), pm.FullJoint(train)]
    models += [pm.MarkovChain(train, k, alpha) for k in range(N_TINY) for alpha in (0.1, 1.0)]
    return models


def test_probabilities_of_all_images_sum_to_one(tiny_train):
    for model in all_models(tiny_train):
        log_p = model.log_prob(every_image())
        total = np.exp(np.logaddexp.reduce(log_p))
        assert total == pytest.approx(1.0, abs=1e-9), type(model).__name__


def test_markov_likelihood_equals_counting_by_hand(tiny_train):
    k, alpha = 2, 0.5
    model = pm.MarkovChain(tiny_train, k, alpha)
    for image in every_image():
        expected = 0.0
        for i in range(N_TINY):
            context = image[max(0, i - k) : i]
            rows = (tiny_train[:, max(0, i - k) : i] == context).all(axis=1)
            p_one = (tiny_train[rows, i].sum() + alpha) / (rows.sum() + 2 * alpha)
            expected += np.log(p_one if image[i] else 1 - p_one)
        assert model.log_prob(image[None])[0] == pytest.approx(expected)


def test_tree_likelihood_equals_counting_by_hand(tiny_train):
    alpha = 1.0
    tree = pm.ChowLiuTree(tiny_train, alpha)
    for image in every_image():
        expected = 0.0
        for i in range(N_TINY):
            parent = tree.parent[i]
            rows = np.ones(len(tiny_train), bool) if parent < 0 else tiny_train[:, parent] == image[parent]
            p_one = (tiny_train[rows, i].sum() + alpha) / (rows.sum() + 2 * alpha)
            expected += np.log(p_one if image[i] else 1 - p_one)
        assert tree.log_prob(image[None])[0] == pytest.approx(expected)


def prufer_trees(n):
    """Every labelled tree on n nodes (Cayley: n^(n-2)), decoded from Prüfer sequences."""
    for sequence in itertools.product(range(n), repeat=n - 2):
        degree = [1] * n
        for node in sequence:
            degree[node] += 1
        edges = []
        for node in sequence:
            leaf = min(i for i in range(n) if degree[i] == 1)
            edges.append((leaf, node))
            degree[leaf] -= 1
            degree[node] -= 1
        u, v = (i for i in range(n) if degree[i] == 1)
        yield edges + [(u, v)]


def test_chow_liu_picks_the_tree_of_maximum_mutual_information():
    rng = np.random.default_rng(3)
    train = (rng.random((400, N_TINY)) < 0.5).astype(np.uint8)
    train[:, 3] = np.where(rng.random(400) < 0.9, train[:, 0], 1 - train[:, 0])
    train[:, 4] = np.where(rng.random(400) < 0.8, train[:, 3], 1 - train[:, 3])
    tree = pm.ChowLiuTree(train)
    weight = lambda edges: sum(tree.mi[a, b] for a, b in edges)
    trees = list(prufer_trees(N_TINY))
    assert len(trees) == N_TINY ** (N_TINY - 2)
    best = max(weight(edges) for edges in trees)
    assert weight([(p, c) for p, c, _ in tree.edges()]) == pytest.approx(best)
    assert tree.num_params() == 2 * N_TINY - 1


def test_conditional_does_not_change_when_a_later_pixel_changes(tiny_train):
    model = pm.MarkovChain(tiny_train, 2)
    x = every_image()
    for j in range(N_TINY):
        flipped = x.copy()
        flipped[:, j] ^= 1
        before, after = model.conditionals(x), model.conditionals(flipped)
        np.testing.assert_array_equal(before[:, : j + 1], after[:, : j + 1])  # pixels up to j never read x_j


def test_samples_follow_the_model(tiny_train):
    images = every_image()
    for model in (pm.MarkovChain(tiny_train, 2), pm.ChowLiuTree(tiny_train), pm.FullJoint(tiny_train, eps=0.1)):
        samples = model.sample(20000, seed=1)
        codes = samples @ (2 ** np.arange(N_TINY)[::-1])
        empirical = np.bincount(codes, minlength=2**N_TINY) / len(samples)
        assert 0.5 * np.abs(empirical - np.exp(model.log_prob(images))).sum() < 0.03, type(model).__name__


def test_same_seed_same_samples(tiny_train):
    model = pm.MarkovChain(tiny_train, 3)
    np.testing.assert_array_equal(model.sample(8, seed=5), model.sample(8, seed=5))
    assert not np.array_equal(model.sample(8, seed=5), model.sample(8, seed=6))


def test_markov_on_digits_fits_every_order_with_sparse_counts():
    train = digits("train").binary
    model = pm.MarkovChain(train, 63, alpha=0.01)
    assert model.num_params() == 2**64 - 1
    assert model.contexts_seen() <= train.size  # never more than one context per (image, pixel)
    nll = [pm.MarkovChain(train, k, alpha=0.01).nll(train) for k in (0, 8, 63)]
    assert nll[0] > nll[1] > nll[2]  # more context, better fit of the training images


def test_full_joint_memorizes_the_training_images():
    train, test = digits("train").binary, digits("test").binary
    model = pm.FullJoint(train)
    assert model.nll(train) < 8.0 < 40.0 < model.nll(test)
    copies = model.count(model.sample(200, seed=0)) > 0
    assert copies.mean() > 0.95


def test_fit_structure_builds_each_structure_and_refuses_unknown(tiny_train):
    for name in pm.STRUCTURES:
        assert isinstance(pm.fit_structure(name, tiny_train, k=2), pm.ExplicitModel)
    with pytest.raises(ValueError):
        pm.fit_structure("banana", tiny_train)


def test_non_binary_input_is_refused(tiny_train):
    with pytest.raises(ValueError):
        pm.IndependentPixels(tiny_train).log_prob(np.full((1, N_TINY), 3))


def test_independent_levels_sum_to_one_and_count_parameters():
    rng = np.random.default_rng(0)
    train = rng.integers(0, 17, size=(100, 2))
    model = pm.IndependentLevels(train, levels=17)
    every = np.array(list(itertools.product(range(17), repeat=2)))
    assert np.exp(np.logaddexp.reduce(model.log_prob(every))) == pytest.approx(1.0)
    assert model.num_params() == 16 * 2
    samples = model.sample(20000, seed=0)
    assert np.abs(np.bincount(samples[:, 0], minlength=17) / 20000 - model.p[0]).max() < 0.02
