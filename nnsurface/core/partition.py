"""The exact linear regions of a relu/hardtanh network with 2-D input, inside a rectangular window.

Such a network is piecewise linear: the window splits into convex polygons, on each of which every
unit stays on one piece of its activation and f is a plane a·x + b. The partition is built layer by
layer. Entering layer ℓ, each polygon carries the affine map x ↦ h_{ℓ−1} that holds on it, so each
unit's pre-activation is affine there too and its knots are straight lines across the polygon; the
polygon is cut by each of them in turn. Many polygons are cut by one unit's line at once, in a few
array operations over polygons stored as padded vertex arrays, which is what makes this fast in numpy;
a few (the default network has 14) are cut by plain Python loops over lists, since each array
operation costs about a microsecond however small its arrays. Both forms do the same float64
arithmetic in the same order, so the result does not depend on where one hands over to the other.
A partition of few regions is drawn (mesh and creases) in the loops that finish it, and
region_mesh and crease_segments return that drawing rather than making it from the arrays.

While the user edits one layer, the layers before it cut the window exactly as they did for the last
partition, so partition keeps the regions after the last unedited hidden layer and resumes from there
(an edit of the output layer cuts nothing at all): see _Kept.

Tolerance: a vertex within TOLERANCE · (window size) of a cutting line counts as on it, and a polygon is
cut only if it has vertices strictly beyond that distance on both sides. So a line through a vertex,
a line along an edge, coincident lines of two units and near-misses never create slivers thinner than
that distance; regions thinner than it (which a drawing could not show) are merged into a neighbour.
Units whose pre-activation is constant on a polygon (zero weights, dead or saturated inputs) never cut
it; a constant exactly at a knot is on the piece below, as in activations.piece_index.
"""

from __future__ import annotations

import copy
import functools
import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from nnsurface.core import activations
from nnsurface.core.network import HiddenLayers, Network, hidden_layers, shared_layers

TOLERANCE = 1e-9
REGION_CAP = 20000
# Up to this many polygons the partition is cut as Python lists (_ListRegions), beyond it as arrays
# (_Regions). Measured on this 2-core machine (partition, mesh and creases together), 20 to 80 are
# about equally fast for nets of 30 to 200 regions, 10 or 160 markedly slower.
LIST_REGIONS = 40


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
    drawing: what region_mesh, crease_segments and boundary_edges return, when it was made on the way.
    """

    window: tuple[float, float, float, float]
    vertices: np.ndarray
    counts: np.ndarray
    patterns: np.ndarray
    gradients: np.ndarray
    offsets: np.ndarray
    crease_length: float
    # (RegionMesh, crease segments, boundary edges), read-only, when the regions were few and finished
    # by loops that drew them on the way (_Drawing); otherwise the three functions make them.
    drawing: tuple[RegionMesh, np.ndarray, np.ndarray] | None = field(default=None, repr=False)

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

    @functools.cached_property
    def _kept_edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The region of every kept crease piece (see crease_segments) and its two ends, (K, 2) each:
        found once for both crease_segments and boundary_edges (the creases drawn, the crossings)."""
        x0, x1, y0, y1 = self.window
        eps = TOLERANCE * max(x1 - x0, y1 - y0)
        v = self.vertices
        d = v[:, 1:] - v[:, :-1]
        length = np.hypot(d[..., 0], d[..., 1])
        tilt = TOLERANCE * length
        rightwards = (d[..., 0] > tilt) | ((np.abs(d[..., 0]) <= tilt) & (d[..., 1] > 0))
        rows, cols = np.nonzero(_interior_edges(v, self.counts, self.window, eps) & rightwards & (length > 0))
        # the padding repeats the first vertex: cols + 1 closes each polygon
        return rows, v[rows, cols], v[rows, cols + 1]


