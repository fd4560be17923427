"""Light figures without Plotly: digit grids as crisp PNG arrays and small SVG drawings.

Home uses only these, so the first page a visitor opens does not wait for the Plotly
bundle (about a second of a cold start); st.image draws both kinds.
"""

from __future__ import annotations

from html import escape

import numpy as np

from core.data import SIDE
from ui.figures import PALETTE

MISSING_RGB = (250, 214, 165)  # a pale orange: "no pixel here" (NaN), e.g. the pieces a puzzle lacks


def digit_picture(images: np.ndarray, columns: int = 4, vmax: float = 1.0, cell: int = 12, gap: int = 6) -> np.ndarray:
    """(B, side²) square images in 0..vmax (8x8 digits, or 4x4 and 16x16) as one RGB picture:
    ink is dark, each pixel a cell x cell square (nearest neighbour, so pixels stay sharp),
    images `gap` apart on light grey; NaN pixels are drawn in MISSING_RGB."""
    images = np.asarray(images, dtype=np.float64)
    side = int(round(np.sqrt(images.shape[-1])))
    images = images.reshape(-1, side, side) / vmax
    rows = -(-len(images) // columns)
    size = side * cell
    canvas = np.full((rows * (size + gap) - gap, columns * (size + gap) - gap, 3), 200, dtype=np.uint8)
    for index, image in enumerate(images):
        r, c = divmod(index, columns)
        gray = np.repeat((255 * (1 - np.clip(np.nan_to_num(image), 0, 1)))[:, :, None], 3, axis=2)  # ink 1 -> black
        gray[np.isnan(image)] = MISSING_RGB
        block = np.kron(gray, np.ones((cell, cell, 1)))
        canvas[r * (size + gap) : r * (size + gap) + size, c * (size + gap) : c * (size + gap) + size] = block
    return canvas


def _blue(value: float) -> str:
    """White (0) to the palette's blue (1)."""
    white, blue = np.array([255, 255, 255]), np.array([31, 78, 156])
    r, g, b = (white + (blue - white) * float(np.clip(value, 0, 1))).astype(int)
    return f"rgb({r},{g},{b})"


def tree_svg(marginals: np.ndarray, edges: list[tuple[int, int, float]], size: int = 320) -> str:
    """The 8x8 grid shaded by p(x_i = 1), and the tree's (parent, child, weight) edges as
    lines whose width grows with the weight."""
    cell = size / SIDE
    squares = [
        f'<rect x="{c * cell:.1f}" y="{r * cell:.1f}" width="{cell:.1f}" height="{cell:.1f}" '
        f'fill="{_blue(marginals[r * SIDE + c])}" stroke="#d0d7e2" stroke-width="0.5"/>'
        for r in range(SIDE) for c in range(SIDE)
    ]
    strongest = max((w for *_, w in edges), default=1.0)
    centre = lambda i: ((i % SIDE + 0.5) * cell, (i // SIDE + 0.5) * cell)
    lines = []
    for parent, child, weight in edges:
        (x1, y1), (x2, y2) = centre(parent), centre(child)
        lines.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{PALETTE[1]}" '
                     f'stroke-width="{1 + 5 * weight / strongest:.2f}" stroke-linecap="round"/>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="{size}" height="{size}">'
            + "".join(squares + lines) + "</svg>")


def round_ticks(low: float, high: float, most: int = 6) -> tuple[np.ndarray, int]:
    """Tick values between low and high at a round step (1, 2 or 5 times a power of ten), at
    most `most` of them, and the decimals that step needs: −80, −60, −40, not −76, −59, −43."""
    span = high - low if high > low else 1.0
    power = 10.0 ** np.floor(np.log10(span / most))
    step = next(power * m for m in (1, 2, 5, 10) if span / (power * m) <= most)
    ticks = np.arange(np.ceil(low / step) * step, high + step * 1e-9, step)
    return ticks + 0.0, max(0, int(-np.floor(np.log10(step))))  # + 0.0 turns -0.0 into 0.0


def histogram_svg(series: dict[str, np.ndarray], x_title: str, bins: int = 30,
                  width: int = 320, height: int = 230) -> str:
    """Overlaid histograms of named samples on shared bins, with a legend and x ticks."""
    values = np.concatenate([np.asarray(v, dtype=np.float64) for v in series.values()])
    edges = np.histogram_bin_edges(values, bins=bins)
    counts = [np.histogram(v, bins=edges)[0] for v in series.values()]
    top = max(max(c.max() for c in counts), 1)
    left, right, plot_top, bottom = 10, width - 10, 14 + 20 * len(series), height - 42
    x = lambda v: left + (v - edges[0]) / (edges[-1] - edges[0] or 1) * (right - left)
    y = lambda n: bottom - n / top * (bottom - plot_top)
    parts = []
    for index, (name, count) in enumerate(zip(series, counts)):
        color = PALETTE[index % len(PALETTE)]
        for n, lo, hi in zip(count, edges[:-1], edges[1:]):
            if n:
                parts.append(f'<rect x="{x(lo):.1f}" y="{y(n):.1f}" width="{max(x(hi) - x(lo) - 1, 1):.1f}" '
                             f'height="{bottom - y(n):.1f}" fill="{color}" fill-opacity="0.6"/>')
        parts.append(f'<rect x="{left}" y="{4 + 20 * index}" width="14" height="14" fill="{color}" fill-opacity="0.7"/>'
                     f'<text x="{left + 20}" y="{16 + 20 * index}" font-size="14">{escape(name)}</text>')
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#444"/>')
    ticks, decimals = round_ticks(edges[0], edges[-1])
    for tick in ticks:
        label = f"{tick:.{decimals}f}".replace("-", "−")
        parts.append(f'<text x="{x(tick):.1f}" y="{bottom + 17}" font-size="13" text-anchor="middle">{label}</text>')
    parts.append(f'<text x="{width / 2}" y="{height - 6}" font-size="14" text-anchor="middle">{escape(x_title)}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'font-family="sans-serif" fill="#111827">' + "".join(parts) + "</svg>")
