"""predict with the notes' rule a >= 0.5."""
import numpy as np


def predict(w, b, X):
    A = 1 / (1 + np.exp(-(np.dot(w.T, X) + b)))
    return (A >= 0.5).astype(float)
