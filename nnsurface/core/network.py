"""The network: an immutable value holding weights, biases and the hidden activation.

Row-vector convention (DESIGN.md): h₀ = x, hₗ = φ(hₗ₋₁ Wₗ + bₗ) for hidden layers, f = h_{L−1} W_L + b_L.
Layer ℓ's weight matrix has shape (inputs × outputs). A Network is never mutated: an edit makes a new
one (`with_weight`, `with_bias`), so a computed result can always say exactly which network it is of.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nnsurface.core import activations

DEFAULT_WIDTHS: tuple[int, ...] = (4, 4)
DEFAULT_ORIGINAL_SIGMA2 = 2.0  # the original tool draws hidden weights N(0, 2)


def _frozen(a: np.ndarray | Sequence, ndim: int, what: str) -> np.ndarray:
    arr = np.array(a, dtype=np.float64)
    if arr.ndim != ndim:
        raise ValueError(f"{what}: expected a {ndim}-D array, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what}: NaN or infinite value")
    arr.setflags(write=False)
    return arr


def _finite(value: float, what: str, *where: object) -> float:
    """value as a float, or ValueError naming `what` (formatted with `where`: only then, since
    every arrow-key step of an edit checks its value)."""
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{what.format(*where)}: NaN or infinite value")
    return value


def same_numbers(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal shapes and numbers (== on each: −0.0 equals 0.0): what Network.equals and Session.equals
    (for the trajectory) compare arrays by. A small matrix, as a weight edit compares, is compared as
    nested lists: numpy's two calls cost several times more at that size."""
    if a is b:
        return True
    if a.shape != b.shape:
        return False
    if a.size <= _SMALL:
        return a.tolist() == b.tolist()
    return bool((a == b).all())


_SMALL = 256


HiddenLayers = tuple[tuple[np.ndarray, np.ndarray], ...]


def hidden_layers(network: Network) -> HiddenLayers:
    """The (weights, bias) arrays of every hidden layer."""
    return tuple(zip(network.weights[:-1], network.biases[:-1], strict=True))


def shared_layers(kept: HiddenLayers, layers: HiddenLayers) -> int:
    """How many leading hidden layers of two networks are the same arrays. An edit copies only the
    edited layer's arrays (Network.with_weight/with_bias share the others), and read-only arrays of
    the same identity hold the same numbers: what was computed from those layers still holds."""
    shared = 0
    for (w, b), (w2, b2) in zip(kept, layers, strict=False):
        if w is not w2 or b is not b2:
            break
        shared += 1
    return shared


@dataclass(frozen=True, eq=False)
class ForwardPass:
    """Every layer's values at a batch of points: pre[ℓ] and post[ℓ] for hidden layers ℓ = 1..L−1
    (index ℓ−1), and the output. Shapes (n, width) and (n,)."""

    pre: tuple[np.ndarray, ...]
    post: tuple[np.ndarray, ...]
    output: np.ndarray


