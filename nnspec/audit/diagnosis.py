"""Which known mistake a wrong value matches: derived variants of the reference, held against
what the target returned.

Each variant is the reference computation with one mistake seen in real submissions, evaluated
in float64 on the failing input: a missing 1/m (or // m, or 1/m twice), a flipped sign, a
transpose missing or too many (where the shapes let it run), sigma' used for tanh' and back,
the other hidden activation, sigma(-z), eps inside the log, a clipped a, dW2 in place of W2,
the (1 - y) term dropped, log10, a learning rate left out, and more (`KNOWN` lists them).
Float32 arithmetic is recognised by the float32 error bound of `nnspec.numerics.tolerance`
instead (its rounding is not one value). A variant explains a wrong quantity when, in every
entry, the target's value lies within 1% of the variant's own departure from the exact value
(plus the float64 error bound of the check and a few ulp): the target made that mistake and
no other. The first variant that explains every wrong quantity is the diagnosis.

eps inside the log with eps <= REASONABLE_EPS is a correct way to guard log(0): it moves a loss
term by at most eps / a, which only matters where a is within a few eps of 0, so a cost it
explains is an accuracy warning, not a defect.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnspec.audit import contracts
from nnspec.numerics import oracle, tolerance

REASONABLE_EPS = 1e-8  # the largest eps inside the log that is a guard, not a change of the cost
CLIPS = tuple(10.0 ** -k for k in range(1, 16))  # np.clip(a, c, 1 - c) as students write it
Z_CLIPS = (5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 35.0)  # np.clip(z, -c, c) inside a sigmoid
MATCH_SHARE = 0.01  # the target's value within 1% of the variant's departure from the exact one
NEWTON_STEPS = 4
MATCH_ULPS = 16  # plus the float64 rounding of two evaluations of the same formula
U = tolerance.unit_roundoff("float64")
FLOAT32_LEAST = 2.0 ** -30  # relative: float32 rounding errs by ~2^-24, float64 noise by ~2^-46


@dataclass(frozen=True)
class Match:
    """A known mistake: what it is, what to do, whether it is a correct form after all, the
    family of a constant solved from the target's values (eps, a fixed learning rate) and the
    hidden activation under which the values are right (a class held to the wrong network)."""

    mistake: str
    advice: str
    benign: bool = False
    fitted: str = ""
    activation: str = ""

    def same(self, other: Match) -> bool:
        return self.mistake == other.mistake

    def contradicted(self, theirs: list[Match]) -> bool:
        """Another input's values solve this family's constant, but not to this one: a
        constant solved from each input's values fits any rescaling of the cost or of the step
        on every input (a learning rate applied twice was "a fixed 0.25", floor division "eps
        = 0.5 inside the log"); one that the code really holds comes out on every input (eps
        = 0.001 also fits one input as 0.002 in the first term alone)."""
        return (bool(self.fitted) and any(t.fitted == self.fitted for t in theirs)
                and not any(self.same(t) for t in theirs))

    def as_dict(self) -> dict:
        """The finding's `diagnosis` in --json, read by the class summary: not parsed back
        from the message, which quotes the target's own text (an exception's message)."""
        named = {"mistake": self.mistake, "advice": self.advice}
        return {**named, "hidden_activation": self.activation} if self.activation else named

    def __str__(self) -> str:
        return f"matches: {self.mistake}; {self.advice}"


# ---- float64 computations with one mistake switched on -------------------------------------

def _sigmoid(z: np.ndarray, clip: float = 0.0) -> np.ndarray:
    """The stable sigmoid; `clip`: of z clipped to [-clip, clip] first ("against overflow")."""
    z = np.clip(z, -clip, clip) if clip else z
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _activation(name: str) -> Callable[[np.ndarray], np.ndarray]:
    return _sigmoid if name == "sigmoid" else np.tanh


def _derivative(name: str, a: np.ndarray) -> np.ndarray:
    """g'(z) from a = g(z): a (1 - a) for sigmoid, 1 - a^2 for tanh; "A1": a itself (the
    mistake of writing A1 where g'(Z1) goes); "1 - A1": tanh' without its square, or
    sigmoid' without its factor a."""
    if name == "A1":
        return a
    if name == "1 - A1":
        return 1 - a
    return a * (1 - a) if name == "sigmoid" else 1 - a**2


def _cost(A: np.ndarray, Y: np.ndarray, eps: tuple[float, float] = (0.0, 0.0),
          second_term: bool = True) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = Y * np.log(A + eps[0])
        if second_term:
            terms = terms + (1 - Y) * np.log(1 - A + eps[1])
    return np.asarray(-np.sum(terms) / Y.shape[1])


def _logreg(p: dict, *, clip: float = 0.0, transpose: bool = False, flipped: bool = False,
            z_clip: float = 0.0) -> dict:
    w, b, X, Y = p["w"], p["b"], p["X"], p["Y"]
    m = X.shape[1]
    A = _sigmoid(-(w.T @ X + b) if flipped else w.T @ X + b, z_clip)
    if clip:
        A = np.clip(A, clip, 1 - clip)
    dZ = A - Y
    return {"dw": (X.T if transpose else X) @ dZ.T / m, "db": np.asarray(np.sum(dZ) / m),
            "cost": _cost(A, Y), "A": A}


