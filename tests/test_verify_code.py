"""Code claims: the listings are run on symbols and compared with the derivation."""

import numpy as np
import sympy as sp

from nnspec.derivations import code_listing as C
from nnspec.spec import definitions as defs
from nnspec.spec import verify


def test_cost_line_as_printed_does_not_parse_and_the_fix_does():
    assert C._parses(C.COST_LINE).ok is False
    assert "never closed" in C._parses(C.COST_LINE).evidence
    assert C._parses(C.CLOSED_COST_LINE).ok is True


def test_loop_cannot_unpack_the_notes_propagate_but_can_the_corrected_one():
    out = C._loop_runs(C.closed_propagate_source())
    assert out.ok is False and "NoneType" in out.evidence
    assert C._loop_runs(C.corrected_propagate_source()).ok is True


def _sweep_of(source: str, name: str, reference):
    def value(p):
        env = C.execute(source + "    return locals()\n", {})
        got = env["propagate"](C.as_array(p.w), p.b, C.as_array(p.X), C.as_array(p.Y))[name]
        return sp.Matrix(got) if isinstance(got, np.ndarray) else sp.Matrix([[got]])
    return C._sweep(value, reference, "").run()


def test_dw_line_is_exactly_the_gradient_and_broken_copies_are_refuted():
    source = C.closed_propagate_source()
    grad_w = lambda p: defs.gradient(p.J(), p.w)
    assert _sweep_of(source, "dw", grad_w).ok is True
    no_mean = source.replace("dw = (1/m)*np.dot(X,(A-Y).T)", "dw = np.dot(X,(A-Y).T)")
    out = _sweep_of(no_mean, "dw", grad_w)
    assert out.ok is False and "(n_x, m) = (1, 2)" in out.evidence
    no_transpose = source.replace("(A-Y).T)", "(A-Y))")
    out = _sweep_of(no_transpose, "dw", grad_w)
    assert out.ok is False and "not aligned" in out.evidence


def test_integer_literals_are_exact():
    env = C.execute("v = 1/3\n", {})
    assert env["v"] == sp.Rational(1, 3)


def test_reference_cross_check_catches_a_broken_reference(monkeypatch):
    from nnspec.reference import logreg

    assert verify._reference_cross_check().ok
    real = logreg.propagate

    def broken(w, b, X, Y):
        grads, cost = real(w, b, X, Y)
        return {"dw": grads["dw"] * 1.001, "db": grads["db"]}, cost

    monkeypatch.setattr(logreg, "propagate", broken)
    check = verify._reference_cross_check()
    assert not check.ok and "relative error" in check.detail
