"""Worst cost error in ulp against mpmath: the reference beside the notes' own formula.

    python bench/cost_accuracy.py [--points 20001] [--out reports/bench-cost-accuracy.md]

For every z of a dense grid over [-1000, 1000] plus the points where float64 sigmoid saturates
(|z| = 36, 37, 40, 709, 710, 745, 746, 800, 1000) and y in {0, 1}, the one-example cost is
computed by the reference (logreg.propagate, from z through logaddexp) and by the notes'
formula -(y log a + (1 - y) log(1 - a)) with a = 1/(1 + e^-z), and compared with mpmath at
50 digits. The error is |computed - exact| in units of the last place of the float64 nearest
to the exact value; a non-finite result is counted apart.
"""

from __future__ import annotations

import argparse
import importlib.resources
import sys
from pathlib import Path

import mpmath
import numpy as np

from nnspec.files import write_atomic
from nnspec.reference import logreg, two_layer_sigmoid

SATURATION = (36.0, 37.0, 40.0, 709.0, 710.0, 745.0, 746.0, 800.0, 1000.0)


# ------------------------------------------------------------------ the notes' own code


def notes_sigmoid(z):
    """The course's sigmoid, 1/(1 + e^-z): the notes' code calls it without defining it."""
    return 1 / (1 + np.exp(-z))


def notes_propagate_source() -> str:
    """The notes' propagate listing with its two defects fixed: the cost line's missing
    closing parenthesis, and the missing `return grads, cost`. Formulas untouched."""
    notes = importlib.resources.files("nnspec.derivations") / "neural-network-notes.txt"
    text = notes.read_text(encoding="utf-8")
    start = text.index("def propagate(w, b, X, Y):")
    last = "db = (1/m)*np.sum(A-Y)"
    end = text.index(last, start) + len(last)
    lines = []
    for line in text[start:end].splitlines():
        missing = line.count("(") - line.count(")")
        lines.append(line.rstrip() + ")" * missing if line.strip().startswith("cost") else line)
    lines.append('    return {"dw": dw, "db": db}, cost')
    return "\n".join(lines) + "\n"


def notes_propagate():
    namespace = {"np": np, "sigmoid": notes_sigmoid}
    exec(compile(notes_propagate_source(), "<notes: propagate>", "exec"), namespace)  # noqa: S102
    return namespace["propagate"]


# ----------------------------------------------------------------------- measurement


def exact_loss(z: float, y: float) -> mpmath.mpf:
    with mpmath.workdps(50):
        z = mpmath.mpf(z)
        return mpmath.log1p(mpmath.exp(-z)) if y == 1 else mpmath.log1p(mpmath.exp(z))


def ulps(computed: float, exact: mpmath.mpf) -> float:
    if not np.isfinite(computed):
        return np.inf
    nearest = float(exact)
    spacing = np.spacing(abs(nearest)) if nearest != 0 else np.spacing(0.0)
    with mpmath.workdps(50):
        return float(abs(mpmath.mpf(float(computed)) - exact) / mpmath.mpf(spacing))


def grid(points: int) -> np.ndarray:
    z = np.concatenate([np.linspace(-1000.0, 1000.0, points), SATURATION, np.negative(SATURATION)])
    return np.unique(z)


