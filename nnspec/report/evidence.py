"""The numbers behind the report: errors against the oracle, edge cases, peers, figure data.

Nothing here is typed in: every number the report prints is computed from the reference
(`nnspec.reference`), the oracle (`nnspec.numerics.oracle`), the tolerance policy (`nnspec.numerics.tolerance`)
and the peers on fixed, seeded inputs, so the report is the same on every run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

import numpy as np


@dataclass(frozen=True)
class NonFinite:
    """A run of z where a function of z returns a non-finite value (`value` is inf, -inf or nan).

    `start` and `end` are the first and last float64 z of the run, found by scanning a grid and
    bisecting each edge down to adjacent floats.
    """

    start: float
    end: float
    value: str


def _kind(x: float) -> str:
    return "finite" if np.isfinite(x) else "nan" if np.isnan(x) else "inf" if x > 0 else "-inf"


def _edge(f: Callable[[float], float], inside: float, outside: float) -> float:
    """The float nearest `outside` that still has f's kind at `inside`: bisection on floats."""
    want = _kind(f(inside))
    while True:
        mid = inside + (outside - inside) / 2
        if mid in (inside, outside):
            return inside
        if _kind(f(mid)) == want:
            inside = mid
        else:
            outside = mid


def nonfinite_runs(f: Callable[[float], float], lo: float, hi: float,
                   points: int = 4001) -> list[NonFinite]:
    """Scan z in [lo, hi] on `points` grid points; each run of non-finite values, edges refined.

    A run that ends at the grid's end ends at `hi` (nothing beyond is claimed).
    """
    grid = np.linspace(lo, hi, points)
    kinds = [_kind(f(float(z))) for z in grid]
    runs, i = [], 0
    while i < points:
        if kinds[i] == "finite":
            i += 1
            continue
        j = i
        while j + 1 < points and kinds[j + 1] == kinds[i]:
            j += 1
        start = float(grid[i]) if i == 0 else _edge(f, float(grid[i]), float(grid[i - 1]))
        end = float(grid[j]) if j == points - 1 else _edge(f, float(grid[j]), float(grid[j + 1]))
        runs.append(NonFinite(start, end, kinds[i]))
        i = j + 1
    return runs


# ---------------------------------------------------------------- the notes' own code


def notes_sigmoid() -> Callable:
    """The notes' sigmoid 1 / (1 + e^-z), printed by SymPy from `definitions.sigma_exp`."""
    import sympy as sp

    from nnspec.spec.definitions import sigma_exp

    z = sp.Symbol("z", real=True)
    return sp.lambdify(z, sigma_exp(z), "numpy")


def notes_propagate() -> Callable:
    """The notes' `propagate` listing run in float64 NumPy: its missing parenthesis closed and
    `return grads, cost` added (the verified corrections), nothing else changed."""
    from nnspec.derivations import code_listing

    namespace = {"np": np, "sigmoid": notes_sigmoid()}
    exec(compile(code_listing.corrected_propagate_source(), "<notes: propagate>", "exec"),  # noqa: S102
         namespace)
    return namespace["propagate"]


# ---------------------------------------------------------------- error measures


def ulp_errors(got, exact) -> np.ndarray:
    """|got - exact| in units in the last place of the exact value rounded to float64.

    The difference is taken in mpmath (got is converted exactly), so a correctly rounded result
    scores at most 0.5; a non-finite `got` scores inf.
    """
    import mpmath

    from nnspec.numerics import oracle
    exact = np.asarray(exact, dtype=object)
    got = np.asarray(got, dtype=np.float64).reshape(exact.shape)  # sizes match (contract)
    spacing = np.spacing(np.abs(oracle.to_float64(exact)))
    out = np.empty(exact.shape)
    with mpmath.workdps(oracle.DEFAULT_DPS):
        for index in np.ndindex(*exact.shape):
            g = float(got[index])
            out[index] = (abs(oracle.to_mp(g)[()] - exact[index]) / spacing[index]
                          if np.isfinite(g) else np.inf)
    return out