def partition(
    network: Network, window: tuple[float, float, float, float], cap: int = REGION_CAP
) -> Partition:
    """The exact linear regions of `network` inside window = (x0, x1, y0, y1).

    Raises PartitionTooLarge as soon as there are more than `cap` regions, and ValueError for a
    network without 2 inputs or with a smooth activation (tanh, linear with hidden layers).
    """
    x0, x1, y0, y1 = (float(v) for v in window)
    if not (x0 < x1 and y0 < y1) or not all(map(math.isfinite, (x0, x1, y0, y1))):
        raise ValueError(f"window: expected x0 < x1 and y0 < y1 (finite), got {window}")
    if network.input_dim != 2:
        raise ValueError(f"network: exact regions need 2 inputs, got {network.input_dim}")
    if network.n_hidden and not activations.is_piecewise_linear(network.activation):
        raise ValueError(f"network: {network.activation} is not piecewise linear; use the grid")
    global _kept
    eps = TOLERANCE * max(x1 - x0, y1 - y0)
    widths = network.widths
    key = (network.activation, widths, (x0, x1, y0, y1), eps, cap)
    layers = hidden_layers(network)
    shared, start, kept = _resume_point(key, layers)
    # The current layer's input on each region as an affine map of (x, y, 1): affine[k, j, region].
    if kept is None:
        regions: _ListRegions | _Regions = _ListRegions(x0, x1, y0, y1, sum(widths)).stored()
        affine = _IDENTITY
    else:  # cuts change regions in place: the kept ones are copied first (finished changes nothing)
        regions = kept.regions.copy() if start < len(layers) else kept.regions
        affine = kept.affine
    knots = activations.knots(network.activation) if network.n_hidden else ()
    slopes, offsets = activations.piece_affine(network.activation) if network.n_hidden else (None, None)
    column = sum(widths[:start])
    for i in range(start, len(layers)):
        w, b = layers[i]
        pre = np.matmul(w.T, affine)  # (3, width, P)
        pre[2] += b[:, None]
        regions.begin_layer(pre)
        for unit in range(w.shape[1]):
            for knot in knots:
                regions.cut(unit, column + unit, knot, eps)
                if regions.size > cap:
                    raise PartitionTooLarge(cap)
                regions = regions.stored()
        pieces = regions.pieces_of(column, column + w.shape[1])
        affine = regions.pre_activations() * slopes[pieces]
        affine[2] += offsets[pieces]
        column += w.shape[1]
        if i + 1 == shared:
            kept = _Cut(regions if shared == len(layers) else regions.copy(), affine)
    plane = np.matmul(network.weights[-1].T, affine)[:, 0].T + [0.0, 0.0, network.biases[-1][0]]
    part = regions.finished((x0, x1, y0, y1), eps, plane)
    _kept = _Kept(key, layers, shared, kept)  # only now: a partition that failed keeps the last one
    return part


class _Cut(NamedTuple):
    """The window cut by some hidden layers: the regions, and the next layer's input on each of them
    as an affine map of (x, y, 1), (3, fan_in, P). Never changed once kept (a resumed partition cuts
    a copy of the regions), so any later partition may resume from it."""

    regions: _ListRegions | _Regions
    affine: np.ndarray


class _Kept(NamedTuple):
    """Where the last partition can be resumed.

    key: (activation, widths, window, eps, cap) of that partition: the regions depend on all of them
    but the widths, which size their pattern rows (and the cap, which a resumed partition must obey
    in the layers it skips as the kept one did). layers: its hidden layers' (weights, bias) arrays.
    n: the first hidden layer in which its network differed from the one partitioned before it, and
    cut: the window cut by the n layers before that one (None for n = 0: the window itself).

    An edit copies only the edited layer's arrays (Network.with_weight/with_bias share the others),
    and read-only arrays of the same identity hold the same numbers; so while one layer is being
    edited each partition resumes at that layer (the first edit of a layer resumes where the last
    partition did, a first-layer edit cuts every layer, an output-layer edit none). One state is kept,
    not one per layer, as pieces.decompose does: a held key edits one layer, and keeping every layer's
    regions would copy them all on every full partition. It holds the layers' arrays (references),
    the regions after n layers (their vertices, bounding discs, patterns, and the last layer's
    pre-activations) and the affine maps entering layer n + 1.
    """

    key: tuple
    layers: HiddenLayers
    n: int
    cut: _Cut | None


