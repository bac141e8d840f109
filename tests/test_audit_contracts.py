"""Contracts: whatever a target returns, the checks answer with findings and never raise."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnspec.audit import contracts, diagnosis
from nnspec.audit.contracts import Options
from nnspec.audit.sandbox import to_plain
from nnspec.reference import logreg, two_layer_sigmoid

WEIRD = [None, "text", 3, 2.5, True, np.nan, [], (), {}, {"__nnspec_opaque__": "object"},
         np.zeros(0), np.array([1 + 2j]), np.array(["a"]), np.ones((2, 2), dtype=bool),
         np.full((1, 1), np.inf), [np.ones(3)], (np.ones((1, 1)),) * 3, {"dw": None, "db": "x"},
         {"W1": [[1.0]], "b1": 0, "W2": np.nan, "b2": {}}, (None, None), ({}, None, [])]


def _plain(value):
    try:
        return to_plain(value)
    except OverflowError:
        return None


def _problem(contract: contracts.Contract, seed: int) -> dict:
    """One problem drawn by the contract's own strategy (derandomized by `seed`)."""
    found = []

    @settings(max_examples=1, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(contract.problems(Options()))
    def draw(p):
        found.append(p)

    draw()
    return found[0]


@pytest.mark.parametrize("name", sorted(contracts.CONTRACTS))
def test_weird_outputs_become_defects(name: str) -> None:
    contract = contracts.get(name)
    problem = _problem(contract, 0)
    for value in WEIRD:
        failures = contract.check(problem, _plain(value), Options())
        assert any(f.severity == "defect" for f in failures), (name, value)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_reference_outputs_pass_every_check(data: st.DataObject) -> None:
    """The reference itself, checked on the contracts' problems: no finding (it is stable)."""
    o = Options()
    c = contracts.get("logreg.propagate")
    p = data.draw(c.problems(o))
    assert c.check(p, to_plain(logreg.propagate(p["w"], p["b"], p["X"], p["Y"])), o) == []
    c = contracts.get("two_layer.backward_propagation")
    p = data.draw(c.problems(o))
    args, _ = c.call_args(p, o)
    assert c.check(p, to_plain(two_layer_sigmoid.backward_propagation(*args)), o) == []


def test_a_changed_value_is_a_defect_and_a_saturated_one_a_warning() -> None:
    c, o = contracts.get("logreg.propagate"), Options()
    plain = {"w": np.array([[1.0]]), "b": 0.0, "X": np.array([[0.5]]), "Y": np.array([[1.0]])}
    grads, cost = logreg.propagate(plain["w"], plain["b"], plain["X"], plain["Y"])
    bumped = ({"dw": grads["dw"] * (1 + 1e-12), "db": grads["db"]}, cost)
    assert [(f.check, f.severity) for f in c.check(plain, to_plain(bumped), o)] == [
        ("value", "defect")]
    saturated = {**plain, "w": np.array([[100.0]]), "Y": np.array([[0.0]])}
    with np.errstate(all="ignore"):
        A = 1 / (1 + np.exp(-100.0))
        naive = -np.log(1 - A)  # the notes' formula: inf where a rounds to 1
    grads, _ = logreg.propagate(saturated["w"], 0.0, saturated["X"], saturated["Y"])
    assert [(f.check, f.severity) for f in c.check(saturated, to_plain((grads, naive)), o)] == [
        ("saturation", "warning")]


def test_smaller_drops_one_index_per_size() -> None:
    c = contracts.get("two_layer.forward_propagation")
    p = {"W1": np.ones((3, 2)), "b1": np.ones((3, 1)), "W2": np.ones((1, 3)),
         "b2": np.ones((1, 1)), "X": np.ones((2, 4)), "Y": np.ones((1, 4))}
    shapes = [(q["W1"].shape, q["X"].shape, q["W2"].shape) for q in c.smaller(p)]
    assert shapes == [((3, 1), (1, 4), (1, 3))] * 2 + [((2, 2), (2, 4), (1, 2))] * 3 + [
        ((3, 2), (2, 3), (1, 3))] * 4


def test_saturation_warning_on_an_already_wrong_quantity_is_dropped() -> None:
    from nnspec.audit.contracts import Failure
    from nnspec.audit.engine import _drop_explained_saturation

    def found(check: str, severity: str, names: list[str]) -> tuple[None, Failure]:
        return None, Failure(check, severity, "", {"expected": {n: 0.0 for n in names}})

    same = found("saturation", "warning", ["db"])
    first = {("value", "defect"): found("value", "defect", ["db"]),
             ("saturation", "warning"): same}
    _drop_explained_saturation(first, [same])
    assert set(first) == {("value", "defect")}
    # a saturation failure on a quantity that is right away from saturation stays a warning
    other = found("saturation", "warning", ["cost"])
    first = {("value", "defect"): found("value", "defect", ["db"]),
             ("saturation", "warning"): same}
    _drop_explained_saturation(first, [same, other])
    assert first[("saturation", "warning")] is other
    # one that names none of the wrong quantities is kept before one that names them too
    both = found("saturation", "warning", ["db", "cost"])
    first = {("value", "defect"): found("value", "defect", ["db"]),
             ("saturation", "warning"): both}
    _drop_explained_saturation(first, [both, other])
    assert first[("saturation", "warning")] is other
    _drop_explained_saturation(first, [both])
    assert first[("saturation", "warning")] is both


def test_an_accuracy_warning_on_quantities_wrong_elsewhere_is_dropped() -> None:
    from nnspec.audit.contracts import Failure
    from nnspec.audit.engine import _drop_explained_accuracy

    def found(check: str, severity: str, names: list[str]) -> tuple[None, Failure]:
        return None, Failure(check, severity, "", {"expected": {n: 0.0 for n in names}})

    value, cost, dw = found("value", "defect", ["db"]), found("accuracy", "warning", ["cost"]), \
        found("accuracy", "warning", ["dw"])
    first, worst = {("value", "defect"): value, ("accuracy", "warning"): cost}, [cost]
    _drop_explained_accuracy(first, worst, [found("value", "defect", ["cost"])[1]])
    assert set(first) == {("value", "defect")} and worst == []
    for seen, kept in (([cost], ["db"]), ([cost, dw], ["cost", "db"])):
        first, worst = {("value", "defect"): value, ("accuracy", "warning"): seen[0]}, seen
        _drop_explained_accuracy(first, list(worst), [found("value", "defect", kept)[1]])
        assert first[("accuracy", "warning")] is seen[0]  # cost right elsewhere, or dw
    first = {("accuracy", "warning"): cost}
    _drop_explained_accuracy(first, [cost])
    assert ("accuracy", "warning") in first  # no value defect: nothing explains it


def _cost(A2, Y):
    return float(-np.mean(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)))


