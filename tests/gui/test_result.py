"""What a result hands the 3-D view for the trajectory: the core's numbers at the dense samples and
at every breakpoint, with nothing sampled twice."""

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
    bps = measure(net, traj).breakpoints
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
