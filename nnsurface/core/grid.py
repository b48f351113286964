"""The network sampled on a regular grid: heights, region labels and normals, ready for the surface view.

Everything here is vectorised over the grid (no per-point Python loop) because it runs on every edit.
Layouts follow pyqtgraph's GLSurfacePlotItem: z[i, j] = f(x[i], y[j]), vertex (i, j) has index
i·n + j, and the triangles are wound as that item winds them, so these arrays drop into it unchanged.
"""

from __future__ import annotations

import numpy as np

from nnsurface.core import activations
from nnsurface.core.network import Network


class GridResult:
    """f on an n×n grid over [−extent, extent]², with the linear region (activation pattern) of each point.

    labels[i, j] is a small region id: the index of the point's activation pattern among the distinct
    patterns of the grid, numbered by first appearance in raster order (i, then j), so that a small edit
    of the network keeps most colours. patterns[k] is the pattern of id k (piece index of every hidden
    unit, as Network.patterns gives it). For tanh/linear every point has the one pattern of id 0.

    The heights are computed at once; the labels, patterns and n_regions when first asked for, from
    the hidden pre-activations kept until then: an edit's frame draws the heights, and only colouring
    by region or the panels (after the frame) need the regions. Never changed once made.
    """

    __slots__ = ("x", "y", "z", "_activation", "_pre", "_labels", "_patterns")

    def __init__(self, x: np.ndarray, y: np.ndarray, z: np.ndarray, activation: str, pre: np.ndarray):
        self.x, self.y, self.z = x, y, z
        self._activation, self._pre = activation, pre
        self._labels: np.ndarray | None = None
        self._patterns: np.ndarray | None = None

    @property
    def labels(self) -> np.ndarray:
        """(n, n) int32 region id of every grid point."""
        self._label()
        return self._labels  # type: ignore[return-value]

    @property
    def patterns(self) -> np.ndarray:
        """(n_regions, Σ widths) int8: the activation pattern of every region id."""
        self._label()
        return self._patterns  # type: ignore[return-value]

    @property
    def n_regions(self) -> int:
        return len(self.patterns)

    def _label(self) -> None:
        if self._labels is None:
            labels, self._patterns = _region_labels(self._activation, self._pre)
            self._labels = labels.reshape(self.z.shape)
            self._pre = None  # kept for this only (Σ widths × n² numbers)


def grid_axis(extent: float, resolution: int) -> np.ndarray:
    """The float32 axis of `resolution` evenly spaced values over [−extent, extent]."""
    if resolution < 2:
        raise ValueError(f"resolution: expected at least 2 points per side, got {resolution}")
    if not np.isfinite(extent) or extent <= 0:
        raise ValueError(f"extent: expected a positive finite number, got {extent}")
    return np.linspace(-extent, extent, resolution).astype(np.float32)


def evaluate_grid(network: Network, extent: float, resolution: int) -> GridResult:
    """Evaluate f at the grid points (x[i], y[j]), x = y = grid_axis(...), and the region labels there
    when they are first asked for (GridResult).

    The points are the float32 axis values that are returned, so z and labels describe exactly the
    points the view draws; patterns agree with Network.patterns there except where a pre-activation
    is within rounding of a knot (the two compute the same sums in a different order).
    """
    if network.input_dim != 2:
        raise ValueError(f"network: a grid needs 2 inputs, got {network.input_dim}")
    axis = grid_axis(extent, resolution)
    pre, out = _forward_points_last(network, axis.astype(_forward_dtype(network.activation)))
    n = resolution
    return GridResult(axis, axis.copy(), out.astype(np.float32).reshape(n, n), network.activation, pre)


def _forward_dtype(activation: str) -> type:
    """float32 for tanh, float64 otherwise.

    A tanh grid only gives the heights drawn, which are float32 on the GPU anyway: in float32 they
    are good to a few 1e-6 of f's size (a pixel is ~1e-3 of it) and np.tanh is five times faster
    (at 400², 28 → 5.5 ms per edit). The measures never use the grid. Piecewise-linear grids stay
    float64: their region labels decide which side of a knot each point is on, and rounding there
    would move region boundaries.
    """
    return np.float32 if activation == "tanh" else np.float64


