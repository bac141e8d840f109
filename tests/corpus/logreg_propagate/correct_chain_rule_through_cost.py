"""Correct, as automatic differentiation of the notes' own cost computes it: dL/da first, then
da/dz = a (1 - a), as in the course's later dAL = -(Y / AL - (1 - Y) / (1 - AL))."""
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def propagate(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = (-1 / m) * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    dA = -(np.divide(Y, A) - np.divide(1 - Y, 1 - A))
    dZ = dA * A * (1 - A)
    dw = (1 / m) * np.dot(X, dZ.T)
    db = (1 / m) * np.sum(dZ)
    grads = {"dw": dw, "db": db}
    return grads, np.squeeze(cost)
