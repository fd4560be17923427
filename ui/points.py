"""A 2-D lab's own points, typed or uploaded (the GAN lab and the flow lab): the text is parsed
by core.gan_lab.points and every complaint is shown literally, never as markdown."""

from __future__ import annotations

import numpy as np
import streamlit as st

from core.gan_lab.config import MAX_POINTS
from core.gan_lab.points import PointsFileError, parse_points_csv
from ui.i18n import literal, t

TYPED_MAX_CHARS = MAX_POINTS * 50  # the most points a lab takes, one "x, y" line of up to 50 characters each


def typed_or_uploaded(prefix: str, key: str) -> np.ndarray | None:
    """A 2-D lab's own points (the GAN lab's, the flow lab's): uploaded as a CSV file or typed, one
    "x, y" per line, as an (N, 2) array; None after a clear message (texts `<prefix>.upload`,
    `.typed`, `.typed_help`, `.bad_points.<code>`; widget keys `<key>_upload`, `<key>_typed`)."""
    upload = st.file_uploader(t(f"{prefix}.upload"), type=["csv", "txt"], key=f"{key}_upload")
    typed = st.text_area(t(f"{prefix}.typed"), key=f"{key}_typed", height=120, max_chars=TYPED_MAX_CHARS,
                         value="-1,-1\n1,1\n-1,1\n1,-1\n0,0", help=t(f"{prefix}.typed_help"))
    try:
        return parse_points_csv(upload.getvalue() if upload is not None else typed)
    except PointsFileError as error:
        where = error.details.get("line")
        details = {name: literal(value) if isinstance(value, str) else value for name, value in error.details.items()}
        st.error(t(f"{prefix}.bad_points.{error.code}", **details) + (
            " " + t(f"{prefix}.bad_points.at_line", line=where) if where else ""), icon=":material/error:")
        return None
