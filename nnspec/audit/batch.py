"""`nnspec audit DIR`: every submission of a folder, audited over a pool of worker processes.

Each target is audited alone by `nnspec.audit.engine.audit` (the same sandboxed audit as for one
file); the results come back in the folder's sorted order whatever order the workers finish in,
so the table, the JSON and the Markdown are the same bytes from run to run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from nnspec.audit.engine import AuditResult, _audit_options, _cell, audit
from nnspec.audit.targets import find_targets
from nnspec.errors import EXIT_FINDING, EXIT_OK, EXIT_USAGE, UsageError
from nnspec.files import write_atomic


def _audit_one(job: tuple[str, str, str, dict]) -> AuditResult:
    path, label, contract, options = job
    return audit(path, contract, label=label, **options)


def run_folder(args: argparse.Namespace) -> int:
    """Audit every target under a folder over all cores; one summary table."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    folder = Path(args.target)
    paths = find_targets(folder)
    if not paths:
        raise UsageError(f"no .py or .ipynb files in {folder}")
    jobs = [(str(p), p.relative_to(folder).as_posix(), args.contract, _audit_options(args))
            for p in paths]
    results: dict[str, AuditResult] = {}
    progress = _Progress(len(jobs))
    workers = min(len(jobs), os.cpu_count() or 1)
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        for result in pool.map(_audit_one, jobs):
            results[result.target] = result
            progress.step(result)
    progress.done()
    ordered = [results[label] for _, label, _, _ in jobs]
    if args.report:
        write_atomic(args.report, batch_markdown(folder.name, args.contract, ordered),
                     make_dirs=True)
    if args.json:
        data = {"contract": args.contract, "targets": [r.to_dict() for r in ordered]}
        write_atomic(args.json, json.dumps(data, sort_keys=True, indent=2, allow_nan=False) + "\n",
                     make_dirs=True)
    print(batch_table(ordered))
    if any(r.verdict == "defect" for r in ordered):
        return EXIT_FINDING
    return EXIT_USAGE if any(r.verdict == "error" for r in ordered) else EXIT_OK


class _Progress:
    """`[k/n] target: verdict` on stderr: rewritten in place on a terminal, one line otherwise."""

    def __init__(self, total: int) -> None:
        self.total, self.count = total, 0
        self.tty = sys.stderr.isatty()

    def step(self, result: AuditResult) -> None:
        self.count += 1
        line = f"[{self.count}/{self.total}] {result.target}: {result.verdict}"
        if self.tty:
            print(f"\r\033[K{line}", end="", file=sys.stderr, flush=True)
        else:
            print(line, file=sys.stderr, flush=True)

    def done(self) -> None:
        if self.tty:
            print(file=sys.stderr)


def _first(result: AuditResult) -> str:
    if result.verdict == "error":
        return result.reason
    worst = [f for f in result.findings if f.severity != "note"] or result.findings
    return f"[{worst[0].check}] {worst[0].message}" if worst else ""


def batch_table(results: list[AuditResult]) -> str:
    rows = ["| target | verdict | defects | warnings | notes | first finding |",
            "|---|---|---|---|---|---|"]
    for r in results:
        c = r.counts()
        rows.append(f"| `{r.target}` | {r.verdict} | {c['defect']} | {c['warning']} | "
                    f"{c['note']} | {_cell(_shorten(_first(r)))} |")
    return "\n".join(rows)


def batch_markdown(folder: str, contract: str, results: list[AuditResult]) -> str:
    verdicts = [r.verdict for r in results]
    head = [f"# Audit of `{folder}/` against `{contract}`", "",
            (f"{len(results)} targets: {verdicts.count('conforms')} conform, "
             f"{verdicts.count('defect')} with a defect, {verdicts.count('error')} not audited."),
            ""]
    return "\n".join([*head, batch_table(results)]) + "\n"


def _shorten(text: str, limit: int = 160) -> str:
    """Cut before escaping, so a table cell never ends inside an escape."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
