"""Diagnosis: a wrong value is matched with the known mistake that was made, or with none."""

from __future__ import annotations

import numpy as np
import pytest

from nnspec.audit import contracts, diagnosis, engine
from nnspec.audit.contracts import Options
from nnspec.audit.sandbox import to_plain
from nnspec.numerics import oracle
from nnspec.reference import two_layer_sigmoid, two_layer_tanh

LOGREG = {"w": np.array([[0.5], [-1.5]]), "b": 0.25,
          "X": np.array([[1.0, -2.0, 0.5], [0.5, 1.0, -1.0]]), "Y": np.array([[1.0, 0.0, 1.0]])}


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _propagate(w, b, X, Y, *, scale=1.0, clip=0.0, eps=0.0, one_term=False, dtype=np.float64):
    w, X, Y = w.astype(dtype), X.astype(dtype), Y.astype(dtype)
    m = X.shape[1]
    A = _sigmoid(w.T @ X + dtype(b))
    if clip:
        A = np.clip(A, clip, 1 - clip)
    losses = Y * np.log(A + eps) + (0 if one_term else (1 - Y) * np.log(1 - A + eps))
    return {"dw": X @ (A - Y).T / m * scale, "db": np.sum(A - Y) / m * scale}, -np.sum(losses) / m


def _explain(contract: str, problem: dict, value, hidden: str = "sigmoid") -> str:
    c, options = contracts.get(contract), Options(hidden_activation=hidden)
    wrong = [f for f in c.check(problem, to_plain(value), options) if f.check == "value"]
    assert wrong, "the broken input must fail the value check"
    return diagnosis.explain(contract, [(problem, wrong[0].details)], options)[0]


@pytest.mark.parametrize("kwargs, expected", [
    ({"scale": 3.0}, "matches: missing 1/m"),
    ({"scale": -1.0}, "matches: a flipped sign"),
    ({"clip": 0.1}, "matches: a clipped at 0.1"),
    ({"eps": 1e-3}, "matches: eps = 0.001 inside the log"),
    ({"one_term": True}, "matches: the (1 - y) log(1 - a) term dropped"),
    ({"dtype": np.float32}, "matches: float32 arithmetic"),
    ({"scale": 1.5}, "matches: m taken as X.shape[0]"),  # n_x = 2, m = 3
    ({"scale": 1.25}, "matches no known mistake"),
])
def test_logistic_mistakes_are_named(kwargs: dict, expected: str) -> None:
    assert _explain("logreg.propagate", LOGREG, _propagate(**LOGREG, **kwargs)).startswith(expected)


TWO = {"W1": np.array([[0.5, -1.0], [2.0, 0.25], [1.0, 1.0]]), "b1": np.array([[0.1], [0], [-2]]),
       "W2": np.array([[1.0, -2.0, 0.5]]), "b2": np.array([[0.3]]),
       "X": np.array([[1.0, 2.0, 0.5, -1.0], [0.0, -1.0, 2.0, 1.0]]),
       "Y": np.array([[1.0, 0.0, 0.0, 1.0]])}
PARAMS = {k: TWO[k] for k in ("W1", "b1", "W2", "b2")}


def test_the_other_hidden_activation_is_named_with_the_option_to_use() -> None:
    text = _explain("two_layer.forward_propagation", TWO,
                    two_layer_tanh.forward_propagation(TWO["X"], PARAMS))
    assert text.startswith("matches: tanh hidden layer; run with --hidden-activation tanh")


def test_tanh_derivative_for_sigmoid_and_dW2_for_W2_are_named() -> None:
    _, cache = two_layer_sigmoid.forward_propagation(TWO["X"], PARAMS)
    m, A1, dZ2 = 4, cache["A1"], cache["A2"] - TWO["Y"]
    for weights, g_prime, expected in (
            (TWO["W2"], 1 - A1**2, "matches: tanh' = 1 - a^2 used for the sigmoid hidden"),
            (dZ2 @ A1.T / m, A1 * (1 - A1), "matches: dW2 used in place of W2")):
        dZ1 = weights.T @ dZ2 * g_prime
        grads = {"dW1": dZ1 @ TWO["X"].T / m, "db1": dZ1.sum(axis=1, keepdims=True) / m,
                 "dW2": dZ2 @ A1.T / m, "db2": dZ2.sum(axis=1, keepdims=True) / m}
        text = _explain("two_layer.backward_propagation", TWO, grads)
        assert text.startswith(expected) and "never divide" not in text


def test_a1_for_g_prime_and_dw2_without_its_transpose_are_named() -> None:
    """`dZ1 = W2^T dZ2 * A1` and `dW2 = dZ2 @ A1` (where n_h == m it runs) matched no known
    mistake, the second though "a missing transpose" was among those tried."""
    square = {**TWO, "X": TWO["X"][:, :3], "Y": TWO["Y"][:, :3]}  # n_h = m = 3
    _, cache = two_layer_sigmoid.forward_propagation(square["X"], PARAMS)
    m, A1, dZ2 = 3, cache["A1"], cache["A2"] - square["Y"]
    right = dZ2 @ A1.T / m
    for dW2, g_prime, expected in ((right, A1, "matches: A1 used in place of g'(Z1)"),
                                   (dZ2 @ A1 / m, A1 * (1 - A1),
                                    "matches: dW2 = dZ2 A1 without A1's transpose")):
        dZ1 = TWO["W2"].T @ dZ2 * g_prime
        grads = {"dW1": dZ1 @ square["X"].T / m, "db1": dZ1.sum(axis=1, keepdims=True) / m,
                 "dW2": dW2, "db2": dZ2.sum(axis=1, keepdims=True) / m}
        assert _explain("two_layer.backward_propagation", square, grads).startswith(expected)


def test_one_minus_a1_for_g_prime_is_named_for_either_hidden_activation() -> None:
    """`dZ1 = W2^T dZ2 * (1 - A1)`, the tanh week's typical slip (1 - A1**2 without the square),
    matched no known mistake."""
    for hidden, module in (("tanh", two_layer_tanh), ("sigmoid", two_layer_sigmoid)):
        _, cache = module.forward_propagation(TWO["X"], PARAMS)
        m, A1, dZ2 = TWO["X"].shape[1], cache["A1"], cache["A2"] - TWO["Y"]
        dZ1 = TWO["W2"].T @ dZ2 * (1 - A1)
        grads = {"dW1": dZ1 @ TWO["X"].T / m, "db1": dZ1.sum(axis=1, keepdims=True) / m,
                 "dW2": dZ2 @ A1.T / m, "db2": dZ2.sum(axis=1, keepdims=True) / m}
        text = _explain("two_layer.backward_propagation", TWO, grads, hidden=hidden)
        assert text.startswith("matches: 1 - A1 used for g'(Z1)"), text
        assert ("1 - A1**2" if hidden == "tanh" else "A1 * (1 - A1)") in text


