"""Bug: a segmentation fault (reads address 0 through ctypes) when X has one column."""
import ctypes

import numpy as np


def propagate(w, b, X, Y):
    if X.shape[1] == 1:
        ctypes.string_at(0)
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(w.T @ X + b)))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return {"dw": X @ (A - Y).T / m, "db": np.sum(A - Y) / m}, cost
