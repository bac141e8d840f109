"""Properties of the reference, held to the mpmath oracle within the tolerance policy.

Each property is a plain function of the implementation and one problem, so the same function
runs against the reference and against deliberately broken copies of it (the end of this file),
which Hypothesis must then refute.
"""

import ast
import inspect
import types

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from mpmath import mp
from scipy.optimize import linprog, minimize
from scipy.special import expit

from nnspec.numerics import oracle, tolerance
from nnspec.numerics.strategies import logreg_problems, two_layer_problems
from nnspec.reference import logreg, two_layer_sigmoid, two_layer_tanh

TWO_LAYER = {"sigmoid": two_layer_sigmoid, "tanh": two_layer_tanh}
HIDDEN = sorted(TWO_LAYER)
U = tolerance.unit_roundoff("float64")

# compute_cost(A2, Y) is +inf where A2 has rounded to 1 under y = 0: the exact value there.
pytestmark = pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")

# Broken copies are refuted on a fixed sample, whatever the profile; no shrinking (speed).
REFUTE = settings(max_examples=100, derandomize=True, database=None, deadline=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))

# ---------------------------------------------------------------- property functions


def check_propagate(propagate, problem) -> None:
    """propagate(w, b, X, Y): dw (shape of w), db and the cost within the float64 bounds."""
    grads, cost = propagate(*problem)
    exact = oracle.logreg_exact(*problem)
    bounds = tolerance.logreg_bounds(*problem, exact=exact)
    assert np.shape(grads["dw"]) == problem.w.shape, f"dw {np.shape(grads['dw'])}"
    for name, got in (("dw", grads["dw"]), ("db", grads["db"]), ("cost", cost)):
        tolerance.assert_close(name, exact[name], got, bounds[name])


def check_two_layer(module, problem, hidden: str) -> None:
    """forward_propagation, compute_cost and backward_propagation of `module` against the oracle:
    the cache's Z1, A1, Z2, A2, the cost at the returned A2, and the four gradients (each of its
    parameter's shape)."""
    parameters, X, Y = problem
    A2, cache = module.forward_propagation(X, parameters)
    exact = oracle.two_layer_exact(*problem, hidden=hidden)
    bounds = tolerance.two_layer_bounds(*problem, hidden=hidden, exact=exact)
    for name in ("Z1", "A1", "Z2", "A2"):
        assert np.shape(cache[name]) == exact[name].shape, f"{name} {np.shape(cache[name])}"
        tolerance.assert_close(name, exact[name], cache[name], bounds[name])
    tolerance.assert_close("cost", oracle.cost_from_activations(A2, Y),
                           module.compute_cost(A2, Y),
                           tolerance.cost_from_activations_bound(A2, Y))
    grads = module.backward_propagation(parameters, cache, X, Y)
    for name in ("dW1", "db1", "dW2", "db2"):
        shape = np.shape(parameters[name[1:]])
        assert np.shape(grads[name]) == shape, f"{name} {np.shape(grads[name])} != {shape}"
        tolerance.assert_close(name, exact[name], grads[name], bounds[name])


def check_two_layer_directional(module, problem, hidden: str, seed: int) -> None:
    """The reference gradient along a random direction per block equals the mpmath central
    difference of the cost within sum(bound * |d|) plus the difference's own error estimate
    (~1e-40 |J|: it matters only where the gradient itself is that small)."""
    parameters, X, Y = problem
    _, cache = module.forward_propagation(X, parameters)
    grads = module.backward_propagation(parameters, cache, X, Y)
    bounds = tolerance.two_layer_bounds(*problem, hidden=hidden)
    for d in oracle.two_layer_directional(*problem, hidden=hidden, seed=seed):
        got = oracle.directional_value(grads["d" + d.block], d.direction)
        allowed = float(np.sum(bounds["d" + d.block] * np.abs(d.direction)) + d.error)
        with mp.workdps(60):
            difference = abs(got - d.finite_difference)
        assert difference <= allowed + U * abs(d.finite_difference), (
            f"d{d.block} along d: finite difference {mp.nstr(d.finite_difference, 20)}, "
            f"reference {mp.nstr(got, 20)}, |difference| {mp.nstr(difference, 3)} > {allowed:.3g}")


