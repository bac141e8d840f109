"""Public Hypothesis strategies for the inputs of the contracts.

`logreg_problems(...)` draws `LogRegProblem(w, b, X, Y)`, the arguments of `propagate`;
`two_layer_problems(...)` draws `TwoLayerProblem(parameters, X, Y)`, those of
`forward_propagation` / `backward_propagation`. Shapes follow the notes: X (n_x, m), Y (1, m),
w (n_x, 1), b a float; W1 (n_h, n_x), b1 (n_h, 1), W2 (1, n_h), b2 (1, 1); all float64.

They reach the edges on purpose:
- shapes: n_x = 1, m = 1, n_h = 1 and larger; n_x == m (square, where a dropped transpose still
  conforms) and n_x != m;
- biases exactly 0 and non-zero;
- labels Y all zeros, all ones, and mixed;
- entries of very different magnitudes (a mantissa in [-1, 1] times 2^k, |k| up to 20, inside
  one array) next to arrays of one magnitude; drawn mantissas below 2^-24 flush to 0, so
  entries are 0 or between 2^-44 and 2^20 in magnitude before rescaling;
- pre-activations rescaled so that max |z| is about 1, 8, 40 or 300 (or left as drawn): with
  `saturation=True`, a = sigma(z) within 1e-100 of 0 or 1 (and tanh at +-1); with
  `saturation=False`, max |z| <= 30 everywhere, where the notes' float64 formulas stay finite
  (sigma(-30) ~ 9e-14 keeps 1 - a representable).

With `large=True` (sizes above `small`), the entries and the mixed labels come from a NumPy
generator whose seed Hypothesis draws, with the same distributions: drawing a 64 x 64 array
entry by entry costs more than auditing it, and a large problem is made smaller by taking
examples off (the audit's `_reduce`), not by shrinking its entries.

Shrinking goes towards the simplest problem: n_x = m = n_h = 1, zero biases, Y all zeros, entries
of magnitude <= 1 and no rescaling; so a minimal counterexample is as small as the defect allows.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.extra.numpy import arrays

HIDDEN_ACTIVATIONS = ("sigmoid", "tanh")
FINITE_Z = 30.0  # max |z| without saturation
Z_SCALES = (1.0, 8.0, 40.0, 300.0)  # targets for max |z|; 40 and 300 saturate sigma
# large |z| where sigma does not saturate yet: a sigmoid clipped at |z| = 10 to 30 ("against
# overflow") is wrong there, and no other target reaches it
UNSATURATED_Z = (16.0, 32.0)
MAX_EXPONENT = 20  # entries span 2^-20 .. 2^20 when magnitudes are mixed
MIN_UNIT = 2.0**-24  # smaller drawn mantissas flush to 0
MAX_GROWTH = 2.0**40  # rescaling never multiplies weights by more


class LogRegProblem(NamedTuple):
    """Arguments of `propagate(w, b, X, Y)`: w (n_x, 1), b float, X (n_x, m), Y (1, m)."""

    w: np.ndarray
    b: float
    X: np.ndarray
    Y: np.ndarray


class TwoLayerProblem(NamedTuple):
    """`parameters` {W1, b1, W2, b2}, X (n_x, m) and Y (1, m) of the 2-layer network."""

    parameters: dict[str, np.ndarray]
    X: np.ndarray
    Y: np.ndarray


def _check_size(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidArgument(f"{name}={value!r} must be an integer >= 1")


def _check_flag(name: str, value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidArgument(f"{name}={value!r} must be True or False")


def _flush_tiny(value: float) -> float:
    """Entries are 0 or at least MIN_UNIT in magnitude (so rescaled arrays stay finite)."""
    return value if abs(value) >= MIN_UNIT else 0.0


def _once(factory):
    """One strategy object per set of arguments: Hypothesis builds and validates a strategy on
    its first draw, so drawing from the same object again skips that work (a third of the
    time of a draw); the values drawn are the same."""
    return lru_cache(maxsize=None)(factory)


@_once
def _unit_array(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    return arrays(np.float64, shape, elements=st.floats(-1, 1).map(_flush_tiny))


@_once
def _exponent_array(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    return arrays(np.int64, shape, elements=st.integers(-MAX_EXPONENT, MAX_EXPONENT))


@_once
@st.composite
def _values(draw, shape: tuple[int, ...]) -> np.ndarray:
    """float64 array; entries of one magnitude (in [-1, 1]) or of mixed magnitudes."""
    mantissas = draw(_unit_array(shape))
    if not draw(st.booleans()):  # shrinks to one magnitude
        return mantissas
    return np.ldexp(mantissas, draw(_exponent_array(shape)))


@_once
@st.composite
def _seeded_values(draw, shape: tuple[int, ...]) -> np.ndarray:
    """`_values`' distributions, filled by a generator seeded from one draw."""
    rng = np.random.default_rng(draw(st.integers(0, 2**64 - 1)))
    mantissas = rng.uniform(-1.0, 1.0, shape)
    mantissas[np.abs(mantissas) < MIN_UNIT] = 0.0
    if not draw(st.booleans()):
        return mantissas
    return np.ldexp(mantissas, rng.integers(-MAX_EXPONENT, MAX_EXPONENT, shape, endpoint=True))


