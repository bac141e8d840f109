"""The emitted NumPy reference: values against the axioms, numerical soundness, contract details."""

from __future__ import annotations

import copy

import mpmath
import numpy as np
import pytest
import sympy as sp

from nnspec.reference import logreg, two_layer_sigmoid, two_layer_tanh
from nnspec.spec.definitions import LogReg, TwoLayer, gradient, sigma

TWO_LAYER = {"sigmoid": two_layer_sigmoid, "tanh": two_layer_tanh}
SATURATION = [-800.0, -40.0, -37.0, 36.0, 40.0, 800.0]


def ulps(computed: float, exact: mpmath.mpf) -> float:
    """|computed - exact| in units of the last place of the float64 nearest to exact."""
    nearest = float(exact)
    if nearest == 0.0:
        return 0.0 if computed == 0.0 else np.inf
    return float(abs(mpmath.mpf(float(computed)) - exact) / mpmath.mpf(np.spacing(abs(nearest))))


def exact_cost(Z, Y) -> mpmath.mpf:
    """(1/m) sum of y log(1 + e^-z) + (1 - y) log(1 + e^z), at 50 digits."""
    with mpmath.workdps(50):
        z = [mpmath.mpf(float(v)) for v in np.ravel(Z)]
        y = [mpmath.mpf(float(v)) for v in np.ravel(Y)]
        total = sum(yi * mpmath.log1p(mpmath.exp(-zi)) + (1 - yi) * mpmath.log1p(mpmath.exp(zi))
                    for zi, yi in zip(z, y))
        return total / len(z)


def naive_cost(A, Y):
    """The notes' own formula: -(1/m) sum(Y log A + (1 - Y) log(1 - A))."""
    m = Y.shape[1]
    return (-1 / m) * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))


def _object_array(M: sp.Matrix) -> np.ndarray:
    return np.array(M.tolist(), dtype=object)


def random_two_layer(n_x, n_h, m, seed=0):
    rng = np.random.default_rng(seed)
    params = {"W1": rng.standard_normal((n_h, n_x)), "b1": rng.standard_normal((n_h, 1)),
              "W2": rng.standard_normal((1, n_h)), "b2": rng.standard_normal((1, 1))}
    return params, rng.standard_normal((n_x, m)), (rng.random((1, m)) < 0.5).astype(float)


# ------------------------------------------------------------------ sigmoid and the cost


def test_sigmoid_raises_no_floating_point_warning_anywhere():
    z = np.array([-1e308, -800.0, -745.0, -40.0, -0.0, 0.0, 40.0, 800.0, 1e308])
    with np.errstate(all="raise", under="ignore"):  # e^-800 underflowing to 0 is the true value
        a = logreg.sigmoid(z)
    assert np.all(np.isfinite(a)) and a[0] == 0.0 and a[-1] == 1.0 and a[4] == 0.5


def test_the_overflow_check_fails_for_the_notes_sigmoid():
    with np.errstate(all="raise", under="ignore"), pytest.raises(FloatingPointError):
        1 / (1 + np.exp(-np.array([-800.0])))


def test_sigmoid_within_a_few_ulp():
    z = np.concatenate([np.linspace(-745, 745, 2001), SATURATION])
    a = logreg.sigmoid(z)
    with mpmath.workdps(50):
        worst = max(ulps(ai, 1 / (1 + mpmath.exp(-mpmath.mpf(float(zi))))) for zi, ai in zip(z, a))
    assert worst <= 4


@pytest.mark.parametrize("z", SATURATION)
@pytest.mark.parametrize("y", [0.0, 1.0])
def test_cost_is_within_a_few_ulp_where_a_saturates(z, y):
    w, X, Y = np.array([[1.0]]), np.array([[z]]), np.array([[y]])
    _, cost = logreg.propagate(w, 0.0, X, Y)
    exact = exact_cost(X, Y)
    assert ulps(cost, exact) <= 4, (cost, exact)
    cost2 = two_layer_sigmoid.cost_from_logits(X, Y)
    assert ulps(cost2, exact) <= 4
    assert two_layer_tanh.compute_cost(two_layer_tanh.sigmoid(X), Y, Z2=X) == cost2


