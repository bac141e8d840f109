"""compute_cost of an older course edition: parameters are passed and unused."""
import numpy as np


def compute_cost(A2, Y, parameters):
    m = Y.shape[1]  # number of example

    # Compute the cross-entropy cost
    logprobs = np.multiply(np.log(A2), Y) + np.multiply(np.log(1 - A2), 1 - Y)
    cost = - np.sum(logprobs) / m

    cost = float(np.squeeze(cost))  # makes sure cost is the dimension we expect.
    assert isinstance(cost, float)

    return cost
