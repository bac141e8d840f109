"""The mpmath oracle: exact conversion, the axioms, formulas against finite differences."""

from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp
from mpmath import mp

from nnspec.numerics import oracle
from nnspec.spec.definitions import LogReg, TwoLayer


def _fraction(x: mpmath.mpf) -> Fraction:
    sign, man, exp, _ = x._mpf_
    value = Fraction(man) * Fraction(2) ** exp
    return -value if sign else value


def _problem(seed=0, n_x=3, n_h=4, m=5, scale=1.0):
    rng = np.random.default_rng(seed)
    params = {"W1": rng.standard_normal((n_h, n_x)), "b1": rng.standard_normal((n_h, 1)),
              "W2": scale * rng.standard_normal((1, n_h)), "b2": rng.standard_normal((1, 1))}
    w, b = scale * rng.standard_normal((n_x, 1)), float(rng.standard_normal())
    X = rng.standard_normal((n_x, m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    return w, b, X, Y, params


def test_to_mp_is_exact_where_mpf_rounds():
    values = [0.1, -1 / 3, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308]
    with mp.workdps(3):
        assert _fraction(mpmath.mpf(0.1)) != Fraction(0.1)  # why to_mp exists
        converted = oracle.to_mp(values)
    assert [_fraction(x) for x in converted] == [Fraction(v) for v in values]


def test_to_float64_rounds_to_nearest():
    with mp.workdps(60):
        tie = mp.mpf(1) + mp.mpf(2) ** -53  # halfway: to even, 1.0
        above = tie + mp.mpf(2) ** -100  # just above halfway: up
        third = mp.mpf(1) / 3
    assert oracle.to_float64([tie, above, third]).tolist() == [1.0, 1.0 + 2.0**-52, 1 / 3]


def _sympy_value(expr, subs):
    return sp.N(expr.xreplace(subs), 60)


def test_logreg_cost_equals_the_axioms_in_sympy():
    w, b, X, Y, _ = _problem(1, n_x=2, m=3)
    p = LogReg(n_x=2, m=3)
    subs = {p.b: sp.Rational(Fraction(b))}
    for sym, val in [(p.w, w), (p.X, X), (p.Y, Y)]:
        subs.update({s: sp.Rational(Fraction(float(v))) for s, v in zip(sym, val.ravel())})
    expected = _sympy_value(p.J(), subs)
    got = oracle.logreg_cost(w, b, X, Y)
    assert abs(sp.Rational(_fraction(got)) - expected) < sp.Float(10) ** -50


@pytest.mark.parametrize("hidden", ["sigmoid", "tanh"])
def test_two_layer_cost_equals_the_axioms_in_sympy(hidden):
    _, _, X, Y, params = _problem(2, n_x=2, n_h=3, m=2)
    p = TwoLayer(n_x=2, n_h=3, m=2, hidden=hidden)
    subs = {}
    for name in ("W1", "b1", "W2", "b2", "X", "Y"):
        sym, val = getattr(p, name), params.get(name, {"X": X, "Y": Y}.get(name))
        subs.update({s: sp.Rational(Fraction(float(v))) for s, v in zip(sym, val.ravel())})
    expected = _sympy_value(p.J(), subs)
    got = oracle.two_layer_cost(params, X, Y, hidden=hidden)
    assert abs(sp.Rational(_fraction(got)) - expected) < sp.Float(10) ** -50


def _min_digits(a, b):
    return min(oracle.agreeing_digits(x, y) for x, y in zip(np.ravel(a), np.ravel(b)))


@pytest.mark.parametrize("scale", [1.0, 60.0])  # 60: saturated, |z| in the hundreds
def test_logreg_formula_equals_finite_differences(scale):
    w, b, X, Y, _ = _problem(3, scale=scale)
    exact = oracle.logreg_exact(w, b, X, Y)
    fd = oracle.logreg_fd_gradient(w, b, X, Y)
    assert _min_digits(exact["dw"], fd["dw"]) > 35
    assert _min_digits(exact["db"], fd["db"]) > 35


@pytest.mark.parametrize("hidden", ["sigmoid", "tanh"])
def test_two_layer_formula_equals_finite_differences(hidden):
    _, _, X, Y, params = _problem(4)
    exact = oracle.two_layer_exact(params, X, Y, hidden=hidden)
    fd = oracle.two_layer_fd_gradient(params, X, Y, hidden=hidden)
    for name in ("dW1", "db1", "dW2", "db2"):
        assert exact[name].shape == params[name[1:]].shape
        assert _min_digits(exact[name], fd[name]) > 35, name


@pytest.mark.parametrize("scale", [1.0, 300.0])
def test_finite_difference_error_estimates_cover_the_formula(scale):
    """At scale 300 some derivatives are ~1e-130, below what a difference of an O(1) cost
    resolves at 60 digits: the estimate must say so rather than claim 0 is exact."""
    w, b, X, Y, params = _problem(12, scale=scale)
    exact = oracle.two_layer_exact(params, X, Y)
    fd = oracle.two_layer_fd_gradient(params, X, Y, errors=True)
    with mp.workdps(60):
        for name in ("dW1", "db1", "dW2", "db2"):
            errors = fd[name + "_error"].ravel()
            for e, f, err in zip(exact[name].ravel(), fd[name].ravel(), errors):
                assert abs(e - f) <= err, name
                assert err < mp.mpf(10) ** -35
    for d in oracle.logreg_directional(w, b, X, Y, seed=4):
        with mp.workdps(60):
            assert abs(d.finite_difference - d.formula) <= d.error < mp.mpf(10) ** -35


def test_finite_differences_catch_a_wrong_formula():
    w, b, X, Y, _ = _problem(5)
    exact = oracle.logreg_exact(w, b, X, Y)
    fd = oracle.logreg_fd_gradient(w, b, X, Y)
    with mp.workdps(60):
        missing_m = exact["dw"] * X.shape[1]
    assert _min_digits(missing_m, fd["dw"]) < 1


@pytest.mark.parametrize("hidden", ["sigmoid", "tanh"])
def test_directional_derivatives_agree_and_are_seeded(hidden):
    _, _, X, Y, params = _problem(6)
    first = oracle.two_layer_directional(params, X, Y, hidden=hidden, seed=7)
    again = oracle.two_layer_directional(params, X, Y, hidden=hidden, seed=7)
    assert [d.block for d in first] == ["W1", "b1", "W2", "b2"]
    for d, e in zip(first, again):
        assert np.array_equal(d.direction, e.direction)
        assert d.finite_difference == e.finite_difference
        assert d.direction.shape == np.shape(params[d.block])
        assert oracle.agreeing_digits(d.finite_difference, d.formula) > 35


def test_directional_value_separates_a_wrong_gradient():
    w, b, X, Y, _ = _problem(7)
    dw_dir, _ = oracle.logreg_directional(w, b, X, Y, seed=1)
    right = oracle.logreg_exact(w, b, X, Y).float64("dw")
    good = oracle.directional_value(right, dw_dir.direction)
    bad = oracle.directional_value(-right, dw_dir.direction)
    assert oracle.agreeing_digits(good, dw_dir.finite_difference) > 14
    assert oracle.agreeing_digits(bad, dw_dir.finite_difference) < 1


def test_precision_is_configurable_and_local():
    before = mp.dps
    w, b, X, Y, _ = _problem(8)
    exact30 = oracle.logreg_exact(w, b, X, Y, dps=30)
    fd30 = oracle.logreg_fd_gradient(w, b, X, Y, dps=30)
    assert mp.dps == before
    digits = _min_digits(exact30["dw"], fd30["dw"])
    assert 15 < digits < 25  # about 2/3 of 30 digits: the error estimate of the docstring


def test_saturated_cost_keeps_its_digits():
    X, Y = np.array([[1.0, 1.0]]), np.array([[0.0, 1.0]])
    cost = oracle.logreg_cost(np.array([[800.0]]), 0.0, X, Y)  # z = 800: y = 0 costs 800
    with mp.workdps(60):
        expected = (mp.log1p(mp.exp(800)) + mp.log1p(mp.exp(-800))) / 2
        assert abs(cost - expected) < mp.mpf(10) ** -55 * expected
    tiny = oracle.logreg_cost(np.array([[-800.0]]), 0.0, X[:, :1], Y[:, :1])
    with mp.workdps(60):
        assert abs(tiny / mp.exp(-800) - 1) < mp.mpf(10) ** -50  # e^-800, not 0


def test_cost_from_activations():
    A, Y = np.array([[0.25, 1.0]]), np.array([[1.0, 1.0]])
    with mp.workdps(60):
        assert oracle.cost_from_activations(A, Y) == -mp.log(mp.mpf(0.25)) / 2
    assert oracle.cost_from_activations(np.array([[1.0]]), np.array([[0.0]])) == mp.inf


def test_forward_values_round_to_float64_for_comparisons():
    _, _, X, Y, params = _problem(9)
    values = oracle.two_layer_exact(params, X, Y, hidden="tanh").float64()
    assert values["A1"].dtype == np.float64 and values["A1"].shape == (4, 5)
    assert np.allclose(values["A1"], np.tanh(params["W1"] @ X + params["b1"]), rtol=1e-15)
    assert values["cost"].shape == ()


def test_bad_arguments_are_value_errors():
    w, _, X, Y, params = _problem(10)
    with pytest.raises(ValueError, match="hidden activation"):
        oracle.two_layer_exact(params, X, Y, hidden="relu")
    with pytest.raises(ValueError, match="scalar bias"):
        oracle.logreg_exact(w, np.zeros(2), X, Y)
    with pytest.raises(ValueError, match="lack W2"):
        oracle.two_layer_cost({k: v for k, v in params.items() if k != "W2"}, X, Y)


@pytest.mark.parametrize("hidden", ["sigmoid", "tanh"])
def test_arb_products_give_the_same_values_as_mpmath(monkeypatch, hidden):
    pytest.importorskip("flint")
    rng = np.random.default_rng(11)
    n_x, n_h, m = 300, 12, 90  # above ARB_MIN_WORK: the arb path runs
    w, X = rng.standard_normal((n_x, 1)) / 10, rng.standard_normal((n_x, m))
    X[0, :3] = [0.1, -1 / 3, 1e-300]  # not dyadic in decimal; tiny
    Y = (rng.random((1, m)) > 0.5).astype(float)
    params = {"W1": rng.standard_normal((n_h, n_x)) / 10, "b1": rng.standard_normal((n_h, 1)),
              "W2": rng.standard_normal((1, n_h)), "b2": rng.standard_normal((1, 1))}

    def run():
        return (oracle.logreg_exact(w, 0.3, X, Y),
                oracle.two_layer_exact(params, X, Y, hidden=hidden),
                oracle.logreg_directional(w, 0.3, X, Y, seed=2))

    monkeypatch.setattr(oracle, "ACCELERATOR", "flint")
    fast = run()
    monkeypatch.setattr(oracle, "ACCELERATOR", None)
    plain = run()
    for name in ("Z", "cost", "dw", "db"):
        assert _min_digits(fast[0][name], plain[0][name]) > 55, name
    for name in ("Z1", "A1", "Z2", "cost", "dW1", "db1", "dW2", "db2"):
        assert _min_digits(fast[1][name], plain[1][name]) > 55, name
    for a, b in zip(fast[2], plain[2]):
        assert oracle.agreeing_digits(a.finite_difference, b.finite_difference) > 35


def test_exact_values_pickle_to_the_same_numbers_in_their_raw_form():
    """Exact pickles each mpf as its raw tuple (mpmath's own form, a hex mantissa, took seven
    times as long to load): every value comes back the same number, an mpf, in its shape."""
    import pickle

    w, b, X, Y, params = _problem(seed=3, scale=40.0)
    for exact in (oracle.logreg_exact(w, b, X, Y), oracle.two_layer_exact(params, X, Y)):
        data = pickle.dumps(exact)
        assert b"_exact_from_raw" in data
        back = pickle.loads(data)
        assert back.dps == exact.dps and back.values.keys() == exact.values.keys()
        for key, val in exact.values.items():
            assert back[key].shape == val.shape, key
            assert [(type(x), x._mpf_) for x in back[key].flat] == \
                   [(type(x), x._mpf_) for x in val.flat], key
    mixed = oracle.Exact({"Z": np.array([mp.mpf(1), mp.mpc(1, 2)], dtype=object)}, 30)
    back = pickle.loads(pickle.dumps(mixed))  # not all mpf: pickled as it is
    assert list(back["Z"]) == [mp.mpf(1), mp.mpc(1, 2)] and type(back["Z"][1]) is mp.mpc


@pytest.mark.parametrize("call", [
    lambda: oracle.logreg_exact(np.ones((3, 1)), 0.0, np.ones((2, 3)), np.ones((1, 3))),
    lambda: oracle.logreg_exact(np.ones((1, 1)), 0.0, np.ones((2, 3)), np.ones((1, 3))),
    lambda: oracle.logreg_cost(np.ones((2, 1)), 0.0, np.ones((2, 3)), np.ones((1, 2))),
    lambda: oracle.logreg_fd_gradient(np.ones((2, 1)), 0.0, np.ones((2, 3)), np.ones((3, 1))),
    lambda: oracle.cost_from_activations(np.full((1, 3), 0.5), np.ones((1, 2))),
    lambda: oracle.two_layer_exact({"W1": np.ones((2, 5)), "b1": np.zeros((2, 1)),
                                    "W2": np.ones((1, 2)), "b2": np.zeros((1, 1))},
                                   np.ones((2, 3)), np.ones((1, 3))),
    lambda: oracle.two_layer_cost({"W1": np.ones((2, 2)), "b1": np.zeros((2,)),
                                   "W2": np.ones((1, 2)), "b2": np.zeros((1, 1))},
                                  np.ones((2, 3)), np.ones((1, 3))),
])
def test_inputs_whose_shapes_do_not_fit_are_refused_not_truncated(call):
    """w (1, 1) with X (2, 3) used X's first row only, a short Y dropped examples, W1 (2, 5)
    with X (2, 3) gave numbers: an "exact" value of another problem, where NumPy raises."""
    with pytest.raises(ValueError, match="do not fit|differ in shape"):
        call()
