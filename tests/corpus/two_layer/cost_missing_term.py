"""Bug seen in student code: the (1 - Y) log(1 - A2) term forgotten."""
import numpy as np


def compute_cost(A2, Y):
    m = Y.shape[1]
    return float(-np.sum(Y * np.log(A2)) / m)
