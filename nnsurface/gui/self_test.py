"""`nnsurface --self-test`: does this installation (a checkout, a wheel or the frozen bundle) really work?

It opens the main window as a user would, waits for the first frame of the surface, and checks, printing
one line per check ("ok   …", "FAIL …", or "--   …" for a check that does not apply): the 3-D view has
OpenGL, the first frame came (and how long after the process started), it is not blank, the surface is
drawn from the exact linear regions with the heights the core computes, the default session and its
measures equal the values stored in resources/selftest_expected.json, and an edit reaches the screen.

The stored values were computed once by the exact core (`write_expected`) and are checked against a dense
polyline by tests/gui/test_self_test.py; the self-test compares what the running app computes with them,
so a bundle that lost a module, a data file or numerical behaviour fails here, not in a user's hands.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from nnsurface import paths
from nnsurface.core.grid import evaluate_grid
from nnsurface.core.measures import measure
from nnsurface.core.partition import partition
from nnsurface.core.session import Session
from nnsurface.core.session_file import session_to_dict
from nnsurface.gui.main_window import MainWindow
from nnsurface.gui.result import Result, exact_surface

FIRST_FRAME_TIMEOUT_S = 30.0
RELATIVE_TOLERANCE = 1e-9  # the core integrates to 1e-10; stored values are printed with every digit
MIN_DRAWN_SHARE = 0.05  # a frame with fewer pixels off the background than this counts as blank
MIN_COLOURS = 16  # ... or with fewer distinct colours (a lit surface has hundreds)
EDITED_WEIGHT = ("w-L1-0-0", 0, 0, 0)  # spinbox name, layer, row, column of the weight the test edits
EDIT_STEP = 0.5


@dataclass(frozen=True)
class Check:
    """One line of the report: passed (True), failed (False) or not applicable (None)."""

    passed: bool | None
    text: str

    def line(self) -> str:
        mark = {True: "ok  ", False: "FAIL", None: "--  "}[self.passed]
        return f"{mark} {self.text}"


def seconds_since_start() -> float:
    """Seconds since this process started: on Linux from the kernel's start time (so the interpreter's
    and a bundle's own start count too), elsewhere since nnsurface.cli was imported."""
    try:
        with open("/proc/self/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()  # the command name may hold spaces
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22, starttime, in clock ticks
        return time.clock_gettime(time.CLOCK_BOOTTIME) - started
    except (OSError, ValueError, IndexError, AttributeError):
        from nnsurface import cli

        return time.monotonic() - cli.STARTED


# --- the stored values ---------------------------------------------------------------------------


def stored_values(session: Session) -> dict[str, Any]:
    """The measures of `session` from the core: those of `report --json`, with regions_exact and
    crease_length of the view window."""
    e = session.view.extent
    part = partition(session.network, (-e, e, -e, e))
    values = measure(session.network, session.trajectory).as_dict()
    values.update(regions_exact=part.regions_exact, crease_length=part.crease_length)
    return values


def write_expected(path: Path | None = None) -> None:
    """Write the default session and its measures to the self-test's file. Run once, and again only when
    the default session or a definition changes:
    python -c "from nnsurface.gui.self_test import write_expected; write_expected()"
    """
    session = Session()
    document = {
        "about": "The default session and its measures from the exact core, checked by `nnsurface "
        "--self-test` and, against a dense polyline, by tests/gui/test_self_test.py.",
        "relative_tolerance": RELATIVE_TOLERANCE,
        "session": session_to_dict(session),
        "measures": stored_values(session),
    }
    target = path if path is not None else paths.selftest_expected_path()
    target.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def load_expected() -> dict[str, Any]:
    return json.loads(paths.selftest_expected_path().read_text(encoding="utf-8"))


def matches(value: Any, stored: Any, tolerance: float) -> bool:
    """Counts equal, lengths within `tolerance` relative, lists element by element, None only with None."""
    if isinstance(stored, list):
        return (
            isinstance(value, list | tuple)
            and len(value) == len(stored)
            and all(matches(v, s, tolerance) for v, s in zip(value, stored, strict=True))
        )
    if stored is None or isinstance(stored, int):
        return value == stored
    return value is not None and math.isclose(value, stored, rel_tol=tolerance, abs_tol=0.0)


def _shown(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_shown(v) for v in value)
    return f"{value:.12g}" if isinstance(value, float) else str(value)


# --- the window ----------------------------------------------------------------------------------


def wait_for_first_frame(window: MainWindow, timeout_s: float = FIRST_FRAME_TIMEOUT_S) -> float | None:
    """Let the app run until the surface view has drawn its first result; the seconds since the process
    started at that moment, or None if it did not within `timeout_s`."""
    loop = QEventLoop()
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)
    if window.gl_problem is None:
        view = window.surface_view.gl.window_view

        def drawn() -> bool:
            return view.painted_revision is not None

        view.frameSwapped.connect(loop.quit)
    else:  # the heatmap paints in the same event-loop pass that delivers the result

        def drawn() -> bool:
            return window.model.result() is not None

        window.model.resultChanged.connect(lambda _result: QTimer.singleShot(0, loop.quit))
    deadline = time.monotonic() + timeout_s
    while not drawn():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        timer.start(max(1, int(remaining * 1000)))
        loop.exec()
    return seconds_since_start()


