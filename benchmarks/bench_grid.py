"""Benchmark the grid (heights + region labels), its normals and the exact partition; print one JSON object.

Run from the repository root:  python benchmarks/bench_grid.py [--tuned]
Times are medians in milliseconds of wall-clock time, with the garbage collector off while timing.
The machine's load average is printed too, since the figures move with it on a shared machine.

--tuned applies, before numpy loads, the two process settings that decide these timings on a busy
2-core machine: one BLAS thread (threaded OpenBLAS spins and waits for a preempted helper thread,
turning a 0.2 ms product into several ms) and glibc malloc thresholds high enough that the arrays
freed after one evaluation are reused by the next instead of being returned to the kernel and
faulted in again page by page (5x on grid + labels at 200²).
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import sys
import time
from pathlib import Path

TUNED = "--tuned" in sys.argv[1:]
if TUNED:
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 64 << 20)  # M_MMAP_THRESHOLD: keep arrays up to 64 MB on the heap
        libc.mallopt(-1, 128 << 20)  # M_TRIM_THRESHOLD: do not hand freed heap back at once

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nnsurface.core.grid import evaluate_grid, surface_normals  # noqa: E402
from nnsurface.core.network import default_network, paper_random  # noqa: E402
from nnsurface.core.partition import crease_segments, partition, region_mesh  # noqa: E402

EXTENT = 5.0
WINDOW = (-EXTENT, EXTENT, -EXTENT, EXTENT)
SIZES = (50, 200, 400)


def median_ms(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    gc.disable()
    try:
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    finally:
        gc.enable()
    return round(float(np.median(times)) * 1e3, 3)


def main() -> None:
    net = default_network()
    # A seeded 2-16-16-16-1 relu net with small biases (Raghu et al.'s initialisation, σ_w² = 2).
    deep = paper_random((16, 16, 16), sigma_w2=2.0, sigma_b2=0.1, seed=1, activation="relu")
    repeats = {50: 300, 200: 60, 400: 20}
    grids = {n: evaluate_grid(net, EXTENT, n) for n in SIZES}
    default_part = partition(net, WINDOW)
    deep_part = partition(deep, WINDOW)
    result = {
        "grid_labels_ms": {
            str(n): median_ms(lambda n=n: evaluate_grid(net, EXTENT, n), repeats[n]) for n in SIZES
        },
        "normals_ms": {
            str(n): median_ms(lambda g=grids[n]: surface_normals(g.x, g.y, g.z), repeats[n]) for n in SIZES
        },
        "partition_default_ms": median_ms(lambda: partition(net, WINDOW), 300),
        "partition_default_regions": default_part.regions_exact,
        "partition_2_16_16_16_1_relu_ms": median_ms(lambda: partition(deep, WINDOW), 20),
        "partition_2_16_16_16_1_relu_regions": deep_part.regions_exact,
        "mesh_and_creases_default_ms": median_ms(
            lambda: (region_mesh(default_part), crease_segments(default_part)), 300
        ),
        "mesh_and_creases_2_16_16_16_1_relu_ms": median_ms(
            lambda: (region_mesh(deep_part), crease_segments(deep_part)), 20
        ),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "tuned": TUNED,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
