"""Closed-form lengths of the curves a piecewise-affine network traces on a circle or ellipse.

On one piece of the loop every layer is h(t) = A cos t + B sin t + C, so its velocity is
h′(t) = −A sin t + B cos t and its speed² is α + ρ cos(2t − ψ): an ellipse, whose arc length is an
incomplete elliptic integral of the second kind,  a·[E(s₁|m) − E(s₀|m)]  with s = t − ψ/2.
E is evaluated with Carlson's symmetric integrals R_F and R_D (duplication algorithm, vectorised, to
machine precision) for any real amplitude via E(φ + kπ) = E(φ) + 2k·E(m). The same R_F, R_D give, at
no extra cost, the derivatives of the length with respect to A and B, which the sensitivities need.

A scalar curve (the output f) is treated apart: its length is the total variation of a sinusoid, exact
through its critical points.

The parameter m runs up to 1 (a curve that moves along a line, e.g. a layer with one active unit):
there R_F and R_D grow like log(1/cos φ) near φ = ±π/2 but stay finite in floating point, and the
combinations used here lose at most a couple of digits to that growth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TWO_PI = 2.0 * np.pi
HALF_PI = 0.5 * np.pi
# cos²(π/2) in floating point (≈ 3.7e-33): evaluating complete integrals at this amplitude keeps them
# finite for m = 1, where the parts that diverge in exact arithmetic cancel.
_COS2_HALF_PI = float(np.cos(HALF_PI) ** 2)
_TINY = 1e-300
# Below this 1 − m an ellipse arc is a segment's to within 1e-13 of its length (≈ m log(1/m)/4).
_FLAT = 1e-14

# Duplication steps needed for a relative error below 2e-15 as a function of the second-smallest
# argument over the largest (measured against scipy.special.elliprf/elliprd, with a margin): the
# Taylor series closing the algorithm is of degree 5, so each step gains six bits once the arguments
# are of one size, and each step roughly square-roots a tiny ratio.
_STEPS_BY_RATIO = ((0.05, 5), (1e-4, 6), (1e-9, 7), (1e-20, 8), (1e-40, 9), (1e-80, 10), (1e-160, 11))
_MAX_STEPS = 12


def duplication_steps(ratio: float) -> int:
    """Duplication steps for arguments whose second smallest is `ratio` times the largest."""
    for threshold, steps in _STEPS_BY_RATIO:
        if ratio >= threshold:
            return steps
    return _MAX_STEPS


def carlson_rf_rd(x: np.ndarray, y: np.ndarray, z: np.ndarray | float = 1.0, steps: int | None = None):
    """Carlson's R_F(x, y, z) and R_D(x, y, z), elementwise, for x, y, z ≥ 0 with at most one zero.

    One duplication sequence serves both integrals. `steps` may be given when the caller knows the
    arguments' spread (see `duplication_steps`); otherwise it is derived from them.
    """
    x, y, z = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in (x, y, z)))
    if steps is None:
        srt = np.sort(np.stack([x, y, z]), axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = float(np.min(srt[1] / srt[2])) if x.size else 1.0
        steps = duplication_steps(ratio)
    rf, rd = _rf_rd(np.stack([x, y, z]).reshape(3, -1), steps)
    return rf.reshape(x.shape), rd.reshape(x.shape)


def _rf_rd(xyz: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """R_F and R_D of the rows x, y, z of `xyz` (3, N) after `steps` duplications (xyz is overwritten).

    Values are kept scaled by 4ᵏ (Yₖ = 4ᵏ·xₖ), which turns a step into Yₖ₊₁ = Yₖ + λ(√Yₖ): five array
    operations. The closing degree-5 Taylor series of Carlson (1995) is evaluated for R_F and R_D at
    once on stacked arrays, with deviations taken from the final values (they are ≲ 1e-2, so the
    cancellation in 1 − xₙ/Aₙ costs nothing visible).
    """
    roots = np.empty((steps + 1, *xyz.shape))
    for k in range(steps):
        sq = np.sqrt(xyz, out=roots[k])
        lam = sq[0] + sq[1]
        lam *= sq[2]
        lam += sq[0] * sq[1]
        xyz += lam
    np.sqrt(xyz, out=roots[steps])
    # Row 0: R_F's mean (x+y+z)/3; row 1: R_D's mean (x+y+3z)/5, both scaled by 4ⁿ.
    means = np.empty((2, xyz.shape[1]))
    np.add(xyz[0], xyz[1], out=means[1])
    means[1] += xyz[2]
    np.multiply(means[1], 1.0 / 3.0, out=means[0])
    means[1] += 2.0 * xyz[2]
    means[1] *= 1.0 / 5.0
    inv = 1.0 / means
    dev = xyz[:2, None, :] * inv
    np.subtract(1.0, dev, out=dev)
    dx, dy = dev[0], dev[1]
    dxy = dx * dy
    dz = dx + dy
    dz *= _Z_FACTOR  # R_F: Z = −X − Y;  R_D: Z = −(X + Y)/3
    dz2 = dz * dz
    e2 = dxy - _E2_FACTOR * dz2  # R_F: XY − Z²;  R_D: XY − 6Z²
    e3 = _E3_FACTOR * dxy
    e3 -= _E3_SHIFT * dz2
    e3 *= dz  # R_F: XYZ;  R_D: (3XY − 8Z²)Z
    series = _C_E22 * e2
    series += _C_E23 * e3
    series += _C_E2
    series *= e2
    series += _C_E3 * e3
    series += 1.0
    # Terms only R_D has: − 3E₄/22 + 3E₅/26, E₄ = 3(XY − Z²)Z², E₅ = XYZ³.
    dxy_d, dz2_d, dz_d = dxy[1], dz2[1], dz[1]
    series[1] += dz2_d * (dxy_d * (3.0 / 26.0 * dz_d - 9.0 / 22.0) + 9.0 / 22.0 * dz2_d)
    series *= 2.0**steps / np.sqrt(means)
    rz = roots[:, 2]
    tail = rz[1:] * rz[1:]
    tail *= rz[:-1]
    np.divide(_THREE_POWERS_OF_TWO[:steps], tail, out=tail)
    rd = tail.sum(axis=0)
    rd += series[1] * inv[1]
    return series[0], rd


def _column(*values: float) -> np.ndarray:
    return np.array(values).reshape(-1, 1)


_THREE_POWERS_OF_TWO = _column(*(3.0 * 2.0**k for k in range(_MAX_STEPS)))
_Z_FACTOR = _column(-1.0, -1.0 / 3.0)
_E2_FACTOR = _column(1.0, 6.0)
_E3_FACTOR = _column(1.0, 3.0)
_E3_SHIFT = _column(0.0, 8.0)
# Series coefficients: R_F 1 − E₂/10 + E₃/14 + E₂²/24 − 3E₂E₃/44;
#                      R_D 1 − 3E₂/14 + E₃/6 + 9E₂²/88 − 9E₂E₃/52 (+ the E₄, E₅ terms above).
_C_E2 = _column(-0.1, -3.0 / 14.0)
_C_E22 = _column(1.0 / 24.0, 9.0 / 88.0)
_C_E23 = _column(-3.0 / 44.0, -9.0 / 52.0)
_C_E3 = _column(1.0 / 14.0, 1.0 / 6.0)


def _reduced_amplitude(phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(k, φ − kπ) with φ − kπ in [−π/2, π/2]."""
    k = np.rint(phi * (1.0 / np.pi))
    return k, phi - k * np.pi