def _two_layer(p: dict, hidden: str, *, forward: str | None = None, derivative: str | None = None,
               w2_from_grad: bool = False, clip: float = 0.0, transpose: str = "",
               flipped: bool = False, z_clip: float = 0.0, unbiased: str = "",
               dot: bool = False, layer2_input: str = "A1", output: str = "sigmoid") -> dict:
    """Forward and backward pass; `forward` the hidden activation used to make A1 (default
    `hidden`), `derivative` the one whose g' the backward pass uses (default: the forward's);
    `transpose` "forward" for W1^T X (runs when n_h == n_x), "backward" for dZ1 X (n_x == m);
    `flipped`: every sigmoid computed as sigma(-z); `z_clip`: of z clipped to [-z_clip, z_clip];
    `unbiased`: "b1" or "b2" left out of its layer; `forward` may be "relu" too; `dot`: dZ1 as
    the matrix product W2^T dZ2 g'(Z1) (runs when n_h == m) in place of the element-wise one;
    `derivative` "of A1": g' taken at A1 as if it were z, "of Z1": g''s formula in a fed Z1;
    `layer2_input` "Z1": the output layer fed Z1; `output` "tanh": a tanh output layer."""
    W1, b1, W2, b2, X, Y = (p[k] for k in ("W1", "b1", "W2", "b2", "X", "Y"))
    m = X.shape[1]
    forward = forward or hidden
    sign = -1 if flipped else 1
    Z1 = (W1.T @ X if transpose == "forward" else W1 @ X) + (0 if unbiased == "b1" else b1)
    A1 = {"sigmoid": lambda: _sigmoid(sign * Z1, z_clip), "tanh": lambda: np.tanh(Z1),
          "relu": lambda: np.maximum(Z1, 0)}[forward]()
    Z2 = W2 @ (Z1 if layer2_input == "Z1" else A1) + (0 if unbiased == "b2" else b2)
    A2 = np.tanh(Z2) if output == "tanh" else _sigmoid(sign * Z2, z_clip)
    if clip:
        A2 = np.clip(A2, clip, 1 - clip)
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m
    derivative = derivative or forward
    if derivative == "relu":
        prime = (Z1 > 0).astype(float)
    elif derivative == "of A1":
        prime = _derivative(forward, _activation(forward)(A1))
    elif derivative == "of Z1":
        prime = _derivative(forward, Z1)
    else:
        prime = _derivative(derivative, A1)
    back = (dW2 if w2_from_grad else W2).T @ dZ2
    dZ1 = back @ prime if dot else back * prime
    return {"A2": A2, "cache['Z1']": Z1, "cache['A1']": A1, "cache['Z2']": Z2,
            "cache['A2']": A2, "dW2": dW2, "db2": np.sum(dZ2, axis=1, keepdims=True) / m,
            "dW1": dZ1 @ (X if transpose == "backward" else X.T) / m,
            "db1": np.sum(dZ1, axis=1, keepdims=True) / m, "cost": _cost(A2, Y)}


# ---- the variants of each contract ---------------------------------------------------------

Variant = tuple[Match, Callable[[], dict]]
ONE_OVER_M = Match("missing 1/m", "the sums over the m examples must be divided by m (a mean): "
                   "m = X.shape[1], the number of examples (not Y.shape[0], which is 1), and "
                   "-1 / m, not -1 // m (which is -1)")
SIGN = Match("a flipped sign", "dZ = A - Y, and the cost is -(1/m) sum of y log a + "
             "(1 - y) log(1 - a)")
SIGN_AND_M = Match("a flipped sign and missing 1/m", "the cost is -(1/m) sum of y log a + "
                   "(1 - y) log(1 - a): a mean, and minus the log-likelihood")
W1_TRANSPOSED = Match("W1^T X in place of W1 X (a transpose too many)", "Z1 = W1 X + b1: W1 is "
                      "(n_h, n_x) as it is (it only runs because n_h == n_x)")
X_UNTRANSPOSED = Match("dZ1 X in place of dZ1 X^T (a missing transpose)", "dW1 = dZ1 X^T / m "
                       "(it only runs because n_x == m)")
X_TRANSPOSED = Match("X^T dZ^T in place of X dZ^T (a transpose too many)", "dw = X dZ^T / m, "
                     "z = w^T X + b (it only runs because n_x == m)")
EXAMPLES_IN_ROWS = Match("X read with its examples in rows (X^T wherever X belongs)",
                        "X is (n_x, m), one column per example: z = w^T X + b, dw = X dZ^T / m "
                        "(it only runs because n_x == m)")
ONE_TERM = Match("the (1 - y) log(1 - a) term dropped", "the loss has both terms")
N_X_FOR_M = Match("m taken as X.shape[0], the number of features",
                  "m = X.shape[1]: X is (n_x, m), one column per example")
TWICE_M = Match("1/m applied twice (dZ divided by m, then the sums again)",
                "divide by m once: dZ = A - Y, then dW = dZ X^T / m")
HALF_M = Match("the cost divided by 2m", "the cost is the mean, -(1/m) sum of y log a + "
               "(1 - y) log(1 - a); 1/(2m) belongs to the squared error")
LOG10 = Match("np.log10 in place of np.log", "the cross-entropy uses the natural log: np.log")
FLIPPED = Match("sigmoid(-z): 1 / (1 + np.exp(z))", "sigma(z) = 1 / (1 + np.exp(-z))")
FLOOR = Match("// m (floor division) in place of / m", "divide the sums by m with /: // rounds "
              "the mean down to a whole number")
MEANS = ("cost", "dw", "db", "dW1", "db1", "dW2", "db2")  # the sums over examples divided by m
BROADCAST = Match("an (m, m) broadcast summed whole (a (1, m) array times an (m, 1) one)",
                  "multiply arrays of the same shape, (1, m) by (1, m)")


def _clip_match(c: float) -> Match:
    return Match(f"a clipped at {c:g} and 1 - {c:g}", "do not clip a: compute the loss from z "
                 "(np.logaddexp) if log(0) is the worry")


