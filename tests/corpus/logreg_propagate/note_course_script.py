"""A week-2 notebook exported as a script: course imports that are not installed, data loading
and the public tests at the top level."""
import numpy as np
import h5py
from lr_utils import load_dataset
from public_tests import propagate_test

train_set_x_orig, train_set_y, test_set_x_orig, test_set_y, classes = load_dataset()


def sigmoid(z):
    s = 1 / (1 + np.exp(-z))
    return s


def propagate(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -1 / m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    dw = 1 / m * np.dot(X, (A - Y).T)
    db = 1 / m * np.sum(A - Y)
    cost = np.squeeze(np.array(cost))
    return {"dw": dw, "db": db}, cost


propagate_test(propagate)
