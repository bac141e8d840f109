"""High-precision ground truth: the notes' cost, forward pass and gradients in mpmath.

Every function takes float64 inputs, converts each one exactly (a float64 is a dyadic rational
with 53 significant bits; `to_mp` keeps all of them at any working precision) and evaluates in a
local `mpmath.workdps(dps)` context, so the result carries no float64 error: only mpmath's
rounding at `dps` significant digits (DEFAULT_DPS = 60, a relative 1e-60 per operation).

Three independent views of the same derivative, to be compared with each other:
- the derived formulas (dw = X (A - Y)^T / m, ...) evaluated in mpmath (`logreg_exact`,
  `two_layer_exact`);
- central finite differences of the cost in mpmath (`*_fd_gradient`, `*_directional`);
- a float64 implementation (the reference or an audited target), held to `nnspec.numerics.tolerance`.

Finite-difference error. The central difference D(h) = (J(p + h d) - J(p - h d)) / (2h) differs
from the directional derivative J'(p; d) by
    truncation  |D(h) - J'| <= h^2 |J'''| / 6            (J''' along d, near p)
    rounding    <= eps_mp |J| / h  (+ eps_mp |p| |J'| / h for rounding p +- h d; |J| is
                   the sum of the magnitudes of the terms where they cancel)
with eps_mp = 10^-dps. The step h = 10^-(dps / 3) balances the two: at dps = 60, h = 1e-20 and
both terms are about 1e-40 times |J'''|, |J| and |p| |J'|, so D(h) agrees with J' to ~40 digits,
some 24 orders of magnitude below float64's unit roundoff u = 2^-53 ~ 1.1e-16 (for |J'''| and |p|
below 1e10, far beyond the magnitudes a float64 check can resolve anyway).

Cost. A directional derivative costs 2 cost evaluations (4 with the a-posteriori error
estimate at step 2h that every result carries); a logistic cost evaluation is m dot
products of length n_x, so cost grows linearly with the number of parameters; the full gradient
by finite differences (2 cost evaluations per parameter) is for small problems only. Products
run as `mpmath.fdot` (0.5 to 2 us per multiply-add) or, when python-flint is installed, as arb
ball matrices (`ACCELERATOR`; the same values, 10 to 50 times faster at n_x = 12288, m = 209;
see reports/bench-oracle.md).

Convention: 0 * log(0) = 0 (a zero label coefficient drops its log term), as in the limit.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import mpmath
import numpy as np
from mpmath import mp
from mpmath.libmp import from_float, from_man_exp, round_nearest, to_float

DEFAULT_DPS = 60
HIDDEN_ACTIVATIONS = ("sigmoid", "tanh")
LOGREG_BLOCKS = ("w", "b")
TWO_LAYER_BLOCKS = ("W1", "b1", "W2", "b2")

MpArray = np.ndarray  # an object array of mpmath.mpf
# optional: arb ball arithmetic (python-flint) for the large products, imported on first use
# (0.1 s that an audit of small problems never needs); set to None to force mpmath.fdot
ACCELERATOR = "flint" if importlib.util.find_spec("flint") is not None else None
ARB_MIN_WORK = 20_000  # multiply-adds from which arb pays for its conversions


# ---------------------------------------------------------------- conversion


def to_mp(values) -> MpArray:
    """Exact conversion of float64 values to an object array of mpf (any precision).

    `mpmath.mpf(x)` rounds a float to the *current* precision (at 3 digits mpf(0.1) is not 0.1);
    `from_float` with its 53-bit default keeps every bit, and `make_mpf` does not round again.
    """
    arr = np.asarray(values, dtype=np.float64)
    make = mp.make_mpf
    out = np.empty(arr.size, dtype=object)
    out[:] = [make(from_float(v)) for v in arr.ravel().tolist()]
    return out.reshape(arr.shape)


def to_float64(values) -> np.ndarray:
    """Correctly rounded (to nearest) float64 of mpf values; keeps the shape (0-d for a scalar)."""
    arr = np.asarray(values, dtype=object)
    flat = [to_float(mpmath.mpf(v)._mpf_, rnd=round_nearest) for v in arr.ravel().tolist()]
    return np.array(flat, dtype=np.float64).reshape(arr.shape)


def _scalar(value) -> float:
    """A scalar bias given as a float, a NumPy scalar or a one-element array."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.size != 1:
        raise ValueError(f"expected a scalar bias, got shape {arr.shape}")
    return float(arr.reshape(()))


