"""Sections "Neural network" and "1-layer neural network" (statements, forward pass, derivation).

Each claim quotes the notes and says what to compute; nnspec.spec.verify computes the verdict.
The axioms are nnspec.spec.definitions: loss(y, a), sigma, z = w^T x + b, the cost.
"""

from __future__ import annotations

import random

import sympy as sp

from nnspec.derivations import symbols as S
from nnspec.derivations.symbols import a, b, w, x, y, yhat, z
from nnspec.spec import definitions as defs
from nnspec.spec import shapes
from nnspec.spec.claims import Claim, Outcome, shown_set
from nnspec.spec.verify import Computed, MatrixEqual, Unchecked

INTERVAL = sp.Interval.open(0, 1)


# --- computations behind the prose -----------------------------------------------------------

def activation_depth(expr: sp.Expr) -> int:
    """Number of activations applied one after another on the way from input to output."""
    if not isinstance(expr, sp.Basic) or not expr.args:
        return 0
    inner = max(activation_depth(arg) for arg in expr.args)
    return inner + (1 if isinstance(expr, (defs.sigma, sp.tanh)) else 0)


def layer_counts() -> tuple[int, int]:
    return (activation_depth(defs.LogReg(2, 1).A()[0, 0]),
            activation_depth(defs.TwoLayer(2, 3, 1).forward()["A2"][0, 0]))


def _layers_without_input() -> Outcome:
    one, two = layer_counts()
    ok = (one, two) == (1, 2)
    return Outcome(ok, f"layers with weights: {one} (logistic regression) and {two} (2-layer "
                   "network); counting the input layer would give "
                   f"{one + 1} and {two + 1}")


def _no_hidden_layer() -> Outcome:
    one, _ = layer_counts()
    return Outcome(one - 1 == 0, f"{one} layer with weights, the output layer: "
                   f"{one - 1} hidden layers")


def _is_logistic_regression() -> Outcome:
    """exp(-L) is the Bernoulli likelihood a^y (1-a)^(1-y), and logit(a) = z is affine in x."""
    bern = all(sp.simplify(sp.exp(-defs.loss(lab, a)) - a**lab * (1 - a)**(1 - lab)) == 0
               for lab in (0, 1))
    logit = sp.simplify(sp.log(defs.sigma_exp(z) / (1 - defs.sigma_exp(z))) - z)
    affine = sp.diff(w * x + b, x, 2) == 0
    ok = bern and sp.simplify(sp.expand_log(logit, force=True)) == 0 and affine
    return Outcome(ok, "the loss is the Bernoulli negative log-likelihood and "
                   "log(a / (1 - a)) = w^T x + b: logistic regression")


def _pixels_column() -> Outcome:
    p = defs.LogReg(3, 1)
    col = p.X[:, 0]
    ok = shapes.mm(p.w.T, col).shape == (1, 1)
    try:
        shapes.mm(p.w.T, col.T)
        row_ok = True
    except shapes.NonConforming:
        row_ok = False
    return Outcome(ok and not row_ok, "x must be an (n_x, 1) column for w^T x (n_x = p "
                   "pixels); a row would not conform")


def _one_example_per_column() -> Outcome:
    p = defs.LogReg(3, 2)
    Z = p.Z()
    own = all(sp.diff(Z[0, 0], p.X[i, 0]) != 0 for i in range(3))
    other = all(sp.diff(Z[0, 0], p.X[i, 1]) == 0 for i in range(3))
    return Outcome(own and other, "z of one example depends on all n_x entries of its own "
                   "column x and on no other column")


def _disagreement(what: str) -> Outcome:
    message = f"{what}: SymPy and evaluation at sample points disagree"
    return Outcome(None, message, engine_error=message)


def _sample_agrees(predicate, points) -> bool:
    """A solveset result confirmed numerically at seeded points (a weak solver cannot decide)."""
    return all(predicate(p) for p in points)


def _threshold_is_z_nonnegative() -> Outcome:
    region = sp.solveset(defs.sigma_exp(z) >= sp.Rational(1, 2), z, sp.S.Reals)
    rng = random.Random(7)
    points = [sp.Rational(rng.randint(-500, 500), 100) for _ in range(20)] + [sp.Integer(0)]
    numeric = _sample_agrees(
        lambda v: (sp.N(defs.sigma_exp(v), 30) >= 0.5) == (v >= 0), points)
    symbolic = region == sp.Interval(0, sp.oo)
    if symbolic != numeric:
        return _disagreement("solveset(sigma(z) >= 1/2)")
    return Outcome(symbolic,
                   f"sigma(z) >= 1/2 exactly for z in {shown_set(region)} (confirmed at 21 "
                   "points): the rule is z >= 0")


