"""The engine: run every claim's check, turn its outcome into a verdict, and the `verify` command.

Verdicts are computed, never typed: a check answers "does the claim hold as written?"
(True / False / None when it cannot be decided), and if not, under which of the conventions the
claim names it does hold (each convention is checked like the claim itself).
    holds                   as written, proven by SymPy and confirmed numerically
    holds-under-convention  fails as written, holds once the named convention is applied
    false                   fails under every reading; evidence and a verified correction
    unchecked               could not be decided; the reason is in the detail
Exit codes of `nnspec verify`: 0 when the harness's own checks pass (errata are findings),
1 when one fails (a self-check, a correction that does not verify, simplify contradicted by
high-precision evaluation), 2 on usage errors.
"""

from __future__ import annotations

import functools
import json
import multiprocessing as mp
import random
import signal
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import mpmath
import sympy as sp

from nnspec.cores import usable_cores
from nnspec.spec import cache, shapes
from nnspec.spec import definitions as defs
from nnspec.spec.claims import Claim, ClaimResult, Outcome

SEED = 20240611
NUMERIC_POINTS = 6
APART = 1e-10  # a relative difference in 50 digits that no rounding of a true identity makes
DIGITS = 50
UNIT_NAMES = {"a", "y", "yhat", "a1", "a2"}  # sampled in (0, 1): probabilities and labels


def sigma_defined(expr: sp.Expr) -> sp.Expr:
    """Replace the opaque sigma by its definition 1 / (1 + e^-z), for proof and evaluation."""
    return expr.replace(defs.sigma, defs.sigma_exp)


def _sample_point(symbols: set[sp.Symbol], rng: random.Random) -> dict[sp.Symbol, sp.Rational]:
    point = {}
    for s in sorted(symbols, key=lambda s: s.name):
        if s.is_integer:
            point[s] = sp.Integer(rng.randint(1, 4))
        elif s.name.split("_")[0] in UNIT_NAMES:
            point[s] = sp.Rational(rng.randint(1, 99), 100)
        else:
            point[s] = sp.Rational(rng.randint(-300, 300), 100)
    return point


def numeric_difference(lhs: sp.Expr, rhs: sp.Expr, seed: int = SEED) -> tuple[float, dict]:
    """Largest |lhs - rhs| / (1 + |rhs|) at seeded random points, evaluated at 50 digits."""
    rng = random.Random(seed)
    lhs, rhs = sigma_defined(sp.sympify(lhs)), sigma_defined(sp.sympify(rhs))
    worst, worst_point = 0.0, {}
    for _ in range(NUMERIC_POINTS):
        point = _sample_point(lhs.free_symbols | rhs.free_symbols, rng)
        left = sp.N(lhs.subs(point), DIGITS)
        right = sp.N(rhs.subs(point), DIGITS)
        err = abs(complex(left - right)) / (1 + abs(complex(right)))
        if err > worst or not worst_point:
            worst, worst_point = err, {"point": point, "lhs": left, "rhs": right}
    return worst, worst_point


def _prove(lhs: sp.Expr, rhs: sp.Expr) -> bool:
    """An expanded numerator first: it proves most identities of the notes at a fraction of
    simplify's cost."""
    diff = sigma_defined(sp.sympify(lhs) - sp.sympify(rhs))
    return (is_zero(diff) or sp.simplify(diff) == 0
            or sp.simplify(sp.cancel(sp.expand(diff))) == 0)


def _show_point(info: dict) -> str:
    point = ", ".join(f"{k} = {v}" for k, v in info["point"].items())
    where = f"at {point}: " if point else ""
    return f"{where}lhs = {sp.N(info['lhs'], 8)}, rhs = {sp.N(info['rhs'], 8)}"


def equality(lhs: sp.Expr, rhs: sp.Expr) -> Outcome:
    """Prove lhs == rhs with SymPy and confirm at random points; report any disagreement.
    Sides that differ by more than APART at a point are not equal, whatever simplify would
    say: a proof is not tried (simplify costs most on an identity that is false)."""
    err, info = numeric_difference(lhs, rhs)
    if err > APART:
        return Outcome(False, "not equal", _show_point(info))
    proved = _prove(lhs, rhs)
    close = err < 1e-40
    if proved and close:
        return Outcome(True, f"SymPy proves it; equal at {NUMERIC_POINTS} random points")
    if proved and not close:
        return Outcome(None, "simplify says equal, evaluation says not", _show_point(info),
                       engine_error=f"simplify proves {lhs} = {rhs}, evaluation refutes it")
    if close:
        return Outcome(None, f"simplify could not prove it; equal to 1e-40 at {NUMERIC_POINTS} "
                       "points, so left unproven")
    return Outcome(False, "not equal", _show_point(info))


