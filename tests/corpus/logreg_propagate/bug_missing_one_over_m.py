"""Bug: dw without the 1/m."""
import numpy as np


def propagate(w, b, X, Y):
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(np.dot(w.T, X) + b)))
    cost = (-1 / m) * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    dw = np.dot(X, (A - Y).T)
    db = (1 / m) * np.sum(A - Y)
    return {"dw": dw, "db": db}, cost
