"""The expressivity sweep against independent references: closed forms, scipy, dense polylines and the
core's own exact measures (a separate implementation of the same breakpoint method)."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import ellipe

from nnsurface.core.arclength import ellipse_arcs
from nnsurface.core.expressivity import (
    CSV_COLUMNS,
    SweepSettings,
    hardtanh_bound,
    network_records,
    ratio_summaries,
    remaining_depth,
    run_sweep,
    sweep_network,
    write_csv,
)
from nnsurface.core.layer_lengths import exact_layer_lengths, weight_circle_lengths
from nnsurface.core.network import Network, paper_random
from nnsurface.core.sampled import polyline_layers
from nnsurface.core.trajectory import Trajectory

# --- arc lengths ----------------------------------------------------------------------------------


@pytest.mark.parametrize("flat", [False, True])
def test_short_and_flat_ellipse_arcs_match_quadrature(flat):
    rng = np.random.default_rng(1 + flat)
    for _ in range(40):
        a, b = rng.normal(size=(2, 3))
        if flat:
            b = rng.normal() * a  # the curve is a segment traversed back and forth: speed vanishes
        t0 = rng.uniform(0, 2 * np.pi)
        t1 = t0 + 10 ** rng.uniform(-6, 0.8)
        turn = 0.5 * (np.arctan2(-(a @ b), 0.5 * (b @ b - a @ a)) + np.pi)
        cuts = [turn + n * np.pi for n in range(-3, 6) if t0 < turn + n * np.pi < t1]
        edges = [t0, *cuts, t1]

        def speed(t, a=a, b=b):
            return np.linalg.norm(-a * np.sin(t) + b * np.cos(t))

        pairs = zip(edges[:-1], edges[1:], strict=True)
        ref = sum(quad(speed, lo, hi, epsabs=0, epsrel=1e-13)[0] for lo, hi in pairs)
        gram = np.array([a @ a, b @ b, a @ b]).reshape(1, 3, 1)
        got = ellipse_arcs(gram, np.array([t0]), np.array([t1])).length[0, 0]
        assert got == pytest.approx(ref, rel=1e-10)


# --- exact per-layer walk --------------------------------------------------------------------------


def _small(activation: str, seed: int, input_dim: int = 2, sigma_b2: float = 0.3):
    rng = np.random.default_rng(seed)
    net = paper_random([5, 4, 6], 6.0, sigma_b2, seed=rng, input_dim=input_dim, activation=activation)
    traj = Trajectory(rng.normal(size=input_dim), rng.normal(size=input_dim), rng.normal(size=input_dim))
    return net, traj


@pytest.mark.parametrize("activation", ["relu", "hardtanh"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_exact_layers_bound_and_approach_dense_polylines(activation, seed):
    net, traj = _small(activation, seed, input_dim=3)
    exact = exact_layer_lengths(net, traj, include_output=True)
    poly = polyline_layers(net, traj, 2**17)
    t = np.linspace(0, 2 * np.pi, 2**17, endpoint=False)
    f = net(traj.points(t))
    dense = np.append(poly.lengths, np.abs(np.diff(np.append(f, f[0]))).sum())
    assert np.all(dense <= exact.lengths * (1 + 1e-12))  # a chord is never longer than its arc
    np.testing.assert_allclose(dense, exact.lengths, rtol=3e-4)  # kinks cost a polyline O(1/N)
    # Sign changes between samples this dense find every crossing of these small nets.
    np.testing.assert_array_equal(poly.transitions, exact.transitions[:-1])


@pytest.mark.parametrize("activation", ["relu", "hardtanh"])
@pytest.mark.parametrize("seed", [0, 1])
def test_sweep_lengths_equal_the_core_exact_measures(activation, seed):
    measures = pytest.importorskip("nnsurface.core.measures")
    settings = SweepSettings(activation=activation, width=5, depth=3, sigma_w2=(3.0,), sigma_b2=0.2, seed=seed)  # noqa: E501
    for index in range(2):
        net, traj = sweep_network(settings, 3.0, index)
        m = measures.measure(net, traj)
        records = network_records(settings, 3.0, index)
        assert [r.method for r in records] == ["exact"] * 4
        assert records[0].length == pytest.approx(m.input_length, rel=1e-12)
        np.testing.assert_allclose([r.length for r in records[1:]], m.layer_lengths, rtol=1e-10)
        assert [r.transitions for r in records[1:]] == list(m.layer_transitions)


def test_weight_circle_of_the_output_layer_is_a_closed_form():
    net, traj = _small("hardtanh", 3)
    x = np.array([0.3, -1.2])
    other = np.random.default_rng(4).normal(size=net.weights[-1].shape)
    h = net.forward_all(x[None]).post[-1][0]
    a, b = h @ net.weights[-1][:, 0], h @ other[:, 0]
    # f(θ) = a cos θ + b sin θ + c has total variation 4·√(a² + b²) round the circle.
    assert weight_circle_lengths(net, net.n_hidden, x, other).lengths[-1] == pytest.approx(
        4 * math.hypot(a, b), rel=1e-12
    )


def test_weight_circle_of_a_hidden_layer_matches_dense_theta_sampling():
    net, traj = _small("relu", 5)
    x = np.array([0.7, 0.4])
    other = np.random.default_rng(6).normal(size=net.weights[1].shape)
    theta = np.linspace(0, 2 * np.pi, 2**17, endpoint=False)[:, None]
    h0 = np.maximum(x @ net.weights[0] + net.biases[0], 0)
    h = np.maximum(np.cos(theta) * (h0 @ net.weights[1]) + np.sin(theta) * (h0 @ other) + net.biases[1], 0)
    tail = Network(net.weights[2:], net.biases[2:], net.activation)
    f = tail(h)
    dense = np.abs(np.diff(np.append(f, f[0]))).sum()
    exact = weight_circle_lengths(net, 1, x, other).lengths[-1]
    assert dense <= exact * (1 + 1e-12)
    assert dense == pytest.approx(exact, rel=3e-4)  # kinks cost a polyline O(1/N)


def test_checkpoint_stops_the_walk():
    net, traj = _small("hardtanh", 0)

    def stop():
        raise InterruptedError

    with pytest.raises(InterruptedError):
        exact_layer_lengths(net, traj, checkpoint=stop)


# --- the sweep -------------------------------------------------------------------------------------


def test_seeds_reproduce_and_records_do_not_depend_on_the_other_sigmas():
    a = run_sweep(SweepSettings(width=6, depth=3, sigma_w2=(1.0, 9.0), networks=2, seed=7))
    b = run_sweep(SweepSettings(width=6, depth=3, sigma_w2=(1.0, 9.0), networks=2, seed=7))
    c = run_sweep(SweepSettings(width=6, depth=3, sigma_w2=(9.0,), networks=2, seed=7))
    d = run_sweep(SweepSettings(width=6, depth=3, sigma_w2=(9.0,), networks=2, seed=8))
    assert a.records == b.records
    assert [r for r in a.records if r.sigma_w2 == 9.0] == list(c.records)
    assert not np.allclose(c.lengths(9.0), d.lengths(9.0))


def test_networks_follow_the_paper_scheme():
    s = SweepSettings(width=400, depth=2, sigma_w2=(9.0,), sigma_b2=0.5, input_dim=3)
    net, traj = sweep_network(s, 9.0, 0)
    assert net.weights[0].shape == (3, 400) and traj.u.shape == (3,)
    # first layer N(0, σ_w²/m), hidden N(0, σ_w²/k), biases N(0, σ_b²): sample variances within ~4 s.e.
    assert np.var(net.weights[0]) == pytest.approx(9.0 / 3, rel=0.15)
    assert np.var(net.weights[1]) == pytest.approx(9.0 / 400, rel=0.02)
    assert np.var(net.biases[1]) == pytest.approx(0.5, rel=0.3)


def test_budget_switches_deep_layers_to_flagged_lower_bounds():
    s = SweepSettings(width=16, depth=5, sigma_w2=(25.0,), networks=1, max_pieces=150, max_samples=2**12)
    exact = run_sweep(SweepSettings(**{**s.to_dict(), "max_pieces": 10**7}))
    budget = run_sweep(s)
    methods = [r.method for r in budget.records]
    assert methods[0] == "exact" and "sampled" in methods
    assert methods == sorted(methods)  # exact layers first, then sampled ones
    for e, r in zip(exact.records, budget.records, strict=True):
        if r.method == "exact":
            assert r.length == e.length and r.samples is None and not r.lower_bound
        else:
            assert r.samples == 2**12 or r.convergence <= s.target
            assert r.length <= e.length * (1 + 1e-12)  # a polyline never exceeds the curve
            assert r.transitions <= e.transitions
            assert r.lower_bound == (r.convergence > s.target)


def test_hardtanh_bound_formula():
    # σ_w = 4, k = 64: 4/16^{1/4} · 8/√(4 + 64) = 2 · 8/√68
    assert hardtanh_bound(16.0, 0.0, 64) == pytest.approx(16 / math.sqrt(68), rel=1e-15)
    assert hardtanh_bound(16.0, 0.0, 64) == pytest.approx(1.9403, abs=1e-4)
    # σ_b² enters through σ_w² + σ_b²: σ_w = 1, s² = 2, k = 1
    assert hardtanh_bound(1.0, 1.0, 1) == pytest.approx(1 / 2**0.25 / math.sqrt(math.sqrt(2) + 1))


def test_hardtanh_grows_exponentially_below_the_asymptotic_bound():
    """Claim 2 at k = 64, σ_w² = 16, 2-D input: measured ≈ 1.82 per hidden layer (exact lengths) against
    the formula's 1.94. The bound is asymptotic (tight for large σ_w and k), so the measured growth is
    only required to be clearly exponential, and the gap is reported rather than forced to vanish."""
    s = SweepSettings(width=64, depth=6, sigma_w2=(16.0,), networks=4, max_pieces=10**7)
    result = run_sweep(s)
    (summary,) = ratio_summaries(result)
    assert all(r.method == "exact" for r in result.records)
    assert summary.growth > 1.5
    assert np.all(summary.mean > 1.5)
    assert summary.bound == pytest.approx(1.9403, abs=1e-4)


def test_relu_at_he_scale_does_not_grow_with_depth():
    """Hanin, Jeong & Rolnick (2022): at σ_w² = 2 the expected length of a relu net's layers stays put.
    Per network and layer the ratio fluctuates by ~0.05-0.1 at k = 64 (O(1/√k)); the mean geometric
    growth over 8 networks × 5 layers has a spread near 0.02, so ±0.1 around 1 is a 5σ band that
    still excludes the hardtanh growth of the test above."""
    s = SweepSettings(activation="relu", width=64, depth=6, sigma_w2=(2.0,), networks=8, max_pieces=10**7)
    (summary,) = ratio_summaries(run_sweep(s))
    assert abs(summary.growth - 1.0) < 0.1
    assert summary.bound is None


def test_tanh_is_sampled_with_convergence_recorded():
    s = SweepSettings(activation="tanh", width=8, depth=2, sigma_w2=(2.0,), networks=1)
    records = run_sweep(s).records
    assert [r.method for r in records] == ["exact", "sampled", "sampled"]
    assert all(r.transitions is None and r.convergence <= s.target for r in records[1:])


def test_csv_rows_columns_and_settings_sidecar(tmp_path):
    s = SweepSettings(width=4, depth=2, sigma_w2=(1.0, 4.0), networks=2, sigma_b2=0.1, input_dim=3)
    result = run_sweep(s)
    sidecar = write_csv(result, tmp_path / "out.csv")
    with open(tmp_path / "out.csv", newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    assert tuple(reader.fieldnames) == CSV_COLUMNS
    assert len(rows) == 2 * 2 * 3
    assert [(float(r["sigma_w2"]), int(r["network"]), int(r["layer"])) for r in rows] == [
        (sw, n, layer) for sw in (1.0, 4.0) for n in range(2) for layer in range(3)
    ]
    first = rows[0]
    assert [first[c] for c in ("activation", "width", "input_dim", "sigma_b2")] == ["hardtanh", "4", "3", "0.1"]  # noqa: E501
    _, traj = sweep_network(s, 1.0, 0)
    # Layer 0 is the input ellipse u cos t + v sin t: perimeter 4a·E(1 − b²/a²) from its semi-axes.
    a, b = np.linalg.svd(np.stack([traj.u, traj.v]), compute_uv=False)
    assert float(first["length"]) == pytest.approx(4 * a * ellipe(1 - (b / a) ** 2), rel=1e-13)
    assert all(r["method"] == "exact" and r["samples"] == "" and r["lower_bound"] == "0" for r in rows)
    meta = json.loads(sidecar.read_text())
    assert meta.pop("format") == "nnsurface-sweep" and meta.pop("version") == 1
    assert SweepSettings.from_dict(meta) == s


@pytest.mark.parametrize(
    "change",
    [{"activation": "sigmoid"}, {"width": 0}, {"sigma_w2": ()}, {"sigma_w2": (1.0, -2.0)},
     {"sigma_b2": float("nan")}, {"networks": 0}, {"max_samples": 8}],
)  # fmt: skip
def test_bad_settings_are_refused(change):
    with pytest.raises(ValueError):
        SweepSettings(**change)


# --- remaining depth -------------------------------------------------------------------------------


def test_remaining_depth_shapes_and_linear_response_of_the_output_layer():
    net, traj = _small("hardtanh", 8)
    small = remaining_depth(net, traj, epsilon=1e-3, repeats=3, seed=1)
    double = remaining_depth(net, traj, epsilon=2e-3, repeats=3, seed=1)
    assert small.output_change.shape == (len(net.weights), 3)
    # f is linear in the output weights: the same noise draw at 2ε changes f exactly twice as much.
    np.testing.assert_allclose(double.output_change[-1], 2 * small.output_change[-1], rtol=1e-9)
    assert np.all(small.output_change > 0) and np.all(small.circle_length > 0)
    assert np.all(small.transition_change[-1] == 0)  # the output layer has no units to cross
