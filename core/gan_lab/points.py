"""Custom targets from a CSV file of points: read the file (a PointsFileError says what is
wrong, for the page to translate), rescale the points to the size of the toy targets, and
make a LabConfig whose target they are.
"""

from __future__ import annotations

import csv
import io
import math

import numpy as np

from core.gan_lab.config import MAX_POINTS, MIN_POINTS, LabConfig


class PointsFileError(ValueError):
    """A CSV file of points that cannot be used. `code` says why, for the page to translate
    ("empty", "not_text", "not_numeric", "wrong_columns", "too_few_points", "too_many_points",
    "not_finite"); `details` holds the line number, the value or the counts."""

    def __init__(self, code: str, message: str, **details):
        super().__init__(message)
        self.code, self.details = code, details


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def parse_points_csv(text: str | bytes) -> np.ndarray:
    """Points (n, 2) from CSV text: two numeric columns x, y, one point per line, an optional
    header line. Commas, semicolons or tabs separate the columns; blank lines are skipped."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise PointsFileError("not_text", "The file is not a text (CSV) file.") from None
    lines = [(number, line) for number, line in enumerate(text.lstrip("\ufeff").splitlines(), 1) if line.strip()]
    if not lines:
        raise PointsFileError("empty", "The file is empty: it should have one line 'x,y' per point.")
    dialect = next((d for d in (",", ";", "\t") if d in lines[0][1]), ",")
    rows = [(number, [cell.strip() for cell in row]) for (number, _), row in
            zip(lines, csv.reader(io.StringIO("\n".join(line for _, line in lines)), delimiter=dialect))]
    if not all(_is_number(cell) for cell in rows[0][1]):
        rows = rows[1:]  # a header such as "x,y"
    if not rows:
        raise PointsFileError("empty", "The file has a header but no points under it.")
    points = []
    for number, cells in rows:
        if len(cells) != 2:
            raise PointsFileError("wrong_columns", f"Line {number} has {len(cells)} columns; each line needs "
                                  f"exactly two, x and y.", line=number, columns=len(cells))
        for cell in cells:
            if not _is_number(cell):
                raise PointsFileError("not_numeric", f"Line {number}: {cell!r} is not a number.", line=number, value=cell)
        point = [float(cell) for cell in cells]
        if not all(math.isfinite(v) for v in point):
            raise PointsFileError("not_finite", f"Line {number}: {', '.join(cells)} is not a finite point "
                                  "(nan or infinity).", line=number, value=",".join(cells))
        points.append(point)
    if len(points) < MIN_POINTS:
        raise PointsFileError("too_few_points", f"The file has {len(points)} points; at least {MIN_POINTS} are needed.",
                              count=len(points), limit=MIN_POINTS)
    if len(points) > MAX_POINTS:
        raise PointsFileError("too_many_points", f"The file has {len(points)} points; at most {MAX_POINTS:,} are "
                              "allowed.", count=len(points), limit=MAX_POINTS)
    return np.array(points, dtype=np.float64)


def rescale_points(points: np.ndarray, half_width: float = 2.0) -> np.ndarray:
    """Centre the points and scale them uniformly into [-half_width, half_width]^2, the size
    of the toy targets, where the networks' default initialization works well."""
    points = np.asarray(points, dtype=np.float64)
    largest = np.abs(points).max()
    if largest > 0:  # to [-1, 1] first: the sums below overflow for points near the largest float (1.8e308)
        points = points / largest
    centred = points - (points.max(axis=0) + points.min(axis=0)) / 2
    extent = np.abs(centred).max()
    return centred * (half_width / extent) if extent > 0 else centred


def custom_config(points: np.ndarray, **settings) -> LabConfig:
    """A LabConfig whose target is the given points (rescaled), other settings as given."""
    return LabConfig(target="custom", custom_points=tuple(map(tuple, rescale_points(points).tolist())), **settings)