_kept: _Kept | None = None
_IDENTITY = np.eye(3, 2)[:, :, None]  # the input (x, y) as an affine map of (x, y, 1)
_IDENTITY.setflags(write=False)


def _resume_point(key: tuple, layers: HiddenLayers) -> tuple[int, int, _Cut | None]:
    """(how many leading hidden layers are the kept partition's, n, the window cut by n of them), or
    (…, 0, None) when it cannot be resumed."""
    kept = _kept
    if kept is None or kept.key != key:
        return 0, 0, None
    shared = shared_layers(kept.layers, layers)
    if kept.n > shared:
        return shared, 0, None
    return shared, kept.n, kept.cut


# zip note: the loops over one polygon's vertices call zip(xs, ys) without strict=. A polygon's xs
# and ys have one length by construction, and zip with any keyword (strict=True or False) takes a
# slower path: 5% of the instructions of the default network's partition (callgrind).


class _ListRegions:
    """The polygons being cut while they are few, as Python lists: one plain loop per cut.

    At this size numpy's per-call cost (about a microsecond per operation, whatever the array size)
    is the whole cost of a cut in _Regions, which takes ~25 of them. The loop does the same
    arithmetic in the same order on the same float64 numbers, and keeps polygons in the same order
    (a cut polygon keeps its place for the part above, the part below is appended), so the
    partition does not depend on which form did which cut. `stored()` hands over to _Regions
    once there are more than LIST_REGIONS polygons. Every polygon's vertices are looked at: the
    bounding discs with which _Regions skips polygons far from a line would cost more than they
    save here (a cut line crosses a large share of a few polygons).

    pre: (3, width, P₀) the layer's pre-activations on the P₀ polygons the layer began with; a
    polygon cut from one of them has the same, found through its `origin`.
    lines: the same as Python lists, and the gradients' norms computed by numpy as _Regions does:
    lines[i][j][origin] for i = ∂/∂x, ∂/∂y, value at (0, 0), |gradient| of unit j.
    """

    def __init__(self, x0: float, x1: float, y0: float, y1: float, n_units: int):
        self.polys = [_Polygon([x0, x1, x1, x0, x0], [y0, y0, y1, y1, y0], [0] * n_units)]
        self.pre = np.zeros((3, 0, 1))
        self.lines: list[list[list[float]]] = [[], [], [], []]

    @property
    def size(self) -> int:
        return len(self.polys)

    def copy(self) -> _ListRegions:
        """The same polygons, to cut without changing these: a cut changes a polygon's pieces in
        place (its vertex lists, and the layer's pre-activations, it replaces: they are shared)."""
        other = _ListRegions.__new__(_ListRegions)
        other.polys = [_Polygon(poly.xs, poly.ys, poly.pieces.copy(), poly.origin) for poly in self.polys]
        other.pre, other.lines = self.pre, self.lines
        return other

    def stored(self) -> _ListRegions | _Regions:
        """Self while small, else the same polygons as arrays."""
        if len(self.polys) <= LIST_REGIONS:
            return self
        return _Regions(self.polys, self.pre_activations())

    def begin_layer(self, pre: np.ndarray) -> None:
        """Set the layer's pre-activations on each polygon, (3, width, P)."""
        self.pre = pre
        self.lines = [*pre.tolist(), np.hypot(pre[0], pre[1]).tolist()]
        for k, poly in enumerate(self.polys):
            poly.origin = k

    def cut(self, unit: int, column: int, knot: float, eps: float) -> None:
        """_Regions.cut, polygon by polygon."""
        gxs, gys, levels, norms = (line[unit] for line in self.lines)
        below = []
        for poly in self.polys:
            o = poly.origin
            gx = gxs[o]
            gy = gys[o]
            level = levels[o] - knot
            s = [x * gx + y * gy + level for x, y in zip(poly.xs, poly.ys)]  # noqa: B905 (zip note)
            tol = eps * norms[o]
            if max(s) <= tol:
                continue
            poly.pieces[column] += 1
            if min(s) >= -tol:
                continue
            ax, ay, bx, by = _clip(poly.xs, poly.ys, s, tol, len(s) - 1)
            pieces = poly.pieces.copy()
            pieces[column] -= 1
            below.append(_Polygon(bx + bx[:1], by + by[:1], pieces, poly.origin))
            poly.xs, poly.ys = ax + ax[:1], ay + ay[:1]
        self.polys += below

    def pieces_of(self, start: int, stop: int) -> np.ndarray:
        """(stop − start, P) int8: the pieces of those units on every polygon."""
        flat = [piece for poly in self.polys for piece in poly.pieces[start:stop]]
        return np.array(flat, dtype=np.int8).reshape(self.size, stop - start).T

    def pre_activations(self) -> np.ndarray:
        """(3, width, P), C-contiguous as _Regions' are, so numpy's matmul rounds them alike."""
        return self.pre.take([poly.origin for poly in self.polys], axis=2)

    def finished(self, window, eps: float, plane: np.ndarray) -> Partition:
        """_Regions.finished by plain loops, which draw the regions on the way (_Drawing); the regions'
        own arrays wait until they are asked for (_ListPartition)."""
        # the centres of the bounding boxes, as _Regions._write computes them
        centres = [
            (0.5 * (min(poly.xs) + max(poly.xs)), 0.5 * (min(poly.ys) + max(poly.ys))) for poly in self.polys
        ]
        order = sorted(range(self.size), key=centres.__getitem__)  # stable, like np.lexsort
        polys = [self.polys[k] for k in order]
        plane = plane[order]
        border = _border(window, eps)
        drawing = _Drawing()
        for poly, plane_k in zip(polys, plane.tolist(), strict=True):
            drawing.add(poly.xs, poly.ys, plane_k, border.codes(poly.xs, poly.ys))
        return _ListPartition(window, plane, drawing, [(poly.xs, poly.ys, poly.pieces) for poly in polys])


