"""The image domains of the translation page, made here from the shared digits (no downloads).

- Printed digits: a 5x7 bitmap font rendered the way the handwritten digits were made (scaled
  to fill a 32x32 bitmap, averaged over 4x4 blocks), with a little random jitter (size,
  position, stroke width, intensity). With the handwritten digits they are the two unpaired
  domains A (handwritten) and B (printed) of CycleGAN.
- Handwriting styles for StarGAN: deterministic restyles of handwritten digits,

      DOMAINS = ("original", "thin", "thick", "slant_left", "slant_right"),

  each keeping the digit readable and each recognizably different from the others.

Images are flat (N, 64) gray levels in [0, 1], raster order, as the GANs see them.
"""

from __future__ import annotations

import numpy as np

from core.data import SIDE

DOMAINS = ("original", "thin", "thick", "slant_left", "slant_right")

# The font: 7 rows of 5 columns per digit, "#" = ink. Where fonts differ, the glyph takes the
# shape the handwritten digits have, so that turning one into the other is a change of style: a 1
# with a flag and no foot, a 5 whose belly opens to the left, a 9 whose tail curls round at the
# bottom. (With the 5 and 9 of the usual 5x7 display font, a handwritten 9 lay nearer a printed 5
# than a printed 9, and CycleGAN translated it into one.)
GLYPHS = (
    (".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."),  # 0
    ("...#.", "..##.", ".#.#.", "...#.", "...#.", "...#.", "...#."),  # 1
    (".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"),  # 2
    ("#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."),  # 3
    ("...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."),  # 4
    ("#####", "#....", "#....", "####.", "....#", "....#", "####."),  # 5
    ("..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."),  # 6
    ("#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."),  # 7
    (".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."),  # 8
    (".###.", "#...#", "#...#", ".####", "....#", "....#", ".###."),  # 9
)
GLYPH_ROWS, GLYPH_COLS = 7, 5
# Drawn as the handwritten digits were made: each of those was scaled to fill a 32x32 bitmap, then
# summed over 4x4 blocks to 8x8. A glyph is stretched to HEIGHTS x WIDTHS bitmap pixels (the frame
# the handwritten digits fill: the full height, 4 to 5 image columns), jittered, and block-averaged,
# so both domains share size, stroke width and blur and differ in the shapes of the strokes.
BITMAP = 32  # side of the bitmap -> 8x8 image
HEIGHTS = (28, 32)  # glyph height in bitmap pixels, drawn uniformly in this range
WIDTHS = (16, 20)  # glyph width in bitmap pixels
MAX_GROW = 2  # strokes thickened by 0..MAX_GROW bitmap pixels on each side
MAX_SHIFT = 2  # position jitter: up to 2 bitmap pixels (half an image pixel) each way
MIN_INK = 0.8  # stroke intensity drawn uniformly in [MIN_INK, 1]

# Restyle strengths, chosen so the digit classifier still reads the restyled test digits (see
# core/recipes/translation.reference_accuracy) while a small CNN tells the styles apart.
SLANT = 0.35  # shear: columns shift by SLANT pixels per row away from the middle row
THICK_SPREAD = 0.6  # thick: a neighbour's ink spreads at this share into a pixel
THIN_CUT = 0.45  # thin: ink below this level (the soft edge of a stroke) is removed, the rest rescaled


def glyph_bitmaps() -> np.ndarray:
    """The ten glyphs as (10, 7, 5) arrays of 0/1."""
    return np.array([[[ch == "#" for ch in row] for row in glyph] for glyph in GLYPHS], dtype=np.float32)


def stretch(glyph: np.ndarray, height: int, width: int) -> np.ndarray:
    """A (7, 5) glyph drawn height x width by nearest neighbour: pixel (r, c) takes the glyph's
    cell (r * 7 // height, c * 5 // width)."""
    rows = np.arange(height) * GLYPH_ROWS // height
    cols = np.arange(width) * GLYPH_COLS // width
    return glyph[np.ix_(rows, cols)]


