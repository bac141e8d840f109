"""The reference's training loops, predictions, defaults and object arrays, held to the mpmath
oracle and to the course's stated contract (bench/mutation.py measures what these tests catch).

Sizes are pairwise distinct (n_x = 3, n_h = 4, m = 7, a test set of 5) so that a misplaced
axis, a transposed factor or a size read from the wrong dimension cannot conform by accident.
"""

from __future__ import annotations

import re
from decimal import Decimal, localcontext

import mpmath
import numpy as np
import pytest
import sympy as sp
from mpmath import mp

from nnspec.numerics import oracle, tolerance
from nnspec.reference import logreg, two_layer_sigmoid, two_layer_tanh

TWO_LAYER = {"sigmoid": two_layer_sigmoid, "tanh": two_layer_tanh}
HIDDEN = sorted(TWO_LAYER)
MODULES = {"logreg": logreg, **{f"two_layer_{h}": m for h, m in TWO_LAYER.items()}}
U = tolerance.unit_roundoff("float64")
N_X, N_H, M, M_TEST = 3, 4, 7, 5

# The course's documented defaults (the notes' assignments): model trains 2000 iterations at
# learning rate 0.5, printing the cost every 100; nn_model 10000 iterations at update_parameters'
# learning rate 1.2 from initialize_parameters(n_x, n_h, n_y) seeded 3 (2 when called alone),
# printing every 1000; n_y = 1 output unit.
LOGREG_ITERATIONS, LOGREG_LEARNING_RATE, LOGREG_PRINT_EVERY = 2000, 0.5, 100
NN_ITERATIONS, NN_LEARNING_RATE, NN_PRINT_EVERY = 10000, 1.2, 1000
NN_SEED, INIT_SEED, N_Y = 3, 2, 1

COST_LINE = re.compile(r"Cost after iteration (\d+): (-?\d+\.\d{6})")
PRINTED = 5e-7  # a cost printed with `:f` (6 decimals) is within half a unit of the 6th


def data(seed: int = 0):
    """Train (3 x 7) and test (3 x 5) sets, labels of both classes; the last test example is
    x = 0, whose class is the sign of b alone."""
    rng = np.random.default_rng(seed)
    X, X_test = rng.standard_normal((N_X, M)), rng.standard_normal((N_X, M_TEST))
    X_test[:, -1] = 0.0
    Y = np.array([[1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0]])
    Y_test = np.array([[0.0, 1.0, 1.0, 0.0, 1.0]])
    return X, Y, X_test, Y_test


def to_mp_scalar(x):
    return oracle.to_mp(x)[()]


# ---------------------------------------------------------------- one exact descent step


def assert_logreg_step(before, after, X, Y, lr):
    """after = before - lr * (dw, db) with the exact gradient at `before`, within the step's
    rounding: lr times the gradient's bound, plus u |lr g| and u |new| (product, subtraction)."""
    w, b = before
    exact = oracle.logreg_exact(w, b, X, Y)
    bounds = tolerance.logreg_bounds(w, b, X, Y, exact=exact)
    with mp.workdps(oracle.DEFAULT_DPS):
        lr_mp = to_mp_scalar(lr)
        for name, old, got in (("w", w, after[0]), ("b", b, after[1])):
            g = exact["d" + name]
            expected = oracle.to_mp(old) - lr_mp * g
            step = np.abs(lr * oracle.to_float64(g))
            allowed = lr * bounds["d" + name] + U * step + U * np.abs(oracle.to_float64(expected))
            assert np.shape(got) == np.shape(old), f"{name} {np.shape(got)}"
            tolerance.assert_close(name, expected, got, allowed)


def assert_two_layer_step(before, after, X, Y, lr, hidden):
    """The same for the four blocks of the 2-layer network."""
    exact = oracle.two_layer_exact(before, X, Y, hidden=hidden)
    bounds = tolerance.two_layer_bounds(before, X, Y, hidden=hidden, exact=exact)
    with mp.workdps(oracle.DEFAULT_DPS):
        lr_mp = to_mp_scalar(lr)
        for name in oracle.TWO_LAYER_BLOCKS:
            g = exact["d" + name]
            expected = oracle.to_mp(before[name]) - lr_mp * g
            step = np.abs(lr * oracle.to_float64(g))
            allowed = lr * bounds["d" + name] + U * step + U * np.abs(oracle.to_float64(expected))
            assert np.shape(after[name]) == np.shape(before[name]), name
            tolerance.assert_close(name, expected, after[name], allowed)


