"""Bug that needs more than 16 examples: the gradient is summed over batches of 16 examples
(to save memory), and the last, partial batch is counted as a full one."""
import numpy as np

BATCH = 16


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def propagate(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dw = np.zeros_like(w)
    db = 0.0
    batches = 0
    for start in range(0, m, BATCH):
        dZ = A[:, start:start + BATCH] - Y[:, start:start + BATCH]
        dw += np.dot(X[:, start:start + BATCH], dZ.T)
        db += np.sum(dZ)
        batches += 1
    size = min(m, BATCH) * batches  # m when m <= 16, too large when the last batch is partial
    return {"dw": dw / size, "db": db / size}, cost
