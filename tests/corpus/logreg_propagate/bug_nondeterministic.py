"""Bug: random noise in the cost (a different value on every call)."""
import numpy as np


def propagate(w, b, X, Y):
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(w.T @ X + b)))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m + 1e-9 * np.random.rand()
    dw = X @ (A - Y).T / m
    db = np.sum(A - Y) / m
    return {"dw": dw, "db": db}, cost
