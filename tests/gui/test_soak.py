"""Soak: 10 000 edits at full speed through the model of a shown window (weights, biases, trajectory,
undo/redo), a result drawn every few hundred edits. Memory stops growing once the undo history is full,
and the final session, surface and measures are exactly what the edits say."""

import gc
import resource
import tracemalloc

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from nnsurface.core.grid import evaluate_grid
from nnsurface.core.measures import measure
from nnsurface.gui.formatting import format_number
from nnsurface.gui.model import UNDO_LIMIT

EDITS = 10_000
FLUSH_EVERY = 250  # a drawn result costs ~0.4 s of software GL and layout here
WARM_UP = 2_500  # by then the undo history is full (UNDO_LIMIT steps) and caches are warm
MAX_PYTHON_GROWTH = 2**20  # bytes of Python allocations still held, WARM_UP → EDITS (measured: 0.1 MB)
MAX_RSS_GROWTH = 64 * 2**20  # bytes of resident memory, same span, with Qt and Mesa (measured: 7-13 MB)


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


@pytest.mark.slow
def test_ten_thousand_edits_keep_memory_bounded_and_end_in_the_right_state(window):
    model = window.model
    net = model.session().network
    weights = [w.copy() for w in net.weights]  # the expected state, kept independently of the app
    biases = [b.copy() for b in net.biases]
    radius = 4.0
    rng = np.random.default_rng(1)
    values = np.round(rng.uniform(-3, 3, EDITS), 3)
    picks = rng.integers(0, 1 << 30, EDITS)
    tracemalloc.start()
    baseline = None
    try:
        for k in range(EDITS):
            value, pick = float(values[k]), int(picks[k])
            kind = k % 20
            if kind < 14:
                layer = pick % len(weights)
                r, c = divmod(pick // 8 % weights[layer].size, weights[layer].shape[1])
                model.set_weight(layer, r, c, value)
                weights[layer][r, c] = value
            elif kind < 18:
                layer = pick % len(biases)
                c = pick // 8 % biases[layer].size
                model.set_bias(layer, c, value)
                biases[layer][c] = value
            elif kind == 18:
                radius = 1.0 + abs(value)
                model.set_trajectory((0.0, 0.0), radius)
            else:
                model.undo_stack.undo()
                model.undo_stack.redo()
            if k % 7 == 0:
                model.end_edit_run()  # as a spinbox losing focus
            if k % FLUSH_EVERY == 0:
                model.flush()
                QApplication.processEvents()
            if k == WARM_UP:
                gc.collect()
                baseline = (tracemalloc.get_traced_memory()[0], rss())
        result = model.flush()
        QApplication.processEvents()
        gc.collect()
        python_growth = tracemalloc.get_traced_memory()[0] - baseline[0]
        rss_growth = rss() - baseline[1]
    finally:
        tracemalloc.stop()

    print(f"\nsoak: Python allocations +{python_growth / 2**20:.2f} MB, RSS +{rss_growth / 2**20:.1f} MB")
    assert python_growth < MAX_PYTHON_GROWTH
    assert rss_growth < MAX_RSS_GROWTH
    session = model.session()
    for got, want in zip(session.network.weights, weights, strict=True):
        assert np.array_equal(got, want)
    for got, want in zip(session.network.biases, biases, strict=True):
        assert np.array_equal(got, want)
    assert session.trajectory.radius == radius
    assert model.undo_stack.count() == UNDO_LIMIT
    grid = evaluate_grid(session.network, session.view.extent, session.view.resolution)
    assert result.session is session
    assert np.array_equal(window.surface_view.surface.heights(), grid.z)
    m = measure(session.network, session.trajectory)
    assert window.measures.values["output_length"].text() == format_number(m.output_length)
    assert window.weight_editor.spinbox("w-L1-0-0").value() == round(weights[0][0, 0], 3)