def _z_clip_match(c: float) -> Match:
    return Match(f"sigmoid of z clipped at -{c:g} and {c:g}", f"do not clip z: sigma is not yet 0 "
                 f"or 1 at |z| = {c:g}, and 1 / (1 + np.exp(-z)) only overflows to 1 / inf = 0 "
                 "(clip at |z| >= 40, if at all, where float64's sigma is 0 or 1 already)")


def _eps_match(eps: float) -> Match:
    if eps <= REASONABLE_EPS:
        return Match(f"eps = {eps:.1g} inside the log", "a guard against log(0) that moves each "
                     "loss term by at most eps / a; the stable form from z needs none",
                     benign=True, fitted="eps")
    return Match(f"eps = {eps:.1g} inside the log", f"an eps this large moves the cost; keep it "
                 f"at most {REASONABLE_EPS:g}, or compute the loss from z (np.logaddexp)",
                 fitted="eps")


def _scaled(values: dict, factor: float) -> dict:
    return {k: np.asarray(v) * factor for k, v in values.items()}


def _floored(values: dict, m: int) -> dict:
    """The means as `sum // m` gives them."""
    return {k: np.floor_divide(np.asarray(v) * m, m) for k, v in values.items() if k in MEANS}


def _means(got: dict) -> dict:
    try:
        return {k: np.asarray(v, dtype=np.float64) for k, v in got.items() if k in MEANS}
    except (TypeError, ValueError):
        return {}


def _floor_division(base: dict, m: int, got: dict) -> Iterator[Variant]:
    """// m, where the target's means are whole numbers: near 0 any small mean was within 1%
    of the floored 0's departure (a global m = 400 "matched // m")."""
    means = _means(got)
    if means and all(np.all(v == np.round(v)) for v in means.values()):
        yield FLOOR, lambda: _floored(base, m)


def _fixed_m(base: dict, m: int, got: dict, source: str = "X.shape[1]") -> Iterator[Variant]:
    """m fixed at a number of the target's own (a global m), solved from its means: a whole
    number other than m, tried last (a constant solved from the values fits any rescaling;
    other inputs, whose m differ, tell a real one apart)."""
    means = _means(got)
    ratios = []
    for k, g in means.items():
        b = np.asarray(base.get(k, np.nan), dtype=np.float64).reshape(-1)
        g = g.reshape(-1)
        if b.shape == g.shape:
            with np.errstate(all="ignore"):
                ratios += list((m * b / g)[(g != 0) & (b != 0)].ravel())
    if not ratios or not np.all(np.isfinite(ratios)):
        return
    fixed = round(float(np.median(ratios)))
    if fixed >= 2 and fixed != m:
        yield (Match(f"m fixed at {fixed} (a global m?) in place of the examples' count",
                     f"m = {source}, taken from the arrays of each call", fitted="m"),
               lambda: {k: np.asarray(v) * m / fixed for k, v in base.items() if k in MEANS})


def _eps_variants(A: np.ndarray, Y: np.ndarray, cost: float, got: Any) -> Iterator[Variant]:
    """eps inside the log, with eps solved from the target's cost (Newton's method on
    J(eps) = got from the first-order estimate J(eps) ~ J - eps mean(y / a + (1 - y) / (1 - a)))
    and rounded to one digit, as eps is written."""
    if got is None:
        return
    m = Y.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        first = np.where(Y != 0, Y / A, 0.0)  # a zero coefficient drops its term
        weights = {"both": float(np.sum(first + np.where(Y != 1, (1 - Y) / (1 - A), 0.0))) / m,
                   "first": float(np.sum(first)) / m}
    for kind, weight in weights.items():
        if not np.isfinite(weight) or weight <= 0:
            continue
        target = float(np.asarray(got).reshape(-1)[0])
        estimate = (cost - target) / weight
        for _ in range(NEWTON_STEPS):
            if not estimate > 0:
                break
            pair = (estimate, estimate) if kind == "both" else (estimate, 0.0)
            with np.errstate(divide="ignore", invalid="ignore"):
                slope = -float(np.sum(np.where(Y != 0, Y / (A + pair[0]), 0.0) + np.where(
                    Y != 1, (1 - Y) / (1 - A + pair[1]), 0.0) * (kind == "both"))) / m
            if not slope < 0:
                break
            estimate -= (float(_cost(A, Y, pair)) - target) / slope
        if not estimate > 0:
            continue
        eps = float(f"{estimate:.0e}")
        pair = (eps, eps) if kind == "both" else (eps, 0.0)
        yield _eps_match(eps), lambda pair=pair, kind=kind: {
            "cost": _cost(A, Y, pair, second_term=True)}


def _broadcast(p: dict, base: dict) -> dict:
    """a as an (m, 1) column (sigmoid(X^T w + b)): the cost and A - Y broadcast to (m, m) and
    are summed whole; X (A - Y^T) / m is still the right dw."""
    A, Y, m = base["A"].T, p["Y"], p["X"].shape[1]
    return {"cost": _cost(A, Y), "db": np.asarray(np.sum(A - Y) / m), "dw": base["dw"]}


