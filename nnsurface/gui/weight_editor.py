"""The weight editor: every weight and bias as a spinbox, laid out like the matrices they form.

The editor owns no numbers: each spinbox sends its edit to the model, and every result the model
emits is mirrored back (signals blocked, so mirroring never echoes as an edit). A spinbox is only
touched when the model's value differs from what it shows, so the one being typed into keeps its
text and cursor. A spinbox that finishes editing (Return, or focus moving away) ends its run of edits,
so the arrow steps, wheel notches or keystrokes it took are one undo step. Cells are tinted by how
strongly the output trajectory length depends on them (|∂L/∂w| from the core), one scale for all
layers so that layers can be compared.
"""

from __future__ import annotations

from functools import partial

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QLinearGradient, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from nnsurface.core.network import Network
from nnsurface.gui.formatting import format_number, subscript
from nnsurface.gui.model import SessionModel
from nnsurface.gui.result import Result
from nnsurface.gui.undo import HistoryKeysToWindow

VALUE_RANGE = 10.0
STEP = 0.01
DECIMALS = 3
TINT = QColor(236, 112, 20)  # the colour of the most sensitive cell
MAX_TINT = 0.85  # the most sensitive cell is this far from white towards TINT
TINT_LEVELS = 48  # tints are quantised so an edit repaints only cells whose tint visibly changed
MAX_WIDTH = 480  # the editor asks for at most this width (7 columns); wider networks scroll
SENSITIVITY_TITLE = "|∂L/∂w|, L = output trajectory length"
EDIT_HINT = f"type a value, or step by {STEP} with the arrow keys or the wheel"


def weight_name(layer: int, row: int, col: int) -> str:
    """objectName of the spinbox of weights[layer−1][row, col] (layers counted from 1)."""
    return f"w-L{layer}-{row}-{col}"


def bias_name(layer: int, col: int) -> str:
    return f"b-L{layer}-{col}"


def tint_color(level: int) -> QColor:
    """White mixed towards TINT by level / (TINT_LEVELS − 1) · MAX_TINT."""
    a = MAX_TINT * level / (TINT_LEVELS - 1)
    return QColor.fromRgbF(1 - a * (1 - TINT.redF()), 1 - a * (1 - TINT.greenF()), 1 - a * (1 - TINT.blueF()))