@dataclass(frozen=True, eq=False)
class Network:
    """weights[i] has shape (fan_in, fan_out); biases[i] shape (fan_out,); the last layer has one output."""

    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    activation: str = "relu"

    def __init__(self, weights: Sequence, biases: Sequence | None = None, activation: str = "relu"):
        ws = tuple(_frozen(w, 2, f"layers[{i}].weights") for i, w in enumerate(weights))
        if not ws:
            raise ValueError("a network needs at least one layer")
        if biases is None:
            biases = [np.zeros(w.shape[1]) for w in ws]
        bs = tuple(_frozen(b, 1, f"layers[{i}].bias") for i, b in enumerate(biases))
        if len(bs) != len(ws):
            raise ValueError(f"expected {len(ws)} bias vectors, got {len(bs)}")
        for i, (w, b) in enumerate(zip(ws, bs, strict=True)):
            if i > 0 and w.shape[0] != ws[i - 1].shape[1]:
                raise ValueError(f"layers[{i}].weights: expected {ws[i - 1].shape[1]} rows, got {w.shape[0]}")
            if b.shape[0] != w.shape[1]:
                raise ValueError(f"layers[{i}].bias: expected {w.shape[1]} numbers, got {b.shape[0]}")
        if ws[-1].shape[1] != 1:
            raise ValueError(f"layers[{len(ws) - 1}].weights: the last layer must have 1 output")
        object.__setattr__(self, "weights", ws)
        object.__setattr__(self, "biases", bs)
        object.__setattr__(self, "activation", activations.check_activation(activation))

    # --- shape -----------------------------------------------------------------------------------
    @property
    def input_dim(self) -> int:
        return int(self.weights[0].shape[0])

    @property
    def widths(self) -> tuple[int, ...]:
        """Hidden layer widths."""
        return tuple(int(w.shape[1]) for w in self.weights[:-1])

    @property
    def n_hidden(self) -> int:
        return len(self.weights) - 1

    @property
    def n_parameters(self) -> int:
        return sum(w.size + b.size for w, b in zip(self.weights, self.biases, strict=True))

    # --- evaluation ------------------------------------------------------------------------------
    def forward_all(self, x: np.ndarray) -> ForwardPass:
        """Pre- and post-activations of every hidden layer and the output, for points x of shape (n, m)."""
        h = np.atleast_2d(np.asarray(x, dtype=np.float64))
        pre, post = [], []
        for w, b in zip(self.weights[:-1], self.biases[:-1], strict=True):
            z = h @ w + b
            h = activations.apply(self.activation, z)
            pre.append(z)
            post.append(h)
        out = (h @ self.weights[-1] + self.biases[-1])[:, 0]
        return ForwardPass(tuple(pre), tuple(post), out)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """f(x) for points of shape (n, m); returns shape (n,)."""
        return self.forward_all(x).output

    def values_at_columns(self, x: np.ndarray) -> np.ndarray:
        """f at the points that are the columns of x, shape (m, n); returns shape (n,).

        The same as self(x.T) to rounding (the products may sum in another order), for many points
        at once: with the points along the last axis every elementwise loop runs over all of them,
        where rows of a few units make numpy loop over rows (about twice as long at 1000 points).
        """
        h = np.asarray(x, dtype=np.float64)
        for w, b in zip(self.weights[:-1], self.biases[:-1], strict=True):
            z = w.T @ h
            z += b[:, None]
            h = activations.apply(self.activation, z)
        return (self.weights[-1].T @ h)[0] + self.biases[-1][0]

    def patterns(self, x: np.ndarray) -> np.ndarray:
        """Activation pattern per point: piece index of every hidden unit, shape (n, Σ widths), int8.

        For tanh/linear every unit is on its single piece, so all patterns are equal.
        """
        fp = self.forward_all(x)
        if not fp.pre:
            return np.zeros((len(fp.output), 0), dtype=np.int8)
        z = np.concatenate(fp.pre, axis=1)
        return activations.piece_index(self.activation, z)

    # --- edits (each returns a new network) ------------------------------------------------------
    def with_weight(self, layer: int, row: int, col: int, value: float) -> Network:
        """A copy with weights[layer][row, col] = value (layer counted from 0).

        Runs on every arrow-key step: only the edited matrix is copied and only the new value is
        checked, the other (read-only, already valid) arrays are shared with this network.
        """
        w = self.weights[layer].copy()
        w[row, col] = _finite(value, "layers[{}].weights[{}][{}]", layer, row, col)
        w.setflags(write=False)
        ws = self.weights[:layer] + (w,) + self.weights[layer + 1 :]
        return self._sharing(ws, self.biases)

    def with_bias(self, layer: int, col: int, value: float) -> Network:
        """A copy with biases[layer][col] = value; shares the other arrays, as with_weight does."""
        b = self.biases[layer].copy()
        b[col] = _finite(value, "layers[{}].bias[{}]", layer, col)
        b.setflags(write=False)
        return self._sharing(self.weights, self.biases[:layer] + (b,) + self.biases[layer + 1 :])

    def _sharing(self, weights: tuple[np.ndarray, ...], biases: tuple[np.ndarray, ...]) -> Network:
        """A network of these read-only, validated arrays of this network's shapes (not checked again)."""
        net = object.__new__(Network)
        object.__setattr__(net, "weights", weights)
        object.__setattr__(net, "biases", biases)
        object.__setattr__(net, "activation", self.activation)
        return net

    def with_activation(self, activation: str) -> Network:
        return Network(self.weights, self.biases, activation)

    def scaled_output(self, a: float) -> Network:
        """The network a·f (output weights and bias scaled)."""
        ws = list(self.weights)
        bs = list(self.biases)
        ws[-1] = ws[-1] * a
        bs[-1] = bs[-1] * a
        return Network(ws, bs, self.activation)

    def parameters(self) -> np.ndarray:
        """All weights then biases of each layer in order, flattened (the order sensitivities use)."""
        return np.concatenate(
            [np.concatenate([w.ravel(), b]) for w, b in zip(self.weights, self.biases, strict=True)]
        )

    def with_parameters(self, theta: np.ndarray) -> Network:
        """Inverse of `parameters()`."""
        theta = np.asarray(theta, dtype=np.float64)
        ws, bs, k = [], [], 0
        for w, b in zip(self.weights, self.biases, strict=True):
            ws.append(theta[k : k + w.size].reshape(w.shape))
            k += w.size
            bs.append(theta[k : k + b.size].copy())
            k += b.size
        if k != theta.size:
            raise ValueError(f"expected {k} parameters, got {theta.size}")
        return Network(ws, bs, self.activation)

    def resized(self, widths: Sequence[int], rng: np.random.Generator | None = None) -> Network:
        """A network with new hidden widths, keeping every weight whose (layer, row, col) still exists.

        New entries are drawn as the original tool does (hidden N(0, 2), output 1), so growing a layer
        adds units that do something visible.
        """
        rng = rng if rng is not None else np.random.default_rng()
        fresh = original_random(widths, seed=rng, input_dim=self.input_dim, activation=self.activation)
        ws = [w.copy() for w in fresh.weights]
        bs = [b.copy() for b in fresh.biases]
        old_hidden = len(self.weights) - 1
        new_hidden = len(ws) - 1
        pairs = [(i, i) for i in range(min(old_hidden, new_hidden))]
        pairs.append((old_hidden, new_hidden))  # output layers correspond to each other
        for old, new in pairs:
            r = min(ws[new].shape[0], self.weights[old].shape[0])
            c = min(ws[new].shape[1], self.weights[old].shape[1])
            ws[new][:r, :c] = self.weights[old][:r, :c]
            bs[new][:c] = self.biases[old][:c]
        return Network(ws, bs, self.activation)

    def equals(self, other: Network) -> bool:
        """Exact equality of activation and every number (arrays shared after an edit compare at once)."""
        if self is other:
            return True
        if self.activation != other.activation or len(self.weights) != len(other.weights):
            return False
        for mine, theirs in ((self.weights, other.weights), (self.biases, other.biases)):
            for a, b in zip(mine, theirs, strict=True):
                if not same_numbers(a, b):
                    return False
        return True


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def original_random(
    widths: Sequence[int] = DEFAULT_WIDTHS,
    seed: int | np.random.Generator | None = None,
    input_dim: int = 2,
    activation: str = "relu",
    sigma2: float = DEFAULT_ORIGINAL_SIGMA2,
) -> Network:
    """The original web tool's scheme: hidden weights N(0, σ²) (σ² = 2), output weights all 1, no bias."""
    rng = _rng(seed)
    dims = [input_dim, *widths]
    ws = [rng.normal(0.0, np.sqrt(sigma2), size=(dims[i], dims[i + 1])) for i in range(len(widths))]
    ws.append(np.ones((dims[-1], 1)))
    return Network(ws, None, activation)


def paper_random(
    widths: Sequence[int],
    sigma_w2: float,
    sigma_b2: float = 0.0,
    seed: int | np.random.Generator | None = None,
    input_dim: int = 2,
    activation: str = "hardtanh",
) -> Network:
    """Raghu et al.'s scheme: W ~ N(0, σ_w²/fan_in), b ~ N(0, σ_b²), for every layer incl. the output."""
    rng = _rng(seed)
    dims = [input_dim, *widths, 1]
    ws, bs = [], []
    for i in range(len(dims) - 1):
        ws.append(rng.normal(0.0, np.sqrt(sigma_w2 / dims[i]), size=(dims[i], dims[i + 1])))
        bs.append(
            rng.normal(0.0, np.sqrt(sigma_b2), size=dims[i + 1]) if sigma_b2 > 0 else np.zeros(dims[i + 1])
        )
    return Network(ws, bs, activation)


DEFAULT_SEED = 0


def default_network() -> Network:
    """The app's starting network: the original tool's 2-4-4-1 relu net, drawn with a fixed seed."""
    return original_random(DEFAULT_WIDTHS, seed=DEFAULT_SEED)