class _ListPartition(Partition):
    """A Partition finished from _ListRegions' lists. An edit's frame draws only the drawing, so the
    regions' own arrays (vertices, counts, patterns, crease_length: what the panels count, after the
    frame) are made when first asked for, from the lists, as _Regions.finished would have made them.
    The lists are the regions' (never changed once finished: a later cut replaces a polygon's lists
    in a copy of the regions)."""

    def __init__(self, window, plane: np.ndarray, drawing: _Drawing, polys: list[tuple[list, list, list]]):
        object.__setattr__(self, "window", window)
        object.__setattr__(self, "gradients", np.ascontiguousarray(plane[:, :2]))
        object.__setattr__(self, "offsets", np.ascontiguousarray(plane[:, 2]))
        object.__setattr__(self, "drawing", drawing.arrays(self.gradients))
        object.__setattr__(self, "_polys", polys)
        object.__setattr__(self, "_interior", (drawing.dx, drawing.dy))

    @functools.cached_property
    def vertices(self) -> np.ndarray:  # type: ignore[override]
        width = max(len(xs) for xs, _, _ in self._polys)
        coordinates = []
        for xs, ys, _ in self._polys:
            coordinates += _padded(xs, width) + _padded(ys, width)
        return np.array(coordinates).reshape(len(self._polys), 2, width).transpose(0, 2, 1).copy()

    @functools.cached_property
    def counts(self) -> np.ndarray:  # type: ignore[override]
        return np.array([len(xs) - 1 for xs, _, _ in self._polys], dtype=np.int64)

    @functools.cached_property
    def patterns(self) -> np.ndarray:  # type: ignore[override]
        pieces = [piece for _, _, row in self._polys for piece in row]
        return np.array(pieces, dtype=np.int8).reshape(len(self._polys), -1)

    @functools.cached_property
    def crease_length(self) -> float:  # type: ignore[override]
        dx, dy = self._interior
        return 0.5 * float(np.hypot(dx, dy).sum())


