"""Section "2-layer neural network": the per-example back-propagation formulas, on shapes.

The notes write one example at a time (lower-case x, y, a): each formula is transcribed with
shapes.mm (matrix product) and shapes.ew (element-wise product) and compared, entry by entry,
with the gradient of the loss from the axioms (definitions.TwoLayer with m = 1), for every
(n_x, n_h) in 1..4 -- errors of transposition hide when n_h == 1 or n_x == n_h. Their vectorised
forms over m examples (1/m dZ X^T, 1/m sum over axis 1) are checked over (n_x, n_h, m) in 1..4.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, cached_property

import sympy as sp

from nnspec.derivations import symbols as S
from nnspec.spec import definitions as defs
from nnspec.spec import shapes
from nnspec.spec.claims import Claim, Outcome
from nnspec.spec.shapes import ew, mm
from nnspec.spec.verify import Computed, MatrixEqual

a, y, z = sp.symbols("a y z", real=True)


@dataclass(frozen=True)
class Example:
    """One example of the 2-layer network: x (n_x, 1), y (1, 1), a1 (n_h, 1), a2 (1, 1).

    `a1_free` / `z1_free` are fresh symbols for derivatives with respect to a1 and z1.
    """

    n_x: int
    n_h: int
    m: int = 1
    gradients: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def gradient(self, name: str) -> sp.Matrix:
        """dJ/d(parameter) from definitions.gradient, computed once per shape.

        On the proof shapes (and m = 1) J itself is differentiated. Elsewhere in the sweep,
        J = (1/m) sum_i L_i gives dJ/dtheta = (1/m) sum_i dL_i/dtheta: the per-example gradient
        (definitions.gradient at m = 1) with the data of example i renamed in; `linearity_check`
        holds this shortcut to the direct derivative.
        """
        if name not in self.gradients:
            shape = (self.n_x, self.n_h, self.m)
            if self.m == 1 or shape in shapes.PROOF_TWO_LAYER_VECTORISED:
                self.gradients[name] = defs.gradient(self.L, getattr(self, name))
            else:
                self.gradients[name] = self.gradient_by_examples(name)
        return self.gradients[name]

    def gradient_by_examples(self, name: str) -> sp.Matrix:
        one = example(self.n_x, self.n_h)
        per_example = one.gradient(name)
        total = sp.zeros(*per_example.shape)
        for i in range(self.m):
            rename = {one.X[k, 0]: self.X[k, i] for k in range(self.n_x)}
            rename[one.Y[0, 0]] = self.Y[0, i]
            total += per_example.xreplace(rename)
        return total / self.m

    @cached_property
    def p(self) -> defs.TwoLayer:
        return defs.TwoLayer(self.n_x, self.n_h, self.m)

    @cached_property
    def f(self) -> dict[str, sp.Matrix]:
        return self.p.forward()

    # symbol matrices built once per example (definitions.TwoLayer builds them on each access)
    X = cached_property(lambda self: self.p.X)
    Y = cached_property(lambda self: self.p.Y)
    x = property(lambda self: self.X)  # the notes' lower case: one example (m = 1)
    y = property(lambda self: self.Y)
    W1 = cached_property(lambda self: self.p.W1)
    b1 = cached_property(lambda self: self.p.b1)
    W2 = cached_property(lambda self: self.p.W2)
    b2 = cached_property(lambda self: self.p.b2)
    z1 = cached_property(lambda self: self.f["Z1"])
    a1 = cached_property(lambda self: self.f["A1"])
    z2 = cached_property(lambda self: self.f["Z2"])
    a2 = cached_property(lambda self: self.f["A2"])

    @cached_property
    def L(self) -> sp.Expr:
        return self.p.J()

    @cached_property
    def a1_free(self) -> sp.Matrix:
        return defs.symbol_matrix("s", self.n_h, 1)

    def a2_of(self, a1: sp.Matrix) -> sp.Matrix:
        return (self.W2 * a1 + self.b2).applyfunc(defs.sigma)

    @cached_property
    def z1_free(self) -> sp.Matrix:
        return defs.symbol_matrix("u", self.n_h, 1)


@cache
def example(n_x: int, n_h: int, m: int = 1) -> Example:
    """One shared Example per shape, so each gradient is derived once for all claims."""
    return Example(n_x, n_h, m)


def _per_example(claimed, reference, text, conventions=()) -> MatrixEqual:
    return MatrixEqual(build=lambda s: example(s[0], s[1]), claimed=claimed, reference=reference,
                       sweep=tuple(shapes.two_layer_shapes(per_example=True)),
                       proof_shapes=shapes.PROOF_TWO_LAYER, text=text, conventions=conventions,
                       shape_names="(n_x, n_h, m)")


# --- the derivation from the axioms, factor by factor ----------------------------------------


def loss_of_a1(q: Example) -> sp.Expr:
    return defs.loss(q.y[0, 0], q.a2_of(q.a1_free)[0, 0])


def corrected_dW1(q: Example) -> sp.Matrix:
    return mm(ew(mm(q.W2.T, q.a2 - q.y), ew(q.a1, sp.ones(q.n_h, 1) - q.a1)), q.x.T)


def vectorised(q: Example) -> dict[str, sp.Matrix]:
    """The course's vectorised backward pass: dZ2 = A2 - Y, dZ1 = W2^T dZ2 * A1 (1 - A1)."""
    if "vectorised" not in q.gradients:
        q.gradients["vectorised"] = _vectorised_pass(q)
    return q.gradients["vectorised"]