def exact_classes(Z_mp) -> np.ndarray:
    """The notes' rule on exact logits: class 1 where a >= 0.5, that is where z >= 0."""
    return np.array([[1.0 if z >= 0 else 0.0 for z in np.ravel(Z_mp)]])


def exact_logits(w, b, X):
    with mp.workdps(oracle.DEFAULT_DPS):
        Z = oracle.to_mp(w).T @ oracle.to_mp(X) + to_mp_scalar(b)
    assert all(abs(z) > 1e-9 for z in np.ravel(Z)), "an example too close to the boundary"
    return Z


def initial_parameters(n_x, n_h, n_y, seed):
    """The contract of initialize_parameters: W1 then W2 drawn as 0.01 N(0, 1) from
    numpy.random.default_rng(seed), zero biases."""
    rng = np.random.default_rng(seed)
    W1 = rng.standard_normal((n_h, n_x)) * 0.01
    W2 = rng.standard_normal((n_y, n_h)) * 0.01
    return {"W1": W1, "b1": np.zeros((n_h, 1)), "W2": W2, "b2": np.zeros((n_y, 1))}


# ---------------------------------------------------------------- logistic regression: model


def test_model_replays_exact_descent_steps_from_zero_and_predicts_by_the_exact_rule():
    X, Y, X_test, Y_test = data()
    lr = 0.25
    runs = [logreg.model(X, Y, X_test, Y_test, num_iterations=t, learning_rate=lr)
            for t in range(4)]
    first = runs[0]
    assert np.array_equal(first["w"], np.zeros((N_X, 1))) and first["b"] == 0.0
    assert first["costs"] == []
    for t in range(1, 4):
        before, after = runs[t - 1], runs[t]
        assert_logreg_step((before["w"], before["b"]), (after["w"], after["b"]), X, Y, lr)
        assert len(after["costs"]) == t
        assert after["learning_rate"] == lr and after["num_iterations"] == t
    last = runs[-1]
    for t, cost in enumerate(last["costs"]):  # the cost at the parameters of step t
        w, b = runs[t]["w"], runs[t]["b"]
        exact = oracle.logreg_exact(w, b, X, Y)
        bound = tolerance.logreg_bounds(w, b, X, Y, exact=exact)["cost"]
        tolerance.assert_close(f"costs[{t}]", exact["cost"], cost, bound)
    w, b = last["w"], last["b"]
    for key, features in (("Y_prediction_train", X), ("Y_prediction_test", X_test)):
        got = last[key]
        assert got.shape == (1, features.shape[1]) and got.dtype == np.float64, key
        assert np.array_equal(got, exact_classes(exact_logits(w, b, features))), key


def test_model_defaults_are_the_courses_and_lower_the_cost_at_every_step():
    X, Y, X_test, Y_test = data(1)
    result = logreg.model(X, Y, X_test, Y_test)
    assert result["num_iterations"] == LOGREG_ITERATIONS == len(result["costs"])
    assert result["learning_rate"] == LOGREG_LEARNING_RATE
    assert result["w"].shape == (N_X, 1) and np.ndim(result["b"]) == 0
    # lr = 0.5 is below 2 / L (L = ||[X; 1]||_2^2 / (4 m), the gradient's Lipschitz constant):
    # every exact step lowers the cost (descent lemma); each float64 cost is within 1e-15 of it
    L = np.linalg.norm(np.vstack([X, np.ones((1, M))]), 2) ** 2 / (4 * M)
    assert LOGREG_LEARNING_RATE < 2 / L
    costs = np.array(result["costs"])
    assert np.all(np.diff(costs) <= 1e-15) and costs[-1] < costs[0] / 2
    one = logreg.model(X, Y, X_test, Y_test, num_iterations=1)
    assert_logreg_step((np.zeros((N_X, 1)), 0.0), (one["w"], one["b"]), X, Y,
                       LOGREG_LEARNING_RATE)


