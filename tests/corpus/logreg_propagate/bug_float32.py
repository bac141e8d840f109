"""Bug under the float64 contract: everything computed in float32."""
import numpy as np


def propagate(w, b, X, Y):
    w, X, Y, b = w.astype(np.float32), X.astype(np.float32), Y.astype(np.float32), np.float32(b)
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(w.T @ X + b)))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dw = X @ (A - Y).T / m
    db = np.sum(A - Y) / m
    return {"dw": dw, "db": db}, cost
