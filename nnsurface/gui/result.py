"""The immutable result of one recompute: everything the views draw for a session, computed by the core.

Built off the model so that it can be tested and benchmarked without a QObject; `build_result` reuses
the parts of the previous result whose inputs did not change.

Two surfaces are prepared. For relu and hardtanh the exact linear regions (core.partition) are the
surface itself: polygons lifted onto their planes, with the creases between them; f is affine on each,
so its range over the window is the range over their vertices, exactly. The sampled grid gives the
grid's region count, it is the surface (and gives the height range) of tanh and linear networks and
of networks with more regions than EXACT_REGION_CAP, and a view may draw it on request.

A result is built in the order the window shows it. What the 3-D frame draws is computed at once.
The rest is `Deferred`, computed the first time a view asks, then kept and shared with later results
whose inputs are the same: the grid when the exact regions are drawn (the measures panel asks for it
after the frame), the exact regions when the grid is drawn instead (exact_first off), what only a
drawn grid needs (normals, per-point region colours), the sensitivity
(the editor's tints, shown after the frame), the region palette (colouring by region), and the
measures. So an edit pays for none of them before its frame.

The frame does draw the breakpoints. When it draws the exact regions and they cover the circle, the
breakpoints are where the circle crosses their boundaries (core.crossings, some 30 µs); otherwise
they come from the loop's walk through the layers (measures.breakpoints), which the measures then
reuse. The two agree to rounding; before the panels show the measures, `Result.confirmed` puts the
measures' own in place of crossings that differ (a grazed boundary), and the frame is drawn again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Generic, TypeVar

import numpy as np

from nnsurface.core import activations
from nnsurface.core.crossings import loop_crossings
from nnsurface.core.grid import GridResult, evaluate_grid, surface_normals
from nnsurface.core.measures import Measures, measure
from nnsurface.core.measures import breakpoints as loop_breakpoints
from nnsurface.core.network import Network
from nnsurface.core.partition import (
    Partition,
    PartitionTooLarge,
    RegionMesh,
    crease_segments,
    partition,
    region_mesh,
)
from nnsurface.core.sensitivity import Sensitivity, sensitivity
from nnsurface.core.session import Session
from nnsurface.core.trajectory import Trajectory
from nnsurface.gui import colors

TRAJECTORY_SAMPLES = 1024  # dense samples of f along the loop, for the line and the f(t) plot
LIFT_FRACTION = 0.015  # the trajectory floats this fraction of the surface's height above it
_FLAT_SPAN_FRACTION = 1e-6  # a surface flatter than this (relative to the extent) counts as flat
# Vertices of the exact regions are intersections of lines, good to rounding (~1e-16 of the window):
# an extreme height this small against the surface's span is zero (a dead region's plane is exactly 0).
_HEIGHT_NOISE = 1e-9
# Beyond this many linear regions the surface is drawn from the grid. Partitioning costs about 10 µs
# per region (50 ms here, a 2-16-16-16-1 hardtanh net's 9000 regions take 140 ms): above the cap an
# edit would no longer feel immediate, and the regions are too small to see one by one anyway.
EXACT_REGION_CAP = 5000
# The breakpoints a frame draws where the circle crosses the drawn regions' boundaries are the
# measures' to rounding (~1e-13); beyond this difference in t (or in number) the measures' replace them.
BREAKPOINT_AGREEMENT = 1e-9

T = TypeVar("T")


class Deferred(Generic[T]):
    """A value computed on first use, then kept. Results with the same inputs share one, so it is
    computed at most once however many results (or none) ask for it."""

    def __init__(self, compute: Callable[[], T]):
        self._compute: Callable[[], T] | None = compute
        self._value: T | None = None

    def get(self) -> T:
        if self._compute is not None:
            self._value = self._compute()
            self._compute = None  # drops the inputs it held
        return self._value  # type: ignore[return-value]

    def ready(self) -> bool:
        """Whether the value has been computed."""
        return self._compute is None


@dataclass(frozen=True, eq=False)
class ExactSurface:
    """The surface of a piecewise-linear network as its exact linear regions inside the view window."""

    partition: Partition
    mesh: RegionMesh  # the regions fan-triangulated and lifted onto their planes
    creases: np.ndarray  # (K, 2, 3) float32 crease segments on the surface
    z_range: tuple[float, float]  # min and max of f over the window: over the mesh's vertices

    @cached_property
    def palette(self) -> np.ndarray:
        """(regions, 4) uint8 colour of each region, from its activation pattern (on first use: only
        colouring by region needs it)."""
        return _read_only(colors.pattern_palette(self.partition.patterns))

    def vertex_colors(self) -> np.ndarray:
        """(N, 4) uint8: every vertex in its region's colour, so each region is one flat colour."""
        counts = self.partition.counts  # the mesh holds each region's vertices in turn
        return self.palette[np.repeat(np.arange(len(counts)), counts)]