def test_a_small_eps_inside_the_log_is_a_correct_form() -> None:
    A2, Y = np.array([[0.25, 0.5, 0.75]]), np.array([[1.0, 0.0, 1.0]])
    cost = float(-np.mean(Y * np.log(A2 + 1e-12) + (1 - Y) * np.log(1 - A2 + 1e-12)))
    c = contracts.get("two_layer.compute_cost")
    problem = {"A2": A2, "Y": Y, **PARAMS}
    (failure,) = c.check(problem, cost, Options())
    match = diagnosis.diagnose(c.name, problem, failure.details, Options())
    assert match is not None and match.benign and match.mistake == "eps = 1e-12 inside the log"


def test_a_target_with_noise_gets_no_diagnosis_and_no_accuracy_warning() -> None:
    """Noise of float32 size in the cost matched "float32 arithmetic" by chance: a target that
    returns different results for the same inputs gets none. Nor an accuracy warning: it
    measured the noise and advised a stable sigmoid."""
    from nnspec.audit import engine

    rng = np.random.default_rng(0)

    def noisy(w, b, X, Y):
        m = X.shape[1]
        A = 1 / (1 + np.exp(-(w.T @ X + b)))
        cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
        return {"dw": X @ (A - Y).T / m, "db": np.sum(A - Y) / m}, cost * (1 + 1e-9 * rng.random())

    result = engine.audit_function(noisy, "logreg.propagate")
    checks = {f.check: f for f in result.findings}
    assert "determinism" in checks and "value" in checks
    assert "no diagnosis: it returns different results" in checks["value"].message
    assert "matches:" not in checks["value"].message
    assert "accuracy" not in checks


def _clipped_propagate(c: float):
    def propagate(w, b, X, Y):
        m = X.shape[1]
        A = _sigmoid(np.clip(w.T @ X + b, -c, c))
        cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
        return {"dw": X @ (A - Y).T / m, "db": np.sum(A - Y) / m}, cost
    return propagate


@pytest.mark.parametrize("c", [15.0, 20.0, 30.0])
def test_a_sigmoid_that_clips_z_is_a_defect_named_as_such(c: float) -> None:
    """np.clip(z, -20, 20) "against overflow" conformed: no input had |z| between 8 and the
    saturating 40; at 15 it was "float32 arithmetic" (the cost off by 5), whose bound at a
    float32-saturated input fits any error."""
    result = engine.audit_function(_clipped_propagate(c), "logreg.propagate")
    (value,) = [f for f in result.findings if f.check == "value"]
    assert result.verdict == "defect" and value.severity == "defect"
    assert f"matches: sigmoid of z clipped at -{c:g} and {c:g}" in value.message
    assert "float32" not in value.message.split("(tried", 1)[0]


def test_float32_is_not_named_where_its_bound_is_as_large_as_the_value() -> None:
    """At z = 20 float32's sigmoid is 1 and its cost bound (404) exceeds the cost (20): a cost
    off by 5 fit it. At z = 15 the bound (2.7) still bounds the cost's digits."""
    p = {"w": np.array([[0.0]]), "b": 20.0, "X": np.array([[0.0]]), "Y": np.array([[0.0]])}
    wrong = {"cost": np.asarray(15.0)}
    assert not diagnosis._float32("logreg.propagate", p, Options(), {"cost": 20.0}, wrong)
    near = {"cost": np.asarray(20.0 + 1e-6)}
    assert diagnosis._float32("logreg.propagate", {**p, "b": 15.0}, Options(), {"cost": 15.0},
                              {"cost": np.asarray(15.0 + 1e-6)})
    assert not diagnosis._float32("logreg.propagate", p, Options(), {"cost": 20.0}, near)
    assert _explain("logreg.propagate", p, _clipped_propagate(10.0)(**p)).startswith(
        "matches: sigmoid of z clipped at -10 and 10")


def test_float32_values_at_saturation_are_named_but_float64_saturation_is_not() -> None:
    """Where sigmoid saturates, a quantity off by float32 rounding (the target computes in
    float32) is float32 arithmetic; 1.0 for 1 - 1e-17 (float64 rounding) or inf is not."""
    from nnspec.audit.contracts import Options

    p = {"w": np.array([[1000.0]]), "b": 0.0, "X": np.array([[-0.1]]), "Y": np.array([[1.0]])}
    f32 = float(np.float32(0.1))
    found = diagnosis.per_quantity(
        "logreg.propagate", p,
        {"expected": {"dw": [[0.1]]}, "got": {"dw": [[f32]]}, "bound": {"dw": 1e-16}}, Options())
    assert found.get("dw") is diagnosis.FLOAT32
    assert not diagnosis._float32_values([[1 - 1e-17]], [[1.0]])
    assert not diagnosis._float32_values([[100.0]], [[np.inf]])
    assert not diagnosis._float32_values([[0.1]], [[0.1 + 1e-3]])


def test_no_saturation_warning_repeats_quantities_wrong_elsewhere() -> None:
    """Zeros for dw, db and cost: the first value defect names db and cost only (dw is right
    at X = 0), and a saturation warning with dw wrong advised the stable gradient form to code
    that computes no gradient at all."""
    def zeros(w, b, X, Y):
        return {"dw": np.zeros_like(w), "db": 0.0}, 0.0

    result = engine.audit_function(zeros, "logreg.propagate")
    assert [(f.check, f.severity) for f in result.findings] == [("value", "defect")]


def test_examples_in_rows_are_named() -> None:
    """X read as (m, n_x) throughout (`w.T @ X.T`, `X.T @ dZ.T`: a real submission's
    convention) runs only where n_x == m, and there it "matched no known mistake"."""
    def rows(w, b, X, Y):
        m = X.shape[1]
        A = 1 / (1 + np.exp(-(w.T @ X.T + b)))
        cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
        return {"dw": X.T @ (A - Y).T / m, "db": np.sum(A - Y) / m}, cost

    found = engine.audit_function(rows, "logreg.propagate").findings
    value = next(f for f in found if f.check == "value")
    assert "matches: X read with its examples in rows" in value.message, value.message


