"""Exact linear regions, checked against the network itself, fine grids and closed-form geometry."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnsurface.core import partition as partition_module
from nnsurface.core.grid import evaluate_grid
from nnsurface.core.network import Network, default_network, paper_random
from nnsurface.core.partition import (
    REGION_CAP,
    Partition,
    PartitionTooLarge,
    boundary_edges,
    crease_segments,
    partition,
    region_mesh,
)

SQUARE5 = (-5.0, 5.0, -5.0, 5.0)


def fresh_partition(net: Network, window, cap: int = REGION_CAP) -> Partition:
    """The partition cut from the window itself: the state kept by earlier calls is set aside (and
    kept as it was), so that it neither is resumed nor replaced."""
    kept = partition_module._kept
    partition_module._kept = None
    try:
        return partition(net, window, cap)
    finally:
        partition_module._kept = kept


# --- independent references ----------------------------------------------------------------------


def _edge_distances(poly: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Signed distance (n_points, n_edges) of points to each edge line, positive on the inner side
    of a counter-clockwise polygon."""
    a = poly
    b = np.roll(poly, -1, axis=0)
    d = b - a
    length = np.hypot(d[:, 0], d[:, 1])
    cross = d[None, :, 0] * (pts[:, None, 1] - a[None, :, 1]) - d[None, :, 1] * (
        pts[:, None, 0] - a[None, :, 0]
    )
    return cross / length[None, :]


def _containing(part: Partition, pts: np.ndarray, margin: float) -> np.ndarray:
    """(n_points, n_regions) membership: every edge distance ≥ margin (negative margin inflates)."""
    return np.stack(
        [np.all(_edge_distances(part.polygon(k), pts) >= margin, axis=1) for k in range(part.regions_exact)],
        axis=1,
    )


