"""The vectorised quantities as SymPy matrix expressions, and their proof against the axioms.

Each network is a sequence of named steps (Z = w^T X + b, A = sigma(Z), dZ = A - Y, ...), each a
SymPy matrix expression (MatMul, Transpose, HadamardProduct, element-wise Lambda) over the
inputs and the earlier steps, written as MatrixSymbols. The same builder gives the steps at
symbolic sizes (n_x, n_h, m), which the code printer emits, and at concrete sizes, where
`prove` substitutes the axioms' symbol matrices (nnspec.spec.definitions) and compares every step
entry by entry with what the definitions give: the forward pass itself, the cost J, and the
gradients dJ/dparameter of `definitions.gradient` (dZ = m dJ/dZ), by `sympy.expand` and
`sympy.cancel`.

Conventions: a row sum is M 1_m (OneMatrix(m, 1)); a bias broadcast over the columns is
b 1_m^T (OneMatrix(1, m)); a 1x1 quantity used as a scalar is its Trace.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp
from sympy import HadamardProduct, Lambda, MatrixSymbol, OneMatrix, Trace
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.matexpr import MatrixElement

from nnspec.spec.definitions import (
    HIDDEN_ACTIVATIONS,
    LogReg,
    TwoLayer,
    cost,
    gradient,
    loss,
    sigma,
    sigma_prime_lemma,
    symbol_matrix,
)

Dim = int | sp.Symbol


def elementwise(body, arg: sp.MatrixExpr, var: str = "u") -> ElementwiseApplyFunction:
    """body(u) applied to every entry of arg (body: a callable of one SymPy scalar)."""
    u = sp.Symbol(var, real=True)
    return apply_lambda(Lambda(u, body(u)), arg)


def apply_lambda(f: Lambda, arg: sp.MatrixExpr) -> ElementwiseApplyFunction:
    """The unevaluated node f.(arg); SymPy's constructor would call f on a 1x1 MatrixSymbol."""
    return sp.MatrixExpr.__new__(ElementwiseApplyFunction, f, arg)


def row_sum(M: sp.MatrixExpr, m: Dim) -> sp.MatrixExpr:
    """M 1_m: the sum over the m columns, shape (rows, 1)."""
    return M * OneMatrix(m, 1)


def broadcast(b: sp.Expr, m: Dim) -> sp.MatrixExpr:
    """b 1_m^T: a scalar or a column repeated over the m columns."""
    return b * OneMatrix(1, m)


def activation_derivative(g) -> sp.Lambda:
    """g'(z) written in terms of the activation a = g(z), derived by differentiating g.

    sigma' = sigma (1 - sigma) is used only once `sigma_prime_lemma` has proven it from
    1/(1 + e^-z); tanh' = 1 - tanh^2 is SymPy's own derivative of tanh.
    """
    if g is sigma and sigma_prime_lemma() != 0:
        raise AssertionError("sigma' = sigma(1 - sigma) does not follow from the definition")
    z, a = sp.Symbol("z", real=True), sp.Symbol("a", real=True)
    d = sp.diff(g(z), z).subs(g(z), a)
    if z in d.free_symbols:
        raise AssertionError(f"the derivative of {g} is not a function of its output: {d}")
    return Lambda(a, sp.expand(d) if g is sp.tanh else d)


def loss_terms(Y: sp.MatrixExpr, A: sp.MatrixExpr, log_a, log_one_minus_a) -> sp.MatrixExpr:
    """L = Y * (-log(A)) + (1 - Y) * (-log(1 - A)), (1, m); the logs as element-wise maps."""
    ones = OneMatrix(*Y.shape)
    return HadamardProduct(Y, elementwise(lambda u: -log_a(u), A)) + HadamardProduct(
        ones - Y, elementwise(lambda u: -log_one_minus_a(u), A)
    )


def loss_from_logits(Y: sp.MatrixExpr, Z: sp.MatrixExpr) -> sp.MatrixExpr:
    """The loss with a = sigma(z) kept inside the logs, so the rewrites can make it exact."""
    return loss_terms(Y, Z, lambda u: sp.log(sigma(u)), lambda u: sp.log(1 - sigma(u)))


def loss_from_activations(Y: sp.MatrixExpr, A: sp.MatrixExpr) -> sp.MatrixExpr:
    """The loss from a = A2, as compute_cost(A2, Y) receives it."""
    return loss_terms(Y, A, sp.log, lambda a: sp.log(1 - a))


def mean(L: sp.MatrixExpr, m: Dim) -> sp.Expr:
    """J = (1/m) sum of the (1, m) row L."""
    return Trace(row_sum(L, m)) / m