# ---------------------------------------------------------------- mp primitives


def _map(fn: Callable, arr: MpArray) -> MpArray:
    return np.asarray(np.frompyfunc(fn, 1, 1)(arr), dtype=object).reshape(np.shape(arr))


class _FloatMatrix:
    """A float64 matrix (the data X) as a factor of products: its exact forms, mpf rows or an
    arb matrix, are made once and shared with its transpose `.T`."""

    def __init__(self, values, twin: _FloatMatrix | None = None):
        self.values = np.asarray(values, dtype=np.float64)
        self.shape = self.values.shape
        self._twin, self._rows, self._arb = twin, None, None

    @property
    def T(self) -> _FloatMatrix:
        if self._twin is None:
            self._twin = _FloatMatrix(self.values.T, twin=self)
        return self._twin

    def rows(self) -> list[list]:
        if self._rows is None:
            twin_rows = self._twin._rows if self._twin is not None else None
            self._rows = ([list(col) for col in zip(*twin_rows)] if twin_rows is not None
                          else to_mp(self.values).tolist())
        return self._rows

    def arb(self):
        if self._arb is None:
            twin_arb = self._twin._arb if self._twin is not None else None
            self._arb = (twin_arb.transpose() if twin_arb is not None
                         else _flint().arb_mat(self.values.tolist()))
        return self._arb


def _flint():
    import flint

    return flint


def _rows(A) -> list[list]:
    return A.rows() if isinstance(A, _FloatMatrix) else A.tolist()


def _to_arb(A):
    if isinstance(A, _FloatMatrix):
        return A.arb()
    flint = _flint()

    def exact(x):
        sign, man, exp, _ = mpmath.mpf(x)._mpf_  # (mpf.man_exp drops the sign)
        return flint.arb((-int(man) if sign else int(man), int(exp)))

    return flint.arb_mat([[exact(x) for x in row] for row in A.tolist()])


def _finite(A) -> bool:
    if isinstance(A, _FloatMatrix):
        return bool(np.isfinite(A.values).all())
    return all(mp.isfinite(x) for x in np.ravel(A).tolist())


def _matmul(A, B) -> MpArray:
    """A @ B for mpf arrays or `_FloatMatrix` factors, each entry within about 2^-prec
    sum_k |a_ik b_kj| of the exact value (prec = the working precision in bits).

    With python-flint installed (ACCELERATOR = "flint") large products run as arb ball
    matrices at prec + 64 + log2(n) bits and the midpoints are rounded to prec: about 10 to 50
    times faster at n_x = 12288; otherwise each entry is an `mpmath.fdot`."""
    (rows, inner), cols = A.shape, B.shape[1]
    if ACCELERATOR == "flint" and rows * inner * cols >= ARB_MIN_WORK and _finite(A) \
            and _finite(B):
        return _matmul_arb(A, B, inner)
    left, right = _rows(A), _rows(B.T)
    out = np.empty((rows, cols), dtype=object)
    for i, row in enumerate(left):
        for j, col in enumerate(right):
            out[i, j] = mp.fdot(row, col)
    return out


def _matmul_arb(A, B, inner: int) -> MpArray:
    flint = _flint()
    saved = flint.ctx.prec
    flint.ctx.prec = mp.prec + 64 + inner.bit_length()
    try:
        product = _to_arb(A) * _to_arb(B)
        entries = [[product[i, j].mid().man_exp() for j in range(product.ncols())]
                   for i in range(product.nrows())]
    finally:
        flint.ctx.prec = saved
    make, prec = mp.make_mpf, mp.prec
    return np.array([[make(from_man_exp(int(m), int(e), prec, round_nearest)) for m, e in row]
                     for row in entries], dtype=object)


def _rowsum(arr: MpArray) -> MpArray:
    return np.array([[mp.fsum(row)] for row in arr.tolist()], dtype=object)


def sigmoid(z):
    """sigma(z) = 1 / (1 + e^-z) in mpmath (no overflow: mpmath's exponent range is unbounded)."""
    return 1 / (1 + mp.exp(-z))


