"""The 3-D frame first, the rest of the window a turn later: order, currency and the final state.

An edit's result goes to the 3-D view at once (surfaceChanged) and to the plots, measures and the
editor's tints in the next event-loop turn (resultChanged). These tests check what that must never
break: the panels only ever show the current session's numbers, they fall behind by a bounded time in
a burst, and after any burst every view shows the final state, checked against the core.
"""

import numpy as np
import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent, QPalette
from PySide6.QtWidgets import QApplication, QLabel

from nnsurface.core.grid import evaluate_grid
from nnsurface.core.measures import measure
from nnsurface.core.sensitivity import sensitivity
from nnsurface.gui import model as model_module
from nnsurface.gui.formatting import format_count, format_number
from nnsurface.gui.plots import FIT_MIN_FILL, PADDING, stable_range
from nnsurface.gui.weight_editor import TINT_LEVELS, tint_color, weight_name


def settle(qtbot, model):
    """Run the event loop until the model has announced its latest result everywhere."""
    qtbot.waitUntil(lambda: not model.is_pending() and not model.details_pending(), timeout=20000)


def test_an_edit_draws_its_frame_once_and_before_the_panels_take_it(window, qtbot):
    model, view = window.model, window.surface_view.gl
    settle(qtbot, model)
    qtbot.wait(50)  # the frames of the window being shown are swapped
    swaps, order = [], []
    view.frameSwapped.connect(lambda: swaps.append(view.painted_revision))
    model.surfaceChanged.connect(lambda r: order.append(("surface", r.revision)))
    model.resultChanged.connect(lambda r: order.append(("panels", r.revision, view.painted_revision)))
    model.set_weight(0, 1, 0, 1.5)
    settle(qtbot, model)
    qtbot.wait(50)  # a second frame of the same scene would have been swapped by now
    revision = model.result().revision
    assert order == [("surface", revision), ("panels", revision, revision)]
    assert swaps == [revision]


def test_breakpoints_the_measures_disagree_with_are_redrawn_before_the_panels(window, qtbot, monkeypatch):
    # The frame draws the breakpoints found on the regions' boundaries; if the measures' walk finds
    # others (a grazed boundary: here one is dropped on purpose), the 3-D view and the f(t) plot get
    # the measures' own before the panels show them.
    from nnsurface.gui import result as result_module

    model, view = window.model, window.surface_view
    settle(qtbot, model)
    found = result_module.loop_crossings
    monkeypatch.setattr(result_module, "loop_crossings", lambda part, loop: found(part, loop)[1:])
    order = []
    model.surfaceChanged.connect(lambda r: order.append(("surface", len(r.breakpoint_t))))
    model.resultChanged.connect(lambda r: order.append(("panels", len(r.breakpoint_t))))
    model.set_weight(0, 1, 0, 1.5)
    settle(qtbot, model)
    session = model.session()
    m = measure(session.network, session.trajectory)
    n = len(m.breakpoints)
    assert order == [("surface", n - 1), ("surface", n), ("panels", n)]
    result = model.result()
    np.testing.assert_array_equal(result.breakpoint_t, m.breakpoints)
    np.testing.assert_array_equal(view.breakpoints.pos, result.breakpoint_points)
    bp_t, _ = window.plots.f_breakpoints.getData()
    np.testing.assert_array_equal(bp_t, m.breakpoints)


def test_panels_only_ever_take_the_current_sessions_result(window, qtbot):
    model = window.model
    stale = []

    def check(result):
        if result.session is not model.session():
            stale.append(result.revision)

    model.resultChanged.connect(check)
    spin = window.weight_editor.spinbox(weight_name(1, 0, 1))
    start = spin.value()
    for k in range(1, 31):  # an edit in every other turn, as from a held arrow key
        spin.setValue(start + 0.01 * k)
        if k % 3 == 0:
            model.flush(details=False)  # its frame, while the next edit is already on the way
        QApplication.processEvents()
    settle(qtbot, model)
    assert stale == []
    assert spin.value() == pytest.approx(start + 0.30)  # never set back to an older value


def test_while_edits_keep_coming_the_panels_wait_at_most_the_bound(window, qtbot, monkeypatch):
    model = window.model
    announced = []
    model.resultChanged.connect(announced.append)

    def burst(values):
        for value in values:
            model.set_weight(0, 0, 0, value)
            model.flush(details=False)  # a frame ...
            model.set_weight(0, 0, 0, value + 0.005)  # ... and the next edit before the turn ends
            QApplication.processEvents()

    monkeypatch.setattr(model_module, "DETAILS_MAX_LAG_S", 3600.0)
    burst(np.linspace(0.1, 0.5, 10))
    assert announced == []  # every edit's frame first, the panels later
    settle(qtbot, model)
    assert [r.revision for r in announced] == [model.result().revision]

    announced.clear()
    monkeypatch.setattr(model_module, "DETAILS_MAX_LAG_S", 0.0)
    burst(np.linspace(0.6, 1.0, 10))
    assert len(announced) >= 10  # with no lag allowed, every recompute reaches the panels at once
    settle(qtbot, model)
    assert announced[-1] is model.result()


