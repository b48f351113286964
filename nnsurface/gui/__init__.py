"""The desktop app: the session model and the Qt widgets that draw its results (see DESIGN.md).

Importing it applies the reference-count guard of `refcounts` before any Qt call is made.
"""

from nnsurface.gui.refcounts import make_singletons_immortal

make_singletons_immortal()