def _legendre_parts(red: np.ndarray, m1: np.ndarray, complete: np.ndarray):
    """Legendre's integrals at reduced amplitudes `red` (rows) and at π/2 (an extra last row).

    m1 = 1 − m broadcasts against a row. Returns (sin φ, sin²φ, Δ(φ)², F, D), rows for `red` then π/2,
    where Δ² = 1 − m sin²φ, F = ∫₀^φ dθ/Δ and D = ∫₀^φ sin²θ/Δ dθ (DLMF 19.2.6, 19.25.5). The
    complete integrals are only computed where `complete` is True (elsewhere they are meaningless):
    a flat curve's complete integral is the slowest to converge, and most arcs need none.
    """
    rows = red.shape[0]
    s = np.empty((rows + 1, *red.shape[1:]))
    np.sin(red, out=s[:rows])
    s[rows] = 1.0
    xyz = np.empty((3, *s.shape))
    c = np.cos(red, out=xyz[0, :rows])
    c *= c
    xyz[0, rows] = np.where(complete, _COS2_HALF_PI, 1.0)
    s2 = s * s
    np.multiply(s2, m1, out=xyz[1])
    xyz[1] += xyz[0]
    xyz[2] = 1.0
    delta2 = xyz[1].copy()
    steps = duplication_steps(float(delta2.min()))
    rf, rd = _rf_rd(xyz.reshape(3, -1), steps)
    f = s * rf.reshape(s.shape)
    d = s2 * rd.reshape(s.shape)
    d *= s * (1.0 / 3.0)
    return s, s2, delta2, f, d


