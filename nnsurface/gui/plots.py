"""2-D plots of the trajectory: f along the loop with its breakpoints, and length layer by layer.

The second plot is the paper's picture: on a log axis, trajectory length that grows exponentially with
depth is a straight rising line.

Both follow every edit, so they are drawn to be cheap to redraw: the vertical ranges are refitted only
when the data leaves them or shrinks to a small part of them (as the 3-D view's vertical scale is), so
an ordinary edit moves the curves and not the axes; the axes (with their grid lines) are cached as
pixmaps and only redrawn when their range or ticks change; and a hidden panel draws nothing until it
is shown again.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QWidget

from nnsurface.gui.formatting import format_tick, subscript
from nnsurface.gui.markers import breakpoint_size
from nnsurface.gui.model import SessionModel
from nnsurface.gui.plot_style import styled_plot
from nnsurface.gui.result import Result
from nnsurface.gui.ticks import log_ticks

CURVE = (220, 45, 30)
LENGTH_LINE = (40, 90, 170)
PI_TICKS = [(0.0, "0"), (np.pi / 2, "π/2"), (np.pi, "π"), (3 * np.pi / 2, "3π/2"), (2 * np.pi, "2π")]
PADDING = 0.08  # a refitted range leaves this fraction of the data's span free above and below
FIT_MIN_FILL = 0.5  # a range is refitted when the data fills less than this fraction of it


def stable_range(lo: float, hi: float, current: tuple[float, float] | None) -> tuple[float, float]:
    """The vertical range to show data spanning [lo, hi]: `current` while the data lies inside it and
    fills at least FIT_MIN_FILL of it, else [lo, hi] with PADDING on both sides (a flat line gets
    a range around it)."""
    if current is not None:
        a, b = current
        if a <= lo and hi <= b and hi - lo >= FIT_MIN_FILL * (b - a):
            return current
    pad = PADDING * (hi - lo) if hi > lo else 0.5 * max(abs(lo), 1.0)
    return lo - pad, hi + pad


class PlotsPanel(QWidget):
    """Both plots side by side; they draw results only."""

    def __init__(self, model: SessionModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.f_plot = styled_plot("f along the trajectory", "t", "f(x(t))", live=True, minimum=(220, 150))
        self.f_plot.getPlotItem().getAxis("bottom").setTicks([PI_TICKS])
        self.f_curve = self.f_plot.plot(pen=pg.mkPen(CURVE, width=2))
        self.f_breakpoints = pg.ScatterPlotItem(
            size=7, brush=pg.mkBrush("w"), pen=pg.mkPen((20, 20, 20), width=1.2)
        )
        self.f_plot.addItem(self.f_breakpoints)
        self.f_plot.setXRange(0, 2 * np.pi, padding=0.04)

        self.length_plot = styled_plot(
            "length by layer", "layer", "trajectory length", live=True, minimum=(220, 150)
        )
        self.length_plot.getPlotItem().setLogMode(y=True)
        self.length_curve = self.length_plot.plot(
            pen=pg.mkPen(LENGTH_LINE, width=2),
            symbol="o",
            symbolSize=8,
            symbolBrush=pg.mkBrush(LENGTH_LINE),
            symbolPen=pg.mkPen("w"),
        )
        self._f_range: tuple[float, float] | None = None
        self._log_range: tuple[float, float] | None = None  # log10 of the length axis's range
        self._layer_names: list[str] | None = None
        self._result: Result | None = None  # the latest result, drawn or waiting for the panel to show
        self._drawn: Result | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(6)
        layout.addWidget(self.f_plot, 3)
        layout.addWidget(self.length_plot, 2)
        model.resultChanged.connect(self.show_result)
        if model.result() is not None:
            self.show_result(model.result())

    def show_result(self, result: Result) -> None:
        self._result = result
        if self.isVisible():
            self._draw(result)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if self._result is not None and self._result is not self._drawn:
            self._draw(self._result)

    def _draw(self, result: Result) -> None:
        self._drawn = result
        f = result.trajectory_f
        self.f_curve.setData(result.trajectory_t, f)
        self.f_breakpoints.setData(
            result.breakpoint_t, result.breakpoint_f, size=breakpoint_size(len(result.breakpoint_f))
        )
        f_range = stable_range(float(f.min()), float(f.max()), self._f_range)
        if f_range != self._f_range:
            self._f_range = f_range
            self.f_plot.setYRange(*f_range, padding=0)

        m = result.measures
        lengths = np.array([m.input_length, *m.layer_lengths, m.output_length])
        names = ["x", *(f"h{subscript(i)}" for i in range(1, len(m.layer_lengths) + 1)), "f"]
        layers = np.arange(len(lengths), dtype=float)
        shown = lengths > 0  # a zero length has no place on a log axis
        self.length_curve.setData(layers[shown], lengths[shown])
        item = self.length_plot.getPlotItem()
        if names != self._layer_names:
            self._layer_names = names
            item.getAxis("bottom").setTicks([list(zip(layers, names, strict=True))])
            self.length_plot.setXRange(-0.4, len(lengths) - 0.6, padding=0)
        if shown.any():
            logs = np.log10(lengths[shown])
            log_range = stable_range(float(logs.min()), float(logs.max()), self._log_range)
            if log_range != self._log_range:
                self._log_range = log_range
                lo, hi = 10.0 ** np.array(log_range)
                item.getAxis("left").setTicks([[(np.log10(v), format_tick(v)) for v in log_ticks(lo, hi)]])
                item.setYRange(*log_range, padding=0)
