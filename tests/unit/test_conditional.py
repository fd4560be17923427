"""Conditional generation: the prompt parser and captions, the style measures, Text2Image's
shapes and a tiny training run, and Puzzle-GAN's pieces (kept exactly, shuffled as a derangement)."""

import random

import numpy as np
import pytest
import torch

from core import data
from core.data import prompts, styles
from core.models.adversarial.conditional import (
    GRID,
    PIECE,
    PRESETS,
    PuzzleGAN,
    PuzzleGANConfig,
    Text2Image,
    Text2ImageConfig,
    piece_mask,
    preset,
    random_given,
    shuffle_pieces,
    tokenize,
    with_attributes,
)
from core.training import TrainConfig, train

RECIPE = TrainConfig(epochs=2, batch_size=16, lr=1e-3, betas=(0.5, 0.999), patience=2, ema=0.5, monitor="loss")

# ----------------------------------------------------------------------------
# Prompts


@pytest.mark.parametrize("text, digit, thickness, slant", [
    ("a thick seven", 7, "thick", None),
    ("얇은 3", 3, "thin", None),
    ("zero", 0, None, None),
    ("slanted 4", 4, None, "right"),
    ("굵은 칠", 7, "thick", None),
    ("일곱", 7, None, None),
    ("a thin 2 slanted left", 2, "thin", "left"),
    ("왼쪽으로 기운 사를 그려줘", 4, None, "left"),  # particles: 왼쪽+으로, 사+를
    ("오른쪽으로 기운 하나", 1, None, "right"),
    ("Bold, upright   NINE!", 9, "thick", "upright"),
    ("left-slanted five", 5, None, "left"),
])
def test_parse_reads_english_and_korean_prompts(text, digit, thickness, slant):
    prompt = prompts.parse(text)
    assert (prompt.digit, prompt.thickness, prompt.slant) == (digit, thickness, slant)
    assert prompt.unknown == () and prompt.conflicts == ()


def test_parse_lists_unknown_words_and_conflicts_and_never_raises():
    prompt = prompts.parse("a purple seven, 3 and thin thick dragon")
    assert prompt.digit == 7 and prompt.thickness == "thin"
    assert prompt.unknown == ("purple", "and", "dragon")
    assert prompt.conflicts == ("3", "thick")
    assert prompt.words == ("a", "seven", "3", "thin", "thick")
    assert prompts.parse("seven 7 칠").conflicts == ()  # synonyms agree
    empty = prompts.parse("  ?!  ")
    assert (empty.digit, empty.thickness, empty.slant, empty.words, empty.unknown) == (None, None, None, (), ())
    assert prompts.parse("12 77").digit is None  # only single numerals are digits
    assert prompts.token_ids("the digit of a") == []  # fillers carry no token


def test_vocabulary_lists_every_category_and_tokens_are_the_content_words():
    vocabulary = prompts.vocabulary()
    assert set(vocabulary) == {"digit", "thickness", "slant", "filler"}
    assert {"seven", "7", "칠", "일곱", "영", "아홉"} <= set(vocabulary["digit"])
    assert set(prompts.TOKENS) == set(vocabulary["digit"]) | set(vocabulary["thickness"]) | set(vocabulary["slant"])
    assert len(set(prompts.TOKENS)) == len(prompts.TOKENS)
    assert prompts.token_ids("a thick seven") == [prompts.TOKEN_ID["thick"], prompts.TOKEN_ID["seven"]]
    assert prompts.token_ids("칠을") == [prompts.TOKEN_ID["칠"]]


@pytest.mark.parametrize("language", prompts.LANGUAGES)
def test_a_caption_parses_back_to_its_attributes(language):
    rng = random.Random(0)
    for _ in range(300):
        digit, thickness, slant = rng.randrange(10), rng.choice(prompts.THICKNESS), rng.choice(prompts.SLANT)
        text = prompts.caption(digit, thickness, slant, rng, language, omit=0.0)
        prompt = prompts.parse(text)
        assert (prompt.digit, prompt.thickness, prompt.slant) == (digit, thickness, slant), text
        assert prompt.unknown == () and prompt.conflicts == ()


def test_captions_leave_style_words_out_at_the_given_rate():
    rng = random.Random(1)
    parsed = [prompts.parse(prompts.caption(3, "thick", "left", rng, "en", omit=0.5)) for _ in range(2000)]
    assert all(p.digit == 3 for p in parsed)
    share = np.mean([p.thickness is None for p in parsed])
    assert 0.45 < share < 0.55
    assert prompts.parse(prompts.caption(None, None, None, rng, "ko")).words == ()


# ----------------------------------------------------------------------------
# Style measures


