"""The session model: the one QObject that holds what the user is looking at, and where science meets Qt.

Every edit is a slot call that replaces the immutable session at once (so `session()` is always the
latest state) and asks for a recompute. Recomputes are coalesced: a zero-interval single-shot timer
runs one after the current event-loop turn, however many edits that turn brought. Each recompute
builds one immutable `Result` from nnsurface.core and emits it; views draw results and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal, Slot

from nnsurface.core.network import DEFAULT_SEED, original_random, paper_random
from nnsurface.core.session import MAX_RESOLUTION, MIN_RESOLUTION, Session, ViewSettings
from nnsurface.core.trajectory import Trajectory
from nnsurface.gui import colors
from nnsurface.gui.result import Result, build_result

SCHEMES: tuple[str, ...] = ("original", "paper")
MIN_WIDTH, MAX_WIDTH = 1, 16
MIN_HIDDEN_LAYERS, MAX_HIDDEN_LAYERS = 1, 8


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
