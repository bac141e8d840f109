"""Bug: db summed over the wrong axis: one value per example instead of a scalar."""
import numpy as np


def propagate(w, b, X, Y):
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(w.T @ X + b)))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dw = X @ (A - Y).T / m
    db = np.sum(A - Y, axis=0) / m
    return {"dw": dw, "db": db}, cost
