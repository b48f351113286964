"""Marker sizes shared by the 3-D view and the plots."""

import math

BREAKPOINT_SIZE = 7.0  # pixels, for a loop with few breakpoints
_CROWDED = 40  # beyond this many breakpoints the dots shrink


def breakpoint_size(count: int) -> float:
    """Dot diameter in pixels: smaller when there are many, so a busy loop stays a line with dots."""
    return BREAKPOINT_SIZE if count <= _CROWDED else max(3.0, BREAKPOINT_SIZE * math.sqrt(_CROWDED / count))
