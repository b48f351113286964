"""The exact linear regions of a relu/hardtanh network with 2-D input, inside a rectangular window.

Such a network is piecewise linear: the window splits into convex polygons, on each of which every
unit stays on one piece of its activation and f is a plane a·x + b. The partition is built layer by
layer. Entering layer ℓ, each polygon carries the affine map x ↦ h_{ℓ−1} that holds on it, so each
unit's pre-activation is affine there too and its knots are straight lines across the polygon; the
polygon is cut by each of them in turn. All polygons are cut by one unit's line at once, in a few array
operations over polygons stored as padded vertex arrays, which is what makes this fast in numpy.

Tolerance: a vertex within TOLERANCE · (window size) of a cutting line counts as on it, and a polygon is
cut only if it has vertices strictly beyond that distance on both sides. So a line through a vertex,
a line along an edge, coincident lines of two units and near-misses never create slivers thinner than
that distance; regions thinner than it (which a drawing could not show) are merged into a neighbour.
Units whose pre-activation is constant on a polygon (zero weights, dead or saturated inputs) never cut
it; a constant exactly at a knot is on the piece below, as in activations.piece_index.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnsurface.core import activations
from nnsurface.core.network import Network

TOLERANCE = 1e-9
REGION_CAP = 20000


class PartitionTooLarge(RuntimeError):
    """More regions than the cap: the caller should fall back to the sampled grid."""

    def __init__(self, cap: int):
        super().__init__(f"more than {cap} linear regions in the window; exact partition abandoned")
        self.cap = cap


@dataclass(frozen=True, eq=False)
class Partition:
    """The linear regions of a network inside window = (x0, x1, y0, y1).

    Region k is the convex polygon vertices[k, :counts[k]] (counter-clockwise, float64; every row is
    padded, by at least one column, with its first vertex, so vertices[k, i + 1] ends edge i), with
    activation pattern patterns[k] (piece index of every hidden unit, as Network.patterns) and
    f(x) = gradients[k]·x + offsets[k] on it. Regions are ordered by the mean of their vertices
    (x, then y), like a raster scan. crease_length is the total length of the boundaries
    between regions inside the window (each counted once, the window's border not at all).
    """

    window: tuple[float, float, float, float]
    vertices: np.ndarray
    counts: np.ndarray
    patterns: np.ndarray
    gradients: np.ndarray
    offsets: np.ndarray
    crease_length: float

    @property
    def regions_exact(self) -> int:
        """The number of linear regions in the window."""
        return len(self.counts)

    def polygon(self, k: int) -> np.ndarray:
        """Vertices (n, 2) of region k, counter-clockwise."""
        return self.vertices[k, : self.counts[k]]

    def areas(self) -> np.ndarray:
        """Area of every region (shoelace formula; the padding adds nothing)."""
        x, y = self.vertices[..., 0], self.vertices[..., 1]
        return 0.5 * np.sum(x[:, :-1] * y[:, 1:] - x[:, 1:] * y[:, :-1], axis=1)

    def evaluate(self, k: int, points: np.ndarray) -> np.ndarray:
        """f at points (n, 2) by the plane of region k."""
        return np.asarray(points, dtype=np.float64) @ self.gradients[k] + self.offsets[k]


def partition(
    network: Network, window: tuple[float, float, float, float], cap: int = REGION_CAP
) -> Partition:
    """The exact linear regions of `network` inside window = (x0, x1, y0, y1).

    Raises PartitionTooLarge as soon as there are more than `cap` regions, and ValueError for a
    network without 2 inputs or with a smooth activation (tanh, linear with hidden layers).
    """
    x0, x1, y0, y1 = (float(v) for v in window)
    if not (x0 < x1 and y0 < y1) or not np.all(np.isfinite([x0, x1, y0, y1])):
        raise ValueError(f"window: expected x0 < x1 and y0 < y1 (finite), got {window}")
    if network.input_dim != 2:
        raise ValueError(f"network: exact regions need 2 inputs, got {network.input_dim}")
    if network.n_hidden and not activations.is_piecewise_linear(network.activation):
        raise ValueError(f"network: {network.activation} is not piecewise linear; use the grid")
    eps = TOLERANCE * max(x1 - x0, y1 - y0)
    regions = _Regions(x0, x1, y0, y1, sum(network.widths))
    knots = activations.knots(network.activation) if network.n_hidden else ()
    slopes, offsets = activations.piece_affine(network.activation) if network.n_hidden else (None, None)
    # Affine map of the current layer's input on each region: h = x @ lin + const.
    lin = np.broadcast_to(np.eye(2), (1, 2, 2))
    const = np.zeros((1, 2))
    column = 0
    for w, b in zip(network.weights[:-1], network.biases[:-1], strict=True):
        regions.begin_layer(lin @ w, const @ w + b)
        for unit in range(w.shape[1]):
            for knot in knots:
                regions.cut(unit, column + unit, knot, eps)
                if regions.size > cap:
                    raise PartitionTooLarge(cap)
        pieces = regions.pieces[: regions.size, column : column + w.shape[1]]
        lin = regions.grad[: regions.size] * slopes[pieces][:, None, :]
        const = regions.level[: regions.size] * slopes[pieces] + offsets[pieces]
        column += w.shape[1]
    p = regions.size
    grad = (lin @ network.weights[-1])[..., 0]
    grad = np.broadcast_to(grad, (p, 2))
    level = np.broadcast_to((const @ network.weights[-1])[:, 0] + network.biases[-1][0], (p,))
    vertices, counts = regions.polygons()
    order = _raster_order(vertices, counts)
    vertices = vertices[order]
    return Partition(
        window=(x0, x1, y0, y1),
        vertices=vertices,
        counts=counts[order],
        patterns=regions.pieces[:p][order],
        gradients=np.ascontiguousarray(grad[order]),
        offsets=np.ascontiguousarray(level[order]),
        crease_length=0.5 * float(_edge_lengths(vertices, counts[order], (x0, x1, y0, y1), eps).sum()),
    )


class _Regions:
    """The polygons being cut, as padded arrays with spare rows so cuts mostly write in place.

    xs, ys: (rows, width) vertex coordinates. Each row is padded with its polygon's first vertex and
    has at least one padding column, so slot k + 1 is always the end of edge k, the closing edge
    included: "the next vertex" of all polygons is the slice [:, 1:], no index arithmetic.
    grad/level: the current layer's pre-activations as affine maps on each polygon.
    pieces: the piece index of every hidden unit decided so far.
    """

    def __init__(self, x0: float, x1: float, y0: float, y1: float, n_units: int):
        self.xs = np.array([[x0, x1, x1, x0, x0]])
        self.ys = np.array([[y0, y0, y1, y1, y0]])
        self.counts = np.array([4])
        self.pieces = np.zeros((1, n_units), dtype=np.int8)
        self.grad = np.zeros((1, 2, 0))
        self.level = np.zeros((1, 0))
        self.size = 1

    def begin_layer(self, grad: np.ndarray, level: np.ndarray) -> None:
        """Set the layer's pre-activations on each polygon: gradients (P, 2, width), levels (P, width)."""
        rows = len(self.counts)
        self.grad = np.zeros((rows,) + grad.shape[1:])
        self.grad[: self.size] = grad
        self.level = np.zeros((rows,) + level.shape[1:])
        self.level[: self.size] = level

    def polygons(self) -> tuple[np.ndarray, np.ndarray]:
        """Vertices (P, max count + 1, 2), padded with each first vertex, and counts (P,)."""
        p = self.size
        width = int(self.counts[:p].max()) + 1
        return np.stack([self.xs[:p, :width], self.ys[:p, :width]], axis=-1), self.counts[:p].copy()

    def cut(self, unit: int, column: int, knot: float, eps: float) -> None:
        """Split every polygon crossed by the line {pre-activation of `unit` = knot}.

        The part above the knot keeps the polygon's row, with pieces[:, column] raised by one, as
        are whole polygons above it; the part below goes to a new row at the end.
        """
        p = self.size
        gx = self.grad[:p, 0, unit]
        gy = self.grad[:p, 1, unit]
        xs, ys = self.xs[:p], self.ys[:p]
        s = xs * gx[:, None]
        s += ys * gy[:, None]
        s += (self.level[:p, unit] - knot)[:, None]
        tol = eps * np.hypot(gx, gy)
        up = s.max(axis=1) > tol
        down = s.min(axis=1) < -tol
        self.pieces[:p, column] += up
        crossed = np.flatnonzero(up & down)
        if crossed.size == 0:
            return
        q = crossed.size
        new = np.arange(p, p + q)
        self._reserve(p + q)
        for arr in (self.pieces, self.grad, self.level):
            arr[new] = arr[crossed]
        self.pieces[new, column] -= 1
        self.size = p + q
        xs2, ys2, counts2 = _split(xs[crossed], ys[crossed], s[crossed], tol[crossed], self.counts[crossed])
        self._write(np.concatenate([crossed, new]), xs2, ys2, counts2)

    def _write(self, rows: np.ndarray, xs: np.ndarray, ys: np.ndarray, counts: np.ndarray) -> None:
        width = xs.shape[1]
        if width > self.xs.shape[1]:
            extra = width - self.xs.shape[1]
            self.xs = np.concatenate([self.xs, np.repeat(self.xs[:, :1], extra, axis=1)], axis=1)
            self.ys = np.concatenate([self.ys, np.repeat(self.ys[:, :1], extra, axis=1)], axis=1)
        self.xs[rows, :width] = xs
        self.xs[rows, width:] = xs[:, :1]
        self.ys[rows, :width] = ys
        self.ys[rows, width:] = ys[:, :1]
        self.counts[rows] = counts

    def _reserve(self, rows: int) -> None:
        """Grow every row array to at least `rows` rows (doubling, so appends are amortised)."""
        have = len(self.counts)
        if rows <= have:
            return
        grow = max(rows, 2 * have) - have
        for name in ("xs", "ys", "counts", "pieces", "grad", "level"):
            arr = getattr(self, name)
            setattr(self, name, np.concatenate([arr, np.zeros((grow,) + arr.shape[1:], arr.dtype)]))


def _split(xs, ys, s, tol, counts):
    """Clip polygons (rows) against the line s = 0 where s are the vertex values: above, then below parts.

    Sutherland–Hodgman on all rows at once: walking each polygon's edges, a vertex goes to the side(s)
    its sign says (both if it is within tol of the line), and an edge whose ends are strictly on
    opposite sides contributes its crossing point to both parts. Convex in, convex out, order kept.
    Returns rows 0..q−1 for the parts above and q..2q−1 for the parts below.
    """
    q, w = xs.shape
    m = w - 1  # edge k runs from slot k to slot k + 1
    valid = np.arange(m)[None, :] < counts[:, None]
    sign = (s > tol[:, None]).view(np.int8) - (s < -tol[:, None]).view(np.int8)
    crosses = valid & (sign[:, :-1] * sign[:, 1:] < 0)
    s0 = s[:, :-1]
    t = np.divide(s0, s0 - s[:, 1:], out=np.zeros_like(s0), where=crosses)
    cand_x = np.empty((q, 2 * m))
    cand_y = np.empty((q, 2 * m))
    cand_x[:, 0::2] = xs[:, :-1]
    cand_y[:, 0::2] = ys[:, :-1]
    cand_x[:, 1::2] = xs[:, :-1] + t * (xs[:, 1:] - xs[:, :-1])
    cand_y[:, 1::2] = ys[:, :-1] + t * (ys[:, 1:] - ys[:, :-1])
    keep = np.empty((2 * q, 2 * m), dtype=bool)
    keep[:q, 1::2] = crosses
    keep[q:, 1::2] = crosses
    keep[:q, 0::2] = valid & (sign[:, :-1] >= 0)
    keep[q:, 0::2] = valid & (sign[:, :-1] <= 0)
    return _compact(np.concatenate([cand_x, cand_x]), np.concatenate([cand_y, cand_y]), keep)


def _compact(cand_x: np.ndarray, cand_y: np.ndarray, keep: np.ndarray):
    """Rows of the kept candidates, moved to the front and padded (at least one column) with each
    row's first kept vertex."""
    counts = keep.sum(axis=1)
    width = int(counts.max()) + 1
    rows, cols = np.nonzero(keep)
    pos = np.cumsum(keep, axis=1)[rows, cols] - 1
    r = np.arange(len(counts))
    first = np.argmax(keep, axis=1)
    out_x = np.repeat(cand_x[r, first][:, None], width, axis=1)
    out_y = np.repeat(cand_y[r, first][:, None], width, axis=1)
    out_x[rows, pos] = cand_x[rows, cols]
    out_y[rows, pos] = cand_y[rows, cols]
    return out_x, out_y, counts


def _raster_order(vertices: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Region order by vertex-mean (x, then y): deterministic and spatially coherent."""
    valid = np.arange(vertices.shape[1])[None, :] < counts[:, None]
    mean = np.sum(vertices * valid[..., None], axis=1) / counts[:, None]
    return np.lexsort((mean[:, 1], mean[:, 0]))


def _interior_edges(vertices: np.ndarray, counts: np.ndarray, window, eps: float) -> np.ndarray:
    """Mask (P, M − 1) of edges (vertex k → k+1) that exist and do not lie on the window's border."""
    x0, x1, y0, y1 = window
    start = vertices[:, :-1]
    end = vertices[:, 1:]
    valid = np.arange(start.shape[1])[None, :] < counts[:, None]
    on_border = np.zeros(valid.shape, dtype=bool)
    for axis, value in ((0, x0), (0, x1), (1, y0), (1, y1)):
        on_border |= (np.abs(start[..., axis] - value) <= eps) & (np.abs(end[..., axis] - value) <= eps)
    return valid & ~on_border


def _edge_lengths(vertices: np.ndarray, counts: np.ndarray, window, eps: float) -> np.ndarray:
    """Lengths of all interior edges of all regions (each crease appears twice, once per side)."""
    d = vertices[:, 1:] - vertices[:, :-1]
    return np.hypot(d[..., 0], d[..., 1])[_interior_edges(vertices, counts, window, eps)]


@dataclass(frozen=True, eq=False)
class RegionMesh:
    """Triangles of the regions lifted onto their planes, for drawing the exact surface.

    vertices (N, 3) float32 (each region has its own vertices, so it can be coloured and shaded
    flat), faces (M, 3) int32, face_regions (M,) int32 (region id of each triangle), normals (N, 3)
    float32: each vertex carries its region's plane normal ∝ (∂f/∂x, ∂f/∂y, −1). Triangles are wound
    clockwise seen from above, facing that normal: the same side as grid.surface_normals and
    pyqtgraph's surface item, so one shader lights both alike.
    """

    vertices: np.ndarray
    faces: np.ndarray
    face_regions: np.ndarray
    normals: np.ndarray


def region_mesh(part: Partition) -> RegionMesh:
    """Fan-triangulate every region (convex, so a fan from its first vertex covers it exactly)."""
    counts = part.counts
    m = part.vertices.shape[1]
    valid = np.arange(m)[None, :] < counts[:, None]
    start = np.cumsum(counts) - counts  # first vertex index of each region
    xy = part.vertices[valid]
    region_of_vertex = np.repeat(np.arange(len(counts)), counts)
    z = np.einsum("ij,ij->i", xy, part.gradients[region_of_vertex]) + part.offsets[region_of_vertex]
    fan = (np.arange(1, m - 1)[None, :] < (counts - 1)[:, None]).ravel()  # triangles (0, k+1, k)
    region_of_face = np.repeat(np.arange(len(counts)), m - 2)[fan]
    k = np.tile(np.arange(1, m - 1), len(counts))[fan]
    base = start[region_of_face]
    faces = np.stack([base, base + k + 1, base + k], axis=1).astype(np.int32)
    plane = np.column_stack([part.gradients, -np.ones(len(counts))])
    plane /= np.linalg.norm(plane, axis=1, keepdims=True)
    return RegionMesh(
        vertices=np.column_stack([xy, z]).astype(np.float32),
        faces=faces,
        face_regions=region_of_face.astype(np.int32),
        normals=plane[region_of_vertex].astype(np.float32),
    )


def crease_segments(part: Partition) -> np.ndarray:
    """The creases as line segments (K, 2, 3) float32 on the surface, each stretch of crease once.

    Every interior edge appears in the two regions it separates, traversed in opposite directions
    (both are counter-clockwise); only the copy pointing rightwards (or straight up, within the
    tolerance) is kept. Where one side has an extra vertex on the edge the kept copy may be two
    collinear pieces, still covering the crease once.
    """
    v = part.vertices
    x0, x1, y0, y1 = part.window
    eps = TOLERANCE * max(x1 - x0, y1 - y0)
    d = v[:, 1:] - v[:, :-1]
    length = np.hypot(d[..., 0], d[..., 1])
    tilt = TOLERANCE * length
    rightwards = (d[..., 0] > tilt) | ((np.abs(d[..., 0]) <= tilt) & (d[..., 1] > 0))
    rows, cols = np.nonzero(_interior_edges(v, part.counts, part.window, eps) & rightwards & (length > 0))
    a = v[rows, cols]
    b = v[rows, cols + 1]  # the padding repeats the first vertex: this closes the polygon
    grad, off = part.gradients[rows], part.offsets[rows]
    za = np.einsum("ij,ij->i", a, grad) + off
    zb = np.einsum("ij,ij->i", b, grad) + off
    return np.stack([np.column_stack([a, za]), np.column_stack([b, zb])], axis=1).astype(np.float32)