def _probability_of(label_value) -> Outcome:
    """P(y = label | x) = exp(-L(label, a)) compared with a = yhat, for the labels given."""
    bad = [lab for lab in label_value if sp.simplify(sp.exp(-defs.loss(lab, a)) - a) != 0]
    good = sorted(set(label_value) - set(bad))
    return Outcome(not bad, f"the model's P(label | x) = exp(-L(label, yhat)) equals yhat for "
                   f"the labels {good}",
                   "for y = 0: P(y | x) = 1 - yhat, e.g. 7/10 at yhat = 3/10" if bad else "")


def _loss_sign_away_from_label(sign: int) -> Outcome:
    """Where on (0, 1) does L(y, yhat) change with sign `sign` as yhat moves away from y?"""
    where = {}
    for lab in (0, 1):
        slope = sp.diff(defs.loss(lab, yhat), yhat) * (yhat - lab)  # d L / d |yhat - y|
        where[lab] = sp.solveset(sign * slope > 0, yhat, INTERVAL)
    grid = [sp.Rational(k, 20) for k in range(1, 20)]
    numeric = all(sign * (sp.N(defs.loss(lab, grid[i + 1]) - defs.loss(lab, grid[i]), 30))
                  * (1 if lab == 0 else -1) > 0 for lab in (0, 1) for i in range(len(grid) - 1))
    ok = all(region == INTERVAL for region in where.values())
    if ok != numeric:
        return _disagreement("the sign of dL/dyhat on (0, 1)")
    words = "increases" if sign > 0 else "decreases"
    l02, l06 = (sp.N(defs.loss(0, sp.Rational(v, 10)), 4) for v in (2, 6))
    regions = "; ".join(f"y = {lab}: {shown_set(region)}" for lab, region in where.items())
    return Outcome(ok, f"where on (0, 1) L {words} as yhat moves away from y: {regions}",
                   f"y = 0: L(0, 0.2) = {l02} < L(0, 0.6) = {l06}; dL/dyhat = 1/(1 - yhat) > 0 "
                   "for y = 0 and -1/yhat < 0 for y = 1")


def _cost_is_mean() -> Outcome:
    ok = True
    for m in range(1, 5):
        Y, A = sp.Matrix([[y] * m]), sp.Matrix([[a] * m])
        ok &= sp.simplify(defs.cost(Y, A) - defs.loss(y, a)) == 0
    return Outcome(ok, "J of m copies of one example is that example's loss (m = 1..4): "
                   "the cost is the mean loss")


def _loss_is_an_error() -> Outcome:
    nonneg = all(sp.solveset(defs.loss(lab, a) < 0, a, INTERVAL) == sp.EmptySet
                 for lab in (0, 1))
    limits = [sp.limit(defs.loss(lab, a), a, lab, "+" if lab == 0 else "-") for lab in (0, 1)]
    return Outcome(nonneg and limits == [0, 0],
                   "L >= 0 on (0, 1) and L -> 0 as a -> y, for y in {0, 1}: an error measure")


def _parameters_of_cost() -> Outcome:
    p = defs.LogReg(2, 3)
    data = set(p.X) | set(p.Y)
    params = p.J().free_symbols - data
    expected = set(p.w) | {p.b}
    return Outcome(params == expected, f"the cost depends on data and on the parameters w "
                   f"({p.n_x} entries) and b: {len(params)} numbers")


# --- the claims ------------------------------------------------------------------------------

def chain_w(p: defs.LogReg) -> sp.Matrix:
    """dL/da * da/dz * dz/dw, each factor derived from the axioms, at one example."""
    A, Z = p.A()[0, 0], p.Z()[0, 0]
    dL_da = sp.diff(defs.loss(y, a), a).subs({a: A, y: p.Y[0, 0]})
    da_dz = sp.diff(defs.sigma(z), z).subs(z, Z)
    return dL_da * da_dz * defs.gradient(Z, p.w)


def _loss_gradient_w(p: defs.LogReg) -> sp.Matrix:
    return defs.gradient(defs.loss(p.Y[0, 0], p.A()[0, 0]), p.w)


def _per_example(claimed, reference, text) -> MatrixEqual:
    return MatrixEqual(build=lambda s: defs.LogReg(s[0], 1), claimed=claimed, reference=reference,
                       sweep=tuple((n, 1) for n in shapes.SIZES), proof_shapes=((3, 1), (1, 1)),
                       text=text, shape_names="(n_x, m)")


def _weight_depends_on_a() -> Outcome:
    dw = (a - y) * x
    p = defs.LogReg(1, 1)
    ok = sp.diff(dw, a) != 0 and sp.diff(p.A()[0, 0], p.w[0, 0]) != 0
    return Outcome(ok, "d(dw)/da = x != 0, and a = sigma(w^T x + b) itself depends on w")