@dataclass(frozen=True)
class Equal:
    """Scalar claim lhs = rhs; `conventions` are (name, lhs', rhs') readings tried if it fails."""

    lhs: Any
    rhs: Any
    conventions: tuple = ()

    def describe(self) -> str:
        return f"{sp.sstr(self.lhs)} = {sp.sstr(self.rhs)}"

    def run(self) -> Outcome:
        out = equality(self.lhs, self.rhs)
        if out.ok is not False:
            return out
        for name, lhs, rhs in self.conventions:
            alt = equality(lhs, rhs)
            if alt.ok:
                return Outcome(False, f"fails as written; holds under: {name}", out.evidence,
                               convention=name)
        return out


def is_zero(expr: sp.Expr) -> bool:
    """Exact: expr = n / d identically, so expr is 0 when the expanded numerator n is 0.

    The sigma atoms are generators like any symbol; several times faster than sympy.cancel.
    """
    return sp.expand(sp.sympify(expr).as_numer_denom()[0]) == 0


def _entries_zero(diff: sp.Matrix) -> bool:
    return all(is_zero(e) for e in diff)


class NotRational(Exception):
    """An expression outside what `evaluate_at` evaluates (log, exp, ...)."""


def _standin(t: Fraction) -> Fraction:
    """A rational stand-in for sigma with no symmetry (an even one would equate sigma(-t) and
    sigma(t) and hide a sign error inside sigma)."""
    return (2 * t + 3) / (t * t + 5)


def mp_sigma(t):
    return 1 / (1 + mpmath.exp(-t))


def evaluate_at(expr: sp.Expr, point: dict, sigma_value: Callable = _standin,
                memo: dict | None = None):
    """Value of expr at `point` (Fractions or mpf), with sigma(t) computed by `sigma_value`
(and exp and log, with mpf).

    With Fractions and the default stand-in (2t + 3) / (t^2 + 5) the value is exact. Why a stand-in is
    sound: after differentiation (sigma' = sigma (1 - sigma) applied symbolically) a gradient
    is a rational function of the symbols and of the sigma atoms, and an identity that holds
    for independent atoms holds whatever value they are given; a difference found this way is
    confirmed with the true sigma (mpf, `mp_sigma`) before it is reported.
    """
    memo = {} if memo is None else memo
    if expr in memo:
        return memo[expr]
    if expr.is_Symbol:
        value = point[expr]
    elif expr.is_Rational:
        value = Fraction(int(expr.p), int(expr.q))
        if sigma_value is not _standin:
            value = mpmath.mpf(value.numerator) / value.denominator
    elif expr.is_Add:
        value = sum(evaluate_at(t, point, sigma_value, memo) for t in expr.args)
    elif expr.is_Mul:
        value = 1
        for t in expr.args:
            value = value * evaluate_at(t, point, sigma_value, memo)
    elif expr.is_Pow and expr.exp.is_Integer:
        value = evaluate_at(expr.base, point, sigma_value, memo) ** int(expr.exp)
    elif isinstance(expr, defs.sigma):
        value = sigma_value(evaluate_at(expr.args[0], point, sigma_value, memo))
    elif isinstance(expr, (sp.exp, sp.log)) and sigma_value is not _standin:
        inner = evaluate_at(expr.args[0], point, sigma_value, memo)
        value = mpmath.exp(inner) if isinstance(expr, sp.exp) else mpmath.log(inner)
    else:
        raise NotRational(type(expr).__name__)
    memo[expr] = value
    return value


def _fraction_point(symbols: set[sp.Symbol], rng: random.Random) -> dict:
    return {s: Fraction(rng.randint(-199, 199), rng.randint(100, 199))
            for s in sorted(symbols, key=lambda s: s.name)}


