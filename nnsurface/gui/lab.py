"""The expressivity lab: the depth sweep and the remaining-depth experiment of Raghu et al., in a window.

Runs happen off the GUI thread (a worker object on a QThread) with a progress bar and Cancel; the core
calls the worker's checkpoint between batches of pieces or samples, so Cancel stops a run within
milliseconds and the thread ends. Results export as CSV and PNG, each with its settings beside it as
JSON so the run can be reproduced. Open it with `LabWindow(parent, current_network_provider)`, where the
provider returns the main window's current Session (or None when there is none).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nnsurface.core.expressivity import (
    SWEEP_ACTIVATIONS,
    LayerRecord,
    RemainingDepth,
    SweepResult,
    SweepSettings,
    describe_methods,
    iter_sweep,
    random_deep_network,
    remaining_depth,
    write_csv,
)
from nnsurface.core.session import Session
from nnsurface.gui import lab_plots

TITLE = "Expressivity lab"
RELU_REFERENCE_SIGMA_W2 = 2.0
CURRENT, RANDOM = "current network", "random deep network"


class _Cancelled(Exception):
    """Raised at a checkpoint after Cancel."""


class _Worker(QObject):
    """Runs one job on its thread; `job(report, checkpoint)` reports (kind, payload) events."""

    event = Signal(str, object)
    finished = Signal(str)  # "done", "cancelled" or an error message

    def __init__(self, job: Callable[[Callable[[str, object], None], Callable[[], None]], None]):
        super().__init__()
        self._job = job
        self._stop = threading.Event()

    def cancel(self) -> None:
        """Thread-safe: called from the GUI thread while run() works."""
        self._stop.set()

    def _checkpoint(self) -> None:
        if self._stop.is_set():
            raise _Cancelled

    @Slot()
    def run(self) -> None:
        try:
            self._job(self.event.emit, self._checkpoint)
            self.finished.emit("done")
        except _Cancelled:
            self.finished.emit("cancelled")
        except (ValueError, RuntimeError, MemoryError) as e:
            self.finished.emit(f"failed: {e}")


def _spin(lo: int, hi: int, value: int) -> QSpinBox:
    box = QSpinBox()
    box.setRange(lo, hi)
    box.setValue(value)
    return box


def _dspin(lo: float, hi: float, value: float, decimals: int = 3, step: float = 0.1) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(lo, hi)
    box.setDecimals(decimals)
    box.setSingleStep(step)
    box.setValue(value)
    return box


class LabWindow(QMainWindow):
    """Settings and Run/Cancel on the left; the sweep and remaining-depth plots in tabs on the right."""

    runFinished = Signal(str)  # "done", "cancelled" or "failed: …" (tests and status wait on it)

    def __init__(
        self,
        parent: QWidget | None = None,
        current_network_provider: Callable[[], Session | None] | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self.setWindowFlag(Qt.WindowType.Window, True)
        self._provider = current_network_provider
        self._thread: QThread | None = None
        self._worker: _Worker | None = None
        self._records: dict[str, list[LayerRecord]] = {}
        self._settings: dict[str, SweepSettings] = {}
        self.remaining: RemainingDepth | None = None
        self._remaining_settings: dict = {}
        self.sweep_result: SweepResult | None = None
        self.relu_result: SweepResult | None = None

        self.tabs = QTabWidget()
        self.sweep_plots = lab_plots.SweepPlots()
        self.tabs.addTab(self.sweep_plots, "Depth sweep")
        self.tabs.addTab(self._build_remaining_tab(), "Remaining depth")

        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.addWidget(self._build_sweep_form())
        side_layout.addWidget(self._build_remaining_form())
        side_layout.addStretch(1)
        side_layout.addLayout(self._build_run_controls())
        side.setFixedWidth(300)

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.addWidget(side)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.tabs.currentChanged.connect(self._tab_changed)
        self._set_running(False)
        self.resize(1400, 640)

    # --- building ---------------------------------------------------------------------------------
    def _build_sweep_form(self) -> QGroupBox:
        d = SweepSettings()
        self.activation = QComboBox()
        self.activation.addItems(SWEEP_ACTIVATIONS)
        self.width_box = _spin(1, 4096, d.width)
        self.depth_box = _spin(1, 100, d.depth)
        self.sigma_w2_edit = QLineEdit(", ".join(f"{s:g}" for s in d.sigma_w2))
        self.sigma_w2_edit.setToolTip("comma-separated σ_w² values")
        self.sigma_b2_box = _dspin(0.0, 100.0, d.sigma_b2)
        self.networks_box = _spin(1, 1000, d.networks)
        self.input_dim_box = _spin(1, 1000, d.input_dim)
        self.seed_box = _spin(0, 2**31 - 1, d.seed)
        self.max_pieces_box = _spin(0, 100_000_000, d.max_pieces)
        self.max_pieces_box.setSingleStep(10_000)
        self.max_pieces_box.setToolTip("exact pieces per network before deeper layers are sampled")
        self.max_samples_box = _spin(1024, 2**24, d.max_samples)
        self.max_samples_box.setToolTip("largest polyline for sampled layers")
        self.relu_reference = QCheckBox(f"also ReLU at σ_w² = {RELU_REFERENCE_SIGMA_W2:g}")
        self.relu_reference.setChecked(True)
        box = QGroupBox("Depth sweep")
        form = QFormLayout(box)
        for label, widget in (
            ("activation", self.activation), ("width k", self.width_box), ("depth", self.depth_box),
            ("σ_w² values", self.sigma_w2_edit), ("σ_b²", self.sigma_b2_box), ("networks", self.networks_box),
            ("input dim m", self.input_dim_box), ("seed", self.seed_box), ("exact pieces", self.max_pieces_box),  # noqa: E501
            ("max samples", self.max_samples_box),
        ):  # fmt: skip
            form.addRow(label, widget)
        form.addRow(self.relu_reference)
        return box

    def _build_remaining_form(self) -> QGroupBox:
        self.rd_source = QComboBox()
        self.rd_source.addItems([CURRENT, RANDOM] if self._provider is not None else [RANDOM])
        self.rd_epsilon = _dspin(1e-6, 10.0, 0.1, decimals=4, step=0.05)
        self.rd_repeats = _spin(1, 200, 5)
        self.rd_width = _spin(1, 512, 32)
        self.rd_depth = _spin(1, 30, 6)
        self.rd_sigma = _dspin(0.01, 100.0, 4.0, decimals=2, step=0.5)
        self.rd_measure = QComboBox()
        self.rd_measure.addItems(list(lab_plots.MEASURES))
        self.rd_measure.currentTextChanged.connect(self._redraw_remaining)
        box = QGroupBox("Remaining depth")
        form = QFormLayout(box)
        for label, widget in (
            ("network", self.rd_source), ("noise ε", self.rd_epsilon), ("repeats", self.rd_repeats),
            ("random: width", self.rd_width), ("random: depth", self.rd_depth), ("random: σ_w²", self.rd_sigma),  # noqa: E501
            ("bars show", self.rd_measure),
        ):  # fmt: skip
            form.addRow(label, widget)
        return box

    def _build_run_controls(self) -> QVBoxLayout:
        self.run_button = QPushButton("Run")
        self.run_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.export_csv_button = QPushButton("Export CSV…")
        self.export_png_button = QPushButton("Export PNG…")
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.status = QLabel("Set up a run and press Run.")
        self.status.setWordWrap(True)
        self.run_button.clicked.connect(self.run)
        self.cancel_button.clicked.connect(self.cancel)
        self.export_csv_button.clicked.connect(self._ask_export_csv)
        self.export_png_button.clicked.connect(self._ask_export_png)
        layout = QVBoxLayout()
        row = QHBoxLayout()
        row.addWidget(self.run_button)
        row.addWidget(self.cancel_button)
        layout.addLayout(row)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        row = QHBoxLayout()
        row.addWidget(self.export_csv_button)
        row.addWidget(self.export_png_button)
        layout.addLayout(row)
        return layout

    def _build_remaining_tab(self) -> QWidget:
        page = QWidget()
        layout = QHBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.rd_plot = lab_plots.styled_plot("effect of perturbing one layer", "perturbed weight layer", "")
        self.sens_plot = lab_plots.styled_plot(
            "sensitivity of the output length", "weight layer", "mean |∂L/∂w|"
        )
        box, self.rd_caption = lab_plots.captioned(
            self.rd_plot,
            "Claim 3 (remaining depth): perturbing the weights of a lower layer moves the output more, "
            "because more layers remain to amplify the change. Each bar: one weight layer perturbed by "
            "relative noise ε (or swept round W cos θ + W′ sin θ as in the paper's Fig. 5), mean over "
            "repeats, whisker ±1 std. Bars falling from left to right support the claim.",
        )
        layout.addWidget(box, 3)
        box, self.sens_caption = lab_plots.captioned(
            self.sens_plot,
            "For the current network: mean |∂(output length)/∂w| over each layer's weights, from the "
            "core's exact sensitivities — the same question answered by derivatives instead of noise.",
        )
        layout.addWidget(box, 2)
        return page

    # --- settings ---------------------------------------------------------------------------------
    def sweep_settings(self) -> SweepSettings:
        """The form as SweepSettings (ValueError with a readable message when a field is wrong)."""
        try:
            sigmas = tuple(float(v) for v in self.sigma_w2_edit.text().replace(" ", "").split(",") if v)
        except ValueError:
            raise ValueError("σ_w² values: expected comma-separated numbers") from None
        return SweepSettings(
            activation=self.activation.currentText(),
            width=self.width_box.value(),
            depth=self.depth_box.value(),
            sigma_w2=sigmas,
            sigma_b2=self.sigma_b2_box.value(),
            networks=self.networks_box.value(),
            input_dim=self.input_dim_box.value(),
            seed=self.seed_box.value(),
            max_pieces=self.max_pieces_box.value(),
            max_samples=self.max_samples_box.value(),
        )

    def _tab_changed(self, _index: int) -> None:
        self.run_button.setText("Run sweep" if self.tabs.currentIndex() == 0 else "Run remaining depth")

    # --- running ----------------------------------------------------------------------------------
    def is_running(self) -> bool:
        return self._thread is not None

    @Slot()
    def run(self) -> None:
        """Start the run of the visible tab."""
        if self.is_running():
            return
        if self.tabs.currentIndex() == 0:
            self._start_sweep()
        else:
            self._start_remaining_depth()

    def _start_sweep(self) -> None:
        try:
            settings = self.sweep_settings()
        except ValueError as e:
            self.status.setText(f"Not run: {e}")
            return
        jobs = [("sweep", settings)]
        if self.relu_reference.isChecked():
            jobs.append(("relu", replace(settings, activation="relu", sigma_w2=(RELU_REFERENCE_SIGMA_W2,))))
        self._settings = dict(jobs)
        self._records = {name: [] for name, _ in jobs}
        self.sweep_result = self.relu_result = None
        total = sum(len(s.sigma_w2) * s.networks for _, s in jobs)

        def job(report, checkpoint):
            done = 0
            for name, s in jobs:
                for rows in iter_sweep(s, workers=1, checkpoint=checkpoint):
                    done += 1
                    report("records", (name, rows, done, total))

        self._start(job, total, "Sweeping…")

    def _start_remaining_depth(self) -> None:
        source = self.rd_source.currentText()
        session = self._provider() if (source == CURRENT and self._provider is not None) else None
        if source == CURRENT and session is None:
            self.status.setText("Not run: there is no current network.")
            return
        params = {
            "source": source, "epsilon": self.rd_epsilon.value(), "repeats": self.rd_repeats.value(),
            "seed": self.seed_box.value(),
        }  # fmt: skip
        if session is not None:
            network, trajectory = session.network, session.trajectory
        else:
            params.update(
                width=self.rd_width.value(), depth=self.rd_depth.value(), sigma_w2=self.rd_sigma.value()
            )
            network, trajectory = random_deep_network(
                params["width"], params["depth"], params["sigma_w2"], params["seed"], "hardtanh"
            )
        self._remaining_settings = params
        total = len(network.weights) * params["repeats"]

        def job(report, checkpoint):
            result = remaining_depth(
                network, trajectory, params["epsilon"], params["repeats"], params["seed"], checkpoint
            )
            report("remaining", result)
            report("sensitivity", _layer_sensitivity(network, trajectory) if session is not None else ())

        self._start(job, total, "Perturbing layers…", busy=True)

    def _start(self, job, total: int, message: str, busy: bool = False) -> None:
        self._thread = QThread(self)
        self._worker = _Worker(job)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.event.connect(self._on_event)
        self._worker.finished.connect(self._on_finished)
        self.progress.setRange(0, 0 if busy else total)
        self.progress.setValue(0)
        self.status.setText(message)
        self._set_running(True)
        self._thread.start()

    @Slot()
    def cancel(self) -> None:
        """Stop the run at the core's next checkpoint and wait for the thread to end."""
        if self._worker is not None:
            self._worker.cancel()
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
            self._finish("cancelled")

    def _on_event(self, kind: str, payload: object) -> None:
        if kind == "records":
            name, rows, done, total = payload
            self._records[name].extend(rows)
            self.progress.setValue(done)
            self._show_sweep()
        elif kind == "remaining":
            self.remaining = payload
            self._redraw_remaining()
        elif kind == "sensitivity":
            self._show_sensitivity(payload)

    def _show_sensitivity(self, summary) -> None:
        item = self.sens_plot.getPlotItem()
        if isinstance(summary, tuple):  # a random network: sensitivities are shown for the current one
            self.sens_plot.clear()
            item.setTitle("sensitivity: run on the current network", color=lab_plots.TEXT, size="10pt")
            return
        if summary is None:
            self.sens_plot.clear()
            item.setTitle("sensitivity: not available in this build", color=lab_plots.TEXT, size="10pt")
            return
        item.setTitle("sensitivity of the output length", color=lab_plots.TEXT, size="10pt")
        n = len(summary)
        labels = [f"W{i + 1}" if i < n - 1 else "W_out" for i in range(n)]
        lab_plots.draw_bars(self.sens_plot, np.asarray(summary)[:, None], rgb=(214, 39, 40), labels=labels)

    def _on_finished(self, outcome: str) -> None:
        if self._thread is None:
            return
        self._thread.quit()
        self._thread.wait()
        self._finish(outcome)

    def _finish(self, outcome: str) -> None:
        if self._thread is None:
            return
        self._worker.deleteLater()
        self._thread.deleteLater()
        self._thread = self._worker = None
        self._set_running(False)
        if self.progress.maximum() == 0:
            self.progress.setRange(0, 1)
            self.progress.setValue(1 if outcome == "done" else 0)
        if outcome == "done" and self.tabs.currentIndex() == 0 and self.sweep_result is not None:
            records = self.sweep_result.records + (self.relu_result.records if self.relu_result else ())
            self.status.setText(f"Done: {describe_methods(records)}.")
        elif outcome == "done":
            self.status.setText("Done.")
        else:
            self.status.setText(outcome.capitalize() + ".")
        self.runFinished.emit(outcome)

    def _set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        has_sweep = self.sweep_result is not None
        self.export_csv_button.setEnabled(not running and has_sweep)
        self.export_png_button.setEnabled(not running)

    def _show_sweep(self) -> None:
        if "sweep" in self._records:
            self.sweep_result = SweepResult(self._settings["sweep"], tuple(self._records["sweep"]))
            self.sweep_plots.show_sweep(self.sweep_result)
        if self._records.get("relu"):
            self.relu_result = SweepResult(self._settings["relu"], tuple(self._records["relu"]))
            self.sweep_plots.show_relu(self.relu_result)

    def _redraw_remaining(self, *_args) -> None:
        if self.remaining is not None:
            lab_plots.draw_remaining_depth(self.rd_plot, self.remaining, self.rd_measure.currentText())

    # --- exporting --------------------------------------------------------------------------------
    def export_csv(self, path: str | Path) -> list[Path]:
        """The sweep (and the ReLU reference as `<name>-relu.csv`), each with its settings sidecar."""
        path = Path(path)
        written = [path, write_csv(self.sweep_result, path)]
        if self.relu_result is not None:
            relu_path = path.with_name(path.stem + "-relu" + path.suffix)
            written += [relu_path, write_csv(self.relu_result, relu_path)]
        return written

    def export_png(self, path: str | Path) -> list[Path]:
        """The visible tab as an image, and the settings of the run it shows as `<name>.settings.json`."""
        path = Path(path)
        self.tabs.currentWidget().grab().save(str(path), "PNG")
        if self.tabs.currentIndex() == 0 and self.sweep_result is not None:
            meta = {"format": "nnsurface-sweep", "version": 1, **self.sweep_result.settings.to_dict()}
            meta["relu_reference"] = self.relu_result is not None
        else:
            meta = {"format": "nnsurface-remaining-depth", "version": 1, **self._remaining_settings}
        sidecar = path.with_suffix(".settings.json")
        sidecar.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        return [path, sidecar]

    def _ask_export_csv(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Export sweep as CSV", "sweep.csv", "CSV (*.csv)")
        if name:
            written = self.export_csv(name)
            self.status.setText("Wrote " + ", ".join(p.name for p in written))

    def _ask_export_png(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Export plots as PNG", "lab.png", "PNG (*.png)")
        if name:
            written = self.export_png(name)
            self.status.setText("Wrote " + ", ".join(p.name for p in written))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self.cancel()
        super().closeEvent(event)


def _layer_sensitivity(network, trajectory):
    """Mean |∂(output length)/∂w| per weight layer from the core's sensitivities, when available."""
    try:
        from nnsurface.core.sensitivity import sensitivity
    except ImportError:
        return None
    sens = sensitivity(network, trajectory)
    return sens.layer_summary(sens.d_output_length)
