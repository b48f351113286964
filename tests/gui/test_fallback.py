"""Without OpenGL: NNSURFACE_NO_GL=1 (or a GL context that cannot be made) gives the 2-D heatmap with
the trajectory over it and a banner that says why; edits reach the heatmap, and the rest of the app
works as usual."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtOpenGLWidgets import QOpenGLWidget
from PySide6.QtWidgets import QDoubleSpinBox
from scripted import shown_window

from nnsurface.core.grid import evaluate_grid
from nnsurface.core.session_file import load_session
from nnsurface.gui import colors, heatmap_view
from nnsurface.gui.app import close_window
from nnsurface.gui.heatmap_view import HeatmapView, opengl_problem
from nnsurface.gui.settings import AppSettings
from nnsurface.gui.weight_editor import weight_name

REPO = Path(__file__).parents[2]


@pytest.fixture
def win(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("NNSURFACE_NO_GL", "1")
    window = shown_window(qtbot, AppSettings.at(str(tmp_path / "settings.ini")))
    yield window
    close_window(window)


def test_the_heatmap_replaces_the_3d_view_and_says_why(win):
    assert isinstance(win.surface_view, HeatmapView)
    assert win.findChildren(QOpenGLWidget) == []
    banner = win.surface_view.banner
    assert banner.isVisible()
    assert "3-D view unavailable" in banner.text() and "NNSURFACE_NO_GL is set" in banner.text()
    assert win.gl_problem == "NNSURFACE_NO_GL is set"


def test_typing_a_weight_redraws_the_heatmap_with_the_new_grid(win, qtbot):
    before = np.array(win.surface_view.image.image)
    spin = win.findChild(QDoubleSpinBox, weight_name(1, 0, 2))
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    with qtbot.waitSignal(win.model.resultChanged, timeout=20000):
        qtbot.keyClicks(spin, "-2.5")
    session = win.model.session()
    assert session.network.weights[0][0, 2] == -2.5
    grid = evaluate_grid(session.network, session.view.extent, session.view.resolution)
    image = win.surface_view.image.image
    assert np.array_equal(win.surface_view.heights(), grid.z)
    assert np.array_equal(image, colors.height_colors(grid.z, float(grid.z.min()), float(grid.z.max())))
    assert not np.array_equal(image, before)
    x, y = win.surface_view.trajectory.getData()
    points = win.model.result().trajectory_points
    assert np.array_equal(x, points[:, 0]) and np.array_equal(y, points[:, 1])
    rect = win.surface_view.image.boundingRect()
    assert rect.width() == 50 and rect.height() == 50  # one pixel per grid point


def test_region_colours_and_grid_lines(win):
    win.model.set_color_mode("region")
    grid = win.model.flush().grid
    assert np.array_equal(win.surface_view.image.image, colors.region_colors(grid.labels, grid.patterns))
    axis = win.surface_view.plot.getPlotItem().getAxis("bottom")
    assert axis.grid is False
    win.mesh_lines_action.setChecked(True)
    assert axis.grid > 0
    win.mesh_lines_action.setChecked(False)
    assert axis.grid is False


def test_everything_else_works_without_gl(win, tmp_path):
    win.model.set_widths((3, 3, 3))
    win.undo_action.trigger()
    assert win.model.session().network.widths == (4, 4)
    win.dialogs.save_answers.append(str(tmp_path / "s.json"))
    win.file_actions.save.trigger()
    assert load_session(tmp_path / "s.json").equals(win.model.session())
    assert len(win.file_actions.export_data_to(str(tmp_path / "d.csv"))) == 3
    assert win.file_actions.export_image_to(str(tmp_path / "h.png"), 2400, 1800)
    image = QImage(str(tmp_path / "h.png"))
    assert (image.width(), image.height()) == (2400, 1800)
    assert win.open_lab().isVisible()


def test_opengl_is_used_where_it_works(qtbot, monkeypatch):
    monkeypatch.setenv("NNSURFACE_NO_GL", "0")
    assert opengl_problem() is None
    monkeypatch.delenv("NNSURFACE_NO_GL")
    assert opengl_problem() is None


def test_a_context_that_cannot_be_created_means_no_gl(qtbot, monkeypatch):
    class BrokenContext:
        def create(self):
            return False

    monkeypatch.setattr(heatmap_view, "QOpenGLContext", BrokenContext)
    assert (
        opengl_problem() == "no OpenGL context could be created (no display with OpenGL, or a broken driver)"
    )


def test_the_app_starts_without_gl_and_exits_cleanly(tmp_path):
    env = dict(os.environ, NNSURFACE_NO_GL="1", XDG_CONFIG_HOME=str(tmp_path / "config"))
    shot = tmp_path / "nogl.png"
    proc = subprocess.run(
        [sys.executable, str(REPO / "main.py"), "--screenshot", str(shot)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (proc.returncode, proc.stderr) == (0, "")
    assert QImage(str(shot)).width() > 0