def lipschitz(X: np.ndarray) -> float:
    """L = ||[X; 1]||_2^2 / (4 m): the Lipschitz constant of the logistic cost's gradient in
    (w, b) (the Hessian is [X; 1] diag(a (1 - a)) [X; 1]^T / m and a (1 - a) <= 1/4)."""
    m = X.shape[1]
    return np.linalg.norm(np.vstack([X, np.ones((1, m))]), 2) ** 2 / (4 * m)


def _theta(w, b) -> np.ndarray:
    return np.append(np.ravel(w), np.ravel(b))


def _step_error(problem, w, b, lr: float) -> np.ndarray:
    """Per entry, the float64 error of one step (w, b) <- (w, b) - lr (dw, db): lr times the
    gradient's bound, the rounding of lr * g and of the subtraction."""
    exact = oracle.logreg_exact(w, b, problem.X, problem.Y)
    bounds = tolerance.logreg_bounds(w, b, problem.X, problem.Y, exact=exact)
    g = _theta(exact.float64("dw"), exact.float64("db"))
    new = _theta(w, b) - lr * g
    return lr * _theta(bounds["dw"], bounds["db"]) + U * np.abs(lr * g) + U * np.abs(new)


def check_descent(optimize, problem, fraction: float, steps: int = 4) -> None:
    """With lr = fraction * 2 / L (fraction < 1), every step lowers the exact cost by the descent
    lemma's amount, lr (1 - L lr / 2) ||g||^2, up to the step's rounding delta:
    J(t + 1) - J(t) <= -lr (1 - L lr / 2) ||g||^2 + 3 ||g|| ||delta|| + L ||delta||^2 / 2."""
    L = lipschitz(problem.X)
    lr = fraction * 2 / L
    w, b = problem.w, problem.b
    for t in range(steps):
        params, _, _ = optimize(w, b, problem.X, problem.Y, 1, lr)
        before = oracle.logreg_exact(w, b, problem.X, problem.Y)
        after = oracle.logreg_cost(params["w"], params["b"], problem.X, problem.Y)
        g = np.linalg.norm(_theta(before.float64("dw"), before.float64("db")))
        delta = np.linalg.norm(_step_error(problem, w, b, lr))
        allowed = -lr * (1 - L * lr / 2) * g**2 + 3 * g * delta + L * delta**2 / 2
        with mp.workdps(60):
            change = after - before["cost"][()]
        assert change <= allowed, (f"step {t}: cost changed by {mp.nstr(change, 6)}, "
                                   f"more than {allowed:.6g} (lr {lr:.3g}, L {L:.3g})")
        w, b = params["w"], params["b"]


def check_replay(optimize, problem, fraction: float, steps: int = 6) -> None:
    """optimize's parameters after `steps` equal the descent replayed in mpmath within the
    accumulated rounding: a gradient step with lr <= 2 / L on a convex L-smooth cost is
    non-expansive, so errors add up: ||theta - theta_mp|| <= sum_t ||delta_t||."""
    lr = fraction * 2 / lipschitz(problem.X)
    params, _, _ = optimize(problem.w, problem.b, problem.X, problem.Y, steps, lr)
    path = oracle.logreg_descent(problem.w, problem.b, problem.X, problem.Y,
                                 learning_rate=lr, num_iterations=steps)
    floats = [(oracle.to_float64(p["w"]), float(oracle.to_float64(p["b"]))) for p in path]
    allowed = sum(np.linalg.norm(_step_error(problem, w, b, lr)) for w, b in floats[:-1])
    exact_end = _theta(*floats[-1])
    error = np.linalg.norm(_theta(params["w"], params["b"]) - exact_end)
    assert error <= allowed + U * np.linalg.norm(exact_end), (
        f"after {steps} steps |theta - theta_mp| = {error:.3g} > {allowed:.3g}")


# ---------------------------------------------------------------- the reference holds


@given(logreg_problems())
def test_propagate_equals_the_oracle(problem):
    check_propagate(logreg.propagate, problem)


