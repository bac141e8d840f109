"""The audit contracts of DESIGN.md: call signature, inputs, output normalisation and checks.

Each contract draws problems with `nnspec.numerics.strategies`, makes the target's inputs from them (a
cache for backward_propagation comes from the reference forward pass, grads for
update_parameters from the reference backward pass), and checks one returned value:
- structure: the keys, the shapes (exactly the parameter's shape for a gradient; a scalar or a
  one-element array for a cost or a logistic db), numeric types;
- values: against the exact value of `nnspec.numerics.oracle` under the float64 (or float32) bound of
  `nnspec.numerics.tolerance`, the bound of the notes' own formula;
- saturation: where a sigmoid output rounds to 0 or 1 in the dtype (the notes' formulas break
  down there too), a wrong or non-finite value is a warning that names the stable form, not a
  defect; a cost that stays finite but drifts beyond the stable form's bound is one too.
- conventions (notes): a cost as a (1, 1) array; `predict` with a > 0.5 instead of a >= 0.5.
`optimize` is checked along its whole trajectory against the reference run.

Shapes: X (n_x, m), Y (1, m), w (n_x, 1), b scalar; W1 (n_h, n_x), b1 (n_h, 1), W2 (1, n_h),
b2 (1, 1).

Hypothesis and the strategies are imported only when problems are drawn: an audit that finds
its problems on disk and replays its shrinking runs (nnspec.audit.warmstart) never needs them.
Imports in the middle of a batch do not change what is drawn: the engine draws as if no local
module were loaded (`nnspec.audit.engine._no_local_constants`).
"""

from __future__ import annotations

import math
import pickle
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any, ClassVar

import mpmath
import numpy as np

from nnspec.audit import numbers
from nnspec.errors import UsageError
from nnspec.numerics import oracle, tolerance
from nnspec.reference import logreg, two_layer_sigmoid, two_layer_tanh
from nnspec.text import did_you_mean, plural

CHECKS = ("timeout", "crash", "output-size", "answer", "exception", "keys", "shape", "type",
          "determinism", "mutation", "value", "trajectory", "saturation", "accuracy", "threshold",
          "scalar-shape", "stdout", "load", "import")
OF_RESULTS = ("keys", "shape", "type", "determinism", "value", "trajectory", "saturation",
              "accuracy", "threshold", "scalar-shape")  # checks of what a call returns
STABLE_COST = ("compute the loss from z: y*np.logaddexp(0, -z) + (1 - y)*np.logaddexp(0, z), "
               "which is exact where a rounds to 0 or 1")
STABLE_GRAD = "use dZ = A - Y directly (never divide by a (1 - a))"
SATURATES = {"sigmoid": "sigmoid saturates (a within machine epsilon of 0 or 1 somewhere)",
             "tanh": "tanh saturates (a hidden activation within machine epsilon of -1 or 1 "
                     "somewhere)"}
STABLE_TANH = ("np.tanh(z) is exact where tanh saturates, where (exp(z) - exp(-z)) / (exp(z) + "
               "exp(-z)) gives inf/inf = nan once exp overflows")
TANH_DIGITS = ("; a tanh computed from exp(z) loses digits by cancellation where z is small, "
               "which np.tanh keeps")
OPTIMIZE_ITERATIONS = (1, 2, 3, 7, 101)
LEARNING_RATES = (0.5, 0.1, 0.01, 1.2)


@dataclass(frozen=True)
class Options:
    hidden_activation: str = "sigmoid"
    dtype: str = "float64"
    examples: int = 100
    timeout: float = 60.0
    seed: int = 0
    edition: str = ""  # the published signature the target is called with; "" for the first
    large: bool = False  # problems with m above the small sizes (the engine's large pass)
    within: tuple = ()  # ((axis, size), ...): problems no larger than these (shrinking)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Failure:
    """One check failing on one problem; `details` holds expected/got/difference/bound;
    `unread`: the result as a whole could not be read, so no value of it was compared."""

    check: str
    severity: str
    message: str
    details: dict
    unread: bool = False


# ---- helpers ------------------------------------------------------------------------------------

def _shape_hint(name: str, got: tuple[int, ...], shape: tuple[int, ...]) -> str:
    """What a wrong shape most likely comes from, for the learner."""
    if len(got) == len(shape) == 2 and got == shape[::-1]:
        return ": the expected shape transposed (a .T missing or one too many?)"
    if name.startswith("d") and len(name) > 1:
        return f": a gradient has the shape of its parameter ({name} like {name[1:]})"
    if name in ("A2", "cache['A2']") and len(got) == 2 and got[1:] == shape[1:] and got[0] > 1:
        return ": one row per hidden unit, the hidden layer's shape (A1 in place of A2?)"
    return ""


def _numeric(value: Any) -> np.ndarray | None:
    """A returned value as a float64 array, or None if it is not numeric (dict, str, opaque)."""
    if isinstance(value, bool) or value is None or isinstance(value, (str, dict)):
        return None if not isinstance(value, bool) else np.asarray(float(value))
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        return None
    if arr.dtype.kind not in "biuf":
        return None
    return arr.astype(np.float64)


def _shape_of(value: Any) -> str:
    if isinstance(value, dict) and "__nnspec_opaque__" in value:
        return value["__nnspec_opaque__"]
    arr = _numeric(value)
    if arr is None:
        return type(value).__name__
    if isinstance(value, np.ndarray):
        return f"shape {arr.shape}" if arr.ndim else "a number"
    return type(value).__name__


def _kind(value: Any) -> str:
    """"dict", "numeric" (a number or an array) or "other": what a result's item is."""
    if isinstance(value, dict):
        return "other" if "__nnspec_opaque__" in value else "dict"
    return "numeric" if _numeric(value) is not None else "other"


MISSING = object()  # an output part whose absence is already a recorded failure


