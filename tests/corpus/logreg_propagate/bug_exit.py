"""Bug: ends the process."""
import os


def propagate(w, b, X, Y):
    os._exit(0)
