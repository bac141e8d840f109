"""Correct: gradients by a small reverse-mode autodiff over scalars (micrograd style)."""
import math

import numpy as np


class Value:
    def __init__(self, data, parents=(), local=()):
        self.data, self.parents, self.local, self.grad = data, parents, local, 0.0

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), (1.0, 1.0))

    __radd__ = __add__

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data))

    __rmul__ = __mul__

    def softplus(self):
        """log(1 + e^x), stable; derivative sigma(x)."""
        x = self.data
        s = 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))
        return Value(max(x, 0.0) + math.log1p(math.exp(-abs(x))), (self,), (s,))

    def backward(self):
        order, seen = [], set()

        def visit(v):
            if id(v) not in seen:
                seen.add(id(v))
                for p in v.parents:
                    visit(p)
                order.append(v)

        visit(self)
        self.grad = 1.0
        for v in reversed(order):
            for p, d in zip(v.parents, v.local):
                p.grad += d * v.grad


def propagate(w, b, X, Y):
    n_x, m = X.shape
    ws = [Value(float(w[i, 0])) for i in range(n_x)]
    bv = Value(float(b))
    total = Value(0.0)
    for j in range(m):
        z = bv
        for i in range(n_x):
            z = z + ws[i] * float(X[i, j])
        y = float(Y[0, j])
        loss = y * (z * -1.0).softplus() + (1 - y) * z.softplus()
        total = total + loss
    cost = total * (1.0 / m)
    cost.backward()
    return {"dw": np.array([[v.grad] for v in ws]), "db": bv.grad}, cost.data
