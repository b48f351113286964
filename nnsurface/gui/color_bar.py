"""The legend of the surface colours: a height colour bar with ticks, or the palette of linear regions."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QLinearGradient, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from nnsurface.gui import colors
from nnsurface.gui.formatting import format_tick
from nnsurface.gui.ticks import nice_ticks

BAR_WIDTH = 16
MAX_SWATCHES = 40  # more regions than this are summarised by their count


class ColorBar(QWidget):
    """Vertical bar: the colormap from the surface's lowest to highest f, or one swatch per region."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._mode = colors.COLOR_MODES[0]
        self._range = (0.0, 1.0)
        self._swatches = np.zeros((0, 4), dtype=np.uint8)
        self._n_regions = 0
        stops = np.linspace(0.0, 1.0, 9)
        self._stops = [(float(s), colors.height_colormap().map(s, mode="qcolor")) for s in stops]
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        fm = self.fontMetrics()
        return QSize(BAR_WIDTH + 14 + fm.horizontalAdvance("−0.000"), 200)

    def show_heights(self, zmin: float, zmax: float) -> None:
        self._mode, self._range = "height", (zmin, zmax)
        self.update()

    def show_regions(self, palette: np.ndarray, n_regions: int) -> None:
        self._mode, self._swatches, self._n_regions = "region", palette[:MAX_SWATCHES], n_regions
        self.update()

    def shown(self) -> tuple[str, tuple[float, float] | int]:
        """What the bar shows: ("height", (zmin, zmax)) or ("region", the number of regions)."""
        return (self._mode, self._range) if self._mode == "height" else (self._mode, self._n_regions)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = self.fontMetrics()
        text = self.palette().color(QPalette.ColorRole.WindowText)
        top, bottom = fm.height() * 2 + 6, self.height() - fm.height()
        bar = QRectF(4, top, BAR_WIDTH, max(bottom - top, 10))
        p.setPen(text)
        title = (
            "f(x)" if self._mode == "height" else f"{self._n_regions} region{'s' * (self._n_regions != 1)}"
        )
        p.drawText(
            QRectF(0, 0, self.width(), fm.height() * 2),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            title,
        )
        if self._mode == "height":
            self._paint_heights(p, bar, text)
        else:
            self._paint_regions(p, bar)
        p.setPen(QColor(110, 110, 110))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(bar)
        p.end()

    def _paint_heights(self, p: QPainter, bar: QRectF, text: QColor) -> None:
        gradient = QLinearGradient(bar.bottomLeft(), bar.topLeft())
        for s, c in self._stops:
            gradient.setColorAt(s, c)
        p.fillRect(bar, gradient)
        zmin, zmax = self._range
        if zmax <= zmin:
            return
        fm = self.fontMetrics()
        p.setPen(text)
        for v in nice_ticks(zmin, zmax, max(2, int(bar.height() // (3 * fm.height())))):
            y = bar.bottom() - (v - zmin) / (zmax - zmin) * bar.height()
            p.drawLine(int(bar.right()), int(y), int(bar.right() + 4), int(y))
            p.drawText(
                QRectF(bar.right() + 7, y - fm.height() / 2, self.width(), fm.height()),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                format_tick(float(v)),
            )

    def _paint_regions(self, p: QPainter, bar: QRectF) -> None:
        n = len(self._swatches)
        if n == 0:
            return
        h = bar.height() / n
        for i, c in enumerate(self._swatches):
            p.fillRect(
                QRectF(bar.left(), bar.bottom() - (i + 1) * h, bar.width(), h),
                QColor(int(c[0]), int(c[1]), int(c[2])),
            )
        if self._n_regions > n:
            p.drawText(
                QRectF(bar.right() + 6, bar.top(), self.width(), self.fontMetrics().height()),
                Qt.AlignmentFlag.AlignLeft,
                f"first {n}",
            )
