"""The science of nnsurface: pure numpy, no Qt (a test enforces it). Usable from a notebook or script."""

from nnsurface.core.activations import ACTIVATIONS
from nnsurface.core.network import Network, default_network, original_random, paper_random
from nnsurface.core.trajectory import Trajectory

__all__ = ["ACTIVATIONS", "Network", "Trajectory", "default_network", "original_random", "paper_random"]
