"""The audit on the corpus of tests/corpus: defects caught, false alarms, diagnoses right, and
the time of each audit. Writes reports/bench-audit-corpus.md.

The table (file, contract, options, the verdict it must get) and the expected diagnoses are
those of tests/test_audit_corpus.py; here each file is audited in turn, at the CLI's default
number of examples, so the times are those a user sees (one file at a time, one core).

Run: .venv/bin/python bench/audit_corpus.py [--examples N] [--out reports/bench-audit-corpus.md]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import time
from pathlib import Path

from nnspec.audit.engine import audit
from nnspec.files import write_atomic

ROOT = Path(__file__).resolve().parent.parent


def _table_module():
    spec = importlib.util.spec_from_file_location("corpus_table",
                                                  ROOT / "tests" / "test_audit_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=100)
    parser.add_argument("--out", default=str(ROOT / "reports" / "bench-audit-corpus.md"))
    args = parser.parse_args()
    table = _table_module()
    rows, seconds = [], []
    caught = false_alarms = bugs = correct = right = diagnosable = 0
    for row in table.TABLE:
        name, contract, options, verdict, _ = row
        if "torch" in name and importlib.util.find_spec("torch") is None:
            continue
        start = time.perf_counter()
        result = audit(table._target(name), contract,
                       **{"examples": args.examples, "timeout": 60.0, **options})
        took = time.perf_counter() - start
        seconds.append(took)
        bugs += verdict == "defect"
        correct += verdict == "conforms"
        caught += verdict == "defect" and result.verdict == "defect"
        false_alarms += verdict == "conforms" and result.verdict == "defect"
        diagnosis = table.diagnosis_right(row, result)
        diagnosable += diagnosis is not None
        right += diagnosis is True
        opts = ", ".join(f"{k}={v}" for k, v in options.items())
        shown = {None: "", True: "right", False: "WRONG"}[diagnosis]
        rows.append(f"| `{name}` | {contract} | {opts} | {verdict} | {result.verdict} | "
                    f"{shown} | {took:.1f} |")
    lines = [
        "# The audit on its corpus", "",
        f"{len(rows)} audits of tests/corpus at {args.examples} examples each, one at a time.", "",
        f"- defects caught: {caught} of {bugs} files written with a bug",
        f"- false alarms: {false_alarms} of {correct} correct files called a defect",
        f"- diagnoses right: {right} of {diagnosable} value defects",
        (f"- seconds per audit: median {statistics.median(seconds):.1f}, "
        f"max {max(seconds):.1f}, total {sum(seconds):.0f}"), "",
        ("Reproduce: `.venv/bin/python bench/audit_corpus.py`; times vary with the machine's "
        "load, the counts do not."), "",
        "| file | contract | options | written as | verdict | diagnosis | seconds |",
        "|---|---|---|---|---|---|---|", *rows]
    write_atomic(args.out, "\n".join(lines) + "\n", make_dirs=True)
    print("\n".join(lines[4:8]))


if __name__ == "__main__":
    main()
