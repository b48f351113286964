"""The 3-D view as a user handles it: the native GL window takes the mouse, the camera survives edits."""

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot


def test_dragging_turns_the_camera_and_the_wheel_zooms(window, qtbot: QtBot):
    gl_window = window.surface_view.gl.window_view
    start = window.surface_view.gl.cameraParams()
    centre = QPoint(gl_window.width() // 2, gl_window.height() // 2)
    qtbot.mousePress(gl_window, Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseMove(gl_window, centre + QPoint(60, 25))
    qtbot.mouseRelease(gl_window, Qt.MouseButton.LeftButton, pos=centre + QPoint(60, 25))
    turned = window.surface_view.gl.cameraParams()
    assert turned["azimuth"] != start["azimuth"] and turned["elevation"] != start["elevation"]
    assert turned["distance"] == start["distance"]

    wheel = QWheelEvent(
        QPointF(centre),
        QPointF(gl_window.mapToGlobal(centre)),
        QPoint(),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(gl_window, wheel)
    assert window.surface_view.gl.cameraParams()["distance"] < turned["distance"]


def test_the_view_grabs_what_it_draws_and_follows_an_edit(window, qtbot):
    view = window.surface_view.gl
    before = view.grabFramebuffer()
    assert not before.isNull() and before.size() == view.size() * before.devicePixelRatio()
    with qtbot.waitSignal(window.model.resultChanged, timeout=20000):
        window.model.set_weight(0, 0, 0, 2.0)
    after = view.grabFramebuffer()
    assert view.painted_revision == window.model.result().revision
    assert after != before


def test_the_caption_grows_for_a_long_text_and_is_never_cut_off(window, qtbot):
    area, caption = window.surface_view.caption_area, window.surface_view.caption
    short_height = area.height()
    area.set_text("f from 0 to 1 " * 30)  # wraps over several lines at any window width
    qtbot.waitUntil(lambda: caption.height() == area.height())
    assert area.height() > short_height
    assert caption.height() >= caption.heightForWidth(caption.width())
    area.set_text("short")
    assert area.height() == short_height


def test_the_loops_shadow_lies_under_it_on_the_floor_and_follows_the_loop_not_the_weights(window, qtbot):
    view = window.surface_view
    model = window.model

    def shadow_follows_loop():
        shadow, loop = view.shadow.pos, model.result().trajectory_points
        radius = np.hypot(*(shadow[:, :2] - model.session().trajectory.center).T)
        np.testing.assert_allclose(radius, model.session().trajectory.radius, rtol=1e-5)
        assert np.ptp(shadow[:, 2]) == 0 and shadow[0, 2] < loop[:, 2].min()  # flat, on the floor

    shadow_follows_loop()
    drawn = view.shadow.pos
    model.set_weight(0, 0, 0, 1.7)
    model.flush()
    assert view.shadow.pos is drawn  # an edit of the network does not move it: not drawn again
    model.set_trajectory((0.5, -1.0), 2.5)
    model.flush()
    shadow_follows_loop()
