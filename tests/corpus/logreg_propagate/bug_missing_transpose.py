"""Bug: a missing transpose: dw comes out as a row (1, n_x) instead of a column."""
import numpy as np


def propagate(w, b, X, Y):
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(w.T @ X + b)))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dw = (A - Y) @ X.T / m
    db = np.sum(A - Y) / m
    return {"dw": dw, "db": db}, cost
