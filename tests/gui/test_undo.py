"""Undo and redo: every kind of change is one step that undoes exactly; a run of arrow keys, wheel
notches or keystrokes on one spinbox is one step; Ctrl+Z in a spinbox undoes the session."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QDoubleSpinBox

from nnsurface.core.network import original_random
from nnsurface.core.session import Session, ViewSettings
from nnsurface.core.trajectory import Trajectory
from nnsurface.gui.model import UNDO_LIMIT, Document, SessionModel
from nnsurface.gui.weight_editor import bias_name, weight_name


@pytest.fixture
def model(qtbot):
    m = SessionModel()
    m.flush()
    return m


def _other_session() -> Session:
    net = original_random((3, 2), seed=5, activation="tanh")
    return Session(net, Trajectory.circle((1.0, -1.0), 2.5), ViewSettings(3.0, 30))


EDITS = {
    "weight": lambda m: m.set_weight(1, 2, 3, -4.5),
    "bias": lambda m: m.set_bias(0, 1, 0.75),
    "architecture": lambda m: m.set_widths((3, 5, 2)),
    "trajectory": lambda m: m.set_trajectory((0.5, 1.5), 2.0),
    "view": lambda m: m.set_view(7.5, 80),
    "activation": lambda m: m.set_activation("hardtanh"),
    "randomize": lambda m: m.randomize("paper", 1.5, 42),
    "reset": lambda m: m.reset(),
    "open": lambda m: m.open_document(_other_session(), Document.for_file("/tmp/o.json", Session()), "Open"),
}


@pytest.mark.parametrize("kind", list(EDITS))
def test_every_kind_of_change_is_undone_and_redone_exactly(qtbot, kind):
    model = SessionModel(_other_session() if kind == "reset" else None)
    before = model.session()
    before_doc = model.document()
    EDITS[kind](model)
    after = model.session()
    assert not after.equals(before)
    assert model.undo_stack.count() == 1
    model.undo_stack.undo()
    assert model.session().equals(before)
    assert model.document() is before_doc
    assert not model.is_modified()
    model.undo_stack.redo()
    assert model.session().equals(after)
    assert model.undo_stack.count() == 1
    assert model.flush().session is model.session()


def test_a_run_of_edits_of_one_value_is_one_step_until_it_ends(model):
    start = model.session().network.weights[0][1, 1]
    for k in range(1, 6):
        model.set_weight(0, 1, 1, start + 0.01 * k)
    assert model.undo_stack.count() == 1
    model.end_edit_run()
    model.set_weight(0, 1, 1, 2.0)
    assert model.undo_stack.count() == 2
    model.set_bias(0, 0, 1.0)  # another value: a step of its own
    assert model.undo_stack.count() == 3
    model.undo_stack.undo()
    model.undo_stack.undo()
    assert model.session().network.weights[0][1, 1] == start + 0.05
    model.undo_stack.undo()
    assert model.session().network.weights[0][1, 1] == start


def test_a_run_that_returns_to_its_start_leaves_no_step(model):
    model.set_bias(1, 0, 0.5)
    model.end_edit_run()
    start = model.session().network.weights[2][0, 0]
    model.set_weight(2, 0, 0, start + 1)
    model.set_weight(2, 0, 0, start)
    assert model.undo_stack.count() == 1 and model.undo_stack.index() == 1
    model.set_weight(2, 0, 0, start + 2)  # continues as a new step, not merged into the bias step
    assert model.undo_stack.count() == 2
    model.undo_stack.undo()
    assert model.session().network.biases[1][0] == 0.5


def test_undo_ends_a_run(model):
    model.set_weight(0, 0, 0, 1.0)
    model.set_weight(0, 0, 0, 1.5)
    model.undo_stack.undo()
    model.set_weight(0, 0, 0, 2.0)
    model.set_weight(0, 0, 0, 2.5)
    assert model.undo_stack.count() == 1
    model.undo_stack.undo()
    assert model.session().equals(Session())


def test_the_history_is_bounded(model):
    for k in range(UNDO_LIMIT + 50):
        model.set_weight(1, k % 4, (k // 4) % 4, float(k % 7) + 0.5 * (k % 3))
        model.end_edit_run()
    assert model.undo_stack.count() == UNDO_LIMIT


def test_modified_follows_the_document_not_the_step_count(model):
    changes = []
    model.modifiedChanged.connect(changes.append)
    model.set_weight(0, 0, 0, 3.0)
    assert model.is_modified()
    model.mark_saved("/tmp/saved.json")
    assert not model.is_modified() and model.document().path == "/tmp/saved.json"
    model.set_weight(0, 0, 0, 4.0)
    model.set_weight(0, 0, 0, 3.0)  # back to what the file holds
    assert not model.is_modified()
    model.undo_stack.undo()  # before the save: differs from the file
    assert model.is_modified()
    assert changes == [True, False, True, False, True]


# --- through the widgets ----------------------------------------------------------------------------


def _spin(window, name) -> QDoubleSpinBox:
    found = window.findChild(QDoubleSpinBox, name)
    assert found is not None, name
    return found


def _wheel(widget, notches: int) -> None:
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(
        centre,
        widget.mapToGlobal(centre),
        QPoint(),
        QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def test_arrow_keys_on_one_spinbox_are_one_step(window, qtbot):
    model = window.model
    start = model.session().network.weights[1][2, 1]
    spin = _spin(window, weight_name(2, 2, 1))
    spin.setFocus()
    for _ in range(12):
        qtbot.keyClick(spin, Qt.Key.Key_Up)
    qtbot.keyClick(spin, Qt.Key.Key_Down)
    assert model.session().network.weights[1][2, 1] == pytest.approx(round(start, 3) + 0.11)
    assert model.undo_stack.count() == 1
    window.undo_action.trigger()
    assert model.session().network.weights[1][2, 1] == start
    model.flush()
    assert spin.value() == round(start, 3)
    window.redo_action.trigger()
    assert model.session().network.weights[1][2, 1] == pytest.approx(round(start, 3) + 0.11)


def test_wheel_notches_on_one_spinbox_are_one_step_and_another_spinbox_starts_a_new_one(window, qtbot):
    model = window.model
    bias = _spin(window, bias_name(1, 2))
    bias.setFocus()
    for _ in range(5):
        _wheel(bias, 1)
    assert model.session().network.biases[0][2] == pytest.approx(0.05)
    assert model.undo_stack.count() == 1
    other = _spin(window, bias_name(2, 0))
    other.setFocus()  # the first spinbox finishes editing
    _wheel(other, -2)
    _wheel(other, -1)
    assert model.undo_stack.count() == 2
    bias.setFocus()
    _wheel(bias, 1)  # the same spinbox again, later: a new step
    assert model.undo_stack.count() == 3
    window.undo_action.trigger()
    window.undo_action.trigger()
    assert model.session().network.biases[1][0] == 0.0
    assert model.session().network.biases[0][2] == pytest.approx(0.05)


def test_typing_a_number_is_one_step(window, qtbot):
    model = window.model
    spin = _spin(window, weight_name(1, 0, 3))
    start = model.session().network.weights[0][0, 3]
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(spin, "-2.375")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert model.session().network.weights[0][0, 3] == -2.375
    assert model.undo_stack.count() == 1
    window.undo_action.trigger()
    assert model.session().network.weights[0][0, 3] == start


def test_ctrl_z_in_a_spinbox_undoes_the_session(window, qtbot):
    model = window.model
    window.activateWindow()  # shortcuts reach the active window only
    qtbot.waitUntil(window.isActiveWindow)
    spin = _spin(window, weight_name(3, 1, 0))
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key.Key_Up)
    qtbot.keyClick(spin, Qt.Key.Key_Up)
    assert model.session().network.weights[2][1, 0] == pytest.approx(1.02)
    qtbot.keyClick(spin, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert model.session().network.weights[2][1, 0] == 1.0
    assert model.undo_stack.index() == 0
    ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(spin, Qt.Key.Key_Z, ctrl_shift)
    assert model.session().network.weights[2][1, 0] == pytest.approx(1.02)


def test_controls_steps_merge_per_spinbox(window, qtbot):
    model = window.model
    radius = window.controls.radius
    radius.setFocus()
    for _ in range(4):
        qtbot.keyClick(radius, Qt.Key.Key_Down)
    assert model.session().trajectory.radius == pytest.approx(3.6)
    window.controls.center_x.setFocus()
    qtbot.keyClick(window.controls.center_x, Qt.Key.Key_Up)
    assert model.undo_stack.count() == 2
    window.undo_action.trigger()
    window.undo_action.trigger()
    assert model.session().trajectory.radius == 4.0
    assert np.array_equal(model.session().trajectory.center, [0.0, 0.0])


def test_edit_menu_texts_name_the_step(window):
    window.model.set_weight(0, 1, 2, 0.5)
    assert window.undo_action.text() == "&Undo Change W₁[2, 3]"
    window.undo_action.trigger()
    assert window.redo_action.text() == "&Redo Change W₁[2, 3]"


def test_long_runs_keep_no_dead_steps_alive(model):
    """Steps extended, or dropped because a run came back, leave no Python objects behind."""
    import gc

    from nnsurface.gui.undo import SessionCommand

    def alive() -> int:
        gc.collect()
        return sum(isinstance(o, SessionCommand) for o in gc.get_objects())

    start = alive()
    for k in range(300):
        model.set_weight(1, 1, 1, 0.01 * k)  # one long run: one step
    start_bias = model.session().network.biases[0][0]
    for _ in range(100):
        model.end_edit_run()
        model.set_bias(0, 0, 5.0)
        model.set_bias(0, 0, start_bias)  # a run that comes back: no step
    assert model.undo_stack.count() == 1
    assert alive() - start == 1
