"""The measures of DESIGN.md along the trajectory, exact.

relu, hardtanh and linear networks: the loop is cut at its breakpoints (pieces.py) and every length is
a sum of closed-form ellipse arcs (arclength.py) — exact to rounding. tanh networks: the output
length is the total variation through the located critical points of f and the other lengths are
integrated by adaptive Gauss–Kronrod quadrature (quadrature.py) to 1e-12 relative.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnsurface.core import activations, quadrature
from nnsurface.core.arclength import TWO_PI, ellipse_arcs, sinusoid_variations
from nnsurface.core.network import Network
from nnsurface.core.pieces import SAME_BREAKPOINT, Pieces, decompose
from nnsurface.core.trajectory import Trajectory


@dataclass(frozen=True, eq=False)
class Measures:
    """Every measure of the trajectory (DESIGN.md "Measures along the trajectory").

    breakpoints: sorted t in [0, 2π) where the activation pattern changes (empty when it never does,
    and for tanh/linear). piece_patterns: (n_pieces, Σ widths) int8, the pattern of the piece starting
    at each breakpoint (the piece after the last one wraps into the first); with no breakpoint it holds
    the one pattern of the whole loop. layer_transitions[ℓ−1]: breakpoints where a unit of hidden layer
    ℓ changes piece (a breakpoint shared by two layers counts for both).
    """

    input_length: float
    surface_length: float | None
    output_length: float
    layer_lengths: tuple[float, ...]
    transitions: int | None
    regions_visited: int | None
    layer_transitions: tuple[int, ...] | None
    breakpoints: np.ndarray
    piece_patterns: np.ndarray

    def as_dict(self) -> dict:
        """The JSON object of DESIGN.md (`report --json`)."""
        return {
            "input_length": self.input_length,
            "surface_length": self.surface_length,
            "output_length": self.output_length,
            "layer_lengths": list(self.layer_lengths),
            "transitions": self.transitions,
            "regions_visited": self.regions_visited,
        }


def measure(network: Network, trajectory: Trajectory) -> Measures:
    """All measures of `trajectory` through `network`."""
    if network.activation == "tanh":
        return smooth_measures(network, trajectory)
    return piecewise_measures(decompose(network, trajectory), network.activation)


def smooth_measures(network: Network, trajectory: Trajectory) -> Measures:
    """Measures of a network with a smooth activation (tanh) by quadrature; any activation works."""
    if trajectory.dim != network.input_dim:
        raise ValueError(f"trajectory has dimension {trajectory.dim}, the network takes {network.input_dim}")
    panels = quadrature.length_panels(network, trajectory)
    crit = quadrature.critical_points(network, trajectory, panels)
    totals = panels.values.sum(axis=0).tolist()
    n_hidden = network.n_hidden
    return Measures(
        input_length=quadrature.input_length(trajectory),
        surface_length=totals[n_hidden] if trajectory.dim == 2 else None,
        output_length=quadrature.output_variation(network, trajectory, crit),
        layer_lengths=tuple(totals[:n_hidden]),
        transitions=None,
        regions_visited=None,
        layer_transitions=None,
        breakpoints=np.empty(0),
        piece_patterns=np.zeros((1, sum(network.widths)), dtype=np.int8),
    )


def curve_gram(pieces: Pieces) -> np.ndarray:
    """|A|², |B|², A·B per piece of the input, each hidden layer and the output: shape (K, 3, L + 2)."""
    k = pieces.n_pieces
    m = pieces.inputs.shape[1]
    width = pieces.bounds[-1]
    cols = np.empty((k, 2, m + width + 1))
    cols[:, :, :m] = pieces.inputs[:2]
    cols[:, :, m:-1] = pieces.post[:, :2]
    cols[:, :, -1] = pieces.output[:, :2]
    gram = np.empty((k, 3, cols.shape[2]))
    np.multiply(cols, cols, out=gram[:, :2])
    np.multiply(cols[:, 0], cols[:, 1], out=gram[:, 2])
    return np.add.reduceat(gram, [0, *(m + b for b in pieces.bounds)], axis=2)


def piecewise_measures(pieces: Pieces, activation: str) -> Measures:
    """Measures of a relu/hardtanh/linear network from its decomposition."""
    gram = curve_gram(pieces)
    m = pieces.inputs.shape[1]
    n_hidden = len(pieces.bounds) - 1
    if m == 2:  # the last column becomes the surface curve (x₁, x₂, f): input and output terms add
        gram[:, :, -1] += gram[:, :, 0]
        curves = gram
    else:
        curves = gram[:, :, :-1]
    lengths = ellipse_arcs(curves, pieces.starts, pieces.ends).length.sum(axis=0).tolist()
    out = pieces.output
    output_length = float(
        sinusoid_variations(out[:, 0], out[:, 1], pieces.starts, pieces.ends).variation.sum()
    )
    if activations.is_piecewise_linear(activation):
        counts = _counts(pieces)
    else:
        counts = (None, None, None)
    breakpoints, piece_patterns = reported_breakpoints(pieces)
    return Measures(
        input_length=lengths[0],
        surface_length=lengths[-1] if m == 2 else None,
        output_length=output_length,
        layer_lengths=tuple(lengths[1 : n_hidden + 1]),
        transitions=counts[0],
        regions_visited=counts[1],
        layer_transitions=counts[2],
        breakpoints=breakpoints,
        piece_patterns=piece_patterns,
    )


def _counts(pieces: Pieces) -> tuple[int, int, tuple[int, ...]]:
    """(transitions, regions_visited, layer_transitions) from the pieces' patterns."""
    pat = pieces.patterns
    n_layers = len(pieces.bounds) - 1
    width = pat.shape[1]
    flat = pat.tobytes()
    regions = len({flat[i : i + width] for i in range(0, len(flat), width)}) if width else 1
    if not pieces.closed:
        return 0, regions, (0,) * n_layers
    differs = pat != pat.take(np.arange(-1, pat.shape[0] - 1), axis=0)
    per_layer = np.logical_or.reduceat(differs, pieces.bounds[:-1], axis=1).sum(axis=0)
    return pieces.n_pieces, regions, tuple(per_layer.tolist())


def breakpoints(network: Network, trajectory: Trajectory) -> np.ndarray:
    """Measures.breakpoints alone: sorted t in [0, 2π) where the activation pattern changes (none
    for tanh). What the 3-D frame draws of the measures; the lengths' elliptic integrals, which take
    as long again as the decomposition, can wait until after the frame."""
    if network.activation == "tanh":
        return np.empty(0)
    return reported_breakpoints(decompose(network, trajectory))[0]


def reported_breakpoints(pieces: Pieces) -> tuple[np.ndarray, np.ndarray]:
    """Breakpoints as sorted t in [0, 2π) and the pattern of the piece starting at each."""
    if not pieces.closed:
        return np.empty(0), pieces.patterns
    t = np.mod(pieces.starts, TWO_PI)
    t[t > TWO_PI - SAME_BREAKPOINT] = 0.0
    order = t.argsort()
    return t.take(order), pieces.patterns.take(order, axis=0)