def bound_ratios(got, exact, bound) -> np.ndarray:
    """|got - exact| / (bound + u |exact|) entry-wise: the allowance of `tolerance.compare`
    (the bound plus the rounding of the exact value to float64); <= 1 passes, inf for non-finite
    results."""
    from nnspec.numerics import oracle, tolerance
    exact64 = oracle.to_float64(exact)
    got = np.asarray(got, dtype=np.float64).reshape(exact64.shape)
    allowed = (np.broadcast_to(np.asarray(bound, dtype=np.float64), exact64.shape)
               + tolerance.UNIT_ROUNDOFF["float64"] * np.abs(exact64))
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        diff = np.where(got == exact64, 0.0, np.abs(got - exact64))
        ratio = np.where(np.isfinite(got), diff / allowed, np.inf)
    return np.where(np.isnan(ratio), np.inf, ratio)


# ---------------------------------------------------------------- errors against the oracle

ORACLE_EXAMPLES = 50  # examples per model and saturation setting
SAMPLE_SEED = 0
MAX_FEATURES, MAX_HIDDEN, MAX_EXAMPLES = 6, 4, 8


@dataclass(frozen=True)
class QuantityError:
    """The worst error of one quantity over the drawn examples, against the oracle.

    `worst_bound` is the largest |got - exact| / allowed (see `bound_ratios`; <= 1 passes) and
    `worst_ulp` the largest error in ulp of the exact value, both over every entry of every
    example, `median_ulp` the median over those entries; `nonfinite` counts the examples with
    an inf or nan entry (counted as inf above).
    """

    model: str
    implementation: str
    quantity: str
    examples: int
    worst_bound: float
    worst_ulp: float
    median_ulp: float
    nonfinite: int


def z_targets(saturation: bool) -> tuple[float, ...]:
    """The max |z| each example is scaled to: `strategies.Z_SCALES` up to `strategies.FINITE_Z`
    and FINITE_Z itself (no saturation), or the scales beyond it (a rounds to 0 or 1)."""
    from nnspec.numerics.strategies import FINITE_Z, Z_SCALES

    if saturation:
        return tuple(s for s in Z_SCALES if s > FINITE_Z)
    return (*(s for s in Z_SCALES if s < FINITE_Z), FINITE_Z)


def _entries(rng: np.random.Generator, shape: tuple[int, ...], mixed: bool) -> np.ndarray:
    """Uniform in [-1, 1]; if `mixed`, each entry times 2^k, |k| <= strategies.MAX_EXPONENT."""
    from nnspec.numerics.strategies import MAX_EXPONENT

    values = rng.uniform(-1.0, 1.0, shape)
    if mixed:
        values = np.ldexp(values, rng.integers(-MAX_EXPONENT, MAX_EXPONENT + 1, shape))
    return values


def _scaled(weights: np.ndarray, bias, Z: np.ndarray, target: float):
    """Weights and bias times one factor, so that max |z| = max |weights @ v + bias| = target."""
    top = float(np.max(np.abs(Z)))
    factor = target / top if top > 0 else 1.0
    return weights * factor, bias * factor


def _example_plan(rng: np.random.Generator, i: int, saturation: bool, max_m: int = MAX_EXAMPLES):
    """(mixed magnitudes, zero bias, m, max |z| target) of example i: alternating, so every
    combination occurs; sizes at random."""
    targets = z_targets(saturation)
    return i % 2 == 1, i % 4 >= 2, int(rng.integers(1, max_m + 1)), targets[i % len(targets)]


def seeded_logreg_problems(examples: int, saturation: bool,
                           seed: int = SAMPLE_SEED) -> list[tuple]:
    """(w, b, X, Y) problems from numpy.random.default_rng((seed, saturation)): n_x <= 6,
    m <= 8, labels 0/1 at random, w and b scaled together to one of `z_targets(saturation)`."""
    rng = np.random.default_rng((seed, int(saturation)))
    problems = []
    for i in range(examples):
        mixed, zero_bias, m, target = _example_plan(rng, i, saturation)
        n_x = int(rng.integers(1, MAX_FEATURES + 1))
        w, X = _entries(rng, (n_x, 1), mixed), _entries(rng, (n_x, m), mixed)
        b = 0.0 if zero_bias else float(_entries(rng, (), mixed))
        Y = rng.integers(0, 2, (1, m)).astype(np.float64)
        w, b = _scaled(w, b, w.T @ X + b, target)
        problems.append((w, float(b), X, Y))
    return problems


