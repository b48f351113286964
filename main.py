"""Entry point of the desktop app and its command-line modes (also the PyInstaller entry)."""

import sys

from nnsurface.cli import main

if __name__ == "__main__":
    sys.exit(main())