class GridShading:
    """Normals and region colours of the grid surface, computed once on first use and then kept.

    Shared by every result with the same grid: a view that draws the exact regions never asks.
    """

    def __init__(self, grid: Deferred[GridResult]):
        self._grid = grid
        self._normals: np.ndarray | None = None
        self._region_colors: np.ndarray | None = None

    def normals(self) -> np.ndarray:
        """(n, n, 3) float32 unit vertex normals (core.grid.surface_normals)."""
        if self._normals is None:
            g = self._grid.get()
            self._normals = _read_only(surface_normals(g.x, g.y, g.z))
        return self._normals

    def region_colors(self) -> np.ndarray:
        """(n, n, 4) uint8: every grid point in the colour of its activation pattern."""
        if self._region_colors is None:
            g = self._grid.get()
            self._region_colors = _read_only(colors.region_colors(g.labels, g.patterns))
        return self._region_colors


@dataclass(frozen=True, eq=False)
class Result:
    """Everything the views draw for one session, computed once by the core. Never mutated."""

    revision: int
    session: Session
    deferred_grid: Deferred[GridResult]
    grid_shading: GridShading
    # (ExactSurface or None for tanh/linear networks and beyond EXACT_REGION_CAP regions, why it is None)
    deferred_exact: Deferred[tuple[ExactSurface | None, str]]
    exact_first: bool  # the exact regions were asked for before the frame (the 3-D view draws them)
    color_mode: str
    # min and max of f over the surface the 3-D view draws: exact.z_range if exact_first and there is
    # `exact`, else z_range (the grid's)
    surface_range: tuple[float, float]
    z_span: float  # the height used for scaling: surface_range's span, or the extent if f is flat
    lift: float  # how far above the surface the trajectory is drawn, in data units
    trajectory_t: np.ndarray  # (k,) t in [0, 2π], dense, with every breakpoint and both ends
    trajectory_f: np.ndarray  # (k,) f(x(t))
    trajectory_points: np.ndarray  # (k, 3) float32 (x₁, x₂, f + lift)
    # (b,) the breakpoints drawn: measures.breakpoints, or (breakpoints_confirmed False) where the
    # circle crosses the boundaries of the exact regions drawn (core.crossings), the same to rounding
    breakpoint_t: np.ndarray
    breakpoint_f: np.ndarray  # (b,) f at each of them
    breakpoint_points: np.ndarray  # (b, 3) float32 (x₁, x₂, f + lift)
    breakpoints_confirmed: bool  # breakpoint_t are the measures' own
    deferred_measures: Deferred[Measures]
    deferred_sensitivity: Deferred[Sensitivity]

    @property
    def exact(self) -> ExactSurface | None:
        """The exact linear regions in the window: computed before the frame when the 3-D view draws
        them (exact_first), else when first asked for (by the measures panel, after the frame)."""
        return self.deferred_exact.get()[0]

    @property
    def exact_note(self) -> str:
        """Why `exact` is None, for the view's caption ("" when it is not)."""
        return self.deferred_exact.get()[1]

    @property
    def measures(self) -> Measures:
        """The exact measures of the trajectory: computed when first asked for (by the panels, after
        the frame)."""
        return self.deferred_measures.get()

    @property
    def grid(self) -> GridResult:
        """f and region labels on the view's grid: computed when first asked for if the exact
        regions are drawn (by the measures panel, after the frame)."""
        return self.deferred_grid.get()

    @cached_property
    def z_range(self) -> tuple[float, float]:
        """min and max of the grid heights."""
        z = self.grid.z
        return float(z.min()), float(z.max())

    def confirmed(self) -> Result:
        """This result, or `measured()` if the breakpoints it draws (found on the regions' boundaries,
        before the measures) are not the measures' to BREAKPOINT_AGREEMENT: where the circle grazes a
        boundary or crosses a region thinner than the partition's tolerance. Computes the measures
        (the panels, which show them, ask for them next anyway)."""
        if self.breakpoints_confirmed:
            return self
        exact, drawn = self.measures.breakpoints, self.breakpoint_t
        if len(exact) == len(drawn) and bool(np.all(np.abs(exact - drawn) <= BREAKPOINT_AGREEMENT)):
            return self
        return self.measured()

    def measured(self) -> Result:
        """This result with the measures' own breakpoints on the loop: itself if it has them, else a
        copy. For what must hold the measures' numbers to the bit (the data export)."""
        if self.breakpoints_confirmed:
            return self
        session = self.session
        loop = _trajectory_fields(session.network, session.trajectory, self.measures.breakpoints, self.lift)
        return replace(self, breakpoints_confirmed=True, **loop)

    @property
    def sensitivity(self) -> Sensitivity:
        """∂(lengths)/∂(parameters) along the loop: computed when first asked for (by the weight
        editor's tints, which are drawn after the frame)."""
        return self.deferred_sensitivity.get()


