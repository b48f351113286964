#!/usr/bin/env bash
# Build the one-folder bundle dist/nnsurface/ (run dist/nnsurface/nnsurface) from resources/packaging/nnsurface.spec.
#
# Run from anywhere, with a Python that has the app and its build extra installed:
#   .venv/bin/pip install -e ".[build]" && PYTHON=.venv/bin/python resources/packaging/build.sh
# PyInstaller bundles what this Python has, so build on the oldest system the bundle must run on.
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-python3}

"$PYTHON" -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
    resources/packaging/nnsurface.spec

if [[ $(uname -s) == Linux ]]; then
    internal=dist/nnsurface/_internal
    # Some Pythons (pyenv's, for one) ship their library and modules with debug symbols: 23 MB instead of 6
    # for libpython alone. Only Python's own files are stripped: strip=True in the spec, which strips every
    # binary, breaks numpy's OpenBLAS.
    if command -v strip >/dev/null; then
        strip --strip-debug "$internal"/libpython3*.so* "$internal"/python3*/lib-dynload/*.so
    fi
    # Qt's ICU data is a fifth of the bundle; most of it is never loaded (see trim_icu_data.py).
    if command -v readelf >/dev/null && command -v "${CC:-cc}" >/dev/null; then
        "$PYTHON" resources/packaging/trim_icu_data.py "$internal"/PySide6/Qt/lib/libicudata.so.*
    else
        echo "warning: no readelf or C compiler: Qt's ICU data is bundled whole (about 20 MB more)" >&2
    fi
fi
echo "bundle: dist/nnsurface, $(du -sm dist/nnsurface | cut -f1) MB"
