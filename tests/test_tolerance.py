"""The tolerance policy accepts correct float64 methods, rejects float32 and wrong values."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy.special import expit
from sklearn.metrics import log_loss

from nnspec.numerics import oracle, tolerance
from nnspec.numerics.strategies import logreg_problems, two_layer_problems

# The notes' formulas overflow to inf / nan on saturated inputs on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

# ---------------------------------------------------------------- correct and wrong variants


def logreg_vectorised(w, b, X, Y, dtype=np.float64):
    w, X, Y, b = (np.asarray(a, dtype) for a in (w, X, Y, b))
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(w.T @ X + b)))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return {"Z": w.T @ X + b, "A": A, "cost": cost, "dw": X @ (A - Y).T / m,
            "db": np.sum(A - Y) / m}


def logreg_loops(w, b, X, Y):
    n, m = X.shape
    dw, db, cost = [0.0] * n, 0.0, 0.0
    for j in range(m):
        z = b
        for k in range(n):
            z += w[k, 0] * X[k, j]
        a = float(expit(z))
        cost += -(Y[0, j] * np.log(a) + (1 - Y[0, j]) * np.log1p(-a))
        for k in range(n):
            dw[k] += X[k, j] * (a - Y[0, j])
        db += a - Y[0, j]
    return {"cost": cost / m, "dw": np.array(dw).reshape(n, 1) / m, "db": db / m}


def logreg_einsum_stable(w, b, X, Y):
    m = X.shape[1]
    Z = np.einsum("ki,kj->ij", w, X) + b
    cost = np.mean(Y * np.logaddexp(0, -Z) + (1 - Y) * np.logaddexp(0, Z))
    A = expit(Z)
    return {"Z": Z, "A": A, "cost": cost, "dw": np.einsum("kj,ij->ki", X, A - Y) / m,
            "db": np.einsum("ij->", A - Y) / m}


def two_layer_vectorised(params, X, Y, hidden, dtype=np.float64):
    W1, b1, W2, b2 = (np.asarray(params[k], dtype) for k in ("W1", "b1", "W2", "b2"))
    X, Y = np.asarray(X, dtype), np.asarray(Y, dtype)
    m = X.shape[1]
    Z1 = W1 @ X + b1
    A1 = 1 / (1 + np.exp(-Z1)) if hidden == "sigmoid" else np.tanh(Z1)
    Z2 = W2 @ A1 + b2
    A2 = 1 / (1 + np.exp(-Z2))
    dZ2 = A2 - Y
    G = A1 * (1 - A1) if hidden == "sigmoid" else 1 - A1**2
    dZ1 = (W2.T @ dZ2) * G
    cost = -np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m
    return {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2, "cost": cost,
            "dW2": dZ2 @ A1.T / m, "db2": dZ2.sum(axis=1, keepdims=True) / m,
            "dW1": dZ1 @ X.T / m, "db1": dZ1.sum(axis=1, keepdims=True) / m}


def two_layer_einsum(params, X, Y, hidden):
    W1, b1, W2, b2 = (params[k] for k in ("W1", "b1", "W2", "b2"))
    m = X.shape[1]
    Z1 = np.einsum("hk,kj->hj", W1, X) + b1
    A1 = expit(Z1) if hidden == "sigmoid" else np.tanh(Z1)
    G = expit(Z1) * expit(-Z1) if hidden == "sigmoid" else 1 / np.cosh(Z1) ** 2
    Z2 = np.einsum("oh,hj->oj", W2, A1) + b2
    dZ2 = expit(Z2) - Y
    dZ1 = np.einsum("oh,oj->hj", W2, dZ2) * G
    cost = np.mean(Y * np.logaddexp(0, -Z2) + (1 - Y) * np.logaddexp(0, Z2))
    return {"cost": cost, "dW2": np.einsum("oj,hj->oh", dZ2, A1) / m,
            "db2": np.einsum("oj->o", dZ2).reshape(1, 1) / m,
            "dW1": np.einsum("hj,kj->hk", dZ1, X) / m, "db1": dZ1.sum(axis=1, keepdims=True) / m}


def _logreg_mismatches(problem, results, names, dtype="float64"):
    exact = oracle.logreg_exact(*problem)
    bounds = tolerance.logreg_bounds(*problem, dtype=dtype, exact=exact)
    return {k: tolerance.compare(k, exact[k], results[k], bounds[k]) for k in names}


def _two_layer_mismatches(problem, hidden, results, dtype="float64"):
    exact = oracle.two_layer_exact(*problem, hidden=hidden)
    bounds = tolerance.two_layer_bounds(*problem, hidden=hidden, dtype=dtype, exact=exact)
    return {k: tolerance.compare(k, exact[k], v, bounds[k]) for k, v in results.items()}


def _assert_none(mismatches):
    failures = [str(m) for m in mismatches.values() if m is not None]
    assert not failures, failures


# ---------------------------------------------------------------- accepts correct methods


@given(logreg_problems(saturation=False))
def test_logreg_bounds_accept_correct_methods(problem):
    for method in (logreg_vectorised, logreg_einsum_stable, logreg_loops):
        results = method(*problem)
        _assert_none(_logreg_mismatches(problem, results, results))


@given(logreg_problems(saturation=False))
def test_logreg_cost_bound_accepts_scikit_learn(problem):
    A = expit(problem.w.T @ problem.X + problem.b)
    cost = log_loss(problem.Y.ravel(), A.ravel(), labels=[0.0, 1.0])
    _assert_none(_logreg_mismatches(problem, {"cost": cost}, ["cost"]))


@given(logreg_problems(saturation=True))
def test_logreg_gradient_bounds_hold_under_saturation(problem):
    for method in (logreg_vectorised, logreg_einsum_stable):
        _assert_none(_logreg_mismatches(problem, method(*problem), ["Z", "A", "dw", "db"]))
    _assert_none(_logreg_mismatches(problem, logreg_einsum_stable(*problem), ["cost"]))


@pytest.mark.parametrize("hidden", ["sigmoid", "tanh"])
@given(data=st.data())
def test_two_layer_bounds_accept_correct_methods(hidden, data):
    data = data.draw(two_layer_problems(saturation=False, hidden=hidden))
    for method in (two_layer_vectorised, two_layer_einsum):
        _assert_none(_two_layer_mismatches(data, hidden, method(*data, hidden)))


# ---------------------------------------------------------------- rejects wrong arithmetic


def _generic_problems(count=4):
    rng = np.random.default_rng(2024)
    for _ in range(count):
        n_x, n_h, m = (int(v) for v in rng.integers(2, 7, 3))
        params = {"W1": rng.standard_normal((n_h, n_x)), "b1": rng.standard_normal((n_h, 1)),
                  "W2": rng.standard_normal((1, n_h)), "b2": rng.standard_normal((1, 1))}
        X = rng.standard_normal((n_x, m))
        Y = (rng.random((1, m)) > 0.5).astype(float)
        yield (rng.standard_normal((n_x, 1)), float(rng.standard_normal()), X, Y), params


@pytest.mark.parametrize("hidden", ["sigmoid", "tanh"])
def test_float32_arithmetic_fails_the_float64_contract(hidden):
    for logreg, params in _generic_problems():
        found = _logreg_mismatches(logreg, logreg_vectorised(*logreg, dtype=np.float32),
                                   ["Z", "A", "cost", "dw", "db"])
        assert all(m is not None for m in found.values()), found
        problem = (params, logreg[2], logreg[3])
        found = _two_layer_mismatches(problem, hidden,
                                      two_layer_vectorised(*problem, hidden, dtype=np.float32))
        assert all(m is not None for m in found.values()), found


@pytest.mark.parametrize("hidden", ["sigmoid", "tanh"])
@given(data=st.data())
def test_float32_arithmetic_meets_the_float32_bounds(hidden, data):
    data = data.draw(two_layer_problems(saturation=False, hidden=hidden))
    values = np.abs(np.concatenate([v.ravel() for v in (*data.parameters.values(), data.X)]))
    assume(np.all((values == 0) | ((values > 1e-30) & (values < 1e30))))  # float32's range
    exact = oracle.two_layer_exact(*data, hidden=hidden)
    assume(np.all(np.abs(exact.float64("Z2")) < 15))  # float32 sigma(z) rounds to 1 from z ~ 17
    results = two_layer_vectorised(*data, hidden, dtype=np.float32)
    _assert_none(_two_layer_mismatches(data, hidden, results, dtype="float32"))


def test_a_missing_one_over_m_and_a_sign_flip_are_rejected():
    for logreg, _ in _generic_problems():
        right = logreg_vectorised(*logreg)
        m = logreg[2].shape[1]
        wrong = {"dw": right["dw"] * m, "db": -right["db"], "cost": right["cost"] * m}
        found = _logreg_mismatches(logreg, wrong, wrong)
        assert all(mm is not None for mm in found.values()), found


def test_bounds_scale_with_the_dtype():
    logreg, _ = next(_generic_problems(1))
    b64 = tolerance.logreg_bounds(*logreg)
    b32 = tolerance.logreg_bounds(*logreg, dtype="float32")
    ratio = np.asarray(b32["dw"]) / np.asarray(b64["dw"])
    assert np.all(ratio > 2.0**28)  # u_32 / u_64 = 2^29, less the underflow floors
    with pytest.raises(ValueError, match="dtype"):
        tolerance.unit_roundoff("float16")


def test_gamma():
    u = 2.0**-53
    assert tolerance.gamma(10) == pytest.approx(10 * u / (1 - 10 * u), rel=1e-15)
    with pytest.raises(ValueError):
        tolerance.gamma(2**24, "float32")


def test_compute_cost_bound():
    A, Y = np.array([[0.2, 0.7, 1e-30, 0.5]]), np.array([[1.0, 0.0, 0.0, 1.0]])
    expected = oracle.cost_from_activations(A, Y)
    m = A.shape[1]
    notes = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    single = (-np.sum(Y * np.log(A.astype(np.float32)) + (1 - Y) * np.log1p(-A.astype(np.float32)))
              / np.float32(m))
    assert tolerance.compare("cost", expected, notes, tolerance.cost_from_activations_bound(A, Y)
                             ) is None
    assert tolerance.compare("cost", expected, single,
                             tolerance.cost_from_activations_bound(A, Y)) is not None
    assert tolerance.compare("cost", expected, single,
                             tolerance.cost_from_activations_bound(A, Y, dtype="float32")) is None


# ---------------------------------------------------------------- the comparison helper


def test_compare_names_the_numbers():
    mismatch = tolerance.compare("dw", np.array([[1.0], [2.0]]), np.array([[1.0], [2.5]]), 1e-3)
    assert mismatch.index == (1, 0) and mismatch.expected == 2.0 and mismatch.got == 2.5
    assert mismatch.difference == 0.5 and mismatch.count == 1 and mismatch.size == 2
    text = str(mismatch)
    for part in ("dw[1, 0]", "expected 2.0", "got 2.5", "0.5", "bound"):
        assert part in text
    with pytest.raises(AssertionError, match=r"dw\[1, 0\]"):
        tolerance.assert_close("dw", np.array([[1.0], [2.0]]), np.array([[1.0], [2.5]]), 1e-3)


def test_a_message_leaves_out_a_bound_that_says_nothing():
    """A value that is not finite is said to be so (inf > bound 4e+28 reads as a puzzle); a
    bound below float64's smallest normal number means the entry is exact."""
    assert str(tolerance.compare("cost", 100.0, np.inf, 4e28)) == (
        "cost: expected 100.0, got inf, which is not a finite number "
        "(1 of 1 entry beyond the bound)")
    assert "not a finite number" in str(tolerance.compare("cost", 82.0, np.nan, 1e-3))
    exact = str(tolerance.compare("dw", np.zeros((2, 1)), np.array([[0.25], [0.0]]), 6.9e-323))
    assert exact == ("dw[0, 0]: expected 0.0, got 0.25, off by 0.25 where float64 is "
                     "exact (1 of 2 entries beyond the bound)")
    assert "> bound 1e-300" in str(tolerance.compare("db", 0.0, 0.25, 1e-300))


