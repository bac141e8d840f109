"""Rewrites that make the derived expressions sound in float64, each proven by its own lemma.

The derivations give the cost as -[y log(sigma(z)) + (1 - y) log(1 - sigma(z))] and the
sigmoid as 1 / (1 + e^-z). Printed literally, both break in float64: e^-z overflows for
z < -709, and log(sigma(z)) is -inf once sigma(z) rounds to 0 (|z| >= 37). SymPy's stock
`optims_numpy` turns the cost into log1p(exp(z)) forms, which overflow too. These rewrites
(`sympy.codegen.rewriting.ReplaceOptim`) give the printer forms that are exact in float64:

    log(sigma(u))      ->  -logaddexp(0, -u)
    log(1 - sigma(u))  ->  -logaddexp(0, u)
    log(1 + exp(u))    ->   logaddexp(0, u)
    sigma(u)           ->   1/(1 + e^-|u|) if u >= 0 else e^-|u|/(1 + e^-|u|)

and SymPy's own `log1p_opt` turns log(1 - a) into log1p(-a) (the cost from A2). In the cost
from A2, a term weighted by y (or 1 - y) is guarded so that a zero weight gives 0, not
0 * log(0) = nan, where A2 has rounded to 0 or 1 (`zero_weight_opt`):

    W * f(A)  ->  W * f(where(W != 0, A, a0)),   f(a0) = 0

A rewrite is only used after `prove_rewrite` (or `prove_zero_weight_guard`) has shown, exactly,
that it leaves the value unchanged for every real u (u > 0, u < 0 and u = 0 separately, so Abs
and Piecewise resolve; w = 0 and w != 0 for the guard).
"""

from __future__ import annotations

import sympy as sp
from sympy import HadamardProduct, Lambda, MatrixSymbol
from sympy.codegen.cfunctions import log1p
from sympy.codegen.numpy_nodes import logaddexp
from sympy.codegen.rewriting import ReplaceOptim, log1p_opt, optimize
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from nnspec.spec.definitions import sigma, sigma_exp
from nnspec.spec.vectorised import apply_lambda

_w = sp.Wild("w")


def _log_of(pattern: sp.Expr):
    """Query: a log whose argument matches `pattern` (in the Wild _w)."""
    return lambda e: isinstance(e, sp.log) and e.args[0].match(pattern) is not None


def _matched(e: sp.Expr, pattern: sp.Expr) -> sp.Expr:
    return e.args[0].match(pattern)[_w]


log_sigmoid_opt = ReplaceOptim(
    _log_of(sigma(_w)), lambda e: -logaddexp(0, -_matched(e, sigma(_w)))
)
log_one_minus_sigmoid_opt = ReplaceOptim(
    _log_of(1 - sigma(_w)), lambda e: -logaddexp(0, _matched(e, 1 - sigma(_w)))
)
softplus_opt = ReplaceOptim(
    _log_of(1 + sp.exp(_w)), lambda e: logaddexp(0, _matched(e, 1 + sp.exp(_w)))
)


def _split_sigmoid(u: sp.Expr) -> sp.Expr:
    e = sp.exp(-sp.Abs(u))
    return sp.Piecewise((1 / (1 + e), u >= 0), (e / (1 + e), True))


stable_sigmoid_opt = ReplaceOptim(
    lambda e: isinstance(e, sigma), lambda e: _split_sigmoid(e.args[0])
)

class Where(sp.MatrixExpr):
    """Entry-wise `A if W != 0 else fill`, printed as numpy.where(W != 0, A, fill)."""

    def __new__(cls, W: sp.MatrixExpr, A: sp.MatrixExpr, fill: sp.Expr):
        return super().__new__(cls, W, A, sp.sympify(fill))

    @property
    def shape(self):
        return self.args[1].shape

    def _entry(self, i, j, **kwargs):
        W, A, fill = self.args
        return sp.Piecewise((A[i, j], sp.Ne(W[i, j], 0)), (fill, True))


def _weighted_log(e: sp.Basic) -> bool:
    """W * f.(A), f a log form, A not yet guarded."""
    if not isinstance(e, HadamardProduct) or len(e.args) != 2:
        return False
    applied = [a for a in e.args if isinstance(a, ElementwiseApplyFunction)]
    return (len(applied) == 1 and applied[0].function.expr.has(sp.log)
            and not isinstance(applied[0].expr, Where))


def _guard(e: HadamardProduct) -> HadamardProduct:
    applied = next(a for a in e.args if isinstance(a, ElementwiseApplyFunction))
    (weight,) = [a for a in e.args if a is not applied]
    f: Lambda = applied.function
    v = sp.Dummy("v", real=True)
    fill = min(sp.solve(f.expr.xreplace({f.variables[0]: v}), v))  # where the term is 0
    return HadamardProduct(weight, apply_lambda(f, Where(weight, applied.expr, fill)))


