"""The axioms: what the notes define rather than derive.

Everything else nnspec says about the notes is derived from these by SymPy:
the loss L(y, a) = -[y log a + (1 - y) log(1 - a)], the sigmoid
sigma(z) = 1 / (1 + e^-z), z = w^T x + b, the cost J = (1/m) sum_i L, and the
2-layer forward pass Z1 = W1 X + b1, A1 = g(Z1), Z2 = W2 A1 + b2, A2 = sigma(Z2)
(g = sigma in the notes, tanh in the course they follow).

Shapes follow the notes and the course: X is (n_x, m), one column per example;
Y is (1, m); w is (n_x, 1); W1 is (n_h, n_x); b1 is (n_h, 1); W2 is (1, n_h);
b2 is (1, 1).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import sympy as sp


def sigma_exp(z: sp.Expr) -> sp.Expr:
    """The sigmoid as the notes define it: 1 / (1 + e^-z)."""
    return 1 / (1 + sp.exp(-z))


class sigma(sp.Function):
    """The sigmoid kept opaque, so exact matrix checks stay fast.

    Its derivative rule sigma' = sigma (1 - sigma) is not assumed: `sigma_prime_lemma`
    proves it from `sigma_exp`, and the derivations use this class only after that proof.
    """

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        s = sigma(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return sigma_exp(z)

    def _eval_evalf(self, prec):
        return sigma_exp(self.args[0])._eval_evalf(prec)


def sigma_prime_lemma() -> sp.Expr:
    """The numerator of d/dz sigma_exp(z) - sigma(1 - sigma), expanded: zero iff the opaque
    rule is sound."""
    z = sp.Symbol("z", real=True)
    s = sigma_exp(z)
    return sp.expand((sp.diff(s, z) - s * (1 - s)).as_numer_denom()[0])


_OWN_LOSS: list = []


@contextlib.contextmanager
def notes_own_loss(loss):
    """Within it `loss` is the notes' own (`loss(label, prediction)`, a squared error): a
    statement about the notes' loss computed with the cross-entropy held in notes on a squared
    error ("the loss is the Bernoulli negative log-likelihood")."""
    read: list[bool] = []  # one entry per reading of the loss: the caller says so only then
    _OWN_LOSS.append((loss, read))
    try:
        yield read
    finally:
        _OWN_LOSS.pop()


def loss(y: sp.Expr, a: sp.Expr) -> sp.Expr:
    """L(y, a) = -[y log(a) + (1 - y) log(1 - a)], label first as the notes define it (or the
    notes' own, within `notes_own_loss`)."""
    if _OWN_LOSS:
        own, read = _OWN_LOSS[-1]
        read.append(True)
        return own(y, a)
    return -(y * sp.log(a) + (1 - y) * sp.log(1 - a))


HIDDEN_ACTIVATIONS = {"sigmoid": sigma, "tanh": sp.tanh}


def symbol_matrix(name: str, rows: int, cols: int) -> sp.Matrix:
    """A matrix of distinct real symbols name_i_j, for entry-by-entry differentiation."""
    return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{name}_{i}_{j}", real=True))


def cost(Y: sp.Matrix, A: sp.Matrix) -> sp.Expr:
    """J = (1/m) sum_i L(y_i, a_i) over the columns of the (1, m) rows Y and A."""
    m = Y.shape[1]
    return sp.Rational(1, m) * sum(loss(Y[0, j], A[0, j]) for j in range(m))


@dataclass(frozen=True)
class LogReg:
    """Logistic regression (the 1-layer network) on symbols of concrete shape (n_x, m)."""

    n_x: int
    m: int

    @property
    def w(self) -> sp.Matrix:
        return symbol_matrix("w", self.n_x, 1)

    @property
    def b(self) -> sp.Symbol:
        return sp.Symbol("b", real=True)

    @property
    def X(self) -> sp.Matrix:
        return symbol_matrix("x", self.n_x, self.m)

    @property
    def Y(self) -> sp.Matrix:
        return symbol_matrix("y", 1, self.m)

    def Z(self) -> sp.Matrix:
        """z = w^T x + b for every column: (1, m)."""
        return self.w.T * self.X + sp.ones(1, self.m) * self.b

    def A(self) -> sp.Matrix:
        return self.Z().applyfunc(sigma)

    def J(self) -> sp.Expr:
        return cost(self.Y, self.A())


@dataclass(frozen=True)
class TwoLayer:
    """The 2-layer network on symbols of concrete shape (n_x, n_h, m)."""

    n_x: int
    n_h: int
    m: int
    hidden: str = "sigmoid"

    @property
    def g(self):
        return HIDDEN_ACTIVATIONS[self.hidden]

    @property
    def W1(self) -> sp.Matrix:
        return symbol_matrix("W1", self.n_h, self.n_x)

    @property
    def b1(self) -> sp.Matrix:
        return symbol_matrix("b1", self.n_h, 1)

    @property
    def W2(self) -> sp.Matrix:
        return symbol_matrix("W2", 1, self.n_h)

    @property
    def b2(self) -> sp.Matrix:
        return symbol_matrix("b2", 1, 1)

    @property
    def X(self) -> sp.Matrix:
        return symbol_matrix("x", self.n_x, self.m)

    @property
    def Y(self) -> sp.Matrix:
        return symbol_matrix("y", 1, self.m)

    def forward(self) -> dict[str, sp.Matrix]:
        """Z1 = W1 X + b1, A1 = g(Z1), Z2 = W2 A1 + b2, A2 = sigma(Z2); b broadcast over columns."""
        ones = sp.ones(1, self.m)
        Z1 = self.W1 * self.X + self.b1 * ones
        A1 = Z1.applyfunc(self.g)
        Z2 = self.W2 * A1 + self.b2 * ones
        A2 = Z2.applyfunc(sigma)
        return {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}

    def J(self) -> sp.Expr:
        return cost(self.Y, self.forward()["A2"])


def gradient(J: sp.Expr, wrt: sp.Matrix | sp.Symbol) -> sp.Matrix | sp.Expr:
    """dJ/d(wrt), entry by entry, with the shape of wrt (the course's convention)."""
    if isinstance(wrt, sp.MatrixBase):
        return wrt.applyfunc(lambda s: sp.diff(J, s))
    return sp.diff(J, wrt)
