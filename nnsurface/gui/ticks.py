"""Round numbers for axes: tick positions and the 1-2-5 steps the vertical scale is chosen from."""

from __future__ import annotations

import math

import numpy as np

_NICE_STEPS = (1.0, 2.0, 5.0, 10.0)


def nice_floor(x: float) -> float:
    """The largest number of the form {1, 2, 5}·10ᵏ that is ≤ x (x > 0)."""
    k = math.floor(math.log10(x))
    base = 10.0**k
    return max(s for s in _NICE_STEPS if s * base <= x * (1 + 1e-12)) * base


def nice_step(span: float, target_count: int) -> float:
    """The smallest {1, 2, 5}·10ᵏ step giving at most `target_count` intervals over `span`."""
    raw = span / max(target_count, 1)
    k = math.floor(math.log10(raw))
    base = 10.0**k
    return min((s for s in _NICE_STEPS if s * base >= raw * (1 - 1e-12)), default=10.0) * base


def nice_ticks(lo: float, hi: float, target_count: int = 5) -> np.ndarray:
    """Multiples of a nice step inside [lo, hi]."""
    if not hi > lo:
        return np.array([lo])
    step = nice_step(hi - lo, target_count)
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    ticks = np.arange(first, last + 1) * step
    ticks[np.abs(ticks) < step * 1e-9] = 0.0  # no "−0"
    return ticks


def log_ticks(lo: float, hi: float, max_count: int = 6) -> np.ndarray:
    """Round values inside [lo, hi] (both > 0) for a log axis: the sparsest of 1, 1-3, 1-2-5, 1…9 per
    decade that gives at least two ticks (thinned to `max_count`), else linear round steps."""
    first, last = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    for mantissas in ((1.0,), (1.0, 3.0), (1.0, 2.0, 5.0), tuple(float(m) for m in range(1, 10))):
        values = np.array([m * 10.0**k for k in range(first, last + 1) for m in mantissas])
        values = values[(values >= lo * (1 - 1e-9)) & (values <= hi * (1 + 1e-9))]
        if len(values) >= 2:
            return values[:: math.ceil(len(values) / max_count)]
    linear = nice_ticks(lo, hi, 5)  # less than a decade between two round mantissas: linear steps
    return linear if len(linear) >= 2 else np.unique([lo, hi])
