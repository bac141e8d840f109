"""Wording shared by the messages users read: plurals and "did you mean" suggestions."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def plural(count: int, noun: str) -> str:
    """`1 defect`, `2 defects`, `0 notes` (nouns that take an s)."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`did you mean 'x'? ` for the closest choice to a near miss, else ``."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}? " if close else ""


def columns(rows: list[list[str]]) -> str:
    """Plain-text columns for a terminal, the first row the header: each column as wide as its
    widest cell, two spaces apart, the last one not padded."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join("  ".join([*(cell.ljust(w) for cell, w in zip(row, widths)), row[-1]])
                     .rstrip() for row in rows)
