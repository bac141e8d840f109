"""The proof cache of `nnspec verify`: a second run reuses the verdicts (same bytes, no SymPy
work), an edit of the notes recomputes only what it touched, and the cache can be switched off."""

import json

import pytest

from nnspec.cli import main
from nnspec.spec import cache, verify

NOTES = "# Mine\n\n$$\\frac{d\\mathcal{L}}{db} = a - y$$\n\n$$\\frac{da}{dz} = a(1-a)$$\n"


@pytest.fixture()
def notes(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text(NOTES, encoding="utf-8")
    return path


def counting(monkeypatch):
    calls = []
    real = verify.verify_claim
    monkeypatch.setattr(verify, "verify_claim", lambda c: calls.append(c.id) or real(c))
    monkeypatch.setattr(verify, "SELF_CHECKS", (lambda: [verify.SelfCheck("stub", True, "")],))
    monkeypatch.setattr(verify, "usable_cores", lambda: 1)  # one by one, so calls are seen
    return calls


def run_json(path, tmp_path, *extra):
    out = tmp_path / "out.json"
    assert main(["verify", str(path), "--json", str(out), *extra]) == 0
    return out.read_text(encoding="utf-8")


def test_a_warm_run_reuses_every_verdict_and_writes_the_same_bytes(notes, tmp_path,
                                                                     monkeypatch, capsys):
    calls = counting(monkeypatch)
    first = run_json(notes, tmp_path)
    assert sorted(calls) == ["mine.dL-db", "mine.da-dz"]
    calls.clear()
    monkeypatch.setattr(verify, "verify_document", lambda *a: pytest.fail("not cached"))
    assert run_json(notes, tmp_path) == first and calls == []


def test_an_edit_recomputes_only_the_claims_it_touched(notes, tmp_path, monkeypatch):
    calls = counting(monkeypatch)
    run_json(notes, tmp_path)
    notes.write_text(NOTES.replace("a(1-a)", "a(1+a)"), encoding="utf-8")
    calls.clear()
    doc = json.loads(run_json(notes, tmp_path))
    assert calls == ["mine.da-dz"]
    assert [c["verdict"] for c in doc["claims"]] == ["holds", "false"]


def test_a_paragraph_inserted_above_recomputes_nothing_and_moves_the_lines(notes, tmp_path,
                                                                             monkeypatch):
    """The key held each claim's line: a paragraph inserted at the top recomputed every claim
    below it (the shipped notes: 89 of 89, as long as a cold run). The lines still follow."""
    calls = counting(monkeypatch)
    run_json(notes, tmp_path)
    notes.write_text(NOTES.replace("# Mine\n", "# Mine\n\nA new paragraph,\non two lines.\n"),
                     encoding="utf-8")
    calls.clear()
    warm = run_json(notes, tmp_path)
    assert calls == []
    assert warm == run_json(notes, tmp_path, "--no-cache")
    assert [c["line"] for c in json.loads(warm)["claims"]] == [6, 8]


def test_no_cache_option_and_environment_recompute(notes, tmp_path, monkeypatch):
    calls = counting(monkeypatch)
    run_json(notes, tmp_path)
    calls.clear()
    run_json(notes, tmp_path, "--no-cache")
    assert len(calls) == 2
    calls.clear()
    monkeypatch.setenv("NNSPEC_NO_CACHE", "1")
    run_json(notes, tmp_path)
    assert len(calls) == 2


def test_the_key_holds_the_version_the_notes_and_the_claim():
    assert cache.key("run", "a") != cache.key("run", "b")
    assert cache.key("run", "a") == cache.key("run", "a")
    cache.version.cache_clear()
    base = cache.key("run", "a")
    real = cache.version
    try:
        cache.version = lambda: "other"
        assert cache.key("run", "a") != base
    finally:
        cache.version = real


def test_an_unreadable_or_unwritable_cache_is_a_miss_not_an_error(notes, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("NNSPEC_CACHE_DIR", str(blocker))
    counting(monkeypatch)
    run_json(notes, tmp_path)
    monkeypatch.setenv("NNSPEC_CACHE_DIR", str(tmp_path / "c"))
    run_json(notes, tmp_path)
    for entry in (tmp_path / "c" / "runs").iterdir():
        entry.write_text("{not json")
    run_json(notes, tmp_path)


def test_an_entry_of_another_shape_is_a_miss(notes, tmp_path, monkeypatch):
    """Valid JSON that `store` did not write (`{}` for a run, `{"verdict": "holds"}` for a
    claim) made verify fail with a traceback (KeyError, TypeError) and exit 1."""
    monkeypatch.setenv("NNSPEC_CACHE_DIR", str(tmp_path / "c"))
    counting(monkeypatch)
    first = run_json(notes, tmp_path)
    for entry in (tmp_path / "c" / "claims").iterdir():
        entry.write_text('{"verdict": "holds"}')
    for entry in (tmp_path / "c" / "runs").iterdir():
        entry.write_text("{}")
    assert run_json(notes, tmp_path) == first
    for entry in (tmp_path / "c" / "runs").iterdir():
        entry.unlink()
    assert run_json(notes, tmp_path) == first


def test_a_renamed_heading_shows_in_a_warm_run(notes, tmp_path, monkeypatch):
    """The claim's key holds its id, line and text, not its section's title: after
    `# Mine` became `# Mine, revised` a warm run's --json kept the old title."""
    counting(monkeypatch)
    run_json(notes, tmp_path)
    notes.write_text(NOTES.replace("# Mine", "# Mine, revised"), encoding="utf-8")
    warm = run_json(notes, tmp_path)
    assert warm == run_json(notes, tmp_path, "--no-cache")
    assert {c["section"] for c in json.loads(warm)["claims"]} == {"Mine, revised"}


def test_a_ctrl_c_that_python_dropped_stops_the_run_and_caches_nothing(notes, tmp_path,
                                                                         monkeypatch, capsys):
    """Python drops a KeyboardInterrupt raised where it cannot propagate (a gc callback): the
    run it cut short went on to exit 0, and was cached as if whole."""
    import signal

    from nnspec import errors

    real, runs = verify.verify_document, []

    def interrupted_inside(*args):
        runs.append(args)
        doc = real(*args)
        errors._INTERRUPTED.append(signal.SIGINT)  # what the CLI's handler keeps of it
        return doc

    monkeypatch.setattr(verify, "verify_document", interrupted_inside)
    out = tmp_path / "out.json"
    assert main(["verify", str(notes), "--json", str(out)]) == 130
    assert not out.exists() and capsys.readouterr().err == "nnspec: interrupted\n"
    monkeypatch.setattr(verify, "verify_document", lambda *a: runs.append(a) or real(*a))
    run_json(notes, tmp_path)
    assert len(runs) == 2  # the interrupted run left no entry


def test_an_edit_of_the_loss_changes_the_verdicts_that_read_it(tmp_path, monkeypatch):
    """A formula's cached verdict is kept while its text is unchanged; the loss the notes
    define is read by every derivative of L, so an edit of it reaches them in a warm run."""
    path = tmp_path / "notes.md"
    own = "$\\mathcal{L}(a, y) = \\frac{1}{2}(a - y)^2$\n"
    cross = "$\\mathcal{L}(a, y) = -(y \\log a + (1 - y)\\log(1 - a))$\n"
    rest = "\n$\\frac{d\\mathcal{L}}{da} = a - y$\n"
    counting(monkeypatch)
    path.write_text("# Loss\n\n" + own + rest, encoding="utf-8")
    first = json.loads(run_json(path, tmp_path))
    path.write_text("# Loss\n\n" + cross + rest, encoding="utf-8")
    second = json.loads(run_json(path, tmp_path))
    assert [c["verdict"] for c in first["claims"]] == ["unchecked", "holds"]
    assert [c["verdict"] for c in second["claims"]] == ["holds", "false"]


def test_a_ctrl_c_that_a_library_turned_into_another_error_is_a_ctrl_c(notes, tmp_path,
                                                                       monkeypatch, capsys):
    """Hypothesis asserts its runner exists: a Ctrl-C at its start became an AssertionError,
    a traceback and exit 1 (a defect)."""
    import signal

    from nnspec import errors

    def interrupted_then_asserted(*args):
        errors._INTERRUPTED.append(signal.SIGINT)
        raise AssertionError("state._runner is not None")

    monkeypatch.setattr(verify, "verify_document", interrupted_then_asserted)
    assert main(["verify", str(notes), "--no-cache"]) == 130
    assert capsys.readouterr().err == "nnspec: interrupted\n"
