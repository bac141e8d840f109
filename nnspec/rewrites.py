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

and SymPy's own `log1p_opt` turns log(1 - a) into log1p(-a) (the cost from A2).
A rewrite is only used after `prove_rewrite` has shown, exactly, that it leaves the value
unchanged for every real u (u > 0, u < 0 and u = 0 separately, so Abs and Piecewise resolve).
"""

from __future__ import annotations

import sympy as sp
from sympy.codegen.cfunctions import log1p
from sympy.codegen.numpy_nodes import logaddexp
from sympy.codegen.rewriting import ReplaceOptim, log1p_opt, optimize

from nnspec.definitions import sigma, sigma_exp

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


stable_sigmoid_opt = ReplaceOptim(lambda e: isinstance(e, sigma), lambda e: _split_sigmoid(e.args[0]))

#: Applied to the cost from the logits Z (log-sigmoid forms first).
COST_FROM_LOGITS = (log_sigmoid_opt, log_one_minus_sigmoid_opt, softplus_opt)
#: Applied to the cost from the activations A: log(1 - a) -> log1p(-a).
COST_FROM_ACTIVATIONS = (log1p_opt,)
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
