"""What a parsed formula means, from the definitions alone, on concrete shapes.

Every name of the notation table is a quantity of one of the two networks of
nnspec.spec.definitions, built as a SymPy matrix of symbols of a concrete shape:
    1 layer:  x (n_x, m), y (1, m), w (n_x, 1), b (1, 1), z = w^T x + b, a = yhat = sigma(z),
              L = L(y, a) (one example), J = (1/m) sum_i L(y^(i), a^(i))
    2 layers: W1 (n_h, n_x), b1 (n_h, 1), W2 (1, n_h), b2 (1, 1), z1 = W1 x + b1,
              a1 = sigma(z1), z2 = W2 a1 + b2, a2 = sigma(z2), L = L(y, a2), J likewise
The vectorised notation's capitals X, Y, A, Z (A^{[k]}, Z^{[k]}) are x, y, a, z themselves,
whose columns are the examples: a formula in them is checked with m > 1 (`names_in`).
A formula with a layer superscript is read in the 2-layer network (its L is the 2-layer loss);
names without one (w, b, z, a) are the 1-layer network's, on the same x and y.
d F / d V is the derivative of F with V made a free variable (every quantity computed from V
recomputed from it), then evaluated at V's value; dV alone is dL/dV of V's network (over m
examples, outside a sum's example: dJ/dV for a parameter, dL_i/dV^(i) side by side for a
quantity with a column per example, as the vectorised notation writes dZ = A - Y). Shapes
follow the Reading (nnspec.spec.conventions); a product or a sum of non-conforming shapes
raises shapes.NonConforming, which makes the claim false with the shapes as evidence.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

import sympy as sp

from nnspec.spec import definitions as defs
from nnspec.spec.conventions import AS_WRITTEN, Reading
from nnspec.spec.notation import Name, Unreadable, parse
from nnspec.spec.shapes import NonConforming

ONE_LAYER = {"x", "y", "w", "b", "z", "a", "yhat", "m", "L", "J", "alpha"}
TWO_LAYER = {"x", "y", "W1", "b1", "W2", "b2", "z1", "a1", "z2", "a2", "m", "L", "J", "alpha"}
SHARED = {"x", "y", "m", "L", "J", "alpha"}
LEARNING_RATE = sp.Symbol("alpha", positive=True)  # \alpha, \eta: a gradient-descent step's
PARAMETERS = {"w", "b", "W1", "b1", "W2", "b2"}
HIDDEN_TEX = {"sigmoid": "\\sigma", "tanh": "\\tanh"}


MODELLED = ("sigmoid", "tanh")  # the hidden activations the definitions have


def either_hidden(run, hidden: str, about_the_activation: bool = False):
    """The outcome of `run(h)` for notes whose hidden activation the definitions do not have
    (`hidden` says what the notes wrote: a ReLU): a claim that holds, or fails, alike for a
    sigmoid and a tanh hidden layer does not depend on the activation (dW2 = dZ2 A1^T, written
    in A1); one that differs, or that is about the activation itself (g'(z), da1/dz1), is
    unchecked: read with a sigmoid, the ReLU notes' sigmoid derivative held."""
    from nnspec.spec.claims import Outcome

    why = (f"the notes define {hidden}, which nnspec's definitions do not have (a sigmoid or a "
           "tanh hidden layer)")
    if about_the_activation:
        return Outcome(None, f"about the hidden activation, and {why}")
    first = run("sigmoid")
    if first.ok is None:
        return first
    second = run("tanh")
    if second.ok is first.ok:
        return first
    held = "sigmoid" if first.ok else "tanh"
    return Outcome(None, f"holds for a {held} hidden layer only, and {why}")


def other_hidden(hidden: str) -> str:
    """The hidden activation the notes do not define, whose network gives the hint."""
    return "sigmoid" if hidden == "tanh" else "tanh"


def hidden_hint(hidden: str, listing: bool = False) -> str:
    """'it holds for a tanh hidden layer, but the notes define a^{[1]} = \\sigma(z^{[1]})'
    (or the other way round, for notes that define a tanh hidden layer); for a listing's
    value, 'it is what a tanh hidden layer gives, but ...'."""
    other = other_hidden(hidden)
    what = (f"it is what a {other} hidden layer gives" if listing
            else f"it holds for a {other} hidden layer")
    return f"{what}, but the notes define a^{{[1]}} = {HIDDEN_TEX[hidden]}(z^{{[1]}})"


# the vectorised notation's capitals: the same quantities, whose columns are the examples
CAPITALS = {"X": "x", "Y": "y", "Z": "z", "A": "a", "Z1": "z1", "A1": "a1", "Z2": "z2",
            "A2": "a2", "Yhat": "yhat"}


@dataclass(frozen=True)
class Loss:
    """The loss L the notes define: the cross-entropy with its arguments in the notes' order
    (`tex` empty), or a loss of their own (a squared error): `tex` is its right side, in the
    notes' names for the label and the prediction. Notes on a squared-error loss were false
    throughout, their definition included, read with the cross-entropy."""

    label_first: bool = True  # L(y, yhat) as the shipped notes define it; False: L(yhat, y)
    tex: str = ""

    def __call__(self, label: sp.Expr, prediction: sp.Expr) -> sp.Expr:
        if not self.tex:
            return defs.loss(label, prediction)
        value, symbols = own_loss(self.tex)
        return value.subs(dict(zip(symbols, (label, prediction))))


CROSS_ENTROPY = Loss()  # label first, as the shipped notes define it


@dataclass(frozen=True)
class WithOwnLoss:
    """A hand-bound prose claim's check, computed with the loss the notes define (a squared
    error) where it reads the loss: with the cross-entropy, "the loss is the Bernoulli negative
    log-likelihood" held in notes on a squared error."""

    check: Any
    loss: Loss
    line: int

    def describe(self) -> str:
        return self.check.describe()

    def run(self):
        from nnspec.spec.claims import Outcome

        try:
            with defs.notes_own_loss(self.loss) as read:
                out = self.check.run()
        except Exception as exc:  # noqa: BLE001 - a statement SymPy cannot decide for that loss
            return Outcome(None, f"about the loss, and the notes define their own (L = "
                           f"{self.loss.tex.strip()}, line {self.line}), on which it cannot "
                           f"be computed ({type(exc).__name__})")
        if not read:
            return out
        where = f"with the notes' own loss L = {self.loss.tex.strip()} (line {self.line})"
        return replace(out, detail=f"{out.detail} ({where})")


@functools.lru_cache(maxsize=16)
def own_loss(tex: str) -> tuple[sp.Expr, tuple[sp.Symbol, sp.Symbol]]:
    """The notes' own loss in two symbols (label, prediction); Unreadable, with the loss
    named, where the notation table cannot read it or it reads more than those two."""
    symbols = label, prediction = sp.Dummy("label"), sp.Dummy("prediction")
    one, out = sp.Matrix([[label]]), sp.Matrix([[prediction]])
    net = Network(1, 1, 1, False, free={"y": one, "a": out, "a2": out})
    try:
        tree = parse(tex)
        value = _scalar(Evaluator(net, AS_WRITTEN, dict.fromkeys(free_indices(tree), 0))(tree),
                        "the loss")
    except (Unreadable, NonConforming) as exc:
        raise Unreadable(f"the loss the notes define, {tex}, cannot be read ({exc})") from exc
    if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise Unreadable(f"the loss the notes define, {tex}, is not finite")
    if value.free_symbols - set(symbols):
        raise Unreadable(f"the loss the notes define, {tex}, reads more than the label and the "
                         "prediction")
    return value, symbols


@dataclass
class Network:
    """Both networks on one shape (n_x, n_h, m); `free` replaces a quantity by fresh symbols."""

    n_x: int
    n_h: int
    m: int
    two_layer: bool
    free: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)
    memo: dict = field(default_factory=dict)
    hidden: str = "sigmoid"  # the hidden layer's g: the notes' sigma, or tanh (only for a hint)
    loss: Loss = CROSS_ENTROPY  # the loss the notes define (extract.losses)

    def leaf(self, key: str) -> sp.Matrix:
        if key in self.data:
            return self.data[key]
        shapes = {"x": (self.n_x, self.m), "y": (1, self.m), "w": (self.n_x, 1), "b": (1, 1),
                  "W1": (self.n_h, self.n_x), "b1": (self.n_h, 1), "W2": (1, self.n_h),
                  "b2": (1, 1)}
        return defs.symbol_matrix(key, *shapes[key])

    def value(self, key: str) -> sp.Matrix:
        if key in self.free:
            return self.free[key]
        if key not in self.memo:
            self.memo[key] = self._compute(key)
        return self.memo[key]

    def _compute(self, key: str) -> sp.Matrix:
        ones = sp.ones(1, self.m)
        v = self.value
        if key in ("x", "y", "w", "b", "W1", "b1", "W2", "b2"):
            return self.leaf(key)
        if key == "z":
            return v("w").T * v("x") + v("b")[0, 0] * ones
        if key in ("a", "yhat"):
            return v("z").applyfunc(defs.sigma)
        if key == "z1":
            return v("W1") * v("x") + v("b1") * ones
        if key == "a1":
            return v("z1").applyfunc(defs.sigma if self.hidden == "sigmoid" else sp.tanh)
        if key == "z2":
            return v("W2") * v("a1") + v("b2") * ones
        if key == "a2":
            return v("z2").applyfunc(defs.sigma)
        if key == "L":
            if self.m != 1:
                raise Unreadable("L without an example: the notes' L is the loss of one example "
                                 "(a gradient dV is one of L: inside a sum over the examples it "
                                 "takes its example's index, dZ^{[1](i)})")
            out = v("a2" if self.two_layer else "a")
            return sp.Matrix([[self.loss(v("y")[0, 0], out[0, 0])]])
        if key == "J":  # (1/m) sum_i L(y^(i), a^(i))
            Y, A = v("y"), v("a2" if self.two_layer else "a")
            return sp.Matrix([[sp.Rational(1, self.m) * sum(
                self.loss(Y[0, j], A[0, j]) for j in range(self.m))]])
        if key == "m":
            return sp.Matrix([[sp.Integer(self.m)]])
        if key == "alpha":
            return sp.Matrix([[LEARNING_RATE]])
        raise Unreadable(f"{key} is not a quantity of the notes' networks")

    def signature(self) -> tuple:
        """What every value of the network is computed from (a derivative's memo key)."""
        frozen = lambda d: tuple(sorted((k, sp.ImmutableMatrix(v)) for k, v in d.items()))
        return (self.n_x, self.n_h, self.m, self.two_layer, frozen(self.free), frozen(self.data),
                self.hidden, self.loss)

    def example(self, k: int) -> Network:
        """The same parameters on example k alone (m = 1)."""
        data = {"x": self.value("x")[:, k], "y": self.value("y")[:, k]}
        return Network(self.n_x, self.n_h, 1, self.two_layer, dict(self.free), data,
                       hidden=self.hidden, loss=self.loss)

    def with_free(self, key: str, fresh: sp.Matrix) -> Network:
        data = {k: self.value(k) for k in ("x", "y")}
        return Network(self.n_x, self.n_h, self.m, self.two_layer, {**self.free, key: fresh}, data,
                       hidden=self.hidden, loss=self.loss)


