"""Analytic sensitivities against central differences of the exact measures."""

import numpy as np
import pytest

from nnsurface.core.measures import measure
from nnsurface.core.network import Network, default_network, original_random, paper_random
from nnsurface.core.sensitivity import sensitivity
from nnsurface.core.trajectory import Trajectory


def central_differences(net: Network, traj: Trajectory, h: float):
    """(d output_length, d layer_lengths) by central differences, and whether every perturbation kept
    the breakpoints' count and layer attribution (no piece born or dying within ±h).

    Each quotient carries rounding of about eps·length/h: the comparisons below allow for it."""
    theta = net.parameters()
    base = measure(net, traj)
    d_out = np.zeros(theta.size)
    d_layers = np.zeros((net.n_hidden, theta.size))
    same_pieces = True
    for i in range(theta.size):
        step = np.zeros(theta.size)
        step[i] = h
        plus = measure(net.with_parameters(theta + step), traj)
        minus = measure(net.with_parameters(theta - step), traj)
        same_pieces &= plus.layer_transitions == base.layer_transitions == minus.layer_transitions
        d_out[i] = (plus.output_length - minus.output_length) / (2 * h)
        d_layers[:, i] = (np.array(plus.layer_lengths) - np.array(minus.layer_lengths)) / (2 * h)
    return d_out, d_layers, same_pieces


def assert_agree(analytic: np.ndarray, numeric: np.ndarray, length: float, h: float, rtol: float = 1e-5):
    """Each component within rtol of the difference quotient, plus the quotient's rounding."""
    rounding = 100 * np.finfo(float).eps * length / h
    np.testing.assert_array_less(np.abs(analytic - numeric), rtol * np.abs(numeric) + rounding)


def assert_sensitivity_agrees(net: Network, traj: Trajectory, h: float, require_same_pieces: bool = True):
    d_out, d_layers, same_pieces = central_differences(net, traj, h)
    assert same_pieces or not require_same_pieces
    m = measure(net, traj)
    sens = sensitivity(net, traj)
    assert sens.d_output_length.shape == (net.n_parameters,)
    assert sens.d_layer_lengths.shape == (net.n_hidden, net.n_parameters)
    assert_agree(sens.d_output_length, d_out, m.output_length, h)
    for analytic, numeric, length in zip(sens.d_layer_lengths, d_layers, m.layer_lengths, strict=True):
        assert_agree(analytic, numeric, length, h)


def _random_case(seed: int, activation: str, widths, input_dim: int = 2):
    rng = np.random.default_rng(seed)
    net = original_random(widths, seed=rng, input_dim=input_dim, activation=activation)
    net = Network(
        [w * rng.uniform(0.5, 1.5) for w in net.weights],
        [rng.normal(0, 0.5, b.size) for b in net.biases],
        activation,
    )
    if input_dim == 2:
        traj = Trajectory.circle(rng.uniform(-1.5, 1.5, 2), rng.uniform(1.0, 4.0))
    else:
        traj = Trajectory(rng.normal(size=input_dim), rng.normal(size=input_dim), rng.normal(size=input_dim))
    return net, traj


PIECEWISE_CASES = [
    ("relu", 0, (4, 3)),
    ("relu", 1, (4, 4)),
    ("relu", 2, (3, 3, 3)),
    ("relu", 3, (1, 4)),  # a width-1 layer: a curve on a line, its speed vanishing inside pieces
    ("hardtanh", 0, (4, 3)),
    ("hardtanh", 1, (5, 2, 3)),
    ("linear", 0, (4, 3)),
    ("relu", 4, ()),  # no hidden layer
]


H = 1e-5


def _case_with_stable_pieces(seed, activation, widths, input_dim=2):
    """A random case whose pieces survive every ±H perturbation (tries a few seeds)."""
    for attempt in range(5):
        net, traj = _random_case(100 * seed + attempt, activation, widths, input_dim)
        if central_differences(net, traj, H)[2]:
            return net, traj
    raise AssertionError("no configuration with stable pieces")