class _Checker:
    """Collects the failures of one returned value; structure first, then values."""

    def __init__(self, saturated: tuple[str, ...] = (), returns: str = "",
                 hidden: str = "", z_given: bool = True) -> None:
        self.saturated = saturated  # the activations that saturate on this input
        self.hidden = hidden  # a 2-layer network's hidden activation
        self.z_given = z_given  # whether the function can compute from z (compute_cost cannot)
        self.returns = returns  # what the function returns, e.g. "(grads, cost)", for messages
        self.failures: list[Failure] = []
        self.structural = False

    def fail(self, check: str, severity: str, message: str, unread: bool = False,
             **details: Any) -> None:
        if severity == "defect" and check in ("keys", "shape", "type"):
            self.structural = True
        self.failures.append(Failure(check, severity, message, details, unread))

    def part(self, result: Any, key: Any) -> Any:
        """Part `key` of the whole result: a result that has no such part leaves nothing of
        it to compare (a failure marked unread)."""
        return self.item(result, key, "the result", unread=True)

    def item(self, container: Any, key: Any, where: str, unread: bool = False) -> Any:
        """container[key] for a dict key or a tuple index; records 'keys' when absent and
        returns MISSING (a failure already recorded: nothing more to say about it)."""
        if container is MISSING:
            return MISSING
        if isinstance(key, str):
            if not isinstance(container, dict) or "__nnspec_opaque__" in container:
                self.fail("type", "defect", f"{where} should be a dict, got "
                          f"{_shape_of(container)}{self._expected()}", unread)
                return MISSING
            if key not in container:
                self.fail("keys", "defect", f"{where} has no key {key!r} (keys: "
                          f"{sorted(container)})", got=sorted(container))
                return MISSING
            return container[key]
        if container is None:
            self.fail("type", "defect", f"{where} is None: the function returns nothing (no "
                      f"return statement?){self._expected()}", unread)
            return MISSING
        if not isinstance(container, (tuple, list)) or len(container) <= key:
            self.fail("type", "defect", f"{where} should be a tuple of at least {plural(key + 1, 'item')}, "
                      f"got {_shape_of(container)}{self._expected()}", unread)
            return MISSING
        return container[key]

    def parts(self, value: Any, count: int, kinds: tuple[str, ...] = ()) -> list:
        """The `count` items of a tuple result. The course unpacks exactly that many (`grads,
        cost = propagate(...)` raises on a third item), and an item read from a result of
        another length is compared as what it is not (a `(dw, db, cost)`'s db as the cost):
        a result of another length is a type defect, its items left unread. Two items of the
        `kinds` expected in the other order (`return cost, grads`) are a type defect too,
        their values checked in the order meant."""
        tuple_ = isinstance(value, (tuple, list))
        if tuple_ and len(value) == count and len(set(kinds)) == count == 2 \
                and tuple(map(_kind, value)) == kinds[::-1]:  # `return cost, grads`
            names = self.returns.strip("()").split(", ")
            self.fail("type", "defect", f"the result's items are in the other order: "
                      f"({', '.join(names[::-1])}){self._expected()}; their values are "
                      "checked as if in order", swapped=True)
            return list(value)[::-1]
        if tuple_ and len(value) == count or value is None or value is MISSING:
            return [self.part(value, k) for k in range(count)]  # (None: says it returns nothing)
        got = plural(len(value), "item") if tuple_ else _shape_of(value)
        self.fail("type", "defect", f"the result should be a tuple of {plural(count, 'item')}, "
                  f"got {got}{self._expected()} (the course unpacks exactly {count})",
                  unread=True)
        return [MISSING] * count

    def _expected(self) -> str:
        return f"; expected the result {self.returns}" if self.returns else ""

    def _numeric_array(self, value: Any, name: str) -> np.ndarray | None:
        """The value as a numeric array, or None (missing, or a type defect recorded)."""
        if value is MISSING:
            return None
        arr = _numeric(value)
        if arr is None:
            self.fail("type", "defect", f"{name} should be a numeric array, got {_shape_of(value)}")
        return arr

    def array(self, value: Any, name: str, shape: tuple[int, ...]) -> np.ndarray | None:
        """An array of exactly `shape`."""
        arr = self._numeric_array(value, name)
        if arr is None:
            return None
        if arr.shape != shape:
            self.fail("shape", "defect", f"{name} has shape {arr.shape}, expected {shape}"
                      f"{_shape_hint(name, arr.shape, shape)}",
                      got=list(arr.shape), expected=list(shape))
            return None
        return arr

    def scalar(self, value: Any, name: str, examples: int = 0) -> np.ndarray | None:
        """A scalar or a one-element array (a note unless 0-d, as the course squeezes it);
        `examples`: m, when the scalar sums over the examples (the cost)."""
        if value is MISSING:
            return None
        arr = _numeric(value)
        if arr is None:
            self.fail("type", "defect", f"{name} should be a number, got {_shape_of(value)}"
                      f"{self._expected()}")
            return None
        if arr.size != 1:
            hint = ("; one value per example: the sum or mean over the examples is missing, "
                    "or taken along the other axis") if examples > 1 and arr.size == examples \
                else ""
            self.fail("shape", "defect", f"{name} has shape {arr.shape}; expected a scalar"
                      f"{hint}", got=list(arr.shape), quantity=name)
            return None
        if arr.ndim:
            self.fail("scalar-shape", "note", f"{name} is returned as an array of shape "
                      f"{arr.shape}; the course returns a float (float(np.squeeze({name})))",
                      got=list(arr.shape), quantity=name)
        return arr.reshape(())

    def weight_gradient(self, value: Any, name: str, shape: tuple[int, ...]
                        ) -> np.ndarray | None:
        """A weight gradient dW: exactly the weights' `shape`, or another shape of as many
        entries that the course's update W - lr * dW absorbs (a dW2 of shape (n_h,) for W2 of
        (1, n_h)): a note, as for a bias gradient. Any other shape is a defect."""
        arr = self._numeric_array(value, name)
        if arr is None or arr.shape == shape or arr.size != math.prod(shape):
            return self.array(value, name, shape)
        try:
            absorbed = np.broadcast_shapes(shape, arr.shape) == shape
        except ValueError:
            absorbed = False
        if not absorbed:
            return self.array(value, name, shape)
        self.fail("scalar-shape", "note", f"{name} is returned with shape {arr.shape}, not "
                  f"{shape}; the update {name[1:]} - lr * {name} still gives {name[1:]} the "
                  f"shape {shape}", got=list(arr.shape), quantity=name)
        return arr.reshape(shape)

    def bias_gradient(self, value: Any, name: str, shape: tuple[int, ...]) -> np.ndarray | None:
        """A bias gradient db: exactly the bias's `shape`, or a shape that the course's update
        b - lr * db absorbs (b keeps its shape; a scalar b may become a one-element array, with
        which w^T X + b is unchanged): a note. Any other shape is a defect. Returned broadcast
        to `shape` for the value check."""
        arr = self._numeric_array(value, name)
        if arr is None:
            return None
        if arr.shape == shape:
            return arr
        try:
            updated = np.broadcast_shapes(shape, arr.shape)
        except ValueError:
            updated = None
        entries = math.prod(shape)
        if arr.size != entries and updated == shape:  # one number for every bias
            self.fail("shape", "defect", f"{name} has shape {arr.shape}, expected {shape}: one "
                      f"value for {entries} biases ({name[1:]} - lr * {name} would move them "
                      "all by the same step)", got=list(arr.shape), expected=list(shape),
                      quantity=name)
            return None
        if not (updated == shape or (shape == () and arr.size == 1)):
            became = f"would have shape {updated}" if updated is not None else "fails"
            self.fail("shape", "defect", f"{name} has shape {arr.shape}, expected {shape}: the "
                      f"update {name[1:]} - lr * {name} {became}", got=list(arr.shape),
                      expected=list(shape), quantity=name)
            return None
        self.fail("scalar-shape", "note", f"{name} is returned with shape {arr.shape}, not "
                  f"{shape}; the update {name[1:]} - lr * {name} still gives {name[1:]} the "
                  f"shape {updated}, which the forward pass accepts", got=list(arr.shape),
                  quantity=name)
        return np.broadcast_to(arr, shape) if arr.shape != shape and updated == shape \
            else arr.reshape(shape)

    def values(self, items: list[tuple], hint: str = "") -> None:
        """Compare (name, exact, got, bound[, loose]) under the tolerance; one failure for all
        names beyond `loose` (a defect), one for those beyond `bound` only (an accuracy warning).

        `bound` is the tight bound of the stable formula, `loose` (default: `bound`) that of a
        correct textbook evaluation in float64 (`tolerance`'s `textbook=True`). Where sigmoid
        saturates any mismatch is a warning whose message names the stable form: `hint`, or the
        stable cost / gradient form for the quantities that failed."""
        if items and all(got is None for _, _, got, *_ in items) and self.failures:
            # nothing of it could be compared (None for every quantity: a template's stub):
            # what failed marks the whole result unread, as a result that is not a dict is
            self.failures = [replace(f, unread=True) for f in self.failures]
        mismatches, accuracy = [], []
        for name, exact, got, bound, *loose in items:
            if got is None:
                continue
            found = tolerance.compare(name, exact, got, bound)
            if found is None:
                continue
            wide = tolerance.compare(name, exact, got, loose[0]) if loose else found
            if wide is None and (not self.saturated or np.isfinite(loose[0]).all()):
                accuracy.append((name, exact, got, found))  # as the notes' formulas give
            else:
                mismatches.append((name, exact, got, wide or found))
        if accuracy:
            self._accuracy(accuracy)
        if not mismatches:
            return
        text = "; ".join(str(m) for *_, m in mismatches)
        details = _details(mismatches)
        if self.saturated:
            names = [n for n, *_ in mismatches]
            hints = [hint] if hint and "sigmoid" in self.saturated else []
            hints += [STABLE_TANH] if "tanh" in self.saturated else []
            hints += [STABLE_COST] if "cost" in names and self.z_given else []
            hints += [STABLE_GRAD] if any(n.startswith(("dw", "db", "dW")) for n in names) else []
            advice = "; ".join(hints)
            self.fail("saturation", "warning", f"{_saturated(self.saturated)}: {text}; {advice}",
                      advice=advice, **details)
        else:
            self.fail("value", "defect", f"beyond the float64 error bound: {text}", **details)

    def _accuracy(self, found: list[tuple]) -> None:
        worst = max(found, key=lambda f: _relative(f[3]))
        m = worst[3]
        where = f"[{', '.join(map(str, m.index))}]" if m.index else ""
        sigmoid = ("where a or 1 - a is small, a form such as 0.5*(1 + tanh(z/2)) or 1 - a by "
                   "subtraction loses digits that the stable form keeps")
        # the hidden layer's tanh first where the worst entry is the hidden layer's own
        causes = ([TANH_DIGITS[2:], sigmoid] if self.hidden == "tanh" and m.quantity in
                  ("cache['Z1']", "cache['A1']") else [sigmoid, TANH_DIGITS[2:]]
                  if self.hidden == "tanh" else [sigmoid])
        self.fail("accuracy", "warning", (
            f"less accurate than the stable formula, but within what the notes' own formulas "
            f"give in float64: relative error {_relative(m):.2g} at {m.quantity}{where} "
            f"(expected {float(m.expected)!r}, got {float(m.got)!r}); {'; '.join(causes)}"),
            relative=_relative(m), at=f"{m.quantity}{where}", **_details(found))

    def stable_cost(self, exact: Any, got: np.ndarray | None, bound: float) -> None:
        """Where sigmoid saturates, a cost that is non-finite or beyond the stable form's bound."""
        if got is None or not self.saturated or any(_names(f) & {"cost"} for f in self.failures):
            return
        found = tolerance.compare("cost", exact, got, bound)
        if found is not None:
            message = f"{_saturated(self.saturated)} the cost degrades: {found}; {STABLE_COST}"
            self.fail("saturation", "warning", message, expected={"cost": _f64(exact)},
                      got={"cost": got}, difference={"cost": found.difference},
                      bound={"cost": found.bound})


