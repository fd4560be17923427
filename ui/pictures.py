"""Light figures without Plotly: digit grids as crisp PNG arrays and small SVG drawings.

Home uses only these, so the first page a visitor opens does not wait for the Plotly
bundle (about a second of a cold start); st.image draws both kinds.
"""

from __future__ import annotations

from html import escape

import numpy as np

from core.data import SIDE
from ui.figures import DIGIT_COLORS, PALETTE

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


# ----------------------------------------------------------------------------
# A 2-D latent space as an SVG picture: redrawn on every press of the widgets that change it,
# where a Plotly scatter of 1,360 markers costs the browser about half a second each time.

GRID_COLOR, TICK_COLOR, TEXT_COLOR = "#e5e7eb", "#6b7280", "#111827"  # as Streamlit's Plotly theme


def colorscale(name: str) -> list[tuple[float, tuple[int, int, int]]]:
    """Plotly's colour scale `name` ("RdBu", "Viridis", "Greys", …), as the Python package hands
    it to plotly.js, as (position, RGB) stops."""
    from plotly.colors import get_colorscale, hex_to_rgb, unlabel_rgb

    return [(float(position), tuple(int(v) for v in (hex_to_rgb(color) if color.startswith("#") else unlabel_rgb(color))))
            for position, color in get_colorscale(name)]


RDBU = colorscale("RdBu")  # dark red at 0, dark blue at 1


def _colors(values: np.ndarray, scale=RDBU) -> np.ndarray:
    """Values in [0, 1] as RGB (..., 3) floats along a piecewise-linear colour scale."""
    stops = np.array([position for position, _ in scale])
    rgb = np.array([color for _, color in scale], dtype=np.float64)
    values = np.clip(values, 0, 1)
    return np.stack([np.interp(values, stops, rgb[:, channel]) for channel in range(3)], axis=-1)


def _png_uri(rgb: np.ndarray) -> str:
    """An (H, W, 3) uint8 array as a PNG data URI."""
    import base64
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _minus(text: str) -> str:
    return text.replace("-", "−")


def _text_width(text: str, size: float) -> float:
    """About how wide `text` is drawn at `size` px: Korean (and other wide) characters take a
    full em, the rest a little over half of one (an SVG in an <img> cannot measure its text)."""
    import unicodedata

    return size * sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.58 for ch in text)


def _axis_titles(x_title: str, y_title: str, x_middle: float, y_middle: float, height: float, y_title_x: float,
                 size: float, fill: str = TEXT_COLOR) -> str:
    """The x title centred under the plot (at x_middle, near the picture's bottom) and the y title
    turned 90° at x = y_title_x, centred on y_middle; text `size` px."""
    return (f'<text x="{x_middle:.1f}" y="{height - 0.6 * size:.1f}" text-anchor="middle" fill="{fill}">'
            f'{escape(x_title)}</text>'
            f'<text transform="translate({y_title_x:.1f} {y_middle:.1f}) rotate(-90)" text-anchor="middle" '
            f'fill="{fill}">{escape(y_title)}</text>')