def _logreg_variants(p: dict, o: Any, got: dict) -> Iterator[Variant]:
    base = _logreg(p)
    n_x, m = p["X"].shape
    yield ONE_OVER_M, lambda: _scaled(base, m)
    if n_x != m:  # with n_x = 1 the same values as a missing 1/m: other inputs tell them apart
        yield N_X_FOR_M, lambda: _scaled(base, m / n_x)
    yield SIGN, lambda: _scaled(base, -1)
    yield SIGN_AND_M, lambda: _scaled(base, -m)  # on m = 1 a flipped sign alone: more inputs
    yield from _floor_division(base, m, got)
    yield TWICE_M, lambda: _scaled(base, 1 / m)
    yield HALF_M, lambda: {"cost": base["cost"] / 2}
    yield LOG10, lambda: {"cost": base["cost"] / np.log(10)}
    yield FLIPPED, lambda: _logreg(p, flipped=True)
    if n_x == m:
        yield X_TRANSPOSED, lambda: _logreg(p, transpose=True)
        yield EXAMPLES_IN_ROWS, lambda: _logreg({**p, "X": p["X"].T})
    yield ONE_TERM, lambda: {"cost": _cost(base["A"], p["Y"], second_term=False)}
    yield BROADCAST, lambda: _broadcast(p, base)  # a from X^T w: (m, 1)
    yield from _eps_variants(base["A"], p["Y"], float(base["cost"]), got.get("cost"))
    for c in CLIPS:
        yield _clip_match(c), lambda c=c: _logreg(p, clip=c)
    for c in Z_CLIPS:
        yield _z_clip_match(c), lambda c=c: _logreg(p, z_clip=c)
    yield from _fixed_m(base, m, got)


def _activation_match(other: str) -> Match:
    return Match(f"{other} hidden layer", f"run with --hidden-activation {other}",
                 activation=other)


def _derivative_match(used: str, hidden: str) -> Match:
    prime = {"sigmoid": "a (1 - a)", "tanh": "1 - a^2"}
    return Match(f"{used}' = {prime[used]} used for the {hidden} hidden layer's g'",
                 f"g' of {hidden} is {prime[hidden]} (if the network is meant to use {used}, "
                 f"run with --hidden-activation {used})", activation=used)


def _two_layer_variants(p: dict, o: Any, got: dict) -> Iterator[Variant]:
    hidden = o.hidden_activation
    other = "tanh" if hidden == "sigmoid" else "sigmoid"
    (n_h, n_x), m = p["W1"].shape, p["X"].shape[1]
    base = _two_layer(p, hidden)
    prime = {"sigmoid": "A1 * (1 - A1)", "tanh": "1 - A1**2"}[hidden]
    yield ONE_OVER_M, lambda: _scaled(base, m)
    if n_x != m:
        yield N_X_FOR_M, lambda: _scaled(base, m / n_x)
    yield SIGN, lambda: _scaled(base, -1)
    yield from _floor_division(base, m, got)
    yield TWICE_M, lambda: _scaled(base, 1 / m)
    yield FLIPPED, lambda: _two_layer(p, hidden, flipped=True)
    yield _activation_match(other), lambda: _two_layer(p, hidden, forward=other)
    yield (Match("a ReLU hidden layer", f"the network's hidden activation is {hidden} (set by "
                 "--hidden-activation)"), lambda: _two_layer(p, hidden, forward="relu"))
    yield (Match("ReLU's g' (Z1 > 0) used for g'(Z1)", f"g'(Z1) is {prime} for the {hidden} "
                 "hidden layer"), lambda: _two_layer(p, hidden, derivative="relu"))
    for bias in ("b1", "b2"):
        layer = "Z1 = W1 X + b1" if bias == "b1" else "Z2 = W2 A1 + b2"
        yield (Match(f"{bias} left out", f"{layer}: each layer adds its bias"),
               lambda bias=bias: _two_layer(p, hidden, unbiased=bias))
    yield _derivative_match(other, hidden), lambda: _two_layer(p, hidden, derivative=other)
    yield (Match("dW2 used in place of W2", "dZ1 = W2^T dZ2 * g'(Z1), with the weights W2"),
           lambda: _two_layer(p, hidden, w2_from_grad=True))
    if n_h == n_x:
        yield W1_TRANSPOSED, lambda: _two_layer(p, hidden, transpose="forward")
        yield (Match("dW1 transposed (X dZ1^T in place of dZ1 X^T)", "dW1 = dZ1 X^T / m has "
                     "W1's shape (n_h, n_x); it only runs because n_h == n_x"),
               lambda: {**base, "dW1": base["dW1"].T})
    if n_x == m:
        yield X_UNTRANSPOSED, lambda: _two_layer(p, hidden, transpose="backward")
    if n_h == m:
        yield (Match("dW2 = dZ2 A1 without A1's transpose", "dW2 = dZ2 A1^T / m has W2's shape "
                     "(1, n_h); it only runs because n_h == m"),
               lambda: {**base, "dW2": (base["A2"] - p["Y"]) @ base["cache['A1']"] / m})
        yield (Match("np.dot in place of * in dZ1 (a matrix product where the element-wise "
                     "one goes)", "dZ1 = W2^T dZ2 * g'(Z1), element by element (np.multiply "
                     "or *); it only runs because n_h == m"),
               lambda: _two_layer(p, hidden, dot=True))
    if n_h == 1:  # A1 has A2's shape (1, m), and (1, m) by (m, 1) runs, with one hidden unit
        yield (Match("A1 returned in place of A2", "forward_propagation returns A2, the output "
                     "layer's activation, and the cache"),
               lambda: {**base, "A2": base["cache['A1']"]})
        yield (Match("A2 used in place of A1 in dW2", "dW2 = dZ2 A1^T / m: the hidden layer's "
                     "activations, not the output's"),
               lambda: {**base, "dW2": (base["A2"] - p["Y"]) @ base["A2"].T / m})
    yield (Match("A1 used in place of g'(Z1)", f"dZ1 = W2^T dZ2 * g'(Z1), and g'(Z1) is {prime} "
                 f"for the {hidden} hidden layer"),
           lambda: _two_layer(p, hidden, derivative="A1"))
    short = {"sigmoid": "the factor A1 left out of A1 * (1 - A1)",
             "tanh": "the square left out of 1 - A1**2"}[hidden]
    yield (Match(f"1 - A1 used for g'(Z1): {short}", f"g'(Z1) is {prime} for the {hidden} "
                 "hidden layer"), lambda: _two_layer(p, hidden, derivative="1 - A1"))
    g_of = {"sigmoid": "sigmoid'", "tanh": "tanh'"}[hidden]
    yield (Match(f"{g_of} taken at A1 in place of Z1 (g'(A1))", f"g'(Z1) is {prime}: from A1 "
                 "= g(Z1), not g' of A1 again"), lambda: _two_layer(p, hidden, derivative="of A1"))
    from_z = {"sigmoid": "Z1 * (1 - Z1)", "tanh": "1 - Z1**2"}[hidden]
    yield (Match(f"{from_z} for g'(Z1): Z1 where A1 goes", f"g'(Z1) is {prime}, from the "
                 "activations A1"), lambda: _two_layer(p, hidden, derivative="of Z1"))
    yield (Match("Z1 fed to the output layer in place of A1", "Z2 = W2 A1 + b2: the output "
                 "layer takes the hidden layer's activations"),
           lambda: _two_layer(p, hidden, layer2_input="Z1"))
    yield (Match("a tanh output layer", "A2 = sigmoid(Z2): the output is a probability; the "
                 "hidden layer is the one with tanh"), lambda: _two_layer(p, hidden, output="tanh"))
    yield ONE_TERM, lambda: {"cost": _cost(base["A2"], p["Y"], second_term=False)}
    for c in CLIPS:
        yield _clip_match(c), lambda c=c: _two_layer(p, hidden, clip=c)
    for c in Z_CLIPS:
        yield _z_clip_match(c), lambda c=c: _two_layer(p, hidden, z_clip=c)
    yield from _fixed_m(base, m, got)


