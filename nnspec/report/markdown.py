"""The verification report: one Markdown file (plus PNG figures) from the verdicts and the evidence.

`write_reports(out_dir)` gathers what the other parts computed (the verdicts of
`nnspec.spec.verify`, the numerical evidence of `nnspec.report.evidence`), draws the figures
(`nnspec.report.figures`) and renders `verification.md`. Rendering is a pure function of
that data, so the same inputs give the same bytes; every file is written to a
temporary name and renamed into place.
"""

from __future__ import annotations

import contextlib
import importlib.util
import math
import os
import re
import signal
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import SimpleNamespace

from nnspec.audit.answers import md_code, md_text
from nnspec.errors import EXIT_OK, UsageError, interrupt_pending
from nnspec.files import check_outputs, writable_problem, write_atomic
from nnspec.text import plural

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
    """The figures need matplotlib, which comes with the `report` (and `test`) extra."""
    try:
        found = importlib.util.find_spec("matplotlib") is not None
    except ValueError:  # a module object with no spec, e.g. set to None in sys.modules
        found = False
    if not found:
        raise UsageError("the report's figures need matplotlib: "
                         "pip install 'nnspec[report]' (or pip install matplotlib)")


# ---------------------------------------------------------------- numbers

def num(x: float) -> str:
    """A measured number for a table: 3 significant digits, inf/nan spelled out."""
    if math.isnan(x) or math.isinf(x):
        return str(x)
    return f"{x:.3g}" if x == 0 or 1e-3 <= abs(x) < 1e4 else f"{x:.2e}"


def ulps(x: float) -> str:
    """An error in ulp, with everything below 0.01 ulp (0 included) shown as "< 0.01"."""
    return "< 0.01" if 0 <= x < 0.01 else num(x)


# ---------------------------------------------------------------- claims sections

def summary_section(claims: Sequence, evidence: object | None, shipped: bool = True) -> str:
    """Counts per verdict, the number of errata, and what was checked."""
    counts = Counter(c.verdict for c in claims)
    kinds = Counter(c.kind for c in claims)
    sections = sorted({c.section for c in claims})
    rows = [(v, counts.get(v, 0)) for v in VERDICTS]
    rows += [(v, n) for v, n in sorted(counts.items()) if v not in VERDICTS]
    rows.append(("**total**", len(claims)))
    lines = ["## Summary", "",
             table(("verdict", "claims"), rows), "",
             (f"**Errata: {counts.get('false', 0)}** claims of the notes are false "
              + ("(each below, with the evidence and the correction); " if shipped else
                 "(each below, with the evidence, and the correction where one is known); ")
              + 
              f"{counts.get('holds-under-convention', 0)} hold only under a convention, "
              "named below."), "",
             "What was checked:", "",
             (f"- {len(claims)} claims from {len(sections)} sections of the notes ("
              + ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
              + "), each re-derived with SymPy from the definitions (loss, sigmoid, "
              "$z = w^T x + b$, the forward pass); matrix formulas entry by entry on "
              "concrete shapes.")]
    engine = sum(len(getattr(c, "engine_errors", ()) or ()) for c in claims)
    if engine:
        lines.append(f"- **{engine} engine errors** (the checks contradict themselves): "
                     "see the claims table.")
    if evidence is not None:
        lines += evidence_summary(evidence)
    return "\n".join(lines)


def not_found_section(not_found: Sequence[dict]) -> str | None:
    """The hand-bound prose claims whose sentence the notes no longer hold as written: an
    edited sentence (a typo fixed, an erratum fixed in the author's words, or made wrong) is no
    longer checked, and the report said nothing of it."""
    if not not_found:
        return None
    one = len(not_found) == 1
    rows = [f"| `{c['id']}` | {md_text(c['quote'])} | {c.get('near_line') or ''} |"
            for c in not_found]
    return "\n".join([
        "## Prose claims not found", "",
        (f"{plural(len(not_found), 'sentence')} that nnspec checks {'is' if one else 'are'} not "
        f"in these notes as written (edited, put in other words or deleted), so "
        f"{'it is' if one else 'they are'} not checked; `nnspec verify --fail-on not-found` "
        "fails on this."), "",
        "| id | the sentence nnspec checks | the line most like it (an edited form?) |",
        "|---|---|---|", *rows])


