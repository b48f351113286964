"""The input trajectory: the closed loop x(t) = c + u cos t + v sin t, t ∈ [0, 2π).

In the app it is the circle c + r (cos t, sin t); the expressivity experiments use u, v in Rᵐ.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

DEFAULT_CENTER = (0.0, 0.0)
DEFAULT_RADIUS = 4.0


def _frozen_vec(a: Sequence[float] | np.ndarray, what: str) -> np.ndarray:
    arr = np.array(a, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what}: NaN or infinite value")
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class Trajectory:
    center: np.ndarray
    u: np.ndarray
    v: np.ndarray

    def __init__(self, center: Sequence[float], u: Sequence[float], v: Sequence[float]):
        c, uu, vv = (_frozen_vec(a, n) for a, n in ((center, "center"), (u, "u"), (v, "v")))
        if not (c.shape == uu.shape == vv.shape):
            raise ValueError(f"center, u and v must have one length, got {c.size}, {uu.size}, {vv.size}")
        object.__setattr__(self, "center", c)
        object.__setattr__(self, "u", uu)
        object.__setattr__(self, "v", vv)

    @classmethod
    def circle(cls, center: Sequence[float] = DEFAULT_CENTER, radius: float = DEFAULT_RADIUS) -> Trajectory:
        """The plane circle c + r (cos t, sin t)."""
        if not np.isfinite(radius) or radius < 0:
            raise ValueError(f"radius: expected a finite number ≥ 0, got {radius}")
        return cls(center, (radius, 0.0), (0.0, radius))

    @property
    def dim(self) -> int:
        return int(self.center.size)

    @property
    def is_circle(self) -> bool:
        return bool(
            abs(self.u @ self.v) <= 1e-15 * (self.u @ self.u + 1)
            and np.isclose(self.u @ self.u, self.v @ self.v, rtol=1e-14, atol=0)
        )

    @property
    def radius(self) -> float:
        """The radius when the loop is a circle (|u| otherwise, for display)."""
        return float(np.linalg.norm(self.u))

    def points(self, t: np.ndarray) -> np.ndarray:
        """x(t), shape (n, m)."""
        t = np.asarray(t, dtype=np.float64)[:, None]
        return self.center + self.u * np.cos(t) + self.v * np.sin(t)

    def coordinates(self, cos_t: np.ndarray, sin_t: np.ndarray) -> np.ndarray:
        """x(t) with the points as columns, shape (m, n), from cos t and sin t: the numbers of
        points(t).T, computed along the samples (a loop over n values per coordinate, not over n rows
        of m). It takes cos t and sin t, not t, so that those of fixed samples are computed once."""
        return self.center[:, None] + self.u[:, None] * cos_t + self.v[:, None] * sin_t

    def velocity(self, t: np.ndarray) -> np.ndarray:
        """x′(t), shape (n, m)."""
        t = np.asarray(t, dtype=np.float64)[:, None]
        return -self.u * np.sin(t) + self.v * np.cos(t)
