"""Grid evaluation, region labels and normals, checked against direct evaluation and brute force."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnsurface.core.grid import (
    evaluate_grid,
    grid_axis,
    grid_face_normals,
    grid_faces,
    surface_normals,
)
from nnsurface.core.network import Network, default_network, original_random, paper_random


def _points(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    gx, gy = np.meshgrid(x.astype(np.float64), y.astype(np.float64), indexing="ij")
    return np.column_stack([gx.ravel(), gy.ravel()])


def _near_knot(network: Network, points: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """Points where some pre-activation is within tol of a knot (their piece is a rounding choice)."""
    pre = np.concatenate(network.forward_all(points).pre, axis=1)
    knots = {"relu": (0.0,), "hardtanh": (-1.0, 1.0)}.get(network.activation, ())
    near = np.zeros(len(points), dtype=bool)
    for k in knots:
        near |= np.any(np.abs(pre - k) <= tol * (1 + abs(k)), axis=1)
    return near


def _check_against_network(network: Network, extent: float, n: int) -> None:
    g = evaluate_grid(network, extent, n)
    pts = _points(g.x, g.y)
    assert g.x.dtype == g.y.dtype == g.z.dtype == np.float32
    assert g.labels.dtype == np.int32 and g.patterns.dtype == np.int8
    assert g.z.shape == g.labels.shape == (n, n)
    f = network(pts).reshape(n, n)
    np.testing.assert_allclose(g.z, f.astype(np.float32), rtol=1e-6, atol=1e-6 * (1 + np.abs(f).max()))

    expected = network.patterns(pts)
    got = g.patterns[g.labels.ravel()]
    ok = np.all(got == expected, axis=1) | _near_knot(network, pts)
    assert ok.all()
    assert g.n_regions == len(g.patterns)
    # ids are the distinct patterns, numbered by first appearance in raster order
    assert len(np.unique(g.patterns, axis=0)) == g.n_regions
    _, first = np.unique(g.labels.ravel(), return_index=True)
    assert np.all(np.diff(first) > 0)
    assert set(np.unique(g.labels)) == set(range(g.n_regions))


def test_default_network_matches_direct_evaluation():
    _check_against_network(default_network(), 5.0, 60)


def test_axis_is_the_evaluated_float32_linspace():
    x = grid_axis(3.0, 7)
    np.testing.assert_array_equal(x, np.linspace(-3, 3, 7).astype(np.float32))
    with pytest.raises(ValueError):
        grid_axis(3.0, 1)
    with pytest.raises(ValueError):
        grid_axis(0.0, 10)


def test_z_layout_is_x_major():
    # f(x, y) = x exactly: z must vary along the first index only
    net = Network([[[1.0, 0.0], [0.0, 0.0]], [[1.0], [-1.0]]], activation="relu")  # relu(x) − relu(0)
    g = evaluate_grid(net, 2.0, 5)
    np.testing.assert_allclose(g.z, np.maximum(g.x, 0)[:, None] * np.ones((1, 5)))


@pytest.mark.parametrize("activation", ["tanh", "linear"])
def test_smooth_activations_have_one_region(activation):
    net = original_random((5, 3), seed=3, activation=activation)
    g = evaluate_grid(net, 4.0, 30)
    assert g.n_regions == 1
    assert not g.labels.any()
    assert g.patterns.shape == (1, 8)
    _check_against_network(net, 4.0, 30)


@pytest.mark.parametrize("widths", [(4, 4), (16, 16, 16), (40, 40), (8,) * 6])
@pytest.mark.parametrize("seed", range(4))
def test_tanh_grids_in_float32_are_within_a_few_millionths_of_f(widths, seed):
    net = paper_random(widths, sigma_w2=4.0, sigma_b2=0.5, seed=seed, activation="tanh")
    g = evaluate_grid(net, 5.0, 41)
    f = net(_points(g.x, g.y)).reshape(41, 41)
    assert np.abs(g.z - f).max() <= 5e-6 * (1 + np.abs(f).max())


def test_many_units_use_several_words():
    # 2·3·40 = 240 thermometer bits for hardtanh: five packed words
    net = paper_random((40, 40, 40), sigma_w2=4.0, sigma_b2=0.5, seed=1, activation="hardtanh")
    _check_against_network(net, 2.0, 40)


def test_no_hidden_layer_is_affine():
    net = Network([[[2.0], [-3.0]]], [[0.5]])
    g = evaluate_grid(net, 1.0, 4)
    x = g.x.astype(np.float64)
    np.testing.assert_allclose(g.z, 2 * x[:, None] - 3 * x[None, :] + 0.5, rtol=1e-6)
    assert g.n_regions == 1 and g.patterns.shape == (1, 0)


def test_labels_keep_their_ids_when_a_far_unit_moves():
    # Raster-order numbering: moving a line only renumbers regions after its first appearance.
    net = Network([[[1.0, 0.0], [0.0, 1.0]], [[1.0], [1.0]]], [[0.0, 2.0], [0.0]])
    moved = net.with_bias(0, 1, 2.5)
    a, b = evaluate_grid(net, 5.0, 40), evaluate_grid(moved, 5.0, 40)
    np.testing.assert_array_equal(a.patterns, b.patterns)
    moved_points = np.any(a.patterns[a.labels] != b.patterns[b.labels], axis=-1)
    assert moved_points.any()
    np.testing.assert_array_equal(a.labels != b.labels, moved_points)


@settings(max_examples=40, deadline=None)
@given(
    widths=st.lists(st.integers(1, 7), min_size=1, max_size=3),
    activation=st.sampled_from(["relu", "hardtanh"]),
    sigma_b2=st.sampled_from([0.0, 0.3, 2.0]),
    extent=st.floats(0.5, 8.0),
    n=st.integers(2, 40),
    seed=st.integers(0, 2**31),
)
def test_random_networks_match_direct_evaluation(widths, activation, sigma_b2, extent, n, seed):
    net = paper_random(widths, sigma_w2=2.0, sigma_b2=sigma_b2, seed=seed, activation=activation)
    _check_against_network(net, extent, n)


# --- normals -------------------------------------------------------------------------------------


def _brute_force_normals(x, y, z):
    """Per vertex: cross product of the central (or one-sided) difference vectors, one point at a time."""
    n, m = z.shape
    out = np.empty((n, m, 3))
    for i in range(n):
        for j in range(m):
            i0, i1 = max(i - 1, 0), min(i + 1, n - 1)
            j0, j1 = max(j - 1, 0), min(j + 1, m - 1)
            tx = np.array([x[i1] - x[i0], 0.0, z[i1, j] - z[i0, j]], dtype=np.float64)
            ty = np.array([0.0, y[j1] - y[j0], z[i, j1] - z[i, j0]], dtype=np.float64)
            v = np.cross(ty, tx)  # ∝ (∂z/∂x, ∂z/∂y, −1)
            out[i, j] = v / np.linalg.norm(v)
    return out


def test_plane_normals_are_exact():
    x = grid_axis(2.0, 9)
    y = x.copy()
    a, b = 0.7, -1.3
    z = (a * x[:, None] + b * y[None, :] + 0.25).astype(np.float32)
    expected = np.array([a, b, -1.0]) / np.sqrt(a * a + b * b + 1)
    got = surface_normals(x, y, z)
    assert got.dtype == np.float32 and got.shape == (9, 9, 3)
    np.testing.assert_allclose(got, np.broadcast_to(expected, got.shape), atol=1e-6)


def test_paraboloid_normals_converge_to_analytic():
    x = grid_axis(1.0, 201)
    y = x.copy()
    z = (x[:, None] ** 2 + 0.5 * y[None, :] ** 2).astype(np.float32)
    got = surface_normals(x, y, z)[1:-1, 1:-1]  # central differences are exact for a quadratic
    gx, gy = np.meshgrid(x[1:-1], y[1:-1], indexing="ij")
    v = np.stack([2 * gx, gy, -np.ones_like(gx)], axis=-1)
    np.testing.assert_allclose(got, v / np.linalg.norm(v, axis=-1, keepdims=True), atol=2e-5)


def test_normals_match_brute_force_on_a_network_surface():
    g = evaluate_grid(default_network(), 5.0, 23)
    got = surface_normals(g.x, g.y, g.z)
    np.testing.assert_allclose(got, _brute_force_normals(g.x, g.y, g.z), atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(got, axis=-1), 1.0, atol=1e-6)


def test_normals_reject_wrong_shapes():
    with pytest.raises(ValueError):
        surface_normals(np.zeros(3), np.zeros(4), np.zeros((3, 3)))


# --- faces and face normals ----------------------------------------------------------------------


def test_faces_follow_the_surface_item_layout():
    n = 4
    faces = grid_faces(n)
    assert faces.shape == (2 * (n - 1) ** 2, 3)
    expected = []
    for i in range(n - 1):  # the order GLSurfacePlotItem.generateFaces builds
        expected += [[i * n + j, i * n + j + 1, (i + 1) * n + j] for j in range(n - 1)]
        expected += [[(i + 1) * n + j, i * n + j + 1, (i + 1) * n + j + 1] for j in range(n - 1)]
    np.testing.assert_array_equal(faces, expected)
    # every cell covered by two triangles, every vertex used
    assert set(faces.ravel()) == set(range(n * n))


def test_face_normals_are_the_triangles_cross_products():
    g = evaluate_grid(default_network(), 5.0, 12)
    gx, gy = np.meshgrid(g.x, g.y, indexing="ij")
    verts = np.column_stack([gx.ravel(), gy.ravel(), g.z.ravel()]).astype(np.float64)
    faces = grid_faces(12)
    tri = verts[faces]
    ref = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    ref /= np.linalg.norm(ref, axis=1, keepdims=True)
    got = grid_face_normals(g.x, g.y, g.z)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, ref, atol=1e-5)
    # same side as the vertex normals
    assert np.all(got[:, 2] < 0)
