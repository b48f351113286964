"""Exports: the 3-D view as an image of any size, and the numbers behind it as CSV.

The image is rendered off screen into a framebuffer object of the requested size (up to what the GL
driver allows), so it can be larger than the screen. The framing is the view's: an image of another shape
than the view shows more at the sides or above and below, never less. Lines, dots and axis labels
are scaled with the image, so a poster-sized export looks like the view, not like a thumbnail of it.

The data are computed here from the result's session by the core, never read back from widgets: the
grid (x₁, x₂, f and the linear region of each point) and the dense trajectory with every hidden unit's
value along it (Network.forward_all at the result's t).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QWidget

from nnsurface.core.activations import is_piecewise_linear
from nnsurface.core.session_file import save_session
from nnsurface.gui.result import Result

CSV_DIGITS = "%.17g"  # every float64 round-trips
SAMPLES = 4  # multisampling of the off-screen image


class ExportError(Exception):
    """An export that could not be made; the message says why."""


# --- images ------------------------------------------------------------------------------------------


def render_surface(surface_view, width: int, height: int) -> QImage:
    """The 3-D view (`SurfaceView`) rendered off screen at width × height pixels."""
    # Imported here: without OpenGL (the heatmap fallback) the data exports still work.
    from OpenGL import GL
    from pyqtgraph.opengl import GLLinePlotItem, GLScatterPlotItem
    from PySide6.QtOpenGL import QOpenGLFramebufferObject, QOpenGLFramebufferObjectFormat

    view = surface_view.gl
    vw, vh = max(view.width(), 1), max(view.height(), 1)
    # pyqtgraph's field of view is horizontal: a viewport VW pixels wide shows the view's width across
    # VW pixels. The image (a region of that viewport, centred) shows at least what the view shows
    # when VW = min(width, height · vw / vh), and then `scale` image pixels stand for one view pixel.
    virtual_w = min(width, height * vw / vh)
    scale = virtual_w / vw
    region = (int(round((virtual_w - width) / 2)), 0, width, height)
    viewport = (0, 0, int(round(virtual_w)), height)

    view.makeCurrent()
    try:
        limit = int(GL.glGetIntegerv(GL.GL_MAX_RENDERBUFFER_SIZE))
        if max(width, height) > limit:
            raise ExportError(f"{width} × {height} px is larger than this OpenGL allows ({limit} px a side)")
        fmt = QOpenGLFramebufferObjectFormat()
        fmt.setAttachment(QOpenGLFramebufferObject.Attachment.CombinedDepthStencil)
        fmt.setSamples(SAMPLES)
        fbo = QOpenGLFramebufferObject(width, height, fmt)
        if not fbo.isValid():
            raise ExportError(f"OpenGL could not make a {width} × {height} px off-screen image")
        scaled = _scale_strokes(view, scale, GLLinePlotItem, GLScatterPlotItem)
        labels = surface_view.labels
        labels.hide_for_render = True  # text cannot be drawn into the framebuffer: drawn onto the image
        try:
            fbo.bind()
            GL.glViewport(0, 0, width, height)
            view.paint(region=region, viewport=viewport)
            mvp = view.currentProjection() * view.currentModelView()
            image = fbo.toImage()
        finally:
            fbo.release()
            labels.hide_for_render = False
            for item, attribute, value in scaled:
                setattr(item, attribute, value)
        del fbo  # its GL objects are freed while the context is current
    finally:
        view.doneCurrent()
        view.update()
    image = image.convertToFormat(QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    painter.scale(scale, scale)  # the labels as the view draws them, scaled with the image
    labels.draw(painter, mvp, width / scale, height / scale)
    painter.end()
    return image


def _scale_strokes(
    view, scale: float, line_type: type, scatter_type: type
) -> list[tuple[object, str, float]]:
    """Widen every line and dot by `scale` for one render; returns what to put back."""
    changed = []
    stack = list(view.items)
    while stack:
        item = stack.pop()
        stack.extend(item.childItems())
        if isinstance(item, line_type):
            changed.append((item, "width", item.width))
            item.width = item.width * scale
        elif isinstance(item, scatter_type) and np.isscalar(item.size):
            changed.append((item, "size", item.size))
            item.size = item.size * scale
    return changed


def render_widget(widget: QWidget, width: int, height: int) -> QImage:
    """A 2-D widget (the heatmap fallback) painted at width × height, its contents scaled to fit."""
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.white)
    scale = min(width / max(widget.width(), 1), height / max(widget.height(), 1))
    painter = QPainter(image)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    painter.translate((width - scale * widget.width()) / 2, (height - scale * widget.height()) / 2)
    painter.scale(scale, scale)
    widget.render(painter)
    painter.end()
    return image


def save_image(image: QImage, path: str | Path) -> None:
    if not image.save(str(path), "PNG"):
        raise ExportError(f"{path}: cannot write the image (is the folder writable?)")


# --- data --------------------------------------------------------------------------------------------


def grid_table(result: Result) -> tuple[list[str], np.ndarray]:
    """(column names, rows) of the grid: x1, x2, f, and the region id where regions are linear pieces.
    Row k is grid point (i, j) = divmod(k, n): x1 = x[i], x2 = y[j]."""
    g = result.grid
    x1, x2 = np.meshgrid(g.x, g.y, indexing="ij")
    columns = [x1.ravel(), x2.ravel(), g.z.ravel()]
    names = ["x1", "x2", "f"]
    if is_piecewise_linear(result.session.network.activation):
        columns.append(g.labels.ravel())
        names.append("region")
    return names, np.column_stack([np.asarray(c, dtype=np.float64) for c in columns])


def trajectory_table(result: Result) -> tuple[list[str], np.ndarray]:
    """(column names, rows) along the trajectory at the result's dense t (every breakpoint included):
    t, x1, x2, the value of every hidden unit h{layer}_{unit}, f, and 1 where t is a breakpoint (the
    measures' own, which the loop drawn may hold only to rounding)."""
    result = result.measured()
    session = result.session
    t = np.asarray(result.trajectory_t, dtype=np.float64)
    xy = session.trajectory.points(t)
    forward = session.network.forward_all(xy)
    names = ["t", "x1", "x2"]
    columns = [t[:, None], xy]
    for layer, h in enumerate(forward.post, start=1):
        names += [f"h{layer}_{unit}" for unit in range(1, h.shape[1] + 1)]
        columns.append(h)
    names += ["f", "breakpoint"]
    columns += [forward.output[:, None], np.isin(t, result.breakpoint_t)[:, None]]
    return names, np.hstack([np.asarray(c, dtype=np.float64) for c in columns])


def export_data(result: Result, path: str | Path) -> list[Path]:
    """`<stem>-grid.csv`, `<stem>-trajectory.csv` and the session they come from, `<stem>.session.json`,
    beside `path`; returns the files written."""
    path = Path(path)
    stem = path.stem if path.suffix.lower() == ".csv" else path.name
    grid_path = path.with_name(f"{stem}-grid.csv")
    trajectory_path = path.with_name(f"{stem}-trajectory.csv")
    session_path = path.with_name(f"{stem}.session.json")
    try:
        for target, (names, rows) in (
            (grid_path, grid_table(result)),
            (trajectory_path, trajectory_table(result)),
        ):
            formats = ["%d" if name in ("region", "breakpoint") else CSV_DIGITS for name in names]
            np.savetxt(target, rows, fmt=formats, delimiter=",", header=",".join(names), comments="")
    except OSError as e:
        raise ExportError(f"{e.filename or path}: cannot write: {(e.strerror or str(e)).lower()}") from None
    save_session(result.session, session_path)  # SessionError names the file and the problem
    return [grid_path, trajectory_path, session_path]
