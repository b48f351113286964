"""What frames a surface view, the 3-D one and the no-GL heatmap alike: the colour bar beside it and
the caption under it, laid out once for both."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget


class CaptionArea(QWidget):
    """The caption's place under the view: a label without a layout around it.

    The caption changes with every edit, and a label in a layout that changes its text asks every
    layout up to the main window's to run again (≈ 3 ms and a repaint per edit). Here its text
    changes alone; the area grows only when a text needs more lines than it has.
    """

    MIN_LINES = 1

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.label = QLabel(self)
        self.label.setWordWrap(True)  # a long caption must never widen the window
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self._height(self.MIN_LINES))

    def set_text(self, text: str) -> None:
        self.label.setText(text)
        self._fit()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self.label.setGeometry(self.rect())
        self._fit()

    def _height(self, lines: int) -> int:
        return lines * self.label.fontMetrics().lineSpacing() + 2

    def _fit(self) -> None:
        needed = self._height(self.MIN_LINES)
        if self.label.fontMetrics().horizontalAdvance(self.label.text()) > self.width():  # it wraps
            needed = max(self.label.heightForWidth(self.width()), needed)
        if needed != self.height():
            self.setFixedHeight(needed)


def lay_out_view(
    owner: QWidget,
    view: QWidget,
    color_bar: QWidget,
    caption: CaptionArea,
    spacing: int,
    banner: QWidget | None = None,
) -> None:
    """The view with its colour bar on the right and the caption under both (a banner, if any, on
    top), as `owner`'s layout; `spacing` between those rows."""
    caption.label.setObjectName("surface-caption")
    caption.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(6)
    row.addWidget(view, 1)
    row.addWidget(color_bar)
    column = QVBoxLayout(owner)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(spacing)
    if banner is not None:
        column.addWidget(banner)
    column.addLayout(row, 1)
    column.addWidget(caption)
