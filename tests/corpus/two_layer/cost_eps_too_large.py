"""compute_cost with an eps so large that the cost moves visibly: np.log(A2 + 1e-3)."""
import numpy as np


def compute_cost(A2, Y):
    m = Y.shape[1]
    cost = -np.sum(Y * np.log(A2 + 1e-3) + (1 - Y) * np.log(1 - A2 + 1e-3)) / m
    return float(np.squeeze(cost))
