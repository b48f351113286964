"""Measures of smooth (tanh) networks: located critical points and adaptive Gauss–Kronrod quadrature.

No closed form exists once tanh bends the layers, so:
- every hidden layer's length and the surface length are ∫ speed dt by vectorised adaptive
  Gauss–Kronrod (7/15) bisection until the estimated error is below 1e-12 of each length, the panels
  cut first at every minimum of a speed (where a curve that turns back has a kink).
- output_length, the total variation of f around the loop, is Σ |f(cⱼ₊₁) − f(cⱼ)| over the critical
  points cⱼ of f(x(t)), bracketed between the quadrature's nodes (f′² is integrated alongside, so the
  panels resolve f′) and refined by safeguarded Newton steps: exact up to rounding, no kink to
  integrate across.
- input_length is the ellipse's closed form (arclength.py).
Derivatives along the loop are propagated forward with the values (a jet): h, h′ and, for f, f″.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnsurface.core import activations
from nnsurface.core.arclength import TWO_PI, ellipse_arcs
from nnsurface.core.network import Network
from nnsurface.core.trajectory import Trajectory

RELATIVE_TOLERANCE = 1e-12
_UNDERFLOW = 1e-290  # integrals below this are zero for every purpose here
INITIAL_PANELS = 32
MAX_ROUNDS = 200
MAX_PANELS = 200_000
STALLED_ROUNDS = 8  # rounds without a 10% drop of the error estimate before refinement gives up
# Samples of every speed when looking for its minima (where a curve may turn back).
SPEED_SAMPLES = 2048

# Gauss–Kronrod 7/15 nodes on [−1, 1] (QUADPACK qk15): Kronrod nodes, their weights, Gauss weights.
_XK = np.array(
    [
        0.991455371120812639206854697526329,
        0.949107912342758524526189684047851,
        0.864864423359769072789712788640926,
        0.741531185599394439863864773280788,
        0.586087235467691130294144845693013,
        0.405845151377397166906606412076961,
        0.207784955007898467600689403773245,
        0.000000000000000000000000000000000,
    ]
)
_WK = np.array(
    [
        0.022935322010529224963732008058970,
        0.063092092629978553290700663189204,
        0.104790010322250183839876322541518,
        0.140653259715525918745189590510238,
        0.169004726639267902826583426598550,
        0.190350578064785409913256402421014,
        0.204432940075298892414161999234649,
        0.209482141084727828012999174891714,
    ]
)
_WG = np.array(
    [
        0.129484966168869693270611432679082,
        0.279705391489276667901467771423780,
        0.381830050505118944950369775488975,
        0.417959183673469387755102040816327,
    ]
)
GK_NODES = np.concatenate([-_XK[:-1], _XK[::-1]])  # 15 nodes, ascending
GK_WEIGHTS = np.concatenate([_WK[:-1], _WK[::-1]])
# Gauss 7-point weights on the same 15 nodes (zero at the Kronrod-only nodes).
G7_WEIGHTS = np.zeros(15)
G7_WEIGHTS[[1, 3, 5, 7, 9, 11, 13]] = np.concatenate([_WG[:-1], _WG[::-1]])


@dataclass(frozen=True, eq=False)
class Jet:
    """Values and t-derivatives along the loop at points t: the input x, x′ (n, m); per hidden layer
    the pre-activation z, z′ and the value h, h′ (n, width); the output f, f′ (n,). Second derivatives
    x″, h″, f″ only when asked for (else None)."""

    x: np.ndarray
    dx: np.ndarray
    pre: tuple[np.ndarray, ...]
    dpre: tuple[np.ndarray, ...]
    post: tuple[np.ndarray, ...]
    dpost: tuple[np.ndarray, ...]
    f: np.ndarray
    df: np.ndarray
    d2x: np.ndarray | None = None
    d2post: tuple[np.ndarray, ...] | None = None
    d2f: np.ndarray | None = None


def jet(network: Network, trajectory: Trajectory, t: np.ndarray, second: bool = False) -> Jet:
    """Forward pass carrying d/dt (and d²/dt² when `second`) along x(t) = c + u cos t + v sin t."""
    t = np.asarray(t, dtype=np.float64)
    ct, st = np.cos(t)[:, None], np.sin(t)[:, None]
    u, v = trajectory.u, trajectory.v
    h = trajectory.center + u * ct + v * st
    x = h
    dh = v * ct - u * st
    dx = dh
    d2h = trajectory.center - h if second else None
    d2x = d2h
    act = network.activation
    pre, dpre, post, dpost, d2post = [], [], [], [], []
    for w, b in zip(network.weights[:-1], network.biases[:-1], strict=True):
        z = h @ w + b
        dz = dh @ w
        slope = activations.derivative(act, z)
        h = activations.apply(act, z)
        if second:
            d2h = activations.second_derivative(act, z) * dz * dz + slope * (d2h @ w)
            d2post.append(d2h)
        dh = slope * dz
        pre.append(z)
        dpre.append(dz)
        post.append(h)
        dpost.append(dh)
    w_out = network.weights[-1][:, 0]
    f = h @ w_out + network.biases[-1][0]
    df = dh @ w_out
    if not second:
        return Jet(x, dx, tuple(pre), tuple(dpre), tuple(post), tuple(dpost), f, df)
    return Jet(
        x, dx, tuple(pre), tuple(dpre), tuple(post), tuple(dpost), f, df, d2x, tuple(d2post), d2h @ w_out
    )


# --- critical points and the output's total variation -------------------------------------------


def critical_points(network: Network, trajectory: Trajectory, panels: Panels) -> np.ndarray:
    """Sorted t in [0, 2π) where d f(x(t))/dt changes sign.

    Searched between the nodes of the converged length quadrature, whose panels resolve f′ (its
    square is one of the integrands), so that no pair of close critical points hides between samples.
    """
    t = np.sort(np.concatenate([panels.lo, panel_nodes(panels)]))
    j = jet(network, trajectory, t, second=True)
    d1, d2 = j.df, j.d2f
    if not np.any(d1):
        return np.empty(0)
    lo = t
    hi = np.append(t[1:], t[0] + TWO_PI)
    d1_next = np.roll(d1, -1)
    d2_next = np.roll(d2, -1)
    # Intervals where f′ changes sign bracket one critical point each (an odd number, generically one).
    sign_change = np.signbit(d1) != np.signbit(d1_next)
    brackets = [(lo[sign_change], hi[sign_change], d1[sign_change])]
    # Where f″ changes sign but f′ does not, f′ has an extremum inside that may cross zero twice.
    # Its value is estimated from the cubic Hermite interpolant of f′; only extrema that come near
    # zero (or past it) are located exactly.
    dip = ~sign_change & (np.signbit(d2) != np.signbit(d2_next))
    if dip.any():
        step = (hi - lo)[dip]
        near = _hermite_extremum(d1[dip], d1_next[dip], d2[dip] * step, d2_next[dip] * step)
        suspect = np.flatnonzero(dip)[near < 0.5 * np.minimum(np.abs(d1[dip]), np.abs(d1_next[dip]))]
        if suspect.size:
            t_ext = _newton_bisect(
                lambda s: _second_and_third(network, trajectory, s), lo[suspect], hi[suspect], d2[suspect]
            )
            d1_ext = jet(network, trajectory, t_ext).df
            crosses = np.signbit(d1_ext) != np.signbit(d1[suspect])
            if crosses.any():
                s_idx = suspect[crosses]
                brackets.append((lo[s_idx], t_ext[crosses], d1[s_idx]))
                brackets.append((t_ext[crosses], hi[s_idx], d1_ext[crosses]))
    lo_all = np.concatenate([b[0] for b in brackets])
    hi_all = np.concatenate([b[1] for b in brackets])
    d_lo = np.concatenate([b[2] for b in brackets])
    if lo_all.size == 0:
        return np.empty(0)
    roots = _newton_bisect(lambda s: _first_and_second(network, trajectory, s), lo_all, hi_all, d_lo)
    return np.sort(np.mod(roots, TWO_PI))


def _hermite_extremum(p0, p1, m0, m1):
    """Least value, taken with the sign of p0, of the cubic with values p0, p1 and slopes m0, m1 at
    its extrema in [0, 1]: negative when the cubic crosses zero and comes back."""
    # p(s) = p0 + m0 s + (3(p1−p0) − 2m0 − m1) s² + (2(p0−p1) + m0 + m1) s³; p′(s) = 0 is a quadratic.
    c2 = 3 * (p1 - p0) - 2 * m0 - m1
    c3 = 2 * (p0 - p1) + m0 + m1
    a, b, c = 3 * c3, 2 * c2, m0
    disc = np.sqrt(np.maximum(b * b - 4 * a * c, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        roots = np.stack([(-b + disc) / (2 * a), (-b - disc) / (2 * a), -c / b])
    roots = np.where((roots >= 0) & (roots <= 1), roots, 0.5)
    values = p0 + roots * (m0 + roots * (c2 + roots * c3))
    return np.min(values * np.sign(p0), axis=0)


def _first_and_second(network, trajectory, t):
    j = jet(network, trajectory, t, second=True)
    return j.df, j.d2f


def _second_and_third(network, trajectory, t, h=1e-6):
    """f″ and a central-difference f‴ (only steers Newton; bisection keeps the bracket honest)."""
    j = jet(network, trajectory, np.concatenate([t, t - h, t + h]), second=True)
    n = t.size
    return j.d2f[:n], (j.d2f[2 * n :] - j.d2f[n : 2 * n]) / (2 * h)


def _newton_bisect(fun, lo, hi, g_lo, max_iter=100):
    """Zeros of g in brackets [lo, hi] where g changes sign (g(lo) = g_lo), to rounding.

    fun(t) -> (g, g′). Newton steps that would leave the bracket are replaced by bisection; a zero
    is final once its Newton correction or its bracket is at the rounding level of t.
    """
    lo, hi = lo.copy(), hi.copy()
    neg_lo = np.signbit(g_lo)
    x = 0.5 * (lo + hi)
    final = np.zeros(x.shape, dtype=bool)
    for _ in range(max_iter):
        g, dg = fun(x)
        left = np.signbit(g) == neg_lo
        lo = np.where(left, x, lo)
        hi = np.where(left, hi, x)
        with np.errstate(divide="ignore", invalid="ignore"):
            delta = g / dg
        rounding = 4 * np.finfo(float).eps * (np.abs(x) + 1.0)
        final |= (np.abs(delta) <= rounding) | (g == 0) | (hi - lo <= rounding)
        step = x - delta
        new = np.where((step > lo) & (step < hi), step, 0.5 * (lo + hi))
        x = np.where(final, x, new)
        if final.all():
            break
    return x


def output_variation(network: Network, trajectory: Trajectory, crit: np.ndarray) -> float:
    """Σ |f(cⱼ₊₁) − f(cⱼ)| around the loop over the critical points c (sorted)."""
    if crit.size < 2:
        return 0.0
    f = network(trajectory.points(crit))
    return float(np.abs(np.diff(np.append(f, f[0]))).sum())


# --- adaptive Gauss–Kronrod ---------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Panels:
    """The final partition of the quadrature: panel ends (n,) and each panel's integrals (n, k)."""

    lo: np.ndarray
    hi: np.ndarray
    values: np.ndarray


