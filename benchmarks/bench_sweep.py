"""Time the paper-sized depth sweep (k = 100, depth 10, σ_w² ∈ {1, 4, 16, 64}, 10 networks, hardtanh).

Prints one JSON object: wall and CPU seconds, the load average around the run (the machine may be
shared), the workers used, and how many values were exact, sampled and only lower bounds. Target:
≤ 20 s wall on a 2-core machine. `--networks N` runs a smaller sweep for a quick look.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout, as the others
# As `nnsurface sweep` does: one BLAS thread per worker process (set before numpy loads).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from nnsurface.core.expressivity import SweepSettings, ratio_summaries, run_sweep  # noqa: E402


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (the worker processes)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", type=int, default=10)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--max-pieces", type=int, default=SweepSettings().max_pieces)
    parser.add_argument("--max-samples", type=int, default=SweepSettings().max_samples)
    args = parser.parse_args()
    settings = SweepSettings(
        activation="hardtanh", width=100, depth=10, sigma_w2=(1.0, 4.0, 16.0, 64.0), networks=args.networks,
        max_pieces=args.max_pieces, max_samples=args.max_samples,
    )  # fmt: skip
    load_before = os.getloadavg()[0]
    cpu0, t0 = _cpu_seconds(), time.perf_counter()
    result = run_sweep(settings, workers=args.workers)
    wall, cpu = time.perf_counter() - t0, _cpu_seconds() - cpu0
    hidden = [r for r in result.records if r.layer > 0]
    print(
        json.dumps(
            {
                "benchmark": "paper depth sweep",
                "settings": settings.to_dict(),
                "workers": args.workers,
                "wall_s": round(wall, 2),
                "cpu_s": round(cpu, 2),
                "target_wall_s": 20.0,
                "load_average_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
                "hidden_values": len(hidden),
                "exact": sum(r.method == "exact" for r in hidden),
                "sampled": sum(r.method == "sampled" for r in hidden),
                "lower_bound_only": sum(r.lower_bound for r in hidden),
                "growth_per_layer": {f"{s.sigma_w2:g}": round(s.growth, 3) for s in ratio_summaries(result)},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