def _loss_from_z(y, z):
    """L(y, sigma(z)) = y log(1 + e^-z) + (1 - y) log(1 + e^z): the definition, rewritten with
    log(sigma(z)) = -log1p(e^-z) and log(1 - sigma(z)) = -log1p(e^z), so that neither log sees a
    rounded 1 - a."""
    total = mp.zero
    if y != 0:
        total += y * mp.log1p(mp.exp(-z))
    if y != 1:
        total += (1 - y) * mp.log1p(mp.exp(z))
    return total


def _residual(z, y):
    """a - y with a = sigma(z), free of cancellation when y is 0 or 1 (1 - sigma(z) = sigma(-z))."""
    if y == 1:
        return -sigmoid(-z)
    return sigmoid(z) - y


def _mean_loss(Z: MpArray, Y: MpArray):
    m = Z.shape[1]
    return mp.fsum(_loss_from_z(y, z) for y, z in zip(Y.ravel(), Z.ravel())) / m


def _hidden(hidden: str):
    """g and g' for the hidden layer: sigma, sigma(z) sigma(-z); or tanh, sech(z)^2."""
    if hidden == "sigmoid":
        return sigmoid, lambda z: sigmoid(z) * sigmoid(-z)
    if hidden == "tanh":
        return mp.tanh, lambda z: mp.sech(z) ** 2
    raise ValueError(f"hidden activation must be one of {HIDDEN_ACTIVATIONS}, got {hidden!r}")


# ---------------------------------------------------------------- exact values


@dataclass(frozen=True)
class Exact:
    """High-precision values by name (object arrays of mpf, shaped as in the contracts).

    `exact["dw"]` is the mpf array; `exact.float64("dw")` the correctly rounded float64 array;
    `exact.float64()` all of them. Scalars (cost, logistic db) are 0-d arrays.
    """

    values: Mapping[str, MpArray]
    dps: int

    def __getitem__(self, name: str) -> MpArray:
        return self.values[name]

    def __contains__(self, name: str) -> bool:
        return name in self.values

    def float64(self, name: str | None = None):
        if name is not None:
            return to_float64(self.values[name])
        return {key: to_float64(val) for key, val in self.values.items()}

    def __reduce__(self) -> tuple:
        """Pickled as each mpf's raw (sign, mantissa, exponent, bits) tuple: mpmath's own
        pickling writes the mantissa in hex and parses it back, and loading the values of an
        audit's explore problems (kept between runs, or sent by nnspec.audit.prefetch) took
        0.07 s for logistic regression instead of 0.01 s."""
        raw = {key: (val.shape, [x._mpf_ for x in val.flat])
               if all(type(x) is mp.mpf for x in val.flat) else val
               for key, val in self.values.items()}
        return _exact_from_raw, (raw, self.dps)


def _exact_from_raw(raw: dict, dps: int) -> Exact:
    values = {}
    for key, val in raw.items():
        if isinstance(val, tuple):
            shape, parts = val
            val = np.empty(len(parts), dtype=object)
            val[:] = [_mpf_from_raw(part) for part in parts]
            val = val.reshape(shape)
        values[key] = val
    return Exact(values, dps)


def _mpf_from_raw(part: tuple) -> mpmath.mpf:
    x = object.__new__(mp.mpf)
    x._mpf_ = part
    return x


def _logreg_mp(w: MpArray, b, X: MpArray, Y: MpArray) -> dict[str, MpArray]:
    m = X.shape[1]
    Z = _matmul(w.T, X) + b
    D = np.array([[_residual(z, y) for z, y in zip(Z.ravel(), Y.ravel())]], dtype=object)
    return {
        "Z": Z,
        "A": _map(sigmoid, Z),
        "one_minus_A": _map(lambda z: sigmoid(-z), Z),
        "dZ": D,
        "cost": np.array(_mean_loss(Z, Y), dtype=object),
        "dw": _matmul(X, D.T) / m,
        "db": np.array(mp.fsum(D.ravel()) / m, dtype=object),
    }


def _shape(value) -> tuple[int, ...]:
    return tuple(np.shape(value))