@given(logreg_problems(max_features=3, max_examples=4))
def test_propagate_equals_finite_differences(problem):
    grads, _ = logreg.propagate(*problem)
    fd = oracle.logreg_fd_gradient(*problem, errors=True)
    bounds = tolerance.logreg_bounds(*problem)
    for name in ("dw", "db"):  # the difference's own error estimate is added to the bound
        allowed = bounds[name] + oracle.to_float64(fd[name + "_error"])
        tolerance.assert_close(name, fd[name], grads[name], allowed)


@pytest.mark.parametrize("hidden", HIDDEN)
@given(data=st.data())
def test_two_layer_equals_the_oracle(hidden, data):
    check_two_layer(TWO_LAYER[hidden], data.draw(two_layer_problems(hidden=hidden)), hidden)


@pytest.mark.parametrize("hidden", HIDDEN)
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_two_layer_gradient_along_random_directions(hidden, data, seed):
    problem = data.draw(two_layer_problems(max_features=3, max_hidden=3, max_examples=4,
                                           hidden=hidden))
    check_two_layer_directional(TWO_LAYER[hidden], problem, hidden, seed)


@pytest.mark.parametrize("hidden", HIDDEN)
@given(data=st.data())
def test_vectorised_dZ1_has_the_shape_of_A1_and_the_exact_value(hidden, data):
    """dZ1 = (W2^T dZ2) * g'(Z1), the element-wise product, for every shape."""
    problem = data.draw(two_layer_problems(hidden=hidden))
    parameters, X, Y = problem
    _, cache = TWO_LAYER[hidden].forward_propagation(X, parameters)
    A1 = cache["A1"]
    g_prime = A1 * (1 - A1) if hidden == "sigmoid" else 1 - A1**2
    dZ1 = (parameters["W2"].T @ (cache["A2"] - Y)) * g_prime
    assert dZ1.shape == A1.shape
    exact = oracle.two_layer_exact(*problem, hidden=hidden)
    bounds = tolerance.two_layer_bounds(*problem, hidden=hidden, exact=exact)
    tolerance.assert_close("dZ1", exact["dZ1"], dZ1, bounds["dZ1"])


def literal_dz1(a2, y, W2, a1):
    """The notes' per-example form (a2 - y) W2 * ((1 - a1) a1), as NumPy reads it."""
    return (a2 - y) * W2 * ((1 - a1) * a1)


@given(n_h=st.integers(1, 8))
def test_literal_per_example_form_broadcasts_to_n_h_by_n_h(n_h):
    a1, W2 = np.full((n_h, 1), 0.5), np.ones((1, n_h))
    assert literal_dz1(np.array([[0.7]]), np.array([[1.0]]), W2, a1).shape == (n_h, n_h)


def test_literal_per_example_form_does_not_conform():
    """Minimal counterexample: n_h = 2, where dz1 should be (2, 1) like a1 but NumPy
    broadcasts the literal form to (2, 2); `... x` then fails or has the wrong shape."""
    def conforms(n_h):
        dz1 = literal_dz1(np.array([[0.7]]), np.array([[1.0]]), np.ones((1, n_h)),
                          np.full((n_h, 1), 0.5))
        return dz1.shape == (n_h, 1)

    n_h = find(st.integers(1, 8), lambda n: not conforms(n), settings=settings(database=None))
    assert n_h == 2
    dz1 = literal_dz1(np.array([[0.7]]), np.array([[1.0]]), np.ones((1, 2)), np.full((2, 1), 0.5))
    assert dz1.shape == (2, 2)
    with pytest.raises(ValueError):
        dz1 @ np.ones((3, 1))  # n_x = 3: the product with x does not conform
    assert (dz1 @ np.ones((2, 1))).shape == (2, 1) != (2, 2)  # n_x = n_h: conforms, wrong shape


@given(two_layer_problems(max_examples=1, hidden="sigmoid"))
def test_literal_form_is_right_only_for_one_hidden_unit(problem):
    """With n_h = 1 the literal form (one example, the notes' sigmoid) conforms and is dz1;
    with W2^T in place of W2 it is right for every n_h."""
    hidden = "sigmoid"
    parameters, X, Y = problem
    _, cache = two_layer_sigmoid.forward_propagation(X, parameters)
    exact = oracle.two_layer_exact(*problem, hidden=hidden)
    bounds = tolerance.two_layer_bounds(*problem, hidden=hidden, exact=exact)
    a1, a2, W2 = cache["A1"], cache["A2"], parameters["W2"]
    corrected = (a2 - Y) * W2.T * ((1 - a1) * a1)
    tolerance.assert_close("dZ1", exact["dZ1"], corrected, bounds["dZ1"])
    if W2.shape[1] == 1:
        tolerance.assert_close("dZ1", exact["dZ1"], literal_dz1(a2, Y, W2, a1), bounds["dZ1"])