def test_compare_special_values_and_shapes():
    assert tolerance.compare("cost", np.inf, np.inf, 0.0) is None
    assert tolerance.compare("cost", 1.0, np.nan, np.inf) is not None
    assert tolerance.compare("db", 1.0, np.array([[1.0]]), 0.0) is None  # one element: a scalar
    with pytest.raises(ValueError, match="shape"):
        tolerance.compare("db1", np.zeros((3, 1)), np.zeros(3), 0.0)
    with oracle.mp.workdps(60):
        third = oracle.mp.mpf(1) / 3
    assert tolerance.compare("cost", np.array(third, dtype=object), 1 / 3, 0.0) is None


def test_a_difference_just_past_its_bound_is_shown_with_the_digits_that_tell_them_apart():
    """"off by 2.22e-16 > bound 2.22e-16" read as a contradiction."""
    found = tolerance.compare("cost", np.array(0.0), np.array(2.2205e-16), np.array(2.2204e-16))
    text = str(found)
    off, limit = text.split("off by ")[1].split(" (")[0].split(" > bound ")
    assert off != limit and float(off) > float(limit), text
    assert "off by 0.5 > bound 0.01" in str(tolerance.compare(
        "cost", np.array(1.0), np.array(1.5), np.array(0.01)))


def test_a_subnormal_value_flushed_to_zero_is_within_every_bound() -> None:
    """sigma(-730) = 3.6e-318 is subnormal: 1 / (1 + np.exp(730)) gives 0, and the course's
    own forward pass had a saturation warning that advised that very formula. Below float64's
    smallest normal number there is no relative digit to keep; above it, 0 is still wrong,
    and an exact entry is still said to be one."""
    assert tolerance.compare("A1", np.array([[3.6e-318]]), np.array([[0.0]]), 0.0) is None
    assert tolerance.compare("A1", np.array([[1e-300]]), np.array([[0.0]]), 0.0) is not None
    exact = tolerance.compare("Z1", np.array([[0.0]]), np.array([[1.0]]), 0.0)
    assert "off by 1 where float64 is exact" in str(exact)


def test_the_course_s_forward_pass_has_no_warning_for_subnormal_activations() -> None:
    from pathlib import Path

    from nnspec.audit.engine import audit

    course = Path(__file__).parent / "corpus" / "two_layer" / "forward_sigmoid.py"
    result = audit(str(course), "two_layer.forward_propagation")
    assert result.verdict == "conforms" and result.findings == [], result.summary()
