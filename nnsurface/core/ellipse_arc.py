"""Arc length of a curve A cos t + B sin t + C over [t0, t1], in closed form, for many arcs at once.

On every piece of a piecewise-linear network each layer is such a curve (an ellipse arc in Rᵏ, possibly
flattened to a segment), so its length is an incomplete elliptic integral of the second kind. Evaluating
that integral with Carlson's symmetric forms is exact to rounding for every shape, including the
degenerate segment case (where the speed vanishes and quadrature converges slowly), and is vectorised.

The curve enters only through its Gram entries aa = A·A, bb = B·B, ab = A·B, because
|d/dt (A cos t + B sin t)|² = aa sin²t + bb cos²t − 2 ab sin t cos t.
"""

from __future__ import annotations

import numpy as np

_RF_TOL = 0.0025  # Carlson's duplication tolerance: truncation error ~ tol⁶, below double rounding
_RD_TOL = 0.0015
_MAX_DUPLICATIONS = 80  # each step shrinks the spread of the arguments by 4; 80 covers 1e-300 spreads
_SEGMENT_M1 = 1e-15  # below this 1 − m the integrand is |cos| to O(m' log m') ≈ 4e-14
# Gauss–Legendre with 10 nodes errs by ~ϱ⁻²⁰ where ϱ ≥ 6 is the Bernstein ellipse reaching the nearest
# complex zero of the speed when that zero is ≥ 3 half-spans away: below double rounding.
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(10)
_GL_REACH = 3.0


