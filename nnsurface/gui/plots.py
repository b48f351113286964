"""2-D plots of the trajectory: f along the loop with its breakpoints, and length layer by layer.

The second plot is the paper's picture: on a log axis, trajectory length that grows exponentially with
depth is a straight rising line.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QWidget

from nnsurface.gui.formatting import format_tick, subscript
from nnsurface.gui.markers import breakpoint_size
from nnsurface.gui.model import SessionModel
from nnsurface.gui.result import Result
from nnsurface.gui.ticks import log_ticks

TEXT = (40, 40, 40)
CURVE = (220, 45, 30)
LENGTH_LINE = (40, 90, 170)
PI_TICKS = [(0.0, "0"), (np.pi / 2, "π/2"), (np.pi, "π"), (3 * np.pi / 2, "3π/2"), (2 * np.pi, "2π")]


def _styled_plot(title: str, bottom: str, left: str) -> pg.PlotWidget:
    plot = pg.PlotWidget(background="w")
    item = plot.getPlotItem()
    item.setTitle(title, color=TEXT, size="10pt")
    for name, text in (("bottom", bottom), ("left", left)):
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen(TEXT))
        axis.setTextPen(pg.mkPen(TEXT))
        axis.setLabel(text, color="#282828")
    item.showGrid(x=True, y=True, alpha=0.15)
    item.setMenuEnabled(False)
    plot.setMinimumSize(220, 150)
    return plot


class PlotsPanel(QWidget):
    """Both plots side by side; they draw results only."""

    def __init__(self, model: SessionModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.f_plot = _styled_plot("f along the trajectory", "t", "f(x(t))")
        self.f_plot.getPlotItem().getAxis("bottom").setTicks([PI_TICKS])
        self.f_curve = self.f_plot.plot(pen=pg.mkPen(CURVE, width=2))
        self.f_breakpoints = pg.ScatterPlotItem(
            size=7, brush=pg.mkBrush("w"), pen=pg.mkPen((20, 20, 20), width=1.2)
        )
        self.f_plot.addItem(self.f_breakpoints)
        self.f_plot.setXRange(0, 2 * np.pi, padding=0.04)

        self.length_plot = _styled_plot("length by layer", "layer", "trajectory length")
        self.length_plot.getPlotItem().setLogMode(y=True)
        self.length_curve = self.length_plot.plot(
            pen=pg.mkPen(LENGTH_LINE, width=2),
            symbol="o",
            symbolSize=8,
            symbolBrush=pg.mkBrush(LENGTH_LINE),
            symbolPen=pg.mkPen("w"),
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(6)
        layout.addWidget(self.f_plot, 3)
        layout.addWidget(self.length_plot, 2)
        model.resultChanged.connect(self.show_result)
        if model.result() is not None:
            self.show_result(model.result())

    def show_result(self, result: Result) -> None:
        self.f_curve.setData(result.trajectory_t, result.trajectory_f)
        self.f_breakpoints.setData(
            result.measures.breakpoints, result.breakpoint_f, size=breakpoint_size(len(result.breakpoint_f))
        )
        m = result.measures
        lengths = np.array([m.input_length, *m.layer_lengths, m.output_length])
        names = ["x", *(f"h{subscript(i)}" for i in range(1, len(m.layer_lengths) + 1)), "f"]
        layers = np.arange(len(lengths), dtype=float)
        shown = lengths > 0  # a zero length has no place on a log axis
        self.length_curve.setData(layers[shown], lengths[shown])
        item = self.length_plot.getPlotItem()
        item.getAxis("bottom").setTicks([list(zip(layers, names, strict=True))])
        if shown.any():
            lo, hi = lengths[shown].min(), lengths[shown].max()
            item.getAxis("left").setTicks([[(np.log10(v), format_tick(v)) for v in log_ticks(lo, hi)]])
            item.setYRange(np.log10(lo), np.log10(hi), padding=0.08)
        self.length_plot.setXRange(-0.4, len(lengths) - 0.6, padding=0)
