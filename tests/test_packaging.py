"""What a release needs besides the code: icons, the desktop entry, one version, a spec that names real
files and plugins, the ICU trimming of the bundle, and a README whose commands CI can run."""

import ast
import importlib.metadata
import importlib.util
import os
import re
import shutil
import struct
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import nnsurface
from nnsurface import paths

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "resources"
SPEC = RESOURCES / "packaging" / "nnsurface.spec"
DESKTOP_FILE = RESOURCES / "linux" / "nnsurface.desktop"
INSTALLER = RESOURCES / "linux" / "install-desktop-entry.sh"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk, read without an image library."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path.name} is not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def load_module(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- icons -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", paths.ICON_SIZES)
def test_icon_png_has_its_declared_size(size):
    assert png_size(paths.icon_path(size)) == (size, size)


def test_icon_path_refuses_a_size_that_was_not_rendered():
    with pytest.raises(ValueError, match="no 20 px icon"):
        paths.icon_path(20)


def test_windows_icon_holds_every_size_up_to_256():
    data = (RESOURCES / "icons" / "nnsurface.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data, 0)
    assert (reserved, kind) == (0, 1)
    # each ICONDIRENTRY starts with width and height bytes, 0 meaning 256
    sizes = {data[6 + 16 * i] or 256 for i in range(count)}
    assert sizes == {s for s in paths.ICON_SIZES if s <= 256}


def test_macos_icon_is_a_whole_icns_file():
    data = (RESOURCES / "icons" / "nnsurface.icns").read_bytes()
    assert data[:4] == b"icns"
    assert struct.unpack(">I", data[4:8])[0] == len(data)


def test_resources_are_found_beside_the_package_and_in_a_bundle(monkeypatch, tmp_path):
    assert paths.resources_dir() == RESOURCES
    assert paths.presets_dir() == RESOURCES / "presets"
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert paths.icon_path(64) == tmp_path / "resources" / "icons" / "nnsurface-64.png"


# --- desktop entry ---------------------------------------------------------------------------------


def desktop_file_validate(path: Path) -> None:
    validator = shutil.which("desktop-file-validate")
    if validator is None:
        pytest.skip("desktop-file-validate is not installed (Debian: desktop-file-utils)")
    result = subprocess.run([validator, str(path)], capture_output=True, text=True)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_desktop_file_is_valid():
    desktop_file_validate(DESKTOP_FILE)


def test_desktop_entry_installs_for_the_user_and_uninstalls(tmp_path):
    executable = tmp_path / "my apps" / "nnsurface"
    executable.parent.mkdir()
    executable.write_text("#!/bin/sh\n")
    executable.chmod(0o755)
    data_home = tmp_path / "share"
    env = {**os.environ, "XDG_DATA_HOME": str(data_home)}

    subprocess.run(["bash", str(INSTALLER), str(executable)], env=env, check=True, capture_output=True)
    installed = data_home / "applications" / "nnsurface.desktop"
    assert f'Exec="{executable}" %f' in installed.read_text().splitlines()
    for size in paths.ICON_SIZES:
        icon = data_home / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "nnsurface.png"
        assert png_size(icon) == (size, size)
    assert (data_home / "icons" / "hicolor" / "scalable" / "apps" / "nnsurface.svg").is_file()

    subprocess.run(["bash", str(INSTALLER), "--uninstall"], env=env, check=True, capture_output=True)
    left = [p.name for p in data_home.rglob("nnsurface*")]
    assert left == []


def test_desktop_entry_installer_refuses_a_missing_executable(tmp_path):
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "share")}
    result = subprocess.run(["bash", str(INSTALLER), str(tmp_path / "absent")], env=env,
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "no nnsurface executable" in result.stderr
    assert not (tmp_path / "share").exists()


# --- version ---------------------------------------------------------------------------------------


def test_version_has_one_source():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "nnsurface.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", nnsurface.__version__)