@dataclass
class Derivation:
    """Named steps, in order, over named inputs; a step may use the inputs and earlier steps."""

    name: str
    inputs: dict[str, sp.Basic]
    steps: dict[str, sp.Basic] = field(default_factory=dict)

    def symbol(self, name: str) -> sp.Basic:
        """The MatrixSymbol (or scalar Symbol) that stands for an input or an earlier step."""
        if name in self.inputs:
            return self.inputs[name]
        expr = self.steps[name]
        if isinstance(expr, sp.MatrixExpr):
            return MatrixSymbol(name, *expr.shape)
        return sp.Symbol(name, real=True)

    def add(self, name: str, expr: sp.Basic) -> sp.Basic:
        self.steps[name] = expr
        return self.symbol(name)


def logreg(n_x: Dim, m: Dim) -> Derivation:
    """Logistic regression: Z, A, the cost from Z, dZ, dw, db, and the gradient-descent update."""
    X, Y, w = MatrixSymbol("X", n_x, m), MatrixSymbol("Y", 1, m), MatrixSymbol("w", n_x, 1)
    b, lr = sp.Symbol("b", real=True), sp.Symbol("learning_rate", positive=True)
    d = Derivation("logreg", {"X": X, "Y": Y, "w": w, "b": b, "learning_rate": lr})
    Z = d.add("Z", w.T * X + broadcast(b, m))
    A = d.add("A", elementwise(sigma, Z))
    d.add("cost", mean(d.add("loss", loss_from_logits(Y, Z)), m))
    dZ = d.add("dZ", A - Y)
    dw = d.add("dw", X * dZ.T / m)
    db = d.add("db", Trace(row_sum(dZ, m)) / m)
    d.add("w_new", w - lr * dw)
    d.add("b_new", b - lr * db)
    return d


def two_layer(n_x: Dim, n_h: Dim, m: Dim, hidden: str = "sigmoid") -> Derivation:
    """The 2-layer network: forward pass, both costs, backward pass, update."""
    g = HIDDEN_ACTIVATIONS[hidden]
    X, Y = MatrixSymbol("X", n_x, m), MatrixSymbol("Y", 1, m)
    W1, b1 = MatrixSymbol("W1", n_h, n_x), MatrixSymbol("b1", n_h, 1)
    W2, b2 = MatrixSymbol("W2", 1, n_h), MatrixSymbol("b2", 1, 1)
    lr = sp.Symbol("learning_rate", positive=True)
    inputs = {"X": X, "Y": Y, "W1": W1, "b1": b1, "W2": W2, "b2": b2, "learning_rate": lr}
    d = Derivation(f"two_layer_{hidden}", inputs)
    Z1 = d.add("Z1", W1 * X + broadcast(b1, m))
    A1 = d.add("A1", elementwise(g, Z1))
    Z2 = d.add("Z2", W2 * A1 + broadcast(b2, m))
    A2 = d.add("A2", elementwise(sigma, Z2))
    d.add("cost", mean(d.add("loss", loss_from_activations(Y, A2)), m))
    d.add("cost_from_logits", mean(d.add("loss_from_logits", loss_from_logits(Y, Z2)), m))
    dZ2 = d.add("dZ2", A2 - Y)
    dW2 = d.add("dW2", dZ2 * A1.T / m)
    db2 = d.add("db2", row_sum(dZ2, m) / m)
    g_prime = activation_derivative(g)
    dZ1 = d.add("dZ1", HadamardProduct(W2.T * dZ2, apply_lambda(g_prime, A1)))
    dW1 = d.add("dW1", dZ1 * X.T / m)
    db1 = d.add("db1", row_sum(dZ1, m) / m)
    for name, grad in (("W1", dW1), ("b1", db1), ("W2", dW2), ("b2", db2)):
        d.add(f"{name}_new", inputs[name] - lr * grad)
    return d


# ---------------------------------------------------------------- proof at concrete shapes


def explicit(expr: sp.Basic, env: dict[sp.Basic, sp.Basic]) -> sp.Basic:
    """expr with every named matrix replaced by its explicit value in env (concrete sizes)."""
    expr = expr.replace(lambda e: isinstance(e, Trace), lambda e: e.arg.as_explicit()[0, 0])
    if isinstance(expr, sp.MatrixExpr):
        expr = expr.as_explicit()
    elements = {}
    for e in sp.preorder_traversal(expr):
        if isinstance(e, MatrixElement) and e.parent in env:
            elements[e] = env[e.parent][e.i, e.j]
    scalars = {k: v for k, v in env.items() if not isinstance(k, MatrixSymbol)}
    return sp.sympify(expr).xreplace(elements).xreplace(scalars)