def check_logreg_shapes(w, b, X, Y) -> None:
    """ValueError unless w (n_x, 1), b one number, X (n_x, m), Y (1, m): a product of rows
    and columns of other lengths was cut to the shorter one, and a short Y dropped examples,
    an "exact" value of another problem."""
    w_, X_, Y_ = _shape(w), _shape(X), _shape(Y)
    if np.size(b) != 1:
        _scalar(b)  # its own message: a scalar bias expected
    if len(X_) != 2 or w_ != (X_[0], 1) or Y_ != (1, X_[1]):
        raise ValueError(f"shapes w {w_}, b {_shape(b)}, X {X_}, Y {Y_} do not fit: expected "
                         "w (n_x, 1), b one number, X (n_x, m), Y (1, m)")


def check_two_layer_shapes(parameters: Mapping[str, np.ndarray], X, Y) -> None:
    """ValueError unless W1 (n_h, n_x), b1 (n_h, 1), W2 (1, n_h), b2 (1, 1), X (n_x, m),
    Y (1, m) (see check_logreg_shapes)."""
    missing = [k for k in TWO_LAYER_BLOCKS if k not in parameters]
    if missing:
        raise ValueError(f"parameters lack {', '.join(missing)}")
    X_, Y_ = _shape(X), _shape(Y)
    got = {k: _shape(parameters[k]) for k in TWO_LAYER_BLOCKS}
    n_h = got["W1"][0] if len(got["W1"]) == 2 else -1
    want = {"W1": (n_h, X_[0] if len(X_) == 2 else -1), "b1": (n_h, 1), "W2": (1, n_h),
            "b2": (1, 1)}
    if len(X_) != 2 or Y_ != (1, X_[1]) or any(got[k] != want[k] for k in want):
        shown = ", ".join(f"{k} {v}" for k, v in got.items())
        raise ValueError(f"shapes {shown}, X {X_}, Y {Y_} do not fit: expected W1 (n_h, n_x), "
                         "b1 (n_h, 1), W2 (1, n_h), b2 (1, 1), X (n_x, m), Y (1, m)")


def logreg_exact(w, b, X, Y, *, dps: int = DEFAULT_DPS) -> Exact:
    """Logistic regression at the float64 inputs, exactly (to `dps` digits).

    Shapes: w (n_x, 1), b scalar, X (n_x, m), Y (1, m). Names: Z = w^T X + b (1, m),
    A = sigma(Z), one_minus_A = sigma(-Z), dZ = A - Y, cost J = (1/m) sum L(y, a) (0-d),
    dw = X dZ^T / m (n_x, 1), db = sum(dZ) / m (0-d): the derived formulas, not differences.
    """
    check_logreg_shapes(w, b, X, Y)
    with mp.workdps(dps):
        values = _logreg_mp(to_mp(w), to_mp(_scalar(b)), _FloatMatrix(X), to_mp(Y))
    return Exact(values, dps)


def logreg_cost(w, b, X, Y, *, dps: int = DEFAULT_DPS):
    """J(w, b) = (1/m) sum_i L(y_i, sigma(w^T x_i + b)) as an mpf, from the definition alone."""
    check_logreg_shapes(w, b, X, Y)
    with mp.workdps(dps):
        return _logreg_cost_mp({"w": to_mp(w), "b": to_mp(_scalar(b))}, _FloatMatrix(X),
                               to_mp(Y))


def _logreg_cost_mp(params: Mapping[str, MpArray], X: MpArray, Y: MpArray):
    return _mean_loss(_matmul(params["w"].T, X) + params["b"], Y)


def _two_layer_forward_mp(p: Mapping[str, MpArray], X: MpArray, hidden: str):
    g, _ = _hidden(hidden)
    Z1 = _matmul(p["W1"], X) + p["b1"]
    A1 = _map(g, Z1)
    Z2 = _matmul(p["W2"], A1) + p["b2"]
    return Z1, A1, Z2


def _two_layer_cost_mp(p: Mapping[str, MpArray], X: MpArray, Y: MpArray, hidden: str):
    return _mean_loss(_two_layer_forward_mp(p, X, hidden)[2], Y)