def test_model_prints_nothing_by_default(capsys):
    X, Y, X_test, Y_test = data()
    logreg.model(X, Y, X_test, Y_test, num_iterations=3)
    logreg.optimize(np.zeros((N_X, 1)), 0.0, X, Y, 3, 0.1)
    assert capsys.readouterr().out == ""


def test_model_prints_the_cost_every_100_iterations_then_both_accuracies(capsys):
    X, Y, X_test, Y_test = data()
    result = logreg.model(X, Y, X_test, Y_test, num_iterations=201, learning_rate=0.1,
                          print_cost=True)
    lines = capsys.readouterr().out.splitlines()
    printed = [COST_LINE.fullmatch(line) for line in lines[:-2]]
    assert all(printed), lines
    assert [int(p[1]) for p in printed] == list(range(0, 201, LOGREG_PRINT_EVERY))
    for p in printed:
        assert abs(float(p[2]) - result["costs"][int(p[1])]) <= PRINTED
    w, b = result["w"], result["b"]
    for line, name, features, labels in ((lines[-2], "train", X, Y),
                                         (lines[-1], "test", X_test, Y_test)):
        right = np.sum(exact_classes(exact_logits(w, b, features)) == labels)
        assert line == f"{name} accuracy: {100 * right / labels.shape[1]:.2f} %"


def test_optimize_prints_the_cost_at_iterations_0_100_200(capsys):
    X, Y, _, _ = data()
    _, _, costs = logreg.optimize(np.zeros((N_X, 1)), 0.0, X, Y, 250, 0.1, print_cost=True)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"Cost after iteration {i}: {costs[i]:f}" for i in (0, 100, 200)]
    exact = oracle.logreg_cost(np.zeros((N_X, 1)), 0.0, X, Y)  # log 2 at w = 0, b = 0
    assert abs(float(COST_LINE.fullmatch(lines[0])[2]) - float(exact)) <= PRINTED


# ---------------------------------------------------------------- the 2-layer network: nn_model


@pytest.mark.parametrize("hidden", HIDDEN)
def test_nn_model_replays_exact_descent_steps_with_the_default_learning_rate(hidden):
    mod = TWO_LAYER[hidden]
    X, Y, _, _ = data(2)
    runs = [mod.nn_model(X, Y, N_H, num_iterations=t) for t in range(3)]
    start = initial_parameters(N_X, N_H, N_Y, NN_SEED)
    assert runs[0].keys() == start.keys()
    for name in start:
        assert np.array_equal(runs[0][name], start[name]), name
    for t in (1, 2):
        assert_two_layer_step(runs[t - 1], runs[t], X, Y, NN_LEARNING_RATE, hidden)
    prediction = mod.predict(runs[-1], X)
    assert prediction.shape == (1, M)
    exact = oracle.two_layer_exact(runs[-1], X, Y, hidden=hidden)
    assert np.array_equal(prediction, exact_classes(exact["Z2"]))


@pytest.mark.parametrize("hidden", HIDDEN)
def test_nn_model_seed_and_learning_rate_are_used(hidden):
    mod = TWO_LAYER[hidden]
    X, Y, _, _ = data(3)
    start = mod.nn_model(X, Y, N_H, num_iterations=0, seed=5)
    assert all(np.array_equal(start[k], v) for k, v in initial_parameters(N_X, N_H, 1, 5).items())
    one = mod.nn_model(X, Y, N_H, num_iterations=1, seed=5, learning_rate=0.3)
    assert_two_layer_step(start, one, X, Y, 0.3, hidden)


@pytest.mark.parametrize("hidden", HIDDEN)
def test_nn_model_lowers_the_cost_for_a_small_learning_rate(hidden):
    mod = TWO_LAYER[hidden]
    X, Y, _, _ = data(4)
    costs = [oracle.two_layer_cost(mod.nn_model(X, Y, N_H, num_iterations=t, learning_rate=0.5),
                                   X, Y, hidden=hidden) for t in (0, 20, 200)]
    assert costs[0] > costs[1] > costs[2]