@_once
def _seeded_bits(m: int) -> st.SearchStrategy[np.ndarray]:
    return st.integers(0, 2**64 - 1).map(
        lambda seed: np.random.default_rng(seed).integers(0, 1, (1, m), endpoint=True,
                                                          dtype=np.int8))


@_once
def _bit_array(m: int) -> st.SearchStrategy[np.ndarray]:
    return arrays(np.int8, (1, m), elements=st.integers(0, 1))


@_once
@st.composite
def _labels(draw, m: int, seeded: bool = False) -> np.ndarray:
    kind = draw(st.sampled_from(("zeros", "ones", "mixed")))
    if kind == "zeros":
        return np.zeros((1, m))
    if kind == "ones":
        return np.ones((1, m))
    return draw(_seeded_bits(m) if seeded else _bit_array(m)).astype(np.float64)


@_once
@st.composite
def _bias(draw, shape: tuple[int, ...]) -> np.ndarray:
    if not draw(st.booleans()):  # shrinks to a zero bias
        return np.zeros(shape)
    return draw(_values(shape))


@_once
@st.composite
def _z_scale(draw, saturation: bool, saturating: float) -> float | None:
    """Target for max |z|: None (as drawn), or one of Z_SCALES and UNSATURATED_Z up to the
    limit."""
    scales = [s for s in (*Z_SCALES, *UNSATURATED_Z) if saturation or s <= FINITE_Z]
    if saturation:
        scales.append(saturating)
    return draw(st.sampled_from([None, *sorted(set(scales))]))


def _rescale(weights: np.ndarray, bias: np.ndarray, Z: np.ndarray, target: float | None,
             saturation: bool) -> tuple[np.ndarray, np.ndarray]:
    """Scale weights and bias together so that max |z| is `target` (or at most FINITE_Z)."""
    top = float(np.max(np.abs(Z))) if Z.size else 0.0
    if not np.isfinite(top) or top == 0.0:
        return weights, bias
    if target is None:
        if saturation or top <= FINITE_Z:
            return weights, bias
        target = FINITE_Z
    factor = target / top
    if factor > MAX_GROWTH:  # z cancels to almost 0: leave it rather than blow the weights up
        return weights, bias
    if not saturation:
        factor *= 1 - 1e-9  # keep max |z| strictly below the limit after rounding
    return weights * factor, bias * factor


@_once
@st.composite
def _shape(draw, max_features: int, max_examples: int, small: int | None = None,
           large: bool = False) -> tuple[int, int]:
    """(n_x, m), n_x == m in about half the draws. With `small`, m is at most `small`, or with
    `large` above it (uniform up to max_examples), and n_x above `small` only when tied to m."""
    if small is None:
        n_x = draw(st.integers(1, max_features))
        if n_x <= max_examples and draw(st.booleans()):
            return n_x, n_x
        return n_x, draw(st.integers(1, max_examples))
    if large and small < max_examples:
        m = draw(st.sampled_from(range(small + 1, max_examples + 1)))  # uniform, unlike integers
    else:
        m = draw(st.integers(1, min(small, max_examples)))
    if m <= max_features and draw(st.booleans()):
        return m, m
    return draw(st.integers(1, min(small, max_features))), m