def printed_digits(labels: np.ndarray, seed: int, min_ink: float = MIN_INK) -> np.ndarray:
    """Printed digits for `labels` (N,): each glyph stretched to a random size in a 32x32 bitmap,
    shifted and thickened at random, then averaged over 4x4 blocks to 8x8 and scaled to a random
    stroke intensity in [min_ink, 1]. (N, 64) float32 in [0, 1]."""
    from scipy.ndimage import binary_dilation

    labels = np.asarray(labels, dtype=np.int64)
    rng = np.random.default_rng(seed)
    glyphs = glyph_bitmaps().astype(bool)
    n = len(labels)
    heights = rng.integers(HEIGHTS[0], HEIGHTS[1] + 1, size=n)
    widths = rng.integers(WIDTHS[0], WIDTHS[1] + 1, size=n)
    grow = rng.integers(0, MAX_GROW + 1, size=n)
    shift = rng.integers(-MAX_SHIFT, MAX_SHIFT + 1, size=(n, 2))
    ink = rng.uniform(min_ink, 1.0, size=n)
    scale = BITMAP // SIDE
    images = np.zeros((n, SIDE, SIDE), dtype=np.float32)
    for i in range(n):
        height, width = int(heights[i]), int(widths[i])
        canvas = np.zeros((BITMAP + 2 * MAX_SHIFT, BITMAP + 2 * MAX_SHIFT), dtype=bool)  # margin: nothing falls off
        top = MAX_SHIFT + (BITMAP - height) // 2 + shift[i, 0]
        left = MAX_SHIFT + (BITMAP - width) // 2 + shift[i, 1]
        canvas[top : top + height, left : left + width] = stretch(glyphs[labels[i]], height, width)
        bitmap = canvas[MAX_SHIFT:-MAX_SHIFT, MAX_SHIFT:-MAX_SHIFT]  # the 32x32 bitmap; a shifted glyph may lose its edge
        if grow[i]:
            bitmap = binary_dilation(bitmap, iterations=int(grow[i]))
        images[i] = ink[i] * bitmap.reshape(SIDE, scale, SIDE, scale).mean(axis=(1, 3))
    return images.reshape(n, SIDE * SIDE)


def shear(grids: np.ndarray, slope: float) -> np.ndarray:
    """Shear each (8, 8) grid horizontally, bilinear (order 1): row r moves slope * (3.5 - r)
    columns to the right, so slope > 0 leans the top to the right."""
    from scipy.ndimage import affine_transform

    centre = (SIDE - 1) / 2
    # output (r, c) reads input (r, c + slope * (r - centre)): a top row (r < centre) reads from its left
    matrix = np.array([[1.0, 0.0], [slope, 1.0]])
    offset = np.array([0.0, -slope * centre])
    return np.stack([affine_transform(g, matrix, offset=offset, order=1, mode="constant") for g in grids])


def restyle(images: np.ndarray, domain: str) -> np.ndarray:
    """Handwritten digits (N, 64) in [0, 1] redrawn in one style of DOMAINS; deterministic.

    thin: soft edges removed, x' = clip((x - cut) / (1 - cut), 0, 1);
    thick: each pixel takes the most ink of its 4-neighbours at a share, max(x, s * max_neighbour(x));
    slant_left / slant_right: a horizontal shear of the same size, opposite signs."""
    from scipy.ndimage import grey_dilation

    x = np.asarray(images, dtype=np.float32)
    if domain not in DOMAINS:
        raise ValueError(f"unknown domain {domain!r}; known: {', '.join(DOMAINS)}")
    if domain == "original":
        return x.copy()
    if domain == "thin":
        return np.clip((x - THIN_CUT) / (1 - THIN_CUT), 0, 1)
    grids = x.reshape(-1, SIDE, SIDE)
    if domain == "thick":
        cross = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=bool)  # the 4-neighbours
        spread = np.stack([grey_dilation(g, footprint=cross, mode="constant") for g in grids])
        out = np.maximum(grids, THICK_SPREAD * spread)
    else:
        out = shear(grids, SLANT if domain == "slant_right" else -SLANT)
    return np.clip(out, 0, 1).astype(np.float32).reshape(-1, SIDE * SIDE)


def restyled_set(images: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """StarGAN's unpaired training set: each digit drawn in one random domain (seeded), so no
    digit is seen in two domains. Returns the restyled images (N, 64) and their domains (N,)."""
    domains = np.random.default_rng(seed).integers(len(DOMAINS), size=len(images))
    out = np.empty_like(np.asarray(images, dtype=np.float32))
    for d, name in enumerate(DOMAINS):
        out[domains == d] = restyle(images[domains == d], name)
    return out, domains


def all_domains(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every digit in every domain: images (len(DOMAINS) * N, 64) domain by domain, and domains."""
    restyled = np.concatenate([restyle(images, name) for name in DOMAINS])
    return restyled, np.repeat(np.arange(len(DOMAINS)), len(images))