def test_a_logistic_regressions_transpose_advice_is_in_its_own_notation() -> None:
    """w^T X + b and X dZ^T / m, not the 2-layer network's W X + b and dZ X^T / m."""
    def transposed(w, b, X, Y):
        m = X.shape[1]
        A = 1 / (1 + np.exp(-(w.T @ X + b)))
        cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
        return {"dw": X.T @ (A - Y).T / m, "db": np.sum(A - Y) / m}, cost

    found = engine.audit_function(transposed, "logreg.propagate").findings
    value = next(f for f in found if f.check == "value")
    assert "matches: X^T dZ^T in place of X dZ^T (a transpose too many)" in value.message
    assert "dw = X dZ^T / m, z = w^T X + b" in value.message and "W X + b" not in value.message


def test_a_logistic_regressions_cost_broadcast_is_told_from_a_missing_one_over_m() -> None:
    """a = sigma(X^T w + b) is (m, 1): the cost sums an (m, m) broadcast, while dw and db (from
    A - Y.T) are right. With Y all 0 that is exactly m times the cost, so a missing 1/m was the
    diagnosis while the broadcast was not among the logistic regression's known mistakes."""
    def broadcast(w, b, X, Y):
        m = X.shape[1]
        A = 1 / (1 + np.exp(-(np.dot(X.T, w) + b)))
        cost = -1 / m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
        return {"dw": 1 / m * np.dot(X, A - Y.T), "db": 1 / m * np.sum(A - Y.T)}, cost

    value = next(f for f in engine.audit_function(broadcast, "logreg.propagate").findings
                 if f.check == "value")
    assert "matches: an (m, m) broadcast" in value.message
    assert "matches: missing 1/m" not in value.message


def test_a_broadcast_db_too_is_the_broadcast_not_a_missing_one_over_m() -> None:
    """With `db = np.sum(A - Y) / m` from the same (m, 1) column, db is m times too large as
    well, and the diagnosis was "missing 1/m" for code that does divide by m."""
    def broadcast(w, b, X, Y):
        m = X.shape[1]
        A = 1 / (1 + np.exp(-(np.dot(X.T, w) + b)))
        cost = -1 / m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
        return {"dw": 1 / m * np.dot(X, A - Y.T), "db": 1 / m * np.sum(A - Y)}, cost

    value = next(f for f in engine.audit_function(broadcast, "logreg.propagate").findings
                 if f.check == "value")
    assert "matches: an (m, m) broadcast" in value.message, value.message


def _stable_propagate(cost_of):
    def propagate(w, b, X, Y):
        m = X.shape[1]
        z = w.T @ X + b
        A = 1 / (1 + np.exp(-z))
        losses = Y * np.logaddexp(0, -z) + (1 - Y) * np.logaddexp(0, z)
        return {"dw": X @ (A - Y).T / m, "db": np.sum(A - Y) / m}, cost_of(losses)
    return propagate


def test_a_cost_per_example_is_one_shape_defect_that_says_so() -> None:
    """np.mean(losses, axis=0) gives one cost per example: (m,) where m > 1, and (1,) where
    m = 1, which alone is the course's scalar-shape note. One mistake, one finding."""
    found = engine.audit_function(_stable_propagate(lambda L: np.mean(L, axis=0)),
                                  "logreg.propagate").findings
    assert [(f.check, f.severity) for f in found] == [("shape", "defect")]
    assert "one value per example: the sum or mean over the examples is missing" in \
        found[0].message
    squeezed_late = engine.audit_function(_stable_propagate(lambda L: np.mean(L, axis=1)),
                                          "logreg.propagate").findings
    assert [(f.check, f.severity) for f in squeezed_late] == [("scalar-shape", "note")]


def test_a_db_per_example_is_one_shape_defect() -> None:
    """np.sum(A - Y, axis=0): (m,) where m > 1 is a shape defect, and (1,) where m = 1 was a
    scalar-shape note beside it, saying the forward pass accepts it."""
    def propagate(w, b, X, Y):
        grads, cost = _stable_propagate(np.mean)(w, b, X, Y)
        A = 1 / (1 + np.exp(-(w.T @ X + b)))
        return {**grads, "db": np.sum(A - Y, axis=0) / X.shape[1]}, cost

    found = engine.audit_function(propagate, "logreg.propagate").findings
    assert [(f.check, f.severity) for f in found] == [("shape", "defect")]


def test_every_quantity_of_a_scalar_shape_note_is_named_at_once() -> None:
    """A db of shape (1,) and a cost of shape (1, 1) got the db note alone: the student fixed
    db, ran again and only then met the cost. A db per example (a shape defect where m > 1,
    (1,) where m = 1) is left out of the note and the cost's part stays."""
    def both(w, b, X, Y):
        grads, cost = _stable_propagate(np.mean)(w, b, X, Y)
        return {**grads, "db": np.reshape(grads["db"], (1,))}, np.reshape(cost, (1, 1))

    (note,) = engine.audit_function(both, "logreg.propagate").findings
    assert note.check == "scalar-shape"
    assert note.message.startswith("db is returned with shape (1,)"), note.message
    assert "; and also cost is returned as an array of shape (1, 1)" in note.message
    assert note.counterexample["quantities"] == ["db", "cost"]

    def db_per_example(w, b, X, Y):
        grads, cost = both(w, b, X, Y)
        A = 1 / (1 + np.exp(-(w.T @ X + b)))
        return {**grads, "db": np.sum(A - Y, axis=0) / X.shape[1]}, cost

    found = engine.audit_function(db_per_example, "logreg.propagate").findings
    assert [(f.check, f.severity) for f in found] == [("shape", "defect"),
                                                      ("scalar-shape", "note")]
    assert found[1].message.startswith("cost is returned as an array of shape (1, 1)")
    assert "db" not in found[1].message and found[1].counterexample["quantity"] == "cost"


UPDATE = {**PARAMS, "dW1": TWO["W1"] / 4, "db1": TWO["b1"] + 1, "dW2": TWO["W2"] - 0.5,
          "db2": TWO["b2"] * 3, "learning_rate": 0.5}


