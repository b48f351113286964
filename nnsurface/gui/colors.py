"""How heights and linear regions become colours: presentation only, shared by the views and legends.

Height colours come from one perceptual colormap over the surface's own range; the surface view maps
heights through `height_lut` per fragment, `height_colors` is the same map per point. Region colours are
derived from the activation pattern itself (a hash of its bytes), not from the region's id, so a
region keeps its colour while edits add, remove or renumber other regions.
"""

from __future__ import annotations

import zlib

import numpy as np
import pyqtgraph as pg

COLOR_MODES: tuple[str, ...] = ("height", "region")
HEIGHT_COLORMAP = "viridis"
_LUT_SIZE = 256
_REGION_SATURATION = 0.55
_REGION_VALUES = (0.96, 0.80)  # two brightness levels make neighbours with close hues still differ


def height_colormap() -> pg.ColorMap:
    """The colormap of the height mode (also drawn by the colour bar)."""
    return pg.colormap.get(HEIGHT_COLORMAP)


_HEIGHT_LUT = height_colormap().getLookupTable(nPts=_LUT_SIZE, alpha=True, mode="byte").astype(np.uint8)


def height_lut() -> np.ndarray:
    """The height colormap as (256, 4) uint8 RGBA, lowest height first (the surface's colormap texture)."""
    return _HEIGHT_LUT.copy()


def height_colors(z: np.ndarray, zmin: float, zmax: float) -> np.ndarray:
    """RGBA uint8 per grid point, z mapped linearly from [zmin, zmax] onto the colormap."""
    span = zmax - zmin
    if span <= 0:
        idx = np.full(z.shape, _LUT_SIZE // 2, dtype=np.intp)
    else:
        scaled = (z - np.float32(zmin)) * np.float32((_LUT_SIZE - 1) / span)
        idx = np.clip(scaled, 0, _LUT_SIZE - 1).astype(np.intp)
    return _HEIGHT_LUT[idx]


def pattern_palette(patterns: np.ndarray) -> np.ndarray:
    """One RGBA uint8 colour per activation pattern (rows of `patterns`), stable under renumbering."""
    keys = np.array(
        [zlib.crc32(np.ascontiguousarray(p, dtype=np.int8).tobytes()) for p in patterns], dtype=np.uint64
    )
    hue = (keys & np.uint64(0xFFFF)).astype(np.float64) / 65536.0
    value = np.asarray(_REGION_VALUES)[(keys >> np.uint64(16)).astype(np.int64) % len(_REGION_VALUES)]
    rgb = _hsv_to_rgb(hue, _REGION_SATURATION, value)
    out = np.empty((len(patterns), 4), dtype=np.uint8)
    out[:, :3] = np.round(rgb * 255)
    out[:, 3] = 255
    return out


def region_colors(labels: np.ndarray, patterns: np.ndarray) -> np.ndarray:
    """RGBA uint8 per grid point from its region id, coloured by the region's pattern."""
    return pattern_palette(patterns)[labels]


def _hsv_to_rgb(h: np.ndarray, s: float, v: np.ndarray) -> np.ndarray:
    """Vectorised HSV → RGB in [0, 1] (colorsys does one colour at a time)."""
    i = np.floor(h * 6.0).astype(np.int64) % 6
    f = h * 6.0 - np.floor(h * 6.0)
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    table = np.stack(
        [
            np.stack([v, t, p], -1),
            np.stack([q, v, p], -1),
            np.stack([p, v, t], -1),
            np.stack([p, q, v], -1),
            np.stack([t, p, v], -1),
            np.stack([v, p, q], -1),
        ]
    )
    return table[i, np.arange(h.size)]
