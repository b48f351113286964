"""The loop t ∈ [0, 2π) cut into the pieces on which a piecewise-linear network is affine in (cos t, sin t).

Layer by layer, on each current piece every pre-activation is A cos t + B sin t + C (one A, B, C per
unit). Where it meets a knot κ is solved in closed form, R cos(t − φ) = κ − C, and the roots inside the
piece split it. On each sub-piece every unit sits on one affine piece of the activation (decided by
evaluating it at the sub-piece's midpoint, never by trusting the roots), so the next layer's input is
again A cos t + B sin t + C. Neighbouring sub-pieces whose patterns agree are merged, which is how a
unit that only touches a knot (a double root) causes no transition.

The loop is closed: piece k runs from starts[k] to ends[k] = starts[k + 1], the last one ends at
starts[0] + 2π. When no unit changes piece anywhere there is one piece, the whole loop [0, 2π), and no
breakpoint. Each layer is one numpy pass over all pieces and units at once.

For a small network that pass costs some 80 numpy calls whatever the sizes (about 0.1 ms a layer here),
so the walk is kept where the last edit was: while layer ℓ is edited, each walk resumes at layer ℓ
(edits of the output layer walk no layer at all).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from nnsurface.core import activations
from nnsurface.core.network import HiddenLayers, Network, hidden_layers, shared_layers
from nnsurface.core.trajectory import Trajectory

TWO_PI = 2.0 * np.pi
# Roots closer than this (in t) to each other or to an existing breakpoint are one breakpoint.
SAME_BREAKPOINT = 1e-12
# A unit whose pre-activation passes a knot by less than this fraction of the size of the terms that
# sum to it (|A|, |B|, |C| of its inputs times |weights|, plus |bias| and |knot|) only touches it
# within rounding: no crossing.
TOUCH_TOLERANCE = 64 * np.finfo(float).eps


@dataclass(frozen=True, eq=False)
class Pieces:
    """The decomposition. Coefficient arrays hold rows (A, B, C): value = A cos t + B sin t + C.

    starts, ends: (K,); patterns: (K, Σ widths) int8 piece index of every hidden unit;
    pre, post: (K, 3, Σ widths) every hidden unit's pre-/post-activation; output: (K, 3) of f;
    inputs: (3, m) the trajectory's rows (u, v, c); closed: True when the loop has breakpoints
    (then K ≥ 2 and every start is one); bounds: column offsets of each hidden layer, (L+1,).
    """

    starts: np.ndarray
    ends: np.ndarray
    patterns: np.ndarray
    pre: np.ndarray
    post: np.ndarray
    output: np.ndarray
    inputs: np.ndarray
    closed: bool
    bounds: tuple[int, ...]

    @property
    def n_pieces(self) -> int:
        return int(self.starts.size)


def trajectory_rows(trajectory: Trajectory) -> np.ndarray:
    """The trajectory as coefficient rows (u, v, c): x(t) = u cos t + v sin t + c, shape (3, m)."""
    return np.array((trajectory.u, trajectory.v, trajectory.center))


@dataclass(frozen=True, eq=False)
class _Activation:
    """What decompose needs of an activation, prepared once: knots as a (n_knots, 1, 1) column,
    slope and offset per piece, and whether any offset is nonzero."""

    knots: np.ndarray
    slopes: np.ndarray
    offsets: np.ndarray
    has_offsets: bool


_PREPARED: dict[str, _Activation] = {}


def _prepared(name: str) -> _Activation:
    if name not in _PREPARED:
        slopes, offsets = activations.piece_affine(name)
        knots = np.asarray(activations.knots(name), dtype=np.float64).reshape(-1, 1, 1)
        _PREPARED[name] = _Activation(knots, slopes, offsets, bool(np.any(offsets)))
    return _PREPARED[name]


# Network and Trajectory are immutable, so the last decomposition is kept for the same two objects:
# the measures and the sensitivities of one edit share it. (Holding them keeps their ids unique.)
_last: tuple[Network, Trajectory, Pieces] | None = None


def decompose(network: Network, trajectory: Trajectory) -> Pieces:
    """Cut the loop at every point where a hidden unit changes its activation piece, exactly."""
    global _last
    last = _last
    if last is not None and last[0] is network and last[1] is trajectory:
        return last[2]
    pieces = _decompose(network, trajectory)
    _last = (network, trajectory, pieces)
    return pieces


class _Walked(NamedTuple):
    """The walk after some hidden layers: pieces (starts, ends, closed), the next layer's input on each
    piece, rows (K, 3, fan_in), and the walked layers' arrays, rows per piece (gathered whenever pieces
    split, collapsed to one array first when deep). Never changed once made, so a later walk can
    resume from it (the kept one's starts and ends are made read-only: a Pieces may share them)."""

    starts: np.ndarray
    ends: np.ndarray
    closed: bool
    rows: np.ndarray
    patterns: list[np.ndarray]
    pres: list[np.ndarray]
    posts: list[np.ndarray]


# The loop as one piece, before any layer cuts it.
_WHOLE_START = np.zeros(1)
_WHOLE_END = np.full(1, TWO_PI)
_WHOLE_START.setflags(write=False)
_WHOLE_END.setflags(write=False)

# Where the last decomposition's walk can be resumed: (trajectory, activation, the hidden layers'
# (weights, bias) arrays, n, the walk after the first n hidden layers, the trajectory's rows), n being
# the first layer in which that network differed from the one before it. An edit copies only the
# edited layer's arrays (Network.with_weight/with_bias share the others) and read-only arrays of the
# same identity hold the same numbers, so while one layer is being edited each walk resumes at that
# layer (the first edit of a layer walks from the layer kept before; one in the first layer walks every
# layer). One state is kept, not one per layer: holding every layer's arrays slowed full walks.
_walk: tuple[Trajectory, str, HiddenLayers, int, _Walked, np.ndarray] | None = None


def _decompose(network: Network, trajectory: Trajectory) -> Pieces:
    global _walk
    inputs = _rows_of(trajectory)
    if inputs.shape[1] != network.weights[0].shape[0]:
        raise ValueError(f"trajectory has dimension {trajectory.dim}, the network takes {network.input_dim}")
    act = _prepared(network.activation)
    layers = hidden_layers(network)
    shared, start, state = _resume_point(network.activation, trajectory, layers)
    if state is None:
        state = _Walked(_WHOLE_START, _WHOLE_END, False, inputs[None], [], [], [])
    kept = state
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in range(start, len(layers)):
            state = _layer(state, *layers[i], act)
            if i + 1 == shared:
                kept = state
                kept.starts.setflags(write=False)  # the Pieces of later walks may share them
                kept.ends.setflags(write=False)
    _walk = (trajectory, network.activation, layers, shared, kept, inputs)
    return _pieces(state, network, inputs)


def _rows_of(trajectory: Trajectory) -> np.ndarray:
    """The trajectory's rows (read-only), the kept walk's when it is the same trajectory."""
    walk = _walk
    if walk is not None and walk[0] is trajectory:
        return walk[5]
    rows = trajectory_rows(trajectory)
    rows.setflags(write=False)
    return rows


def _resume_point(
    activation: str, trajectory: Trajectory, layers: HiddenLayers
) -> tuple[int, int, _Walked | None]:
    """(how many leading hidden layers are the kept walk's, n, the kept walk after n of them), or
    (…, 0, None) when it cannot be resumed."""
    walk = _walk
    if walk is None or walk[0] is not trajectory or walk[1] != activation:
        return 0, 0, None
    shared = shared_layers(walk[2], layers)
    if walk[3] > shared:
        return shared, 0, None
    return shared, walk[3], walk[4]


def _layer(state: _Walked, w: np.ndarray, b: np.ndarray, act: _Activation) -> _Walked:
    """The walk after one more hidden layer (weights w, bias b)."""
    starts, ends, closed, rows, patterns, pres, posts = state
    knots = act.knots
    k = rows.shape[0]
    z = (rows.reshape(3 * k, -1) @ w).reshape(k, 3, -1)  # one matrix product for all pieces
    z[:, 2] += b
    parent = None
    if knots.size:
        size = np.abs(rows).sum(axis=1) @ np.abs(w)
        size += np.abs(b)
        cuts = _crossings(z, size, knots, starts, ends, closed)
        if cuts.size:
            starts, ends, parent = _split(starts, cuts, closed)
            z = z.take(parent, axis=0)
            patterns, pres, posts = _gather(patterns, parent), _gather(pres, parent), _gather(posts, parent)
    mid = 0.5 * (starts + ends)
    value = z[:, 0] * np.cos(mid)[:, None]
    value += z[:, 1] * np.sin(mid)[:, None]
    value += z[:, 2]
    pattern = knots.ravel().searchsorted(value).astype(np.int8)
    rows = z * act.slopes[pattern][:, None, :]
    if act.has_offsets:
        rows[:, 2] += act.offsets[pattern]
    patterns, pres, posts = [*patterns, pattern], [*pres, z], [*posts, rows]
    if parent is not None:
        keep = _changed(pattern, parent)
        if keep is None:
            closed = True
        else:
            starts, ends, closed = _kept_pieces(keep, starts)
            keep = keep if keep.size else np.zeros(1, dtype=np.intp)
            patterns, pres, posts = _gather(patterns, keep), _gather(pres, keep), _gather(posts, keep)
            rows = rows.take(keep, axis=0)
    return _Walked(starts, ends, closed, rows, patterns, pres, posts)


def _pieces(state: _Walked, network: Network, inputs: np.ndarray) -> Pieces:
    """The decomposition from the walk through every hidden layer: the output layer added."""
    starts, ends, closed, rows, patterns, pres, posts = state
    out = (rows.reshape(3 * rows.shape[0], -1) @ network.weights[-1]).reshape(-1, 3)
    out[:, 2] += network.biases[-1][0]
    bounds = [0]
    for w in network.weights[:-1]:
        bounds.append(bounds[-1] + w.shape[1])
    k = starts.size
    return Pieces(
        starts=starts,
        ends=ends,
        patterns=np.concatenate(patterns, axis=1) if patterns else np.zeros((k, 0), dtype=np.int8),
        pre=np.concatenate(pres, axis=2) if pres else np.zeros((k, 3, 0)),
        post=np.concatenate(posts, axis=2) if posts else np.zeros((k, 3, 0)),
        output=out,
        inputs=inputs,
        closed=closed,
        bounds=tuple(bounds),
    )


def _gather(arrays: list[np.ndarray], index: np.ndarray) -> list[np.ndarray]:
    """Rows `index` of each per-layer array (several layers are joined first: one gather, not many)."""
    if len(arrays) > 1:
        arrays = [np.concatenate(arrays, axis=-1)]
    return [a.take(index, axis=0) for a in arrays]


_ROOT_SIGNS = np.array([1.0, -1.0]).reshape(2, 1, 1, 1)


def _crossings(z, size, knots, starts, ends, closed) -> np.ndarray:
    """Every t strictly inside a piece where a unit's pre-activation crosses a knot (unsorted).

    `size` (K, units) bounds the terms summed into each pre-activation; `knots` has shape
    (n_knots, 1, 1); the roots array is (2, n_knots, K, units).
    """
    a, b, c = z[:, 0], z[:, 1], z[:, 2]
    amp = np.hypot(a, b)
    gap = knots - c
    ratio = gap / amp
    # Crossing: the excursion amp − |gap| beyond the knot exceeds the rounding of its terms.
    limit = size + np.abs(knots)
    limit *= -TOUCH_TOLERANCE / amp
    limit += 1.0
    crossing = np.abs(ratio) < limit
    # Where |ratio| > 1 (no crossing) arccos gives NaN, never used.
    offset = np.arccos(ratio) * _ROOT_SIGNS
    offset += np.arctan2(b, a) - starts[:, None]
    np.mod(offset, TWO_PI, out=offset)
    offset += starts[:, None]
    if not closed:
        return offset[:, crossing].ravel()
    inside = offset > (starts + SAME_BREAKPOINT)[:, None]
    inside &= offset < (ends - SAME_BREAKPOINT)[:, None]
    inside &= crossing
    return offset[inside]


def _split(starts, cuts, closed):
    """New piece starts/ends after adding `cuts`, and each new piece's parent piece index."""
    bounds = np.concatenate([starts, cuts]) if closed else cuts
    bounds.sort()
    distinct = np.empty(bounds.size, dtype=bool)
    distinct[0] = True
    np.greater(bounds[1:] - bounds[:-1], SAME_BREAKPOINT, out=distinct[1:])
    if bounds[-1] - bounds[0] > TWO_PI - SAME_BREAKPOINT:
        distinct[-1] = False
    if not np.logical_and.reduce(distinct):
        bounds = bounds[distinct]
    ends = np.empty_like(bounds)
    ends[:-1] = bounds[1:]
    ends[-1] = bounds[0] + TWO_PI
    if closed:
        parent = starts.searchsorted(bounds, side="right") - 1
    else:
        parent = np.zeros(bounds.size, dtype=np.intp)
    return bounds, ends, parent


def _changed(pattern: np.ndarray, parent: np.ndarray) -> np.ndarray | None:
    """Indices of pieces whose pattern differs from the previous piece's (cyclically), None if all do.

    Pieces with different parents already differ in an older layer; within one parent only the newest
    layer's pattern can differ.
    """
    prev = np.arange(-1, parent.size - 1)
    differs = np.logical_or.reduce(pattern != pattern.take(prev, axis=0), axis=1)
    differs |= parent != parent.take(prev)
    if np.logical_and.reduce(differs):
        return None
    return differs.nonzero()[0]


def _kept_pieces(keep: np.ndarray, starts: np.ndarray):
    """Starts, ends and `closed` once only the pieces at `keep` remain (each absorbs those after it)."""
    if keep.size == 0:  # no breakpoint left: the whole loop is one piece again
        return np.zeros(1), np.full(1, TWO_PI), False
    new_starts = starts[keep]
    new_ends = np.empty_like(new_starts)
    new_ends[:-1] = new_starts[1:]
    new_ends[-1] = new_starts[0] + TWO_PI
    return new_starts, new_ends, True
