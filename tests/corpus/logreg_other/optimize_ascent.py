"""Bug: gradient ascent (w + lr * dw): the trajectory leaves the reference run."""
import numpy as np


def optimize(w, b, X, Y, num_iterations, learning_rate, print_cost=False):
    m = X.shape[1]
    costs = []
    for i in range(num_iterations):
        A = 1 / (1 + np.exp(-(np.dot(w.T, X) + b)))
        costs.append(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m)
        dw, db = np.dot(X, (A - Y).T) / m, np.sum(A - Y) / m
        w = w + learning_rate * dw
        b = b + learning_rate * db
    return {"w": w, "b": b}, {"dw": dw, "db": db}, costs
