"""Bad input never hurts: every malformed or hostile session file is refused with a message naming the
file, the field and the problem, and the session, its undo history, the document and every file on
disk stay exactly as they were. Failed saves say why and leave the existing file intact."""

import errno
import hashlib
import json
import os
from pathlib import Path

import pytest
from scripted import shown_window

from nnsurface.core import session_file
from nnsurface.core.session_file import MAX_FILE_BYTES, load_session, save_session
from nnsurface.gui.app import close_window
from nnsurface.gui.dialogs import UnsavedChoice
from nnsurface.gui.settings import AppSettings

ROOT = os.name == "posix" and os.geteuid() == 0  # permission bits do not bind root


@pytest.fixture
def win(qtbot, tmp_path):
    """A window showing an edited session saved as current.json, with one more unsaved edit and an
    undo history of three steps."""
    window = shown_window(qtbot, AppSettings.at(str(tmp_path / "settings.ini")))
    window.model.set_weight(0, 0, 0, 1.5)
    window.model.set_widths((4, 3))
    window.dialogs.save_answers.append(str(tmp_path / "current.json"))
    window.file_actions.save_as.trigger()
    window.model.set_bias(0, 1, -0.25)
    window.model.flush()
    yield window
    close_window(window)


def valid_doc() -> dict:
    return session_file.session_to_dict(
        load_session(Path(__file__).parents[2] / "resources/presets/default.json")
    )


def fingerprint(path: Path) -> tuple:
    """What must not change on disk: bytes (hashed), size and modification time, or that it is missing."""
    if not path.exists():
        return ("missing",)
    info = path.stat()
    if path.is_dir():
        return ("dir", info.st_mtime_ns)
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest() if info.st_size <= MAX_FILE_BYTES else "large"
    return (digest, info.st_size, info.st_mtime_ns)


def assert_refused(window, path: Path, field: str, *problem: str, route: str = "open") -> None:
    """Open `path` through `route`; check the one message and that nothing changed anywhere."""
    model, stack = window.model, window.model.undo_stack
    session, document, modified = model.session(), model.document(), model.is_modified()
    steps = (stack.count(), stack.index(), stack.text(stack.index() - 1))
    current = Path(document.path)
    on_disk = (fingerprint(path), fingerprint(current))
    recent = window.settings.recent_files()
    if route == "open":
        window.dialogs.open_answers.append(str(path))
        window.file_actions.open.trigger()
    elif route == "drop":
        window.file_actions.open_path(str(path))
    else:
        window.file_actions.open_preset(path)
    assert len(window.dialogs.errors) == 1, window.dialogs.errors
    title, text, details = window.dialogs.errors[0]
    assert title == "Cannot open the session"
    assert "nothing has changed" in text
    lines = details.split("\n")
    assert lines[0] == f"File: {os.path.abspath(path)}"
    assert lines[1] == f"Field: {field}"
    for fragment in problem:
        assert fragment in lines[2], (fragment, lines[2])
    assert window.dialogs.unsaved_questions == []  # a bad file never gets as far as the question
    assert model.session() is session and model.document() is document
    assert model.is_modified() == modified and window.isWindowModified() == modified
    assert (stack.count(), stack.index(), stack.text(stack.index() - 1)) == steps
    assert (fingerprint(path), fingerprint(current)) == on_disk
    assert window.settings.recent_files() == recent
    assert window.model.flush().session is session


def mutated(change) -> str:
    doc = valid_doc()
    change(doc)
    return json.dumps(doc)


def write(tmp_path: Path, text: str | bytes, name: str = "bad.json") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_not_json(win, tmp_path):
    path = write(tmp_path, "this is not a session\n")
    assert_refused(win, path, "line 1 column 1", "not valid JSON")


