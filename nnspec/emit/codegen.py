"""`nnspec generate`: emit reference/ from the derivations through SymPy's NumPy printer.

Every formula in the emitted modules is printed from a SymPy matrix expression of
nnspec.spec.vectorised, after that expression has been proven equal, entry by entry, to what the
axioms give (nnspec.spec.definitions: the cost, `gradient`), and after the numerical rewrites of
nnspec.emit.rewrites have been proven value-preserving. The surrounding glue (signatures, dict
packing, the gradient-descent loops, docstrings) is template text. With `--check` nothing is
written: the command exits 1 and names the files that differ from what would be emitted.
"""

from __future__ import annotations

import argparse
import functools
import re
import sys
import textwrap
from pathlib import Path

import numpy as np
import sympy as sp
from sympy import HadamardProduct, Lambda, OneMatrix, Trace
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.printing.numpy import NumPyPrinter

from nnspec.emit import rewrites
from nnspec.errors import EXIT_FINDING, EXIT_OK, UsageError
from nnspec.files import write_atomic, written_by
from nnspec.spec import vectorised
from nnspec.spec.definitions import LogReg, TwoLayer, gradient, sigma

# ------------------------------------------------------------------------------ printer


class ReferencePrinter(NumPyPrinter):
    """NumPy printer for the matrix expressions of nnspec.spec.vectorised.

    MatMul prints as numpy.dot, HadamardProduct as `*`, M 1_m (row sum) as numpy.sum(M, axis=1,
    keepdims=True), Trace(M 1_m) of a row as numpy.sum(M), b 1_m^T (broadcast) as b, and
    f.(M) as f's body with M in place of its variable (NumPy ufuncs work element-wise).
    """

    def __init__(self) -> None:
        super().__init__({"fully_qualified_modules": True})

    def _paren(self, expr: sp.Basic) -> str:
        """expr printed, in parentheses unless it is a name, a number or a call."""
        text = self._print(expr)
        if isinstance(expr, ElementwiseApplyFunction):
            expr = expr.function.expr
        atomic = isinstance(expr, (sp.Symbol, sp.MatrixSymbol, sp.Number, sp.Transpose))
        return text if atomic or _is_call(text) else f"({text})"

    def _print_sigma(self, expr: sp.Basic) -> str:
        return f"sigmoid({self._print(expr.args[0])})"

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        """Two branches, the last one unconditional: numpy.where, which reads like the maths."""
        if len(expr.args) == 2 and expr.args[1].cond == sp.true:
            (then, cond), (otherwise, _) = expr.args
            return (f"numpy.where({self._print(cond)}, {self._print(then)}, "
                    f"{self._print(otherwise)})")
        return super()._print_Piecewise(expr)

    def _print_Where(self, expr: rewrites.Where) -> str:
        W, A, fill = expr.args
        ones = [t for t in getattr(W, "args", ()) if isinstance(t, OneMatrix)]
        if isinstance(W, sp.MatAdd) and len(W.args) == 2 and ones:  # 1 - Y != 0 is Y != 1
            cond = f"{self._print(-(W - ones[0]))} != 1"
        else:
            cond = f"{self._paren(W)} != 0"
        return f"numpy.where({cond}, {self._print(A)}, {self._print(fill)})"

    def _print_Relational(self, expr: sp.core.relational.Relational) -> str:
        """z >= 0 rather than numpy.greater_equal(z, 0): NumPy's operators are element-wise."""
        return f"{self._print(expr.lhs)} {expr.rel_op} {self._print(expr.rhs)}"

    def _print_OneMatrix(self, expr: OneMatrix) -> str:
        return "1"

    def _print_Transpose(self, expr: sp.Transpose) -> str:
        return f"{self._paren(expr.arg)}.T"

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        if expr.exp == -1:
            return f"1/{self._paren(expr.base)}"
        if expr.exp == 2 and isinstance(expr.base, (sp.Symbol, sp.MatrixSymbol)):
            return f"{self._print(expr.base)}**2"
        return super()._print_Pow(expr, rational=rational)

    def _print_MatMul(self, expr: sp.MatMul) -> str:
        coeff, factors = expr.as_coeff_matrices()
        factors = list(factors)
        row_sum = False
        if isinstance(factors[-1], OneMatrix):
            ones = factors.pop()
            row_sum = ones.shape[1] == 1  # M 1_m sums; b 1_m^T broadcasts
        if not factors:  # c 1_m^T: a scalar broadcast over the columns
            return self._print(coeff)
        body = self._print(factors[0])
        for factor in factors[1:]:  # numpy.dot: BLAS also for a transposed vector operand
            body = f"numpy.dot({body}, {self._print(factor)})"
        if row_sum:
            body = f"numpy.sum({body}, axis=1, keepdims=True)"
        if coeff == 1:
            return body
        if coeff == -1:
            return f"-{body}" if len(factors) == 1 and not row_sum else f"-({body})"
        return self._scaled(coeff, body)

    def _scaled(self, coeff: sp.Expr, body: str) -> str:
        num, den = sp.fraction(coeff)
        text = body if num == 1 else f"{self._paren(num)}*{body}"
        return text if den == 1 else f"{text}/{self._paren(den)}"

    def _print_MatAdd(self, expr: sp.MatAdd) -> str:
        terms = sorted(expr.args, key=lambda t: _is_negated(t))
        text = self._print(terms[0])
        for term in terms[1:]:
            if _is_negated(term):
                text += f" - {self._print(-term)}"
            else:
                text += f" + {self._print(term)}"
        return text

    def _print_HadamardProduct(self, expr: HadamardProduct) -> str:
        return " * ".join(self._paren(a) for a in expr.args)

    def _print_ElementwiseApplyFunction(self, expr: ElementwiseApplyFunction) -> str:
        f: Lambda = expr.function
        (var,) = f.variables
        arg = expr.expr
        name = self._print(arg) if isinstance(arg, sp.MatrixSymbol) else self._paren(arg)
        return self._print(f.expr.xreplace({var: sp.Symbol(name)}))

    def _print_Trace(self, expr: Trace) -> str:
        inner = expr.arg
        if isinstance(inner, sp.MatMul) and isinstance(inner.args[-1], OneMatrix):
            coeff, factors = inner.as_coeff_matrices()
            rest = sp.MatMul(*factors[:-1]) if len(factors) > 2 else factors[0]
            return self._scaled(coeff, f"numpy.sum({self._print(rest)})")
        raise NotImplementedError(f"Trace of {inner} is not a row sum")

    def _print_Mul(self, expr: sp.Mul) -> str:
        traces = [a for a in expr.args if isinstance(a, Trace)]
        if len(traces) != 1:
            return super()._print_Mul(expr)
        coeff = sp.Mul(*[a for a in expr.args if not isinstance(a, Trace)])
        body = self._print(traces[0])
        if coeff == -1:
            return f"-{body}"
        if coeff.could_extract_minus_sign():
            return f"-{self._scaled(-coeff, body)}"
        return self._scaled(coeff, body)


