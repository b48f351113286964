#!/usr/bin/env bash
# Install nnsurface's menu entry and icon for the current user (no root needed), or remove them.
#
#   resources/linux/install-desktop-entry.sh [EXECUTABLE]   install; EXECUTABLE defaults to the first of
#       dist/nnsurface/nnsurface (the PyInstaller bundle), .venv/bin/nnsurface, `nnsurface` on PATH
#   resources/linux/install-desktop-entry.sh --uninstall    remove what an install put there
#
# Files go under ${XDG_DATA_HOME:-~/.local/share}: applications/nnsurface.desktop and
# icons/hicolor/<size>/apps/nnsurface.{png,svg}. The menu entry runs EXECUTABLE by its absolute path,
# because a program in a venv is not on the PATH a desktop session starts programs with.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
sizes=(16 24 32 48 64 128 256 512)

refresh_caches() {
    if command -v update-desktop-database >/dev/null; then update-desktop-database -q "$data/applications" || true; fi
    if command -v gtk-update-icon-cache >/dev/null; then gtk-update-icon-cache -q -t "$data/icons/hicolor" || true; fi
}

if [[ ${1:-} == --uninstall ]]; then
    rm -f "$data/applications/nnsurface.desktop" "$data/icons/hicolor/scalable/apps/nnsurface.svg"
    for size in "${sizes[@]}"; do rm -f "$data/icons/hicolor/${size}x${size}/apps/nnsurface.png"; done
    refresh_caches
    echo "removed nnsurface's menu entry and icons from $data"
    exit 0
fi

exe=${1:-}
if [[ -z $exe ]]; then
    for candidate in "$repo/dist/nnsurface/nnsurface" "$repo/.venv/bin/nnsurface" "$(command -v nnsurface || true)"; do
        if [[ -n $candidate && -x $candidate ]]; then exe=$candidate; break; fi
    done
fi
if [[ -z $exe || ! -x $exe ]]; then
    echo "error: no nnsurface executable found; build the bundle or install the package, or pass its path" >&2
    exit 2
fi
exe=$(realpath "$exe")
if [[ $exe =~ [\"\`\$\\] ]]; then
    echo "error: the path $exe holds a character a desktop entry cannot quote (\" \` \$ \\)" >&2
    exit 2
fi

install -d "$data/applications" "$data/icons/hicolor/scalable/apps"
install -m 644 "$repo/resources/icons/nnsurface.svg" "$data/icons/hicolor/scalable/apps/nnsurface.svg"
for size in "${sizes[@]}"; do
    install -D -m 644 "$repo/resources/icons/nnsurface-$size.png" "$data/icons/hicolor/${size}x${size}/apps/nnsurface.png"
done
sed "s|^Exec=nnsurface |Exec=\"$exe\" |" "$here/nnsurface.desktop" > "$data/applications/nnsurface.desktop"
chmod 644 "$data/applications/nnsurface.desktop"
if command -v desktop-file-validate >/dev/null; then desktop-file-validate "$data/applications/nnsurface.desktop"; fi
refresh_caches
echo "installed nnsurface's menu entry ($data/applications/nnsurface.desktop) running $exe"
