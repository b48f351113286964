"""nnsurface/core is pure numpy: importing any of it must not pull in Qt, pyqtgraph or OpenGL, so the
science runs in a notebook, a script or `report` on a machine with no display (DESIGN.md layer 1)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "nnsurface" / "core"
FORBIDDEN = ("PySide6", "PySide2", "PyQt5", "PyQt6", "shiboken6", "pyqtgraph", "OpenGL", "qtpy")


def core_modules() -> list[str]:
    names = []
    for path in sorted(CORE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def is_forbidden(module: str) -> bool:
    return module.split(".")[0] in FORBIDDEN


def test_core_has_the_base_modules():
    """Guards the two tests below against passing vacuously on an empty list."""
    assert {"nnsurface.core", "nnsurface.core.network", "nnsurface.core.session_file"} <= set(core_modules())


def test_importing_every_core_module_loads_no_gui_library():
    code = (
        "import importlib, json, sys\n"
        f"for name in {core_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    )
    loaded = json.loads(out.stdout)
    assert "nnsurface.core.network" in loaded
    assert [m for m in loaded if is_forbidden(m)] == []


def gui_imports(source: str) -> list[tuple[int, str]]:
    """(line, module) of every import of a GUI library in the source, including imports inside
    functions and importlib.import_module("…") / __import__("…") with a literal name."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) in (
            "import_module",
            "__import__",
        ):
            modules = [
                a.value for a in node.args[:1] if isinstance(a, ast.Constant) and isinstance(a.value, str)
            ]
        else:
            continue
        found += [(node.lineno, m) for m in modules if is_forbidden(m)]
    return found


def test_no_core_source_imports_a_gui_library():
    """Static check: also catches an import inside a function, which importing the module would not run."""
    offending = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path in sorted(CORE.rglob("*.py"))
        for line, module in gui_imports(path.read_text(encoding="utf-8"))
    ]
    assert offending == []


def test_the_static_check_recognises_each_import_form():
    source = """
import numpy, PySide6.QtCore
from pyqtgraph import opengl
from . import OpenGL
def later():
    import OpenGL.GL as gl
    importlib.import_module("shiboken6")
    __import__("PyQt5.QtWidgets")
"""
    assert gui_imports(source) == [
        (2, "PySide6.QtCore"),
        (3, "pyqtgraph"),
        (6, "OpenGL.GL"),
        (7, "shiboken6"),
        (8, "PyQt5.QtWidgets"),
    ]
