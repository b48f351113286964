"""The main window: the surface in the middle, weights on the left, measures and controls on the right,
the trajectory plots below. Composition and menus only; every number comes from the model.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QIcon, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QScrollArea, QWidget

from nnsurface import paths
from nnsurface.core.session import Session
from nnsurface.gui import colors
from nnsurface.gui.controls import Controls
from nnsurface.gui.measures_panel import MeasuresPanel
from nnsurface.gui.model import SessionModel
from nnsurface.gui.plots import PlotsPanel
from nnsurface.gui.result import Result
from nnsurface.gui.surface_view import SurfaceView
from nnsurface.gui.weight_editor import WeightEditor

DEFAULT_SIZE = (1440, 900)
TITLE = "nnsurface"


class MainWindow(QMainWindow):
    def __init__(self, session: Session | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        icon = paths.icon_path(256)
        if icon.exists():
            self.setWindowIcon(QIcon(str(icon)))
        self.model = SessionModel(session, self)
        self.surface_view = SurfaceView(self.model)
        self.setCentralWidget(self.surface_view)
        self.weight_editor = WeightEditor(self.model)
        self.measures = MeasuresPanel(self.model)
        self.controls = Controls(self.model)
        self.plots = PlotsPanel(self.model)

        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.docks = {
            "weights": self._dock("Weights", self.weight_editor, Qt.DockWidgetArea.LeftDockWidgetArea),
            "measures": self._dock("Measures", self.measures, Qt.DockWidgetArea.RightDockWidgetArea),
            "controls": self._dock(
                "Controls", _scrolled(self.controls), Qt.DockWidgetArea.RightDockWidgetArea
            ),
            "plots": self._dock("Trajectory", self.plots, Qt.DockWidgetArea.BottomDockWidgetArea),
        }
        self.resizeDocks([self.docks["weights"]], [360], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["measures"]], [310], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["plots"]], [220], Qt.Orientation.Vertical)
        self._build_menus()
        self.model.resultChanged.connect(self._show_result)
        self.resize(*DEFAULT_SIZE)

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title.lower()}")
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(area, dock)
        return dock

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        view = self.menuBar().addMenu("&View")
        for dock in self.docks.values():
            view.addAction(dock.toggleViewAction())
        view.addSeparator()
        self.mesh_lines_action = QAction("Mesh &lines", self, checkable=True)
        self.mesh_lines_action.toggled.connect(self.surface_view.set_mesh_lines)
        view.addAction(self.mesh_lines_action)
        group = QActionGroup(self)
        self.color_actions: dict[str, QAction] = {}
        for mode in colors.COLOR_MODES:
            action = QAction(f"Colour by {mode}", self, checkable=True)
            action.triggered.connect(lambda _checked, m=mode: self.model.set_color_mode(m))
            group.addAction(action)
            view.addAction(action)
            self.color_actions[mode] = action
        view.addSeparator()
        reset_camera = QAction("Reset &camera", self)
        reset_camera.triggered.connect(self.surface_view.reset_camera)
        view.addAction(reset_camera)

    def _show_result(self, result: Result) -> None:
        self.color_actions[result.color_mode].setChecked(True)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self.surface_view.release()
        super().closeEvent(event)


def _scrolled(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return area
