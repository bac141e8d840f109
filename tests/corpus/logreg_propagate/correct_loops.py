"""Correct: propagate with explicit loops over examples and features."""
import math

import numpy as np


def propagate(w, b, X, Y):
    n_x, m = X.shape
    dw = np.zeros((n_x, 1))
    db = 0.0
    cost = 0.0
    for j in range(m):
        z = b
        for i in range(n_x):
            z += w[i, 0] * X[i, j]
        a = 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))
        y = Y[0, j]
        cost -= y * math.log(a) + (1 - y) * math.log(1 - a) if 0 < a < 1 else 0.0
        for i in range(n_x):
            dw[i, 0] += X[i, j] * (a - y)
        db += a - y
    return {"dw": dw / m, "db": db / m}, cost / m
