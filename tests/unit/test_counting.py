"""Parameter counts against brute-force enumeration of the configurations they count."""

import itertools

import pytest

from core.lectures import counting


def all_images(n):
    return list(itertools.product((0, 1), repeat=n))


def enumerated_markov_params(n, k):
    """One free parameter per (pixel, configuration of its parents) that can occur."""
    return sum(len({image[max(0, i - k) : i] for image in all_images(n)}) for i in range(n))


@pytest.mark.parametrize("n", range(1, 8))
def test_full_joint_and_chain_rule_count_every_image_but_one(n):
    assert counting.full_joint_params(n) == len(all_images(n)) - 1
    assert counting.chain_rule_params(n) == enumerated_markov_params(n, n - 1) == 2**n - 1


@pytest.mark.parametrize("n", range(1, 8))
def test_markov_count_matches_enumeration_for_every_order(n):
    for k in range(n):
        assert counting.markov_params(n, k) == enumerated_markov_params(n, k), (n, k)


@pytest.mark.parametrize("n", range(1, 8))
def test_special_cases_of_the_lecture(n):
    assert counting.markov_params(n, 0) == counting.independent_params(n) == n
    if n > 1:
        assert counting.markov_params(n, 1) == 2 * n - 1 == counting.tree_params(n)


def test_rgb_pixel_and_large_counts_are_exact():
    assert counting.rgb_pixel_params(8) == 256**3 - 1 == 16_777_215
    assert counting.rgb_pixel_params(1) == 7
    big = counting.full_joint_params(784)
    assert big == 2**784 - 1 and len(str(big)) == 237
    assert counting.scientific(big) == "1.017e+236"
    assert counting.scientific(16_777_215) == "1.678e+7"
    assert counting.scientific(0) == "0"


def test_categorical_needs_one_parameter_less_than_outcomes():
    assert [counting.categorical_params(m) for m in (2, 6, 20)] == [1, 5, 19]
    assert counting.bernoulli_params() == 1
    with pytest.raises(ValueError):
        counting.categorical_params(0)


def test_markov_order_out_of_range_is_refused():
    with pytest.raises(ValueError):
        counting.markov_params(4, 4)


def test_structure_params_dispatches_to_each_formula():
    n, k = 10, 3
    assert [counting.structure_params(s, n, k) for s in counting.STRUCTURES] == [
        2**n - 1, n, 2**n - 1, (2**k - 1) + (n - k) * 2**k, 2 * n - 1]
    assert counting.structure_params("markov", 1, 5) == 1  # k is capped at n - 1
