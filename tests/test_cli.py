"""The command line: `report` against independent references, one-line errors with exit 2, the app
dispatch, the subcommand registry, and no Qt on the paths that must run without a display."""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from scipy.special import ellipe

from nnsurface import __version__, cli
from nnsurface.core.measures import measure
from nnsurface.core.session_file import load_session

ROOT = Path(__file__).resolve().parents[1]
PRESETS = ROOT / "resources" / "presets"
GUI_LIBRARIES = ("PySide6", "shiboken6", "pyqtgraph", "OpenGL")


def write_session(tmp_path: Path, activation: str, layers: list, name: str = "s.json", **extra) -> Path:
    doc = {
        "format": "nnsurface-session",
        "version": 1,
        "network": {"activation": activation, "layers": layers},
    }
    doc.update(extra)
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_line_error(status: int, err: str, *fragments: str):
    assert status == 2
    assert err.endswith("\n") and err.count("\n") == 1, err
    for fragment in fragments:
        assert fragment in err


# --- report: values -------------------------------------------------------------------------------

LINEAR_LAYERS = [
    {"weights": [[1, -2, 0.5], [0.3, 1, 2]], "bias": [1, 2, 3]},
    {"weights": [[0.5, 1], [2, -1], [-1, 0.25]], "bias": [0, -1]},
    {"weights": [[1.5], [-0.75]], "bias": [4]},
]


def ellipse_length(m: np.ndarray, r: float) -> float:
    """Length of t ↦ r (cos t · m[0] + sin t · m[1]): an ellipse with semi-axes r·σ₁ ≥ r·σ₂ (σ the
    singular values of m); perimeter 4a·E(1 − b²/a²), Legendre's complete elliptic integral."""
    a, b = r * np.linalg.svd(m, compute_uv=False)[:2]
    return 4 * a * ellipe(1 - (b / a) ** 2)


def test_report_json_of_a_linear_network_matches_the_closed_form(tmp_path, capsys):
    r = 2.5
    path = write_session(tmp_path, "linear", LINEAR_LAYERS, trajectory={"center": [0.7, -1.1], "radius": r})
    status, out, _ = run_cli(capsys, "report", str(path), "--json")
    assert status == 0
    got = json.loads(out)
    ws = [np.array(layer["weights"], dtype=float) for layer in LINEAR_LAYERS]
    m1, m2, p = ws[0], ws[0] @ ws[1], ws[0] @ ws[1] @ ws[2]
    assert got["input_length"] == pytest.approx(2 * np.pi * r, rel=1e-12)
    assert got["output_length"] == pytest.approx(4 * r * np.linalg.norm(p), rel=1e-10)
    assert got["layer_lengths"] == pytest.approx([ellipse_length(m1, r), ellipse_length(m2, r)], rel=1e-10)
    surface = np.hstack([np.eye(2), p])  # the curve (x₁, x₂, f) is an ellipse in R³
    assert got["surface_length"] == pytest.approx(ellipse_length(surface, r), rel=1e-10)
    assert got["transitions"] is None and got["regions_visited"] is None
    assert "regions_exact" not in got and "crease_length" not in got


@pytest.mark.parametrize("preset", ["default", "deep_narrow_relu", "wide_relu", "hardtanh", "tanh"])
def test_report_json_is_what_measure_computes(preset, capsys):
    path = PRESETS / f"{preset}.json"
    status, out, _ = run_cli(capsys, "report", str(path), "--json")
    assert status == 0
    got = json.loads(out)
    session = load_session(path)
    expected = measure(session.network, session.trajectory).as_dict()
    assert {k: got[k] for k in expected} == expected  # floats printed with every digit: exact equality
    assert list(got)[:6] == [
        "input_length",
        "surface_length",
        "output_length",
        "layer_lengths",
        "transitions",
        "regions_visited",
    ]
    if session.network.activation == "tanh":
        assert got["transitions"] is None and got["regions_visited"] is None
    else:
        assert isinstance(got["transitions"], int) and got["transitions"] >= got["regions_visited"] >= 1


def test_relu_output_scaled_by_a_scales_output_length(tmp_path, capsys):
    layers = [
        {"weights": [[1, -1, 0.5], [0.5, 1, -2]], "bias": [0.3, -0.2, 0.1]},
        {"weights": [[1], [-2], [0.5]]},
    ]
    scaled = [layers[0], {"weights": [[-3], [6], [-1.5]]}]  # a = −3
    results = []
    for name, ls in (("a.json", layers), ("b.json", scaled)):
        status, out, _ = run_cli(
            capsys, "report", str(write_session(tmp_path, "relu", ls, name=name)), "--json"
        )
        assert status == 0
        results.append(json.loads(out))
    a, b = results
    assert a["transitions"] > 0
    assert b["output_length"] == pytest.approx(3 * a["output_length"], rel=1e-12)
    assert b["layer_lengths"] == a["layer_lengths"] and b["transitions"] == a["transitions"]


