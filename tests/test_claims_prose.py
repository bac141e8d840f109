"""Prose claims are computed: their computations catch a wrong statement, and a solver that
disagrees with evaluation is reported, never silently turned into a verdict."""

import sympy as sp

from nnspec.derivations import one_layer as O
from nnspec.derivations import prose as P
from nnspec.spec import definitions as defs


def test_activation_depth_counts_layers():
    z = sp.Symbol("z")
    assert O.activation_depth(defs.sigma(z)) == 1
    assert O.activation_depth(defs.sigma(2 * sp.tanh(defs.sigma(z)) + 1)) == 3
    assert O.layer_counts() == (1, 2)


def test_loss_direction_both_ways():
    assert O._loss_sign_away_from_label(+1).ok is True
    assert O._loss_sign_away_from_label(-1).ok is False


def test_solver_disagreeing_with_evaluation_is_an_engine_error(monkeypatch):
    monkeypatch.setattr(O.sp, "solveset", lambda *args, **kw: sp.EmptySet)
    out = O._threshold_is_z_nonnegative()
    assert out.ok is None and "disagree" in out.engine_error


def test_parameter_list_check():
    assert P.parameters_listed(r"$W^{[1]}, b^{[1]}, W^{[2]}, b^{[2]}$").ok is True
    out = P.parameters_listed(r"$W^{[1]}, b^{[2]}, W^{[2]}, b^{[2]}$")
    assert out.ok is False and "missing ['b1']" in out.evidence


def test_probability_reading():
    assert O._probability_of((0, 1)).ok is False
    assert O._probability_of((1,)).ok is True