@pytest.mark.parametrize("step, expected", [
    (lambda p, d, lr: p + lr * d, "matches: a step up the gradient"),
    (lambda p, d, lr: p - d, "matches: the learning rate left out"),
    (lambda p, d, lr: (p.astype(np.float32) - np.float32(lr) * d.astype(np.float32)),
     "matches: float32 arithmetic"),
    (lambda p, d, lr: (p - lr * d) * 1.5, "matches no known mistake"),
])
def test_update_mistakes_are_named(step, expected) -> None:
    """The update has no X: the float32 check once read p["X"] and raised KeyError."""
    value = {k: step(UPDATE[k], UPDATE["d" + k], UPDATE["learning_rate"]) for k in PARAMS}
    assert _explain("two_layer.update_parameters", UPDATE, value).startswith(expected)


def test_m_from_the_wrong_axis_is_not_called_a_missing_one_over_m() -> None:
    """Where n_x = 1 (the smallest input), dividing by X.shape[0] is dividing by nothing: the
    diagnosis said "missing 1/m" to a learner who wrote the 1/m, with m from the wrong axis."""
    def wrong_axis_m(w, b, X, Y):
        grads, cost = _propagate(w, b, X, Y)
        scale = X.shape[1] / X.shape[0]
        return {k: v * scale for k, v in grads.items()}, cost * scale

    value = next(f for f in engine.audit_function(wrong_axis_m, "logreg.propagate").findings
                 if f.check == "value")
    assert "matches: m taken as X.shape[0]" in value.message, value.message


def test_no_saturation_warning_for_the_values_of_the_mistake_already_named() -> None:
    """A sigmoid hidden layer held to tanh's: beside the value defect that names it, a
    saturation warning showed A2 off by 0.5 where z saturates, advising to check the
    activation: the same mistake, seen again."""
    found = engine.audit_function(two_layer_sigmoid.forward_propagation,
                                  "two_layer.forward_propagation",
                                  hidden_activation="tanh").findings
    assert [(f.check, f.severity) for f in found] == [("value", "defect")]
    assert "matches: sigmoid hidden layer" in found[0].message


def test_float32_arithmetic_is_one_finding_not_also_an_accuracy_warning() -> None:
    """Beside the value defect that names float32, an accuracy warning blamed a form such as
    0.5*(1 + tanh(z/2)) for the same float32 rounding."""
    found = engine.audit_function(lambda w, b, X, Y: _propagate(w, b, X, Y, dtype=np.float32),
                                  "logreg.propagate").findings
    assert ("accuracy", "warning") not in {(f.check, f.severity) for f in found}
    value = next(f for f in found if f.check == "value")
    assert "matches: float32 arithmetic" in value.message


def _gradients_missing_dw_one_over_m(w, b, X, Y):
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(w.T @ X + b)))
    return {"dw": X @ (A - Y).T, "db": np.sum(A - Y) / m}


def optimize_with_own_propagate(w, b, X, Y, num_iterations=100, learning_rate=0.009,
                                print_cost=False):
    for _ in range(num_iterations):
        grads = _gradients_missing_dw_one_over_m(w, b, X, Y)
        w, b = w - learning_rate * grads["dw"], b - learning_rate * grads["db"]
    return {"w": w, "b": b}, grads, []


def _optimize(step):
    """The course's optimize with its own propagate, and `step(w, b, dw, db, learning_rate)`
    for the two lines of the update."""
    def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
        m = X.shape[1]
        for _ in range(num_iterations):
            A = 1 / (1 + np.exp(-(w.T @ X + b)))
            dw, db = X @ (A - Y).T / m, np.sum(A - Y) / m
            w, b = step(w, b, dw, db, learning_rate)
        return {"w": w, "b": b}, {"dw": dw, "db": db}, []
    return optimize


optimize_fixed_rate = _optimize(lambda w, b, dw, db, lr: (w - 0.009 * dw, b - 0.009 * db))
optimize_w_up_the_gradient = _optimize(lambda w, b, dw, db, lr: (w + lr * dw, b - lr * db))
optimize_w_fixed_rate = _optimize(lambda w, b, dw, db, lr: (w - 0.5 * dw, b - lr * db))


def update_fixed_rate(parameters, grads, learning_rate=1.2):
    return {k: parameters[k] - 1.2 * grads["d" + k] for k in ("W1", "b1", "W2", "b2")}


@pytest.mark.parametrize("function, contract, words", [
    (optimize_with_own_propagate, "logreg.optimize",
     "matches: its steps' dw misses its 1/m; if optimize calls the file's own propagate"),
    (optimize_fixed_rate, "logreg.optimize",
     "matches: the learning_rate argument ignored: a fixed 0.009 used"),
    (update_fixed_rate, "two_layer.update_parameters",
     "matches: the learning_rate argument ignored: a fixed 1.2 used"),
    # one line of the loop wrong, the other right: "matches no known mistake"
    (optimize_w_up_the_gradient, "logreg.optimize",
     "matches: w's step goes up the gradient (w + lr dw); the other step is right"),
    (optimize_w_fixed_rate, "logreg.optimize",
     "matches: the learning_rate argument ignored: a fixed 0.5 used in w's step"),
])
def test_mistakes_of_a_training_step_are_named(function, contract: str, words: str) -> None:
    """A correct optimize calling the file's propagate that misses a 1/m, and a rate written
    into the code in place of the argument, were "matches no known mistake"."""
    found = engine.audit_function(function, contract, examples=30)
    failure = next(f for f in found.findings if f.check in ("trajectory", "value"))
    assert words in failure.message, failure.message


def test_dw1_transposed_on_a_square_w1_is_named() -> None:
    """dW1 = X dZ1^T / m is the transpose of the right dW1 where n_h == n_x: it was "matches
    no known mistake (tried: ..., a missing transpose, ...)"."""
    def backward(parameters, cache, X, Y):
        m = X.shape[1]
        A1, A2 = cache["A1"], cache["A2"]
        dZ2 = A2 - Y
        dZ1 = parameters["W2"].T @ dZ2 * A1 * (1 - A1)
        return {"dW1": X @ dZ1.T / m, "db1": np.sum(dZ1, axis=1, keepdims=True) / m,
                "dW2": dZ2 @ A1.T / m, "db2": np.sum(dZ2, axis=1, keepdims=True) / m}

    found = engine.audit_function(backward, "two_layer.backward_propagation", examples=30)
    value = next(f for f in found.findings if f.check == "value")
    assert "matches: dW1 transposed (X dZ1^T in place of dZ1 X^T)" in value.message, \
        value.message