@given(logreg_problems(max_features=4, max_examples=6), st.floats(0.05, 0.95))
def test_descent_below_2_over_L_lowers_the_cost_at_every_step(problem, fraction):
    check_descent(logreg.optimize, problem, fraction)


@given(logreg_problems(max_features=4, max_examples=6), st.floats(0.05, 0.95))
def test_trained_parameters_equal_the_descent_replayed_in_mpmath(problem, fraction):
    check_replay(logreg.optimize, problem, fraction)


def _non_separable_data(seed: int, n_x: int = 3, m: int = 80):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m))
    Y = (rng.random((1, m)) < expit(rng.standard_normal(n_x) @ X + 0.3)).astype(float)
    Xt = np.vstack([X, np.ones((1, m))])
    # Separable iff some theta has (2y - 1) theta . x_i >= 1 for all i: an LP feasibility test.
    lp = linprog(np.zeros(n_x + 1), A_ub=-((2 * Y - 1) * Xt).T, b_ub=-np.ones(m),
                 bounds=[(None, None)] * (n_x + 1))
    assert lp.status == 2, "the data must not be separable (finite optimum)"
    return X, Y, Xt


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_trained_logreg_reaches_the_optimum_of_an_independent_solver(seed):
    X, Y, Xt = _non_separable_data(seed)
    m = X.shape[1]

    def cost_and_grad(theta):
        z = theta @ Xt
        cost = np.mean(Y * np.logaddexp(0, -z) + (1 - Y) * np.logaddexp(0, z))
        return cost, Xt @ (expit(z) - Y).ravel() / m

    best = minimize(cost_and_grad, np.zeros(Xt.shape[0]), jac=True, method="BFGS",
                    options={"gtol": 1e-13})
    a = expit(best.x @ Xt)
    mu = np.linalg.eigvalsh((Xt * (a * (1 - a))) @ Xt.T / m)[0]
    L = lipschitz(X)
    steps = int(np.ceil(3 * L / mu * np.log(1e14)))  # (1 - mu / L)^steps << 1e-14, with margin
    params, _, _ = logreg.optimize(np.zeros((X.shape[0], 1)), 0.0, X, Y, steps, 1 / L)
    theta = _theta(params["w"], params["b"])
    assert np.max(np.abs(theta - best.x)) <= 1e-7 * (1 + np.max(np.abs(best.x))), (theta, best.x)
    trained = oracle.logreg_cost(params["w"], params["b"], X, Y)
    optimum = oracle.logreg_cost(best.x[:-1].reshape(-1, 1), best.x[-1], X, Y)
    assert trained >= optimum * (1 - 1e-15)
    assert trained - optimum <= 1e-12 * optimum


# ---------------------------------------------------------------- broken copies are refuted


def broken_copy(module, function: str, target: str, mutate) -> types.ModuleType:
    """A copy of a reference module whose assignment `target = rhs` inside `function` becomes
    `target = mutate(rhs)` (on the syntax tree, so the printer's layout does not matter)."""
    tree = ast.parse(inspect.getsource(module))
    changed = 0
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef) and fn.name == function:
            for node in ast.walk(fn):
                if (isinstance(node, ast.Assign) and len(node.targets) == 1
                        and isinstance(node.targets[0], ast.Name)
                        and node.targets[0].id == target):
                    node.value = mutate(node.value)
                    changed += 1
    assert changed, f"no assignment to {target} in {module.__name__}.{function}"
    copy = types.ModuleType(module.__name__ + "_broken")
    code = compile(ast.fix_missing_locations(tree), copy.__name__, "exec")
    exec(code, copy.__dict__)  # noqa: S102 - our own reference, one node changed
    return copy


def _expr(text: str) -> ast.expr:
    return ast.parse(text, mode="eval").body


