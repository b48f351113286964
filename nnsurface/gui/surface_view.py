"""The 3-D view: the surface f(x) lit so that linear pieces read as facets, the trajectory drawn on it.

For relu and hardtanh networks the surface is drawn from the exact linear regions of the result: each
polygon lifted onto its plane and lit flat, the creases between them as thin lines, sharp at any zoom.
The sampled grid is drawn instead for tanh and linear networks, beyond the region cap of the result,
and when asked for (`set_surface_source("grid")`); the caption says which one is shown and why.

Both surfaces are `ShadedMesh` items that live as long as the view: an edit hands them the new arrays
and they upload only those (for the grid: heights, normals and, coloured by region, colours; its x,y
and strip indices once per grid size). Heights are drawn scaled by a round vertical factor (1, 2 or
5 × 10ᵏ) so that any surface fits the box; the factor changes only when the surface leaves the box or
shrinks to a sliver of it, so ordinary edits visibly raise and lower the surface.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pyqtgraph.opengl as gl
from OpenGL import GL
from pyqtgraph import Transform3D
from pyqtgraph.opengl.GLViewWidget import GLViewMixin
from PySide6.QtCore import QCoreApplication, QEvent, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QMatrix4x4, QPainter, QVector3D
from PySide6.QtOpenGL import QOpenGLFramebufferObject, QOpenGLFramebufferObjectFormat, QOpenGLWindow
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

from nnsurface.gui import colors
from nnsurface.gui.color_bar import ColorBar
from nnsurface.gui.formatting import format_count, format_number, format_tick, subscript
from nnsurface.gui.markers import breakpoint_size
from nnsurface.gui.model import SessionModel
from nnsurface.gui.result import ExactSurface, Result
from nnsurface.gui.shaded_mesh import ShadedMesh, grid_line_indices, grid_strip_indices
from nnsurface.gui.ticks import nice_floor, nice_ticks
from nnsurface.gui.view_frame import CaptionArea, lay_out_view

SURFACE_SOURCES: tuple[str, ...] = ("exact", "grid")  # draw the exact regions (when there are), or the grid
BACKGROUND = (255, 255, 255)
F_AXIS_CORNER = (1, 1)  # the f axis stands at this corner of the floor (signs of x₁, x₂), right of the box
BOX_HALF_HEIGHT = 0.75  # half the box height, as a fraction of the extent
FIT_FILL = 1.0  # a refit makes the surface fill this much of the box height (at most)
FIT_MIN_FILL = 0.25  # below this fraction of the box height the vertical scale is refitted
CAMERA = {"distance": 3.4, "elevation": 26.0, "azimuth": -58.0}  # distance in units of the extent
CAMERA_LOOK_DOWN = 0.35  # the camera looks this fraction of the box's half height below its centre
TRAJECTORY_COLOR = (0.90, 0.16, 0.12, 1.0)
TRAJECTORY_WIDTH = 3.5
SHADOW_COLOR = (0.90, 0.16, 0.12, 0.35)
BREAKPOINT_COLOR = (1.0, 1.0, 1.0, 1.0)
BREAKPOINT_HALO = (0.10, 0.10, 0.10, 1.0)
FLOOR_GRID_COLOR = (0.0, 0.0, 0.0, 0.10)
FRAME_COLOR = (0.0, 0.0, 0.0, 0.45)
MESH_LINE_COLOR = (0.0, 0.0, 0.0, 0.22)
CREASE_COLOR = (0.08, 0.08, 0.08, 0.55)
CREASE_WIDTH = 1.2
LABEL_COLOR = QColor(50, 50, 50)
TITLE_COLOR = QColor(20, 20, 20)


class GridSurface(ShadedMesh):
    """The sampled surface z[i, j] = f(x[i], y[j]) as joined triangle strips.

    x,y, strip and line indices are built when the grid's axes change; after that a new result
    uploads heights, normals and (coloured by region) colours. All of them are taken from the
    result only when the item is drawn, so a hidden grid costs nothing, not even its evaluation.
    """

    def __init__(self):
        super().__init__(colors.height_lut(), MESH_LINE_COLOR)
        self._result: Result | None = None
        self._by_region = False
        self._shown: tuple | None = None  # (grid, by_region) whose arrays the item holds
        self._axes: tuple[np.ndarray, np.ndarray] | None = None

    def show(self, result: Result, by_region: bool) -> None:
        self._result, self._by_region = result, by_region
        if self.visible():  # a hidden grid is taken up when it is shown (setVisible asks for a frame)
            self.update()

    def heights(self) -> np.ndarray | None:
        """The grid heights this item draws (or would, when shown), z[i, j] = f(x[i], y[j])."""
        return None if self._result is None else self._result.grid.z

    def prepare(self) -> None:
        r = self._result
        if r is None:
            return
        self._z_range = r.z_range  # painting now: no need to ask for a frame as set_height_range does
        if self._shown == (r.grid, self._by_region):
            return
        g = r.grid
        if self._axes is None or not (
            np.array_equal(self._axes[0], g.x) and np.array_equal(self._axes[1], g.y)
        ):
            n = len(g.x)
            xy = np.empty((n, n, 2), dtype=np.float32)
            xy[..., 0] = g.x[:, None]
            xy[..., 1] = g.y[None, :]
            self._store(
                GL.GL_TRIANGLE_STRIP,
                a_xy=xy.reshape(-1, 2),
                triangles=grid_strip_indices(n),
                lines=grid_line_indices(n),
            )
            self._axes = (g.x, g.y)
        shading = r.grid_shading
        self._store(
            a_z=g.z.reshape(-1),
            a_normal=shading.normals().reshape(-1, 3),
            a_color=shading.region_colors().reshape(-1, 4) if self._by_region else None,
        )
        self._shown = (g, self._by_region)


class RegionSurface(ShadedMesh):
    """The exact linear regions lifted onto their planes, each drawn as a triangle fan, lit flat by
    its plane (the shader's facet normals: an edit uploads only x,y and z) and, coloured by region,
    filled with its pattern's colour."""

    def __init__(self):
        super().__init__(colors.height_lut(), MESH_LINE_COLOR, flat=True)
        self._exact: ExactSurface | None = None
        self._by_region = False
        self._shown: tuple | None = None

    def show(self, exact: ExactSurface, by_region: bool, z_range: tuple[float, float]) -> None:
        self._exact, self._by_region = exact, by_region
        self.set_height_range(*z_range)
        self.update()

    def prepare(self) -> None:
        e = self._exact
        if e is None or self._shown == (e, self._by_region):
            return
        m = e.mesh
        self._store(
            a_xy=np.ascontiguousarray(m.vertices[:, :2]),
            a_z=np.ascontiguousarray(m.vertices[:, 2]),
            a_color=e.vertex_colors() if self._by_region else None,
            fans=m.counts,
        )
        self._shown = (e, self._by_region)


class FrameWindow(GLViewMixin, QOpenGLWindow):
    """pyqtgraph's GL view as a native window of its own, remembering which result its last frame showed.

    A QOpenGLWidget (pyqtgraph's GLViewWidget) renders into a texture that Qt then composes with the
    whole main window on every frame, through OpenGL: on software GL that composition of a 1440×900
    window took longer than drawing the scene (≈ 40 ms against 10 ms from update() to the swapped
    frame). A window swaps its own pixels only, and the other widgets repaint without GL.
    """

    _gathering = False  # inside one_frame(): changes only mark the frame due (read by update() in __init__)

    def __init__(self):
        super().__init__()
        self.showing_revision: int | None = None  # the revision of the result handed to the items
        self.painted_revision: int | None = None  # the revision the last painted frame showed
        self._grab_target: QOpenGLFramebufferObject | None = None
        self._frame_due = True  # something changed since the last frame on screen

    def update(self) -> None:
        """Ask for a frame (everything that changes the scene, pyqtgraph's items and camera included,
        comes through here)."""
        self._frame_due = True
        if not self._gathering:
            super().update()

    @contextmanager
    def one_frame(self) -> Iterator[None]:
        """Change many items, then ask once for the frame that shows them all, ahead of the widgets
        (each item asks for a frame on every change; a result changes a dozen of them)."""
        self._gathering = True
        try:
            yield
        finally:
            self._gathering = False
            self.present_first()

    def present_first(self) -> None:
        """Ask for a frame, drawn ahead of the widgets' repaints.

        update() asks the platform for a frame, which Qt delivers from a 5 ms timer, so every widget
        repaint posted meanwhile (plots, labels) would be drawn before it. An update request posted
        at high priority is handled before those.
        """
        self.update()
        if self.isExposed():
            QCoreApplication.postEvent(
                self, QEvent(QEvent.Type.UpdateRequest), Qt.EventPriority.HighEventPriority.value
            )

    def event(self, event: QEvent) -> bool:
        # Qt paints on every update request; the platform's one that follows present_first's finds
        # the frame already drawn, and a second paint of the same scene would only delay the widgets.
        if event.type() == QEvent.Type.UpdateRequest and not self._frame_due:
            return True
        return super().event(event)

    def paintGL(self) -> None:  # noqa: N802 (Qt override)
        self._frame_due = False  # before drawing: a change made while drawing asks for another frame
        super().paintGL()
        self.painted_revision = self.showing_revision

    def grabFramebuffer(self) -> QImage:  # noqa: N802 (Qt override)
        """Render the scene now into an off-screen framebuffer and return it as an image.

        A window's own back buffer holds nothing defined after a swap, and Mesa draws round point
        sprites (the breakpoints) as squares into a multisampled window buffer; a framebuffer
        object with the format's samples has neither problem. Text items (QPainter) cannot draw
        into it, so they are drawn onto the image afterwards.
        """
        if not self.isValid():
            return QImage()
        self.makeCurrent()
        ratio = self.devicePixelRatio()
        size = (round(self.width() * ratio), round(self.height() * ratio))
        if self._grab_target is None or self._grab_target.size().toTuple() != size:
            fmt = QOpenGLFramebufferObjectFormat()
            fmt.setAttachment(QOpenGLFramebufferObject.Attachment.CombinedDepthStencil)
            fmt.setSamples(self.format().samples())
            self._grab_target = QOpenGLFramebufferObject(*size, fmt)
        texts = [item for item in self.items if isinstance(item, LabelsItem) and item.visible()]
        for item in texts:
            item.hide_for_render = True
        frame_due = self._frame_due  # an image is no frame on screen: one still due stays due
        try:
            self._grab_target.bind()
            GL.glViewport(0, 0, *size)
            self.paintGL()
            mvp = self.currentProjection() * self.currentModelView()
            image = self._grab_target.toImage()
        finally:
            self._grab_target.release()
            self._frame_due = frame_due
            for item in texts:
                item.hide_for_render = False
        image.setDevicePixelRatio(ratio)
        painter = QPainter(image)
        for item in texts:
            item.draw(painter, mvp, self.width(), self.height())
        painter.end()
        return image

    def release_framebuffers(self) -> None:
        """Delete the off-screen framebuffer (the context must be current)."""
        self._grab_target = None


class GLViewHost(QWidget):
    """The GL view's place among the widgets: a container of its FrameWindow that answers for it.

    Everything of pyqtgraph's view API (setCameraPosition, cameraParams, opts, addItem, paint,
    makeCurrent, grabFramebuffer, frameSwapped, painted_revision, ...) is the window's; geometry,
    layout and mapping are the widget's.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.window_view = FrameWindow()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QWidget.createWindowContainer(self.window_view, self))

    def __getattr__(self, name: str):
        if name == "window_view":  # not set yet: during construction
            raise AttributeError(name)
        return getattr(self.window_view, name)

    def update(self) -> None:
        """A new frame of the scene."""
        self.window_view.update()


@dataclass(frozen=True)
class Label:
    pos: tuple[float, float, float]  # scene coordinates
    text: str
    title: bool = False
    left_aligned: bool = False  # text starts at pos (else it is centred on it)


class LabelsItem(gl.GLGraphicsItem.GLGraphicsItem):
    """Text at 3-D positions, all drawn with one QPainter pass over the GL frame."""

    def __init__(self):
        super().__init__()
        self._labels: list[Label] = []
        self.font = QFont()
        self.font.setPointSizeF(9.5)
        self.title_font = QFont(self.font)
        self.title_font.setPointSizeF(12)
        self.title_font.setItalic(True)
        self.hide_for_render = False  # set while the view renders into an off-screen framebuffer

    def set_labels(self, labels: list[Label]) -> None:
        self._labels = labels
        self.update()

    def paint(self) -> None:
        view = self.view()
        if not self._labels or view is None or self.hide_for_render:
            return
        painter = QPainter(view)
        self.draw(painter, self.mvpMatrix(), view.width(), view.height())
        painter.end()

    def draw(self, painter: QPainter, mvp: QMatrix4x4, width: float, height: float) -> None:
        """Draw the labels, projected by `mvp`, onto a width × height target with `painter`."""
        to_screen = QMatrix4x4()
        to_screen.viewport(0, height, width, -height)
        project = to_screen * mvp
        painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        for label in self._labels:
            p = project.map(QVector3D(*label.pos))
            painter.setFont(self.title_font if label.title else self.font)
            painter.setPen(TITLE_COLOR if label.title else LABEL_COLOR)
            if label.left_aligned:
                box = QRectF(p.x(), p.y() - 20, 400, 40)
                painter.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label.text)
            else:
                box = QRectF(p.x() - 200, p.y() - 20, 400, 40)
                painter.drawText(box, Qt.AlignmentFlag.AlignCenter, label.text)


def _set_visible(item: gl.GLGraphicsItem.GLGraphicsItem, visible: bool) -> None:
    """Show or hide an item, asking for no frame when that changes nothing."""
    if item.visible() != visible:
        item.setVisible(visible)


@dataclass(frozen=True)
class VerticalFit:
    """Scene z = (f − offset) · scale."""

    scale: float
    offset: float


def fit_vertical(
    zmin: float, zmax: float, span: float, half_height: float, current: VerticalFit | None
) -> VerticalFit:
    """Keep `current` while the surface fits the box and fills enough of it; else a new round scale."""
    if current is not None:
        lo, hi = ((zmin - current.offset) * current.scale, (zmax - current.offset) * current.scale)
        if -half_height <= lo and hi <= half_height and hi - lo >= FIT_MIN_FILL * 2 * half_height:
            return current
    return VerticalFit(nice_floor(FIT_FILL * 2 * half_height / span), 0.5 * (zmin + zmax))


class SurfaceView(QWidget):
    """The GL view, its colour bar and a caption with the vertical scale. Draws results, nothing else."""

    def __init__(self, model: SessionModel, parent: QWidget | None = None):
        super().__init__(parent)
        self._model = model
        self.gl = GLViewHost()
        self.gl.setBackgroundColor(BACKGROUND)
        self.gl.setMinimumSize(320, 240)
        self.gl.setToolTip("drag to turn, wheel to zoom, middle-drag to pan")
        self.gl.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.surface = GridSurface()
        self.regions = RegionSurface()
        self.creases = gl.GLLinePlotItem(
            mode="lines", width=CREASE_WIDTH, color=CREASE_COLOR, antialias=True, glOptions="translucent"
        )
        self.floor = gl.GLLinePlotItem(mode="lines", width=1.0, antialias=True, glOptions="translucent")
        self.shadow = gl.GLLinePlotItem(
            mode="line_strip", width=1.5, color=SHADOW_COLOR, glOptions="translucent"
        )
        self.trajectory = gl.GLLinePlotItem(
            mode="line_strip",
            width=TRAJECTORY_WIDTH,
            color=TRAJECTORY_COLOR,
            antialias=False,
            glOptions="opaque",
        )
        self.breakpoint_halo = gl.GLScatterPlotItem(color=BREAKPOINT_HALO, glOptions="opaque")
        self.breakpoints = gl.GLScatterPlotItem(
            color=BREAKPOINT_COLOR,
            glOptions={GL.GL_DEPTH_TEST: True, GL.GL_BLEND: False, "glDepthFunc": (GL.GL_LEQUAL,)},
        )
        self.labels = LabelsItem()
        for depth, item in enumerate(
            (
                self.floor,
                self.shadow,
                self.surface,
                self.regions,
                self.creases,
                self.trajectory,
                self.breakpoint_halo,
                self.breakpoints,
                self.labels,
            )
        ):
            item.setDepthValue(depth)
            self.gl.addItem(item)
        for item in (self.surface, self.regions, self.creases):
            item.setVisible(False)
        self._fitted = (
            self.surface,
            self.regions,
            self.creases,
            self.trajectory,
            self.breakpoint_halo,
            self.breakpoints,
        )
        self._fit: VerticalFit | None = None
        self._extent: float | None = None
        self._source = SURFACE_SOURCES[0]
        self._creases_visible = True
        self._result: Result | None = None
        self._drawn_source: str | None = None
        self._shadow_key: tuple | None = None  # (trajectory, floor height) the shadow was drawn for

        self.color_bar = ColorBar()
        self.caption_area = CaptionArea()
        self.caption = self.caption_area.label
        self.caption.setToolTip("3-D view: drag to turn, wheel to zoom, middle-drag to pan")
        lay_out_view(self, self.gl, self.color_bar, self.caption_area, spacing=2)
        model.surfaceChanged.connect(self.show_result)
        model.resultChanged.connect(self.show_legend)
        if model.result() is not None:
            self._redraw(model.result())

    # --- drawing a result ------------------------------------------------------------------------
    def show_result(self, result: Result) -> None:
        with self.gl.window_view.one_frame():
            self._show(result)

    def _show(self, result: Result) -> None:
        self._result = result
        by_region = result.color_mode == "region"
        exact, (zmin, zmax) = self._drawn_surface(result)
        self._drawn_source = "exact" if exact is not None else "grid"
        self.surface.show(result, by_region)
        _set_visible(self.surface, exact is None)
        _set_visible(self.regions, exact is not None)
        has_creases = exact is not None and len(exact.creases) > 0
        _set_visible(self.creases, has_creases and self._creases_visible)
        if exact is not None:
            self.regions.show(exact, by_region, exact.z_range)
            if has_creases:
                self.creases.setData(pos=exact.creases.reshape(-1, 3))
        self.trajectory.setData(pos=result.trajectory_points)
        bps = result.breakpoint_points
        size = breakpoint_size(len(bps))
        for item, extra in ((self.breakpoint_halo, 4), (self.breakpoints, 0)):
            _set_visible(item, len(bps) > 0)
            if len(bps):
                item.setData(pos=bps, size=size + extra)
        extent = result.session.view.extent
        if extent != self._extent:
            self._frame_camera(extent)
        half = BOX_HALF_HEIGHT * extent
        fit = fit_vertical(zmin, zmax, result.z_span, half, self._fit)
        if fit != self._fit or extent != self._extent:
            self._fit, self._extent = fit, extent
            self._apply_fit(fit, extent)
        # The loop's shadow on the floor moves only with the loop or the floor: an edit of the
        # network leaves it (the breakpoints merged into its samples lie on the same circle).
        shadow_key = (result.session.trajectory, half)
        if shadow_key != self._shadow_key:
            self._shadow_key = shadow_key
            shadow = result.trajectory_points.copy()
            shadow[:, 2] = -half
            self.shadow.setData(pos=shadow)
        self.gl.window_view.showing_revision = result.revision

    def _drawn_surface(self, result: Result) -> tuple[ExactSurface | None, tuple[float, float]]:
        """The exact regions drawn (None: the grid is) and the min and max of f over what is drawn."""
        exact = result.exact if self._source == "exact" else None
        return exact, (exact.z_range if exact is not None else result.z_range)

    def show_legend(self, _announced: Result | None = None) -> None:
        """Write the colour bar and the caption of the result drawn last (the one announced, or a
        newer one).

        They are widgets, repainted after the frame anyway; fitting the caption's text to its width
        alone takes a third of a millisecond. So they are written with the panels (resultChanged),
        not before the frame, and during a burst of edits they are repainted as often as the panels.
        """
        result = self._result
        if result is None:
            return
        exact, (zmin, zmax) = self._drawn_surface(result)
        if result.color_mode != "region":
            self.color_bar.show_heights(zmin, zmax)
        elif exact is not None:
            self.color_bar.show_regions(exact.palette, exact.partition.regions_exact)
        else:
            g = result.grid
            self.color_bar.show_regions(colors.pattern_palette(g.patterns), g.n_regions)
        self.caption_area.set_text(self._caption(result, exact, self._fit, (zmin, zmax)))

    @staticmethod
    def _caption(
        result: Result, exact: ExactSurface | None, fit: VerticalFit, z_range: tuple[float, float]
    ) -> str:
        zmin, zmax = z_range
        if exact is not None:
            n = exact.partition.regions_exact
            drawn = f"drawn from the {format_count(n)} exact linear region{'s' * (n != 1)}"
        else:
            g = result.grid
            drawn = f"on the {len(g.x)} × {len(g.y)} grid"
            if result.exact_note:
                drawn += f" ({result.exact_note})"
        return (
            f"heights drawn × {format_tick(fit.scale)}   ·   f from {format_number(zmin)} to "
            f"{format_number(zmax)}   ·   {drawn}"
        )

    def _frame_camera(self, extent: float) -> None:
        """First result: the default camera; a new extent: the same view, distance scaled with it."""
        if self._extent is None:
            self._default_camera(extent)
        else:
            ratio = extent / self._extent
            self.gl.setCameraPosition(
                pos=self.gl.opts["center"] * ratio, distance=self.gl.opts["distance"] * ratio
            )

    def _default_camera(self, extent: float) -> None:
        self.gl.setCameraPosition(
            pos=QVector3D(0, 0, -CAMERA_LOOK_DOWN * BOX_HALF_HEIGHT * extent),
            distance=CAMERA["distance"] * extent,
            elevation=CAMERA["elevation"],
            azimuth=CAMERA["azimuth"],
        )

    def _apply_fit(self, fit: VerticalFit, extent: float) -> None:
        transform = Transform3D()
        transform.scale(1.0, 1.0, fit.scale)
        transform.translate(0.0, 0.0, -fit.offset)
        for item in self._fitted:
            item.setTransform(transform)
        half = BOX_HALF_HEIGHT * extent
        self.floor.setData(pos=self._floor_lines(extent, half), color=self._floor_colors(extent))
        self.labels.set_labels(self._axis_labels(fit, extent, half))

    @staticmethod
    def _floor_lines(extent: float, half: float) -> np.ndarray:
        ticks = nice_ticks(-extent, extent, 6)
        lines = []
        for t in ticks:
            lines += [(t, -extent, -half), (t, extent, -half), (-extent, t, -half), (extent, t, -half)]
        e = extent
        frame = [(-e, -e), (e, -e), (e, -e), (e, e), (e, e), (-e, e), (-e, e), (-e, -e)]
        lines += [(x, y, -half) for x, y in frame]
        cx, cy = F_AXIS_CORNER
        lines += [(cx * e, cy * e, -half), (cx * e, cy * e, half)]  # the f axis
        return np.array(lines, dtype=np.float32)

    @staticmethod
    def _floor_colors(extent: float) -> np.ndarray:
        n_grid = 4 * len(nice_ticks(-extent, extent, 6))
        cols = np.empty((n_grid + 10, 4), dtype=np.float32)
        cols[:n_grid] = FLOOR_GRID_COLOR
        cols[n_grid:] = FRAME_COLOR
        return cols

    @staticmethod
    def _axis_labels(fit: VerticalFit, extent: float, half: float) -> list[Label]:
        e, pad = extent, 0.09 * extent
        labels = [Label((float(t), -e - pad, -half), format_tick(float(t))) for t in nice_ticks(-e, e, 4)]
        labels += [Label((e + pad, float(t), -half), format_tick(float(t))) for t in nice_ticks(-e, e, 4)]
        labels += [
            Label((0.0, -e - 2.6 * pad, -half), f"x{subscript(1)}", title=True),
            Label((e + 2.6 * pad, 0.0, -half), f"x{subscript(2)}", title=True),
        ]
        lo, hi = fit.offset - half / fit.scale, fit.offset + half / fit.scale
        cx, cy = F_AXIS_CORNER
        for v in nice_ticks(lo, hi, 4):
            z = float((v - fit.offset) * fit.scale)
            labels.append(
                Label((cx * (e + pad / 2), cy * (e + pad / 2), z), format_tick(float(v)), left_aligned=True)
            )
        labels.append(Label((cx * e, cy * e, half + 1.5 * pad), "f(x)", title=True))
        return labels

    # --- view options and shutdown ---------------------------------------------------------------
    def set_surface_source(self, source: str) -> None:
        """Draw the exact linear regions whenever the result has them ("exact"), or the grid ("grid")."""
        if source not in SURFACE_SOURCES:
            raise ValueError(
                f"unknown surface source {source!r}; expected one of {', '.join(SURFACE_SOURCES)}"
            )
        if source != self._source:
            self._source = source
            self._model.set_exact_first(source == "exact")  # what the next results compute first
            if self._result is not None:
                self._redraw(self._result)

    def read_back(self, item: ShadedMesh, name: str, dtype: type, columns: int) -> np.ndarray:
        """What `item` holds on the GPU for its array `name`, read back with the view's context
        current: the check (self-test, tests, benchmark) that a frame was drawn from the core's
        numbers, not only handed them."""
        self.gl.makeCurrent()
        try:
            return item.read_buffer(name, dtype, columns)
        finally:
            self.gl.doneCurrent()

    def surface_source(self) -> str:
        return self._source

    def drawn_source(self) -> str | None:
        """What the current result is drawn from: "exact" or "grid" (None before the first result)."""
        return self._drawn_source

    def set_creases(self, visible: bool) -> None:
        """Show the creases between exact regions as lines (they are, by default)."""
        self._creases_visible = visible
        if self._result is not None:
            self._redraw(self._result)

    def _redraw(self, result: Result) -> None:
        """Draw a result outside the model's announcements: the frame and its caption at once."""
        self.show_result(result)
        self.show_legend()

    def set_mesh_lines(self, visible: bool) -> None:
        """Draw the grid's rows and columns over the grid surface."""
        self.surface.set_lines_visible(visible)

    def reset_camera(self) -> None:
        if self._extent is not None:
            self._default_camera(self._extent)

    def release(self) -> None:
        """Drop every GL item and buffer while the context exists (avoids aborts at interpreter exit)."""
        self.gl.makeCurrent()
        for item in (self.surface, self.regions):
            item.release_buffers()
        self.gl.release_framebuffers()
        self.gl.clear()
        self.gl.doneCurrent()
