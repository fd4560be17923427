"""Lecture 10's GAN pages: the objective and the 2-D lab, DCGAN and InfoGAN."""

import math

import pytest

from core.gan_lab.config import PRESETS
from tests.app.conftest import metric, open_page
from ui.i18n import catalog as strings

EN = strings("en")


def assert_clean(at):
    assert not at.exception, [e.value for e in at.exception]


def test_the_value_reaches_minus_log_4_when_the_generator_matches_the_data():
    at = open_page("gan", center="1", gap="0", std="1")
    value = float(metric(at, EN["gan.theory.value"]))
    assert value > -math.log(4) + 0.1
    assert float(metric(at, "−log 4 + 2·JSD")) == pytest.approx(value, abs=1e-3)
    at.slider(key="center").set_value(0.0).run()
    at.slider(key="gap").set_value(4.0).run()
    at.slider(key="std").set_value(0.6).run()
    assert_clean(at)
    assert float(metric(at, EN["gan.theory.value"])) == pytest.approx(-math.log(4), abs=1e-3)
    assert float(metric(at, "JSD(p_data ‖ p_g)")) == pytest.approx(0.0, abs=1e-3)


def test_the_non_saturating_gradient_is_strong_where_the_saturating_one_vanishes():
    at = open_page("gan", d_fake="0.01")
    saturating = abs(float(metric(at, EN["gan.losses.saturating_gradient"])))
    non_saturating = abs(float(metric(at, EN["gan.losses.non_saturating_gradient"])))
    assert saturating < 0.02 < 0.9 < non_saturating


def test_lab_steps_and_resets():
    at = open_page("gan")
    iteration = EN["gan.lab.iteration"]
    assert metric(at, iteration) == "0"
    step = next(b for b in at.button if b.label == EN["gan.lab.step"])
    step.click().run()
    step = next(b for b in at.button if b.label == EN["gan.lab.step"])
    step.click().run()
    assert_clean(at)
    assert metric(at, iteration) == "2"
    next(b for b in at.button if b.label == EN["gan.lab.reset"]).click().run()
    assert metric(at, iteration) == "0"


def test_lab_settings_rebuild_the_lab_and_custom_points_are_checked():
    at = open_page("gan", lab_target="moons", lab_loss="least_squares", lab_regularizer="r1")
    assert_clean(at)
    at.segmented_control(key="lab_target").set_value("custom").run()
    assert_clean(at)
    assert not at.error  # the example points are fine
    for text, code in [("", "empty"), ("1,2\nx,3\n4,5", "not_numeric"), ("1,2,3\n1,2\n3,4", "wrong_columns"),
                       ("1,2\n3,4", "too_few_points"), ("1,2\nnan,3\n4,5\n6,7", "not_finite")]:
        at.text_area(key="lab_typed").set_value(text).run()
        assert_clean(at)
        assert at.error, code
        assert EN[f"gan.lab.bad_points.{code}"].split("{")[0][:20] in at.error[0].value


@pytest.mark.parametrize("preset", ["mode_collapse", "mode_collapse_gradient_penalty", "default"])
def test_presets_set_the_widgets(preset):
    at = open_page("gan")
    next(b for b in at.button if b.label == EN[f"gan.lab.presets.{preset}"]).click().run()
    assert_clean(at)
    expected = PRESETS[preset]
    assert at.selectbox(key="lab_loss").value == expected.loss
    assert at.selectbox(key="lab_regularizer").value == expected.regularizer
    assert at.select_slider(key="lab_d_units").value == str(expected.d_units)


@pytest.mark.parametrize("model", ["dcgan", "gan_mlp"])
def test_dcgan_page_draws_samples_and_walks(model):
    at = open_page("dcgan_infogan", model=model)
    assert_clean(at)
    at.segmented_control(key="walk").set_value("linear").run()
    at.number_input(key="walk_end").set_value(77).run()
    assert_clean(at)


def test_infogan_code_changes_the_digit():
    at = open_page("dcgan_infogan")
    images = [i.value for i in at.get("image")]
    at.radio(key="code").set_value("7").run()
    assert_clean(at)
    assert [i.value for i in at.get("image")] != images
    assert float(metric(at, "L_I")) <= math.log(10)