@pytest.mark.parametrize("hidden", HIDDEN)
def test_nn_model_prints_the_cost_before_the_update_every_1000_iterations(hidden, capsys):
    mod = TWO_LAYER[hidden]
    X, Y, _, _ = data(5)
    mod.nn_model(X, Y, N_H, num_iterations=3)
    assert capsys.readouterr().out == ""  # print_cost defaults to False
    mod.nn_model(X, Y, N_H, num_iterations=NN_PRINT_EVERY + 1, print_cost=True)
    lines = capsys.readouterr().out.splitlines()
    printed = [COST_LINE.fullmatch(line) for line in lines]
    assert all(printed) and [int(p[1]) for p in printed] == [0, NN_PRINT_EVERY], lines
    for p in printed:
        params = mod.nn_model(X, Y, N_H, num_iterations=int(p[1]))
        assert abs(float(p[2]) - float(oracle.two_layer_cost(params, X, Y, hidden=hidden))) \
            <= PRINTED


@pytest.mark.parametrize("hidden", HIDDEN)
def test_nn_model_defaults_to_10000_steps_at_learning_rate_1_2(hidden, monkeypatch, capsys):
    """The loop with its three steps replaced by recording stand-ins (10000 real steps would
    take seconds): one forward, backward and update per iteration, at the default rate."""
    mod = TWO_LAYER[hidden]
    X, Y, _, _ = data(6)
    start = initial_parameters(N_X, N_H, N_Y, NN_SEED)
    forward = mod.forward_propagation(X, start)
    grads = mod.backward_propagation(start, forward[1], X, Y)
    rates = []
    monkeypatch.setattr(mod, "forward_propagation", lambda X, parameters: forward)
    monkeypatch.setattr(mod, "backward_propagation", lambda parameters, cache, X, Y: grads)
    monkeypatch.setattr(mod, "update_parameters",
                        lambda parameters, grads, learning_rate: rates.append(learning_rate)
                        or parameters)
    mod.nn_model(X, Y, N_H, print_cost=True)
    assert rates == [NN_LEARNING_RATE] * NN_ITERATIONS
    lines = capsys.readouterr().out.splitlines()
    assert [int(COST_LINE.fullmatch(line)[1]) for line in lines] == list(
        range(0, NN_ITERATIONS, NN_PRINT_EVERY))


# ---------------------------------------------------------------- parameters and updates


@pytest.mark.parametrize("hidden", HIDDEN)
def test_initialize_parameters_defaults_and_shapes(hidden):
    mod = TWO_LAYER[hidden]
    expected = initial_parameters(N_X, N_H, N_Y, INIT_SEED)
    got = mod.initialize_parameters(N_X, N_H)
    assert got.keys() == expected.keys()
    for name, value in expected.items():
        assert got[name].shape == value.shape and np.array_equal(got[name], value), name
    other = mod.initialize_parameters(N_X, N_H, 2, seed=7)
    for name, value in initial_parameters(N_X, N_H, 2, 7).items():
        assert np.array_equal(other[name], value), name


@pytest.mark.parametrize("hidden", HIDDEN)
def test_update_parameters_default_learning_rate_is_1_2(hidden):
    mod = TWO_LAYER[hidden]
    rng = np.random.default_rng(8)
    shapes = {"W1": (N_H, N_X), "b1": (N_H, 1), "W2": (1, N_H), "b2": (1, 1)}
    params = {k: rng.standard_normal(s) for k, s in shapes.items()}
    grads = {"d" + k: rng.standard_normal(s) for k, s in shapes.items()}
    for got, lr in ((mod.update_parameters(params, grads), NN_LEARNING_RATE),
                    (mod.update_parameters(params, grads, 0.3), 0.3)):
        for name in shapes:  # one rounding for lr * g, one for the subtraction
            with mp.workdps(40):
                exact = oracle.to_mp(params[name]) - to_mp_scalar(lr) * oracle.to_mp(
                    grads["d" + name])
            step = np.abs(lr * grads["d" + name])
            tolerance.assert_close(name, exact, got[name],
                                   U * step + U * np.abs(params[name] - lr * grads["d" + name]))


# ---------------------------------------------------------------- predict's threshold


def _two_layer_with_logit(hidden, b2, n_x=N_X, n_h=N_H, m=M):
    """A network whose output logit is b2 for every example (W2 = 0)."""
    mod = TWO_LAYER[hidden]
    params = mod.initialize_parameters(n_x, n_h)
    params["W2"] = np.zeros((1, n_h))
    params["b2"] = np.array([[b2]])
    return params, np.random.default_rng(9).standard_normal((n_x, m))


