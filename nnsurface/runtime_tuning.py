"""Process settings that decide how fast an edit is recomputed on a busy machine; applied before numpy loads.

Two settings, both measured on the 2-core machine this was written on, under a load average of 3.5
(benchmarks/bench_core.py --untuned, benchmarks/bench_gui.py --untuned): together they took one
recompute of the default session (gui.result.build_result) from 32–62 ms to 10–13 ms at 200², and
from 52–102 ms to 16–26 ms at 400².

- One BLAS thread. The matrices of a small network are tiny; threaded OpenBLAS spins and waits for a
  helper thread that the OS has preempted, turning a 0.2 ms product into several milliseconds.
- glibc malloc thresholds high enough that the arrays freed after one recompute are reused by the
  next, instead of being returned to the kernel and faulted in again page by page.

Neither changes a number the app computes. A user's own OPENBLAS_NUM_THREADS is respected.
"""

from __future__ import annotations

import ctypes
import os
import sys

BLAS_THREADS = "1"
MMAP_THRESHOLD = 64 << 20  # arrays up to 64 MB come from the heap, not fresh mmap'd pages
TRIM_THRESHOLD = 128 << 20  # freed heap is kept for reuse up to 128 MB
_M_TRIM_THRESHOLD = -1  # mallopt parameter numbers, from glibc's malloc.h
_M_MMAP_THRESHOLD = -3


def apply() -> None:
    """Set both; call first thing in the process. BLAS threads are fixed when numpy loads, so the
    thread count only takes effect if numpy has not been imported yet (it is left alone if it has)."""
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", BLAS_THREADS)
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL("libc.so.6")
        except OSError:  # not glibc (e.g. musl): nothing to tune
            return
        libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
        libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