class _Drawing:
    """The mesh and creases that region_mesh and crease_segments would make from a partition's
    arrays, made from its few regions as Python lists while _ListRegions.finished has them at hand:
    one pass over the polygons instead of three, and no trip from arrays back to lists. The same
    float64 arithmetic, rounded to float32 at the end, so the same numbers. Kept in columns (all x,
    all y, ...): numpy reads a few long lists many times faster than many short rows.
    dx, dy: every interior edge, in the order _edge_lengths takes them, for the crease length.
    creases: the kept creases' ends (x, y, z, x′, y′, z′) in float64, for crease_segments (rounded)
    and boundary_edges (their x and y)."""

    def __init__(self):
        self.x, self.y, self.z = [], [], []  # vertices
        self.counts: list[int] = []  # of each region
        self.creases: list[float] = []
        self.dx: list[float] = []
        self.dy: list[float] = []

    def add(self, xs: list[float], ys: list[float], plane, sides: list[int]) -> None:
        """The next region: closed xs, ys, plane (∂f/∂x, ∂f/∂y, f(0, 0)), the _Border codes of its
        vertices."""
        gx, gy, off = plane
        n = len(xs) - 1
        zs = [x * gx + y * gy + off for x, y in zip(xs, ys)]  # noqa: B905 (zip note); as region_mesh's einsum
        self.x += xs[:n]
        self.y += ys[:n]
        self.z += zs[:n]
        self.counts.append(n)
        for k in range(n):
            if sides[k] & sides[k + 1]:
                continue  # on the border
            dx, dy = xs[k + 1] - xs[k], ys[k + 1] - ys[k]
            self.dx.append(dx)
            self.dy.append(dy)
            tilt = TOLERANCE * math.hypot(dx, dy)  # crease_segments' np.hypot may differ by an ulp
            if dx > tilt or (abs(dx) <= tilt and dy > 0):
                self.creases += (xs[k], ys[k], zs[k], xs[k + 1], ys[k + 1], zs[k + 1])

    def arrays(self, gradients: np.ndarray) -> tuple[RegionMesh, np.ndarray, np.ndarray]:
        """(RegionMesh, crease segments (K, 2, 3), boundary edges (K, 4)), read-only: a Partition
        hands them to every caller. gradients: (R, 2) the regions' planes', in their order."""
        mesh = RegionMesh(
            vertices=_read_only(np.array([self.x, self.y, self.z], dtype=np.float32).T.copy()),
            counts=_read_only(np.array(self.counts, dtype=np.int32)),
            gradients=gradients,
        )
        ends = np.array(self.creases, dtype=np.float64).reshape(-1, 6)
        creases = _read_only(ends.astype(np.float32).reshape(-1, 2, 3))
        return mesh, creases, _read_only(ends[:, [0, 1, 3, 4]])


def _read_only(a: np.ndarray) -> np.ndarray:
    """`a`, no longer writeable: arrays kept in a Partition are handed to every caller."""
    a.flags.writeable = False
    return a


