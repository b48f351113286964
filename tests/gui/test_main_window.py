"""The main window driven as a user drives it (keyboard, wheel, buttons), checked against the core."""

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QDoubleSpinBox, QLabel, QPushButton, QSpinBox

from nnsurface.core.grid import evaluate_grid
from nnsurface.core.measures import measure
from nnsurface.core.network import original_random
from nnsurface.core.partition import partition
from nnsurface.gui.formatting import format_count, format_number
from nnsurface.gui.result import LIFT_FRACTION, TRAJECTORY_SAMPLES
from nnsurface.gui.weight_editor import bias_name, weight_name


def spinbox(window, name):
    found = window.findChild(QDoubleSpinBox, name)
    assert found is not None, name
    return found


def type_into(qtbot, window, name, text):
    """Focus a spinbox, select its text and type, as a person would; wait for the recompute."""
    spin = spinbox(window, name)
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    with qtbot.waitSignal(window.model.resultChanged, timeout=20000):
        qtbot.keyClicks(spin, text)
    return spin


def frame(window):
    image = window.surface_view.gl.grabFramebuffer()
    return np.array(image.constBits(), dtype=np.uint8).reshape(image.height(), image.bytesPerLine())


def test_typing_a_weight_updates_model_surface_trajectory_and_measures(window, qtbot):
    type_into(qtbot, window, weight_name(1, 1, 2), "-1.25")
    session = window.model.session()
    net, traj, view = session.network, session.trajectory, session.view
    assert net.weights[0][1, 2] == -1.25

    grid = evaluate_grid(net, view.extent, view.resolution)
    assert np.array_equal(window.surface_view.surface.heights(), grid.z)

    m = measure(net, traj)
    t = np.union1d(np.linspace(0.0, 2 * np.pi, TRAJECTORY_SAMPLES + 1), m.breakpoints)
    xy = traj.points(t)
    # relu: the surface drawn is the exact regions; f's range over the window is over their vertices
    part = partition(net, (-view.extent, view.extent, -view.extent, view.extent))
    vertices = np.concatenate([part.polygon(k) for k in range(part.regions_exact)])
    heights = net(vertices)
    lift = LIFT_FRACTION * float(heights.max() - heights.min())
    expected = np.column_stack([xy, net(xy) + lift])
    np.testing.assert_allclose(window.surface_view.trajectory.pos, expected, rtol=1e-6, atol=1e-6)

    def text(key):
        found = window.findChild(QLabel, f"m-{key}")
        assert found is not None, key
        return found.text()

    assert text("input_length") == format_number(m.input_length)
    assert text("surface_length") == format_number(m.surface_length)
    assert text("output_length") == format_number(m.output_length)
    for i, length in enumerate(m.layer_lengths, start=1):
        assert text(f"layer_lengths-{i}") == format_number(length)
    assert text("transitions") == format_count(m.transitions)
    assert text("regions_visited") == format_count(m.regions_visited)
    assert text("regions_grid") == str(grid.n_regions)


def test_arrow_keys_and_wheel_edit_and_the_frame_changes(window, qtbot):
    window.surface_view.gl.setCameraPosition(
        distance=21.0, elevation=40.0, azimuth=10.0
    )  # the user turned it
    camera = window.surface_view.gl.cameraParams()
    before = frame(window)
    assert before.min() != before.max()  # something is drawn
    spin = spinbox(window, weight_name(2, 0, 1))
    start = window.model.session().network.weights[1][0, 1]
    spin.setFocus()
    with qtbot.waitSignal(window.model.resultChanged, timeout=20000):
        for _ in range(30):
            qtbot.keyClick(spin, Qt.Key.Key_Up)
    shown = round(start, 3)
    assert window.model.session().network.weights[1][0, 1] == np.float64(round(shown + 0.30, 3))
    after = frame(window)
    assert after.min() != after.max() and not np.array_equal(before, after)
    assert window.surface_view.gl.cameraParams() == camera

    bias = spinbox(window, bias_name(3, 0))
    centre = QPointF(bias.rect().center())
    wheel = QWheelEvent(
        centre,
        bias.mapToGlobal(centre),
        QPoint(),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    bias.setFocus()
    with qtbot.waitSignal(window.model.resultChanged, timeout=20000):
        QApplication.sendEvent(bias, wheel)
    assert window.model.session().network.biases[2][0] == 0.01


def test_changing_the_architecture_rebuilds_the_editor(window, qtbot):
    w1 = window.model.session().network.weights[0].copy()
    with qtbot.waitSignal(window.model.resultChanged, timeout=20000):
        qtbot.mouseClick(window.findChild(QPushButton, "ctl-add-layer"), Qt.MouseButton.LeftButton)
    assert window.model.session().network.widths == (4, 4, 4)
    assert np.array_equal(window.model.session().network.weights[0], w1)
    names = {s.objectName() for s in window.weight_editor.findChildren(QDoubleSpinBox)}
    dims = [2, 4, 4, 4, 1]
    expected = {
        weight_name(l + 1, r, c) for l in range(4) for r in range(dims[l]) for c in range(dims[l + 1])
    }
    expected |= {bias_name(l + 1, c) for l in range(4) for c in range(dims[l + 1])}
    assert names == expected

    width = window.findChild(QSpinBox, "ctl-width-L1")
    width.setFocus()
    qtbot.keyClick(width, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    with qtbot.waitSignal(window.model.resultChanged, timeout=20000):
        qtbot.keyClicks(width, "2")
        qtbot.keyClick(width, Qt.Key.Key_Return)
    assert window.model.session().network.widths == (2, 4, 4)
    assert window.findChild(QDoubleSpinBox, weight_name(1, 1, 1)) is not None
    assert window.findChild(QDoubleSpinBox, weight_name(1, 1, 2)) is None
    assert spinbox(window, weight_name(1, 1, 1)).value() == round(w1[1, 1], 3)


def test_randomize_with_a_seed_is_reproducible(window, qtbot):
    seed = window.findChild(QSpinBox, "ctl-seed")
    seed.setValue(11)
    button = window.findChild(QPushButton, "ctl-randomize")
    with qtbot.waitSignal(window.model.resultChanged, timeout=20000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    first = window.model.session().network
    assert first.equals(original_random((4, 4), seed=11, sigma2=spinbox(window, "ctl-sigma").value() ** 2))
    type_into(qtbot, window, weight_name(1, 0, 0), "3")
    with qtbot.waitSignal(window.model.resultChanged, timeout=20000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.model.session().network.equals(first)
    assert spinbox(window, weight_name(1, 0, 0)).value() == round(first.weights[0][0, 0], 3)


def test_typing_a_number_is_one_recompute(window, qtbot):
    results = []
    window.model.resultChanged.connect(results.append)
    type_into(qtbot, window, weight_name(3, 2, 0), "-0.625")
    qtbot.wait(30)
    assert len(results) == 1
    assert results[0].session.network.weights[2][2, 0] == -0.625


def test_the_editor_mirrors_edits_made_elsewhere_without_echoing_them(window, qtbot):
    sessions = []
    window.model.sessionChanged.connect(sessions.append)
    with qtbot.waitSignal(window.model.resultChanged, timeout=20000):
        window.model.set_bias(0, 3, -2.5)
        window.model.set_widths((4, 5))
    assert spinbox(window, bias_name(1, 3)).value() == -2.5
    assert spinbox(window, weight_name(2, 3, 4)).value() == round(
        window.model.session().network.weights[1][3, 4], 3
    )
    qtbot.wait(30)
    assert len(sessions) == 2  # the two edits, nothing sent back by the mirrored spinboxes