@pytest.mark.parametrize("activation,seed,widths", PIECEWISE_CASES)
def test_piecewise_sensitivity_matches_central_differences(activation, seed, widths):
    net, traj = _case_with_stable_pieces(seed, activation, widths)
    assert_sensitivity_agrees(net, traj, H)


def test_piecewise_sensitivity_in_three_input_dimensions():
    net, traj = _case_with_stable_pieces(7, "relu", (4, 3), input_dim=3)
    assert_sensitivity_agrees(net, traj, H)


def test_default_network_sensitivity_matches_central_differences():
    assert_sensitivity_agrees(default_network(), Trajectory.circle(), H)


@pytest.mark.parametrize("seed,widths", [(0, (3, 3)), (1, (4, 2))])
def test_tanh_sensitivity_matches_central_differences(seed, widths):
    net, traj = _random_case(seed, "tanh", widths)
    # The quadrature is converged to 1e-12 of each length, so a larger step keeps its noise out.
    assert_sensitivity_agrees(net, traj, 1e-4, require_same_pieces=False)


def test_output_layer_does_not_move_the_hidden_layers():
    net, traj = _random_case(3, "hardtanh", (4, 4))
    sens = sensitivity(net, traj)
    for row in sens.d_layer_lengths:
        dw, db = sens.split_by_layer(row)[-1]
        assert np.all(dw == 0) and np.all(db == 0)
    # Layer 1's length does not depend on layer 2's parameters either.
    dw2, db2 = sens.split_by_layer(sens.d_layer_lengths[0])[1]
    assert np.all(dw2 == 0) and np.all(db2 == 0)


def test_scaling_the_output_scales_its_sensitivity_to_earlier_weights():
    net, traj = _random_case(5, "relu", (4, 3))
    a = -1.7
    base, scaled = sensitivity(net, traj), sensitivity(net.scaled_output(a), traj)
    k = net.n_parameters - net.weights[-1].size - 1  # parameters before the output layer
    expected = abs(a) * base.d_output_length[:k]
    np.testing.assert_allclose(
        scaled.d_output_length[:k], expected, rtol=1e-10, atol=1e-12 * np.abs(expected).max()
    )


def test_split_by_layer_and_layer_summary():
    net = original_random((4, 3), seed=2)
    sens = sensitivity(net, Trajectory.circle((0.2, 0.1), 3.0))
    grad = np.arange(net.n_parameters, dtype=float)
    parts = sens.split_by_layer(grad)
    assert [dw.shape for dw, _ in parts] == [w.shape for w in net.weights]
    assert [db.shape for _, db in parts] == [b.shape for b in net.biases]
    rebuilt = Network([dw for dw, _ in parts], [db for _, db in parts], "relu").parameters()
    np.testing.assert_array_equal(rebuilt, grad)
    summary = sens.layer_summary(-grad)
    np.testing.assert_allclose(summary, [np.abs(dw).mean() for dw, _ in parts])
    assert summary.shape == (3,)


def test_zero_radius_has_zero_sensitivity():
    sens = sensitivity(original_random((4, 4), seed=1), Trajectory.circle((1.0, 1.0), 0.0))
    assert np.all(sens.d_output_length == 0) and np.all(sens.d_layer_lengths == 0)


def test_lower_layer_weights_matter_more_on_average_for_deep_paper_networks():
    # Raghu et al.: the remaining depth amplifies a perturbation, so on average over networks the
    # first hidden layer's weights move the output length more than the last hidden layer's.
    summaries = []
    for seed in range(8):
        net = paper_random((8, 8, 8, 8), sigma_w2=4.0, seed=seed, activation="hardtanh")
        sens = sensitivity(net, Trajectory.circle((0.0, 0.0), 1.0))
        summaries.append(sens.layer_summary(sens.d_output_length))
    mean = np.mean(summaries, axis=0)
    assert mean[0] > 1.5 * mean[3]