def seeded_two_layer_problems(examples: int, saturation: bool, hidden: str,
                              seed: int = SAMPLE_SEED) -> list[tuple]:
    """(parameters, X, Y) problems, drawn like `seeded_logreg_problems` (n_h <= 4), each layer's
    weights and bias scaled to one of `z_targets(saturation)` for its pre-activation."""
    import importlib

    ref = importlib.import_module(f"nnspec.reference.two_layer_{hidden}")
    g = ref.sigmoid if hidden == "sigmoid" else np.tanh
    rng = np.random.default_rng((seed, int(saturation), 1 + ("sigmoid", "tanh").index(hidden)))
    problems = []
    for i in range(examples):
        mixed, zero_bias, m, target = _example_plan(rng, i, saturation)
        n_x, n_h = int(rng.integers(1, MAX_FEATURES + 1)), int(rng.integers(1, MAX_HIDDEN + 1))
        X = _entries(rng, (n_x, m), mixed)
        W1, W2 = _entries(rng, (n_h, n_x), mixed), _entries(rng, (1, n_h), mixed)
        b1 = np.zeros((n_h, 1)) if zero_bias else _entries(rng, (n_h, 1), mixed)
        b2 = np.zeros((1, 1)) if zero_bias else _entries(rng, (1, 1), mixed)
        Y = rng.integers(0, 2, (1, m)).astype(np.float64)
        W1, b1 = _scaled(W1, b1, W1 @ X + b1, target)
        A1 = g(W1 @ X + b1)
        W2, b2 = _scaled(W2, b2, W2 @ A1 + b2, target)
        problems.append(({"W1": W1, "b1": b1, "W2": W2, "b2": b2}, X, Y))
    return problems


def _worst(model: str, implementation: str, runs: list[dict]) -> list[QuantityError]:
    """Fold per-example {quantity: (ratios, ulps)} into one QuantityError per quantity."""
    out = []
    for quantity in runs[0]:
        ratios = [runs_i[quantity][0] for runs_i in runs]
        ulps = [runs_i[quantity][1] for runs_i in runs]
        every_ulp = np.concatenate([np.ravel(u) for u in ulps])
        out.append(QuantityError(
            model, implementation, quantity, len(runs),
            max(float(np.max(r)) for r in ratios), float(np.max(every_ulp)),
            float(np.median(every_ulp)), sum(not np.all(np.isfinite(u)) for u in ulps)))
    return out


def _measure(got: dict, exact, bounds: dict) -> dict:
    return {q: (bound_ratios(got[q], exact[q], bounds[q]), ulp_errors(got[q], exact[q]))
            for q in got}


def logreg_errors(problems: list, propagate: Callable, implementation: str) -> list[QuantityError]:
    """cost, dw, db of `propagate(w, b, X, Y)` on each problem against `oracle.logreg_exact`,
    in units of `tolerance.logreg_bounds` and in ulp."""
    from nnspec.numerics import oracle, tolerance
    runs = []
    for w, b, X, Y in problems:
        exact = oracle.logreg_exact(w, b, X, Y)
        bounds = tolerance.logreg_bounds(w, b, X, Y, exact=exact)
        with np.errstate(all="ignore"):
            grads, cost = propagate(w, b, X, Y)
        runs.append(_measure({"cost": cost, "dw": grads["dw"], "db": grads["db"]}, exact, bounds))
    return _worst("logistic regression", implementation, runs)