def _scalar(value: sp.Matrix, what: str) -> sp.Expr:
    if value.shape != (1, 1):
        raise NonConforming(what, value.shape, (1, 1))
    return value[0, 0]


def matmul(left: sp.Matrix, right: sp.Matrix, reading: Reading) -> sp.Matrix:
    """Juxtaposition: the matrix product, a (1, 1) factor acting as a scalar."""
    if left.shape == (1, 1):
        return left[0, 0] * right
    if right.shape == (1, 1):
        return right[0, 0] * left
    if reading.elementwise_vectors and left.shape == right.shape:
        return left.multiply_elementwise(right)
    if left.shape[1] != right.shape[0]:
        raise NonConforming("matrix product", left.shape, right.shape)
    return left * right


def elementwise(left: sp.Matrix, right: sp.Matrix) -> sp.Matrix:
    if left.shape == (1, 1) or right.shape == (1, 1):
        return matmul(left, right, Reading())
    if left.shape != right.shape:
        raise NonConforming("element-wise product", left.shape, right.shape)
    return left.multiply_elementwise(right)


def add(left: sp.Matrix, right: sp.Matrix, reading: Reading | None = None) -> sp.Matrix:
    """A sum; a (1, 1) term is a scalar added to every entry (the notes' 1 - a^{[1]}); with
    the reading's `broadcast_columns`, an (n, 1) column is added to each column of an (n, m)
    matrix (W X + b, as NumPy computes it)."""
    if left.shape == (1, 1) and right.shape != (1, 1):
        return sp.ones(*right.shape) * left[0, 0] + right
    if right.shape == (1, 1) and left.shape != (1, 1):
        return left + sp.ones(*left.shape) * right[0, 0]
    if reading is not None and reading.broadcast_columns and left.rows == right.rows \
            and 1 in (left.cols, right.cols):
        column, matrix = (left, right) if left.cols == 1 else (right, left)
        return matrix + column * sp.ones(1, matrix.cols)
    if left.shape != right.shape:
        raise NonConforming("sum", left.shape, right.shape)
    return left + right


