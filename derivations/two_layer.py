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


def _vectorised(claimed, reference, text) -> MatrixEqual:
    return MatrixEqual(build=lambda s: example(*s), claimed=claimed, reference=reference,
                       sweep=tuple(shapes.two_layer_shapes(per_example=False)),
                       proof_shapes=shapes.PROOF_TWO_LAYER_VECTORISED, text=text,
                       shape_names="(n_x, n_h, m)")


def _grad(name: str):
    return lambda q: q.gradient(name)


# --- the derivation from the axioms, factor by factor ----------------------------------------

def dL_da2(q: Example) -> sp.Expr:
    return sp.diff(defs.loss(y, a), a).subs({a: q.a2[0, 0], y: q.y[0, 0]})


def da2_dz2(q: Example) -> sp.Expr:
    return sp.diff(defs.sigma(z), z).subs(z, q.z2[0, 0])


def dz2_of(q: Example, wrt: sp.Matrix) -> sp.Matrix:
    return defs.gradient(q.z2[0, 0], wrt)


def loss_of_a1(q: Example) -> sp.Expr:
    return defs.loss(q.y[0, 0], q.a2_of(q.a1_free)[0, 0])


def jacobian_a1_z1(q: Example) -> sp.Matrix:
    return q.z1_free.applyfunc(defs.sigma).jacobian(q.z1_free)


def dz1_dW1(q: Example) -> sp.Array:
    return sp.derive_by_array(list(q.z1), q.W1)


def chain_contraction(q: Example) -> sp.Matrix:
    """dL/dW1[j, k] = sum_i,l dL/da1_i * da1_i/dz1_l * dz1_l/dW1[j, k] (multivariate chain)."""
    dL_da1 = defs.gradient(loss_of_a1(q), q.a1_free).xreplace(
        dict(zip(q.a1_free, q.a1)))
    jac = jacobian_a1_z1(q).xreplace(dict(zip(q.z1_free, q.z1)))
    dz = dz1_dW1(q)
    return sp.Matrix(q.n_h, q.n_x, lambda j, k: sum(
        dL_da1[i] * jac[i, l] * dz[j, k, l] for i in range(q.n_h) for l in range(q.n_h)))


def corrected_dW1(q: Example) -> sp.Matrix:
    return mm(ew(mm(q.W2.T, q.a2 - q.y), ew(q.a1, sp.ones(q.n_h, 1) - q.a1)), q.x.T)


def corrected_db1(q: Example) -> sp.Matrix:
    return ew(mm(q.W2.T, q.a2 - q.y), ew(q.a1, sp.ones(q.n_h, 1) - q.a1))


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


def _parameters_listed(tex: str) -> Outcome:
    listed = listed_parameters(tex)
    actual = parameter_groups(defs.TwoLayer(2, 3, 1))
    missing, twice = actual - set(listed), sorted({n for n in listed if listed.count(n) > 1})
    ok = len(listed) == len(actual) and set(listed) == actual
    return Outcome(ok, f"the cost depends on {sorted(actual)}; the notes list {listed}",
                   f"missing {sorted(missing)}, listed twice {twice}" if not ok else "")


def _dw1_chain_as_matrices() -> Outcome:
    for n_x, n_h, _ in shapes.two_layer_shapes(per_example=True):
        q = example(n_x, n_h)
        dz = dz1_dW1(q)
        if len(dz.shape) > 2 and dz.shape[-1] * n_h > 1 and n_h > 1:
            return Outcome(False, "dz1/dW1 has three indices: the product is not a matrix "
                           "product", f"at (n_x, n_h) = ({n_x}, {n_h}): dL/da1 ({n_h}, 1), "
                           f"da1/dz1 ({n_h}, {n_h}), dz1/dW1 of shape {dz.shape}")
    return Outcome(True, "a product of matrices")


