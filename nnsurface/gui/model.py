"""The session model: the one QObject that holds what the user is looking at, and where science meets Qt.

Every edit is a slot call that replaces the immutable session at once (so `session()` is always the
latest state), records an undo step on `undo_stack`, and asks for a recompute. Recomputes are
coalesced: a zero-interval single-shot timer runs one after the current event-loop turn, however many
edits that turn brought. Each recompute builds one immutable `Result` from nnsurface.core; views draw
results and nothing else.

A result is announced twice, frame first. `surfaceChanged` goes out as soon as it is built, to the
3-D view, whose frame is then drawn before any other widget repaints. `resultChanged` follows in the
next event-loop turn, for everything else (plots, measures, the editor's values and tints), and its
result is always the current session's: if an edit came in meanwhile, its own recompute announces
instead. While edits keep arriving faster than frames, a recompute that finds the rest of the window
DETAILS_MAX_LAG_S behind announces at once, before its frame, so the panels lag by a bounded time;
the final state always reaches every view.

While a spinbox is stepped (a held arrow key, a turning wheel), its next value is known: the editor
says so (`expect_edit`), and the model computes that edit's result when the event loop is next idle.
The edit then takes it, as it takes the kept result of the state a step back returns to, so its frame
waits for the 3-D view alone (nnsurface.gui.prepared). Any other edit is computed as it comes.

The model also knows which file the session belongs to (`Document`): the session differs from what
that file holds exactly when there are unsaved changes, whichever edits and undos led there.
"""

from __future__ import annotations

import os
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QUndoStack

from nnsurface.core.network import DEFAULT_SEED, original_random, paper_random
from nnsurface.core.session import MAX_RESOLUTION, MIN_RESOLUTION, Session, ViewSettings
from nnsurface.core.trajectory import Trajectory
from nnsurface.gui import colors
from nnsurface.gui.formatting import subscript
from nnsurface.gui.prepared import Parameter, PreparedEdits, parameter_value, with_parameter
from nnsurface.gui.result import Result, build_result
from nnsurface.gui.undo import SessionCommand, State

SCHEMES: tuple[str, ...] = ("original", "paper")
MIN_WIDTH, MAX_WIDTH = 1, 16
MIN_HIDDEN_LAYERS, MAX_HIDDEN_LAYERS = 1, 8
UNDO_LIMIT = 1000  # steps kept; older ones are dropped, so a long session's memory stays bounded
UNTITLED = "untitled"
# During a burst of edits the panels fall at most this far behind the 3-D frame (seconds).
DETAILS_MAX_LAG_S = 0.1


@dataclass(frozen=True, eq=False)
class Document:
    """The file a session belongs to, and what that file holds."""

    path: str | None  # None: never saved (a new session, a preset, a restored session without a file)
    name: str  # for the window title
    saved: Session  # the session as last opened or saved

    @classmethod
    def for_file(cls, path: str, saved: Session) -> Document:
        return cls(path, os.path.basename(path), saved)


