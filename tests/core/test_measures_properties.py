"""Property tests of the exact measures over random architectures, activations, biases, centres,
radii and loops, each checked against forward passes of the network (never against the measure code),
and of the decomposition resumed after an edit, against the decomposition walked afresh.
"""

import copy
from dataclasses import dataclass

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from nnsurface.core import pieces
from nnsurface.core.measures import measure
from nnsurface.core.network import Network
from nnsurface.core.trajectory import Trajectory

TWO_PI = 2 * np.pi
SAMPLES = 1 << 11


@dataclass
class Case:
    net: Network
    traj: Trajectory


@st.composite
def cases(draw, activations=("relu", "hardtanh", "linear")):
    activation = draw(st.sampled_from(activations))
    input_dim = draw(st.sampled_from([2, 2, 2, 1, 3]))
    widths = draw(st.lists(st.integers(1, 5), min_size=0, max_size=3))
    sigma_w = draw(st.floats(0.3, 3.0))
    sigma_b = draw(st.sampled_from([0.0, 0.3, 1.5]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    dims = [input_dim, *widths, 1]
    ws = [rng.normal(0, sigma_w / np.sqrt(dims[i]), (dims[i], dims[i + 1])) for i in range(len(dims) - 1)]
    bs = [rng.normal(0, sigma_b, d) for d in dims[1:]]
    if draw(st.booleans()) and widths:  # a unit with zero weights
        ws[0][:, 0] = 0.0
    center = rng.uniform(-3, 3, input_dim)
    if input_dim == 2 and draw(st.booleans()):
        radius = draw(st.sampled_from([0.0, 0.5, 2.0, 4.0, 7.0]))
        traj = Trajectory.circle(center, radius)
    else:
        scale = draw(st.floats(0.2, 4.0))
        traj = Trajectory(center, rng.normal(0, scale, input_dim), rng.normal(0, scale, input_dim))
    return Case(Network(ws, bs, activation), traj)


def _curves(case: Case, t: np.ndarray) -> list[np.ndarray]:
    x = case.traj.points(t)
    fp = case.net.forward_all(x)
    curves = [x, *fp.post, fp.output[:, None]]
    if case.traj.dim == 2:
        curves.append(np.column_stack([x, fp.output]))
    return curves


def _polylines(case: Case, t: np.ndarray) -> np.ndarray:
    return np.array([np.linalg.norm(np.diff(c, axis=0), axis=1).sum() for c in _curves(case, t)])


def _exact(m, case: Case) -> np.ndarray:
    values = [m.input_length, *m.layer_lengths, m.output_length]
    if case.traj.dim == 2:
        values.append(m.surface_length)
    return np.array(values)


@settings(max_examples=250, deadline=None)
@given(cases())
def test_piecewise_measures_agree_with_forward_passes(case):
    net, traj = case.net, case.traj
    m = measure(net, traj)
    exact = _exact(m, case)
    bp = m.breakpoints
    if net.activation == "linear":
        assert m.transitions is None and bp.size == 0
    else:
        # Bookkeeping.
        assert m.transitions == bp.size
        assert np.all(np.diff(bp) > 0) and np.all(bp >= 0) and np.all(bp < TWO_PI)
        assert m.piece_patterns.shape == (max(bp.size, 1), sum(net.widths))
        assert m.regions_visited == len({row.tobytes() for row in m.piece_patterns})
        assert (m.regions_visited == 1) == (m.transitions == 0)
        assert sum(m.layer_transitions) >= m.transitions >= max(m.layer_transitions, default=0)
        if bp.size:
            assert np.all((m.piece_patterns != np.roll(m.piece_patterns, 1, axis=0)).any(axis=1))
        # Every sample's pattern (forward pass) is the pattern of the piece it lies on.
        t = (np.arange(SAMPLES) + 0.5) * (TWO_PI / SAMPLES)
        piece = (np.searchsorted(bp, t, side="right") - 1) % max(bp.size, 1)
        gap = np.abs((t[:, None] - bp[None, :] + np.pi) % TWO_PI - np.pi).min(axis=1, initial=np.inf)
        clear = gap > 1e-9
        np.testing.assert_array_equal(net.patterns(traj.points(t[clear])), m.piece_patterns[piece[clear]])
    # Chords never exceed arcs ...
    uniform = _polylines(case, np.linspace(0.0, TWO_PI, SAMPLES + 1))
    assert np.all(uniform <= exact * (1 + 1e-12) + 1e-12)
    # ... and a polyline through the breakpoints, which only cuts smooth arcs, comes within O(h²) (a
    # short, tightly curved hidden curve, or a unit grazing a knot, keeps a gap of some 1e-5).
    t = np.sort(np.concatenate([np.linspace(0.0, TWO_PI, 4 * SAMPLES + 1), bp]))
    np.testing.assert_allclose(_polylines(case, t), exact, rtol=1e-4, atol=1e-12)


def _rotated(traj: Trajectory, alpha: float) -> Trajectory:
    """The same loop started at t = alpha: x′(t) = x(t + alpha)."""
    u, v = traj.u, traj.v
    return Trajectory(
        traj.center, u * np.cos(alpha) + v * np.sin(alpha), v * np.cos(alpha) - u * np.sin(alpha)
    )


@settings(max_examples=150, deadline=None)
@given(cases(), st.floats(0.0, TWO_PI))
def test_measures_do_not_depend_on_where_the_loop_starts_or_its_direction(case, alpha):
    m = measure(case.net, case.traj)
    rot = measure(case.net, _rotated(case.traj, alpha))
    rev = measure(case.net, Trajectory(case.traj.center, case.traj.u, -case.traj.v))
    for other in (rot, rev):
        np.testing.assert_allclose(_exact(other, case), _exact(m, case), rtol=1e-11, atol=1e-12)
        assert (other.transitions, other.regions_visited) == (m.transitions, m.regions_visited)
        assert other.layer_transitions == m.layer_transitions
    # Breakpoints move with the start: rotated ones, shifted by alpha, are the original ones.
    if m.breakpoints.size:
        shifted = np.sort((rot.breakpoints + alpha) % TWO_PI)
        diff = np.abs((shifted - m.breakpoints + np.pi) % TWO_PI - np.pi)
        assert diff.max() < 1e-9


@settings(max_examples=40, deadline=None)
@given(cases(activations=("tanh",)))
def test_smooth_measures_agree_with_dense_samples(case):
    m = measure(case.net, case.traj)
    exact = _exact(m, case)
    out = 1 + len(m.layer_lengths)
    t = np.linspace(0.0, TWO_PI, 8 * SAMPLES + 1)
    dense = _polylines(case, t)
    assert np.all(dense <= exact * (1 + 1e-12) + 1e-12)  # chords, and sampled variation, never exceed
    # Where a layer turns back (after a width-1 layer, or on a 1-D loop) chords cut O(h) corners.
    np.testing.assert_allclose(np.delete(dense, out), np.delete(exact, out), rtol=1e-4, atol=1e-12)
    assert exact[out] <= dense[out] * (1 + 1e-4) + 1e-12  # samples miss O(h²) at each extremum


# --- the decomposition resumed after an edit ---------------------------------------------------------


def fresh_decomposition(net: Network, traj: Trajectory) -> pieces.Pieces:
    """The decomposition walked from the first layer: the walk kept from earlier calls is set aside."""
    kept = pieces._walk
    pieces._walk = None
    try:
        return pieces._decompose(net, traj)
    finally:
        pieces._walk = kept


def assert_same_pieces(got: pieces.Pieces, want: pieces.Pieces) -> None:
    """Bit for bit, signs of zeros included."""
    for name in ("starts", "ends", "patterns", "pre", "post", "output", "inputs"):
        a, b = getattr(got, name), getattr(want, name)
        assert a.shape == b.shape and a.dtype == b.dtype, name
        assert a.tobytes() == b.tobytes(), name
    assert (got.closed, got.bounds) == (want.closed, want.bounds)


def edited(net: Network, pick: int, value: float, bias: bool) -> Network:
    """net with one weight or bias, chosen by `pick`, set to `value` (as the app's editor does)."""
    layer = pick % len(net.weights)
    if bias:
        return net.with_bias(layer, pick % net.biases[layer].size, value)
    rows, cols = net.weights[layer].shape
    return net.with_weight(layer, pick % rows, (pick // rows) % cols, value)


values = st.sampled_from([0.0, 0.0, -1.0, 1.0]) | st.floats(-3.0, 3.0)
edits = st.lists(st.tuples(st.integers(0, 10**6), values, st.booleans()), min_size=1, max_size=6)


@settings(max_examples=200, deadline=None)
@given(cases(), edits)
def test_decomposition_resumed_after_edits_is_the_fresh_one(case, changes):
    # Each edit shares the unedited layers' arrays with the network before it, so decompose resumes
    # the walk kept at the layer edited before; each edit is made twice, as a held arrow key does (the
    # second resumes at the edited layer). Zeros make dead and constant units on the way.
    net, traj = case.net, case.traj
    pieces._decompose(net, traj)
    for pick, value, bias in changes:
        for step in (value, value + 0.5):
            net = edited(net, pick, step, bias)
            assert_same_pieces(pieces._decompose(net, traj), fresh_decomposition(net, traj))


@settings(max_examples=60, deadline=None)
@given(cases(), st.floats(-3.0, 3.0))
def test_decomposition_is_walked_again_for_another_activation_or_loop(case, value):
    # Two output-layer edits: the walk is kept after every hidden layer, then another activation or
    # another trajectory object must not take it.
    net, traj = case.net, case.traj
    last = len(net.weights) - 1
    pieces._decompose(net, traj)
    pieces._decompose(net.with_weight(last, 0, 0, value), traj)
    other = copy.copy(net.with_weight(last, 0, 0, value + 0.5))  # shares every hidden layer's arrays
    object.__setattr__(other, "activation", "hardtanh" if net.activation == "relu" else "relu")
    assert_same_pieces(pieces._decompose(other, traj), fresh_decomposition(other, traj))
    pieces._decompose(net, traj)
    pieces._decompose(net.with_weight(last, 0, 0, value), traj)
    moved = Trajectory(traj.center + 0.25, traj.u, traj.v)
    assert_same_pieces(pieces._decompose(net, moved), fresh_decomposition(net, moved))


def test_edits_after_touching_dead_and_twin_units_resume_the_walk_exactly():
    # Layer 1: a unit tangent to the circle (it touches 0 at one point), a dead unit (zero weights,
    # bias −1), a constant live one (zero weights, bias 2) and twins (one unit and a scaled copy: the
    # same roots up to rounding). Edits of layers 2 and 3 resume the walk after layer 1.
    center, radius = np.array([0.3, -0.2]), 2.0
    n = np.array([np.cos(0.7), np.sin(0.7)])
    w1 = np.column_stack([1.5 * n, np.zeros(2), np.zeros(2), [0.8, -0.4], [1.6, -0.8]])
    b1 = np.array([-1.5 * (n @ center + radius), -1.0, 2.0, 0.1, 0.2])
    rng = np.random.default_rng(3)
    ws = [w1, rng.normal(size=(5, 4)), rng.normal(size=(4, 1))]
    net = Network(ws, [b1, np.zeros(4), np.zeros(1)], "relu")
    traj = Trajectory.circle(center, radius)
    pieces._decompose(net, traj)
    changes = [(1, 0, 2, 0.0), (2, 3, 0, -2.0), (1, 4, 1, 0.5), (0, 1, 3, 0.3), (2, 0, 0, 0.0)]
    for layer, row, col, value in changes:
        net = net.with_weight(layer, row, col, value)
        resumed = pieces._decompose(net, traj)
        assert_same_pieces(resumed, fresh_decomposition(net, traj))
        # ... and its pieces against forward passes: the pattern at every piece's midpoint.
        mid = 0.5 * (resumed.starts + resumed.ends)
        np.testing.assert_array_equal(net.patterns(traj.points(mid)), resumed.patterns)