zero_weight_opt = ReplaceOptim(_weighted_log, _guard)

#: Applied to the cost from the logits Z (log-sigmoid forms first).
COST_FROM_LOGITS = (log_sigmoid_opt, log_one_minus_sigmoid_opt, softplus_opt)
#: Applied to the cost from the activations A: log(1 - a) -> log1p(-a).
COST_FROM_ACTIVATIONS = (zero_weight_opt, log1p_opt)
#: Applied to the body of sigmoid(z).
SIGMOID = (stable_sigmoid_opt,)

#: One canonical left-hand side per rewrite: what `prove_rewrite` feeds it.
_u = sp.Symbol("u", real=True)
_a = sp.Symbol("a", positive=True)
CANONICAL_INPUT = {
    log_sigmoid_opt: sp.log(sigma(_u)),
    log_one_minus_sigmoid_opt: sp.log(1 - sigma(_u)),
    softplus_opt: sp.log(1 + sp.exp(_u)),
    stable_sigmoid_opt: sigma(_u),
    log1p_opt: sp.log(1 - _a),
}


def apply(expr: sp.Basic, rewrites) -> sp.Basic:
    """Apply the rewrites in order (SymPy's `optimize`, one at a time to keep the order)."""
    for rewrite in rewrites:
        expr = optimize(expr, [rewrite])
    return expr


def to_definitions(expr: sp.Expr) -> sp.Expr:
    """Back to the functions of the axioms: sigma = 1/(1 + e^-z), logaddexp, log1p as logs."""
    expr = expr.replace(lambda e: isinstance(e, sigma), lambda e: sigma_exp(e.args[0]))
    expr = expr.replace(
        lambda e: isinstance(e, logaddexp),
        lambda e: sp.log(sp.exp(e.args[0]) + sp.exp(e.args[1])),
    )
    return expr.replace(lambda e: isinstance(e, log1p), lambda e: sp.log(1 + e.args[0]))


def _is_zero(d: sp.Expr) -> bool:
    d = sp.simplify(sp.expand_log(sp.piecewise_fold(d), force=True))
    return d == 0


def prove_rewrite(rewrite, lhs: sp.Expr | None = None) -> tuple[sp.Expr, sp.Expr, bool]:
    """Apply `rewrite` to its canonical input and prove lhs == rhs exactly.

    Returns (lhs, rhs, proven). The difference, in terms of the axioms, must simplify to 0
    at u = p, u = -p (p > 0) and u = 0; a rewrite that does not fire is not proven.
    """
    lhs = CANONICAL_INPUT[rewrite] if lhs is None else lhs
    rhs = rewrite(lhs)
    if rhs == lhs:
        return lhs, rhs, False
    diff = to_definitions(lhs) - to_definitions(rhs)
    if _u not in diff.free_symbols:
        return lhs, rhs, _is_zero(diff)
    p = sp.Symbol("p", positive=True)
    return lhs, rhs, all(_is_zero(diff.subs(_u, v)) for v in (p, -p, sp.S.Zero))


#: The log forms the guard meets in the cost from A2: -log(a) and -log(1 - a).
GUARDED_TERMS = (lambda a: -sp.log(a), lambda a: -sp.log(1 - a))


def prove_zero_weight_guard(term, rewrite=zero_weight_opt) -> bool:
    """w * term(a) == w * term(guarded a) for w = 0 (both 0) and for every w != 0, exactly."""
    W, A = MatrixSymbol("W", 1, 1), MatrixSymbol("A", 1, 1)
    lhs = HadamardProduct(W, apply_lambda(Lambda(_a, term(_a)), A))
    rhs = rewrite(lhs)
    if rhs == lhs:
        return False
    w, a = sp.Symbol("w", real=True), sp.Symbol("a", positive=True)
    entries = {W[0, 0]: w, A[0, 0]: a}
    left, right = (sp.sympify(x.as_explicit()[0, 0]).xreplace(entries) for x in (lhs, rhs))
    nonzero = sp.Symbol("w", nonzero=True, real=True)
    zero_ok = sp.simplify(right.subs(w, 0)) == 0 and left.subs(w, 0) == 0
    return zero_ok and sp.simplify(sp.piecewise_fold((right - left).subs(w, nonzero))) == 0


def failures() -> list[str]:
    """Every rewrite the emitted code uses, proven; what failed, if anything."""
    out = []
    for rewrite in CANONICAL_INPUT:
        lhs, rhs, ok = prove_rewrite(rewrite)
        if not ok:
            out.append(f"rewrite {lhs} -> {rhs}")
    for term in GUARDED_TERMS:
        if not prove_zero_weight_guard(term):
            out.append(f"zero-weight guard of {term(_a)}")
    return out