def measure(points: int) -> dict[str, dict]:
    z = grid(points)
    propagate_notes = notes_propagate()
    implementations = {
        "reference logreg.propagate (from z, logaddexp)":
            lambda zi, y: logreg.propagate(np.array([[1.0]]), 0.0, np.array([[zi]]), y)[1],
        "reference two_layer_sigmoid.compute_cost(sigmoid(z), y) (from A2)":
            lambda zi, y: two_layer_sigmoid.compute_cost(
                two_layer_sigmoid.sigmoid(np.array([[zi]])), y),
        "notes' propagate (a = sigmoid(z), then logs)":
            lambda zi, y: propagate_notes(np.array([[1.0]]), 0.0, np.array([[zi]]), y)[1],
    }
    results = {}
    exact = {(zi, y): exact_loss(zi, y) for zi in z for y in (0.0, 1.0)}
    for name, f in implementations.items():
        worst, at, non_finite, over4, inner = 0.0, None, 0, 0, 0.0
        with np.errstate(all="ignore"):
            for (zi, y), ex in exact.items():
                err = ulps(float(f(zi, np.array([[y]]))), ex)
                if not np.isfinite(err):
                    non_finite += 1
                    continue
                over4 += err > 4
                if abs(zi) < 37:
                    inner = max(inner, err)
                if err > worst:
                    worst, at = err, (zi, y)
        results[name] = {"worst": worst, "at": at, "non_finite": non_finite, "over4": over4,
                         "inner": inner, "total": len(exact)}
    return results


def sigmoid_accuracy(points: int) -> dict[str, tuple[float, int]]:
    """Worst ulp error of sigmoid over [-745, 745] (e^-z representable) and non-finite count."""
    z = np.unique(np.concatenate([np.linspace(-745.0, 745.0, points), SATURATION[:-2],
                                  np.negative(SATURATION[:-2])]))
    with mpmath.workdps(50):
        exact = [1 / (1 + mpmath.exp(-mpmath.mpf(float(zi)))) for zi in z]
    out = {}
    for name, f in (("reference sigmoid", logreg.sigmoid), ("notes' 1/(1 + np.exp(-z))",
                                                            notes_sigmoid)):
        with np.errstate(all="ignore"):
            values = f(z)
        errors = [ulps(v, e) for v, e in zip(values, exact)]
        finite = [e for e in errors if np.isfinite(e)]
        out[name] = (max(finite), len(errors) - len(finite))
    return out


def to_markdown(results: dict[str, dict], points: int,
                sigmoid: dict[str, tuple[float, int]]) -> str:
    lines = ["# Cost accuracy: worst error in ulp against mpmath (50 digits)", "",
             f"One example, y in {{0, 1}}, z on {points} evenly spaced points of [-1000, 1000] "
             "plus +-" + ", ".join(f"{s:g}" for s in SATURATION) + " (where sigmoid saturates); "
             f"{next(iter(results.values()))['total']} (z, y) cases per row.", "",
             ("| implementation | worst error (ulp, finite results) | at (z, y) "
              "| worst for abs(z) < 37 (ulp) | results > 4 ulp | non-finite results |"),
             "|---|---:|---|---:|---:|---:|"]
    for name, r in results.items():
        at = f"({r['at'][0]:g}, {r['at'][1]:g})" if r["at"] else "-"
        lines.append(f"| {name} | {r['worst']:.3g} | {at} | {r['inner']:.3g} | {r['over4']} "
                     f"| {r['non_finite']} |")
    lines += ["", ("The notes' formula loses everything once a = sigmoid(z) rounds to 0 or 1 "
                   "(|z| >= 37): log(0) is -inf, or the cost is 0 where it is e^-z; before that, "
                   "log(1 - a) cancels. The reference computes the cost from z as "
                   "y logaddexp(0, -z) + (1 - y) logaddexp(0, z). From A2 (compute_cost's "
                   "contract) the rounding of a = sigmoid(z) itself is amplified by log(a) "
                   "near a = 1: that is why the reference also takes Z2."), "",
              "## sigmoid, worst error in ulp over [-745, 745]", "",
              "| implementation | worst error (ulp) | non-finite results |", "|---|---:|---:|"]
    lines += [f"| {name} | {worst:.3g} | {bad} |" for name, (worst, bad) in sigmoid.items()]
    lines += [""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=20001)
    parser.add_argument("--out", default="reports/bench-cost-accuracy.md")
    args = parser.parse_args(argv)
    if args.points < 2:
        parser.error("--points must be at least 2")
    text = to_markdown(measure(args.points), args.points, sigmoid_accuracy(args.points))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
