"""The 3-D view: the surface f(x) lit so that linear pieces read as facets, the trajectory drawn on it.

One surface item lives as long as the view and is updated in place: faces and x/y are built when the
grid size changes, after that an edit uploads heights, normals and colours only. Normals come from
the core (finite differences on the regular grid) instead of pyqtgraph's per-vertex loop, which is
the slow part of a naive GLSurfacePlotItem. Heights are drawn scaled by a round vertical factor
(1, 2 or 5 × 10ᵏ) so that any surface fits the box; the factor changes only when the surface leaves
the box or shrinks to a sliver of it, so ordinary edits visibly raise and lower the surface.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph.opengl as gl
from OpenGL import GL
from pyqtgraph import Transform3D
from pyqtgraph.opengl import shaders
from pyqtgraph.opengl.items.GLMeshItem import DirtyFlag, GLMeshItem
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QMatrix4x4, QPainter, QVector3D
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from nnsurface.gui import colors
from nnsurface.gui.color_bar import ColorBar
from nnsurface.gui.formatting import format_number, format_tick, subscript
from nnsurface.gui.markers import breakpoint_size
from nnsurface.gui.model import SessionModel
from nnsurface.gui.result import Result
from nnsurface.gui.ticks import nice_floor, nice_ticks

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
LABEL_COLOR = QColor(50, 50, 50)
TITLE_COLOR = QColor(20, 20, 20)

# Lighting in eye space (x right, y up, z towards the viewer), so the surface stays lit from the
# upper left however the camera turns. Two-sided: the underside is lit like the top. The normals of
# core.grid point to the side the grid's triangles face, which is the underside, hence the flip.
LIT_SHADER = shaders.ShaderProgram(
    "nnsurface-lit",
    [
        shaders.VertexShader("""
        uniform mat4 u_mvp;
        uniform mat3 u_normal;
        attribute vec4 a_position;
        attribute vec3 a_normal;
        attribute vec4 a_color;
        varying vec4 v_color;
        varying vec3 v_normal;
        void main() {
            v_normal = u_normal * a_normal;
            v_color = a_color;
            gl_Position = u_mvp * a_position;
        }
    """),
        shaders.FragmentShader("""
        #ifdef GL_ES
        precision mediump float;
        #endif
        varying vec4 v_color;
        varying vec3 v_normal;
        void main() {
            vec3 n = normalize(v_normal);
            if (!gl_FrontFacing) n = -n;
            vec3 key = normalize(vec3(-0.75, 0.45, 0.45));
            vec3 fill = normalize(vec3(0.60, 0.20, 0.60));
            float diffuse = 0.85 * max(dot(n, key), 0.0) + 0.25 * max(dot(n, fill), 0.0);
            float specular = 0.10 * pow(max(dot(n, normalize(key + vec3(0.0, 0.0, 1.0))), 0.0), 40.0);
            vec3 rgb = v_color.rgb * (0.22 + diffuse) + vec3(specular);
            gl_FragColor = vec4(min(rgb, vec3(1.0)), v_color.a);
        }
    """),
    ],
)


class LitSurfaceItem(gl.GLSurfacePlotItem):
    """A GLSurfacePlotItem fed with precomputed normals and colours; after the first frame of a grid
    size, `set_surface` uploads only heights, normals and colours."""

    def __init__(self):
        self._normals: np.ndarray | None = None
        self._pending = DirtyFlag(0)
        super().__init__(
            shader=LIT_SHADER,
            computeNormals=False,
            smooth=True,
            glOptions="opaque",
            lineColor=MESH_LINE_COLOR,
        )

    def heights(self) -> np.ndarray | None:
        """The z array being drawn, z[i, j] = f(x[i], y[j])."""
        return self._z

    def vertex_normals(self) -> np.ndarray | None:
        """The (n·n, 3) normals being drawn."""
        return self._normals

    def vertex_colors(self) -> np.ndarray | None:
        return self._meshdata.vertexColors()

    def set_surface(
        self, x: np.ndarray, y: np.ndarray, z: np.ndarray, normals: np.ndarray, vertex_colors: np.ndarray
    ) -> None:
        flat_colors = vertex_colors.reshape(-1, 4)
        self._normals = normals.reshape(-1, 3)
        same_grid = (
            self._z is not None
            and self._z.shape == z.shape
            and np.array_equal(self._x, x)
            and np.array_equal(self._y, y)
        )
        if not same_grid:
            self.setData(x=x, y=y, z=z, colors=flat_colors)  # new faces and positions: full rebuild
            return
        self._z = z
        self._vertexes[..., 2] = z
        self._meshdata.setVertexes(self._vertexes.reshape(-1, 3), resetNormals=False)
        changed = DirtyFlag.POSITION | DirtyFlag.NORMAL
        if flat_colors is not self._meshdata.vertexColors():
            self._meshdata.setVertexColors(flat_colors)
            changed |= DirtyFlag.COLOR
        if self.vertexes is not None:  # parsed already: patch the parsed arrays, upload what changed
            self.vertexes = self._meshdata.vertexes()
            self.colors = self._meshdata.vertexColors()
            self.normals = self._normals
            self._pending |= changed
        self._update_grid()
        self.update()

    def set_mesh_lines(self, visible: bool) -> None:
        self.setData(showGrid=visible)
        self.lineplot.setVisible(visible)

    def parseMeshData(self) -> DirtyFlag:  # noqa: N802 (pyqtgraph override)
        if self._z is None:  # nothing to draw before the first result
            return DirtyFlag(0)
        bits = super().parseMeshData()
        if bits:  # a full parse ran (new mesh): it leaves normals to us
            self.normals = self._normals
            bits |= DirtyFlag.NORMAL
        bits |= self._pending
        self._pending = DirtyFlag(0)
        return bits

    def paint(self) -> None:
        # Always push the surface slightly back so lines drawn on it (mesh, trajectory) win the depth test.
        GL.glEnable(GL.GL_POLYGON_OFFSET_FILL)
        GL.glPolygonOffset(1.0, 1.0)
        GLMeshItem.paint(self)
        GL.glDisable(GL.GL_POLYGON_OFFSET_FILL)
        GL.glPolygonOffset(0.0, 0.0)


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

    def set_labels(self, labels: list[Label]) -> None:
        self._labels = labels
        self.update()

    def paint(self) -> None:
        view = self.view()
        if not self._labels or view is None:
            return
        rect = QRectF(view.rect())
        to_screen = QMatrix4x4()
        to_screen.viewport(rect.left(), rect.bottom(), rect.width(), -rect.height())
        project = to_screen * self.mvpMatrix()
        painter = QPainter(view)
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
        painter.end()


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
        self.gl = gl.GLViewWidget()
        self.gl.setBackgroundColor(BACKGROUND)
        self.gl.setMinimumSize(320, 240)
        self.gl.setToolTip("drag to turn, wheel to zoom, middle-drag to pan")
        self.gl.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.surface = LitSurfaceItem()
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
                self.trajectory,
                self.breakpoint_halo,
                self.breakpoints,
                self.labels,
            )
        ):
            item.setDepthValue(depth)
            self.gl.addItem(item)
        self.surface.set_mesh_lines(False)
        self._fitted = (self.surface, self.trajectory, self.breakpoint_halo, self.breakpoints)
        self._fit: VerticalFit | None = None
        self._extent: float | None = None

        self.color_bar = ColorBar()
        self.caption = QLabel()
        self.caption.setObjectName("surface-caption")
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.caption.setWordWrap(True)  # a long caption must never widen the window
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        row.addWidget(self.gl, 1)
        row.addWidget(self.color_bar)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addLayout(row, 1)
        column.addWidget(self.caption)
        model.resultChanged.connect(self.show_result)
        if model.result() is not None:
            self.show_result(model.result())

    # --- drawing a result ------------------------------------------------------------------------
    def show_result(self, result: Result) -> None:
        g = result.grid
        self.surface.set_surface(g.x, g.y, g.z, result.normals, result.colors)
        self.trajectory.setData(pos=result.trajectory_points)
        bps = result.breakpoint_points
        size = breakpoint_size(len(bps))
        for item, extra in ((self.breakpoint_halo, 4), (self.breakpoints, 0)):
            item.setVisible(len(bps) > 0)
            if len(bps):
                item.setData(pos=bps, size=size + extra)
        extent = result.session.view.extent
        if extent != self._extent:
            self._frame_camera(extent)
        half = BOX_HALF_HEIGHT * extent
        fit = fit_vertical(*result.z_range, result.z_span, half, self._fit)
        if fit != self._fit or extent != self._extent:
            self._fit, self._extent = fit, extent
            self._apply_fit(fit, extent)
        shadow = result.trajectory_points.copy()
        shadow[:, 2] = -half
        self.shadow.setData(pos=shadow)
        zmin, zmax = result.z_range
        if result.color_mode == "height":
            self.color_bar.show_heights(zmin, zmax)
        else:
            self.color_bar.show_regions(colors.pattern_palette(g.patterns), g.n_regions)
        self.caption.setText(
            f"heights drawn × {format_tick(fit.scale)}   ·   f from {format_number(zmin)} to "
            f"{format_number(zmax)} on the {len(g.x)} × {len(g.y)} grid"
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
    def set_mesh_lines(self, visible: bool) -> None:
        self.surface.set_mesh_lines(visible)

    def reset_camera(self) -> None:
        if self._extent is not None:
            self._default_camera(self._extent)

    def release(self) -> None:
        """Drop every GL item while the context still exists (avoids aborts at interpreter exit)."""
        self.gl.makeCurrent()
        self.gl.clear()
        self.gl.doneCurrent()