@pytest.mark.parametrize("hidden", HIDDEN)
def test_two_layer_predict_at_and_around_one_half(hidden):
    """A2 = sigma(b2): 0.5 exactly at b2 = 0 (class 1, the notes' a >= 0.5), 0.5 +- 2^-32 at
    b2 = +-2^-30 (classes 1 and 0)."""
    mod = TWO_LAYER[hidden]
    for b2 in (0.0, 2.0**-30, -(2.0**-30), 3.0, -3.0):
        params, X = _two_layer_with_logit(hidden, b2)
        a2 = mod.forward_propagation(X, params)[0]
        with mp.workdps(40):
            exact_a = 1 / (1 + mpmath.exp(-to_mp_scalar(b2)))
        assert np.all(np.abs(a2 - float(exact_a)) <= 4 * np.spacing(float(exact_a)))
        assert (b2 == 0) == np.all(a2 == 0.5)
        expected = np.full((1, M), 1.0 if exact_a >= 0.5 else 0.0)
        got = mod.predict(params, X)
        assert got.dtype == np.float64 and np.array_equal(got, expected), b2


@pytest.mark.parametrize("hidden", HIDDEN)
def test_two_layer_predict_is_the_exact_rule_on_a_random_network(hidden):
    rng = np.random.default_rng(10)
    params = {"W1": rng.standard_normal((N_H, N_X)), "b1": rng.standard_normal((N_H, 1)),
              "W2": rng.standard_normal((1, N_H)), "b2": np.zeros((1, 1))}
    X, Y, _, _ = data(10)
    logits = np.sort(TWO_LAYER[hidden].forward_propagation(X, params)[1]["Z2"].ravel())
    params["b2"] = np.array([[-(logits[3] + logits[4]) / 2]])  # 4 examples below 0, 3 above
    exact = oracle.two_layer_exact(params, X, Y, hidden=hidden)
    assert all(abs(z) > 1e-9 for z in np.ravel(exact["Z2"]))
    expected = exact_classes(exact["Z2"])
    assert 0 < expected.sum() < M  # both classes: a negated input cannot pass unnoticed
    assert np.array_equal(TWO_LAYER[hidden].predict(params, X), expected)


def test_logreg_predict_at_and_around_one_half():
    X = np.array([[0.0, 2.0**-30, -(2.0**-30), 1e-300, 3.0, -3.0]])
    w = np.array([[1.0]])
    expected = exact_classes(oracle.to_mp(X))  # z >= 0, with z = x
    for b in (0.0, np.float64(0.0), np.array(0.0)):
        got = logreg.predict(w, b, X)
        assert got.dtype == np.float64 and np.array_equal(got, expected)
    # the bias moves the threshold: z = x + b
    got = logreg.predict(np.array([[2.0], [-1.0]]), 0.5, np.array([[0.0, 0.0], [0.5, 0.5 + 2**-20]]))
    assert got.tolist() == [[1.0, 0.0]]


# ---------------------------------------------------------------- float64 and object arrays


@pytest.mark.parametrize("name", sorted(MODULES))
def test_float64_keeps_float64_arrays_and_object_arrays_as_they_are(name):
    """The documented contract of _float64: no copy of a float64 array, object arrays (exact
    entries) pass through, anything else becomes float64."""
    to_float64 = MODULES[name]._float64
    a = np.array([[1.5, -2.0]])
    assert to_float64(a) is a
    obj = np.array([[sp.Rational(1, 3), sp.Symbol("x")]], dtype=object)
    assert to_float64(obj) is obj
    ints = to_float64([[1, -2], [3, 4]])
    assert ints.dtype == np.float64 and ints.tolist() == [[1.0, -2.0], [3.0, 4.0]]
    assert to_float64(np.float32(0.1)).dtype == np.float64