def gauss_kronrod(integrand, lo: np.ndarray, hi: np.ndarray, rtol: float = RELATIVE_TOLERANCE) -> Panels:
    """Integrate a vector-valued integrand over the panels [lo, hi] adaptively.

    integrand(t) maps points (n,) to values (n, k). While the summed error estimates |K15 − G7| of
    any component exceed rtol of its integral, the panels holding the larger part of the excess are
    bisected, all at once. Refinement also ends when the estimate stops shrinking (the integrand's
    own rounding, e.g. of a saturated tanh net, is then the limit) or the panel budget is spent.
    """
    lo, hi = np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
    kron, err = _gauss_kronrod_panels(integrand, lo, hi)
    best, stalled = np.inf, 0
    for _ in range(MAX_ROUNDS):
        tol = rtol * np.abs(kron.sum(axis=0))
        with np.errstate(divide="ignore", invalid="ignore"):
            score = np.where(tol > 0, err / tol, np.where(err > _UNDERFLOW, np.inf, 0.0)).max(
                axis=1, initial=0.0
            )
        excess = float(score.sum())
        if excess <= 1.0 or lo.size >= MAX_PANELS:
            break
        stalled = stalled + 1 if excess > 0.9 * best else 0
        best = min(best, excess)
        if stalled >= STALLED_ROUNDS:
            break
        # The fewest panels, largest first, that hold half of the estimated error.
        order = np.argsort(score)[::-1]
        count = int(np.searchsorted(np.cumsum(score[order]), 0.5 * excess)) + 1
        split = order[:count]
        keep = np.ones(lo.size, dtype=bool)
        keep[split] = False
        mid = 0.5 * (lo[split] + hi[split])
        new_lo = np.concatenate([lo[split], mid])
        new_hi = np.concatenate([mid, hi[split]])
        new_kron, new_err = _gauss_kronrod_panels(integrand, new_lo, new_hi)
        lo, hi = np.concatenate([lo[keep], new_lo]), np.concatenate([hi[keep], new_hi])
        kron, err = np.concatenate([kron[keep], new_kron]), np.concatenate([err[keep], new_err])
    order = np.argsort(lo)
    return Panels(lo[order], hi[order], kron[order])


