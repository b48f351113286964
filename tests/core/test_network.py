"""Edits of an immutable network: the new value lands, nothing else changes, nothing is shared mutably.
And the column-wise evaluations the drawn trajectory uses agree with the row-wise ones."""

import numpy as np
import pytest

from nnsurface.core.network import Network, original_random
from nnsurface.core.trajectory import Trajectory


@pytest.fixture
def net() -> Network:
    return original_random((3, 2), seed=4)


def test_with_weight_changes_one_number_and_leaves_the_original(net):
    before = [w.copy() for w in net.weights]
    edited = net.with_weight(1, 2, 0, 0.75)
    assert edited.weights[1][2, 0] == 0.75
    for i, (old, new) in enumerate(zip(before, edited.weights, strict=True)):
        changed = np.argwhere(old != new)
        assert changed.tolist() == ([[2, 0]] if i == 1 else []), i
    for old, kept in zip(before, net.weights, strict=True):
        np.testing.assert_array_equal(old, kept)
    assert all(np.array_equal(a, b) for a, b in zip(edited.biases, net.biases, strict=True))
    assert edited.activation == net.activation
    # the result behaves as a network built from scratch with the same numbers
    fresh = Network([w.copy() for w in edited.weights], [b.copy() for b in edited.biases], net.activation)
    x = np.random.default_rng(0).normal(size=(50, 2))
    np.testing.assert_array_equal(edited(x), fresh(x))
    assert edited.equals(fresh) and not edited.equals(net)


def test_with_bias_changes_one_number(net):
    edited = net.with_bias(0, 1, -2.0)
    assert edited.biases[0][1] == -2.0
    assert np.count_nonzero(edited.biases[0] != net.biases[0]) == (net.biases[0][1] != -2.0)
    assert all(np.array_equal(a, b) for a, b in zip(edited.weights, net.weights, strict=True))


@pytest.mark.parametrize("edit", ["weight", "bias"])
def test_edited_arrays_are_read_only(net, edit):
    edited = net.with_weight(0, 0, 0, 1.5) if edit == "weight" else net.with_bias(0, 0, 1.5)
    for a in (*edited.weights, *edited.biases):
        with pytest.raises(ValueError):
            a[(0,) * a.ndim] = 3.0


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_edits_are_refused_with_the_place_named(net, value):
    with pytest.raises(ValueError, match=r"layers\[1\]\.weights\[0\]\[1\]: NaN or infinite"):
        net.with_weight(1, 0, 1, value)
    with pytest.raises(ValueError, match=r"layers\[0\]\.bias\[2\]: NaN or infinite"):
        net.with_bias(0, 2, value)


def test_equality_compares_numbers_not_identity(net):
    same = Network([w.copy() for w in net.weights], [b.copy() for b in net.biases], net.activation)
    assert net.equals(same)
    assert not net.equals(net.with_activation("hardtanh"))
    assert net.with_weight(0, 0, 0, 9.0).with_weight(0, 0, 0, float(net.weights[0][0, 0])).equals(net)


@pytest.mark.parametrize("widths", [(3, 2), (40, 30)])  # small matrices, and ones of over 256 numbers
def test_equality_is_that_of_the_numbers_at_every_size(widths):
    net = original_random(widths, seed=5).with_weight(1, 0, 0, 0.0)
    same = Network([w.copy() for w in net.weights], [b.copy() for b in net.biases])
    assert net.equals(same) and same.equals(net)
    assert net.equals(net.with_weight(1, 0, 0, -0.0))  # −0.0 == 0.0, as numbers
    last = net.weights[1].shape[1] - 1
    assert not net.equals(net.with_weight(1, 1, last, 1e-300))
    assert not net.equals(net.with_bias(0, 0, 5e-324))
    assert not net.equals(original_random((*widths, 2), seed=5))


@pytest.mark.parametrize("activation", ["relu", "hardtanh", "tanh", "linear"])
def test_values_at_columns_are_the_forward_pass_of_the_points(activation):
    # The trajectory's samples are evaluated with the points as columns; the forward pass takes them
    # as rows. The products may be summed in another order, nothing else differs.
    net = original_random((5, 3, 4), seed=3, activation=activation).with_bias(1, 2, 0.7)
    x = np.random.default_rng(1).uniform(-5, 5, size=(1041, 2))
    np.testing.assert_allclose(net.values_at_columns(x.T), net(x), rtol=1e-13, atol=1e-13)
    assert net.values_at_columns(x[:1].T).shape == (1,)


def test_a_trajectorys_coordinates_are_its_points_as_columns():
    traj = Trajectory((0.5, -1.0), (2.0, 0.3), (-0.3, 2.0))
    t = np.linspace(0.0, 2 * np.pi, 97)
    np.testing.assert_array_equal(traj.coordinates(np.cos(t), np.sin(t)), traj.points(t).T)
