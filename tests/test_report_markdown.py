"""Rendering of the verification report: Markdown escaping, sections, atomic writes, errors."""

from dataclasses import dataclass, field

import pytest

from nnspec import report
from nnspec.errors import UsageError


@dataclass
class Claim:
    id: str
    section: str
    verdict: str
    detail: str
    notes: str = "notes text"
    kind: str = "derivation"
    evidence: dict = field(default_factory=dict)
    correction: str = ""


def test_cell_escapes_pipes_and_newlines():
    assert report.cell("|a| = 1\nnext") == "\\|a\\| = 1<br>next"
    assert report.cell("already \\| escaped") == "already \\| escaped"
    assert report.cell("") == " "


def test_table_has_one_column_per_header_even_with_pipes_in_cells():
    text = report.table(("a", "b"), [("x|y", "$|w|$")])
    for line in text.splitlines():
        unescaped = line.replace("\\|", "")
        assert unescaped.count("|") == 3, line


def test_render_counts_verdicts_and_lists_errata():
    claims = [
        Claim("c1", "1-layer", "holds", "SymPy: difference simplifies to 0"),
        Claim("c2", "1-layer", "false", "dL/da = (a - y)/(a(1 - a))", notes="the loss decreases",
              evidence={"counterexample": "y=1, a=0.5"}, correction=r"\frac{a-y}{a(1-a)}"),
        Claim("c3", "2-layer", "unchecked", "prose"),
    ]
    text = report.render(claims)
    assert "| holds | 1 |" in text and "| false | 1 |" in text and "| unchecked | 1 |" in text
    assert "**Errata:** 1 claims" in text
    assert "### c2 (1-layer)" in text and "> the loss decreases" in text
    assert "$$\n\\frac{a-y}{a(1-a)}\n$$" in text
    assert "- counterexample: `y=1, a=0.5`" in text
    assert "### c1" not in text  # only false claims are errata


def test_render_without_errata_has_no_errata_section():
    text = report.render([Claim("c1", "s", "holds", "ok")])
    assert "## Errata" not in text


def test_atomic_write_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "r.md"
    report.atomic_write_bytes(target, b"one")
    report.atomic_write_bytes(target, b"two")
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
    with pytest.raises(UsageError, match=r"nnspec\[test\]"):
        report.require_matplotlib()
