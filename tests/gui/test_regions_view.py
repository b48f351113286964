"""Piecewise-linear networks drawn from their exact linear regions, checked against core.partition.

What the GPU draws is read back from its buffers after a frame; the polygons, planes, creases and
counts are recomputed here from the core, independently of the result the view was handed.
"""

import numpy as np
from PySide6.QtWidgets import QLabel

from nnsurface.core.grid import evaluate_grid
from nnsurface.core.measures import measure
from nnsurface.core.network import Network, original_random
from nnsurface.core.partition import crease_segments, partition, region_mesh
from nnsurface.core.session import Session, ViewSettings
from nnsurface.gui import colors
from nnsurface.gui import result as result_module
from nnsurface.gui.formatting import MISSING, format_count, format_number


def gpu(window, item, name, dtype, columns):
    """Draw a frame, then read back what item's buffer `name` holds."""
    window.surface_view.gl.grabFramebuffer()
    return window.surface_view.read_back(item, name, dtype, columns)


def label(window, key):
    found = window.findChild(QLabel, f"m-{key}")
    assert found is not None, key
    return found.text()


def core_partition(window):
    session = window.model.session()
    e = session.view.extent
    return partition(session.network, (-e, e, -e, e))


def check_drawn_exactly(window):
    """The region surface on the GPU is the core's partition lifted onto its planes."""
    view = window.surface_view
    part = core_partition(window)
    mesh = region_mesh(part)
    assert view.drawn_source() == "exact"
    assert view.regions.visible() and not view.surface.visible()
    xy = gpu(window, view.regions, "a_xy", np.float32, 2)
    z = gpu(window, view.regions, "a_z", np.float32, 1)
    np.testing.assert_array_equal(xy, mesh.vertices[:, :2])
    np.testing.assert_array_equal(z, mesh.vertices[:, 2])
    # one triangle fan per region, over that region's vertices in turn
    np.testing.assert_array_equal(view.regions.array("fans"), part.counts)
    # each vertex lies on the plane of its region, and that plane is the network's f there
    region = np.repeat(np.arange(part.regions_exact), part.counts)
    np.testing.assert_allclose(
        z, np.einsum("ij,ij->i", xy, part.gradients[region]) + part.offsets[region], atol=1e-4
    )
    inside = np.array([part.polygon(k).mean(axis=0) for k in range(part.regions_exact)])
    net = window.model.session().network
    np.testing.assert_allclose(
        net(inside), [part.evaluate(k, inside[k : k + 1])[0] for k in range(len(inside))]
    )
    np.testing.assert_allclose(view.creases.pos, crease_segments(part).reshape(-1, 3))
    assert f"{part.regions_exact} exact linear regions" in view.caption.text()
    return part


def test_the_default_relu_network_is_drawn_from_its_exact_regions(window, qtbot):
    part = check_drawn_exactly(window)
    assert label(window, "regions_exact") == format_count(part.regions_exact)
    assert label(window, "crease_length") == format_number(part.crease_length)
    with qtbot.waitSignal(window.model.resultChanged, timeout=20000):
        window.model.set_weight(0, 1, 2, -1.25)
    check_drawn_exactly(window)


def test_hardtanh_regions_and_flat_region_colours_from_the_patterns(window, qtbot):
    with qtbot.waitSignal(window.model.resultChanged, timeout=20000):
        window.model.set_session(window.model.session().replace(network=original_random((6, 6), seed=3)))
        window.model.set_activation("hardtanh")
        window.model.set_color_mode("region")
    part = check_drawn_exactly(window)
    assert part.regions_exact > 20
    drawn = gpu(window, window.surface_view.regions, "a_color", np.uint8, 4)
    expected = colors.pattern_palette(part.patterns)[np.repeat(np.arange(part.regions_exact), part.counts)]
    np.testing.assert_array_equal(drawn, expected)
    assert window.surface_view.color_bar.shown() == ("region", part.regions_exact)


def test_a_region_keeps_its_colour_across_a_small_edit(window, qtbot):
    with qtbot.waitSignal(window.model.resultChanged, timeout=20000):
        window.model.set_color_mode("region")
    before = core_partition(window)
    colour_before = dict(zip(map(bytes, before.patterns), gpu_region_colours(window, before), strict=True))
    with qtbot.waitSignal(window.model.resultChanged, timeout=20000):
        window.model.set_weight(0, 0, 1, window.model.session().network.weights[0][0, 1] + 0.05)
    after = core_partition(window)
    colour_after = dict(zip(map(bytes, after.patterns), gpu_region_colours(window, after), strict=True))
    shared = colour_before.keys() & colour_after.keys()
    assert len(shared) >= before.regions_exact - 2
    for pattern in shared:
        np.testing.assert_array_equal(colour_before[pattern], colour_after[pattern])


