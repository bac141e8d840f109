"""The results cache: a rerun audits nothing again, a change re-audits only what changed, the key
covers what a result depends on, and several writers at once never corrupt the file."""

from __future__ import annotations

import json
import multiprocessing
import shutil
import sqlite3
from pathlib import Path

import pytest

from nnspec.audit.cache import ResultCache, target_key
from nnspec.audit.engine import AuditResult, Finding
from nnspec.cli import main
from nnspec.errors import UsageError

CORPUS = Path(__file__).parent / "corpus" / "logreg_propagate"
OPTIONS = {"dtype": "float64", "examples": 5, "hidden_activation": "sigmoid", "seed": 0,
           "timeout": 60.0}


def _run(capsys: pytest.CaptureFixture, folder: Path, cache: Path, out: Path,
         code: int = 2) -> list[str]:
    assert main(["audit", str(folder), "--contract", "logreg.propagate", "--examples", "5",
                 "--workers", "1", "--cache", str(cache), "--json", str(out)]) == code
    return capsys.readouterr().err.splitlines()


def test_rerun_audits_nothing_and_a_change_reaudits_only_it(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    folder, cache = tmp_path / "class", tmp_path / "cache.sqlite"
    folder.mkdir()
    shutil.copy(CORPUS / "correct_stable.py", folder / "alice.py")
    shutil.copy(CORPUS / "bug_sign_error.py", folder / "dave.py")
    (folder / "bob.py").write_text("def propagate(:\n")
    first = _run(capsys, folder, cache, tmp_path / "1.json", 1)
    assert not any("(cached)" in line for line in first)
    again = _run(capsys, folder, cache, tmp_path / "2.json", 1)
    assert again == ["[1/3] alice.py: conforms (cached)", "[2/3] bob.py: error (cached)",
                     "[3/3] dave.py: defect (cached)"]
    assert (tmp_path / "1.json").read_bytes() == (tmp_path / "2.json").read_bytes()
    with (folder / "alice.py").open("a") as resubmitted:
        resubmitted.write("# second version\n")
    # alice's first version under another name: audited, as a message may name its file
    shutil.copy(CORPUS / "correct_stable.py", folder / "carol.py")
    third = _run(capsys, folder, cache, tmp_path / "3.json", 1)
    assert [line for line in third if "(cached)" in line] == [
        "[1/4] bob.py: error (cached)", "[2/4] dave.py: defect (cached)"]
    verdicts = {t["target"]: t["verdict"]
                for t in json.loads((tmp_path / "3.json").read_text())["targets"]}
    assert verdicts == {"alice.py": "conforms", "bob.py": "error", "carol.py": "conforms",
                        "dave.py": "defect"}


def test_an_error_or_a_failed_import_is_audited_again_once_a_package_is_installed(
        tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """"install it", says the error of an import that failed; the rerun after installing
    served the cached error (0 points) until --no-cache. What depends on the installed
    packages (the error, a conforming target's note of an import) is kept under a key that
    holds them: served while nothing is installed, audited again after."""
    from nnspec.audit import cache as results_cache

    folder, cache = tmp_path / "class", tmp_path / "cache.sqlite"
    folder.mkdir()
    (folder / "alice.py").write_text(
        "import numpy as np\nfrom courselib_x import sigmoid\n\n\ndef propagate(w, b, X, Y):\n"
        "    m = X.shape[1]\n    A = sigmoid(w.T @ X + b)\n"
        "    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m\n"
        "    return {'dw': X @ (A - Y).T / m, 'db': np.sum(A - Y) / m}, cost\n")
    (folder / "bob.py").write_text("from courselib_x import helper\n" + (
        CORPUS / "correct_stable.py").read_text())
    assert _run(capsys, folder, cache, tmp_path / "1.json") == [
        "[1/2] alice.py: error", "[2/2] bob.py: conforms"]
    assert _run(capsys, folder, cache, tmp_path / "2.json") == [
        "[1/2] alice.py: error (cached)", "[2/2] bob.py: conforms (cached)"]
    monkeypatch.setattr(results_cache, "environment_digest", lambda: "courselib_x installed")
    assert sorted(_run(capsys, folder, cache, tmp_path / "3.json")) == [
        "[1/2] alice.py: error", "[2/2] bob.py: conforms"]  # audited again
    assert "import failed" in (tmp_path / "3.json").read_text()


def test_a_cached_result_names_its_target_as_a_fresh_one_does(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """The cache returned the raw name: an escape sequence reached the terminal and a newline
    forged a progress line, and the JSON and grader files differed from the first run's."""
    folder, cache = tmp_path / "class", tmp_path / "cache.sqlite"
    folder.mkdir()
    shutil.copy(CORPUS / "correct_stable.py", folder / "x\x1b[2J.py")
    (folder / "bob.py").write_text("def propagate(:\n")
    runs = [_run(capsys, folder, cache, tmp_path / f"{n}.json") for n in (1, 2)]
    assert not any("\x1b" in line for line in runs[0] + runs[1])
    assert "(cached)" in " ".join(runs[1])
    assert (tmp_path / "1.json").read_bytes() == (tmp_path / "2.json").read_bytes()


def test_key_covers_bytes_helpers_contract_and_options(tmp_path: Path) -> None:
    target = tmp_path / "hw.py"
    target.write_text("from helper import sigmoid\nimport numpy as np\n")
    (tmp_path / "helper.py").write_text("def sigmoid(z): return z\n")
    (tmp_path / "other.py").write_text("x = 1\n")
    key = target_key(target, "logreg.propagate", OPTIONS)
    assert key == target_key(target, "logreg.propagate", dict(OPTIONS))
    (tmp_path / "other.py").write_text("x = 2\n")  # not imported: same key
    assert target_key(target, "logreg.propagate", OPTIONS) == key
    (tmp_path / "helper.py").write_text("def sigmoid(z): return -z\n")
    changed_helper = target_key(target, "logreg.propagate", OPTIONS)
    assert changed_helper != key
    assert target_key(target, "logreg.predict", OPTIONS) != changed_helper
    assert target_key(target, "logreg.propagate", {**OPTIONS, "seed": 1}) != changed_helper
    from nnspec.audit import warmstart  # another NumPy: other values and bounds

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(warmstart, "stack_versions", lambda: ("3.11.7", "6.0", "9.9.9", "1.3.0"))
        assert target_key(target, "logreg.propagate", OPTIONS) != changed_helper
    notebook = tmp_path / "hw.ipynb"
    notebook.write_text(json.dumps({"cells": [
        {"cell_type": "code", "source": ["%matplotlib inline\n"]},
        {"cell_type": "code", "source": ["from helper import sigmoid\n"]}]}))
    before = target_key(notebook, "logreg.propagate", OPTIONS)
    (tmp_path / "helper.py").write_text("def sigmoid(z): return 0\n")
    assert target_key(notebook, "logreg.propagate", OPTIONS) != before


def _result(i: int) -> AuditResult:
    return AuditResult(f"t{i}.py", "logreg.propagate", "defect",
                       [Finding("value", "defect", f"wrong {i}", {"inputs": {"w": [[i]]}})],
                       options=OPTIONS)


def _write_many(path: str, writer: int, count: int) -> None:
    with ResultCache(path) as cache:
        for i in range(count):
            cache.put(f"{writer}-{i}", _result(writer * 1000 + i))


def test_concurrent_writers_never_corrupt_the_file(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.sqlite")
    ctx = multiprocessing.get_context("fork")  # writers start at once, without re-importing
    writers = [ctx.Process(target=_write_many, args=(path, w, 150)) for w in range(4)]
    for proc in writers:
        proc.start()
    for proc in writers:
        proc.join(120)
        assert proc.exitcode == 0
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert db.execute("SELECT COUNT(*) FROM results").fetchone() == (600,)
    with ResultCache(path) as cache:
        got = cache.get("3-149", "renamed.py")
        assert got is not None and got.target == "renamed.py"
        assert got.findings[0].message == "wrong 3149"
        assert json.loads(got.to_json())["findings"] == json.loads(_result(3149).to_json())[
            "findings"]


def test_an_unusable_cache_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "not-a-db").write_text("plain text, not SQLite\n" * 100)
    with pytest.raises(UsageError, match="cannot use the cache"):
        ResultCache(tmp_path / "not-a-db")
    with pytest.raises(UsageError, match="cannot use the cache"):
        ResultCache(tmp_path)  # a directory


def test_another_programs_database_is_left_as_it_was(tmp_path: Path) -> None:
    """`--cache app.db` added nnspec's table to another program's SQLite file and switched it
    to WAL mode."""
    import sqlite3

    other = tmp_path / "app.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE users (name TEXT)")
    db.close()
    before = other.read_bytes()
    with pytest.raises(UsageError, match="another program's database"):
        ResultCache(other)
    assert other.read_bytes() == before
    ours = ResultCache(tmp_path / "ours.sqlite")  # nnspec's own opens again
    ours.close()
    ResultCache(tmp_path / "ours.sqlite").close()


def test_an_interrupted_folder_run_resumes_where_it_stopped(tmp_path: Path) -> None:
    """A real interruption: Ctrl-C while the last target hangs. What was finished is in the
    cache; the next run takes it from there and audits only the rest."""
    import signal
    import subprocess
    import sys
    import time

    folder, cache = tmp_path / "class", tmp_path / "cache.sqlite"
    folder.mkdir()
    for name in ("a.py", "b.py", "c.py"):
        shutil.copy(CORPUS / "correct_stable.py", folder / name)
    (folder / "z_hangs.py").write_text("import time\n\ndef propagate(w, b, X, Y):\n"
                                       "    time.sleep(600)\n")
    argv = [sys.executable, "-m", "nnspec", "audit", str(folder), "--contract",
            "logreg.propagate", "--examples", "5", "--workers", "1", "--timeout", "60",
            "--cache", str(cache), "--json", str(tmp_path / "out.json")]
    first = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def stored() -> int:
        try:
            with sqlite3.connect(cache) as db:
                return db.execute("SELECT COUNT(*) FROM results").fetchone()[0]
        except sqlite3.Error:
            return 0

    deadline = time.monotonic() + 120
    while stored() < 3 and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.2)
    assert stored() == 3  # a, b and c; z hangs
    first.send_signal(signal.SIGINT)
    assert first.wait(30) == 130
    assert not (tmp_path / "out.json").exists()  # nothing half-written
    (folder / "z_hangs.py").write_text((CORPUS / "correct_stable.py").read_text())  # fixed
    again = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    assert again.returncode == 0
    lines = [line for line in again.stderr.splitlines() + again.stdout.splitlines()
             if line.startswith("[")]
    fresh = [line for line in lines if not line.endswith("(cached)")]
    assert len(lines) == 4 and len(fresh) == 1 and "z_hangs.py: conforms" in fresh[0]


def test_key_and_shipped_files_cover_every_helper_the_sandbox_loads(tmp_path: Path) -> None:
    """The key read a notebook's raw cells (a cell with a magic did not parse: its imports were
    lost) and direct imports only, so a broken helper was served `conforms (cached)`; Dask's
    shipped files came from the same scan, and the audit there could not import the helper."""
    from nnspec.audit.batch import Job, shipped

    (tmp_path / "myhelp.py").write_text("import h2\ndef sigmoid(z): return h2.s(z)\n")
    (tmp_path / "h2.py").write_text("def s(z): return z\n")
    notebook = tmp_path / "hw.ipynb"
    notebook.write_text(json.dumps({"cells": [{"cell_type": "code", "source": [
        "%matplotlib inline\n", "import numpy as np\n", "from myhelp import sigmoid\n"]}]}))
    before = target_key(notebook, "logreg.propagate", OPTIONS)
    (tmp_path / "h2.py").write_text("def s(z): return -2 * z\n")  # imported by a helper
    assert target_key(notebook, "logreg.propagate", OPTIONS) != before
    job = shipped(Job(str(notebook), "hw.ipynb", "logreg.propagate", ()))
    assert [name for name, _ in job.files] == ["hw.ipynb", "h2.py", "myhelp.py"]