def _is_call(text: str) -> bool:
    """True for `name(...)` whose first parenthesis closes at the very end."""
    match = re.match(r"[\w.]+\(", text)
    if not match:
        return False
    depth = 0
    for i, char in enumerate(text[match.end() - 1:], start=match.end() - 1):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return i == len(text) - 1
    return False


def _is_negated(term: sp.Basic) -> bool:
    coeff = term.as_coeff_mmul()[0] if isinstance(term, sp.MatMul) else 1
    return coeff.could_extract_minus_sign() if isinstance(coeff, sp.Expr) else False


def print_expr(expr: sp.Basic) -> str:
    return ReferencePrinter().doprint(expr)


# ---------------------------------------------------------------------- derived formulas

_SIZES = {name: sp.Symbol(name, integer=True, positive=True) for name in ("n_x", "n_h", "m")}

#: Rewrites applied to a step before printing; a step not listed is printed as derived.
STEP_REWRITES = {
    "logreg": {"loss": rewrites.COST_FROM_LOGITS},
    "two_layer": {
        "loss": rewrites.COST_FROM_ACTIVATIONS,
        "loss_from_logits": rewrites.COST_FROM_LOGITS,
    },
}


def _derivation(module: str) -> vectorised.Derivation:
    n_x, n_h, m = _SIZES["n_x"], _SIZES["n_h"], _SIZES["m"]
    if module == "logreg":
        return vectorised.logreg(n_x, m)
    return vectorised.two_layer(n_x, n_h, m, module.removeprefix("two_layer_"))


