"""nnsurface: see the function of a small neural network f: R² → R as a surface, and measure it exactly."""

__version__ = "0.1.0"
