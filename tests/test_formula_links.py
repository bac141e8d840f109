"""The check of one `=` link: a difference is refuted at a point before a proof is tried, and
the derivatives a link takes are computed once per network, reading and example."""

import random

import pytest
import sympy as sp

from nnspec.spec import definitions as defs
from nnspec.spec import formulas
from nnspec.spec.formulas import Link

x0, x1, y0, y1, z0, z1 = sp.symbols("x_0_0 x_0_1 y_0_0 y_0_1 z_0_0 z_0_1", real=True)
s0, s1 = defs.sigma(z0), defs.sigma(z1)


def test_a_false_entry_is_refuted_without_an_attempt_at_a_proof(monkeypatch):
    def no_proof(expr):
        raise AssertionError("a proof was attempted")

    monkeypatch.setattr(formulas, "is_zero", no_proof)
    ok, evidence = formulas.entry_equal(x0 * (s0 - y0), x0 * (s0 + y0), random.Random(1))
    assert ok is False and "left = " in evidence


def test_a_listing_scaled_by_a_float_is_proven_not_refuted():
    """A listing's 1/m is the float 0.5: exact in binary, but SymPy's 30 digits of the
    difference are only good to 1e-17, so the point must not decide before the proof."""
    listing = sp.Float(0.5) * x0 * (s0 - y0) + sp.Float(0.5) * x1 * (s1 - y1)
    derived = (-x0 * y0 * (1 - s0) / 2 + x0 * (1 - y0) * s0 / 2
               - x1 * y1 * (1 - s1) / 2 + x1 * (1 - y1) * s1 / 2)
    for seed in range(3):
        assert formulas.entry_equal(listing, derived, random.Random(seed)) == (True, "")


def test_a_derivative_inside_a_sum_is_taken_per_example():
    """dL/db of example i, summed: the same derivative written for every i must not be reused
    across examples (it would give m times example 1's)."""
    out = Link(r"\frac{\partial J}{\partial b}",
               r"\frac{1}{m} \sum_{i=1}^{m} \frac{\partial L(y^{(i)}, a^{(i)})}{\partial b}").run()
    assert out.ok is True, out.detail
    doubled = Link(r"\frac{\partial J}{\partial b}",
                   r"\sum_{i=1}^{m} \frac{\partial L(y^{(i)}, a^{(i)})}{\partial b}").run()
    assert doubled.ok is False


DZ = r"\frac{\partial \mathcal{L}}{\partial z}"
SUM_L = r"\Sigma_{i=1}^m\mathcal{L}(y^{(i)}, \widehat{y}^{(i)})"


def test_a_side_off_by_a_constant_factor_says_which_slip_it_is():
    """The factor is read at a point and proven; at m examples, m is a missing 1/m."""
    missing = Link("J", SUM_L).run()
    assert missing.ok is False
    assert "the right side is 2 times the left side (1/m missing, m = 2)" in missing.evidence
    assert "the right side is -1 times the left side (a flipped sign)" in \
        Link(DZ, "y - a").run().evidence
    doubled = Link(DZ, "2(a - y)").run().evidence
    assert doubled.endswith("the right side is 2 times the left side")  # m = 1: no meaning
    not_a_factor = Link(DZ, "a + y").run()
    assert not_a_factor.ok is False and "times" not in not_a_factor.evidence


def test_the_evidence_is_on_the_smallest_shape_with_every_value_shown():
    """A 1-layer link names its shapes (n_x, m), not (n_x, n_h, m); a value difference is shown
    on the smallest shape that has one, with every symbol, the label y included."""
    out = Link(DZ, "y - a").run()
    assert "(n_x, m) in [(3, 1), (2, 1), (1, 1)]" in out.detail and "n_h" not in out.detail
    assert out.evidence.startswith("at (n_x, m) = (1, 1): at b_0_0 = ")
    assert "y_0_0 = " in out.evidence and "..." not in out.evidence


def test_a_shape_that_does_not_fit_is_shown_before_a_difference_of_values():
    """x^T (y - a) has the shape of w^T for n_x > 1 and the wrong sign at (1, 1): the shapes
    are the more basic mistake."""
    out = Link(r"\frac{\partial \mathcal{L}}{\partial w}", "x^T (y - a)").run()
    assert out.ok is False
    assert out.evidence.startswith("at (n_x, m) = (2, 1): the left side is (2, 1)"), out.evidence


def test_a_symbol_that_cancels_from_the_difference_still_gets_a_value():
    """z = w^T x + 2b differs by b alone; both sides are still shown as numbers."""
    out = Link("z", r"\omega^Tx + 2b").run()
    values = out.evidence.split(": left = ")[1]
    assert out.ok is False and "w_0_0 = " in out.evidence and "_0_0" not in values, out.evidence