def gpu_region_colours(window, part):
    """The colour of each region's first vertex on the GPU (regions are flat)."""
    drawn = gpu(window, window.surface_view.regions, "a_color", np.uint8, 4)
    first = np.cumsum(part.counts) - part.counts
    return drawn[first]


def test_tanh_is_drawn_from_the_grid_and_says_so(window, qtbot):
    with qtbot.waitSignal(window.model.resultChanged, timeout=20000):
        window.model.set_activation("tanh")
    view = window.surface_view
    assert view.drawn_source() == "grid"
    assert view.surface.visible() and not view.regions.visible() and not view.creases.visible()
    session = window.model.session()
    grid = evaluate_grid(session.network, session.view.extent, session.view.resolution)
    np.testing.assert_array_equal(gpu(window, view.surface, "a_z", np.float32, 1), grid.z.reshape(-1))
    assert "50 × 50 grid (tanh has no knots)" in view.caption.text()
    assert label(window, "regions_exact") == MISSING
    assert label(window, "crease_length") == MISSING


def test_beyond_the_region_cap_the_grid_is_drawn_and_the_caption_says_why(window, qtbot, monkeypatch):
    monkeypatch.setattr(result_module, "EXACT_REGION_CAP", 5)
    with qtbot.waitSignal(window.model.resultChanged, timeout=20000):
        window.model.set_weight(0, 0, 0, 0.5)
    view = window.surface_view
    assert core_partition(window).regions_exact > 5
    assert view.drawn_source() == "grid"
    assert "grid (more than 5 linear regions)" in view.caption.text()
    assert label(window, "regions_exact") == "> 5"


def test_the_grid_can_be_asked_for_and_the_exact_regions_come_back(window, qtbot):
    view = window.surface_view
    view.set_surface_source("grid")
    assert view.drawn_source() == "grid"
    session = window.model.session()
    grid = evaluate_grid(session.network, session.view.extent, session.view.resolution)
    np.testing.assert_array_equal(gpu(window, view.surface, "a_z", np.float32, 1), grid.z.reshape(-1))
    assert "50 × 50 grid" in view.caption.text()
    view.set_surface_source("exact")
    check_drawn_exactly(window)


def test_only_the_line_toggles_of_what_is_drawn_are_enabled(window, qtbot):
    creases, grid_lines = window.creases_action, window.mesh_lines_action
    assert creases.isEnabled() and not grid_lines.isEnabled()  # relu: the exact regions
    window.exact_regions_action.setChecked(False)
    assert window.surface_view.drawn_source() == "grid"
    assert grid_lines.isEnabled() and not creases.isEnabled()
    window.exact_regions_action.setChecked(True)
    assert creases.isEnabled() and not grid_lines.isEnabled()
    with qtbot.waitSignal(window.model.resultChanged, timeout=20000):
        window.model.set_activation("tanh")  # no regions: the grid, whatever the toggle says
    assert grid_lines.isEnabled() and not creases.isEnabled()


def test_the_height_range_of_the_exact_surface_is_f_over_the_region_vertices(window, qtbot):
    with qtbot.waitSignal(window.model.resultChanged, timeout=20000):
        window.model.set_bias(0, 1, 0.75)  # f no longer homogeneous: extremes inside the window too
        window.model.set_weight(1, 2, 3, -1.5)
    result = window.model.result()
    part = core_partition(window)
    net = window.model.session().network
    corners = np.concatenate([part.polygon(k) for k in range(part.regions_exact)])
    f = net(corners)
    np.testing.assert_allclose(result.surface_range, (f.min(), f.max()), rtol=1e-6, atol=1e-6)
    grid = result.grid  # every grid point lies in the window: its heights lie within the range
    assert result.surface_range[0] <= grid.z.min() + 1e-5 and grid.z.max() <= result.surface_range[1] + 1e-5
    assert window.surface_view.regions.height_range() == result.surface_range
    assert f"to {format_number(result.surface_range[1])}" in window.surface_view.caption.text()


def test_the_default_networks_range_starts_at_zero_exactly(window):
    # relu, no biases, last layer all ones: f ≥ 0 and f(0) = 0; rounding of the vertex positions
    # must not show as a minimum of −6e−16
    result = window.model.flush()
    assert result.surface_range[0] == 0.0
    assert "f from 0 to" in window.surface_view.caption.text()