def test_each_published_signature_of_compute_cost_is_called_as_such() -> None:
    from nnspec.audit.engine import _arity_of, audit_function

    def older(A2, Y, parameters):
        assert set(parameters) == {"W1", "b1", "W2", "b2"}
        return _cost(A2, Y)

    def with_default(A2, Y, parameters=None):
        return _cost(A2, Y)

    spec = contracts.get("two_layer.compute_cost")
    for function, args in ((_cost, ("A2", "Y")), (with_default, ("A2", "Y")),
                           (older, ("A2", "Y", "parameters")), (lambda *a: 0, ("A2", "Y"))):
        assert spec.edition_for(_arity_of(function)).args == args
    result = audit_function(older, "two_layer.compute_cost", examples=5)
    assert result.verdict == "conforms", result.message()
    assert result.to_dict()["edition"] == "compute_cost(A2, Y, parameters)"
    assert "called as compute_cost(A2, Y, parameters)" in result.summary()


def test_the_older_signature_still_catches_a_wrong_cost() -> None:
    from nnspec.audit.engine import audit_function

    def missing_term(A2, Y, parameters):
        return float(-np.mean(Y * np.log(A2)))

    result = audit_function(missing_term, "two_layer.compute_cost", examples=10)
    assert result.verdict == "defect"
    assert "parameters" in result.findings[0].counterexample["inputs"]


def _tanh_form_propagate(w, b, X, Y):
    """Correct, less stable: sigma(z) = 0.5 (1 + tanh(z / 2)) loses a's relative accuracy."""
    m = X.shape[1]
    A = 0.5 * (1 + np.tanh((w.T @ X + b) / 2))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return {"dw": X @ (A - Y).T / m, "db": np.sum(A - Y) / m}, cost


