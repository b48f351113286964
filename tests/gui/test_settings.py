"""Settings: window geometry and dock layout, recent files and the last session survive a restart (a new
window on the same settings file); damaged settings never stop the app. Always a temporary INI file."""

import json

import pytest
from PySide6.QtCore import QSettings, QStandardPaths
from scripted import ScriptedDialogs

from nnsurface.core.network import original_random
from nnsurface.core.session import Session
from nnsurface.core.session_file import load_session, save_session, session_to_dict
from nnsurface.gui.app import build_window, close_window
from nnsurface.gui.dialogs import UnsavedChoice
from nnsurface.gui.settings import MAX_RECENT, AppSettings


@pytest.fixture
def ini(tmp_path):
    return str(tmp_path / "settings.ini")


def restart(qtbot, ini, session_path=None):
    """What the app does at start: a window from the settings file, dialogs scripted."""
    window = build_window(session_path, AppSettings.at(ini), restore=True)
    window.dialogs = ScriptedDialogs()
    window.show()
    qtbot.waitUntil(window.isVisible)
    return window


def test_geometry_and_dock_layout_are_restored(qtbot, ini):
    window = restart(qtbot, ini)
    window.resize(1100, 720)
    window.docks["plots"].hide()
    window.docks["measures"].setFloating(True)
    qtbot.waitUntil(lambda: window.size().width() == 1100)
    window.close()
    close_window(window)

    window = restart(qtbot, ini)
    try:
        qtbot.waitUntil(lambda: window.size().width() == 1100)
        assert window.size().height() == 720
        assert window.docks["plots"].isHidden()
        assert window.docks["measures"].isFloating()
        assert not window.docks["weights"].isHidden()
    finally:
        close_window(window)


def test_recent_files_are_kept_most_recent_first_and_bounded(qtbot, ini, tmp_path):
    paths = []
    for k in range(MAX_RECENT + 2):
        path = str(tmp_path / f"s{k}.json")
        save_session(Session(original_random((2,), seed=k)), path)
        paths.append(path)
    window = restart(qtbot, ini)
    for path in paths:
        window.file_actions.open_path(path)
    window.file_actions.open_path(paths[3])  # again: moves to the top, no duplicate
    window.close()
    close_window(window)
    expected = [paths[3]] + [p for p in reversed(paths) if p != paths[3]]
    assert AppSettings.at(ini).recent_files() == expected[:MAX_RECENT]


def test_the_last_session_reopens_from_its_file(qtbot, ini, tmp_path):
    path = str(tmp_path / "work.json")
    window = restart(qtbot, ini)
    window.model.set_widths((5, 3))
    window.dialogs.save_answers.append(path)
    window.file_actions.save.trigger()
    saved = window.model.session()
    window.close()
    close_window(window)

    window = restart(qtbot, ini)
    try:
        assert window.model.session().equals(saved)
        assert window.model.document().path == path and not window.model.is_modified()
        assert window.windowTitle() == "work.json[*] — nnsurface"
    finally:
        close_window(window)


def test_discarded_changes_do_not_come_back(qtbot, ini, tmp_path):
    path = str(tmp_path / "kept.json")
    window = restart(qtbot, ini)
    window.dialogs.save_answers.append(path)
    window.file_actions.save.trigger()
    window.model.set_activation("tanh")
    window.dialogs.unsaved_answers.append(UnsavedChoice.DISCARD)
    window.close()
    close_window(window)

    window = restart(qtbot, ini)
    try:
        assert window.model.session().network.activation == "relu"
        assert window.model.session().equals(load_session(path))
    finally:
        close_window(window)


def test_an_untitled_session_comes_back_untitled(qtbot, ini, tmp_path):
    window = restart(qtbot, ini)
    window.file_actions.preset_menu.actions()[1].trigger()  # deep narrow relu
    preset = window.model.session()
    window.close()
    close_window(window)
    window = restart(qtbot, ini)
    try:
        assert window.model.session().equals(preset)
        assert window.model.document().path is None and not window.model.is_modified()
    finally:
        close_window(window)


def test_a_file_named_at_start_wins_over_the_last_session(qtbot, ini, tmp_path):
    window = restart(qtbot, ini)
    window.model.set_view(2.0, 20)
    window.dialogs.save_answers.append(str(tmp_path / "last.json"))
    window.file_actions.save.trigger()
    window.close()
    close_window(window)
    named = str(tmp_path / "named.json")
    session = Session(original_random((3, 3), seed=21))
    save_session(session, named)
    window = restart(qtbot, ini, named)
    try:
        assert window.model.session().equals(session)
        assert AppSettings.at(ini).recent_files()[0] == named
    finally:
        close_window(window)


def test_a_last_file_that_is_gone_falls_back_to_the_session_kept(qtbot, ini, tmp_path):
    path = tmp_path / "moved.json"
    window = restart(qtbot, ini)
    window.model.set_bias(2, 0, 3.5)
    window.dialogs.save_answers.append(str(path))
    window.file_actions.save.trigger()
    kept = window.model.session()
    window.close()
    close_window(window)
    path.unlink()
    window = restart(qtbot, ini)
    try:
        assert window.model.session().equals(kept)
        assert window.model.document().path is None
    finally:
        close_window(window)


@pytest.mark.parametrize(
    "values",
    [
        {"last/session": "{not json", "last/path": "/nonexistent/x.json", "files/recent": "[1, 2"},
        {
            "last/session": json.dumps({"format": "nnsurface-session", "version": 9}),
            "files/recent": '{"a": 1}',
        },
        {"window/geometry": "garbage", "window/state": 12, "files/recent": json.dumps(["", 5, "/a.json"])},
    ],
    ids=["broken json", "invalid session", "wrong types"],
)
def test_damaged_settings_start_the_default_session(qtbot, ini, values):
    raw = QSettings(ini, QSettings.Format.IniFormat)
    for key, value in values.items():
        raw.setValue(key, value)
    raw.sync()
    window = restart(qtbot, ini)
    try:
        assert window.model.session().equals(Session())
        assert window.settings.recent_files() in ([], ["/a.json"])
    finally:
        close_window(window)


def test_a_window_without_settings_keeps_nothing(qtbot, tmp_path):
    from nnsurface.gui.main_window import MainWindow

    # where the user's settings would go, if anything were written there
    fmt, scope = QSettings.Format.IniFormat, QSettings.Scope.UserScope
    user_config = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericConfigLocation)
    QSettings.setPath(fmt, scope, str(tmp_path / "config"))
    try:
        assert AppSettings.for_user()._store.fileName().startswith(str(tmp_path / "config"))
        window = MainWindow()
        window.dialogs = ScriptedDialogs()
        window.show()
        window.model.set_weight(0, 0, 0, 1.0)
        window.close_discarding()
        close_window(window)
        assert not (tmp_path / "config").exists()
    finally:
        QSettings.setPath(fmt, scope, user_config)


def test_the_kept_session_is_the_design_format(qtbot, ini):
    window = restart(qtbot, ini)
    window.model.randomize("paper", 1.0, 5)
    window.dialogs.unsaved_answers.append(UnsavedChoice.DISCARD)
    window.close()
    close_window(window)
    text, path = AppSettings.at(ini).last_session()
    assert path is None
    assert json.loads(text) == session_to_dict(Session())  # the discarded randomisation is not kept
