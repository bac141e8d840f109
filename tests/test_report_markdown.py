"""Rendering of the verification report: Markdown escaping, sections, atomic writes, errors."""

from dataclasses import dataclass, field

import pytest

from nnspec.errors import UsageError
from nnspec.files import write_atomic
from nnspec.report import markdown as report


@dataclass
class Claim:
    id: str
    section: str
    verdict: str
    detail: str
    notes: str = "notes text"
    kind: str = "derivation step"
    evidence: str = ""
    correction: str = ""
    convention: str = ""
    engine_errors: list = field(default_factory=list)


def test_cell_escapes_pipes_and_newlines():
    assert report.cell("|a| = 1\nnext") == "\\|a\\| = 1<br>next"
    assert report.cell("already \\| escaped") == "already \\| escaped"
    assert report.cell("") == " "


def test_table_has_one_column_per_header_even_with_pipes_in_cells():
    text = report.table(("a", "b"), [("x|y", "$|w|$")])
    for line in text.splitlines():
        unescaped = line.replace("\\|", "")
        assert unescaped.count("|") == 3, line


CLAIMS = [
    Claim("c1", "1-layer", "holds", "SymPy: difference simplifies to 0"),
    Claim("c2", "1-layer", "false", "fails on 4 shapes", notes="z=\\omega + b",
          evidence="at (1, 1): -w x + w", correction="z=\\omega^Tx + b"),
    Claim("c3", "2-layer", "unchecked", "prose"),
    Claim("c4", "code", "false", "does not parse", kind="code", notes="cost = (1",
          evidence="SyntaxError", correction="\\texttt{cost = \\{1\\}}"),
    Claim("c5", "1-layer", "holds-under-convention", "fails as written",
          notes="P(y|x)", convention="P(y|x) read as P(y = 1 | x)",
          correction="\\mathbb{P}(y=1|x)"),
]


def test_summary_counts_every_verdict():
    text = report.render(CLAIMS)
    for verdict, n in (("holds", 1), ("false", 2), ("unchecked", 1),
                       ("holds-under-convention", 1)):
        assert f"| {verdict} | {n} |" in text
    assert "**Errata: 2**" in text and "| **total** | 5 |" in text


def test_errata_quote_the_notes_and_give_evidence_and_correction():
    text = report.render(CLAIMS)
    errata = text[text.index("## Errata"):text.index("## Claims that hold")]
    assert "### `c2`" in errata and "### `c4`" in errata and "### `c1`" not in errata
    assert "> $$\n> z=\\omega + b\n> $$" in errata  # bare LaTeX quoted as display math
    assert "Evidence: at (1, 1): -w x + w" in errata
    assert "$$\nz=\\omega^Tx + b\n$$" in errata
    assert "> ```python\n> cost = (1\n> ```" in errata  # code quoted as code
    assert "`cost = {1}`" in errata  # \\texttt{...} as inline code, braces unescaped


def test_conventions_are_listed_with_pipes_escaped():
    text = report.render(CLAIMS)
    assert "| `c5` | P(y\\|x) read as P(y = 1 \\| x) | $\\mathbb{P}(y=1\\|x)$ |" in text


def test_render_without_errata_has_no_errata_section():
    text = report.render([Claim("c1", "s", "holds", "ok")])
    assert "## Errata" not in text


def test_engine_errors_are_not_hidden():
    text = report.render([Claim("c1", "s", "holds", "ok", engine_errors=["simplify vs mpmath"])])
    assert "**1 engine errors**" in text and "ENGINE ERROR: simplify vs mpmath" in text


def test_numbers_are_formatted_with_three_digits_and_inf_spelled_out():
    assert [report.num(x) for x in (0.0, 0.000554, 1234.5, 8.9e15, float("inf"))] == \
        ["0", "5.54e-04", "1.23e+03", "8.90e+15", "inf"]
    assert report.ulps(1e-95) == "< 0.01" and report.ulps(0.5) == "0.5"


def test_atomic_write_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "r.md"
    write_atomic(target, b"one")
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["r.md"]


def test_unwritable_directory_is_a_one_line_usage_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(UsageError) as info:
        report.ensure_writable_dir(blocker / "reports")
    assert "\n" not in str(info.value) and "reports" in str(info.value)


def test_missing_matplotlib_names_the_extra(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(UsageError, match=r"nnspec\[report\]"):
        report.require_matplotlib()


def test_a_missing_peer_is_named_and_its_rows_left_out():
    from types import SimpleNamespace

    import numpy as np

    from nnspec.report import evidence
    z = np.linspace(-2.0, 2.0, 5)
    scan = evidence.cost_scan({"reference": evidence.propagate_cost(_reference_propagate()),
                               "PyTorch binary_cross_entropy_with_logits": None}, z)
    text = report.peers_section(SimpleNamespace(costs=scan), {})
    assert "PyTorch binary_cross_entropy_with_logits is not installed here" in text
    assert "| PyTorch" not in text and "| reference |" in text


def _reference_propagate():
    from nnspec.reference import logreg

    return logreg.propagate


def test_write_report_into_a_directory_writes_verification_md_there(tmp_path, monkeypatch):
    from nnspec.report import evidence, figures
    from nnspec.spec import verify
    monkeypatch.setattr(verify, "verify_notes", lambda: [Claim("c1", "s", "holds", "ok")])
    monkeypatch.setattr(evidence, "collect", lambda: None)
    monkeypatch.setattr(figures, "draw_all", lambda directory, ev: {})
    written = report.write_report(tmp_path)
    assert written == [tmp_path / "verification.md"]
    assert "| `c1` |   | s | holds | ok |" in written[0].read_text(encoding="utf-8")
    assert (tmp_path / "figures").is_dir()