def _dw1_chain_contracted() -> Outcome:
    out = _per_example(chain_contraction, _grad("W1"), "").run()
    return Outcome(out.ok, out.detail, out.evidence)


def _dz1_dW1_as_written() -> Outcome:
    for n_x, n_h, _ in shapes.two_layer_shapes(per_example=True):
        q = example(n_x, n_h)
        dz = dz1_dW1(q)
        if n_h > 1:
            return Outcome(False, "z1 is a vector: dz1/dW1 is not x",
                           f"at (n_x, n_h) = ({n_x}, {n_h}): dz1/dW1 has shape {dz.shape}, "
                           f"x is {q.x.shape}")
    return Outcome(True, "")


def _dz1_dW1_row_by_row() -> Outcome:
    for n_x, n_h, _ in shapes.two_layer_shapes(per_example=True):
        q = example(n_x, n_h)
        for j in range(n_h):
            for i in range(n_h):
                row = defs.gradient(q.z1[j, 0], q.W1[i, :].T)
                expected = q.x if i == j else sp.zeros(n_x, 1)
                if row != expected:
                    return Outcome(False, "", f"at (n_x, n_h) = ({n_x}, {n_h}), unit {j}")
    return Outcome(True, "dz1_j / dW1[j, :] = x^T and 0 for the other rows, on every shape")


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


def _tanh_differs() -> Outcome:
    """The notes' (1 - a1) a1 is sigmoid's derivative; the course's tanh units need 1 - a1^2."""
    u = sp.Symbol("u", real=True)
    t = sp.tanh(u)
    notes_rule = sp.simplify(sp.diff(t, u) - (1 - t) * t)
    course_rule = sp.simplify(sp.diff(t, u) - (1 - t**2))
    ok = notes_rule != 0 and course_rule == 0
    return Outcome(ok, "with tanh hidden units (the course) the derivative is 1 - a1^2, and "
                   f"(1 - a1) a1 is off by {notes_rule.xreplace({t: sp.Symbol('a1')})}")


def _db_name() -> Outcome:
    one = defs.LogReg(2, 1)
    first = sp.Matrix([[defs.gradient(one.J(), one.b)]]).shape
    q = example(2, 3)
    here = defs.gradient(q.L, q.b1).shape
    return Outcome(first == here, "db was defined as dL/db of the 1-layer network",
                   f"db of the 1-layer network is {first}; this quantity, dL/db1, is {here} "
                   "(n_h = 3)")


def _db1_chain() -> Outcome:
    def contraction(q: Example) -> sp.Matrix:
        dL_da1 = defs.gradient(loss_of_a1(q), q.a1_free).xreplace(
            dict(zip(q.a1_free, q.a1)))
        jac = jacobian_a1_z1(q).xreplace(dict(zip(q.z1_free, q.z1)))
        dz = q.z1.jacobian(q.b1)
        return sp.Matrix(q.n_h, 1, lambda j, _: sum(
            dL_da1[i] * jac[i, l] * dz[l, j] for i in range(q.n_h) for l in range(q.n_h)))

    out = _per_example(contraction, _grad("b1"), "").run()
    return Outcome(out.ok, "db^{[1]} = dL/da1 da1/dz1 dz1/db1 (contracted): " + out.detail,
                   out.evidence)


def scalar_reading(claimed):
    """For the LaTeX check: the transcription at n_x = n_h = 1, and the notes' names bound."""
    def reading():
        q = example(1, 1)
        bind = {"a1": q.a1[0, 0], "a2": q.a2[0, 0], "W2": q.W2[0, 0], "x": q.x[0, 0],
                "y": q.y[0, 0], "W1": q.W1[0, 0]}
        return claimed(q)[0, 0], bind
    return reading


CONTRACTION = ("the product read as a contraction over the hidden units (multivariate chain "
               "rule, entry by entry)")


