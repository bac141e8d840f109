"""Time `nnspec audit`: per audit at typical sizes, one check at n_x = 12288, m = 209, and the
batch throughput of a folder on all cores. Writes reports/bench-audit.md.

Run: .venv/bin/python bench/audit_time.py [--examples N] [--out reports/bench-audit.md]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from nnspec.audit.engine import audit, check_example
from nnspec.cores import usable_cores
from nnspec.files import write_atomic

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
TYPICAL = [
    ("logreg_propagate/correct_vectorised.py", "logreg.propagate", {}),
    ("logreg_propagate/bug_missing_one_over_m.py", "logreg.propagate", {}),
    ("logreg_other/optimize_course.py", "logreg.optimize", {}),
    ("logreg_other/predict_gt.py", "logreg.predict", {}),
    ("two_layer/forward_tanh.py", "two_layer.forward_propagation", {"hidden_activation": "tanh"}),
    ("two_layer/cost_course.py", "two_layer.compute_cost", {}),
    ("two_layer/backward_sigmoid.py", "two_layer.backward_propagation", {}),
    ("two_layer/backward_missing_keepdims.py", "two_layer.backward_propagation", {}),
    ("two_layer/update_in_place.py", "two_layer.update_parameters", {}),
]


def typical(examples: int) -> list[str]:
    rows = ["| target | contract | verdict | findings | seconds |", "|---|---|---|---|---|"]
    for name, contract, options in TYPICAL:
        start = time.perf_counter()
        result = audit(str(CORPUS / name), contract, examples=examples, **options)
        seconds = time.perf_counter() - start
        rows.append(f"| `{name}` | `{contract}` | {result.verdict} | {len(result.findings)} | "
                    f"{seconds:.2f} |")
    return rows


def per_call(calls: int = 2000) -> list[str]:
    """Round trip of one sandbox call (pickle, pipe, call, plain data back) on small arrays."""
    from nnspec.audit.sandbox import Sandbox
    from nnspec.audit.targets import parse_target

    target = parse_target("nnspec.reference.logreg:propagate", "propagate")
    w, X, Y = np.zeros((4, 1)), np.ones((4, 5)), np.ones((1, 5))
    with Sandbox(target) as box:
        box.call((w, 0.0, X, Y))
        start = time.perf_counter()
        for _ in range(calls):
            box.call((w, 0.0, X, Y), names=("w", "b", "X", "Y"))
        seconds = (time.perf_counter() - start) / calls
    line = (f"One call of the reference `propagate` (n_x = 4, m = 5) through the sandbox, "
            f"mean of {calls}: **{seconds * 1e3:.2f} ms** (the worker process is reused).")
    return [line]


def large(n_x: int = 12288, m: int = 209) -> list[str]:
    """One check (two calls of the target, the mpmath oracle, the bounds) at the size of the
    course's cat images: X in [0, 1], w small and random, b = 0, Y of 0/1."""
    rng = np.random.default_rng(0)
    problem = {"w": rng.normal(0, 0.01, (n_x, 1)), "b": 0.0, "X": rng.random((n_x, m)),
               "Y": rng.integers(0, 2, (1, m)).astype(float)}
    rows = ["| target | findings | seconds |", "|---|---|---|"]
    for name in ("correct_vectorised.py", "bug_missing_one_over_m.py"):
        start = time.perf_counter()
        findings = check_example(str(CORPUS / "logreg_propagate" / name), "logreg.propagate",
                                 problem)
        seconds = time.perf_counter() - start
        names = ", ".join(f"{f.severity} [{f.check}]" for f in findings) or "none"
        rows.append(f"| `{name}` | {names} | {seconds:.2f} |")
    return rows


def batch(examples: int) -> tuple[list[str], float]:
    folder = Path(tempfile.mkdtemp(prefix="nnspec-batch-"))
    try:
        files = sorted((CORPUS / "logreg_propagate").glob("*.py"))
        for f in files:
            shutil.copy(f, folder / f.name)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "nnspec", "audit", str(folder), "--contract",
                        "logreg.propagate", "--examples", str(examples), "--timeout", "5"],
                       check=False, capture_output=True)
        seconds = time.perf_counter() - start
    finally:
        shutil.rmtree(folder)
    per_minute = len(files) * 60 / seconds
    line = (f"{len(files)} targets of `tests/corpus/logreg_propagate/` (--examples {examples}, "
            f"--timeout 5; one of them hangs) on {usable_cores()} cores: {seconds:.1f} s, "
            f"**{per_minute:.0f} audits per minute**.")
    return [line], per_minute


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=100)
    parser.add_argument("--out", default=str(ROOT / "reports" / "bench-audit.md"))
    args = parser.parse_args()
    load = os.getloadavg()[0]
    intro = (f"`.venv/bin/python bench/audit_time.py --examples {args.examples}`; wall-clock "
             f"seconds on this machine ({usable_cores()} cores, load average {load:.1f} at the "
             "start), one sandbox process per audit.")
    lines = ["# Audit timing", "", intro, "",
             f"## One audit at typical sizes (--examples {args.examples})", ""]
    lines += typical(args.examples)
    lines += ["", "## Per-call overhead", ""]
    lines += per_call()
    lines += ["", "## One check at n_x = 12288, m = 209 (`logreg.propagate`)", ""]
    lines += large()
    lines += ["", ("Most of it is the exact oracle (2.6 million float64 -> "
                   "high-precision conversions and multiply-adds) and moving the 20 MB X to the "
                   "sandbox twice; the target's own two calls take milliseconds.")]
    lines += ["", "## Batch throughput (`nnspec audit DIR`, a process pool over all cores)", ""]
    lines += batch(args.examples)[0]
    write_atomic(args.out, "\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
