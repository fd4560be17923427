"""The words Text2Image understands: a fixed vocabulary in English and Korean, a prompt
parser, random training captions, and the token ids of the text encoder.

A prompt names at most three things about a digit image:

    digit      0..9     "seven", "7", "칠", "일곱"
    thickness  thin / regular / thick      "thick", "bold", "굵은", "얇은"
    slant      left / upright / right      "slanted", "left", "똑바른", "왼쪽으로 기운"

Everything else is a known filler ("a", "the", "숫자") and ignored, or unknown and
reported back, never an error. Korean words may carry a particle ("칠을", "오른쪽으로"):
a known word followed by one of a few common particles is read as the word.

The model never sees these meanings: it sees only token ids (one per known content word,
synonyms apart) and must learn from (caption, image) pairs that "seven", "7", "칠" and
"일곱" draw the same digit. That is the point of random captions with synonyms.

Pure Python: no torch, no numpy (the page parses prompts without loading a model).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

THICKNESS = ("thin", "regular", "thick")  # class 0, 1, 2 of core.data.styles: tertiles of ink
SLANT = ("left", "upright", "right")  # class 0, 1, 2 of core.data.styles: tertiles of slant
LANGUAGES = ("en", "ko")

# digit -> language -> words; the numerals "0".."9" belong to both languages
DIGIT_WORDS: dict[int, dict[str, tuple[str, ...]]] = {
    0: {"en": ("zero", "0"), "ko": ("영", "공", "0")},
    1: {"en": ("one", "1"), "ko": ("일", "하나", "1")},
    2: {"en": ("two", "2"), "ko": ("이", "둘", "2")},
    3: {"en": ("three", "3"), "ko": ("삼", "셋", "3")},
    4: {"en": ("four", "4"), "ko": ("사", "넷", "4")},
    5: {"en": ("five", "5"), "ko": ("오", "다섯", "5")},
    6: {"en": ("six", "6"), "ko": ("육", "여섯", "6")},
    7: {"en": ("seven", "7"), "ko": ("칠", "일곱", "7")},
    8: {"en": ("eight", "8"), "ko": ("팔", "여덟", "8")},
    9: {"en": ("nine", "9"), "ko": ("구", "아홉", "9")},
}
# style value -> language -> phrases (a phrase may be two words, e.g. "slanted left")
THICKNESS_PHRASES: dict[str, dict[str, tuple[str, ...]]] = {
    "thin": {"en": ("thin", "light", "skinny"), "ko": ("얇은", "가는")},
    "regular": {"en": ("regular", "normal"), "ko": ("보통",)},
    "thick": {"en": ("thick", "bold", "fat"), "ko": ("굵은", "두꺼운")},
}
SLANT_PHRASES: dict[str, dict[str, tuple[str, ...]]] = {
    "left": {"en": ("backslanted", "slanted left", "leaning left"), "ko": ("왼쪽으로 기운", "왼쪽으로 기울어진")},
    "upright": {"en": ("upright", "straight"), "ko": ("똑바른", "곧은")},
    "right": {"en": ("slanted", "italic", "slanted right", "leaning right"), "ko": ("기울어진", "오른쪽으로 기운")},
}
# Words that say "slanted" without a direction: right (as italic type leans) unless a
# direction word ("left", "왼쪽") is also in the prompt, which then decides.
UNDIRECTED_SLANT = ("slanted", "leaning", "기울어진", "기운")
FILLERS = ("a", "an", "the", "digit", "number", "of", "draw", "숫자", "그려", "그려줘")
PARTICLES = ("으로", "로", "을", "를", "이", "가", "은", "는", "의", "도")  # "으로" before "로": longest first

# category -> value -> every word that means it (both languages); the page lists these
VOCABULARY: dict[str, dict[str, tuple[str, ...]]] = {
    "digit": {str(d): tuple(dict.fromkeys(words["en"] + words["ko"])) for d, words in DIGIT_WORDS.items()},
    "thickness": {value: words["en"] + words["ko"] for value, words in THICKNESS_PHRASES.items()},
    "slant": {"left": ("left", "backslanted", "왼쪽"), "upright": ("upright", "straight", "똑바른", "곧은"),
              "right": ("right", "italic", "오른쪽") + UNDIRECTED_SLANT},
    "filler": {"": FILLERS},
}
MEANING: dict[str, tuple[str, str]] = {word: (category, value) for category, values in VOCABULARY.items()
                                       for value, words in values.items() for word in words}
# The text encoder's tokens: every known content word, in a fixed order (ids are positions).
TOKENS: tuple[str, ...] = tuple(word for word, (category, _) in MEANING.items() if category != "filler")
TOKEN_ID = {word: i for i, word in enumerate(TOKENS)}


def vocabulary() -> dict[str, tuple[str, ...]]:
    """Every known word by category ("digit", "thickness", "slant", "filler"), for listing."""
    return {category: tuple(w for words in values.values() for w in words) for category, values in VOCABULARY.items()}


@dataclass(frozen=True)
class Prompt:
    digit: int | None  # None: the prompt names no digit
    thickness: str | None  # one of THICKNESS, or None
    slant: str | None  # one of SLANT, or None
    words: tuple[str, ...]  # the known words as read (particles removed), fillers included
    unknown: tuple[str, ...]  # words not in the vocabulary: ignored
    conflicts: tuple[str, ...] = ()  # known words overruled by an earlier word of the same category


def split_words(text: str) -> list[str]:
    """Lowercase, split on whitespace and punctuation; a known word with a Korean particle
    attached ("칠을", "오른쪽으로") becomes the word."""
    words = []
    for word in re.findall(r"\w+", text.lower()):
        if word not in MEANING:
            for particle in PARTICLES:
                if word.endswith(particle) and word[: -len(particle)] in MEANING:
                    word = word[: -len(particle)]
                    break
        words.append(word)
    return words


def parse(text: str) -> Prompt:
    """What a prompt asks for. The first word of a category wins; later ones that disagree
    are reported in `conflicts`. Never raises."""
    words = split_words(text)
    known = [w for w in words if w in MEANING]
    chosen: dict[str, str] = {}
    conflicts = []
    directed = [w for w in known if MEANING[w][0] == "slant" and w not in UNDIRECTED_SLANT]
    for word in known:
        category, value = MEANING[word]
        if category == "filler" or (word in UNDIRECTED_SLANT and directed):  # a direction word decides
            continue
        if category not in chosen:
            chosen[category] = value
        elif chosen[category] != value:
            conflicts.append(word)
    return Prompt(digit=int(chosen["digit"]) if "digit" in chosen else None, thickness=chosen.get("thickness"),
                  slant=chosen.get("slant"), words=tuple(known), unknown=tuple(w for w in words if w not in MEANING),
                  conflicts=tuple(conflicts))


def caption(digit: int | None, thickness: str | None, slant: str | None, rng: random.Random,
            language: str = "en", omit: float = 0.5) -> str:
    """A random caption of these attributes: random synonyms, and each style word left out
    with probability `omit` (so prompts without a style word work too). None leaves the
    attribute out; English puts a two-word slant after the digit ("a thin 7 slanted left")."""
    def pick(phrases: dict[str, dict[str, tuple[str, ...]]], value: str | None) -> str:
        return "" if value is None or rng.random() < omit else rng.choice(phrases[value][language])

    digit_word = "" if digit is None else rng.choice(DIGIT_WORDS[digit][language])
    style = pick(THICKNESS_PHRASES, thickness)
    slant_phrase = pick(SLANT_PHRASES, slant)
    before, after = (slant_phrase, "") if language == "ko" or " " not in slant_phrase else ("", slant_phrase)
    article = "a" if language == "en" and rng.random() < 0.5 else ""  # a filler, ignored by the encoder
    return " ".join(w for w in (article, style, before, digit_word, after) if w)


def token_ids(text: str) -> list[int]:
    """The ids of the prompt's content words, in order; fillers and unknown words dropped."""
    return [TOKEN_ID[w] for w in split_words(text) if w in TOKEN_ID]