def _entries_equal_at_random_point(got: sp.Matrix, ref: sp.Matrix, rng: random.Random) -> bool:
    """Exact comparison at a random rational point (sigma stand-in), confirmed in 30 digits."""
    fpoint = _fraction_point(got.free_symbols | ref.free_symbols, rng)
    try:
        memo: dict = {}
        if all(evaluate_at(g, fpoint, memo=memo) == evaluate_at(r, fpoint, memo=memo)
               for g, r in zip(got, ref)):
            return True
    except NotRational:
        pass
    return _numeric_matrix_zero(got - ref, rng, fpoint)


def _numeric_matrix_zero(diff: sp.Matrix, rng: random.Random, fpoint: dict | None = None) -> bool:
    """All entries of diff vanish at a random point, with the true sigma in 30 digits."""
    if fpoint is None:
        fpoint = _fraction_point(diff.free_symbols, rng)
    with mpmath.workdps(30):
        point = {s: mpmath.mpf(v.numerator) / v.denominator for s, v in fpoint.items()}
        try:
            memo: dict = {}
            values = [abs(evaluate_at(e, point, mp_sigma, memo)) for e in diff]
        except NotRational:
            exact = {s: sp.Rational(v.numerator, v.denominator) for s, v in fpoint.items()}
            values = [abs(complex(sp.N(sigma_defined(e).xreplace(exact), 30))) for e in diff]
    return max(values, default=0.0) < 1e-25


@dataclass(frozen=True)
class MatrixEqual:
    """A matrix claim checked entry by entry against a reference on concrete shapes.

    `build(shape)` gives the quantities of one problem; `claimed(q)` the notes' expression
    (built with shapes.mm / shapes.ew, so non-conforming products raise); `reference(q)` what
    the axioms give (e.g. definitions.gradient). Exact proof on `proof_shapes`, confirmed at a
    random point in 30 digits; on every other shape of the sweep, an exact check after
    substituting random rationals for every symbol.
    """

    build: Callable[[tuple], Any]
    claimed: Callable[[Any], sp.Matrix]
    reference: Callable[[Any], sp.Matrix]
    sweep: tuple
    proof_shapes: tuple
    text: str
    conventions: tuple = ()
    shape_names: str = "(n_x, n_h, m)"

    def describe(self) -> str:
        return self.text

    def _one_shape(self, claimed_fn, shape, q, ref, rng) -> tuple[str, str]:
        """("" if equal, else why; engine disagreement or "") at one shape."""
        try:
            got = sp.Matrix(claimed_fn(q))
        except shapes.NonConforming as exc:
            return str(exc), ""
        except (ValueError, TypeError) as exc:  # NumPy or SymPy refusing the shapes
            return f"{type(exc).__name__}: {exc}", ""
        if got.shape != ref.shape:
            return f"shape {got.shape}, the gradient is {ref.shape}", ""
        diff = got - ref
        if shape in self.proof_shapes:
            if not _entries_zero(diff):
                if _numeric_matrix_zero(diff, rng):
                    return "", "the exact check says different, evaluation says equal"
                return f"entries differ (exact): {_first_bad(diff)}", ""
            if not _numeric_matrix_zero(diff, rng):
                return "", "the exact check says equal, evaluation refutes it"
        elif not _entries_equal_at_random_point(got, ref, rng):
            return "entries differ at a random rational point", ""
        return "", ""

    def _compare(self, claimed_fn, cases, rng) -> tuple[bool, str, str]:
        """(all equal, evidence: the first failure and the shapes that pass, engine error)."""
        failures, passing = [], []
        for shape, q, ref in cases:
            why, err = self._one_shape(claimed_fn, shape, q, ref, rng)
            if err:
                return True, "", f"at {self.shape_names} = {shape}: {err}"
            if why:
                failures.append(f"at {self.shape_names} = {shape}: {why}")
            else:
                passing.append(shape)
        if not failures:
            return True, "", ""
        holds_at = f"; holds only at {passing}" if passing and len(passing) <= 4 else (
            f"; holds at {len(passing)} shapes" if passing else "")
        return False, (f"{failures[0]} (fails on {len(failures)} of {len(cases)} "
                       f"shapes{holds_at})"), ""

    def run(self) -> Outcome:
        rng = random.Random(SEED)
        cases = []
        for shape in self.sweep:
            q = self.build(shape)
            cases.append((shape, q, sp.Matrix(self.reference(q))))
        ok, evidence, err = self._compare(self.claimed, cases, rng)
        n = len(self.sweep)
        sizes = f"{n} shapes (exact proof on {len(self.proof_shapes)})"
        if err:
            return Outcome(None, "engine disagreement", err, engine_error=err)
        if ok:
            return Outcome(True, f"equal entry by entry on {sizes}")
        for name, fn in self.conventions:
            alt_ok, _alt_evidence, alt_err = self._compare(fn, cases, rng)
            if alt_err:
                return Outcome(None, "engine disagreement", alt_err, engine_error=alt_err)
            if alt_ok:
                return Outcome(False, f"fails as written; holds under: {name} on {sizes}",
                               evidence, convention=name)
        return Outcome(False, f"fails on the sweep of {sizes}", evidence)