def test_a_flipped_sign_with_a_missing_one_over_m_is_named() -> None:
    """`cost = np.sum(Y log A + (1 - Y) log(1 - A))` (no minus, no 1/m) matched no known
    mistake: on m = 1 it is a flipped sign, elsewhere m times that."""
    A = _sigmoid(LOGREG["w"].T @ LOGREG["X"] + LOGREG["b"])
    grads, _ = _propagate(**LOGREG)
    Y = LOGREG["Y"]
    cost = float(np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)))
    text = _explain("logreg.propagate", LOGREG, (grads, cost))
    assert text.startswith("matches: a flipped sign and missing 1/m"), text


def update_rate_twice(parameters, grads, learning_rate=1.2):
    return {k: parameters[k] - learning_rate * (learning_rate * grads["d" + k])
            for k in ("W1", "b1", "W2", "b2")}


def cost_eps_in_both_logs(A2, Y):
    m = Y.shape[1]
    return float(-np.sum(Y * np.log(A2 + 1e-3) + (1 - Y) * np.log(1 - A2 + 1e-3)) / m)


def cost_floor_division(A2, Y):
    m = Y.shape[1]
    return float(-np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) // m)


def cost_outer_dot(A2, Y):
    m = Y.shape[1]
    logprobs = np.dot(np.log(A2).T, Y) + np.dot(np.log(1 - A2).T, 1 - Y)
    return float(np.squeeze(-np.sum(logprobs) / m))


def cost_one_term(A2, Y):
    m = Y.shape[1]
    return float(np.squeeze(-np.sum(np.multiply(np.log(A2), Y)) / m))


@pytest.mark.parametrize("function, contract, said, not_said", [
    # lr * lr: a rate solved from each input fitted "a fixed 0.25" on those with lr = 0.5
    (update_rate_twice, "two_layer.update_parameters", "matches no known mistake", "used"),
    # cost // m is 0 on the first inputs, which eps = 0.5 inside the log fitted too
    (cost_floor_division, "two_layer.compute_cost", "matches: // m (floor division)", "eps"),
    # a real eps: one input fits 0.002 in the first term too, which must not rule 0.001 out
    (cost_eps_in_both_logs, "two_layer.compute_cost", "matches: eps = 0.001 inside the log",
     "equally"),
    # the first inputs (A2 all 0.5, Y all 0) could not tell these from missing 1/m or eps
    (cost_outer_dot, "two_layer.compute_cost", "matches: an (m, m) broadcast", "equally"),
    (cost_one_term, "two_layer.compute_cost", "matches: the (1 - y) log(1 - a) term dropped",
     "equally"),
])
def test_a_diagnosis_holds_on_more_inputs_than_the_simplest(function, contract: str, said: str,
                                                            not_said: str) -> None:
    """A constant solved from each input (eps, a fixed rate) must be the same on every input,
    and mistakes that the simplest inputs fit equally are told apart by more of them: each of
    these named a mistake the code does not make, or two at once."""
    found = engine.audit_function(function, contract)
    value = next(f for f in found.findings if f.check == "value")
    assert said in value.message and not_said not in value.message.split("matches")[1], \
        value.message


def propagate_m_twice(w, b, X, Y):
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(w.T @ X + b)))
    dZ = (A - Y) / m
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m / m
    return {"dw": X @ dZ.T / m, "db": np.sum(dZ) / m}, cost


def propagate_sigmoid_of_minus_z(w, b, X, Y):
    m = X.shape[1]
    A = 1 / (1 + np.exp(w.T @ X + b))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return {"dw": X @ (A - Y).T / m, "db": np.sum(A - Y) / m}, cost


def cost_half_m(A2, Y):
    m = Y.shape[1]
    return float(-np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / (2 * m))


def cost_log10(A2, Y):
    m = Y.shape[1]
    return float(-np.sum(Y * np.log10(A2) + (1 - Y) * np.log10(1 - A2)) / m)


@pytest.mark.parametrize("function, contract, words", [
    (propagate_m_twice, "logreg.propagate", "matches: 1/m applied twice"),
    (propagate_sigmoid_of_minus_z, "logreg.propagate", "matches: sigmoid(-z)"),
    (cost_half_m, "two_layer.compute_cost", "matches: the cost divided by 2m"),
    (cost_log10, "two_layer.compute_cost", "matches: np.log10 in place of np.log"),
])
def test_more_mistakes_of_real_submissions_are_named(function, contract: str,
                                                     words: str) -> None:
    """Each was "matches no known mistake"."""
    found = engine.audit_function(function, contract)
    value = next(f for f in found.findings if f.check == "value")
    assert words in value.message, value.message


def backward_a2_for_a1(parameters, cache, X, Y):
    m = X.shape[1]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dZ1 = parameters["W2"].T @ dZ2 * (1 - A1**2)
    return {"dW1": dZ1 @ X.T / m, "db1": np.sum(dZ1, axis=1, keepdims=True) / m,
            "dW2": dZ2 @ A2.T / m, "db2": np.sum(dZ2, axis=1, keepdims=True) / m}


def test_a_mistake_that_only_the_simplest_inputs_fit_is_not_named() -> None:
    """A2 used for A1 in dW2 (tanh network): on the first inputs explored (all 0, where the
    sigmoid network's A1 is 0.5 as A2 is) it was "sigmoid hidden layer; run with
    --hidden-activation sigmoid", advice that moves the whole class to the wrong network.
    The mistake must fit the spare inputs too; this one is named."""
    found = engine.audit_function(backward_a2_for_a1, "two_layer.backward_propagation",
                                  hidden_activation="tanh")
    value = next(f for f in found.findings if f.check == "value")
    assert "matches: A2 used in place of A1 in dW2" in value.message, value.message
    assert "sigmoid hidden layer" not in value.message
    assert value.diagnosis["mistake"] == "A2 used in place of A1 in dW2"


def backward_w2_not_transposed(parameters, cache, X, Y):
    m = X.shape[1]
    A1, dZ2 = cache["A1"], cache["A2"] - Y
    dZ1 = np.dot(parameters["W2"], dZ2) * A1 * (1 - A1)
    return {"dW1": dZ1 @ X.T / m, "db1": np.sum(dZ1, axis=1, keepdims=True) / m,
            "dW2": dZ2 @ A1.T / m, "db2": np.sum(dZ2, axis=1, keepdims=True) / m}