def two_layer_errors(problems: list, hidden: str) -> list[QuantityError]:
    """cost, dW1, db1, dW2, db2 of the reference 2-layer network (hidden activation `hidden`)
    against `oracle.two_layer_exact`, in units of `tolerance.two_layer_bounds` and in ulp.
    The cost is compute_cost(A2, Y, Z2), i.e. from the logits Z2."""
    import importlib

    from nnspec.numerics import oracle, tolerance
    ref = importlib.import_module(f"nnspec.reference.two_layer_{hidden}")
    runs = []
    for parameters, X, Y in problems:
        exact = oracle.two_layer_exact(parameters, X, Y, hidden=hidden)
        bounds = tolerance.two_layer_bounds(parameters, X, Y, hidden=hidden, exact=exact)
        A2, cache = ref.forward_propagation(X, parameters)
        got = dict(ref.backward_propagation(parameters, cache, X, Y))
        got["cost"] = ref.compute_cost(A2, Y, Z2=cache["Z2"])
        runs.append(_measure({q: got[q] for q in ("cost", "dW1", "db1", "dW2", "db2")},
                             exact, bounds))
    return _worst(f"2-layer, {hidden} hidden layer", "reference", runs)


# ---------------------------------------------------------------- one example as a function of z

Z_RANGE = (-1000.0, 1000.0)
SCAN_POINTS = 2001  # grid of the non-finite scan (step 1), edges then bisected to the float


def _one_example(z: float, y: float):
    """propagate's arguments for one example with z = w^T x + b = z exactly: w = 1, x = z, b = 0."""
    return np.ones((1, 1)), 0.0, np.full((1, 1), z), np.full((1, 1), y)


def _propagate_at(propagate: Callable, quantity: str, y: float) -> Callable[[float], float]:
    def value(z: float) -> float:
        with np.errstate(all="ignore"):
            grads, cost = propagate(*_one_example(z, y))
        return float(np.asarray(cost if quantity == "cost" else grads[quantity]).reshape(()))
    return value


@dataclass(frozen=True)
class EdgeScan:
    """Where one implementation's quantity is non-finite on one example (label y) over z."""

    implementation: str
    quantity: str
    y: int
    runs: tuple[NonFinite, ...]


def edge_scans(implementations: dict[str, Callable]) -> list[EdgeScan]:
    """cost, dw, db of each `propagate` on one example, z over Z_RANGE, y = 0 and 1."""
    return [EdgeScan(name, quantity, y,
                     tuple(nonfinite_runs(_propagate_at(propagate, quantity, float(y)),
                                          *Z_RANGE, SCAN_POINTS)))
            for name, propagate in implementations.items()
            for quantity in ("cost", "dw", "db") for y in (0, 1)]


# ---------------------------------------------------------------- peers, one example over z

BANDS = (0.0, 1.0, 10.0, 100.0, 1000.0)  # |z| bands of the accuracy table


ACCURACY_GRID = ((*Z_RANGE, 401), (-40.0, 40.0, 161), (-1.0, 1.0, 41))  # (lo, hi, points)


def accuracy_grid() -> np.ndarray:
    """z for the accuracy comparison: the union of ACCURACY_GRID's evenly spaced grids, step 5
    over Z_RANGE, finer where saturation starts (|z| ~ 37) and where most trained models' z lie."""
    return np.unique(np.concatenate([np.linspace(lo, hi, n) for lo, hi, n in ACCURACY_GRID]))


def exact_costs(z: np.ndarray, y: int) -> np.ndarray:
    """The exact cost of one example at each z (object array of mpf), from `oracle.logreg_cost`."""
    from nnspec.numerics import oracle
    return np.array([oracle.logreg_cost(*_one_example(float(v), float(y))) for v in z],
                    dtype=object)


def sklearn_cost() -> Callable | None:
    """scikit-learn's log_loss of one example, given the probability sigmoid(z) (the reference
    sigmoid, accurate to a few ulp): what a user of scikit-learn computes. None if missing."""
    try:
        from sklearn.metrics import log_loss
    except ImportError:
        return None
    from nnspec.reference.logreg import sigmoid

    def cost(z: np.ndarray, y: int) -> np.ndarray:
        p = sigmoid(z)
        return np.array([log_loss([y], [v], labels=[0, 1]) for v in p])
    return cost