def claims_section(claims: Sequence) -> str:
    rows = []
    for c in claims:
        verdict = c.verdict
        if getattr(c, "convention", ""):
            verdict += f" ({c.convention})"
        detail = c.detail
        if getattr(c, "engine_errors", None):
            detail += " ENGINE ERROR: " + "; ".join(c.engine_errors)
        rows.append((f"`{c.id}`", getattr(c, "line", "") or "", c.section, verdict, detail))
    return "\n".join(["## Claims", "",
                      ("Every formula (each `=` of a chain), code line and bound statement of the "
                       "notes, with its line, its verdict and what was computed."), "",
                      table(("id", "line", "section", "verdict", "detail"), rows)])


_TEXTTT = re.compile(r"\\texttt\{((?:[^{}\\]|\\.)*)\}")


def _latex_code(match: re.Match) -> str:
    code = re.sub(r"\\([{}_%&#$])", r"\1", match.group(1))
    return f"`{code}`"


def as_markdown_math(text: str) -> str:
    """The notes' or a correction's text for GitHub: LaTeX with no $ becomes display math,
    \\texttt{...} becomes inline code, text that already has $...$ stays as it is."""
    text = text.strip()
    if "\\texttt{" in text:
        return _TEXTTT.sub(_latex_code, text)
    if "$" in text or "\\" not in text and "^" not in text and "_" not in text:
        return text
    return display_math(text)


def quoted_notes(claim: object) -> str:
    """The notes' text, verbatim: code as a code block, bare LaTeX as display math, in a quote."""
    if claim.kind == "code":
        return quote(code_block(claim.notes, "python"))
    return quote(as_markdown_math(claim.notes))


def erratum(claim: object) -> str:
    """One false claim: the notes' text, what holds, the evidence, the corrected statement."""
    line = getattr(claim, "line", 0)
    where = f", line {line}" if line else ""
    parts = [f"### `{claim.id}` ({claim.section}, {claim.kind}{where})", "", "The notes:", "",
             quoted_notes(claim), ""]
    if claim.detail:
        parts += [f"What was computed: {claim.detail}.", ""]
    evidence = getattr(claim, "evidence", "")
    if evidence:
        parts += ["Evidence: " + (_render_evidence(evidence)), ""]
    correction = getattr(claim, "correction", "")
    if correction:
        parts += ["Corrected:", "", as_markdown_math(correction), ""]
    return "\n".join(parts).rstrip()


def _render_evidence(evidence: object) -> str:
    if isinstance(evidence, dict):
        return "\n\n" + "\n".join(f"- {key}: {value}" for key, value in sorted(evidence.items()))
    text = str(evidence)
    return "\n\n" + code_block(text) if "\n" in text else text


def errata_section(claims: Sequence) -> str | None:
    false = [c for c in claims if c.verdict == "false"]
    if not false:
        return None
    return "\n\n".join([f"## Errata\n\n{len(false)} claims of the notes are false."]
                       + [erratum(c) for c in false])


def findings_section(findings: Sequence[dict]) -> str | None:
    """Numerics findings (where the notes' exact formula fails in float64) and unstated steps."""
    if not findings:
        return None
    rows = []
    for f in findings:
        if f["kind"] == "numerics":
            what = (f"{f['quantity']} in float64: {f['range']}; stable form: "
                    f"{f['stable form']}")
        else:
            what = f["message"]
        rows.append((f"`{f['claim']}`", f["line"], f["kind"], what))
    return "\n".join(["## Findings beside the errata", "",
                      ("Formulas exact in real arithmetic that give inf, nan or no correct digit "
                       "in float64 (scanned over z in [-1000, 1000] against the mpmath oracle, "
                       "`nnspec.numerics.findings`), and steps the notes leave unstated."), "",
                      table(("claim", "line", "kind", "finding"), rows)])


