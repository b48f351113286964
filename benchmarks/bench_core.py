"""Benchmark the core computations; print one JSON object of median times.

Run from the repository root:  python benchmarks/bench_core.py [NAME ...]
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

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nnsurface.core.measures import measure  # noqa: E402
from nnsurface.core.network import default_network, original_random  # noqa: E402
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
        "load_average_1min": round(os.getloadavg()[0], 2),
        "median_ms": wall,
        "median_cpu_ms": cpu,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