def test_the_accuracy_check_fails_for_the_notes_cost():
    """Where a rounds to 0 or 1 the notes' formula is not even finite."""
    Z, Y = np.array([[40.0, -800.0]]), np.array([[0.0, 1.0]])
    with np.errstate(all="ignore"):
        assert not np.isfinite(naive_cost(logreg.sigmoid(Z), Y))


def test_cost_on_a_batch_with_fractional_labels():
    rng = np.random.default_rng(1)
    Z, Y = rng.normal(0, 30, (1, 200)), rng.random((1, 200))
    cost = two_layer_sigmoid.cost_from_logits(Z, Y)
    assert ulps(cost, exact_cost(Z, Y)) <= 16


def test_compute_cost_from_a2_is_accurate_where_a2_does_not_saturate():
    rng = np.random.default_rng(2)
    Z, Y = rng.normal(0, 5, (1, 50)), (rng.random((1, 50)) < 0.5).astype(float)
    A2 = two_layer_sigmoid.sigmoid(Z)
    assert abs(two_layer_sigmoid.compute_cost(A2, Y) - float(exact_cost(Z, Y))) < 1e-13


def test_compute_cost_from_a2_where_a2_has_rounded_to_0_or_1():
    """A zero weight gives 0, not 0 * log(0) = nan; a positive weight on log(0) gives inf."""
    A2, Y = np.array([[1.0, 0.0, 0.3]]), np.array([[1.0, 0.0, 0.0]])
    with np.errstate(all="raise"):
        cost = two_layer_sigmoid.compute_cost(A2, Y)
    assert cost == -np.log1p(-0.3) / 3
    with np.errstate(divide="ignore"):
        assert two_layer_tanh.compute_cost(np.array([[1.0]]), np.array([[0.0]])) == np.inf


def test_the_saturation_check_fails_without_the_guard():
    A2, Y = np.array([[1.0, 0.0, 0.3]]), np.array([[1.0, 0.0, 0.0]])
    with np.errstate(all="ignore"):
        assert np.isnan(naive_cost(A2, Y))


# ------------------------------------------------------------ the values of the axioms


def _subs(matrix_symbols, values):
    out = {}
    for symbols, value in matrix_symbols:
        for s, v in zip(symbols, np.ravel(value)):
            out[s] = sp.Rational(float(v))
    return out


def test_propagate_matches_the_axioms_gradient():
    """dJ/dw, dJ/db of nnspec.spec.definitions evaluated at the same float64 inputs, 30 digits."""
    p = LogReg(3, 5)
    rng = np.random.default_rng(3)
    w, b, X = rng.standard_normal((3, 1)), 0.25, rng.standard_normal((3, 5))
    Y = np.array([[1.0, 0.0, 1.0, 1.0, 0.0]])
    values = _subs([(p.w, w), (p.X, X), (p.Y, Y), ([p.b], [b])], None)
    J = p.J()
    grads, cost = logreg.propagate(w, b, X, Y)
    exact_dw = np.array(gradient(J, p.w).xreplace(values).evalf(30), dtype=float)
    assert np.allclose(grads["dw"], exact_dw, rtol=1e-13, atol=1e-15)
    assert abs(grads["db"] - float(gradient(J, p.b).xreplace(values).evalf(30))) < 1e-14
    assert abs(cost - float(J.xreplace(values).evalf(30))) < 1e-14


@pytest.mark.parametrize("hidden", ["sigmoid", "tanh"])
def test_backward_propagation_is_exactly_the_axioms_gradient(hidden):
    """Run the emitted code on object arrays of SymPy entries: exact equality, entry by entry."""
    p = TwoLayer(2, 3, 4, hidden)
    f = p.forward()
    obj = _object_array
    params = {"W1": obj(p.W1), "b1": obj(p.b1), "W2": obj(p.W2), "b2": obj(p.b2)}
    cache = {k: obj(v) for k, v in f.items()}
    grads = TWO_LAYER[hidden].backward_propagation(params, cache, obj(p.X), obj(p.Y))
    J = p.J()
    for name in ("W1", "b1", "W2", "b2"):
        expected = gradient(J, getattr(p, name))
        got = sp.Matrix(grads[f"d{name}"])
        assert got.shape == expected.shape
        assert all(sp.expand(sp.cancel(e - g)) == 0 for e, g in zip(expected, got)), name


