"""The File menu: new, open (dialog, recent, preset, drag and drop), save, export, quit.

A file is loaded and checked completely before anything changes: a file that cannot be opened is
refused with a message naming the file, the field and the problem, and the session, its undo history
and the file itself stay as they were. Only a valid file leads to the unsaved-changes question, and
opening is one undo step. Saving goes through the core's atomic save; a failed save says why and
leaves any existing file untouched.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from nnsurface import paths
from nnsurface.core.session import Session
from nnsurface.core.session_file import SessionError, load_session, parse_session, save_session
from nnsurface.gui import export
from nnsurface.gui.dialogs import UnsavedChoice
from nnsurface.gui.model import UNTITLED, Document

if TYPE_CHECKING:
    from nnsurface.gui.main_window import MainWindow

IMAGE_SCALE = 2  # the default export size is this many times the view's size
STATUS_MS = 6000
RESTORED_SOURCE = "the last session (kept in the settings)"


def action(parent: QObject, text: str, tip: str, slot: Callable, key=None) -> QAction:
    """A menu action with its tooltip and status tip, and a shortcut (standard key or sequence) if any."""
    act = QAction(text, parent)
    act.setToolTip(tip)
    act.setStatusTip(tip)
    if key is not None:
        act.setShortcut(key)
    act.triggered.connect(lambda _checked=False: slot())
    return act


def preset_files() -> list[Path]:
    """The session files shipped in resources/presets, the original tool's default first."""
    files = sorted(paths.presets_dir().glob("*.json"))
    return sorted(files, key=lambda p: p.stem != "default")


def preset_title(path: Path) -> str:
    return "Original tool's default" if path.stem == "default" else path.stem.replace("_", " ").capitalize()


def startup_document(settings) -> tuple[Session, Document] | None:
    """The session shown when the app last closed: its file again if it still loads (the file may have
    changed since), else the session kept in the settings as an untitled one; None if neither."""
    text, path = settings.last_session()
    if path is not None:
        try:
            session = load_session(path)
            return session, Document.for_file(path, session)
        except SessionError:
            pass
    if text is not None:
        try:
            session = parse_session(text, RESTORED_SOURCE)
            return session, Document(None, UNTITLED, session)
        except SessionError:
            pass
    return None


