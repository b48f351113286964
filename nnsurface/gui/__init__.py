"""The desktop app: the session model and the Qt widgets that draw its results (see DESIGN.md)."""