def conventions_section(claims: Sequence) -> str | None:
    held = [c for c in claims if c.verdict == "holds-under-convention"]
    if not held:
        return None
    rows = [(f"`{c.id}`", getattr(c, "convention", ""),
             _inline_math(getattr(c, "correction", "")) or "(as written)") for c in held]
    return "\n".join(["## Claims that hold only under a convention", "",
                      ("Each fails as written and holds once the named convention is applied; the "
                      "last column restates it so that it holds as written."), "",
                      table(("id", "convention", "stated so that it holds"), rows)])


def _inline_math(text: str) -> str:
    text = text.strip()
    if not text or "$" in text or "\\texttt{" in text:
        return as_markdown_math(text)
    return f"${text}$"


# ---------------------------------------------------------------- evidence sections

def evidence_summary(ev) -> list[str]:
    from nnspec.report.evidence import Z_RANGE

    lo, hi = Z_RANGE
    examples = sum(s.examples for s in ev.samples)
    reference = [q for s in ev.samples for q in s.errors if q.implementation == "reference"]
    worst = max(q.worst_bound for q in reference)
    quantities = list(dict.fromkeys(q.quantity for q in reference))
    runs = sum(len(e.runs) for e in ev.edges if e.implementation != "reference")
    peers = [n for n in ev.costs.ulps[0] if n not in ("reference", "notes' propagate")]
    lines = [
        (f"- {examples} seeded examples compared with the "
        f"oracle (mpmath, {ev.dps} digits): {len(quantities)} quantities "
        f"({', '.join(quantities)}) of {len({s.model for s in ev.samples})} models; the "
        f"reference's worst error is {num(worst)} of its tolerance bound."),
        (f"- The notes' `propagate` scanned over z in [{lo:g}, {hi:g}]: "
        f"{runs} runs of inf or nan found."),
        f"- One example's cost on {ev.costs.z.size} values of z, y = 0 and 1, against the oracle: "
        "the reference beside " + _and(["the notes' code", *peers]) + "."]
    if ev.training is not None:
        lines.append(f"- Training on the digits {ev.training.pair[0]} vs {ev.training.pair[1]} "
                     "beside scikit-learn.")
    return lines


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _targets(saturation: bool) -> str:
    from nnspec.report.evidence import z_targets

    return _and([f"{t:g}" for t in z_targets(saturation)])


def _inputs(sample) -> str:
    kind = "saturating" if sample.saturation else "no saturation"
    return f"{kind}: max \\|z\\| = {_targets(sample.saturation).replace(' and ', ' or ')}"


def oracle_section(ev, figures: dict) -> str:
    from nnspec.numerics.strategies import MAX_EXPONENT
    from nnspec.report import evidence as evidence_mod

    rows = [(s.model, _inputs(s), q.implementation, q.quantity, q.examples, num(q.worst_bound),
             ulps(q.worst_ulp), ulps(q.median_ulp), q.nonfinite)
            for s in ev.samples for q in s.errors]
    parts = ["## Numerical evidence against the oracle", "",
             ("Exact values: `nnspec.oracle`, the derived formulas evaluated in mpmath at "
              f"{ev.dps} digits at the float64 inputs. Bounds: `nnspec.tolerance`, a float64 "
              "forward error analysis of the notes' formulas; *error / bound* ≤ 1 passes. "
              f"Inputs: a seeded sample (`numpy.random.default_rng`, seed "
              f"{evidence_mod.SAMPLE_SEED}), {evidence_mod.ORACLE_EXAMPLES} examples per row: "
              f"n_x ≤ {evidence_mod.MAX_FEATURES}, n_h ≤ {evidence_mod.MAX_HIDDEN}, "
              f"m ≤ {evidence_mod.MAX_EXAMPLES}; entries uniform in [-1, 1], in every other "
              f"example each times 2^k with \\|k\\| ≤ {MAX_EXPONENT}; zero biases in half of "
              "the examples; labels 0 or 1 at random; each layer's weights and bias scaled "
              "together so that its largest \\|z\\| is one of the values in the *inputs* "
              "column, in turn. The reference's 2-layer cost is `compute_cost(A2, Y, Z2)` "
              "(from the logits). The notes' own code is the logistic-regression `propagate` "
              "(parenthesis closed, return added): its rows stand beside the reference's on the "
              "same examples."), "",
             table(("model", "inputs", "implementation", "quantity", "examples",
                    "worst error / bound", "worst error (ulp)", "median (ulp)",
                    "examples with inf/nan"), rows), "",
             ("An error in ulp is relative to each entry's own size: an entry much smaller than "
              "the terms it is computed from (a cancelling sum, or A − Y once a rounds to 0 or "
              "1) shows a large ulp error at a tiny absolute error. The bound scales with the "
              "terms and is the pass/fail measure.")]
    if "steps" in figures:
        parts += ["", figure_block(figures["steps"])]
    return "\n".join(parts)


