"""`nnspec verify`: table, summary, JSON fields, determinism and exit codes."""

import json

import pytest

from nnspec import verify
from nnspec.claims import VERDICTS, ClaimResult
from nnspec.cli import main

FIELDS = {"id", "section", "notes", "kind", "verdict", "detail", "transcription", "evidence",
          "correction", "convention"}


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    path = tmp_path_factory.mktemp("v") / "claims.json"
    return main(["verify", "--json", str(path)]), path


def test_exit_zero_and_json_fields(first_run, capsys):
    code, path = first_run
    assert code == 0
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert len(doc["claims"]) >= 50
    for claim in doc["claims"]:
        assert FIELDS <= set(claim)
        assert claim["verdict"] in VERDICTS
        if claim["verdict"] == "false":
            assert claim["evidence"] and claim["correction"]
        if claim["verdict"] == "holds-under-convention":
            assert claim["convention"]
    assert all(check["ok"] for check in doc["harness_checks"])


def test_same_command_writes_the_same_bytes(first_run, tmp_path, capsys):
    _, path = first_run
    again = tmp_path / "again.json"
    assert main(["verify", "--json", str(again)]) == 0
    assert again.read_bytes() == path.read_bytes()
    out = capsys.readouterr().out
    assert "claims: holds" in out and "code.propagate.cost" in out


def test_unwritable_json_path_is_a_one_line_usage_error(tmp_path, capsys):
    assert main(["verify", "--json", str(tmp_path / "missing" / "x.json")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("nnspec: error: cannot write")
    assert main(["verify", "--json", str(tmp_path)]) == 2


def test_a_failing_harness_check_exits_one(monkeypatch, tmp_path, capsys):
    broken = ClaimResult("x", "s", "n", "code", "holds", "d", engine_errors=["boom"])
    monkeypatch.setattr(verify, "verify_notes", lambda: [broken])
    assert main(["verify"]) == 1
    assert "harness check failed: boom" in capsys.readouterr().err
    monkeypatch.setattr(verify, "self_checks",
                        lambda: [verify.SelfCheck("lemma", False, "not zero")])
    monkeypatch.setattr(verify, "verify_notes", lambda: [])
    assert main(["verify"]) == 1


def test_self_checks_pass():
    assert all(c.ok for c in verify.self_checks())
