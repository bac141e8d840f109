"""Rounder numbers for a counterexample: 0, a power of ten, fewer significant digits.

Hypothesis's shrinking run for a warning ends after a fixed number of calls and may leave
b = -118867.63 where b = -1000 shows the same failure; the engine then tries these, simplest
first, one number at a time (nnspec.audit.engine._Engine._rounded).
"""

from __future__ import annotations

import math

import numpy as np


def _digits(x: float, dtype: str) -> tuple[int, int]:
    """(significant digits, decimal exponent) of x's shortest representation in `dtype`."""
    text = np.format_float_scientific(np.dtype(dtype).type(x), unique=True, trim="-")
    mantissa, exponent = text.lstrip("-").split("e")
    return len(mantissa.replace(".", "").rstrip("0")) or 1, int(exponent)


def rank(x: float, dtype: str = "float64") -> tuple:
    """How complex x looks (smaller is simpler): 0, then fewer significant digits, an exponent
    nearer 0, a smaller magnitude, positive before negative."""
    if x == 0:
        return (0,)
    digits, exponent = _digits(x, dtype)
    return (1, digits, abs(exponent), abs(x), x < 0)


def simple(x: float, dtype: str = "float64") -> bool:
    """Already round enough to be read at a glance: 0, 40.0, 0.5, 1e-05, 25.0."""
    return x == 0 or not math.isfinite(x) or _digits(x, dtype)[0] <= 2


def simpler_numbers(x: float, dtype: str = "float64") -> list[float]:
    """The candidates for x that look simpler than x (in `dtype`), simplest first; none when x
    is `simple`."""
    if simple(x, dtype):
        return []
    kind = np.dtype(dtype).type
    sign = math.copysign(1.0, x)
    top = math.floor(math.log10(abs(x)))
    found = {0.0, float(kind(round(x))) if abs(x) >= 1 else 0.0}
    found |= {float(kind(sign * 10.0 ** k)) for k in range(min(top, 0), max(top + 1, 0) + 1)}
    found |= {float(kind(float(f"{x:.{n}e}"))) for n in (0, 1)}
    mine = rank(x, dtype)
    return sorted((c for c in found if math.isfinite(c) and rank(c, dtype) < mine),
                  key=lambda c: rank(c, dtype))