def test_after_a_burst_every_view_shows_the_final_state(window, qtbot):
    model = window.model
    spin = window.weight_editor.spinbox(weight_name(2, 3, 1))
    spin.setFocus()
    for _ in range(25):
        QApplication.postEvent(spin, _key(QEvent.Type.KeyPress))
        QApplication.postEvent(spin, _key(QEvent.Type.KeyRelease))
        QApplication.processEvents()
    settle(qtbot, model)
    qtbot.wait(50)
    session = model.session()
    net, traj, view = session.network, session.trajectory, session.view
    result = model.result()
    assert result.session is session
    assert window.surface_view.gl.painted_revision == result.revision

    m = measure(net, traj)
    values = window.measures.values
    assert values["output_length"].text() == format_number(m.output_length)
    for i, length in enumerate(m.layer_lengths, start=1):
        assert values[f"layer_lengths-{i}"].text() == format_number(length)
    assert values["regions_grid"].text() == format_count(
        evaluate_grid(net, view.extent, view.resolution).n_regions
    )
    zmin, zmax = result.surface_range  # the legend, written with the panels, is the final one too
    assert window.surface_view.color_bar.shown() == ("height", (zmin, zmax))
    caption = window.surface_view.caption.text()
    assert f"f from {format_number(zmin)} to {format_number(zmax)}" in caption
    assert f"{result.exact.partition.regions_exact} exact linear regions" in caption
    for label in values.values():  # fixed-size labels: no value is cut off
        assert label.width() >= label.fontMetrics().horizontalAdvance(label.text())

    t, f = window.plots.f_curve.getData()
    assert np.allclose(f, net(traj.points(t)), rtol=1e-12, atol=1e-12)
    bp_t, _ = window.plots.f_breakpoints.getData()
    assert np.allclose(bp_t, m.breakpoints)
    lo, hi = window.plots.f_plot.getPlotItem().getViewBox().viewRange()[1]
    assert lo <= f.min() and f.max() <= hi

    sens = sensitivity(net, traj)
    grad = np.abs(sens.d_output_length)
    levels = sens.split_by_layer(np.rint(grad / grad.max() * (TINT_LEVELS - 1)).astype(int))
    for layer, (w_levels, _) in enumerate(levels, start=1):
        for (r, c), level in np.ndenumerate(w_levels):
            shown = window.weight_editor.spinbox(weight_name(layer, r, c))
            assert shown.palette().color(QPalette.ColorRole.Base) == tint_color(int(level))
            assert shown.value() == round(net.weights[layer - 1][r, c], 3)


def _key(kind: QEvent.Type) -> QKeyEvent:
    return QKeyEvent(kind, Qt.Key.Key_Up, Qt.KeyboardModifier.NoModifier)


def test_a_plot_range_holds_while_the_data_fits_and_fills_it():
    first = stable_range(0.0, 10.0, None)
    assert first == pytest.approx((-10 * PADDING, 10 + 10 * PADDING))
    assert stable_range(1.0, 9.5, first) == first  # inside, fills most of it: kept
    assert stable_range(-1.0, 9.0, first) != first  # leaves it below: refitted
    low = first[0] + 1.0
    shrunk = stable_range(low, low + 0.4 * FIT_MIN_FILL * (first[1] - first[0]), first)
    assert shrunk != first and shrunk[0] < low  # a sliver of it: refitted around the data
    flat = stable_range(3.0, 3.0, None)
    assert flat[0] < 3.0 < flat[1]


@pytest.mark.parametrize("color_mode", ["height", "region"])
def test_the_grids_regions_are_labelled_for_the_frame_only_when_it_colours_by_them(
    window, qtbot, monkeypatch, color_mode
):
    # Drawn from the grid and coloured by height, a frame needs only the heights: the grid's regions
    # are labelled for the panels ("regions on grid"), after it. Coloured by region, before it.
    from nnsurface.core import grid as grid_module

    model = window.model
    window.surface_view.set_surface_source("grid")
    model.set_color_mode(color_mode)
    settle(qtbot, model)
    labelled = []
    label = grid_module._region_labels
    monkeypatch.setattr(grid_module, "_region_labels", lambda *a: labelled.append(1) or label(*a))
    model.set_weight(0, 1, 0, 1.5)
    model.flush(details=False)
    window.surface_view.gl.grabFramebuffer()
    assert len(labelled) == (color_mode == "region")
    model.flush()
    assert len(labelled) == 1
    session = model.session()
    grid = evaluate_grid(session.network, session.view.extent, session.view.resolution)
    found = window.findChild(QLabel, "m-regions_grid")
    assert found.text() == format_count(grid.n_regions)
    np.testing.assert_array_equal(model.result().grid.labels, grid.labels)
