"""The expressivity lab's plots, each with a caption saying what it shows and which claim it tests.

They only draw: a SweepResult (or RemainingDepth) in, pyqtgraph items out.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from nnsurface.core.expressivity import RemainingDepth, SweepResult, hardtanh_bound
from nnsurface.gui.plot_style import TEXT, styled_plot

PALETTE = [(31, 119, 180), (214, 39, 40), (44, 160, 44), (148, 103, 189), (255, 127, 14), (23, 190, 207)]
RELU_COLOR = (90, 90, 90)


def color(i: int) -> tuple[int, int, int]:
    return PALETTE[i % len(PALETTE)]


def captioned(plot: QWidget, caption: str) -> tuple[QWidget, QLabel]:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(2, 2, 2, 2)
    layout.setSpacing(2)
    layout.addWidget(plot, 1)
    label = QLabel(caption)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setStyleSheet("color: #444; font-size: 9pt;")
    layout.addWidget(label)
    return box, label


def _legend(plot: pg.PlotWidget) -> pg.LegendItem:
    item = plot.getPlotItem()
    return item.addLegend(offset=(8, 8), labelTextColor=TEXT, brush=pg.mkBrush(255, 255, 255, 200))


def _log_band(plot: pg.PlotWidget, x: np.ndarray, lo: np.ndarray, hi: np.ndarray, rgb) -> None:
    """Shaded min–max band (pyqtgraph's log mode needs log10 data for fill items)."""
    top = plot.plot(x, np.log10(hi), pen=pg.mkPen(None))
    bottom = plot.plot(x, np.log10(lo), pen=pg.mkPen(None))
    plot.addItem(pg.FillBetweenItem(top, bottom, brush=pg.mkBrush(*rgb, 45)))


def draw_lengths(plot: pg.PlotWidget, result: SweepResult, relu_color: bool = False) -> None:
    """Length vs layer on a log axis: geometric mean over networks per σ_w², min–max band; hollow
    markers where some value is only a lower bound."""
    plot.clear()
    plot.getPlotItem().setLogMode(y=False)  # bands are drawn in log10 units directly
    if plot.getPlotItem().legend is None:
        _legend(plot)
    plot.getPlotItem().legend.clear()
    for i, sigma in enumerate(result.settings.sigma_w2):
        lengths = result.lengths(sigma)
        if lengths.shape[0] == 0:
            continue
        rgb = RELU_COLOR if relu_color else color(i)
        x = np.arange(lengths.shape[1], dtype=float)
        positive = np.where(lengths > 0, lengths, np.nan)
        mean = np.exp(np.nanmean(np.log(positive), axis=0))
        if lengths.shape[0] > 1:
            _log_band(plot, x, np.nanmin(positive, axis=0), np.nanmax(positive, axis=0), rgb)
        lower = result.lower_bounds(sigma).any(axis=0)
        brushes = [pg.mkBrush("w") if lb else pg.mkBrush(*rgb) for lb in lower]
        plot.plot(
            x, np.log10(mean), pen=pg.mkPen(rgb, width=2), symbol="o", symbolSize=7,
            symbolBrush=brushes, symbolPen=pg.mkPen(rgb, width=1.5),
            name=f"σ_w² = {sigma:g}  (n = {lengths.shape[0]})",
        )  # fmt: skip
    _log10_ticks(plot)


def _log10_ticks(plot: pg.PlotWidget) -> None:
    """Label a log10-valued y axis with powers of ten."""
    axis = plot.getPlotItem().getAxis("left")
    (lo, hi) = plot.getPlotItem().getViewBox().childrenBounds()[1] or (0.0, 1.0)
    powers = range(int(np.floor(lo)), int(np.ceil(hi)) + 1)
    ticks = [(float(k), f"1e{k}" if abs(k) > 2 else f"{10.0**k:g}") for k in powers]
    axis.setTicks([ticks])


def draw_ratios(plot: pg.PlotWidget, result: SweepResult) -> None:
    """Mean growth ratio l_{d+1}/l_d per hidden layer with ±1 std bars, and the hardtanh bound dashed."""
    plot.clear()
    if plot.getPlotItem().legend is None:
        _legend(plot)
    plot.getPlotItem().legend.clear()
    s = result.settings
    for i, sigma in enumerate(s.sigma_w2):
        lengths = result.lengths(sigma)
        if lengths.shape[0] == 0 or s.depth < 2:
            continue
        hidden = lengths[:, 1:]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratios = hidden[:, 1:] / hidden[:, :-1]
        x = np.arange(1, s.depth, dtype=float) + 0.5
        mean, std = np.nanmean(ratios, axis=0), np.nanstd(ratios, axis=0)
        rgb = color(i)
        plot.addItem(pg.ErrorBarItem(x=x, y=mean, height=2 * std, beam=0.15, pen=pg.mkPen(*rgb, 160)))
        pen = pg.mkPen(rgb, width=2)
        plot.plot(
            x, mean, pen=pen, symbol="s", symbolSize=6, symbolBrush=pg.mkBrush(*rgb), name=f"σ_w² = {sigma:g}"
        )  # noqa: E501
        if s.activation == "hardtanh":
            bound = hardtanh_bound(sigma, s.sigma_b2, s.width)
            dashed = pg.mkPen(rgb, width=1.5, style=Qt.PenStyle.DashLine)
            plot.addItem(pg.InfiniteLine(pos=bound, angle=0, pen=dashed))
    dotted = pg.mkPen((120, 120, 120), width=1, style=Qt.PenStyle.DotLine)
    plot.addItem(pg.InfiniteLine(pos=1.0, angle=0, pen=dotted))


# Bar choice → (RemainingDepth field, short axis label); the caption explains each in full.
MEASURES = {
    "output change": ("output_change", "RMS(f′ − f) / RMS(f)"),
    "output length change": ("length_change", "|L′ − L| / L (output length)"),
    "transitions change": ("transition_change", "T′ − T (transitions)"),
    "output length round W cos θ + W′ sin θ": ("circle_length", "output length over θ (Fig. 5)"),
}


def draw_bars(
    plot: pg.PlotWidget, values: np.ndarray, rgb=(31, 119, 180), labels: list[str] | None = None
) -> None:
    """One bar per layer (mean over repeats) with a ±1 std whisker; values (layers, repeats)."""
    plot.clear()
    values = np.atleast_2d(values)
    x = np.arange(values.shape[0], dtype=float)
    mean, std = values.mean(axis=1), values.std(axis=1)
    bars = pg.BarGraphItem(x=x, height=mean, width=0.6, brush=pg.mkBrush(*rgb, 200), pen=pg.mkPen(rgb))
    plot.addItem(bars)
    if values.shape[1] > 1:
        plot.addItem(pg.ErrorBarItem(x=x, y=mean, height=2 * std, beam=0.2, pen=pg.mkPen(TEXT, width=1.2)))
    names = labels or [f"W{i + 1}" for i in range(values.shape[0])]
    plot.getPlotItem().getAxis("bottom").setTicks([list(enumerate(names))])


def draw_remaining_depth(plot: pg.PlotWidget, result: RemainingDepth, measure: str) -> None:
    attr, axis_label = MEASURES[measure]
    values = getattr(result, attr)
    n = values.shape[0]
    draw_bars(plot, values, labels=[f"W{i + 1}" if i < n - 1 else "W_out" for i in range(n)])
    plot.getPlotItem().getAxis("left").setLabel(axis_label, color="#282828")


class SweepPlots(QWidget):
    """The three sweep plots in a row: lengths, growth ratios vs the bound, and the ReLU reference."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.lengths = styled_plot("trajectory length by layer", "layer (0 = input)", "length (log scale)")
        self.ratios = styled_plot("growth per hidden layer", "layer d → d+1", "l(d+1) / l(d)")
        self.relu = styled_plot("ReLU, σ_w² = 2", "layer (0 = input)", "length (log scale)")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        captions = (
            "Claim 2 (Raghu et al. 2017): trajectory length grows exponentially with depth — a straight rising "  # noqa: E501
            "line on this log axis. Line: geometric mean over networks; band: min–max; hollow markers: some "
            "value there is sampled and not converged, so only a lower bound.",
            "The slope of the left plot, layer by layer: mean l(d+1)/l(d) over networks (bars ±1 std). Dashed: "  # noqa: E501
            "the paper's hardtanh lower bound σ_w/(σ_w²+σ_b²)^¼·√k/√(√(σ_w²+σ_b²)+k) per σ_w² (Theorem 1, "
            "asymptotic in σ_w and k). Dotted: no growth.",
            "The same sweep for ReLU at σ_w² = 2 (He scale), same width, depth and seeds. Hanin, Jeong & "
            "Rolnick (ICLR 2022): at this scale the expected length does not grow with depth — a flat line.",
        )
        self.captions: list[QLabel] = []
        for col, (plot, text) in enumerate(
            zip((self.lengths, self.ratios, self.relu), captions, strict=True)
        ):  # noqa: E501
            box, label = captioned(plot, text)
            self.captions.append(label)
            grid.addWidget(box, 0, col)

    def show_sweep(self, result: SweepResult) -> None:
        draw_lengths(self.lengths, result)
        draw_ratios(self.ratios, result)

    def show_relu(self, result: SweepResult | None) -> None:
        if result is None:
            self.relu.clear()
        else:
            draw_lengths(self.relu, result, relu_color=True)