def _svg(width: float, height: float, size: float, parts: list[str]) -> str:
    """An SVG document of `parts`, text `size` px in the theme's colours."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" '
            f'height="{height:.0f}" font-family="sans-serif" font-size="{size:.1f}" fill="{TEXT_COLOR}">'
            + "".join(parts) + "</svg>")


def latent_svg(points: np.ndarray, classes: np.ndarray, labels: dict[str, str], limit: float,
               background: np.ndarray | None = None, heat: tuple[np.ndarray, np.ndarray] | None = None,
               height: int = 480, text: float = 1.0) -> str:
    """The picture of ui.figures.latent_scatter as an SVG: encoded digits coloured by class (a colour
    bar of the ten classes), optionally over grey samples of a prior (`background`, with a legend)
    and a heatmap (axis, values on axis × axis) such as a discriminator's output, in the square
    [−limit, limit]² (labels: digit, background, heat, z1, z2); `text` scales the lettering."""
    f = 13 * text  # font size; every margin that holds text grows with it
    top, bottom, left = (2.8 * f if background is not None else 1.1 * f), 3.7 * f, 4.3 * f
    side = height - top - bottom
    bar_x = left + side + 1.7 * f
    width = bar_x + 10 + 3.6 * f
    x = lambda v: left + (v + limit) / (2 * limit) * side
    y = lambda v: top + (limit - v) / (2 * limit) * side
    parts = [f'<clipPath id="plot"><rect x="{left:.1f}" y="{top:.1f}" width="{side:.1f}" height="{side:.1f}"/></clipPath>']
    ticks, decimals = round_ticks(-limit, limit, most=round(9 / text))  # larger letters, fewer ticks
    for tick in ticks:
        label = _minus(f"{tick:.{decimals}f}")
        parts.append(f'<line x1="{left:.1f}" y1="{y(tick):.1f}" x2="{left + side:.1f}" y2="{y(tick):.1f}" '
                     f'stroke="{GRID_COLOR}"/>'
                     f'<text x="{x(tick):.1f}" y="{top + side + 1.3 * f:.1f}" text-anchor="middle" '
                     f'fill="{TICK_COLOR}">{label}</text>'
                     f'<text x="{left - 0.55 * f:.1f}" y="{y(tick) + 0.3 * f:.1f}" text-anchor="end" '
                     f'fill="{TICK_COLOR}">{label}</text>')
    parts.append(_axis_titles(labels["z1"], labels["z2"], left + side / 2, top + side / 2, height, 1.2 * f, f))
    if heat is not None:
        axis, values = heat
        step = (axis[-1] - axis[0]) / (len(axis) - 1)
        rgb = (255 - 0.55 * (255 - _colors(np.asarray(values, dtype=np.float64)[::-1]))).round().astype(np.uint8)
        x0, x1 = x(axis[0] - step / 2), x(axis[-1] + step / 2)
        y0, y1 = y(axis[-1] + step / 2), y(axis[0] - step / 2)
        parts.append(f'<image clip-path="url(#plot)" x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0:.1f}" '
                     f'height="{y1 - y0:.1f}" preserveAspectRatio="none" style="image-rendering:pixelated" '
                     f'href="{_png_uri(rgb)}"/>')
    if background is not None:
        dots = "".join(f'<circle cx="{x(a):.1f}" cy="{y(b):.1f}" r="2"/>' for a, b in background)
        parts.append(f'<g clip-path="url(#plot)" fill="rgb(60,60,60)" fill-opacity="0.35">{dots}</g>')
    colors = [DIGIT_COLORS[int(c)] for c in classes]
    dots = "".join(f'<circle cx="{x(a):.1f}" cy="{y(b):.1f}" r="3.5" fill="{color}"/>'
                   for (a, b), color in zip(points, colors))
    parts.append(f'<g clip-path="url(#plot)" stroke="white" stroke-width="0.5">{dots}</g>')
    # the colour bar of the ten classes (the upper half when the heatmap's bar is below it)
    bar_top, bar_bottom = (top, top + 0.45 * side) if heat is not None else (top + 0.05 * side, top + 0.95 * side)
    cell = (bar_bottom - bar_top) / 10
    digit_size = min(f, 0.95 * cell)  # ten labels never overlap
    for digit, color in enumerate(DIGIT_COLORS):
        row = bar_bottom - (digit + 1) * cell
        parts.append(f'<rect x="{bar_x:.1f}" y="{row:.1f}" width="10" height="{cell:.1f}" fill="{color}"/>'
                     f'<text x="{bar_x + 10 + 0.4 * f:.1f}" y="{row + cell / 2 + 0.3 * digit_size:.1f}" '
                     f'font-size="{digit_size:.1f}" fill="{TICK_COLOR}">{digit}</text>')
    if heat is not None:
        parts.append(_color_bar("heat", bar_x, top + 0.6 * side, top + side, 0, 1, RDBU, f, labels["heat"],
                                ticks=(0, 0.5, 1)))
    if background is not None:  # the legend, above the plot as Plotly's
        digit_name = labels["digit"].format(digit="0–9")
        parts.append(f'<circle cx="{left + 0.6 * f:.1f}" cy="{1.1 * f:.1f}" r="3" fill="rgb(60,60,60)" '
                     f'fill-opacity="0.5"/><text x="{left + 1.4 * f:.1f}" y="{1.4 * f:.1f}">'
                     f'{escape(labels["background"])}</text>')
        offset = left + 1.4 * f + _text_width(labels["background"], f) + 1.8 * f
        parts.append(f'<circle cx="{offset:.1f}" cy="{1.1 * f:.1f}" r="3.5" fill="{DIGIT_COLORS[1]}"/>'
                     f'<text x="{offset + 0.8 * f:.1f}" y="{1.4 * f:.1f}">{escape(digit_name)}</text>')
    return _svg(width, height, f, parts)


def _rgb(color) -> str:
    return "rgb({},{},{})".format(*(int(round(v)) for v in color))


def _color_bar(key: str, x: float, top: float, bottom: float, low: float, high: float, scale, size: float,
               title: str = "", ticks=None) -> str:
    """A vertical colour bar 10 px wide from `top` to `bottom`, for values low (bottom) to high
    (top), with ticks (round ones unless given) in text of `size` px on its right and an optional
    title above; `key` names its gradient."""
    stops = "".join(f'<stop offset="{position:g}" stop-color="{_rgb(color)}"/>' for position, color in scale)
    parts = [f'<linearGradient id="{key}" x1="0" y1="1" x2="0" y2="0">{stops}</linearGradient>'
             f'<rect x="{x:.1f}" y="{top:.1f}" width="10" height="{bottom - top:.1f}" fill="url(#{key})"/>']
    decimals = None
    if ticks is None:
        ticks, decimals = round_ticks(low, high, most=5)
    for tick in ticks:
        at = bottom - (tick - low) / ((high - low) or 1) * (bottom - top)
        shown = f"{tick:g}" if decimals is None else f"{tick:.{decimals}f}"
        parts.append(f'<text x="{x + 10 + 0.4 * size:.1f}" y="{at + 0.3 * size:.1f}" fill="{TICK_COLOR}">'
                     f'{_minus(shown)}</text>')
    if title:
        parts.append(f'<text x="{x - 2:.1f}" y="{top - 0.6 * size:.1f}">{escape(title)}</text>')
    return "".join(parts)


def map_panels_svg(panels: list[dict], width: int | None = None, text: float = 1.0) -> str:
    """The picture of ui.figures.map_panels as an SVG: maps side by side, each a grid of cells
    (row 0 at the top) with its title above and, unless colorbar=False, a colour bar; a panel is
    dict(z=(64,) or 2-D, title=str, zmin=0, zmax=1.0, colorscale="Viridis", colorbar=bool,
    mark=(row, col) to outline one cell); `text` scales the lettering. Its width (by default 480 px,
    more with larger letters) is about a 1024 px screen's figure column, so the letters keep their size."""
    f = 13 * text
    width = width or 480 + 150 * (text - 1)
    slot = width / len(panels)
    side = slot - 14 - 2.9 * f
    top = 2.5 * f
    height = top + side + 12
    parts = []
    for index, panel in enumerate(panels):
        values = np.asarray(panel["z"], dtype=np.float64)
        values = values.reshape(SIDE, SIDE) if values.ndim == 1 else values
        rows, columns = values.shape
        low, high = panel.get("zmin", 0), panel.get("zmax", 1.0)
        scale = colorscale(panel.get("colorscale", "Viridis"))
        colors = _colors((values - low) / ((high - low) or 1), scale)
        left = index * slot + 4
        cell_w, cell_h = side / columns, side / rows
        parts.append(f'<text x="{left + side / 2:.1f}" y="{1.4 * f:.1f}" text-anchor="middle" font-size="{1.08 * f:.1f}">'
                     f'{escape(panel["title"])}</text>')
        parts += [f'<rect x="{left + c * cell_w:.2f}" y="{top + r * cell_h:.2f}" width="{cell_w + 0.3:.2f}" '
                  f'height="{cell_h + 0.3:.2f}" fill="{_rgb(colors[r, c])}"/>'
                  for r in range(rows) for c in range(columns)]
        if "mark" in panel:
            r, c = panel["mark"]
            parts.append(f'<rect x="{left + c * cell_w:.1f}" y="{top + r * cell_h:.1f}" width="{cell_w:.1f}" '
                         f'height="{cell_h:.1f}" fill="none" stroke="#d1495b" stroke-width="3"/>')
        if panel.get("colorbar", True):
            parts.append(_color_bar(f"bar{index}", left + side + 8, top + 0.05 * side, top + 0.95 * side, low, high,
                                    scale, f))
    return _svg(width, height, f, parts)


