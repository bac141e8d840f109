"""`nnspec verify`: table, summary, JSON fields, determinism and exit codes."""

import json

import pytest

from nnspec.cli import main
from nnspec.spec import verify
from nnspec.spec.claims import VERDICTS, ClaimResult

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


def test_same_claims_give_the_same_bytes(first_run):
    """Seeded checks, sorted keys, no timestamps: a second run of the 1-layer section (its
    random evidence included) writes the bytes of the first, in a pool or one by one."""
    from nnspec.derivations import one_layer

    _, path = first_run
    first = json.loads(path.read_text(encoding="utf-8"))
    claims = one_layer.claims()
    pooled = verify.to_json(verify.verify_notes(claims, workers=2), [])
    serial = verify.to_json(verify.verify_notes(claims, workers=1), [])
    assert pooled == serial
    by_id = {c["id"]: c for c in first["claims"]}
    subset = {"claims": [by_id[c.id] for c in claims], "harness_checks": []}
    assert pooled == json.dumps(subset, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_table_and_summary_on_stdout(tmp_path, capsys, monkeypatch):
    from nnspec.derivations import one_layer

    claims = one_layer.claims()[:6]
    real = verify._verify
    monkeypatch.setattr(verify, "_verify", lambda *args, **kw: real(claims, 2, True))
    assert main(["verify", "--json", str(tmp_path / "v.json")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["id", "verdict", "detail"]
    assert out[1].startswith("intro.layer-count") and "holds" in out[1]
    assert out[-2].startswith("6 claims: holds")
    assert out[-1].startswith("harness checks: 6 of 6 pass")


def test_unwritable_json_path_is_a_one_line_usage_error(tmp_path, capsys):
    assert main(["verify", "--json", str(tmp_path / "missing" / "x.json")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("nnspec: error: cannot write")
    assert main(["verify", "--json", str(tmp_path)]) == 2


def test_a_failing_harness_check_exits_one(monkeypatch, tmp_path, capsys):
    broken = ClaimResult("x", "s", "n", "code", "holds", "d", engine_errors=["boom"])
    monkeypatch.setattr(verify, "_verify", lambda *args, **kw: ([broken], []))
    assert main(["verify"]) == 1
    assert "harness check failed: boom" in capsys.readouterr().err
    failed = [verify.SelfCheck("lemma", False, "not zero")]
    monkeypatch.setattr(verify, "_verify", lambda *args, **kw: ([], failed))
    assert main(["verify"]) == 1
    assert "harness check failed: lemma" in capsys.readouterr().err


def test_self_checks_pass():
    assert all(c.ok for c in verify.self_checks())


def test_the_notes_errata_are_found(first_run):
    _, path = first_run
    verdicts = {c["id"]: c["verdict"] for c in json.loads(path.read_text())["claims"]}
    for erratum in ("one.loss-decreases", "one.bwd.arrow-z", "code.loop.unpack",
                    "code.propagate.cost", "two.bwd.four-parameters", "two.bwd.dw1",
                    "two.bwd.db1"):
        assert verdicts[erratum] == "false", erratum
    for convention in ("one.cost-definition", "two.bwd.dlda1", "one.yhat-probability"):
        assert verdicts[convention] == "holds-under-convention", convention
    for step in ("one.bwd.dlda.3", "one.bwd.dadz.4", "two.bwd.dw2", "code.propagate.dw"):
        assert verdicts[step] == "holds", step