def test_a_less_stable_correct_form_is_an_accuracy_warning_and_float32_a_defect() -> None:
    c, o = contracts.get("logreg.propagate"), Options()
    p = {"w": np.array([[-20.0], [1.0]]), "b": 0.0, "X": np.array([[1.0, 0.5], [0.0, 0.0]]),
         "Y": np.array([[0.0, 1.0]])}  # z = -20, -10: a small, not saturated
    failures = c.check(p, to_plain(_tanh_form_propagate(p["w"], p["b"], p["X"], p["Y"])), o)
    assert [(f.check, f.severity) for f in failures] == [("accuracy", "warning")]
    assert failures[0].details["relative"] > 4 * 2.0**-53 and failures[0].details["at"]
    single = [np.float32(v) if np.ndim(v) == 0 else v.astype(np.float32) for v in p.values()]
    with np.errstate(all="ignore"):  # in float32, a = 0.5 (1 + tanh(-10)) rounds to 0
        grads, cost = _tanh_form_propagate(*single)
    assert [(f.check, f.severity) for f in c.check(p, to_plain((grads, cost)), o)] == [
        ("value", "defect")]


def _backward_case() -> tuple:
    """The backward contract, its options, a problem (n_h = 3) and the reference's gradients."""
    c, o = contracts.get("two_layer.backward_propagation"), Options()
    p = {"W1": np.array([[0.5, -1.0], [2.0, 0.25], [1.0, 1.0]]), "b1": np.zeros((3, 1)),
         "W2": np.array([[1.0, -2.0, 0.5]]), "b2": np.zeros((1, 1)),
         "X": np.array([[1.0, 2.0], [0.0, -1.0]]), "Y": np.array([[1.0, 0.0]])}
    args, _ = c.call_args(p, o)
    return c, o, p, two_layer_sigmoid.backward_propagation(*args)


def test_one_rule_for_bias_gradient_shapes_the_update_absorbs() -> None:
    """A db the course's b - lr * db absorbs (b keeps its shape) is a note, any other a defect."""
    c, o, p, grads = _backward_case()

    def kinds(**changed: object) -> list[tuple[str, str]]:
        return [(f.check, f.severity) for f in c.check(p, to_plain({**grads, **changed}), o)]

    assert kinds() == []
    assert kinds(db2=float(grads["db2"][0, 0])) == [("scalar-shape", "note")]
    assert kinds(db2=grads["db2"].reshape(1)) == [("scalar-shape", "note")]
    assert kinds(db1=grads["db1"].reshape(3)) == [("shape", "defect")]  # b1 would be (3, 3)
    assert kinds(db2=np.zeros((1, 2))) == [("shape", "defect")]
    assert kinds(db2=float(grads["db2"][0, 0]) + 1.0) == [("scalar-shape", "note"),
                                                           ("value", "defect")]
    # one number for 3 biases: the update keeps b1's shape, but cannot hold the gradient (it
    # was a note saying the forward pass accepts it, beside the value defect it causes)
    one = c.check(p, to_plain({**grads, "db1": grads["db1"][:1]}), o)
    assert [(f.check, f.severity) for f in one] == [("shape", "defect")]
    assert "one value for 3 biases" in one[0].message


def test_a_weight_gradient_shape_the_update_absorbs_is_a_note_as_a_bias_s() -> None:
    """A dW2 of shape (n_h,) for W2 of (1, n_h) was a defect, where a db2 of shape (1,) was a
    note: W2 - lr * dW2 keeps W2's shape and values alike. A (n_h, 1) dW2 makes W2 (n_h, n_h)."""
    c, o, p, grads = _backward_case()

    def found(**changed: object) -> list:
        return c.check(p, to_plain({**grads, **changed}), o)

    (note,) = found(dW2=grads["dW2"].reshape(3))
    assert (note.check, note.severity) == ("scalar-shape", "note")
    assert "the update W2 - lr * dW2 still gives W2 the shape (1, 3)" in note.message
    assert [(f.check, f.severity) for f in found(dW2=grads["dW2"].reshape(3) + 1)] == [
        ("scalar-shape", "note"), ("value", "defect")]
    assert [(f.check, f.severity) for f in found(dW2=grads["dW2"].reshape(3, 1))] == [
        ("shape", "defect")]
    assert [(f.check, f.severity) for f in found(dW1=grads["dW1"].reshape(6))] == [
        ("shape", "defect")]


