"""The session model without any window: coalescing, edits, randomize, reset."""

import numpy as np
import pytest

from nnsurface.core.grid import evaluate_grid
from nnsurface.core.network import DEFAULT_WIDTHS, original_random, paper_random
from nnsurface.core.session import Session
from nnsurface.gui.model import SessionModel


@pytest.fixture
def model(qtbot):
    m = SessionModel()
    m.flush()
    return m


def test_a_burst_of_edits_in_one_turn_makes_exactly_one_recompute(model, qtbot):
    results = []
    model.resultChanged.connect(results.append)
    for k in range(20):
        model.set_weight(0, 0, 0, 0.1 * k)
        model.set_bias(1, 2, -0.05 * k)
    model.set_trajectory((0.5, -0.25), 3.0)
    assert results == []  # nothing computed inside the turn
    qtbot.waitUntil(lambda: not model.is_pending())
    qtbot.wait(20)  # a second, spurious recompute would have run by now
    assert len(results) == 1
    net = results[0].session.network
    assert net.weights[0][0, 0] == pytest.approx(1.9) and net.biases[1][2] == pytest.approx(-0.95)
    assert np.array_equal(results[0].grid.z, evaluate_grid(net, 5.0, 50).z)


def test_edits_replace_the_session_at_once_and_emit_it(model):
    sessions = []
    model.sessionChanged.connect(sessions.append)
    model.set_weight(1, 3, 2, 0.75)
    assert model.session().network.weights[1][3, 2] == 0.75
    assert sessions == [model.session()]
    model.set_weight(1, 3, 2, 0.75)  # same value: no edit
    assert len(sessions) == 1


def test_randomize_is_reproducible_and_follows_the_schemes(model):
    model.randomize("original", np.sqrt(2.0), 7)
    first = model.session().network
    model.set_weight(0, 0, 0, 9.0)
    model.randomize("original", np.sqrt(2.0), 7)
    assert model.session().network.equals(first)
    assert first.equals(original_random(DEFAULT_WIDTHS, seed=7))
    model.randomize("paper", 2.0, 3)
    assert model.session().network.equals(
        paper_random(DEFAULT_WIDTHS, sigma_w2=4.0, seed=3, activation="relu")
    )


def test_set_widths_keeps_weights_where_shapes_allow(model):
    before = model.session().network
    model.set_widths((4, 4, 3))
    after = model.session().network
    assert after.widths == (4, 4, 3)
    assert np.array_equal(after.weights[0], before.weights[0])
    assert np.array_equal(after.weights[1], before.weights[1])
    with pytest.raises(ValueError):
        model.set_widths((4, 17))


def test_reset_returns_to_the_default_session(model):
    model.set_widths((3,))
    model.set_view(2.0, 20)
    model.reset()
    assert model.session().equals(Session())
    assert model.flush().grid.z.shape == (50, 50)