def test_logreg_sigmoid_and_predict_on_decimal_objects_keep_their_precision():
    """Object arrays pass through: Decimal entries (which have exp) are computed at 50 digits,
    not rounded to float64."""
    with localcontext() as ctx, mp.workdps(60):
        ctx.prec = 50
        z = [Decimal(1) / 3, Decimal(-40), Decimal(0)]
        a = logreg.sigmoid(np.array([z], dtype=object))
        assert a.dtype == object
        for zi, ai in zip(z, a[0]):
            exact = 1 / (1 + mpmath.exp(-mpmath.mpf(str(zi))))
            assert abs(mpmath.mpf(str(ai)) - exact) < mpmath.mpf(10) ** -45
        X = np.array([[Decimal(1), Decimal(-1) / 10**30]], dtype=object)
        got = logreg.predict(np.array([[Decimal(1)]], dtype=object), Decimal(0), X)
        assert got.tolist() == [[1.0, 0.0]]  # float64 would round a = 0.5 - 2.5e-31 to 0.5


@pytest.mark.parametrize("hidden", HIDDEN)
def test_update_parameters_on_sympy_entries_is_exactly_the_step(hidden):
    mod = TWO_LAYER[hidden]
    shapes = {"W1": (2, 3), "b1": (2, 1), "W2": (1, 2), "b2": (1, 1)}
    params = {k: np.array(sp.Matrix(*s, lambda i, j, k=k: sp.Symbol(f"{k}_{i}{j}")).tolist(),
                          dtype=object) for k, s in shapes.items()}
    grads = {"d" + k: np.array(sp.Matrix(*s, lambda i, j, k=k: sp.Symbol(f"d{k}_{i}{j}")).tolist(),
                               dtype=object) for k, s in shapes.items()}
    lr = sp.Symbol("alpha")
    new = mod.update_parameters(params, grads, lr)
    for name, shape in shapes.items():
        expected = sp.Matrix(params[name].tolist()) - lr * sp.Matrix(grads["d" + name].tolist())
        assert sp.Matrix(new[name].tolist()) - expected == sp.zeros(*shape), name


def test_the_step_checks_catch_a_step_slightly_off():
    """A step at 1.000001 times the rate, or with one entry's sign flipped, is refuted."""
    X, Y, _, _ = data()
    w, b = np.full((N_X, 1), 0.1), 0.2
    grads, _ = logreg.propagate(w, b, X, Y)
    with pytest.raises(AssertionError, match="w"):
        assert_logreg_step((w, b), (w - 0.5 * 1.000001 * grads["dw"], b - 0.5 * grads["db"]),
                           X, Y, 0.5)
    with pytest.raises(AssertionError, match="b"):
        assert_logreg_step((w, b), (w - 0.5 * grads["dw"], b + 0.5 * grads["db"]), X, Y, 0.5)
    for hidden, mod in TWO_LAYER.items():
        start = initial_parameters(N_X, N_H, N_Y, NN_SEED)
        _, cache = mod.forward_propagation(X, start)
        step = mod.backward_propagation(start, cache, X, Y)
        step["dW1"] = step["dW1"] * (1 + 1e-6)
        with pytest.raises(AssertionError, match="W1"):
            assert_two_layer_step(start, mod.update_parameters(start, step), X, Y, 1.2, hidden)


# ---------------------------------------------------------------- compute_cost, both forms


@pytest.mark.parametrize("hidden", HIDDEN)
def test_compute_cost_is_the_cross_entropy_for_labels_in_0_1_in_both_forms(hidden):
    """From A2 (the course's form) and from Z2 (the cache's logits), for labels 0, 1 and in
    between (the same formula: -(y log a + (1 - y) log(1 - a)), averaged over m)."""
    mod = TWO_LAYER[hidden]
    Z2 = np.array([[-3.0, -0.5, 0.0, 0.25, 2.0, 4.0, -60.0]])
    Y = np.array([[0.0, 1.0, 0.25, 0.5, 0.9, 1.0, 0.0]])
    A2 = mod.sigmoid(Z2)
    tolerance.assert_close("cost from A2", oracle.cost_from_activations(A2, Y),
                           mod.compute_cost(A2, Y), tolerance.cost_from_activations_bound(A2, Y))
    one = np.array([[1.0]])  # the logits as logistic regression's z = 1 * x + 0
    exact = oracle.logreg_exact(one, 0.0, Z2, Y)
    bound = tolerance.logreg_bounds(one, 0.0, Z2, Y, exact=exact)["cost"]
    tolerance.assert_close("cost from Z2", exact["cost"], mod.compute_cost(A2, Y, Z2=Z2), bound)
    tolerance.assert_close("cost from Z2", exact["cost"], mod.compute_cost(None, Y, Z2), bound)