def _axioms_logreg(n_x: int, m: int) -> tuple[dict, dict]:
    """Inputs of the derivation as the axioms' symbols, and what each step must equal."""
    p = LogReg(n_x, m)
    J = p.J()
    Zs = symbol_matrix("zeta", 1, m)
    Z = p.Z()
    dZ = (m * gradient(cost(p.Y, Zs.applyfunc(sigma)), Zs)).xreplace(dict(zip(Zs, Z)))
    lr = sp.Symbol("learning_rate", positive=True)
    dw, db = gradient(J, p.w), gradient(J, p.b)
    inputs = {"X": p.X, "Y": p.Y, "w": p.w, "b": p.b, "learning_rate": lr}
    L = sp.Matrix([[loss(y, a) for y, a in zip(p.Y, p.A())]])
    checks = {"Z": Z, "A": p.A(), "loss": L, "cost": J, "dZ": dZ, "dw": dw, "db": db,
              "w_new": p.w - lr * dw, "b_new": p.b - lr * db}
    return inputs, checks


def _axioms_two_layer(n_x: int, n_h: int, m: int, hidden: str) -> tuple[dict, dict]:
    p = TwoLayer(n_x, n_h, m, hidden)
    f = p.forward()
    J = p.J()
    ones = sp.ones(1, m)
    Z1s, Z2s = symbol_matrix("zeta1", n_h, m), symbol_matrix("zeta2", 1, m)
    J_of_Z2 = cost(p.Y, Z2s.applyfunc(sigma))
    J_of_Z1 = cost(p.Y, (p.W2 * Z1s.applyfunc(p.g) + p.b2 * ones).applyfunc(sigma))
    dZ2 = (m * gradient(J_of_Z2, Z2s)).xreplace(dict(zip(Z2s, f["Z2"])))
    dZ1 = (m * gradient(J_of_Z1, Z1s)).xreplace(dict(zip(Z1s, f["Z1"])))
    lr = sp.Symbol("learning_rate", positive=True)
    params = {"W1": p.W1, "b1": p.b1, "W2": p.W2, "b2": p.b2}
    inputs = {"X": p.X, "Y": p.Y, **params, "learning_rate": lr}
    L = sp.Matrix([[loss(y, a) for y, a in zip(p.Y, f["A2"])]])
    checks = {**f, "loss": L, "cost": J, "loss_from_logits": L, "cost_from_logits": J,
              "dZ2": dZ2, "dZ1": dZ1}
    for name, value in params.items():
        grad = gradient(J, value)
        checks[f"d{name}"] = grad
        checks[f"{name}_new"] = value - lr * grad
    return inputs, checks


@dataclass(frozen=True)
class StepProof:
    derivation: str
    shape: tuple[int, ...]
    step: str
    proven: bool


def _is_zero(d: sp.Expr) -> bool:
    """Exact zero test: expansion settles polynomials in the sigma atoms; cancel the rest."""
    return d == 0 or sp.expand(d) == 0 or sp.cancel(d) == 0


def _equal(a: sp.Basic, b: sp.Basic) -> bool:
    if isinstance(a, sp.MatrixBase) != isinstance(b, sp.MatrixBase):
        return False
    if isinstance(a, sp.MatrixBase):
        return a.shape == b.shape and all(_is_zero(x - y) for x, y in zip(a, b))
    return _is_zero(a - b)


def prove(derivation: Derivation, inputs: dict, checks: dict, shape: tuple[int, ...]
          ) -> list[StepProof]:
    """Evaluate every step on the axioms' symbols and compare it with checks[step], exactly.

    The numerical rewrites applied before printing are proven apart, for every real argument
    (nnspec.emit.rewrites); each step here is the derived form they start from.
    """
    env = {derivation.inputs[k]: v for k, v in inputs.items()}
    results = []
    for name, expr in derivation.steps.items():
        value = explicit(expr, env)
        env[derivation.symbol(name)] = value
        ok = _equal(value, checks[name])
        results.append(StepProof(derivation.name, shape, name, ok))
    return results


#: Pairwise distinct sizes, so that a transposed or misplaced factor cannot conform by
#: accident, and the degenerate ones with 1s.
LOGREG_SHAPES = ((3, 5), (1, 1), (1, 4), (3, 1))
TWO_LAYER_SHAPES = ((3, 4, 5), (1, 1, 1), (2, 1, 3), (1, 3, 1))


def prove_logreg(shapes=LOGREG_SHAPES) -> list[StepProof]:
    out = []
    for n_x, m in shapes:
        inputs, checks = _axioms_logreg(n_x, m)
        out += prove(logreg(n_x, m), inputs, checks, (n_x, m))
    return out


def prove_two_layer(hidden: str, shapes=TWO_LAYER_SHAPES) -> list[StepProof]:
    out = []
    for n_x, n_h, m in shapes:
        inputs, checks = _axioms_two_layer(n_x, n_h, m, hidden)
        out += prove(two_layer(n_x, n_h, m, hidden), inputs, checks, (n_x, n_h, m))
    return out
