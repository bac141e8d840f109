"""The cost of the sandbox: the same audits with `--isolation auto` (bubblewrap where it works)
and `--isolation none` (a plain worker process, as before the sandbox), interleaved so that the
machine's load falls on both alike. Writes reports/bench-isolation.md.

Run: .venv/bin/python bench/isolation_overhead.py [--examples N] [--repeats R] [--out FILE]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from nnspec.audit import isolation
from nnspec.audit.engine import audit
from nnspec.audit.sandbox import Sandbox
from nnspec.audit.targets import parse_target
from nnspec.files import write_atomic

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
TARGETS = [
    ("logreg_propagate/correct_vectorised.py", "logreg.propagate", {}),
    ("logreg_propagate/bug_missing_one_over_m.py", "logreg.propagate", {}),
    ("two_layer/backward_sigmoid.py", "two_layer.backward_propagation", {}),
    ("two_layer/update_in_place.py", "two_layer.update_parameters", {}),
]
MODES = ("none", "auto")


def audits(examples: int, repeats: int) -> tuple[list[str], float]:
    """Median seconds per audit in each mode; the ratio of the sums."""
    rows = ["| target | verdict | none (s) | auto (s) | ratio |", "|---|---|---|---|---|"]
    totals = dict.fromkeys(MODES, 0.0)
    for name, contract, options in TARGETS:
        times: dict[str, list[float]] = {m: [] for m in MODES}
        verdicts = set()
        for _ in range(repeats):
            for mode in MODES:
                start = time.perf_counter()
                result = audit(str(CORPUS / name), contract, examples=examples,
                               isolation=mode, **options)
                times[mode].append(time.perf_counter() - start)
                verdicts.add(result.verdict)
        med = {m: statistics.median(times[m]) for m in MODES}
        for m in MODES:
            totals[m] += med[m]
        rows.append(f"| `{name}` | {'/'.join(sorted(verdicts))} | {med['none']:.2f} | "
                    f"{med['auto']:.2f} | {med['auto'] / med['none']:.2f} |")
    ratio = totals["auto"] / totals["none"]
    rows.append(f"| all | | {totals['none']:.2f} | {totals['auto']:.2f} | **{ratio:.2f}** |")
    return rows, ratio


def sandbox_costs(starts: int, calls: int) -> list[str]:
    """Start (process, sandbox, loading the target) and one call's round trip, per mode."""
    target = parse_target(str(CORPUS / "logreg_propagate" / "correct_vectorised.py"),
                          "propagate")
    w, X, Y = np.zeros((4, 1)), np.ones((4, 5)), np.ones((1, 5))
    rows = ["| isolation | start and load (ms, median) | one call (ms, mean) |", "|---|---|---|"]
    for mode in MODES:
        kind = isolation.choose(mode)
        start_times = []
        for _ in range(starts):
            with Sandbox(target, isolation=kind) as box:
                start = time.perf_counter()
                box.start()
                start_times.append(time.perf_counter() - start)
        with Sandbox(target, isolation=kind) as box:
            box.call((w, 0.0, X, Y))
            start = time.perf_counter()
            for _ in range(calls):
                box.call((w, 0.0, X, Y), names=("w", "b", "X", "Y"))
            per_call = (time.perf_counter() - start) / calls
        rows.append(f"| {kind.kind} | {statistics.median(start_times) * 1e3:.0f} | "
                    f"{per_call * 1e3:.2f} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "reports" / "bench-isolation.md"))
    args = parser.parse_args()
    in_force = isolation.choose("auto")
    rows, ratio = audits(args.examples, args.repeats)
    text = "\n".join([
        "# Cost of the sandbox", "",
        (f"`.venv/bin/python bench/isolation_overhead.py --examples {args.examples} --repeats "
        f"{args.repeats}`; `auto` here is {in_force.kind}. Wall-clock seconds, median of the "
        "repeats, the two modes interleaved; compare the ratios (absolute times depend on the "
        "machine and its load)."), "",
        f"## One audit (--examples {args.examples})", "", *rows, "",
        f"The sandbox costs **{ratio:.2f}x** the time of a plain worker over these audits.", "",
        "## Where it goes", "", *sandbox_costs(args.repeats * 3, 1000), "",
        ("Starting bubblewrap (namespaces, mounts) and sending the target's private copy happen "
        "once per audit (and after each crash); a call then costs about the same, plus the "
        "arguments sent back to the harness for the mutation check."), ""])
    write_atomic(args.out, text)
    print(text)


if __name__ == "__main__":
    main()
