"""Undo and redo of every session edit, one QUndoCommand per step.

A step stores the session before and after (sessions are immutable, so this is two references, not a
copy), and the document too when it changes it. A run of small edits of one value — arrow keys held
on a spinbox, wheel notches, the characters of a typed number — is one step: the model marks the
command of the run still open as the only one a new command may merge into (`merge_target`), and
closes the run when the spinbox finishes editing, on undo/redo and on save. A run that comes back to
where it started leaves no step.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeyEvent, QKeySequence, QUndoCommand

from nnsurface.core.session import Session

MERGE_ID = 1  # QUndoCommand.id() of every mergeable step; merge_target decides which ones merge


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
    first redo, the one QUndoStack.push makes when the edit happens."""

    def __init__(
        self,
        apply: Callable[[State, bool], None],
        before: State,
        after: State,
        text: str,
        key: Hashable | None = None,
        merge_target: SessionCommand | None = None,
    ):
        super().__init__(text)
        self._apply = apply
        self.before = before
        self.after = after
        self.key = key
        self.merge_target = merge_target
        self.absorbed = False  # set when this command was merged into the run's command
        self._pushed = False

    def redo(self) -> None:
        self._apply(self.after, self._pushed)
        self._pushed = True

    def undo(self) -> None:
        self._apply(self.before, True)

    def id(self) -> int:
        return MERGE_ID if self.key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 (Qt override)
        if not isinstance(other, SessionCommand) or other.merge_target is not self or other.key != self.key:
            return False
        self.after = other.after
        other.absorbed = True
        self.setObsolete(self.after.same_as(self.before))  # back where the run began: no step at all
        return True


class HistoryKeysToWindow(QObject):
    """Event filter for editors with their own text undo (spinboxes): lets Ctrl+Z / Ctrl+Shift+Z reach
    the window's Undo/Redo, so the keys undo the last edit of the session, as everywhere else."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            if event.matches(QKeySequence.StandardKey.Undo) or event.matches(QKeySequence.StandardKey.Redo):
                event.ignore()  # not claimed by the editor: the shortcut goes to the window's action
                return True
        return False
