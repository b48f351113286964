"""What the app remembers between runs: window geometry and dock layout, recent files, the last session.

Stored with QSettings in an INI file in the user's configuration folder (`for_user`), or in a file the
caller names (`at`, for tests), or nowhere (`in_memory`, for screenshots and windows built without
persistence). Everything read back is checked: a damaged or hand-edited settings file can never stop
the app from starting, it only loses what it held.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from PySide6.QtCore import QByteArray, QSettings

ORGANIZATION = APPLICATION = "nnsurface"
MAX_RECENT = 8
_GEOMETRY, _STATE = "window/geometry", "window/state"
_RECENT = "files/recent"
_LAST_SESSION, _LAST_PATH = "last/session", "last/path"


class _Store(Protocol):
    def value(self, key: str, default: Any = None) -> Any: ...
    def setValue(self, key: str, value: Any) -> None: ...  # noqa: N802 (the QSettings name)
    def remove(self, key: str) -> None: ...
    def sync(self) -> None: ...


class _MemoryStore:
    """The QSettings methods used here, on a dict."""

    def __init__(self):
        self._values: dict[str, Any] = {}

    def value(self, key: str, default: Any = None) -> Any:
        return self._values.get(key, default)

    def setValue(self, key: str, value: Any) -> None:  # noqa: N802
        self._values[key] = value

    def remove(self, key: str) -> None:
        self._values.pop(key, None)

    def sync(self) -> None:
        pass


class AppSettings:
    """Typed access to the stored settings."""

    def __init__(self, store: _Store):
        self._store = store

    @classmethod
    def for_user(cls) -> AppSettings:
        """The user's settings (on Linux ~/.config/nnsurface/nnsurface.ini)."""
        fmt, scope = QSettings.Format.IniFormat, QSettings.Scope.UserScope
        return cls(QSettings(fmt, scope, ORGANIZATION, APPLICATION))

    @classmethod
    def at(cls, path: str) -> AppSettings:
        """Settings kept in the INI file `path`."""
        return cls(QSettings(path, QSettings.Format.IniFormat))

    @classmethod
    def in_memory(cls) -> AppSettings:
        """Settings that are forgotten when the object goes."""
        return cls(_MemoryStore())

    def sync(self) -> None:
        self._store.sync()

    # --- window ------------------------------------------------------------------------------------
    def window_layout(self) -> tuple[QByteArray | None, QByteArray | None]:
        """(geometry, dock state) as saveGeometry/saveState gave them, or None where nothing valid is kept."""
        return self._bytes(_GEOMETRY), self._bytes(_STATE)

    def set_window_layout(self, geometry: QByteArray, state: QByteArray) -> None:
        self._store.setValue(_GEOMETRY, geometry)
        self._store.setValue(_STATE, state)

    def _bytes(self, key: str) -> QByteArray | None:
        value = self._store.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    # --- recent files ------------------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        """Most recent first, at most MAX_RECENT."""
        items = self._json(_RECENT)
        if not isinstance(items, list):
            return []
        return [p for p in items if isinstance(p, str) and p][:MAX_RECENT]

    def add_recent_file(self, path: str) -> None:
        items = [path] + [p for p in self.recent_files() if p != path]
        self._store.setValue(_RECENT, json.dumps(items[:MAX_RECENT]))

    def remove_recent_file(self, path: str) -> None:
        self._store.setValue(_RECENT, json.dumps([p for p in self.recent_files() if p != path]))

    # --- last session ------------------------------------------------------------------------------
    def last_session(self) -> tuple[str | None, str | None]:
        """(session JSON text, file path) of the session shown when the app last closed; either may be
        None (no session kept: open the file; no file: an untitled session)."""
        text, path = self._store.value(_LAST_SESSION), self._store.value(_LAST_PATH)
        return (
            text if isinstance(text, str) and text else None,
            path if isinstance(path, str) and path else None,
        )

    def set_last_session(self, text: str | None, path: str | None) -> None:
        for key, value in ((_LAST_SESSION, text), (_LAST_PATH, path)):
            if value is None:
                self._store.remove(key)
            else:
                self._store.setValue(key, value)

    def _json(self, key: str) -> Any:
        text = self._store.value(key)
        if not isinstance(text, str):
            return None
        try:
            return json.loads(text)
        except ValueError:
            return None
