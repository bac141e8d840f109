"""Bug: probabilities clipped to [1e-7, 1 - 1e-7] before the cost and the gradients."""
import numpy as np


def propagate(w, b, X, Y):
    m = X.shape[1]
    A = np.clip(1 / (1 + np.exp(-(w.T @ X + b))), 1e-7, 1 - 1e-7)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dw = X @ (A - Y).T / m
    db = np.sum(A - Y) / m
    return {"dw": dw, "db": db}, cost
