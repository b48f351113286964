"""Every question and message box the main window shows, behind one small object.

The window asks through `window.dialogs`, so tests (and scripted runs) can answer in place of a person
by replacing that object; the real dialogs are also tested once each, driven by a timer.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QMessageBox,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

SESSION_FILTER = "nnsurface sessions (*.json);;All files (*)"
MAX_IMAGE_SIDE = 8192  # pixels; what software GL renders in reasonable time and memory


class UnsavedChoice(Enum):
    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


class Dialogs:
    """Modal dialogs parented to one window."""

    def __init__(self, parent: QWidget):
        self._parent = parent

    def error(self, title: str, text: str, details: str = "") -> None:
        """A warning that something could not be done; `details` is shown under `text`, one fact a line."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self._parent)
        box.setInformativeText(details)
        box.exec()

    def ask_unsaved(self, name: str, action: str) -> UnsavedChoice:
        """Save, discard or cancel the unsaved changes of `name` before `action` ("closing", …)."""
        buttons = QMessageBox.StandardButton
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Unsaved changes",
            f"The session “{name}” has changes that are not saved.",
            buttons.Save | buttons.Discard | buttons.Cancel,
            self._parent,
        )
        box.setInformativeText(f"Save them before {action}?")
        box.setDefaultButton(buttons.Save)
        answer = box.exec()
        if answer == buttons.Save:
            return UnsavedChoice.SAVE
        if answer == buttons.Discard:
            return UnsavedChoice.DISCARD
        return UnsavedChoice.CANCEL

    def open_path(self, folder: str) -> str | None:
        path, _ = QFileDialog.getOpenFileName(self._parent, "Open session", folder, SESSION_FILTER)
        return path or None

    def save_path(self, caption: str, suggestion: str, file_filter: str = SESSION_FILTER) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self._parent, caption, suggestion, file_filter)
        return path or None

    def image_size(self, width: int, height: int) -> tuple[int, int] | None:
        """Ask for the size of an exported image, starting from width × height; None if cancelled."""
        dialog = ImageSizeDialog(width, height, self._parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.size_chosen()


class ImageSizeDialog(QDialog):
    """Width and height in pixels, up to MAX_IMAGE_SIDE each."""

    def __init__(self, width: int, height: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Export image")
        self.width_box = self._side(width, "width of the image in pixels")
        self.height_box = self._side(height, "height of the image in pixels")
        form = QFormLayout()
        form.addRow("width", self.width_box)
        form.addRow("height", self.height_box)
        note = QLabel(
            "The 3-D view is rendered off screen at this size, so it may be larger than the screen.\n"
            "The camera and framing are those of the view."
        )
        note.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addLayout(form)
        column.addWidget(note)
        column.addWidget(buttons)

    @staticmethod
    def _side(value: int, tip: str) -> QSpinBox:
        box = QSpinBox()
        box.setRange(16, MAX_IMAGE_SIDE)
        box.setValue(min(max(value, 16), MAX_IMAGE_SIDE))
        box.setSuffix(" px")
        box.setToolTip(tip)
        return box

    def size_chosen(self) -> tuple[int, int]:
        return self.width_box.value(), self.height_box.value()