class SessionModel(QObject):
    """Holds the session; turns edits into results. See the module docstring."""

    sessionChanged = Signal(object)  # Session, emitted synchronously on every edit
    surfaceChanged = Signal(object)  # Result, emitted by each recompute at once: the 3-D view's next frame
    resultChanged = Signal(object)  # Result, emitted after that frame, for the rest of the window
    documentChanged = Signal(object)  # Document: opened, saved, or restored by undo/redo
    modifiedChanged = Signal(bool)  # whether the session differs from its document's file

    def __init__(
        self, session: Session | None = None, parent: QObject | None = None, document: Document | None = None
    ):
        super().__init__(parent)
        self._session = session if session is not None else Session()
        self._document = document if document is not None else Document(None, UNTITLED, self._session)
        self._modified = not self._session.equals(self._document.saved)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(UNDO_LIMIT)
        self._run: SessionCommand | None = None  # the step a run of small edits is extending
        self._color_mode = colors.COLOR_MODES[0]
        self._exact_first = True
        self._result: Result | None = None
        self._revision = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._recompute)
        self._timer.start()
        self._details_timer = QTimer(self)
        self._details_timer.setSingleShot(True)
        self._details_timer.setInterval(0)
        self._details_timer.timeout.connect(self._details)
        self._details_deadline: float | None = None  # resultChanged is due by then (monotonic s)
        self._prepared = PreparedEdits()  # results of the likely next edits (gui.prepared)
        self._ready: Result | None = None  # a prepared result the pending recompute takes
        self._expected: tuple[Session, Parameter, float] | None = None  # expect_edit's, not yet prepared
        self._prepared_taken = 0
        self._prepare_timer = QTimer(self)
        self._prepare_timer.setSingleShot(True)
        self._prepare_timer.setInterval(0)
        self._prepare_timer.timeout.connect(self._prepare_expected)

    # --- state -----------------------------------------------------------------------------------
    def session(self) -> Session:
        return self._session

    def result(self) -> Result | None:
        """The latest emitted result (None until the first recompute ran)."""
        return self._result

    def color_mode(self) -> str:
        return self._color_mode

    def document(self) -> Document:
        return self._document

    def is_modified(self) -> bool:
        """True when the session differs from what its document's file holds (or from a new session)."""
        return self._modified

    def is_pending(self) -> bool:
        """True while an edit has not yet reached a result."""
        return self._timer.isActive()

    def prepared_results_taken(self) -> int:
        """How many recomputes took a result prepared ahead (expect_edit) instead of computing it:
        what the tests and the benchmark check the preparing by."""
        return self._prepared_taken

    def details_pending(self) -> bool:
        """True while the latest result has not yet been announced by resultChanged."""
        return self._details_timer.isActive()

    def flush(self, details: bool = True) -> Result:
        """Run a pending recompute now (for exports, screenshots and tests) and return the result.
        details: also announce it to every view now (resultChanged), not only to the 3-D view."""
        if self._timer.isActive() or self._result is None:
            self._timer.stop()
            self._recompute()
        if details and self._details_timer.isActive():
            self._details_timer.stop()
            self._announce()
        assert self._result is not None
        return self._result

    # --- edits -----------------------------------------------------------------------------------
    @Slot(object)
    def set_session(self, session: Session) -> None:
        self._edit(session, "Replace the session")

    def open_document(self, session: Session, document: Document, text: str) -> None:
        """Show another file's (or a new) session; undoing it brings back the previous one and its file."""
        self._push(State(session, document), text)

    def mark_saved(self, path: str) -> None:
        """The session was just written to `path`: it is now that file's, with no unsaved changes.
        Not an undo step (saving changes no number); a run of edits ends here."""
        self._run = None
        self._set_document(Document.for_file(path, self._session))
        self._update_modified()

    @Slot()
    def end_edit_run(self) -> None:
        """The spinbox being stepped or typed into finished editing: its next change is a new step."""
        self._run = None

    @Slot(int, int, int, float)
    def set_weight(self, layer: int, row: int, col: int, value: float) -> None:
        """weights[layer][row, col] = value; layer counted from 0 as in the core."""
        if self._session.network.weights[layer][row, col] != value:
            text = f"Change W{subscript(layer + 1)}[{row + 1}, {col + 1}]"
            self._edit_parameter(("weight", layer, row, col), value, text)

    @Slot(int, int, float)
    def set_bias(self, layer: int, col: int, value: float) -> None:
        if self._session.network.biases[layer][col] != value:
            self._edit_parameter(("bias", layer, col), value, f"Change b{subscript(layer + 1)}[{col + 1}]")

    def expect_edit(self, parameter: Parameter, value: float) -> None:
        """The next edit will probably set `parameter` (("weight", layer, row, col) or ("bias", layer,
        col), layers from 0) to `value`: a held key's or a turning wheel's next step. Its result is
        computed when the event loop is next idle, after the current edit's frame and panels; if the
        edit comes, its frame only waits for the 3-D view (see nnsurface.gui.prepared)."""
        self._expected = (self._session, parameter, float(value))
        if not (self.is_pending() or self.details_pending()):
            self._prepare_timer.start()

    def set_trajectory(self, center: Sequence[float], radius: float) -> None:
        new = Trajectory.circle(center, radius)
        old = self._session.trajectory
        differs = {"center": not np.array_equal(new.center, old.center), "radius": new.radius != old.radius}
        changed = tuple(name for name, d in differs.items() if d)
        if changed:
            self._edit(self._session.replace(trajectory=new), "Move the trajectory", ("trajectory", changed))

    def set_view(self, extent: float, resolution: int) -> None:
        if not (extent > 0 and np.isfinite(extent)):
            raise ValueError(f"extent: expected a finite number > 0, got {extent}")
        if not MIN_RESOLUTION <= resolution <= MAX_RESOLUTION:
            raise ValueError(f"resolution: expected {MIN_RESOLUTION}..{MAX_RESOLUTION}, got {resolution}")
        new, old = ViewSettings(float(extent), int(resolution)), self._session.view
        changed = tuple(name for name in ("extent", "resolution") if getattr(new, name) != getattr(old, name))
        if changed:
            self._edit(self._session.replace(view=new), "Change the view", key=("view", changed))

    @Slot(str)
    def set_activation(self, name: str) -> None:
        net = self._session.network
        if net.activation != name:
            self._edit(
                self._session.replace(network=net.with_activation(name)),
                f"Activation {net.activation} → {name}",
            )

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
            self._edit(self._session.replace(network=resized), "Change the architecture", key=("widths",))

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
        self._edit(self._session.replace(network=new), f"Randomize ({scheme}, σ = {sigma:.4g}, seed {seed})")

    @Slot()
    def reset(self) -> None:
        """Back to the original tool's defaults: network, circle and view."""
        self._edit(Session(), "Reset to the defaults")

    def set_exact_first(self, on: bool) -> None:
        """Whether the 3-D view draws the exact linear regions (when there are): then they are
        computed before its frame; else the grid is, and the regions wait until the panels ask."""
        if on != self._exact_first:
            self._exact_first = on
            self._timer.start()

    @Slot(str)
    def set_color_mode(self, mode: str) -> None:
        if mode not in colors.COLOR_MODES:
            raise ValueError(f"unknown colour mode {mode!r}; expected one of {', '.join(colors.COLOR_MODES)}")
        if mode != self._color_mode:
            self._color_mode = mode
            self._timer.start()

    # --- undo steps --------------------------------------------------------------------------------
    def _edit(self, session: Session, text: str, key: Hashable | None = None, differs: bool = False) -> None:
        """A new session for the same document, as one undo step (or part of the open run's step).
        differs: the caller knows it differs from the current one (a weight it changed), so the
        comparison of every number, which a held key would pay on each step, is skipped."""
        if differs or not session.equals(self._session):
            self._push(State(session), text, key)

    def _edit_parameter(self, parameter: Parameter, value: float, text: str) -> None:
        """One parameter set to a new value: an edit, run-extended like every step of one spinbox. A
        result prepared for exactly this edit is taken instead of computing it; the result of the
        state it leaves is kept, ready for a step back."""
        before, shown = self._session, self._result
        ready = self._prepared.get(before, parameter, value)
        if ready is not None:
            after = ready.session
        else:
            after = before.replace(network=with_parameter(before.network, parameter, value))
        self._edit(after, text, key=parameter, differs=True)
        self._ready = ready if self._session is after else None
        if shown is not None and shown.session is before:
            self._prepared.put(after, parameter, parameter_value(before.network, parameter), shown)

    def _push(self, after: State, text: str, key: Hashable | None = None) -> None:
        run = self._run  # when set, it is the top step: undo, redo and other pushes all end the run
        if key is not None and run is not None and run.key == key:
            run.after = after  # the run goes on: the same step now ends here
            self._apply(after, from_history=False)
            if after.same_as(run.before):  # back where the run began: no step at all
                self._run = None
                run.setObsolete(True)
                self.undo_stack.undo()  # drops an obsolete step without calling its undo()
            return
        before = State(self._session, None if after.document is None else self._document)
        command = SessionCommand(self._apply, before, after, text, key)
        self.undo_stack.push(command)  # runs command.redo(), which applies `after`
        self._run = command if key is not None else None

    def _apply(self, state: State, from_history: bool) -> None:
        """Install a state; from_history: by Undo/Redo, which ends any run of edits."""
        if from_history:
            self._run = None
        if state.document is not None:
            self._set_document(state.document)
        self._replace(state.session)
        self._update_modified()

    def _set_document(self, document: Document) -> None:
        if document is not self._document:
            self._document = document
            self.documentChanged.emit(document)

    def _update_modified(self) -> None:
        modified = not self._session.equals(self._document.saved)
        if modified != self._modified:
            self._modified = modified
            self.modifiedChanged.emit(modified)

    # --- recompute -------------------------------------------------------------------------------
    def _replace(self, session: Session) -> None:
        self._session = session
        self._ready = None  # an edit that takes a prepared result sets it again, after this
        self._prepared.clear()  # prepared from the session before; a parameter edit adds its own after
        self.sessionChanged.emit(session)
        self._timer.start()  # restarting a pending zero timer keeps exactly one recompute queued

    def _recompute(self) -> None:
        self._revision += 1
        ready, self._ready = self._ready, None
        if ready is not None and self._fits(ready):
            self._result = replace(ready, revision=self._revision)
            self._prepared_taken += 1
        else:
            self._result = build_result(
                self._session, self._color_mode, self._revision, self._result, self._exact_first
            )
        self.surfaceChanged.emit(self._result)
        now = time.monotonic()
        if self._details_deadline is None:
            self._details_deadline = now + DETAILS_MAX_LAG_S
        if now >= self._details_deadline:  # the panels are as far behind as they may be: now
            self._details_timer.stop()
            self._announce()
        else:
            self._details_timer.start()

    def _details(self) -> None:
        """The rest of the window, the turn after the frame. If an edit came in meanwhile, the result
        is no longer the session's: the edit's recompute announces (or comes back here) instead."""
        if not self._timer.isActive():
            self._announce()

    def _announce(self) -> None:
        self._details_deadline = None
        confirmed = self._result.confirmed()  # the frame's breakpoints, against the measures'
        if confirmed is not self._result:
            self._result = confirmed
            self.surfaceChanged.emit(confirmed)
        self.resultChanged.emit(self._result)
        if self._expected is not None:
            self._prepare_timer.start()

    def _prepare_expected(self) -> None:
        """Compute the expected edit's result (expect_edit), if it still starts from the current session.
        Waits while an edit is pending or the panels have not been brought up to date: both come first."""
        if self._expected is None or self.is_pending() or self.details_pending():
            return  # _announce starts the timer again
        (base, parameter, value), self._expected = self._expected, None
        if base is not self._session or self._prepared.get(base, parameter, value) is not None:
            return
        try:
            network = with_parameter(base.network, parameter, value)
        except ValueError:  # not a value the spinbox can set: nothing to prepare
            return
        session = base.replace(network=network)
        result = build_result(session, self._color_mode, self._revision, self._result, self._exact_first)
        self._prepared.put(base, parameter, value, result)

    def _fits(self, result: Result) -> bool:
        """Whether a prepared result is what a recompute would build now."""
        return (
            result.session is self._session
            and result.color_mode == self._color_mode
            and result.exact_first == self._exact_first
        )
