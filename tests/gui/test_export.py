"""Exports: an image larger than the screen that shows what the view shows, framed the same for any
shape; CSV of the grid and of the trajectory with every layer's values, against independent
computations; the session beside them; failures reported."""

import csv

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage
from scripted import shown_window

from nnsurface.core.grid import evaluate_grid
from nnsurface.core.measures import measure
from nnsurface.core.network import original_random
from nnsurface.core.session import Session
from nnsurface.core.session_file import load_session
from nnsurface.gui.app import close_window
from nnsurface.gui.settings import AppSettings

SCREEN = (1600, 1000)  # the virtual screen of the GUI tests (pyproject's xvfb_width/height)


@pytest.fixture
def win(qtbot, tmp_path):
    window = shown_window(qtbot, AppSettings.at(str(tmp_path / "settings.ini")))
    qtbot.wait(50)
    yield window
    close_window(window)


def pixels(image: QImage) -> np.ndarray:
    """(h, w, 3) int RGB."""
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    raw = np.array(image.constBits(), dtype=np.uint8).reshape(image.height(), image.bytesPerLine())
    return raw[:, : 4 * image.width()].reshape(image.height(), image.width(), 4)[..., 2::-1].astype(int)


def drawn_box(rgb: np.ndarray) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of everything that is not the white background."""
    ys, xs = np.nonzero((rgb < 235).any(axis=2))
    return xs.min(), ys.min(), xs.max(), ys.max()


def test_image_larger_than_the_screen_shows_what_the_view_shows(win, tmp_path):
    view = win.surface_view.gl
    k = 4
    width, height = k * view.width(), k * view.height()
    assert width > SCREEN[0] and height > SCREEN[1]
    path = tmp_path / "big.png"
    assert win.file_actions.export_image_to(str(path), width, height)
    image = QImage(str(path))
    assert (image.width(), image.height()) == (width, height)
    smooth, free = Qt.TransformationMode.SmoothTransformation, Qt.AspectRatioMode.IgnoreAspectRatio
    small = pixels(image.scaled(view.width(), view.height(), free, smooth))
    screen = pixels(view.grabFramebuffer())
    assert np.abs(small - screen).mean() < 1.5  # the same picture (text and lines rasterised anew)
    win.model.set_weight(0, 0, 0, 3.0)  # a different surface is far from it: the comparison can fail
    win.model.flush()
    assert np.abs(small - pixels(view.grabFramebuffer())).mean() > 3.0
    assert np.abs(pixels(view.grabFramebuffer()) - screen).mean() > 3.0


@pytest.mark.parametrize("shape", [(3, 1), (1, 3)], ids=["wide", "tall"])
def test_an_image_of_another_shape_keeps_the_whole_view(win, tmp_path, shape):
    view = win.surface_view.gl
    vw, vh = view.width(), view.height()
    width, height = 900 * shape[0], 900 * shape[1]
    assert win.file_actions.export_image_to(str(tmp_path / "shape.png"), width, height)
    exported = pixels(QImage(str(tmp_path / "shape.png")))
    # The view's content, scaled by the export's pixels per view pixel, centred in the image.
    scale = min(width, height * vw / vh) / vw
    left, top, right, bottom = drawn_box(pixels(view.grabFramebuffer()))
    dx, dy = (width - scale * vw) / 2, (height - scale * vh) / 2
    expected = np.array([dx + scale * left, dy + scale * top, dx + scale * right, dy + scale * bottom])
    assert np.abs(np.array(drawn_box(exported)) - expected).max() < 4 * scale


def test_export_image_through_the_menu(win, tmp_path):
    win.dialogs.size_answers.append((2000, 1500))
    win.dialogs.save_answers.append(str(tmp_path / "menu"))  # no suffix typed
    win.file_actions.export_image.trigger()
    image = QImage(str(tmp_path / "menu.png"))
    assert (image.width(), image.height()) == (2000, 1500)
    assert win.statusBar().currentMessage() == f"Wrote {tmp_path / 'menu.png'} (2000 × 1500 px)"


def test_an_image_larger_than_opengl_allows_is_refused(win, tmp_path):
    path = tmp_path / "huge.png"
    assert not win.file_actions.export_image_to(str(path), 100_000, 100)
    title, text, details = win.dialogs.errors[0]
    assert title == "Cannot export the image" and "larger than this OpenGL allows" in details
    assert not path.exists()


def test_an_image_into_a_missing_folder_is_refused(win, tmp_path):
    path = tmp_path / "no" / "such" / "folder.png"
    assert not win.file_actions.export_image_to(str(path), 300, 200)
    assert "cannot write the image" in win.dialogs.errors[0][2]


def read_csv(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], np.array(rows[1:], dtype=np.float64)


def test_grid_csv_holds_every_grid_point(win, tmp_path):
    win.model.set_view(3.0, 37)
    written = win.file_actions.export_data_to(str(tmp_path / "run.csv"))
    assert [p.name for p in written] == ["run-grid.csv", "run-trajectory.csv", "run.session.json"]
    header, rows = read_csv(tmp_path / "run-grid.csv")
    assert header == ["x1", "x2", "f", "region"]
    session = win.model.session()
    grid = evaluate_grid(session.network, 3.0, 37)
    assert rows.shape == (37 * 37, 4)
    i, j = np.divmod(np.arange(37 * 37), 37)
    assert np.array_equal(rows[:, 0], grid.x[i]) and np.array_equal(rows[:, 1], grid.y[j])
    assert np.array_equal(rows[:, 2], grid.z.ravel())
    assert np.array_equal(rows[:, 3], grid.labels.ravel())
    assert load_session(tmp_path / "run.session.json").equals(session)


def test_trajectory_csv_holds_every_layer_along_the_loop(win, tmp_path):
    net = original_random((3, 5), seed=2, activation="hardtanh")
    win.model.set_session(Session(net))
    win.model.set_trajectory((0.5, -1.0), 3.0)
    win.file_actions.export_data_to(str(tmp_path / "loop.csv"))
    header, rows = read_csv(tmp_path / "loop-trajectory.csv")
    assert header == [
        "t",
        "x1",
        "x2",
        "h1_1",
        "h1_2",
        "h1_3",
        *(f"h2_{u}" for u in range(1, 6)),
        "f",
        "breakpoint",
    ]
    t = rows[:, 0]
    assert t[0] == 0 and t[-1] == 2 * np.pi and np.all(np.diff(t) > 0)
    xy = np.column_stack([0.5 + 3.0 * np.cos(t), -1.0 + 3.0 * np.sin(t)])
    np.testing.assert_allclose(rows[:, 1:3], xy, rtol=0, atol=1e-12)
    h1 = np.clip(xy @ net.weights[0] + net.biases[0], -1, 1)  # written out, not the core's forward pass
    h2 = np.clip(h1 @ net.weights[1] + net.biases[1], -1, 1)
    f = h2 @ net.weights[2][:, 0] + net.biases[2][0]
    np.testing.assert_allclose(rows[:, 3:6], h1, rtol=0, atol=1e-12)
    np.testing.assert_allclose(rows[:, 6:11], h2, rtol=0, atol=1e-12)
    np.testing.assert_allclose(rows[:, 11], f, rtol=0, atol=1e-12)
    breakpoints = measure(net, win.model.session().trajectory).breakpoints
    assert np.array_equal(t[rows[:, 12] == 1], breakpoints)


def test_grid_csv_of_a_smooth_network_has_no_regions(win, tmp_path):
    win.model.set_activation("tanh")
    win.file_actions.export_data_to(str(tmp_path / "smooth.csv"))
    header, rows = read_csv(tmp_path / "smooth-grid.csv")
    assert header == ["x1", "x2", "f"]


def test_export_data_through_the_menu_and_a_failure(win, tmp_path):
    win.dialogs.save_answers.append(str(tmp_path / "menu.csv"))
    win.file_actions.export_data.trigger()
    assert (tmp_path / "menu-grid.csv").exists() and (tmp_path / "menu-trajectory.csv").exists()
    assert win.statusBar().currentMessage() == "Wrote menu-grid.csv, menu-trajectory.csv, menu.session.json"
    assert win.file_actions.export_data_to(str(tmp_path / "missing" / "x.csv")) == []
    title, text, details = win.dialogs.errors[0]
    assert title == "Cannot export the data" and "missing" in details and "no such file" in details


def test_copy_weights_as_numpy_and_latex(win):
    from nnsurface.gui import clipboard

    win.model.set_weight(1, 2, 3, -0.123456789)
    net = win.model.session().network
    win.copy_numpy_action.trigger()
    code = QGuiApplication.clipboard().text()
    assert code == clipboard.numpy_code(net)
    namespace: dict = {}
    exec(code, namespace)
    x = np.random.default_rng(0).normal(size=(50, 2)) * 4
    assert np.array_equal(namespace["f"](x), net(x))
    assert np.array_equal(namespace["W2"], net.weights[1])
    win.copy_latex_action.trigger()
    latex = QGuiApplication.clipboard().text()
    assert latex == clipboard.latex_matrices(net)
    assert latex.count("\\begin{bmatrix}") == 6 and "-0.1235" in latex
