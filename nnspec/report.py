"""The verification report: one Markdown file (plus PNG figures) from the verdicts and the evidence.

`write_reports(out_dir)` gathers what the other parts computed (the verdicts of
`nnspec.verify`, the numerical evidence of `nnspec.evidence`), draws the figures
(`nnspec.figures`) and renders `verification.md`. Rendering is a pure function of
that data, so the same inputs give the same bytes; every file is written to a
temporary name and renamed into place.
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from nnspec.errors import EXIT_OK, UsageError

REPORT_NAME = "verification.md"
FIGURES_DIR = "figures"
VERDICTS = ("holds", "holds-under-convention", "false", "unchecked")


# ---------------------------------------------------------------- Markdown helpers

def cell(value: object) -> str:
    """A table cell for GitHub Markdown: pipes escaped, newlines as <br>, no stray whitespace."""
    text = "" if value is None else str(value)
    text = text.replace("\\|", "|").replace("|", "\\|")
    return "<br>".join(line.strip() for line in text.strip().splitlines()) or " "


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A GitHub Markdown table; every cell goes through `cell`."""
    lines = ["| " + " | ".join(cell(h) for h in headers) + " |",
             "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def quote(text: str) -> str:
    """A block quote of the notes' text, verbatim line by line."""
    return "\n".join(("> " + line).rstrip() for line in text.strip().splitlines())


def display_math(latex: str) -> str:
    """Display math for GitHub ($$ on lines of their own)."""
    return f"$$\n{latex.strip()}\n$$"


def code_block(text: str, language: str = "") -> str:
    fence = "````" if "```" in text else "```"
    return f"{fence}{language}\n{text.rstrip()}\n{fence}"


# ---------------------------------------------------------------- writing

def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same directory, then rename over `path`."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def ensure_writable_dir(directory: Path) -> Path:
    """Create `directory` if missing; UsageError (one line) if it cannot be written."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".nnspec-probe.", dir=directory)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise UsageError(f"cannot write reports to {str(directory)!r}: {reason}") from None
    return directory


def require_matplotlib() -> None:
    """The figures need matplotlib, which comes with the `test` extra."""
    try:
        found = importlib.util.find_spec("matplotlib") is not None
    except ValueError:  # a module object with no spec, e.g. set to None in sys.modules
        found = False
    if not found:
        raise UsageError("the report's figures need matplotlib: "
                         "pip install 'nnspec[test]' (or pip install matplotlib)")


# ---------------------------------------------------------------- sections

def summary_section(claims: Sequence, evidence: object | None, figures: Sequence) -> str:
    """Counts per verdict, the number of errata, and what was checked."""
    counts = Counter(c.verdict for c in claims)
    kinds = Counter(c.kind for c in claims)
    sections = sorted({c.section for c in claims})
    rows = [(v, counts.get(v, 0)) for v in VERDICTS]
    rows += [(v, n) for v, n in sorted(counts.items()) if v not in VERDICTS]
    rows.append(("**total**", len(claims)))
    lines = ["## Summary", "",
             table(("verdict", "claims"), rows), "",
             (f"**Errata:** {counts.get('false', 0)} claims of the notes are false "
             "(each below, with the evidence and the correction)."), "",
             "What was checked:", "",
             f"- {len(claims)} claims from {len(sections)} sections of the notes, by kind: "
             + ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items())) + "; each re-derived "
             "from the definitions (loss, sigmoid, $z = w^T x + b$, the forward pass) with SymPy, "
             "matrix formulas entry by entry on concrete shapes."]
    if evidence is not None:
        lines.append(evidence.summary_line())
    if figures:
        lines.append(f"- {len(figures)} figures, in [`{FIGURES_DIR}/`]({FIGURES_DIR}/).")
    return "\n".join(lines)


def claims_section(claims: Sequence) -> str:
    rows = [(c.id, c.section, c.verdict, c.detail) for c in claims]
    return "\n".join(["## Claims", "",
                      ("Every formula, derivation step, statement and code line of the notes, "
                      "with its verdict."), "",
                      table(("id", "section", "verdict", "detail"), rows)])


def _field(claim: object, *names: str) -> object:
    for name in names:
        value = getattr(claim, name, None)
        if value not in (None, "", {}, []):
            return value
    return None


def erratum(claim: object) -> str:
    """One false claim: the notes' text, what holds, the evidence, the corrected formula."""
    parts = [f"### {claim.id} ({claim.section})", "", "The notes say:", "", quote(claim.notes), ""]
    detail = _field(claim, "detail")
    if detail:
        parts += [f"What holds: {detail}", ""]
    evidence = _field(claim, "evidence", "counterexample")
    if evidence:
        parts += ["Evidence:", "", _render_evidence(evidence), ""]
    correction = _field(claim, "correction_latex", "correction")
    if correction:
        parts += ["Corrected:", "", display_math(str(correction)), ""]
    return "\n".join(parts).rstrip()


def _render_evidence(evidence: object) -> str:
    if isinstance(evidence, dict):
        return "\n".join(f"- {key}: {_inline(value)}" for key, value in sorted(evidence.items()))
    text = str(evidence)
    return code_block(text) if "\n" in text else text


def _inline(value: object) -> str:
    text = str(value)
    return code_block(text) if "\n" in text else f"`{text}`" if "`" not in text else text


def errata_section(claims: Sequence) -> str | None:
    false = [c for c in claims if c.verdict == "false"]
    if not false:
        return None
    return "\n\n".join(["## Errata", f"{len(false)} claims of the notes are false."]
                       + [erratum(c) for c in false])


def figures_section(figures: Sequence) -> str | None:
    if not figures:
        return None
    parts = ["## Figures"]
    for fig in figures:
        parts.append(f"### {fig.title}\n\n![{fig.title}]({FIGURES_DIR}/{fig.path.name})\n\n"
                     f"{fig.caption}")
    return "\n\n".join(parts)


def render(claims: Sequence, evidence: object | None = None, figures: Sequence = ()) -> str:
    """The whole report as Markdown; sections whose source is missing are left out."""
    sections = [
        "# Verification of the neural-network notes",
        ("Written by `nnspec report` from the notes in `derivations/neural-network-notes.txt`. "
        "Regenerate it with `nnspec report`; do not edit it by hand."),
        summary_section(claims, evidence, figures),
        claims_section(claims) if claims else None,
        errata_section(claims),
        *(evidence.sections() if evidence is not None else ()),
        figures_section(figures),
    ]
    return "\n\n".join(s for s in sections if s) + "\n"


# ---------------------------------------------------------------- entry points

def write_report(path: str | os.PathLike) -> list[Path]:
    """Write the report to the Markdown file `path`, its figures in `figures/` beside it.

    Returns the paths written (the report first). UsageError if the folder cannot be written
    or matplotlib is missing.
    """
    report = Path(path)
    out = ensure_writable_dir(report.parent)
    require_matplotlib()
    ensure_writable_dir(out / FIGURES_DIR)
    from nnspec import evidence as evidence_mod
    from nnspec import figures as figures_mod
    from nnspec.verify import verify_notes

    claims = verify_notes()
    evidence = evidence_mod.collect()
    figures = figures_mod.draw_all(out / FIGURES_DIR, evidence)
    atomic_write_bytes(report, render(claims, evidence, figures).encode("utf-8"))
    return [report, *(f.path for f in figures)]


def write_reports(out_dir: str | os.PathLike) -> list[Path]:
    """Write `out_dir/verification.md` and `out_dir/figures/*.png`; return the paths written."""
    return write_report(Path(out_dir) / REPORT_NAME)


def run(args) -> int:
    """`nnspec report [--out DIR]`: print each path written; exit 0, or 2 on a usage error."""
    for path in write_reports(args.out):
        print(path)
    return EXIT_OK
