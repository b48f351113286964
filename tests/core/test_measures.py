"""Exact measures against references that share no code with them.

References: dense polylines through forward passes (Network.forward_all / patterns), pattern changes
located by bisection on Network.patterns, Richardson-extrapolated polylines on each smooth piece,
closed forms for linear networks (scipy's complete elliptic integral), and invariances.
"""

import numpy as np
import pytest

from nnsurface.core.measures import Measures, breakpoints, measure
from nnsurface.core.network import Network, original_random, paper_random
from nnsurface.core.trajectory import Trajectory

special = pytest.importorskip("scipy.special")
integrate = pytest.importorskip("scipy.integrate")

TWO_PI = 2 * np.pi


# --- references ----------------------------------------------------------------------------------


def _curves(net: Network, traj: Trajectory, t: np.ndarray) -> list[np.ndarray]:
    """Points of every measured curve at t: input, each hidden layer, output (n, 1), surface if m = 2."""
    x = traj.points(t)
    fp = net.forward_all(x)
    curves = [x, *fp.post, fp.output[:, None]]
    if traj.dim == 2:
        curves.append(np.column_stack([x, fp.output]))
    return curves


def _polyline(points: np.ndarray) -> float:
    return float(np.linalg.norm(np.diff(points, axis=0), axis=1).sum())


def dense_polyline(net: Network, traj: Trajectory, n: int) -> list[float]:
    """Polyline lengths through n uniform samples of the closed loop, for every curve of _curves."""
    t = np.linspace(0.0, TWO_PI, n + 1)
    return [_polyline(c) for c in _curves(net, traj, t)]


def dense_transitions(net: Network, traj: Trajectory, n: int) -> tuple[int, int]:
    """(pattern changes between consecutive samples around the loop, distinct patterns seen).

    The samples avoid t = 0, where some tests put a breakpoint on purpose."""
    pats = net.patterns(traj.points((np.arange(n) + 0.382) * (TWO_PI / n)))
    changes = int((pats != np.roll(pats, 1, axis=0)).any(axis=1).sum())
    return changes, len({row.tobytes() for row in pats})


def bisected_breakpoints(net: Network, traj: Trajectory, n: int = 1 << 14) -> np.ndarray:
    """Pattern changes bracketed by n samples and bisected on Network.patterns to ~1e-15."""
    t = np.arange(n + 1) * (TWO_PI / n)
    pats = net.patterns(traj.points(t))
    idx = np.flatnonzero((pats[1:] != pats[:-1]).any(axis=1))
    lo, hi = t[idx], t[idx + 1]
    p_lo = pats[idx]
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        same = (net.patterns(traj.points(mid)) == p_lo).all(axis=1)
        lo, hi = np.where(same, mid, lo), np.where(same, hi, mid)
    return 0.5 * (lo + hi)


def piecewise_quad_lengths(net: Network, traj: Trajectory, cuts: np.ndarray) -> np.ndarray:
    """Lengths of every curve of a piecewise-linear net, the loop cut at `cuts` (bisected).

    On each piece every curve is A cos t + B sin t + C; A, B, C are recovered from three forward
    passes inside the piece, and the speed |−A sin t + B cos t| is integrated by scipy's adaptive
    quadrature (which also copes with the kink where a flat curve turns back).
    """
    cuts = np.sort(np.mod(cuts, TWO_PI))
    edges = np.append(cuts, cuts[0] + TWO_PI) if cuts.size else np.array([0.0, TWO_PI])
    total = 0.0
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        s = a + (b - a) * np.array([0.2, 0.5, 0.8])
        basis = np.column_stack([np.cos(s), np.sin(s), np.ones(3)])
        lengths = []
        for pts in _curves(net, traj, s):
            coef_a, coef_b, _ = np.linalg.solve(basis, pts)

            def speed(t, ca=coef_a, cb=coef_b):
                return np.linalg.norm(-ca * np.sin(t) + cb * np.cos(t))

            lengths.append(integrate.quad(speed, a, b, epsabs=1e-14, epsrel=1e-13, limit=400)[0])
        total = total + np.array(lengths)
    return total


def richardson_lengths(net: Network, traj: Trajectory, n: int) -> np.ndarray:
    """Lengths of every curve of a smooth net by polylines of n, 2n, 4n segments around the loop,
    extrapolated (Richardson, errors h² and h⁴ removed). Not valid for the output, whose speed |f′|
    has kinks."""
    levels = [
        np.array([_polyline(c) for c in _curves(net, traj, np.linspace(0.0, TWO_PI, k + 1))])
        for k in (n, 2 * n, 4 * n)
    ]
    l1, l2, l4 = levels
    r1, r2 = (4 * l2 - l1) / 3, (4 * l4 - l2) / 3
    return (16 * r2 - r1) / 15