def torch_cost() -> Callable | None:
    """PyTorch's binary_cross_entropy_with_logits in float64, from z. None if missing."""
    try:
        import torch
    except ImportError:
        return None

    def cost(z: np.ndarray, y: int) -> np.ndarray:
        logits = torch.from_numpy(np.asarray(z, dtype=np.float64))
        return torch.nn.functional.binary_cross_entropy_with_logits(
            logits, torch.full_like(logits, float(y)), reduction="none").numpy()
    return cost


def propagate_cost(propagate: Callable) -> Callable:
    """The cost of one example from a `propagate(w, b, X, Y)`, at each z."""
    def cost(z: np.ndarray, y: int) -> np.ndarray:
        return np.array([_propagate_at(propagate, "cost", float(y))(float(v)) for v in z])
    return cost


@dataclass(frozen=True)
class BandAccuracy:
    """One implementation's cost over the z of one |z| band, both labels, against the oracle."""

    implementation: str
    band: tuple[float, float]
    points: int
    worst_ulp: float  # over the finite results
    median_ulp: float
    nonfinite: int


@dataclass(frozen=True)
class CostScan:
    """Error in ulp of each implementation's one-example cost at each z, per label y."""

    z: np.ndarray
    ulps: dict[int, dict[str, np.ndarray]]
    missing: tuple[str, ...]  # peers that are not installed

    def bands(self) -> list[BandAccuracy]:
        out = []
        names = list(self.ulps[0])
        for name in names:
            for lo, hi in pairwise(BANDS):
                inside = (np.abs(self.z) >= lo) & ((np.abs(self.z) < hi) | (hi == BANDS[-1]))
                if not inside.any():
                    continue
                errs = np.concatenate([self.ulps[y][name][inside] for y in self.ulps])
                finite = errs[np.isfinite(errs)]
                out.append(BandAccuracy(name, (lo, hi), errs.size,
                                        float(finite.max()) if finite.size else np.nan,
                                        float(np.median(errs)),
                                        int(errs.size - finite.size)))
        return out


def cost_scan(implementations: dict[str, Callable | None], z: np.ndarray) -> CostScan:
    """ulp error of each implementation (a cost(z, y) callable; None when not installed)."""
    present = {name: f for name, f in implementations.items() if f is not None}
    ulps = {}
    for y in (0, 1):
        exact = exact_costs(z, y)
        with np.errstate(all="ignore"):
            ulps[y] = {name: ulp_errors(f(z, y), exact) for name, f in present.items()}
    return CostScan(z, ulps, tuple(n for n, f in implementations.items() if f is None))


# ---------------------------------------------------------------- finite differences against h

STEPS = 10.0 ** np.arange(-16.0, -0.75, 0.25)  # h from 1e-16 to 1e-1, four per decade
FD_SHAPE = (3, 5)  # (n_x, m) of the seeded logistic-regression problem
FD_SEED = 0


@dataclass(frozen=True)
class StepScan:
    """Relative error of the central difference of J along a direction d against the exact
    directional derivative (oracle), at each step h: in float64 and at the oracle's precision;
    and the float64 reference gradient's error (which has no step)."""

    steps: np.ndarray
    float64: np.ndarray
    oracle: np.ndarray
    reference: float
    dps: int
    shape: tuple[int, int]
    seed: int

    @property
    def best_float64(self) -> tuple[float, float]:
        """(h, error) at the smallest float64 error."""
        i = int(np.argmin(self.float64))
        return float(self.steps[i]), float(self.float64[i])


def fd_problem(shape: tuple[int, int] = FD_SHAPE, seed: int = FD_SEED):
    """A seeded logistic-regression problem: standard normal w, b, X; labels 0/1 at random."""
    rng = np.random.default_rng(seed)
    n_x, m = shape
    return (rng.standard_normal((n_x, 1)), float(rng.standard_normal()),
            rng.standard_normal((n_x, m)), rng.integers(0, 2, (1, m)).astype(np.float64))


