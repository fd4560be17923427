"""The committed conditional GANs do what their condition says: the digit word of a prompt
decides the digit the classifier reads (every digit word, English and Korean), style words
move the style measures the right way, and more given pieces make better completions."""

import numpy as np
import pytest

from core import checkpoints, data, registry
from core.data import prompts, styles

SAMPLES = 20  # per prompt


@pytest.fixture(scope="module")
def text2image():
    return registry.load("text2image")


@pytest.fixture(scope="module")
def classifier():
    return registry.load("classifier")


@pytest.mark.parametrize("digit", range(10))
def test_the_digit_word_decides_the_digit_read_in_both_languages(text2image, classifier, digit):
    words = prompts.DIGIT_WORDS[digit]["en"] + prompts.DIGIT_WORDS[digit]["ko"]
    for word in words:
        images, prompt = text2image.generate_text(word, SAMPLES, seed=digit)
        assert prompt.digit == digit
        read = np.bincount(classifier.probs(images).argmax(axis=1), minlength=10)
        assert read.argmax() == digit and read[digit] > SAMPLES / 2, (word, read)


@pytest.mark.parametrize("thick, thin", [("thick", "thin"), ("굵은", "얇은")])
def test_thick_prompts_produce_more_ink_than_thin_ones(text2image, thick, thin):
    for digit in range(10):
        word = prompts.DIGIT_WORDS[digit]["en"][1]  # the numeral
        ink = {style: styles.ink(text2image.generate_text(f"{style} {word}", SAMPLES, seed=0)[0]).mean()
               for style in (thick, thin)}
        assert ink[thick] > ink[thin], (digit, ink)


def test_slant_words_move_the_measured_slant(text2image):
    mean_slant = lambda text: styles.slant(text2image.generate_text(text, 10 * SAMPLES, seed=0)[0]).mean()
    assert mean_slant("slanted right 4") > mean_slant("upright 4") > mean_slant("slanted left 4")
    assert mean_slant("오른쪽으로 기운 사") > mean_slant("왼쪽으로 기운 사")


def test_more_given_pieces_give_completions_that_agree_more_often():
    metrics = checkpoints.load_card("puzzle_gan")["metrics"]
    agreement = [metrics[f"agreement_given_{k}"] for k in (2, 4, 6, 8, 10, 12, 14)]
    assert agreement[-1] >= agreement[0] + 0.3
    assert all(later >= earlier - 0.02 for earlier, later in zip(agreement, agreement[1:]))  # rising, up to noise
    assert metrics["agreement_half"] > metrics["agreement_masked_half"]  # G adds what the pieces alone do not say


def test_the_noise_changes_the_completion_but_never_the_given_pieces():
    from core.models.adversarial.conditional import piece_mask, preset

    model, images = registry.load("puzzle_gan"), data.gray("test")[:50]
    given = preset("centre")
    first, second = model.complete(images, given, seed=0), model.complete(images, given, seed=1)
    mask = np.broadcast_to(piece_mask(given), images.shape)
    np.testing.assert_array_equal(first[mask], images[mask])
    assert np.abs(first - second)[~mask].mean() > 0.03  # mode seeking: z is not ignored
    assert checkpoints.load_card("puzzle_gan")["metrics"]["diversity_half"] > 0.03
