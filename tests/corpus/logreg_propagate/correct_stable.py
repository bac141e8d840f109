"""Correct and stable: log-sigmoid through logaddexp, sigmoid without overflow."""
import numpy as np


def propagate(w, b, X, Y):
    m = X.shape[1]
    Z = w.T @ X + b
    E = np.exp(-np.abs(Z))
    A = np.where(Z >= 0, 1 / (1 + E), E / (1 + E))
    cost = np.sum(Y * np.logaddexp(0, -Z) + (1 - Y) * np.logaddexp(0, Z)) / m
    dZ = A - Y
    return {"dw": X @ dZ.T / m, "db": np.sum(dZ) / m}, float(cost)