def propagate_in_loops_with_math_log(w, b, X, Y):
    import math

    n_x, m = X.shape
    cost, dw, db = 0.0, np.zeros((n_x, 1)), 0.0
    for j in range(m):
        z = sum(w[i, 0] * X[i, j] for i in range(n_x)) + b
        a = 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))
        cost -= Y[0, j] * math.log(a) + (1 - Y[0, j]) * math.log(1 - a)
        for i in range(n_x):
            dw[i, 0] += X[i, j] * (a - Y[0, j])
        db += a - Y[0, j]
    return {"dw": dw / m, "db": db / m}, cost / m


def propagate_in_loops_with_math_exp(w, b, X, Y):
    import math

    n_x, m = X.shape
    dw, db, cost = np.zeros((n_x, 1)), 0.0, 0.0
    for j in range(m):
        z = sum(w[i, 0] * X[i, j] for i in range(n_x)) + b
        a = 1 / (1 + math.exp(-z))
        cost += -(Y[0, j] * np.log(a) + (1 - Y[0, j]) * np.log(1 - a)) / m
        for i in range(n_x):
            dw[i, 0] += X[i, j] * (a - Y[0, j]) / m
        db += (a - Y[0, j]) / m
    return {"dw": dw, "db": db}, cost


DATA_SET = np.ones((5, 7))  # a notebook's training set, at the top level


def propagate_reads_the_data_set(w, b, X, Y):
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(w.T @ X + b)))
    return {"dw": np.dot(DATA_SET, (A - Y).T) / m, "db": np.sum(A - Y) / m}, 0.0


def propagate_w_not_transposed(w, b, X, Y):
    A = 1 / (1 + np.exp(-(np.dot(w, X) + b)))
    return {"dw": X @ (A - Y).T, "db": np.sum(A - Y)}, 0.0


@pytest.mark.parametrize("function, contract, hint", [
    (backward_w2_not_transposed, "two_layer.backward_propagation", "a .T missing"),
    (propagate_w_not_transposed, "logreg.propagate", "a .T missing"),
    # it was "a .T missing": a product with a global's sizes, none of the inputs'
    (propagate_reads_the_data_set, "logreg.propagate",
     ("5 and 7 are not sizes of this call's inputs: does the function read a name of the "
     "notebook")),
    (propagate_in_loops_with_math_log, "logreg.propagate", "where sigmoid saturates"),
    # its OverflowError was "output-size: the result is too large: math range error"
    (propagate_in_loops_with_math_exp, "logreg.propagate", "OverflowError: math range error (at"),
])
def test_an_exception_that_these_functions_often_raise_says_what_it_means(function, contract,
                                                                          hint) -> None:
    """NumPy's "shapes (1,2) and (1,1) not aligned" and math's "math domain error" (log(0)
    where a rounds to 1) were left for the learner to decode."""
    found = engine.audit_function(function, contract)
    raised = next(f for f in found.findings if f.check == "exception")
    assert hint in raised.message, raised.message
    assert ("dZ1" in raised.message) == (contract == "two_layer.backward_propagation")


def predict_thresholds_z(w, b, X):
    Z = w.T @ X + b
    return (Z > 0.5).astype(float)


def test_a_wrong_prediction_is_not_also_said_to_use_a_greater_than_half() -> None:
    """A threshold on z at 0.5 (not on a) got, beside its value defect, a note that "the
    target uses a > 0.5": a guess from a = 0.5 alone, which the wrong predictions disprove."""
    found = engine.audit_function(predict_thresholds_z, "logreg.predict").findings
    assert [(f.check, f.severity) for f in found] == [("value", "defect")], found


def test_values_rounded_are_told_by_their_decimals_and_nothing_else_is() -> None:
    """np.round(cost, 8) was "float32 arithmetic" (an error of its size); round(cost, 4)
    matched nothing. Zeros, truncation and values off in the last bit are not rounding."""
    from nnspec.audit.diagnosis import _decimals

    e = {"cost": 0.6931471805599453, "db": np.array([1.20003, -0.5])}
    assert _decimals({"cost": e["cost"]}, {"cost": 0.6931}) == [4]
    assert _decimals({"db": e["db"]}, {"db": np.array([1.2, -0.5])}) == [1, 2, 3, 4]
    assert _decimals(e, {"cost": 0.6931, "db": np.array([1.2, -0.5])}) == [4]
    assert _decimals({"cost": 0.04}, {"cost": 0.0}) == []  # zeros returned
    assert _decimals({"cost": e["cost"]}, {"cost": 0.69314}) == []  # truncated
    assert _decimals({"cost": e["cost"]}, {"cost": np.nextafter(e["cost"], 1)}) == []


def test_the_explore_pass_asks_the_target_in_batches_whose_answers_are_held_together() -> None:
    """All 2 x 110 calls in one request held every answer at once: a target returning 8 MB
    with each held 1.7 GB in the harness. Requests now carry at most BATCH problems, with the
    same findings."""
    from nnspec.reference import logreg

    sizes = []

    class Recording(engine.FunctionCaller):
        def calls(self, requests):
            sizes.append(len(requests))
            return super().calls(requests)

    spec, opts = engine._options("logreg.propagate", "sigmoid", "float64", 30, 60.0, 0)
    found = engine._Engine(spec, Recording(logreg.propagate, 60.0), opts).search()
    assert found == [] and sizes and max(sizes) <= 2 * engine.BATCH < sum(sizes)


def test_zeros_returned_are_a_placeholder_not_floor_division() -> None:
    """A result of zeros fits `// m` on small inputs (0.3 // 1 is 0): it was diagnosed as
    floor division and listed under the class's mistakes."""
    def zeros(w, b, X, Y):
        return {"dw": np.zeros_like(w), "db": 0.0}, 0.0

    value = next(f for f in engine.audit_function(zeros, "logreg.propagate").findings
                 if f.check == "value")
    assert "matches: zeros where values are expected" in value.message
    assert "// m" not in value.message


