"""What a result hands the 3-D view for the trajectory: the core's numbers at the dense samples and
at every breakpoint, with nothing sampled twice; and breakpoints drawn before the measures are
replaced by the measures' own when the two disagree."""

import numpy as np
import pytest

from nnsurface.core.measures import measure
from nnsurface.core.network import Network, original_random
from nnsurface.core.session import Session
from nnsurface.core.trajectory import Trajectory
from nnsurface.gui.result import LIFT_FRACTION, TRAJECTORY_SAMPLES, build_result


def check_trajectory(session: Session) -> None:
    net, traj = session.network, session.trajectory
    result = build_result(session, "height", revision=1)
    # The breakpoints drawn are where the circle crosses the drawn regions' boundaries: the measures'
    # to rounding (they are checked against them before the panels show the measures).
    bps = result.breakpoint_t
    exact = measure(net, traj).breakpoints
    assert bps.shape == exact.shape
    np.testing.assert_allclose(bps, exact, rtol=0, atol=1e-11)
    assert result.confirmed() is result
    t = np.union1d(np.linspace(0.0, 2 * np.pi, TRAJECTORY_SAMPLES + 1), bps)
    np.testing.assert_array_equal(result.trajectory_t, t)
    xy = traj.points(t)
    np.testing.assert_array_equal(result.trajectory_points[:, :2], xy.astype(np.float32))
    # f to rounding: the matrix products may group the points differently
    np.testing.assert_allclose(result.trajectory_f, net(xy), rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(result.trajectory_points[:, 2], net(xy) + result.lift, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(result.breakpoint_f, net(traj.points(bps)), rtol=1e-14, atol=1e-14)
    assert result.breakpoint_points.shape == (len(bps), 3)
    np.testing.assert_array_equal(result.breakpoint_points[:, :2], traj.points(bps).astype(np.float32))
    assert result.lift == pytest.approx(LIFT_FRACTION * result.z_span)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("activation", ["relu", "hardtanh"])
def test_the_trajectory_is_the_networks_value_at_dense_samples_and_breakpoints(seed, activation):
    rng = np.random.default_rng(seed)
    net = original_random((4, 3), seed=seed).with_activation(activation)
    traj = Trajectory.circle(rng.uniform(-2, 2, size=2), rng.uniform(0.5, 5))
    check_trajectory(Session(network=net, trajectory=traj))


def test_breakpoints_that_are_dense_samples_appear_once():
    # One unit is x₂: its knot is crossed at t = 0 and t = π, both dense samples.
    w1 = np.array([[0.0, 1.0], [1.0, 0.5]])
    net = Network([w1, np.array([[1.0], [-2.0]])], [np.array([0.0, 0.3]), np.zeros(1)])
    traj = Trajectory.circle((0.0, 0.0), 2.0)
    bps = measure(net, traj).breakpoints
    assert 0.0 in bps
    result = build_result(Session(network=net, trajectory=traj), "height", revision=1)
    assert np.all(np.diff(result.trajectory_t) > 0)
    check_trajectory(Session(network=net, trajectory=traj))


def test_breakpoints_found_on_the_regions_are_replaced_when_the_measures_disagree(monkeypatch):
    import nnsurface.gui.result as result_module

    session = Session()
    net, traj = session.network, session.trajectory
    exact = measure(net, traj).breakpoints
    assert len(exact) > 2
    for wrong in (exact[1:], exact + 1e-6):  # one missed (a grazed boundary), or all off
        monkeypatch.setattr(result_module, "loop_crossings", lambda part, loop, wrong=wrong: wrong.copy())
        result = build_result(session, "height", revision=1)
        assert not result.breakpoints_confirmed
        np.testing.assert_array_equal(result.breakpoint_t, wrong)
        fixed = result.confirmed()
        assert fixed is not result and fixed.breakpoints_confirmed and fixed.revision == result.revision
        np.testing.assert_array_equal(fixed.breakpoint_t, exact)
        np.testing.assert_array_equal(fixed.breakpoint_f, net(traj.points(exact)))
        dense = np.linspace(0.0, 2 * np.pi, TRAJECTORY_SAMPLES + 1)
        np.testing.assert_array_equal(fixed.trajectory_t, np.union1d(dense, exact))
    monkeypatch.setattr(result_module, "loop_crossings", lambda part, loop: exact + 1e-10)  # rounding
    result = build_result(session, "height", revision=1)
    assert result.confirmed() is result  # drawn as found: they agree to rounding
    exported = result.measured()  # the data export holds the measures' own
    assert exported is not result and exported.measured() is exported
    np.testing.assert_array_equal(exported.breakpoint_t, exact)


def test_breakpoints_come_from_the_walk_when_the_regions_do_not_cover_the_loop():
    # The circle leaves the window [−5, 5]²: its crossings cannot be read off the regions drawn.
    session = Session(trajectory=Trajectory.circle((4.0, 0.0), 2.0))
    result = build_result(session, "height", revision=1)
    assert result.breakpoints_confirmed and result.exact is not None
    walked = measure(session.network, session.trajectory).breakpoints
    np.testing.assert_array_equal(result.breakpoint_t, walked)