def _interior_points(poly: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Random points strictly inside a convex polygon: convex combinations pulled towards the centroid."""
    w = rng.dirichlet(np.ones(len(poly)), size=k)
    pts = w @ poly
    c = poly.mean(axis=0)
    return c + 0.9 * (pts - c)


def _at_a_knot(net: Network, pts: np.ndarray) -> np.ndarray:
    """Points where a pre-activation is within rounding of a knot: with weights that cancel exactly
    (say integers) a unit can sit on its knot over a whole region, and the network's own rounding
    then picks its piece point by point."""
    pre = np.concatenate(net.forward_all(pts).pre, axis=1)
    knots = (0.0,) if net.activation == "relu" else (-1.0, 1.0)
    return np.any([np.any(np.abs(pre - k) <= 1e-12 * (1 + np.abs(pre).max()), axis=1) for k in knots], axis=0)


def _window_area(window) -> float:
    x0, x1, y0, y1 = window
    return (x1 - x0) * (y1 - y0)


def _check_partition(net: Network, window, rng: np.random.Generator, points_per_region: int = 4) -> Partition:
    """Tiling, convexity, orientation, planes and patterns of every region against the network."""
    part = partition(net, window)
    areas = part.areas()
    scale = max(window[1] - window[0], window[3] - window[2])
    assert abs(areas.sum() - _window_area(window)) <= 1e-9 * _window_area(window)
    assert np.all(areas > 0)  # counter-clockwise, non-degenerate
    x0, x1, y0, y1 = window
    for k in range(part.regions_exact):
        poly = part.polygon(k)
        assert len(poly) >= 3
        assert np.all(poly[:, 0] >= x0 - 1e-9 * scale) and np.all(poly[:, 0] <= x1 + 1e-9 * scale)
        assert np.all(poly[:, 1] >= y0 - 1e-9 * scale) and np.all(poly[:, 1] <= y1 + 1e-9 * scale)
        d = np.roll(poly, -1, axis=0) - poly
        turn = d[:, 0] * np.roll(d[:, 1], -1) - d[:, 1] * np.roll(d[:, 0], -1)
        assert np.all(turn >= -1e-9 * scale**2)  # convex
        if areas[k] < 1e-12 * scale**2:
            continue  # too thin to sample reliably; covered by the tiling check
        pts = _interior_points(poly, points_per_region, rng)
        f = net(pts)
        np.testing.assert_allclose(part.evaluate(k, pts), f, rtol=1e-9, atol=1e-9 * (1 + np.abs(f).max()))
        inside = np.all(_edge_distances(poly, pts) > 1e-7 * scale, axis=1) & ~_at_a_knot(net, pts)
        assert np.all(net.patterns(pts[inside]) == part.patterns[k])
    # each region is one activation pattern
    assert len(np.unique(part.patterns, axis=0)) == part.regions_exact
    return part


def _clipped_length(w: np.ndarray, c: float, window) -> float:
    """Length of the line w·x + c = 0 inside the window (Liang–Barsky), 0 for w = 0."""
    norm = np.hypot(*w)
    if norm == 0:
        return 0.0
    p0 = -c * w / norm**2
    d = np.array([-w[1], w[0]]) / norm
    lo, hi = -np.inf, np.inf
    x0, x1, y0, y1 = window
    for axis, (a, b) in enumerate(((x0, x1), (y0, y1))):
        if d[axis] == 0:
            if not a <= p0[axis] <= b:
                return 0.0
            continue
        t0, t1 = sorted(((a - p0[axis]) / d[axis], (b - p0[axis]) / d[axis]))
        lo, hi = max(lo, t0), min(hi, t1)
    return max(0.0, hi - lo)


def _contour_length(v: np.ndarray, h: float) -> float:
    """Length of the zero set of values v (n, n) on a square grid of spacing h, by marching squares.

    Exact where the function is linear across a cell, so for a piecewise-linear function it
    converges fast: only the few cells where the contour meets a kink are off.
    """
    corners = (v[:-1, :-1], v[1:, :-1], v[1:, 1:], v[:-1, 1:])  # counter-clockwise around the cell
    start = ((0, 0), (1, 0), (1, 1), (0, 1))
    pts = np.full(corners[0].shape + (4, 2), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        for k in range(4):
            p, q = corners[k], corners[(k + 1) % 4]
            t = p / (p - q)
            crossing = (p > 0) != (q > 0)
            for axis in range(2):
                step = start[(k + 1) % 4][axis] - start[k][axis]
                pts[..., k, axis] = np.where(crossing, start[k][axis] + t * step, np.nan)
    has = ~np.isnan(pts[..., 0])
    n = has.sum(axis=-1)
    pts = np.take_along_axis(pts, np.argsort(~has, axis=-1, kind="stable")[..., None], axis=-2)
    two = pts[n == 2]
    four = pts[n == 4]  # saddle cells: take the shorter pairing
    pair_a = np.linalg.norm(four[:, 0] - four[:, 1], axis=-1) + np.linalg.norm(
        four[:, 2] - four[:, 3], axis=-1
    )
    pair_b = np.linalg.norm(four[:, 0] - four[:, 3], axis=-1) + np.linalg.norm(
        four[:, 1] - four[:, 2], axis=-1
    )
    return h * (np.linalg.norm(two[:, 0] - two[:, 1], axis=-1).sum() + np.minimum(pair_a, pair_b).sum())


def _level_set_length(net: Network, n: int = 201) -> float:
    """Total length of every unit's knot lines {pre-activation = knot} in SQUARE5: the creases,
    when (as for random biases) no two units' knot lines overlap."""
    g = np.linspace(-5, 5, n)
    pts = np.column_stack([np.repeat(g, n), np.tile(g, n)])
    pre = np.concatenate(net.forward_all(pts).pre, axis=1)
    knots = (0.0,) if net.activation == "relu" else (-1.0, 1.0)
    return sum(
        _contour_length(pre[:, j].reshape(n, n) - k, g[1] - g[0]) for j in range(pre.shape[1]) for k in knots
    )


def _keys(patterns: np.ndarray) -> np.ndarray:
    """One integer per pattern (pieces are 0..2), so distinct patterns are distinct numbers."""
    return patterns.astype(np.int64) @ (3 ** np.arange(patterns.shape[1], dtype=np.int64))


# --- the default network and simple cases ----------------------------------------------------------


def test_default_network_regions():
    rng = np.random.default_rng(0)
    part = _check_partition(default_network(), SQUARE5, rng, points_per_region=50)
    assert part.regions_exact == 14
    # no overlaps, no gaps: random points lie strictly inside at most one region and in at least one
    pts = rng.uniform(-5, 5, size=(3000, 2))
    assert np.all(_containing(part, pts, 1e-9).sum(axis=1) <= 1)
    assert np.all(_containing(part, pts, -1e-9).sum(axis=1) >= 1)


@pytest.mark.parametrize("activation", ["relu", "hardtanh"])
def test_grid_points_have_the_pattern_of_their_region(activation):
    # Both the network's own patterns and the grid's labels (what the view colours) agree.
    net = paper_random((5, 5), sigma_w2=2.0, sigma_b2=0.5, seed=7, activation=activation)
    part = partition(net, SQUARE5)
    grid = evaluate_grid(net, 5.0, 101)
    pts = np.column_stack([np.repeat(grid.x, 101), np.tile(grid.y, 101)]).astype(np.float64)
    member = _containing(part, pts, 1e-7)
    located = member.any(axis=1)
    assert located.mean() > 0.95  # the rest are within 1e-7 of a crease
    region = np.argmax(member[located], axis=1)
    np.testing.assert_array_equal(part.patterns[region], net.patterns(pts[located]))
    np.testing.assert_array_equal(part.patterns[region], grid.patterns[grid.labels.ravel()[located]])


def test_fine_grid_sees_the_same_regions():
    # Every pattern of a fine grid is one of the regions, and every region that contains a disc of
    # radius h/√2 (area/perimeter is a lower bound on the inradius) shows up on the grid.
    n = 401
    g = np.linspace(-5, 5, n)
    h = g[1] - g[0]
    pts = np.column_stack([np.repeat(g, n), np.tile(g, n)])
    for seed in range(4):
        net = paper_random((4, 4), sigma_w2=2.0, sigma_b2=0.5, seed=seed, activation="relu")
        part = partition(net, SQUARE5)
        grid_patterns = set(np.unique(_keys(net.patterns(pts))))
        exact = set(_keys(part.patterns))
        assert grid_patterns <= exact
        d = np.diff(part.vertices, axis=1)
        perimeter = np.array([np.hypot(*d[k, : part.counts[k]].T).sum() for k in range(part.regions_exact)])
        big = part.areas() / perimeter > 1.01 * h / np.sqrt(2)
        assert set(_keys(part.patterns[big])) <= grid_patterns
        if big.all():
            assert len(grid_patterns) == part.regions_exact


def test_counts_match_the_fine_grid_when_no_region_is_small():
    compared = 0
    n = 301
    g = np.linspace(-5, 5, n)
    pts = np.column_stack([np.repeat(g, n), np.tile(g, n)])
    for seed in range(30):
        net = paper_random((3, 2), sigma_w2=2.0, sigma_b2=1.0, seed=seed, activation="relu")
        part = partition(net, SQUARE5)
        d = np.diff(part.vertices, axis=1)
        perimeter = np.array([np.hypot(*d[k, : part.counts[k]].T).sum() for k in range(part.regions_exact)])
        if np.min(part.areas() / perimeter) < 2 * (g[1] - g[0]):
            continue
        compared += 1
        assert len(np.unique(_keys(net.patterns(pts)))) == part.regions_exact
    assert compared >= 3


def test_one_hidden_layer_creases_are_the_clipped_lines():
    for seed, activation in [(0, "relu"), (1, "relu"), (2, "hardtanh")]:
        net = paper_random((7,), sigma_w2=2.0, sigma_b2=2.0, seed=seed, activation=activation)
        w, b = net.weights[0], net.biases[0]
        knots = (0.0,) if activation == "relu" else (-1.0, 1.0)
        expected = sum(_clipped_length(w[:, j], b[j] - k, SQUARE5) for j in range(7) for k in knots)
        part = partition(net, SQUARE5)
        assert part.crease_length == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("seed, activation", [(0, "relu"), (3, "relu"), (0, "hardtanh")])
def test_deep_crease_length_agrees_with_marching_squares(seed, activation):
    net = paper_random((4, 4), sigma_w2=2.0, sigma_b2=0.5, seed=seed, activation=activation)
    part = partition(net, SQUARE5)
    assert part.crease_length == pytest.approx(_level_set_length(net), rel=3e-3)


# --- degenerate cuts -------------------------------------------------------------------------------


def _one_layer(w, b, activation="relu") -> Network:
    w = np.asarray(w, dtype=float)
    return Network([w, np.ones((w.shape[1], 1))], [b, [0.0]], activation)


UNIT = (-1.0, 1.0, -1.0, 1.0)


def test_line_through_two_corners():
    part = _check_partition(_one_layer([[1.0], [-1.0]], [0.0]), UNIT, np.random.default_rng(1))
    assert part.regions_exact == 2
    np.testing.assert_allclose(np.sort(part.areas()), [2.0, 2.0])
    assert sorted(part.counts) == [3, 3]
    assert part.crease_length == pytest.approx(2 * np.sqrt(2), rel=1e-12)


@pytest.mark.parametrize("second", [([2.0, 4.0], 1.0), ([-1.0, -2.0], -0.5)])
def test_coincident_lines_count_once(second):
    (w2, b2) = second
    net = _one_layer([[1.0, w2[0]], [2.0, w2[1]]], [0.5, b2])
    part = _check_partition(net, UNIT, np.random.default_rng(2))
    assert part.regions_exact == 2
    assert part.crease_length == pytest.approx(_clipped_length(np.array([1.0, 2.0]), 0.5, UNIT), rel=1e-12)


def test_zero_weight_units_never_cut():
    net = _one_layer([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]], [0.0, 0.7, 0.0])
    part = _check_partition(net, UNIT, np.random.default_rng(3))
    assert part.regions_exact == 2
    # the constant unit is on (0.7 > 0); the one exactly at its knot is off, as Network.patterns says
    np.testing.assert_array_equal(part.patterns[:, 1:], [[1, 0], [1, 0]])