def test_the_transpose_of_an_expression_is_read():
    """`x(a-y)^T` was "the notation table cannot read it: power ^{T} of an expression", so an
    error written that way went unchecked."""
    dw = r"\frac{d\mathcal{L}}{d\omega}"
    assert Link(dw, "x(a-y)^T").run().ok is True
    assert Link(dw, "x(a-y)^{T}").run().ok is True
    flipped = Link(dw, "x(y-a)^T").run()
    assert flipped.ok is False and "(a flipped sign)" in flipped.evidence
    assert Link("z", r"(\omega^T x)^T + b").run().ok is True


def test_a_derivative_written_with_a_prime_is_read():
    """sigma'(z) was "cannot read \\"'(z)\\""; it is SymPy's derivative of the sigmoid (sigma' =
    sigma (1 - sigma), the rule the sigma' lemma proves), and log', exp' likewise."""
    assert Link(r"\sigma'(z)", r"\sigma(z)(1-\sigma(z))").run().ok is True
    assert Link(r"\sigma'(z)", r"\sigma(z)(1+\sigma(z))").run().ok is False
    assert Link(r"\frac{da}{dz}", r"\sigma'(z)").run().ok is True
    assert Link(r"\log'(a)", r"\frac{1}{a}").run().ok is True


def test_yhat_is_the_output_of_the_network_the_formula_is_in():
    """`\\hat{y} = a^{[2]}` was false: \\hat{y} was always the 1-layer output, with w and b as
    evidence for a 2-layer claim; `\\hat{Y}` was "'\\hat' is not in the notation table"."""
    assert Link(r"\hat{y}", "a^{[2]}").run().ok is True
    assert Link(r"\hat{y}^{(i)}", "a^{[2](i)}").run().ok is True
    assert Link(r"\hat{Y}", "A^{[2]}").run().ok is True
    assert Link(r"\hat{y}", r"\sigma(w^T x + b)").run().ok is True  # the 1-layer network's
    assert Link(r"\hat{y}", "a^{[1]}").run().ok is False


def test_a_derivative_written_with_a_slash_and_sized_brackets_are_read():
    """`\\partial \\mathcal{L} / \\partial z = a - y` was false with a nonsense value (dL
    divided by dz); `\\big(`, `\\Bigr)` and `\\operatorname{tanh}` were unreadable."""
    assert Link(r"\partial \mathcal{L} / \partial z", "a - y").run().ok is True
    assert Link("dL/dz", "a + y").run().ok is False
    assert Link(r"\frac{dL}{dz} / a", r"\frac{a - y}{a}").run().ok is True  # a plain division
    assert Link(r"\Bigl(a - y\Bigr) x", r"\big(a - y\big) x").run().ok is True
    assert Link(r"\operatorname{tanh}(z)", r"2\sigma(2z) - 1").run().ok is True


def test_the_vectorised_capitals_are_read_on_several_examples():
    """A, X, Z (and A^{[k]}, Z^{[k]}) are the quantities whose columns are the examples, so a
    formula in them is checked with m > 1 (it was "A is not in the notation table")."""
    forward = Link("A", r"\sigma(\omega^T X + b)").run()
    assert forward.ok is True and "(n_x, m) in [(3, 2), (2, 3), (1, 1)]" in forward.detail
    transposed = Link("A", r"\sigma(X^T \omega + b)").run()
    assert transposed.ok is False and "the left side is (1, 2), the right side (2, 1)" in \
        transposed.evidence
    assert Link("A^{[2]}", r"\sigma(W^{[2]} A^{[1]} + b^{[2]})").run().ok is True


def test_a_gradient_over_the_examples_is_the_costs():
    """Outside a sum's example, dV in a formula over m examples is the vectorised notation's:
    the gradient of J for a parameter, the per-example gradients side by side for a quantity
    with a column per example (dZ = A - Y). It was "L without an example", so a missing 1/m
    written this way went unchecked."""
    db = Link("db", r"\frac{1}{m}\sum_{i=1}^m (a^{(i)} - y^{(i)})").run()
    assert db.ok is True and "(n_x, m) in [(3, 2), (2, 3), (1, 1)]" in db.detail
    missing = Link("db", r"\sum_{i=1}^m (a^{(i)} - y^{(i)})").run()
    assert missing.ok is False and "(1/m missing, m = 2)" in missing.evidence
    assert Link("dw", r"\frac{1}{m} X (A - Y)^T").run().ok is True
    assert Link("dZ^{[2]}", "A^{[2]} - Y").run().ok is True
    assert Link("dW^{[2]}", r"\frac{1}{m} dZ^{[2]} A^{[1]T}").run().ok is True
    assert Link("db^{[2]}", r"\frac{1}{m} \sum_{i=1}^m dZ^{[2](i)}").run().ok is True  # [k](i)
    assert Link("dW^{[2]}", r"dZ^{[2]} A^{[1]T}").run().ok is False


