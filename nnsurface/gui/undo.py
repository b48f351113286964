"""Undo and redo of every session edit, one QUndoCommand per step.

A step stores the session before and after (sessions are immutable, so this is two references, not a
copy), and the document too when it changes it. A run of small edits of one value — arrow keys held
on a spinbox, wheel notches, the characters of a typed number — is one step: while the run is open
the model moves the `after` of its step along instead of pushing new ones, and it closes the run when
the spinbox finishes editing, on undo/redo and on save. A run that comes back to where it started
leaves no step.

The run is extended by the model rather than by QUndoCommand.mergeWith: with PySide6 6.12 a command
that QUndoStack merges away and deletes inside push() keeps its Python object (and the two sessions
it holds) alive for good, so ten thousand arrow steps would leak ten thousand sessions.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeyEvent, QKeySequence, QUndoCommand

from nnsurface.core.session import Session


@dataclass(frozen=True, eq=False)
class State:
    """What one step sets: the session, and the document it belongs to for steps that change it
    (opening a file); None leaves the document as it is, so undoing an edit made before a save
    keeps the file it was saved to."""

    session: Session
    document: object | None = None

    def same_as(self, other: State) -> bool:
        return self.document is other.document and self.session.equals(other.session)


class SessionCommand(QUndoCommand):
    """One undo step: `apply(state, from_history)` installs a state; from_history is False only for the
    first redo, the one QUndoStack.push makes when the edit happens. `key` names the value a run of
    edits changes (None: the step is never extended)."""

    def __init__(
        self,
        apply: Callable[[State, bool], None],
        before: State,
        after: State,
        text: str,
        key: Hashable | None = None,
    ):
        super().__init__(text)
        self._apply = apply
        self.before = before
        self.after = after
        self.key = key
        self._pushed = False

    def redo(self) -> None:
        self._apply(self.after, self._pushed)
        self._pushed = True

    def undo(self) -> None:
        self._apply(self.before, True)


class HistoryKeysToWindow(QObject):
    """Event filter for editors with their own text undo (spinboxes): lets Ctrl+Z / Ctrl+Shift+Z reach
    the window's Undo/Redo, so the keys undo the last edit of the session, as everywhere else."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            if event.matches(QKeySequence.StandardKey.Undo) or event.matches(QKeySequence.StandardKey.Redo):
                event.ignore()  # not claimed by the editor: the shortcut goes to the window's action
                return True
        return False