ONE_OVER_M_COST = Match(ONE_OVER_M.mistake, "the sum over the m examples must be divided by m "
                       "(a mean): m = Y.shape[1], the number of examples (not Y.shape[0], "
                       "which is 1), and -1 / m, not -1 // m (which is -1)")
SIGN_COST = Match(SIGN.mistake, "the cost is -(1/m) sum of y log a + (1 - y) log(1 - a): "
                  "minus the log-likelihood")
TWICE_M_COST = Match("1/m applied twice", "divide the sum by m once: np.mean divides by m "
                     "already, so -np.mean(...) or -np.sum(...) / m, not both")


def _cost_variants(p: dict, o: Any, got: dict) -> Iterator[Variant]:
    A, Y = p["A2"], p["Y"]
    base = {"cost": _cost(A, Y)}
    yield ONE_OVER_M_COST, lambda: _scaled(base, Y.shape[1])
    yield BROADCAST, lambda: {"cost": _cost(A.T, Y)}
    yield SIGN_COST, lambda: _scaled(base, -1)
    yield SIGN_AND_M, lambda: _scaled(base, -Y.shape[1])
    yield from _floor_division(base, Y.shape[1], got)
    yield TWICE_M_COST, lambda: _scaled(base, 1 / Y.shape[1])
    yield HALF_M, lambda: _scaled(base, 0.5)
    yield LOG10, lambda: _scaled(base, 1 / np.log(10))
    yield ONE_TERM, lambda: {"cost": _cost(A, Y, second_term=False)}
    yield (Match("the labels swapped (y log(1 - a) + (1 - y) log a)", "y goes with log a: the "
                 "log-probability of the label given"), lambda: {"cost": _cost(A, 1 - Y)})
    yield (Match("log a in both terms", "the second term is (1 - y) log(1 - a)"),
           lambda: {"cost": np.asarray(-np.sum(np.log(A)) / Y.shape[1])})
    yield from _eps_variants(A, Y, float(base["cost"]), got.get("cost"))
    for c in CLIPS:
        yield _clip_match(c), lambda c=c: {"cost": _cost(np.clip(A, c, 1 - c), Y)}
    yield from _fixed_m(base, Y.shape[1], got, "Y.shape[1]")


FIXED_RATE = "the learning_rate argument ignored: a fixed {:g} used"
RATE_ADVICE = "use the learning_rate the caller passes, not a number of your own"
COURSE_RATES = (0.009, 0.005, 0.01, 0.05, 0.1, 0.5, 1.2)  # the rates courses hard-code


def _solved_rate(p: dict, got: dict, names: tuple[str, ...]) -> float | None:
    """The one rate r with got = W - r dW in every entry where dW is not 0, as written (two
    digits), or None."""
    rates = []
    for k in names:
        g, d = np.asarray(got.get(k, np.nan), dtype=np.float64), np.asarray(p["d" + k])
        if g.shape != d.shape:
            return None
        moved = d != 0
        rates += list(((np.asarray(p[k]) - g)[moved] / d[moved]).ravel())
    if not rates or not np.all(np.isfinite(rates)):
        return None
    rate = float(f"{np.median(rates):.2g}")
    return rate if rate > 0 and rate != p["learning_rate"] else None


