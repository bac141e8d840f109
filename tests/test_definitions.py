"""The axioms and the opaque-sigma rule the exact checks rely on."""

import sympy as sp

from nnspec.spec.definitions import LogReg, TwoLayer, gradient, sigma, sigma_exp, sigma_prime_lemma


def test_sigma_prime_lemma_proves_the_opaque_rule():
    assert sigma_prime_lemma() == 0
    z = sp.Symbol("z")
    assert sp.diff(sigma(z), z) == sigma(z) * (1 - sigma(z))


def test_lemma_would_catch_a_wrong_rule():
    z = sp.Symbol("z", real=True)
    s = sigma_exp(z)
    assert sp.simplify(sp.diff(s, z) - s * (1 + s)) != 0


def test_opaque_sigma_evaluates_like_the_definition():
    x = sp.Rational(7, 3)
    assert abs(sp.N(sigma(x), 40) - sp.N(sigma_exp(x), 40)) < sp.Float(10) ** -35


def test_logreg_gradient_has_the_shape_of_w():
    p = LogReg(n_x=3, m=2)
    assert gradient(p.J(), p.w).shape == (3, 1)


def test_two_layer_shapes():
    p = TwoLayer(n_x=2, n_h=3, m=4, hidden="tanh")
    f = p.forward()
    assert f["A1"].shape == (3, 4) and f["A2"].shape == (1, 4)
    assert gradient(p.J(), p.W1).shape == (3, 2)
