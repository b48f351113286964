"""The File menu and the document: title and unsaved mark, new/open/save/save as, recent files, presets,
drag and drop, the file named at start, and the unsaved-changes question (scripted, and the real box)."""

import json
import os

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox
from scripted import ScriptedDialogs, shown_window

from nnsurface import paths
from nnsurface.core.network import original_random
from nnsurface.core.session import Session
from nnsurface.core.session_file import load_session, save_session, session_to_dict
from nnsurface.gui.app import build_window, close_window
from nnsurface.gui.dialogs import Dialogs, UnsavedChoice
from nnsurface.gui.settings import AppSettings


@pytest.fixture
def settings(tmp_path):
    return AppSettings.at(str(tmp_path / "settings.ini"))


@pytest.fixture
def win(qtbot, settings):
    window = shown_window(qtbot, settings)
    yield window
    close_window(window)


def saved(tmp_path, name: str, seed: int) -> tuple[str, Session]:
    """A session file with its own network, and the session it holds."""
    session = Session(original_random((4, 4), seed=seed))
    path = str(tmp_path / name)
    save_session(session, path)
    return path, session


def test_title_names_the_file_and_marks_unsaved_changes(win, tmp_path):
    assert win.windowTitle() == "untitled[*] — nnsurface"
    assert not win.isWindowModified()
    win.model.set_weight(0, 0, 0, 2.5)
    assert win.isWindowModified()
    target = str(tmp_path / "run1.json")
    win.dialogs.save_answers.append(target)
    win.file_actions.save.trigger()  # untitled: Save asks where
    assert win.windowTitle() == "run1.json[*] — nnsurface"
    assert not win.isWindowModified()
    assert load_session(target).equals(win.model.session())
    win.model.set_bias(2, 0, 1.0)
    assert win.isWindowModified()
    win.model.undo_stack.undo()
    assert not win.isWindowModified()


def test_save_writes_to_the_same_file_without_asking_and_save_as_moves_the_document(win, tmp_path):
    first = str(tmp_path / "a.json")
    win.dialogs.save_answers.append(first)
    win.file_actions.save_as.trigger()
    win.model.set_weight(1, 3, 3, -1.5)
    win.file_actions.save.trigger()  # no dialog queued: it must not ask
    assert load_session(first).network.weights[1][3, 3] == -1.5
    win.dialogs.save_answers.append(str(tmp_path / "b"))  # typed without a suffix
    win.file_actions.save_as.trigger()
    assert win.model.document().path == str(tmp_path / "b.json")
    assert win.dialogs.save_suggestions[-1] == first
    assert load_session(tmp_path / "b.json").equals(win.model.session())
    assert win.settings.recent_files()[:2] == [str(tmp_path / "b.json"), first]


def test_open_replaces_the_session_as_one_undo_step(win, tmp_path):
    path, session = saved(tmp_path, "other.json", seed=3)
    before = win.model.session()
    win.dialogs.open_answers.append(path)
    win.file_actions.open.trigger()
    assert win.model.session().equals(session)
    assert win.model.document().path == path
    assert win.windowTitle() == "other.json[*] — nnsurface" and not win.isWindowModified()
    assert win.settings.recent_files() == [path]
    win.model.flush()
    assert np.array_equal(
        win.weight_editor.spinbox("w-L1-0-0").value(), round(session.network.weights[0][0, 0], 3)
    )
    win.undo_action.trigger()
    assert win.model.session() is before
    assert win.model.document().path is None and win.windowTitle() == "untitled[*] — nnsurface"
    win.redo_action.trigger()
    assert win.model.session().equals(session) and win.model.document().path == path