def formulas(module: str) -> dict[str, str]:
    """Printed right-hand side of every step of a module's derivation (after its rewrites)."""
    d = _derivation(module)
    step_rewrites = STEP_REWRITES["logreg" if module == "logreg" else "two_layer"]
    return {name: print_expr(rewrites.apply(expr, step_rewrites.get(name, ())))
            for name, expr in d.steps.items()}


def sigmoid_body() -> list[str]:
    """Lines of sigmoid(z): sigma(z) through the stable split, with common subexpressions named."""
    z = sp.Symbol("z", real=True)
    stable = rewrites.apply(sigma(z), rewrites.SIGMOID)
    assignments, (result,) = sp.cse(stable, symbols=sp.numbered_symbols("e"))
    lines = [f"{lhs} = {print_expr(rhs)}" for lhs, rhs in assignments]
    return [*lines, f"return {print_expr(result)}"]


@functools.cache
def proof_failures() -> tuple[str, ...]:
    """Every step and every rewrite the emitted code relies on, proven; the failures, if any."""
    failures = rewrites.failures()
    proofs = vectorised.prove_logreg()
    for hidden in ("sigmoid", "tanh"):
        proofs += vectorised.prove_two_layer(hidden)
    failures += [f"{p.derivation} {p.step} at {p.shape}" for p in proofs if not p.proven]
    return tuple(failures)


# ------------------------------------------------------------------------------ modules
# Glue only: every {name} below is a formula printed from a proven SymPy expression.

COMMON_TEMPLATE = '''
import numpy


def _float64(a):
    """a as a float64 array (no copy if it already is one); object arrays pass through.

    Object arrays of SymPy entries let the code be checked exactly against the derivation.
    """
    a = numpy.asarray(a)
    return a if a.dtype == object else a.astype(numpy.float64, copy=False)


def sigmoid(z):
    """sigma(z) = 1/(1 + e^-z) element-wise, with no overflow for any float64 z.

    Printed from sigma(z) rewritten as 1/(1 + e^-|z|) for z >= 0 and e^-|z|/(1 + e^-|z|)
    for z < 0 (nnspec.emit.rewrites.stable_sigmoid_opt); a few ulp everywhere.
    """
    z = _float64(z)
{sigmoid_body}
'''

LOGREG_TEMPLATE = '''"""Logistic regression (the notes' 1-layer network), emitted from its \
derivation.

Shapes: X (n_x, m), one column per example; Y (1, m) of 0/1; w (n_x, 1); b a scalar.
Every function computes in float64, is vectorised over the m examples and leaves its
arguments unchanged.
"""
''' + COMMON_TEMPLATE + '''

def propagate(w, b, X, Y):
    """Cost and gradients at (w, b); returns (grads {{"dw", "db"}}, cost).

    Z = {Z}  (1, m)
    A = {A}  (1, m)
    loss = {loss}  (1, m)
        (from Z through logaddexp: exact also where A rounds to 0 or 1)
    cost = {cost}  scalar
    dZ = {dZ}  (1, m)
    dw = {dw}  (n_x, 1)
    db = {db}  scalar
    """
    w, b, X, Y = _float64(w), _float64(b), _float64(X), _float64(Y)
    m = X.shape[1]
    Z = {Z}
    A = {A}
    loss = {loss}
    cost = {cost}
    dZ = {dZ}
    dw = {dw}
    db = {db}
    return {{"dw": dw, "db": db}}, cost


def optimize(w, b, X, Y, num_iterations, learning_rate, print_cost=False):
    """Gradient descent; returns (params {{"w", "b"}}, grads at the last step, costs).

    Each of the num_iterations steps: w = {w_new}, b = {b_new}.
    costs holds the cost of every iteration, as the notes' loop records it.
    """
    w, b = _float64(w), _float64(b)
    grads, costs = {{}}, []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        dw, db = grads["dw"], grads["db"]
        w = {w_new}
        b = {b_new}
        costs.append(cost)
        if print_cost and i % 100 == 0:
            print(f"Cost after iteration {{i}}: {{cost:f}}")
    return {{"w": w, "b": b}}, grads, costs


def predict(w, b, X):
    """(1, m) of 0.0/1.0: 1 where a = sigmoid(Z) >= 0.5, the notes' rule.

    Z = {Z}
    """
    w, b, X = _float64(w), _float64(b), _float64(X)
    Z = {Z}
    A = {A}
    return (A >= 0.5).astype(numpy.float64)


def model(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5,
          print_cost=False):
    """Train from w = 0, b = 0 by `optimize`; predict on both sets.

    Returns {{"costs", "Y_prediction_test", "Y_prediction_train", "w", "b",
    "learning_rate", "num_iterations"}}.
    """
    X_train = _float64(X_train)
    w, b = numpy.zeros((X_train.shape[0], 1)), 0.0
    params, _, costs = optimize(w, b, X_train, Y_train, num_iterations, learning_rate,
                                print_cost)
    w, b = params["w"], params["b"]
    Y_prediction_test = predict(w, b, X_test)
    Y_prediction_train = predict(w, b, X_train)
    if print_cost:
        for name, pred, Y in (("train", Y_prediction_train, Y_train),
                              ("test", Y_prediction_test, Y_test)):
            print(f"{{name}} accuracy: {{100 * numpy.mean(pred == _float64(Y)):.2f}} %")
    return {{"costs": costs, "Y_prediction_test": Y_prediction_test,
            "Y_prediction_train": Y_prediction_train, "w": w, "b": b,
            "learning_rate": learning_rate, "num_iterations": num_iterations}}
'''

