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
    f(x) = gradients[k]·x + offsets[k] on it. Regions are ordered by the centre of their bounding
    box (x, then y), like a raster scan. crease_length is the total length of the boundaries
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
    # The current layer's input on each region as an affine map of (x, y, 1): affine[k, j, region].
    affine = np.eye(3, 2)[:, :, None]
    column = 0
    for w, b in zip(network.weights[:-1], network.biases[:-1], strict=True):
        pre = np.matmul(w.T, affine)  # (3, width, P)
        pre[2] += b[:, None]
        regions.begin_layer(pre)
        for unit in range(w.shape[1]):
            for knot in knots:
                regions.cut(unit, column + unit, knot, eps)
                if regions.size > cap:
                    raise PartitionTooLarge(cap)
        pieces = regions.pieces[column : column + w.shape[1], : regions.size]
        affine = regions.pre[:, :, : regions.size] * slopes[pieces]
        affine[2] += offsets[pieces]
        column += w.shape[1]
    p = regions.size
    plane = np.broadcast_to(np.matmul(network.weights[-1].T, affine)[:, 0], (3, p)).T
    plane = plane + [0.0, 0.0, network.biases[-1][0]]
    vertices, counts = regions.polygons()
    order = np.lexsort((regions.cy[:p], regions.cx[:p]))  # raster order of the polygons' box centres
    vertices, counts, plane = vertices[order], counts[order], plane[order]
    return Partition(
        window=(x0, x1, y0, y1),
        vertices=vertices,
        counts=counts,
        patterns=np.ascontiguousarray(regions.pieces[:, :p].T[order]),
        gradients=np.ascontiguousarray(plane[:, :2]),
        offsets=np.ascontiguousarray(plane[:, 2]),
        crease_length=0.5 * float(_edge_lengths(vertices, counts, (x0, x1, y0, y1), eps).sum()),
    )


