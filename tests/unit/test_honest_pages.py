"""The pages as a visitor reads them (Streamlit's AppTest): the quality table compares
held-out real digits with a memorizer honestly and fits; the AAE's default prior is called
a poor match; one count is written one way (issue 13, items 15, 16, 18)."""

import pytest

from core.recipes.quality import GAN_NAMES
from tests.app.conftest import open_page


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_quality_table_shows_real_digits_apart_from_the_memorizer_in_short_columns(lang):
    at = open_page("dcgan_infogan", lang)
    table = at.dataframe[0].value
    assert len(table) == 2 + len(GAN_NAMES)  # held-out digits, the memorizer, then each model
    assert max(len(label) for label in table.columns[1:]) <= 13  # help texts carry the rest
    real, memorizer = table.iloc[0], table.iloc[1]
    fd, nearest, copies = table.columns[1], table.columns[5], table.columns[6]
    assert real[fd] != pytest.approx(memorizer[fd], rel=0.05)  # two sets of digits, not one draw twice
    assert memorizer[copies] == 100 and memorizer[nearest] == 0  # percent; a copy is at distance 0
    assert real[copies] < 1 and real[nearest] > 0.5


def test_the_aae_caption_calls_the_default_prior_a_poor_match():
    at = open_page("aae")
    caption = next(c.value for c in at.caption if c.value.startswith("Coloured points"))
    assert "poorly" in caption and "0.080" in caption and "fill its shape" not in caption.replace("do not fill", "")


def test_the_markov_caption_writes_the_count_like_the_metric():
    """'of 14,591 possible' beside the metric 14,591, not '1.459e+4 possible'."""
    at = open_page("independence")
    caption = next(c.value for c in at.caption if "(pixel, context)" in c.value)
    assert "14,591" in caption and "e+" not in caption