def step_scan(steps: np.ndarray = STEPS, shape: tuple[int, int] = FD_SHAPE,
              seed: int = FD_SEED) -> StepScan:
    """The derivative of J along a seeded direction d of w, by central differences
    (J(w + h d) - J(w - h d)) / 2h in float64 (reference propagate's cost) and in mpmath
    (`oracle.logreg_directional`), against the derived formula at the oracle's precision."""
    import mpmath

    from nnspec.numerics import oracle
    from nnspec.reference.logreg import propagate

    w, b, X, Y = fd_problem(shape, seed)
    err64, err_mp = [], []
    for h in steps:
        exact = oracle.logreg_directional(w, b, X, Y, seed=seed, h=float(h))[0]
        d = exact.direction
        fd64 = (propagate(w + h * d, b, X, Y)[1] - propagate(w - h * d, b, X, Y)[1]) / (2 * h)
        with mpmath.workdps(exact.dps):
            scale = abs(exact.formula)
            err64.append(float(abs(oracle.to_mp(fd64)[()] - exact.formula) / scale))
            err_mp.append(float(abs(exact.finite_difference - exact.formula) / scale))
    reference = oracle.directional_value(propagate(w, b, X, Y)[0]["dw"], d, dps=exact.dps)
    with mpmath.workdps(exact.dps):
        ref_err = float(abs(reference - exact.formula) / abs(exact.formula))
    return StepScan(np.asarray(steps), np.array(err64), np.array(err_mp), ref_err, exact.dps,
                    shape, seed)


# ---------------------------------------------------------------- training on the digits


@dataclass(frozen=True)
class TrainingCurve:
    """The training cost at every iteration of full-batch gradient descent, and the test accuracy."""

    model: str
    implementation: str
    costs: np.ndarray
    test_accuracy: float
    learning_rate: float


@dataclass(frozen=True)
class Training:
    """Training curves on one pair of digits: `pair` (negative, positive class), the split sizes."""

    curves: tuple[TrainingCurve, ...]
    pair: tuple[int, int]
    m_train: int
    m_test: int
    n_x: int


def _reference_two_layer_costs(module, X, Y, settings) -> tuple[list[float], dict]:
    """`nn_model`'s loop (initialize, then forward, backward, update), recording the cost."""
    parameters = module.initialize_parameters(X.shape[0], settings.n_h, 1, seed=settings.seed)
    costs = []
    for _ in range(settings.nn_iterations):
        A2, cache = module.forward_propagation(X, parameters)
        costs.append(float(module.compute_cost(A2, Y, Z2=cache["Z2"])))
        grads = module.backward_propagation(parameters, cache, X, Y)
        parameters = module.update_parameters(parameters, grads, settings.nn_learning_rate)
    return costs, parameters