@pytest.mark.parametrize("bias", [1.0, 1.0 - 1e-13, 1.0 + 1e-13, -1.0])
def test_lines_on_or_within_tolerance_of_the_border_do_not_cut(bias):
    part = _check_partition(_one_layer([[1.0], [0.0]], [bias]), UNIT, np.random.default_rng(4))
    assert part.regions_exact == 1
    assert part.crease_length == 0.0


def test_many_lines_through_one_vertex():
    angles = np.linspace(0, np.pi, 9)[:-1]
    w = np.stack([np.cos(angles), np.sin(angles)])
    part = _check_partition(_one_layer(w, np.zeros(8)), UNIT, np.random.default_rng(5))
    assert part.regions_exact == 16
    assert part.crease_length == pytest.approx(sum(_clipped_length(w[:, j], 0.0, UNIT) for j in range(8)))


def test_hardtanh_has_two_knots_per_unit():
    part = _check_partition(
        _one_layer([[1.0], [0.0]], [0.0], "hardtanh"), (-2, 2, -2, 2), np.random.default_rng(6)
    )
    assert part.regions_exact == 3
    np.testing.assert_array_equal(part.patterns[:, 0], [0, 1, 2])  # ordered by x
    assert part.crease_length == pytest.approx(8.0)


def test_second_layer_lines_bend_at_first_layer_creases():
    # h = (relu(x), relu(y)), z = h₁ − 0.5·h₂ − 0.5. For y ≥ 0 the knot line of z is x = 0.5 + 0.5y
    # where x > 0 and absent where x ≤ 0 (z < 0 there): it starts on the layer-1 crease's side only.
    net = Network([np.eye(2), [[1.0], [-0.5]], [[1.0]]], [[0.0, 0.0], [-0.5], [0.0]])
    part = _check_partition(net, (-1.0, 1.0, 0.0, 1.0), np.random.default_rng(7))
    assert part.regions_exact == 3
    assert part.crease_length == pytest.approx(1.0 + np.hypot(0.5, 1.0), rel=1e-12)