class ValueSpinBox(QDoubleSpinBox):
    """A compact spinbox for one parameter: typing, arrow keys and the wheel edit; no buttons.

    After each step (an arrow key, a wheel notch) it tells which value the same step would give next,
    so that the model can compute that edit while the key is held (SessionModel.expect_edit).
    """

    stepped = Signal(float)  # the value one more of the same step would give

    def __init__(self, name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(name)
        self.setRange(-VALUE_RANGE, VALUE_RANGE)
        self.setSingleStep(STEP)
        self.setDecimals(DECIMALS)
        self.setKeyboardTracking(True)
        self.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setAccelerated(True)
        self.setFocusPolicy(Qt.FocusPolicy.WheelFocus)
        self._level = -1

    def stepBy(self, steps: int) -> None:  # noqa: N802 (Qt override)
        before = self.value()
        super().stepBy(steps)  # emits valueChanged: the model has the edit
        after = self.value()
        if after != before:
            following = self.value_after(steps)
            if following != after:
                self.stepped.emit(following)

    def value_after(self, steps: int) -> float:
        """The value stepBy(steps) gives from the current one: the step, rounded to the decimals shown
        and held to the range, as QDoubleSpinBox does it (the tests compare the two)."""
        stepped = round(self.value() + steps * self.singleStep(), self.decimals())
        return min(self.maximum(), max(self.minimum(), stepped))

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(self.fontMetrics().horizontalAdvance("−10.000") + 12, hint.height())

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def show_value(self, value: float) -> None:
        """Mirror the model's value without emitting an edit; untouched if it already shows it."""
        if round(value, DECIMALS) == self.value():
            return
        if not -VALUE_RANGE <= value <= VALUE_RANGE:  # a loaded file may hold larger weights
            self.setRange(min(-VALUE_RANGE, value), max(VALUE_RANGE, value))
        self.blockSignals(True)
        self.setValue(value)
        self.blockSignals(False)

    def show_tint(self, level: int) -> None:
        if level != self._level:
            self._level = level
            palette = self.palette()
            palette.setColor(QPalette.ColorRole.Base, tint_color(level))
            self.setPalette(palette)


class LayerEditor(QGroupBox):
    """W_ℓ as a grid of spinboxes (rows: inputs, columns: units) with the bias row under it."""

    def __init__(self, model: SessionModel, layer: int, network: Network, parent: QWidget | None = None):
        super().__init__(parent)
        self.layer = layer  # counted from 1
        history_keys = HistoryKeysToWindow(self)
        n_layers = len(network.weights)
        fan_in, fan_out = network.weights[layer - 1].shape
        source = "x" if layer == 1 else f"h{subscript(layer - 1)}"
        target = "f" if layer == n_layers else f"h{subscript(layer)}"
        self._title = f"W{subscript(layer)}  {source} → {target}   ({fan_in}×{fan_out})"
        self.setTitle(self._title)
        grid = QGridLayout(self)
        grid.setHorizontalSpacing(2)
        grid.setVerticalSpacing(3)
        grid.setContentsMargins(6, 4, 6, 6)
        for c in range(fan_out):
            grid.addWidget(_header(str(c + 1)), 0, c + 1)
        self.weights: list[list[ValueSpinBox]] = []
        for r in range(fan_in):
            grid.addWidget(_header(f"{source}{subscript(r + 1)}" if layer == 1 else str(r + 1)), r + 1, 0)
            row = []
            for c in range(fan_out):
                spin = ValueSpinBox(weight_name(layer, r, c))
                spin.setToolTip(
                    f"W{subscript(layer)}[{r + 1}, {c + 1}]: weight from {source}{subscript(r + 1)} "
                    f"to {_unit(target, c, fan_out)}\n{EDIT_HINT}"
                )
                spin.valueChanged.connect(partial(model.set_weight, layer - 1, r, c))
                spin.stepped.connect(partial(model.expect_edit, ("weight", layer - 1, r, c)))
                spin.editingFinished.connect(model.end_edit_run)
                spin.installEventFilter(history_keys)
                grid.addWidget(spin, r + 1, c + 1)
                row.append(spin)
            self.weights.append(row)
        rule = QFrame()
        rule.setFrameShape(QFrame.Shape.HLine)
        rule.setFrameShadow(QFrame.Shadow.Sunken)
        grid.addWidget(rule, fan_in + 1, 0, 1, fan_out + 1)
        grid.addWidget(_header("b"), fan_in + 2, 0)
        self.biases: list[ValueSpinBox] = []
        for c in range(fan_out):
            spin = ValueSpinBox(bias_name(layer, c))
            spin.setToolTip(f"b{subscript(layer)}[{c + 1}]: bias of {_unit(target, c, fan_out)}\n{EDIT_HINT}")
            spin.valueChanged.connect(partial(model.set_bias, layer - 1, c))
            spin.stepped.connect(partial(model.expect_edit, ("bias", layer - 1, c)))
            spin.editingFinished.connect(model.end_edit_run)
            spin.installEventFilter(history_keys)
            grid.addWidget(spin, fan_in + 2, c + 1)
            self.biases.append(spin)
        grid.setColumnStretch(fan_out + 1, 1)

    def show_values(
        self, weights: np.ndarray, bias: np.ndarray, w_levels: np.ndarray, b_levels: np.ndarray, mean: float
    ) -> None:
        """Values, tint levels, and the layer's mean |∂L/∂w| in the title."""
        self.setTitle(f"{self._title}   mean |∂L/∂w| {format_number(mean, 3)}")
        for r, row in enumerate(self.weights):
            for c, spin in enumerate(row):
                spin.show_value(float(weights[r, c]))
                spin.show_tint(int(w_levels[r, c]))
        for c, spin in enumerate(self.biases):
            spin.show_value(float(bias[c]))
            spin.show_tint(int(b_levels[c]))


class SensitivityLegend(QWidget):
    """The tint scale: white (0) to TINT (the largest |∂L/∂w| of the network)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._max = 0.0
        self.setToolTip(
            "How much the output trajectory length changes per unit change of each weight.\n"
            "One scale for all layers: compare the tints of W₁ and the last layer."
        )
        self.setMinimumHeight(2 * self.fontMetrics().height() + 16)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def set_maximum(self, value: float) -> None:
        self._max = value
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        p = QPainter(self)
        fm = self.fontMetrics()
        text_h = fm.height()
        p.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        p.drawText(QRectF(0, 0, self.width(), text_h), Qt.AlignmentFlag.AlignLeft, SENSITIVITY_TITLE)
        right = fm.horizontalAdvance(format_number(self._max)) + 8
        bar = QRectF(fm.horizontalAdvance("0") + 6, text_h + 4, self.width() - right - 12, 12)
        gradient = QLinearGradient(bar.topLeft(), bar.topRight())
        gradient.setColorAt(0.0, tint_color(0))
        gradient.setColorAt(1.0, tint_color(TINT_LEVELS - 1))
        p.fillRect(bar, gradient)
        p.setPen(QColor(120, 120, 120))
        p.drawRect(bar)
        p.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        p.drawText(QRectF(0, bar.top() - 2, bar.left() - 4, 16), Qt.AlignmentFlag.AlignRight, "0")
        p.drawText(
            QRectF(bar.right() + 4, bar.top() - 2, right, 16),
            Qt.AlignmentFlag.AlignLeft,
            format_number(self._max),
        )
        p.end()


class WeightEditor(QWidget):
    """All layers, top to bottom, in a scroll area, with the sensitivity legend under them."""

    def __init__(self, model: SessionModel, parent: QWidget | None = None):
        super().__init__(parent)
        self._model = model
        self._shape: tuple | None = None
        self.layers: list[LayerEditor] = []
        self._content = QWidget()
        self._column = QVBoxLayout(self._content)
        self._column.setContentsMargins(4, 4, 4, 4)
        self._column.setSpacing(8)
        self.legend = SensitivityLegend()
        self._column.addWidget(self.legend)
        self._column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(self._content)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll = scroll
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        model.resultChanged.connect(self.show_result)
        if model.result() is not None:
            self.show_result(model.result())

    def spinbox(self, name: str) -> ValueSpinBox:
        """The spinbox with objectName `name` (see weight_name / bias_name)."""
        found = self._content.findChild(ValueSpinBox, name)
        if found is None:
            raise KeyError(name)
        return found

    def show_result(self, result: Result) -> None:
        network = result.session.network
        shape = tuple(w.shape for w in network.weights)
        if shape != self._shape:
            self._rebuild(network)
            self._shape = shape
        grad = np.abs(result.sensitivity.d_output_length)
        top = float(grad.max()) if grad.size else 0.0
        levels = np.zeros_like(grad, dtype=np.int64) if top <= 0 else np.rint(grad / top * (TINT_LEVELS - 1))
        per_layer = result.sensitivity.split_by_layer(levels)
        means = result.sensitivity.layer_summary(result.sensitivity.d_output_length)
        layers = zip(self.layers, network.weights, network.biases, per_layer, means, strict=True)
        for editor, w, b, (wl, bl), mean in layers:
            editor.show_values(w, b, wl, bl, float(mean))
        self.legend.set_maximum(top)

    def _rebuild(self, network: Network) -> None:
        for editor in self.layers:
            self._column.removeWidget(editor)
            editor.setParent(None)  # gone from findChild at once, not only when deleteLater runs
            editor.deleteLater()
        self.layers = [LayerEditor(self._model, i + 1, network) for i in range(len(network.weights))]
        for i, editor in enumerate(self.layers):
            self._column.insertWidget(i, editor)
        # Ask for the width of the widest matrix (up to a limit), so small networks need no scrolling.
        margins = self._column.contentsMargins()
        widest = max(editor.sizeHint().width() for editor in self.layers)
        scrollbar = self._scroll.verticalScrollBar().sizeHint().width()
        wanted = widest + margins.left() + margins.right() + scrollbar
        self._scroll.setMinimumWidth(min(wanted, MAX_WIDTH))


def _unit(name: str, index: int, width: int) -> str:
    """ "h₁ unit 3", or "f" for the single output."""
    return name if width == 1 and name == "f" else f"{name} unit {index + 1}"


def _header(text: str) -> QLabel:
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setEnabled(False)  # drawn in the palette's disabled (grey) text colour
    return label
