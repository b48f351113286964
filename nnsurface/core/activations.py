"""The hidden-layer nonlinearities, and the knots that make two of them piecewise linear.

A piecewise-linear activation is described by its knots (the pre-activation values where the slope
changes) and, per piece, an affine map slope·z + offset. The exact measures rely on that description:
between knot crossings every layer stays an affine function of (cos t, sin t).
"""

from __future__ import annotations

import numpy as np

ACTIVATIONS: tuple[str, ...] = ("relu", "hardtanh", "tanh", "linear")

_KNOTS: dict[str, tuple[float, ...]] = {
    "relu": (0.0,),
    "hardtanh": (-1.0, 1.0),
    "tanh": (),
    "linear": (),
}

# Per piece (ordered as the knots split the real line): (slope, offset) of the affine map.
_PIECES: dict[str, tuple[tuple[float, float], ...]] = {
    "relu": ((0.0, 0.0), (1.0, 0.0)),
    "hardtanh": ((0.0, -1.0), (1.0, 0.0), (0.0, 1.0)),
    "linear": ((1.0, 0.0),),
}


def check_activation(name: str) -> str:
    """Return `name` if it is a known activation, else raise ValueError naming the choices."""
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; expected one of {', '.join(ACTIVATIONS)}")
    return name


def is_piecewise_linear(name: str) -> bool:
    """True for activations whose knots split the line into affine pieces (relu, hardtanh)."""
    return len(_KNOTS[check_activation(name)]) > 0


def knots(name: str) -> tuple[float, ...]:
    """Pre-activation values where the slope of the activation changes, ascending."""
    return _KNOTS[check_activation(name)]


def piece_affine(name: str) -> tuple[np.ndarray, np.ndarray]:
    """(slopes, offsets) indexed by piece number, for piecewise-linear and linear activations.
    Read-only and made once: every edit asks for them several times (partition, the loop's pieces,
    the sensitivities)."""
    return _PIECE_AFFINE[check_activation(name)]


def _read_only_array(values: list[float]) -> np.ndarray:
    array = np.array(values)
    array.setflags(write=False)
    return array


_PIECE_AFFINE: dict[str, tuple[np.ndarray, np.ndarray]] = {
    name: (_read_only_array([p[0] for p in pieces]), _read_only_array([p[1] for p in pieces]))
    for name, pieces in _PIECES.items()
}


def piece_index(name: str, z: np.ndarray) -> np.ndarray:
    """The piece each pre-activation lies on: the number of knots strictly below it.

    A value exactly on a knot belongs to the piece below it (relu(0) counts as "off"), which makes the
    pattern of a grid point a deterministic function of its pre-activations.
    """
    k = knots(name)
    if not k:
        return np.zeros(np.shape(z), dtype=np.int8)
    return np.searchsorted(np.asarray(k), z, side="left").astype(np.int8)


def apply(name: str, z: np.ndarray) -> np.ndarray:
    """φ(z), elementwise."""
    check_activation(name)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "hardtanh":
        return np.clip(z, -1.0, 1.0)
    if name == "tanh":
        return np.tanh(z)
    return np.asarray(z, dtype=float)


def derivative(name: str, z: np.ndarray) -> np.ndarray:
    """φ'(z), elementwise; at a knot the slope of the piece below (consistent with piece_index)."""
    check_activation(name)
    if name == "tanh":
        return _sech2(z)
    if name == "linear":
        return np.ones(np.shape(z))
    slopes, _ = piece_affine(name)
    return slopes[piece_index(name, z)]


def second_derivative(name: str, z: np.ndarray) -> np.ndarray:
    """φ''(z): zero almost everywhere except for tanh; needed by the sensitivities of smooth nets."""
    check_activation(name)
    if name == "tanh":
        return -2.0 * np.tanh(z) * _sech2(z)
    return np.zeros(np.shape(z))


def _sech2(z: np.ndarray) -> np.ndarray:
    """tanh′ = 1/cosh²z, accurate to the last bits where tanh saturates (1 − tanh² is not: at z = 12
    it keeps 6 digits), and 0 past cosh's overflow."""
    with np.errstate(over="ignore"):
        return 1.0 / np.cosh(z) ** 2
