"""Each page shows the lecture notes' slips it corrects, in a "the notes say / precisely" box,
in both languages; Home's representation panel shows features, not dependencies (issue 16)."""

import pytest

from tests.app.conftest import open_page
from tests.unit.test_errata import errata_keys
from ui.i18n import LANGUAGES, catalog

PAGES = sorted(set(errata_keys().values()))


def box_lines(key: str, lang: str) -> list[str]:
    """The two markdown lines page.errata(key) writes in `lang`."""
    strings = catalog(lang)
    return [f":material/menu_book: **{strings['app.errata.notes']}** {strings[f'{key}.notes']}",
            f":material/check_circle: **{strings['app.errata.precisely']}** {strings[f'{key}.precisely']}"]


@pytest.mark.parametrize("lang", list(LANGUAGES))
@pytest.mark.parametrize("stem", PAGES)
def test_the_page_shows_its_errata_boxes(stem, lang):
    at = open_page(stem, lang)
    assert not at.exception
    shown = {m.value for m in at.markdown}
    for key in (key for key, page in errata_keys().items() if page == stem):
        assert set(box_lines(key, lang)) <= shown, key


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_home_shows_a_latent_space_for_representation_learning_and_links_to_it(lang):
    at = open_page("home", lang)
    assert not at.exception and not at.get("plotly_chart")  # Home opens without torch
    at.toggle(key="latent").set_value(True).run()
    assert not at.exception
    strings = catalog(lang)
    captions = [c.value for c in at.caption]
    assert strings["home.representation.caption"] in captions
    assert len(at.get("plotly_chart")) == 1  # the VAE's latent space (the other panels are pictures)
    links = [link.proto.label for link in at.get("page_link")]
    assert strings["home.representation.vae"] in links and strings["home.representation.dcgan_infogan"] in links
