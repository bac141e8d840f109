"""Time `nnspec report` as a whole and phase by phase (verdicts, evidence, figures, rendering).

    .venv/bin/python bench/report_time.py [--out reports/bench-report-time.md]

The whole command runs in a fresh process (`nnspec report --out TMP`), as a user runs it; the
phases then run one after another in this process. Wall-clock seconds on this machine; they vary
with its load (the load average is printed beside them). The report itself does not vary.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nnspec.cores import usable_cores
from nnspec.files import write_atomic


def _timed(fn):
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    value = fn()
    return value, time.perf_counter() - start_wall, time.process_time() - start_cpu


def measure() -> list[tuple[str, float, float]]:
    from nnspec.report import evidence, figures
    from nnspec.report import markdown as report
    from nnspec.spec.verify import verify_notes

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "nnspec", "report", "--out", tmp], check=True,
                       stdout=subprocess.DEVNULL)
        rows.append(("`nnspec report` (fresh process)", time.perf_counter() - start, float("nan")))
        claims, wall, cpu = _timed(verify_notes)
        rows.append(("verdicts: `verify_notes()`", wall, cpu))
        ev, wall, cpu = _timed(evidence.collect)
        rows.append(("evidence: `evidence.collect()`", wall, cpu))
        figs, wall, cpu = _timed(lambda: figures.draw_all(Path(tmp) / "figures", ev))
        rows.append(("figures: `figures.draw_all()`", wall, cpu))
        _, wall, cpu = _timed(lambda: report.render(claims, ev, figs))
        rows.append(("rendering: `report.render()`", wall, cpu))
    return rows


def to_markdown(rows: list[tuple[str, float, float]]) -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = ["# Time of `nnspec report`", "",
             (f"Written by `bench/report_time.py` on {usable_cores()} cores, load average "
             f"{load} (1, 5, 15 min) at the end; wall-clock and CPU seconds of this process "
             "(the verdicts also use worker processes, whose CPU is not counted)."), "",
             "| step | wall (s) | CPU (s) |", "|---|---|---|"]
    lines += [f"| {name} | {wall:.1f} | {'' if math.isnan(cpu) else f'{cpu:.1f}'} |"
              for name, wall, cpu in rows]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="reports/bench-report-time.md", metavar="FILE.md")
    args = parser.parse_args()
    text = to_markdown(measure())
    write_atomic(Path(args.out), text)
    print(text, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