class FileActions(QObject):
    """The actions of the File menu, and the work behind them, for one main window."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self._window = window
        self._model = window.model
        keys = QKeySequence.StandardKey
        self.new = action(
            self, "&New", "Start a new session with the original tool's network", self.new_session, keys.New
        )
        self.open = action(self, "&Open…", "Open a session file", self.ask_open, keys.Open)
        self.save = action(self, "&Save", "Save the session to its file", self.save_session, keys.Save)
        self.save_as = action(
            self, "Save &As…", "Save the session to a new file", self.save_session_as, keys.SaveAs
        )
        self.export_image = action(
            self, "Export &Image…", "Render the surface view to a PNG of any size", self.ask_export_image
        )
        self.export_data = action(
            self,
            "Export &Data…",
            "Write the grid and the trajectory with every layer's values as CSV",
            self.ask_export_data,
        )
        self.quit = action(
            self, "&Quit", "Close the window (asks about unsaved changes)", window.close, keys.Quit
        )
        self.recent_menu = QMenu("Open &Recent", window)
        self.recent_menu.setToolTipsVisible(True)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.preset_menu = QMenu("Open &Preset", window)
        self.preset_menu.setToolTipsVisible(True)
        for path in preset_files():
            self.preset_menu.addAction(
                action(
                    self,
                    preset_title(path),
                    f"Open the preset {path.name}",
                    lambda p=path: self.open_preset(p),
                )
            )
        self._fill_recent()

    def fill(self, menu: QMenu) -> None:
        menu.setToolTipsVisible(True)
        menu.addAction(self.new)
        menu.addAction(self.open)
        menu.addMenu(self.recent_menu)
        menu.addMenu(self.preset_menu)
        menu.addSeparator()
        menu.addAction(self.save)
        menu.addAction(self.save_as)
        menu.addSeparator()
        menu.addAction(self.export_image)
        menu.addAction(self.export_data)
        menu.addSeparator()
        menu.addAction(self.quit)

    # --- unsaved changes ---------------------------------------------------------------------------
    def confirm_discard(self, doing: str) -> bool:
        """True when the current session may be replaced or closed: nothing unsaved, or the user saved
        it or chose to discard it. `doing` completes "Save them before …?"."""
        if not self._model.is_modified():
            return True
        choice = self._window.dialogs.ask_unsaved(self._model.document().name, doing)
        if choice is UnsavedChoice.SAVE:
            return self.save_session()
        return choice is UnsavedChoice.DISCARD

    # --- opening -----------------------------------------------------------------------------------
    def new_session(self) -> None:
        if self.confirm_discard("starting a new session"):
            session = Session()
            self._model.open_document(session, Document(None, UNTITLED, session), "New session")

    def ask_open(self) -> None:
        path = self._window.dialogs.open_path(self._folder())
        if path:
            self.open_path(path)

    def open_path(self, path: str) -> bool:
        """Open a session file as the window's document; False if it was refused or the user cancelled."""
        path = os.path.abspath(path)
        session = self._load(path)
        if session is None:
            if not os.path.exists(path):
                self._window.settings.remove_recent_file(path)
            return False
        if not self.confirm_discard("opening another session"):
            return False
        document = Document.for_file(path, session)
        self._model.open_document(session, document, f"Open {document.name}")
        self._window.settings.add_recent_file(path)
        self._status(f"Opened {path}")
        return True

    def open_preset(self, path: Path) -> bool:
        """A preset opens as a new untitled session (Save asks where, the preset itself stays as shipped)."""
        session = self._load(str(path))
        if session is None or not self.confirm_discard("opening a preset"):
            return False
        name = f"{path.stem} (preset)"
        self._model.open_document(session, Document(None, name, session), f"Open preset {path.stem}")
        self._status(f"Opened the preset {path.name}")
        return True

    def _load(self, path: str) -> Session | None:
        try:
            return load_session(path)
        except SessionError as e:
            self._window.dialogs.error(
                "Cannot open the session",
                f"“{os.path.basename(path) or path}” was not opened; nothing has changed.",
                f"File: {e.source}\nField: {e.field}\nProblem: {e.problem}",
            )
            return None

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = self._window.settings.recent_files()
        for i, path in enumerate(recent, start=1):
            act = action(self, f"&{i}  {os.path.basename(path)}", path, lambda p=path: self.open_path(p))
            self.recent_menu.addAction(act)
        if recent:
            self.recent_menu.addSeparator()
        clear = action(self, "Clear the list", "Forget the recently opened files", self._clear_recent)
        clear.setEnabled(bool(recent))
        self.recent_menu.addAction(clear)

    def _clear_recent(self) -> None:
        for path in self._window.settings.recent_files():
            self._window.settings.remove_recent_file(path)
        self._fill_recent()

    # --- saving ------------------------------------------------------------------------------------
    def save_session(self) -> bool:
        """Save to the document's file (asks for one if it has none); True if the session was saved."""
        path = self._model.document().path
        return self.save_session_as() if path is None else self._write(path)

    def save_session_as(self) -> bool:
        suggestion = self._model.document().path or os.path.join(self._folder(), self._stem() + ".json")
        path = self._window.dialogs.save_path("Save session as", suggestion)
        if not path:
            return False
        return self._write(_with_suffix(path, ".json"))

    def _write(self, path: str) -> bool:
        path = os.path.abspath(path)
        try:
            save_session(self._model.session(), path)
        except SessionError as e:
            self._window.dialogs.error(
                "Cannot save the session",
                f"The session was not saved to “{os.path.basename(path) or path}”. "
                "Any file already there is unchanged.",
                f"File: {e.source}\nField: {e.field}\nProblem: {e.problem}",
            )
            return False
        self._model.mark_saved(path)
        self._window.settings.add_recent_file(path)
        self._status(f"Saved {path}")
        return True

    # --- exporting ---------------------------------------------------------------------------------
    def ask_export_image(self) -> None:
        view = self._window.surface_view
        size = self._window.dialogs.image_size(IMAGE_SCALE * view.width(), IMAGE_SCALE * view.height())
        if size is None:
            return
        suggestion = os.path.join(self._folder(), self._stem() + ".png")
        path = self._window.dialogs.save_path("Export image", suggestion, "PNG images (*.png)")
        if path:
            self.export_image_to(_with_suffix(path, ".png"), *size)

    def export_image_to(self, path: str, width: int, height: int) -> bool:
        self._model.flush()
        try:
            image = self._window.render_view(width, height)
            export.save_image(image, path)
        except export.ExportError as e:
            self._window.dialogs.error("Cannot export the image", "No image was written.", str(e))
            return False
        self._status(f"Wrote {path} ({width} × {height} px)")
        return True

    def ask_export_data(self) -> None:
        suggestion = os.path.join(self._folder(), self._stem() + ".csv")
        path = self._window.dialogs.save_path(
            "Export data (grid and trajectory CSV)", suggestion, "CSV (*.csv)"
        )
        if path:
            self.export_data_to(path)

    def export_data_to(self, path: str) -> list[Path]:
        try:
            written = export.export_data(self._model.flush(), path)
        except (export.ExportError, SessionError) as e:
            self._window.dialogs.error("Cannot export the data", "The export is incomplete.", str(e))
            return []
        self._status("Wrote " + ", ".join(p.name for p in written))
        return written

    # --- helpers -----------------------------------------------------------------------------------
    def _folder(self) -> str:
        """Where dialogs start: the document's folder, else the most recent file's, else home."""
        for path in (self._model.document().path, *self._window.settings.recent_files()[:1]):
            if path and os.path.isdir(os.path.dirname(path)):
                return os.path.dirname(path)
        return os.path.expanduser("~")

    def _stem(self) -> str:
        name = self._model.document().name
        return Path(name).stem if self._model.document().path else name.split(" ")[0]

    def _status(self, text: str) -> None:
        self._window.statusBar().showMessage(text, STATUS_MS)


def _with_suffix(path: str, suffix: str) -> str:
    """Add `suffix` when the name has none (a typed "run3" becomes "run3.json")."""
    return path if Path(path).suffix else path + suffix
