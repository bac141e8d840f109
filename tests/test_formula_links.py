"""The check of one `=` link: a difference is refuted at a point before a proof is tried, and
the derivatives a link takes are computed once per network, reading and example."""

import random

import sympy as sp

from nnspec.spec import definitions as defs
from nnspec.spec import formulas
from nnspec.spec.formulas import Link

x0, x1, y0, y1, z0, z1 = sp.symbols("x_0_0 x_0_1 y_0_0 y_0_1 z_0_0 z_0_1", real=True)
s0, s1 = defs.sigma(z0), defs.sigma(z1)


def test_a_false_entry_is_refuted_without_an_attempt_at_a_proof(monkeypatch):
    def no_proof(expr):
        raise AssertionError("a proof was attempted")

    monkeypatch.setattr(formulas, "_is_zero", no_proof)
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
