"""Benchmark the real main window: how long an edit takes to reach the frame, against a bare repaint.

Run from the repository root:  python benchmarks/bench_gui.py [--runs 3] [--untuned] [--quick]
Without a DISPLAY it re-runs itself under `xvfb-run` (Mesa's software GL, as the tests use). Prints one
JSON object; with --runs N each run is a fresh process and every figure is the median over the runs.

For each grid resolution 50², 100², 200², 400², with the window at its default size and again with the
3-D view at 640×480:
- repaint_ms: median time of `grabFramebuffer()` with no data change (the view renders the scene
  into its framebuffer and reads it back);
- edit_to_frame_ms: median time from an arrow-key step of the first layer's first weight (`stepBy`,
  what a held Up or Down key or a wheel notch does: valueChanged to the model) through the recompute
  the model's timer would run (`model.flush(details=False)`, the same code) and the 3-D view taking
  the result, to `grabFramebuffer()` returning a frame that shows it. Before each timed edit the
  event loop runs for KEY_REPEAT_MS, as between two repeats of a held key: the app then prepares the
  step it expects next (nnsurface.gui.prepared), and the step takes that result;
- prepared_taken: the share of the timed edits that took a prepared result (the others computed
  theirs: the first step after each grid change, and any step that turned a prepared one stale);
- typed: the same figures for values typed into the spinbox (`setValue`, in an order no step
  foresees): every one is computed when it comes, as any edit was before the preparing;
- details_ms: then the rest of the window taking the same result (`model.flush()`: plots, measures,
  the editor's tints and the sensitivity they need), which the app does in the turn after the frame;
  edit_to_frame + details is the whole work of an edit (without the widgets' repaints);
- ratio = edit_to_frame / repaint;
- before_frame_ms: the part of edit_to_frame spent before the frame is asked for (setValue and the
  recompute, the view taking the result): what the edit adds to a repaint, since the frame that
  follows it costs a bare repaint's time (ratio ≈ 1 + before_frame / repaint);
- by_edited_layer_200: edit_to_frame and ratio at 200² when the stepped weight is in layer 1 (as
  everywhere else here: the edit changes every exact cut and loop piece), 2, ...;
- the top-level figures are for the surface drawn from the exact regions, what the app draws for
  relu/hardtanh networks by default (the headline); `grid_source` has the same with the grid drawn
  instead, and `view_640x480.tanh` for the default network made tanh (the grid drawn, measures by
  quadrature);
- edit_to_screen_ms / update_to_screen_ms: the same two through the real event loop, until the
  GL window's frame is swapped (frameSwapped); edit_to_all_ms: until every view has taken the edit
  and the event loop has nothing left to do (the widgets repainted);
- held_key: the Up key held for 2 s, auto-repeated every 40 ms; after about 0.6 s Qt steps the
  spinbox itself, accelerating to a step every 10 ms, faster than frames: those steps are coalesced
  and their results computed, not prepared. Steps, recomputes, how many took a prepared result, and
  whether the final frame shows the final weights;
- burst: 200 Up-arrow presses on the spinbox 5 ms apart, posted from another thread as the window
  system delivers a held key, whatever the event loop is doing; recomputes done, frames shown, times
  the rest of the window was brought up to date (`details`), the worst and median latency from a
  press's due time to the first swapped frame that shows it (or a later state), the longest the panels
  lagged behind the latest edit, and whether the final frame shows the final weights (the revision
  painted, and the heights on the GPU equal the core's for the spinbox's final value) and the panels
  the final result.

Process tuning (nnsurface.runtime_tuning: one BLAS thread, malloc thresholds) is applied as the app
applies it; --untuned leaves it out for comparison. The machine's load average is printed too, since
the figures move with it on a shared machine.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
UNTUNED = "--untuned" in sys.argv[1:]
if not UNTUNED:
    from nnsurface import runtime_tuning

    runtime_tuning.apply()

import numpy as np  # noqa: E402

SCREEN = "-screen 0 1600x1000x24"
SIZES = (50, 100, 200, 400)
EDITS = 15  # timed edits (and repaints) per resolution
KEY_REPEAT_MS = 40  # between two timed edits: a held key repeats 25 times a second (X's default)
HELD_KEY_S = 2.0
BURST_EDITS = 200
BURST_INTERVAL_S = 0.005
VIEW_640 = (640, 480)


def main() -> int:
    args = sys.argv[1:]
    if "DISPLAY" not in os.environ and "WAYLAND_DISPLAY" not in os.environ:
        xvfb = shutil.which("xvfb-run")
        if xvfb is None:
            print("bench_gui: no DISPLAY and no xvfb-run", file=sys.stderr)
            return 2
        return subprocess.call([xvfb, "-a", "-s", SCREEN, sys.executable, __file__, *args])
    runs = int(args[args.index("--runs") + 1]) if "--runs" in args else 1
    if runs > 1:
        child = [a for i, a in enumerate(args) if a != "--runs" and (i == 0 or args[i - 1] != "--runs")]
        outputs = []
        for _ in range(runs):
            out = subprocess.run(
                [sys.executable, __file__, *child], check=True, capture_output=True, text=True
            ).stdout
            outputs.append(json.loads(out))
        result = _median_of(outputs)
        result["runs"] = runs
    else:
        result = _one_run(quick="--quick" in args)
    result["load_average_after"] = list(os.getloadavg())
    print(json.dumps(result, indent=1))
    return 0


def _one_run(quick: bool) -> dict:
    from nnsurface.gui.app import application, close_window, settle
    from nnsurface.gui.main_window import MainWindow

    app = application()
    sizes = SIZES[:2] if quick else SIZES
    window = MainWindow()
    window.show()
    settle(300)
    out: dict = {"load_average_before": list(os.getloadavg()), "tuned": not UNTUNED}
    try:
        bench = _Bench(app, window)
        view = bench.view_size()
        out["view"] = list(view)
        out.update(bench.sizes(sizes, "exact"))
        out["typed"] = bench.sizes(sizes, "exact", typed=True)
        out["by_edited_layer_200"] = bench.by_layer(200, "exact")
        out["grid_source"] = bench.sizes(sizes, "grid")
        out.update(bench.screen(sizes, "exact"))
        out["grid_source"].update(bench.screen(sizes, "grid"))
        out["burst"] = {str(n): bench.burst(n, "exact") for n in sizes}
        out["grid_source"]["burst"] = {str(n): bench.burst(n, "grid") for n in sizes}
        out["held_key"] = {str(n): bench.held_key(n, "exact") for n in sizes}
        bench.resize_view(*VIEW_640)
        out["view_640x480"] = {"view": list(bench.view_size()), **bench.sizes(sizes, "exact")}
        out["view_640x480"]["typed"] = bench.sizes(sizes, "exact", typed=True)
        out["view_640x480"]["grid_source"] = bench.sizes(sizes, "grid")
        window.model.set_activation("tanh")
        out["view_640x480"]["tanh"] = bench.sizes(sizes, "exact")
    finally:
        close_window(window)
    return out


class _Bench:
    def __init__(self, app, window):
        from PySide6.QtCore import QEventLoop

        self.app = app
        self.window = window
        self.model = window.model
        self.view = window.surface_view
        self.gl = self.view.gl
        self.spin = window.weight_editor.spinbox("w-L1-0-0")
        self.base = self.spin.value()
        self.direction = 1  # the held arrow key: Up (1) or Down (−1)
        self.typed = 0
        self.wait_flag = QEventLoop.ProcessEventsFlag.WaitForMoreEvents
        self.swaps: list[tuple[float, int | None]] = []
        self.gl.frameSwapped.connect(
            lambda: self.swaps.append((time.perf_counter(), self.gl.painted_revision))
        )
        self.announced: list[int] = []  # revisions announced by resultChanged (the whole window)
        self.model.resultChanged.connect(lambda result: self.announced.append(result.revision))

    # --- setup ---------------------------------------------------------------------------------
    def view_size(self) -> tuple[int, int]:
        return self.gl.width(), self.gl.height()

    def resize_view(self, width: int, height: int) -> None:
        """Resize the window until the 3-D view has the given size (docks take the rest)."""
        for _ in range(4):
            w, h = self.view_size()
            if (w, h) == (width, height):
                return
            size = self.window.size()
            self.window.resize(size.width() + width - w, size.height() + height - h)
            self._settle()

    def prepare(self, resolution: int, source: str) -> None:
        self.view.set_surface_source(source)
        self.model.set_view(self.model.session().view.extent, resolution)
        self.model.flush()
        self._settle()
        self.gl.grabFramebuffer()  # first frame of this grid size: buffers allocated

    def _settle(self) -> None:
        from nnsurface.gui.app import settle

        settle(100)

    def _step(self, spin=None, start: float | None = None) -> None:
        """One Up or Down arrow-key step of `spin` (the first layer's first weight), as a held key
        makes them: the same way each time, turning back 30 steps from where it started."""
        spin, start = (self.spin, self.base) if spin is None else (spin, start)
        if abs(spin.value() - start) >= 30 * spin.singleStep() - 1e-9:
            self.direction = 1 if spin.value() < start else -1
        spin.stepBy(self.direction)

    def _type(self) -> None:
        """A value typed into the spinbox: within ±0.3 of where it started, in an order the app
        cannot foresee (setValue, as the spinbox sets what is typed)."""
        self.typed += 1
        value = round(self.base + 0.01 * ((self.typed * 37) % 61 - 30), 2)
        if value == self.spin.value():
            self._type()
            return
        self.spin.setValue(value)

    def _between_edits(self) -> None:
        """The event loop runs as it does between two repeats of a held key (what a step's
        following step can be prepared in, see nnsurface.gui.prepared)."""
        from nnsurface.gui.app import settle

        settle(KEY_REPEAT_MS)

    # --- measurements --------------------------------------------------------------------------
    def sizes(self, sizes, source: str, typed: bool = False) -> dict:
        """The figures at each grid size for arrow-key steps (typed: for typed values instead)."""
        edit_once = self._type if typed else self._step
        edit, before, details, repaint, taken = {}, {}, {}, {}, {}
        for n in sizes:
            self.prepare(n, source)
            edits, befores, rests, repaints = [], [], [], []
            taken_before = self.model.prepared_results_taken()
            for _ in range(EDITS):
                self._between_edits()
                t = time.perf_counter()
                self.gl.grabFramebuffer()
                repaints.append(time.perf_counter() - t)
                t = time.perf_counter()
                edit_once()
                result = self.model.flush(details=False)
                befores.append(time.perf_counter() - t)
                self.gl.grabFramebuffer()
                edits.append(time.perf_counter() - t)
                if self.gl.painted_revision != result.revision:
                    raise RuntimeError("the grabbed frame does not show the edit")
                t = time.perf_counter()
                self.model.flush()
                rests.append(time.perf_counter() - t)
            edit[str(n)], before[str(n)] = _ms(edits), _ms(befores)
            details[str(n)], repaint[str(n)] = _ms(rests), _ms(repaints)
            taken[str(n)] = round((self.model.prepared_results_taken() - taken_before) / EDITS, 2)
        ratio = {k: round(edit[k] / repaint[k], 2) for k in edit}
        return {
            "edit_to_frame_ms": edit,
            "before_frame_ms": before,
            "details_ms": details,
            "repaint_ms": repaint,
            "ratio": ratio,
            "prepared_taken": taken,
        }

    def by_layer(self, resolution: int, source: str) -> dict:
        """edit_to_frame and ratio when the edited weight is in each layer. An edit in layer 1 (the
        headline figures) changes every cut of the exact regions and every piece of the loop; an
        edit further up leaves the layers below it as they were."""
        from nnsurface.gui.weight_editor import weight_name

        self.prepare(resolution, source)
        out = {}
        for layer in range(1, len(self.model.session().network.weights) + 1):
            spin = self.window.weight_editor.spinbox(weight_name(layer, 0, 0))
            start = spin.value()
            edits, repaints = [], []
            for _ in range(EDITS):
                self._between_edits()
                t = time.perf_counter()
                self.gl.grabFramebuffer()
                repaints.append(time.perf_counter() - t)
                t = time.perf_counter()
                self._step(spin, start)
                self.model.flush(details=False)
                self.gl.grabFramebuffer()
                edits.append(time.perf_counter() - t)
                self.model.flush()
            spin.setValue(start)
            self.model.flush()
            out[str(layer)] = {"edit_to_frame_ms": _ms(edits), "ratio": round(_ms(edits) / _ms(repaints), 2)}
        return out

    def _until_swapped(self, revision: int | None) -> float:
        """Run the event loop until a frame showing `revision` (None: any frame) is swapped; its time."""
        while True:
            for t, painted in self.swaps:
                if revision is None or (painted is not None and painted >= revision):
                    return t
            self.app.processEvents(self.wait_flag)

    def screen(self, sizes, source: str) -> dict:
        """Through the event loop: the spinbox's edit is recomputed by the model's own timer."""
        edit, everything, update = {}, {}, {}
        announced = self.announced
        for n in sizes:
            self.prepare(n, source)
            edits, alls, updates = [], [], []
            for _ in range(EDITS):
                self.swaps.clear()
                t = time.perf_counter()
                self.gl.update()
                updates.append(self._until_swapped(None) - t)
                self._settle()
                self.swaps.clear()
                announced.clear()
                t = time.perf_counter()
                self._step()
                while self.model.is_pending():
                    self.app.processEvents(self.wait_flag)
                revision = self.model.result().revision
                edits.append(self._until_swapped(revision) - t)
                while revision not in announced:
                    self.app.processEvents(self.wait_flag)
                self.app.processEvents()  # whatever the views posted: their repaints
                alls.append(time.perf_counter() - t)
            edit[str(n)], everything[str(n)], update[str(n)] = _ms(edits), _ms(alls), _ms(updates)
        return {"edit_to_screen_ms": edit, "edit_to_all_ms": everything, "update_to_screen_ms": update}

    def held_key(self, resolution: int, source: str) -> dict:
        """The Up key held on the spinbox for HELD_KEY_S: key presses auto-repeated every KEY_REPEAT_MS,
        each a step at first; after about 0.6 s Qt's own accelerated stepping takes over (every 30 ms,
        down to every 10 ms within half a second), which outruns the frames. Steps taken, recomputes,
        how many took a prepared result, and whether the final frame shows the final weights."""
        from PySide6.QtCore import QEvent, Qt
        from PySide6.QtGui import QKeyEvent

        self.prepare(resolution, source)
        entry = self.spin.value()  # put back afterwards: the figures after these are for the same weights
        self.spin.setValue(self.base)
        self.model.flush()
        self._settle()
        first, taken = self.model.result().revision, self.model.prepared_results_taken()
        start = self.spin.value()
        for i in range(round(HELD_KEY_S * 1e3 / KEY_REPEAT_MS)):
            repeat = i > 0
            self.app.postEvent(
                self.spin,
                QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Up, Qt.KeyboardModifier.NoModifier, "", repeat),
            )
            self._between_edits()
        self.app.postEvent(
            self.spin, QKeyEvent(QEvent.Type.KeyRelease, Qt.Key.Key_Up, Qt.KeyboardModifier.NoModifier)
        )
        self._settle()
        final = self.model.flush()
        self._settle()
        out = {
            "steps": round((self.spin.value() - start) / self.spin.singleStep()),
            "recomputes": final.revision - first,
            "prepared_taken": self.model.prepared_results_taken() - taken,
            "final_frame_matches": self._final_frame_matches(final),
        }
        self.spin.setValue(entry)
        self.model.flush()
        return out

    def burst(self, resolution: int, source: str) -> dict:
        """BURST_EDITS Up-arrow key presses on the spinbox, posted from another thread at their due
        times as the window system would deliver a held key or a fast wheel, whatever the event loop
        is busy with."""
        self.prepare(resolution, source)
        self.spin.setValue(self.base)
        self.model.flush()
        self._settle()
        edit_sessions: list = []
        covered: dict[int, int] = {}  # result revision -> number of edits it includes
        results = []

        def on_session(session):
            edit_sessions.append(session)

        def on_result(result):
            results.append(result)
            for i in range(len(edit_sessions) - 1, -1, -1):
                if edit_sessions[i] is result.session:
                    covered[result.revision] = i + 1
                    break

        announced: list[tuple[float, int]] = []  # (time, revision) the rest of the window took

        def on_details(result):
            announced.append((time.perf_counter(), result.revision))

        self.model.sessionChanged.connect(on_session)
        self.model.surfaceChanged.connect(on_result)
        self.model.resultChanged.connect(on_details)
        self.swaps.clear()
        start = time.perf_counter() + 0.05
        due = [start + i * BURST_INTERVAL_S for i in range(BURST_EDITS)]
        thread = threading.Thread(target=_press_keys, args=(self.spin, due), daemon=True)
        thread.start()
        try:
            while len(edit_sessions) < BURST_EDITS or self.model.is_pending():
                self.app.processEvents(self.wait_flag)
            final = self.model.result()
            self._until_swapped(final.revision)
            while not announced or announced[-1][1] != final.revision:
                self.app.processEvents(self.wait_flag)
        finally:
            thread.join()
            self.model.sessionChanged.disconnect(on_session)
            self.model.surfaceChanged.disconnect(on_result)
            self.model.resultChanged.disconnect(on_details)
        latency = _latencies(due, covered, self.swaps)
        panel_latency = _latencies(due, covered, announced)
        return {
            "edits": BURST_EDITS,
            "interval_ms": BURST_INTERVAL_S * 1e3,
            "recomputes": len(results),
            "frames": len(self.swaps),
            "details": len(announced),
            "worst_latency_ms": round(float(np.nanmax(latency)) * 1e3, 1),
            "median_latency_ms": round(float(np.nanmedian(latency)) * 1e3, 1),
            "panels_worst_latency_ms": round(float(np.nanmax(panel_latency)) * 1e3, 1),
            "all_edits_shown": bool(not np.isnan(latency).any()),
            "final_frame_matches": self._final_frame_matches(final),
            "final_panels_match": self._final_panels_match(final),
        }

    def _final_panels_match(self, final) -> bool:
        """The measures panel and the f(t) plot show the final result."""
        from nnsurface.gui.formatting import format_number

        m = final.measures
        label = self.window.measures.values["output_length"].text()
        _, f = self.window.plots.f_curve.getData()
        return label == format_number(m.output_length) and np.array_equal(f, final.trajectory_f)

    def _final_frame_matches(self, final) -> bool:
        """The last frame painted the final result, and the heights on the GPU are the core's for the
        final weights (the spinbox's value)."""
        from nnsurface.core.grid import evaluate_grid
        from nnsurface.gui.result import exact_surface

        session = self.model.session()
        net = session.network
        if final.session is not session or net.weights[0][0, 0] != self.spin.value():
            return False
        if self.gl.painted_revision != final.revision:
            return False
        if self.view.drawn_source() == "exact":
            drawn = self.view.read_back(self.view.regions, "a_z", np.float32, 1)
            expected = exact_surface(net, session.view.extent)[0].mesh.vertices[:, 2]
        else:
            drawn = self.view.read_back(self.view.surface, "a_z", np.float32, 1)
            expected = evaluate_grid(net, session.view.extent, session.view.resolution).z.reshape(-1)
        return bool(np.array_equal(drawn, expected))


def _latencies(
    due: list[float], covered: dict[int, int], shown: list[tuple[float, int | None]]
) -> np.ndarray:
    """For each edit, from its due time to the first of `shown` (time, revision) whose revision includes
    it (NaN if none does)."""
    seen = 0
    latency = np.full(len(due), np.nan)
    for t, revision in shown:
        n_covered = max((c for r, c in covered.items() if revision is not None and r <= revision), default=0)
        for i in range(seen, n_covered):
            latency[i] = t - due[i]
        seen = max(seen, n_covered)
    return latency


def _press_keys(spin, due: list[float]) -> None:
    """Post an Up key press and release to `spin` at each due time (perf_counter seconds)."""
    from PySide6.QtCore import QCoreApplication, QEvent, Qt
    from PySide6.QtGui import QKeyEvent

    for t in due:
        delay = t - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QCoreApplication.postEvent(spin, QKeyEvent(kind, Qt.Key.Key_Up, Qt.KeyboardModifier.NoModifier))


def _ms(seconds: list[float]) -> float:
    return round(float(np.median(seconds)) * 1e3, 2)


def _median_of(outputs: list[dict]):
    """Element-wise median of the runs' JSON (numbers); other values are taken from the first run,
    except booleans, which must hold in every run."""
    first = outputs[0]
    if isinstance(first, dict):
        return {k: _median_of([o[k] for o in outputs]) for k in first}
    if isinstance(first, list):
        return [_median_of(list(column)) for column in zip(*outputs, strict=True)]
    if isinstance(first, bool):
        return all(outputs)
    if isinstance(first, int | float):
        return round(float(np.median(outputs)), 2)
    return first


if __name__ == "__main__":
    sys.exit(main())