def _first_bad(diff: sp.Matrix) -> str:
    for idx, e in enumerate(diff):
        if sp.cancel(e) != 0:
            return f"entry {idx} of the difference: {sp.sstr(sp.cancel(e))[:160]}"
    return ""


@dataclass(frozen=True)
class Computed:
    """A property computed from the axioms (prose, code): `test()` returns an Outcome.

    `conventions` are (name, test') pairs tried when the claim fails as written.
    """

    test: Callable[[], Outcome]
    text: str
    conventions: tuple = ()

    def describe(self) -> str:
        return self.text

    def run(self) -> Outcome:
        out = self.test()
        if out.ok is not False:
            return out
        for name, test in self.conventions:
            alt = test()
            if alt.engine_error:
                return alt
            if alt.ok:
                return Outcome(False, f"{out.detail}; holds under: {name} ({alt.detail})",
                               out.evidence, convention=name)
        return out


@dataclass(frozen=True)
class Unchecked:
    """A claim with no mathematical content to compute; the reason is reported."""

    reason: str
    text: str = ""

    def describe(self) -> str:
        return self.text

    def run(self) -> Outcome:
        return Outcome(None, self.reason)


def _verdict(out: Outcome) -> str:
    if out.ok is True:
        return "holds"
    if out.ok is None:
        return "unchecked"
    return "holds-under-convention" if out.convention else "false"


def verify_claim(claim: Claim) -> ClaimResult:
    """Run one claim's check and its correction's check.

    An exception inside a check is a defect of the harness, not a verdict: the claim is
    reported unchecked with the exception, and `nnspec verify` exits 1.
    """
    try:
        return _verify_claim(claim)
    except Exception as exc:  # noqa: BLE001 - reported as an engine error, never as a verdict
        message = f"{claim.id}: the check raised {type(exc).__name__}: {exc}"
        return ClaimResult(id=claim.id, section=claim.section, notes=claim.notes, kind=claim.kind,
                           verdict="unchecked", detail=f"engine error: {message}",
                           engine_errors=[message], line=claim.line)


def _verify_claim(claim: Claim) -> ClaimResult:
    errors: list[str] = []
    out = claim.check.run()
    if out.engine_error:
        errors.append(out.engine_error)
    verdict = _verdict(out)
    detail = out.detail
    if claim.corrected is not None and verdict != "holds":
        fixed = claim.corrected.run()
        if fixed.ok is True:
            detail += "; the correction verifies"
        else:
            errors.append(f"{claim.id}: the correction does not verify ({fixed.detail} "
                          f"{fixed.evidence})")
    for label, check in claim.extensions:
        ext = check.run()
        if ext.ok is True:
            detail += f"; {label}: {ext.detail}"
        else:
            errors.append(f"{claim.id}: {label} does not hold ({ext.detail} {ext.evidence})")
    return ClaimResult(
        id=claim.id, section=claim.section, notes=claim.notes, kind=claim.kind,
        verdict=verdict, detail=detail,
        transcription=claim.transcription or claim.check.describe(),
        evidence=out.evidence, correction=claim.correction, convention=out.convention,
        engine_errors=errors, line=claim.line,
    )


_TASKS: list[Callable[[], Any]] = []


def _run_task(index: int) -> Any:
    return _TASKS[index]()


_STOPS = {signal.SIGINT, signal.SIGTERM}