def build_result(
    session: Session,
    color_mode: str,
    revision: int,
    previous: Result | None = None,
    exact_first: bool = True,
) -> Result:
    """All numbers the views need for `session`, reusing the parts of `previous` whose inputs are the same
    objects (sessions are immutable, so identity means equality). exact_first: the 3-D view draws the
    exact regions when there are (else the grid, and the regions wait until the panels ask)."""
    net, traj, view = session.network, session.trajectory, session.view
    prev = previous.session if previous is not None else None
    same_net = prev is not None and prev.network is net
    same_grid = same_net and prev.view == view
    same_window = same_net and prev.view.extent == view.extent
    same_loop = same_net and prev.trajectory is traj

    if same_window:
        deferred_exact = previous.deferred_exact
    else:
        deferred_exact = Deferred(lambda: exact_surface(net, view.extent))
    exact = deferred_exact.get()[0] if exact_first else None
    if same_grid:
        grid, shading = previous.deferred_grid, previous.grid_shading
    else:
        grid = Deferred(lambda: evaluate_grid(net, view.extent, view.resolution))
        shading = GridShading(grid)
    if exact is not None:
        zmin, zmax = exact.z_range
    else:  # the grid is the surface
        z = grid.get().z
        zmin, zmax = float(z.min()), float(z.max())
    z_span = zmax - zmin if zmax - zmin > _FLAT_SPAN_FRACTION * view.extent else view.extent

    if same_loop:
        meas, sens = previous.deferred_measures, previous.deferred_sensitivity
    else:
        meas, sens = Deferred(lambda: measure(net, traj)), Deferred(lambda: sensitivity(net, traj))
    # The frame draws the breakpoints: they are found now, the lengths after the frame. Where the
    # drawn regions cover the circle, its crossings of their boundaries are the breakpoints, found in
    # a fraction of the time the loop's walk through the layers takes (the measures walk it after the
    # frame and confirm them); otherwise the walk finds them now, and the measures reuse it.
    confirmed = meas.ready()
    breakpoints = meas.get().breakpoints if confirmed else None
    if breakpoints is None and exact is not None:
        breakpoints = loop_crossings(exact.partition, traj)
    if breakpoints is None:
        breakpoints, confirmed = loop_breakpoints(net, traj), True
    lift = LIFT_FRACTION * z_span
    return Result(
        revision=revision,
        session=session,
        deferred_grid=grid,
        grid_shading=shading,
        deferred_exact=deferred_exact,
        exact_first=exact_first,
        color_mode=color_mode,
        surface_range=(zmin, zmax),
        z_span=z_span,
        lift=lift,
        **_trajectory_fields(net, traj, breakpoints, lift),
        breakpoints_confirmed=confirmed,
        deferred_measures=meas,
        deferred_sensitivity=sens,
    )