def test_before_its_frame_an_edit_computes_only_what_the_frame_shows(window, qtbot):
    seen = []
    window.model.surfaceChanged.connect(
        lambda r: seen.append(
            (r.deferred_grid.ready(), r.deferred_sensitivity.ready(), r.deferred_measures.ready())
        )
    )
    with qtbot.waitSignal(window.model.resultChanged, timeout=20000):
        window.model.set_weight(0, 0, 3, 0.4)
    assert seen == [(False, False, False)]  # relu: the breakpoints drawn, not the lengths
    result = window.model.result()  # the panels asked for the rest after the frame
    assert result.deferred_grid.ready() and result.deferred_sensitivity.ready()
    assert result.deferred_measures.ready()
    session = window.model.session()
    m = measure(session.network, session.trajectory)
    np.testing.assert_array_equal(result.measures.breakpoints, m.breakpoints)
    assert len(result.breakpoint_points) == len(m.breakpoints) > 0
    np.testing.assert_allclose(result.breakpoint_t, m.breakpoints, rtol=0, atol=1e-11)
    np.testing.assert_array_equal(
        result.breakpoint_f, session.network(session.trajectory.points(result.breakpoint_t))
    )

    seen.clear()
    with qtbot.waitSignal(window.model.resultChanged, timeout=20000):
        window.model.set_activation("tanh")
    assert seen == [(True, False, False)]  # tanh: the grid is drawn; no knots, no breakpoints
    result = window.model.result()
    assert len(result.breakpoint_points) == 0 and result.deferred_measures.ready()
    session = window.model.session()
    m = measure(session.network, session.trajectory)
    assert label(window, "output_length") == format_number(m.output_length)
    assert label(window, "transitions") == MISSING


def test_while_the_grid_is_drawn_the_exact_regions_wait_for_the_panels(window, qtbot):
    model, view = window.model, window.surface_view
    seen = []
    model.surfaceChanged.connect(lambda r: seen.append((r.deferred_grid.ready(), r.deferred_exact.ready())))
    window.exact_regions_action.setChecked(False)
    with qtbot.waitSignal(model.resultChanged, timeout=20000):
        model.set_weight(0, 1, 2, -0.7)
    assert seen[-1] == (True, False)  # the grid for the frame, the regions not yet
    assert view.drawn_source() == "grid"
    session = model.session()
    grid = evaluate_grid(session.network, session.view.extent, session.view.resolution)
    assert model.result().surface_range == (float(grid.z.min()), float(grid.z.max()))  # of the grid drawn
    part = core_partition(window)
    assert label(window, "regions_exact") == format_count(part.regions_exact)  # counted for the panel

    seen.clear()
    window.exact_regions_action.setChecked(True)  # back to the regions: computed first again
    with qtbot.waitSignal(model.resultChanged, timeout=20000):
        model.set_weight(0, 1, 2, -0.6)
    assert seen[-1][1] is True
    check_drawn_exactly(window)


def test_regions_are_lit_as_the_grid_lights_the_same_plane(window, qtbot):
    # The regions are shaded by their facets' own planes in the shader (no normals uploaded), the grid
    # by its vertex normals. Where f is one tilted plane over the whole window the two agree.
    w1 = np.array([[1.0, 0.5], [-0.25, 1.0]])
    w2 = np.array([[-0.75], [1.5]])
    net = Network((w1, w2), (np.array([20.0, 20.0]), np.zeros(1)), "relu")
    with qtbot.waitSignal(window.model.resultChanged, timeout=20000):
        window.model.set_session(Session(network=net, view=ViewSettings(5.0, 40)))
    view = window.surface_view

    def frame():
        image = view.gl.grabFramebuffer()
        rgba = np.array(image.constBits(), dtype=np.uint8).reshape(image.height(), -1, 4)
        return rgba[..., :3].astype(int)

    assert view.drawn_source() == "exact" and view.regions.array("fans").tolist() == [4]
    exact = frame()
    view.regions.setVisible(False)  # the same result drawn from its grid, in the same frame
    view.surface.setVisible(True)
    grid = frame()
    assert (grid != 255).any(axis=-1).mean() > 0.15  # the plane covers much of the view
    differ = np.abs(exact - grid).max(axis=-1)
    assert (differ > 2).sum() <= 10  # a few pixels on the square's outline are covered differently