# the claims of one notes take the same derivatives (dL/dW1 on the same shapes) many times;
# the most recently used DERIVATIVES_KEPT are kept (a process may verify many notes)
DERIVATIVES_KEPT = 512
_DERIVATIVES: OrderedDict = OrderedDict()


@dataclass
class Evaluator:
    """Evaluate a notation tree in a Network under a Reading."""

    net: Network
    reading: Reading
    index: dict = field(default_factory=dict)

    def __call__(self, node) -> sp.Matrix:
        return getattr(self, "_" + node[0])(*node[1:])

    def _num(self, value) -> sp.Matrix:
        return sp.Matrix([[sp.Rational(value.numerator, value.denominator)]])

    def _key(self, name: Name) -> str:
        if name.key in ("yhat", "Yhat"):  # the network's output: a^{[2]} in a 2-layer formula
            return "a2" if self.net.two_layer else "a"
        key = name.key
        key = CAPITALS.get(key, key)
        if key not in ONE_LAYER | TWO_LAYER:
            raise Unreadable(f"{name} is not in the notation table")
        return key

    def _name(self, name: Name) -> sp.Matrix:
        key = self._key(name)
        net = self.net
        index = name.index or name.power
        if index is not None:
            if index not in self.index:
                raise Unreadable(f"{name}: index {index} outside a sum over examples")
            net = net.example(self.index[index])
        value = net.value(key)
        if name.power and not self.reading.superscript_index:
            # as written, y^i is a power: the label of example i to the power i
            k = self.index[name.power] + 1
            value = value.applyfunc(lambda e: e ** k)
        return value.T if name.transposed else value

    def _grad(self, name: Name) -> sp.Matrix:
        key = self._key(name)
        owner = self.net if key in SHARED or (key in TWO_LAYER) == self.net.two_layer else \
            Network(self.net.n_x, self.net.n_h, self.net.m, not self.net.two_layer,
                    data={k: self.net.value(k) for k in ("x", "y")}, hidden=self.net.hidden,
                    loss=self.net.loss)
        if name.index is not None:  # dZ^{[2](i)}: the gradient of example i's own loss
            if name.index not in self.index:
                raise Unreadable(f"{name}: index {name.index} outside a sum over examples")
            owner = owner.example(self.index[name.index])
        # dV is the update direction of V: always V's shape, whatever the layout convention
        sub = Evaluator(owner, replace(self.reading, row_layout=False), self.index)
        value = sub._derivative(self._loss_of(key, name), Name(name.base, name.layer))
        return value.T if name.transposed else value

    def _loss_of(self, key: str, name: Name):
        """What dV differentiates: the loss L of one example; over the m examples (outside a
        sum's example, as the vectorised notation writes dW = (1/m) dZ A^T), the cost J for a
        parameter, and for a quantity with a column per example (dZ = A - Y) the sum of the
        losses, whose column i is dL/dz of example i."""
        if self.net.m == 1 or self.index or name.index is not None:
            return ("name", Name("L"))
        if key in PARAMETERS:
            return ("call", "J", [])
        return ("mul", [("num", Fraction(self.net.m)), ("call", "J", [])])

    def _deriv(self, of, wrt: Name) -> sp.Matrix:
        return self._derivative(of, wrt)

    def _derivative(self, of, wrt: Name) -> sp.Matrix:
        memo = (self.net.signature(), self.reading, tuple(sorted(self.index.items())), repr(of),
                repr(wrt))
        if memo in _DERIVATIVES:
            _DERIVATIVES.move_to_end(memo)
        else:
            _DERIVATIVES[memo] = self._derive(of, wrt)
            if len(_DERIVATIVES) > DERIVATIVES_KEPT:
                _DERIVATIVES.popitem(last=False)
        return _DERIVATIVES[memo].as_mutable()

    def _derive(self, of, wrt: Name) -> sp.ImmutableMatrix:
        key = self._key(wrt)
        at = self.net.value(key)
        fresh = defs.symbol_matrix("v" + key, *at.shape)
        inner = Evaluator(self.net.with_free(key, fresh), self.reading, self.index)
        f = inner(of)
        back = dict(zip(fresh, at))
        if f.shape == (1, 1):
            grad = fresh.applyfunc(lambda s: sp.diff(f[0, 0], s))
            if self.reading.row_layout:
                grad = grad.T
        elif f.shape[1] == 1 and fresh.shape[1] == 1:
            jac = f.jacobian(fresh)  # d f_i / d v_j
            if self.reading.elementwise_vectors and jac.is_diagonal() and f.shape == fresh.shape:
                grad = sp.Matrix([jac[i, i] for i in range(jac.shape[0])])
            else:
                grad = jac if self.reading.row_layout else jac.T
        else:
            raise Unreadable(f"d{_show(of)}/d{wrt}: the derivative of a {f.shape} quantity in a "
                             f"{fresh.shape} one has {4 if f.shape[1] > 1 else 3} indices, not "
                             "a matrix")
        grad = grad.xreplace(back)
        return sp.ImmutableMatrix(grad.T if wrt.transposed else grad)

    def _add(self, terms) -> sp.Matrix:
        total = self(terms[0])
        for t in terms[1:]:
            total = add(total, self(t), self.reading)
        return total

    def _neg(self, node) -> sp.Matrix:
        return -self(node)

    def _mul(self, factors) -> sp.Matrix:
        out = self(factors[0])
        for f in factors[1:]:
            out = matmul(out, self(f), self.reading)
        return out

    def _ew(self, left, right) -> sp.Matrix:
        return elementwise(self(left), self(right))

    def _div(self, num, den) -> sp.Matrix:
        """A fraction divides entry by entry: \\frac{1}{1 + e^{-Z}} is sigma of each entry (a
        matrix has no other quotient), and a scalar denominator divides every entry."""
        top, bottom = self(num), self(den)
        if bottom.shape == (1, 1):
            return top / bottom[0, 0]
        if top.shape == (1, 1):
            top = sp.ones(*bottom.shape) * top[0, 0]
        if top.shape != bottom.shape:
            raise NonConforming("entry-wise division", top.shape, bottom.shape)
        return top.multiply_elementwise(bottom.applyfunc(lambda v: 1 / v))

    def _transpose(self, node) -> sp.Matrix:
        return self(node).T

    def _pow(self, base, exp) -> sp.Matrix:
        """A power is entry by entry, as NumPy's `**`: the course's tanh' is 1 - A^{[1]2}, and
        a column of activations has no square as a matrix."""
        return self(base).applyfunc(lambda e: e ** exp)

    def _dot(self, left, right) -> sp.Matrix:
        """`\\cdot`: the matrix product where the shapes conform, and between two columns of
        one shape the dot product (\\omega \\cdot x = w^T x), which no product of the two
        columns as written could mean."""
        lhs, rhs = self(left), self(right)
        if lhs.shape == rhs.shape and lhs.shape[1] == 1 and lhs.shape[0] > 1:
            return lhs.T * rhs
        return matmul(lhs, rhs, self.reading)

    def _call(self, func: str, args) -> sp.Matrix:
        if func == "J":
            return self.net.value("J")
        values = [self(a) for a in args]
        if func.rstrip("'") in ("g", "g1", "g2"):  # the hidden layer's g (the notes'), or
            hidden = func.rstrip("'") != "g2"  # the output's sigma; of any argument
            func = ("tanh" if hidden and self.net.hidden == "tanh" else "sigma") + \
                ("'" if func.endswith("'") else "")
        if func.rstrip("'") in ("sigma", "log", "exp", "tanh") and len(values) == 1:
            f = {"sigma": defs.sigma, "log": sp.log, "exp": sp.exp,
                 "tanh": sp.tanh}[func.rstrip("'")]
            if func.endswith("'"):  # sigma' is sigma (1 - sigma) by its proven lemma
                t = sp.Dummy("t", real=True)
                f = sp.Lambda(t, sp.diff(f(t), t))
            return values[0].applyfunc(f)
        if func == "L" and len(values) == 2:
            label, prediction = values if self.net.loss.label_first else values[::-1]
            return sp.Matrix([[self.net.loss(_scalar(label, "L of more than one example"),
                                             _scalar(prediction, "L of more than one example"))]])
        raise Unreadable(f"{func} with {len(values)} arguments")

    def _sum(self, var: str, lower: str, upper: str, body) -> sp.Matrix:
        if lower != "1" or upper != "m":
            raise Unreadable(f"a sum from {lower} to {upper}: only sums over the m examples")
        total = None
        for k in range(self.net.m):
            term = Evaluator(self.net, self.reading, {**self.index, var: k})(body)
            total = term if total is None else add(total, term)
        return total

    def _prob(self, label: Name, given: Name) -> sp.Matrix:
        if self._key(label) != "y" or self._key(given) != "x":
            raise Unreadable(f"P({label}|{given}): only P(y|x)")
        a = self.net.value("a2" if self.net.two_layer else "a")
        if self.reading.probability_of_one:
            return a
        y = self.net.value("y")
        return sp.Matrix([[sp.exp(-defs.loss(y[0, 0], a[0, 0]))]])