def test_installed_metadata_carries_the_package_version():
    try:
        installed = importlib.metadata.version("nnsurface")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("nnsurface is imported from a checkout, not installed (pip install -e .)")
    assert installed == nnsurface.__version__


# --- PyInstaller spec ------------------------------------------------------------------------------


def spec_constant(name: str):
    """A literal assigned at the top level of the spec, read without running PyInstaller."""
    for node in ast.parse(SPEC.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} is not assigned in {SPEC.name}")


def spec_paths() -> set[Path]:
    """Every path the spec spells as ROOT / "..." or RESOURCES / "..." / ... (both arms of an `if`)."""
    bases = {"ROOT": ROOT, "RESOURCES": RESOURCES}

    def names(node) -> list[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.IfExp):
            return names(node.body) + names(node.orelse)
        return []

    def resolve(node) -> list[Path]:
        if isinstance(node, ast.Name) and node.id in bases:
            return [bases[node.id]]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            return [left / name for left in resolve(node.left) for name in names(node.right)]
        return []

    return {path for node in ast.walk(ast.parse(SPEC.read_text())) for path in resolve(node)}


def test_spec_names_files_that_exist():
    named = spec_paths()
    assert ROOT / "main.py" in named
    assert RESOURCES / "icons" / "nnsurface.ico" in named
    assert paths.selftest_expected_path() in named  # --self-test reads it in the bundle too
    for path in named:
        if "*" not in path.name:
            assert path.exists(), f"{SPEC.name} names {path}, which does not exist"
        else:
            assert list(path.parent.glob(path.name)), f"{SPEC.name}: {path} matches nothing"


def test_spec_hidden_imports_exist():
    text = SPEC.read_text()
    for module in ("OpenGL.platform.glx", "OpenGL.platform.egl"):
        assert f'"{module}"' in text
        assert importlib.util.find_spec(module) is not None


def test_spec_keeps_qt_plugins_that_exist():
    """A misspelt plugin name would silently leave a needed plugin (xcb, say) out of the bundle."""
    plugins = Path(importlib.util.find_spec("PySide6").origin).parent / "Qt" / "plugins"
    if not plugins.is_dir():
        pytest.skip(f"PySide6 has no plugins folder at {plugins} on this platform")
    for folder, names in spec_constant("KEPT_QT_PLUGINS").items():
        for name in names:
            assert (plugins / folder / f"lib{name}.so").is_file(), f"no Qt plugin {folder}/lib{name}.so"


# --- ICU data trimming -----------------------------------------------------------------------------


trim_icu = load_module(RESOURCES / "packaging" / "trim_icu_data.py")


def common_data(items: dict[str, bytes], header_size: int = 32) -> bytes:
    """A minimal ICU common-data package laid out as ICU's pkgdata does, items in name order."""
    header = struct.pack("<HBB", header_size, 0xDA, 0x27) + b"\0" * 8 + b"CmnD"
    header += b"\0" * (header_size - len(header))
    names = sorted(items)
    name_bytes = b"".join(n.encode() + b"\0" for n in names)
    position = 4 + 8 * len(names) + len(name_bytes)
    table, body, name_offset = [], b"", 4 + 8 * len(names)
    for name in names:
        pad = -(header_size + position) % 16
        body += b"\0" * pad
        position += pad
        table.append(struct.pack("<II", name_offset, position))
        body += items[name]
        position += len(items[name])
        name_offset += len(name) + 1
    return header + struct.pack("<I", len(names)) + b"".join(table) + name_bytes + body


def package_items(package: bytes) -> dict[str, tuple[bytes, int]]:
    """Each item's bytes (padding removed) and its offset from the package start modulo 16."""
    header_size = struct.unpack_from("<H", package, 0)[0]
    toc = package[header_size:]
    count = struct.unpack_from("<I", toc, 0)[0]
    entries = [struct.unpack_from("<II", toc, 4 + 8 * i) for i in range(count)]
    ends = [data for _, data in entries[1:]] + [len(toc)]
    return {
        toc[name:toc.index(b"\0", name)].decode(): (toc[data:end].rstrip(b"\0"), (header_size + data) % 16)
        for (name, data), end in zip(entries, ends, strict=True)
    }


