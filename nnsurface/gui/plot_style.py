"""The look shared by every 2-D plot of the app: the main window's live plots and the lab's."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsItem

TEXT = (40, 40, 40)


def styled_plot(
    title: str, bottom: str, left: str, *, live: bool = False, minimum: tuple[int, int] = (260, 200)
) -> pg.PlotWidget:
    """A white plot with dark axes, a faint grid and no context menu.

    live: the plot follows every edit. Its axes (which draw the grid lines too) are cached as pixmaps,
    redrawn only when their range or ticks change, and it does not autorange: its owner sets ranges
    that hold while the data fits them. A plot drawn once per run (the lab's) autoranges.
    """
    plot = pg.PlotWidget(background="w")
    item = plot.getPlotItem()
    item.setTitle(title, color=TEXT, size="10pt")
    for name, text in (("bottom", bottom), ("left", left)):
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen(TEXT))
        axis.setTextPen(pg.mkPen(TEXT))
        axis.setLabel(text, color="#282828")
        if live:
            axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    item.showGrid(x=True, y=True, alpha=0.15)
    item.setMenuEnabled(False)
    item.getAxis("left").enableAutoSIPrefix(False)  # values read as they are, not ×0.001
    if live:
        item.getViewBox().disableAutoRange()
    plot.setMinimumSize(*minimum)
    return plot
