"""The tolerance policy: how far a float64 (or float32) result may lie from the exact value.

One bound per returned quantity, from a forward error analysis of the notes' formula in floating
point (Higham, "Accuracy and Stability of Numerical Algorithms", ch. 2-3). Notation: u the unit
roundoff (2^-53 for float64, 2^-24 for float32), eta the smallest subnormal (the absolute error
one operation can make under gradual underflow), gamma_n = n u / (1 - n u), |.| entry-wise, all
magnitudes taken at the exact values from `nnspec.numerics.oracle`. The rules used:

- a sum or dot product of n terms, in any order (loops, pairwise, BLAS, einsum):
  |fl(sum t_i) - sum t_i| <= gamma_n sum |t_i|; so a matrix product A B is off by at most
  gamma_n |A| |B| entry-wise, plus |A| |dB| + |dA| |B| for errors dA, dB already in its factors;
- an elementary function (exp, log, log1p, tanh) is within 2 ulp: a relative error of ELEM u;
  sigma = 1 / (1 + e^-z) adds the addition and the division, and the stable form
  e^z / (1 + e^z) for z < 0 a product: a relative SIGMA u = (ELEM + 3) u;
- an error dz in z moves f(z) by at most max |f'| over [z - dz, z + dz] times dz: for sigma
  a (1 - a) e^dz dz, for tanh (1 - a^2) e^(2 dz) dz (mean value theorem; the slope changes by
  at most that factor); for log, |da| / a to first order;
- the inputs themselves are rounded to the dtype (exact for float64 inputs in float64): one
  more u per input factor, counted in the gamma's index (n + 3 where the formula has n terms),
  and eta per input for underflow, so a product sum gains eta (1 + |A|) (1 + |B|).

Terms of order u^2 are dropped and the bounds are evaluated in float64: the factor SAFETY = 2
covers both. A bound is per entry and has the quantity's shape; `compare` adds the rounding of
the float64 expected value (u_64 |expected|).

Each bound is that of the notes' own formula (a = sigma(z) then log(a) and log(1 - a), etc.):
a more accurate correct method (a stable log-sigmoid, einsum, loops, a library in float64)
stays within it; float32 arithmetic under the float64 contract does not.

`textbook=True` gives the looser bound of a correct float64 evaluation whose activations err by
u relative to 1, the scale of a probability, rather than to a itself: sigma written as
0.5 (1 + tanh(z / 2)), 1 - a formed by a subtraction, a derivative taken by autodiff through the
cost. Where a (or 1 - a) is small, such a form loses the relative accuracy of a, and of the
quantities computed from it, that the tight bound demands; everywhere else both bounds agree
within a factor of a few. The audit calls a value between the two an accuracy warning. Where the formula is
ill-conditioned (a rounds to 0 or 1) the cost bound becomes huge or infinite, which is the truth
about the formula there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from nnspec.numerics import oracle

UNIT_ROUNDOFF = {"float64": 2.0**-53, "float32": 2.0**-24}
SMALLEST_SUBNORMAL = {"float64": 2.0**-1074, "float32": 2.0**-149}
ELEM = 4  # exp, log, log1p, tanh: within 2 ulp, a relative 4 u
SIGMA = ELEM + 3  # sigma(z): exp, an addition, a division (and a product in the stable form)
SAFETY = 2.0
DTYPES = tuple(UNIT_ROUNDOFF)


def unit_roundoff(dtype: str = "float64") -> float:
    """u = 2^-53 (float64) or 2^-24 (float32)."""
    try:
        return UNIT_ROUNDOFF[str(np.dtype(dtype))]
    except (KeyError, TypeError):
        raise ValueError(f"dtype must be one of {DTYPES}, got {dtype!r}") from None


def gamma(n: int, dtype: str = "float64") -> float:
    """gamma_n = n u / (1 - n u): the relative error bound of a sum of n terms."""
    nu = n * unit_roundoff(dtype)
    if nu >= 1:
        raise ValueError(f"gamma_{n} undefined for {dtype}: n u >= 1")
    return nu / (1 - nu)


class _Analysis:
    """Shared steps of the error analysis at one dtype."""

    def __init__(self, dtype: str, textbook: bool = False):
        self.u = unit_roundoff(dtype)
        self.eta = SMALLEST_SUBNORMAL[str(np.dtype(dtype))]
        self.dtype = dtype
        self.textbook = textbook

    def activation_error(self, A, relative: int):
        """The rounding of an activation: `relative` u |a|, or u relative to 1 (textbook)."""
        return relative * self.u * (1.0 if self.textbook else np.abs(A))

    def gamma(self, n: int) -> float:
        return gamma(n, self.dtype)

    def affine(self, W, V, b, n: int, dV=None):
        """Z = W V + b with n terms per entry: gamma_{n+3} (|W| |V| + |b|) (+ |W| dV)."""
        bound = (self.gamma(n + 3) * (np.abs(W) @ np.abs(V) + np.abs(b))
                 + self.eta * ((1 + np.abs(W)) @ (1 + np.abs(V)) + n + 3))
        return bound if dV is None else bound + np.abs(W) @ dV

    def sigmoid(self, A, A_c, dZ):
        """a = sigma(z) from a z off by dZ: a (1 - a) e^dZ dZ + SIGMA u a."""
        return A * A_c * _slope_growth(dZ) * dZ + self.activation_error(A, SIGMA) + self.eta

    def mean_product(self, R, dR, V, dV, m: int):
        """(1/m) R V^T with errors dR, dV in the factors (m terms per entry)."""
        bound = self.gamma(m + 3) * np.abs(R) @ np.abs(V).T + dR @ np.abs(V).T
        if dV is not None:
            bound = bound + np.abs(R) @ dV.T
        return (bound + self.eta * ((1 + np.abs(R)) @ (1 + np.abs(V)).T)) / m + (m + 3) * self.eta

    def mean_sum(self, R, dR, m: int):
        """(1/m) sum_j R[:, j] (keepdims) with an error dR in R."""
        rows = {"axis": 1, "keepdims": True}
        bound = self.gamma(m + 3) * np.abs(R).sum(**rows) + dR.sum(**rows)
        return (bound + self.eta * (1 + np.abs(R)).sum(**rows)) / m + (m + 3) * self.eta

    def cost(self, Y, A, A_c, dA, log_A, log_A_c):
        """J = -(1/m) sum [y log a + (1 - y) log(1 - a)] from an a off by dA.

        log a: dA / a + ELEM u |log a|; 1 - a: dA + u (1 - a); log(1 - a): d(1 - a) / (1 - a)
        + ELEM u |log(1 - a)|; the sum of the m terms: gamma_{m+4} sum |t_j| (two products,
        one addition per term, the scaling by 1/m). A zero coefficient drops its term
        (0 log 0 = 0); a = 0 or 1 under a non-zero coefficient gives an infinite bound.
        """
        m = Y.shape[-1]
        y, yc = np.abs(Y), np.abs(1 - Y)
        with np.errstate(divide="ignore", invalid="ignore"):
            e_log_a = dA / A + ELEM * self.u * np.abs(log_A)
            e_log_ac = (dA + self.u * A_c) / A_c + ELEM * self.u * np.abs(log_A_c)
            terms = np.where(Y != 0, y * e_log_a, 0.0) + np.where(Y != 1, yc * e_log_ac, 0.0)
            t = np.where(Y != 0, y * np.abs(log_A), 0.0) + np.where(Y != 1, yc * np.abs(log_A_c),
                                                                    0.0)
        bound = (terms.sum() + self.gamma(m + 4) * t.sum()) / m + (m + 4) * self.eta
        return np.asarray(np.inf if np.isnan(bound) else SAFETY * bound)


def _slope_growth(dZ):
    """max of f'(t) / f'(z) over |t - z| <= dZ: e^dZ for sigma' = sigma(t) sigma(-t), e^(2 dZ)
    for tanh' = 1 / cosh(t)^2 (called with 2 dZ); so the mean-value bound holds for any dZ,
    not only to first order (capped where it would overflow: the bound is then inf anyway)."""
    return np.exp(np.minimum(dZ, 700.0))


def _exact_log_sigmoid(Z):
    """log sigma(z) = -log(1 + e^-z) and log(1 - sigma(z)) = -log(1 + e^z), accurate in float64."""
    return -np.logaddexp(0.0, -Z), -np.logaddexp(0.0, Z)


def logreg_bounds(w, b, X, Y, *, dtype: str = "float64", exact: oracle.Exact | None = None,
                  textbook: bool = False) -> dict[str, np.ndarray]:
    """Bounds for Z (1, m), A (1, m), cost (0-d), dw (n_x, 1), db (0-d) of logistic regression.

    Z = w^T X + b: gamma_{n+3} (|w|^T |X| + |b|); A: a (1 - a) dZ + SIGMA u a; A - Y: dA + u
    |A - Y|; dw = X (A - Y)^T / m: (gamma_{m+3} |X| |A - Y|^T + |X| d(A - Y)^T) / m; db likewise
    with a row of ones; cost: see `_Analysis.cost`. `exact` (from `oracle.logreg_exact`) saves
    recomputing the exact values. `textbook`: see the module docstring.
    """
    an = _Analysis(dtype, textbook)
    E = (exact or oracle.logreg_exact(w, b, X, Y)).float64()
    X, Y, w = np.asarray(X, float), np.asarray(Y, float), np.asarray(w, float)
    n, m = X.shape
    dZ = an.affine(w.T, X, np.asarray(b, float).reshape(()), n)
    dA = an.sigmoid(E["A"], E["one_minus_A"], dZ)
    R, dR = E["dZ"], dA + an.u * np.abs(E["dZ"])
    log_A, log_A_c = _exact_log_sigmoid(E["Z"])
    return {
        "Z": SAFETY * dZ,
        "A": SAFETY * dA,
        "cost": an.cost(Y, E["A"], E["one_minus_A"], dA, log_A, log_A_c),
        "dw": SAFETY * an.mean_product(R, dR, X, None, m).T,
        "db": SAFETY * an.mean_sum(R, dR, m).reshape(()),
    }


def two_layer_bounds(parameters: Mapping[str, np.ndarray], X, Y, *, hidden: str = "sigmoid",
                     dtype: str = "float64", exact: oracle.Exact | None = None,
                     textbook: bool = False) -> dict[str, np.ndarray]:
    """Bounds for Z1, A1, Z2, A2, cost, dW1, db1, dW2, db2 of the 2-layer network (each the
    quantity's shape), for the notes' formulas (hidden g = sigma or tanh):

    Z1 = W1 X + b1: gamma_{n_x+3} (|W1| |X| + |b1|); A1 = g(Z1): g'(Z1) dZ1 + (SIGMA u a1 for
    sigma, ELEM u |a1| for tanh); Z2 = W2 A1 + b2: gamma_{n_h+3} (|W2| |A1| + |b2|) + |W2| dA1;
    A2 as A in `logreg_bounds`; dZ2 = A2 - Y: dA2 + u |dZ2|;
    dW2 = dZ2 A1^T / m: (gamma_{m+3} |dZ2| |A1|^T + d(dZ2) |A1|^T + |dZ2| dA1^T) / m;
    P = W2^T dZ2 (one product per entry): 2u |P| + |W2|^T d(dZ2);
    G = a1 (1 - a1) [sigma]: |1 - 2 a1| dA1 + 2u G, or 1 - a1^2 [tanh]: 2 |a1| dA1 + u (a1^2 + G);
    dZ1 = P * G: dP |G| + |P| dG + u |P G|; dW1 = dZ1 X^T / m and db1 = sum_j dZ1 / m as dW2, db2.
    `textbook`: see the module docstring.
    """
    an = _Analysis(dtype, textbook)
    E = (exact or oracle.two_layer_exact(parameters, X, Y, hidden=hidden)).float64()
    X, Y = np.asarray(X, float), np.asarray(Y, float)
    W1, b1, W2, b2 = (np.asarray(parameters[k], float) for k in oracle.TWO_LAYER_BLOCKS)
    (n_x, m), n_h = X.shape, W1.shape[0]
    A1, G = E["A1"], E["gprime_Z1"]
    dZ1_fwd = an.affine(W1, X, b1, n_x)
    if hidden == "sigmoid":
        dA1 = an.sigmoid(A1, E["one_minus_A1"], dZ1_fwd)
        dG = np.abs(1 - 2 * A1) * dA1 + 2 * an.u * G
    else:
        dA1 = G * _slope_growth(2 * dZ1_fwd) * dZ1_fwd + an.activation_error(A1, ELEM) + an.eta
        dG = 2 * np.abs(A1) * dA1 + an.u * (A1**2 + G)
    dZ2_fwd = an.affine(W2, A1, b2, n_h, dV=dA1)
    dA2 = an.sigmoid(E["A2"], E["one_minus_A2"], dZ2_fwd)
    R2, dR2 = E["dZ2"], dA2 + an.u * np.abs(E["dZ2"])
    P = np.abs(W2).T @ np.abs(R2)
    dP = 2 * an.u * P + np.abs(W2).T @ dR2
    R1 = E["dZ1"]
    dR1 = dP * G + P * dG + an.u * P * G
    log_A2, log_A2_c = _exact_log_sigmoid(E["Z2"])
    return {
        "Z1": SAFETY * dZ1_fwd,
        "A1": SAFETY * dA1,
        "Z2": SAFETY * dZ2_fwd,
        "A2": SAFETY * dA2,
        "dZ2": SAFETY * dR2,
        "dZ1": SAFETY * dR1,
        "cost": an.cost(Y, E["A2"], E["one_minus_A2"], dA2, log_A2, log_A2_c),
        "dW2": SAFETY * an.mean_product(R2, dR2, A1, dA1, m),
        "db2": SAFETY * an.mean_sum(R2, dR2, m),
        "dW1": SAFETY * an.mean_product(R1, dR1, X, None, m),
        "db1": SAFETY * an.mean_sum(R1, dR1, m),
    }


def cost_from_activations_bound(A, Y, *, dtype: str = "float64",
                                textbook: bool = False) -> np.ndarray:
    """Bound (0-d) for compute_cost(A2, Y) at the given A2: only the logs and the sum err (dA =
    the rounding of A to the dtype, 0 for float64). Where a is 0 or 1 under a non-zero
    coefficient, the exact cost is +inf and the bound is not needed. `textbook`: the
    probability of each label taken to u relative to 1, as 1 - a by subtraction has it (the
    notes' own log(1 - a)), for either label (1 - |y - a| is as correct)."""
    an = _Analysis(dtype, textbook)
    A, Y = np.asarray(A, float), np.asarray(Y, float)
    if textbook:
        dA = an.activation_error(A, 1)
    else:
        dA = 0.0 if str(np.dtype(dtype)) == "float64" else an.u * A
    with np.errstate(divide="ignore"):
        log_A, log_A_c = np.log(A), np.log1p(-A)
    return an.cost(Y, A, 1 - A, dA, log_A, log_A_c)


@dataclass(frozen=True)
class Mismatch:
    """The worst entry of a comparison beyond its bound, with the numbers for the message."""

    quantity: str
    index: tuple[int, ...]
    expected: float
    got: float
    difference: float
    bound: float
    count: int
    size: int

    def __str__(self) -> str:
        """The bound is left out where it says nothing to a reader: a value that is not finite
        (inf against a bound of 4e+28 reads as a puzzle), or a bound below twice float64's
        smallest normal number (6.92e-323 + that number, which every bound holds: the entry is
        exact in float64)."""
        where = f"[{', '.join(map(str, self.index))}]" if self.index else ""
        if np.isfinite(self.expected) and not np.isfinite(self.got):
            gap = "which is not a finite number"
        elif self.bound < 2 * np.finfo(np.float64).tiny:
            gap = f"off by {self.difference:.3g} where float64 is exact"
        else:  # as many digits as tell the two apart: "2.22e-16 > bound 2.22e-16" read as false
            digits = next((d for d in range(3, 18)
                           if f"{self.difference:.{d}g}" != f"{self.bound:.{d}g}"), 17)
            gap = f"off by {self.difference:.{digits}g} > bound {self.bound:.{digits}g}"
        beyond = f"{self.count} of {self.size} {'entry' if self.size == 1 else 'entries'}"
        return (f"{self.quantity}{where}: expected {float(self.expected)!r}, got "
                f"{float(self.got)!r}, {gap} ({beyond} beyond the bound)")


def compare(quantity: str, expected, got, bound) -> Mismatch | None:
    """None when every entry of `got` is within `bound` (+ u_64 |expected|, the rounding of a
    float64 expected value, + float64's smallest normal number: below it float64 keeps no
    relative digit, and 1 / (1 + exp(-z)) giving 0 for sigma(-730) = 3.6e-318 was a warning
    that advised that very formula) of `expected`; else the worst entry (largest |difference|
    / allowed).

    `expected` may be float64 values or an mpf array from `nnspec.numerics.oracle`. A one-element result
    is compared as a scalar whatever its shape (shapes are the contract's business); otherwise
    the shapes must match. NaN is never within a bound; equal infinities are.
    """
    exp = oracle.to_float64(expected) if np.asarray(expected).dtype == object else \
        np.asarray(expected, dtype=np.float64)
    got_arr = np.asarray(got, dtype=np.float64)
    bnd = np.broadcast_to(np.asarray(bound, dtype=np.float64), exp.shape)
    if got_arr.size == 1 and exp.size == 1:
        got_arr = got_arr.reshape(exp.shape)
    if got_arr.shape != exp.shape:
        raise ValueError(f"{quantity}: shape {got_arr.shape} where {exp.shape} is expected")
    allowed = bnd + UNIT_ROUNDOFF["float64"] * np.abs(exp) + np.finfo(np.float64).tiny
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.where(got_arr == exp, 0.0, np.abs(got_arr - exp))
        bad = ~(diff <= allowed) & (got_arr != exp)
        if not bad.any():
            return None
        ratio = np.where(bad, np.nan_to_num(diff / allowed, nan=np.inf, posinf=np.inf), -1.0)
    worst = np.unravel_index(int(np.argmax(ratio)), exp.shape) if exp.ndim else ()
    return Mismatch(quantity, tuple(int(i) for i in worst), float(exp[worst]),
                    float(got_arr[worst]), float(diff[worst]), float(allowed[worst]),
                    int(bad.sum()), int(exp.size))


def assert_close(quantity: str, expected, got, bound) -> None:
    """Raise AssertionError with the `Mismatch` message when `compare` finds one."""
    mismatch = compare(quantity, expected, got, bound)
    if mismatch is not None:
        raise AssertionError(str(mismatch))