@pytest.mark.skipif(
    importlib.util.find_spec("nnsurface.core.partition") is None, reason="exact partition not installed"
)
def test_report_json_adds_exact_regions_when_the_partition_exists(capsys):
    from nnsurface.core.partition import partition

    path = PRESETS / "default.json"
    status, out, _ = run_cli(capsys, "report", str(path), "--json")
    got = json.loads(out)
    session = load_session(path)
    e = session.view.extent
    part = partition(session.network, (-e, e, -e, e))
    assert got["regions_exact"] == part.regions_exact and got["crease_length"] == part.crease_length
    assert got["regions_exact"] >= got["regions_visited"]


@pytest.mark.skipif(
    importlib.util.find_spec("nnsurface.core.partition") is None, reason="exact partition not installed"
)
def test_report_says_when_there_are_too_many_regions_to_partition(monkeypatch, capsys):
    from nnsurface.core import partition

    def too_many(network, window, cap=partition.REGION_CAP):
        raise partition.PartitionTooLarge(cap)

    monkeypatch.setattr(partition, "partition", too_many)
    path = str(PRESETS / "default.json")
    status, out, _ = run_cli(capsys, "report", path, "--json")
    got = json.loads(out)
    assert status == 0 and got["regions_exact"] is None and got["crease_length"] is None
    assert got["transitions"] > 0
    status, out, _ = run_cli(capsys, "report", path)
    assert "regions_exact     not computed (more regions than the exact partition's cap)" in out.splitlines()


def test_report_json_omits_exact_regions_without_the_partition_module(monkeypatch, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        cli.importlib.util,
        "find_spec",
        lambda name, *a: None if name.endswith(".partition") else real(name, *a),
    )
    status, out, _ = run_cli(capsys, "report", str(PRESETS / "default.json"), "--json")
    assert status == 0
    assert list(json.loads(out)) == [
        "input_length",
        "surface_length",
        "output_length",
        "layer_lengths",
        "transitions",
        "regions_visited",
    ]


def test_report_table(capsys):
    path = PRESETS / "default.json"
    status, out, err = run_cli(capsys, "report", str(path))
    assert status == 0 and err == ""
    session = load_session(path)
    m = measure(session.network, session.trajectory)
    lines = out.splitlines()
    assert lines[0].startswith(f"{path}: relu network 2-4-4-1; circle centre (0, 0) radius 4")
    assert f"input_length      {m.input_length:.6g}" in lines
    assert f"output_length     {m.output_length:.6g}" in lines
    assert f"transitions       {m.transitions}" in lines
    for i, length in enumerate(m.layer_lengths, start=1):
        assert f"{i:<6} {length:<14.6g} {length / m.input_length:.6g}" in lines


def test_report_table_of_a_smooth_network_says_counts_do_not_apply(tmp_path, capsys):
    status, out, _ = run_cli(capsys, "report", str(write_session(tmp_path, "linear", LINEAR_LAYERS)))
    assert status == 0
    assert "transitions       n/a (smooth activation)" in out.splitlines()


def test_report_of_a_point_trajectory_has_no_ratio(tmp_path, capsys):
    path = write_session(tmp_path, "relu", LINEAR_LAYERS, trajectory={"radius": 0})
    status, out, _ = run_cli(capsys, "report", str(path))
    assert status == 0
    assert "1      0              n/a (the trajectory is a point)" in out.splitlines()


def test_report_of_a_network_without_hidden_layers(tmp_path, capsys):
    status, out, _ = run_cli(
        capsys, "report", str(write_session(tmp_path, "relu", [{"weights": [[3], [4]]}]))
    )
    assert status == 0
    assert "(no hidden layers)" in out
    status, out, _ = run_cli(capsys, "report", str(tmp_path / "s.json"), "--json")
    assert json.loads(out)["output_length"] == pytest.approx(4 * 4 * 5, rel=1e-12)


# --- report: errors -------------------------------------------------------------------------------