def test_opening_with_unsaved_changes_asks_first(win, tmp_path):
    path, session = saved(tmp_path, "other.json", seed=4)
    win.model.set_weight(0, 1, 1, 7.0)
    edited = win.model.session()
    win.dialogs.unsaved_answers.append(UnsavedChoice.CANCEL)
    assert not win.file_actions.open_path(path)
    assert win.model.session() is edited
    win.dialogs.unsaved_answers.append(UnsavedChoice.DISCARD)
    assert win.file_actions.open_path(path)
    assert win.model.session().equals(session)
    assert win.dialogs.unsaved_questions == [("untitled", "opening another session")] * 2
    win.undo_action.trigger()  # discarded, yet not lost
    assert win.model.session() is edited


def test_new_starts_from_the_default_and_is_undoable(win):
    win.model.randomize("paper", 2.0, 9)
    randomized = win.model.session()
    win.dialogs.unsaved_answers.append(UnsavedChoice.DISCARD)
    win.file_actions.new.trigger()
    assert win.model.session().equals(Session())
    assert not win.isWindowModified()
    win.undo_action.trigger()
    assert win.model.session() is randomized


def test_every_preset_opens_as_an_untitled_session(win, tmp_path):
    presets = win.file_actions.preset_menu.actions()
    files = sorted(paths.presets_dir().glob("*.json"))
    assert len(presets) == len(files) == 5
    assert presets[0].text() == "Original tool's default"
    for act in presets:
        act.trigger()
        name = win.model.document().name
        assert name.endswith("(preset)") and win.model.document().path is None
        preset_file = paths.presets_dir() / (name.split(" ")[0] + ".json")
        assert win.model.session().equals(load_session(preset_file))
        assert win.model.flush().session is win.model.session()
    win.model.set_weight(0, 0, 0, 1.0)
    target = str(tmp_path / "mine.json")
    win.dialogs.save_answers.append(target)
    win.file_actions.save.trigger()  # a preset has no file of its own: Save asks
    assert win.dialogs.save_suggestions[-1].endswith("wide_relu.json")
    assert load_session(target).equals(win.model.session())


def test_recent_files_menu_opens_and_forgets_missing_files(win, tmp_path):
    a, session_a = saved(tmp_path, "a.json", seed=1)
    b, _ = saved(tmp_path, "b.json", seed=2)
    win.file_actions.open_path(a)
    win.file_actions.open_path(b)
    menu = win.file_actions.recent_menu
    menu.aboutToShow.emit()
    entries = [act for act in menu.actions() if act.toolTip() in (a, b)]
    assert [act.toolTip() for act in entries] == [b, a]
    assert entries[1].text() == "&2  a.json"
    entries[1].trigger()
    assert win.model.session().equals(session_a)
    os.remove(b)
    menu.aboutToShow.emit()
    [act for act in menu.actions() if act.toolTip() == b][0].trigger()
    title, text, details = win.dialogs.errors[-1]
    assert f"File: {b}" in details and "no such file" in details
    assert win.settings.recent_files() == [a]
    assert win.model.session().equals(session_a)


def _drop(window, paths_: list[str]) -> tuple[bool, bool]:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(p) for p in paths_])
    pos = QPointF(window.width() / 2, window.height() / 2)
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(pos, Qt.DropAction.CopyAction, mime, buttons, modifiers)
    QApplication.sendEvent(window, enter)
    drop = QDropEvent(pos, Qt.DropAction.CopyAction, mime, buttons, modifiers)
    QApplication.sendEvent(window, drop)
    return enter.isAccepted(), drop.isAccepted()


def test_dropping_a_session_file_opens_it(win, tmp_path):
    path, session = saved(tmp_path, "dropped.json", seed=6)
    assert _drop(win, [path]) == (True, True)
    assert win.model.session().equals(session)
    assert win.model.document().path == path


def test_dropping_a_session_file_on_the_3d_view_opens_it(win, tmp_path):
    path, session = saved(tmp_path, "on_view.json", seed=7)
    assert _drop(win.surface_view.gl.window_view, [path]) == (True, True)  # a native window of its own
    assert win.model.session().equals(session)


def test_dropping_several_files_is_ignored(win, tmp_path):
    a, _ = saved(tmp_path, "a.json", seed=1)
    b, _ = saved(tmp_path, "b.json", seed=2)
    before = win.model.session()
    assert _drop(win, [a, b]) == (False, False)
    assert win.model.session() is before


