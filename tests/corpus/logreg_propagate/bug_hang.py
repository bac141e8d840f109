"""Bug: never returns."""


def propagate(w, b, X, Y):
    while True:
        pass
