"""The public strategies: valid shapes, validated options, and every documented edge reached."""

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from nnspec.numerics.strategies import (
    FINITE_Z,
    LogRegProblem,
    TwoLayerProblem,
    logreg_problems,
    two_layer_problems,
)

# Reachability is about the strategy, not the profile: a fixed, derandomized sample.
SAMPLE = settings(max_examples=400, derandomize=True, database=None, deadline=None,
                  phases=[Phase.generate], suppress_health_check=list(HealthCheck))


def _sample(strategy) -> list:
    seen = []

    @SAMPLE
    @given(strategy)
    def collect(problem):
        seen.append(problem)

    collect()
    return seen


def _mixed(a: np.ndarray) -> bool:
    nonzero = np.abs(a[a != 0])
    return nonzero.size > 1 and nonzero.max() / nonzero.min() > 2.0**20


def _logreg_edges(p: LogRegProblem) -> set[str]:
    (n_x, m), Z = p.X.shape, p.w.T @ p.X + p.b
    found = {"n_x == m" if n_x == m else "n_x != m", "b == 0" if p.b == 0 else "b != 0"}
    found |= {"m == 1"} if m == 1 else set()
    found |= {"n_x == m > 1"} if n_x == m > 1 else set()
    found |= {"z > 100 (a near 1)"} if Z.max() > 100 else set()
    found |= {"z < -100 (a near 0)"} if Z.min() < -100 else set()
    found |= {"Y zeros" if not p.Y.any() else "Y ones" if p.Y.all() else "Y mixed"}
    found |= {"mixed magnitudes"} if _mixed(p.X) else set()
    return found


def test_logreg_problems_reach_every_edge():
    reached = set().union(*map(_logreg_edges, _sample(logreg_problems())))
    assert reached >= {"n_x == m", "n_x != m", "n_x == m > 1", "m == 1", "b == 0", "b != 0",
                       "z > 100 (a near 1)", "z < -100 (a near 0)", "Y zeros", "Y ones",
                       "Y mixed", "mixed magnitudes"}, reached


def _two_layer_edges(p: TwoLayerProblem, hidden: str) -> set[str]:
    W1, b1, W2, b2 = (p.parameters[k] for k in ("W1", "b1", "W2", "b2"))
    Z1 = W1 @ p.X + b1
    A1 = np.tanh(Z1) if hidden == "tanh" else 1 / (1 + np.exp(-Z1))
    Z2 = W2 @ A1 + b2
    found = {"n_h == 1" if W1.shape[0] == 1 else "n_h > 1"}
    found |= {"b1 == 0" if not b1.any() else "b1 != 0", "b2 == 0" if not b2.any() else "b2 != 0"}
    found |= {"hidden saturates"} if np.abs(Z1).max() > (20 if hidden == "tanh" else 40) else set()
    found |= {"a2 near 1"} if Z2.max() > 100 else set()
    found |= {"a2 near 0"} if Z2.min() < -100 else set()
    found |= {"n_x == m > 1"} if p.X.shape[0] == p.X.shape[1] > 1 else set()
    found |= {"m == 1"} if p.X.shape[1] == 1 else set()
    return found


@pytest.mark.parametrize("hidden", ["sigmoid", "tanh"])
def test_two_layer_problems_reach_every_edge(hidden):
    with np.errstate(over="ignore"):
        reached = set().union(*(_two_layer_edges(p, hidden)
                                for p in _sample(two_layer_problems(hidden=hidden))))
    assert reached >= {"n_h == 1", "n_h > 1", "b1 == 0", "b1 != 0", "b2 == 0", "b2 != 0",
                       "hidden saturates", "a2 near 1", "a2 near 0", "n_x == m > 1",
                       "m == 1"}, reached