def _prediction_changes_after_update() -> Outcome:
    p = defs.LogReg(2, 1)
    lr = sp.Rational(1, 2)
    A = p.A()
    grad = defs.gradient(p.J(), p.w)
    moved = A.subs({s: s - lr * g for s, g in zip(p.w, grad)}, simultaneous=True)
    point = shapes.rational_point(moved.free_symbols, __import__("random").Random(1))
    before, after = sp.N(A.subs(point)[0, 0], 20), sp.N(moved.subs(point)[0, 0], 20)
    return Outcome(before != after, "after one update a changes, so it must be recomputed",
                   f"a = {sp.N(before, 6)} before, {sp.N(after, 6)} after one step (lr = 1/2)")


def claims() -> list[Claim]:
    return [
        Claim("intro.layer-count", S.INTRO, "While counting the layers, we usually don’t include "
              "the input layer.", "prose statement",
              Computed(_layers_without_input, "depth of activations in the forward passes")),
        Claim("intro.one-and-two-layers", S.INTRO, "The first schema (left) is a 1-layer neural "
              "network whereas the second schema (right) is a 2-layers neural network.",
              "prose statement", Computed(_layers_without_input, "layer counts of the axioms")),
        Claim("intro.no-hidden-layer", S.INTRO, "We notice that a 1-layer neural network doesn’t "
              "have any hidden layer.", "prose statement",
              Computed(_no_hidden_layer, "layers of LogReg minus the output layer")),
        Claim("one.logistic-regression", S.ONE_LAYER, "A 1-layer neural network can be seen as a "
              "logistic regression.", "prose statement",
              Computed(_is_logistic_regression, "exp(-L) = a^y (1-a)^(1-y); logit(a) = z")),
        Claim("one.pixels-vector", S.ONE_LAYER, r"The picture is vectorized as a vector of pixels "
              r": \(\begin{pmatrix}x_1 \\ \vdots \\ x_p \end{pmatrix}\)", "shape/dimension",
              Computed(_pixels_column, "x: (n_x, 1) column; w^T x conforms")),
        Claim("one.x-one-image", S.ONE_LAYER, "Note: $x$ are all the pixels of one image.",
              "shape/dimension", Computed(_one_example_per_column, "dz_j / dX[:, k] = 0, k != j")),
        Claim("one.threshold", S.ONE_LAYER, r"if it’s $\ge 0.5$ then we say it’s a man",
              "prose statement", Computed(_threshold_is_z_nonnegative,
                                          "solveset(sigma(z) >= 1/2)")),
        Claim("one.binary-labels", S.ONE_LAYER, "Now since it’s a binary classification, we want "
              "the $y$ (real value) to be $0$ or $1$.", "prose statement",
              Unchecked("a modelling choice (labels coded 0/1), not a statement to compute")),
        Claim("one.loss-decreases", S.ONE_LAYER, r"We notice that the loss function decreases "
              r"when $y \neq \widehat y$.", "prose statement",
              Computed(lambda: _loss_sign_away_from_label(-1),
                       "sign of dL/dyhat * (yhat - y) on (0, 1), y in {0, 1}"),
              correction=r"The loss increases as $\widehat y$ moves away from $y$ "
              r"(it is $0$ only when $\widehat y = y$).",
              corrected=Computed(lambda: _loss_sign_away_from_label(+1), "")),
        Claim("one.cost-is-mean", S.ONE_LAYER, "The cost function is the empiric loss on all "
              "examples:", "prose statement", Computed(_cost_is_mean, "J = (1/m) sum L")),
        # Forward propagation
        Claim("one.fwd.third-arrow", S.ONE_FORWARD, "Third arrow: error", "prose statement",
              Computed(_loss_is_an_error, "L >= 0, L -> 0 as a -> y")),
        # Backward propagation
        Claim("one.bwd.parameters", S.ONE_BACKWARD, r"we go backward in order to correct the "
              r"parameters $\omega$ and $b$", "prose statement",
              Computed(_parameters_of_cost, "free symbols of J minus the data")),
        Claim("one.bwd.chain-rule", S.ONE_BACKWARD, "It consists of decomposing the derivative "
              "into successive ones.", "prose statement",
              _per_example(chain_w, _loss_gradient_w, "dL/da * da/dz * dz/dw = dL/dw")),
        Claim("one.bwd.update-depends-on-a", S.ONE_BACKWARD, "Note: we can see that the updated "
              "weight depends on the previous prevision $a$.", "prose statement",
              Computed(_weight_depends_on_a, "d(dw)/da, da/dw")),
        Claim("one.bwd.recompute-a", S.ONE_BACKWARD, "This is why it is necessary to recompute "
              "the predicted value at each iteration.", "prose statement",
              Computed(_prediction_changes_after_update, "a(w - lr dw) vs a(w)")),
    ]
