"""The 3-D view as a user handles it: the native GL window takes the mouse, the camera survives edits."""

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
