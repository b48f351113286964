"""Controls for everything that is not a single weight: trajectory, grid, activation, architecture,
randomisation. Like the weight editor they own no state: edits go to the model, results are mirrored.
As there, a spinbox that finishes editing ends its run of edits (one undo step per run).
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nnsurface.core.activations import ACTIVATIONS
from nnsurface.core.session import MAX_RESOLUTION, MIN_RESOLUTION
from nnsurface.gui import colors
from nnsurface.gui.formatting import subscript
from nnsurface.gui.model import (
    MAX_HIDDEN_LAYERS,
    MAX_WIDTH,
    MIN_HIDDEN_LAYERS,
    MIN_WIDTH,
    SCHEMES,
    SessionModel,
)
from nnsurface.gui.result import Result
from nnsurface.gui.undo import HistoryKeysToWindow

SCHEME_SIGMA = {"original": math.sqrt(2.0), "paper": 2.0}  # σ each scheme starts from
SCHEME_TIPS = {
    "original": "the original tool: hidden W ~ N(0, σ²), output weights 1, no biases (σ = √2)",
    "paper": "Raghu et al.: W ~ N(0, σ²/fan_in) in every layer, no biases (σ = σ_w)",
}
NEW_LAYER_WIDTH = 4
WIDTHS_PER_ROW = 3
MAX_SEED = 2**31 - 1


def _spin(
    name: str, lo: float, hi: float, step: float, decimals: int, tip: str, tracking: bool = True
) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setObjectName(name)
    spin.setRange(lo, hi)
    spin.setSingleStep(step)
    spin.setDecimals(decimals)
    spin.setKeyboardTracking(tracking)
    spin.setToolTip(tip)
    spin.setAlignment(Qt.AlignmentFlag.AlignRight)
    return spin


def _set_quietly(widget, value) -> None:
    """Show a model value without it coming back as an edit."""
    widget.blockSignals(True)
    if isinstance(widget, QComboBox):
        widget.setCurrentText(value)
    else:
        widget.setValue(value)
    widget.blockSignals(False)


class Controls(QWidget):
    def __init__(self, model: SessionModel, parent: QWidget | None = None):
        super().__init__(parent)
        self._model = model
        self._history_keys = HistoryKeysToWindow(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(8)
        layout.addWidget(self._trajectory_group())
        layout.addWidget(self._grid_group())
        layout.addWidget(self._network_group())
        layout.addWidget(self._random_group())
        layout.addStretch(1)
        model.resultChanged.connect(self.show_result)
        if model.result() is not None:
            self.show_result(model.result())

    # --- groups ----------------------------------------------------------------------------------
    def _trajectory_group(self) -> QGroupBox:
        box = QGroupBox("Trajectory: circle c + r (cos t, sin t)")
        form = QFormLayout(box)
        self.center_x = _spin("ctl-center-x", -1000, 1000, 0.1, 3, "centre of the circle, first coordinate")
        self.center_y = _spin("ctl-center-y", -1000, 1000, 0.1, 3, "centre of the circle, second coordinate")
        self.radius = _spin("ctl-radius", 0, 1000, 0.1, 3, "radius of the circle")
        centre = QHBoxLayout()
        centre.addWidget(self.center_x)
        centre.addWidget(self.center_y)
        form.addRow("centre c", centre)
        form.addRow("radius r", self.radius)
        for spin in (self.center_x, self.center_y, self.radius):
            spin.valueChanged.connect(self._trajectory_edited)
            self._edits_model(spin)
        return box

    def _grid_group(self) -> QGroupBox:
        box = QGroupBox("Surface")
        form = QFormLayout(box)
        self.extent = _spin(
            "ctl-extent", 0.1, 1000, 0.5, 2, "the surface is drawn over [−extent, extent]²", tracking=False
        )
        self.resolution = QSpinBox()
        self.resolution.setObjectName("ctl-resolution")
        self.resolution.setRange(MIN_RESOLUTION, MAX_RESOLUTION)
        self.resolution.setSingleStep(10)
        self.resolution.setKeyboardTracking(False)
        self.resolution.setToolTip(f"grid points per side ({MIN_RESOLUTION}..{MAX_RESOLUTION})")
        self.resolution.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.color_mode = QComboBox()
        self.color_mode.setObjectName("ctl-color-mode")
        self.color_mode.addItems(colors.COLOR_MODES)
        self.color_mode.setToolTip("height: colormap of f; region: one colour per activation pattern")
        form.addRow("extent", self.extent)
        form.addRow("resolution", self.resolution)
        form.addRow("colour by", self.color_mode)
        self.extent.valueChanged.connect(self._view_edited)
        self.resolution.valueChanged.connect(self._view_edited)
        self._edits_model(self.extent)
        self._edits_model(self.resolution)
        self.color_mode.currentTextChanged.connect(self._model.set_color_mode)
        return box

    def _network_group(self) -> QGroupBox:
        box = QGroupBox("Network")
        column = QVBoxLayout(box)
        form = QFormLayout()
        self.activation = QComboBox()
        self.activation.setObjectName("ctl-activation")
        self.activation.addItems(ACTIVATIONS)
        self.activation.setToolTip("the nonlinearity φ of every hidden layer")
        self.activation.currentTextChanged.connect(self._model.set_activation)
        form.addRow("activation φ", self.activation)
        column.addLayout(form)
        self._widths_row = QGridLayout()
        self._widths_row.setSpacing(4)
        self.width_spins: list[QSpinBox] = []
        column.addLayout(self._widths_row)
        buttons = QHBoxLayout()
        self.add_layer = QPushButton("Add layer")
        self.add_layer.setObjectName("ctl-add-layer")
        self.add_layer.setToolTip(
            f"append a hidden layer of width {NEW_LAYER_WIDTH}; existing weights are kept"
        )
        self.remove_layer = QPushButton("Remove layer")
        self.remove_layer.setObjectName("ctl-remove-layer")
        self.remove_layer.setToolTip("drop the last hidden layer; the other weights are kept")
        self.add_layer.clicked.connect(self._add_layer)
        self.remove_layer.clicked.connect(self._remove_layer)
        buttons.addWidget(self.add_layer)
        buttons.addWidget(self.remove_layer)
        column.addLayout(buttons)
        return box

    def _random_group(self) -> QGroupBox:
        box = QGroupBox("Randomize")
        form = QFormLayout(box)
        self.scheme = QComboBox()
        self.scheme.setObjectName("ctl-scheme")
        self.scheme.addItems(SCHEMES)
        for i, name in enumerate(SCHEMES):
            self.scheme.setItemData(i, SCHEME_TIPS[name], Qt.ItemDataRole.ToolTipRole)
        self.scheme.setToolTip("how Randomize draws the weights:\n" + "\n".join(SCHEME_TIPS.values()))
        self.sigma = _spin("ctl-sigma", 0.0, 10.0, 0.1, 3, "standard deviation σ (see the scheme)")
        self.sigma.setValue(SCHEME_SIGMA[SCHEMES[0]])
        self.scheme.currentTextChanged.connect(lambda name: self.sigma.setValue(SCHEME_SIGMA[name]))
        self.seed = QSpinBox()
        self.seed.setObjectName("ctl-seed")
        self.seed.setRange(0, MAX_SEED)
        self.seed.setToolTip("the same seed always draws the same weights")
        self.seed.setAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow("scheme", self.scheme)
        form.addRow("σ", self.sigma)
        form.addRow("seed", self.seed)
        buttons = QHBoxLayout()
        self.randomize = QPushButton("Randomize")
        self.randomize.setObjectName("ctl-randomize")
        self.randomize.setToolTip("draw all weights anew with this scheme, σ and seed")
        self.randomize.clicked.connect(
            lambda: self._model.randomize(self.scheme.currentText(), self.sigma.value(), self.seed.value())
        )
        self.reset = QPushButton("Reset")
        self.reset.setObjectName("ctl-reset")
        self.reset.setToolTip("the original tool's 2-4-4-1 relu network, circle and view")
        self.reset.clicked.connect(self._model.reset)
        buttons.addWidget(self.randomize)
        buttons.addWidget(self.reset)
        form.addRow(buttons)
        return box

    # --- edits -----------------------------------------------------------------------------------
    def _edits_model(self, spin: QAbstractSpinBox) -> None:
        """A spinbox whose runs of steps are single undo steps, and in which Ctrl+Z undoes the session."""
        spin.editingFinished.connect(self._model.end_edit_run)
        spin.installEventFilter(self._history_keys)

    def _trajectory_edited(self) -> None:
        self._model.set_trajectory((self.center_x.value(), self.center_y.value()), self.radius.value())

    def _view_edited(self) -> None:
        self._model.set_view(self.extent.value(), self.resolution.value())

    def _widths(self) -> list[int]:
        return [spin.value() for spin in self.width_spins]

    def _add_layer(self) -> None:
        self._model.set_widths([*self._widths(), NEW_LAYER_WIDTH])

    def _remove_layer(self) -> None:
        self._model.set_widths(self._widths()[:-1])

    # --- mirroring the model ---------------------------------------------------------------------
    def show_result(self, result: Result) -> None:
        s = result.session
        _set_quietly(self.center_x, float(s.trajectory.center[0]))
        _set_quietly(self.center_y, float(s.trajectory.center[1]))
        _set_quietly(self.radius, s.trajectory.radius)
        _set_quietly(self.extent, s.view.extent)
        _set_quietly(self.resolution, s.view.resolution)
        _set_quietly(self.color_mode, result.color_mode)
        _set_quietly(self.activation, s.network.activation)
        widths = s.network.widths
        if len(widths) != len(self.width_spins):
            self._rebuild_widths(len(widths))
        for spin, w in zip(self.width_spins, widths, strict=True):
            _set_quietly(spin, w)
        self.add_layer.setEnabled(len(widths) < MAX_HIDDEN_LAYERS)
        self.remove_layer.setEnabled(len(widths) > MIN_HIDDEN_LAYERS)

    def _rebuild_widths(self, n: int) -> None:
        for spin in self.width_spins:
            self._widths_row.removeWidget(spin)
            spin.setParent(None)
            spin.deleteLater()
        self.width_spins = []
        for i in range(1, n + 1):
            spin = QSpinBox()
            spin.setObjectName(f"ctl-width-L{i}")
            spin.setRange(MIN_WIDTH, MAX_WIDTH)
            spin.setPrefix(f"h{subscript(i)}: ")
            spin.setKeyboardTracking(False)
            spin.setToolTip(
                f"width of hidden layer {i} ({MIN_WIDTH}..{MAX_WIDTH}); weights are kept where they fit"
            )
            spin.valueChanged.connect(lambda _value: self._model.set_widths(self._widths()))
            self._edits_model(spin)
            self._widths_row.addWidget(spin, (i - 1) // WIDTHS_PER_ROW, (i - 1) % WIDTHS_PER_ROW)
            self.width_spins.append(spin)