def _worker_start() -> None:
    """Ctrl-C reaches the whole process group: the parent stops the pool, and a worker that
    took it too printed its own traceback. The pool stops a worker with SIGTERM: a handler
    in Python (the CLI's, inherited) ran only between bytecodes, so one that came just before
    the worker waited for a task left it waiting for ever, and the parent too. The worker was
    forked with both signals blocked."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPS)


def _run_all(tasks: list[Callable[[], Any]], workers: int | None) -> list:
    """The results of the zero-argument `tasks`, in order. They are independent and each check
    seeds its own generator, so they run in a pool of forked processes (one per core, at most
    4) with the same results as one by one; list the long ones first."""
    global _TASKS
    workers = workers if workers is not None else min(usable_cores(), 4)
    if workers > 1 and len(tasks) > 1 and "fork" in mp.get_all_start_methods():
        _TASKS = list(tasks)
        # Ctrl-C or SIGTERM while the pool forked its workers raised in its constructor, and
        # nothing stopped the workers forked by then: they outlived the command and kept its
        # output open. Both wait until the pool is one that `with` stops.
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS)
        try:
            with mp.get_context("fork").Pool(workers, _worker_start) as pool:
                signal.pthread_sigmask(signal.SIG_SETMASK, previous)
                return pool.map(_run_task, range(len(tasks)), chunksize=1)
        except OSError:  # no semaphores or /dev/shm: the same results, one by one
            pass
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
            _TASKS = []
    return [task() for task in tasks]


def verify_notes(claims: list[Claim] | None = None, workers: int | None = None,
                 notes=None) -> list[ClaimResult]:
    """Verdicts for every claim of the notes (default: the shipped notes), in the notes' order."""
    return _verify(claims, workers, with_self_checks=False, notes=notes)[0]


def notes_claims(notes=None) -> tuple[list[Claim], list[Claim]]:
    """(claims extracted from NOTES and bound to it, hand-bound claims NOTES does not contain)."""
    from nnspec.spec import extract
    from nnspec.spec import notes as notes_mod

    if notes is None or isinstance(notes, (str, Path)):
        notes = notes_mod.load(notes)
    return extract.claims(notes)


def _verify(claims, workers, with_self_checks: bool, notes=None, steps=()):
    """(results, self-check results or None, {parameter: proof of its unstated step}): the
    claims, the harness's own checks and the proofs of `steps` in one pool."""
    from nnspec.spec.steps import proof

    if claims is None:
        claims = notes_claims(notes)[0]
    checks = list(SELF_CHECKS) if with_self_checks else []
    proofs = [functools.partial(proof, parameter) for parameter in steps]
    out = _run_all([*checks, *proofs, *(functools.partial(verify_claim, c) for c in claims)],
                   workers)
    found = [c for group in out[:len(checks)] for c in group] if with_self_checks else None
    return (out[len(checks) + len(proofs):], found,
            dict(zip(steps, out[len(checks):len(checks) + len(proofs)])))


# --- the harness's own checks -------------------------------------------------------------

@dataclass(frozen=True)
class SelfCheck:
    name: str
    ok: bool
    detail: str


def _finite_difference_cross_check() -> SelfCheck:
    """dJ/dW1 from definitions.gradient against an mpmath central difference (40 digits); both
    evaluated through lambdify (SymPy's own subs + N of the gradient takes a second)."""
    p = defs.TwoLayer(n_x=2, n_h=3, m=2)
    J = p.J()
    grad = defs.gradient(J, p.W1)
    rng = random.Random(SEED)
    point = shapes.rational_point(J.free_symbols, rng)
    names = sorted(point, key=lambda s: s.name)
    f = sp.lambdify(names, sigma_defined(J), "mpmath")
    exact = sp.lambdify(names, [sigma_defined(grad[k]) for k in range(len(p.W1))], "mpmath")
    worst = mpmath.mpf(0)
    with mpmath.workdps(40):
        h = mpmath.mpf(10) ** -12
        args = [mpmath.mpf(point[s].p) / point[s].q for s in names]
        gradient = exact(*args)
        for k, sym in enumerate(p.W1):
            i = names.index(sym)
            up, down = list(args), list(args)
            up[i] += h
            down[i] -= h
            fd = (f(*up) - f(*down)) / (2 * h)
            worst = max(worst, abs(fd - gradient[k]))
    return SelfCheck("gradient vs finite differences (2-layer dW1, 40 digits)", worst < 1e-15,
                     f"max difference {mpmath.nstr(worst, 3)}")


