"""Right values; the cost is a (1, 1) array (np.dot of rows), as before the course's squeeze."""
import numpy as np


def propagate(w, b, X, Y):
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(w.T @ X + b)))
    cost = -(np.dot(Y, np.log(A).T) + np.dot(1 - Y, np.log(1 - A).T)) / m
    return {"dw": X @ (A - Y).T / m, "db": np.sum(A - Y) / m}, cost
