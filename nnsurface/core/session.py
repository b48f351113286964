"""The session: everything the user is looking at, as one immutable value that saves and loads whole.

Reading and writing the session file lives in `session_file.py`; this module only holds the value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nnsurface.core.network import Network, default_network, same_numbers
from nnsurface.core.trajectory import DEFAULT_CENTER, DEFAULT_RADIUS, Trajectory

DEFAULT_EXTENT = 5.0
DEFAULT_RESOLUTION = 50
MIN_RESOLUTION = 2
MAX_RESOLUTION = 400


@dataclass(frozen=True)
class ViewSettings:
    """The plotted window [−extent, extent]² and the grid resolution (points per side)."""

    extent: float = DEFAULT_EXTENT
    resolution: int = DEFAULT_RESOLUTION


@dataclass(frozen=True, eq=False)
class Session:
    network: Network = field(default_factory=default_network)
    trajectory: Trajectory = field(default_factory=lambda: Trajectory.circle(DEFAULT_CENTER, DEFAULT_RADIUS))
    view: ViewSettings = field(default_factory=ViewSettings)

    def replace(self, **changes) -> Session:
        """A copy with some fields changed (the session itself is never mutated). Built directly,
        not by dataclasses.replace, which inspects the fields on every call: this runs per edit."""
        fields = {"network": self.network, "trajectory": self.trajectory, "view": self.view}
        return Session(**(fields | changes))

    def equals(self, other: Session) -> bool:
        """Exact equality of every number (sessions hold numpy arrays, so == is not meaningful).
        Parts that are the same object (immutable) are equal at once: an edit replaces one part and
        keeps the others, and the model compares every edit's session twice."""
        t, o = self.trajectory, other.trajectory
        return (
            self.network.equals(other.network)
            and (t is o or all(same_numbers(a, b) for a, b in ((t.center, o.center), (t.u, o.u), (t.v, o.v))))
            and self.view == other.view
        )