def test_icu_trimming_drops_only_what_qt_never_loads():
    items = {
        "icudt73l/root.res": b"root locale",
        "icudt73l/de.res": b"german",
        "icudt73l/coll/de.res": b"german collation",
        "icudt73l/zone/root.res": b"zone names",
        "icudt73l/cnvalias.icu": b"aliases",
        "icudt73l/brkitr/word.brk": b"word breaks",
        "icudt73l/lang/de.res": b"language names",
        "icudt73l/translit/root.res": b"transliterators",
        "icudt73l/ibm-943_P15A-2003.cnv": b"shift-jis",
        "icudt73l/unames.icu": b"character names",
    }
    package = common_data(items)
    trimmed, before, after = trim_icu.trimmed_package(package)
    kept = package_items(trimmed)
    assert (before, after) == (10, 5)
    assert list(kept) == sorted(kept) == [
        "icudt73l/cnvalias.icu", "icudt73l/coll/de.res", "icudt73l/de.res", "icudt73l/root.res",
        "icudt73l/zone/root.res",
    ]
    assert {name: data for name, (data, _) in kept.items()} == {name: items[name] for name in kept}
    assert {alignment for _, alignment in kept.values()} == {0}
    assert trimmed[:32] == package[:32]


def test_icu_trimming_refuses_what_is_not_a_data_package():
    with pytest.raises(SystemExit, match="not an ICU common data package"):
        trim_icu.trimmed_package(b"\x20\x00\x00\x00" + b"\0" * 60)


def test_trimmed_qt_icu_library_exports_the_trimmed_data(tmp_path):
    """On Qt's own ICU data: relink the trimmed package and read it back from the new library."""
    qt_lib = Path(importlib.util.find_spec("PySide6").origin).parent / "Qt" / "lib"
    libraries = sorted(qt_lib.glob("libicudata.so.*"))
    if not libraries or not shutil.which("readelf") or not shutil.which(os.environ.get("CC", "cc")):
        pytest.skip("needs PySide6's bundled ICU on Linux, readelf and a C compiler")
    symbol, package = trim_icu.data_symbol(libraries[0])
    trimmed, before, after = trim_icu.trimmed_package(package)
    rebuilt = tmp_path / libraries[0].name
    trim_icu.link_library(symbol, trimmed, libraries[0].name, rebuilt)

    assert trim_icu.data_symbol(rebuilt) == (symbol, trimmed)
    original, kept = package_items(package), package_items(trimmed)
    assert 0 < after < before
    assert all(original[name][0] == data for name, (data, _) in kept.items())
    assert any(name.endswith("/coll/root.res") for name in kept)
    assert not any("/brkitr/" in name for name in kept)


# --- README and CI ---------------------------------------------------------------------------------


def readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    return re.findall(r"^sudo apt-get update && .*$", readme, flags=re.MULTILINE)


def test_readme_start_and_test_commands_set_up_the_same_system():
    start, test = readme_commands()
    setup = start.split(" && python3 -m venv")[0]
    assert test.startswith(setup + " && python3 -m venv .venv && ")
    assert start.endswith('.venv/bin/pip install -e . && .venv/bin/python main.py')
    assert test.endswith('.venv/bin/pip install -e ".[test]" && .venv/bin/python -m pytest')


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    marked = readme.split("<!-- ci: test command -->", 1)[1].split("```")[1]
    assert marked.strip().splitlines()[1:] == [readme_commands()[1]]
    assert "<!-- ci: test command -->" in (ROOT / ".ci" / "run").read_text()


def test_readme_session_example_loads():
    from nnsurface.core.session_file import parse_session

    example = re.search(r"```json\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.DOTALL)[1]
    session = parse_session(example, "README.md")
    assert session.network.widths == (4,)
