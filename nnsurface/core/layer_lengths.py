"""Exact per-layer trajectory lengths and transitions of deep piecewise-linear networks, streamed.

The expressivity sweep needs only two numbers per hidden layer (its trajectory length and how many
breakpoints its units cause) but for deep, large-σ_w nets the loop splits into millions of pieces.
`measures.measure` keeps every piece's full activation pattern, which does not fit in memory at that
size; this module walks the same exact construction depth first, a batch of pieces at a time, and keeps
only running sums, so memory stays bounded and a piece budget can stop it early.

On a piece every layer is A cos t + B sin t + C (coefficients stacked as a (3, n, width) array): a
pre-activation meets a knot κ where R cos(t − φ) = κ − C, solved in closed form, and each sub-piece's
length is an elliptic integral (`arclength.ellipse_arcs`, the same closed form `measures` uses).
Nothing is sampled.

Why this walk exists beside `pieces.decompose` with its own `_crossings`/`_split`: decompose goes
breadth first and keeps every piece's pattern and coefficients for all layers (the sensitivities and
the app need them), which is what runs out of memory here. The helpers also do different jobs:
decompose's return bare root times, merge roots closer than SAME_BREAKPOINT, drop touches within
rounding and merge neighbouring pieces whose patterns agree (distinct breakpoints of the loop);
these return (piece, unit, t) per root, so only the units that cross are re-evaluated on the
sub-pieces, skip units out of reach of a knot before solving, and count every root as a transition
of its layer without merging. One pair serving both would put the unit bookkeeping on decompose's
hot path (the app's per-edit measures) or change the sweep's transition counts, so they stay apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nnsurface.core import activations
from nnsurface.core.arclength import ellipse_arcs
from nnsurface.core.network import Network
from nnsurface.core.trajectory import Trajectory

TWO_PI = 2.0 * np.pi
BATCH_PIECES = 1024  # pieces pushed through one layer at a time: bounds memory, keeps BLAS efficient


class PieceBudgetExceeded(RuntimeError):
    """The exact walk met more pieces than allowed; carries an estimate of the full per-layer counts."""

    def __init__(self, estimated_pieces: np.ndarray):
        super().__init__(f"piece budget exceeded; estimated pieces per layer {estimated_pieces.tolist()}")
        self.estimated_pieces = estimated_pieces


@dataclass(frozen=True, eq=False)
class ExactLayers:
    """lengths[0] is the input loop, lengths[ℓ] hidden layer ℓ; transitions[ℓ−1] and pieces[ℓ−1] are the
    breakpoints caused by layer ℓ's units and the number of pieces of the loop through layer ℓ."""

    lengths: np.ndarray
    transitions: np.ndarray
    pieces: np.ndarray


def loop_length(trajectory: Trajectory) -> float:
    """Exact length of the input loop (an ellipse): the layer-0 entry of every sweep record."""
    return _closed_loop_length(trajectory.u, trajectory.v)


def _closed_loop_length(a: np.ndarray, b: np.ndarray) -> float:
    """Length of the whole loop a cos t + b sin t + c, t ∈ [0, 2π)."""
    gram = np.array([a @ a, b @ b, a @ b]).reshape(1, 3, 1)
    return float(ellipse_arcs(gram, np.zeros(1), np.full(1, TWO_PI)).length[0, 0])


