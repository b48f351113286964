"""The menus: standard shortcuts, tooltips on every control, the Edit, View, Tools and Help actions."""

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QApplication, QComboBox, QMessageBox, QWidget
from scripted import shown_window

from nnsurface import __version__
from nnsurface.core.network import original_random
from nnsurface.core.session import Session
from nnsurface.gui.app import close_window
from nnsurface.gui.help import about_html
from nnsurface.gui.lab import LabWindow
from nnsurface.gui.settings import AppSettings

Key = QKeySequence.StandardKey


@pytest.fixture
def win(qtbot, tmp_path):
    window = shown_window(qtbot, AppSettings.at(str(tmp_path / "settings.ini")))
    yield window
    close_window(window)


def menu_actions(window) -> dict[str, object]:
    """Every action of every menu (and submenu) by its text without the & marks."""
    found = {}
    stack = [a.menu() for a in window.menuBar().actions()]
    while stack:
        menu = stack.pop()
        menu.aboutToShow.emit()
        for act in menu.actions():
            if act.menu() is not None:
                stack.append(act.menu())
            elif not act.isSeparator():
                found[act.text().replace("&", "")] = act
    return found


def test_menus_and_their_standard_shortcuts(win):
    assert [a.text() for a in win.menuBar().actions()] == ["&File", "&Edit", "&View", "&Tools", "&Help"]
    actions = menu_actions(win)
    standard = {
        "New": Key.New,
        "Open…": Key.Open,
        "Save": Key.Save,
        "Save As…": Key.SaveAs,
        "Quit": Key.Quit,
        "Copy Weights as NumPy": Key.Copy,
        "What am I looking at?": Key.HelpContents,
    }
    for text, key in standard.items():
        assert actions[text].shortcut() == QKeySequence.keyBindings(key)[0], text
    assert win.undo_action.shortcut() == QKeySequence.keyBindings(Key.Undo)[0]
    assert win.redo_action.shortcut() == QKeySequence.keyBindings(Key.Redo)[0]
    for text in (
        "Export Image…",
        "Export Data…",
        "Randomize",
        "Reset",
        "Copy Weights as LaTeX",
        "Grid Lines",
        "Reset Camera",
        "Exact Linear Regions",
        "Creases",
        "Expressivity lab…",
        "About nnsurface",
        "Colour by Height",
        "Colour by Region",
    ):
        assert text in actions, text


def test_every_action_and_every_control_has_a_tooltip(win):
    for text, act in menu_actions(win).items():
        assert act.toolTip() and act.toolTip() != text.replace("…", ""), text
    controls = [
        w
        for w in win.findChildren(QWidget)
        if isinstance(w, (QAbstractSpinBox, QComboBox, QAbstractButton))
        and w.isVisible()
        and not w.objectName().startswith("qt_")  # Qt's own dock title buttons
    ]
    assert len(controls) > 40
    missing = [w.objectName() or type(w).__name__ for w in controls if not w.toolTip()]
    assert missing == []


def test_edit_randomize_and_reset(win):
    win.controls.seed.setValue(17)
    actions = menu_actions(win)
    actions["Randomize"].trigger()
    sigma = win.controls.sigma.value()
    assert win.model.session().network.equals(original_random((4, 4), seed=17, sigma2=sigma**2))
    actions["Reset"].trigger()
    assert win.model.session().equals(Session())
    win.undo_action.trigger()
    assert win.model.session().network.equals(original_random((4, 4), seed=17, sigma2=sigma**2))


def test_view_colour_mode_grid_lines_camera_and_docks(win, qtbot):
    actions = menu_actions(win)
    actions["Colour by Region"].trigger()
    assert win.model.flush().color_mode == "region" and win.controls.color_mode.currentText() == "region"
    win.controls.color_mode.setCurrentText("height")
    win.model.flush()
    assert actions["Colour by Height"].isChecked()

    view = win.surface_view
    assert view.drawn_source() == "exact" and view.creases.visible()
    actions["Creases"].trigger()
    assert not view.creases.visible()
    actions["Exact Linear Regions"].trigger()
    assert view.drawn_source() == "grid" and view.surface.visible() and not view.regions.visible()
    surface = view.surface
    actions["Grid Lines"].trigger()
    assert surface.lines_visible()
    actions["Grid Lines"].trigger()
    assert not surface.lines_visible()

    gl = win.surface_view.gl
    home = gl.cameraParams()
    gl.setCameraPosition(distance=3.0, elevation=80.0, azimuth=120.0)
    assert gl.cameraParams() != home
    actions["Reset Camera"].trigger()
    assert gl.cameraParams() == home

    for name, dock in win.docks.items():
        toggle = actions[dock.windowTitle()]
        toggle.trigger()
        assert dock.isHidden(), name
        toggle.trigger()
        assert not dock.isHidden(), name


def test_the_lab_opens_once_follows_the_session_and_closes_with_the_window(qtbot, tmp_path):
    window = shown_window(qtbot, AppSettings.at(str(tmp_path / "settings.ini")))
    menu_actions(window)["Expressivity lab…"].trigger()
    labs = window.findChildren(LabWindow)
    assert len(labs) == 1 and labs[0].isVisible()
    window.lab_action.trigger()
    assert window.findChildren(LabWindow) == labs
    assert labs[0]._provider() is window.model.session()
    window.model.set_weight(0, 0, 0, 2.0)
    assert labs[0]._provider() is window.model.session()
    window.close_discarding()
    assert not labs[0].isVisible()
    close_window(window)


def test_help_explains_the_measures_and_about_names_version_and_licence(win, qtbot):
    guide = win.show_guide()
    text = guide.browser.toPlainText()
    for formula in (
        "∫ |x′(t)| dt",
        "∫ |d f(x(t))/dt| dt",
        "∫ ‖d hₗ(x(t))/dt‖ dt",
        "x(t) = c + r (cos t, sin t)",
        "hₗ = φ(hₗ₋₁ Wₗ + bₗ)",
        "transitions",
        "regions visited",
        "|∂L/∂w|",
    ):
        assert formula in text, formula
    assert win.show_guide() is guide
    assert f"nnsurface {__version__}" in about_html() and "Licence: MIT" in about_html()
    seen = []

    def close_about():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, close_about)
            return
        seen.append(box.text())
        box.accept()

    QTimer.singleShot(0, close_about)
    menu_actions(win)["About nnsurface"].trigger()
    assert seen == [about_html()]
