"""Right values; the file is a script whose top level loads data that is not there."""
import numpy as np

train = np.load("train_catvnoncat.npy")  # fails outside the course's folder


def propagate(w, b, X, Y):
    m = X.shape[1]
    Z = np.dot(w.T, X) + b
    A = 1 / (1 + np.exp(-Z))
    cost = np.sum(Y * np.logaddexp(0, -Z) + (1 - Y) * np.logaddexp(0, Z)) / m
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, cost


print(propagate(np.zeros((train.shape[0], 1)), 0.0, train, np.ones((1, train.shape[1]))))
