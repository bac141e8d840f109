"""The check of one `=` link of the notes: both sides parsed from the text, given a meaning by
nnspec.spec.meaning, and compared entry by entry on concrete shapes.

Shapes have pairwise distinct sizes, so a misplaced transpose cannot conform by accident, plus
the degenerate 1 x 1 case: per example (n_x, n_h) in (3, 2), (2, 4), (1, 1); with m or the cost
J, (n_x, m) in (3, 2), (2, 3) and (n_x, n_h, m) in (3, 2, 4), (1, 2, 3) (with n_h == m, a
juxtaposed A^{[1]}(1 - A^{[1]}) would conform as a matrix product). Each entry of the
difference is shown non-zero at a random rational point in 30 digits (the evidence) or proven
zero (its numerator expanded, the sigmoid kept opaque, then with the sigmoid written as 1/(1 +
e^-z)). A link false as written is tried under each convention of nnspec.spec.conventions.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from fractions import Fraction

import mpmath
import sympy as sp

from nnspec.spec import definitions as defs
from nnspec.spec import notation
from nnspec.spec.claims import Outcome
from nnspec.spec.conventions import AS_WRITTEN, CONVENTIONS, Reading
from nnspec.spec.meaning import (
    CROSS_ENTROPY,
    MODELLED,
    PARAMETERS,
    TWO_LAYER,
    Evaluator,
    Loss,
    Network,
    either_hidden,
    free_indices,
    hidden_hint,
    names_in,
    other_hidden,
)
from nnspec.spec.notation import Name
from nnspec.spec.shapes import NonConforming
from nnspec.spec.verify import NotRational, evaluate_at, is_zero, mp_sigma, sigma_defined

SEED = 20240611
PER_EXAMPLE = {False: ((3, 1, 1), (2, 1, 1), (1, 1, 1)), True: ((3, 2, 1), (2, 4, 1), (1, 1, 1))}
OVER_EXAMPLES = {False: ((3, 1, 2), (2, 1, 3), (1, 1, 1)), True: ((3, 2, 4), (1, 2, 3), (1, 1, 1))}
LAYERED = TWO_LAYER - {"x", "y", "m", "L", "J", "alpha"}


def _point(symbols, rng: random.Random) -> dict:
    """Random rationals: labels y in (0, 1), a positive symbol (the learning rate) in (0, 2),
    everything else in (-2, 2), sorted by name."""
    point = {}
    for s in sorted(symbols, key=lambda s: s.name):
        if s.name.startswith("y"):
            point[s] = sp.Rational(rng.randint(1, 99), 100)
        else:
            numerator, denominator = rng.randint(-199, 199), rng.randint(100, 199)
            if s.is_positive:
                numerator = abs(numerator) or 1
            point[s] = sp.Rational(numerator, denominator)
    return point


def _value(expr: sp.Expr, point: dict) -> sp.Expr:
    return sp.N(sigma_defined(expr).xreplace(point), 30)


def entry_equal(left: sp.Expr, right: sp.Expr, rng: random.Random) -> tuple[bool | None, str]:
    """(True: proven equal | False: differ at a point | None: equal there, not proven; evidence).

    The difference is first evaluated at a random point in mpmath: an attempt to prove a
    difference zero costs most when it is not. SymPy's 30 digits (`_value`) decide and give
    the evidence. A difference with floats in it (a listing's 1.0) may be zero and still be
    1e-17 at a point: it is proven first."""
    for side, expr in (("left", left), ("right", right)):
        if expr.has(sp.zoo, sp.nan):  # 1/0, (a - y)/(a - a); \infty is left to the check
            return False, f"the {side} side divides by zero: it is {sp.sstr(expr)[:60]}"
    diff = left - right
    point = _point(diff.free_symbols, rng)
    apart = None  # SymPy's verdict at the point, once asked
    if not diff.has(sp.Float) and _apart(diff, point):
        apart = _proven_apart(left, right, point)
        if apart:
            return False, _evidence(left, right, point)
    if is_zero(diff) or is_zero(sigma_defined(diff)):
        return True, ""
    if apart is None and _proven_apart(left, right, point):
        return False, _evidence(left, right, point)
    if diff.has(sp.tanh):  # tanh(u) = 2 sigma(2u) - 1: tanh identities become sigma's
        as_sigma = diff.replace(sp.tanh, lambda u: 2 * defs.sigma(2 * u) - 1)
        if is_zero(as_sigma) or is_zero(sigma_defined(as_sigma)):
            return True, ""
    simple = sp.simplify(sigma_defined(diff))
    if simple == 0:
        return True, ""
    if simple.is_zero is False:  # a + e^{-1000}: apart by less than the 30 digits show
        return False, f"the difference is {sp.sstr(simple)[:80]}, not 0 (below 1e-20 at a point)"
    return None, "equal to 1e-20 at a random point, not proven"


def _apart(diff: sp.Expr, point: dict) -> bool:
    """Whether diff is far from 0 at point, in 40 digits of mpmath (fast, not the evidence)."""
    try:
        with mpmath.workdps(40):
            values = {s: mpmath.mpf(v.p) / v.q for s, v in point.items()}
            return bool(abs(evaluate_at(diff, values, mp_sigma)) > 1e-20)
    except (NotRational, ZeroDivisionError, KeyError, TypeError, ValueError):
        return True  # outside what evaluate_at reads: let SymPy decide


def _proven_apart(left: sp.Expr, right: sp.Expr, point: dict) -> bool:
    gap = _value(left - right, point)
    return bool(gap.is_number and not gap.is_zero and abs(complex(gap)) > 1e-20)


def _evidence(left: sp.Expr, right: sp.Expr, point: dict) -> str:
    """Both sides as numbers: a symbol that cancels from their difference gets a value too."""
    rest = (left.free_symbols | right.free_symbols) - set(point)
    point = dict(sorted({**point, **_point(rest, random.Random(SEED + 1))}.items(),
                        key=lambda kv: kv[0].name))
    shown = ", ".join(f"{k} = {v}" for k, v in list(point.items())[:6])
    more = ", ..." if len(point) > 6 else ""
    where = f"at {shown}{more}: " if point else ""  # constants: no point to show
    return (f"{where}left = {sp.N(_value(left, point), 8)}, "
            f"right = {sp.N(_value(right, point), 8)}")


def matrices_equal(left: sp.Matrix, right: sp.Matrix, rng: random.Random
                   ) -> tuple[bool | None, str]:
    if left.shape != right.shape:
        return False, f"the left side is {left.shape}, the right side {right.shape}"
    unproven = ""
    for idx, (lv, rv) in enumerate(zip(left, right)):
        ok, why = entry_equal(lv, rv, rng)
        if ok is False:
            return False, (f"entry {idx}: " if left.shape != (1, 1) else "") + why
        if ok is None:
            unproven = why
    return (None, unproven) if unproven else (True, "")


def factor(claimed: sp.Matrix, truth: sp.Matrix, m: int, subject: str) -> str:
    """"c times SUBJECT" when claimed = c truth entry by entry for a small rational c, with what
    c means at m examples: a missing 1/m or a flipped sign, the commonest slips; "" otherwise.
    c is read at a random point, every entry is confirmed at two points in 40 digits (cheap:
    an attempt to prove a large difference zero can take minutes), then proven exactly."""
    pairs = list(zip(claimed, truth))
    if claimed.shape != truth.shape or any(cv == 0 or tv == 0 for cv, tv in pairs):
        return ""
    rng = random.Random(SEED)
    cv, tv = pairs[0]
    point = _point((cv - tv).free_symbols, rng)
    try:
        ratio = complex(_value(cv, point) / _value(tv, point))
    except (TypeError, ValueError, ZeroDivisionError):
        return ""
    if not math.isfinite(ratio.real) or abs(ratio.imag) > 1e-20:
        return ""
    near = Fraction(ratio.real).limit_denominator(1000)
    if near in (0, 1) or abs(ratio.real - near) > 1e-12 * abs(ratio.real):
        return ""
    c = sp.Rational(near.numerator, near.denominator)
    differences = [cv - c * tv for cv, tv in pairs]
    symbols = set().union(*(d.free_symbols for d in differences))
    for _ in range(2):
        at = _point(symbols, rng)
        if any(_apart(d, at) for d in differences):
            return ""
    if not all(is_zero(d) for d in differences):
        return ""
    return f"{c} times {subject}{_meaning(c, m)}"


def _meaning(c: sp.Rational, m: int) -> str:
    if c == -1:
        return " (a flipped sign)"
    if m == 1 or abs(c) not in (m, sp.Rational(1, m)):
        return ""
    scale = "1/m missing" if abs(c) == m else "an extra 1/m"
    return f" ({scale}{' and a flipped sign' if c < 0 else ''}, m = {m})"


def shapes_for(trees) -> tuple[tuple[int, int, int], ...]:
    names = set().union(*(names_in(t) for t in trees))
    two = bool(names & LAYERED)
    return (OVER_EXAMPLES if names & {"m", "J"} else PER_EXAMPLE)[two]


def _transposed(sides, rng: random.Random) -> bool:
    """The two sides have transposed shapes and are equal once one is transposed."""
    if sides is None or sides[0].shape == sides[1].shape or sides[0].shape != sides[1].T.shape:
        return False
    return matrices_equal(sides[0], sides[1].T, rng)[0] is True


def _values_differ(sides) -> bool:
    return sides is not None and sides[0].shape == sides[1].shape


def _shown(shape: tuple[int, int, int], two: bool) -> tuple[int, ...]:
    """A shape as its network names it: (n_x, m) for the 1-layer network, which has no n_h."""
    return shape if two else (shape[0], shape[2])


def _about_the_activation(node) -> bool:
    """Whether a tree names the hidden activation itself: g, g', g^{[1]}, g^{[1]'} or the
    derivative of a^{[1]} in z^{[1]}."""
    if isinstance(node, list):
        return any(_about_the_activation(part) for part in node)
    if not isinstance(node, tuple):
        return False
    if node[0] == "call" and node[1] in ("g", "g'", "g1", "g1'"):
        return True
    if node[0] == "deriv" and node[1][0] == "name" and node[1][1].key in ("a1", "A1") \
            and node[2].key in ("z1", "Z1"):
        return True
    return any(_about_the_activation(part) for part in node[1:])


def _as_a_step(left, right) -> tuple | None:
    """`w := w - \\alpha\\, dw` (or `w \\leftarrow ...`) is a gradient-descent step, not an
    equation (as one it was false, or unreadable at \\alpha): the new w is w - alpha dw, which
    the right side must equal (`w + \\alpha dw`, an ascent, is false). None: not a step."""
    if left[0] != "name" or left[1].key not in PARAMETERS or left[1].index:
        return None
    if "alpha" not in names_in(right):  # a rate of its own (`w := w - 0.01\, dw`): the number
        right = _rate_named(right, ("grad", left[1]))  # is the notes' alpha, as `\alpha =
        # 0.01` would give it (as an equation it was false: w is not w - 0.01 dw)
    if right is None or not {left[1].key, "alpha"} <= names_in(right):
        return None
    step = ("neg", ("mul", [("name", Name("alpha")), ("grad", left[1])]))
    return (("add", [left, step]), right)


def _rate_named(tree, gradient):
    """`tree` with the positive number that multiplies `gradient` (`0.01 dw`) read as alpha;
    None if no product of the gradient has exactly one such number."""
    if not isinstance(tree, tuple):
        return tree
    if tree[0] == "mul" and gradient in tree[1]:
        numbers = [f for f in tree[1] if f[0] == "num" and f[1] > 0]
        if len(numbers) == 1:
            return ("mul", [("name", Name("alpha")) if f is numbers[0] else f for f in tree[1]])
        return None
    parts = [_rate_named(part, gradient) if isinstance(part, tuple) else
             [_rate_named(p, gradient) for p in part] if isinstance(part, list) else part
             for part in tree[1:]]
    if any(p is None or isinstance(p, list) and None in p for p in parts):
        return None
    return (tree[0], *parts)


def _from_the_output(node) -> bool:
    """A gradient, a derivative, the loss, the cost, the prediction or a^{[2]}: what depends
    on which layer is the output (the forward pass's Z^{[2]} = W^{[2]} A^{[1]} + b^{[2]} is
    layer 2's in a deeper network too)."""
    if isinstance(node, tuple) and node:
        if node[0] in ("grad", "deriv") or (node[0] == "call" and node[1] in ("L", "J")):
            return True
        if node[0] == "name" and (node[1].base in ("yhat", "Yhat") or node[1].key in ("a2", "A2")):
            return True  # a^{[2]}: the output of nnspec's network, hidden in a deeper one
        return any(_from_the_output(part) for part in node[1:])
    if isinstance(node, list):
        return any(_from_the_output(part) for part in node)
    return False


@dataclass(frozen=True)
class Link:
    """`left = right`, both LaTeX as in the notes."""

    left: str
    right: str
    hidden: str = "sigmoid"  # the hidden activation the notes define (extract.hidden_of)
    loss: Loss = CROSS_ENTROPY  # the loss the notes define (extract.losses)
    deeper: str = ""  # where the section's network has a layer beyond 2 (extract.deeper_sections)

    def describe(self) -> str:
        sides = (notation.normalise(side).strip().replace("YH@", "\\hat{Y}").replace(
            "Y@", "\\hat{y}")  # the parser's tokens
                 for side in (self.left, self.right))
        return " = ".join(sides)

    def run(self) -> Outcome:
        try:
            trees = (notation.parse(self.left), notation.parse(self.right))
        except notation.Unreadable as exc:
            return Outcome(None, f"the notation table cannot read it: {exc}")
        defines = trees[0][1] if trees[0][0] == "call" else getattr(trees[0][1], "key", "")
        if self.loss.tex and self.right == self.loss.tex and defines in ("L", "J"):
            what = ("loss" if defines == "L" else
                    "cost, whose value on one example (m = 1) is the loss L,")
            return Outcome(None, f"the notes' own {what} not the cross-entropy (it has no "
                           "logarithm): nothing to check it against; the formulas that "
                           "follow are checked with it")
        if self.deeper and any(map(_from_the_output, trees)):
            return Outcome(None, f"the section's network has more than two layers "
                           f"({self.deeper}), and this depends on which layer is the output: "
                           "nnspec's definitions have two, the second the output")
        if any(t[0] == "num" for t in trees) and any(
                t[0] == "name" and t[1].base in ("L", "J") and not t[1].index for t in trees):
            return Outcome(None, "a value of L or J (the course's L is also the number of "
                           "layers: L = 2): nothing to check it against")
        if set().union(*map(names_in, trees)) == {"alpha"}:  # `\alpha = 0.01`
            return Outcome(None, "a value of the learning rate: the notes' choice, nothing to "
                           "check it against")
        stepped = _as_a_step(*trees)
        out = self._verdict(stepped or trees)
        if stepped is None:
            return out
        name = trees[0][1]
        return replace(out, detail=f"a gradient-descent step, the new {name} = {name} - alpha "
                       f"d{name}: {out.detail}")

    def _verdict(self, trees) -> Outcome:
        if self.hidden not in MODELLED:
            return either_hidden(lambda h: replace(self, hidden=h).run(), self.hidden,
                                 any(_about_the_activation(t) for t in trees))
        shapes = shapes_for(trees)
        two = bool(set().union(*(names_in(t) for t in trees)) & LAYERED)
        failures: list = []
        try:
            out = self._judge(trees, shapes, two, AS_WRITTEN, failures=failures,
                              hidden=self.hidden)
        except notation.Unreadable as exc:
            return Outcome(None, f"the notation table cannot read it: {exc}")
        if out.ok is not False:
            return out
        for reading in CONVENTIONS:
            try:
                alt = self._judge(trees, shapes, two, reading, first_failure=True,
                                  hidden=self.hidden)
            except notation.Unreadable:
                continue
            if alt.ok:
                return Outcome(False, f"{out.detail}; holds under: {reading.name}",
                               out.evidence, convention=reading.name)
        values_differ = any(_values_differ(sides) for _, _, sides in failures)
        if two and values_differ and self._holds_with_other(trees, shapes):
            return Outcome(False, f"{out.detail}; {hidden_hint(self.hidden)}", out.evidence)
        return out

    def _holds_with_other(self, trees, shapes) -> bool:
        """Whether the link holds with the other hidden activation (tanh for notes that define
        sigma): a hint, not a verdict (a section on the course's tanh network is held to the
        notes' own definition)."""
        try:
            return self._judge(trees, shapes, True, AS_WRITTEN, first_failure=True,
                               hidden=other_hidden(self.hidden)).ok is True
        except notation.Unreadable:
            return False

    def _judge(self, trees, shapes, two: bool, reading: Reading, first_failure: bool = False,
               hidden: str = "sigmoid", failures: list | None = None) -> Outcome:
        """The verdict on every shape; with `first_failure`, False at the first shape where
        the sides differ (a convention is only asked whether it makes the formula hold).
        `failures` gets the (shape, why, sides) of each shape where they differ."""
        rng = random.Random(SEED)
        names = "(n_x, n_h, m)" if two else "(n_x, m)"
        failures = [] if failures is None else failures
        passing, unproven = [], ""
        for shape in shapes:
            if first_failure and failures:
                break
            net = Network(*shape, two_layer=two, hidden=hidden, loss=self.loss)
            try:
                ok, why, left, right = _every_example(net, reading, trees, rng)
            except NonConforming as exc:
                failures.append((shape, str(exc), None))
                continue
            if ok is False:
                failures.append((shape, why, (left, right)))
            else:
                passing.append(shape)
                unproven = unproven or (why if ok is None else "")
        where = f"{len(shapes)} shapes {names} in {[_shown(s, two) for s in shapes]}"
        if failures:
            # shapes that do not fit first, else the smallest shape where the values differ
            shape, why, sides = min(failures, key=lambda f: (_values_differ(f[2]),
                                                             math.prod(f[0])))
            explain = _values_differ(sides) and not first_failure  # a convention's is not shown
            times = factor(sides[1], sides[0], shape[2], "the left side") if explain else ""
            why += f"; the right side is {times}" if times else ""
            if not first_failure and _transposed(sides, rng):
                why += "; the right side is the left side transposed (a transpose missing or " \
                       "too many)"
            holds = f"; holds only at {[_shown(s, two) for s in passing]}" if passing else ""
            return Outcome(False, f"not equal on {len(failures)} of {where}",
                           f"at {names} = {_shown(shape, two)}: {why}{holds}")
        if unproven:
            return Outcome(None, f"{unproven} ({where})")
        return Outcome(True, f"equal entry by entry on {where}")


def _every_example(net: Network, reading: Reading, trees, rng: random.Random):
    """(equal?, why, left, right) of the two sides; with an example index outside any sum
    (`a^{(i)} = ...`), for every example i in turn, the first where they differ."""
    free = set().union(*(free_indices(t) for t in trees))
    if len(free) > 1:
        raise notation.Unreadable(f"example indices {sorted(free)} outside a sum")
    found = (True, "", None, None)
    for k in range(net.m) if free else [None]:
        index = {} if k is None else {next(iter(free)): k}
        left, right = (Evaluator(net, reading, index)(t) for t in trees)
        ok, why = matrices_equal(left, right, rng)
        if ok is False:
            return ok, (f"at example i = {k + 1}: {why}" if free else why), left, right
        found = found if found[0] is None else (ok, why, left, right)
    return found


@dataclass(frozen=True)
class Unread:
    """A part of a formula that is not a formula (words) or a relation the table cannot read."""

    reason: str

    def describe(self) -> str:
        return ""

    def run(self) -> Outcome:
        return Outcome(None, self.reason)
