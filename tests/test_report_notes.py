"""`nnspec report NOTES`: the verification report of an author's notes (their verdicts,
errata with evidence, findings and claims), from the same run as `nnspec verify NOTES`."""

from pathlib import Path

import pytest

from nnspec import cli

NOTES = ("# My notes\n\n## Logistic regression\n\n"
         "$$\\frac{d\\mathcal{L}}{db} = a - y$$\n\n$$\\frac{d\\mathcal{L}}{da} = %s$$\n")
RIGHT, FLIPPED = "-\\frac{y}{a} + \\frac{1-y}{1-a}", "\\frac{y}{a} + \\frac{1-y}{1-a}"


def _notes_report(tmp_path: Path, body: str, capsys) -> str:
    notes = tmp_path / "notes.md"
    notes.write_text(NOTES % body, encoding="utf-8")
    assert cli.main(["report", str(notes), "--out", str(tmp_path / "out")]) == 0
    assert capsys.readouterr().out == f"{tmp_path / 'out' / 'verification.md'}\n"
    return (tmp_path / "out" / "verification.md").read_text(encoding="utf-8")


def test_a_report_of_an_authors_notes_follows_their_text(tmp_path, capsys) -> None:
    """`nnspec report NOTES`: the verdicts of the author's notes, not of the shipped ones; a
    sign flipped in the text is an erratum of the report, with its evidence."""
    right = _notes_report(tmp_path, RIGHT, capsys)
    assert right.startswith("# Verification of `notes.md`\n")
    out = tmp_path / "out"  # regenerated as it was written, not into ./reports
    assert f"regenerate it with `nnspec report {tmp_path / 'notes.md'} --out {out}`" in right
    assert "| false | 0 |" in right and "## Errata" not in right
    flipped = _notes_report(tmp_path, FLIPPED, capsys)
    assert "| false | 1 |" in flipped
    errata = flipped.split("## Errata", 1)[1].split("\n## ", 1)[0]
    assert "\\frac{y}{a} + \\frac{1-y}{1-a}" in errata and "Evidence:" in errata
    assert "## Numerical evidence" not in flipped  # the reference's sections: shipped report
    assert not (tmp_path / "out" / "figures").exists()


def test_a_notes_report_is_the_same_bytes_from_the_cache_and_without(tmp_path, capsys,
                                                                   monkeypatch) -> None:
    monkeypatch.setenv("NNSPEC_CACHE_DIR", str(tmp_path / "cache"))
    first = _notes_report(tmp_path, FLIPPED, capsys)
    assert _notes_report(tmp_path, FLIPPED, capsys) == first  # from the verify cache
    monkeypatch.setenv("NNSPEC_NO_CACHE", "1")
    assert _notes_report(tmp_path, FLIPPED, capsys) == first


@pytest.mark.parametrize("case, expected", [
    ("missing", "nnspec: error: "), ("no claims", "no claims in"),
    ("over the notes", "would overwrite what it reports on")])
def test_a_notes_report_that_cannot_be_written_is_one_line_and_no_file(tmp_path, capsys, case,
                                                                      expected) -> None:
    notes = tmp_path / "notes.md"
    if case != "missing":
        notes.write_text("# A README\n\nNothing to verify here.\n" if case == "no claims"
                         else NOTES % RIGHT, encoding="utf-8")
    out = tmp_path if case == "over the notes" else tmp_path / "out"
    if case == "over the notes":
        notes = notes.rename(tmp_path / "verification.md")
    before = notes.read_bytes() if notes.exists() else None
    assert cli.main(["report", str(notes), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nnspec: error: ") and expected in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()
    assert (notes.read_bytes() if notes.exists() else None) == before


def test_a_notes_report_names_the_prose_claims_its_edits_left_unchecked(tmp_path, capsys):
    """An edited sentence of the shipped notes (a typo fixed, an erratum put in other words)
    is no longer checked: `verify` said so, the report said nothing."""
    from nnspec.spec.notes import shipped_text

    sentence = "We notice that the loss function decreases when"
    assert sentence in shipped_text()
    notes = tmp_path / "notes.txt"
    notes.write_text(shipped_text().replace(sentence, "We see that the loss increases when"),
                     encoding="utf-8")
    assert cli.main(["report", str(notes), "--out", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    report = (tmp_path / "out" / "verification.md").read_text(encoding="utf-8")
    section = report.split("## Prose claims not found", 1)[1].split("\n## ", 1)[0]
    assert "`one.loss-decreases`" in section and sentence in section
    assert "## Prose claims not found" not in _notes_report(tmp_path, RIGHT, capsys)  # other notes
