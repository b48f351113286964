"""Benchmark the core computations; print one JSON object of median times.

Run from the repository root:  python benchmarks/bench_core.py [--untuned] [NAME ...]
Like the app, it first applies nnsurface.runtime_tuning (one BLAS thread, malloc thresholds), which
decides these timings on a busy 2-core machine; --untuned leaves the process as Python starts it.
Every benchmark is registered in BENCHMARKS under a name: a setup function that returns the call to
time, and a repeat count. Adding one is adding an entry. Times are medians in milliseconds, of wall
clock and of this process's CPU time (the latter moves less when other programs share the machine,
whose load average is printed too). The garbage collector is off while timing.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nnsurface import runtime_tuning  # noqa: E402

TUNED = "--untuned" not in sys.argv[1:]
if TUNED:
    runtime_tuning.apply()  # before numpy loads, as nnsurface.cli does

import numpy as np  # noqa: E402

from nnsurface.core.grid import evaluate_grid, surface_normals  # noqa: E402
from nnsurface.core.measures import measure  # noqa: E402
from nnsurface.core.network import default_network, original_random, paper_random  # noqa: E402
from nnsurface.core.partition import crease_segments, partition, region_mesh  # noqa: E402
from nnsurface.core.sensitivity import sensitivity  # noqa: E402
from nnsurface.core.trajectory import Trajectory  # noqa: E402

Setup = Callable[[], Callable[[], object]]
BENCHMARKS: dict[str, tuple[Setup, int]] = {}


def benchmark(name: str, repeats: int):
    """Register `setup` (returning the call to time) under `name`."""

    def register(setup: Setup) -> Setup:
        BENCHMARKS[name] = (setup, repeats)
        return setup

    return register


def _alternating(fn, make_network):
    """Calls of fn on two equal but distinct networks in turn, as after each edit in the app: the
    decomposition kept for the last (network, trajectory) pair is never reused."""
    nets = [make_network(), make_network()]
    traj = Trajectory.circle()
    turn = [0]

    def call():
        turn[0] ^= 1
        return fn(nets[turn[0]], traj)

    return call


def _held_key(fn, layer: int, make_network=default_network):
    """Calls of fn(network) on two networks that differ in one weight of `layer` (0 = first), in turn,
    as a held arrow key edits: the two share every other layer's arrays, so what the core keeps from
    the unedited layers (decompose's walk, partition's cuts) is reused as in the app."""
    base = make_network()
    nets = [base.with_weight(layer, 0, 0, base.weights[layer][0, 0] + d) for d in (0.0, 0.01)]
    turn = [0]

    def call():
        turn[0] ^= 1
        return fn(nets[turn[0]])

    return call


@benchmark("measures_default", repeats=2000)
def _measures_default():
    return _alternating(measure, default_network)


@benchmark("measures_relu_8_layers_width_8", repeats=200)
def _measures_deep():
    return _alternating(measure, lambda: original_random((8,) * 8, seed=1))


@benchmark("sensitivity_default", repeats=1000)
def _sensitivity_default():
    return _alternating(sensitivity, default_network)


@benchmark("measures_then_sensitivity_default", repeats=1000)
def _edit_default():
    # What the app computes after an edit: the sensitivities reuse the measures' decomposition.
    return _alternating(lambda net, traj: (measure(net, traj), sensitivity(net, traj)), default_network)


@benchmark("measures_default_tanh", repeats=20)
def _measures_tanh():
    return _alternating(measure, lambda: default_network().with_activation("tanh"))


@benchmark("sensitivity_default_tanh", repeats=20)
def _sensitivity_tanh():
    return _alternating(sensitivity, lambda: default_network().with_activation("tanh"))


# --- decompose (pieces.py): the exact breakpoints the app draws in each frame of a relu net ---------


def _edits(layer: int, make_network=default_network):
    """decompose after held-key edits of one weight in `layer` (0 = first)."""
    from nnsurface.core.pieces import decompose

    traj = Trajectory.circle()
    return _held_key(lambda net: decompose(net, traj), layer, make_network)


@benchmark("decompose_default", repeats=2000)
def _decompose_default():
    return _edits(0)  # a first-layer edit (as bench_gui's w-L1-0-0): every layer is walked


@benchmark("decompose_default_edit_layer_2", repeats=2000)
def _decompose_default_layer_2():
    return _edits(1)


@benchmark("decompose_default_edit_output", repeats=2000)
def _decompose_default_output():
    return _edits(2)


@benchmark("decompose_relu_8_layers_width_8", repeats=200)
def _decompose_deep():
    return _edits(0, lambda: original_random((8,) * 8, seed=1))


EXTENT = 5.0
WINDOW = (-EXTENT, EXTENT, -EXTENT, EXTENT)
GRID_REPEATS = {50: 300, 200: 60, 400: 20}


def _deep_relu():
    """A seeded 2-16-16-16-1 relu net with small biases (Raghu et al.'s initialisation, σ_w² = 2)."""
    return paper_random((16, 16, 16), sigma_w2=2.0, sigma_b2=0.1, seed=1, activation="relu")


def _register_grid(n: int) -> None:
    @benchmark(f"grid_heights_{n}", GRID_REPEATS[n])
    def _heights():  # what a frame drawn from the grid, coloured by height, waits for
        net = default_network()
        return lambda: evaluate_grid(net, EXTENT, n).z

    @benchmark(f"grid_labels_{n}", GRID_REPEATS[n])
    def _grid():  # heights and region labels (computed when first asked for)
        net = default_network()
        return lambda: evaluate_grid(net, EXTENT, n).labels

    @benchmark(f"normals_{n}", GRID_REPEATS[n])
    def _normals():
        g = evaluate_grid(default_network(), EXTENT, n)
        return lambda: surface_normals(g.x, g.y, g.z)


for _n in GRID_REPEATS:
    _register_grid(_n)


@benchmark("mesh_and_creases_2_16_16_16_1_relu", repeats=20)
def _mesh_deep():
    part = partition(_deep_relu(), WINDOW)
    return lambda: (region_mesh(part), crease_segments(part))


# --- partition after an edit (partition.py resumes after the last unedited hidden layer) -----------
# A first-layer edit (edit_layer_1) cuts everything again: the cost of a whole partition. Calling
# partition twice on one network would time the kept state instead, so every entry edits.


@benchmark("loop_crossings_default", repeats=2000)
def _crossings_default():
    # The breakpoints an edit's frame draws, read off the exact regions it draws (decompose_default
    # finds the same, walking the loop through the layers, for the measures after the frame).
    from nnsurface.core.crossings import loop_crossings

    part, traj = partition(default_network(), WINDOW), Trajectory.circle()
    return lambda: loop_crossings(part, traj)


def _partition_edits(layer: int, make_network, drawn: bool):
    """partition (with the mesh and creases when `drawn`, as gui.result.exact_surface) after held-key
    edits of one weight in `layer` (0 = first)."""

    def exact(net):
        part = partition(net, WINDOW)
        return (region_mesh(part), crease_segments(part)) if drawn else part

    return _held_key(exact, layer, make_network)


def _register_partition_edits(name: str, make_network, drawn: bool, layers: dict[str, int], repeats: int):
    for label, layer in layers.items():
        benchmark(f"{name}_edit_{label}", repeats)(
            lambda layer=layer: _partition_edits(layer, make_network, drawn)
        )


_register_partition_edits(
    "exact_surface_default", default_network, True, {"layer_1": 0, "layer_2": 1, "output": 2}, 300
)
_register_partition_edits(
    "partition_2_16_16_16_1_relu", _deep_relu, False, {"layer_1": 0, "layer_2": 1, "output": 3}, 20
)
# ~100 regions: around where small partitions change storage, so neither form may be slow there.
_register_partition_edits(
    "exact_surface_2_8_8_1_relu",
    lambda: paper_random((8, 8), sigma_w2=2.0, sigma_b2=0.1, seed=1, activation="relu"),
    True,
    {"layer_1": 0},
    100,
)


def medians_ms(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """(wall, CPU) medians in ms over `repeats` calls, after one warm-up call."""
    fn()
    wall, cpu = [], []
    gc.disable()
    try:
        for _ in range(repeats):
            w0, c0 = time.perf_counter(), time.process_time()
            fn()
            c1, w1 = time.process_time(), time.perf_counter()
            wall.append(w1 - w0)
            cpu.append(c1 - c0)
    finally:
        gc.enable()
    return round(float(np.median(wall)) * 1e3, 4), round(float(np.median(cpu)) * 1e3, 4)


def main(names: list[str]) -> None:
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    wall, cpu = {}, {}
    for name in names or BENCHMARKS:
        setup, repeats = BENCHMARKS[name]
        wall[name], cpu[name] = medians_ms(setup(), repeats)
    report = {
        "unit": "ms",
        "tuned": TUNED,
        "regions": {
            "partition_default": partition(default_network(), WINDOW).regions_exact,
            "partition_2_16_16_16_1_relu": partition(_deep_relu(), WINDOW).regions_exact,
        },
        "load_average_1min": round(os.getloadavg()[0], 2),
        "median_ms": wall,
        "median_cpu_ms": cpu,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