class _Walk:
    """State of one depth-first walk: the running sums per layer and the piece budget.

    Layers are given as (weights, biases); all use the network's activation except, when `linear_last`,
    the last one (the output layer, which has none).
    """

    def __init__(
        self,
        weights,
        biases,
        activation: str,
        linear_last: bool,
        max_pieces: int | None,
        checkpoint: Callable[[], None] | None = None,
    ):
        self.weights, self.biases = tuple(weights), tuple(biases)
        self.checkpoint = checkpoint
        self.name = activation
        self.linear_last = linear_last
        layers = len(self.weights)
        self.lengths = np.zeros(layers)
        self.transitions = np.zeros(layers, dtype=np.int64)
        self.pieces = np.zeros(layers, dtype=np.int64)
        self.covered = np.zeros(layers)  # t up to which each layer has been walked
        self.max_pieces = max_pieces

    def _activation(self, layer: int) -> str:
        return "linear" if self.linear_last and layer == len(self.weights) - 1 else self.name

    def start(self, coef: np.ndarray) -> None:
        """Walk the loop whose first layer's input has coefficients coef (3, width) in (cos t, sin t, 1)."""
        self.run(np.zeros(1), np.full(1, TWO_PI), coef[:, None, :], 0)

    def run(self, t0: np.ndarray, t1: np.ndarray, coef: np.ndarray, layer: int) -> None:
        """Push pieces [t0, t1) whose layer-`layer` input has coefficients coef (3, n, width) one layer on."""
        if self.checkpoint is not None:
            self.checkpoint()
        w, b = self.weights[layer], self.biases[layer]
        n = t0.size
        z = (coef.reshape(3 * n, -1) @ w).reshape(3, n, -1)
        z[2] += b
        name = self._activation(layer)
        knots = np.asarray(activations.knots(name))
        slopes, offsets = activations.piece_affine(name)
        a, bs, c = z
        tm = 0.5 * (t0 + t1)
        zm = a * np.cos(tm)[:, None] + bs * np.sin(tm)[:, None] + c
        idx = activations.piece_index(name, zm)
        a2, b2 = a * a, bs * bs
        roots_piece, roots_unit, roots_t = _crossings(knots, z, zm, a2 + b2, t0, t1)
        self.transitions[layer] += roots_t.size
        s0, s1, parent, first, counts = _split(t0, t1, roots_piece, roots_t)
        self.pieces[layer] += s0.size
        self.covered[layer] = t1[-1]
        self._check_budget()

        # Units that cross inside a piece change piece on some of its sub-pieces: re-evaluate just those.
        sub_idx = idx[parent]
        pairs = np.unique(roots_piece * z.shape[2] + roots_unit)
        pp, pj = pairs // z.shape[2], pairs % z.shape[2]
        rep = counts[pp]
        sp = np.repeat(first[pp], rep) + _ranges(rep)
        jp = np.repeat(pj, rep)
        ppp = parent[sp]
        mid = 0.5 * (s0[sp] + s1[sp])
        new_idx = activations.piece_index(
            name, a[ppp, jp] * np.cos(mid) + bs[ppp, jp] * np.sin(mid) + c[ppp, jp]
        )
        old_idx = sub_idx[sp, jp]
        sub_idx[sp, jp] = new_idx

        sq = slopes[idx] ** 2
        ab = a * bs
        gram = [np.einsum("ij,ij->i", sq, g)[parent] for g in (a2, b2, ab)]
        dsq = slopes[new_idx] ** 2 - slopes[old_idx] ** 2
        changed = dsq != 0
        for g, full in zip(gram, (a2, b2, ab), strict=True):
            g += np.bincount(sp[changed], weights=(dsq * full[ppp, jp])[changed], minlength=s0.size)
        self.lengths[layer] += float(ellipse_arcs(np.stack(gram, axis=1)[:, :, None], s0, s1).length.sum())
        if layer + 1 == len(self.weights):
            return
        for lo in range(0, s0.size, BATCH_PIECES):
            sl = slice(lo, lo + BATCH_PIECES)
            p = parent[sl]
            slope = slopes[sub_idx[sl]]
            nxt = slope * z[:, p]
            nxt[2] += offsets[sub_idx[sl]]
            self.run(s0[sl], s1[sl], nxt, layer + 1)

    def _check_budget(self) -> None:
        if self.max_pieces is None or int(self.pieces.sum()) <= self.max_pieces:
            return
        seen = np.maximum(self.covered, 1e-300)
        estimate = np.where(self.pieces > 0, self.pieces * np.minimum(TWO_PI / seen, 1e12), 0.0)
        raise PieceBudgetExceeded(estimate)


def _crossings(
    knots: np.ndarray, z: np.ndarray, zm: np.ndarray, r2: np.ndarray, t0: np.ndarray, t1: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(piece, unit, t) of every knot crossing inside its piece, t ∈ [t0, t1).

    z (3, n, width) are the pre-activation coefficients, zm their values at the piece midpoints and r2
    the squared amplitudes A² + B².
    """
    empty = np.zeros(0, dtype=np.int64)
    if not knots.size:
        return empty, empty, np.zeros(0)
    # |z(t) − z(t_mid)| ≤ 2R sin(h/2) on a piece of half-width h ≤ π: only units within that reach of
    # a knot can cross it.
    reach2 = (4.0 * np.sin(0.25 * (t1 - t0)) ** 2 * (1.0 + 1e-9) + 1e-18)[:, None] * r2
    pieces, units, ts = [], [], []
    for knot in knots:
        p, j = np.nonzero((zm - knot) ** 2 <= reach2)
        if not p.size:
            continue
        aa, bb, cc = z[0][p, j], z[1][p, j], z[2][p, j]
        rr = np.sqrt(r2[p, j])
        ratio = (knot - cc) / np.where(rr > 0, rr, 1.0)
        ok = (rr > 0) & (np.abs(ratio) < 1.0)
        phi = np.arctan2(bb, aa)
        half = np.arccos(np.clip(ratio, -1.0, 1.0))
        for sign in (1.0, -1.0):
            tau = np.mod(phi + sign * half - t0[p], TWO_PI)
            hit = ok & (tau < t1[p] - t0[p])
            pieces.append(p[hit])
            units.append(j[hit])
            ts.append(t0[p[hit]] + tau[hit])
    if not pieces:
        return empty, empty, np.zeros(0)
    return np.concatenate(pieces), np.concatenate(units), np.concatenate(ts)


def _split(
    t0: np.ndarray, t1: np.ndarray, roots_piece: np.ndarray, roots_t: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cut pieces at the roots: (start, end, parent) of every sub-piece in loop order, and per piece the
    index of its first sub-piece and how many it has."""
    order = np.lexsort((roots_t, roots_piece))
    rp, rt = roots_piece[order], roots_t[order]
    counts = np.bincount(rp, minlength=t0.size) + 1
    parent = np.repeat(np.arange(t0.size), counts)
    first = np.cumsum(counts) - counts
    starts = t0[parent]
    rank = np.arange(rp.size) - (np.cumsum(counts - 1) - (counts - 1))[rp]
    starts[first[rp] + rank + 1] = rt
    ends = np.empty_like(starts)
    ends[:-1] = starts[1:]
    ends[first + counts - 1] = t1
    return starts, ends, parent, first, counts


def _ranges(counts: np.ndarray) -> np.ndarray:
    """0..c−1 for every c in counts, concatenated."""
    total = int(counts.sum())
    return np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)