def logreg_problems(*, max_features: int = 6, max_examples: int = 8,
                    saturation: bool = True, small: int | None = None, large: bool = False
                    ) -> st.SearchStrategy[LogRegProblem]:
    """Inputs of logistic regression: `LogRegProblem(w, b, X, Y)`, float64, n_x in
    [1, max_features], m in [1, max_examples]. With `saturation`, z = w^T X + b reaches |z| in
    the hundreds (a rounds to 0 or 1); without, |z| <= 30. With `small`, m is at most `small`,
    or with `large` above it, and n_x above it only when tied to m. See the module docstring
    for the edges reached and how examples shrink."""
    _check_size("max_features", max_features)
    _check_size("max_examples", max_examples)
    _check_flag("saturation", saturation)
    if small is not None:
        _check_size("small", small)

    @st.composite
    def problems(draw) -> LogRegProblem:
        n_x, m = draw(_shape(max_features, max_examples, small, large))
        values = _seeded_values if large else _values
        w, X = draw(values((n_x, 1))), draw(values((n_x, m)))
        b = draw(_bias(()))
        Y = draw(_labels(m, large))
        with np.errstate(over="ignore", invalid="ignore"):
            Z = w.T @ X + b
        w, b = _rescale(w, b, Z, draw(_z_scale(saturation, 300.0)), saturation)
        return LogRegProblem(w, float(b), X, Y)

    return problems()


def two_layer_problems(*, max_features: int = 5, max_hidden: int = 4, max_examples: int = 6,
                       saturation: bool = True, hidden: str = "sigmoid", small: int | None = None,
                       large: bool = False, tie_hidden: bool = False
                       ) -> st.SearchStrategy[TwoLayerProblem]:
    """Inputs of the 2-layer network: `TwoLayerProblem(parameters, X, Y)`, float64, n_x in
    [1, max_features], n_h in [1, max_hidden], m in [1, max_examples]. Both layers' pre-
    activations are rescaled like z in `logreg_problems`; `hidden` ("sigmoid" or "tanh") picks
    the hidden layer's saturating scale (tanh(z) rounds to +-1 from |z| ~ 19, sigma from ~ 37).
    `small` and `large` as in `logreg_problems` (n_h beyond `small` only when tied); with `tie_hidden`, n_h ==
    n_x in about half the examples (so n_h == n_x == m in a quarter), where a W1 used for W1^T
    still runs."""
    for name, value in (("max_features", max_features), ("max_hidden", max_hidden),
                        ("max_examples", max_examples)) + ((("small", small),) if small else ()):
        _check_size(name, value)
    _check_flag("saturation", saturation)
    if hidden not in HIDDEN_ACTIVATIONS:
        raise InvalidArgument(f"hidden={hidden!r} must be one of {HIDDEN_ACTIVATIONS}")
    g = (lambda z: 1 / (1 + np.exp(-z))) if hidden == "sigmoid" else np.tanh

    @st.composite
    def problems(draw) -> TwoLayerProblem:
        n_x, m = draw(_shape(max_features, max_examples, small, large))
        if tie_hidden and n_x <= max_hidden and draw(st.booleans()):
            n_h = n_x
        else:
            n_h = draw(st.integers(1, max_hidden if small is None else min(small, max_hidden)))
        values = _seeded_values if large else _values
        X = draw(values((n_x, m)))
        W1, b1 = draw(values((n_h, n_x))), draw(_bias((n_h, 1)))
        W2, b2 = draw(values((1, n_h))), draw(_bias((1, 1)))
        Y = draw(_labels(m, large))
        with np.errstate(over="ignore", invalid="ignore"):
            W1, b1 = _rescale(W1, b1, W1 @ X + b1,
                              draw(_z_scale(saturation, 40.0 if hidden == "tanh" else 300.0)),
                              saturation)
            A1 = g(W1 @ X + b1)
            W2, b2 = _rescale(W2, b2, W2 @ A1 + b2, draw(_z_scale(saturation, 300.0)),
                              saturation)
        return TwoLayerProblem({"W1": W1, "b1": b1, "W2": W2, "b2": b2}, X, Y)

    return problems()
