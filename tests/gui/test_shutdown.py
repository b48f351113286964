"""Clean shutdown: after a long scripted session (hundreds of edits through the widgets, architecture
and activation changes, undo and redo, files, presets, exports, the lab) the app saves its screenshot
and exits with status 0 and nothing on stderr — no "none_dealloc" abort, no traceback. Run in a
subprocess under the tests' X display, as a user would run it."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from nnsurface.core.session_file import load_session

REPO = Path(__file__).parents[2]

SCRIPT = textwrap.dedent(
    """
    import sys
    from nnsurface.gui.app import application, build_window, close_window, grab
    from nnsurface.gui.settings import AppSettings

    work, preset = sys.argv[1], sys.argv[2]
    app = application(samples=4)
    window = build_window(work + "/start.json", AppSettings.at(work + "/settings.ini"), restore=True)
    window.show()
    model, editor = window.model, window.weight_editor
    model.flush()
    for k in range(400):
        spin = editor.spinbox(f"w-L{k % 3 + 1}-{k % 2}-0")
        spin.setFocus()
        spin.setValue(((k * 37) % 200 - 100) / 50)
        if k % 9 == 0:
            model.end_edit_run()
        if k % 25 == 0:
            model.flush()
            app.processEvents()
    model.set_widths((6, 3, 5))
    model.set_activation("hardtanh")
    model.set_color_mode("region")
    window.mesh_lines_action.setChecked(True)
    model.flush()
    app.processEvents()
    for _ in range(60):
        window.undo_action.trigger()
    for _ in range(60):
        window.redo_action.trigger()
    window.file_actions.save_session()
    window.file_actions.open_preset(__import__("pathlib").Path(preset))
    window.file_actions.export_image_to(work + "/view.png", 1800, 1200)
    window.file_actions.export_data_to(work + "/data.csv")
    window.open_lab()
    window.show_guide()
    model.set_view(3.0, 120)
    grab(window).save(work + "/shot.png")
    close_window(window)
    """
)


@pytest.fixture
def env(tmp_path):
    return dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "config"), PYTHONPATH=str(REPO))


@pytest.mark.slow
def test_a_long_scripted_session_exits_cleanly(tmp_path, env):
    preset = REPO / "resources/presets/default.json"
    (tmp_path / "start.json").write_bytes(preset.read_bytes())
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path), str(REPO / "resources/presets/deep_narrow_relu.json")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert (proc.returncode, proc.stderr) == (0, "")
    assert QImage(str(tmp_path / "shot.png")).width() > 0
    assert QImage(str(tmp_path / "view.png")).size().toTuple() == (1800, 1200)
    assert (tmp_path / "data-grid.csv").exists()
    assert load_session(tmp_path / "start.json").network.widths == (6, 3, 5)
    assert (tmp_path / "settings.ini").exists()  # the window kept its layout and last session


def test_the_app_with_a_file_renders_a_screenshot_and_exits_cleanly(tmp_path, env):
    shot = tmp_path / "shot.png"
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "main.py"),
            str(REPO / "resources/presets/tanh.json"),
            "--screenshot",
            str(shot),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (proc.returncode, proc.stderr) == (0, "")
    assert QImage(str(shot)).width() > 0
    assert not (tmp_path / "config").exists()  # a screenshot run keeps no settings
