"""Bug: a broadcasting accident: b1.T added, (1, n_h) against (n_h, m); right only if n_h == 1."""
import numpy as np


def forward_propagation(X, parameters):
    W1, b1, W2, b2 = (parameters[k] for k in ("W1", "b1", "W2", "b2"))
    Z1 = np.dot(W1, X) + b1.T
    A1 = 1 / (1 + np.exp(-Z1))
    Z2 = np.dot(W2, A1) + b2
    A2 = 1 / (1 + np.exp(-Z2))
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