class _Polygon:
    """One polygon of _ListRegions: xs, ys closed (the first vertex repeated at the end), the
    pieces of every hidden unit decided so far, and the polygon of the layer's start it was cut from."""

    __slots__ = ("xs", "ys", "pieces", "origin")

    def __init__(self, xs: list[float], ys: list[float], pieces: list[int], origin: int = 0):
        self.xs, self.ys, self.pieces, self.origin = xs, ys, pieces, origin


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

    def __init__(self, polys: list[_Polygon], pre: np.ndarray):
        """Take over the polygons of a _ListRegions, with their pre-activations (3, width, P)."""
        p = len(polys)
        cols = max(self._INITIAL_COLUMNS, 2 * p)
        slots = max(len(poly.xs) for poly in polys)
        self.xs = np.zeros((slots, cols))
        self.ys = np.zeros((slots, cols))
        self.xs[:, :p] = np.array([_padded(poly.xs, slots) for poly in polys]).T
        self.ys[:, :p] = np.array([_padded(poly.ys, slots) for poly in polys]).T
        self.counts = np.zeros(cols, dtype=np.int64)
        self.counts[:p] = [len(poly.xs) - 1 for poly in polys]
        self.cx, self.cy, self.radius = np.zeros((3, cols))
        low_x, high_x = self.xs[:, :p].min(axis=0), self.xs[:, :p].max(axis=0)
        low_y, high_y = self.ys[:, :p].min(axis=0), self.ys[:, :p].max(axis=0)
        self.cx[:p] = 0.5 * (low_x + high_x)
        self.cy[:p] = 0.5 * (low_y + high_y)
        self.radius[:p] = 0.5 * np.hypot(high_x - low_x, high_y - low_y)
        self.pieces = np.zeros((len(polys[0].pieces), cols), dtype=np.int8)
        self.pieces[:, :p] = np.array([poly.pieces for poly in polys]).T
        self.pre = np.zeros(pre.shape[:2] + (cols,))
        self.pre[:, :, :p] = pre
        self.size = p

    def stored(self) -> _Regions:
        return self

    def copy(self) -> _Regions:
        """The same polygons, to cut without changing these: cuts write into every per-polygon array
        but pre, which begin_layer replaces before any cut (so it is shared)."""
        other = copy.copy(self)
        for name in ("xs", "ys", "counts", "cx", "cy", "radius", "pieces"):
            setattr(other, name, getattr(self, name).copy())
        return other

    def begin_layer(self, pre: np.ndarray) -> None:
        """Set the layer's pre-activations on each polygon, (3, width, P)."""
        self.pre = np.zeros(pre.shape[:2] + (len(self.counts),))
        self.pre[:, :, : self.size] = pre

    def pieces_of(self, start: int, stop: int) -> np.ndarray:
        """(stop − start, P) int8: the pieces of those units on every polygon."""
        return self.pieces[start:stop, : self.size]

    def pre_activations(self) -> np.ndarray:
        """(3, width, P) the layer's pre-activations on every polygon."""
        return self.pre[:, :, : self.size]

    def finished(self, window, eps: float, plane: np.ndarray) -> Partition:
        """The Partition of these polygons, plane (P, 3) the (∂f/∂x, ∂f/∂y, f(0, 0)) on each."""
        p = self.size
        width = int(self.counts[:p].max()) + 1
        vertices = np.stack([self.xs[:width, :p].T, self.ys[:width, :p].T], axis=-1)
        order = np.lexsort((self.cy[:p], self.cx[:p]))  # raster order of the polygons' box centres
        vertices, counts, plane = vertices[order], self.counts[:p][order], plane[order]
        return Partition(
            window=window,
            vertices=vertices,
            counts=counts,
            patterns=np.ascontiguousarray(self.pieces[:, :p].T[order]),
            gradients=np.ascontiguousarray(plane[:, :2]),
            offsets=np.ascontiguousarray(plane[:, 2]),
            crease_length=0.5 * float(_edge_lengths(vertices, counts, window, eps).sum()),
        )

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
    columns = zip(xs.T.tolist(), ys.T.tolist(), s.T.tolist(), tol.tolist(), counts.tolist(), strict=True)
    clipped = [_clip(*column) for column in columns]
    parts = [c[:2] for c in clipped] + [c[2:] for c in clipped]  # above, then below
    counts = [len(px) for px, _ in parts]
    width = max(counts) + 1
    padded_x = np.array([_padded(px, width) for px, _ in parts])
    padded_y = np.array([_padded(py, width) for _, py in parts])
    return padded_x.T.copy(), padded_y.T.copy(), np.array(counts)