def exact_as_list(m: Measures, traj: Trajectory) -> list[float]:
    values = [m.input_length, *m.layer_lengths, m.output_length]
    if traj.dim == 2:
        values.append(m.surface_length)
    return values


def variation_reference(net: Network, traj: Trajectory, n: int = 1 << 20) -> float:
    """Total variation of f around the loop from n samples (converges from below, error O(h²))."""
    f = net(traj.points(np.linspace(0.0, TWO_PI, n + 1)))
    return float(np.abs(np.diff(f)).sum())


# --- piecewise-linear nets against independent references ------------------------------------------

PL_CASES = [
    ("relu", 0, (0.0, 0.0), 4.0),
    ("relu", 1, (0.7, -1.3), 2.5),
    ("relu", 2, (-3.0, 2.0), 6.0),
    ("hardtanh", 0, (0.0, 0.0), 4.0),
    ("hardtanh", 3, (1.5, 0.5), 1.0),
]


@pytest.mark.parametrize("activation,seed,center,radius", PL_CASES)
def test_piecewise_lengths_match_richardson_between_bisected_breakpoints(activation, seed, center, radius):
    rng = np.random.default_rng(seed)
    net = original_random((4, 4), seed=rng, activation=activation)
    net = Network(net.weights, [rng.normal(0, 0.5, b.size) for b in net.biases], activation)
    traj = Trajectory.circle(center, radius)
    m = measure(net, traj)
    ref_cuts = bisected_breakpoints(net, traj)
    assert m.transitions == ref_cuts.size
    np.testing.assert_allclose(m.breakpoints, np.sort(np.mod(ref_cuts, TWO_PI)), rtol=0, atol=1e-12)
    ref = piecewise_quad_lengths(net, traj, ref_cuts)
    np.testing.assert_allclose(exact_as_list(m, traj), ref, rtol=1e-11)


@pytest.mark.parametrize("activation", ["relu", "hardtanh"])
def test_dense_polyline_of_2_20_samples_converges_to_the_exact_lengths(activation):
    net = original_random((4, 4), seed=7, activation=activation)
    traj = Trajectory.circle((0.4, -0.3), 3.5)
    m = measure(net, traj)
    exact = np.array(exact_as_list(m, traj))
    coarse, fine = (np.array(dense_polyline(net, traj, n)) for n in (1 << 16, 1 << 20))
    # Chords never exceed arcs; each chord over a kink loses at most h·(the speeds either side).
    assert np.all(fine <= exact * (1 + 1e-12))
    assert np.all(coarse <= fine * (1 + 1e-12))
    # The largest chord over h bounds the speed; add the smooth arcs' O(h²) shortfall.
    h = TWO_PI / (1 << 16)
    t = np.linspace(0.0, TWO_PI, (1 << 16) + 1)
    vmax = np.array([np.linalg.norm(np.diff(c, axis=0), axis=1).max() / h for c in _curves(net, traj, t)])
    h_fine = TWO_PI / (1 << 20)
    assert np.all(exact - fine <= m.transitions * 2 * h_fine * vmax + 1e-9 * exact)
    assert np.all(exact - fine < exact - coarse + 1e-12 * exact)


@pytest.mark.parametrize("activation", ["relu", "hardtanh"])
def test_transitions_equal_dense_pattern_changes_over_2_20_samples(activation):
    for seed in range(2):
        net = paper_random((6, 6, 6), sigma_w2=3.0, sigma_b2=0.2, seed=seed, activation=activation)
        traj = Trajectory.circle((0.1 * seed, -0.2), 1.5)
        m = measure(net, traj)
        changes, regions = dense_transitions(net, traj, 1 << 20)
        assert (m.transitions, m.regions_visited) == (changes, regions)
        assert sum(m.layer_transitions) >= m.transitions > 0