def test_the_exact_check_catches_a_wrong_derivative():
    """The sigmoid network's backward pass is not the tanh network's gradient."""
    p = TwoLayer(2, 3, 4, "tanh")
    obj = _object_array
    params = {"W1": obj(p.W1), "b1": obj(p.b1), "W2": obj(p.W2), "b2": obj(p.b2)}
    cache = {k: obj(v) for k, v in p.forward().items()}
    grads = two_layer_sigmoid.backward_propagation(params, cache, obj(p.X), obj(p.Y))
    diff = [sp.cancel(e - g) for e, g in zip(gradient(p.J(), p.W1), sp.Matrix(grads["dW1"]))]
    assert any(d != 0 for d in diff)


@pytest.mark.parametrize("hidden", ["sigmoid", "tanh"])
def test_forward_propagation_evaluates_the_axioms(hidden):
    p = TwoLayer(2, 3, 4, hidden)
    params, X, _ = random_two_layer(2, 3, 4)
    values = _subs([(p.W1, params["W1"]), (p.b1, params["b1"]), (p.W2, params["W2"]),
                    (p.b2, params["b2"]), (p.X, X)], None)
    A2, cache = TWO_LAYER[hidden].forward_propagation(X, params)
    for name, expr in p.forward().items():
        exact = np.array(expr.xreplace(values).evalf(30).tolist(), dtype=float)
        assert np.allclose(cache[name], exact, rtol=1e-14, atol=1e-300), name
    assert A2 is cache["A2"]


# --------------------------------------------------------------------- contract details


@pytest.mark.parametrize("n_x,m", [(1, 1), (1, 7), (4, 1)])
def test_logreg_shapes_including_m_1_and_n_x_1(n_x, m):
    rng = np.random.default_rng(4)
    w, X, Y = rng.standard_normal((n_x, 1)), rng.standard_normal((n_x, m)), np.ones((1, m))
    grads, cost = logreg.propagate(w, 0.5, X, Y)
    assert grads["dw"].shape == (n_x, 1) and np.ndim(grads["db"]) == 0 and np.ndim(cost) == 0
    assert logreg.predict(w, 0.5, X).shape == (1, m)
    params, _, costs = logreg.optimize(w, 0.5, X, Y, 3, 0.1)
    assert params["w"].shape == (n_x, 1) and len(costs) == 3


@pytest.mark.parametrize("hidden", ["sigmoid", "tanh"])
@pytest.mark.parametrize("n_x,n_h,m", [(1, 1, 1), (1, 3, 1), (3, 1, 5), (2, 4, 1)])
def test_two_layer_shapes_including_degenerate_ones(hidden, n_x, n_h, m):
    mod = TWO_LAYER[hidden]
    params, X, Y = random_two_layer(n_x, n_h, m)
    A2, cache = mod.forward_propagation(X, params)
    grads = mod.backward_propagation(params, cache, X, Y)
    for name in ("W1", "b1", "W2", "b2"):
        assert grads[f"d{name}"].shape == params[name].shape, name
    assert np.ndim(mod.compute_cost(A2, Y)) == 0
    assert mod.predict(params, X).shape == (1, m)


def _snapshot(*args):
    return copy.deepcopy(args)


def _same(a, b):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, tuple):
        return all(_same(x, y) for x, y in zip(a, b))
    return np.array_equal(a, b)


