"""The server's settings: uploads sized to what the app accepts, no traceback for a visitor."""

import tomllib

from core.gan_lab.config import MAX_POINTS
from tests.conftest import ROOT

CONFIG = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
LONGEST_POINT = len(f"{-1 / 3:.17g},{-1 / 3:.17g}\r\n")  # two floats written in full


def test_uploads_are_sized_to_the_largest_points_file_the_lab_takes():
    limit = CONFIG["server"]["maxUploadSize"] * 2**20
    assert MAX_POINTS * LONGEST_POINT <= limit <= 2 * 2**20


def test_visitors_see_no_traceback():
    assert CONFIG["client"]["showErrorDetails"] in ("type", "none")
