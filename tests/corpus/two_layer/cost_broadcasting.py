"""Bug: a broadcasting accident: (1, m) times (m, 1) gives an (m, m) matrix, summed whole."""
import numpy as np


def compute_cost(A2, Y):
    m = Y.shape[1]
    logprobs = Y * np.log(A2).T + (1 - Y) * np.log(1 - A2).T
    return float(-np.sum(logprobs) / m)
