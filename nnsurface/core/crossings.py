"""Where the circle crosses the boundaries of the exact linear regions: its breakpoints, read off the
partition that the 3-D view draws.

The breakpoints are where the loop's activation pattern changes; measures.breakpoints finds them by
walking the loop through the layers (pieces.decompose). When the partition of the window is at hand
anyway (the view draws it), the same points are where the circle meets the boundaries between its
regions, and a circle meets a straight segment where a quadratic vanishes: one vectorised pass over
the boundary segments, a fraction of the walk's cost, which is what lets an edit's frame show the
breakpoints without waiting for the walk. They agree with the walk's to rounding (about 1e-13 in t);
only where the circle grazes a boundary or crosses a sliver thinner than the partition's tolerance can
they differ, which is why the measures, which walk the loop anyway, have the last word
(gui.result.Result.confirmed).
"""

from __future__ import annotations

import math

import numpy as np

from nnsurface.core.partition import TOLERANCE, Partition, boundary_edges
from nnsurface.core.pieces import SAME_BREAKPOINT
from nnsurface.core.trajectory import Trajectory

TWO_PI = 2.0 * np.pi
# Up to this many boundary segments the crossings are found by a Python loop (about 1 µs a segment),
# beyond it by numpy (about 0.15 ms however few).
FEW_EDGES = 200


def loop_crossings(part: Partition, trajectory: Trajectory) -> np.ndarray | None:
    """Sorted t in [0, 2π) where the circle x(t) = c + r (cos t, sin t) crosses a boundary between two
    of the partition's regions, or None when the loop is not a plane circle strictly inside the
    partition's window (then the partition does not cover it)."""
    if trajectory.dim != 2:
        return None
    (ux, uy), (vx, vy) = trajectory.u.tolist(), trajectory.v.tolist()
    if not (uy == 0.0 and vx == 0.0 and ux == vy >= 0.0):
        return None  # only c + r (cos t, sin t) itself, as Trajectory.circle makes it: t is the angle
    cx, cy = trajectory.center.tolist()
    r = ux
    x0, x1, y0, y1 = part.window
    margin = TOLERANCE * max(x1 - x0, y1 - y0)
    if not (x0 + margin < cx - r and cx + r < x1 - margin and y0 + margin < cy - r and cy + r < y1 - margin):
        return None
    edges = boundary_edges(part)
    if r == 0.0 or edges.shape[0] == 0:
        return np.empty(0)
    if edges.shape[0] <= FEW_EDGES:
        return _distinct(np.array(_crossing_angles_few(edges, cx, cy, r), dtype=np.float64))
    return _distinct(_crossing_angles(edges, cx, cy, r))


def _crossing_angles(edges: np.ndarray, cx: float, cy: float, r: float) -> np.ndarray:
    """The angle t of every point where a segment (x, y, x′, y′) crosses the circle, unsorted."""
    px = edges[:, 0] - cx
    py = edges[:, 1] - cy
    dx = edges[:, 2] - edges[:, 0]
    dy = edges[:, 3] - edges[:, 1]
    # |p + s d|² = r² for s in [0, 1): a s² + 2 b s + c = 0
    a = dx * dx + dy * dy
    b = px * dx + py * dy
    c = px * px + py * py - r * r
    disc = b * b - a * c
    hit = disc > 0.0  # a segment that only touches the circle does not cross it
    a, b, c, px, py, dx, dy = (v[hit] for v in (a, b, c, px, py, dx, dy))
    q = -(b + np.copysign(np.sqrt(disc[hit]), b))  # both roots without cancellation: q/a and c/q
    s = np.concatenate([q / a, c / q])
    px, py, dx, dy = (np.concatenate([v, v]) for v in (px, py, dx, dy))
    on = (s >= 0.0) & (s < 1.0)  # half-open: a crossing at a shared end is the next segment's
    s = s[on]
    t = np.arctan2(py[on] + s * dy[on], px[on] + s * dx[on])
    t[t < 0.0] += TWO_PI
    return t


def _crossing_angles_few(edges: np.ndarray, cx: float, cy: float, r: float) -> list[float]:
    """_crossing_angles by a plain loop: the same arithmetic in the same order, so the same numbers
    (numpy's many small operations cost more than the loop for a few segments)."""
    out = []
    rr = r * r
    for x, y, x2, y2 in edges.tolist():
        px, py, dx, dy = x - cx, y - cy, x2 - x, y2 - y
        a = dx * dx + dy * dy
        b = px * dx + py * dy
        c = px * px + py * py - rr
        disc = b * b - a * c
        if disc > 0.0:
            q = -(b + math.copysign(math.sqrt(disc), b))
            for s in (q / a, c / q):
                if 0.0 <= s < 1.0:
                    t = math.atan2(py + s * dy, px + s * dx)
                    out.append(t + TWO_PI if t < 0.0 else t)
    return out


def _distinct(t: np.ndarray) -> np.ndarray:
    """Sorted t without repeats: one crossing met at the ends of two segments, or at 0 and 2π."""
    t[t > TWO_PI - SAME_BREAKPOINT] = 0.0
    t.sort()
    if t.size < 2:
        return t
    keep = np.empty(t.size, dtype=bool)
    keep[0] = True
    np.greater(t[1:] - t[:-1], SAME_BREAKPOINT, out=keep[1:])
    return t[keep]