def _update_variants(p: dict, o: Any, got: dict) -> Iterator[Variant]:
    lr = p["learning_rate"]
    names = ("W1", "b1", "W2", "b2")
    yield (Match("a step up the gradient (W + lr dW)", "gradient descent subtracts: W - lr dW"),
           lambda: {k: p[k] + lr * p["d" + k] for k in names})
    yield (Match("the learning rate left out (W - dW)", "the step is W - learning_rate * dW"),
           lambda: {k: p[k] - p["d" + k] for k in names})
    for k in names:  # b2 - lr * db1: another parameter's gradient, where the shapes let it run
        for other in names:
            if other != k and _fits(np.shape(p[k]), np.shape(p["d" + other])):
                yield (Match(f"d{other} used in the step of {k}", f"{k} = {k} - learning_rate "
                             f"* d{k}: each parameter with its own gradient"),
                       lambda k=k, other=other: {**{n: p[n] - lr * p["d" + n] for n in names},
                                                 k: p[k] - lr * p["d" + other]})
    rate = _solved_rate(p, got, tuple(k for k in names if k in got))
    if rate is not None and rate != 1:
        yield (Match(FIXED_RATE.format(rate), RATE_ADVICE, fitted="rate"),
               lambda: {k: p[k] - rate * p["d" + k] for k in names})


def _fits(shape: tuple, other: tuple) -> bool:
    """Whether an array of shape `other` broadcasts into `shape` without changing it."""
    try:
        return np.broadcast_shapes(shape, other) == shape
    except ValueError:
        return False


def _descent(p: dict, scale: tuple[float, float] = (1.0, 1.0),
             rate: float | tuple[float | None, float | None] | None = None) -> dict:
    """Gradient descent as optimize runs it, with the steps' dw and db scaled by `scale` (m
    for a propagate missing its 1/m, -1 for a flipped sign) or a rate of its own (for both
    steps, or (w's, b's), None for the caller's)."""
    w, b, X, Y = p["w"], p["b"], p["X"], p["Y"]
    rates = rate if isinstance(rate, tuple) else (rate, rate)
    step_w, step_b = (p["learning_rate"] if r is None else r for r in rates)
    for _ in range(p["num_iterations"]):
        g = _logreg({"w": w, "b": b, "X": X, "Y": Y})
        w, b = w - step_w * scale[0] * g["dw"], b - step_b * scale[1] * float(g["db"])
    return {"w": w, "b": np.asarray(b)}


OWN_PROPAGATE = ("if optimize calls the file's own propagate, the mistake is there: audit it "
                 "with --contract logreg.propagate")


def _optimize_variants(p: dict, o: Any, got: dict) -> Iterator[Variant]:
    m = float(p["X"].shape[1])
    for which, scale in (("dw and db miss their", (m, m)), ("dw misses its", (m, 1.0)),
                         ("db misses its", (1.0, m))):
        yield (Match(f"its steps' {which} 1/m", OWN_PROPAGATE),
               lambda scale=scale: _descent(p, scale))
    yield (Match("its steps' gradients have a flipped sign (a step up the gradient)",
                 OWN_PROPAGATE + "; else gradient descent subtracts: w - lr dw"),
           lambda: _descent(p, (-1.0, -1.0)))
    yield (Match("the learning rate left out (w - dw)", "the step is w - learning_rate * dw"),
           lambda: _descent(p, rate=1.0))
    yield from _fixed_rate(p, got, ("w", "b"), lambda r: (r, r), FIXED_RATE)
    # one step wrong, the other right (the mistake made on one line of the loop)
    for k, (one, other) in (("w", ((-1.0, 1.0), (1.0, None))), ("b", ((1.0, -1.0), (None, 1.0)))):
        yield (Match(f"{k}'s step goes up the gradient ({k} + lr d{k}); the other step is right",
                     f"gradient descent subtracts: {k} - learning_rate * d{k}"),
               lambda one=one: _descent(p, one))
        yield (Match(f"the learning rate left out of {k}'s step ({k} - d{k})",
                     f"the step is {k} - learning_rate * d{k}"),
               lambda other=other: _descent(p, rate=other))
        yield from _fixed_rate(p, got, (k,), lambda r, k=k: (r, None) if k == "w" else (None, r),
                               FIXED_RATE + f" in {k}'s step")


def _fixed_rate(p: dict, got: dict, seen: tuple[str, ...], rates: Callable, words: str
                ) -> Iterator[Variant]:
    """The course's rate nearest to what the target did in the steps of `seen`, as one
    candidate (`rates(r)`: the (w's, b's) rates of that run)."""
    runs = {rate: _descent(p, rate=rates(rate)) for rate in COURSE_RATES
            if rate != p["learning_rate"]}
    seen = tuple(k for k in seen if k in got)
    if not runs or not seen:
        return

    def distance(rate: float) -> float:
        with np.errstate(all="ignore"):
            gaps = [np.abs(np.asarray(runs[rate][k], dtype=np.float64).ravel()
                           - np.asarray(got[k], dtype=np.float64).ravel()) for k in seen]
        return float(max(np.nanmax(g) if g.size else np.inf for g in gaps))

    rate = min(runs, key=distance)
    yield Match(words.format(rate), RATE_ADVICE, fitted="rate"), lambda: runs[rate]


VARIANTS = {"logreg.propagate": _logreg_variants,
            "two_layer.forward_propagation": _two_layer_variants,
            "two_layer.backward_propagation": _two_layer_variants,
            "two_layer.compute_cost": _cost_variants,
            "two_layer.update_parameters": _update_variants,
            "logreg.optimize": _optimize_variants}