def _float_point(symbols, rng: random.Random) -> dict:
    return {s: rng.uniform(-2.0, 2.0) for s in sorted(symbols, key=lambda s: s.name)}


def _relative_error(got, exact_entries, point) -> float:
    """max |got - exact| / (1 + |exact|), exact evaluated in 40 digits at the float point."""
    import numpy as np

    got = np.asarray(got, dtype=float).reshape(-1)
    worst = 0.0
    with mpmath.workdps(40):
        mp_point = {s: mpmath.mpf(v) for s, v in point.items()}
        memo: dict = {}
        for g, e in zip(got, exact_entries):
            exact = evaluate_at(e, mp_point, mp_sigma, memo)
            worst = max(worst, float(abs(g - exact) / (1 + abs(exact))))
    return worst


def _reference_cross_check() -> SelfCheck:
    """The emitted reference (nnspec.reference) against the derivations at random float inputs.

    Gradients of the logistic regression (n_x, m) = (3, 4) from definitions.gradient, and of
    the 2-layer network with sigmoid hidden units (n_x, n_h, m) = (3, 2, 4) as the mean of the
    per-example gradients (definitions.gradient at m = 1, the shortcut the linearity check
    holds to J's own gradient; a third of the time), evaluated in 40 digits, vs the
    reference's float64 values; 1e-9 is far above float64 rounding for these sizes and far
    below any formula error.
    """
    import numpy as np

    from nnspec.derivations import two_layer

    name = "reference gradients vs the derivations (logreg, 2-layer sigmoid)"
    try:
        from nnspec.reference import logreg, two_layer_sigmoid
    except ImportError as exc:
        return SelfCheck(name, False, f"reference not importable: {exc}")
    rng = random.Random(SEED)
    p = defs.LogReg(3, 4)
    J = p.J()
    pt = _float_point(J.free_symbols, rng)
    for y in p.Y:
        pt[y] = float(rng.randint(0, 1))

    def arr(matrix):
        return np.array([[pt[s] for s in row] for row in matrix.tolist()], dtype=float)

    grads, _ = logreg.propagate(arr(p.w), pt[p.b], arr(p.X), arr(p.Y))
    errors = [_relative_error(grads["dw"], list(defs.gradient(J, p.w)), pt),
              _relative_error(grads["db"], [sp.diff(J, p.b)], pt)]
    q = two_layer.Example(3, 2, 4)
    J2 = q.L
    pt = _float_point(J2.free_symbols, rng)
    for y in q.Y:
        pt[y] = float(rng.randint(0, 1))
    params = {"W1": arr(q.W1), "b1": arr(q.b1), "W2": arr(q.W2), "b2": arr(q.b2)}
    _, cache = two_layer_sigmoid.forward_propagation(arr(q.X), params)
    got = two_layer_sigmoid.backward_propagation(params, cache, arr(q.X), arr(q.Y))
    for key in ("W1", "b1", "W2", "b2"):
        if np.shape(got["d" + key]) != getattr(q, key).shape:
            return SelfCheck(name, False, f"d{key} has shape {np.shape(got['d' + key])}")
        errors.append(_relative_error(got["d" + key], list(q.gradient_by_examples(key)), pt))
    worst = max(errors)
    return SelfCheck(name, worst < 1e-9, f"max relative error {worst:.1e}")


def _linearity_check() -> SelfCheck:
    """The 2-layer sweep's dJ/dtheta = (1/m) sum_i dL_i/dtheta against J's own gradient."""
    from nnspec.derivations import two_layer

    ok = two_layer.linearity_check()
    return SelfCheck("2-layer sweep: (1/m) sum of per-example gradients = gradient of J "
                     "at (n_x, n_h, m) = (2, 3, 3)", ok, "exact" if ok else "differs")


def _sigma_checks() -> list[SelfCheck]:
    z = sp.Symbol("z", real=True)
    lemma = defs.sigma_prime_lemma()
    s = defs.sigma_exp(z)
    right = Equal(sp.diff(s, z), s * (1 - s)).run()
    wrong = Equal(sp.diff(s, z), s * (1 + s)).run()
    return [
        SelfCheck("sigma' lemma: d/dz 1/(1+e^-z) = sigma (1 - sigma)", lemma == 0, f"{lemma}"),
        SelfCheck("canary: the engine proves sigma' = sigma(1 - sigma)", right.ok is True,
                  right.detail),
        SelfCheck("canary: the engine refutes sigma' = sigma(1 + sigma)", wrong.ok is False,
                  wrong.detail),
    ]