def test_small_integer_weights_full_of_coincidences():
    # Integer weights and biases on an integer window: lines through vertices and window corners,
    # coincident and duplicated units, exact cancellations, dead and saturated layers.
    rng = np.random.default_rng(7)
    for _ in range(60):
        dims = [2, *rng.integers(1, 6, size=rng.integers(1, 4)), 1]
        ws = [
            rng.integers(-2, 3, size=(a, b)).astype(float) for a, b in zip(dims[:-1], dims[1:], strict=True)
        ]
        bs = [rng.integers(-2, 3, size=b).astype(float) * (rng.random() < 0.6) for b in dims[1:]]
        if rng.random() < 0.3:  # a duplicated (or mirrored, or scaled) first-layer unit
            ws[0][:, -1] = ws[0][:, 0] * rng.choice([1, 2, -1])
            bs[0][-1] = bs[0][0]
        half = float(rng.integers(1, 4))
        window = (-half, half, -half, half) if rng.random() < 0.5 else (0.0, half, -1.0, 1.0)
        net = Network(ws, bs, ["relu", "hardtanh"][rng.integers(2)])
        part = _check_partition(net, window, rng)
        seg = crease_segments(part).astype(np.float64)
        assert np.linalg.norm(seg[:, 1, :2] - seg[:, 0, :2], axis=1).sum() == pytest.approx(
            part.crease_length, rel=1e-6, abs=1e-6
        )


def test_no_hidden_layer_is_one_plane():
    net = Network([[[2.0], [-3.0]]], [[0.5]])
    part = partition(net, UNIT)
    assert part.regions_exact == 1 and part.patterns.shape == (1, 0)
    np.testing.assert_allclose(part.gradients[0], [2.0, -3.0])
    assert part.offsets[0] == 0.5 and part.crease_length == 0.0