TWO_LAYER_TEMPLATE = '''"""The 2-layer network with a {hidden} hidden layer, emitted from its \
derivation.

Shapes: X (n_x, m), one column per example; Y (1, m) of 0/1; W1 (n_h, n_x); b1 (n_h, 1);
W2 (1, n_h); b2 (1, 1). Every function computes in float64, is vectorised over the m
examples and leaves its arguments unchanged.
"""
''' + COMMON_TEMPLATE + '''

def _parameters(parameters):
    return tuple(_float64(parameters[k]) for k in ("W1", "b1", "W2", "b2"))


def initialize_parameters(n_x, n_h, n_y=1, seed=2):
    """W1, W2 ~ 0.01 N(0, 1); b1, b2 = 0; from numpy.random.default_rng(seed).

    A local generator: the global NumPy random state is neither read nor reseeded.
    """
    rng = numpy.random.default_rng(seed)
    W1 = rng.standard_normal((n_h, n_x)) * 0.01
    W2 = rng.standard_normal((n_y, n_h)) * 0.01
    return {{"W1": W1, "b1": numpy.zeros((n_h, 1)), "W2": W2, "b2": numpy.zeros((n_y, 1))}}


def forward_propagation(X, parameters):
    """Returns (A2, cache {{"Z1", "A1", "Z2", "A2"}}).

    Z1 = {Z1}  (n_h, m)
    A1 = {A1}  (n_h, m)
    Z2 = {Z2}  (1, m)
    A2 = {A2}  (1, m)
    """
    X = _float64(X)
    W1, b1, W2, b2 = _parameters(parameters)
    Z1 = {Z1}
    A1 = {A1}
    Z2 = {Z2}
    A2 = {A2}
    return A2, {{"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}}


def compute_cost(A2, Y, Z2=None):
    """The cross-entropy cost, a scalar.

    From A2 (the contract):
    loss = {loss}  (1, m)
    cost = {cost}
    log1p(-A2) keeps digits for A2 near 0; a zero weight (y = 0 or 1 - y = 0) makes its term
    0 even where A2 has rounded to 0 or 1; where A2 = 1 and y = 0 the cost is inf, the value
    the float64 A2 implies. Given Z2 (the cache's "Z2"), it is cost_from_logits(Z2, Y)
    instead, accurate for every float64 Z2.
    """
    if Z2 is not None:
        return cost_from_logits(Z2, Y)
    A2, Y = _float64(A2), _float64(Y)
    m = Y.shape[1]
    loss = {loss}
    return {cost}


def cost_from_logits(Z2, Y):
    """The cost from Z2, exact where A2 = sigmoid(Z2) rounds to 0 or 1.

    loss_from_logits = {loss_from_logits}  (1, m)
    cost = {cost_from_logits}
    """
    Z2, Y = _float64(Z2), _float64(Y)
    m = Y.shape[1]
    loss_from_logits = {loss_from_logits}
    return {cost_from_logits}


def backward_propagation(parameters, cache, X, Y):
    """Returns grads {{"dW1", "db1", "dW2", "db2"}}, each of its parameter's shape.

    dZ2 = {dZ2}  (1, m)
    dW2 = {dW2}  (1, n_h)
    db2 = {db2}  (1, 1)
    dZ1 = {dZ1}  (n_h, m)
    dW1 = {dW1}  (n_h, n_x)
    db1 = {db1}  (n_h, 1)
    """
    X, Y = _float64(X), _float64(Y)
    W2 = _float64(parameters["W2"])
    A1, A2 = _float64(cache["A1"]), _float64(cache["A2"])
    m = X.shape[1]
    dZ2 = {dZ2}
    dW2 = {dW2}
    db2 = {db2}
    dZ1 = {dZ1}
    dW1 = {dW1}
    db1 = {db1}
    return {{"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}}


def update_parameters(parameters, grads, learning_rate=1.2):
    """One gradient-descent step; returns a new dict (the inputs are untouched).

    W1 = {W1_new}
    b1 = {b1_new}
    W2 = {W2_new}
    b2 = {b2_new}
    """
    W1, b1, W2, b2 = _parameters(parameters)
    dW1, db1, dW2, db2 = (_float64(grads[k]) for k in ("dW1", "db1", "dW2", "db2"))
    return {{"W1": {W1_new}, "b1": {b1_new},
            "W2": {W2_new}, "b2": {b2_new}}}


def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False, seed=3, learning_rate=1.2):
    """Train by gradient descent from initialize_parameters(n_x, n_h, 1, seed); returns them."""
    X, Y = _float64(X), _float64(Y)
    parameters = initialize_parameters(X.shape[0], n_h, Y.shape[0], seed=seed)
    for i in range(num_iterations):
        _, cache = forward_propagation(X, parameters)
        grads = backward_propagation(parameters, cache, X, Y)
        parameters = update_parameters(parameters, grads, learning_rate)
        if print_cost and i % 1000 == 0:
            print(f"Cost after iteration {{i}}: {{cost_from_logits(cache['Z2'], Y):f}}")
    return parameters


def predict(parameters, X):
    """(1, m) of 0.0/1.0: 1 where A2 >= 0.5, the notes' rule."""
    A2, _ = forward_propagation(X, parameters)
    return (A2 >= 0.5).astype(numpy.float64)
'''