def test_smaller_keeps_a_tie_while_it_shrinks() -> None:
    c = contracts.get("two_layer.forward_propagation")
    p = {"W1": np.ones((3, 3)), "b1": np.ones((3, 1)), "W2": np.ones((1, 3)),
         "b2": np.ones((1, 1)), "X": np.ones((3, 3)), "Y": np.ones((1, 3))}
    tied = [(q["W1"].shape, q["X"].shape) for q in c.smaller(p)][-3:]
    assert tied == [((2, 2), (2, 2))] * 3  # n_h == n_x == m drop one index together


def _sizes_drawn(contract: contracts.Contract, options: Options) -> list[dict]:
    sizes = []

    @settings(max_examples=80, database=None, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(contract.problems(options))
    def draw(p: dict) -> None:
        sizes.append(contract.sizes(p))

    draw()
    return sizes


@pytest.mark.parametrize("name", sorted(n for n, c in contracts.CONTRACTS.items() if c.axes))
def test_shrinking_draws_no_problem_larger_than_its_bound(name: str) -> None:
    """The shrink run's strategy (Options.within) stays within the reduced problem's sizes and
    reaches them; without the bound the same strategy goes beyond them. (A contract without
    axes, logreg.optimize, is never reduced, so its shrink run has no bound.)"""
    contract = contracts.get(name)
    caps = {"feature": 2, "hidden": 1, "example": 3}
    bounded = _sizes_drawn(contract, Options(within=tuple(sorted(caps.items()))))
    assert all(s[a] <= caps[a] for s in bounded for a in s)
    assert {a: max(s[a] for s in bounded) for a in bounded[0]} == {a: caps[a] for a in bounded[0]}
    free = _sizes_drawn(contract, Options())
    assert any(s[a] > caps[a] for s in free for a in s)


def test_a_missing_result_names_the_items_in_the_singular_and_plural() -> None:
    contract, o = contracts.get("logreg.propagate"), Options()
    p = {"w": np.zeros((1, 1)), "b": 0.0, "X": np.zeros((1, 1)), "Y": np.zeros((1, 1))}
    messages = [f.message for f in contract.check(p, (), o)]
    assert any("should be a tuple of 2 items, got 0 items" in m for m in messages)
    messages = [f.message for f in contract.check(p, None, o)]  # a body of `pass`
    assert any(m.startswith("the result is None: the function returns nothing") for m in messages)
    messages = [f.message for f in contract.check(p, ({"dw": np.zeros((1, 1))},), o)]
    assert any("should be a tuple of 2 items, got 1 item;" in m for m in messages)


@pytest.mark.parametrize("name, value", [
    ("logreg.propagate", lambda g, c: (g, c, np.zeros((1, 1)))),  # grads, cost, A
    ("logreg.propagate", lambda g, c: (g["dw"], g["db"], c)),  # an older edition's form
    ("two_layer.forward_propagation", None),
])
def test_a_result_of_more_items_than_the_course_unpacks_is_a_type_defect(name, value) -> None:
    """`return grads, cost, A` conformed (the check read "at least 2 items"), and the course's
    `grads, cost = propagate(...)` raises on it; `return dw, db, cost` was also held to a
    value defect "cost: expected 0.69, got 0.5", that 0.5 being its db."""
    contract, o = contracts.get(name), Options()
    if name == "logreg.propagate":
        p = {"w": np.zeros((1, 1)), "b": 0.0, "X": np.zeros((1, 1)), "Y": np.zeros((1, 1))}
        result = value(*logreg.propagate(p["w"], p["b"], p["X"], p["Y"]))
    else:
        p = {"W1": np.zeros((1, 1)), "b1": np.zeros((1, 1)), "W2": np.zeros((1, 1)),
             "b2": np.zeros((1, 1)), "X": np.zeros((1, 1)), "Y": np.zeros((1, 1))}
        A2, cache = two_layer_sigmoid.forward_propagation(
            p["X"], {k: p[k] for k in ("W1", "b1", "W2", "b2")})
        result = (A2, cache, cache["Z1"])
    failures = contract.check(p, to_plain(result), o)
    assert [(f.check, f.severity) for f in failures] == [("type", "defect")], failures
    assert "should be a tuple of 2 items, got 3 items" in failures[0].message


TWO_LAYER = {"W1": np.array([[0.5, -1.0], [2.0, 0.25]]), "b1": np.zeros((2, 1)),
             "W2": np.array([[1.0, -2.0]]), "b2": np.zeros((1, 1)),
             "X": np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 2.0]])}