def _run_text(run, lo: float, hi: float) -> str:
    if run.start == lo and run.end == hi:
        return "every z scanned"
    if run.start == lo:
        return f"z ≤ {run.end!r}"
    if run.end == hi:
        return f"z ≥ {run.start!r}"
    return f"{run.start!r} ≤ z ≤ {run.end!r}"


def edges_section(ev) -> str:
    from nnspec.report import evidence as evidence_mod
    lo, hi = evidence_mod.Z_RANGE
    rows = [(e.implementation, e.quantity, e.y, _run_text(r, lo, hi), r.value)
            for e in ev.edges for r in e.runs]
    finite = {}
    for e in ev.edges:
        if not e.runs:
            finite.setdefault(e.implementation, []).append(f"{e.quantity} (y = {e.y})")
    step = (hi - lo) / (evidence_mod.SCAN_POINTS - 1)
    parts = ["## Edge cases: where the notes' code returns inf or nan", "",
             ("Scanned: `propagate` on one example (w = 1, x = z, b = 0, so z is exact), z from "
              f"{lo:g} to {hi:g} in steps of {step:g}, y = 0 and 1; each edge of a run of "
              "non-finite results then bisected down to adjacent float64 values. The notes' "
              "propagate is the listing with its missing parenthesis closed and "
              "`return grads, cost` added (its verified corrections), with the notes' sigmoid "
              "$1/(1+e^{-z})$."), ""]
    if rows:
        parts.append(table(("implementation", "quantity", "y", "non-finite for (within the scan)",
                            "returns"), rows))
    else:
        parts.append("No inf or nan anywhere on the scan.")
    for name, items in finite.items():
        parts += ["", f"Finite on every z scanned: {name}: {', '.join(items)}."]
    return "\n".join(parts)


def _band(band: tuple[float, float], last: float) -> str:
    lo, hi = band
    return f"{lo:g} ≤ \\|z\\| ≤ {hi:g}" if hi == last else f"{lo:g} ≤ \\|z\\| < {hi:g}"


PEER_NOTES = {
    "scikit-learn log_loss": "given the probability sigmoid(z) of the reference",
    "PyTorch binary_cross_entropy_with_logits": "float64, from z",
}


def peers_section(ev, figures: dict) -> str:
    from nnspec.report import evidence as evidence_mod
    scan = ev.costs
    last = evidence_mod.BANDS[-1]
    rows = [(b.implementation, _band(b.band, last), b.points, ulps(b.worst_ulp),
             ulps(b.median_ulp), b.nonfinite) for b in scan.bands()]
    used = [f"{name} ({PEER_NOTES[name]})" for name in scan.ulps[0] if name in PEER_NOTES]
    parts = ["## Accuracy of the cost beside the notes' code and the peers", "",
             (f"The cost of one example at {scan.z.size} values of z ("
              + ", ".join(f"step {(hi - lo) / (n - 1):g} over [{lo:g}, {hi:g}]"
                          for lo, hi, n in evidence_mod.ACCURACY_GRID)
              + "), for y = 0 and y = 1, the same inputs for every implementation, measured in ulp against the "
              "oracle. Implementations: the reference `propagate`, the notes' `propagate`"
              + "".join(f", {u}" for u in used) + "."), ""]
    for name in scan.missing:
        parts += [f"{name} is not installed here: its rows are left out.", ""]
    parts.append(table(("implementation", "z", "points", "worst error, finite results (ulp)",
                        "median (ulp)", "inf/nan returned"), rows))
    parts += ["", ("The ulp is that of the exact cost rounded to float64: where the exact cost "
                   "is tiny (a correct classification far from the boundary), a result that has "
                   "clipped or rounded it to a larger value counts as very many ulp.")]
    if "cost" in figures:
        parts += ["", figure_block(figures["cost"])]
    return "\n".join(parts)


