"""A guard against a reference-count defect of PySide6 6.12 on Python 3.11.

Measured here: every call of a C++ method returning void takes one reference from None without
having given it, and every Signal.emit takes one from True. Python 3.12 made None, True and False
immortal, so there this costs nothing; on 3.11 their counts fall by a few hundred per weight edit
and the process aborts ("none_dealloc" / "bool_dealloc") once one reaches zero — after some hundred
edits, or at exit. The guard gives the three singletons a count no session can use up, which is
what 3.12 does for them.
"""

from __future__ import annotations

import ctypes
import sys

_RESERVE = 1 << 48  # references added to each singleton; at 10⁹ lost per second, 3 days of use


def make_singletons_immortal() -> None:
    """Add _RESERVE references to None, True and False (Python < 3.12 only, standard builds only)."""
    if sys.version_info >= (3, 12) or hasattr(sys, "getobjects"):  # immortal already / Py_TRACE_REFS layout
        return
    for singleton in (None, True, False):
        ctypes.c_ssize_t.from_address(id(singleton)).value += _RESERVE
