"""Time `nnspec verify` on the shipped notes: cold (empty proof cache), warm (cache filled by the
run before), without the cache, and the command as it was before the notes drove the verdicts.

    .venv/bin/python bench/verify_time.py [--repeat 3] [--before REV] [--out reports/bench-verify.md]

Each run is a fresh process, as a user runs it; the median of `--repeat` runs is reported, with
its ratio to the "before" command measured in the same run of this script. "Before" runs the
source of git revision REV (default: the parent of the commit that made `verify` read the
notes) from a temporary `git worktree`, with this interpreter. Wall-clock seconds vary with the
machine's load (printed beside them); compare the ratios.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nnspec.cores import usable_cores
from nnspec.files import write_atomic

ROOT = Path(__file__).resolve().parent.parent


def _time(env: dict, cwd: Path | None = None, *args: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "nnspec", "verify", *args], check=True, env=env,
                   cwd=cwd, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def _default_before() -> str:
    found = subprocess.run(["git", "log", "--format=%H", "--grep", r"^verify \[NOTES\]", "-1"],
                           cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    return f"{found}^" if found else "HEAD"


def measure(repeat: int, before: str) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"cold": [], "warm": [], "no cache": [], "before": []}
    base = dict(os.environ)
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as cache:
            env = {**base, "NNSPEC_CACHE_DIR": cache, "NNSPEC_NO_CACHE": "0"}
            times["cold"].append(_time(env))
            times["warm"].append(_time(env))
        times["no cache"].append(_time({**base, "NNSPEC_NO_CACHE": "1"}))
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "before"
        subprocess.run(["git", "worktree", "add", "--detach", str(old), before], cwd=ROOT,
                       check=True, capture_output=True)
        for package in ("derivations", "reference"):  # packaged as nnspec.<name>
            (old / "nnspec" / package).symlink_to(old / package)
        try:
            env = {**base, "PYTHONPATH": str(old)}
            for _ in range(repeat):
                times["before"].append(_time(env, old))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT,
                           check=True, capture_output=True)
    return times


def to_markdown(times: dict[str, list[float]], repeat: int, before: str) -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    ref = statistics.median(times["before"])
    lines = ["# Time of `nnspec verify`", "",
             (f"Written by `bench/verify_time.py` on {usable_cores()} cores, load average {load} "
              f"(1, 5, 15 min) at the end; median wall-clock seconds of {repeat} fresh processes "
              f"each on the shipped notes. \"before\": the command at `{before}`, which re-derived "
              "hand-typed formulas on every run."), "",
             "| run | median (s) | runs (s) | ratio to before |", "|---|---|---|---|"]
    for name in ("before", "no cache", "cold", "warm"):
        median = statistics.median(times[name])
        runs = ", ".join(f"{t:.1f}" for t in times[name])
        lines.append(f"| {name} | {median:.2f} | {runs} | {median / ref:.3f} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--before", default=None, metavar="REV")
    parser.add_argument("--out", default="reports/bench-verify.md", metavar="FILE.md")
    args = parser.parse_args()
    before = args.before or _default_before()
    text = to_markdown(measure(args.repeat, before), args.repeat, before)
    write_atomic(Path(args.out), text)
    print(text, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