def test_piece_patterns_are_the_patterns_between_breakpoints():
    net = original_random((5, 5), seed=11, activation="hardtanh")
    traj = Trajectory.circle((0.5, 0.2), 2.0)
    m = measure(net, traj)
    ends = np.append(m.breakpoints[1:], m.breakpoints[0] + TWO_PI)
    mids = 0.5 * (m.breakpoints + ends)
    np.testing.assert_array_equal(m.piece_patterns, net.patterns(traj.points(mids)))
    assert m.piece_patterns.dtype == np.int8
    assert np.all(np.diff(m.breakpoints) > 0) and 0 <= m.breakpoints[0] and m.breakpoints[-1] < TWO_PI


# --- tanh -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "seed,center,radius", [(0, (0.0, 0.0), 4.0), (1, (1.0, -0.5), 2.0), (2, (3.0, 3.0), 7.0)]
)
def test_tanh_lengths_match_richardson_and_dense_variation(seed, center, radius):
    rng = np.random.default_rng(seed)
    net = original_random((4, 4), seed=rng, activation="tanh")
    net = Network(net.weights, [rng.normal(0, 0.5, b.size) for b in net.biases], "tanh")
    traj = Trajectory.circle(center, radius)
    m = measure(net, traj)
    assert m.transitions is None and m.regions_visited is None and m.layer_transitions is None
    assert m.breakpoints.size == 0
    ref = richardson_lengths(net, traj, 4096)
    smooth = [m.input_length, *m.layer_lengths, m.surface_length]
    ref_smooth = np.delete(ref, len(m.layer_lengths) + 1)  # the output is a total variation
    np.testing.assert_allclose(smooth, ref_smooth, rtol=1e-10)
    assert m.output_length == pytest.approx(variation_reference(net, traj), rel=1e-9)


def test_tanh_deep_net_with_many_critical_points():
    net = paper_random((8, 8, 8, 8), sigma_w2=4.0, sigma_b2=0.3, seed=5, activation="tanh")
    traj = Trajectory.circle((0.0, 0.0), 3.0)
    m = measure(net, traj)
    assert m.output_length == pytest.approx(variation_reference(net, traj), rel=1e-8)
    ref = richardson_lengths(net, traj, 8192)
    np.testing.assert_allclose(m.layer_lengths, ref[1:5], rtol=1e-9)


def test_saturated_tanh_net():
    # Weights of ~20: every unit is a near-step, tanh′ falls to 1e-30 and below between sharp spikes
    # of speed, and f has extrema closer together than 2π/2048. Chords of 2^20 samples are short of
    # the lengths, and their variation short of f's, by O(h²) only (f″ reaches 1e7 here).
    net = paper_random((5, 5, 5), sigma_w2=400.0, sigma_b2=1.0, seed=1, activation="tanh")
    traj = Trajectory.circle((1.0, 1.0), 4.0)
    m = measure(net, traj)
    polylines = dense_polyline(net, traj, 1 << 20)
    np.testing.assert_allclose(m.layer_lengths, polylines[1:4], rtol=1e-5)
    assert np.all(np.array(polylines[1:4]) <= np.array(m.layer_lengths))
    assert polylines[4] <= m.output_length <= polylines[4] * (1 + 1e-5)


def test_tanh_curves_that_turn_back():
    # On a 1-D loop every layer retraces its path: its speed has kinks where x′ = 0, at
    # tan t = v/u. A polyline through those two points and 2^20 others is exact up to O(h²).
    # The turn is put just short of 2π/32, where a quadrature panel that straddled it would not
    # notice the kink.
    net = original_random((1, 4, 4), seed=6, input_dim=1, activation="tanh")
    traj = Trajectory([-1.1], [-0.65], [-0.65 * np.tan(TWO_PI / 32 - 6.5e-4)])
    m = measure(net, traj)
    turn = np.mod(np.arctan2(traj.v[0], traj.u[0]), np.pi)
    t = np.sort(np.concatenate([np.linspace(0.0, TWO_PI, (1 << 20) + 1), [turn, turn + np.pi]]))
    polylines = [_polyline(c) for c in _curves(net, traj, t)]
    np.testing.assert_allclose([m.input_length, *m.layer_lengths], polylines[:4], rtol=1e-10)
    assert m.output_length == pytest.approx(polylines[4], rel=1e-10)


# --- linear networks: closed forms -----------------------------------------------------------------


def _ellipse_perimeter(u: np.ndarray, v: np.ndarray) -> float:
    """Perimeter of t ↦ u cos t + v sin t from its semi-axes (singular values) via scipy's ellipe."""
    s = np.linalg.svd(np.stack([u, v]), compute_uv=False)
    a = s[0]
    b = s[1] if s.size > 1 else 0.0
    return 0.0 if a == 0 else float(4 * a * special.ellipe(1 - (b / a) ** 2))