def _padded(values: list[float], width: int) -> list[float]:
    """A polygon's coordinates padded to `width` by repeating the first, as every array form holds them."""
    return values + values[:1] * (width - len(values))


def _clip(xs: list[float], ys: list[float], s: list[float], tol: float, n: int):
    """One polygon of n vertices (xs, ys padded past n) clipped as _split does: (above x, above y,
    below x, below y), each part's vertices without padding."""
    ax, ay, bx, by = [], [], [], []
    value = s[0]
    sign = 1 if value > tol else -1 if value < -tol else 0
    for k in range(n):
        following = s[k + 1]
        sign_next = 1 if following > tol else -1 if following < -tol else 0
        x, y = xs[k], ys[k]
        if sign >= 0:
            ax.append(x)
            ay.append(y)
        if sign <= 0:
            bx.append(x)
            by.append(y)
        if sign * sign_next < 0:
            r = value / (value - following)
            cx, cy = x + r * (xs[k + 1] - x), y + r * (ys[k + 1] - y)
            ax.append(cx)
            ay.append(cy)
            bx.append(cx)
            by.append(cy)
        value, sign = following, sign_next
    return ax, ay, bx, by


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


class _Border:
    """Which sides of the window (x0, x1, y0, y1) vertices in plain lists lie on: bit i of a vertex's
    code is set if it is within eps of side i, tested as _interior_edges does (|v − side| ≤ eps in
    floating point), so an edge lies on the border where its ends' codes share a bit.

    The doubles v with fl(|v − c|) ≤ eps form an interval, since rounding a subtraction is monotonic;
    with the intervals found once, most vertices are settled by two chained comparisons."""

    def __init__(self, window: tuple[float, float, float, float], eps: float):
        self.near = [_within(side, eps) for side in window]

    def codes(self, xs: list[float], ys: list[float]) -> list[int]:
        (a0, b0), (a1, b1), (c0, d0), (c1, d1) = self.near
        return [
            0
            if b0 < x < a1 and d0 < y < c1
            else (a0 <= x <= b0) | (a1 <= x <= b1) << 1 | (c0 <= y <= d0) << 2 | (c1 <= y <= d1) << 3
            for x, y in zip(xs, ys)  # noqa: B905 (zip note)
        ]


@functools.lru_cache(maxsize=8)
def _border(window: tuple[float, float, float, float], eps: float) -> _Border:
    """The _Border of a window, made once: finding its intervals steps through doubles one by one,
    and every partition of the same window needs the same."""
    return _Border(window, eps)


def _within(c: float, eps: float) -> tuple[float, float]:
    """The interval [lo, hi] of the doubles v with fl(v − c) in [−eps, eps]."""
    up, down = math.inf, -math.inf
    hi = c + eps
    while hi - c > eps:
        hi = math.nextafter(hi, down)
    while math.nextafter(hi, up) - c <= eps:
        hi = math.nextafter(hi, up)
    lo = c - eps
    while lo - c < -eps:
        lo = math.nextafter(lo, up)
    while math.nextafter(lo, down) - c >= -eps:
        lo = math.nextafter(lo, down)
    return lo, hi


def _edge_lengths(vertices: np.ndarray, counts: np.ndarray, window, eps: float) -> np.ndarray:
    """Lengths of all interior edges of all regions (each crease appears twice, once per side)."""
    d = vertices[:, 1:] - vertices[:, :-1]
    return np.hypot(d[..., 0], d[..., 1])[_interior_edges(vertices, counts, window, eps)]


