"""The session model: the one QObject that holds what the user is looking at, and where science meets Qt.

Every edit is a slot call that replaces the immutable session at once (so `session()` is always the
latest state) and asks for a recompute. Recomputes are coalesced: a zero-interval single-shot timer
runs one after the current event-loop turn, however many edits that turn brought. Each recompute
builds one immutable `Result` from nnsurface.core and emits it; views draw results and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal, Slot

from nnsurface.core.grid import GridResult, evaluate_grid, surface_normals
from nnsurface.core.measures import Measures, measure
from nnsurface.core.network import DEFAULT_SEED, original_random, paper_random
from nnsurface.core.sensitivity import Sensitivity, sensitivity
from nnsurface.core.session import MAX_RESOLUTION, MIN_RESOLUTION, Session, ViewSettings
from nnsurface.core.trajectory import Trajectory
from nnsurface.gui import colors

SCHEMES: tuple[str, ...] = ("original", "paper")
MIN_WIDTH, MAX_WIDTH = 1, 16
MIN_HIDDEN_LAYERS, MAX_HIDDEN_LAYERS = 1, 8
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


class SessionModel(QObject):
    """Holds the session; turns edits into results. See the module docstring."""

    sessionChanged = Signal(object)  # Session, emitted synchronously on every edit
    resultChanged = Signal(object)  # Result, emitted once per coalesced recompute

    def __init__(self, session: Session | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._session = session if session is not None else Session()
        self._color_mode = colors.COLOR_MODES[0]
        self._result: Result | None = None
        self._revision = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._recompute)
        self._timer.start()

    # --- state -----------------------------------------------------------------------------------
    def session(self) -> Session:
        return self._session

    def result(self) -> Result | None:
        """The latest emitted result (None until the first recompute ran)."""
        return self._result

    def color_mode(self) -> str:
        return self._color_mode

    def is_pending(self) -> bool:
        """True while an edit has not yet reached a result."""
        return self._timer.isActive()

    def flush(self) -> Result:
        """Run a pending recompute now (for exports, screenshots and tests) and return the result."""
        if self._timer.isActive() or self._result is None:
            self._timer.stop()
            self._recompute()
        assert self._result is not None
        return self._result

    # --- edits -----------------------------------------------------------------------------------
    @Slot(object)
    def set_session(self, session: Session) -> None:
        self._replace(session)

    @Slot(int, int, int, float)
    def set_weight(self, layer: int, row: int, col: int, value: float) -> None:
        """weights[layer][row, col] = value; layer counted from 0 as in the core."""
        net = self._session.network
        if net.weights[layer][row, col] != value:
            self._replace(self._session.replace(network=net.with_weight(layer, row, col, value)))

    @Slot(int, int, float)
    def set_bias(self, layer: int, col: int, value: float) -> None:
        net = self._session.network
        if net.biases[layer][col] != value:
            self._replace(self._session.replace(network=net.with_bias(layer, col, value)))

    def set_trajectory(self, center: Sequence[float], radius: float) -> None:
        self._replace(self._session.replace(trajectory=Trajectory.circle(center, radius)))

    def set_view(self, extent: float, resolution: int) -> None:
        if not (extent > 0 and np.isfinite(extent)):
            raise ValueError(f"extent: expected a finite number > 0, got {extent}")
        if not MIN_RESOLUTION <= resolution <= MAX_RESOLUTION:
            raise ValueError(f"resolution: expected {MIN_RESOLUTION}..{MAX_RESOLUTION}, got {resolution}")
        self._replace(self._session.replace(view=ViewSettings(float(extent), int(resolution))))

    @Slot(str)
    def set_activation(self, name: str) -> None:
        net = self._session.network
        if net.activation != name:
            self._replace(self._session.replace(network=net.with_activation(name)))

    def set_widths(self, widths: Sequence[int]) -> None:
        """New hidden widths; weights whose position still exists are kept, new ones drawn reproducibly."""
        widths = tuple(int(w) for w in widths)
        if not MIN_HIDDEN_LAYERS <= len(widths) <= MAX_HIDDEN_LAYERS:
            raise ValueError(
                f"expected {MIN_HIDDEN_LAYERS}..{MAX_HIDDEN_LAYERS} hidden layers, got {len(widths)}"
            )
        if any(not MIN_WIDTH <= w <= MAX_WIDTH for w in widths):
            raise ValueError(f"widths must be {MIN_WIDTH}..{MAX_WIDTH}, got {list(widths)}")
        net = self._session.network
        if widths != net.widths:
            resized = net.resized(widths, rng=np.random.default_rng(DEFAULT_SEED))
            self._replace(self._session.replace(network=resized))

    def randomize(self, scheme: str, sigma: float, seed: int) -> None:
        """Redraw every weight with the same architecture and activation; the same seed gives the same net.

        "original": hidden weights N(0, σ²), output weights 1, no biases (the original tool, σ = √2).
        "paper": W ~ N(0, σ²/fan_in) in every layer, no biases (Raghu et al., σ = σ_w).
        """
        net = self._session.network
        if scheme == "original":
            new = original_random(net.widths, seed=seed, activation=net.activation, sigma2=sigma**2)
        elif scheme == "paper":
            new = paper_random(net.widths, sigma_w2=sigma**2, seed=seed, activation=net.activation)
        else:
            raise ValueError(f"unknown scheme {scheme!r}; expected one of {', '.join(SCHEMES)}")
        self._replace(self._session.replace(network=new))

    @Slot()
    def reset(self) -> None:
        """Back to the original tool's defaults: network, circle and view."""
        self._replace(Session())

    @Slot(str)
    def set_color_mode(self, mode: str) -> None:
        if mode not in colors.COLOR_MODES:
            raise ValueError(f"unknown colour mode {mode!r}; expected one of {', '.join(colors.COLOR_MODES)}")
        if mode != self._color_mode:
            self._color_mode = mode
            self._timer.start()

    # --- recompute -------------------------------------------------------------------------------
    def _replace(self, session: Session) -> None:
        self._session = session
        self.sessionChanged.emit(session)
        self._timer.start()  # restarting a pending zero timer keeps exactly one recompute queued

    def _recompute(self) -> None:
        self._revision += 1
        self._result = build_result(self._session, self._color_mode, self._revision, self._result)
        self.resultChanged.emit(self._result)


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
