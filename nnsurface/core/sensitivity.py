"""How much each weight and bias moves the trajectory: derivatives of output_length and of every
layer length with respect to every parameter, analytic.

Piecewise-linear networks (relu, hardtanh, linear). On each piece every layer is A cos t + B sin t + C
with A, B, C affine in each layer's parameters (the piece fixes every unit's slope), and the length of
a piece is a closed-form function of A and B (arclength.py gives its derivatives ∂L/∂A, ∂L/∂B, and
those of the output's total variation). Pieces end where a unit z crosses a knot; those breakpoints move
with the parameters, dt/dθ = −(∂z/∂θ)/(∂z/∂t), which adds the Leibniz term (g_left − g_right)·dt/dθ
with g the speed on either side. Every one of these terms is a cotangent on some piece's coefficient
rows, so a single batched reverse pass through the per-piece affine maps, for all targets (each
layer length and the output length) at once, gives the whole gradient.

Smooth networks (tanh). The output length is Σ |f(cⱼ₊₁) − f(cⱼ)| over the critical points cⱼ of f
along the loop; they are stationary, so its derivative is Σ ±∂f(cⱼ)/∂θ: a reverse pass at the cⱼ.
Each layer length ∫ |h′(t)| dt is differentiated under the integral on the quadrature's own nodes:
forward values and t-derivatives, then reverse through both (forward-over-reverse, with φ″).

Not differentiable where a piece is born or dies (a unit becoming tangent to a knot) or where two
units cross at the same point; there the derivative given is that of the current pieces.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnsurface.core import activations
from nnsurface.core.arclength import ellipse_arcs, sinusoid_variations
from nnsurface.core.network import Network
from nnsurface.core.pieces import Pieces, decompose
from nnsurface.core.quadrature import GK_WEIGHTS, critical_points, jet, length_panels, panel_nodes, row_norms
from nnsurface.core.trajectory import Trajectory


@dataclass(frozen=True, eq=False)
class Sensitivity:
    """d_output_length: (n_params,); d_layer_lengths: (n_hidden, n_params), in the order of
    Network.parameters() (each layer's weights row-major, then its biases)."""

    d_output_length: np.ndarray
    d_layer_lengths: np.ndarray
    shapes: tuple[tuple[tuple[int, int], int], ...]

    def split_by_layer(self, grad: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """A parameter vector as (dW shaped like weights[i], db shaped like biases[i]) per layer."""
        out, k = [], 0
        for (rows, cols), n_bias in self.shapes:
            dw = grad[k : k + rows * cols].reshape(rows, cols)
            k += rows * cols
            out.append((dw, grad[k : k + n_bias]))
            k += n_bias
        return out

    def layer_summary(self, grad: np.ndarray) -> np.ndarray:
        """Mean |∂L/∂w| over each layer's weights (biases left out), shape (n_layers,)."""
        return np.array([np.abs(dw).mean() for dw, _ in self.split_by_layer(grad)])


def sensitivity(network: Network, trajectory: Trajectory) -> Sensitivity:
    """Derivatives of output_length and of every layer length with respect to every parameter."""
    if activations.is_piecewise_linear(network.activation) or network.activation == "linear":
        grads = _piecewise_gradients(network, decompose(network, trajectory))
    else:
        grads = _smooth_gradients(network, trajectory)
    shapes = tuple((w.shape, b.size) for w, b in zip(network.weights, network.biases, strict=True))
    return Sensitivity(d_output_length=grads[-1], d_layer_lengths=grads[:-1], shapes=shapes)


def _flatten(dw: list[np.ndarray], db: list[np.ndarray]) -> np.ndarray:
    """Per-layer (targets, rows, cols) and (targets, cols) into (targets, n_params)."""
    n_targets = dw[0].shape[0]
    parts = []
    for w, b in zip(dw, db, strict=True):
        parts.append(w.reshape(n_targets, -1))
        parts.append(b)
    return np.concatenate(parts, axis=1)


# --- piecewise-linear networks -----------------------------------------------------------------------


def _piecewise_gradients(network: Network, pieces: Pieces) -> np.ndarray:
    """(n_hidden + 1, n_params): rows are the layer lengths' gradients, then the output length's."""
    k = pieces.n_pieces
    bounds = pieces.bounds
    n_hidden = len(bounds) - 1
    n_targets = n_hidden + 1
    widths = network.widths
    slopes, _ = activations.piece_affine(network.activation)
    slope = slopes[pieces.patterns]  # (K, Σw)
    post, out = pieces.post, pieces.output
    starts, ends = pieces.starts, pieces.ends

    # Integral terms: cotangents of each layer's rows A, B on each piece, for that layer's target.
    seed_post = np.zeros((n_targets, k, 3, bounds[-1]))
    if n_hidden:
        a, b = post[:, 0], post[:, 1]
        gram = np.stack([np.add.reduceat(x, bounds[:-1], axis=1) for x in (a * a, b * b, a * b)], axis=1)
        arcs = ellipse_arcs(gram, starts, ends, gradient=True)
        g = [np.repeat(x, widths, axis=1) for x in (arcs.g_aa, arcs.g_ab, arcs.g_ba, arcs.g_bb)]
        owner = np.repeat(np.arange(n_hidden), widths)  # the target (= layer) of each column
        target_of = owner[None, None, :] == np.arange(n_hidden)[:, None, None]
        seed_post[:n_hidden, :, 0] = np.where(target_of, g[0] * a + g[1] * b, 0.0)
        seed_post[:n_hidden, :, 1] = np.where(target_of, g[2] * a + g[3] * b, 0.0)
    var = sinusoid_variations(out[:, 0], out[:, 1], starts, ends, gradient=True)
    seed_out = np.zeros((n_targets, k, 3))
    seed_out[-1, :, 0] = var.d_a
    seed_out[-1, :, 1] = var.d_b

    seed_pre = _boundary_seeds(pieces, n_targets) if pieces.closed else None

    # One reverse pass through every piece's affine maps, for all targets at once. A layer's weight
    # gradient is Σ over pieces and rows of (its input rows)ᵀ·(cotangent of its pre-activation rows);
    # the first layer's input rows, the trajectory's, are the same on every piece.
    def weight_grad(i: int, bar: np.ndarray) -> np.ndarray:
        if i == 0:
            return np.einsum("ri,trj->tij", pieces.inputs, bar.sum(axis=1))
        return np.einsum("kri,tkrj->tij", post[:, :, bounds[i - 1] : bounds[i]], bar)

    dw, db = [], []
    dw.append(weight_grad(n_hidden, seed_out[..., None]))
    db.append(seed_out[:, :, 2].sum(axis=1)[:, None])
    bar_post = seed_out[..., None] * network.weights[-1][:, 0]  # (T, K, 3, width)
    for i in range(n_hidden - 1, -1, -1):
        cols = slice(bounds[i], bounds[i + 1])
        bar_post += seed_post[:, :, :, cols]
        bar_pre = bar_post * slope[None, :, None, cols]
        if seed_pre is not None:
            bar_pre += seed_pre[:, :, :, cols]
        dw.append(weight_grad(i, bar_pre))
        db.append(bar_pre[:, :, 2].sum(axis=1))
        bar_post = bar_pre @ network.weights[i].T
    return _flatten(dw[::-1], db[::-1])


def _boundary_seeds(pieces: Pieces, n_targets: int) -> np.ndarray:
    """Cotangents on pre-activation rows from the moving breakpoints (Leibniz terms), (T, K, 3, Σw).

    Breakpoint k starts piece k; piece k − 1 (cyclically) ends there. The unit that crosses is the
    first whose pattern differs between the two (the others, if any, cross at the same point).
    """
    k = pieces.n_pieces
    bounds = pieces.bounds
    t = pieces.starts
    sin_t, cos_t = np.sin(t), np.cos(t)
    left = np.arange(-1, k - 1)

    # Velocities at t_k on the piece before (rows 0..K−1) and after (rows K..2K−1) each breakpoint.
    post = np.concatenate([pieces.post.take(left, axis=0), pieces.post])
    out = np.concatenate([pieces.output.take(left, axis=0), pieces.output])
    cos2, sin2 = np.tile(cos_t, 2), np.tile(sin_t, 2)
    vel = post[:, 1] * cos2[:, None] - post[:, 0] * sin2[:, None]
    speed = np.empty((2 * k, n_targets))
    if n_targets > 1:
        np.sqrt(np.add.reduceat(vel * vel, bounds[:-1], axis=1), out=speed[:, :-1])
    np.abs(out[:, 1] * cos2 - out[:, 0] * sin2, out=speed[:, -1])
    jump = speed[:k] - speed[k:]  # (K, T): speed just before minus just after each breakpoint
    changed = pieces.patterns != pieces.patterns[left]
    unit = np.argmax(changed, axis=1)
    crossing = pieces.pre[np.arange(k), :, unit]  # (K, 3): rows of the crossing unit's z on piece k
    dz_dt = crossing[:, 1] * cos_t - crossing[:, 0] * sin_t
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(dz_dt[:, None] != 0.0, -jump / dz_dt[:, None], 0.0)  # (K, T): jump · dt/dz
    trig = np.empty((k, 3))  # ∂z(t_k)/∂(A, B, C)
    trig[:, 0], trig[:, 1], trig[:, 2] = cos_t, sin_t, 1.0
    onehot = np.zeros((k, bounds[-1]))
    onehot[np.arange(k), unit] = 1.0
    return scale.T[:, :, None, None] * trig[None, :, :, None] * onehot[None, :, None, :]


# --- smooth networks ------------------------------------------------------------------------------------


def _smooth_gradients(network: Network, trajectory: Trajectory) -> np.ndarray:
    n_hidden = network.n_hidden
    act = network.activation
    # Layer lengths: quadrature nodes and weights of the converged panels.
    panels = length_panels(network, trajectory)
    nodes = panel_nodes(panels)
    weights = (0.5 * (panels.hi - panels.lo)[:, None] * GK_WEIGHTS).ravel()
    j = jet(network, trajectory, nodes)
    n = nodes.size
    n_targets = n_hidden + 1
    # Cotangents of each layer's h′ (its unit tangent, weighted) for that layer's target.
    seeds_dh = []
    for i, dh in enumerate(j.dpost):
        norm = row_norms(dh)
        tangent = np.where(norm[:, None] > 0, dh / np.where(norm > 0, norm, 1.0)[:, None], 0.0)
        seed = np.zeros((n_targets, n, dh.shape[1]))
        seed[i] = weights[:, None] * tangent
        seeds_dh.append(seed)
    dw_len, db_len = _reverse_jet(network, act, j, seeds_dh)
    # Output length: ±∂f/∂θ at the critical points.
    crit = critical_points(network, trajectory, panels)
    if crit.size >= 2:
        jc = jet(network, trajectory, crit)
        rise = np.sign(np.diff(np.append(jc.f, jc.f[0])))  # sign of f(c_{j+1}) − f(c_j)
        coeff = np.roll(rise, 1) - rise
        dw_out, db_out = _reverse_values(network, act, jc, coeff)
    else:
        dw_out = [np.zeros(w.shape) for w in network.weights]
        db_out = [np.zeros(b.shape) for b in network.biases]
    grads = _flatten(dw_len, db_len)
    grads[-1] = _flatten([w[None] for w in dw_out], [b[None] for b in db_out])[0]
    return grads


def _reverse_jet(network: Network, act: str, j, seeds_dh: list[np.ndarray]):
    """Reverse pass through values and t-derivatives of the hidden layers, batched over targets.

    seeds_dh[i]: (T, n, width) cotangents of layer i's h′. Returns per-layer dW (T, rows, cols) and
    db (T, cols); the output layer gets zeros (layer lengths do not depend on it).
    """
    n_targets = seeds_dh[0].shape[0] if seeds_dh else 1
    dw = [np.zeros((n_targets, *network.weights[-1].shape))]
    db = [np.zeros((n_targets, network.biases[-1].size))]
    bar_h = np.zeros((n_targets, *j.post[-1].shape)) if j.post else None
    bar_dh = np.zeros_like(bar_h) if j.post else None
    inputs = [j.x, *j.post[:-1]]
    d_inputs = [j.dx, *j.dpost[:-1]]
    for i in range(network.n_hidden - 1, -1, -1):
        z, dz = j.pre[i], j.dpre[i]
        slope = activations.derivative(act, z)
        curv = activations.second_derivative(act, z)
        bar_dh = bar_dh + seeds_dh[i]
        bar_dz = slope * bar_dh
        bar_z = slope * bar_h + curv * dz * bar_dh
        dw.append(np.einsum("ni,tnj->tij", inputs[i], bar_z) + np.einsum("ni,tnj->tij", d_inputs[i], bar_dz))
        db.append(bar_z.sum(axis=1))
        w_t = network.weights[i].T
        bar_h, bar_dh = bar_z @ w_t, bar_dz @ w_t
    return dw[::-1], db[::-1]


def _reverse_values(network: Network, act: str, j, coeff: np.ndarray):
    """Gradient of Σᵢ coeff[i]·f(x(tᵢ)) with respect to every parameter (plain backpropagation)."""
    inputs = [j.x, *j.post]
    dw = [np.outer(inputs[-1].T @ coeff, [1.0])]
    db = [np.array([coeff.sum()])]
    bar_h = coeff[:, None] * network.weights[-1][:, 0]
    for i in range(network.n_hidden - 1, -1, -1):
        bar_z = activations.derivative(act, j.pre[i]) * bar_h
        dw.append(inputs[i].T @ bar_z)
        db.append(bar_z.sum(axis=0))
        bar_h = bar_z @ network.weights[i].T
    return dw[::-1], db[::-1]