def _check_walkable(activation: str) -> None:
    if not (activations.is_piecewise_linear(activation) or activation == "linear"):
        raise ValueError(f"exact layer lengths need a piecewise-linear activation, not {activation}")


def exact_layer_lengths(
    network: Network,
    trajectory: Trajectory,
    layers: int | None = None,
    max_pieces: int | None = None,
    include_output: bool = False,
    checkpoint: Callable[[], None] | None = None,
) -> ExactLayers:
    """Exact lengths of the input loop and of hidden layers 1..`layers`, and their transitions.

    With include_output (only when all hidden layers are walked) one more entry is the output's length
    ∫|df/dt| dt. Raises PieceBudgetExceeded once more than `max_pieces` pieces (summed over layers) have
    been met; its estimate extrapolates each layer's count from the part of the loop walked so far.
    `checkpoint` is called before every batch of pieces: raising there abandons the walk (Cancel).
    """
    _check_walkable(network.activation)
    layers = network.n_hidden if layers is None else layers
    if not 0 <= layers <= network.n_hidden:
        raise ValueError(f"layers: expected 0..{network.n_hidden}, got {layers}")
    if include_output and layers != network.n_hidden:
        raise ValueError("include_output needs every hidden layer walked")
    base = loop_length(trajectory)
    n = layers + 1 if include_output else layers
    if n == 0:
        return ExactLayers(np.array([base]), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    walk = _Walk(
        network.weights[:n], network.biases[:n], network.activation, include_output, max_pieces, checkpoint
    )
    walk.start(np.stack([trajectory.u, trajectory.v, trajectory.center]))
    return ExactLayers(np.concatenate([[base], walk.lengths]), walk.transitions, walk.pieces)


def weight_circle_lengths(network: Network, layer: int, x: np.ndarray, other: np.ndarray) -> ExactLayers:
    """Exact lengths as layer `layer`'s weights go round W cos θ + W′ sin θ (W′ = `other`), input x fixed.

    Raghu et al.'s Fig. 5 experiment: the pre-activation of that layer is then hW cos θ + hW′ sin θ + b,
    a loop of the same form as an input trajectory, so the same exact walk measures every later layer
    and the output. lengths[0] is that pre-activation loop's length, then the following layers' lengths
    (hidden layers after `layer`, then the output); transitions likewise, from `layer` on.
    """
    _check_walkable(network.activation)
    if not 0 <= layer < len(network.weights):
        raise ValueError(f"layer: expected 0..{len(network.weights) - 1}, got {layer}")
    w = network.weights[layer]
    if np.shape(other) != w.shape:
        raise ValueError(f"other: expected shape {w.shape}, got {np.shape(other)}")
    x = np.asarray(x, dtype=np.float64).reshape(1, -1)
    h = x if layer == 0 else network.forward_all(x).post[layer - 1]
    coef = np.stack([(h @ w)[0], (h @ other)[0], network.biases[layer]])
    base = _closed_loop_length(coef[0], coef[1])
    is_output = layer == network.n_hidden
    ident = np.eye(w.shape[1])
    weights = (ident, *network.weights[layer + 1 :])
    biases = (coef[2] * 0.0, *network.biases[layer + 1 :])
    walk = _Walk(weights, biases, "linear" if is_output else network.activation, True, None)
    walk.start(coef)
    # The identity first step applies layer `layer`'s activation to its own loop.
    return ExactLayers(np.concatenate([[base], walk.lengths]), walk.transitions, walk.pieces)
