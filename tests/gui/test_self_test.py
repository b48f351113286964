"""`--self-test`: its stored values against references that share no code with the core, and its checks
on a real window (that they pass, and that each fails when what it checks is wrong).

The references use only numpy and the stored session's weights: a dense polyline for the lengths (whose
chords can only fall short of the exact lengths, by a bound that shrinks with the step), and, for the
regions and creases, the fact that the default network has zero biases: f(λx) = λ f(x) for λ > 0, so
every activation pattern is constant along rays from the origin and every crease is a ray.
"""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from nnsurface import cli, paths
from nnsurface.core.session import Session
from nnsurface.core.session_file import session_to_dict
from nnsurface.gui import self_test

REPO = Path(__file__).parents[2]
STORED = json.loads(paths.selftest_expected_path().read_text())
POLYLINE_POINTS = 200_000
POLYLINE_SHORTFALL = 2e-5  # measured: ≤ 3.4e-6 relative at 200 000 points (kinks cut by chords)


def forward(points: np.ndarray) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Hidden layers, output and relu pattern of the stored network, from its JSON weights alone."""
    layers = STORED["session"]["network"]["layers"]
    assert STORED["session"]["network"]["activation"] == "relu"
    h, hidden, pre = points, [], []
    for layer in layers[:-1]:
        z = h @ np.array(layer["weights"]) + np.array(layer["bias"])
        h = np.maximum(z, 0.0)
        hidden.append(h)
        pre.append(z > 0)
    out = h @ np.array(layers[-1]["weights"])[:, 0] + layers[-1]["bias"][0]
    return hidden, out, np.concatenate(pre, axis=1)


def polyline_length(points: np.ndarray) -> float:
    return float(np.linalg.norm(np.diff(points, axis=0), axis=1).sum())


def assert_short_of(polyline: float, exact: float) -> None:
    """A polyline through points of a curve is at most as long as the curve, and close below it."""
    assert exact * (1 - POLYLINE_SHORTFALL) <= polyline <= exact * (1 + 1e-12)


# --- the stored values ------------------------------------------------------------------------


def test_stored_values_are_the_default_sessions_from_the_exact_core():
    session = Session()
    assert STORED["session"] == session_to_dict(session)
    now = self_test.stored_values(session)
    assert list(now) == list(STORED["measures"])
    for key, value in now.items():
        assert self_test.matches(value, STORED["measures"][key], STORED["relative_tolerance"]), key


def test_stored_lengths_agree_with_a_dense_polyline():
    trajectory = STORED["session"]["trajectory"]
    t = np.linspace(0.0, 2 * np.pi, POLYLINE_POINTS + 1)
    x = np.array(trajectory["center"]) + trajectory["radius"] * np.column_stack([np.cos(t), np.sin(t)])
    hidden, f, pattern = forward(x)
    stored = STORED["measures"]
    assert_short_of(polyline_length(x), stored["input_length"])
    assert_short_of(polyline_length(np.column_stack([x, f])), stored["surface_length"])
    assert_short_of(float(np.abs(np.diff(f)).sum()), stored["output_length"])
    assert len(stored["layer_lengths"]) == len(hidden)
    for h, exact in zip(hidden, stored["layer_lengths"], strict=True):
        assert_short_of(polyline_length(h), exact)
    loop = pattern[:-1]  # the last point is the first one again
    assert np.any(loop != np.roll(loop, -1, axis=0), axis=1).sum() == stored["transitions"]
    assert len(np.unique(loop, axis=0)) == stored["regions_visited"]


def crease_directions(samples: int = 100_000, halvings: int = 60) -> np.ndarray:
    """Angles of the rays where the pattern changes, each found by bisection between two samples."""
    assert all(b == 0 for layer in STORED["session"]["network"]["layers"] for b in layer["bias"])

    def pattern(theta: np.ndarray) -> np.ndarray:
        return forward(np.column_stack([np.cos(theta), np.sin(theta)]))[2]

    theta = np.linspace(0.0, 2 * np.pi, samples, endpoint=False)
    p = pattern(theta)
    starts = np.nonzero(np.any(p != np.roll(p, -1, axis=0), axis=1))[0]
    lo, hi = theta[starts], theta[starts] + 2 * np.pi / samples
    first = p[starts]
    for _ in range(halvings):
        mid = 0.5 * (lo + hi)
        same = np.all(pattern(mid) == first, axis=1)
        lo, hi = np.where(same, mid, lo), np.where(same, hi, mid)
    return 0.5 * (lo + hi)


def test_stored_regions_and_creases_agree_with_the_rays_of_the_homogeneous_network():
    extent = STORED["session"]["view"]["extent"]
    stored = STORED["measures"]
    rays = crease_directions()
    # every ray runs from the origin to the square's border; between two rays lies one region
    lengths = extent / np.maximum(np.abs(np.cos(rays)), np.abs(np.sin(rays)))
    assert stored["crease_length"] == pytest.approx(float(lengths.sum()), rel=1e-9)
    assert stored["regions_exact"] == len(rays)
    # and a grid that misses the origin (where every unit is at its knot) meets that many patterns
    axis = np.linspace(-extent, extent, 400)
    grid = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)
    assert len(np.unique(forward(grid)[2], axis=0)) == stored["regions_exact"]


def test_matches_compares_counts_exactly_and_lengths_relatively():
    assert self_test.matches(14, 14, 1e-9) and not self_test.matches(15, 14, 1e-9)
    assert self_test.matches(1.0 + 1e-10, 1.0, 1e-9) and not self_test.matches(1.0 + 1e-8, 1.0, 1e-9)
    assert self_test.matches([1.0, 2.0], [1.0, 2.0], 1e-9) and not self_test.matches([1.0], [1.0, 2.0], 1e-9)
    assert self_test.matches(None, None, 1e-9) and not self_test.matches(None, 1.0, 1e-9)


def test_seconds_since_start_counts_from_the_process_start():
    age = self_test.seconds_since_start()
    elapsed = int(
        subprocess.run(
            ["ps", "-o", "etimes=", "-p", str(os.getpid())], capture_output=True, text=True, check=True
        ).stdout
    )
    assert time.monotonic() - cli.STARTED <= age + 0.02  # the process began before nnsurface.cli loaded
    assert elapsed - 1 <= age <= elapsed + 2


# --- the checks on a window -------------------------------------------------------------------


def report_lines(capsys) -> list[str]:
    return capsys.readouterr().out.splitlines()


def stored_with(tmp_path, monkeypatch, change) -> None:
    """Point the self-test at a copy of the stored values with `change` applied to it."""
    document = json.loads(json.dumps(STORED))
    change(document)
    path = tmp_path / "selftest_expected.json"
    path.write_text(json.dumps(document))
    monkeypatch.setattr(paths, "selftest_expected_path", lambda: path)


def test_every_check_passes_on_the_default_window(window, capsys):
    assert self_test.run_checks(window, None) == 0
    lines = report_lines(capsys)
    assert all(line.startswith("ok   ") for line in lines[:-1]), lines
    assert re.fullmatch(r"ok   first frame after \d+\.\d\d s \(from process start\)", lines[1])
    regions = STORED["measures"]["regions_exact"]
    drawn = rf"ok   surface drawn from {regions} exact regions \(\d+ vertex heights on the GPU\)"
    assert sum(bool(re.fullmatch(drawn, line)) for line in lines) == 1, lines
    for key in STORED["measures"]:
        assert any(line.startswith(f"ok   {key} ") and line.endswith(" matches") for line in lines), key
    assert lines[-1] == f"nnsurface self-test: ok ({len(lines) - 1} checks)"


def test_a_measure_that_differs_from_its_stored_value_fails_its_line(window, capsys, tmp_path, monkeypatch):
    def change(document):
        document["measures"]["output_length"] *= 1 + 1e-7

    stored_with(tmp_path, monkeypatch, change)
    assert self_test.run_checks(window, None) == 1
    lines = report_lines(capsys)
    failed = [line for line in lines if line.startswith("FAIL")]
    assert len(failed) == 1 and failed[0].startswith("FAIL output_length 37.88725549")
    assert lines[-1] == f"nnsurface self-test: FAILED (1 of {len(lines) - 1} checks)"


def test_a_default_session_that_is_not_the_stored_one_fails_and_skips_the_measures(
    window, capsys, tmp_path, monkeypatch
):
    def change(document):
        document["session"]["network"]["layers"][0]["weights"][0][0] += 0.125

    stored_with(tmp_path, monkeypatch, change)
    assert self_test.run_checks(window, None) == 1
    lines = report_lines(capsys)
    assert "FAIL the default session differs from the stored one (network, trajectory or view)" in lines
    assert not any("matches" in line for line in lines)


def test_a_surface_drawn_from_the_grid_fails_the_exact_region_check(window):
    window.surface_view.set_surface_source("grid")
    check = self_test.check_surface(window, window.model.flush())
    assert (check.passed, check.text) == (False, "surface drawn from grid, expected the 14 exact regions")


def test_gpu_heights_that_are_not_the_exact_mesh_fail_the_check(window, monkeypatch):
    self_test.view_frame(window)  # the regions' buffers are uploaded
    heights = self_test.gpu_heights(window)
    monkeypatch.setattr(self_test, "gpu_heights", lambda _window: heights + np.float32(1e-3))
    check = self_test.check_surface(window, window.model.flush())
    assert check.passed is False and "are not the 14 exact regions' mesh" in check.text


def test_a_session_file_is_checked_without_the_stored_values(window, capsys):
    name = "resources/presets/tanh.json"
    check = self_test.check_session(window.model.flush(), STORED, name)
    assert check.passed is None
    assert check.line() == f"--   stored values not checked: they are the default session's, not {name}'s"


# --- the command ------------------------------------------------------------------------------


def run_main(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPO / "main.py"), *args],
        env=dict(os.environ, PYTHONPATH=str(REPO), **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_main_py_self_test_prints_one_line_per_check_and_exits_0():
    proc = run_main("--self-test")
    lines = proc.stdout.splitlines()
    assert (proc.returncode, proc.stderr) == (0, "")
    assert all(re.match(r"ok   \S", line) for line in lines[:-1]), lines
    assert float(re.search(r"first frame after (\d+\.\d+) s", proc.stdout)[1]) > 0
    assert lines[-1].startswith("nnsurface self-test: ok")


def test_self_test_without_opengl_fails_the_3d_check_and_still_checks_the_rest():
    proc = run_main("--self-test", NNSURFACE_NO_GL="1")
    lines = proc.stdout.splitlines()
    assert proc.returncode == 1
    assert lines[0] == "FAIL 3-D view unavailable: NNSURFACE_NO_GL is set"
    assert "--   exact-region surface not checked: no 3-D view" in lines
    assert [line for line in lines if line.startswith("FAIL")] == [lines[0]]
    assert sum(line.endswith(" matches") for line in lines) == len(STORED["measures"])