KNOWN = {"logreg.propagate": "missing 1/m, m taken as X.shape[0], a flipped sign (with or "
                             "without 1/m), // m, a fixed m, 1/m twice, 1/(2m), log10, sigmoid(-z), "
                             "a transpose too "
                             "many, the (1 - y) term "
                             "dropped, an (m, m) broadcast, eps inside the log, clipping, "
                             "z clipped inside sigmoid, values rounded, float32 arithmetic",
         "two_layer.forward_propagation": "the other hidden activation, ReLU, b1 or b2 left "
                                          "out, A1 for A2, Z1 into the output layer, a tanh "
                                          "output, sigmoid(-z), W1^T X, z clipped inside sigmoid, "
                                          "values rounded, float32 arithmetic",
         "two_layer.backward_propagation": "missing 1/m, m taken as X.shape[0], a flipped "
                                           "sign, // m, 1/m twice, sigmoid(-z), sigma' for "
                                           "tanh' and back, ReLU's g', A1 or 1 - A1 for "
                                           "g'(Z1), g' of A1 or of Z1, a fixed m, np.dot for *, A2 for A1 in dW2, dW2 for W2, a transpose missing or too "
                                           "many, z clipped "
                                           "inside sigmoid, values rounded, float32 arithmetic",
         "two_layer.compute_cost": "missing 1/m, a flipped sign, // m, a fixed m, 1/m twice, "
                                   "1/(2m), log10, the (1 - y) term dropped, the labels "
                                   "swapped, log a in both terms, an "
                                   "(m, m) broadcast, eps inside the log, clipping, values "
                                   "rounded, float32 arithmetic",
         "two_layer.update_parameters": "a step up the gradient, the learning rate left "
                                        "out, another parameter's gradient, a fixed learning "
                                        "rate, values rounded",
         "logreg.optimize": "gradients missing their 1/m or with a flipped sign, the learning "
                            "rate left out, a fixed learning rate (in both steps or in one), "
                            "values rounded"}


# ---- matching ------------------------------------------------------------------------------

def _explains(variant: dict, expected: dict, got: dict, bound: dict) -> bool:
    for name, g in got.items():
        if name not in variant:
            return False
        v = np.asarray(variant[name], dtype=np.float64)
        e, g = np.asarray(expected[name], dtype=np.float64), np.asarray(g, dtype=np.float64)
        if g.size == 1 and v.size == 1:
            g, v, e = g.reshape(()), v.reshape(()), e.reshape(())
        if v.shape != g.shape or e.shape != g.shape:
            return False
        with np.errstate(invalid="ignore", over="ignore"):
            scale = MATCH_ULPS * U * (np.abs(v) + np.abs(e)) + float(bound.get(name, 0.0))
            if not np.any(np.abs(v - e) > scale):  # the variant does not change this quantity
                return False
            if not np.all(np.abs(g - v) <= MATCH_SHARE * np.abs(v - e) + scale):
                return False
    return True


def _float32(contract: str, p: dict, o: Any, expected: dict, got: dict) -> bool:
    """Every wrong quantity within the float32 error bound (and so beyond the float64 one),
    where that bound tells float32 from other errors: not where it is as large as the value
    itself (a cost at |z| = 20, where float32's sigmoid is 1: any error fit it, and a sigmoid
    clipped at |z| = 15, its cost off by 5, "matched float32 arithmetic"); and some entry off
    by more than float64 noise can be (a float64 cost off by 50 ulp was "float32")."""
    if contract == "logreg.propagate":
        bound = tolerance.logreg_bounds(p["w"], p["b"], p["X"], p["Y"], dtype="float32")
    elif contract == "two_layer.compute_cost":
        bound = {"cost": tolerance.cost_from_activations_bound(p["A2"], p["Y"], dtype="float32")}
    elif contract == "two_layer.update_parameters":  # no X: the bound of one step
        bound = {k: contracts.update_bound(p, k, "float32") for k in oracle.TWO_LAYER_BLOCKS}
    elif contract.startswith("two_layer."):
        params = {k: p[k] for k in oracle.TWO_LAYER_BLOCKS}
        bound = tolerance.two_layer_bounds(params, p["X"], p["Y"], hidden=o.hidden_activation,
                                           dtype="float32")
        bound.update({f"cache[{k!r}]": bound[k] for k in ("Z1", "A1", "Z2", "A2")})
    else:
        return False
    off_enough = False
    for name, g in got.items():
        if name not in bound:
            return False
        exact = np.asarray(expected[name], dtype=float)
        size = np.abs(exact)
        if np.any((np.asarray(bound[name]) >= size) & (size > 0)):
            return False
        if tolerance.compare(name, expected[name], g, bound[name]) is not None:
            return False
        with np.errstate(all="ignore"):
            off = np.abs(np.asarray(g, dtype=float).reshape(exact.shape) - exact)
        off_enough = off_enough or bool(np.any(off > FLOAT32_LEAST * size))
    return off_enough


def _decimals(expected: dict, got: dict) -> list[int]:
    """Each number of decimals k for which every wrong quantity is np.round(exact, k) to the
    last bit (round(cost, 4) too): 1.2 for 1.20003 fits k = 1 to 4, and the other inputs tell
    which. Values all 0 are not taken for rounding (zeros returned are not rounded 0.04s)."""
    pairs = []
    for name, g in got.items():
        try:
            e = np.asarray(expected[name], dtype=np.float64)
            g = np.asarray(g, dtype=np.float64).reshape(e.shape)
        except (KeyError, TypeError, ValueError):
            return []
        pairs.append((e, g))
    if not pairs or not any(np.any(g != 0) for _, g in pairs):
        return []
    with np.errstate(all="ignore"):
        return [k for k in range(16) if all(np.array_equal(np.round(e, k), g) for e, g in pairs)]


FLOAT32 = Match("float32 arithmetic", "the error is of the size float32 rounding makes: compute "
                "in float64, or hold the target to float32 bounds with --dtype float32")


