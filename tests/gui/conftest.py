"""Shared fixtures of the GUI tests: a QApplication with the app's GL format, and a shown main window
that is closed and deleted after each test (GL items released while their context exists)."""

import pytest

from nnsurface.gui.app import close_window, prepare_gl

# Qt reads these when the QApplication is created, which pytest-qt does lazily, after this import.
prepare_gl()

WINDOW_SIZE = (1280, 800)


@pytest.fixture
def window(qtbot):
    from nnsurface.gui.main_window import MainWindow

    w = MainWindow()
    w.resize(*WINDOW_SIZE)
    with qtbot.waitExposed(w):
        w.show()
    w.model.flush()
    yield w
    close_window(w)
