"""Bug: predictions returned with shape (m,) instead of (1, m)."""
import numpy as np


def predict(w, b, X):
    A = 1 / (1 + np.exp(-(np.dot(w.T, X) + b)))
    return (A[0] >= 0.5).astype(int)