MODULES = ("logreg", "two_layer_sigmoid", "two_layer_tanh")


def header(module: str) -> str:
    source = {
        "logreg": "nnspec.spec.vectorised.logreg (logistic regression, the notes' 1-layer network)",
        "two_layer_sigmoid": "nnspec.spec.vectorised.two_layer(hidden='sigmoid') (the notes)",
        "two_layer_tanh": "nnspec.spec.vectorised.two_layer(hidden='tanh') (the course)",
    }[module]
    return (
        "# Generated by `nnspec generate`; do not edit "
        "(`nnspec generate --check` fails on drift).\n"
        f"# Derivation: {source},\n"
        "# proven against nnspec.spec.definitions (cost, gradient) on concrete shapes; "
        "formulas printed\n"
        "# by SymPy's NumPyPrinter after the rewrites of nnspec.emit.rewrites.\n"
    )


def _indent(lines: list[str], level: int = 1) -> str:
    return textwrap.indent("\n".join(lines), "    " * level)


def render(module: str) -> str:
    """The full text of reference/<module>.py."""
    f = formulas(module)
    template = LOGREG_TEMPLATE if module == "logreg" else TWO_LAYER_TEMPLATE
    hidden = module.removeprefix("two_layer_")
    text = header(module) + template.format(
        sigmoid_body=_indent(sigmoid_body()), hidden=hidden, **f
    )
    return _wrap_long_lines(text)


def _top_level_terms(expr: str) -> list[str]:
    """expr split at the ` + ` and ` - ` that are outside every parenthesis and bracket."""
    terms, depth, start = [], 0, 0
    for i, char in enumerate(expr):
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(char, 0)
        if depth == 0 and expr[i:i + 3] in (" + ", " - ") and i > start:
            terms.append(expr[start:i])
            start = i + 1
    return [*terms, expr[start:]]


