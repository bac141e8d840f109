"""Numerics findings on the notes' own formulas and code: exact in real arithmetic, but inf, nan
or no correct digit in float64 somewhere in z. Found by a scan against the oracle.

Each pattern of the notation (the log of the sigmoid's output, the log of one minus it, the
sigmoid written as 1/(1 + e^-z)) is evaluated in float64 as the notes write it (a = 1/(1 +
np.exp(-z))) and exactly in mpmath at the oracle's 60 digits (nnspec.numerics.oracle.sigmoid;
log(a) and log(1 - a) as -log1p(e^{-z}) and -log1p(e^{z}), as the oracle's loss) over z in
[-1000, 1000];
the runs where the float64 value is not finite, or has a relative error above 1/2 (no correct
digit), are refined to the float where they start by bisection. `nnspec verify` runs through
`run`, which adds these findings to the verdicts of nnspec.spec.command.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import mpmath as mp
import numpy as np

from nnspec.numerics import oracle

Z_RANGE = (-1000.0, 1000.0)
POINTS = 401  # grid step 5; each run found is then bisected to the float where it starts


def _f64_sigmoid(z: float) -> float:
    with np.errstate(all="ignore"):
        return float(1 / (1 + np.exp(np.float64(-z))))


def _f64_log(x: float) -> float:
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(np.log(np.float64(x)))


@dataclass(frozen=True)
class Pattern:
    name: str
    code: str  # regex on code lines
    tex: str  # regex on LaTeX
    f64: Callable[[float], float]
    exact: Callable
    stable: str


PATTERNS = (
    Pattern("log(a)", r"np\.log\(\s*A\s*\)",  # \log(a), \log \hat{y}, \log a: not \log a_1
            r"\\log\s*(?:\(\s*(\\widehat\{y\}|\\hat\{y\}|a)\s*\)|(\\widehat\{y\}|\\hat\{y\})"
            r"|\s(a)(?![\w^_{]))",
            lambda z: _f64_log(_f64_sigmoid(z)), lambda z: -mp.log1p(mp.exp(-z)),
            "log(a) = -log(1 + e^{-z}): -np.logaddexp(0, -z)"),
    Pattern("log(1 - a)", r"np\.log\(\s*1\s*-\s*A\s*\)",
            r"\\log\s*\(\s*1\s*-\s*(\\widehat\{y\}|\\hat\{y\}|a)\s*\)",
            lambda z: _f64_log(1 - _f64_sigmoid(z)), lambda z: -mp.log1p(mp.exp(z)),
            "log(1 - a) = -log(1 + e^{z}): -np.logaddexp(0, z)"),
    Pattern("1/(1 + e^-z)", r"1\s*/\s*\(\s*1\s*\+\s*np\.exp\(\s*-",  # any z: -(w.T @ X + b)
            r"\\frac\{1\}\{1\s*\+\s*e\^\{-", _f64_sigmoid, oracle.sigmoid,
            "for z < 0, e^{z} / (1 + e^{z}) (scipy.special.expit)"),
)


def _kind(got: float, exact) -> str:
    if not np.isfinite(got):
        return "inf" if np.isinf(got) else "nan"
    if exact == 0:
        return "ok" if got == 0 else "no digit"
    return "no digit" if abs((mp.mpf(got) - exact) / exact) > 0.5 else "ok"


def _edge(kind_at: Callable[[float], str], inside: float, outside: float) -> float:
    """The float nearest `outside` with the kind found at `inside` (bisection on floats)."""
    want = kind_at(inside)
    while True:
        mid = inside + (outside - inside) / 2
        if mid in (inside, outside):
            return inside
        if kind_at(mid) == want:
            inside = mid
        else:
            outside = mid


def scan(pattern: Pattern) -> list[tuple[str, float, float]]:
    """Runs (kind, first z, last z) where the float64 form fails, over Z_RANGE."""
    with mp.workdps(oracle.DEFAULT_DPS):
        def kind_at(z: float) -> str:
            return _kind(pattern.f64(z), pattern.exact(mp.mpf(z)))

        grid = np.linspace(*Z_RANGE, POINTS)
        kinds = [kind_at(float(z)) for z in grid]
        runs, start = [], None
        for i, kind in enumerate(kinds + ["end"]):
            if start is not None and kind != kinds[start]:
                lo = grid[start] if start == 0 else _edge(kind_at, float(grid[start]),
                                                         float(grid[start - 1]))
                hi = grid[i - 1] if i == len(kinds) else _edge(kind_at, float(grid[i - 1]),
                                                              float(grid[i]))
                runs.append((kinds[start], float(lo), float(hi)))
                start = None
            if start is None and kind not in ("ok", "end"):
                start = i
    return runs


def _describe(runs: list[tuple[str, float, float]]) -> str:
    words = {"inf": "infinite", "nan": "nan", "no digit": "no correct digit"}
    return "; ".join(f"{words[k]} for z in [{lo:.6g}, {hi:.6g}]" for k, lo, hi in runs)


def findings(claims: list[dict]) -> list[dict]:
    """A `numerics` finding per claim whose formula or code holds a pattern that fails in float64."""
    scanned: dict[str, list] = {}
    out = []
    for claim in claims:
        text = claim["notes"]
        for p in PATTERNS:
            if not re.search(p.code if claim["kind"] == "code" else p.tex, text):
                continue
            if p.name not in scanned:
                scanned[p.name] = scan(p)
            if scanned[p.name]:
                out.append({"kind": "numerics", "claim": claim["id"], "line": claim["line"],
                            "quantity": p.name, "range": _describe(scanned[p.name]),
                            "stable form": p.stable})
    return out


def run(args) -> int:
    """`nnspec verify`, its verdicts (nnspec.spec.command) with the numerics findings added."""
    from nnspec.spec import command

    return command.run(args, extra_findings=findings)
