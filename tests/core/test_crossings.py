"""Where the circle crosses the boundaries of the exact regions (core.crossings): the breakpoints the
3-D frame draws before the measures walk the loop. Checked against that walk (measures.breakpoints,
a different algorithm) and against forward passes on either side of every crossing."""

import numpy as np
import pytest

import nnsurface.core.crossings as crossings_module
import nnsurface.core.partition as partition_module
from nnsurface.core.crossings import loop_crossings
from nnsurface.core.measures import breakpoints
from nnsurface.core.network import Network, default_network
from nnsurface.core.partition import partition
from nnsurface.core.trajectory import Trajectory

WINDOW = (-4.0, 4.0, -4.0, 4.0)


def random_cases(n: int, seed: int = 0):
    """(network, circle inside WINDOW) for random relu/hardtanh nets of 1 to 3 hidden layers."""
    rng = np.random.default_rng(seed)
    for _ in range(n):
        dims = [2, *rng.integers(1, 9, size=rng.integers(1, 4)), 1]
        ws = [rng.normal(0, 1.5 / np.sqrt(dims[i]), (dims[i], dims[i + 1])) for i in range(len(dims) - 1)]
        bs = [rng.normal(0, 0.5, d) for d in dims[1:]]
        net = Network(ws, bs, str(rng.choice(["relu", "hardtanh"])))
        yield net, Trajectory.circle(rng.uniform(-1, 1, 2), rng.uniform(0.1, 2.5))


def test_crossings_are_the_breakpoints_of_the_walk_through_the_layers():
    crossed = 0
    for net, circle in random_cases(150):
        t = loop_crossings(partition(net, WINDOW), circle)
        bps = breakpoints(net, circle)
        assert t.shape == bps.shape
        np.testing.assert_allclose(t, bps, rtol=0, atol=1e-11)
        crossed += len(t) > 4
        # on either side of each crossing the activation pattern differs, between two it does not
        if len(t):
            h = 1e-7
            before = net.patterns(circle.points(t - h))
            after = net.patterns(circle.points(t + h))
            assert np.all(np.any(before != after, axis=1))
            between = np.append(t, t[0] + 2 * np.pi)
            middle = net.patterns(circle.points(0.5 * (between[:-1] + between[1:])))
            np.testing.assert_array_equal(middle, after)
    assert crossed > 50


def test_the_loop_and_the_array_forms_give_the_same_numbers(monkeypatch):
    # Few boundary segments are crossed by a Python loop, many by numpy; a partition of many regions
    # is cut and kept as arrays: the same crossings to the bit whichever did the work.
    for net, circle in random_cases(60, seed=1):
        found = []
        for few_edges, list_regions in [(10**9, 10**9), (0, 10**9), (10**9, 0), (0, 0)]:
            monkeypatch.setattr(crossings_module, "FEW_EDGES", few_edges)
            monkeypatch.setattr(partition_module, "LIST_REGIONS", list_regions)
            partition_module._kept = None
            found.append(loop_crossings(partition(net, WINDOW), circle).tobytes())
        assert len(set(found)) == 1


def test_a_crossing_where_boundaries_meet_and_a_boundary_only_touched_count_once():
    # Units x₁ and x₂; the circle of radius 1 about (1, 0) crosses x₂ = 0 at t = 0 and at t = π, where
    # it also touches x₁ = 0 (the corner of four regions): two breakpoints, as the walk finds.
    net = Network([np.eye(2), np.ones((2, 1))], [np.zeros(2), np.zeros(1)])
    circle = Trajectory.circle((1.0, 0.0), 1.0)
    t = loop_crossings(partition(net, WINDOW), circle)
    np.testing.assert_allclose(t, [0.0, np.pi], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(breakpoints(net, circle), t)


@pytest.mark.parametrize(
    "circle",
    [
        Trajectory.circle((3.0, 0.0), 1.0),  # reaches the window's border
        Trajectory.circle((0.0, 0.0), 5.0),  # larger than the window
        Trajectory((0.0, 0.0), (1.0, 0.0), (0.0, 2.0)),  # an ellipse
        Trajectory((0.0, 0.0), (0.0, 1.0), (1.0, 0.0)),  # the circle run backwards
        Trajectory((0.0, 0.0, 0.0), (1.0, 0.0, 0.0), (0.0, 1.0, 0.0)),  # not in the plane of the inputs
    ],
)
def test_no_answer_when_the_regions_do_not_cover_the_circle(circle):
    part = partition(default_network(), WINDOW)
    assert loop_crossings(part, circle) is None


def test_no_crossings_for_a_point_or_without_boundaries():
    part = partition(default_network(), WINDOW)
    assert loop_crossings(part, Trajectory.circle((0.5, 0.5), 0.0)).shape == (0,)
    linear = Network([np.array([[1.0], [2.0]])], [np.array([0.5])])
    assert loop_crossings(partition(linear, WINDOW), Trajectory.circle((0.0, 0.0), 1.0)).shape == (0,)