def candidates(contract: str, problem: dict, details: dict, options: Any, *,
               float32: bool = True) -> Iterator[Match]:
    """Every known mistake that explains every wrong quantity of a value failure (`details`
    with the "expected" and "got" dicts of `contracts._Checker.values`), in the order tried.
    `float32=False` skips the float32 check, which needs the exact values again."""
    expected, got = details.get("expected"), details.get("got")
    if not isinstance(expected, dict) or not isinstance(got, dict) or contract not in VARIANTS:
        return
    for match, compute in VARIANTS[contract](problem, options, got):
        with np.errstate(all="ignore"):
            if _explains(compute(), expected, got, details.get("bound") or {}):
                yield match
    for decimals in _decimals(expected, got):
        yield Match(f"values rounded to {decimals} decimals", "return the values as computed; "
                    "round only what you print", fitted="decimals")
    if float32 and options.dtype == "float64" and _float32(contract, problem, options,
                                                           expected, got):
        yield FLOAT32


def diagnose(contract: str, problem: dict, details: dict, options: Any, *,
             float32: bool = True) -> Match | None:
    """The first known mistake that explains a value failure, or None."""
    return next(candidates(contract, problem, details, options, float32=float32), None)


def explain(contract: str, failures: list[tuple[dict, dict]], options: Any,
            spare: list[tuple[dict, dict]] = ()) -> tuple[str, Match | None]:
    """The diagnosis sentence of a value defect seen on several inputs ((problem, details)
    pairs, the smallest first) and the mistake it names: of the mistakes that explain the
    smallest input, the one that explains the most of the others, if at least half (one input
    may fit two: with Y all 0, summing a whole (m, m) broadcast gives exactly m times the cost;
    another may lie where float32 overflows), unless another input solves its constant to
    another value; or that none of the known ones does (None). The first inputs explored are
    the simplest (A2 all 0.5, Y all 0), which a mistake may fit by chance: it must explain at
    least half of the `spare` inputs too, and mistakes that the others fit equally are told
    apart by them."""
    (problem, details), *others = failures
    if all(_zeros(d) for _, d in [*failures, *spare]):
        every = [p for p, _ in [*failures, *spare]]
        if all("Y" in p and np.shape(p["Y"])[-1] > 1 for p in every):  # right where m = 1
            return str(ONE_FLOOR_M), ONE_FLOOR_M
        return str(ZEROS), ZEROS
    found = list(candidates(contract, problem, details, options))
    if not found:
        return _none_known(contract)
    theirs = [list(candidates(contract, p, d, options)) for p, d in others]
    score = _scores(found, theirs)
    best = max(score)
    if best < 0 or 2 * best < len(theirs):
        return _none_known(contract)
    tied = [m for m, n in zip(found, score) if n == best]
    if spare:
        more = [list(candidates(contract, p, d, options, float32=FLOAT32 in tied))
                for p, d in spare]
        extra = _scores(tied, more)
        if 2 * max(extra) < len(more):  # the simplest inputs fit it by chance: A2 used for A1
            return _none_known(contract)  # in dW2 is the sigmoid network's dW2 where all is 0
        tied = [m for m, n in zip(tied, extra) if n == max(extra)]
    first, *others_tied = tied
    if not others_tied:
        return str(first), first
    also = ", ".join(m.mistake for m in others_tied)
    return f"matches: {first.mistake} (on these inputs equally: {also}); {first.advice}", first


ZEROS = Match("zeros where values are expected (a placeholder left in?)", "compute the values from the "
              "inputs")
ONE_FLOOR_M = Match("1 // m in place of 1 / m (0 for every m > 1: zeros, right only where m = 1)",
                    "// is integer division in Python 3: write 1 / m or divide the sums by m")


def _zeros(details: dict) -> bool:
    """Every wrong quantity returned as zeros: on small inputs that fits // m by chance."""
    got = details.get("got")
    try:
        return isinstance(got, dict) and bool(got) and all(
            not np.any(np.asarray(g, dtype=np.float64)) for g in got.values())
    except (TypeError, ValueError):
        return False


def _scores(found: list[Match], theirs: list[list[Match]]) -> list[int]:
    """How many of the inputs each mistake explains; -1 if one of them solves its constant to
    another value."""
    return [-1 if any(m.contradicted(ts) for ts in theirs)
            else sum(any(m.same(t) for t in ts) for ts in theirs) for m in found]


def _none_known(contract: str) -> tuple[str, None]:
    known = KNOWN.get(contract)
    return (f"matches no known mistake (tried: {known})" if known else ""), None


def per_quantity(contract: str, problem: dict, details: dict, options: Any) -> dict[str, Match]:
    """For each wrong quantity alone, the first known mistake that explains it. The float32
    error bound is left out (where sigmoid saturates in float64 it saturates in float32 too, so
    that bound explains anything); float32 values off by float32 rounding are not."""
    found = {}
    for name in details.get("got", {}):
        one = {k: {name: v[name]} for k, v in details.items()
               if isinstance(v, dict) and name in v}
        match = diagnose(contract, problem, one, options, float32=False)
        if match is None and options.dtype == "float64" and _float32_values(
                details["expected"].get(name), details["got"][name]):
            match = FLOAT32
        if match is not None and not match.benign:
            found[name] = match
    return found


def _float32_values(expected: Any, got: Any) -> bool:
    """Every returned value is a float32 number within a few float32 roundings of the exact
    one, and one is further off than float64 rounding: a target computing in float32 (where a
    rounds to 1.0 in float64 the value is a float32 number too, but off by less)."""
    try:
        e = np.asarray(expected, dtype=np.float64)
        g = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    if e.shape != g.shape or not e.size or not np.all(np.isfinite(g) & np.isfinite(e)):
        return False
    off = np.abs(g - e)
    scale = np.abs(e)
    return bool(np.all(g.astype(np.float32).astype(np.float64) == g)
                and np.all(off <= 8 * 2.0 ** -24 * scale)
                and np.any(off > 4 * 2.0 ** -53 * scale))