def bar(width: int, shear: int = 0) -> np.ndarray:
    """A vertical stroke `width` pixels wide in columns 3.., moved `shear` columns right per two rows up."""
    image = np.zeros((8, 8), dtype=np.float32)
    for r in range(8):
        start = 3 + shear * (7 - r) // 4
        image[r, start : start + width] = 1.0
    return image.reshape(1, 64)


def test_a_thicker_stroke_has_more_ink():
    assert styles.ink(bar(2))[0] > styles.ink(bar(1))[0]
    assert styles.ink(bar(1))[0] == pytest.approx(8 / 64)


def test_the_slant_sign_says_which_way_a_stroke_leans():
    assert styles.slant(bar(1))[0] == pytest.approx(0, abs=1e-6)
    right, left = styles.slant(bar(1, shear=1))[0], styles.slant(bar(1, shear=-1))[0]
    assert right > 0.1 and left < -0.1
    diagonal = np.eye(8, dtype=np.float32)[::-1].reshape(1, 64)  # top-right to bottom-left: 45 degrees right
    assert styles.slant(diagonal)[0] == pytest.approx(1.0)
    assert np.isfinite(styles.slant(np.zeros((1, 64)))).all()


def test_style_classes_are_tertiles_within_each_digit_class():
    rng = np.random.default_rng(0)
    images = rng.random((600, 64)).astype(np.float32)
    labels = np.repeat(np.arange(2), 300)
    images[labels == 1] *= 0.5  # class 1 has half the ink of class 0: cuts are per class
    thresholds = styles.style_thresholds(images, labels)
    thickness, slant = styles.style_classes(images, labels, thresholds)
    for d in range(2):
        np.testing.assert_array_equal(np.bincount(thickness[labels == d], minlength=3), [100, 100, 100])
        np.testing.assert_array_equal(np.bincount(slant[labels == d], minlength=3), [100, 100, 100])
    assert styles.style_names([2], [0]) == [("thick", "left")]


# ----------------------------------------------------------------------------
# Text2Image


def tiny_text2image():
    torch.manual_seed(0)
    return Text2Image(Text2ImageConfig(noise=4, embed=4, text=4, ngf=4, ndf=4))