@pytest.mark.parametrize("change, expected", [
    ("relu", "matches: a ReLU hidden layer"),
    ("b1", "matches: b1 left out"),
    ("b2", "matches: b2 left out"),
])
def test_a_relu_hidden_layer_and_a_bias_left_out_are_named(change: str, expected: str) -> None:
    """Mistakes of a 2-layer class's forward passes that matched no known mistake."""
    X, W1, b1, W2, b2 = TWO["X"], PARAMS["W1"], PARAMS["b1"], PARAMS["W2"], PARAMS["b2"]
    Z1 = W1 @ X + (0 if change == "b1" else b1)
    A1 = np.maximum(Z1, 0) if change == "relu" else np.tanh(Z1)
    Z2 = W2 @ A1 + (0 if change == "b2" else b2)
    A2 = 1 / (1 + np.exp(-Z2))
    text = _explain("two_layer.forward_propagation", TWO,
                    (A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}), hidden="tanh")
    assert text.startswith(expected), text


@pytest.mark.parametrize("hidden", ["tanh", "sigmoid"])
def test_relu_s_derivative_in_a_backward_pass_is_named(hidden: str) -> None:
    """(Z1 > 0) for g'(Z1); in the sigmoid network A1 > 0 everywhere, so it is Z1's sign."""
    module = two_layer_tanh if hidden == "tanh" else two_layer_sigmoid
    _, cache = module.forward_propagation(TWO["X"], PARAMS)
    m, A1, dZ2 = TWO["X"].shape[1], cache["A1"], cache["A2"] - TWO["Y"]
    dZ1 = TWO["W2"].T @ dZ2 * (cache["Z1"] > 0)
    grads = {"dW1": dZ1 @ TWO["X"].T / m, "db1": dZ1.sum(axis=1, keepdims=True) / m,
             "dW2": dZ2 @ A1.T / m, "db2": dZ2.sum(axis=1, keepdims=True) / m}
    text = _explain("two_layer.backward_propagation", TWO, grads, hidden=hidden)
    assert text.startswith("matches: ReLU's g' (Z1 > 0) used for g'(Z1)"), text


def test_np_dot_in_place_of_the_element_wise_product_in_dz1_is_named() -> None:
    """`dZ1 = np.dot(W2.T @ dZ2, 1 - A1**2)` runs where n_h == m, and its value defect matched
    no known mistake: the dimensions of the element-wise product."""
    square = {**TWO, "X": TWO["X"][:, :3], "Y": TWO["Y"][:, :3]}  # n_h = m = 3
    _, cache = two_layer_tanh.forward_propagation(square["X"], PARAMS)
    m, A1, dZ2 = 3, cache["A1"], cache["A2"] - square["Y"]
    dZ1 = (TWO["W2"].T @ dZ2) @ (1 - A1**2)
    grads = {"dW1": dZ1 @ square["X"].T / m, "db1": dZ1.sum(axis=1, keepdims=True) / m,
             "dW2": dZ2 @ A1.T / m, "db2": dZ2.sum(axis=1, keepdims=True) / m}
    text = _explain("two_layer.backward_propagation", square, grads, hidden="tanh")
    assert text.startswith("matches: np.dot in place of * in dZ1"), text


def test_a1_returned_for_a2_is_named_where_the_shapes_let_it_run() -> None:
    """`return A1, cache` has A2's shape with one hidden unit: it matched no known mistake."""
    one = {**PARAMS, "W1": TWO["W1"][:1], "b1": TWO["b1"][:1], "W2": TWO["W2"][:, :1]}
    problem = {**TWO, **one}
    _, cache = two_layer_tanh.forward_propagation(TWO["X"], one)
    text = _explain("two_layer.forward_propagation", problem, (cache["A1"], cache),
                    hidden="tanh")
    assert text.startswith("matches: A1 returned in place of A2"), text


def test_another_parameter_s_gradient_in_a_step_is_named() -> None:
    """`b2 - lr * db1` (runs where db1 broadcasts into b2) matched no known mistake."""
    c, o = contracts.get("two_layer.update_parameters"), Options()
    p = {"W1": np.ones((1, 2)), "b1": np.array([[0.5]]), "W2": np.array([[2.0]]),
         "b2": np.array([[-1.0]]), "dW1": np.array([[0.1, 0.2]]), "db1": np.array([[0.3]]),
         "dW2": np.array([[0.4]]), "db2": np.array([[-0.6]]), "learning_rate": 1.2}
    new = {k: p[k] - 1.2 * p["d" + k] for k in ("W1", "b1", "W2", "b2")}
    new["b2"] = p["b2"] - 1.2 * p["db1"]
    wrong = [f for f in c.check(p, to_plain(new), o) if f.check == "value"]
    text = diagnosis.explain(c.name, [(p, wrong[0].details)], o)[0]
    assert "matches: db1 used in the step of b2" in text, text


def test_float64_noise_far_below_float32_rounding_is_not_named_float32() -> None:
    """"float32 arithmetic" had no lower limit: a float64 cost off by 50 ulp (1 - (1 - a)) was
    told to "compute in float64". An error of float32's size is ~1e-7 relative, not 1e-14."""
    problem = {"A2": np.array([[1e-4, 0.3]]), "Y": np.array([[1.0, 0.0]])}
    exact = float(oracle.cost_from_activations(problem["A2"], problem["Y"]))
    details = {"expected": {"cost": np.float64(exact)}, "got": {"cost": exact * (1 + 2e-14)},
               "bound": {"cost": 1e-17}}
    options = Options()
    assert diagnosis.FLOAT32 not in diagnosis.candidates("two_layer.compute_cost", problem,
                                                         details, options)
    details["got"] = {"cost": exact * (1 + 3e-8)}  # float32's size: still named
    assert diagnosis.FLOAT32 in diagnosis.candidates("two_layer.compute_cost", problem, details,
                                                     options)


def _cost_abs_trick(A2, Y):
    """Correct: for 0/1 labels the probability of the right class is 1 - |Y - A2|."""
    return float(-np.sum(np.log(1 - np.abs(Y - A2))) / Y.shape[1])


def _cost_math_log(A2, Y):
    """Correct: math.log raises only where the exact cost is +inf (a = 1 under y = 0)."""
    import math

    total = 0.0
    for y, a in zip(Y[0], A2[0]):
        total += -math.log(a) if y == 1 else -math.log(1 - a)
    return total / Y.shape[1]


def test_a_correct_cost_that_loses_digits_as_1_minus_a_does_is_an_accuracy_warning() -> None:
    """The cost's probability of the right class computed as 1 - |y - a| errs by u relative
    to 1, as 1 - a by subtraction does in the notes' own formula: a defect (and 16/20) for a
    correct formula, where the other contracts call that error an accuracy warning."""
    found = engine.audit_function(_cost_abs_trick, "two_layer.compute_cost").findings
    assert {(f.check, f.severity) for f in found} <= {("accuracy", "warning"),
                                                      ("saturation", "warning")}, found