def test_closing_with_unsaved_changes_can_cancel_save_or_discard(qtbot, settings, tmp_path):
    window = shown_window(qtbot, settings)
    path, _ = saved(tmp_path, "doc.json", seed=8)
    window.file_actions.open_path(path)
    window.model.set_weight(0, 0, 1, 4.25)
    window.dialogs.unsaved_answers.append(UnsavedChoice.CANCEL)
    window.close()
    assert window.isVisible()
    assert window.dialogs.unsaved_questions == [("doc.json", "closing")]
    window.dialogs.unsaved_answers.append(UnsavedChoice.SAVE)
    window.close()
    assert not window.isVisible()
    assert load_session(path).network.weights[0][0, 1] == 4.25
    close_window(window)

    window = shown_window(qtbot, settings)
    window.file_actions.open_path(path)
    window.model.set_weight(0, 0, 1, -3.0)
    window.dialogs.unsaved_answers.append(UnsavedChoice.DISCARD)
    window.close()
    assert not window.isVisible()
    assert load_session(path).network.weights[0][0, 1] == 4.25
    close_window(window)


def test_an_unmodified_session_closes_without_a_question(qtbot, settings):
    window = shown_window(qtbot, settings)
    window.model.set_weight(0, 0, 0, 1.0)
    window.undo_action.trigger()
    window.file_actions.quit.trigger()
    assert not window.isVisible()
    assert window.dialogs.unsaved_questions == []
    close_window(window)


def _click_when_shown(qtbot, button: QMessageBox.StandardButton, seen: list) -> None:
    """Answer the next modal message box with `button`, as a person would, once it is up."""

    def answer():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        seen.append((box.text(), box.informativeText()))
        qtbot.mouseClick(box.button(button), Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, answer)


def test_the_real_unsaved_changes_box_is_answered_by_its_buttons(qtbot, settings):
    window = shown_window(qtbot, settings)
    window.dialogs = Dialogs(window)
    window.model.set_bias(1, 1, 0.5)
    seen: list = []
    _click_when_shown(qtbot, QMessageBox.StandardButton.Cancel, seen)
    window.close()
    assert window.isVisible()
    _click_when_shown(qtbot, QMessageBox.StandardButton.Discard, seen)
    window.close()
    assert not window.isVisible()
    assert (
        seen == [("The session “untitled” has changes that are not saved.", "Save them before closing?")] * 2
    )
    close_window(window)


def test_the_real_error_box_shows_file_field_and_problem(qtbot, settings, tmp_path):
    window = shown_window(qtbot, settings)
    window.dialogs = Dialogs(window)
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "nnsurface-session", "version": 7}')
    seen: list = []
    _click_when_shown(qtbot, QMessageBox.StandardButton.Ok, seen)
    assert not window.file_actions.open_path(str(bad))
    assert seen == [
        (
            "“bad.json” was not opened; nothing has changed.",
            f"File: {bad}\nField: version\nProblem: unsupported version 7 (this nnsurface reads version 1)",
        )
    ]
    close_window(window)


def test_the_file_named_at_start_opens_and_becomes_recent(qtbot, settings, tmp_path):
    path, session = saved(tmp_path, "start.json", seed=12)
    window = build_window(path, settings, restore=False)
    window.dialogs = ScriptedDialogs()
    try:
        assert window.model.session().equals(session)
        assert window.model.document().path == path
        assert window.windowTitle() == "start.json[*] — nnsurface"
        assert settings.recent_files() == [path]
    finally:
        close_window(window)


def test_saved_files_are_the_design_format(win, tmp_path):
    target = tmp_path / "fmt.json"
    win.dialogs.save_answers.append(str(target))
    win.file_actions.save_as.trigger()
    assert json.loads(target.read_text()) == session_to_dict(win.model.session())
    assert json.loads(target.read_text())["format"] == "nnsurface-session"