def _two_layer_mp(p: Mapping[str, MpArray], X: MpArray, Y: MpArray, hidden: str):
    m = X.shape[1]
    _, g_prime = _hidden(hidden)
    Z1, A1, Z2 = _two_layer_forward_mp(p, X, hidden)
    dZ2 = np.array([[_residual(z, y) for z, y in zip(Z2.ravel(), Y.ravel())]], dtype=object)
    G = _map(g_prime, Z1)
    dZ1 = _matmul(p["W2"].T, dZ2) * G
    return {
        "Z1": Z1,
        "A1": A1,
        "one_minus_A1": _map(lambda z: sigmoid(-z), Z1) if hidden == "sigmoid" else 1 - A1,
        "gprime_Z1": G,
        "Z2": Z2,
        "A2": _map(sigmoid, Z2),
        "one_minus_A2": _map(lambda z: sigmoid(-z), Z2),
        "dZ2": dZ2,
        "dZ1": dZ1,
        "cost": np.array(_mean_loss(Z2, Y), dtype=object),
        "dW2": _matmul(dZ2, A1.T) / m,
        "db2": _rowsum(dZ2) / m,
        "dW1": _matmul(dZ1, X.T) / m,
        "db1": _rowsum(dZ1) / m,
    }


def _two_layer_params_mp(parameters: Mapping[str, np.ndarray]) -> dict[str, MpArray]:
    missing = [k for k in TWO_LAYER_BLOCKS if k not in parameters]
    if missing:
        raise ValueError(f"parameters lack {', '.join(missing)}")
    return {k: to_mp(parameters[k]) for k in TWO_LAYER_BLOCKS}


def two_layer_exact(parameters: Mapping[str, np.ndarray], X, Y, *, hidden: str = "sigmoid",
                    dps: int = DEFAULT_DPS) -> Exact:
    """The 2-layer network at the float64 inputs, exactly (to `dps` digits).

    Shapes: W1 (n_h, n_x), b1 (n_h, 1), W2 (1, n_h), b2 (1, 1), X (n_x, m), Y (1, m).
    Forward: Z1 = W1 X + b1, A1 = g(Z1), one_minus_A1 = 1 - A1 (as sigma(-Z1) for sigma),
    gprime_Z1 = g'(Z1), Z2 = W2 A1 + b2, A2 = sigma(Z2),
    one_minus_A2 = sigma(-Z2), cost (0-d). Backward (the derived formulas): dZ2 = A2 - Y,
    dW2 = dZ2 A1^T / m, db2 = sum_j dZ2 / m (1, 1), dZ1 = (W2^T dZ2) * g'(Z1) (n_h, m),
    dW1 = dZ1 X^T / m, db1 = sum_j dZ1 / m (n_h, 1). g = sigma or tanh (`hidden`).
    """
    check_two_layer_shapes(parameters, X, Y)
    _hidden(hidden)
    with mp.workdps(dps):
        values = _two_layer_mp(_two_layer_params_mp(parameters), _FloatMatrix(X), to_mp(Y),
                               hidden)
    return Exact(values, dps)


def two_layer_cost(parameters: Mapping[str, np.ndarray], X, Y, *, hidden: str = "sigmoid",
                   dps: int = DEFAULT_DPS):
    """J = (1/m) sum_i L(y_i, a2_i) of the 2-layer network as an mpf, from the definition alone."""
    check_two_layer_shapes(parameters, X, Y)
    _hidden(hidden)
    with mp.workdps(dps):
        return _two_layer_cost_mp(_two_layer_params_mp(parameters), _FloatMatrix(X), to_mp(Y),
                                  hidden)


def cost_from_activations(A, Y, *, dps: int = DEFAULT_DPS):
    """-(1/m) sum [y log a + (1 - y) log(1 - a)] at the given float64 A (the compute_cost
    contract), as an mpf; log(1 - a) as log1p(-a) so a tiny a keeps its digits. a = 0 with
    y != 0, or a = 1 with y != 1, gives +inf: the exact value."""
    if _shape(A) != _shape(Y):
        raise ValueError(f"A {_shape(A)} and Y {_shape(Y)} differ in shape")
    with mp.workdps(dps):
        A_mp, Y_mp = to_mp(A), to_mp(Y)
        total = mp.zero
        for a, y in zip(A_mp.ravel(), Y_mp.ravel()):
            if y != 0:
                total -= y * (mp.log(a) if a > 0 else mp.ninf)
            if y != 1:
                total -= (1 - y) * (mp.log1p(-a) if a < 1 else mp.ninf)
        return total / A_mp.shape[-1]


# ---------------------------------------------------------------- finite differences