def _gauss_kronrod_panels(integrand, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """K15 integral and |K15 − G7| of every panel, (panels, k) each."""
    half = 0.5 * (hi - lo)
    nodes = (0.5 * (lo + hi))[:, None] + half[:, None] * GK_NODES
    vals = integrand(nodes.ravel()).reshape(*nodes.shape, -1)  # (panels, 15, k)
    kron = np.einsum("pnk,n->pk", vals, GK_WEIGHTS) * half[:, None]
    gauss = np.einsum("pnk,n->pk", vals, G7_WEIGHTS) * half[:, None]
    return kron, np.abs(gauss - kron)


def row_norms(v: np.ndarray) -> np.ndarray:
    """Euclidean norm of each row, scaled first: a saturated tanh layer moves at speeds like 1e-170,
    whose squares would underflow and make the integrand ragged."""
    scale = np.max(np.abs(v), axis=1) if v.shape[1] else np.zeros(v.shape[0])
    unit = v / np.where(scale > 0, scale, 1.0)[:, None]
    return scale * np.sqrt(np.einsum("ij,ij->i", unit, unit))


def integrands(network: Network, trajectory: Trajectory, t: np.ndarray) -> np.ndarray:
    """Per point: the speed of every hidden layer, of the surface curve (x₁, x₂, f) if m = 2, and
    f′² (not a length: integrating it to the same tolerance makes the panels resolve f′)."""
    j = jet(network, trajectory, t)
    cols = [row_norms(dh) for dh in j.dpost]
    if trajectory.dim == 2:
        cols.append(row_norms(np.column_stack([j.dx, j.df])))
    cols.append(j.df * j.df)
    return np.column_stack(cols)


def _speed_slopes(j: Jet, surface: bool) -> np.ndarray:
    """d/dt of every measured speed² (halved): h′·h″ per hidden layer, then x′·x″ + f′f″ if `surface`."""
    cols = [np.einsum("ij,ij->i", dh, d2h) for dh, d2h in zip(j.dpost, j.d2post, strict=True)]
    if surface:
        cols.append(np.einsum("ij,ij->i", j.dx, j.d2x) + j.df * j.d2f)
    return np.column_stack(cols) if cols else np.zeros((j.f.size, 0))


def speed_minima(network: Network, trajectory: Trajectory) -> np.ndarray:
    """Every local minimum in t of the speed of each hidden layer and of the surface curve.

    Where a curve stops and turns back (a width-1 layer at its extremes, a 1-D or flat loop) its speed
    has a kink at such a minimum, which quadrature must not straddle: these become panel edges.
    Located from the sign change (− to +) of d(speed²)/dt between dense samples, by regula falsi.
    """
    surface = trajectory.dim == 2
    n = SPEED_SAMPLES
    t = np.arange(n) * (TWO_PI / n)
    slope = _speed_slopes(jet(network, trajectory, t, second=True), surface)
    rising = (slope < 0) & (np.roll(slope, -1, axis=0) >= 0)
    idx, comp = np.nonzero(rising)
    if idx.size == 0:
        return np.empty(0)
    rows = np.arange(idx.size)

    def slope_at(s: np.ndarray) -> np.ndarray:
        return _speed_slopes(jet(network, trajectory, s, second=True), surface)[rows, comp]

    after = (idx + 1) % n
    roots = _illinois(slope_at, t[idx], t[idx] + TWO_PI / n, slope[idx, comp], slope[after, comp])
    return np.unique(np.mod(roots, TWO_PI))


def _illinois(fun, lo, hi, g_lo, g_hi, width=1e-10, max_iter=100):
    """Zeros of g in brackets [lo, hi] with g(lo) < 0 ≤ g(hi), by the Illinois variant of regula falsi
    (superlinear, and the bracket always holds the zero), until each bracket is narrower than `width`
    or the estimates stop moving. A panel edge off a kink by δ costs O(δ²): 1e-10 is plenty."""
    lo, hi, g_lo, g_hi = lo.copy(), hi.copy(), g_lo.copy(), g_hi.copy()
    side = np.zeros(lo.shape, dtype=np.int8)  # which end was kept last: −1 lo, +1 hi
    x = lo
    for _ in range(max_iter):
        previous = x
        with np.errstate(divide="ignore", invalid="ignore"):
            x = hi - g_hi * (hi - lo) / (g_hi - g_lo)
        x = np.where((x > lo) & (x < hi), x, 0.5 * (lo + hi))
        rounding = 4 * np.finfo(float).eps * (np.abs(x) + 1.0)
        if np.all((np.abs(x - previous) <= rounding) | (hi - lo <= width)):
            return x
        g = fun(x)
        below = g < 0
        # Keep the end on the other side of the zero; halve a kept end's value if it is kept twice.
        g_hi = np.where(below & (side == 1), 0.5 * g_hi, g_hi)
        g_lo = np.where(~below & (side == -1), 0.5 * g_lo, g_lo)
        lo, g_lo = np.where(below, x, lo), np.where(below, g, g_lo)
        hi, g_hi = np.where(below, hi, x), np.where(below, g_hi, g)
        side = np.where(below, 1, -1).astype(np.int8)
    return x


def length_panels(network: Network, trajectory: Trajectory) -> Panels:
    """The converged quadrature of `integrands` around the loop, its panels cut at every speed
    minimum."""
    edges = np.union1d(np.linspace(0.0, TWO_PI, INITIAL_PANELS + 1), speed_minima(network, trajectory))
    edges = edges[np.append(np.diff(edges) > 1e-12, True)]
    edges[-1] = TWO_PI
    return gauss_kronrod(lambda t: integrands(network, trajectory, t), edges[:-1], edges[1:])


def panel_nodes(panels: Panels) -> np.ndarray:
    """The Gauss–Kronrod nodes of every panel, flattened panel by panel."""
    half = 0.5 * (panels.hi - panels.lo)
    return ((0.5 * (panels.lo + panels.hi))[:, None] + half[:, None] * GK_NODES).ravel()


def input_length(trajectory: Trajectory) -> float:
    """The trajectory's own length, in closed form (2πr for a circle)."""
    u, v = trajectory.u, trajectory.v
    gram = np.array([[[u @ u], [v @ v], [u @ v]]])
    return float(ellipse_arcs(gram, np.zeros(1), np.full(1, TWO_PI)).length[0, 0])