def _saturated(activations: tuple[str, ...]) -> str:
    return "on an input where " + " and ".join(SATURATES[a] for a in activations)


def _relative(m: tolerance.Mismatch) -> float:
    """|got - expected| / |expected| of a mismatch's worst entry (inf where expected is 0)."""
    return float(m.difference / abs(m.expected)) if m.expected else float("inf")


def worst_relative(details: dict) -> tuple[float, str]:
    """The largest relative error among the quantities of a value failure, and which one."""
    found = []
    for name, e in details["expected"].items():
        e = np.asarray(e, dtype=np.float64).reshape(-1)
        g = np.asarray(details["got"][name], dtype=np.float64).reshape(-1)
        if e.shape != g.shape:
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.nan_to_num(np.where(g == e, 0.0, np.abs(g - e) / np.abs(e)), nan=np.inf)
        if rel.size:
            found.append((float(rel.max()), name))
    return max(found, default=(float("inf"), "?"))


def _details(mismatches: list[tuple]) -> dict:
    return {
        "expected": {n: _f64(e) for n, e, _, _ in mismatches},
        "got": {n: g for n, _, g, _ in mismatches},
        "difference": {n: m.difference for n, _, _, m in mismatches},
        "bound": {n: m.bound for n, _, _, m in mismatches},
    }


def _names(failure: Failure) -> set[str]:
    """The quantities a value failure is about (the keys of its expected values)."""
    expected = failure.details.get("expected")
    return set(expected) if isinstance(expected, dict) else set()


def _f64(values: Any) -> np.ndarray:
    arr = np.asarray(values)
    return oracle.to_float64(arr) if arr.dtype == object else arr.astype(np.float64)


def _sigmoid_saturates(A: Any, A_c: Any, dtype: str) -> tuple[str, ...]:
    return ("sigmoid",) if _saturates(A, A_c, dtype) else ()