def sklearn_gradient_descent(hidden: tuple[int, ...], activation: str, iterations: int,
                             learning_rate: float, seed: int, X, Y, X_test, Y_test
                             ) -> tuple[np.ndarray, float]:
    """(cost per iteration, test accuracy) of scikit-learn's MLPClassifier set to plain full-batch
    gradient descent on the same cost: sgd with one batch of all m examples, constant rate, no
    momentum, no penalty, no early stop. hidden = () is logistic regression."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=hidden, activation=activation, solver="sgd",
                        batch_size=X.shape[1], learning_rate="constant",
                        learning_rate_init=learning_rate, momentum=0.0,
                        nesterovs_momentum=False, alpha=0.0, max_iter=iterations, tol=0.0,
                        n_iter_no_change=iterations + 1, shuffle=False, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X.T, Y.ravel())
    return np.array(clf.loss_curve_, float), float(clf.score(X_test.T, Y_test.ravel()))


SKLEARN_GD = "scikit-learn MLPClassifier (sgd, full batch)"


def training_curves() -> Training:
    """The reference's three models and scikit-learn's, trained by the same full-batch gradient
    descent (same rate and iterations, `nnspec.report.digits.Settings()`) on the digits pair."""
    from nnspec.reference import logreg, two_layer_sigmoid, two_layer_tanh
    from nnspec.report import digits

    s = digits.Settings()
    data = X, Y, X_test, Y_test = digits.load_pair(s)
    params, _, costs = logreg.optimize(np.zeros((X.shape[0], 1)), 0.0, X, Y,
                                       s.logreg_iterations, s.logreg_learning_rate)
    accuracy = float(np.mean(logreg.predict(params["w"], params["b"], X_test) == Y_test))
    model, rate = "logistic regression", s.logreg_learning_rate
    curves = [TrainingCurve(model, "reference", np.array(costs, float), accuracy, rate),
              TrainingCurve(model, SKLEARN_GD, *sklearn_gradient_descent(
                  (), "logistic", s.logreg_iterations, rate, s.seed, *data), rate)]
    for module, activation, name in ((two_layer_sigmoid, "logistic", "sigmoid"),
                                     (two_layer_tanh, "tanh", "tanh")):
        model, rate = f"2-layer, {name} hidden layer (n_h = {s.n_h})", s.nn_learning_rate
        costs, params = _reference_two_layer_costs(module, X, Y, s)
        accuracy = float(np.mean(module.predict(params, X_test) == Y_test))
        curves.append(TrainingCurve(model, "reference", np.array(costs), accuracy, rate))
        curves.append(TrainingCurve(model, SKLEARN_GD, *sklearn_gradient_descent(
            (s.n_h,), activation, s.nn_iterations, rate, s.seed, *data), rate))
    return Training(tuple(curves), tuple(s.pair), X.shape[1], X_test.shape[1], X.shape[0])


# ---------------------------------------------------------------- everything the report prints


@dataclass(frozen=True)
class OracleSample:
    """The seeded problems of one model and saturation setting, and the errors measured."""

    model: str
    saturation: bool
    examples: int
    errors: tuple[QuantityError, ...]


@dataclass(frozen=True)
class Evidence:
    samples: tuple[OracleSample, ...]
    edges: tuple[EdgeScan, ...]
    costs: CostScan
    steps: StepScan
    training: Training | None  # None: scikit-learn is not installed
    dps: int


def _module_available(name: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def oracle_samples(examples: int = ORACLE_EXAMPLES) -> list[OracleSample]:
    """Per model, one seeded sample without saturation and one with (`z_targets`).

    A seeded NumPy sample rather than Hypothesis draws: Hypothesis mixes constants from the
    modules loaded at the time into its draws, so the same strategy gives different examples
    in different processes, and the report must not change with what else was imported."""
    from nnspec.reference import logreg

    out = []
    notes = notes_propagate()
    for saturation in (False, True):
        problems = seeded_logreg_problems(examples, saturation)
        errors = (logreg_errors(problems, logreg.propagate, "reference")
                  + logreg_errors(problems, notes, "notes' propagate"))
        out.append(OracleSample("logistic regression", saturation, len(problems), tuple(errors)))
    for hidden in ("sigmoid", "tanh"):
        for saturation in (False, True):
            problems = seeded_two_layer_problems(examples, saturation, hidden)
            out.append(OracleSample(f"2-layer, {hidden} hidden layer", saturation, len(problems),
                                    tuple(two_layer_errors(problems, hidden))))
    return out


def collect() -> Evidence:
    """Every number of the report's evidence sections (deterministic: seeded or derandomized)."""
    from nnspec.numerics import oracle
    from nnspec.reference import logreg

    notes = notes_propagate()
    peers = {"reference": propagate_cost(logreg.propagate),
             "notes' propagate": propagate_cost(notes),
             "scikit-learn log_loss": sklearn_cost(),
             "PyTorch binary_cross_entropy_with_logits": torch_cost()}
    return Evidence(
        samples=tuple(oracle_samples()),
        edges=tuple(edge_scans({"notes' propagate": notes, "reference": logreg.propagate})),
        costs=cost_scan(peers, accuracy_grid()),
        steps=step_scan(),
        training=training_curves() if _module_available("sklearn") else None,
        dps=oracle.DEFAULT_DPS,
    )