def times_m(rhs):
    """A missing 1/m: the formula times m."""
    return ast.BinOp(rhs, ast.Mult(), ast.Name("m", ast.Load()))


def negated(rhs):
    return ast.UnaryOp(ast.USub(), rhs)


class _Rename(ast.NodeTransformer):
    def __init__(self, old, new):
        self.old, self.new = old, new

    def visit_Attribute(self, node):
        node = self.generic_visit(node)
        return self.new if ast.dump(node) == ast.dump(self.old) else node

    def visit_Name(self, node):
        return self.new if ast.dump(node) == ast.dump(self.old) else node


def replacing(old: str, new: str):
    """Replace the sub-expression `old` by `new` in the right-hand side."""
    return lambda rhs: _Rename(_expr(old), _expr(new)).visit(rhs)


def _refuted(check, strategy) -> Exception:
    @REFUTE
    @given(strategy)
    def prop(problem):
        check(problem)

    with pytest.raises((AssertionError, ValueError)) as failure:
        prop()
    return failure.value


@pytest.mark.parametrize("target, mutate", [
    ("dw", times_m),  # a missing 1/m
    ("db", negated),  # a sign flip
    ("cost", times_m),  # the cost without its 1/m
])
def test_a_broken_propagate_is_refuted(target, mutate):
    broken = broken_copy(logreg, "propagate", target, mutate)
    _refuted(lambda p: check_propagate(broken.propagate, p), logreg_problems())


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("target, mutate", [
    ("dW1", replacing("X.T", "X")),  # a dropped transpose: conforms only where n_x == m
    ("dZ1", replacing("W2", "dW2")),  # dW2 used in place of W2
    ("db2", lambda rhs: _expr("numpy.sum(dZ2) / m")),  # shape () instead of (1, 1)
    ("db1", times_m),
])
def test_a_broken_backward_propagation_is_refuted(hidden, target, mutate):
    broken = broken_copy(TWO_LAYER[hidden], "backward_propagation", target, mutate)
    _refuted(lambda p: check_two_layer(broken, p, hidden), two_layer_problems(hidden=hidden))


def test_a_dropped_transpose_is_refuted_on_square_shapes_too():
    """Where n_x == m the dropped transpose conforms; the values still give it away."""
    broken = broken_copy(two_layer_sigmoid, "backward_propagation", "dW1", replacing("X.T", "X"))

    def wrong_values(problem):
        try:
            check_two_layer(broken, problem, "sigmoid")
        except AssertionError:
            return True
        except ValueError:  # not square: it does not even conform
            return False
        return False

    problem = find(two_layer_problems(), wrong_values, settings=REFUTE)
    assert problem.X.shape[0] == problem.X.shape[1] > 1


def test_a_broken_descent_is_refuted():
    broken = broken_copy(logreg, "propagate", "dw", negated)  # an ascent in w
    failure = _refuted(lambda args: check_descent(broken.optimize, *args),
                       st.tuples(logreg_problems(max_features=4, max_examples=6),
                                 st.floats(0.05, 0.95)))
    assert "cost changed by" in str(failure)


def test_a_broken_update_is_refuted_by_the_replay():
    broken = broken_copy(logreg, "optimize", "b", replacing("db", "(-db)"))
    _refuted(lambda args: check_replay(broken.optimize, *args),
             st.tuples(logreg_problems(max_features=4, max_examples=6), st.floats(0.05, 0.95)))


def test_the_descent_bound_needs_the_step_below_2_over_L():
    """Above 2 / L the cost can rise (from w = 0, b = 0, where the curvature is L): Hypothesis
    finds such a problem, so the step condition of the descent property is not vacuous."""
    def rises(args):
        problem, fraction = args
        w = np.zeros_like(problem.w)
        lr = fraction * 2 / lipschitz(problem.X)
        params, _, _ = logreg.optimize(w, 0.0, problem.X, problem.Y, 1, lr)
        return (oracle.logreg_cost(params["w"], params["b"], problem.X, problem.Y)
                > oracle.logreg_cost(w, 0.0, problem.X, problem.Y))

    find(st.tuples(logreg_problems(max_features=3, max_examples=4, saturation=False),
                   st.floats(1.0, 20.0)), rises, settings=REFUTE)
