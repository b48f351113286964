"""Where the app's resources (icons, presets, the self-test's values) are, in a checkout and in a bundle.

resources/ sits beside the nnsurface package in the repository, so a source checkout and an editable
install (`pip install -e .`) find it one level above this file. A PyInstaller bundle unpacks its data
under sys._MEIPASS, where the spec puts the same tree at resources/.
"""

import sys
from pathlib import Path

ICON_SIZES: tuple[int, ...] = (16, 24, 32, 48, 64, 128, 256, 512)


def resources_dir() -> Path:
    """The resources/ folder of this checkout or of the running bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def presets_dir() -> Path:
    """The folder of example session files shipped with the app."""
    return resources_dir() / "presets"


def selftest_expected_path() -> Path:
    """The measures of the default session that `--self-test` checks the running app against."""
    return resources_dir() / "selftest_expected.json"


def icon_path(size: int) -> Path:
    """The rendered PNG application icon of one of ICON_SIZES pixels square."""
    if size not in ICON_SIZES:
        raise ValueError(f"no {size} px icon; sizes are {ICON_SIZES}")
    return resources_dir() / "icons" / f"nnsurface-{size}.png"
