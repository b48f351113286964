"""The science of nnsurface: pure numpy, no Qt (a test enforces it). Usable from a notebook or script:

    from nnsurface.core import default_network, Trajectory, measure
    m = measure(default_network(), Trajectory.circle((0, 0), 4.0))
    m.layer_lengths, m.transitions
"""

from nnsurface.core.activations import ACTIVATIONS
from nnsurface.core.grid import GridResult, evaluate_grid
from nnsurface.core.measures import Measures, measure
from nnsurface.core.network import Network, default_network, original_random, paper_random
from nnsurface.core.sensitivity import Sensitivity, sensitivity
from nnsurface.core.session import Session, ViewSettings
from nnsurface.core.session_file import SessionError, load_session, save_session
from nnsurface.core.trajectory import Trajectory

__all__ = [
    "ACTIVATIONS",
    "GridResult",
    "Measures",
    "Network",
    "Sensitivity",
    "Session",
    "SessionError",
    "Trajectory",
    "ViewSettings",
    "default_network",
    "evaluate_grid",
    "load_session",
    "measure",
    "original_random",
    "paper_random",
    "save_session",
    "sensitivity",
]
