"""Presentation helpers without a window: number formatting, round ticks, colours, the vertical fit."""

import numpy as np
import pytest

from nnsurface.gui import colors
from nnsurface.gui.formatting import format_number, format_tick
from nnsurface.gui.surface_view import FIT_MIN_FILL, VerticalFit, fit_vertical
from nnsurface.gui.ticks import log_ticks, nice_floor, nice_ticks


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (25.132741228718345, "25.13"),
        (0.000123456, "1.235e−04"),
        (1234567.0, "1.235e+06"),
        (-3.0, "−3.000"),
        (0.0, "0"),
        (None, "—"),
        (123456.7, "123457"),
    ],
)
def test_numbers_are_shown_with_four_significant_digits(x, text):
    assert format_number(x) == text


def test_ticks_are_round_and_inside_the_range():
    assert [format_tick(v) for v in (-5.0, 0.25, 5e5, 1e6, -2.5e-4)] == [
        "−5",
        "0.25",
        "5×10⁵",
        "10⁶",
        "−2.5×10⁻⁴",
    ]
    assert [nice_floor(x) for x in (0.99, 1.0, 3.7, 0.048)] == [0.5, 1.0, 2.0, 0.02]
    np.testing.assert_allclose(nice_ticks(-5, 5, 4), [-5, 0, 5])
    np.testing.assert_allclose(nice_ticks(-0.3, 1.05, 5), [0, 0.5, 1])
    np.testing.assert_allclose(nice_ticks(-0.3, 1.05, 7), [-0.2, 0, 0.2, 0.4, 0.6, 0.8, 1.0])
    np.testing.assert_allclose(log_ticks(25.13, 51.18), [30, 40, 50])
    np.testing.assert_allclose(log_ticks(1, 1e6), [1, 1e2, 1e4, 1e6])


def test_a_region_keeps_its_colour_when_other_regions_are_renumbered():
    patterns = np.array([[0, 1, 1], [1, 1, 0], [0, 0, 0], [1, 0, 1]], dtype=np.int8)
    palette = colors.pattern_palette(patterns)
    order = [2, 0, 3, 1]
    np.testing.assert_array_equal(colors.pattern_palette(patterns[order]), palette[order])
    labels = np.array([[0, 3], [2, 2]])
    np.testing.assert_array_equal(colors.region_colors(labels, patterns), palette[labels])
    assert len({tuple(c) for c in palette}) == len(patterns)


def test_height_colours_span_the_colormap():
    z = np.linspace(-2.0, 3.0, 11, dtype=np.float32).reshape(1, -1)
    c = colors.height_colors(z, -2.0, 3.0)
    lut = colors.height_colormap().getLookupTable(nPts=256, alpha=True, mode="byte")
    np.testing.assert_array_equal(c[0, 0], lut[0])
    np.testing.assert_array_equal(c[0, -1], lut[-1])


def test_the_vertical_scale_changes_only_when_the_surface_leaves_or_shrinks_in_its_box():
    half = 3.0
    fit = fit_vertical(0.0, 30.0, 30.0, half, None)
    assert fit == VerticalFit(0.2, 15.0)  # 30 · 0.2 = 6 = the box height
    assert fit_vertical(2.0, 29.0, 27.0, half, fit) is fit  # still inside, still filling it
    assert fit_vertical(0.0, 40.0, 40.0, half, fit) != fit  # would stick out of the box
    small = 0.5 * FIT_MIN_FILL * 2 * half / fit.scale
    assert fit_vertical(15.0, 15.0 + small, small, half, fit) != fit  # a sliver of the box