def view_frame(window: MainWindow) -> QImage:
    """What the surface view shows: its scene rendered again off-screen (3-D), or the heatmap widget."""
    window.model.flush()
    QApplication.processEvents()
    if window.gl_problem is None:
        return window.surface_view.gl.grabFramebuffer()
    return window.surface_view.grab().toImage()


def drawn_share(image: QImage) -> tuple[float, int]:
    """The share of pixels that differ from the corner pixel (the background), and the number of colours."""
    rgba = image.convertToFormat(QImage.Format.Format_RGBA8888)
    pixels = np.frombuffer(rgba.constBits(), dtype=np.uint32, count=rgba.width() * rgba.height())
    pixels = pixels.reshape(rgba.height(), rgba.bytesPerLine() // 4)[:, : rgba.width()]
    return float(np.mean(pixels != pixels[0, 0])), len(np.unique(pixels))


def gpu_heights(window: MainWindow) -> np.ndarray:
    """The heights the exact-region surface holds on the GPU (its vertex buffer, read back)."""
    view = window.surface_view
    return view.read_back(view.regions, "a_z", np.float32, 1)


# --- the checks ----------------------------------------------------------------------------------


def check_opengl(window: MainWindow) -> Check:
    if window.gl_problem is not None:
        return Check(False, f"3-D view unavailable: {window.gl_problem}")
    from OpenGL import GL

    view = window.surface_view.gl
    view.makeCurrent()
    try:
        renderer = GL.glGetString(GL.GL_RENDERER).decode(errors="replace")
        version = GL.glGetString(GL.GL_VERSION).decode(errors="replace")
    finally:
        view.doneCurrent()
    return Check(True, f"3-D view on OpenGL {version} ({renderer})")


def check_first_frame(seconds: float | None) -> Check:
    if seconds is None:
        return Check(False, f"no frame of the surface within {FIRST_FRAME_TIMEOUT_S:g} s")
    return Check(True, f"first frame after {seconds:.2f} s (from process start)")


def check_not_blank(window: MainWindow) -> Check:
    image = view_frame(window)
    if image.isNull():
        return Check(False, "the surface view gave no image")
    share, colours = drawn_share(image)
    text = f"{share:.0%} of the {image.width()}×{image.height()} view drawn, {colours} colours"
    if share < MIN_DRAWN_SHARE or colours < MIN_COLOURS:
        return Check(False, f"blank frame: {text}")
    return Check(True, f"frame not blank: {text}")


def check_surface(window: MainWindow, result: Result) -> Check:
    """Relu/hardtanh: drawn from the exact regions, with the GPU holding the core's heights."""
    if window.gl_problem is not None:
        return Check(None, "exact-region surface not checked: no 3-D view")
    session = result.session
    expected, why_not = exact_surface(session.network, session.view.extent)
    drawn = window.surface_view.drawn_source()
    if expected is None:
        if drawn == "grid":
            return Check(True, f"surface drawn from the grid ({why_not})")
        return Check(False, f"surface drawn from {drawn}, expected the grid ({why_not})")
    n = expected.partition.regions_exact
    if drawn != "exact":
        return Check(False, f"surface drawn from {drawn}, expected the {n} exact regions")
    heights = gpu_heights(window)
    if not np.array_equal(heights, expected.mesh.vertices[:, 2]):
        return Check(False, f"the GPU's heights ({len(heights)}) are not the {n} exact regions' mesh")
    return Check(True, f"surface drawn from {n} exact regions ({len(heights)} vertex heights on the GPU)")


def check_session(result: Result, expected: dict[str, Any], session_path: str | None) -> Check:
    if session_path is not None:
        return Check(None, f"stored values not checked: they are the default session's, not {session_path}'s")
    if session_to_dict(result.session) != expected["session"]:
        return Check(False, "the default session differs from the stored one (network, trajectory or view)")
    widths = "-".join(str(w) for w in (2, *result.session.network.widths, 1))
    return Check(True, f"default session as stored ({widths} {result.session.network.activation})")


def check_measures(result: Result, expected: dict[str, Any]) -> list[Check]:
    """One check per stored measure, against what the running app computed (its current result)."""
    values = result.measures.as_dict()
    if result.exact is not None:
        part = result.exact.partition
        values.update(regions_exact=part.regions_exact, crease_length=part.crease_length)
    tolerance = expected["relative_tolerance"]
    checks = []
    for key, stored in expected["measures"].items():
        value = values.get(key)
        if matches(value, stored, tolerance):
            checks.append(Check(True, f"{key} {_shown(value)} matches"))
        else:
            checks.append(Check(False, f"{key} {_shown(value)}, stored {_shown(stored)}"))
    return checks


def check_edit(window: MainWindow) -> Check:
    """Edit one weight through its spinbox, as a user would, and check the view shows the new surface."""
    name, layer, row, col = EDITED_WEIGHT
    before = view_frame(window)
    spin = window.weight_editor.spinbox(name)
    spin.setValue(spin.value() + EDIT_STEP)
    result = window.model.flush()
    network = result.session.network
    if network.weights[layer][row, col] != spin.value():
        return Check(False, f"the edit of {name} did not reach the session")
    after = view_frame(window)
    if after == before:
        return Check(False, f"the view did not change after an edit of {name}")
    surface = check_surface(window, result)
    if surface.passed is False:
        return Check(False, f"after an edit of {name}: {surface.text}")
    if window.gl_problem is not None:
        grid = evaluate_grid(network, result.session.view.extent, result.session.view.resolution)
        if not np.array_equal(window.surface_view.heights(), grid.z):
            return Check(False, f"after an edit of {name}: the heatmap is not the core's grid")
    return Check(True, f"an edit of {name} redraws the view with the new surface")


def run_checks(window: MainWindow, session_path: str | None) -> int:
    """Run every check on the shown `window`, print one line each; 0 if none failed, else 1."""
    first_frame = wait_for_first_frame(window)
    checks = [check_opengl(window), check_first_frame(first_frame)]
    _report(checks)
    if first_frame is None:
        return _summary(checks)
    result = window.model.flush()
    more = [check_not_blank(window), check_surface(window, result)]
    try:
        expected = load_expected()
    except (OSError, ValueError) as e:
        more.append(Check(False, f"stored values unreadable: {e}"))
    else:
        session = check_session(result, expected, session_path)
        more.append(session)
        if session.passed:
            more += check_measures(result, expected)
    more.append(check_edit(window))
    _report(more)
    return _summary(checks + more)


def _report(checks: list[Check]) -> None:
    for check in checks:
        print(check.line(), flush=True)


def _summary(checks: list[Check]) -> int:
    failed = sum(check.passed is False for check in checks)
    if failed:
        print(f"nnsurface self-test: FAILED ({failed} of {len(checks)} checks)", flush=True)
        return 1
    print(f"nnsurface self-test: ok ({len(checks)} checks)", flush=True)
    return 0
