"""The expressivity lab: a tiny sweep is computed off the GUI thread and plotted, Cancel stops a big
one promptly with no thread left running, remaining depth draws its bars, and exports carry settings."""

from __future__ import annotations

import csv
import json
import time

import numpy as np
import pytest

from nnsurface.core.expressivity import SweepSettings, run_sweep
from nnsurface.core.session import Session
from nnsurface.gui.lab import LabWindow

RUN_TIMEOUT_MS = 60_000


@pytest.fixture
def lab(qtbot):
    window = LabWindow(current_network_provider=lambda: Session())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.cancel()


def _tiny(lab: LabWindow) -> None:
    lab.width_box.setValue(5)
    lab.depth_box.setValue(3)
    lab.networks_box.setValue(2)
    lab.sigma_w2_edit.setText("1, 9")
    lab.seed_box.setValue(4)


def test_tiny_sweep_is_computed_and_plotted(lab, qtbot, tmp_path):
    _tiny(lab)
    with qtbot.waitSignal(lab.runFinished, timeout=RUN_TIMEOUT_MS) as done:
        lab.run_button.click()
        assert lab.is_running() and lab.cancel_button.isEnabled()
    assert done.args == ["done"]
    assert not lab.is_running()
    expected = run_sweep(SweepSettings(width=5, depth=3, networks=2, sigma_w2=(1.0, 9.0), seed=4))
    assert lab.sweep_result.records == expected.records
    assert lab.relu_result is not None and {r.sigma_w2 for r in lab.relu_result.records} == {2.0}
    # One mean curve per σ_w² on the length and ratio plots, one on the ReLU plot, drawn from the records.
    curves = [c for c in lab.sweep_plots.lengths.getPlotItem().listDataItems() if c.name()]
    assert len(curves) == 2
    x, y = curves[1].getData()
    lengths = expected.lengths(9.0)
    np.testing.assert_allclose(10**y, np.exp(np.log(lengths).mean(axis=0)), rtol=1e-12)
    assert len([c for c in lab.sweep_plots.ratios.getPlotItem().listDataItems() if c.name()]) == 2
    assert len([c for c in lab.sweep_plots.relu.getPlotItem().listDataItems() if c.name()]) == 1
    assert all(label.text() for label in lab.sweep_plots.captions)

    written = lab.export_csv(tmp_path / "sweep.csv")
    with open(tmp_path / "sweep.csv", newline="") as f:
        assert len(list(csv.DictReader(f))) == len(expected.records)
    assert json.loads((tmp_path / "sweep.settings.json").read_text())["sigma_w2"] == [1.0, 9.0]
    assert (tmp_path / "sweep-relu.csv") in written
    png, sidecar = lab.export_png(tmp_path / "lab.png")
    assert png.stat().st_size > 10_000
    assert json.loads(sidecar.read_text())["seed"] == 4


def test_cancel_stops_a_big_sweep_promptly_and_leaves_no_thread(lab, qtbot):
    lab.width_box.setValue(100)
    lab.depth_box.setValue(10)
    lab.networks_box.setValue(10)
    lab.sigma_w2_edit.setText("64")
    lab.run()
    thread = lab._thread
    qtbot.wait(300)
    assert lab.is_running()
    start = time.perf_counter()
    lab.cancel_button.click()
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0
    assert thread.isFinished() and not thread.isRunning()
    assert not lab.is_running() and lab.run_button.isEnabled()
    assert lab.status.text().startswith("Cancelled")


def test_bad_sigma_list_is_refused_without_running(lab):
    lab.sigma_w2_edit.setText("1, x")
    lab.run()
    assert not lab.is_running()
    assert lab.status.text().startswith("Not run")


def test_remaining_depth_on_a_random_net_draws_one_bar_per_layer(lab, qtbot):
    lab.tabs.setCurrentIndex(1)
    lab.rd_source.setCurrentText("random deep network")
    lab.rd_width.setValue(6)
    lab.rd_depth.setValue(3)
    lab.rd_repeats.setValue(2)
    with qtbot.waitSignal(lab.runFinished, timeout=RUN_TIMEOUT_MS) as done:
        lab.run()
    assert done.args == ["done"]
    assert lab.remaining.output_change.shape == (4, 2)
    for measure in ("output change", "transitions change"):
        lab.rd_measure.setCurrentText(measure)
        bars = [i for i in lab.rd_plot.getPlotItem().items if type(i).__name__ == "BarGraphItem"]
        assert len(bars) == 1