@pytest.mark.parametrize("widths", [(), (3,), (4, 4), (2, 5, 3)])
def test_linear_network_closed_forms(widths):
    rng = np.random.default_rng(len(widths))
    net = original_random(widths, seed=rng, activation="linear")
    net = Network(
        [rng.normal(size=w.shape) for w in net.weights],
        [rng.normal(size=b.size) for b in net.biases],
        "linear",
    )
    center, r = (0.6, -1.1), 2.7
    m = measure(net, Trajectory.circle(center, r))
    product = np.linalg.multi_dot([*net.weights, np.eye(1)])
    assert m.output_length == pytest.approx(4 * r * np.linalg.norm(product), rel=1e-13)
    assert m.input_length == pytest.approx(2 * np.pi * r, rel=1e-14)
    partial = np.eye(2)
    for i, length in enumerate(m.layer_lengths):
        partial = partial @ net.weights[i]
        assert length == pytest.approx(_ellipse_perimeter(r * partial[0], r * partial[1]), rel=1e-13)
    lifted = np.column_stack([np.eye(2), product])
    assert m.surface_length == pytest.approx(_ellipse_perimeter(r * lifted[0], r * lifted[1]), rel=1e-13)
    assert m.transitions is None and m.regions_visited is None and m.layer_transitions is None


def test_relu_net_with_every_unit_on_along_the_loop_is_linear():
    rng = np.random.default_rng(3)
    ws = [rng.normal(size=(2, 4)), rng.normal(size=(4, 3)), rng.normal(size=(3, 1))]
    bs = [np.full(4, 50.0), np.full(3, 500.0), np.zeros(1)]  # pre-activations stay positive on r = 2
    traj = Trajectory.circle((0.3, 0.1), 2.0)
    relu = measure(Network(ws, bs, "relu"), traj)
    lin = measure(Network(ws, bs, "linear"), traj)
    assert (relu.transitions, relu.regions_visited, relu.layer_transitions) == (0, 1, (0, 0))
    np.testing.assert_allclose(exact_as_list(relu, traj), exact_as_list(lin, traj), rtol=1e-14)
    assert relu.output_length == pytest.approx(4 * 2.0 * np.linalg.norm(ws[0] @ ws[1] @ ws[2]), rel=1e-13)


# --- invariances -------------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["relu", "hardtanh", "tanh", "linear"])
def test_scaling_output_weights_scales_only_the_output_length(activation):
    net = original_random((4, 4), seed=2, activation=activation)
    traj = Trajectory.circle((0.2, 0.3), 3.0)
    m = measure(net, traj)
    for a in (-2.5, 0.1):
        s = measure(net.scaled_output(a), traj)
        assert s.output_length == pytest.approx(abs(a) * m.output_length, rel=1e-12)
        assert s.layer_lengths == pytest.approx(m.layer_lengths, rel=1e-14)
        assert (s.transitions, s.regions_visited) == (m.transitions, m.regions_visited)


@pytest.mark.parametrize("activation", ["relu", "hardtanh", "tanh"])
def test_permuting_hidden_units_changes_nothing(activation):
    net = original_random((5, 4), seed=4, activation=activation)
    rng = np.random.default_rng(0)
    p1, p2 = rng.permutation(5), rng.permutation(4)
    ws = [net.weights[0][:, p1], net.weights[1][p1][:, p2], net.weights[2][p2]]
    bs = [net.biases[0][p1], net.biases[1][p2], net.biases[2]]
    traj = Trajectory.circle((-0.5, 0.5), 3.0)
    a, b = measure(net, traj), measure(Network(ws, bs, activation), traj)
    np.testing.assert_allclose(exact_as_list(b, traj), exact_as_list(a, traj), rtol=1e-12)
    assert (b.transitions, b.regions_visited, b.layer_transitions) == (
        a.transitions,
        a.regions_visited,
        a.layer_transitions,
    )
    np.testing.assert_allclose(b.breakpoints, a.breakpoints, atol=1e-12)


# --- special configurations ---------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["relu", "hardtanh", "tanh", "linear"])
def test_zero_radius_is_a_point(activation):
    m = measure(original_random((4, 4), seed=0, activation=activation), Trajectory.circle((1.0, 2.0), 0.0))
    assert m.input_length == m.output_length == m.surface_length == 0.0
    assert m.layer_lengths == (0.0, 0.0)
    assert m.breakpoints.size == 0
    if activation in ("relu", "hardtanh"):
        assert (m.transitions, m.regions_visited, m.layer_transitions) == (0, 1, (0, 0))