def training_section(ev, figures: dict) -> str | None:
    t = ev.training
    if t is None:
        return ("## Training on the digits\n\nscikit-learn is not installed here: "
                "the training comparison is left out.")
    rows = [(c.model, c.implementation, len(c.costs), num(c.learning_rate), num(c.costs[0]),
             num(c.costs[-1]), f"{c.test_accuracy:.4f}") for c in t.curves]
    parts = ["## Training on the digits", "",
             (f"Digits {t.pair[0]} (label 0) and {t.pair[1]} (label 1) of scikit-learn's "
              f"`load_digits`, {t.m_train} training and {t.m_test} test images of "
              f"{t.n_x} pixels scaled to [0, 1] (`nnspec.report.digits`). Each model is trained by "
              "full-batch gradient descent, the reference's and scikit-learn's MLPClassifier "
              "(solver sgd, one batch of all examples, constant rate, no momentum, no penalty) "
              "with the same rate and number of iterations; the initial parameters differ "
              "(the reference: zeros for logistic regression, `initialize_parameters(seed)` for "
              "the 2-layer networks; scikit-learn: its own random initialisation)."), "",
             table(("model", "implementation", "iterations", "learning rate", "first cost",
                    "final cost", "test accuracy"), rows)]
    if "training" in figures:
        parts += ["", figure_block(figures["training"])]
    return "\n".join(parts)


def figure_block(fig) -> str:
    return f"![{fig.title}]({FIGURES_DIR}/{fig.path.name})\n\n*{fig.title}.* {fig.caption}"


def render(claims: Sequence, evidence: object | None = None, figures: dict | None = None,
           findings: Sequence[dict] = (), notes: str | None = None, out: str = "reports",
           not_found: Sequence[dict] = ()) -> str:
    """The whole report as Markdown; sections whose source is missing are left out. `notes`:
    the path of an author's notes (None: the shipped notes), written to `out`."""
    figures = figures or {}
    if notes is None:
        title = "# Verification of the neural-network notes"
        command, source, corrected = ("`nnspec report`", "derivations/neural-network-notes.txt",
                                      "evidence and a verified correction below")
    else:
        title = f"# Verification of {md_code(Path(notes).name)}"
        where = "" if out == "reports" else f" --out {out}"  # the command as it was run
        command, source = md_code(f"nnspec report {notes}{where}"), notes
        corrected = "the evidence below, and a verified correction where nnspec knows one"
    sections = [
        title,
        (f"Written by {command} from {md_code(source)}; regenerate "
         f"it with {command}, never edit it by hand. Verdicts: **holds** (proven by SymPy "
         "and confirmed numerically), **holds-under-convention** (true once the named "
         f"convention is applied), **false** (an erratum: {corrected}), **unchecked** (with "
         "the reason)."),
        summary_section(claims, evidence, notes is None),
        errata_section(claims),
        findings_section(findings),
        conventions_section(claims),
        not_found_section(not_found),
        claims_section(claims) if claims else None,
    ]
    if evidence is not None:
        sections += [oracle_section(evidence, figures), edges_section(evidence),
                     peers_section(evidence, figures), training_section(evidence, figures)]
    return "\n\n".join(s for s in sections if s) + "\n"


# ---------------------------------------------------------------- entry points

