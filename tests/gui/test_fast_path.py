"""The surface's fast path: what reaches the GPU after an edit is exactly what the core computes.

The arrays are read back from the GL buffers the frame was drawn from (glGetBufferSubData), so these
tests check the upload path itself, not only what the view was handed. Timings are measured by
benchmarks/bench_gui.py, never here.
"""

import numpy as np
import pytest
from OpenGL import GL

from nnsurface.core.grid import evaluate_grid, grid_faces, surface_normals
from nnsurface.core.network import Network
from nnsurface.core.session import Session, ViewSettings
from nnsurface.gui import colors, shaded_mesh
from nnsurface.gui.shaded_mesh import grid_line_indices, grid_strip_indices


def strip_triangles(indices: np.ndarray) -> set[tuple[int, int, int]]:
    """The non-degenerate triangles a GL_TRIANGLE_STRIP draws, each rotated to start at its smallest
    vertex (so orientation is kept and comparable)."""
    out = set()
    for k in range(len(indices) - 2):
        a, b, c = (int(v) for v in indices[k : k + 3])
        if k % 2:
            a, b = b, a  # GL flips every odd triangle of a strip to keep one winding
        if len({a, b, c}) == 3:
            out.add(_rotated((a, b, c)))
    return out


def _rotated(t: tuple[int, int, int]) -> tuple[int, int, int]:
    i = t.index(min(t))
    return t[i:] + t[:i]


@pytest.mark.parametrize("n", [2, 3, 7, 50])
def test_the_strip_draws_the_cores_grid_triangles_with_the_same_winding(n):
    strip = grid_strip_indices(n)
    expected = {_rotated(tuple(int(v) for v in f)) for f in grid_faces(n)}
    assert strip_triangles(strip) == expected
    assert len(strip) == 2 * n * (n - 1) + 2 * (n - 2)


def test_grid_lines_are_every_row_and_column_edge_once():
    n = 5
    pairs = {tuple(sorted(p)) for p in grid_line_indices(n).reshape(-1, 2).tolist()}
    v = np.arange(n * n).reshape(n, n)
    expected = {(v[i, j], v[i, j + 1]) for i in range(n) for j in range(n - 1)}
    expected |= {(v[i, j], v[i + 1, j]) for i in range(n - 1) for j in range(n)}
    assert pairs == {(int(a), int(b)) for a, b in expected}
    assert len(grid_line_indices(n)) == 2 * len(expected)


def gpu(window, item, name, dtype, columns):
    """Draw a frame, then read back what item's buffer `name` holds."""
    window.surface_view.gl.grabFramebuffer()
    return window.surface_view.read_back(item, name, dtype, columns)


def show_grid(window, qtbot, session=None, color_mode="height"):
    window.surface_view.set_surface_source("grid")
    with qtbot.waitSignal(window.model.resultChanged, timeout=20000):
        if session is not None:
            window.model.set_session(session)
        window.model.set_color_mode(color_mode)
        window.model.set_view(5.0, 40)
    return window.model.result()


def test_grid_heights_and_normals_on_the_gpu_are_the_cores(window, qtbot):
    show_grid(window, qtbot)
    with qtbot.waitSignal(window.model.resultChanged, timeout=20000):
        window.model.set_weight(0, 1, 2, -1.25)
    net = window.model.session().network
    grid = evaluate_grid(net, 5.0, 40)
    surface = window.surface_view.surface
    np.testing.assert_array_equal(gpu(window, surface, "a_z", np.float32, 1), grid.z.reshape(-1))
    normals = gpu(window, surface, "a_normal", np.float32, 3)
    np.testing.assert_allclose(normals, surface_normals(grid.x, grid.y, grid.z).reshape(-1, 3), atol=1e-5)
    xy = gpu(window, surface, "a_xy", np.float32, 2).reshape(40, 40, 2)
    np.testing.assert_array_equal(xy[:, 0, 0], grid.x)
    np.testing.assert_array_equal(xy[0, :, 1], grid.y)


