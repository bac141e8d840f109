"""predict with a > 0.5: differs from the notes only where a == 0.5 (a note)."""
import numpy as np


def predict(w, b, X):
    m = X.shape[1]
    Y_prediction = np.zeros((1, m))
    A = 1 / (1 + np.exp(-(np.dot(w.T, X) + b)))
    for i in range(A.shape[1]):
        Y_prediction[0, i] = 1 if A[0, i] > 0.5 else 0
    return Y_prediction