PARAMS = ("W1", "b1", "W2", "b2")


def test_a_wrong_shape_says_what_it_most_likely_comes_from() -> None:
    c, o = contracts.get("logreg.propagate"), Options()
    w, X = np.ones((2, 1)), np.ones((2, 3))
    problem = {"w": w, "b": 0.0, "X": X, "Y": np.ones((1, 3))}
    grads, cost = logreg.propagate(w, 0.0, X, problem["Y"])

    def shape_message(dw) -> str:
        found = c.check(problem, to_plain(({"dw": dw, "db": grads["db"]}, cost)), o)
        return next(f.message for f in found if f.check == "shape")

    assert shape_message(grads["dw"].T).endswith("the expected shape transposed (a .T missing "
                                                 "or one too many?)")
    assert shape_message(np.ones((3, 3))).endswith("(dw like w)")
    forward = contracts.get("two_layer.forward_propagation")
    p = {**{k: TWO_LAYER[k] for k in ("W1", "b1", "W2", "b2", "X")}, "Y": np.ones((1, 3))}
    _, cache = two_layer_sigmoid.forward_propagation(p["X"], {k: p[k] for k in PARAMS})
    found = forward.check(p, to_plain((cache["A1"], cache)), o)
    assert next(f.message for f in found if f.check == "shape").endswith(
        "one row per hidden unit, the hidden layer's shape (A1 in place of A2?)")


def test_a_dict_entry_replaced_is_told_as_such_not_as_an_array_changed_in_place() -> None:
    """`parameters[k] = parameters[k] - lr * grads["d" + k]` builds new arrays: "changes its
    input in place; compute a new array" told the student to do what they did. Both reach the
    caller's dict, and the message says so, with the fix for both."""
    from nnspec.audit.engine import audit_function

    def update_parameters(parameters, grads, learning_rate=1.2):
        for key in ("W1", "b1", "W2", "b2"):
            parameters[key] = parameters[key] - learning_rate * grads["d" + key]
        return parameters

    found = audit_function(update_parameters, "two_layer.update_parameters", examples=5)
    message = next(f.message for f in found.findings if f.check == "mutation")
    assert "by assigning into the caller's dict" in message and "new dict" in message


def test_a_correct_sigmoid_that_rounds_to_zero_is_not_told_to_check_its_activation() -> None:
    """A2 = 0.5*(1 + tanh(z/2)) (a correct sigmoid) rounds to 0 where sigma(z) is 1e-35: the
    saturation warning said "check the activation", as if the activation were wrong. Its error
    is within the textbook bound, so it is told as accuracy, with the form that loses it."""
    c = contracts.get("two_layer.forward_propagation")
    problem = {"X": np.array([[-1.0]]), "W1": np.array([[7.0]]), "b1": np.zeros((1, 1)),
               "W2": np.array([[80.0]]), "b2": np.zeros((1, 1)), "Y": np.ones((1, 1))}
    Z1 = problem["W1"] @ problem["X"]
    A1 = np.tanh(Z1)
    Z2 = problem["W2"] @ A1
    A2 = 0.5 * (1 + np.tanh(Z2 / 2))
    o = Options(hidden_activation="tanh")
    (found,) = c.check(problem, to_plain((A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2})), o)
    assert found.severity == "warning" and "check the activation" not in found.message
    assert "0.5*(1 + tanh(z/2))" in found.message


def test_a_changed_input_is_told_with_the_contract_s_fix_and_every_entry_it_changes() -> None:
    """A key added to forward_propagation's parameters was "changes its input parameters in
    place ... e.g. W1 = W1 - lr * dW1", a fix for update_parameters; an update in place named
    only W2 and b2, those the smallest input (zero gradients for W1) changed."""
    from nnspec.audit.engine import audit_function

    def forward_propagation(X, parameters):
        Z1 = parameters["W1"] @ X + parameters["b1"]
        A1 = 1 / (1 + np.exp(-Z1))
        Z2 = parameters["W2"] @ A1 + parameters["b2"]
        A2 = 1 / (1 + np.exp(-Z2))
        parameters["A2"] = A2
        return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}

    def update_parameters(parameters, grads, learning_rate=1.2):
        for key in ("W1", "b1", "W2", "b2"):
            parameters[key] -= learning_rate * grads["d" + key]
        return parameters

    found = audit_function(forward_propagation, "two_layer.forward_propagation", examples=5)
    message = next(f.message for f in found.findings if f.check == "mutation")
    assert "parameters (added 'A2')" in message and "lr * dW1" not in message, message
    found = audit_function(update_parameters, "two_layer.update_parameters", examples=20)
    message = next(f.message for f in found.findings if f.check == "mutation")
    assert all(f"parameters[{k!r}]" in message.split(" (the input shown")[0]
               for k in ("W1", "b1", "W2", "b2")), message


