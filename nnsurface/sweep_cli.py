"""`nnsurface sweep`: the depth sweep of Raghu et al. (2017) from the command line, no Qt.

Writes one CSV row per (σ_w², network, layer) and prints the mean per-layer growth ratios against the
paper's hardtanh bound. Bad arguments are one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

# The sweep runs networks in parallel processes; BLAS threads on top of them oversubscribe the cores
# (paper sweep on 2 cores: 71 CPU-s with OpenBLAS's default threads, 38 with one). Set before numpy
# loads (the core is imported lazily below); an explicit environment setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

PROG = "nnsurface sweep"
EXIT_BAD_INPUT = 2


def _number_list(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None
    return values


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The sweep's options (defaults are the paper's setting except the σ_w² list)."""
    from nnsurface.core.expressivity import SWEEP_ACTIVATIONS, SweepSettings

    d = SweepSettings()
    parser.add_argument("--activation", choices=SWEEP_ACTIVATIONS, default=d.activation)
    parser.add_argument("--width", type=int, default=d.width, help="units per hidden layer (k)")
    parser.add_argument("--depth", type=int, default=d.depth, help="hidden layers")
    parser.add_argument(
        "--sigma-w2", type=_number_list, default=d.sigma_w2, metavar="LIST", help="σ_w² values, e.g. 1,4,16"
    )
    parser.add_argument("--sigma-b2", type=float, default=d.sigma_b2, help="bias variance σ_b²")
    parser.add_argument("--networks", type=int, default=d.networks, help="random networks per σ_w²")
    parser.add_argument("--input-dim", type=int, default=d.input_dim, help="input dimension m")
    parser.add_argument("--seed", type=int, default=d.seed)
    parser.add_argument("--csv", metavar="OUT.csv", help="write every record here (and OUT.settings.json)")
    parser.add_argument(
        "--max-pieces", type=int, default=d.max_pieces,
        help="exact pieces per network before deeper layers are sampled (default %(default)s)",
    )  # fmt: skip
    parser.add_argument(
        "--max-samples", type=int, default=d.max_samples,
        help="largest polyline for sampled layers (default %(default)s)",
    )  # fmt: skip
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="worker processes (default: one per core)"
    )


def run(args: argparse.Namespace) -> int:
    """Run the sweep the arguments describe; 0 on success, 2 with one line on stderr for bad input."""
    from nnsurface.core import expressivity as ex

    try:
        settings = ex.SweepSettings(
            activation=args.activation,
            width=args.width,
            depth=args.depth,
            sigma_w2=args.sigma_w2,
            sigma_b2=args.sigma_b2,
            networks=args.networks,
            input_dim=args.input_dim,
            seed=args.seed,
            max_pieces=args.max_pieces,
            max_samples=args.max_samples,
        )
    except ValueError as e:
        print(f"{PROG}: {str(e).replace('_', '-')}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.workers < 1:
        print(f"{PROG}: workers: expected ≥ 1", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.csv is not None:
        try:
            with open(args.csv, "a", encoding="utf-8"):
                pass
        except OSError as e:
            print(f"{PROG}: --csv {args.csv}: {e.strerror or e}", file=sys.stderr)
            return EXIT_BAD_INPUT
    start = time.perf_counter()
    result = ex.run_sweep(settings, workers=args.workers)
    elapsed = time.perf_counter() - start
    print(ex.summary_table(result))
    print(f"{len(result.records)} records: {ex.describe_methods(result.records)}; {elapsed:.1f} s")
    if args.csv is not None:
        sidecar = ex.write_csv(result, args.csv)
        print(f"wrote {args.csv} and {sidecar}")
    return 0