def _show(node) -> str:
    if node[0] == "name":
        return str(node[1])
    if node[0] == "call":
        return f"{node[1]}(...)"
    return "(...)"


def free_indices(node, bound: frozenset = frozenset()) -> set[str]:
    """Example indices named outside any sum over them: `a^{(i)} = \\sigma(w^T x^{(i)} + b)`
    states something of every example i."""
    if isinstance(node, Name):
        index = node.index or node.power
        return {index} if index and index not in bound else set()
    out: set[str] = set()
    if isinstance(node, tuple):
        if node[0] == "sum":
            return free_indices(node[4], bound | {node[1]})
        for part in node[1:]:
            out |= free_indices(part, bound)
    elif isinstance(node, list):
        for part in node:
            out |= free_indices(part, bound)
    return out


def names_in(node) -> set[str]:
    """Keys of every quantity named in a tree (to choose the network and the shapes)."""
    out: set[str] = set()
    if isinstance(node, Name):  # a capital is vectorised: checked on several examples (m)
        if node.index or node.power:  # an example of several: m too
            return {CAPITALS.get(node.key, node.key), "m"}
        return {CAPITALS[node.key], "m"} if node.key in CAPITALS else {node.key}
    if isinstance(node, tuple):
        if node[0] == "sum":
            out.add("m")
        if node[0] == "call" and node[1] == "J":
            out.add("J")
        for part in node[1:]:
            out |= names_in(part)
    elif isinstance(node, list):
        for part in node:
            out |= names_in(part)
    return out
