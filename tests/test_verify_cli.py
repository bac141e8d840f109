"""`nnspec verify`: table, summary, JSON fields, determinism and exit codes."""

import contextlib
import json
from pathlib import Path

import pytest

from nnspec.cli import main
from nnspec.spec import verify
from nnspec.spec.claims import VERDICTS, ClaimResult

FIELDS = {"id", "section", "notes", "kind", "verdict", "detail", "transcription", "evidence",
          "correction", "convention", "line"}


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
            assert claim["evidence"] and claim["line"] > 0
        if claim["verdict"] == "holds-under-convention":
            assert claim["convention"]
    assert all(check["ok"] for check in doc["harness_checks"])


def test_same_claims_give_the_same_bytes(first_run):
    """Seeded checks, sorted keys, no timestamps: a second run of the 1-layer section (its
    random evidence included) writes the bytes of the first, in a pool or one by one."""
    from nnspec.derivations import one_layer

    _, path = first_run
    first = json.loads(path.read_text(encoding="utf-8"))
    ids = {c.id for c in one_layer.claims()}
    claims = [c for c in verify.notes_claims()[0] if c.id in ids]
    pooled = verify.to_json(verify.verify_notes(claims, workers=2), [])
    serial = verify.to_json(verify.verify_notes(claims, workers=1), [])
    assert pooled == serial
    by_id = {c["id"]: c for c in first["claims"]}
    subset = {"claims": [by_id[c.id] for c in claims], "harness_checks": [], "not_found": []}
    assert pooled == json.dumps(subset, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("count, said", [(6, "6 claims: holds"), (1, "1 claim: holds")])
def test_table_and_summary_on_stdout(tmp_path, capsys, monkeypatch, count, said):
    claims = [c for c in verify.notes_claims()[0] if c.kind == "prose statement"][:count]
    monkeypatch.setattr(verify, "notes_claims", lambda *args, **kw: (claims, []))
    assert main(["verify", "--json", str(tmp_path / "v.json")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["id", "line", "verdict", "detail"]
    first = out[1].split()
    assert first[0] == "intro.layer-count" and first[2] == "holds"
    assert first[1] == str(claims[0].line)  # the notes' line, not the id's
    assert out[-2].startswith(said)  # "1 claims" was said
    assert out[-1].startswith("harness checks: 6 of 6 pass")


def test_unwritable_json_path_is_a_one_line_usage_error(tmp_path, capsys):
    (tmp_path / "a-file").write_text("")
    assert main(["verify", "--json", str(tmp_path / "a-file" / "x.json")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("nnspec: error: cannot write")
    assert main(["verify", "--json", str(tmp_path)]) == 2
    capsys.readouterr()
    # root may write /proc as far as access() says; the write fails after the whole run
    assert main(["verify", "--json", "/proc/nnspec.json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "/proc holds the system's files" in captured.err
    folder = str(tmp_path / "new") + "/"  # a trailing slash: it wrote a file named `new`
    assert main(["verify", "--json", folder]) == 2
    assert capsys.readouterr().err == (f"nnspec: error: --json {folder} names a folder: give a "
                                       f"file name, such as {folder}out.json\n")
    assert not (tmp_path / "new").exists()


def test_a_system_folder_is_named_so_to_any_user(monkeypatch):
    """Not root, the same `--json /proc/nnspec.json` said "permission denied in /proc": a CI
    runner's user got another message than root's."""
    from nnspec import files

    monkeypatch.setattr(files.os, "access", lambda *args: False)  # as a user sees /proc
    assert files.writable_problem("/proc/nnspec.json") == \
        "/proc holds the system's files, not the user's"


def test_a_missing_json_folder_is_made_as_audit_and_report_do(tmp_path, capsys):
    assert main(["verify", "--json", str(tmp_path / "new" / "x.json")]) == 0
    assert json.loads((tmp_path / "new" / "x.json").read_text())["claims"]


def test_a_failing_harness_check_exits_one(monkeypatch, tmp_path, capsys):
    broken = ClaimResult("x", "s", "n", "code", "holds", "d", engine_errors=["boom"])
    monkeypatch.setattr(verify, "_verify", lambda *args, **kw: ([broken], [], {}))
    monkeypatch.setattr(verify, "notes_claims", lambda *args, **kw: ([], []))
    monkeypatch.setattr(verify, "claim_key", lambda *args: "k")
    real = verify.verify_document
    monkeypatch.setattr(verify, "verify_document", lambda *a: {
        **real(*a), "claims": [broken.to_dict()]})
    assert main(["verify"]) == 1
    assert "harness check failed: boom" in capsys.readouterr().err
    failed = [verify.SelfCheck("lemma", False, "not zero")]
    monkeypatch.setattr(verify, "verify_document", real)
    monkeypatch.setattr(verify, "_verify", lambda *args, **kw: ([], failed, {}))
    assert main(["verify"]) == 1
    assert "harness check failed: lemma" in capsys.readouterr().err


def test_self_checks_pass():
    assert all(c.ok for c in verify.self_checks())


def test_the_finite_difference_check_catches_a_wrong_gradient(monkeypatch):
    real = verify.defs.gradient
    monkeypatch.setattr(verify.defs, "gradient", lambda J, V: real(J, V) * 1.001)
    assert verify._finite_difference_cross_check().ok is False


def test_the_notes_errata_are_found(first_run):
    _, path = first_run
    claims = json.loads(path.read_text())["claims"]
    by_quote = {c["notes"].split(" #")[0]: c for c in claims}
    verdicts = {c["id"]: c["verdict"] for c in claims}
    for erratum in ("one.loss-decreases", "two.bwd.four-parameters"):
        assert verdicts[erratum] == "false", erratum
    for quote in (r"z=\omega + b", r"y=\omega^Tx + b",
                  "cost = (- 1 / m) * np.sum(Y * np.log(A) + (1 - Y) * (np.log(1 - A))",
                  "grads, cost = propagate(w, b, X_train, Y_train)",
                  r"J(\omega, b)=\frac{1}{m}\Sigma_{i=1}^m\mathcal{L}(\widehat{y}^{(i)}, y^i)",
                  r"dW^{[1]} = (a^{[2]}-y)W^{[2]}\color{red}{*}((1-a^{[1]})a^{[1]})x"):
        assert by_quote[quote]["verdict"] == "false", quote
        assert by_quote[quote]["line"] > 0
    assert by_quote[r"\sigma(\omega^Tx + b)=\mathbb{P}(y|x)"]["verdict"] == \
        "holds-under-convention"
    for quote in (r"\frac{a-y}{a(1-a)}(1-a)ax = (a-y)x", "dw = (1/m)*np.dot(X,(A-Y).T)",
                  r"\frac{d\mathcal{L}}{db} = (a-y)"):
        assert by_quote[quote]["verdict"] == "holds", quote
    assert json.loads(path.read_text())["not_found"] == []


def test_verify_takes_a_notes_file(tmp_path, capsys):
    notes = tmp_path / "my-notes.md"
    notes.write_text("# Mine\n\n$$\\frac{d\\mathcal{L}}{db} = y - a$$\n", encoding="utf-8")
    assert main(["verify", str(notes), "--json", str(tmp_path / "v.json")]) == 0
    out = capsys.readouterr().out
    assert "mine.dL-db" in out and "false" in out
    # notes of one's own quote none of the shipped notes' sentences: one line, not 23 ids
    assert "hand-bound prose claims not found in the notes" not in out
    assert "these notes quote none of them" in out
    doc = json.loads((tmp_path / "v.json").read_text())
    assert [c["line"] for c in doc["claims"]] == [3] and doc["not_found"]
    assert doc["hand_bound_found"] == 0


def test_missing_notes_file_is_a_one_line_usage_error(tmp_path, capsys):
    assert main(["verify", str(tmp_path / "nope.md")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"nnspec: error: cannot read {tmp_path / 'nope.md'}: no such file"]


@pytest.mark.parametrize(("content", "expected"), [
    (b"", "is empty: no notes to verify"),
    (b"\0\0\0\n", "has no text (only NUL bytes or spaces): no notes to verify"),
    (b"# Changelog\n\nFixed a typo.\n", "no claims in"),
    (b'[project]\nname = "nnspec"\nversion = "0.1.0"\n',
     "is not notes: nnspec reads notes as Markdown"),
])
def test_notes_a_ci_job_must_not_pass_on_are_usage_errors(tmp_path, capsys, content, expected):
    """A truncated file, or the wrong one, printed "0 claims" and exited 0: CI stayed green
    (pyproject.toml had 32 claims, its `key = value` lines read as a listing)."""
    notes = tmp_path / ("pyproject.toml" if b"[project]" in content else "notes.md")
    notes.write_bytes(content)
    assert main(["verify", str(notes)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and expected in err[0]


@pytest.mark.parametrize("command", ["verify", "report"])
@pytest.mark.parametrize("kind", ["zero", "fifo", "crlf"])
def test_notes_that_are_no_regular_file_are_refused_and_line_ends_are_read(
        tmp_path, capsys, command, kind):
    """A link to /dev/zero was read until the machine ran out of memory, a FIFO waited for
    ever: notes are read as a regular file of bounded size (as a submission is). Windows line
    ends are read as Python's text mode read them."""
    import os

    notes = tmp_path / "notes.md"
    if kind == "zero":
        notes.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(notes)
    else:
        notes.write_bytes(b"# Mine\r\n\r\n$$\\frac{d\\mathcal{L}}{db} = a - y$$\r\n")
    args = [command, str(notes)] + (["--out", str(tmp_path / "out")] if command == "report"
                                    else ["--json", str(tmp_path / "v.json")])
    code = main(args)
    err = capsys.readouterr().err.strip().splitlines()
    if kind == "crlf":
        assert code == 0, err
        if command == "verify":
            claims = json.loads((tmp_path / "v.json").read_text())["claims"]
            assert [(c["line"], c["verdict"]) for c in claims] == [(3, "holds")]
        return
    assert code == 2 and len(err) == 1, err
    assert ("a link to a system file" if kind == "zero" else "not a regular file") in err[0]


def test_json_naming_the_notes_or_nothing_is_refused(tmp_path, capsys):
    """`--json my-notes.md` overwrote the author's notes with JSON (exit 0); `--json ''`
    wrote nothing and exited 0."""
    notes = tmp_path / "my-notes.md"
    notes.write_text("# Mine\n\n$$\\frac{d\\mathcal{L}}{db} = y - a$$\n", encoding="utf-8")
    before = notes.read_bytes()
    assert main(["verify", str(notes), "--json", str(notes)]) == 2
    assert "would overwrite what it verifies" in capsys.readouterr().err
    assert notes.read_bytes() == before
    assert main(["verify", str(notes), "--json", ""]) == 2
    assert "--json needs a file name" in capsys.readouterr().err


def test_a_reader_that_leaves_early_gets_no_traceback(tmp_path):
    """`nnspec verify | head`: the tool stops quietly with 141 (128 + SIGPIPE), as a shell
    reports a writer whose reader went away (shown on a quick command: every command's
    output goes through the same handler)."""
    import subprocess
    import sys

    target = Path(__file__).parent / "corpus" / "logreg_propagate" / "correct_stable.py"
    run = subprocess.Popen([sys.executable, "-m", "nnspec", "audit", str(target), "--contract",
                            "logreg.propagate", "--examples", "3"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    run.stdout.close()  # before the table is written
    run.stdout = None  # what is left to read is stderr
    try:
        _, err = run.communicate(timeout=300)
    finally:
        run.kill()
    assert run.returncode == 141 and "Traceback" not in err, err


@pytest.mark.parametrize("stdout", ["full", "closed"])
def test_a_stdout_that_cannot_be_written_gets_one_line_not_a_traceback(stdout):
    """`> /dev/full` and a closed stdout (`>&-`) gave tracebacks; a full one is said in one
    line (exit 2), a closed one writes nowhere, as Python's print does."""
    import subprocess
    import sys

    target = Path(__file__).parent / "corpus" / "logreg_propagate" / "correct_stable.py"
    argv = [sys.executable, "-m", "nnspec", "audit", str(target), "--contract",
            "logreg.propagate", "--examples", "3"]
    if stdout == "full":
        with open("/dev/full", "w") as full:
            done = subprocess.run(argv, stdout=full, stderr=subprocess.PIPE, text=True,
                                  timeout=300, check=False)
        assert done.returncode == 2, done.stderr
        assert done.stderr.splitlines()[-1] == ("nnspec: error: cannot write to standard "
                                                "output: No space left on device")
    else:
        done = subprocess.run(argv, stdout=None, stderr=subprocess.PIPE, text=True,
                              timeout=300, check=False, close_fds=True,
                              preexec_fn=lambda: __import__("os").close(1))
        assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr


def test_ctrl_c_on_a_terminal_prints_one_line(tmp_path):
    """A terminal's Ctrl-C goes to the whole process group: the pool's workers took it too
    and each printed `Process ForkPoolWorker-N:` and a traceback before `nnspec: interrupted`."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from nnspec.cores import usable_cores

    if usable_cores() < 2:
        pytest.skip("one core: verify runs its checks without a pool")

    run = subprocess.Popen([sys.executable, "-m", "nnspec", "verify", "--no-cache"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                           start_new_session=True, env={**os.environ, "NNSPEC_CACHE_DIR":
                                                        str(tmp_path)})
    deadline = time.monotonic() + 60
    children = Path(f"/proc/{run.pid}/task/{run.pid}/children")
    while time.monotonic() < deadline and len(children.read_text().split()) < 2:
        time.sleep(0.05)  # until the pool's workers run
    os.killpg(run.pid, signal.SIGINT)
    try:
        _, err = run.communicate(timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):  # a worker left behind holds stderr
            os.killpg(run.pid, signal.SIGKILL)
    assert run.returncode == 130 and err == "nnspec: interrupted\n", err


POOL_STARTS_UNDER_CTRL_C = """
import os, signal
from multiprocessing import context
from pathlib import Path
from nnspec.errors import on_interrupt, reset_interrupt
from nnspec.spec import verify

reset_interrupt()
signal.signal(signal.SIGINT, on_interrupt)
start = context.ForkProcess.start
def start_then_ctrl_c(process):
    start(process)
    os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C as soon as the first worker is forked
context.ForkProcess.start = start_then_ctrl_c
try:
    verify._run_all([int, int, int], workers=3)
except KeyboardInterrupt:
    print("interrupted", Path(f"/proc/self/task/{os.getpid()}/children").read_text().split())
"""


def test_ctrl_c_while_the_pool_starts_leaves_no_worker(tmp_path):
    """A Ctrl-C while verify's pool forked its workers raised in the pool's constructor: the
    workers already forked outlived the command (they ignore Ctrl-C) and kept its output open,
    so whatever read it waited for ever (a CI job hung on `nnspec verify`)."""
    import os
    import signal
    import subprocess
    import sys

    run = subprocess.Popen([sys.executable, "-c", POOL_STARTS_UNDER_CTRL_C],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           start_new_session=True)
    try:
        out, err = run.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        out, err = "workers still holding the output after 60 s", ""
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(run.pid, signal.SIGKILL)
    assert out == "interrupted []\n", (out, err)


def test_the_pools_workers_end_on_sigterm_wherever_they_are():
    """The pool stops its workers with SIGTERM. They inherited the CLI's handler, which runs
    in Python between bytecodes: one that came just before a worker waited for its next task
    left it waiting for ever, and the command with it (3 times in 130 Ctrl-Cs). A worker
    ends on SIGTERM as by default, and leaves Ctrl-C to its parent."""
    import signal

    from nnspec.errors import on_interrupt, reset_interrupt
    from nnspec.spec import verify

    def dispositions():
        return signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)

    reset_interrupt()
    previous = {signum: signal.signal(signum, on_interrupt)
                for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        seen = verify._run_all([dispositions] * 4, workers=2)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    assert set(seen) == {(signal.SIG_DFL, signal.SIG_IGN)}


@pytest.mark.parametrize("data, said", [
    ("# Notes\n\nLa d\u00e9riv\u00e9e: $dw = 0$\n".encode("latin-1"),
     "not UTF-8 text: byte 0xe9 on line 3 (Latin-1 or Windows-1252?); save it as UTF-8"),
    ("# Notes\n$dw = 0$\n".encode("utf-16"),
     "UTF-16 text (it starts with a UTF-16 byte order mark); save it as UTF-8")])
def test_a_file_in_another_encoding_says_where_and_what_to_do(tmp_path, capsys, data, said):
    """Latin-1 or UTF-16 notes, and a Latin-1 submission, were "not UTF-8 text" and
    "cannot read (UnicodeDecodeError)": nothing to act on."""
    notes = tmp_path / "notes.md"
    notes.write_bytes(data)
    assert main(["verify", str(notes)]) == 2
    assert capsys.readouterr().err == f"nnspec: error: cannot read {notes}: {said}\n"
    target = tmp_path / "mine.py"
    target.write_bytes(data)
    assert main(["audit", str(target), "--contract", "logreg.propagate"]) == 2
    assert capsys.readouterr().err == f"nnspec: error: target mine.py: cannot read: {said}\n"


def test_fail_on_makes_ci_fail_on_the_verdicts_named(first_run, tmp_path, capsys):
    """Errata are findings (exit 0); an author who keeps notes in CI asks to fail on some:
    `--fail-on false`. An edit that makes a hand-bound sentence false only made it "not
    found", exit 0: `--fail-on not-found` fails on it."""
    from nnspec.spec import notes

    assert first_run[0] == 0  # the shipped notes: 15 false, by default not a failure
    capsys.readouterr()
    assert main(["verify", "--fail-on", "false,holds-under-convention"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("--fail-on: ") and " false" in err and err.count("\n") == 1
    assert main(["verify", "--fail-on", "not-found"]) == 0  # every sentence quoted
    edited = tmp_path / "notes.txt"
    text = notes.shipped_text()
    assert text.count("it is necessary to recompute") == 1
    edited.write_text(text.replace("it is necessary to recompute",
                                   "it is not necessary to recompute"), encoding="utf-8")
    capsys.readouterr()
    assert main(["verify", str(edited), "--fail-on", "not-found"]) == 3
    assert capsys.readouterr().err == "--fail-on: 1 not found\n"
    assert main(["verify", str(edited)]) == 0


def test_fail_on_an_unknown_verdict_is_a_usage_error(capsys):
    assert main(["verify", "--fail-on", "flase"]) == 2
    err = capsys.readouterr().err
    assert err == ("nnspec: error: --fail-on: unknown verdict 'flase'; did you mean 'false'? "
                   "choose from false, unchecked, holds-under-convention, not-found\n")


@pytest.mark.parametrize("given", [",", "", " , "])
def test_a_fail_on_that_names_no_verdict_is_a_usage_error(tmp_path, capsys, given):
    """`--fail-on ,` (an empty variable in a CI script) was accepted and turned the gate off:
    exit 0 with errata in the notes."""
    notes_file = tmp_path / "notes.md"
    notes_file.write_text("# Mine\n\n$$\\frac{d\\mathcal{L}}{db} = y - a$$\n", encoding="utf-8")
    assert main(["verify", str(notes_file), "--fail-on", given]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nnspec: error: --fail-on names no verdict") and err.count("\n") == 1


@pytest.mark.parametrize("command", ["report", "generate"])
def test_an_empty_out_folder_is_a_usage_error(capsys, command):
    """`report --out ''` wrote verification.md into the working folder, and `generate --out ''`
    acted on the installed reference/."""
    with pytest.raises(SystemExit) as raised:
        main([command, "--out", ""])
    code = raised.value.code
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err == [(f"nnspec: error: argument --out: needs a folder name, not an "
                                 f"empty string (see nnspec {command} --help)")], err