def _vectorised_pass(q: Example) -> dict[str, sp.Matrix]:
    ones_m = sp.ones(q.m, 1)
    dZ2 = q.a2 - q.Y
    dZ1 = ew(mm(q.W2.T, dZ2), ew(q.a1, sp.ones(q.n_h, q.m) - q.a1))
    inv = sp.Rational(1, q.m)
    return {"dW2": inv * mm(dZ2, q.a1.T), "db2": inv * mm(dZ2, ones_m),
            "dW1": inv * mm(dZ1, q.X.T), "db1": inv * mm(dZ1, ones_m)}


def linearity_check(shape: tuple[int, int, int] = (2, 3, 3)) -> bool:
    """gradient_by_examples equals definitions.gradient of J itself, exactly (every parameter)."""
    q = Example(*shape)
    return all(sp.cancel(e) == 0 for name in ("W1", "b1", "W2", "b2")
               for e in q.gradient_by_examples(name) - defs.gradient(q.L, getattr(q, name)))


# --- computed prose and shape statements ----------------------------------------------------

def parameter_groups(p) -> set[str]:
    data = set(p.X) | set(p.Y)
    return {s.name.split("_")[0] for s in p.J().free_symbols - data}


def _two_sets() -> Outcome:
    one, two = parameter_groups(defs.LogReg(2, 1)), parameter_groups(defs.TwoLayer(2, 3, 1))
    weights = sorted(g for g in two if g.startswith("W"))
    biases = sorted(g for g in two if g.startswith("b"))
    ok = len(weights) == 2 and len(biases) == 2 and one == {"w", "b"}
    return Outcome(ok, f"1 layer: {sorted(one)}; 2 layers: weights {weights}, biases {biases}")


def _w1_is_matrix() -> Outcome:
    shapes_w1 = {(n_x, n_h): defs.TwoLayer(n_x, n_h, 1).W1.shape
                 for n_x, n_h, _ in shapes.two_layer_shapes(per_example=True)}
    ok = all(s == (n_h, n_x) for (n_x, n_h), s in shapes_w1.items())
    return Outcome(ok, "W1 is (n_h, n_x): one row per hidden unit, a matrix (a single column "
                   "only when n_x = 1); w of the 1-layer network is (n_x, 1)")


def listed_parameters(tex: str) -> list[str]:
    return [f"{letter}{layer}" for letter, layer in re.findall(r"([Wb])\^\{\[(\d)\]\}", tex)]


def _warning_as_written() -> Outcome:
    q = example(2, 3)
    row, col = mm(q.a2 - q.y, q.W2), ew(sp.ones(3, 1) - q.a1, q.a1)
    try:
        shapes.mm(ew(row, col), q.x)
    except shapes.NonConforming as exc:
        return Outcome(False, "with the notes' shapes the element-wise product does not give "
                       "the right dimensions", f"at (n_x, n_h) = (2, 3): {exc}")
    return Outcome(True, "")


def _warning_in_column_layout() -> Outcome:
    q = example(2, 3)
    col_grad, deriv = mm(q.W2.T, q.a2 - q.y), ew(sp.ones(3, 1) - q.a1, q.a1)
    try:
        mm(col_grad, deriv)
        matrix_product_conforms = True
    except shapes.NonConforming:
        matrix_product_conforms = False
    result = mm(ew(col_grad, deriv), q.x.T)
    ok = not matrix_product_conforms and result.shape == q.W1.shape
    return Outcome(ok, "with W2^T (a2 - y) the element-wise product gives (n_h, 1) and then "
                   f"(n_h, n_x) = {result.shape}; a matrix product of the two (n_h, 1) columns "
                   "would not conform. The product is element-wise because the activation acts "
                   "entry by entry (its Jacobian is diagonal)")


def claims() -> list[Claim]:
    fwd, bwd = S.TWO_FORWARD, S.TWO_BACKWARD
    return [
        Claim("two.fwd.two-sets", fwd, "The main difference with the case of 1 layer is that "
              "now there are two sets of weights and biases.", "prose statement",
              Computed(_two_sets, "parameter groups of J")),
        Claim("two.fwd.w1-matrix", fwd, "Moreover, the first set of weights is not a 1-column "
              "vector but a matrix.", "shape/dimension", Computed(_w1_is_matrix, "W1.shape")),
        Claim("two.bwd.elementwise-warning", bwd, "Warning: the element-wise product is "
              "necessary to have the right dimensions at the end.", "prose statement",
              Computed(_warning_as_written, "shapes through the notes' dW1",
                       conventions=(("the column layout W^{[2]T}(a^{[2]}-y)",
                                     _warning_in_column_layout),))),
    ]