def test_report_of_a_bad_file_is_one_line_naming_file_field_and_problem(tmp_path, capsys):
    layers = [{"weights": [[1, 2], [3, 4], [5, 6]]}, {"weights": [[1], [1]]}]
    path = write_session(tmp_path, "relu", layers)
    status, out, err = run_cli(capsys, "report", str(path), "--json")
    assert out == ""
    assert_one_line_error(
        status, err, f"{path}: network.layers[0].weights: expected 2 rows of 2 numbers, got 3 rows"
    )


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["report"], "the following arguments are required: SESSION.json"),
        (["report", "a.json", "--bogus"], "unrecognized arguments: --bogus"),
        (["report", "a.json", "b.json"], "unrecognized arguments: b.json"),
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["--screenshot", "a.png", "--self-test"], "not allowed with argument --screenshot"),
        (["a.json", "b.json"], "unrecognized arguments: b.json"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(argv, fragment, capsys):
    status, out, err = run_cli(capsys, *argv)
    assert_one_line_error(status, err, fragment, "--help")
    assert out == ""


def test_report_of_a_missing_file(tmp_path, capsys):
    status, _, err = run_cli(capsys, "report", str(tmp_path / "none.json"))
    assert_one_line_error(status, err, "none.json: (file): no such file")


def test_report_of_overflowing_weights_is_one_line(tmp_path, capsys):
    layers = [{"weights": [[1e200, -1e200], [1e200, 1e200]]}, {"weights": [[1e200], [1e200]]}]
    status, out, err = run_cli(capsys, "report", str(write_session(tmp_path, "relu", layers)), "--json")
    assert out == ""
    assert_one_line_error(status, err, "s.json: network: the measures overflow double precision")


def test_help_exits_0_and_lists_the_modes(capsys):
    status, out, _ = run_cli(capsys, "--help")
    assert status == 0 and "report   print the measures of a session file" in out
    status, out, _ = run_cli(capsys, "report", "--help")
    assert status == 0 and "--json" in out


# --- the app and the registry ---------------------------------------------------------------------


@pytest.fixture
def fake_app(monkeypatch):
    """Stands in for nnsurface.gui.app so dispatch is tested without Qt; records run()'s arguments."""
    calls = []
    module = types.ModuleType("nnsurface.gui.app")

    def run(session_path, screenshot=None, self_test=False):
        calls.append((session_path, screenshot, self_test))
        return 7

    module.run = run
    monkeypatch.setitem(sys.modules, "nnsurface.gui.app", module)
    return calls


def test_no_arguments_start_the_app_without_a_session(fake_app):
    assert cli.main([]) == 7
    assert fake_app == [(None, None, False)]


def test_app_options_reach_run(fake_app):
    path = str(PRESETS / "tanh.json")
    assert cli.main([path, "--screenshot", "out.png"]) == 7
    assert cli.main(["--self-test", path]) == 7
    assert fake_app == [(path, "out.png", False), (path, None, True)]


def test_a_file_named_like_a_subcommand_opens_in_the_app_as_a_path(tmp_path, fake_app, monkeypatch):
    (tmp_path / "report").write_bytes((PRESETS / "default.json").read_bytes())
    monkeypatch.chdir(tmp_path)
    assert cli.main(["./report"]) == 7
    assert fake_app == [("./report", None, False)]


def test_a_bad_session_for_the_app_is_refused_before_the_app_starts(tmp_path, fake_app, capsys):
    path = tmp_path / "bad.json"
    path.write_bytes(b'{"format": "nnsurface-session", "version": 3}')
    status, _, err = run_cli(capsys, str(path))
    assert_one_line_error(status, err, f"nnsurface: {path}: version: unsupported version 3")
    assert fake_app == []


def test_version(capsys):
    status, out, _ = run_cli(capsys, "--version")
    assert status == 0 and out == f"nnsurface {__version__}\n"


def test_a_registered_subcommand_is_imported_only_when_used(monkeypatch, capsys):
    module = types.ModuleType("fake_mode")
    seen = []

    def add_arguments(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--depth", type=int, required=True)

    def run(args: argparse.Namespace) -> int:
        seen.append(args.depth)
        return 0

    module.add_arguments, module.run = add_arguments, run
    monkeypatch.setitem(cli.SUBCOMMANDS, "fake", cli.lazy_subcommand("fake_mode", "run a fake mode"))
    imports = []
    real_import = cli.importlib.import_module

    def counting_import(name):
        imports.append(name)
        return module if name == "fake_mode" else real_import(name)

    monkeypatch.setattr(cli.importlib, "import_module", counting_import)
    status, out, _ = run_cli(capsys, "--help")
    assert "fake     run a fake mode" in out and imports == []
    assert cli.main(["fake", "--depth", "5"]) == 0 and seen == [5]
    status, _, err = run_cli(capsys, "fake", "--depth", "x")
    assert_one_line_error(status, err, "nnsurface fake: argument --depth: invalid int value: 'x'")


# --- processes: the real entry points, and what they import ----------------------------------------

IMPORT_PROBE = """
import json, sys
from nnsurface.cli import main
steps = {}
for name, argv in json.loads(sys.argv[1]):
    status = main(argv)
    steps[name] = [status, sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[2].split(",")))]
print(json.dumps(steps))
"""


def test_version_report_and_refusal_never_import_a_gui_library(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    steps = [
        ["version", ["--version"]],
        ["bad file for the app", [str(bad)]],
        ["report", ["report", str(PRESETS / "default.json")]],
        ["report --json", ["report", str(PRESETS / "hardtanh.json"), "--json"]],
    ]
    proc = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE, json.dumps(steps), ",".join((*GUI_LIBRARIES, "numpy"))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    result = json.loads(proc.stdout.splitlines()[-1])
    assert result["version"] == [0, []], "--version needs neither Qt nor numpy"
    assert result["bad file for the app"] == [2, ["numpy"]]
    assert result["report"] == [0, ["numpy"]]
    assert result["report --json"] == [0, ["numpy"]]


def test_main_py_and_python_m_are_the_same_program(tmp_path):
    proc = subprocess.run(
        [sys.executable, "main.py", "report", str(PRESETS / "default.json"), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0 and json.loads(proc.stdout)["input_length"] == pytest.approx(8 * np.pi)
    proc = subprocess.run(
        [sys.executable, "-m", "nnsurface", str(tmp_path / "missing.json")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == f"nnsurface: {tmp_path / 'missing.json'}: (file): no such file\n"