# each returns a list of SelfCheck; the slowest first, since they start a pool's queue
SELF_CHECKS = (lambda: [_reference_cross_check()], lambda: [_finite_difference_cross_check()],
               _sigma_checks, lambda: [_linearity_check()])


def self_checks() -> list[SelfCheck]:
    """The sigma' lemma, canaries the engine must judge right, a finite-difference check of
    the gradients, and the emitted reference against the derivations."""
    return [c for group in _run_all(list(SELF_CHECKS), 1) for c in group]


# --- output --------------------------------------------------------------------------------

def to_json(results: list[ClaimResult], checks: list[SelfCheck], missing=()) -> str:
    doc = {
        "claims": [r.to_dict() for r in results],
        "harness_checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in checks],
        "not_found": [{"id": c.id, "quote": c.notes} for c in missing],
    }
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def summary(results: list[ClaimResult]) -> dict[str, int]:
    from nnspec.spec.claims import VERDICTS

    return {v: sum(r.verdict == v for r in results) for v in VERDICTS}


def claim_key(claim: Claim, text: str) -> str:
    """The cache key of a claim: what it quotes, where, and what its check reads (a formula or a
    listing by its text; a prose check may read anything of the notes, so the whole text)."""
    from nnspec.spec.code import CodeLine
    from nnspec.spec.formulas import Link, Unread

    own = isinstance(claim.check, (Link, Unread, CodeLine))
    reads = repr(claim.check) if own else text
    # a prose check may say where in the notes; a formula's or a listing line's is keyed without
    # its line: a paragraph inserted above recomputed every claim below it
    where = () if own else (str(claim.line),)
    return cache.key("claim", claim.id, *where, claim.kind, claim.notes, claim.correction,
                     repr(claim.corrected), reads)


def verify_document(text: str, path: str | None = None, use_cache: bool = False) -> dict:
    """The whole run on the notes `text` as the JSON document of `--json`: claims, harness
    checks, hand-bound claims not found. With `use_cache`, claims and checks already proven by
    this version of nnspec are taken from the cache and only the others are computed."""
    from nnspec.spec import notes as notes_mod

    claims, missing = notes_claims(notes_mod.parse(text, path or "<shipped notes>"))
    keys = [claim_key(c, text) for c in claims] if use_cache else []
    known = {i: cache.load("claims", k) for i, k in enumerate(keys)}
    # the key holds the claim's id and text, not its section's title nor (but for prose) its
    # line: a renamed heading (or another file whose heading starts alike) kept the old title
    # in --json
    known = {i: replace(ClaimResult(**v), section=claims[i].section, line=claims[i].line)
             for i, v in known.items() if v is not None}
    stored = cache.load("claims", cache.key("self-checks")) if use_cache else None
    todo = [c for i, c in enumerate(claims) if i not in known]
    from nnspec.spec import steps

    named = steps.named([{"kind": c.kind, "notes": c.notes} for c in claims])
    fresh, checks, proofs = _verify(todo, None, with_self_checks=stored is None, steps=named)
    if stored is not None:
        checks = [SelfCheck(**c) for c in stored]
    elif use_cache and checks and all(c.ok for c in checks):
        cache.store("claims", cache.key("self-checks"), [asdict(c) for c in checks])
    computed = iter(fresh)
    results = [known[i] if i in known else next(computed) for i in range(len(claims))]
    for i, r in enumerate(results):
        if use_cache and i not in known and not r.engine_errors:
            cache.store("claims", keys[i], r.to_dict())
    doc = json.loads(to_json(results, checks, missing))
    doc["hand_bound_found"] = sum(not c.extracted for c in claims)
    if doc["hand_bound_found"]:  # notes that quote some: an edit, where a line is like it
        from nnspec.spec.extract import near_line

        for entry in doc["not_found"]:
            entry["near_line"] = near_line(text, entry["quote"])
    doc["findings"] = steps.unstated(doc["claims"], proofs)
    return doc


def run(args: Any) -> int:
    """`nnspec verify`: see nnspec.spec.command (kept free of SymPy for cached runs)."""
    from nnspec.spec import command

    return command.run(args)