def _tanh_from_exp_forward(X, parameters):
    """Correct, tanh from its definition: digits lost where z is small, nan where exp overflows."""
    with np.errstate(all="ignore"):
        Z1 = parameters["W1"] @ X + parameters["b1"]
        A1 = (np.exp(Z1) - np.exp(-Z1)) / (np.exp(Z1) + np.exp(-Z1))
        Z2 = parameters["W2"] @ A1 + parameters["b2"]
        A2 = 1 / (1 + np.exp(-Z2))
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def _two_layer_problem(W1, W2, X) -> dict:
    W1, W2, X = np.array(W1), np.array(W2), np.array(X)
    return {"W1": W1, "b1": np.zeros((W1.shape[0], 1)), "W2": W2, "b2": np.zeros((1, 1)),
            "X": X, "Y": np.zeros((1, X.shape[1]))}


def test_where_tanh_saturates_its_exp_form_is_a_saturation_warning_as_sigmoid_s() -> None:
    """tanh from exp gives nan where tanh is -1 or 1, as exp(z) / (1 + exp(z)) does where the
    sigmoid is 0 or 1: a warning naming np.tanh, not a defect that matches no mistake."""
    c, o = contracts.get("two_layer.forward_propagation"), Options(hidden_activation="tanh")
    p = _two_layer_problem([[-900.0]], [[0.0]], [[-1.0]])
    args, _ = c.call_args(p, o)
    failures = c.check(p, to_plain(_tanh_from_exp_forward(*args)), o)
    assert [(f.check, f.severity) for f in failures] == [("saturation", "warning")]
    assert "where tanh saturates" in failures[0].message
    assert "np.tanh(z) is exact" in failures[0].details["advice"]
    assert "1 / (1 + exp(-z))" not in failures[0].details["advice"]  # the sigmoid's advice


def test_digits_lost_within_the_textbook_bound_are_accuracy_even_where_sigmoid_saturates() -> None:
    """A1 a few ulp off (tanh from exp at z = 0.01) on an input where the output sigmoid
    saturates: the loss is the tanh form's, which the textbook bound allows; told as accuracy
    with tanh's advice, not as saturation with the sigmoid's."""
    c, o = contracts.get("two_layer.forward_propagation"), Options(hidden_activation="tanh")
    p = _two_layer_problem([[0.01], [1.0]], [[0.0, 100.0]], [[1.0]])
    args, _ = c.call_args(p, o)
    failures = c.check(p, to_plain(_tanh_from_exp_forward(*args)), o)
    assert [(f.check, f.severity) for f in failures] == [("accuracy", "warning")]
    assert failures[0].details["at"].startswith("cache['A1']")
    assert "which np.tanh keeps" in failures[0].message


def test_compute_cost_s_advice_is_what_compute_cost_can_do() -> None:
    """compute_cost(A2, Y) gets a, not z, and no X: it was told to compute the loss from z and
    to take m = X.shape[1]."""
    c, o = contracts.get("two_layer.compute_cost"), Options()
    saturated = {"A2": np.array([[1.0]]), "Y": np.array([[1.0]])}
    with np.errstate(all="ignore"):
        (found,) = c.check(saturated, _cost(saturated["A2"], saturated["Y"]), o)
    assert found.check == "saturation" and "logaddexp" not in found.message
    assert "coefficient (y or 1 - y) is 0" in found.message
    plain = {"A2": np.array([[0.25, 0.5]]), "Y": np.array([[1.0, 0.0]])}
    summed = 2 * _cost(plain["A2"], plain["Y"])
    (found,) = c.check(plain, summed, o)
    match = diagnosis.diagnose(c.name, plain, found.details, o)
    assert match.mistake == "missing 1/m" and "Y.shape[1]" in match.advice
    assert "X.shape" not in match.advice