def carlson_rf(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """R_F(x, y, z) for non-negative arguments with at most one zero (Carlson 1995, duplication)."""
    x, y, z = (np.array(a, dtype=np.float64, copy=True) for a in np.broadcast_arrays(x, y, z))
    for _ in range(_MAX_DUPLICATIONS):
        sx, sy, sz = np.sqrt(x), np.sqrt(y), np.sqrt(z)
        lam = sx * (sy + sz) + sy * sz
        x, y, z = 0.25 * (x + lam), 0.25 * (y + lam), 0.25 * (z + lam)
        ave = (x + y + z) / 3.0
        dx, dy, dz = (ave - x) / ave, (ave - y) / ave, (ave - z) / ave
        if np.all(np.maximum(np.maximum(np.abs(dx), np.abs(dy)), np.abs(dz)) <= _RF_TOL):
            break
    e2 = dx * dy - dz * dz
    e3 = dx * dy * dz
    return (1.0 + (e2 / 24.0 - 0.1 - 3.0 / 44.0 * e3) * e2 + e3 / 14.0) / np.sqrt(ave)


def carlson_rd(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """R_D(x, y, z) for x, y ≥ 0 (not both zero) and z > 0 (Carlson 1995, duplication)."""
    x, y, z = (np.array(a, dtype=np.float64, copy=True) for a in np.broadcast_arrays(x, y, z))
    total = np.zeros_like(x)
    fac = 1.0
    for _ in range(_MAX_DUPLICATIONS):
        sx, sy, sz = np.sqrt(x), np.sqrt(y), np.sqrt(z)
        lam = sx * (sy + sz) + sy * sz
        total += fac / (sz * (z + lam))
        fac *= 0.25
        x, y, z = 0.25 * (x + lam), 0.25 * (y + lam), 0.25 * (z + lam)
        ave = 0.2 * (x + y + 3.0 * z)
        dx, dy, dz = (ave - x) / ave, (ave - y) / ave, (ave - z) / ave
        if np.all(np.maximum(np.maximum(np.abs(dx), np.abs(dy)), np.abs(dz)) <= _RD_TOL):
            break
    c1, c2, c3, c4 = 3.0 / 14.0, 1.0 / 6.0, 9.0 / 22.0, 3.0 / 26.0
    c5, c6 = 0.25 * c3, 1.5 * c4
    ea = dx * dy
    eb = dz * dz
    ec = ea - eb
    ed = ea - 6.0 * eb
    ee = ed + ec + ec
    series = 1.0 + ed * (-c1 + c5 * ed - c6 * dz * ee) + dz * (c2 * ee + dz * (-c3 * ec + dz * c4 * ea))
    return 3.0 * total + fac * series / (ave * np.sqrt(ave))


def elliptic_e(phi: np.ndarray, m1: np.ndarray) -> np.ndarray:
    """E(φ | m) = ∫₀^φ √(1 − m sin²θ) dθ for any real φ, with the parameter given as m1 = 1 − m ∈ [0, 1].

    Passing 1 − m (computed without cancellation by the caller) keeps nearly flat ellipses accurate.
    """
    phi, m1 = np.broadcast_arrays(np.asarray(phi, dtype=np.float64), np.asarray(m1, dtype=np.float64))
    n = np.round(phi / np.pi)
    r = phi - n * np.pi  # r in [−π/2, π/2]
    s, c = np.sin(r), np.cos(r)
    segment = m1 < _SEGMENT_M1
    m1c = np.where(segment, 1.0, m1)  # placeholder for the segment case, evaluated in closed form below
    mc = 1.0 - m1c
    y = c * c + m1c * s * s
    part = s * carlson_rf(c * c, y, 1.0) - (mc / 3.0) * s**3 * carlson_rd(c * c, y, 1.0)
    complete = carlson_rf(0.0, m1c, 1.0) - (mc / 3.0) * carlson_rd(0.0, m1c, 1.0)
    general = 2.0 * n * complete + part
    return np.where(segment, 2.0 * n + s, general)


def arc_length(aa: np.ndarray, bb: np.ndarray, ab: np.ndarray, t0: np.ndarray, t1: np.ndarray) -> np.ndarray:
    """∫_{t0}^{t1} |−A sin t + B cos t| dt from the Gram entries aa = A·A, bb = B·B, ab = A·B.

    |x′|² = α + ρ cos(2t − ψ) with α = (aa + bb)/2, ρ cos ψ = (bb − aa)/2, ρ sin ψ = −ab; with
    s = t − ψ/2 this is (α + ρ)(1 − m sin²s), m = 2ρ/(α + ρ), so the length is √(α+ρ)·[E(s₁|m) − E(s₀|m)].
    1 − m = (aa·bb − ab²)/(α + ρ)² is taken from the Gram determinant to keep flat ellipses exact.
    Arcs far from the complex zeros of the speed, relative to their own span, are integrated with
    Gauss–Legendre instead, which is exact to rounding there and much cheaper (most pieces of a deep
    network are such short arcs).
    """
    aa, bb, ab, t0, t1 = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in (aa, bb, ab, t0, t1)))
    alpha = 0.5 * (aa + bb)
    beta = 0.5 * (bb - aa)
    gamma = -ab
    rho = np.hypot(beta, gamma)
    psi = np.arctan2(gamma, beta)
    big = alpha + rho
    safe = np.where(big > 0.0, big, 1.0)
    m1 = np.clip((aa * bb - ab * ab) / (safe * safe), 0.0, 1.0)
    # The speed's complex zeros: t = (ψ + π)/2 + nπ ± i·η with cosh 2η = α/ρ = (1 + m1)/(1 − m1).
    with np.errstate(divide="ignore"):  # a circle (m1 = 1) has no zero: η = ∞
        eta = 0.5 * np.arccosh((1.0 + m1) / (1.0 - m1))
    half = 0.5 * (t1 - t0)
    centre = 0.5 * (t0 + t1) - 0.5 * (psi + np.pi)
    off = np.maximum(np.abs(np.mod(centre + 0.5 * np.pi, np.pi) - 0.5 * np.pi) - half, 0.0)
    quad = (off * off + eta * eta >= (_GL_REACH * half) ** 2) | (rho == 0.0)
    out = np.zeros(aa.shape)
    if np.any(quad):
        tq = (0.5 * (t0 + t1))[quad][:, None] + half[quad][:, None] * _GL_NODES
        sq, cq = np.sin(tq), np.cos(tq)
        speed2 = aa[quad][:, None] * sq * sq + bb[quad][:, None] * cq * cq - 2.0 * ab[quad][:, None] * sq * cq
        out[quad] = half[quad] * (np.sqrt(np.maximum(speed2, 0.0)) @ _GL_WEIGHTS)
    rest = ~quad & (big > 0.0)
    if np.any(rest):
        p = 0.5 * psi[rest]
        e = elliptic_e(t1[rest] - p, m1[rest]) - elliptic_e(t0[rest] - p, m1[rest])
        out[rest] = np.sqrt(big[rest]) * e
    return out
