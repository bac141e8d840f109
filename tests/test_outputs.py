"""Outputs: checked before any work, never a target's file, no terminal escapes from a target,
no `.hypothesis/` in the user's folder, nothing written by an interrupted report."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from nnspec.cli import main

CORRECT = Path(__file__).parent / "corpus" / "logreg_propagate" / "correct_stable.py"


def _audit(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    code = main(["audit", *argv, "--contract", "logreg.propagate", "--examples", "3"])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("outputs, words", [
    (["--json", "{target}"], "would overwrite what it audits"),
    (["--report", "{folder}/x.py"], "would overwrite what it audits"),
    (["--cache", "{folder}/mine.py"], "would overwrite what it audits"),  # (an empty .py
    # of the folder became the results database, then was audited as "null bytes")
    (["--json", "{tmp}/same", "--report", "{tmp}/same"], "name the same path"),
    (["--json", "{tmp}"], "it is a directory"),
    (["--report", "{target}/r.md"], "is not a directory"),
    (["--json", ""], "--json needs a file name"),
])
def test_bad_outputs_stop_before_any_work(tmp_path: Path, capsys: pytest.CaptureFixture,
                                          outputs: list[str], words: str) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    target = folder / "mine.py"
    target.write_text(CORRECT.read_text())
    fill = {"target": str(target), "folder": str(folder), "tmp": str(tmp_path)}
    where = str(folder) if "{folder}" in outputs[1] else str(target)
    code, out, err = _audit(capsys, where, *[o.format(**fill) for o in outputs])
    assert code == 2 and out == "" and words in err and err.count("\n") == 1
    assert target.read_text() == CORRECT.read_text()
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["class", "mine.py"]


def test_an_output_that_is_a_link_is_written_through_and_a_loop_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """An output renamed over a link replaced the link (as root, `--json /dev/stdout` made
    the system's /dev/stdout a regular file); a link to itself was a RuntimeError traceback;
    a link into /proc is a system file."""
    real, link = tmp_path / "real.json", tmp_path / "link.json"
    link.symlink_to(real)
    code, _, _ = _audit(capsys, str(CORRECT), "--json", str(link))
    assert code == 0 and link.is_symlink() and real.read_text().startswith("{")
    loop = tmp_path / "loop.json"
    loop.symlink_to(loop)
    code, _, err = _audit(capsys, str(CORRECT), "--json", str(loop))
    assert code == 2 and err == f"nnspec: error: cannot write {loop}: a link that leads back " \
        "to itself\n"
    system = tmp_path / "system.json"
    system.symlink_to("/proc/version")
    code, _, err = _audit(capsys, str(CORRECT), "--json", str(system))
    assert code == 2 and "/proc holds the system's files" in err and err.count("\n") == 1
    assert system.is_symlink()


def test_target_text_cannot_drive_the_terminal_or_break_markdown(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    target = tmp_path / "loud.py"
    target.write_text("def propagate(w, b, X, Y):\n"
                      "    raise ValueError('\\x1b[2J\\x1b[31mall good|\\u202e\\rhidden')\n")
    code, out, _ = _audit(capsys, str(target), "--report", str(tmp_path / "r.md"))
    markdown = (tmp_path / "r.md").read_text()
    assert code == 1 and "ValueError: \\x1b[2J\\x1b[31mall good|\\u202e" in out
    for text in (out, markdown):
        assert "\x1b" not in text and "\r" not in text and "\u202e" not in text
    row = next(line for line in markdown.splitlines() if line.startswith("| 1 |"))
    assert row.count(" | ") == 3  # the target's "|" is escaped, the table keeps its columns


def test_every_cache_follows_nnspec_cache_dir(tmp_path: Path) -> None:
    """The folder run's results and Hypothesis's folder go where the proofs and the warm
    start go: a user who sets NNSPEC_CACHE_DIR finds nothing written to ~/.cache."""
    env = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_STORAGE_DIRECTORY"}
    env.update(NNSPEC_CACHE_DIR=str(tmp_path / "mine"), XDG_CACHE_HOME=str(tmp_path / "xdg"))
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "a.py").write_bytes(CORRECT.read_bytes())
    done = subprocess.run([sys.executable, "-m", "nnspec", "audit", str(folder), "--contract",
                           "logreg.propagate", "--examples", "3"], cwd=tmp_path, env=env,
                          capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "mine" / "audits.sqlite").exists() and not (tmp_path / "xdg").exists()


def test_no_hypothesis_folder_in_the_users_folder(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("HYPOTHESIS_STORAGE_DIRECTORY", "NNSPEC_CACHE_DIR")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    work = tmp_path / "work"
    work.mkdir()
    done = subprocess.run([sys.executable, "-m", "nnspec", "audit", str(CORRECT), "--contract",
                           "logreg.propagate", "--examples", "3"], cwd=work, env=env,
                          capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert list(work.iterdir()) == []
    # an audit draws without Hypothesis's on-disk caches; whatever it stores goes to the cache
    stored = [p for p in tmp_path.rglob("*") if "hypothesis" in p.name.lower()]
    assert all(p.is_relative_to(tmp_path / "cache" / "nnspec") for p in stored)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_report_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              signum: int) -> None:
    """scikit-learn's training catches the KeyboardInterrupt and returns early: a SIGTERM
    there (the CLI's handler raises it too) was lost, and a report of the shortened training
    written with exit 0."""
    pytest.importorskip("matplotlib")
    from nnspec import errors
    from nnspec.report import evidence, markdown
    from nnspec.spec import verify

    def swallowing_training():  # as scikit-learn's MLPClassifier.fit does on Ctrl-C
        try:
            os.kill(os.getpid(), signum)
        except KeyboardInterrupt:
            pass
        return "evidence from interrupted training"

    monkeypatch.setattr(verify, "verify_notes", list)
    monkeypatch.setattr(evidence, "collect", swallowing_training)
    out = tmp_path / "deep" / "reports"
    previous = signal.signal(signal.SIGTERM, errors.on_interrupt)  # as the CLI has it
    errors.reset_interrupt()
    try:
        with pytest.raises(KeyboardInterrupt):
            markdown.write_report(out)
    finally:
        signal.signal(signal.SIGTERM, previous)
        errors.reset_interrupt()
    assert list(tmp_path.iterdir()) == []  # no report, no figures, no empty folders


@pytest.mark.parametrize("argv", [
    ["audit", "{hw}", "--contract", "logreg.propagate", "--json", "{mine}"],
    ["audit", "{hw}", "--contract", "logreg.propagate", "--report", "{mine}"],
    ["verify", "--json", "{mine}"],
    ["audit", "{hw}", "--contract", "logreg.propagate", "--gradescope", "{mine}"],
], ids=["audit-json", "audit-report", "verify-json", "audit-gradescope"])
def test_an_output_is_never_written_over_a_file_nnspec_did_not_write(
        tmp_path: Path, capsys: pytest.CaptureFixture, argv: list[str]) -> None:
    """`--json README.md` (the shell's completion) replaced the README, exit 0; a file that
    is empty or an earlier output of nnspec is still written over."""
    hw = tmp_path / "hw.py"
    hw.write_text("def propagate(w, b, X, Y):\n    return 1\n")
    mine = tmp_path / "notes.md"
    mine.write_text("# My notes\n\n{\"not\": \"nnspec's\"}\n")
    filled = [a.format(hw=hw, mine=mine) for a in argv]
    assert main(filled) == 2
    assert "exists and is not a file nnspec wrote" in capsys.readouterr().err
    assert mine.read_text().startswith("# My notes")
    mine.write_text("")  # empty: written, and then an earlier output of nnspec
    assert main(filled) in (0, 1)
    assert main(filled) in (0, 1) and mine.read_text().startswith(("{", "# Audit of"))
    assert main(filled) in (0, 1)  # its own output, written over again


def test_an_output_that_is_a_fifo_is_refused_at_once_not_read(tmp_path: Path) -> None:
    """Reading an existing output to see whether nnspec wrote it waited for ever on a FIFO."""
    fifo = tmp_path / "out.json"
    os.mkfifo(fifo)
    (tmp_path / "logreg.py").unlink(missing_ok=True)
    os.mkfifo(tmp_path / "logreg.py")
    for argv in (["verify", "--json", str(fifo)], ["generate", "--out", str(tmp_path)]):
        done = subprocess.run([sys.executable, "-m", "nnspec", *argv], capture_output=True,
                              text=True, timeout=120, check=False)
        assert done.returncode == 2, done.stderr
        assert "nnspec wrote" in done.stderr or "did not write" in done.stderr, done.stderr
    from nnspec.errors import UsageError
    from nnspec.report import audits  # --nnspec-report's check, before the tests run

    with pytest.raises(UsageError, match="is not a report of audits"):
        audits.check_path(fifo)
