"""nnspec: verify the mathematics of lecture notes on neural networks, and audit implementations."""

__version__ = "0.1.0"
