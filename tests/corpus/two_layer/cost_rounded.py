"""Bug: compute_cost of the course with the cost rounded to 4 decimals (round(cost, 4))."""
import numpy as np


def compute_cost(A2, Y):
    m = Y.shape[1]
    logprobs = np.multiply(np.log(A2), Y) + np.multiply(np.log(1 - A2), 1 - Y)
    cost = -np.sum(logprobs) / m
    return round(float(np.squeeze(cost)), 4)
