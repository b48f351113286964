"""Starting and stopping the desktop app: GL format, QApplication, the window, screenshot and self-test modes.

An interactive run keeps its settings (window layout, recent files, the last session, reopened when no
file is named); screenshot and self-test runs use none, so their output does not depend on the user.

GL widgets are closed and deleted explicitly before the interpreter exits: left to the garbage
collector after QApplication is gone, pyqtgraph's GL buffers can abort the process ("none_dealloc").
"""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QPoint, Qt, QTimer
from PySide6.QtGui import QIcon, QImage, QPainter, QSurfaceFormat
from PySide6.QtWidgets import QApplication

from nnsurface import paths
from nnsurface.core.session_file import SessionError, load_session
from nnsurface.gui.file_actions import startup_document
from nnsurface.gui.main_window import MainWindow
from nnsurface.gui.model import Document
from nnsurface.gui.settings import AppSettings

SETTLE_MS = 150  # time for layouts and the first GL frames before a screenshot


def default_surface_format(samples: int = 0) -> QSurfaceFormat:
    """Depth buffer for the 3-D view (and optional multisampling, slow on software GL)."""
    fmt = QSurfaceFormat()
    fmt.setDepthBufferSize(24)
    fmt.setSamples(samples)
    return fmt


def prepare_gl(samples: int = 0) -> None:
    """What Qt needs before the QApplication exists: the default GL format, and shared GL contexts.

    pyqtgraph compiles each shader program once and keeps it for good; with shared contexts a program
    stays valid in every GL view, including views created after the first one was closed.
    """
    QSurfaceFormat.setDefaultFormat(default_surface_format(samples))
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)


def application(samples: int = 0) -> QApplication:
    """The QApplication, created after `prepare_gl` (Qt requires that order)."""
    existing = QApplication.instance()
    if existing is not None:
        return existing
    prepare_gl(samples)
    app = QApplication(sys.argv[:1])
    app.setApplicationName("nnsurface")
    app.setOrganizationName("nnsurface")
    app.setDesktopFileName("nnsurface")  # Wayland and the taskbar match the window to nnsurface.desktop
    app.setStyle("Fusion")
    icon = paths.icon_path(256)
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    return app


def settle(ms: int = SETTLE_MS) -> None:
    """Run the event loop for `ms` so pending results, layouts and paints happen."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def grab(window: MainWindow) -> QImage:
    """The whole window as shown, after pending results are drawn.

    QWidget.grab leaves out what the GL view paints with QPainter (its axis labels), so the view's own
    framebuffer is drawn over its place in the window's image.
    """
    window.model.flush()
    settle()
    image = window.grab().toImage()
    if window.gl_problem is None:
        view = window.surface_view.gl
        frame = view.grabFramebuffer()
        frame.setDevicePixelRatio(image.devicePixelRatio())
        painter = QPainter(image)
        painter.drawImage(view.mapTo(window, QPoint(0, 0)), frame)
        painter.end()
    return image


def close_window(window: MainWindow) -> None:
    """Close the window without questions if it is still open (GL items are released in closeEvent)
    and delete it now."""
    if window.isVisible():
        window.close_discarding()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def build_window(session_path: str | None, settings: AppSettings, restore: bool) -> MainWindow:
    """The main window of a run: showing the file named (SessionError if it cannot be loaded, nothing
    shown), else with `restore` the last session, else the default; with `restore` also the window
    layout of last time."""
    session = document = None
    if session_path:
        session = load_session(session_path)
        document = Document.for_file(os.path.abspath(session_path), session)
        settings.add_recent_file(document.path)
    elif restore:
        session, document = startup_document(settings) or (None, None)
    window = MainWindow(session, settings=settings, document=document)
    if restore:
        window.restore_layout()
    return window


def run(
    session_path: str | None = None,
    screenshot: str | None = None,
    self_test: bool = False,
    size: tuple[int, int] | None = None,
) -> int:
    """The desktop app. `screenshot`: render once, save the PNG and exit; `self_test`: check the window,
    its first frame and its numbers (nnsurface.gui.self_test), exit 0 if all pass, else 1. Exit 2 for a
    session file that cannot be loaded."""
    app = application(samples=4 if screenshot else 0)
    interactive = not (screenshot or self_test)
    settings = AppSettings.for_user() if interactive else AppSettings.in_memory()
    try:
        window = build_window(session_path, settings, restore=interactive)
    except SessionError as exc:
        print(f"nnsurface: {exc}", file=sys.stderr)
        return 2
    if size is not None:
        window.resize(*size)
    window.show()
    try:
        if screenshot:
            if not grab(window).save(screenshot):
                print(f"nnsurface: {screenshot}: cannot write the screenshot", file=sys.stderr)
                return 2
            return 0
        if self_test:
            from nnsurface.gui.self_test import run_checks

            return run_checks(window, session_path)
        return app.exec()
    finally:
        close_window(window)