def exact_surface(network: Network, extent: float, cap: int | None = None) -> tuple[ExactSurface | None, str]:
    """The exact linear regions of `network` over [−extent, extent]², ready to draw, or None and why not
    (more than `cap` regions, EXACT_REGION_CAP by default, or a smooth activation)."""
    cap = EXACT_REGION_CAP if cap is None else cap
    if network.n_hidden and not activations.is_piecewise_linear(network.activation):
        return None, f"{network.activation} has no knots"
    try:
        part = partition(network, (-extent, extent, -extent, extent), cap=cap)
    except PartitionTooLarge:
        return None, f"more than {cap} linear regions"
    mesh = region_mesh(part)
    surface = ExactSurface(
        partition=part,
        mesh=mesh,
        creases=_read_only(crease_segments(part)),
        z_range=_height_range(mesh.vertices[:, 2]),
    )
    return surface, ""


def _trajectory_fields(net: Network, traj: Trajectory, breakpoints: np.ndarray, lift: float) -> dict:
    """The Result's fields for the loop drawn with these breakpoints.

    Every edit's frame waits for them, so they are computed with the points as columns (x(t) is
    (2, k), one long row per coordinate): numpy's elementwise loops then run along the k samples,
    not along rows of two or four numbers (the network's pass over the 1041 samples took 83 µs
    that way, 52 µs this way).
    """
    t, xy = _loop_samples(traj, breakpoints)
    f = net.values_at_columns(xy)
    at = t.searchsorted(breakpoints)
    points = np.empty((len(t), 3), dtype=np.float32)
    points[:, :2] = xy[:2].T
    points[:, 2] = f + lift
    return {
        "trajectory_t": _read_only(t),
        "trajectory_f": _read_only(f),
        "trajectory_points": _read_only(points),
        "breakpoint_t": _read_only(np.array(breakpoints)),
        "breakpoint_f": _read_only(f[at]),
        "breakpoint_points": _read_only(points[at]),
    }


_DENSE_T = np.linspace(0.0, 2 * np.pi, TRAJECTORY_SAMPLES + 1)
_DENSE_COS, _DENSE_SIN = np.cos(_DENSE_T), np.sin(_DENSE_T)


def _loop_samples(traj: Trajectory, breakpoints: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """t, the dense samples with every breakpoint merged in (in order, each value once: a breakpoint
    can be a dense sample, as t = 0 and t = π are for a knot along an axis), and x(t), (m, k).

    cos and sin of the dense samples are computed once (they cost more than the rest); the few
    breakpoints' are written into their places among them.
    """
    at = _DENSE_T.searchsorted(breakpoints)
    new = _DENSE_T[np.minimum(at, TRAJECTORY_SAMPLES)] != breakpoints  # not already a dense sample
    bps = breakpoints[new]
    slots = at[new] + np.arange(bps.size)  # where the new breakpoints go in the merged order
    dense = np.empty(_DENSE_T.size + bps.size, dtype=bool)
    dense.fill(True)
    dense[slots] = False
    t, cos_t, sin_t = np.empty((3, dense.size))
    t[dense], t[slots] = _DENSE_T, bps
    cos_t[dense], cos_t[slots] = _DENSE_COS, np.cos(bps)
    sin_t[dense], sin_t[slots] = _DENSE_SIN, np.sin(bps)
    return t, traj.coordinates(cos_t, sin_t)


def _height_range(z: np.ndarray) -> tuple[float, float]:
    """min and max of the exact surface's vertex heights, an extreme within rounding of 0 set to 0."""
    lo, hi = float(z.min()), float(z.max())
    noise = _HEIGHT_NOISE * (hi - lo)
    return (0.0 if abs(lo) <= noise else lo), (0.0 if abs(hi) <= noise else hi)


def _read_only(a: np.ndarray) -> np.ndarray:
    """Results are shared by every view: an array in one must not be changed by any of them."""
    a.setflags(write=False)
    return a
