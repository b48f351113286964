#!/usr/bin/env bash
# Render resources/icons/nnsurface.svg into the PNG sizes, the Windows .ico and the macOS .icns.
#
# The rendered files are committed, so neither CI nor a user needs this: run it only after editing the SVG.
# Needs rsvg-convert (Debian: librsvg2-bin), ImageMagick's convert (imagemagick) and a Python with Pillow
# (set PYTHON=..., default python3); Pillow is used here only, never by the app.
set -euo pipefail
cd "$(dirname "$0")/../icons"
PYTHON=${PYTHON:-python3}

SIZES=(16 24 32 48 64 128 256 512)
for size in "${SIZES[@]}"; do
    rsvg-convert --width "$size" --height "$size" nnsurface.svg --output "nnsurface-$size.png"
done

# Windows takes every size up to 256 from one .ico; each frame is the exact rendering, not a rescale.
convert nnsurface-16.png nnsurface-24.png nnsurface-32.png nnsurface-48.png nnsurface-64.png \
    nnsurface-128.png nnsurface-256.png nnsurface.ico

# macOS wants up to 1024 px (512@2x); that size is rendered for the .icns only.
big=$(mktemp --suffix=.png)
trap 'rm -f "$big"' EXIT
rsvg-convert --width 1024 --height 1024 nnsurface.svg --output "$big"
"$PYTHON" - "$big" <<'EOF'
import sys

from PIL import Image

frames = [Image.open(f"nnsurface-{size}.png") for size in (16, 32, 64, 128, 256, 512)]
Image.open(sys.argv[1]).save("nnsurface.icns", append_images=frames)
EOF
echo "rendered: ${SIZES[*]} px, nnsurface.ico, nnsurface.icns"