def _forward_points_last(network: Network, axis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All hidden pre-activations (Σ widths, n²) and the output (n²,) at the grid points, point i·n + j,
    in the axis' dtype.

    Points run along the last axis so every elementwise operation has a long inner loop (with a
    width-4 last axis numpy spends most of its time in loop overhead), and every large array is
    written in place into one workspace: on a loaded machine fresh pages cost more than arithmetic.
    """
    n = len(axis)
    dtype = axis.dtype
    widths = network.widths
    pre = np.empty((sum(widths), n * n), dtype=dtype)
    post = np.empty((max(widths, default=0), n * n), dtype=dtype)
    weights = [w.astype(dtype, copy=False) for w in network.weights]
    biases = [b.astype(dtype, copy=False) for b in network.biases]
    w0 = weights[0]
    h = None
    start = 0
    for layer, width in enumerate(widths):
        z = pre[start : start + width]
        start += width
        if layer == 0:
            # The first layer on a grid: x_i·w₀ + y_j·w₁ + b, an outer sum instead of a matmul.
            np.add(
                (w0[0][:, None] * axis)[:, :, None],
                (w0[1][:, None] * axis)[:, None, :],
                out=z.reshape(width, n, n),
            )
        else:
            np.matmul(weights[layer].T, h, out=z)
        z += biases[layer][:, None]
        h = _activate_into(network.activation, z, post[:width])
    if h is None:  # no hidden layer: f is affine in the point
        out = (w0[0, 0] * axis)[:, None] + (w0[1, 0] * axis)[None, :]
        return pre, out.reshape(-1) + biases[0][0]
    return pre, (weights[-1].T @ h)[0] + biases[-1][0]


def _activate_into(name: str, z: np.ndarray, out: np.ndarray) -> np.ndarray:
    """φ(z) written into `out` (activations.apply, without allocating); returns out."""
    if name == "relu":
        return np.maximum(z, 0.0, out=out)
    if name == "hardtanh":
        return np.clip(z, -1.0, 1.0, out=out)
    if name == "tanh":
        return np.tanh(z, out=out)
    out[...] = z
    return out


# Thermometer bits packed per float64 word: integers up to 2⁵³ are exact, so 52 bits per word.
_BITS_PER_WORD = 52


def _region_labels(activation: str, pre: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Label every point (column of pre) by its activation pattern, ids in order of first appearance.

    The pattern is thermometer-coded as one bit per (unit, knot): bit = pre-activation > knot, whose
    sum over the knots of a unit is exactly activations.piece_index. The bits are packed into a few
    integer-valued float64 words (a matrix product with powers of two), so comparing patterns is
    comparing a few numbers. Raster neighbours mostly share a pattern, so only the starts of runs of
    equal words are de-duplicated: the sort is over runs, not points.
    """
    width, n_points = pre.shape
    knots = activations.knots(activation)
    if not knots or width == 0:
        return np.zeros(n_points, dtype=np.int32), np.zeros((1, width), dtype=np.int8)
    bits = np.concatenate([pre > k for k in knots]) if len(knots) > 1 else pre > knots[0]
    words = np.stack(
        [
            2.0 ** np.arange(len(chunk)) @ chunk
            for chunk in np.array_split(bits, -(-len(bits) // _BITS_PER_WORD))
        ]
    )

    change = np.empty(n_points, dtype=bool)
    change[0] = True
    np.not_equal(words[0, 1:], words[0, :-1], out=change[1:])
    for row in words[1:]:
        change[1:] |= row[1:] != row[:-1]
    starts = np.flatnonzero(change)
    if len(words) == 1:
        _, first, inverse = np.unique(words[0, starts], return_index=True, return_inverse=True)
    else:
        _, first, inverse = np.unique(words[:, starts].T, axis=0, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # distinct patterns by first appearance
    rank = np.empty(len(order), dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    labels = np.repeat(rank[inverse.reshape(-1)], np.diff(np.append(starts, n_points)))
    patterns = activations.piece_index(activation, pre[:, starts[first[order]]].T)
    return labels, patterns


def surface_normals(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Unit vertex normals (n, n, 3) float32 of the height field z[i, j] over (x[i], y[j]).

    Slopes come from finite differences (central inside, one-sided on the border), a few whole-array
    operations instead of pyqtgraph's per-vertex loop. Orientation: ∝ (∂z/∂x, ∂z/∂y, −1), the side
    pyqtgraph's GLSurfacePlotItem triangles face, so its 'shaded' shader lights them the same way.
    """
    x = np.asarray(x, dtype=np.float32)
    y = np.asarray(y, dtype=np.float32)
    z = np.asarray(z, dtype=np.float32)
    if z.shape != (len(x), len(y)) or min(z.shape) < 2:
        raise ValueError(f"z: expected shape ({len(x)}, {len(y)}) with both at least 2, got {z.shape}")
    normals = np.empty(z.shape + (3,), dtype=np.float32)
    _differences(z, x, axis=0, out=normals[..., 0])
    _differences(z, y, axis=1, out=normals[..., 1])
    normals[..., 2] = -1.0
    normals /= np.sqrt(np.einsum("ijk,ijk->ij", normals, normals))[..., None]
    return normals


def _differences(z: np.ndarray, t: np.ndarray, axis: int, out: np.ndarray) -> None:
    """∂z/∂t along `axis` into `out`: (z[k+1] − z[k−1]) / (t[k+1] − t[k−1]) inside, one-sided at the ends."""
    zz = np.moveaxis(z, axis, 0)
    oo = np.moveaxis(out, axis, 0)
    shape = (-1, 1)
    oo[1:-1] = (zz[2:] - zz[:-2]) / (t[2:] - t[:-2]).reshape(shape)
    oo[0] = (zz[1] - zz[0]) / (t[1] - t[0])
    oo[-1] = (zz[-1] - zz[-2]) / (t[-1] - t[-2])


def grid_faces(n: int) -> np.ndarray:
    """Triangles (2(n−1)², 3) uint32 of the n×n grid, in GLSurfacePlotItem's order and winding.

    Cell (i, j) gives (v[i,j], v[i,j+1], v[i+1,j]) and (v[i+1,j], v[i,j+1], v[i+1,j+1]), where
    v[i,j] = i·n + j; each grid row lists its first triangles, then its second ones. Built once per
    resolution: only heights, normals and colours change on an edit.
    """
    if n < 2:
        raise ValueError(f"n: expected at least 2, got {n}")
    c = n - 1
    base = (np.arange(c)[:, None] * n + np.arange(c)[None, :]).astype(np.uint32)  # v[i, j], (row, col)
    first = np.stack([base, base + 1, base + n], axis=-1)
    second = np.stack([base + n, base + 1, base + n + 1], axis=-1)
    return np.concatenate([first, second], axis=1).reshape(-1, 3)


def grid_face_normals(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Unit normals (2(n−1)², 3) float32 of the triangles of grid_faces, for flat (faceted) shading.

    Each is the normalised cross product (b − a) × (c − a) of its triangle (a, b, c), as pyqtgraph's
    MeshData.faceNormals computes it, but for all triangles in a few array operations.
    """
    x = np.asarray(x, dtype=np.float32)
    y = np.asarray(y, dtype=np.float32)
    z = np.asarray(z, dtype=np.float32)
    n = len(x)
    if z.shape != (n, len(y)) or len(y) != n or n < 2:
        raise ValueError(f"z: expected a square grid of shape ({n}, {n}) with n ≥ 2, got {z.shape}")
    dx = np.diff(x)[:, None]  # (n−1, 1): x[i+1] − x[i]
    dy = np.diff(y)[None, :]  # (1, n−1)
    z00, z01, z10, z11 = z[:-1, :-1], z[:-1, 1:], z[1:, :-1], z[1:, 1:]
    # (0, dy, z01 − z00) × (dx, 0, z10 − z00) and (−dx, dy, z01 − z10) × (0, dy, z11 − z10), expanded
    first = np.stack(np.broadcast_arrays(dy * (z10 - z00), dx * (z01 - z00), -dx * dy), axis=-1)
    second = np.stack(np.broadcast_arrays(dy * (z11 - z01), dx * (z11 - z10), -dx * dy), axis=-1)
    normals = np.concatenate([first, second], axis=1).reshape(-1, 3)
    return (normals / np.linalg.norm(normals, axis=1, keepdims=True)).astype(np.float32)
