"""Per-layer trajectory lengths from a dense polyline, for nets whose exact pieces are too many to walk.

Every sampled length is a polyline through points of the true curve, and a chord is never longer than
the arc it spans, so each value is a lower bound of the true length (up to rounding). Its convergence
is the relative change from N/2 to N samples (the N/2 polyline uses every other sample of the same
pass); a small change suggests, but does not prove, that the bound is close. Transition counts from
samples are lower bounds too: a unit that crosses a knot and back between two samples is missed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nnsurface.core import activations
from nnsurface.core.network import Network
from nnsurface.core.trajectory import Trajectory

CHUNK = 4096  # samples pushed through the network at once: arrays stay cache-sized


@dataclass(frozen=True, eq=False)
class SampledLayers:
    """lengths[0] is the input loop, lengths[ℓ] hidden layer ℓ (polyline through `samples` points);
    convergence[ℓ] = |L_N − L_{N/2}| / L_N; transitions[ℓ−1] counts knot crossings seen between samples."""

    lengths: np.ndarray
    convergence: np.ndarray
    transitions: np.ndarray | None
    samples: int


def polyline_layers(
    network: Network, trajectory: Trajectory, samples: int, checkpoint: Callable[[], None] | None = None
) -> SampledLayers:
    """Lengths of the input and of every hidden layer along `samples` equally spaced t in [0, 2π).

    `checkpoint` is called before every chunk of samples: raising there abandons the pass (Cancel)."""
    if samples < 4 or samples % 2:
        raise ValueError(f"samples: expected an even number ≥ 4, got {samples}")
    n_layers = network.n_hidden + 1
    full = np.zeros(n_layers)
    half = np.zeros(n_layers)
    piecewise = activations.is_piecewise_linear(network.activation)
    crossings = np.zeros(network.n_hidden, dtype=np.int64)
    t_all = np.linspace(0.0, 2.0 * np.pi, samples, endpoint=False)
    for lo in range(0, samples, CHUNK):
        if checkpoint is not None:
            checkpoint()
        # One extra sample closes the gap to the next chunk (the last chunk wraps to t = 0).
        idx = np.arange(lo, min(lo + CHUNK, samples) + 1) % samples
        h = trajectory.points(t_all[idx])
        _accumulate(h, 0, full, half)
        for layer, (w, b) in enumerate(zip(network.weights[:-1], network.biases[:-1], strict=True), start=1):
            z = h @ w
            z += b
            if piecewise:
                piece = activations.piece_index(network.activation, z)
                crossings[layer - 1] += int(np.abs(np.diff(piece, axis=0)).sum())
            h = activations.apply(network.activation, z)
            _accumulate(h, layer, full, half)
    convergence = np.abs(full - half) / np.where(full > 0, full, 1.0)
    return SampledLayers(full, convergence, crossings if piecewise else None, samples)


def _accumulate(h: np.ndarray, layer: int, full: np.ndarray, half: np.ndarray) -> None:
    """Add this chunk's polyline length at N and at N/2 samples (chunks start on even samples)."""
    full[layer] += float(np.sqrt(np.square(np.diff(h, axis=0)).sum(axis=1)).sum())
    even = h[::2]
    half[layer] += float(np.sqrt(np.square(np.diff(even, axis=0)).sum(axis=1)).sum())


def converged_polyline(
    network: Network,
    trajectory: Trajectory,
    first_layer: int,
    min_samples: int,
    max_samples: int,
    target: float,
    checkpoint: Callable[[], None] | None = None,
) -> SampledLayers:
    """Double the sample count from `min_samples` until layers ≥ `first_layer` change by ≤ `target`
    from N/2 to N, or `max_samples` is reached; returns the last pass (check its convergence)."""
    samples = min_samples
    while True:
        result = polyline_layers(network, trajectory, samples, checkpoint)
        if np.all(result.convergence[first_layer:] <= target) or samples * 2 > max_samples:
            return result
        samples *= 2