def _wrap_long_lines(text: str, width: int = 100) -> str:
    """Break long printed formulas at their top-level + and - signs.

    In code, `name = a + b` becomes `name = (` / `a` / `+ b` / `)`; in a docstring the
    continuation lines are indented instead. Lines that cannot be broken are left alone.
    """
    out, inside = [], False
    for line in text.splitlines():
        starts_inside = inside
        inside ^= line.count('"""') % 2 == 1
        indent = line[: len(line) - len(line.lstrip())]
        head, eq, expr = line.strip().partition(" = ")
        terms = _top_level_terms(expr) if eq else []
        if len(line) <= width or len(terms) < 2 or '"""' in line:
            out.append(line)
        elif starts_inside or inside:
            out.append(f"{indent}{head} = {terms[0]}")
            out += [f"{indent}    {t.strip()}" for t in terms[1:]]
        else:
            out.append(f"{indent}{head} = (")
            out += [f"{indent}    {t.strip()}" for t in terms]
            out.append(f"{indent})")
    return "\n".join(out) + "\n"


def render_init() -> str:
    return (
        header("logreg").splitlines()[0] + "\n"
        '"""NumPy reference emitted from the derivations: logreg, two_layer_sigmoid, '
        'two_layer_tanh."""\n'
    )


class UnprovenError(AssertionError):
    """A formula or rewrite the emitted code would rely on failed its proof."""


def emit() -> dict[str, str]:
    """File name -> text of every file of reference/, after the proofs have passed."""
    failures = proof_failures()
    if failures:
        raise UnprovenError("refusing to emit unproven formulas: " + "; ".join(failures))
    files = {f"{module}.py": render(module) for module in MODULES}
    files["__init__.py"] = render_init()
    mismatches = check_emitted(files)
    if mismatches:
        raise UnprovenError("the printed code disagrees with the derivation: "
                            + "; ".join(mismatches))
    return files


# ------------------------------------------------------- the printed code, run once

CHECK_LOGREG_SHAPE, CHECK_TWO_LAYER_SHAPE = (3, 4), (2, 3, 4)


def _load(text: str, name: str) -> dict:
    namespace: dict = {"__name__": f"nnspec.reference.{name}"}
    exec(compile(text, f"<emitted {name}>", "exec"), namespace)  # noqa: S102 - our own output
    return namespace


def _exact(expr, values: dict) -> np.ndarray:
    """expr (matrix or scalar) of the axioms at rational values, to 30 digits, as float64."""
    value = expr.xreplace(values).evalf(30)
    return np.array(value.tolist() if isinstance(value, sp.MatrixBase) else value, dtype=float)


def _values(pairs, rng) -> tuple[dict, dict]:
    """Random float64 arrays for each (name, symbols) and their exact rational substitution."""
    arrays, values = {}, {}
    for name, symbols in pairs:
        shape = symbols.shape if isinstance(symbols, sp.MatrixBase) else ()
        arrays[name] = rng.standard_normal(shape)
        flat = symbols if isinstance(symbols, sp.MatrixBase) else [symbols]
        values.update({s: sp.Rational(float(v)) for s, v in zip(flat, np.ravel(arrays[name]))})
    return arrays, values


def _labels(Y: sp.Matrix, rng) -> tuple[np.ndarray, dict]:
    y = (rng.random(Y.shape) < 0.5).astype(np.float64)
    return y, {s: sp.Integer(int(v)) for s, v in zip(Y, np.ravel(y))}


def _close(name: str, got, expected: np.ndarray, out: list[str]) -> None:
    got = np.asarray(got, dtype=float)
    if got.shape != expected.shape or not np.allclose(got, expected, rtol=1e-10, atol=1e-12):
        out.append(f"{name}: got {got.tolist()}, derivation gives {expected.tolist()}")


def check_emitted(files: dict[str, str], seed: int = 0) -> list[str]:
    """Run the emitted functions once at random float64 inputs against the axioms (30 digits).

    The proofs hold the SymPy expressions; this holds what the printer made of them (a dropped
    term, a wrong operator, a missing transpose) at shapes (3, 4) and (2, 3, 4). Returns the
    mismatches and the errors, one line each.
    """
    return list(_check_emitted(tuple(sorted(files.items())), seed))


@functools.cache
def _check_emitted(files: tuple[tuple[str, str], ...], seed: int) -> tuple[str, ...]:
    texts, rng, out = dict(files), np.random.default_rng(seed), []
    for module, check in (("logreg", _check_logreg), ("two_layer_sigmoid", _check_two_layer),
                          ("two_layer_tanh", _check_two_layer)):
        try:
            check(_load(texts[f"{module}.py"], module), module, rng, out)
        except Exception as exc:  # noqa: BLE001 - any failure of the emitted code is a finding
            out.append(f"{module}: {type(exc).__name__}: {exc}")
    return tuple(out)