def _marker(shape: str, x: float, y: float, size: float, fill: str, stroke: str = "white") -> str:
    """A diamond, star or dot of `size` px centred at (x, y), as Plotly draws its markers."""
    r = size / 2 * (1.3 if shape in ("diamond", "star") else 1)  # Plotly's diamonds and stars are larger than dots
    if shape == "diamond":
        points = [(x, y - r), (x + r, y), (x, y + r), (x - r, y)]
    elif shape == "star":
        points = [(x + (r if k % 2 == 0 else 0.45 * r) * np.sin(k * np.pi / 5),
                   y - (r if k % 2 == 0 else 0.45 * r) * np.cos(k * np.pi / 5)) for k in range(10)]
    else:
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{fill}" stroke="{stroke}" stroke-width="1"/>'
    return (f'<polygon points="{" ".join(f"{a:.1f},{b:.1f}" for a, b in points)}" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="1.5"/>')


def curve_svg(x: np.ndarray, y: np.ndarray, point_labels: list[str], labels: dict[str, str],
              current: tuple[float, float], reference: tuple[float, str] | None = None,
              extra: tuple[float, float, str] | None = None, x_range: tuple[float, float] | None = None,
              width: int = 640, height: int = 380, text: float = 1.0) -> str:
    """A curve through labelled points (ui.figures.lines with mode "lines+markers+text") as an SVG,
    with the current point marked by a diamond, an optional dashed horizontal reference line with
    its text, and an optional extra point drawn as a star; a legend above (labels: curve, current,
    x, y; the extra point's name is its third item); `text` scales the lettering."""
    f = 13 * text
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    left, right, top, bottom = 4.8 * f, width - 12, 3.1 * f, height - 3.8 * f
    x_low, x_high = x_range if x_range is not None else (x.min(), x.max())
    ys = [*y, current[1]] + ([reference[0]] if reference else []) + ([extra[1]] if extra else [])
    pad = 0.06 * ((max(ys) - min(ys)) or 1)
    y_low, y_high = min(ys) - pad, max(ys) + pad
    px = lambda v: left + (v - x_low) / ((x_high - x_low) or 1) * (right - left)
    py = lambda v: bottom - (v - y_low) / ((y_high - y_low) or 1) * (bottom - top)
    color = PALETTE[0]
    parts = []
    ticks, decimals = round_ticks(y_low, y_high, most=round(6 / text))
    for tick in ticks:
        parts.append(f'<line x1="{left:.1f}" y1="{py(tick):.1f}" x2="{right}" y2="{py(tick):.1f}" '
                     f'stroke="{GRID_COLOR}"/><text x="{left - 0.6 * f:.1f}" y="{py(tick) + 0.3 * f:.1f}" '
                     f'text-anchor="end" fill="{TICK_COLOR}">{_minus(f"{tick:.{decimals}f}")}</text>')
    ticks, decimals = round_ticks(x_low, x_high, most=round(6 / text))
    for tick in ticks:
        parts.append(f'<text x="{px(tick):.1f}" y="{bottom + 1.5 * f:.1f}" text-anchor="middle" fill="{TICK_COLOR}">'
                     f'{_minus(f"{tick:.{decimals}f}")}</text>')
    parts.append(_axis_titles(labels["x"], labels["y"], (left + right) / 2, (top + bottom) / 2, height, 1.4 * f, f,
                              TICK_COLOR))
    if reference is not None:
        level, note = reference
        parts.append(f'<line x1="{left:.1f}" y1="{py(level):.1f}" x2="{right}" y2="{py(level):.1f}" stroke="#444" '
                     f'stroke-width="2" stroke-dasharray="9,5"/>'
                     f'<text x="{right}" y="{py(level) - 0.45 * f:.1f}" text-anchor="end" fill="{TICK_COLOR}">'
                     f'{escape(note)}</text>')
    path = " ".join(f"{'M' if i == 0 else 'L'}{px(a):.1f} {py(b):.1f}" for i, (a, b) in enumerate(zip(x, y)))
    parts.append(f'<path d="{path}" fill="none" stroke="{color}" stroke-width="2.5"/>')
    for a, b, name in zip(x, y, point_labels):
        parts.append(f'<circle cx="{px(a):.1f}" cy="{py(b):.1f}" r="3.5" fill="{color}"/>'
                     f'<text x="{px(a) + 0.4 * f:.1f}" y="{py(b) - 0.45 * f:.1f}" fill="{TICK_COLOR}">{escape(name)}</text>')
    parts.append(_marker("diamond", px(current[0]), py(current[1]), 15, "#111"))
    legend = [("curve", labels["curve"]), ("diamond", labels["current"])]
    if extra is not None:
        parts.append(_marker("star", px(extra[0]), py(extra[1]), 14, PALETTE[1]))
        legend.append(("star", extra[2]))
    offset, middle = left, 1.1 * f
    for glyph, name in legend:  # Plotly's horizontal legend above the plot
        if glyph == "curve":
            parts.append(f'<line x1="{offset:.1f}" y1="{middle:.1f}" x2="{offset + 30:.1f}" y2="{middle:.1f}" '
                         f'stroke="{color}" stroke-width="2.5"/>'
                         f'<circle cx="{offset + 15:.1f}" cy="{middle:.1f}" r="3.5" fill="{color}"/>')
        else:
            parts.append(_marker(glyph, offset + 15, middle, 13, "#111" if glyph == "diamond" else PALETTE[1]))
        parts.append(f'<text x="{offset + 36:.1f}" y="{middle + 0.3 * f:.1f}">{escape(name)}</text>')
        offset += 36 + _text_width(name, f) + 1.8 * f
    return _svg(width, height, f, parts)
