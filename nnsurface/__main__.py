"""`python -m nnsurface` is the same program as `python main.py`."""

import sys

from nnsurface.cli import main

sys.exit(main())
