"""One entry for every mode of nnsurface: the desktop app, `report`, and other subcommands.

The first argument picks the mode: a name in SUBCOMMANDS runs that subcommand; anything else starts the
desktop app, with an optional session file (a file named like a subcommand is opened as ./report).
Dispatching on the first word, rather than with argparse subparsers, is what lets the app take a file
name in the same position as a subcommand name.

Nothing here imports Qt until the app itself starts, and the core is imported only by the modes that
use it: `report` and `--version` run on machines without a display and start fast, and a bad session
file named for the app is refused before Qt loads. Every failure is one line on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

from nnsurface import __version__, runtime_tuning

if TYPE_CHECKING:
    from nnsurface.core.session import Session

STARTED = time.monotonic()  # the program's earliest own time stamp (--self-test's start to first frame)
PROG = "nnsurface"
EXIT_BAD_INPUT = 2
SIGNIFICANT_DIGITS = 6  # of the human-readable table; --json prints every digit


class UsageError(Exception):
    """A bad argument or file: its message is printed as one line on stderr, and the exit status is 2."""


class _Exit(Exception):
    """argparse finished early (--help): exit with this status."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


class _Parser(argparse.ArgumentParser):
    """argparse, with errors as one line (not the usage block) and no sys.exit inside main()."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            sys.stderr.write(message)
        raise _Exit(status)


@dataclass(frozen=True)
class Subcommand:
    """A mode named by the first argument: add_arguments fills its parser, run does the work."""

    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def lazy_subcommand(module: str, help: str) -> Subcommand:
    """A subcommand whose `add_arguments(parser)` and `run(args) -> int` live in `module`, which is
    imported only when the subcommand is used, so no mode pays for another's imports."""

    def add_arguments(parser: argparse.ArgumentParser) -> None:
        importlib.import_module(module).add_arguments(parser)

    def run(args: argparse.Namespace) -> int:
        return importlib.import_module(module).run(args)

    return Subcommand(help, add_arguments, run)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the mode the arguments name and return the exit status."""
    runtime_tuning.apply()  # before anything imports numpy
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] in SUBCOMMANDS:
            return _run_subcommand(args[0], args[1:])
        return _run_app(args)
    except UsageError as e:
        print(e, file=sys.stderr)
        return EXIT_BAD_INPUT
    except _Exit as e:
        return e.status


def _run_subcommand(name: str, args: list[str]) -> int:
    sub = SUBCOMMANDS[name]
    parser = _Parser(prog=f"{PROG} {name}", description=sub.help)
    sub.add_arguments(parser)
    return sub.run(parser.parse_args(args))


# --- the desktop app -----------------------------------------------------------------------------


def _app_parser() -> _Parser:
    commands = "\n".join(f"  {name:<8} {sub.help}" for name, sub in SUBCOMMANDS.items())
    parser = _Parser(
        prog=PROG,
        description="See the function of a small neural network as a surface and measure a trajectory on it.",
        epilog=f"other modes ({PROG} MODE --help for each):\n{commands}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("session", nargs="?", metavar="SESSION.json", help="session file to open")
    once = parser.add_mutually_exclusive_group()
    once.add_argument("--screenshot", metavar="OUT.png", help="render the window once to a PNG and exit")
    once.add_argument(
        "--self-test", action="store_true", help="check that an edit reaches the screen, then exit"
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    return parser


def _run_app(args: list[str]) -> int:
    options = _app_parser().parse_args(args)
    if options.version:
        print(f"{PROG} {__version__}")
        return 0
    if options.session is not None:
        _load(options.session)  # refuse a bad file before paying for Qt; the app loads it again
    from nnsurface.gui.app import run

    return run(options.session, screenshot=options.screenshot, self_test=options.self_test)


def _load(path: str) -> Session:
    from nnsurface.core.session_file import SessionError, load_session

    try:
        return load_session(path)
    except SessionError as e:
        raise UsageError(f"{PROG}: {e}") from None


# --- report --------------------------------------------------------------------------------------


def _add_report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("session", metavar="SESSION.json", help="session file to measure")
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object (the keys of DESIGN.md) instead of a table"
    )


def _run_report(args: argparse.Namespace) -> int:
    import numpy as np

    from nnsurface.core.measures import measure

    session = _load(args.session)
    with np.errstate(all="ignore"):  # weights so large that lengths overflow: one line below, not warnings
        values = measure(session.network, session.trajectory).as_dict()
        values.update(_exact_regions(session))
    if not all(math.isfinite(v) for v in _numbers_in(values)):
        problem = "the measures overflow double precision (weights too large)"
        raise UsageError(f"{PROG}: {args.session}: network: {problem}")
    if args.json:
        print(json.dumps(values, indent=2))
    else:
        print(_report_table(args.session, session, values))
    return 0


def _exact_regions(session: Session) -> dict[str, Any]:
    """regions_exact and crease_length inside the view window, for a piecewise-linear network, when this
    installation has the exact partition (nnsurface.core.partition); {} otherwise. Both are None when
    the network has more regions than the partition's cap."""
    if importlib.util.find_spec("nnsurface.core.partition") is None:
        return {}
    from nnsurface.core import activations, partition

    net = session.network
    if net.n_hidden and not activations.is_piecewise_linear(net.activation):
        return {}
    e = session.view.extent
    try:
        part = partition.partition(net, (-e, e, -e, e))
    except partition.PartitionTooLarge:
        return {"regions_exact": None, "crease_length": None}
    return {"regions_exact": part.regions_exact, "crease_length": part.crease_length}


def _numbers_in(values: dict[str, Any]) -> list[float]:
    flat = []
    for v in values.values():
        flat += [float(x) for x in (v if isinstance(v, list) else [v]) if x is not None]
    return flat


def _report_table(path: str, session: Session, values: dict[str, Any]) -> str:
    net, traj, view = session.network, session.trajectory, session.view
    shape = "-".join(str(n) for n in (net.input_dim, *net.widths, 1))
    centre = ", ".join(_fmt(c) for c in traj.center)
    lines = [
        f"{path}: {net.activation} network {shape}; circle centre ({centre}) radius {_fmt(traj.radius)}; "
        f"window [-{_fmt(view.extent)}, {_fmt(view.extent)}]²",
        "",
        f"{'measure':<17} value",
    ]
    not_applicable = {
        "surface_length": "n/a (input is not 2-D)",
        "transitions": "n/a (smooth activation)",
        "regions_visited": "n/a (smooth activation)",
        "regions_exact": "not computed (more regions than the exact partition's cap)",
        "crease_length": "not computed (more regions than the exact partition's cap)",
    }
    for key, value in values.items():
        if key != "layer_lengths":
            shown = not_applicable[key] if value is None else _fmt(value)
            lines.append(f"{key:<17} {shown}")
    lines += ["", f"{'layer':<6} {'length':<14} ratio to input length"]
    input_length = values["input_length"]
    for i, length in enumerate(values["layer_lengths"], start=1):
        ratio = _fmt(length / input_length) if input_length > 0 else "n/a (the trajectory is a point)"
        lines.append(f"{i:<6} {_fmt(length):<14} {ratio}")
    if not values["layer_lengths"]:
        lines.append("(no hidden layers)")
    return "\n".join(lines)


def _fmt(x: float | int) -> str:
    return str(x) if isinstance(x, int) else f"{float(x):.{SIGNIFICANT_DIGITS}g}"


SUBCOMMANDS: dict[str, Subcommand] = {
    "report": Subcommand("print the measures of a session file", _add_report_arguments, _run_report),
    "sweep": lazy_subcommand("nnsurface.sweep_cli", "the paper's depth sweep on random networks"),
}
