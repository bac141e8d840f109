"""A user's first contact, before and after: `nnspec audit` of one correct 10-line `propagate`,
and `nnspec verify`, each as a whole command (a new process, imports included) as a user runs
it. Both checkouts are timed in the same run, alternating, so that their ratio is fair on a
shared, noisy machine; writes reports/bench-first-contact.md.

The earlier checkout needs its own environment, installed the same way as this one:

    git worktree add --detach /tmp/before COMMIT
    (cd /tmp/before && python3 -m venv .venv && .venv/bin/pip install -q -e ".[test]")
    .venv/bin/python bench/first_contact.py --before /tmp/before [--audits 7] [--verifies 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from nnspec.cores import usable_cores
from nnspec.files import write_atomic

ROOT = Path(__file__).resolve().parent.parent

# A learner's first file: the course's vectorised propagate, correct.
PROPAGATE = '''import numpy as np


def propagate(w, b, X, Y):
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(w.T @ X + b)))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dw = X @ (A - Y).T / m
    db = np.sum(A - Y) / m
    return {"dw": dw, "db": db}, cost
'''


def commit(tree: Path) -> str:
    found = subprocess.run(["git", "-C", str(tree), "log", "-1", "--format=%h %s"],
                           capture_output=True, text=True, check=False)
    return found.stdout.strip() or "?"


def timed(argv: list[str], cwd: Path, cache: Path) -> tuple[float, str, int]:
    """Wall time of one command (caches in `cache`), its first line of output and its exit
    code. Python writes bytecode, as it does for a user (an environment that sets
    PYTHONDONTWRITEBYTECODE makes every run compile nnspec's modules again: 0.1 s)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False,
                          env={**env, "NNSPEC_CACHE_DIR": str(cache)})
    seconds = time.perf_counter() - start
    lines = (done.stdout or done.stderr).splitlines()
    return seconds, (lines[0] if lines else ""), done.returncode


def measure(trees: dict[str, Path], work: Path, argv: list[str], runs: int,
            after_only: tuple[str, ...] = (), cold: bool = False) -> dict[str, dict]:
    """Median wall time per tree over `runs` alternating runs, after one warm-up run each
    (the first run of a command also pays for cold files and compiling bytecode, and fills
    the caches); `after_only` are options the earlier checkout does not have. `cold`: every
    run with a new, empty cache directory (a first run on a new machine or version)."""
    results = {name: {"times": []} for name in trees}
    for n in range(runs + 1):
        for name, tree in trees.items():
            extra = list(after_only) if name == "after" else []
            cache = work / "caches" / (f"{name}-{n}" if cold else name)
            seconds, line, code = timed([str(tree / ".venv" / "bin" / "nnspec"), *argv, *extra],
                                        work, cache)
            results[name].setdefault("warm-up", seconds)
            results[name]["line"], results[name]["exit"] = line, code
            results[name]["times"].append(seconds)
    for result in results.values():
        result["times"] = result["times"][1:]
        result["median"] = statistics.median(result["times"])
    return results


def row(label: str, results: dict[str, dict]) -> str:
    before, after = results["before"], results["after"]
    ratio = after["median"] / before["median"]
    return (f"| {label} | {before['median']:.2f} | {after['median']:.2f} | {ratio:.2f} | "
            f"{min(before['times']):.2f} / {min(after['times']):.2f} | "
            f"{len(after['times'])} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True,
                        help="checkout of the earlier commit, with its own .venv")
    parser.add_argument("--after", type=Path, default=ROOT, help="default: this checkout")
    parser.add_argument("--audits", type=int, default=7, help="timed runs of the audit")
    parser.add_argument("--verifies", type=int, default=3, help="timed runs of verify")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "bench-first-contact.md")
    args = parser.parse_args()
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    for tree in trees.values():
        if not (tree / ".venv" / "bin" / "nnspec").exists():
            parser.error(f"{tree}/.venv/bin/nnspec is missing (see this script's docstring)")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "mine.py").write_text(PROPAGATE)
        argv = ["audit", "mine.py", "--contract", "logreg.propagate"]
        audit = measure(trees, work, argv, args.audits)
        audit_cold = measure(trees, work, argv, args.audits, cold=True)
        # the earlier checkout ran the target in a plain process: --isolation none is that
        plain = measure(trees, work, argv, args.audits, ("--isolation", "none"))
        verify = measure(trees, work, ["verify"], args.verifies)
        verify_cold = measure(trees, work, ["verify"], args.verifies, cold=True)
    load = os.getloadavg()
    lines = [
        "# First contact: one audit, one verify",
        "",
        ("Written by `.venv/bin/python bench/first_contact.py --before DIR`. Each command runs "
         "as a user runs it (a new process: imports, sandbox, search, shrinking), the two "
         "checkouts alternating in one run; medians after one warm-up run each (which also "
         "writes Python's bytecode, as a user's first run does); each checkout "
         "has a cache directory of its own for the run. Ratios are "
         "after / before (below 1: faster); absolute seconds depend on the machine and its "
         "load."),
        "",
        f"- before: `{commit(trees['before'])}`",
        f"- after: `{commit(trees['after'])}`",
        (f"- cores: {usable_cores()}; load average at the end: "
         f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"),
        "",
        ("| command | before (s) | after (s) | after / before | fastest before / after (s) "
         "| runs |"),
        "|---|---|---|---|---|---|",
        row("`nnspec audit mine.py --contract logreg.propagate` (a correct 10-line propagate)",
            audit),
        row("the same audit, cold: an empty cache directory each run (no warm start)",
            audit_cold),
        row("the same audit, after with `--isolation none` (a plain process, as before the "
            "sandbox; the harness's own time)", plain),
        row("`nnspec verify` (the shipped notes), warm: the proofs in the cache", verify),
        row("`nnspec verify`, cold: an empty cache directory each run", verify_cold),
        "",
        "What each printed (first line) and its exit code:",
        "",
    ]
    for label, results in (("audit", audit), ("audit, cold", audit_cold),
                           ("audit --isolation none", plain), ("verify", verify),
                           ("verify, cold", verify_cold)):
        for name in ("before", "after"):
            r = results[name]
            lines.append(f"- {label}, {name}: exit {r['exit']}: `{r['line']}`")
    lines += ["", "The audited file:", "", "```python", PROPAGATE.rstrip(), "```", ""]
    write_atomic(args.out, "\n".join(lines), make_dirs=True)
    print("\n".join(lines[9:16]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