@pytest.mark.parametrize("units", [(0, 1, 2), (1, 2)])
def test_breakpoint_exactly_at_t_zero_counts_once(units):
    # On the circle of radius 3: unit 0 is 3 sin t (zero at t = 0 and π exactly); unit 1 is
    # 1.8 cos t + 0.3 sin t − 1.8, zero at t = 0 only up to rounding (its computed root lands one ulp
    # below 2π), and again at 0.33; unit 2 is always on.
    w1 = np.array([[0.0, 0.6, 1.0], [1.0, 0.1, 0.2]])[:, units]
    b1 = np.array([0.0, -0.6 * 3.0, 5.0])[list(units)]
    net = Network([w1, np.ones((len(units), 1))], [b1, np.zeros(1)], "relu")
    traj = Trajectory.circle((0.0, 0.0), 3.0)
    m = measure(net, traj)
    assert m.breakpoints[0] == 0.0
    assert m.breakpoints[-1] < TWO_PI - 1e-6
    changes, regions = dense_transitions(net, traj, 1 << 16)
    assert (m.transitions, m.regions_visited) == (changes, regions) == ((3, 3) if 0 in units else (2, 2))
    assert m.layer_transitions == (m.transitions,)


def _tangent_unit(rng, activation, center, radius):
    """Layer-1 weights and bias of a unit reaching a knot at one point of the circle and turning back:
    relu z = ±s·(n·(x − c) − r) touches 0; hardtanh z = ±(0.9·(n·(x − c) − r)/r + 1) touches ±1."""
    side = rng.choice([-1.0, 1.0])
    angle = rng.uniform(0, TWO_PI)
    n = np.array([np.cos(angle), np.sin(angle)])
    if activation == "relu":
        scale = side * rng.uniform(0.05, 5.0)
        return (scale * n)[:, None], np.array([-scale * (n @ center + radius)])
    return (side * 0.9 / radius * n)[:, None], np.array([side * (1.0 - 0.9 * (n @ center + radius) / radius)])


@pytest.mark.parametrize("activation", ["relu", "hardtanh"])
def test_unit_tangent_to_the_circle_causes_no_transition(activation):
    # Generic centres, radii and directions: rounding puts the computed double root slightly on
    # either side of the knot. The next layers repeat the unit, so deeper units touch too.
    rng = np.random.default_rng(8)
    for _ in range(60):
        center, radius = rng.uniform(-2, 2, 2), rng.uniform(0.1, 5.0)
        w1, b1 = _tangent_unit(rng, activation, center, radius)
        net = Network([w1, np.ones((1, 1)), np.ones((1, 1))], [b1, np.zeros(1), np.zeros(1)], activation)
        m = measure(net, Trajectory.circle(center, radius))
        assert (m.transitions, m.regions_visited, m.breakpoints.size) == (0, 1, 0)


def test_deep_unit_tangent_after_cancelling_terms_causes_no_transition():
    # A layer-2 unit built to touch 0 through layer 1's affine map, with biases of 100 cancelling.
    rng = np.random.default_rng(9)
    for _ in range(60):
        center, radius, side = rng.uniform(-2, 2, 2), rng.uniform(0.1, 5.0), rng.choice([-1.0, 1.0])
        w1, b1 = rng.normal(size=(2, 3)), np.full(3, 100.0)  # every layer-1 unit on
        g = rng.normal(size=3)
        w_eff = w1 @ g
        b2 = -(w_eff @ center + side * np.linalg.norm(w_eff) * radius) - b1 @ g
        net = Network([w1, g[:, None], np.ones((1, 1))], [b1, np.array([b2]), np.zeros(1)], "relu")
        m = measure(net, Trajectory.circle(center, radius))
        assert (m.transitions, m.regions_visited) == (0, 1)


def test_zero_weight_units_change_nothing():
    base = original_random((3, 3), seed=9)
    traj = Trajectory.circle((0.5, -0.5), 3.0)
    # Add to layer 1 a dead unit (0, bias −1) and a constant live unit (0, bias 2); give them output
    # weights into layer 2 so they shift its pre-activations by constants only.
    w1 = np.column_stack([base.weights[0], np.zeros((2, 2))])
    b1 = np.append(base.biases[0], [-1.0, 2.0])
    w2 = np.vstack([base.weights[1], [[0.3, -0.2, 0.1], [0.0, 0.0, 0.0]]])
    net = Network([w1, w2, base.weights[2]], [b1, base.biases[1], base.biases[2]], "relu")
    a, b = measure(base, traj), measure(net, traj)
    np.testing.assert_allclose(exact_as_list(b, traj), exact_as_list(a, traj), rtol=1e-13)
    assert (b.transitions, b.regions_visited) == (a.transitions, a.regions_visited)