def test_a_factor_that_does_not_hold_at_every_entry_is_never_sent_to_a_proof(monkeypatch):
    """The factor read on the first entry is confirmed on every entry in 40 digits first: a
    proof that a large difference is zero took 85 s on a misread dW1 before it failed."""
    def no_proof(expr):
        raise AssertionError("a proof was attempted")

    truth = sp.Matrix([[x0 * s0], [x1 * s1]])
    monkeypatch.setattr(formulas, "is_zero", no_proof)
    assert formulas.factor(sp.Matrix([[2 * x0 * s0], [x1 * s1 + 1]]), truth, 2, "it") == ""
    monkeypatch.undo()
    assert formulas.factor(2 * truth, truth, 2, "it") == "2 times it (1/m missing, m = 2)"


@pytest.mark.parametrize("left, right, ok", [
    ("A^{[2]}", r"\frac{1}{1+e^{-Z^{[2]}}}", True),  # sigma of each entry, as authors write it
    ("A", r"\frac{1}{1+e^{-(w^T X + b)}}", True),
    ("A^{[2]}", r"\frac{1}{1+e^{Z^{[2]}}}", False),
])
def test_a_fraction_with_a_matrix_below_divides_entry_by_entry(left, right, ok):
    """It was false: "division by a matrix ... does not conform"."""
    assert Link(left, right).run().ok is ok


def test_a_fraction_of_two_shapes_that_differ_does_not_conform():
    out = Link("A^{[1]}", r"\frac{A^{[1]}}{1+e^{-Z^{[2]}}}").run()
    assert out.ok is False and "entry-wise division of (2, 3) and (1, 3)" in out.evidence


def test_a_sum_runs_over_the_whole_product_after_it():
    """sum_i x^(i) (a^(i) - y^(i)) was read as (sum_i x^(i)) (a^(i) - y^(i)): "index i
    outside a sum over examples", unchecked."""
    assert Link("dw", r"\frac{1}{m}\sum_{i=1}^{m} x^{(i)}(a^{(i)} - y^{(i)})").run().ok is True
    assert Link("dw", r"\frac{1}{m}\sum_{i=1}^{m} x^{(i)}(a^{(i)} + y^{(i)})").run().ok is False
    out = Link("db", r"\frac{1}{m}\sum_{i} (a^{(i)} - y^{(i)})").run()
    assert out.ok is None and r"without its limits (the notation table reads \sum_{i=1}^{m})" \
        in out.detail


@pytest.mark.parametrize("left, right", [
    ("dw", r"\frac{1}{m}X(A-Y)^\top"),
    ("dw", r"\frac{1}{m}\mathbf{X}(\mathbf{A}-\mathbf{Y})^{\top}"),
    ("dW^{[2]}", r"\frac{1}{m}\sum_{i=1}^{m} dZ^{[2](i)} A^{[1](i)T}"),
])
def test_transposes_and_bold_letters_as_authors_write_them(left, right):
    """^\\top, \\mathbf{X} and A^{[1](i)T} were "unchecked"."""
    assert Link(left, right).run().ok is True


def test_evidence_between_two_constants_shows_no_empty_point():
    out = Link(r"\frac{dz}{db}", "-1").run()
    assert out.ok is False and "at :" not in out.evidence
    assert "left = 1.0000000, right = -1.0000000" in out.evidence


def test_a_transcription_writes_yhat_as_latex():
    text = Link("J", r"\frac{1}{m}\sum_{i=1}^{m} L(y^{(i)}, \widehat{y}^{(i)})").describe()
    assert "Y@" not in text and r"\hat{y}^{(i)}" in text


def test_a_side_that_is_the_other_transposed_is_told_so():
    out = Link("dw", r"\frac{1}{m}(A-Y)X^T").run()
    assert out.ok is False and "the right side is the left side transposed" in out.evidence
    out = Link("dw", r"\frac{1}{m}(A+Y)X^T").run()  # transposed and wrong: not the transpose
    assert out.ok is False and "transposed" not in out.evidence


@pytest.mark.parametrize("left, right", [
    ("dZ^{[1]}", r"W^{[2]T} dZ^{[2]} \odot (1 - A^{[1]} \odot A^{[1]})"),  # tanh' = 1 - a^2
    ("A^{[1]}", r"\tanh(Z^{[1]})"),
])
def test_a_formula_of_a_tanh_hidden_layer_is_false_with_the_reason(left, right):
    """The notes define a^{[1]} = sigma(z^{[1]}): a section on the course's tanh network is
    held to that, and said so; it was false (or unchecked: \\tanh) with no hint."""
    out = Link(left, right).run()
    assert out.ok is False and "it holds for a tanh hidden layer" in out.detail


def test_no_tanh_hint_for_a_formula_wrong_either_way():
    out = Link("dZ^{[1]}", r"W^{[2]T} dZ^{[2]} \odot (1 + A^{[1]} \odot A^{[1]})").run()
    assert out.ok is False and "tanh" not in out.detail
