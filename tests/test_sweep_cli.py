"""`nnsurface sweep`: the CSV it writes, its summary, one-line errors with exit 2, and no Qt import."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from nnsurface import cli
from nnsurface.core.expressivity import CSV_COLUMNS, SweepSettings, hardtanh_bound, run_sweep

ROOT = Path(__file__).resolve().parents[1]
GUI_LIBRARIES = ("PySide6", "shiboken6", "pyqtgraph", "OpenGL")
SMALL = ["--width", "6", "--depth", "3", "--networks", "2", "--workers", "1"]


@pytest.fixture(autouse=True)
def registered(monkeypatch):
    """The sweep as cli.py registers it (added here too, so these tests hold before the registry line)."""
    if "sweep" not in cli.SUBCOMMANDS:
        sweep = cli.lazy_subcommand("nnsurface.sweep_cli", "depth sweep")
        monkeypatch.setitem(cli.SUBCOMMANDS, "sweep", sweep)


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    status = cli.main(["sweep", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_writes_one_row_per_sigma_network_layer_and_the_settings(capsys, tmp_path):
    out_csv = tmp_path / "out.csv"
    args = ["--activation", "hardtanh", "--sigma-w2", "1,4,16", "--sigma-b2", "0.5", "--input-dim", "3"]
    status, out, err = run_cli(capsys, *args, *SMALL, "--seed", "3", "--csv", str(out_csv))
    assert status == 0, err
    with out_csv.open(newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    assert tuple(reader.fieldnames) == CSV_COLUMNS
    assert len(rows) == 3 * 2 * 4
    expected = run_sweep(
        SweepSettings(width=6, depth=3, sigma_w2=(1, 4, 16), sigma_b2=0.5, networks=2, input_dim=3, seed=3)
    )
    assert [float(r["length"]) for r in rows] == [r.length for r in expected.records]
    fixed = {(r["activation"], r["width"], r["input_dim"], r["sigma_b2"]) for r in rows}
    assert fixed == {("hardtanh", "6", "3", "0.5")}
    settings = json.loads((tmp_path / "out.settings.json").read_text())
    assert settings["sigma_w2"] == [1.0, 4.0, 16.0] and settings["seed"] == 3
    # The summary table names every σ_w² with the paper's bound beside it.
    for sigma in (1, 4, 16):
        line = next(x for x in out.splitlines() if x.split() and x.split()[0] == str(sigma))
        assert f"{hardtanh_bound(sigma, 0.5, 6):.3f}" in line


def test_relu_summary_has_no_bound(capsys):
    status, out, _ = run_cli(capsys, "--activation", "relu", "--sigma-w2", "2", *SMALL)
    assert status == 0
    row = next(x for x in out.splitlines() if x.split() and x.split()[0] == "2")
    assert row.split()[-2] == "-"


@pytest.mark.parametrize(
    "argv",
    [
        ["--sigma-w2", "1,x"],
        ["--sigma-w2", "0"],
        ["--sigma-w2", "nan"],
        ["--depth", "0"],
        ["--width", "two"],
        ["--activation", "sigmoid"],
        ["--networks", "0"],
        ["--sigma-b2", "-1"],
        ["--workers", "0"],
        ["--max-samples", "10"],
        ["--csv", "/nonexistent-dir/out.csv"],
        ["--no-such-option"],
    ],
)
def test_bad_arguments_exit_2_with_one_line(capsys, argv):
    status, out, err = run_cli(capsys, *argv)
    assert status == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("nnsurface sweep:")


def test_the_sweep_path_imports_no_qt(tmp_path):
    code = (
        "import sys\n"
        "from nnsurface import cli\n"
        "if 'sweep' not in cli.SUBCOMMANDS:\n"
        "    cli.SUBCOMMANDS['sweep'] = cli.lazy_subcommand('nnsurface.sweep_cli', 'sweep')\n"
        "argv = ['sweep', '--width', '3', '--depth', '2', '--networks', '1', '--csv', sys.argv[1]]\n"
        "status = cli.main(argv)\n"
        f"gui = [m for m in sys.modules if m.split('.')[0] in {GUI_LIBRARIES!r}]\n"
        "print(status, gui)\n"
    )
    argv = [sys.executable, "-c", code, str(tmp_path / "o.csv")]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "0 []"
