"""The sample-quality metrics on cases whose answer is known: a set against itself, one
repeated image, a memorizer, closed forms and brute force."""

import numpy as np
import pytest
import scipy.linalg
import torch

from core import data
from core.metrics import (
    COPY_DISTANCE,
    copy_rate,
    frechet_distance,
    inception_score,
    nearest_neighbour,
    nearest_training,
    precision_recall,
)
from core.models.classifier import ClassifierConfig, DigitClassifier
from core.recipes import quality


@pytest.fixture(scope="module")
def reference():
    """The standard comparison with an untrained (seeded) classifier: the checks below hold for any features."""
    torch.manual_seed(0)
    return quality.Reference.build(DigitClassifier(ClassifierConfig()).eval())


def test_a_set_against_itself_has_zero_frechet_distance():
    features = np.random.default_rng(0).normal(size=(300, 8)) @ np.random.default_rng(1).normal(size=(8, 8))
    assert frechet_distance(features, features) == pytest.approx(0.0, abs=1e-8)


def test_frechet_distance_equals_the_formula_with_scipy_sqrtm():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(200, 5)), rng.normal(size=(150, 5)) @ rng.normal(size=(5, 5)) + 1
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    expected = np.sum((a.mean(0) - b.mean(0)) ** 2) + np.trace(cov_a + cov_b - 2 * scipy.linalg.sqrtm(cov_a @ cov_b).real)
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-8)


def test_frechet_distance_of_two_gaussians_approaches_the_closed_form():
    """For N(mu_1, diag s_1) and N(mu_2, diag s_2): |mu_1 - mu_2|^2 + sum (sqrt s_1 - sqrt s_2)^2."""
    rng = np.random.default_rng(0)
    mu_1, mu_2 = np.array([0.0, 1.0, -1.0]), np.array([1.0, 1.0, 0.5])
    s_1, s_2 = np.array([1.0, 4.0, 0.25]), np.array([2.0, 1.0, 0.25])
    a = mu_1 + np.sqrt(s_1) * rng.standard_normal((200_000, 3))
    b = mu_2 + np.sqrt(s_2) * rng.standard_normal((200_000, 3))
    closed_form = np.sum((mu_1 - mu_2) ** 2) + np.sum((np.sqrt(s_1) - np.sqrt(s_2)) ** 2)
    assert frechet_distance(a, b) == pytest.approx(closed_form, rel=0.01)


def test_inception_score_is_one_for_one_class_distribution_and_k_for_confident_balanced_classes():
    same = np.tile([0.7, 0.2, 0.1], (50, 1))
    assert inception_score(same) == pytest.approx(1.0)
    confident = np.eye(4)[np.arange(40) % 4]
    assert inception_score(confident) == pytest.approx(4.0, rel=1e-6)


def brute_force_precision_recall(real, fake, k):
    """Straight from the definition, one point and one ball at a time."""
    def radius(points, i):
        return sorted(np.linalg.norm(points[i] - points[j]) for j in range(len(points)) if j != i)[k - 1]

    def covered(support, query):
        return any(np.linalg.norm(query - support[i]) <= radius(support, i) for i in range(len(support)))

    return (np.mean([covered(real, f) for f in fake]), np.mean([covered(fake, r) for r in real]))


def test_precision_recall_equal_brute_force_on_a_tiny_case():
    rng = np.random.default_rng(3)
    for k in (1, 2, 3):
        real, fake = rng.normal(size=(9, 2)), rng.normal(size=(7, 2)) + 0.8
        assert precision_recall(real, fake, k) == pytest.approx(brute_force_precision_recall(real, fake, k))


def test_one_repeated_image_has_recall_near_zero_and_inception_score_one(reference):
    repeated = np.repeat(reference.train_images[:1], quality.N, axis=0)
    metrics = quality.sample_metrics(repeated, reference)
    assert metrics["recall"] <= 1 / quality.N
    assert metrics["inception_score"] == pytest.approx(1.0, abs=1e-6)


def test_the_memorizer_has_copy_rate_one_and_real_test_digits_zero(reference):
    memorized = quality.training_draw(reference)(0)
    metrics = quality.sample_metrics(memorized, reference)
    assert metrics["copy_rate"] == 1.0 and metrics["nn_median"] == 0.0
    assert copy_rate(data.gray("test"), reference.train_images) == 0.0


def test_nearest_neighbour_and_copy_threshold_by_brute_force():
    rng = np.random.default_rng(0)
    train, fake = rng.random((20, 64)), rng.random((6, 64))
    fake[0] = train[5] + 0.9 * COPY_DISTANCE / 8  # every pixel moved a little: still a copy
    expected = [min(np.linalg.norm(f - t) for t in train) for f in fake]
    np.testing.assert_allclose(nearest_neighbour(fake, train), expected, rtol=1e-6)
    assert copy_rate(fake, train) == pytest.approx(1 / 6)
    index, distance = nearest_training(fake, train)
    assert index[0] == 5
    np.testing.assert_allclose(distance, np.linalg.norm(fake - train[index], axis=1), rtol=1e-6)


def test_real_rows_compare_equal_n_and_average_seeded_draws(reference):
    draw = quality.training_draw(reference)
    assert draw(0).shape == (quality.N, 64)
    np.testing.assert_array_equal(draw(4), draw(4))
    assert not np.array_equal(draw(0), draw(1))
    rows = [quality.sample_metrics(draw(seed), reference)["fd"] for seed in range(2)]
    assert quality.averaged(draw, reference, draws=2)["fd"] == pytest.approx(np.mean(rows))



def test_halves_of_the_test_digits_are_disjoint_equal_and_keep_the_class_shares():
    labels = data.digits("test").labels
    reference, held_out = quality.halves(labels, seed=3)
    assert len(reference) == len(held_out) == quality.HALF and not set(reference) & set(held_out)
    assert np.abs(np.bincount(labels[reference]) - np.bincount(labels[held_out])).max() <= 1
    assert not np.array_equal(quality.halves(labels, seed=4)[1], held_out)


@pytest.fixture(scope="module")
def table(reference):
    """The page's table with the seeded untrained classifier, 2 draws, and a memorizer passed as a model."""
    return quality.quality_table({"a model that copies": quality.Memorizer(data.gray("fit"))},
                                 reference.classifier, draws=2)


def test_every_row_of_the_table_is_measured_like_a_model(table):
    """A memorizer given as a model gets exactly the memorizer's row: one function measures every row."""
    assert list(table) == ["real", "memorizer", "a model that copies"]
    assert table["a model that copies"] == table["memorizer"]


def test_real_held_out_digits_and_the_memorizer_differ_only_where_copying_shows(table):
    real, memorizer = table["real"], table["memorizer"]
    assert real["fd"] != pytest.approx(memorizer["fd"])  # two different sets of images, not one draw twice
    assert memorizer["copy_rate"] == 1.0 and memorizer["nn_median"] == 0.0
    assert real["copy_rate"] <= 0.01 and real["nn_median"] > COPY_DISTANCE


def test_the_real_row_is_the_other_half_of_the_test_digits(reference):
    held_out = quality.HeldOut.build(reference.classifier, draws=2)
    test, labels = data.gray("test"), data.digits("test").labels
    for seed, ref in enumerate(held_out.references):
        reference_half, held_half = quality.halves(labels, seed)
        np.testing.assert_array_equal(held_out.sample(quality.HALF, seed), test[held_half])
        np.testing.assert_allclose(ref.test_features, reference.classifier.features(test[reference_half]), rtol=1e-5)
