"""Edits prepared ahead while a spinbox is stepped (nnsurface.gui.prepared): the result an arrow-key
step takes from the preparing must be, number for number, what computing it then would give, on the
GPU and in the panels; and a result prepared for a state the session has left must never be used."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from nnsurface.core.grid import evaluate_grid, surface_normals
from nnsurface.core.measures import measure
from nnsurface.gui.formatting import format_number
from nnsurface.gui.prepared import PreparedEdits, parameter_value, with_parameter
from nnsurface.gui.result import build_result
from nnsurface.gui.weight_editor import ValueSpinBox, bias_name, weight_name


def press(window, qtbot, spin, key=Qt.Key.Key_Up):
    """One arrow-key press on `spin`, then the event loop idles as between two repeats of a held key."""
    with qtbot.waitSignal(window.model.resultChanged, timeout=20000):
        QTest.keyClick(spin, key)
    qtbot.wait(60)


def assert_shows_fresh_result(window):
    """The model's result, the 3-D view's GPU heights and the measures panel are what computing the
    current session from nothing gives."""
    model = window.model
    result, session = model.result(), model.session()
    fresh = build_result(session, model.color_mode(), 0)
    assert result.session is session
    np.testing.assert_array_equal(result.exact.mesh.vertices, fresh.exact.mesh.vertices)
    np.testing.assert_array_equal(result.exact.creases, fresh.exact.creases)
    assert result.surface_range == fresh.surface_range
    np.testing.assert_array_equal(result.trajectory_points, fresh.trajectory_points)
    np.testing.assert_array_equal(result.breakpoint_t, fresh.breakpoint_t)
    view = window.surface_view
    assert view.gl.painted_revision == result.revision
    drawn = view.read_back(view.regions, "a_z", np.float32, 1)
    np.testing.assert_array_equal(drawn, fresh.exact.mesh.vertices[:, 2].astype(np.float32))
    expected = format_number(measure(session.network, session.trajectory).output_length)
    assert window.measures.values["output_length"].text() == expected


@pytest.fixture
def spin(window, qtbot):
    window.model.set_view(5.0, 60)
    window.model.flush()
    qtbot.wait(60)
    box = window.weight_editor.spinbox(weight_name(1, 0, 0))
    box.setFocus()
    return box


def test_a_held_key_takes_each_following_step_from_the_preparing(window, qtbot, spin):
    model = window.model
    start = spin.value()
    press(window, qtbot, spin)  # nothing prepared for the first step
    taken = model.prepared_results_taken()
    for _ in range(3):
        press(window, qtbot, spin)
    assert model.prepared_results_taken() == taken + 3
    assert spin.value() == pytest.approx(start + 0.04)
    assert model.session().network.weights[0][0, 0] == spin.value()
    assert_shows_fresh_result(window)


def test_a_step_back_takes_the_kept_result_of_the_state_it_returns_to(window, qtbot, spin):
    model = window.model
    press(window, qtbot, spin)
    press(window, qtbot, spin)
    before_back = model.session().network.weights[0][0, 0]
    taken = model.prepared_results_taken()
    press(window, qtbot, spin, Qt.Key.Key_Down)
    assert model.prepared_results_taken() == taken + 1
    assert model.session().network.weights[0][0, 0] == round(before_back - 0.01, 3)
    assert_shows_fresh_result(window)


def turn_wheel(window, qtbot, spin, notches=1):
    """The mouse wheel turned by `notches` over `spin`, then the event loop idles as between notches."""
    centre = QPointF(spin.rect().center())
    event = QWheelEvent(
        centre,
        QPointF(spin.mapToGlobal(centre.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    with qtbot.waitSignal(window.model.resultChanged, timeout=20000):
        QApplication.sendEvent(spin, event)
    qtbot.wait(60)


def test_a_turning_wheel_takes_each_following_notch_from_the_preparing(window, qtbot, spin):
    model = window.model
    start = spin.value()
    turn_wheel(window, qtbot, spin, -1)
    taken = model.prepared_results_taken()
    turn_wheel(window, qtbot, spin, -1)
    turn_wheel(window, qtbot, spin, -1)
    assert model.prepared_results_taken() == taken + 2
    assert spin.value() == round(start - 0.03, 3)
    assert model.session().network.weights[0][0, 0] == spin.value()
    assert_shows_fresh_result(window)


def test_a_stepped_tanh_surface_takes_prepared_grids_with_the_cores_heights_and_normals(window, qtbot, spin):
    model = window.model
    with qtbot.waitSignal(model.resultChanged, timeout=20000):
        model.set_activation("tanh")  # no knots: the grid is the surface
    qtbot.wait(60)
    press(window, qtbot, spin)
    taken = model.prepared_results_taken()
    press(window, qtbot, spin)
    press(window, qtbot, spin, Qt.Key.Key_Down)
    press(window, qtbot, spin, Qt.Key.Key_Down)
    assert model.prepared_results_taken() == taken + 3
    session = model.session()
    assert session.network.weights[0][0, 0] == spin.value()
    grid = evaluate_grid(session.network, session.view.extent, session.view.resolution)
    view = window.surface_view
    assert view.drawn_source() == "grid"
    assert view.gl.painted_revision == model.result().revision
    np.testing.assert_array_equal(view.read_back(view.surface, "a_z", np.float32, 1), grid.z.reshape(-1))
    normals = view.read_back(view.surface, "a_normal", np.float32, 3)
    np.testing.assert_allclose(normals, surface_normals(grid.x, grid.y, grid.z).reshape(-1, 3), atol=1e-5)


def test_biases_are_prepared_too(window, qtbot):
    box = window.weight_editor.spinbox(bias_name(1, 1))
    box.setFocus()
    press(window, qtbot, box)
    taken = window.model.prepared_results_taken()
    press(window, qtbot, box)
    assert window.model.prepared_results_taken() == taken + 1
    assert window.model.session().network.biases[0][1] == box.value()
    assert_shows_fresh_result(window)


def test_a_prepared_result_is_dropped_when_the_loop_moved_before_the_step(window, qtbot, spin):
    model = window.model
    press(window, qtbot, spin)  # the next step is prepared now
    with qtbot.waitSignal(model.resultChanged, timeout=20000):
        model.set_trajectory((0.5, -0.25), 1.5)
    taken = model.prepared_results_taken()
    press(window, qtbot, spin)
    assert model.prepared_results_taken() == taken
    np.testing.assert_array_equal(model.result().session.trajectory.center, [0.5, -0.25])
    assert_shows_fresh_result(window)


def test_nothing_is_prepared_from_a_state_left_before_the_event_loop_idled(window, qtbot, spin):
    model = window.model
    with qtbot.waitSignal(model.resultChanged, timeout=20000):
        QTest.keyClick(spin, Qt.Key.Key_Up)  # expects the next step, to be prepared when idle...
        model.set_trajectory((0.5, -0.25), 1.5)  # ...but the loop moves first, in the same turn
    qtbot.wait(60)
    taken = model.prepared_results_taken()
    press(window, qtbot, spin)
    assert model.prepared_results_taken() == taken
    np.testing.assert_array_equal(model.session().trajectory.center, [0.5, -0.25])
    assert_shows_fresh_result(window)


def test_a_prepared_result_is_not_taken_in_another_colour_mode(window, qtbot, spin):
    model = window.model
    press(window, qtbot, spin)
    with qtbot.waitSignal(model.resultChanged, timeout=20000):
        model.set_color_mode("region")
    taken = model.prepared_results_taken()
    press(window, qtbot, spin)
    assert model.prepared_results_taken() == taken
    assert model.result().color_mode == "region"
    assert_shows_fresh_result(window)


def test_a_typed_value_prepares_nothing_and_is_computed(window, qtbot, spin):
    model = window.model
    press(window, qtbot, spin)  # prepares start + 0.02
    taken = model.prepared_results_taken()
    with qtbot.waitSignal(model.resultChanged, timeout=20000):
        spin.setValue(spin.value() + 0.5)  # what typing does: no step
    qtbot.wait(60)
    press(window, qtbot, spin)  # a step from the typed value: nothing was prepared for it
    assert model.prepared_results_taken() == taken
    assert_shows_fresh_result(window)


def test_undo_after_prepared_steps_restores_the_weight_and_its_surface(window, qtbot, spin):
    model = window.model
    start = model.session().network.weights[0][0, 0]
    for _ in range(3):
        press(window, qtbot, spin)
    spin.clearFocus()  # ends the run of steps: one undo step
    with qtbot.waitSignal(model.resultChanged, timeout=20000):
        model.undo_stack.undo()
    assert model.session().network.weights[0][0, 0] == start
    qtbot.waitUntil(lambda: spin.value() == round(start, 3), timeout=5000)
    assert_shows_fresh_result(window)


@pytest.mark.parametrize("steps", [1, -1, 10, -10, 3])
def test_the_spinbox_foresees_its_next_step_exactly(qtbot, steps):
    box = ValueSpinBox("w")
    qtbot.addWidget(box)
    rng = np.random.default_rng(7)
    starts = np.concatenate(
        [rng.uniform(-10, 10, 300), np.round(rng.uniform(-10, 10, 300), 3), [9.995, -9.995]]
    )
    for start in starts:
        box.setValue(float(start))
        foreseen = box.value_after(steps)
        box.stepBy(steps)
        assert box.value() == foreseen, (start, steps)


def test_a_step_tells_the_value_of_the_same_step_after_it(qtbot):
    box = ValueSpinBox("w")
    qtbot.addWidget(box)
    box.setValue(0.5)
    with qtbot.waitSignal(box.stepped, timeout=1000) as told:
        box.stepBy(-1)
    assert told.args == [0.48]
    box.setValue(9.995)
    with qtbot.assertNotEmitted(box.stepped):  # the step reaches the end: there is no next one
        box.stepBy(1)


def test_prepared_edits_are_kept_for_one_base_session_and_exact_values_only():
    from nnsurface.core.session import Session

    base, other = Session(), Session()
    prepared = PreparedEdits()
    key = ("weight", 0, 0, 1)
    result = object()
    prepared.put(base, key, 0.25, result)
    assert prepared.get(base, key, 0.25) is result
    assert prepared.get(base, key, 0.25 + 1e-16) is None
    assert prepared.get(other, key, 0.25) is None  # an equal session, but not the same one
    prepared.put(base, key, 0.0, result)
    assert prepared.get(base, key, -0.0) is None  # −0.0 is a value of its own
    prepared.put(other, key, 0.25, result)
    assert prepared.get(base, key, 0.25) is None  # a new base drops the old one's


def test_parameters_are_read_and_set_by_key():
    from nnsurface.core.session import Session

    net = Session().network
    changed = with_parameter(net, ("weight", 1, 2, 0), 0.75)
    assert parameter_value(changed, ("weight", 1, 2, 0)) == 0.75
    assert changed.weights[0] is net.weights[0]
    biased = with_parameter(net, ("bias", 0, 1), -2.0)
    assert parameter_value(biased, ("bias", 0, 1)) == -2.0
    with pytest.raises(ValueError):
        with_parameter(net, ("bias", 0, 1), float("inf"))