def _check_logreg(ns: dict, module: str, rng, out: list[str]) -> None:
    p = LogReg(*CHECK_LOGREG_SHAPE)
    arrays, values = _values([("w", p.w), ("b", p.b), ("X", p.X)], rng)
    Y, y_values = _labels(p.Y, rng)
    values.update(y_values)
    grads, cost = ns["propagate"](arrays["w"], float(arrays["b"]), arrays["X"], Y)
    J = p.J()
    _close("logreg dw", grads["dw"], _exact(gradient(J, p.w), values), out)
    _close("logreg db", grads["db"], _exact(gradient(J, p.b), values), out)
    _close("logreg cost", cost, _exact(J, values), out)


def _check_two_layer(ns: dict, module: str, rng, out: list[str]) -> None:
    p = TwoLayer(*CHECK_TWO_LAYER_SHAPE, module.removeprefix("two_layer_"))
    params = [("W1", p.W1), ("b1", p.b1), ("W2", p.W2), ("b2", p.b2)]
    arrays, values = _values([*params, ("X", p.X)], rng)
    Y, y_values = _labels(p.Y, rng)
    values.update(y_values)
    parameters = {name: arrays[name] for name, _ in params}
    A2, cache = ns["forward_propagation"](arrays["X"], parameters)
    for name, expr in p.forward().items():
        _close(f"{module} {name}", cache[name], _exact(expr, values), out)
    J = _exact(p.J(), values)
    _close(f"{module} compute_cost", ns["compute_cost"](A2, Y), J, out)
    _close(f"{module} cost_from_logits", ns["cost_from_logits"](cache["Z2"], Y), J, out)
    grads = ns["backward_propagation"](parameters, cache, arrays["X"], Y)
    for name, symbols in params:
        expected = _exact(gradient(p.J(), symbols), values)
        _close(f"{module} d{name}", grads[f"d{name}"], expected, out)
    new = ns["update_parameters"](parameters, grads, 0.5)
    for name, _ in params:
        expected = parameters[name] - 0.5 * np.asarray(grads[f"d{name}"])
        _close(f"{module} update {name}", new[name], expected, out)


def default_out_dir() -> Path:
    import nnspec.reference

    return Path(nnspec.reference.__file__).resolve().parent


GENERATED = b"# Generated by `nnspec generate`"


def _ours(path: Path) -> bool:
    """Missing, empty, or a module this command wrote: `--out src/` replaced a user's own
    logreg.py."""
    return written_by(path, (GENERATED,))


def drift(out_dir: Path, files: dict[str, str]) -> list[str]:
    """Names of the files in out_dir that are missing or differ from `files`."""
    differing = []
    for name, text in sorted(files.items()):
        path = out_dir / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            differing.append(name)
    return differing


def run(args: argparse.Namespace) -> int:
    out_dir = Path(args.out) if getattr(args, "out", None) else default_out_dir()
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out {out_dir} is not a directory")
    try:
        files = emit()
    except UnprovenError as exc:
        print(f"nnspec generate: {exc}", file=sys.stderr)
        return EXIT_FINDING
    if args.check:
        differing = drift(out_dir, files)
        for name in differing:
            what = "differs" if (out_dir / name).is_file() else "missing"
            print(f"{what}: {out_dir / name}")
        if differing:
            again = f" --out {args.out}" if getattr(args, "out", None) else ""
            print(f"{out_dir}/ is out of date: run `nnspec generate{again}`")
            return EXIT_FINDING
        print(f"{out_dir}: up to date ({len(files)} files)")
        return EXIT_OK
    foreign = [name for name in sorted(files) if not _ours(out_dir / name)]
    if foreign:
        raise UsageError(f"--out {out_dir} holds {', '.join(foreign)} that nnspec generate did "
                         "not write; give another folder (a file is written over only if it "
                         "is empty or generated)")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create --out {out_dir}: {exc.strerror}") from None
    written = drift(out_dir, files)
    for name in written:
        try:
            write_atomic(out_dir / name, files[name])
        except OSError as exc:
            raise UsageError(f"cannot write {out_dir / name}: {exc.strerror}") from None
        print(f"wrote {out_dir / name}")
    print(f"{out_dir}: {len(written)} written, {len(files) - len(written)} unchanged")
    return EXIT_OK