@given(logreg_problems(max_features=4, max_examples=3))
def test_logreg_shapes_follow_the_contract(p):
    n_x, m = p.X.shape
    assert 1 <= n_x <= 4 and 1 <= m <= 3
    assert p.w.shape == (n_x, 1) and p.Y.shape == (1, m) and isinstance(p.b, float)
    assert set(np.unique(p.Y)) <= {0.0, 1.0}
    assert all(a.dtype == np.float64 and np.all(np.isfinite(a)) for a in (p.w, p.X, p.Y))


@given(two_layer_problems(max_features=3, max_hidden=2, max_examples=4))
def test_two_layer_shapes_follow_the_contract(p):
    (n_x, m), n_h = p.X.shape, p.parameters["W1"].shape[0]
    assert n_h <= 2 and n_x <= 3 and m <= 4
    shapes = {k: v.shape for k, v in p.parameters.items()}
    assert shapes == {"W1": (n_h, n_x), "b1": (n_h, 1), "W2": (1, n_h), "b2": (1, 1)}


@given(logreg_problems(saturation=False))
def test_without_saturation_z_stays_where_the_formulas_are_finite(p):
    assert np.abs(p.w.T @ p.X + p.b).max() <= FINITE_Z


@pytest.mark.parametrize("hidden", ["sigmoid", "tanh"])
@given(data=st.data())
def test_two_layer_without_saturation(hidden, data):
    p = data.draw(two_layer_problems(saturation=False, hidden=hidden))
    W1, b1, W2, b2 = (p.parameters[k] for k in ("W1", "b1", "W2", "b2"))
    Z1 = W1 @ p.X + b1
    assert np.abs(Z1).max() <= FINITE_Z
    A1 = np.tanh(Z1) if hidden == "tanh" else 1 / (1 + np.exp(-Z1))
    assert np.abs(W2 @ A1 + b2).max() <= FINITE_Z


def test_saturation_is_reached_only_when_asked():
    def saturated(p):
        return np.abs(p.w.T @ p.X + p.b).max() > 100

    assert find(logreg_problems(), saturated, settings=SAMPLE) is not None
    assert not any(map(saturated, _sample(logreg_problems(saturation=False))))


def test_examples_shrink_to_the_simplest_problem():
    quick = settings(database=None, max_examples=10)
    p = find(logreg_problems(), lambda p: True, settings=quick)
    assert p.X.shape == (1, 1) and p.b == 0.0 and not p.Y.any() and not p.w.any()
    q = find(two_layer_problems(), lambda p: True, settings=quick)
    assert q.X.shape == (1, 1) and q.parameters["W1"].shape == (1, 1)
    assert not any(v.any() for v in q.parameters.values())


@pytest.mark.parametrize("call, message", [
    (lambda: logreg_problems(max_features=0), "max_features"),
    (lambda: logreg_problems(max_examples=2.5), "max_examples"),
    (lambda: logreg_problems(saturation="yes"), "saturation"),
    (lambda: two_layer_problems(max_hidden=True), "max_hidden"),
    (lambda: two_layer_problems(hidden="relu"), "hidden"),
])
def test_options_are_validated_up_front(call, message):
    with pytest.raises(InvalidArgument, match=message):
        call()  # at the call, before any example is drawn


def _sizes(large: bool) -> list:
    seen = []

    @settings(max_examples=40, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(two_layer_problems(max_features=12, max_hidden=12, max_examples=12, small=3,
                              large=large, tie_hidden=True))
    def collect(p):
        seen.append((p.parameters["W1"].shape, p.X.shape[1]))

    collect()
    return seen


def test_large_sizes_and_hidden_ties_come_up_when_asked():
    small, large = _sizes(False), _sizes(True)
    assert all(max(n_h, n_x, m) <= 3 for (n_h, n_x), m in small)
    assert all(m > 3 for _, m in large)
    assert any(n_h == n_x == m > 3 for (n_h, n_x), m in large)
    assert any(n_x <= 3 < m for (_, n_x), m in large)
