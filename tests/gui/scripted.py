"""Test helpers: dialogs answered by a script instead of a person, and a window that keeps its settings
in a temporary INI file (never the user's)."""

from __future__ import annotations

from collections import deque

from nnsurface.gui.dialogs import UnsavedChoice
from nnsurface.gui.settings import AppSettings


class ScriptedDialogs:
    """Stands in for nnsurface.gui.dialogs.Dialogs. Answers come from queues the test fills; a dialog
    the test did not expect fails the test. Every message shown is kept in `errors`."""

    def __init__(self):
        self.errors: list[tuple[str, str, str]] = []
        self.unsaved_answers: deque[UnsavedChoice] = deque()
        self.unsaved_questions: list[tuple[str, str]] = []
        self.open_answers: deque[str | None] = deque()
        self.save_answers: deque[str | None] = deque()
        self.save_suggestions: list[str] = []
        self.size_answers: deque[tuple[int, int] | None] = deque()

    def error(self, title: str, text: str, details: str = "") -> None:
        self.errors.append((title, text, details))

    def ask_unsaved(self, name: str, action: str) -> UnsavedChoice:
        self.unsaved_questions.append((name, action))
        assert self.unsaved_answers, f"unexpected question about unsaved changes of {name} before {action}"
        return self.unsaved_answers.popleft()

    def open_path(self, folder: str) -> str | None:
        assert self.open_answers, "unexpected open dialog"
        return self.open_answers.popleft()

    def save_path(self, caption: str, suggestion: str, file_filter: str = "") -> str | None:
        self.save_suggestions.append(suggestion)
        assert self.save_answers, f"unexpected save dialog ({caption})"
        return self.save_answers.popleft()

    def image_size(self, width: int, height: int) -> tuple[int, int] | None:
        assert self.size_answers, "unexpected image size dialog"
        return self.size_answers.popleft()


def shown_window(qtbot, settings: AppSettings | None = None, **kwargs):
    """A shown main window with scripted dialogs (window.dialogs), flushed once."""
    from nnsurface.gui.main_window import MainWindow

    window = MainWindow(settings=settings, **kwargs)
    window.dialogs = ScriptedDialogs()
    window.resize(1280, 800)
    window.show()
    qtbot.waitUntil(window.isVisible)
    window.model.flush()
    return window
