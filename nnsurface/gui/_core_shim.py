"""TEMPORARY SHIM — delete once nnsurface.core.{grid,measures,sensitivity,session_file} land.

Approximate stand-ins with the contract names of COMMON.md so the GUI can be built and looked at
before the exact core exists. Nothing here is exact; nothing here may survive into a release.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from nnsurface.core.network import Network
from nnsurface.core.session import Session, ViewSettings
from nnsurface.core.trajectory import Trajectory


@dataclass(frozen=True, eq=False)
class GridResult:
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    labels: np.ndarray
    patterns: np.ndarray
    n_regions: int


def evaluate_grid(network: Network, extent: float, resolution: int) -> GridResult:
    ax = np.linspace(-extent, extent, resolution)
    xx, yy = np.meshgrid(ax, ax, indexing="ij")
    pts = np.column_stack([xx.ravel(), yy.ravel()])
    z = network(pts).reshape(resolution, resolution)
    pats = network.patterns(pts)
    uniq, first, inv = np.unique(pats, axis=0, return_index=True, return_inverse=True)
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    labels = rank[inv.ravel()].reshape(resolution, resolution).astype(np.int32)
    return GridResult(
        ax.astype(np.float32),
        ax.astype(np.float32),
        z.astype(np.float32),
        labels,
        uniq[order].astype(np.int8),
        int(uniq.shape[0]),
    )


def surface_normals(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    dzdx = np.gradient(z.astype(np.float64), x.astype(np.float64), axis=0)
    dzdy = np.gradient(z.astype(np.float64), y.astype(np.float64), axis=1)
    n = np.stack([-dzdx, -dzdy, np.ones_like(dzdx)], axis=-1)
    n /= np.linalg.norm(n, axis=-1, keepdims=True)
    return n.astype(np.float32)


@dataclass(frozen=True, eq=False)
class Measures:
    input_length: float
    surface_length: float | None
    output_length: float
    layer_lengths: tuple[float, ...]
    transitions: int | None
    regions_visited: int | None
    layer_transitions: tuple[int, ...] | None
    breakpoints: np.ndarray
    piece_patterns: np.ndarray


_N = 4000


def measure(network: Network, trajectory: Trajectory) -> Measures:
    t = np.linspace(0, 2 * np.pi, _N + 1)
    x = trajectory.points(t)
    fp = network.forward_all(x)

    def length(a):
        return float(np.linalg.norm(np.diff(np.atleast_2d(a.T).T, axis=0), axis=1).sum())

    pats = network.patterns(x[:-1])
    pl = network.activation in ("relu", "hardtanh")
    change = np.any(pats != np.roll(pats, 1, axis=0), axis=1)
    bps = t[:-1][change] if pl else np.zeros(0)
    return Measures(
        length(x),
        length(np.column_stack([x, fp.output])),
        length(fp.output),
        tuple(length(h) for h in fp.post),
        int(change.sum()) if pl else None,
        int(np.unique(pats, axis=0).shape[0]) if pl else None,
        None,
        bps,
        pats[change] if pl else np.zeros((0, pats.shape[1]), np.int8),
    )


@dataclass(frozen=True, eq=False)
class Sensitivity:
    d_output_length: np.ndarray
    d_layer_lengths: np.ndarray
    shapes: tuple

    def split_by_layer(self, grad: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        out, k = [], 0
        for ws, bs in self.shapes:
            w = grad[k : k + int(np.prod(ws))].reshape(ws)
            k += w.size
            b = grad[k : k + bs[0]]
            k += b.size
            out.append((w, b))
        return out

    def layer_summary(self, grad: np.ndarray) -> np.ndarray:
        return np.array([np.abs(w).mean() for w, _ in self.split_by_layer(grad)])


def sensitivity(network: Network, trajectory: Trajectory) -> Sensitivity:
    theta = network.parameters()
    base = measure(network, trajectory).output_length
    g = np.zeros_like(theta)
    for i in range(theta.size):
        th = theta.copy()
        th[i] += 1e-4
        g[i] = (measure(network.with_parameters(th), trajectory).output_length - base) / 1e-4
    shapes = tuple((w.shape, b.shape) for w, b in zip(network.weights, network.biases, strict=True))
    return Sensitivity(g, np.zeros((network.n_hidden, theta.size)), shapes)


def load_session(path: str) -> Session:
    d = json.loads(open(path, encoding="utf-8").read())
    n = d["network"]
    net = Network(
        [lay["weights"] for lay in n["layers"]],
        [lay.get("bias") for lay in n["layers"]] if all("bias" in lay for lay in n["layers"]) else None,
        n.get("activation", "relu"),
    )
    tr = d.get("trajectory", {})
    vw = d.get("view", {})
    return Session(
        net,
        Trajectory.circle(tr.get("center", (0, 0)), tr.get("radius", 4.0)),
        ViewSettings(vw.get("extent", 5.0), vw.get("resolution", 50)),
    )
