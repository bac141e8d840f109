"""Bug: the gradient's sign is flipped (Y - A instead of A - Y)."""
import numpy as np


def propagate(w, b, X, Y):
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(w.T @ X + b)))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dw = X @ (Y - A).T / m
    db = np.sum(Y - A) / m
    return {"dw": dw, "db": db}, cost
