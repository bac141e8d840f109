"""The warm start: a process that finds the explore passes on disk gives the same bytes as one
that draws them, reads nothing it did not write, and treats a damaged file as a miss."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

from nnspec.audit import warmstart

CORPUS = Path(__file__).parent / "corpus" / "logreg_propagate"
BUGGY = CORPUS / "bug_missing_one_over_m.py"


def _audit(tmp_path: Path, cache: Path, name: str, **env: str) -> tuple[int, bytes, str]:
    out = tmp_path / f"{name}.json"
    proc = subprocess.run(
        [sys.executable, "-m", "nnspec", "audit", str(BUGGY), "--contract", "logreg.propagate",
         "--examples", "20", "--json", str(out)],
        check=False, capture_output=True, text=True, timeout=300,
        env={**os.environ, "NNSPEC_CACHE_DIR": str(cache), **env})
    return proc.returncode, out.read_bytes() if out.exists() else b"", proc.stderr


def _stored(cache: Path) -> list[Path]:
    return sorted((cache / "explored").glob("*.pickle"))


def test_a_warm_process_writes_the_same_bytes_as_a_cold_one(tmp_path):
    cache = tmp_path / "cache"
    code, cold, _ = _audit(tmp_path, cache, "cold")
    assert code == 1 and b'"value"' in cold
    assert len(_stored(cache)) == 1
    inode = _stored(cache)[0].stat().st_ino
    assert _audit(tmp_path, cache, "warm")[:2] == (1, cold)
    assert _stored(cache)[0].stat().st_ino == inode  # read, not written again (a new file)
    assert _audit(tmp_path, tmp_path / "off", "off", NNSPEC_NO_CACHE="1")[:2] == (1, cold)
    assert not (tmp_path / "off").exists()


def test_the_stored_problems_are_what_the_audit_explores(tmp_path):
    """The check above could not fail if the file were never read: planted problems (none at
    all) change the audit, so a warm run really explores what the file holds."""
    cache = tmp_path / "cache"
    _, cold, _ = _audit(tmp_path, cache, "cold")
    path = _stored(cache)[0]
    stored = pickle.loads(path.read_bytes()[len(warmstart.MAGIC):])
    stored["problems"] = {key: [] for key in stored["problems"]}
    path.write_bytes(warmstart.MAGIC + pickle.dumps(stored))
    code, planted, _ = _audit(tmp_path, cache, "planted")
    assert planted != cold
    assert code == 0 and b'"value"' not in planted  # nothing explored, nothing found


def test_a_damaged_or_foreign_file_is_a_miss(tmp_path):
    cache = tmp_path / "cache"
    _, cold, _ = _audit(tmp_path, cache, "cold")
    path = _stored(cache)[0]
    for damage in (b"", path.read_bytes()[:1000], b"not nnspec's" + path.read_bytes()[40:],
                   warmstart.MAGIC + b"\x80\x05garbage"):
        path.write_bytes(damage)
        code, again, err = _audit(tmp_path, cache, "again")
        assert (code, again) == (1, cold)
        assert "Traceback" not in err


def test_the_file_name_follows_the_key_and_the_versions(monkeypatch):
    key = ("logreg.propagate", "sigmoid", "float64", 100, 0)
    first = warmstart.name(key)
    assert warmstart.name(key) == first
    assert warmstart.name((*key[:-1], 1)) != first
    assert warmstart.name(("logreg.predict", *key[1:])) != first
    import hypothesis
    import mpmath
    import numpy

    for module in (hypothesis, numpy, mpmath):  # read without importing them: the same
        assert warmstart._version(module.__name__) == module.__version__
    installed = warmstart._version
    monkeypatch.setattr(warmstart, "_version",
                        lambda package: "0.0.0" if package == "hypothesis" else installed(package))
    assert warmstart.name(key) != first


def test_only_the_most_recently_used_files_are_kept(monkeypatch, tmp_path):
    """--seed random gives every run a key of its own: the folder keeps KEPT files, the ones
    written or read last."""
    monkeypatch.setattr(warmstart, "KEPT", 3)
    monkeypatch.setattr(warmstart, "_HELD", {})
    monkeypatch.setattr(warmstart, "_TRIED", set())
    keys = [("logreg.propagate", "sigmoid", "float64", 100, seed) for seed in range(6)]
    for n, key in enumerate(keys):
        warmstart.keep(key, {(*key, False): [n]}, {("run", n): []})
        os.utime(warmstart._path(key), ns=(n * 10**9, n * 10**9))  # distinct ages
    assert sorted(p.name for p in _stored(Path(os.environ["NNSPEC_CACHE_DIR"]))) == sorted(
        f"{warmstart.name(k)}.pickle" for k in keys[3:])
    assert warmstart.restore(keys[0]) == ({}, {})  # evicted
    assert warmstart.restore(keys[3]) == ({(*keys[3], False): [3]}, {("run", 3): []})


def test_a_file_others_could_have_written_is_not_read(monkeypatch, tmp_path):
    """Unpickling runs code: a file (or folder) that another user could write is a miss."""
    monkeypatch.setattr(warmstart, "_HELD", {})
    monkeypatch.setattr(warmstart, "_TRIED", set())
    key = ("logreg.propagate", "sigmoid", "float64", 100, 7)
    warmstart.keep(key, {(*key, False): ["drawn"]}, {})
    path = warmstart._path(key)
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
    for target, mode in ((path, 0o666), (path.parent, 0o777)):
        original = target.stat().st_mode & 0o777
        target.chmod(mode)
        monkeypatch.setattr(warmstart, "_TRIED", set())
        assert warmstart.restore(key) == ({}, {})
        target.chmod(original)
    monkeypatch.setattr(warmstart, "_TRIED", set())
    assert warmstart.restore(key) == ({(*key, False): ["drawn"]}, {})


def _probe(target: Path, cache: Path, out: Path) -> tuple[int, bool]:
    """An audit of `target` in a new process: its exit code, and whether it imported
    Hypothesis (drew or shrank)."""
    probe = ("import sys; from nnspec.cli import main; "
             f"code = main(['audit', {str(target)!r}, '--contract', 'logreg.propagate', "
             f"'--examples', '20', '--json', {str(out)!r}]); "
             "print(code, 'hypothesis' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=300, check=False,
                          env={**os.environ, "NNSPEC_CACHE_DIR": str(cache)})
    code, imported = proc.stdout.split()[-2:]
    return int(code), imported == "True"


def test_a_warm_audit_that_replays_its_shrinking_never_imports_hypothesis(tmp_path):
    """Importing Hypothesis is a fifth of a small audit's time: with the problems and the
    shrinking runs on disk, the second audit runs without it, and gives the same bytes."""
    cache = tmp_path / "cache"
    _, cold, _ = _audit(tmp_path, cache, "cold")
    out = tmp_path / "warm.json"
    assert _probe(BUGGY, cache, out) == (1, False) and out.read_bytes() == cold
    assert _probe(BUGGY, tmp_path / "empty", out) == (1, True)  # cold: it draws, so imports it


def test_a_shrinking_run_learned_by_a_later_process_is_stored_too(tmp_path):
    """The file is written by the first audit; a later audit of another target that had to
    shrink for itself writes it again, so that a third process replays that run as well."""
    cache, other = tmp_path / "cache", CORPUS / "bug_sign_error.py"
    _audit(tmp_path, cache, "cold")
    assert _probe(other, cache, tmp_path / "first.json")[1]  # its own runs
    assert not _probe(other, cache, tmp_path / "again.json")[1]  # replayed
    assert (tmp_path / "again.json").read_bytes() == (tmp_path / "first.json").read_bytes()


def test_a_folder_worker_writes_at_most_every_few_seconds_and_at_its_exit(tmp_path):
    """A worker that learns a shrinking run from nearly every target wrote a few megabytes
    after each; it now writes the first, then at most every WRITE_EVERY seconds, and what is
    left when it exits: a later process still replays the runs of every target."""
    folder, cache = tmp_path / "class", tmp_path / "cache"
    folder.mkdir()
    for name in ("bug_missing_one_over_m.py", "bug_sign_error.py", "bug_wrong_axis.py"):
        (folder / name).write_bytes((CORPUS / name).read_bytes())
    probe = ("import sys, time; from nnspec.audit import warmstart\n"
             "warmstart.WRITE_EVERY = 1e9\n"  # one write, then only at the exit
             "from nnspec.audit import engine\n"
             "for name in sorted(sys.argv[1:]):\n"
             "    engine.audit(name, 'logreg.propagate', examples=20)\n"
             "print(len(warmstart._PENDING))\n")
    proc = subprocess.run([sys.executable, "-c", probe, *map(str, folder.iterdir())],
                          capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "NNSPEC_CACHE_DIR": str(cache)})
    assert proc.stdout.split() == ["1"], proc.stderr  # put off while the process ran
    for name in folder.iterdir():
        assert not _probe(name, cache, tmp_path / f"{name.stem}.json")[1]  # all replayed