def write_report(path: str | os.PathLike) -> list[Path]:
    """Write the report to the Markdown file `path` (or to `path`/verification.md if `path` is
    a directory), its figures in `figures/` beside it.

    Returns the paths written (the report first). UsageError if the folder cannot be written
    or matplotlib is missing. Nothing is created before the work is done: the figures are drawn
    in a scratch folder and copied beside the report at the end, so an interrupted run leaves
    no file and no empty folder; an interrupt that a library swallows (scikit-learn's training
    stops early on Ctrl-C) still stops the report.
    """
    report = Path(path)
    if report.is_dir():
        report = report / REPORT_NAME
    require_matplotlib()
    for output in (report, report.parent / FIGURES_DIR / "figure.png"):
        problem = writable_problem(output)
        if problem:
            raise UsageError(f"cannot write reports to {str(report.parent)!r}: {problem}")
    from nnspec.numerics.findings import findings as numerics_findings
    from nnspec.report import evidence as evidence_mod
    from nnspec.report import figures as figures_mod
    from nnspec.spec.steps import unstated
    from nnspec.spec.verify import verify_notes

    with interrupts_kept():
        claims = verify_notes()
        as_dicts = [{"id": c.id, "line": getattr(c, "line", 0), "kind": c.kind,
                     "notes": c.notes} for c in claims]
        findings = unstated(as_dicts) + numerics_findings(as_dicts)
        evidence = evidence_mod.collect()
    with tempfile.TemporaryDirectory(prefix="nnspec-figures-") as scratch:
        figures = figures_mod.draw_all(Path(scratch), evidence)
        text = render(claims, evidence, figures, findings)
        folder = ensure_writable_dir(report.parent / FIGURES_DIR)
        written = []
        for figure in figures.values():
            written.append(folder / figure.path.name)
            write_atomic(written[-1], figure.path.read_bytes())
    write_atomic(report, text)
    return [report, *written]


@contextlib.contextmanager
def interrupts_kept():
    """Ctrl-C inside the block raises KeyboardInterrupt, and raises it again at the end of the
    block if the code inside caught it (a training loop that stops early and returns)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    seen = []

    def interrupted(signum, frame):
        seen.append(signum)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, interrupted)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if seen or interrupt_pending():  # SIGTERM too: the CLI's handler remembers it (a SIGTERM
        raise KeyboardInterrupt  # in scikit-learn's training ended it early, and exit 0)


def write_reports(out_dir: str | os.PathLike) -> list[Path]:
    """Write `out_dir/verification.md` and `out_dir/figures/*.png`; return the paths written."""
    return write_report(Path(out_dir) / REPORT_NAME)


OPTIONAL_PEERS = (("torch", "PyTorch", "its rows of the cost's accuracy",
                   "pip install torch==2.13.0"),
                  ("sklearn", "scikit-learn", "its rows and the training on the digits",
                   "pip install -e '.[report]'"))


def missing_peers() -> list[str]:
    """One line per optional peer not installed, saying what the report leaves out: a report
    written without PyTorch dropped its rows without a word, and committing it lost them."""
    return [f"nnspec: note: {name} is not installed: the report leaves out {what} ({how} "
            "adds them)" for module, name, what, how in OPTIONAL_PEERS
            if importlib.util.find_spec(module) is None]


def write_notes_report(notes: str, out_dir: str | os.PathLike) -> Path:
    """Write `out_dir/verification.md` for an author's notes: the verdicts, errata, findings and
    claims of `nnspec verify NOTES` (its cached proofs when that text was verified before).
    The sections about the reference implementation (the oracle, the float64 edges, the peers,
    the training) are the shipped report's: they do not depend on the notes."""
    from nnspec.numerics.findings import findings
    from nnspec.spec import cache, command

    report = Path(out_dir) / REPORT_NAME
    check_outputs({"--out": str(report)}, inputs=(notes,), reads="reports on")
    doc = command.document(notes, cache.enabled(), findings)
    claims = [SimpleNamespace(**claim) for claim in doc["claims"]]
    quoted = doc.get("hand_bound_found", 0)  # notes that quote none: other notes, not edits
    write_atomic(report, render(claims, None, None, doc["findings"], notes, str(out_dir),
                                doc["not_found"] if quoted else ()), make_dirs=True)
    return report


def run(args) -> int:
    """`nnspec report [NOTES] [--out DIR]`: print each path written; exit 0, or 2 on a usage
    error."""
    if getattr(args, "notes", None):
        print(write_notes_report(args.notes, args.out))
        return EXIT_OK
    for path in write_reports(args.out):
        print(path)
    for line in missing_peers():
        print(line, file=sys.stderr)
    return EXIT_OK