def labelled_rows(n=32):
    images = data.gray("fit")[:n]
    labels = np.arange(n) % 10
    return with_attributes(images, labels, np.arange(n) % 3, (np.arange(n) // 3) % 3)


def test_text2image_shapes_are_fixed_by_the_config():
    model = tiny_text2image().eval()
    images, prompt = model.generate_text("a thick seven", 5, seed=0)
    assert images.shape == (5, 64) and images.dtype == np.float32 and prompt.digit == 7
    assert images.min() >= 0 and images.max() <= 1
    np.testing.assert_array_equal(model.generate_text("칠", 3, seed=4)[0], model.generate_text("칠", 3, seed=4)[0])
    assert model.sample(2, seed=0).shape == (2, 64)  # the empty prompt: "any digit"
    assert model.generate_attributes([1, 2], [0, 2], [1, None], seed=0, language="ko").shape == (2, 64)


def test_the_text_vector_is_a_mean_of_word_embeddings_and_the_empty_bag_is_the_bias():
    model = tiny_text2image()
    encoder = model.g_text
    ids, offsets = tokenize(["thick seven", "", "seven thick", "seven"])
    t = encoder(ids, offsets)  # (4, text)
    e = encoder.bag.weight
    expected = encoder.project((e[prompts.TOKEN_ID["thick"]] + e[prompts.TOKEN_ID["seven"]]) / 2)
    torch.testing.assert_close(t[0], expected)
    torch.testing.assert_close(t[1], encoder.project.bias)  # no known word: t = b
    torch.testing.assert_close(t[0], t[2])  # a bag: word order does not matter
    assert not torch.allclose(t[0], t[3])


def test_the_mismatched_caption_names_another_digit():
    from core.models.adversarial.conditional import training_captions

    rows = torch.as_tensor(labelled_rows(40))
    captions = training_captions(rows, random.Random(0), wrong=True)
    read = [prompts.parse(text).digit for text in captions]
    assert all(d != int(label) for d, label in zip(read, rows[:, -3]))


def test_a_tiny_text2image_training_run_moves_both_players_and_is_deterministic():
    runs = []
    for _ in range(2):
        model = tiny_text2image()
        before = {k: v.clone() for k, v in model.state_dict().items()}
        result = train(model, labelled_rows(32), labelled_rows(16), RECIPE, progress=lambda *a: None)
        after = result.model.state_dict()
        for part in ("g_text.bag.weight", "generator.1.weight", "d_text.bag.weight", "body.1.weight"):
            assert not torch.equal(before[part], after[part]), part
        runs.append(result.model.generate_text("3", 2, seed=0)[0])
    np.testing.assert_array_equal(*runs)


def test_the_discriminator_phase_leaves_the_generator_alone():
    model = tiny_text2image()
    optimizers = model.configure_optimizers(RECIPE)
    g_before = [p.detach().clone() for p in [*model.g_text.parameters(), *model.generator.parameters()]]
    optimizers["G"].step = lambda *a, **k: None  # run only phase (1)
    model.train_step(torch.as_tensor(labelled_rows(16)), optimizers)
    g_after = [*model.g_text.parameters(), *model.generator.parameters()]
    assert all(torch.equal(a, b) for a, b in zip(g_before, g_after))


# ----------------------------------------------------------------------------
# Puzzle-GAN


def tiny_puzzle():
    torch.manual_seed(0)
    return PuzzleGAN(PuzzleGANConfig(noise=2, ngf=4, ndf=4))


def test_pieces_tile_the_image():
    assert GRID * PIECE == 8
    mask = piece_mask(np.eye(16, dtype=bool))  # (16, 64): one piece each
    assert (mask.sum(axis=1) == PIECE * PIECE).all() and (mask.sum(axis=0) == 1).all()
    first = mask[0].reshape(8, 8)
    assert first[:2, :2].all() and first.sum() == 4
    assert piece_mask(np.ones(16, bool)).shape == (64,)


@pytest.mark.parametrize("name, count", [("random_half", 8), ("top_half", 8), ("left_half", 8), ("border", 12),
                                         ("centre", 4)])
def test_presets_have_the_promised_counts(name, count):
    assert name in PRESETS
    given = preset(name, seed=3)
    assert given.shape == (16,) and given.dtype == bool and given.sum() == count
    grid = given.reshape(GRID, GRID)
    if name == "top_half":
        assert grid[:2].all()
    if name == "centre":
        assert grid[1:3, 1:3].all()
    assert not np.array_equal(preset("random_half", 0), preset("random_half", 1))
    assert (random_given(50, 5, seed=0).sum(axis=1) == 5).all()


def test_a_completion_keeps_the_given_pieces_exactly_and_varies_with_the_seed():
    model = tiny_puzzle().eval()
    images = data.gray("test")[:6]
    for given in (preset("border"), random_given(6, 3, seed=1)):
        completed = model.complete(images, given, seed=0)
        mask = np.broadcast_to(piece_mask(given), images.shape)
        assert completed.shape == (6, 64) and completed.min() >= 0 and completed.max() <= 1
        np.testing.assert_array_equal(completed[mask], images[mask])
        assert not np.array_equal(completed[~mask], images[~mask])
    assert not np.array_equal(model.complete(images, preset("centre"), 0), model.complete(images, preset("centre"), 1))


def test_shuffle_permutes_the_given_pieces_contents_and_leaves_the_rest_alone():
    image = np.arange(64, dtype=np.float32)  # every pixel distinct
    given = preset("random_half", seed=2)
    shuffled = shuffle_pieces(image, given, seed=0)
    mask = piece_mask(given)
    np.testing.assert_array_equal(shuffled[~mask], image[~mask])
    np.testing.assert_array_equal(np.sort(shuffled[mask]), np.sort(image[mask]))  # a permutation of the contents
    pieces = lambda x: x.reshape(GRID, PIECE, GRID, PIECE).transpose(0, 2, 1, 3).reshape(16, PIECE * PIECE)
    before, after = pieces(image), pieces(shuffled)
    for p in np.flatnonzero(given):
        assert not np.array_equal(after[p], before[p])  # a derangement: no piece stays
        assert any(np.array_equal(after[p], before[q]) for q in np.flatnonzero(given))  # whole pieces move
    one = np.zeros(16, bool)
    one[5] = True
    np.testing.assert_array_equal(shuffle_pieces(image, one, seed=0), image)


def test_a_tiny_puzzle_training_run_moves_both_players():
    model = tiny_puzzle()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    result = train(model, data.gray("fit")[:32], data.gray("val")[:16], RECIPE, progress=lambda *a: None)
    after = result.model.state_dict()
    assert not torch.equal(before["generator.down1.0.weight"], after["generator.down1.0.weight"])
    assert not torch.equal(before["discriminator.1.weight"], after["discriminator.1.weight"])
    assert set(result.history[-1]) >= {"train_l1", "train_spread", "val_l1", "train_loss_d", "train_loss_g"}
    with pytest.raises(TypeError):
        result.model.sample(2)
