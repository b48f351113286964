"""The main window: the surface in the middle, weights on the left, measures and controls on the right,
the trajectory plots below. Composition, menus, settings and the document's title; every number comes
from the model.

The surface is the 3-D OpenGL view when OpenGL works here, else the 2-D heatmap fallback (decided
once, before any GL widget is made; see heatmap_view.opengl_problem).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QIcon,
    QImage,
    QKeySequence,
)
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QScrollArea, QWidget

from nnsurface import paths
from nnsurface.core.session import Session
from nnsurface.core.session_file import session_to_dict
from nnsurface.gui import clipboard, colors, export
from nnsurface.gui.controls import Controls
from nnsurface.gui.dialogs import Dialogs
from nnsurface.gui.file_actions import FileActions, action
from nnsurface.gui.heatmap_view import HeatmapView, opengl_problem
from nnsurface.gui.help import GuideDialog, show_about
from nnsurface.gui.measures_panel import MeasuresPanel
from nnsurface.gui.model import Document, SessionModel
from nnsurface.gui.plots import PlotsPanel
from nnsurface.gui.result import Result
from nnsurface.gui.settings import AppSettings
from nnsurface.gui.weight_editor import WeightEditor

if TYPE_CHECKING:
    from nnsurface.gui.lab import LabWindow

DEFAULT_SIZE = (1440, 900)
TITLE = "nnsurface"
LAYOUT_VERSION = 1  # of saveState(); bump when docks are added or renamed


class MainWindow(QMainWindow):
    """`settings`: where window layout, recent files and the last session are kept (default: nowhere).
    `document`: the file `session` came from (default: an untitled session)."""

    def __init__(
        self,
        session: Session | None = None,
        parent: QWidget | None = None,
        settings: AppSettings | None = None,
        document: Document | None = None,
    ):
        super().__init__(parent)
        icon = paths.icon_path(256)
        if icon.exists():
            self.setWindowIcon(QIcon(str(icon)))
        self.settings = settings if settings is not None else AppSettings.in_memory()
        self.dialogs = Dialogs(self)
        self.model = SessionModel(session, self, document)
        self.gl_problem = opengl_problem()
        if self.gl_problem is None:
            from nnsurface.gui.surface_view import SurfaceView  # loads OpenGL: only when it works

            self.surface_view = SurfaceView(self.model)
        else:
            self.surface_view = HeatmapView(self.model, self.gl_problem)
        self.setCentralWidget(self.surface_view)
        self.weight_editor = WeightEditor(self.model)
        self.measures = MeasuresPanel(self.model)
        self.controls = Controls(self.model)
        self.plots = PlotsPanel(self.model)
        self._lab: LabWindow | None = None
        self._ask_on_close = True
        self._guide: GuideDialog | None = None

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
        self.file_actions = FileActions(self)
        self._build_menus()
        self.statusBar().setSizeGripEnabled(True)
        self.setAcceptDrops(True)
        if self.gl_problem is None:  # the 3-D view is a native window of its own: its drops come here too
            self._gl_drops = _DropsTo(self)
            self.surface_view.gl.window_view.installEventFilter(self._gl_drops)
        self.model.resultChanged.connect(self._show_result)
        self.model.documentChanged.connect(self._show_title)
        self.model.modifiedChanged.connect(self._show_title)
        self._show_title()
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

    # --- menus -------------------------------------------------------------------------------------
    def _build_menus(self) -> None:
        self.file_actions.fill(self._menu("&File"))
        self._build_edit_menu(self._menu("&Edit"))
        self._build_view_menu(self._menu("&View"))
        tools = self._menu("&Tools")
        self.lab_action = action(
            self,
            "Expressivity &lab…",
            "The paper's experiments: trajectory length against depth, and remaining depth",
            self.open_lab,
        )
        tools.addAction(self.lab_action)
        help_menu = self._menu("&Help")
        self.guide_action = action(
            self,
            "&What am I looking at?",
            "The surface, the trajectory and the formulas of the measures",
            self.show_guide,
            QKeySequence.StandardKey.HelpContents,
        )
        help_menu.addAction(self.guide_action)
        help_menu.addAction(action(self, "&About nnsurface", "Version and licence", lambda: show_about(self)))

    def _menu(self, title: str) -> QMenu:
        menu = self.menuBar().addMenu(title)
        menu.setToolTipsVisible(True)
        return menu

    def _build_edit_menu(self, menu: QMenu) -> None:
        stack = self.model.undo_stack
        self.undo_action = stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_action.setToolTip("Undo the last change to the session")
        self.redo_action = stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcut(QKeySequence.StandardKey.Redo)
        self.redo_action.setToolTip("Redo the change last undone")
        menu.addAction(self.undo_action)
        menu.addAction(self.redo_action)
        menu.addSeparator()
        menu.addAction(
            action(
                self,
                "Randomi&ze",
                "Draw all weights anew with the scheme, σ and seed of the Randomize controls",
                self.controls.randomize.click,
            )
        )
        menu.addAction(
            action(
                self,
                "Rese&t",
                "Back to the original tool's 2-4-4-1 relu network, circle and view",
                self.model.reset,
            )
        )
        menu.addSeparator()
        self.copy_numpy_action = action(
            self,
            "&Copy Weights as NumPy",
            "Python code with every weight exactly and a function f(x)",
            lambda: clipboard.copy_text(clipboard.numpy_code(self.model.session().network)),
            QKeySequence.StandardKey.Copy,
        )
        self.copy_latex_action = action(
            self,
            "Copy Weights as &LaTeX",
            "Each layer's W and b as bmatrix",
            lambda: clipboard.copy_text(clipboard.latex_matrices(self.model.session().network)),
            QKeySequence("Ctrl+Shift+C"),
        )
        menu.addAction(self.copy_numpy_action)
        menu.addAction(self.copy_latex_action)

    def _build_view_menu(self, view: QMenu) -> None:
        group = QActionGroup(self)
        self.color_actions: dict[str, QAction] = {}
        for mode in colors.COLOR_MODES:
            act = QAction(f"Colour by &{mode.capitalize()}", self, checkable=True)
            act.setToolTip(
                "Colour the surface by its height f" if mode == "height" else "One colour per linear region"
            )
            act.triggered.connect(lambda _checked, m=mode: self.model.set_color_mode(m))
            group.addAction(act)
            view.addAction(act)
            self.color_actions[mode] = act
        view.addSeparator()
        self.exact_regions_action = QAction("&Exact Linear Regions", self, checkable=True, checked=True)
        self.exact_regions_action.setToolTip(
            "Draw relu and hardtanh surfaces from their exact linear regions; off: from the sampled grid"
        )
        self.creases_action = QAction("C&reases", self, checkable=True, checked=True)
        self.creases_action.setToolTip("Lines where the exact linear regions meet")
        if self.gl_problem is None:
            self.exact_regions_action.toggled.connect(self._draw_exact_regions)
            self.creases_action.toggled.connect(self.surface_view.set_creases)
        else:  # the heatmap is the sampled grid
            self.exact_regions_action.setEnabled(False)
            self.creases_action.setEnabled(False)
        self.mesh_lines_action = QAction("&Grid Lines", self, checkable=True)
        self.mesh_lines_action.setToolTip("Draw the grid's rows and columns over the sampled surface")
        self.mesh_lines_action.toggled.connect(self.surface_view.set_mesh_lines)
        for act in (self.exact_regions_action, self.creases_action, self.mesh_lines_action):
            view.addAction(act)
        view.addAction(
            action(
                self,
                "Reset &Camera",
                "Look at the surface from the default angle and distance",
                self.surface_view.reset_camera,
                QKeySequence("Ctrl+0"),
            )
        )
        view.addSeparator()
        for dock in self.docks.values():
            toggle = dock.toggleViewAction()
            toggle.setToolTip(f"Show or hide the {dock.windowTitle()} panel")
            view.addAction(toggle)

    # --- commands ----------------------------------------------------------------------------------
    def open_lab(self) -> LabWindow:
        """The expressivity lab, made on first use and raised after that."""
        if self._lab is None:
            from nnsurface.gui.lab import LabWindow  # on first use: its imports cost ~35 ms at start

            self._lab = LabWindow(self, current_network_provider=self.model.session)
        self._lab.show()
        self._lab.raise_()
        self._lab.activateWindow()
        return self._lab

    def show_guide(self) -> GuideDialog:
        if self._guide is None:
            self._guide = GuideDialog(self)
        self._guide.show()
        self._guide.raise_()
        return self._guide

    def render_view(self, width: int, height: int) -> QImage:
        """The surface view as an image of width × height pixels, rendered off screen."""
        if self.gl_problem is None:
            return export.render_surface(self.surface_view, width, height)
        return export.render_widget(self.surface_view.plot, width, height)

    # --- settings ----------------------------------------------------------------------------------
    def restore_layout(self) -> None:
        """Window geometry and dock layout as they were when the app last closed."""
        geometry, state = self.settings.window_layout()
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state, LAYOUT_VERSION)

    def _keep_settings(self) -> None:
        self.settings.set_window_layout(self.saveGeometry(), self.saveState(LAYOUT_VERSION))
        document = self.model.document()
        # What reopens next time: the document as its file holds it (unsaved changes were just saved
        # or discarded), so a discarded edit never comes back.
        self.settings.set_last_session(json.dumps(session_to_dict(document.saved)), document.path)
        self.settings.sync()

    # --- title, drops, closing ---------------------------------------------------------------------
    def _show_title(self, *_args) -> None:
        self.setWindowTitle(f"{self.model.document().name}[*] — {TITLE}")
        self.setWindowModified(self.model.is_modified())

    def _show_result(self, result: Result) -> None:
        self.color_actions[result.color_mode].setChecked(True)
        self._enable_line_actions()

    def _draw_exact_regions(self, on: bool) -> None:
        self.surface_view.set_surface_source("exact" if on else "grid")
        self._enable_line_actions()

    def _enable_line_actions(self) -> None:
        """Creases exist only on the exact regions, grid lines only on the grid: the toggle of what
        is not drawn is greyed out rather than doing nothing."""
        if self.gl_problem is None:
            drawn = self.surface_view.drawn_source()
            self.creases_action.setEnabled(drawn == "exact")
            self.mesh_lines_action.setEnabled(drawn == "grid")

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if _dropped_file(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        path = _dropped_file(event)
        if path is not None:
            event.acceptProposedAction()
            self.file_actions.open_path(path)

    def close_discarding(self) -> None:
        """Close without asking about unsaved changes (scripted runs, tests, shutdown after exec)."""
        self._ask_on_close = False
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        if self._ask_on_close and not self.file_actions.confirm_discard("closing"):
            event.ignore()
            return
        self._keep_settings()
        if self._lab is not None:
            self._lab.close()
        self.surface_view.release()
        super().closeEvent(event)


class _DropsTo(QObject):
    """Event filter giving a window's drag-and-drop events to the main window's handlers."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self._window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            self._window.dragEnterEvent(event)
            return True
        if kind == QEvent.Type.Drop:
            self._window.dropEvent(event)
            return True
        return False


def _dropped_file(event: QDropEvent) -> str | None:
    """The local file of a drag that carries exactly one."""
    urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
    files = [u.toLocalFile() for u in urls if u.isLocalFile()]
    return files[0] if len(files) == 1 else None


def _scrolled(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return area
