"""nnviz: draw, train and step through small neural networks."""

__version__ = "0.1.0"
