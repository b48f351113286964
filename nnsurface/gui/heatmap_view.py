"""The surface without OpenGL: a 2-D heatmap of the grid seen from above, the trajectory drawn over it.

Used when no OpenGL context can be made (no display with GL, a broken driver) or when the user asks
for it with NNSURFACE_NO_GL=1; a banner says that 3-D is unavailable and why. It draws the same
result as the 3-D view (the same colours, by height or by region) with plain pyqtgraph 2-D items, so
every other part of the app works unchanged. Colours come from the grid (the `colors` presentation
helpers), as the 3-D view's grid surface has them. `opengl_problem` decides, before any GL widget exists.
"""

from __future__ import annotations

import os

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QOffscreenSurface, QOpenGLContext
from PySide6.QtWidgets import QLabel, QWidget

from nnsurface.gui import colors
from nnsurface.gui.color_bar import ColorBar
from nnsurface.gui.formatting import format_number, subscript
from nnsurface.gui.markers import breakpoint_size
from nnsurface.gui.model import SessionModel
from nnsurface.gui.result import Result
from nnsurface.gui.view_frame import CaptionArea, lay_out_view

NO_GL_VARIABLE = "NNSURFACE_NO_GL"
MIN_GL_VERSION = (2, 0)  # pyqtgraph's GL items need shaders
TEXT = (40, 40, 40)
TRAJECTORY = (230, 41, 31)
BANNER_STYLE = "background: #fff4d6; color: #4a3b00; border: 1px solid #e0c46c; padding: 6px 10px;"


def opengl_problem() -> str | None:
    """Why the 3-D view cannot be used here, or None when it can. Needs the QApplication."""
    if os.environ.get(NO_GL_VARIABLE, "") not in ("", "0"):
        return f"{NO_GL_VARIABLE} is set"
    context = QOpenGLContext()
    if not context.create():
        return "no OpenGL context could be created (no display with OpenGL, or a broken driver)"
    surface = QOffscreenSurface()
    surface.setFormat(context.format())
    surface.create()
    if not surface.isValid() or not context.makeCurrent(surface):
        return "an OpenGL context was created but cannot be used"
    version = context.format().version()
    context.doneCurrent()
    if version < MIN_GL_VERSION:
        return f"OpenGL {version[0]}.{version[1]} is too old (at least {MIN_GL_VERSION[0]}.0 is needed)"
    try:
        import pyqtgraph.opengl  # noqa: F401 (the import is the check)
        from OpenGL import GL  # noqa: F401
    except Exception as e:  # a native library that fails to load can raise almost anything
        return f"the OpenGL libraries cannot be loaded ({type(e).__name__}: {e})"
    return None


class HeatmapView(QWidget):
    """Banner, heatmap with trajectory and breakpoints, colour bar, caption. Draws results, nothing else."""

    def __init__(self, model: SessionModel, reason: str, parent: QWidget | None = None):
        super().__init__(parent)
        model.set_exact_first(False)  # the heatmap is the grid: the exact regions are only counted
        self.banner = QLabel(
            f"<b>3-D view unavailable</b>: {reason}. The surface is shown from above as a heatmap; "
            "everything else works as usual."
        )
        self.banner.setObjectName("no-gl-banner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner.setToolTip("The 3-D view needs OpenGL 2.0 or later on a display that provides it.")

        self.plot = pg.PlotWidget(background="w")
        self.plot.setToolTip("f over the plane, seen from above; drag to pan, wheel to zoom")
        item = self.plot.getPlotItem()
        item.setAspectLocked(True)
        item.setMenuEnabled(False)
        for name, text in (("bottom", f"x{subscript(1)}"), ("left", f"x{subscript(2)}")):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(TEXT))
            axis.setTextPen(pg.mkPen(TEXT))
            axis.setLabel(text, color="#282828")
        self.image = pg.ImageItem(axisOrder="col-major")  # image[i, j] at (x[i], y[j]), as the grid's z
        self.trajectory = pg.PlotDataItem(pen=pg.mkPen(TRAJECTORY, width=3))
        self.breakpoints = pg.ScatterPlotItem(pen=pg.mkPen((20, 20, 20), width=1.2), brush=pg.mkBrush("w"))
        for graphics in (self.image, self.trajectory, self.breakpoints):
            self.plot.addItem(graphics)
        self._heights: np.ndarray | None = None
        self._extent: float | None = None

        self.color_bar = ColorBar()
        self.caption_area = CaptionArea()
        self.caption = self.caption_area.label
        lay_out_view(self, self.plot, self.color_bar, self.caption_area, spacing=4, banner=self.banner)
        model.resultChanged.connect(self.show_result)
        if model.result() is not None:
            self.show_result(model.result())

    def heights(self) -> np.ndarray | None:
        """The z grid of the heatmap being shown, z[i, j] = f(x[i], y[j])."""
        return self._heights

    def show_result(self, result: Result) -> None:
        g = result.grid
        self._heights = g.z
        zmin, zmax = result.z_range
        if result.color_mode == "region":
            rgba = colors.region_colors(g.labels, g.patterns)
        else:
            rgba = colors.height_colors(g.z, zmin, zmax)
        self.image.setImage(rgba, autoLevels=False)
        step = float(g.x[1] - g.x[0])  # pixel centres on the grid points
        self.image.setRect(
            QRectF(float(g.x[0]) - step / 2, float(g.y[0]) - step / 2, len(g.x) * step, len(g.y) * step)
        )
        points = result.trajectory_points
        self.trajectory.setData(points[:, 0], points[:, 1])
        bps = result.breakpoint_points
        self.breakpoints.setData(bps[:, 0], bps[:, 1], size=breakpoint_size(len(bps)))
        extent = result.session.view.extent
        if extent != self._extent:
            self._extent = extent
            self.reset_camera()
        if result.color_mode == "height":
            self.color_bar.show_heights(zmin, zmax)
        else:
            self.color_bar.show_regions(colors.pattern_palette(g.patterns), g.n_regions)
        self.caption_area.set_text(
            f"f from {format_number(zmin)} to {format_number(zmax)} on the {len(g.x)} × {len(g.y)} grid"
        )

    def set_mesh_lines(self, visible: bool) -> None:
        """The 3-D view's mesh lines become grid lines over the heatmap."""
        self.plot.getPlotItem().showGrid(x=visible, y=visible, alpha=0.35)

    def reset_camera(self) -> None:
        if self._extent is not None:
            e = self._extent
            self.plot.getPlotItem().setRange(xRange=(-e, e), yRange=(-e, e), padding=0.02)

    def release(self) -> None:
        """Nothing to release without GL (the 3-D view's counterpart frees its GL items)."""