def _saturates(A: Any, A_c: Any, dtype: str) -> bool:
    """Some sigmoid output a has a or 1 - a (given exactly, as A_c) within the dtype's machine
    epsilon 2u of 0: 1 - a (or a) then rounds to 1 next to 1, the notes' log(a), log(1 - a) and
    a (1 - a) lose every digit, and |z| >= 36.04 in float64 (16.6 in float32)."""
    eps = 2 * tolerance.unit_roundoff(dtype)
    return bool(np.any(np.minimum(np.asarray(A, float), np.asarray(A_c, float)) <= eps))


def _stable_cost_bound(z_bound: np.ndarray, cost: float, m: int, dtype: str) -> float:
    """Bound of a stable cost computed from z: each loss term l_j = logaddexp-form moves by at
    most |a - y| dz_j <= dz_j for an error dz_j in z, plus ELEM u l_j, and the sum of m terms
    adds gamma_{m+4} sum l_j; sum l_j = m J."""
    u = tolerance.unit_roundoff(dtype)
    return tolerance.SAFETY * (float(np.sum(z_bound)) / m
                               + (tolerance.ELEM * u + tolerance.gamma(m + 4, dtype)) * cost)


def _logits_cost_bound(Z: np.ndarray, dtype: str) -> float:
    """Bound of a cost computed from z in the logits form max(z, 0) - z y + log(1 + e^-|z|)
    (PyTorch's BCE-with-logits, np.logaddexp): its intermediates are at most 1 + |z| in size,
    so each of its ~ELEM + 3 roundings errs by at most u (1 + |z|) in absolute terms, however
    small the loss; mean over the m terms, times SAFETY. The notes' bound can be smaller where
    the loss is tiny (z far on the right side), so a cost is accepted within either bound."""
    u = tolerance.unit_roundoff(dtype)
    return tolerance.SAFETY * (tolerance.ELEM + 3) * u * float(np.mean(1 + np.abs(Z)))


