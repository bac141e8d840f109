"""Bug: grads without "db"."""
import numpy as np


def propagate(w, b, X, Y):
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(w.T @ X + b)))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return {"dw": X @ (A - Y).T / m}, cost
