"""forward_propagation with a sigmoid hidden layer (the notes)."""
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def forward_propagation(X, parameters):
    Z1 = parameters["W1"] @ X + parameters["b1"]
    A1 = sigmoid(Z1)
    Z2 = parameters["W2"] @ A1 + parameters["b2"]
    A2 = sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