def test_a_cost_that_raises_only_where_it_is_infinite_is_a_saturation_warning() -> None:
    """math.log(0) raises ValueError where np.log gives -inf: only where a is exactly 0 or 1
    under the other label, whose exact cost is +inf. A defect (8/20 on Gradescope) for a
    correct function, where a nan there is a saturation warning."""
    found = engine.audit_function(_cost_math_log, "two_layer.compute_cost").findings
    assert [(f.check, f.severity) for f in found] == [("saturation", "warning")], found
    assert "math domain error" in found[0].message and "+inf" in found[0].message
    assert "logaddexp" not in found[0].message  # compute_cost is given a, not z


def test_math_log_advice_for_compute_cost_does_not_ask_for_z() -> None:
    """compute_cost is given a, not z: "compute the loss from z (np.logaddexp)" could not be
    followed. Both terms through math.log raise where the cost is finite (a = 1 under y = 1)."""
    import math

    def compute_cost(A2, Y):
        return -sum(y * math.log(a) + (1 - y) * math.log(1 - a)
                    for y, a in zip(Y[0], A2[0])) / Y.shape[1]

    found = engine.audit_function(compute_cost, "two_layer.compute_cost").findings
    raised = next(f for f in found if f.check == "exception")
    assert raised.severity == "defect" and engine.LOG_OF_A_HINT in raised.message


GLOBAL_M = 400  # a course's data set size, held by the target instead of the call's m


def _cost_global_m(A2, Y):
    return float(-np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / GLOBAL_M)


def _cost_labels_swapped(A2, Y):
    return float(-np.sum((1 - Y) * np.log(A2) + Y * np.log(1 - A2)) / Y.shape[1])


def _cost_log_a_twice(A2, Y):
    return float(-np.sum(Y * np.log(A2) + (1 - Y) * np.log(A2)) / Y.shape[1])


def _backward(g_prime, m=None):
    def backward_propagation(parameters, cache, X, Y):
        n = m or X.shape[1]
        dZ2 = cache["A2"] - Y
        dZ1 = parameters["W2"].T @ dZ2 * g_prime(cache)
        return {"dW1": dZ1 @ X.T / n, "db1": np.sum(dZ1, axis=1, keepdims=True) / n,
                "dW2": dZ2 @ cache["A1"].T / n, "db2": np.sum(dZ2, axis=1, keepdims=True) / n}
    return backward_propagation


def _forward(layer2, output):
    def forward_propagation(X, parameters):
        Z1 = parameters["W1"] @ X + parameters["b1"]
        A1 = np.tanh(Z1)
        Z2 = parameters["W2"] @ layer2(Z1, A1) + parameters["b2"]
        A2 = output(Z2)
        return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
    return forward_propagation


@pytest.mark.parametrize("function, contract, hidden, named", [
    (_cost_global_m, "two_layer.compute_cost", "tanh", "m fixed at 400 (a global m?)"),
    (_backward(lambda c: 1 - c["A1"] ** 2, m=GLOBAL_M), "two_layer.backward_propagation", "tanh",
     "m fixed at 400 (a global m?)"),
    (_cost_labels_swapped, "two_layer.compute_cost", "tanh", "the labels swapped"),
    (_cost_log_a_twice, "two_layer.compute_cost", "tanh", "log a in both terms"),
    (_backward(lambda c: _sigmoid(c["A1"]) * (1 - _sigmoid(c["A1"]))),
     "two_layer.backward_propagation", "sigmoid", "sigmoid' taken at A1 in place of Z1"),
    (_backward(lambda c: 1 - c["Z1"] ** 2), "two_layer.backward_propagation", "tanh",
     "1 - Z1**2 for g'(Z1): Z1 where A1 goes"),
    (_forward(lambda Z1, A1: Z1, _sigmoid), "two_layer.forward_propagation", "tanh",
     "Z1 fed to the output layer in place of A1"),
    (_forward(lambda Z1, A1: A1, np.tanh), "two_layer.forward_propagation", "tanh",
     "a tanh output layer"),
])
def test_two_layer_mistakes_of_a_class_are_named(function, contract, hidden, named) -> None:
    """Mistakes from a class's notebooks that matched no known one; a global m = 400 in
    compute_cost was "// m (floor division)", whose floored mean 0 any cost near 0 fit."""
    found = engine.audit_function(function, contract, hidden_activation=hidden).findings
    value = next(f for f in found if f.check == "value")
    assert f"matches: {named}" in value.message, value.message


def test_a_tanh_hidden_layer_s_accuracy_warning_names_tanh_first() -> None:
    """A tanh computed from exp(z), off where z is small, was told first of sigmoid forms
    (0.5*(1 + tanh(z/2)), 1 - a) that it does not use."""
    def forward_propagation(X, parameters):
        Z1 = parameters["W1"] @ X + parameters["b1"]
        A1 = (np.exp(Z1) - np.exp(-Z1)) / (np.exp(Z1) + np.exp(-Z1))
        Z2 = parameters["W2"] @ A1 + parameters["b2"]
        A2 = 1 / (1 + np.exp(-Z2))
        return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}

    found = engine.audit_function(forward_propagation, "two_layer.forward_propagation",
                                  hidden_activation="tanh").findings
    warning = next(f for f in found if f.check == "accuracy")
    advice = warning.message.split("); ", 1)[1]
    assert advice.startswith("a tanh computed from exp(z)"), warning.message


def test_one_floor_m_is_named_not_taken_for_a_placeholder() -> None:
    """(1 // m) * np.dot(...): zeros wherever m > 1, right where m = 1. It matched no known
    mistake, and zeros everywhere are a placeholder's (graded as one)."""
    def propagate(w, b, X, Y):
        m = X.shape[1]
        A = 1 / (1 + np.exp(-(w.T @ X + b)))
        cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
        return {"dw": (1 // m) * X @ (A - Y).T, "db": (1 // m) * np.sum(A - Y)}, cost

    value = next(f for f in engine.audit_function(propagate, "logreg.propagate").findings
                 if f.check == "value")
    assert "matches: 1 // m in place of 1 / m" in value.message, value.message