def claims() -> list[Claim]:
    fwd, bwd = S.TWO_FORWARD, S.TWO_BACKWARD
    def transposed(fn):
        return ((S.ROW_GRADIENT, lambda q: fn(q).T),)

    notes_dW1 = (lambda q: mm(ew(mm(q.a2 - q.y, q.W2), ew(sp.ones(q.n_h, 1) - q.a1, q.a1)), q.x))
    notes_db1 = (lambda q: ew(mm(q.a2 - q.y, q.W2), ew(sp.ones(q.n_h, 1) - q.a1, q.a1)))
    dlda1_notes = (lambda q: mm(q.a2_of(q.a1_free) - q.y, q.W2))
    return [
        Claim("two.fwd.two-sets", fwd, "The main difference with the case of 1 layer is that "
              "now there are two sets of weights and biases.", "prose statement",
              Computed(_two_sets, "parameter groups of J")),
        Claim("two.fwd.w1-matrix", fwd, "Moreover, the first set of weights is not a 1-column "
              "vector but a matrix.", "shape/dimension", Computed(_w1_is_matrix, "W1.shape")),
        Claim("two.bwd.four-parameters", bwd, r"We now need to update 4 parameters: $W^{[1]}, "
              r"b^{[2]}, W^{[2]}, b^{[2]}$", "prose statement",
              Computed(lambda: _parameters_listed(r"$W^{[1]}, b^{[2]}, W^{[2]}, b^{[2]}$"),
                       "listed names vs the parameters of J"),
              correction=r"We now need to update 4 parameters: $W^{[1]}, b^{[1]}, W^{[2]}, "
              r"b^{[2]}$", corrected=Computed(lambda: _parameters_listed(
                  r"$W^{[1]}, b^{[1]}, W^{[2]}, b^{[2]}$"), "")),
        Claim("two.bwd.dw2-chain", bwd, r"dW^{[2]} =\frac{d\mathcal{L}}{da^{[2]}}\frac{da^{[2]}}"
              r"{dz^{[2]}}\frac{dz^{[2]}}{dW^{[2]}}", "derivation step",
              _per_example(lambda q: dL_da2(q) * da2_dz2(q) * dz2_of(q, q.W2), _grad("W2"),
                           "dL/da2 * da2/dz2 * grad(z2, W2) = grad(L, W2)")),
        Claim("two.bwd.dw2", bwd, r"(a^{[2]}-y)a^{[1]T}", "shape/dimension",
              _per_example(lambda q: mm(q.a2 - q.y, q.a1.T), _grad("W2"),
                           "mm(a2 - y, a1.T) = grad(L, W2), (1, n_h)"),
              latex=r"(a^{[2]}-y)a^{[1]T}",
              parsed_as=scalar_reading(lambda q: mm(q.a2 - q.y, q.a1.T)),
              extensions=(("vectorised dW2 = 1/m dZ2 A1^T", _vectorised(
                  lambda q: vectorised(q)["dW2"], _grad("W2"), "")),)),
        Claim("two.bwd.db2-chain", bwd, r"db^{[2]}=\frac{d\mathcal{L}}{da^{[2]}}\frac{da^{[2]}}"
              r"{dz^{[2]}}\frac{dz^{[2]}}{db^{[2]}}", "derivation step",
              _per_example(lambda q: dL_da2(q) * da2_dz2(q) * dz2_of(q, q.b2), _grad("b2"),
                           "dL/da2 * da2/dz2 * dz2/db2 = dL/db2")),
        Claim("two.bwd.db2", bwd, r"\frac{dz^{[2]}}{db^{[2]}} = \text{(similar logic as "
              r"1-layer)} = (a^{[2]}-y)", "derivation step",
              _per_example(lambda q: q.a2 - q.y, _grad("b2"), "a2 - y = dL/db2"),
              latex=r"(a^{[2]}-y)", parsed_as=scalar_reading(lambda q: q.a2 - q.y),
              extensions=(("vectorised db2 = 1/m sum(dZ2, axis=1)", _vectorised(
                  lambda q: vectorised(q)["db2"], _grad("b2"), "")),)),
        Claim("two.bwd.dw1-chain", bwd, r"dW^{[1]}=\frac{d\mathcal{L}}{da^{[1]}}\frac{da^{[1]}}"
              r"{dz^{[1]}}\frac{dz^{[1]}}{dW^{[1]}}", "derivation step",
              Computed(_dw1_chain_as_matrices, "product of dL/da1, da1/dz1, dz1/dW1",
                       conventions=((CONTRACTION, _dw1_chain_contracted),))),
        Claim("two.bwd.dlda1-chain", bwd, r"\frac{d\mathcal{L}}{da^{[1]}} = \color{red}{\frac{d"
              r"\mathcal{L}}{dz^{[2]}}\frac{dz^{[2]}}{da^{[1]}}}", "derivation step",
              _per_example(lambda q: sp.diff(
                  defs.loss(q.y[0, 0], defs.sigma(z)), z).subs(
                      z, (q.W2 * q.a1_free + q.b2)[0, 0]) * defs.gradient(
                          (q.W2 * q.a1_free + q.b2)[0, 0], q.a1_free),
                  lambda q: defs.gradient(loss_of_a1(q), q.a1_free),
                  "dL/dz2 * grad(z2, a1) = grad(L, a1)")),
        Claim("two.bwd.dlda1", bwd, r"\color{red}{\frac{d\mathcal{L}}{dz^{[2]}}\frac{dz^{[2]}}"
              r"{da^{[1]}}} = (a^{[2]}-y)W^{[2]}", "shape/dimension",
              _per_example(dlda1_notes, lambda q: defs.gradient(loss_of_a1(q), q.a1_free),
                           "mm(a2 - y, W2) = grad(L, a1)", transposed(dlda1_notes)),
              correction=r"\frac{d\mathcal{L}}{da^{[1]}} = W^{[2]T}(a^{[2]}-y)",
              corrected=_per_example(lambda q: mm(q.W2.T, q.a2_of(q.a1_free) - q.y),
                                     lambda q: defs.gradient(loss_of_a1(q), q.a1_free), ""),
              latex=r"(a^{[2]}-y)W^{[2]}",
              parsed_as=scalar_reading(lambda q: mm(q.a2 - q.y, q.W2))),
        Claim("two.bwd.da1dz1.1", bwd, r"\frac{da^{[1]}}{dz^{[1]}} = \frac{d\sigma(z^{[1]})}"
              r"{dz^{[1]}}", "derivation step",
              _per_example(lambda q: q.z1_free.applyfunc(q.p.g).jacobian(q.z1_free),
                           jacobian_a1_z1, "jacobian(g(z1), z1) = jacobian(sigma(z1), z1), "
                           "g the hidden activation of the axioms")),
        Claim("two.bwd.da1dz1.2", bwd, r"\frac{d\sigma(z^{[1]})}{dz^{[1]}} = \text{(similar "
              r"logic as 1-layer)} = (1-a^{[1]})a^{[1]}", "shape/dimension",
              _per_example(
                  lambda q: mm(sp.ones(q.n_h, 1) - q.z1_free.applyfunc(defs.sigma),
                               q.z1_free.applyfunc(defs.sigma)),
                  jacobian_a1_z1, "mm(1 - a1, a1) = jacobian(sigma(z1), z1)",
                  (("element-wise product: the Jacobian is diagonal, diag((1 - a1) * a1)",
                    lambda q: sp.diag(*ew(sp.ones(q.n_h, 1) - q.z1_free.applyfunc(defs.sigma),
                                          q.z1_free.applyfunc(defs.sigma)))),)),
              latex=r"(1-a^{[1]})a^{[1]}",
              parsed_as=scalar_reading(lambda q: mm(sp.ones(1, 1) - q.a1, q.a1)),
              extensions=(("not for tanh", Computed(_tanh_differs, "")),)),
        Claim("two.bwd.dz1dw1", bwd, r"\frac{dz^{[1]}}{dW^{[1]}} = \text{(similar logic as "
              r"1-layer)} = x", "shape/dimension",
              Computed(_dz1_dW1_as_written, "derive_by_array(z1, W1) vs x",
                       conventions=(("row by row: dz1_j / dW1[j, :] = x^T, zero elsewhere",
                                     _dz1_dW1_row_by_row),))),
        Claim("two.bwd.dw1", bwd, r"dW^{[1]} = (a^{[2]}-y)W^{[2]}\color{red}{*}((1-a^{[1]})"
              r"a^{[1]})x", "shape/dimension",
              _per_example(notes_dW1, _grad("W1"),
                           "mm(ew(mm(a2 - y, W2), ew(1 - a1, a1)), x) = grad(L, W1)",
                           transposed(notes_dW1)),
              latex=r"(a^{[2]}-y)W^{[2]}\color{red}{*}((1-a^{[1]})a^{[1]})x",
              parsed_as=scalar_reading(notes_dW1),
              correction=r"dW^{[1]} = \left(W^{[2]T}(a^{[2]}-y) * a^{[1]}(1-a^{[1]})\right) "
              r"x^T,\quad dW^{[1]} = \frac{1}{m}\left(W^{[2]T}dZ^{[2]} * A^{[1]}(1-A^{[1]})"
              r"\right)X^T", corrected=_per_example(corrected_dW1, _grad("W1"), ""),
              extensions=(("vectorised dW1 = 1/m (W2^T dZ2 * A1(1 - A1)) X^T", _vectorised(
                  lambda q: vectorised(q)["dW1"], _grad("W1"), "")),)),
        Claim("two.bwd.elementwise-warning", bwd, "Warning: the element-wise product is "
              "necessary to have the right dimensions at the end.", "prose statement",
              Computed(_warning_as_written, "shapes through the notes' dW1",
                       conventions=(("the column layout W^{[2]T}(a^{[2]}-y)",
                                     _warning_in_column_layout),))),
        Claim("two.bwd.db1-name", bwd, r"db=\frac{d\mathcal{L}}{da^{[1]}}\frac{da^{[1]}}"
              r"{dz^{[1]}}\frac{dz^{[1]}}{db^{[1]}}", "definition",
              Computed(_db_name, "shape of db (1-layer) vs dL/db1"),
              correction=r"db^{[1]}=\frac{d\mathcal{L}}{da^{[1]}}\frac{da^{[1]}}{dz^{[1]}}"
              r"\frac{dz^{[1]}}{db^{[1]}}", corrected=Computed(_db1_chain, "")),
        Claim("two.bwd.db1", bwd, r"(\text{similar logic as for }dW^{[1]}) = (a^{[2]}-y)W^{[2]}"
              r"\color{red}{*}((1-a^{[1]})a^{[1]})", "shape/dimension",
              _per_example(notes_db1, _grad("b1"),
                           "ew(mm(a2 - y, W2), ew(1 - a1, a1)) = grad(L, b1)",
                           transposed(notes_db1)),
              latex=r"(a^{[2]}-y)W^{[2]}\color{red}{*}((1-a^{[1]})a^{[1]})",
              parsed_as=scalar_reading(notes_db1),
              correction=r"db^{[1]} = W^{[2]T}(a^{[2]}-y) * a^{[1]}(1-a^{[1]}),\quad "
              r"db^{[1]} = \frac{1}{m}\sum_{i=1}^m dZ^{[1](i)}",
              corrected=_per_example(corrected_db1, _grad("b1"), ""),
              extensions=(("vectorised db1 = 1/m sum(dZ1, axis=1, keepdims=True)", _vectorised(
                  lambda q: vectorised(q)["db1"], _grad("b1"), "")),)),
    ]
