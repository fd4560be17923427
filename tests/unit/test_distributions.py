"""Bernoulli, categorical, conditional independence and Bayes' rule on a table."""

import itertools

import numpy as np
import pytest

from core.lectures import distributions as d


def test_running_frequency_converges_to_p():
    frequency = d.bernoulli_running_frequency(0.3, 20000, seed=0)
    assert frequency.shape == (20000,)
    assert abs(frequency[-1] - 0.3) < 4 * np.sqrt(0.3 * 0.7 / 20000)
    assert d.bernoulli_running_frequency(0.0, 50)[-1] == 0.0
    assert d.bernoulli_running_frequency(1.0, 50)[-1] == 1.0


@pytest.mark.parametrize("weights, reason", [
    ([], "empty"), ([0, 0, 0], "all_zero"), ([1, -1], "negative"), ([1, None], "not_finite"),
    ([1, float("nan")], "not_finite"), ([1, float("inf")], "not_finite"), (["a", 1], "not_finite"),
])
def test_bad_weights_say_why(weights, reason):
    with pytest.raises(d.InvalidWeights) as error:
        d.normalize_weights(weights)
    assert str(error.value) == reason


def test_weights_normalize_and_counts_add_up():
    probs = d.normalize_weights([1, 1, 2])
    np.testing.assert_allclose(probs, [0.25, 0.25, 0.5])
    counts = d.categorical_counts(probs, 40000, seed=0)
    assert counts.sum() == 40000
    assert d.total_variation(probs, counts / 40000) < 0.01
    assert d.total_variation([1, 0], [0, 1]) == 1.0


def random_joint(seed):
    return d.joint_from_weights(np.random.default_rng(seed).random(8))


def test_conditionals_match_their_definition():
    joint = random_joint(0)
    for y, z in itertools.product((0, 1), repeat=2):
        assert d.x_given_yz(joint)[y, z] == pytest.approx(joint[1, y, z] / joint[:, y, z].sum())
    for z in (0, 1):
        assert d.x_given_z(joint)[z] == pytest.approx(joint[1, :, z].sum() / joint[:, :, z].sum())


def test_cmi_is_positive_and_zero_exactly_under_conditional_independence():
    for seed in range(5):
        joint = random_joint(seed)
        assert d.conditional_mutual_information(joint) > 1e-4
        independent = d.conditionally_independent_version(joint)
        assert independent.sum() == pytest.approx(1.0)
        assert d.conditional_mutual_information(independent) == pytest.approx(0.0, abs=1e-12)
        # p(x | y, z) = p(x | z) for every y
        np.testing.assert_allclose(d.x_given_yz(independent), np.tile(d.x_given_z(independent), (2, 1)))
        # p(z), p(x | z) and p(y | z) are kept
        np.testing.assert_allclose(independent.sum(axis=(0, 1)), joint.sum(axis=(0, 1)))
        np.testing.assert_allclose(d.x_given_z(independent), d.x_given_z(joint))


def test_cmi_by_brute_force_sum():
    joint = random_joint(7)
    expected = sum(
        joint[x, y, z] * np.log(joint[x, y, z] * joint[:, :, z].sum() / (joint[x, :, z].sum() * joint[:, y, z].sum()))
        for x, y, z in itertools.product((0, 1), repeat=3)
    )
    assert d.conditional_mutual_information(joint) == pytest.approx(expected)


def test_bayes_rule_both_ways_and_zero_probability_conditions():
    bayes = d.bayes_z_given_x(random_joint(1))
    np.testing.assert_allclose(bayes["bayes"], bayes["direct"])
    np.testing.assert_allclose(bayes["direct"].sum(axis=1), 1.0)
    joint = d.joint_from_weights([1, 0, 1, 0, 1, 0, 1, 0])  # rows (x, y, z) in binary order: z = 1 never happens
    assert np.isnan(d.x_given_z(joint)[1])
    # given z = 0, x and y are independent fair coins: I(X; Y | Z) = 0, and the empty z = 1 adds nothing
    assert d.conditional_mutual_information(joint) == pytest.approx(0.0, abs=1e-12)
    # given z = 0, y = x (a fair coin): I(X; Y | Z) = H(X | Z) = ln 2, by hand; z = 1 never happens
    copied = d.joint_from_weights([1, 0, 0, 0, 0, 0, 1, 0])  # (x, y, z) = (0, 0, 0) and (1, 1, 0)
    assert d.conditional_mutual_information(copied) == pytest.approx(np.log(2))