def test_no_function_modifies_its_arguments():
    rng = np.random.default_rng(5)
    w, b, X = rng.standard_normal((3, 1)), np.array(0.5), rng.standard_normal((3, 6))
    Y = (rng.random((1, 6)) < 0.5).astype(float)
    args = (w, b, X, Y)
    before = _snapshot(*args)
    logreg.propagate(*args)
    logreg.optimize(*args, 5, 0.1)
    logreg.predict(w, b, X)
    logreg.model(X, Y, X, Y, num_iterations=5)
    assert _same(before, args)
    for mod in TWO_LAYER.values():
        params, X2, Y2 = random_two_layer(3, 4, 6)
        A2, cache = mod.forward_propagation(X2, params)
        grads = mod.backward_propagation(params, cache, X2, Y2)
        state = (params, cache, grads, X2, Y2)
        before = _snapshot(*state)
        mod.forward_propagation(X2, params)
        mod.compute_cost(A2, Y2, Z2=cache["Z2"])
        mod.backward_propagation(params, cache, X2, Y2)
        new = mod.update_parameters(params, grads)
        mod.predict(params, X2)
        assert _same(before, state) and new is not params
        assert not any(np.shares_memory(new[k], params[k]) for k in params)


def test_the_mutation_check_catches_an_in_place_update():
    params, _, _ = random_two_layer(2, 3, 4)
    state = (params,)
    before = _snapshot(*state)
    params["W1"] -= 1.0  # what `W1 -= lr * dW1` does to the caller's array
    assert not _same(before, state)


def test_int_inputs_and_b_as_a_python_int_give_float64():
    w, X, Y = np.array([[1], [2]]), np.array([[1, 2, -1], [3, 4, -3]]), np.array([[1, 0, 1]])
    grads_int, cost_int = logreg.propagate(w, 2, X, Y)
    grads, cost = logreg.propagate(w.astype(float), 2.0, X.astype(float), Y.astype(float))
    assert grads_int["dw"].dtype == np.float64 and np.asarray(cost_int).dtype == np.float64
    assert np.array_equal(grads_int["dw"], grads["dw"]) and cost_int == cost
    assert grads_int["db"] == grads["db"]
    params, _, _ = logreg.optimize(w, 0, X, Y, 2, 0.1)
    assert params["w"].dtype == np.float64


def test_float32_inputs_are_computed_in_float64():
    params, X, _ = random_two_layer(2, 3, 4)
    p32 = {k: v.astype(np.float32) for k, v in params.items()}
    A2, cache = two_layer_tanh.forward_propagation(X.astype(np.float32), p32)
    assert A2.dtype == np.float64 and cache["Z1"].dtype == np.float64


def test_course_example_of_propagate():
    """The course's published example (its expected values were computed in float64)."""
    w, b = np.array([[1.0], [2.0]]), 2.0
    X, Y = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]]), np.array([[1, 0, 1]])
    grads, cost = logreg.propagate(w, b, X, Y)
    assert np.allclose(grads["dw"], [[0.99845601], [2.39507239]])
    assert np.isclose(grads["db"], 0.00145557813678) and np.isclose(cost, 5.801545319394553)


def test_predict_uses_the_notes_rule_a_at_least_one_half():
    assert logreg.predict(np.array([[1.0]]), 0.0, np.array([[-1.0, 0.0, 1.0]])).tolist() == [
        [0.0, 1.0, 1.0]]


def test_training_lowers_the_cost_and_leaves_the_global_random_state_alone():
    _, X, Y = random_two_layer(2, 3, 40, seed=6)
    state = np.random.get_state()[1].copy()
    trained = two_layer_tanh.nn_model(X, Y, 3, num_iterations=300, seed=3)
    again = two_layer_tanh.nn_model(X, Y, 3, num_iterations=300, seed=3)
    assert np.array_equal(np.random.get_state()[1], state)
    assert all(np.array_equal(trained[k], again[k]) for k in trained)
    start = two_layer_tanh.initialize_parameters(2, 3, 1, seed=3)

    def cost(p):
        return two_layer_tanh.cost_from_logits(two_layer_tanh.forward_propagation(X, p)[1]["Z2"], Y)

    assert cost(trained) < cost(start)
    _, _, costs = logreg.optimize(np.zeros((2, 1)), 0, X, Y, 50, 0.5)
    assert costs[-1] < costs[0]


def test_sigma_of_the_definitions_is_what_sigmoid_computes():
    z = 0.75
    assert abs(logreg.sigmoid(z) - float(sigma(sp.Rational(z)).evalf(30))) < 1e-16