def test_normals_of_an_affine_surface_are_its_plane_normal(window, qtbot):
    # relu with positive pre-activations on the whole window: f is one plane, a·x + c
    w1 = np.array([[1.0, 0.5], [-0.25, 1.0]])
    b1 = np.array([20.0, 20.0])
    w2 = np.array([[0.75], [-1.5]])
    net = Network((w1, w2), (b1, np.zeros(1)), "relu")
    show_grid(window, qtbot, Session(network=net, view=ViewSettings(5.0, 40)))
    a = (w1 @ w2)[:, 0]
    plane = np.array([a[0], a[1], -1.0]) / np.linalg.norm([a[0], a[1], -1.0])
    normals = gpu(window, window.surface_view.surface, "a_normal", np.float32, 3)
    np.testing.assert_allclose(normals, np.broadcast_to(plane, normals.shape), atol=1e-5)


def test_region_colours_on_the_gpu_follow_the_patterns(window, qtbot):
    result = show_grid(window, qtbot, color_mode="region")
    g = result.grid
    drawn = gpu(window, window.surface_view.surface, "a_color", np.uint8, 4)
    np.testing.assert_array_equal(drawn, colors.pattern_palette(g.patterns)[g.labels].reshape(-1, 4))


def test_heights_are_coloured_through_the_colormap_texture(window, qtbot):
    result = show_grid(window, qtbot)
    surface = window.surface_view.surface
    assert surface.array("a_color") is None  # no per-vertex colours: the shader maps heights
    assert surface.height_range() == result.z_range
    view = window.surface_view.gl
    view.grabFramebuffer()
    view.makeCurrent()
    try:
        GL.glBindTexture(GL.GL_TEXTURE_2D, surface.colormap_texture())
        texture = GL.glGetTexImage(GL.GL_TEXTURE_2D, 0, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE)
        GL.glBindTexture(GL.GL_TEXTURE_2D, 0)
    finally:
        view.doneCurrent()
    lut = np.frombuffer(bytes(texture), dtype=np.uint8).reshape(-1, 4)
    np.testing.assert_array_equal(lut, colors.height_lut())


@pytest.fixture
def uploads(monkeypatch):
    """(target, bytes) of every buffer upload the mesh items make from now on."""
    calls = []

    def spy(name):
        original = getattr(shaded_mesh.raw_gl, name)

        def call(target, *args):
            nbytes = args[1] if name == "glBufferSubData" else args[0]
            calls.append((target, nbytes))
            return original(target, *args)

        monkeypatch.setattr(shaded_mesh.raw_gl, name, call)

    spy("glBufferData")
    spy("glBufferSubData")
    return calls


HEIGHTS_AND_NORMALS = sorted([(GL.GL_ARRAY_BUFFER, 4 * 40 * 40), (GL.GL_ARRAY_BUFFER, 12 * 40 * 40)])


def test_an_edit_uploads_only_heights_and_normals(window, qtbot, uploads):
    show_grid(window, qtbot)
    window.surface_view.gl.grabFramebuffer()  # everything of this grid size is on the GPU now
    uploads.clear()
    with qtbot.waitSignal(window.model.resultChanged, timeout=20000):
        window.model.set_weight(1, 0, 1, 0.5)
    window.surface_view.gl.grabFramebuffer()
    assert sorted(uploads) == HEIGHTS_AND_NORMALS


def test_results_between_two_frames_cost_one_upload_of_the_last(window, qtbot, uploads):
    show_grid(window, qtbot)
    window.surface_view.gl.grabFramebuffer()
    uploads.clear()
    model = window.model
    for value in (0.3, 0.6, 0.9):  # each result reaches the view, no frame in between
        model.set_weight(0, 0, 0, value)
        model.flush()
    expected = evaluate_grid(model.session().network, 5.0, 40).z.reshape(-1)
    np.testing.assert_array_equal(gpu(window, window.surface_view.surface, "a_z", np.float32, 1), expected)
    assert sorted(uploads) == HEIGHTS_AND_NORMALS
    assert window.surface_view.gl.painted_revision == model.result().revision