def test_simultaneous_crossings_are_one_breakpoint():
    base = original_random((3, 3), seed=5)
    traj = Trajectory.circle((0.0, 0.0), 3.0)
    # Copies of unit 0 scaled by 1, 2 and 0.37 (zero bias: the same roots up to rounding).
    w1 = np.column_stack([base.weights[0], 2.0 * base.weights[0][:, :1], 0.37 * base.weights[0][:, :1]])
    w2 = np.vstack([base.weights[1], np.zeros((2, 3))])
    net = Network([w1, w2, base.weights[2]], None, "relu")
    a, b = measure(base, traj), measure(net, traj)
    assert (b.transitions, b.regions_visited) == (a.transitions, a.regions_visited)
    assert b.layer_transitions == a.layer_transitions
    np.testing.assert_allclose(b.breakpoints, a.breakpoints, atol=1e-12)
    assert b.output_length == pytest.approx(a.output_length, rel=1e-13)
    assert b.layer_lengths[1] == pytest.approx(a.layer_lengths[1], rel=1e-13)


def test_trajectory_in_more_dimensions_and_an_ellipse():
    rng = np.random.default_rng(21)
    for activation in ("relu", "hardtanh", "tanh"):
        net = paper_random((5, 4), sigma_w2=2.0, sigma_b2=0.3, seed=rng, input_dim=3, activation=activation)
        traj = Trajectory(center=rng.normal(size=3), u=rng.normal(size=3), v=rng.normal(size=3))
        m = measure(net, traj)
        assert m.surface_length is None
        assert m.input_length == pytest.approx(_ellipse_perimeter(traj.u, traj.v), rel=1e-13)
        if activation == "tanh":
            ref = richardson_lengths(net, traj, 4096)
            np.testing.assert_allclose(m.layer_lengths, ref[1:3], rtol=1e-10)
        else:
            cuts = bisected_breakpoints(net, traj)
            assert m.transitions == cuts.size
            ref = piecewise_quad_lengths(net, traj, cuts)
            np.testing.assert_allclose(exact_as_list(m, traj), ref, rtol=1e-11)


def test_one_input_dimension_and_no_hidden_layer():
    traj = Trajectory(center=[0.5], u=[2.0], v=[0.0])  # a segment traversed back and forth
    m = measure(Network([np.array([[1.5]])], [np.array([0.2])], "relu"), traj)
    assert m.input_length == pytest.approx(8.0, rel=1e-14)
    assert m.output_length == pytest.approx(12.0, rel=1e-14)
    assert m.layer_lengths == () and m.surface_length is None
    assert (m.transitions, m.regions_visited, m.layer_transitions) == (0, 1, ())


def test_as_dict_has_exactly_the_design_keys():
    d = measure(original_random((4, 4), seed=0), Trajectory.circle()).as_dict()
    assert set(d) == {
        "input_length",
        "surface_length",
        "output_length",
        "layer_lengths",
        "transitions",
        "regions_visited",
    }
    assert isinstance(d["layer_lengths"], list) and isinstance(d["transitions"], int)
    tanh = measure(original_random((4, 4), seed=0, activation="tanh"), Trajectory.circle()).as_dict()
    assert tanh["transitions"] is None and tanh["regions_visited"] is None


def test_mismatched_trajectory_dimension_is_refused():
    with pytest.raises(ValueError, match="dimension"):
        measure(original_random((4,), seed=0, input_dim=3), Trajectory.circle())


@pytest.mark.parametrize("activation", ["relu", "hardtanh", "tanh", "linear"])
@pytest.mark.parametrize("seed", range(6))
def test_the_breakpoints_alone_are_the_measures_breakpoints(activation, seed):
    net = original_random((5, 3), seed=seed).with_activation(activation)
    traj = Trajectory.circle((0.3 * seed, -0.2), 1.0 + seed)
    alone = breakpoints(net, traj)
    np.testing.assert_array_equal(alone, measure(net, traj).breakpoints)
    assert (len(alone) > 0) == (activation in ("relu", "hardtanh"))
