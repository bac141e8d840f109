"""Train the reference networks on two classes of scikit-learn's 8x8 digits, beside scikit-learn.

    python bench/digits.py [--pair 1 8] [--out reports/bench-digits.md]

Writes a Markdown table of cost and accuracy on the same stratified split (fixed seed) for the
reference logistic regression and 2-layer networks and for scikit-learn's LogisticRegression
(no penalty) and MLPClassifier (alpha=0, same n_h). Needs scikit-learn (the `test` extra).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from nnspec.files import write_atomic
from nnspec.report import digits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pair", nargs=2, type=int, default=list(digits.PAIR), metavar=("A", "B"),
                        help="the two digits, y = 0 for A and y = 1 for B (default: 1 8)")
    parser.add_argument("--out", default="reports/bench-digits.md", help="Markdown file to write")
    args = parser.parse_args(argv)
    if len(set(args.pair)) != 2 or not all(0 <= d <= 9 for d in args.pair):
        parser.error("--pair needs two different digits from 0 to 9")
    settings = dataclasses.replace(digits.Settings(), pair=tuple(args.pair))
    rows = digits.compare(settings)
    text = digits.to_markdown(rows, settings)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, text)
    print(text)
    return 1 if digits.shortfalls(rows) else 0


if __name__ == "__main__":
    sys.exit(main())
