"""Time the mpmath oracle and measure how many digits its three views share.

    .venv/bin/python bench/oracle_time.py [--out reports/bench-oracle.md] [--quick]

Each configuration runs in its own process: mpmath's pure-Python integers (MPMATH_NOGMPY=1),
gmpy2's (picked at import when installed), and the oracle's arb products (python-flint, when
installed). Timings are wall-clock seconds on this machine and vary from run to run; the digit
counts do not.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

SIZES_TYPICAL = [("logreg", 8, None, 16), ("logreg", 64, None, 32), ("two_layer", 64, 16, 32)]
SIZE_LARGE = ("logreg", 12288, None, 209)


def _problem(kind: str, n_x: int, n_h: int | None, m: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m)) / np.sqrt(n_x)
    Y = (rng.random((1, m)) > 0.5).astype(float)
    if kind == "logreg":
        return (rng.standard_normal((n_x, 1)), float(rng.standard_normal()), X, Y)
    params = {"W1": rng.standard_normal((n_h, n_x)) / np.sqrt(n_x),
              "b1": rng.standard_normal((n_h, 1)), "W2": rng.standard_normal((1, n_h)),
              "b2": rng.standard_normal((1, 1))}
    return (params, X, Y)


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def _check_times(kind, n_x, n_h, m) -> dict:
    """One check = exact values + bounds + one directional derivative per block."""
    from nnspec.numerics import oracle, tolerance
    problem = _problem(kind, n_x, n_h, m)
    if kind == "logreg":
        exact, t_exact = _timed(lambda: oracle.logreg_exact(*problem))
        _, t_bounds = _timed(lambda: tolerance.logreg_bounds(*problem, exact=exact))
        _, t_dir = _timed(lambda: oracle.logreg_directional(*problem, seed=0))
    else:
        exact, t_exact = _timed(lambda: oracle.two_layer_exact(*problem))
        _, t_bounds = _timed(lambda: tolerance.two_layer_bounds(*problem, exact=exact))
        _, t_dir = _timed(lambda: oracle.two_layer_directional(*problem, seed=0))
    return {"exact": t_exact, "bounds": t_bounds, "directional": t_dir,
            "check": t_exact + t_bounds + t_dir}


def _large_times() -> dict:
    """n_x = 12288, m = 209: conversion, one cost, the formulas, one directional derivative."""
    from mpmath import mp

    from nnspec.numerics import oracle
    w, b, X, Y = _problem(*SIZE_LARGE)
    _, t_convert = _timed(lambda: oracle.to_mp(X))
    _, t_cost = _timed(lambda: oracle.logreg_cost(w, b, X, Y))
    _, t_exact = _timed(lambda: oracle.logreg_exact(w, b, X, Y))
    directions, t_dir = _timed(lambda: oracle.logreg_directional(w, b, X, Y, seed=0))
    digits = oracle.agreeing_digits(directions[0].finite_difference, directions[0].formula)
    return {"to_mp(X), the mpmath path's conversion": t_convert, "cost": t_cost,
            "exact (cost and gradient formulas)": t_exact,
            "directional (w and b)": t_dir, "digits fd vs formula (w)": digits,
            "mp.dps after": mp.dps}


def _digits() -> dict:
    """Digits shared, per gradient entry, by formula, finite differences and the reference."""
    from nnspec.numerics import oracle
    from nnspec.reference import logreg, two_layer_sigmoid, two_layer_tanh

    rows = {}

    def record(name, formula, fd, ref):
        pairs = {"formula vs fd": (formula, fd), "formula vs reference": (formula, ref),
                 "fd vs reference": (fd, ref)}
        for label, (a, b) in pairs.items():
            digits = [oracle.agreeing_digits(x, y) for x, y in zip(np.ravel(a), np.ravel(b))]
            rows.setdefault(label, {})[name] = (min(digits), float(np.median(digits)))

    w, b, X, Y = _problem("logreg", 5, None, 7, seed=1)
    exact, fd = oracle.logreg_exact(w, b, X, Y), oracle.logreg_fd_gradient(w, b, X, Y)
    grads, _ = logreg.propagate(w, b, X, Y)
    record("logreg dw", exact["dw"], fd["dw"], grads["dw"])
    for hidden, module in (("sigmoid", two_layer_sigmoid), ("tanh", two_layer_tanh)):
        params, X, Y = _problem("two_layer", 4, 3, 6, seed=2)
        exact = oracle.two_layer_exact(params, X, Y, hidden=hidden)
        fd = oracle.two_layer_fd_gradient(params, X, Y, hidden=hidden)
        _, cache = module.forward_propagation(X, params)
        grads = module.backward_propagation(params, cache, X, Y)
        record(f"{hidden} dW1", exact["dW1"], fd["dW1"], grads["dW1"])
    return rows


def measure(quick: bool, arb: bool) -> dict:
    import mpmath

    from nnspec.numerics import oracle
    if not arb:
        oracle.ACCELERATOR = None
    result = {"backend": f"{mpmath.libmp.BACKEND}, products by "
                         f"{'arb (python-flint)' if oracle.ACCELERATOR else 'mpmath.fdot'}",
              "typical": {f"{k} n_x={n} n_h={h} m={m}": _check_times(k, n, h, m)
                          for k, n, h, m in SIZES_TYPICAL}}
    if not quick:
        result["large"] = _large_times()
        result["digits"] = _digits()
    return result


def _run_backend(no_gmpy: bool, arb: bool, quick: bool) -> dict:
    env = dict(os.environ)
    env.pop("MPMATH_NOGMPY", None)
    if no_gmpy:
        env["MPMATH_NOGMPY"] = "1"
    args = [sys.executable, __file__, "--measure"] + (["--quick"] if quick else [])
    args += [] if arb else ["--no-arb"]
    out = subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def render(runs: list[dict]) -> str:
    lines = ["# Oracle timing and agreement", "",
             "Produced by `.venv/bin/python bench/oracle_time.py`: wall-clock seconds on a 2-core",
             "machine, one process per configuration, precision 60 digits. A check is the exact",
             "values, the tolerance bounds and one central-difference directional derivative per",
             "parameter block.", ""]
    for run in runs:
        lines += [f"## mpmath backend {run['backend']}", "",
                  "| problem | exact | bounds | directional | one check |", "|---|---|---|---|---|"]
        for name, t in run["typical"].items():
            label = name.replace(" n_h=None", "")
            lines.append(f"| {label} | {t['exact']:.3f} | {t['bounds']:.4f} | "
                         f"{t['directional']:.3f} | {t['check']:.3f} |")
        if "large" in run:
            lines += ["", f"n_x = {SIZE_LARGE[1]}, m = {SIZE_LARGE[3]} (logistic regression):", "",
                      "| step | seconds |", "|---|---|"]
            for name, value in run["large"].items():
                if name.startswith(("digits", "mp.")):
                    continue
                lines.append(f"| {name} | {value:.2f} |")
            lines += ["", (f"Directional derivative of w: finite difference and formula share "
                      f"{run['large']['digits fd vs formula (w)']:.1f} digits."), ""]
    digits = next((r["digits"] for r in runs if "digits" in r), None)
    if digits:
        lines += ["## Digits shared (per gradient entry: minimum / median)", "",
                  "| pair | " + " | ".join(next(iter(digits.values()))) + " |",
                  "|---|" + "---|" * len(next(iter(digits.values())))]
        for label, per in digits.items():
            lines.append(f"| {label} | " + " | ".join(f"{lo:.1f} / {med:.1f}"
                                                      for lo, med in per.values()) + " |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="reports/bench-oracle.md", type=Path)
    parser.add_argument("--quick", action="store_true", help="typical sizes only")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-arb", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.quick, not args.no_arb)))
        return 0
    configs = [(True, False)]  # pure-Python integers, mpmath.fdot
    if importlib.util.find_spec("gmpy2"):
        configs.append((False, False))
    if importlib.util.find_spec("flint"):
        configs.append((not importlib.util.find_spec("gmpy2"), True))
    runs = [_run_backend(no_gmpy, arb, args.quick) for no_gmpy, arb in configs]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(render(runs))
    tmp.replace(args.out)
    print(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
