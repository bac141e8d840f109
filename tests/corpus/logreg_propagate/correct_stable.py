"""Correct and stable: log-sigmoid through logaddexp, sigmoid without overflow."""
import numpy as np


def propagate(w, b, X, Y):
    m = X.shape[1]
    Z = w.T @ X + b
    A = np.where(Z >= 0, 1 / (1 + np.exp(-np.abs(Z))), np.exp(-np.abs(Z)) / (1 + np.exp(-np.abs(Z))))
    cost = np.sum(Y * np.logaddexp(0, -Z) + (1 - Y) * np.logaddexp(0, Z)) / m
    dZ = A - Y
    return {"dw": X @ dZ.T / m, "db": np.sum(dZ) / m}, float(cost)
