"""The Markdown report of the audits a test session ran (`pytest --nnspec-report PATH`).

One row per audit (the test, the target, the contract, the verdict and the count of findings per
severity), then each audit in full: its findings and their minimal counterexamples, as
`nnspec audit --report` writes them. Needs nothing beyond the standard library: no matplotlib.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nnspec.audit.answers import md_code
from nnspec.audit.engine import SEVERITIES, AuditResult
from nnspec.files import write_atomic, written_by
from nnspec.report.markdown import ensure_writable_dir, table
from nnspec.text import plural

TITLE = b"# Audits of this test run"


@dataclass(frozen=True)
class SessionAudit:
    """One call of the `nnspec_audit` fixture: the test that made it and what it found."""

    test: str
    result: AuditResult


def check_path(path: Path) -> Path:
    """The file to write: PATH itself, its folder created and probed (UsageError if it cannot
    be written), so that a bad path stops the run before any test."""
    from nnspec.errors import UsageError
    from nnspec.files import writable_problem

    path = Path(path)
    if path.is_dir():
        raise UsageError(f"{str(path)!r} is a directory; give a file name such as "
                         f"{str(path / 'audits.md')!r}")
    problem = writable_problem(path)
    if problem is not None:  # /proc/x.md was "No such file or directory"
        raise UsageError(f"cannot write {str(path)!r}: {problem}")
    if not _ours_to_replace(path):
        raise UsageError(f"{str(path)!r} exists and is not a report of audits; give a new "
                         "file name (an existing file is written over only if it is empty or "
                         "an earlier report)")
    ensure_writable_dir(path.parent)
    return path


def _ours_to_replace(path: Path) -> bool:
    """A missing or empty file, or an earlier report: `--nnspec-report src/model.py` (a
    slip of the shell's completion) replaced the module under test."""
    return written_by(path, (TITLE,))


def _demoted(markdown: str) -> str:
    """One audit's Markdown under the session's headings: every heading one level down."""
    return "\n".join("#" + line if line.startswith("#") else line
                     for line in markdown.splitlines())


def session_markdown(audits: Sequence[SessionAudit]) -> str:
    """The whole report; the same audits give the same bytes."""
    verdicts = [a.result.verdict for a in audits]
    lines = [TITLE.decode(), "",
             (f"{plural(len(audits), 'audit')}: {verdicts.count('conforms')} conform, "
              f"{verdicts.count('defect')} with a defect, "
              f"{verdicts.count('error')} could not be audited."), ""]
    if not audits:
        return "\n".join(lines + ["No test called the `nnspec_audit` fixture.", ""])
    rows = []
    for a in audits:
        counts = a.result.counts()
        rows.append([md_code(a.test), md_code(a.result.target), f"`{a.result.contract}`",
                     a.result.verdict, *(counts[s] for s in SEVERITIES)])
    lines += [table(["test", "target", "contract", "verdict", "defects", "warnings", "notes"],
                    rows), ""]
    for a in audits:
        head, blank, *body = _demoted(a.result.to_markdown()).rstrip().splitlines()
        lines += [head, blank, f"- test: {md_code(a.test)}", *body, ""]
    return "\n".join(lines)


def write(path: Path, audits: Sequence[SessionAudit]) -> Path:
    """Write the report atomically to `path` (checked with `check_path`)."""
    path = check_path(path)
    write_atomic(path, session_markdown(audits))
    return path