def test_truncated(win, tmp_path):
    text = json.dumps(valid_doc())
    path = write(tmp_path, text[: len(text) // 2])
    assert_refused(win, path, f"line 1 column {len(text) // 2 + 1}", "truncated")


def test_empty_file(win, tmp_path):
    assert_refused(win, write(tmp_path, ""), "(document)", "the file is empty")


def test_wrong_format(win, tmp_path):
    path = write(tmp_path, mutated(lambda d: d.update(format="numpy-weights")))
    assert_refused(win, path, "format", 'expected "nnsurface-session"', '"numpy-weights"')


def test_wrong_version(win, tmp_path):
    path = write(tmp_path, mutated(lambda d: d.update(version=2)))
    assert_refused(win, path, "version", "unsupported version 2")


def test_wrong_shapes(win, tmp_path):
    path = write(tmp_path, mutated(lambda d: d["network"]["layers"][1]["weights"].pop()))
    assert_refused(win, path, "network.layers[1].weights", "expected 4 rows of 4 numbers, got 3 rows")


def test_layers_that_do_not_chain(win, tmp_path):
    path = write(tmp_path, mutated(lambda d: d["network"]["layers"][2]["weights"].append([1.0])))
    assert_refused(win, path, "network.layers[2].weights", "expected 4 rows", "got 5 rows")


def test_string_for_a_number(win, tmp_path):
    path = write(tmp_path, mutated(lambda d: d["network"]["layers"][0]["weights"][1].__setitem__(2, "0.5")))
    assert_refused(win, path, "network.layers[0].weights[1][2]", 'expected a number, got a string ("0.5")')


def test_boolean_for_a_number(win, tmp_path):
    path = write(tmp_path, mutated(lambda d: d["trajectory"].update(radius=True)))
    assert_refused(win, path, "trajectory.radius", "expected a number, got true")


def test_nan(win, tmp_path):
    text = mutated(lambda d: d["network"]["layers"][2]["bias"].__setitem__(0, "NAN_HERE"))
    path = write(tmp_path, text.replace('"NAN_HERE"', "NaN"))
    assert_refused(win, path, "network.layers[2].bias[0]", "NaN is not allowed")


def test_infinity(win, tmp_path):
    text = mutated(lambda d: d["view"].update(extent="INF_HERE"))
    path = write(tmp_path, text.replace('"INF_HERE"', "-Infinity"))
    assert_refused(win, path, "view.extent", "-Infinity is not allowed")


def test_number_too_large_for_a_float(win, tmp_path):
    text = mutated(lambda d: d["network"]["layers"][0]["weights"][0].__setitem__(0, "BIG"))
    path = write(tmp_path, text.replace('"BIG"', "1e999"))
    assert_refused(win, path, "network.layers[0].weights[0][0]", "overflows to infinity")


def test_ten_million_numbers(win, tmp_path):
    path = write(tmp_path, '{"format": "nnsurface-session", "version": 1, "x": [' + "1," * 10**7 + "1]}")
    assert_refused(win, path, "(document)", "more than 1,000,000 numbers")


def test_hundred_megabyte_file(win, tmp_path):
    path = tmp_path / "huge.json"
    with open(path, "wb") as f:
        f.truncate(100 * 2**20)  # sparse: 100 MB to the loader, nothing written
    assert_refused(win, path, "(file)", "100.0 MB", "at most 64 MB")


def test_invalid_utf8(win, tmp_path):
    raw = json.dumps(valid_doc()).encode("utf-8")
    path = write(tmp_path, raw[:40] + b"\xff\xfe\x80" + raw[40:])
    assert_refused(win, path, "byte 40", "not valid UTF-8")


def test_deep_nesting(win, tmp_path):
    path = write(tmp_path, "[" * 200_000 + "]" * 200_000)
    assert_refused(win, path, "(document)", "nested too deeply")


def test_a_directory(win, tmp_path):
    folder = tmp_path / "folder.json"
    folder.mkdir()
    assert_refused(win, folder, "(file)", "is a directory")


def test_a_missing_file(win, tmp_path):
    assert_refused(win, tmp_path / "gone.json", "(file)", "no such file")


def test_unreadable_file_simulated(win, tmp_path, monkeypatch):
    """As root, chmod cannot make a file unreadable; the operating system's answer is simulated."""
    path = write(tmp_path, json.dumps(valid_doc()), "locked.json")

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(session_file, "open", denied, raising=False)
    assert_refused(win, path, "(file)", "cannot read: permission denied")


@pytest.mark.skipif(ROOT or os.name != "posix", reason="root reads any file")
def test_unreadable_file(win, tmp_path):
    path = write(tmp_path, json.dumps(valid_doc()), "locked.json")
    path.chmod(0)
    assert_refused(win, path, "(file)", "permission denied")


def test_bad_file_dropped_on_the_window(win, tmp_path):
    path = write(tmp_path, mutated(lambda d: d["network"].update(activation="sigmoid")))
    assert_refused(win, path, "network.activation", "expected one of", '"sigmoid"', route="drop")


# --- saving -------------------------------------------------------------------------------------------


def assert_save_refused(window, target: Path, *problem: str) -> None:
    """Save As to `target` fails: one message naming the file and the problem; the document, the
    unsaved mark and any file at `target` stay as they were, and no temporary file is left."""
    model = window.model
    document, session = model.document(), model.session()
    before = fingerprint(target)
    folder_before = sorted(os.listdir(target.parent))
    window.dialogs.save_answers.append(str(target))
    window.file_actions.save_as.trigger()
    assert len(window.dialogs.errors) == 1, window.dialogs.errors
    title, text, details = window.dialogs.errors[0]
    assert title == "Cannot save the session" and "Any file already there is unchanged" in text
    lines = details.split("\n")
    assert lines[0] == f"File: {target}" and lines[1] == "Field: (file)"
    for fragment in problem:
        assert fragment in lines[2], (fragment, lines[2])
    assert model.document() is document and model.session() is session
    assert model.is_modified() and window.isWindowModified()
    assert fingerprint(target) == before
    assert sorted(os.listdir(target.parent)) == folder_before


@pytest.fixture
def existing(tmp_path) -> Path:
    """A session file already on disk, which a failed save must leave as it is."""
    folder = tmp_path / "out"
    folder.mkdir()
    path = folder / "existing.json"
    save_session(load_session(Path(__file__).parents[2] / "resources/presets/tanh.json"), path)
    return path


def test_save_into_a_read_only_folder_simulated(win, existing, monkeypatch):
    real_open = os.open

    def read_only(path, flags, *args):
        if flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, "Permission denied", path)
        return real_open(path, flags, *args)

    monkeypatch.setattr(session_file.os, "open", read_only)
    assert_save_refused(win, existing, "cannot save: permission denied")


@pytest.mark.skipif(ROOT or os.name != "posix", reason="root writes into read-only folders")
def test_save_into_a_read_only_folder(win, existing):
    existing.parent.chmod(0o555)
    try:
        assert_save_refused(win, existing, "permission denied")
    finally:
        existing.parent.chmod(0o755)


def test_save_over_a_folder(win, tmp_path):
    folder = tmp_path / "taken.json"
    folder.mkdir()
    assert_save_refused(win, folder, "is a directory")


def test_disk_full_mid_write_leaves_the_existing_file(win, existing, monkeypatch):
    real_write = os.write

    def full(fd, data):
        real_write(fd, bytes(data[: len(data) // 2]))  # half the file reaches the disk, then it is full
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(session_file.os, "write", full)
    assert_save_refused(win, existing, "no space left on device")


def test_failed_fsync_leaves_the_existing_file(win, existing, monkeypatch):
    def failing(fd):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(session_file.os, "fsync", failing)
    assert_save_refused(win, existing, "input/output error")


def test_a_failed_save_while_closing_keeps_the_window_open(qtbot, tmp_path, monkeypatch):
    window = shown_window(qtbot, AppSettings.at(str(tmp_path / "settings.ini")))
    window.model.set_weight(1, 0, 0, 2.0)

    def failing(fd):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(session_file.os, "fsync", failing)
    window.dialogs.unsaved_answers.append(UnsavedChoice.SAVE)
    window.dialogs.save_answers.append(str(tmp_path / "new.json"))
    window.close()
    assert window.isVisible() and window.model.is_modified()
    assert not (tmp_path / "new.json").exists()
    assert window.dialogs.errors[0][0] == "Cannot save the session"
    close_window(window)