class _Regions:
    """The polygons being cut, as padded arrays with spare columns so cuts mostly write in place.

    Everything is stored polygon-last (one column per polygon): numpy's per-call and per-row costs
    dominate for short rows, and reductions over a few vertices of thousands of polygons are an order
    of magnitude faster along the first axis than along the last.

    xs, ys: (slots, columns) vertex coordinates. Each polygon is padded with its first vertex and has
    at least one padding slot, so slot k + 1 is always the end of edge k, the closing edge included:
    "the next vertex" of every polygon is the slice [1:], no index arithmetic.
    cx, cy, radius: a disc around each polygon (its bounding box's), to skip polygons far from a line.
    pre: (3, width, columns) the current layer's pre-activations as affine maps of (x, y, 1).
    pieces: (Σ widths, columns) the piece index of every hidden unit decided so far.
    """

    _INITIAL_COLUMNS = 64

    def __init__(self, x0: float, x1: float, y0: float, y1: float, n_units: int):
        cols = self._INITIAL_COLUMNS
        self.xs = np.zeros((5, cols))
        self.ys = np.zeros((5, cols))
        self.xs[:, 0] = [x0, x1, x1, x0, x0]
        self.ys[:, 0] = [y0, y0, y1, y1, y0]
        self.counts = np.zeros(cols, dtype=np.int64)
        self.counts[0] = 4
        self.cx = np.zeros(cols)
        self.cy = np.zeros(cols)
        self.radius = np.zeros(cols)
        self.cx[0], self.cy[0] = (x0 + x1) / 2, (y0 + y1) / 2
        self.radius[0] = np.hypot(x1 - x0, y1 - y0) / 2
        self.pieces = np.zeros((n_units, cols), dtype=np.int8)
        self.pre = np.zeros((3, 0, cols))
        self.size = 1

    def begin_layer(self, pre: np.ndarray) -> None:
        """Set the layer's pre-activations on each polygon, (3, width, P)."""
        self.pre = np.zeros(pre.shape[:2] + (len(self.counts),))
        self.pre[:, :, : self.size] = pre

    def polygons(self) -> tuple[np.ndarray, np.ndarray]:
        """Vertices (P, max count + 1, 2), padded with each first vertex, and counts (P,)."""
        p = self.size
        width = int(self.counts[:p].max()) + 1
        return np.stack([self.xs[:width, :p].T, self.ys[:width, :p].T], axis=-1), self.counts[:p].copy()

    def cut(self, unit: int, column: int, knot: float, eps: float) -> None:
        """Split every polygon crossed by the line {pre-activation of `unit` = knot}.

        The part above the knot keeps the polygon's column, with pieces[column] raised by one, as
        are whole polygons above it; the part below goes to a new column at the end. Polygons whose
        bounding disc the line misses are settled from the disc alone; only those near the line
        have their vertices looked at.
        """
        p = self.size
        gx, gy = self.pre[0, unit, :p], self.pre[1, unit, :p]
        level = self.pre[2, unit, :p] - knot
        norm = np.hypot(gx, gy)
        at_centre = self.cx[:p] * gx
        at_centre += self.cy[:p] * gy
        at_centre += level
        up = at_centre > 0
        near = np.flatnonzero(np.abs(at_centre) <= norm * (self.radius[:p] + eps))
        if near.size == 0:
            self.pieces[column, :p] += up
            return
        xs, ys = self.xs[:, near], self.ys[:, near]
        s = xs * gx[near]
        s += ys * gy[near]
        s += level[near]
        tol = eps * norm[near]
        up_near = s.max(axis=0) > tol
        up[near] = up_near
        self.pieces[column, :p] += up
        crossing = np.flatnonzero(up_near & (s.min(axis=0) < -tol))
        if crossing.size == 0:
            return
        crossed = near[crossing]
        q = crossed.size
        new = np.arange(p, p + q)
        self._reserve(p + q)
        self.pieces[:, new] = self.pieces[:, crossed]
        self.pieces[column, new] -= 1
        self.pre[:, :, new] = self.pre[:, :, crossed]
        self.size = p + q
        split = _split_few if q <= _FEW else _split
        parts = split(xs[:, crossing], ys[:, crossing], s[:, crossing], tol[crossing], self.counts[crossed])
        self._write(np.concatenate([crossed, new]), *parts)

    def _write(self, cols: np.ndarray, xs: np.ndarray, ys: np.ndarray, counts: np.ndarray) -> None:
        slots = xs.shape[0]
        if slots > self.xs.shape[0]:
            extra = slots - self.xs.shape[0]
            self.xs = np.concatenate([self.xs, np.repeat(self.xs[:1], extra, axis=0)])
            self.ys = np.concatenate([self.ys, np.repeat(self.ys[:1], extra, axis=0)])
        self.xs[:slots, cols] = xs
        self.xs[slots:, cols] = xs[0]
        self.ys[:slots, cols] = ys
        self.ys[slots:, cols] = ys[0]
        self.counts[cols] = counts
        low_x, high_x = xs.min(axis=0), xs.max(axis=0)  # the padding repeats a vertex: harmless
        low_y, high_y = ys.min(axis=0), ys.max(axis=0)
        self.cx[cols] = 0.5 * (low_x + high_x)
        self.cy[cols] = 0.5 * (low_y + high_y)
        self.radius[cols] = 0.5 * np.hypot(high_x - low_x, high_y - low_y)

    def _reserve(self, cols: int) -> None:
        """Grow every per-polygon array to at least `cols` columns (doubling: appends are amortised)."""
        have = len(self.counts)
        if cols <= have:
            return
        grow = max(cols, 2 * have) - have
        for name in ("xs", "ys", "counts", "cx", "cy", "radius", "pieces", "pre"):
            arr = getattr(self, name)
            pad = np.zeros(arr.shape[:-1] + (grow,), arr.dtype)
            setattr(self, name, np.concatenate([arr, pad], axis=-1))