def test_refuses_what_it_cannot_do():
    with pytest.raises(ValueError, match="piecewise linear"):
        partition(default_network().with_activation("tanh"), SQUARE5)
    with pytest.raises(ValueError, match="2 inputs"):
        partition(Network([np.ones((3, 2)), np.ones((2, 1))]), SQUARE5)
    with pytest.raises(ValueError, match="window"):
        partition(default_network(), (1.0, 1.0, 0.0, 1.0))


def test_region_cap_stops_the_partition():
    net = paper_random((16, 16), sigma_w2=2.0, sigma_b2=1.0, seed=0, activation="relu")
    full = partition(net, SQUARE5)
    with pytest.raises(PartitionTooLarge) as info:
        partition(net, SQUARE5, cap=full.regions_exact - 1)
    assert info.value.cap == full.regions_exact - 1
    assert partition(net, SQUARE5, cap=full.regions_exact).regions_exact == full.regions_exact


# --- drawing helpers -------------------------------------------------------------------------------


def test_mesh_covers_the_window_on_the_surface():
    net = paper_random((5, 5), sigma_w2=2.0, sigma_b2=0.5, seed=1, activation="relu")
    part = partition(net, SQUARE5)
    mesh = region_mesh(part)
    assert mesh.vertices.dtype == mesh.normals.dtype == np.float32
    assert mesh.faces.dtype == mesh.face_regions.dtype == np.int32
    assert len(mesh.vertices) == part.counts.sum()
    assert len(mesh.faces) == (part.counts - 2).sum()
    tri = mesh.vertices[mesh.faces].astype(np.float64)
    cross = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    # projected areas tile the window; triangles face down (clockwise from above), like the grid's
    assert -0.5 * cross[:, 2].sum() == pytest.approx(100.0, rel=1e-6)
    assert np.all(cross[:, 2] <= 0)
    area_per_region = np.bincount(mesh.face_regions, -0.5 * cross[:, 2], minlength=part.regions_exact)
    np.testing.assert_allclose(area_per_region, part.areas(), rtol=1e-5, atol=1e-6)
    # every triangle lies on the network's surface
    centroid = tri.mean(axis=1)
    f = net(centroid[:, :2])
    np.testing.assert_allclose(centroid[:, 2], f, rtol=1e-5, atol=1e-5 * (1 + np.abs(f).max()))
    # vertex normals are the unit plane normals, parallel to the faces
    big = np.linalg.norm(cross, axis=1) > 1e-6
    face_normal = cross[big] / np.linalg.norm(cross[big], axis=1, keepdims=True)
    np.testing.assert_allclose(mesh.normals[mesh.faces[big, 0]], face_normal, atol=1e-4)


def test_crease_segments_cover_each_crease_once():
    net = paper_random((5, 5), sigma_w2=2.0, sigma_b2=0.5, seed=2, activation="relu")
    part = partition(net, SQUARE5)
    seg = crease_segments(part).astype(np.float64)
    length = np.linalg.norm(seg[:, 1, :2] - seg[:, 0, :2], axis=1)
    assert length.sum() == pytest.approx(part.crease_length, rel=1e-6)
    mid = seg.mean(axis=1)
    # midpoints are on the surface, and on a crease: the patterns on either side differ
    f = net(mid[:, :2])
    np.testing.assert_allclose(mid[:, 2], f, rtol=1e-5, atol=1e-5 * (1 + np.abs(f).max()))
    d = (seg[:, 1, :2] - seg[:, 0, :2]) / length[:, None]
    side = np.column_stack([-d[:, 1], d[:, 0]]) * 1e-4
    assert np.all(np.any(net.patterns(mid[:, :2] + side) != net.patterns(mid[:, :2] - side), axis=1))


# --- properties over random networks ----------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    widths=st.lists(st.integers(1, 6), min_size=1, max_size=3),
    activation=st.sampled_from(["relu", "hardtanh"]),
    sigma_b2=st.sampled_from([0.0, 0.2, 1.0]),
    centre=st.tuples(st.floats(-3, 3), st.floats(-3, 3)),
    size=st.tuples(st.floats(0.1, 8), st.floats(0.1, 8)),
    seed=st.integers(0, 2**31),
)
def test_random_networks_partition_exactly(widths, activation, sigma_b2, centre, size, seed):
    net = paper_random(widths, sigma_w2=2.0, sigma_b2=sigma_b2, seed=seed, activation=activation)
    window = (
        centre[0] - size[0] / 2,
        centre[0] + size[0] / 2,
        centre[1] - size[1] / 2,
        centre[1] + size[1] / 2,
    )
    part = _check_partition(net, window, np.random.default_rng(seed))
    seg = crease_segments(part).astype(np.float64)
    assert np.linalg.norm(seg[:, 1, :2] - seg[:, 0, :2], axis=1).sum() == pytest.approx(
        part.crease_length, rel=1e-5, abs=1e-6
    )