def _cast(value: Any, dtype: str) -> Any:
    if isinstance(value, dict):
        return {k: _cast(v, dtype) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return value.astype(dtype)
    if isinstance(value, float):
        return value if dtype == "float64" else np.float32(value)
    return value


def _round_to(problem: dict, dtype: str) -> dict:
    """The problem with every float rounded to `dtype` (kept as float64: exact either way)."""
    if dtype == "float64":
        return problem
    out = {}
    for k, v in problem.items():
        if isinstance(v, dict):
            out[k] = _round_to(v, dtype)
        elif isinstance(v, np.ndarray):
            out[k] = v.astype(dtype).astype(np.float64)
        elif isinstance(v, float):
            out[k] = float(np.float32(v))
        else:
            out[k] = v
    return out


def _reference(hidden: str):
    return two_layer_sigmoid if hidden == "sigmoid" else two_layer_tanh


# ---- contracts ----------------------------------------------------------------------------------

LOGREG_AXES = {"feature": {"w": 0, "X": 0}, "example": {"X": 1, "Y": 1}}
TWO_LAYER_AXES = {"feature": {"W1": 1, "X": 0}, "hidden": {"W1": 0, "b1": 0, "W2": 1},
                  "example": {"X": 1, "Y": 1}}


@dataclass(frozen=True)
class Edition:
    """One published signature of a contract's function: the argument names, and why it exists."""

    args: tuple[str, ...]
    about: str

    def signature(self, function: str) -> str:
        return f"{function}({', '.join(self.args)})"


class Contract:
    """Base: a problem is a dict of float64 arrays and numbers; see `check` in each subclass.

    `axes` names the problem's sizes (features, hidden units, examples) and, for each, the
    array axis it indexes in each entry: `smaller` drops one index of one size at a time.
    `editions` lists the published signatures of the function, the current one first; the one
    a target is called with is picked from its arity (`edition_for`).
    """

    name = ""
    function = ""
    arg_names: tuple[str, ...] = ()
    axes: ClassVar[dict[str, dict[str, int]]] = {}
    editions: ClassVar[tuple[Edition, ...]] = ()
    z_given = True  # whether the function could compute from z (compute_cost gets a)

    def all_editions(self) -> tuple[Edition, ...]:
        return self.editions or (Edition(self.arg_names, "the notes and the course"),)

    def edition_for(self, accepts: Any) -> Edition:
        """The first edition whose argument count `accepts(n)` allows (the target's arity), else
        the current one (the call then fails and says so)."""
        options = self.all_editions()
        if accepts is None:
            return options[0]
        return next((e for e in options if accepts(len(e.args))), options[0])

    def edition(self, o: Options) -> Edition:
        return next((e for e in self.all_editions() if e.signature(self.function) == o.edition),
                    self.all_editions()[0])

    def infinite(self, p: dict, o: Options) -> str:
        """Why the exact result is not finite on this input, or "": there, raising is as
        right as returning inf (math.log(0) raises where np.log gives -inf)."""
        return ""

    def sizes(self, p: dict) -> dict[str, int]:
        """The problem's size along each axis (feature, hidden, example)."""
        return {name: p[next(iter(e))].shape[e[next(iter(e))]] for name, e in self.axes.items()}

    def smaller(self, p: dict):
        """The problems with one feature, hidden unit or example removed (sizes stay >= 1), and
        then with one index removed from every size tied to another (n_x == m, n_h == n_x ==
        m): a bug that needs the tie keeps it, and shrinks to 2 x 2."""
        sizes = self.sizes(p)
        for entries in self.axes.values():
            first, axis = next(iter(entries.items()))
            for index in range(p[first].shape[axis] if p[first].shape[axis] > 1 else 0):
                yield {**p, **{k: np.delete(p[k], index, axis=a) for k, a in entries.items()}}
        for size in sorted(set(sizes.values())):
            tied = [name for name, n in sizes.items() if n == size]
            if size < 2 or len(tied) < 2:
                continue
            for index in range(size):
                q = dict(p)
                for name in tied:
                    for k, a in self.axes[name].items():
                        q[k] = np.delete(q[k], index, axis=a)
                yield q

    def simpler(self, p: dict, dtype: str):
        """The problems with one number made rounder (nnspec.audit.numbers), number by number,
        its simplest candidates first. Every entry of a problem is an input of the call or of
        the check, so any change of one number is a problem of the contract."""
        for key in sorted(p):
            value = p[key]
            if isinstance(value, float):
                for c in numbers.simpler_numbers(value, dtype):
                    yield {**p, key: c}
            elif isinstance(value, np.ndarray) and value.dtype == np.float64:
                for index in np.ndindex(value.shape):
                    for c in numbers.simpler_numbers(float(value[index]), dtype):
                        changed = value.copy()
                        changed[index] = c
                        yield {**p, key: changed}

    def problems(self, o: Options):
        raise NotImplementedError

    def call_args(self, p: dict, o: Options) -> tuple[tuple, dict]:
        return tuple(_cast(p[n], o.dtype) for n in self.arg_names), {}

    def check(self, p: dict, value: Any, o: Options) -> list[Failure]:
        raise NotImplementedError

    def reference(self, p: dict, o: Options) -> Any:
        """The reference side of `check` that costs (exact values and bounds; None when it is
        cheap), kept per problem: nnspec.audit.prefetch computes it ahead."""
        return None

    def describe(self, p: dict, o: Options) -> dict:
        return {n: p[n] for n in self.arg_names}

    def key(self, p: dict) -> bytes:
        return pickle.dumps(_canonical(p), protocol=4)


TRUTHS_KEPT = 1024  # problems whose reference values a process keeps (an LRU)
_TRUTHS: OrderedDict = OrderedDict()


def _truth(kind: str, p: dict, o: Options, compute: Callable[[], Any]) -> Any:
    """The reference side of a check (exact values, bounds, a reference run), computed once
    per problem in a process: the explore pass draws the same problems for every target of a
    folder and shrinking revisits problems, while the exact values cost more than a call.
    They depend on the problem, the dtype and the hidden activation only, never the target."""
    key = (kind, o.dtype, o.hidden_activation, pickle.dumps(_canonical(p), protocol=4))
    if key in _TRUTHS:
        _TRUTHS.move_to_end(key)
        return _TRUTHS[key]
    value = compute()
    keep_truth(key, value)
    return value


def truths() -> dict:
    """The reference values this process holds (for nnspec.audit.warmstart)."""
    return dict(_TRUTHS)


def keep_truth(key: tuple, value: Any) -> None:
    """Hold a reference value (computed here, or by another process: nnspec.audit.warmstart),
    dropping the least recently used past TRUTHS_KEPT."""
    _TRUTHS[key] = value
    if len(_TRUTHS) > TRUTHS_KEPT:
        _TRUTHS.popitem(last=False)


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple((k, _canonical(value[k])) for k in sorted(value))
    if isinstance(value, np.ndarray):
        return (value.shape, value.tobytes())
    return value


# Besides the public strategies' own scales of max |z| (1, 8, 30, 40, 300), a problem may be
# rescaled to max |z| = 20: sigma is nearly flat there (a within 2e-9 of 0 or 1) but does not
# saturate in float64 (that starts at |z| = 36.04), so a clipped a (np.clip(a, 1e-7, 1 - 1e-7))
# or an early cut-off is a defect the audit must find. Shrinks to "no rescaling".
NEAR_SATURATION = 20.0
# Sizes: the exploration draws small problems (at most SMALL_* features, hidden units and
# examples, square ones included), then the engine's large pass a tenth as many with m up to
# MAX_SIZE, where bugs that need many examples (a batch size, a hard-coded m) show, and as many
# features and hidden units when tied to m (drawing a 64 x 64 array and the exact oracle of a
# 64 x 64 x 64 network cost far more than the small ones).
MAX_SIZE = 64
SMALL_LOGREG, SMALL_TWO_LAYER = 8, 6


def _rescaled(weights: np.ndarray, bias: Any, Z: np.ndarray) -> tuple[np.ndarray, Any]:
    top = float(np.max(np.abs(Z))) if Z.size else 0.0
    if not np.isfinite(top) or top == 0.0:
        return weights, bias
    return weights * (NEAR_SATURATION / top), bias * (NEAR_SATURATION / top)


def _logreg(o: Options, **kwargs: Any):
    from hypothesis import strategies as st

    from nnspec.numerics import strategies

    def finish(p: strategies.LogRegProblem, near: bool) -> dict:
        w, b = p.w, p.b
        if near and kwargs.get("saturation", True):
            with np.errstate(all="ignore"):
                w, b = _rescaled(w, b, w.T @ p.X + b)
        return _round_to({"w": w, "b": float(b), "X": p.X, "Y": p.Y}, o.dtype)

    sizes = {"max_features": MAX_SIZE, "max_examples": MAX_SIZE, "small": SMALL_LOGREG,
             "large": o.large}
    return st.builds(finish, strategies.logreg_problems(**_bounded(o, {**sizes, **kwargs})),
                     st.booleans())


def _bounded(o: Options, sizes: dict) -> dict:
    """The strategy's size arguments, capped by `o.within` when it is set."""
    if not o.within:
        return sizes
    within = dict(o.within)
    caps = {"max_features": within.get("feature", 1), "max_hidden": within.get("hidden", 1),
            "max_examples": within.get("example", 1)}
    out = {k: v for k, v in sizes.items() if k not in ("small", "large")}
    out.update({k: min(out[k], cap) for k, cap in caps.items() if k in out})
    return out


def _two_layer(o: Options, **kwargs: Any):
    from hypothesis import strategies as st

    from nnspec.numerics import strategies

    def finish(p: strategies.TwoLayerProblem, near: bool) -> dict:
        q = dict(p.parameters)
        if near:
            with np.errstate(all="ignore"):
                _, cache = _reference(o.hidden_activation).forward_propagation(p.X, q)
                q["W2"], q["b2"] = _rescaled(q["W2"], q["b2"], cache["Z2"])
        return _round_to({**q, "X": p.X, "Y": p.Y}, o.dtype)

    sizes = {"max_features": MAX_SIZE, "max_hidden": MAX_SIZE, "max_examples": MAX_SIZE,
             "small": SMALL_TWO_LAYER, "large": o.large, "tie_hidden": True}
    return st.builds(finish, strategies.two_layer_problems(hidden=o.hidden_activation,
                                                           **_bounded(o, {**sizes, **kwargs})),
                     st.booleans())


class LogRegPropagate(Contract):
    name, function, arg_names = "logreg.propagate", "propagate", ("w", "b", "X", "Y")
    axes = LOGREG_AXES

    def problems(self, o: Options):
        return _logreg(o)

    def reference(self, p: dict, o: Options) -> tuple[oracle.Exact, dict, dict]:
        return _logreg_truth(p, o)

    def check(self, p: dict, value: Any, o: Options) -> list[Failure]:
        n_x, m = p["X"].shape
        exact, bound, loose = self.reference(p, o)
        c = _Checker(_sigmoid_saturates(exact.float64("A"), exact.float64("one_minus_A"), o.dtype),
                     returns="(grads, cost)")
        grads, cost = c.parts(value, 2, ("dict", "numeric"))
        dw = c.weight_gradient(c.item(grads, "dw", "grads"), "dw", (n_x, 1))
        db = c.bias_gradient(c.item(grads, "db", "grads"), "db", ())
        cost = c.scalar(cost, "cost", m)
        logits = _logits_cost_bound(exact.float64("Z"), o.dtype)
        c.values([("dw", exact["dw"], dw, bound["dw"], loose["dw"]),
                  ("db", exact["db"], db, bound["db"], loose["db"]),
                  ("cost", exact["cost"], cost, np.maximum(bound["cost"], logits),
                   np.maximum(loose["cost"], logits))])
        c.stable_cost(exact["cost"], cost,
                      _stable_cost_bound(bound["Z"], float(exact.float64("cost")), m, o.dtype))
        return c.failures


class LogRegPredict(Contract):
    name, function, arg_names = "logreg.predict", "predict", ("w", "b", "X")
    axes = LOGREG_AXES

    def problems(self, o: Options):
        return _logreg(o)

    def reference(self, p: dict, o: Options) -> tuple[oracle.Exact, dict, dict]:
        return _logreg_truth(p, o)

    def check(self, p: dict, value: Any, o: Options) -> list[Failure]:
        m = p["X"].shape[1]
        exact, bound, _ = self.reference(p, o)
        z_bound = bound["Z"]
        c = _Checker()
        got = c.array(value, "the prediction", (1, m))
        if got is None:
            return c.failures
        if not np.all((got == 0) | (got == 1)):
            c.fail("value", "defect", "the prediction holds values other than 0 and 1",
                   got=got)
            return c.failures
        Z = exact.float64("Z")
        expected = (Z >= 0).astype(np.float64)  # sigma(z) >= 1/2 exactly when z >= 0
        differ = got != expected
        ambiguous = np.abs(Z) <= z_bound  # float64 z may round either side of 0
        if np.any(differ & ~ambiguous):
            j = int(np.argmax(differ & ~ambiguous))
            c.fail("value", "defect", f"predicts {got[0, j]:g} for example {j}, where "
                   f"z = w^T x + b = {float(Z[0, j])!r} (a >= 0.5 means class 1)",
                   expected=expected, got=got, z=Z)
        elif np.any(differ & (Z == 0) & (got == 0)):
            c.fail("threshold", "note", "class 0 where a = 0.5 exactly: the target uses a > 0.5; "
                   "the notes say a >= 0.5 is class 1 (they differ only at a == 0.5)",
                   expected=expected, got=got, z=Z)
        return c.failures


class LogRegOptimize(Contract):
    """Gradient descent against the reference run: every recorded cost and the final w, b.

    Error along the trajectory: one step p' = p - lr grad J(p) adds at most delta_k = lr dgrad_k
    + u (|lr grad_k| + |p'|) (dgrad_k the tolerance bound of the gradient at step k). With
    lr <= 1 / L, L = lambda_max([X; 1][X; 1]^T) / (4 m) the Lipschitz constant of grad J (J is
    convex), a step never enlarges an earlier error, so after k steps both the target and the
    reference lie within E_k = sum_{i<k} ||delta_i||_2 of the exact trajectory: they differ by
    at most 2 E_k. The learning rate is capped at 1 / L for that reason. A cost then differs by
    at most 2 bound_cost + (||grad J|| + L 2 E_k) 2 E_k.
    """

    name, function = "logreg.optimize", "optimize"
    arg_names = ("w", "b", "X", "Y", "num_iterations", "learning_rate")

    def problems(self, o: Options):
        from hypothesis import strategies as st

        def finish(p: dict, iterations: int, rate: float) -> dict:
            X1 = np.vstack([p["X"], np.ones((1, p["X"].shape[1]))])
            lipschitz = float(np.linalg.eigvalsh(X1 @ X1.T)[-1]) / (4 * X1.shape[1])
            cap = 1.0 / lipschitz if lipschitz > 0 else rate
            return {**p, "num_iterations": iterations, "learning_rate": float(min(rate, cap))}

        return st.builds(finish, _logreg(o, saturation=False, max_features=4, max_examples=6),
                         st.sampled_from(OPTIMIZE_ITERATIONS), st.sampled_from(LEARNING_RATES))

    def call_args(self, p: dict, o: Options) -> tuple[tuple, dict]:
        args = [_cast(p[n], o.dtype) for n in self.arg_names[:4]]
        return (*args, p["num_iterations"], p["learning_rate"]), {}

    def reference(self, p: dict, o: Options) -> tuple:
        return _truth("optimize", p, o, lambda: self._run(p, o))

    def check(self, p: dict, value: Any, o: Options) -> list[Failure]:
        n_x = p["X"].shape[0]
        k_max, rate = p["num_iterations"], p["learning_rate"]
        costs, cost_bounds, w, b, error = self.reference(p, o)
        c = _Checker(returns="(params, grads, costs)")
        params, _, got_costs = c.parts(value, 3)
        got_w = c.array(c.item(params, "w", "params"), "w", (n_x, 1))
        got_b = c.scalar(c.item(params, "b", "params"), "b")
        if got_costs is not MISSING:
            self._costs(c, got_costs, costs, cost_bounds, k_max)
        c.values([("w", w, got_w, 2 * error), ("b", np.asarray(b), got_b, 2 * error)], "")
        for f in c.failures:
            if f.check == "value":
                c.failures[c.failures.index(f)] = Failure("trajectory", "defect", (
                    f"after {plural(k_max, 'step')} of learning rate {rate!r} the parameters "
                    f"differ from the reference run: {f.message}"), f.details)
        return c.failures

    def _run(self, p: dict, o: Options) -> tuple[list, list, np.ndarray, float, float]:
        """The reference run: its costs, their bounds, the final w, b and the error bound E_k."""
        X, Y, k_max, rate = p["X"], p["Y"], p["num_iterations"], p["learning_rate"]
        m = X.shape[1]
        u = tolerance.unit_roundoff(o.dtype)
        X1 = np.vstack([X, np.ones((1, m))])
        lipschitz = float(np.linalg.eigvalsh(X1 @ X1.T)[-1]) / (4 * m)
        w, b = p["w"], p["b"]
        costs, cost_bounds, error = [], [], 0.0
        for _ in range(k_max):
            grads, cost = logreg.propagate(w, b, X, Y)
            bound = tolerance.logreg_bounds(w, b, X, Y, dtype=o.dtype)
            gnorm = float(np.hypot(np.linalg.norm(grads["dw"]), grads["db"]))
            costs.append(float(cost))
            cost_bounds.append(2 * bound["cost"] + (gnorm + 2 * lipschitz * error) * 2 * error)
            w_new, b_new = w - rate * grads["dw"], b - rate * grads["db"]
            step = np.concatenate([(rate * bound["dw"] + u * (np.abs(rate * grads["dw"])
                                                                 + np.abs(w_new))).ravel(),
                                   [rate * bound["db"] + u * (abs(rate * grads["db"])
                                                              + abs(b_new))]])
            error += tolerance.SAFETY * float(np.linalg.norm(step))
            w, b = w_new, float(b_new)
        return costs, cost_bounds, w, b, error

    def _costs(self, c: _Checker, got: Any, costs: list, bounds: list, k_max: int) -> None:
        if not isinstance(got, (list, tuple)) and not isinstance(got, np.ndarray):
            c.fail("type", "defect", f"costs should be a list, got {_shape_of(got)}")
            return
        got = list(got) if not isinstance(got, np.ndarray) else list(got.reshape(-1))
        every = list(range(k_max))
        hundred = list(range(0, k_max, 100))
        if len(got) == len(every):
            picked = every
        elif len(got) == len(hundred):
            picked = hundred
        else:
            c.fail("shape", "defect", f"costs has {len(got)} entries after {k_max} iterations; "
                   f"expected {len(every)} (every iteration, the notes) or {len(hundred)} "
                   "(every 100, the course)", got=len(got))
            return
        for j, i in enumerate(picked):
            value = c.scalar(got[j], f"costs[{j}]")
            if value is None:
                return
            found = tolerance.compare(f"costs[{j}]", np.asarray(costs[i]), value, bounds[i])
            if found is not None:
                c.fail("trajectory", "defect", f"the cost recorded at iteration {i} differs "
                       f"from the reference run: {found}", expected=costs[i], got=value,
                       difference=found.difference, bound=found.bound)
                return

    def describe(self, p: dict, o: Options) -> dict:
        return {n: p[n] for n in self.arg_names}


class TwoLayerForward(Contract):
    name, function = "two_layer.forward_propagation", "forward_propagation"
    arg_names = ("X", "parameters")
    axes = TWO_LAYER_AXES

    def problems(self, o: Options):
        return _two_layer(o)

    def call_args(self, p: dict, o: Options) -> tuple[tuple, dict]:
        return (_cast(p["X"], o.dtype), _cast(_params(p), o.dtype)), {}

    def describe(self, p: dict, o: Options) -> dict:
        return {"X": p["X"], "parameters": _params(p)}

    def reference(self, p: dict, o: Options) -> tuple[oracle.Exact, dict, dict]:
        return _two_layer_truth(p, o)

    def check(self, p: dict, value: Any, o: Options) -> list[Failure]:
        m, n_h = p["X"].shape[1], p["W1"].shape[0]
        exact, bound, loose = self.reference(p, o)
        c = _Checker(_two_layer_saturates(exact, o), returns="(A2, cache)",
                     hidden=o.hidden_activation)
        got_A2, cache = c.parts(value, 2, ("numeric", "dict"))
        A2 = c.array(got_A2, "A2", (1, m))
        shapes = {"Z1": (n_h, m), "A1": (n_h, m), "Z2": (1, m), "A2": (1, m)}
        got = {k: c.array(c.item(cache, k, "cache"), f"cache[{k!r}]", s) for k, s in shapes.items()}
        c.values([("A2", exact["A2"], A2, bound["A2"], loose["A2"])]
                 + [(f"cache[{k!r}]", exact[k], got[k], bound[k], loose[k]) for k in shapes],
                 "1 / (1 + exp(-z)) keeps the tiny values of a saturated sigmoid, which forms "
                 "such as 0.5*(1 + tanh(z/2)) or 1 - 1/(1 + exp(z)) round to 0")
        return c.failures


class TwoLayerCost(Contract):
    """compute_cost(A2, Y); an older course edition passes the (unused) parameters as well."""

    name, function, arg_names = "two_layer.compute_cost", "compute_cost", ("A2", "Y")
    z_given = False
    axes: ClassVar = {"example": {"A2": 1, "Y": 1}, "feature": {"W1": 1},
                      "hidden": {"W1": 0, "b1": 0, "W2": 1}}
    editions = (Edition(("A2", "Y"), "the current course edition and the notes"),
                Edition(("A2", "Y", "parameters"), "an older course edition (parameters unused)"))

    def problems(self, o: Options):
        def with_activations(p: dict) -> dict:
            A2, _ = _reference(o.hidden_activation).forward_propagation(p["X"], _params(p))
            return {"A2": _round_to({"A2": A2}, o.dtype)["A2"], "Y": p["Y"], **_params(p)}

        return _two_layer(o).map(with_activations)

    def call_args(self, p: dict, o: Options) -> tuple[tuple, dict]:
        return tuple(_cast(p[n] if n != "parameters" else _params(p), o.dtype)
                     for n in self.edition(o).args), {}

    def describe(self, p: dict, o: Options) -> dict:
        return {n: p[n] if n != "parameters" else _params(p) for n in self.edition(o).args}

    def infinite(self, p: dict, o: Options) -> str:
        if mpmath.isinf(oracle.cost_from_activations(p["A2"], p["Y"])):
            return "a is 0 or 1 where the label is the other class: the exact cost is +inf"
        return ""

    def check(self, p: dict, value: Any, o: Options) -> list[Failure]:
        A2, Y = p["A2"], p["Y"]
        exact = oracle.cost_from_activations(A2, Y)
        bound = tolerance.cost_from_activations_bound(A2, Y, dtype=o.dtype)
        loose = tolerance.cost_from_activations_bound(A2, Y, dtype=o.dtype, textbook=True)
        c = _Checker(_sigmoid_saturates(A2, 1 - A2, o.dtype), z_given=self.z_given)
        cost = c.scalar(value, "cost", Y.shape[1])
        c.values([("cost", np.asarray(exact, dtype=object), cost, bound, loose)],
                 "where a is 0 or 1 the notes' formula gives 0 * log(0) = nan: leave out the "
                 "terms whose coefficient (y or 1 - y) is 0; given a and not z, compute_cost "
                 "can do no better")
        return c.failures


class TwoLayerBackward(Contract):
    name, function = "two_layer.backward_propagation", "backward_propagation"
    arg_names = ("parameters", "cache", "X", "Y")
    axes = TWO_LAYER_AXES

    def problems(self, o: Options):
        return _two_layer(o)

    def _cache(self, p: dict, o: Options) -> dict:
        _, cache = _reference(o.hidden_activation).forward_propagation(p["X"], _params(p))
        return cache

    def call_args(self, p: dict, o: Options) -> tuple[tuple, dict]:
        return (_cast(_params(p), o.dtype), _cast(self._cache(p, o), o.dtype),
                _cast(p["X"], o.dtype), _cast(p["Y"], o.dtype)), {}

    def describe(self, p: dict, o: Options) -> dict:
        return {"parameters": _params(p), "cache": self._cache(p, o), "X": p["X"], "Y": p["Y"]}

    def reference(self, p: dict, o: Options) -> tuple[oracle.Exact, dict, dict]:
        return _two_layer_truth(p, o)

    def check(self, p: dict, value: Any, o: Options) -> list[Failure]:
        exact, bound, loose = self.reference(p, o)
        c = _Checker(_two_layer_saturates(exact, o), hidden=o.hidden_activation)
        got = {}
        for k in ("dW1", "dW2"):
            got[k] = c.weight_gradient(c.item(value, k, "grads"), k, p[k[1:]].shape)
        for k in ("db1", "db2"):
            got[k] = c.bias_gradient(c.item(value, k, "grads"), k, p[k[1:]].shape)
        c.values([(k, exact[k], got[k], bound[k], loose[k]) for k in ("dW1", "db1", "dW2", "db2")])
        return c.failures


class TwoLayerUpdate(Contract):
    """W' = W - lr dW per parameter: fl(W - fl(lr dW)) is within u |lr dW| + u |W'| (SAFETY 2)."""

    name, function = "two_layer.update_parameters", "update_parameters"
    arg_names = ("parameters", "grads", "learning_rate")
    axes: ClassVar = {"feature": {"W1": 1, "dW1": 1},
            "hidden": {"W1": 0, "b1": 0, "W2": 1, "dW1": 0, "db1": 0, "dW2": 1}}

    def problems(self, o: Options):
        from hypothesis import strategies as st

        def with_grads(p: dict, rate: float) -> dict:
            ref = _reference(o.hidden_activation)
            _, cache = ref.forward_propagation(p["X"], _params(p))
            grads = ref.backward_propagation(_params(p), cache, p["X"], p["Y"])
            return {**_params(p), **_round_to(grads, o.dtype), "learning_rate": rate}

        return st.builds(with_grads, _two_layer(o), st.sampled_from(LEARNING_RATES))

    def call_args(self, p: dict, o: Options) -> tuple[tuple, dict]:
        grads = {k: p[k] for k in ("dW1", "db1", "dW2", "db2")}
        return (_cast(_params(p), o.dtype), _cast(grads, o.dtype), p["learning_rate"]), {}

    def describe(self, p: dict, o: Options) -> dict:
        return {"parameters": _params(p), "grads": {k: p[k] for k in ("dW1", "db1", "dW2", "db2")},
                "learning_rate": p["learning_rate"]}

    def check(self, p: dict, value: Any, o: Options) -> list[Failure]:
        c = _Checker()
        items = []
        for k in ("W1", "b1", "W2", "b2"):
            got = c.array(c.part(value, k), k, p[k].shape)
            with mpmath.mp.workdps(oracle.DEFAULT_DPS):
                lr = oracle.to_mp(np.asarray(p["learning_rate"]))[()]
                exact = oracle.to_mp(p[k]) - lr * oracle.to_mp(p["d" + k])
            items.append((k, exact, got, update_bound(p, k, o.dtype)))
        c.values(items, "")
        return c.failures


def update_bound(p: dict, k: str, dtype: str) -> np.ndarray:
    """The error allowed in parameter k after one step of gradient descent, in `dtype`."""
    step = p["learning_rate"] * p["d" + k]
    u = tolerance.unit_roundoff(dtype)
    return (tolerance.SAFETY * u * (np.abs(step) + np.abs(p[k] - step))
            + tolerance.SMALLEST_SUBNORMAL[dtype])


def _params(p: dict) -> dict:
    return {k: p[k] for k in ("W1", "b1", "W2", "b2")}


def _logreg_truth(p: dict, o: Options) -> tuple[oracle.Exact, dict, dict]:
    """The exact values, the tight bounds and the textbook (loose) bounds."""
    def compute() -> tuple[oracle.Exact, dict, dict]:
        args = (p["w"], p["b"], p["X"], p["Y"])
        exact = oracle.logreg_exact(*args)
        bound, loose = (tolerance.logreg_bounds(*args, dtype=o.dtype, exact=exact,
                                                textbook=textbook) for textbook in (False, True))
        return exact, bound, loose

    return _truth("logreg", {k: p[k] for k in ("w", "b", "X", "Y")}, o, compute)


def _two_layer_truth(p: dict, o: Options) -> tuple[oracle.Exact, dict, dict]:
    """The exact values, the tight bounds and the textbook (loose) bounds."""
    return _truth("two-layer", {**_params(p), "X": p["X"], "Y": p["Y"]}, o,
                  lambda: _two_layer_compute(p, o))


def _two_layer_compute(p: dict, o: Options) -> tuple[oracle.Exact, dict, dict]:
    exact = oracle.two_layer_exact(_params(p), p["X"], p["Y"], hidden=o.hidden_activation)
    bound, loose = (tolerance.two_layer_bounds(_params(p), p["X"], p["Y"],
                                               hidden=o.hidden_activation, dtype=o.dtype,
                                               exact=exact, textbook=textbook)
                    for textbook in (False, True))
    return exact, bound, loose


def _two_layer_saturates(exact: oracle.Exact, o: Options) -> tuple[str, ...]:
    """The activations that saturate: the hidden layer's (a tanh output within epsilon of -1
    or 1: 1 - |a| = (1 - a^2) / (1 + |a|), where its exp forms overflow to nan as the sigmoid's
    do) and the output sigmoid's."""
    A1, gprime = exact.float64("A1"), exact.float64("gprime_Z1")
    if o.hidden_activation == "sigmoid":
        hidden = _saturates(A1, gprime / np.where(A1 > 0, A1, 1), o.dtype)
    else:
        away = gprime / (1 + np.abs(A1))  # 1 - |a|, from the exact 1 - a^2
        hidden = _saturates(away, away, o.dtype)
    return (o.hidden_activation,) * hidden + _sigmoid_saturates(
        exact.float64("A2"), exact.float64("one_minus_A2"), o.dtype)


CONTRACTS = {c.name: c for c in (LogRegPropagate(), LogRegOptimize(), LogRegPredict(),
                                 TwoLayerForward(), TwoLayerCost(), TwoLayerBackward(),
                                 TwoLayerUpdate())}


def get(name: str) -> Contract:
    """The contract called `name`; UsageError listing the known ones otherwise."""
    try:
        return CONTRACTS[name]
    except KeyError:
        raise UsageError(f"unknown contract {name!r}; {did_you_mean(name, CONTRACTS)}"
                         f"choose one of {', '.join(CONTRACTS)}") from None