def _split(xs: np.ndarray, ys: np.ndarray, s: np.ndarray, tol: np.ndarray, counts: np.ndarray):
    """Clip polygons (columns) against the line s = 0, s the vertex values: above, then below parts.

    Sutherland–Hodgman on all polygons at once: walking each polygon's edges, a vertex goes to the
    side(s) its sign says (both if it is within tol of the line), and an edge whose ends are strictly
    on opposite sides contributes its crossing point to both parts. Convex in, convex out, order
    kept. Returns xs, ys (slots, 2q) (columns 0..q−1 the parts above, q..2q−1 those below), counts.
    """
    m, q = s.shape[0] - 1, s.shape[1]  # edge k runs from slot k to slot k + 1
    valid = np.arange(m)[:, None] < counts
    sign = (s > tol).view(np.int8) - (s < -tol).view(np.int8)
    crosses = valid & (sign[:-1] * sign[1:] < 0)
    s0 = s[:-1]
    t = np.divide(s0, s0 - s[1:], out=np.zeros_like(s0), where=crosses)
    keep = np.empty((m, 2, 2, q), dtype=bool)  # edge, (start vertex | crossing), (above | below), polygon
    keep[:, 0, 0] = valid & (sign[:-1] >= 0)
    keep[:, 0, 1] = valid & (sign[:-1] <= 0)
    keep[:, 1, 0] = crosses
    keep[:, 1, 1] = crosses
    out = []
    for v in (xs, ys):
        cand = np.empty((m, 2, 2, q))
        cand[:, 0] = v[:-1, None]
        cand[:, 1] = (v[:-1] + t * (v[1:] - v[:-1]))[:, None]
        out.append(cand.reshape(2 * m, 2 * q))
    return _compact(out[0], out[1], keep.reshape(2 * m, 2 * q))


# Below this many polygons to split, a plain loop beats the ~30 array operations of _split, each of
# which costs a few microseconds however small its arrays: small networks partition twice as fast.
_FEW = 6


def _split_few(xs: np.ndarray, ys: np.ndarray, s: np.ndarray, tol: np.ndarray, counts: np.ndarray):
    """_split for a handful of polygons, one vertex at a time; the same arithmetic, the same result."""
    above, below = [], []
    columns = zip(xs.T.tolist(), ys.T.tolist(), s.T.tolist(), tol.tolist(), counts.tolist(), strict=True)
    for vx, vy, sv, t, n in columns:
        signs = [1 if x > t else -1 if x < -t else 0 for x in sv[: n + 1]]
        a, b = [], []
        for k in range(n):
            if signs[k] >= 0:
                a.append((vx[k], vy[k]))
            if signs[k] <= 0:
                b.append((vx[k], vy[k]))
            if signs[k] * signs[k + 1] < 0:
                r = sv[k] / (sv[k] - sv[k + 1])
                point = (vx[k] + r * (vx[k + 1] - vx[k]), vy[k] + r * (vy[k + 1] - vy[k]))
                a.append(point)
                b.append(point)
        above.append(a)
        below.append(b)
    parts = above + below
    counts = [len(part) for part in parts]
    width = max(counts) + 1
    padded = np.array([part + part[:1] * (width - len(part)) for part in parts])  # (2q, slots, 2)
    return padded[..., 0].T.copy(), padded[..., 1].T.copy(), np.array(counts)


def _compact(cand_x: np.ndarray, cand_y: np.ndarray, keep: np.ndarray):
    """The kept candidates of each column (slots, columns), moved to the top and padded (by at
    least one slot) with the column's first kept vertex."""
    counts = keep.sum(axis=0)
    slots, cols = np.nonzero(keep)
    pos = np.cumsum(keep, axis=0)[slots, cols] - 1
    first = np.argmax(keep, axis=0)
    width = int(counts.max()) + 1
    out = []
    for cand in (cand_x, cand_y):
        o = np.repeat(cand[first, np.arange(len(counts))][None], width, axis=0)
        o[pos, cols] = cand[slots, cols]
        out.append(o)
    return out[0], out[1], counts


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
