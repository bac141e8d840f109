"""The numbers behind the report: errors against the oracle, edge cases, peers, figure data.

Nothing here is typed in: every number the report prints is computed from the reference
(`nnspec.reference`), the oracle (`nnspec.oracle`), the tolerance policy (`nnspec.tolerance`)
and the peers on fixed, seeded inputs, so the report is the same on every run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class NonFinite:
    """A run of z where a function of z returns a non-finite value (`value` is inf, -inf or nan).

    `start` and `end` are the first and last float64 z of the run, found by scanning a grid and
    bisecting each edge down to adjacent floats.
    """

    start: float
    end: float
    value: str


def _kind(x: float) -> str:
    return "finite" if np.isfinite(x) else "nan" if np.isnan(x) else "inf" if x > 0 else "-inf"


def _edge(f: Callable[[float], float], inside: float, outside: float) -> float:
    """The float nearest `outside` that still has f's kind at `inside`: bisection on floats."""
    want = _kind(f(inside))
    while True:
        mid = inside + (outside - inside) / 2
        if mid in (inside, outside):
            return inside
        if _kind(f(mid)) == want:
            inside = mid
        else:
            outside = mid


def nonfinite_runs(f: Callable[[float], float], lo: float, hi: float,
                   points: int = 4001) -> list[NonFinite]:
    """Scan z in [lo, hi] on `points` grid points; each run of non-finite values, edges refined.

    A run that ends at the grid's end ends at `hi` (nothing beyond is claimed).
    """
    grid = np.linspace(lo, hi, points)
    kinds = [_kind(f(float(z))) for z in grid]
    runs, i = [], 0
    while i < points:
        if kinds[i] == "finite":
            i += 1
            continue
        j = i
        while j + 1 < points and kinds[j + 1] == kinds[i]:
            j += 1
        start = float(grid[i]) if i == 0 else _edge(f, float(grid[i]), float(grid[i - 1]))
        end = float(grid[j]) if j == points - 1 else _edge(f, float(grid[j]), float(grid[j + 1]))
        runs.append(NonFinite(start, end, kinds[i]))
        i = j + 1
    return runs