def ellipeinc(phi: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Incomplete elliptic integral of the second kind E(φ|m) = ∫₀^φ √(1 − m sin²θ) dθ.

    Any real φ, 0 ≤ m ≤ 1.
    """
    phi, m = np.broadcast_arrays(np.asarray(phi, dtype=np.float64), np.asarray(m, dtype=np.float64))
    shape = phi.shape
    k, red = _reduced_amplitude(phi.reshape(-1))
    m1 = 1.0 - m.reshape(-1)
    _, _, _, f, d = _legendre_parts(red[None], m1, k != 0)
    e = f - (1.0 - m1) * d
    return (e[0] + 2.0 * k * e[1]).reshape(shape)


@dataclass(frozen=True, eq=False)
class ArcLengths:
    """Lengths of ellipse arcs and, when asked for, their derivatives.

    With h′(t) = −A sin t + B cos t, ∂length/∂A = g_aa·A + g_ab·B and ∂length/∂B = g_ba·A + g_bb·B
    (scalars per arc; None unless computed).
    """

    length: np.ndarray
    g_aa: np.ndarray | None = None
    g_ab: np.ndarray | None = None
    g_ba: np.ndarray | None = None
    g_bb: np.ndarray | None = None


def ellipse_arcs(gram: np.ndarray, t0: np.ndarray, t1: np.ndarray, gradient: bool = False) -> ArcLengths:
    """∫_{t0}^{t1} |−A sin t + B cos t| dt for many curves on many intervals, in closed form.

    gram: (K, 3, n), rows |A|², |B|², A·B of n curves on K intervals [t0[k], t1[k]] (t0 ≤ t1).
    Returns lengths (K, n); with gradient=True also the coefficients of ∂length/∂A, ∂length/∂B.
    """
    aa, bb, ab = gram[:, 0], gram[:, 1], gram[:, 2]
    total = aa + bb  # 2α
    diff = bb - aa  # 2ρ cos ψ
    cross = -2.0 * ab  # 2ρ sin ψ
    rho2 = np.hypot(diff, cross)  # speed² = α + ρ cos(2t − ψ), largest (a²) at t = ψ/2
    major2 = 0.5 * (total + rho2)
    m1 = np.maximum(total - rho2, 0.0) / (total + rho2 + _TINY)  # 1 − m = (b/a)²
    centre = 0.5 * np.arctan2(cross, diff)
    # Amplitudes of both ends and the complete integral, reduced to [−π/2, π/2], in one Carlson batch.
    amp = np.empty((2, *centre.shape))
    np.subtract(t0[:, None], centre, out=amp[0])
    np.subtract(t1[:, None], centre, out=amp[1])
    k = np.rint(amp * (1.0 / np.pi))
    amp -= k * np.pi
    periods = 2.0 * (k[1] - k[0])
    # A flat ellipse (a segment run back and forth, e.g. a layer with one active unit) has the speed
    # a|cos s| to O(m1 log m1): E(φ|1) = sin φ, E(1) = 1. Its Carlson arguments are replaced by a
    # circle's, whose duplication converges fastest.
    flat = m1 <= _FLAT
    m1_carlson = np.where(flat, 1.0, m1)
    s, s2, delta2, f, d = _legendre_parts(amp, m1_carlson, (periods != 0.0) & ~flat)
    cc = f - d  # ∫ cos²/Δ  (F − D)
    ell = np.where(flat, s, cc + m1 * d)  # ∫ Δ  (E = F − mD)
    major = np.sqrt(major2)
    length = major * (ell[1] - ell[0] + periods * ell[2])
    if not gradient:
        return ArcLengths(length)
    # For a flat curve ∫ cos²/Δ = ∫ |cos| = E, and ∫ sin²/Δ (divergent) only ever multiplies its
    # vanishing minor axis: 0.
    cc = np.where(flat, ell, cc)
    d = np.where(flat, 0.0, d)
    delta2 = np.where(flat, 1.0 - s2, delta2)
    sc = s2 / (1.0 + np.sqrt(delta2))  # ∫ sin cos/Δ = sin²φ / (1 + Δ(φ)); its complete part is 0
    i_ss = d[1] - d[0] + periods * d[2]
    i_cc = cc[1] - cc[0] + periods * cc[2]
    i_sc = sc[1] - sc[0]
    ct, st = np.cos(centre), np.sin(centre)
    inv_major = np.where(major > 0.0, 1.0 / np.maximum(major, _TINY), 0.0)
    # h′ = U₁ cos s + U₂ sin s with U₁ = h′(ψ/2), U₂ = h′(ψ/2 + π/2); unit tangent T = h′/(aΔ).
    # ∂L/∂A = −∫ sin t·T dt,  ∂L/∂B = ∫ cos t·T dt, written back in terms of A and B.
    p = ct * i_sc + st * i_cc
    q = ct * i_ss + st * i_sc
    p2 = ct * i_cc - st * i_sc
    q2 = ct * i_sc - st * i_ss
    return ArcLengths(
        length,
        g_aa=inv_major * (st * p + ct * q),
        g_ab=-inv_major * (ct * p - st * q),
        g_ba=-inv_major * (st * p2 + ct * q2),
        g_bb=inv_major * (ct * p2 - st * q2),
    )


@dataclass(frozen=True, eq=False)
class Variations:
    """Total variation of a cos t + b sin t on intervals and its derivatives ∂/∂a, ∂/∂b (or None)."""

    variation: np.ndarray
    d_a: np.ndarray | None = None
    d_b: np.ndarray | None = None


def _cumulative_abs_sin(s: np.ndarray) -> np.ndarray:
    """V(s) = ∫₀^s |sin σ| dσ = 2k + 1 − cos(s − kπ), k = ⌊s/π⌋."""
    k = np.floor(s * (1.0 / np.pi))
    v = np.cos(s - k * np.pi)
    np.subtract(2.0 * k + 1.0, v, out=v)
    return v


def sinusoid_variations(
    a: np.ndarray, b: np.ndarray, t0: np.ndarray, t1: np.ndarray, gradient: bool = False
) -> Variations:
    """∫_{t0}^{t1} |d/dt (a cos t + b sin t)| dt, exactly (t0 ≤ t1), and optionally its derivatives.

    a cos t + b sin t = R cos(t − φ); with s = t − φ the variation is R·[V(s₁) − V(s₀)]. Where R = 0 the
    variation is not differentiable; the derivatives returned there are 0, the central difference.
    """
    amp = np.hypot(a, b)
    phase = np.arctan2(b, a)
    s = np.empty((2, *phase.shape))
    np.subtract(t0, phase, out=s[0])
    np.subtract(t1, phase, out=s[1])
    v = _cumulative_abs_sin(s)
    dv = v[1] - v[0]
    variation = amp * dv
    if not gradient:
        return Variations(variation)
    ca = np.where(amp > 0.0, a / np.maximum(amp, _TINY), 0.0)
    sa = np.where(amp > 0.0, b / np.maximum(amp, _TINY), 0.0)
    abs_sin = np.abs(np.sin(s))
    dsin = abs_sin[1] - abs_sin[0]
    return Variations(variation, d_a=ca * dv + sa * dsin, d_b=sa * dv - ca * dsin)
