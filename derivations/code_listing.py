"""The shipped notes' `propagate` listing with its two verified corrections applied (the
parenthesis of the cost line closed, the missing return added), for the report's float64
evidence of the notes' own code. The verdicts on the listing come from the code as written
(nnspec.spec.code)."""

from __future__ import annotations

import textwrap
from importlib import resources

COST_LINE = "cost = (- 1 / m) * np.sum(Y * np.log(A) + (1 - Y) * (np.log(1 - A))"
CLOSED_COST_LINE = COST_LINE + ")"
NAMING_SHAPES = ((1, 1), (1, 2), (3, 2), (2, 4))
RETURN_LINES = '    grads = {"dw": dw, "db": db}\n    return grads, cost\n'


def _notes() -> str:
    return resources.files("nnspec.derivations").joinpath(
        "neural-network-notes.txt").read_text(encoding="utf-8")


def listing(first: str, last: str) -> str:
    """The lines of the notes from the one starting with `first` to the one containing `last`."""
    lines = _notes().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(first))
    end = next(i for i in range(start, len(lines)) if last in lines[i])
    return textwrap.dedent("\n".join(line.rstrip() for line in lines[start:end + 1])) + "\n"


def propagate_source() -> str:
    return listing("def propagate(w, b, X, Y):", "db = (1/m)*np.sum(A-Y)")


def closed_propagate_source() -> str:
    """The listing with the cost line's missing parenthesis closed, nothing else changed."""
    return propagate_source().replace(COST_LINE, CLOSED_COST_LINE)


def corrected_propagate_source() -> str:
    return closed_propagate_source() + RETURN_LINES
