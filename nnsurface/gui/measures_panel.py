"""The measures of the trajectory, as numbers people read: lengths, per-layer growth, regions.

Value labels are named `m-{key}` with the keys of the report JSON (DESIGN.md), layers as
`m-layer_lengths-{ℓ}` counted from 1, and each layer's ratio to the input length as `m-layer_ratio-{ℓ}`.

Every edit changes most values, so value labels have a fixed size (wide enough for the usual numbers,
widened for good the first time a longer one comes): a label of fixed size changing its text repaints
itself and nothing else, where a free one would have the dock and the main window lay out again.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from nnsurface.gui import result as result_module
from nnsurface.gui.formatting import MISSING, format_count, format_number, subscript
from nnsurface.gui.model import SessionModel
from nnsurface.gui.result import Result

VALUE_TEMPLATE = "× −888.8"  # a value label starts this wide (the dock keeps its width)
_VALUE_MARGIN = 4  # pixels beside the text

_ROWS_BEFORE_LAYERS = (
    ("input_length", "input length", "∫|x′(t)| dt, the loop in the plane"),
    ("surface_length", "surface length", "length of the curve (x(t), f(x(t))) drawn on the surface"),
    ("output_length", "output length", "∫|d f(x(t))/dt| dt, total variation of f around the loop"),
)
_ROWS_AFTER_LAYERS = (
    ("transitions", "transitions", "points of the loop where the activation pattern changes"),
    ("regions_visited", "regions visited", "distinct activation patterns met along the loop"),
    ("regions_grid", "regions on grid", "distinct activation patterns among the grid's points"),
    ("regions_exact", "regions (exact)", "linear regions of f in the plotted window (exact partition)"),
    ("crease_length", "crease length", "total length of the creases between regions in the window"),
)


class MeasuresPanel(QWidget):
    """A table name | value | ratio to the input length; rows for hidden layers follow the network."""

    def __init__(self, model: SessionModel, parent: QWidget | None = None):
        super().__init__(parent)
        self._grid = QGridLayout()
        self._grid.setHorizontalSpacing(14)
        self._grid.setVerticalSpacing(3)
        self._grid.setColumnStretch(0, 1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 6, 8, 6)
        outer.addLayout(self._grid)
        outer.addStretch(1)
        self._n_layers = -1
        self.values: dict[str, QLabel] = {}
        model.resultChanged.connect(self.show_result)
        if model.result() is not None:
            self.show_result(model.result())

    def show_result(self, result: Result) -> None:
        m = result.measures
        n_layers = len(m.layer_lengths)
        if n_layers != self._n_layers:
            self._rebuild(n_layers)
            self._n_layers = n_layers
        show = self._show
        show("input_length", format_number(m.input_length))
        show("surface_length", format_number(m.surface_length))
        show("output_length", format_number(m.output_length))
        for i, length in enumerate(m.layer_lengths, start=1):
            show(f"layer_lengths-{i}", format_number(length))
            ratio = length / m.input_length if m.input_length > 0 else None
            show(f"layer_ratio-{i}", MISSING if ratio is None else f"× {format_number(ratio, 3)}")
        show("transitions", format_count(m.transitions))
        show("regions_visited", format_count(m.regions_visited))
        piecewise = m.transitions is not None
        show("regions_grid", format_count(result.grid.n_regions if piecewise else None))
        part = result.exact.partition if result.exact is not None else None
        if part is not None:
            show("regions_exact", format_count(part.regions_exact))
            show("crease_length", format_number(part.crease_length))
        else:  # a smooth network has no regions; a piecewise-linear one here has more than the cap
            show("regions_exact", f"> {result_module.EXACT_REGION_CAP}" if piecewise else MISSING)
            show("crease_length", MISSING)

    def _show(self, key: str, text: str) -> None:
        label = self.values[key]
        if text == label.text():
            return
        width = label.fontMetrics().horizontalAdvance(text) + _VALUE_MARGIN
        if width > label.width():  # wider than the template: once, the panel lays out again
            label.setFixedWidth(width)
        label.setText(text)

    def _rebuild(self, n_layers: int) -> None:
        while self._grid.count():
            item = self._grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.values = {}
        header = _label("ratio to input", secondary=True)
        header.setAlignment(Qt.AlignmentFlag.AlignRight)
        self._grid.addWidget(header, 0, 2)
        row = 1
        for key, name, tip in _ROWS_BEFORE_LAYERS:
            self._add_row(row, key, name, tip)
            row += 1
        for i in range(1, n_layers + 1):
            self._add_row(
                row,
                f"layer_lengths-{i}",
                f"layer h{subscript(i)} length",
                f"∫‖d h{subscript(i)}(x(t))/dt‖ dt, the paper's trajectory length after layer {i}",
            )
            ratio = _value_label()
            ratio.setObjectName(f"m-layer_ratio-{i}")
            self._grid.addWidget(ratio, row, 2)
            self.values[f"layer_ratio-{i}"] = ratio
            row += 1
        rule = QFrame()
        rule.setFrameShape(QFrame.Shape.HLine)
        rule.setFrameShadow(QFrame.Shadow.Sunken)
        self._grid.addWidget(rule, row, 0, 1, 3)
        row += 1
        for key, name, tip in _ROWS_AFTER_LAYERS:
            self._add_row(row, key, name, tip)
            row += 1

    def _add_row(self, row: int, key: str, name: str, tip: str) -> None:
        title = _label(name)
        title.setToolTip(tip)
        value = _value_label()
        value.setObjectName(f"m-{key}")
        value.setToolTip(tip)
        value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._grid.addWidget(title, row, 0)
        self._grid.addWidget(value, row, 1)
        self.values[key] = value


def _value_label() -> QLabel:
    """A right-aligned label of fixed size, as wide as VALUE_TEMPLATE (see the module docstring)."""
    label = QLabel()
    label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    metrics = label.fontMetrics()
    label.setFixedSize(metrics.horizontalAdvance(VALUE_TEMPLATE) + _VALUE_MARGIN, metrics.height() + 2)
    return label


def _label(text: str, secondary: bool = False) -> QLabel:
    label = QLabel(text)
    if secondary:
        label.setEnabled(False)
    return label