@dataclass(frozen=True, eq=False)
class RegionMesh:
    """The regions lifted onto their planes, for drawing the exact surface.

    vertices (N, 3) float32: the vertices of region 0, then of region 1, ... (each region has its
    own, so it can be coloured and shaded flat); counts (R,) int32: how many each region has (a
    convex polygon, counter-clockwise: a triangle fan from its first vertex covers it exactly);
    gradients (R, 2) float64: each region's (∂f/∂x, ∂f/∂y).

    A view that draws the regions as fans and shades them from the positions needs nothing else; the
    triangles and normals below are made when first asked for. faces (M, 3) int32, face_regions (M,)
    int32 (region id of each triangle), normals (N, 3) float32: each vertex carries its region's plane
    normal ∝ (∂f/∂x, ∂f/∂y, −1). Triangles are wound clockwise seen from above, facing that normal:
    the same side as grid.surface_normals and pyqtgraph's surface item.
    """

    vertices: np.ndarray
    counts: np.ndarray
    gradients: np.ndarray

    @functools.cached_property
    def faces(self) -> np.ndarray:
        return self._fans[0]

    @functools.cached_property
    def face_regions(self) -> np.ndarray:
        return self._fans[1]

    @functools.cached_property
    def _fans(self) -> tuple[np.ndarray, np.ndarray]:
        """The fans' triangles (first, k + 1, k) and the region of each."""
        counts = self.counts.astype(np.int64)
        m = int(counts.max(initial=2))
        fan = (np.arange(1, m - 1)[None, :] < (counts - 1)[:, None]).ravel()
        region_of_face = np.repeat(np.arange(len(counts)), m - 2)[fan]
        k = np.tile(np.arange(1, m - 1), len(counts))[fan]
        base = (np.cumsum(counts) - counts)[region_of_face]  # each region's first vertex
        faces = np.stack([base, base + k + 1, base + k], axis=1).astype(np.int32)
        return _read_only(faces), _read_only(region_of_face.astype(np.int32))

    @functools.cached_property
    def normals(self) -> np.ndarray:
        plane = np.column_stack([self.gradients, -np.ones(len(self.counts))])
        plane /= np.linalg.norm(plane, axis=1, keepdims=True)
        return _read_only(plane[np.repeat(np.arange(len(self.counts)), self.counts)].astype(np.float32))


def region_mesh(part: Partition) -> RegionMesh:
    """The regions lifted onto their planes (each convex, so a fan from its first vertex covers it).
    A partition of few regions comes with its mesh (read-only, shared), made by the same rules."""
    if part.drawing is not None:
        return part.drawing[0]
    counts = part.counts
    m = part.vertices.shape[1]
    valid = np.arange(m)[None, :] < counts[:, None]
    xy = part.vertices[valid]
    region_of_vertex = np.repeat(np.arange(len(counts)), counts)
    z = np.einsum("ij,ij->i", xy, part.gradients[region_of_vertex]) + part.offsets[region_of_vertex]
    return RegionMesh(
        vertices=_read_only(np.column_stack([xy, z]).astype(np.float32)),
        counts=_read_only(counts.astype(np.int32)),
        gradients=part.gradients,
    )


def crease_segments(part: Partition) -> np.ndarray:
    """The creases as line segments (K, 2, 3) float32 on the surface, each stretch of crease once.

    Every interior edge appears in the two regions it separates, traversed in opposite directions
    (both are counter-clockwise); only the copy pointing rightwards (or straight up, within the
    tolerance) is kept. Where one side has an extra vertex on the edge the kept copy may be two
    collinear pieces, still covering the crease once. A partition of few regions comes with them
    (read-only, shared), found by the same rules.
    """
    if part.drawing is not None:
        return part.drawing[1]
    rows, a, b = part._kept_edges
    grad, off = part.gradients[rows], part.offsets[rows]
    za = np.einsum("ij,ij->i", a, grad) + off
    zb = np.einsum("ij,ij->i", b, grad) + off
    return np.stack([np.column_stack([a, za]), np.column_stack([b, zb])], axis=1).astype(np.float32)


def boundary_edges(part: Partition) -> np.ndarray:
    """The boundaries between regions as (K, 4) float64 rows (x, y, x′, y′): the creases of
    crease_segments in the plane, unrounded, each stretch once (what a loop crossing them meets)."""
    if part.drawing is not None:
        return part.drawing[2]
    _, a, b = part._kept_edges
    return np.column_stack([a, b])