def test_loop_and_array_splitting_agree(monkeypatch):
    # Small batches of polygons are split by a plain loop, large ones by array operations.
    import nnsurface.core.partition as module

    net = paper_random((6, 6), sigma_w2=2.0, sigma_b2=0.5, seed=4, activation="hardtanh")
    monkeypatch.setattr(module, "LIST_REGIONS", 0)  # arrays from the first cut
    results = []
    for few in (0, 10**9):
        monkeypatch.setattr(module, "_FEW", few)
        results.append(fresh_partition(net, SQUARE5))
    a, b = results
    assert a.regions_exact == b.regions_exact > 20
    for name in ("vertices", "counts", "patterns", "gradients", "offsets"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def _random_networks(count: int):
    """Seeded random networks and windows: Gaussian ones of many shapes (some crossing the list/array
    threshold mid-layer), and small-integer ones full of lines through vertices, coincident and
    zero-weight units, as in test_small_integer_weights_full_of_coincidences."""
    for seed in range(count):
        rng = np.random.default_rng(1000 + seed)
        activation = ["relu", "hardtanh"][seed % 2]
        if seed % 3:
            widths = tuple(int(w) for w in rng.integers(1, 9, size=rng.integers(1, 4)))
            net = paper_random(
                widths, sigma_w2=2.0, sigma_b2=[0.0, 0.2, 1.0][seed % 3], seed=seed, activation=activation
            )
            centre, size = rng.uniform(-3, 3, size=2), rng.uniform(0.5, 10, size=2)
            yield net, (centre[0] - size[0], centre[0] + size[0], centre[1] - size[1], centre[1] + size[1])
        else:
            dims = [2, *rng.integers(1, 6, size=rng.integers(1, 4)), 1]
            ws = [
                rng.integers(-2, 3, size=(a, b)).astype(float)
                for a, b in zip(dims[:-1], dims[1:], strict=True)
            ]
            bs = [rng.integers(-2, 3, size=b).astype(float) * (rng.random() < 0.6) for b in dims[1:]]
            if rng.random() < 0.5:
                ws[0][:, -1] = ws[0][:, 0] * rng.choice([1, 2, -1])
                bs[0][-1] = bs[0][0]
            half = float(rng.integers(1, 4))
            yield Network(ws, bs, activation), (-half, half, -half, half)


def _assert_same(a, b, names):
    for name in names:
        x, y = getattr(a, name), getattr(b, name)
        assert np.shape(x) == np.shape(y) and np.asarray(x).dtype == np.asarray(y).dtype, name
        np.testing.assert_array_equal(x, y, err_msg=name)


def test_list_and_array_regions_agree_to_the_bit(monkeypatch):
    # Few polygons are cut as Python lists, more as arrays: the same arithmetic in the same order, so
    # the same partition whichever form did which cut. A partition finished as lists is drawn on the
    # way; its mesh and creases are those the array code draws.
    import nnsurface.core.partition as module

    crossed = 0
    for net, window in _random_networks(90):
        monkeypatch.setattr(module, "LIST_REGIONS", 0)
        arrays = fresh_partition(net, window)
        assert arrays.drawing is None
        mesh, creases, edges = region_mesh(arrays), crease_segments(arrays), boundary_edges(arrays)
        for limit in (1, 5, 17, 10**9):
            monkeypatch.setattr(module, "LIST_REGIONS", limit)
            part = fresh_partition(net, window)
            _assert_same(part, arrays, ("vertices", "counts", "patterns", "gradients", "offsets"))
            assert part.crease_length == arrays.crease_length
            crossed += 1 < limit < part.regions_exact
        assert part.drawing is not None  # limit 10**9: lists throughout
        _assert_same(region_mesh(part), mesh, ("vertices", "faces", "face_regions", "normals"))
        drawn = crease_segments(part)
        assert drawn.dtype == creases.dtype and drawn.shape == creases.shape
        np.testing.assert_array_equal(drawn, creases)
        assert not drawn.flags.writeable  # shared by every caller
        drawn_edges = boundary_edges(part)
        assert drawn_edges.dtype == edges.dtype == np.float64 and drawn_edges.tobytes() == edges.tobytes()
        np.testing.assert_array_equal(drawn_edges.astype(np.float32), creases[:, :, :2].reshape(-1, 4))
    assert crossed > 20  # many partitions changed form part way through


@pytest.mark.parametrize("window", [SQUARE5, (1e8, 1e8 + 1.0, -3e-7, 1e-7), (-1e-300, 1e-300, 0.0, 1e-300)])
def test_border_codes_are_the_tolerance_test(window):
    # The loops find vertices near the window's sides from intervals worked out once; these must be
    # the floating-point test |v − side| ≤ eps itself, at the intervals' very ends included.
    from nnsurface.core.partition import TOLERANCE, _Border

    eps = TOLERANCE * max(window[1] - window[0], window[3] - window[2])
    border = _Border(window, eps)
    rng = np.random.default_rng(8)
    values = []
    for side in window:
        for end in (side - eps, side, side + eps):
            for step in (-3, -2, -1, 0, 1, 2, 3):
                v = end
                for _ in range(abs(step)):
                    v = np.nextafter(v, np.sign(step) * np.inf)
                values.append(float(v))
    values += (
        rng.uniform(window[0], window[1], size=50).tolist() + rng.uniform(window[2], window[3], 50).tolist()
    )
    xs = values + rng.choice(values, size=len(values)).tolist()
    ys = rng.choice(values, size=len(xs)).tolist()
    x0, x1, y0, y1 = window
    expected = [
        (abs(x - x0) <= eps)
        | (abs(x - x1) <= eps) << 1
        | (abs(y - y0) <= eps) << 2
        | (abs(y - y1) <= eps) << 3
        for x, y in zip(xs, ys, strict=True)
    ]
    assert border.codes(xs, ys) == expected
    assert any(expected) and not all(expected)


# --- the partition resumed after an edit ------------------------------------------------------------


def assert_identical(got: Partition, want: Partition) -> None:
    """Every field bit for bit (signs of zeros included), the drawing too."""
    assert got.window == want.window
    for name in ("vertices", "counts", "patterns", "gradients", "offsets"):
        a, b = getattr(got, name), getattr(want, name)
        assert a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes(), name
    assert got.crease_length == want.crease_length
    assert (got.drawing is None) == (want.drawing is None)
    if got.drawing is not None:
        (mesh, *lines), (mesh2, *lines2) = got.drawing, want.drawing
        assert len(lines) == len(lines2)
        for a, b in [(getattr(mesh, n), getattr(mesh2, n)) for n in vars(mesh)] + list(
            zip(lines, lines2, strict=True)
        ):
            assert a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def _partition_or_cap(net: Network, window, cap: int, fresh: bool):
    """The partition, or PartitionTooLarge's cap when there are more than `cap` regions."""
    try:
        return (fresh_partition if fresh else partition)(net, window, cap)
    except PartitionTooLarge as e:
        return e.cap


def _edited(net: Network, rng: np.random.Generator, layer: int, value: float) -> Network:
    """net with one weight or bias of `layer`, picked by rng, set to `value` (as the app's editor)."""
    if rng.random() < 0.3:
        return net.with_bias(layer, int(rng.integers(net.biases[layer].size)), value)
    rows, cols = net.weights[layer].shape
    return net.with_weight(layer, int(rng.integers(rows)), int(rng.integers(cols)), value)


@pytest.mark.parametrize(
    ("widths", "activation", "cap_share"),
    [
        ((3,), "relu", None),
        ((4, 4), "relu", None),
        ((4, 4), "hardtanh", None),
        ((2, 5, 3), "relu", None),
        ((3, 3, 3), "hardtanh", None),
        ((8, 8), "relu", None),  # ~100 regions: from lists to arrays part way through
        ((6, 6, 6), "hardtanh", None),
        ((8, 8), "hardtanh", 1.0),  # edits around the cap: some partitions fail
        ((5, 5, 5), "relu", 1.0),
    ],
)
def test_resumed_partitions_after_edits_are_the_fresh_ones(widths, activation, cap_share):
    # Each edit shares the unedited layers' arrays with the network before it, so partition resumes
    # after the last unedited hidden layer; most edits are made twice, as a held arrow key does (the
    # second resumes at the edited layer). Zeros make dead and constant units on the way. With a cap
    # at the first network's count, some edits have too many regions: the kept state must survive.
    rng = np.random.default_rng(sum(widths) + len(activation))
    net = paper_random(widths, sigma_w2=2.0, sigma_b2=0.3, seed=len(widths), activation=activation)
    window = (-4.0, 3.0, -3.5, 4.5)
    cap = int(cap_share * fresh_partition(net, window).regions_exact) if cap_share else REGION_CAP
    partition_module._kept = None
    _partition_or_cap(net, window, cap, fresh=False)
    kept_at, failed = set(), 0
    for layer in rng.permutation(np.repeat(np.arange(len(net.weights)), 4)).tolist():
        value = float(rng.choice([0.0, rng.normal()]))
        for step in (value, value + 0.25)[: int(rng.integers(1, 3))]:
            net = _edited(net, rng, layer, step)
            before = partition_module._kept
            got = _partition_or_cap(net, window, cap, fresh=False)
            want = _partition_or_cap(net, window, cap, fresh=True)
            if isinstance(want, int):
                assert got == want
                assert partition_module._kept is before  # a failed partition keeps the last state
                failed += 1
            else:
                assert_identical(got, want)
                kept_at.add(partition_module._kept.n)
    # States were kept (and resumed by the next edit of the same layer) before the first layer, after
    # every hidden layer (output-layer edits, which cut nothing) and in between.
    assert kept_at == set(range(len(widths) + 1))
    assert (failed > 0) == (cap_share is not None)


def _resumable(net: Network, layer: int, window=SQUARE5):
    """After two edits of `layer` (a weight), the state kept after the layers before it, and the
    network of a third edit, which resumes from it."""
    partition_module._kept = None
    for value in (0.3, -0.2):
        net = net.with_weight(layer, 0, 0, value)
        partition(net, window)
    assert partition_module._kept.n == layer
    return partition_module._kept, net.with_weight(layer, 0, 0, 0.7)


@pytest.mark.parametrize(
    ("widths", "layer", "form"),
    [
        ((4, 4), 1, "_ListRegions"),
        ((4, 4), 2, "_ListRegions"),
        ((8, 8, 8), 1, "_ListRegions"),  # 26 regions, 160 after the next layer: arrays on the way
        ((8, 8, 8), 2, "_Regions"),
        ((8, 8, 8), 3, "_Regions"),
    ],
)
def test_resuming_twice_from_one_state_changes_nothing(widths, layer, form):
    # The kept regions are lists (few) or arrays (many), after one or two layers, or after every
    # hidden layer (output-layer edits): resumed twice, the same partition, and the state unchanged.
    net = paper_random(widths, sigma_w2=2.0, sigma_b2=0.3, seed=7, activation="relu")
    kept, edited = _resumable(net, layer)
    assert type(kept.cut.regions).__name__ == form
    state = pickle.dumps(kept)
    first = partition(edited, SQUARE5)
    partition_module._kept = kept
    second = partition(edited, SQUARE5)
    assert pickle.dumps(kept) == state
    assert_identical(first, fresh_partition(edited, SQUARE5))
    assert_identical(second, first)


def test_another_activation_window_cap_or_width_is_cut_afresh():
    # The state kept after every hidden layer (two output-layer edits) must not be taken by a partition
    # of another activation, window, cap, or by a network with other widths sharing the hidden arrays.
    net = paper_random((5, 5), sigma_w2=2.0, sigma_b2=0.3, seed=3, activation="relu")
    kept, edited = _resumable(net, 2)
    count = fresh_partition(edited, SQUARE5).regions_exact

    other = copy.copy(edited)
    object.__setattr__(other, "activation", "hardtanh")
    partition_module._kept = kept
    assert_identical(partition(other, SQUARE5), fresh_partition(other, SQUARE5))

    window = (-5.0, 5.0, -5.0, 4.0)
    partition_module._kept = kept
    assert_identical(partition(edited, window), fresh_partition(edited, window))

    partition_module._kept = kept
    with pytest.raises(PartitionTooLarge):
        partition(edited, SQUARE5, cap=count - 1)

    wider = copy.copy(edited)  # the hidden layers' arrays shared, but a unit more in the last one
    rng = np.random.default_rng(0)
    w, b = edited.weights[1], edited.biases[1]
    object.__setattr__(
        wider, "weights", (edited.weights[0], np.column_stack([w, w[:, 0]]), rng.normal(size=(6, 1)))
    )
    object.__setattr__(wider, "biases", (edited.biases[0], np.append(b, 0.5), edited.biases[2]))
    partition(wider.with_weight(2, 0, 0, 1.0), SQUARE5)  # the state after layer 1, in a wider net
    partition_module._kept = partition_module._kept._replace(layers=kept.layers)
    assert_identical(partition(edited, SQUARE5), fresh_partition(edited, SQUARE5))
