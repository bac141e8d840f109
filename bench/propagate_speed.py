"""Time one `propagate` on the course's cat-image size: the reference against the notes' code.

    python bench/propagate_speed.py [--repeats 101] [--out reports/bench-propagate-speed.md]

X is 12288 x 209 (64 x 64 x 3 pixels, 209 training images), w 12288 x 1, fixed seed. Both
functions run interleaved in the same process; the report gives the median of the repeats and
the ratio reference / notes, which is what carries over between machines (absolute times do not).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from nnspec.files import write_atomic
from nnspec.reference import logreg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cost_accuracy import notes_propagate  # the notes' code, fixed to run

N_X, M = 12288, 209


def inputs(seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.random((N_X, M))  # pixels in [0, 1]
    w = rng.standard_normal((N_X, 1)) * 0.01
    Y = (rng.random((1, M)) < 0.5).astype(np.float64)
    return w, 0.0, X, Y


def measure(repeats: int) -> dict[str, list[float]]:
    w, b, X, Y = inputs()
    functions = {"reference logreg.propagate": logreg.propagate,
                 "notes' propagate (fixed to run)": notes_propagate()}
    for f in functions.values():  # warm-up; the two agree on these inputs
        f(w, b, X, Y)
    (g1, c1), (g2, c2) = (f(w, b, X, Y) for f in functions.values())
    assert np.allclose(g1["dw"], g2["dw"]) and np.isclose(c1, c2)
    times: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(repeats):
        for name, f in functions.items():
            start = time.perf_counter()
            f(w, b, X, Y)
            times[name].append(time.perf_counter() - start)
    return times


def to_markdown(times: dict[str, list[float]]) -> str:
    medians = {name: float(np.median(t)) for name, t in times.items()}
    ref, notes = medians.values()
    repeats = len(next(iter(times.values())))
    lines = ["# propagate: time of one call on a 12288 x 209 input", "",
             f"Median of {repeats} interleaved calls in one process (fixed inputs, seed 0).", "",
             "| implementation | median (ms) |", "|---|---:|"]
    lines += [f"| {name} | {1e3 * t:.3f} |" for name, t in medians.items()]
    lines += ["", (f"Ratio reference / notes: **{ref / notes:.2f}** (below 1: the reference is "
                   "faster). The ratio is the result to compare across machines; absolute times "
                   "vary with the BLAS and the CPU."), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=101)
    parser.add_argument("--out", default="reports/bench-propagate-speed.md")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    text = to_markdown(measure(args.repeats))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