def default_step(dps: int = DEFAULT_DPS):
    """h = 10^-(dps // 3): truncation h^2 |J'''| / 6 and rounding 10^-dps |J| / h are then
    both about 10^-(2 dps / 3)."""
    with mp.workdps(dps):
        return mp.mpf(10) ** -(dps // 3)


def _central_difference(cost: Callable, point: Mapping[str, MpArray],
                        direction: Mapping[str, MpArray], h) -> tuple[object, object]:
    """D(h) = (J(p + h d) - J(p - h d)) / (2h) and an estimate of its error: |D(h) - D(2h)|
    (D(2h) has 4 times D(h)'s truncation error, and rounding noise of the same order) plus
    16 eps_mp (|J(p + h d)| + |J(p - h d)|) / h, the rounding where the terms of J cancel."""
    def along(t):
        moved = {k: point[k] + t * direction[k] if k in direction else point[k] for k in point}
        return cost(moved)

    plus, minus = along(h), along(-h)
    d_h = (plus - minus) / (2 * h)
    d_2h = (along(2 * h) - along(-2 * h)) / (4 * h)
    rounding = 16 * mp.eps * (abs(plus) + abs(minus)) / h
    return d_h, abs(d_h - d_2h) + rounding


def _fd_gradient(cost: Callable, point: Mapping[str, MpArray], h) -> dict[str, MpArray]:
    grads = {}
    for name, block in point.items():
        grad = np.empty(block.shape, dtype=object)
        error = np.empty(block.shape, dtype=object)
        for index in np.ndindex(*block.shape):
            unit = np.full(block.shape, mp.zero, dtype=object)
            unit[index] = mp.one
            grad[index], error[index] = _central_difference(cost, point, {name: unit}, h)
        grads["d" + name], grads["d" + name + "_error"] = grad, error
    return grads


@dataclass(frozen=True)
class Directional:
    """One block's directional derivative: the float64 direction d, the central difference of
    the cost along d with its error estimate, and the derived formula's sum(grad * d), all mpf
    at `dps` digits."""

    block: str
    direction: np.ndarray
    finite_difference: object
    formula: object
    dps: int
    error: object


def _directionals(cost: Callable, point: Mapping[str, MpArray], exact: Exact,
                  grad_names: Mapping[str, str], seed: int, h, dps: int) -> list[Directional]:
    rng = np.random.default_rng(seed)
    out = []
    for block, grad_name in grad_names.items():
        d = rng.standard_normal(np.shape(point[block]))
        d_mp = to_mp(d)
        fd, error = _central_difference(cost, point, {block: d_mp}, h)
        formula = mp.fsum(np.asarray(exact[grad_name] * d_mp, dtype=object).ravel().tolist())
        out.append(Directional(block, d, fd, formula, dps, error))
    return out


def _with_errors(grads: dict[str, MpArray], errors: bool) -> dict[str, MpArray]:
    return grads if errors else {k: v for k, v in grads.items() if not k.endswith("_error")}


def logreg_fd_gradient(w, b, X, Y, *, dps: int = DEFAULT_DPS, h=None,
                       errors: bool = False) -> dict[str, MpArray]:
    """dJ/dw (n_x, 1) and dJ/db (0-d) by central differences in mpmath, one parameter at a time
    (4 (n_x + 1) cost evaluations: for small problems). With `errors`, also "dw_error" and
    "db_error", the estimates of `_central_difference`."""
    check_logreg_shapes(w, b, X, Y)
    with mp.workdps(dps):
        h = default_step(dps) if h is None else mp.mpf(h)
        X_mp, Y_mp = _FloatMatrix(X), to_mp(Y)
        point = {"w": to_mp(w), "b": to_mp(_scalar(b))}
        grads = _fd_gradient(lambda p: _logreg_cost_mp(p, X_mp, Y_mp), point, h)
    return _with_errors(grads, errors)


def two_layer_fd_gradient(parameters: Mapping[str, np.ndarray], X, Y, *,
                          hidden: str = "sigmoid", dps: int = DEFAULT_DPS,
                          h=None, errors: bool = False) -> dict[str, MpArray]:
    """dW1, db1, dW2, db2 by central differences in mpmath, one parameter at a time (with
    `errors`, also their error estimates "dW1_error", ...)."""
    check_two_layer_shapes(parameters, X, Y)
    _hidden(hidden)
    with mp.workdps(dps):
        h = default_step(dps) if h is None else mp.mpf(h)
        X_mp, Y_mp = _FloatMatrix(X), to_mp(Y)
        grads = _fd_gradient(lambda p: _two_layer_cost_mp(p, X_mp, Y_mp, hidden),
                             _two_layer_params_mp(parameters), h)
    return _with_errors(grads, errors)


def logreg_directional(w, b, X, Y, *, seed: int = 0, dps: int = DEFAULT_DPS,
                       h=None) -> list[Directional]:
    """Per block (w, b): a seeded Gaussian direction d and the derivative of J along it, by
    central differences (2 cost evaluations, each m dot products of length n_x, and 2 more at
    step 2h for the error estimate) and by the derived formula. For large problems, where the
    full gradient by differences is too slow."""
    check_logreg_shapes(w, b, X, Y)
    with mp.workdps(dps):
        h = default_step(dps) if h is None else mp.mpf(h)
        X_mp, Y_mp = _FloatMatrix(X), to_mp(Y)
        point = {"w": to_mp(w), "b": to_mp(_scalar(b))}
        exact = Exact(_logreg_mp(point["w"], point["b"], X_mp, Y_mp), dps)
        return _directionals(lambda p: _logreg_cost_mp(p, X_mp, Y_mp), point, exact,
                             {"w": "dw", "b": "db"}, seed, h, dps)


def two_layer_directional(parameters: Mapping[str, np.ndarray], X, Y, *,
                          hidden: str = "sigmoid", seed: int = 0, dps: int = DEFAULT_DPS,
                          h=None) -> list[Directional]:
    """Per block (W1, b1, W2, b2): the derivative of J along a seeded Gaussian direction, by
    central differences and by the derived formula (see `logreg_directional`)."""
    check_two_layer_shapes(parameters, X, Y)
    _hidden(hidden)
    with mp.workdps(dps):
        h = default_step(dps) if h is None else mp.mpf(h)
        X_mp, Y_mp = _FloatMatrix(X), to_mp(Y)
        point = _two_layer_params_mp(parameters)
        exact = Exact(_two_layer_mp(point, X_mp, Y_mp, hidden), dps)
        return _directionals(lambda p: _two_layer_cost_mp(p, X_mp, Y_mp, hidden), point, exact,
                             {k: "d" + k for k in TWO_LAYER_BLOCKS}, seed, h, dps)


def logreg_descent(w, b, X, Y, *, learning_rate: float, num_iterations: int,
                   dps: int = DEFAULT_DPS) -> list[dict[str, MpArray]]:
    """Gradient descent replayed in mpmath: [{"w", "b"}] for t = 0 .. num_iterations, from the
    float64 start, with w <- w - lr dw, b <- b - lr db and the exact gradients (lr converted
    exactly). A float64 descent is held to it within its accumulated rounding error."""
    check_logreg_shapes(w, b, X, Y)
    with mp.workdps(dps):
        X_mp, Y_mp, lr = _FloatMatrix(X), to_mp(Y), to_mp(learning_rate)[()]
        point = {"w": to_mp(w), "b": to_mp(_scalar(b))}
        path = [point]
        for _ in range(num_iterations):
            grads = _logreg_mp(point["w"], point["b"], X_mp, Y_mp)
            point = {"w": point["w"] - lr * grads["dw"],
                     "b": np.asarray(point["b"] - lr * grads["db"], dtype=object)}
            path.append(point)
    return path


def directional_value(grad, direction: np.ndarray, *, dps: int = DEFAULT_DPS):
    """sum(grad * d) in mpmath, exact for float64 grad and d (for comparing a float64 gradient
    with `Directional.finite_difference`)."""
    with mp.workdps(dps):
        return mp.fsum(np.asarray(to_mp(grad) * to_mp(direction), dtype=object).ravel().tolist())


def agreeing_digits(a, b, *, dps: int = DEFAULT_DPS) -> float:
    """-log10(|a - b| / max(|a|, |b|)): how many significant digits a and b share (inf if equal)."""
    with mp.workdps(dps):
        a, b = mp.mpf(a), mp.mpf(b)
        scale = max(abs(a), abs(b))
        if a == b:
            return float("inf")
        return float(-mp.log10(abs(a - b) / scale))
