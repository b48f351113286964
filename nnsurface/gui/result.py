"""The immutable result of one recompute: everything the views draw for a session, computed by the core.

Built off the model so that it can be tested and benchmarked without a QObject; `build_result` reuses
the parts of the previous result whose inputs did not change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnsurface.core.grid import GridResult, evaluate_grid, surface_normals
from nnsurface.core.measures import Measures, measure
from nnsurface.core.sensitivity import Sensitivity, sensitivity
from nnsurface.core.session import Session
from nnsurface.gui import colors

TRAJECTORY_SAMPLES = 1024  # dense samples of f along the loop, for the line and the f(t) plot
LIFT_FRACTION = 0.015  # the trajectory floats this fraction of the surface's height above it
_FLAT_SPAN_FRACTION = 1e-6  # a surface flatter than this (relative to the extent) counts as flat


@dataclass(frozen=True, eq=False)
class Result:
    """Everything the views draw for one session, computed once by the core. Never mutated."""

    revision: int
    session: Session
    grid: GridResult
    normals: np.ndarray  # (n, n, 3) float32 unit vertex normals of the grid surface
    color_mode: str
    colors: np.ndarray  # (n, n, 4) uint8 per-vertex colours for `color_mode`
    z_range: tuple[float, float]  # min and max of the grid heights
    z_span: float  # the height used for scaling: z range, or the extent if the surface is flat
    lift: float  # how far above the surface the trajectory is drawn, in data units
    trajectory_t: np.ndarray  # (k,) t in [0, 2π], dense, with every breakpoint and both ends
    trajectory_f: np.ndarray  # (k,) f(x(t))
    trajectory_points: np.ndarray  # (k, 3) float32 (x₁, x₂, f + lift)
    breakpoint_f: np.ndarray  # (b,) f at each breakpoint of measures.breakpoints
    breakpoint_points: np.ndarray  # (b, 3) float32 (x₁, x₂, f + lift)
    measures: Measures
    sensitivity: Sensitivity



def build_result(session: Session, color_mode: str, revision: int, previous: Result | None = None) -> Result:
    """All numbers the views need for `session`, reusing the parts of `previous` whose inputs are the same
    objects (sessions are immutable, so identity means equality)."""
    net, traj, view = session.network, session.trajectory, session.view
    prev = previous.session if previous is not None else None
    same_grid = prev is not None and prev.network is net and prev.view == view
    same_loop = prev is not None and prev.network is net and prev.trajectory is traj

    if same_grid:
        grid, normals = previous.grid, previous.normals
    else:
        grid = evaluate_grid(net, view.extent, view.resolution)
        normals = surface_normals(grid.x, grid.y, grid.z)
    zmin, zmax = float(grid.z.min()), float(grid.z.max())
    z_span = zmax - zmin if zmax - zmin > _FLAT_SPAN_FRACTION * view.extent else view.extent
    if same_grid and previous.color_mode == color_mode:
        cols = previous.colors
    elif color_mode == "region":
        cols = colors.region_colors(grid.labels, grid.patterns)
    else:
        cols = colors.height_colors(grid.z, zmin, zmax)

    if same_loop:
        meas, sens = previous.measures, previous.sensitivity
    else:
        meas, sens = measure(net, traj), sensitivity(net, traj)
    lift = LIFT_FRACTION * z_span
    t = np.union1d(np.linspace(0.0, 2 * np.pi, TRAJECTORY_SAMPLES + 1), meas.breakpoints)
    xy, bp_xy = traj.points(t), traj.points(meas.breakpoints)
    f, bp_f = net(xy), net(bp_xy)
    return Result(
        revision=revision,
        session=session,
        grid=grid,
        normals=_read_only(normals),
        color_mode=color_mode,
        colors=_read_only(cols),
        z_range=(zmin, zmax),
        z_span=z_span,
        lift=lift,
        trajectory_t=_read_only(t),
        trajectory_f=_read_only(f),
        trajectory_points=_lifted(xy, f, lift),
        breakpoint_f=_read_only(bp_f),
        breakpoint_points=_lifted(bp_xy, bp_f, lift),
        measures=meas,
        sensitivity=sens,
    )


def _lifted(xy: np.ndarray, f: np.ndarray, lift: float) -> np.ndarray:
    """(x₁, x₂, f + lift) as float32, what the GL line and dots take."""
    out = np.empty((len(f), 3), dtype=np.float32)
    out[:, :2] = xy[:, :2]
    out[:, 2] = f + lift
    return _read_only(out)


def _read_only(a: np.ndarray) -> np.ndarray:
    """Results are shared by every view: an array in one must not be changed by any of them."""
    a.setflags(write=False)
    return a
