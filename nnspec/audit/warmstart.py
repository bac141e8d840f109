"""What an audit computes that does not depend on the target, kept on disk between processes:
the explore passes' problems (Hypothesis draws the same ones for every target of a contract
and options), the reference values of the problems seen (exact values and bounds) and the
shrinking runs (which candidates failed; see nnspec.audit.engine._Engine._replay). A first
audit in a new process then starts where an earlier one left off instead of drawing and
evaluating again, which is most of a small audit's time.

Where: `explored/` beside the verify cache (nnspec.spec.cache: $NNSPEC_CACHE_DIR, else
$XDG_CACHE_HOME/nnspec, else ~/.cache/nnspec); off with NNSPEC_NO_CACHE=1. A file's name is a
digest of nnspec's source, the versions of Python, Hypothesis, NumPy and mpmath, the contract
and the options that shape the draws, so a change of any of them is a miss. Files are written
whole (a temporary name renamed into place) and read only by this module, and only when this
user owns them and no one else can write them or their folder; an unreadable or foreign file
is a miss. The results are the same bytes either way
(tested).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import os
import pickle
import sys
import time
from pathlib import Path
from typing import Any

from nnspec.audit import contracts
from nnspec.files import write_atomic
from nnspec.spec import cache

MAGIC = b"nnspec-warmstart-2\n"
KEPT = 16  # files kept in explored/, the most recently used
WRITE_EVERY = 5.0  # seconds between two writes of one file by one process (a folder's worker)
_TRIED: set[str] = set()  # files this process tried to read
_HELD: dict[str, dict] = {}  # files this process read or wrote: the shrinking runs they hold
_WRITTEN: dict[str, float] = {}  # files this process wrote: when (time.monotonic)
_PENDING: dict[str, tuple] = {}  # what a write skipped within WRITE_EVERY holds, until `flush`
_FLUSHED_BY: list[int] = []  # the process whose exit runs `flush`


def name(key: tuple) -> str:
    digest = hashlib.sha256(cache.version().encode())
    for part in (*stack_versions(), repr(key)):
        digest.update(b"\0" + part.encode())
    return digest.hexdigest()[:32]


def stack_versions() -> tuple[str, ...]:
    """The versions of Python, Hypothesis, NumPy and mpmath, on which draws, values and
    bounds depend."""
    return (sys.version.split()[0], *map(_version, ("hypothesis", "numpy", "mpmath")))


@functools.cache
def _version(package: str) -> str:
    """Its installed version, without importing it (Hypothesis takes a fifth of a second):
    from the name of the one dist-info folder beside it, else from importlib.metadata (whose
    import alone takes 0.03 s)."""
    spec = importlib.util.find_spec(package)
    if spec is not None and spec.origin:
        found = list(Path(spec.origin).parent.parent.glob(f"{package}-*.dist-info"))
        if len(found) == 1:
            return found[0].name[len(package) + 1:-len(".dist-info")]
    from importlib import metadata

    return metadata.version(package)


def _path(key: tuple):
    return cache.directory() / "explored" / f"{name(key)}.pickle"


def restore(key: tuple) -> tuple[dict[tuple, list], dict[tuple, tuple]]:
    """The problems stored for `key` by the engine's explore keys and the shrinking runs, the
    contracts' reference values restored with them; nothing if there is no file, it was read
    already, or the cache is off."""
    if not cache.enabled():
        return {}, {}
    path = _path(key)
    if str(path) in _TRIED:
        return {}, {}
    _TRIED.add(str(path))
    try:
        if not _ours(path):
            return {}, {}
        data = path.read_bytes()
        if not data.startswith(MAGIC):
            return {}, {}
        stored = pickle.loads(data[len(MAGIC):])  # written by this module, see _ours
        problems, truths = dict(stored["problems"]), dict(stored["truths"])
        runs = dict(stored["shrunk"])
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, KeyError,
            TypeError, ValueError):
        return {}, {}
    for truth_key, value in truths.items():
        contracts.keep_truth(truth_key, value)
    _HELD[str(path)] = _runs_held(runs)
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: kept by `_evict`
    return problems, runs


def _ours(path) -> bool:
    """Unpickling runs code: read only a file this user owns that no one else may write, in a
    folder no one else may write (a cache directory set to a shared place is a miss)."""
    for each in (path, path.parent):
        info = each.stat()
        if info.st_uid != os.getuid() or info.st_mode & 0o022:
            return False
    return True


def keep(key: tuple, problems: dict[tuple, list], runs: dict[tuple, tuple]) -> None:
    """Store `problems` (by the engine's explore keys), the shrinking runs `runs` and the
    reference values this process holds under `key`, unless the file holds these runs already
    (read or written by this process; a file it could not read is replaced). A process that
    wrote the file less than WRITE_EVERY seconds ago keeps it for later (`flush`, at the
    latest when the process exits): a folder's worker learns a run from nearly every target,
    and writing a few megabytes after each cost a tenth of the run."""
    if not cache.enabled():
        return
    path = str(_path(key))
    if _HELD.get(path) == _runs_held(runs):
        _PENDING.pop(path, None)
        return
    if path in _WRITTEN and time.monotonic() - _WRITTEN[path] < WRITE_EVERY:
        if _FLUSHED_BY != [os.getpid()]:  # once per process (a fork has its own)
            from multiprocessing import util  # its exit hook runs in pool workers too

            util.Finalize(None, flush, exitpriority=0)
            _FLUSHED_BY[:] = [os.getpid()]
        _PENDING[path] = (problems, runs)
        return
    _PENDING.pop(path, None)
    _write(Path(path), problems, runs)


def flush() -> None:
    """Write what `keep` put off."""
    while _PENDING:
        path, (problems, runs) = _PENDING.popitem()
        _write(Path(path), problems, runs)


def _write(path: Path, problems: dict[tuple, list], runs: dict[tuple, tuple]) -> None:
    _HELD[str(path)] = _runs_held(runs)
    _WRITTEN[str(path)] = time.monotonic()
    stored: dict[str, Any] = {"problems": problems, "truths": contracts.truths(),
                              "shrunk": runs}
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_atomic(path, MAGIC + pickle.dumps(stored, protocol=pickle.HIGHEST_PROTOCOL))
        _evict(path.parent)
    except Exception:  # noqa: BLE001, S110 - a cache that cannot be written is skipped
        pass


def _runs_held(runs: dict[tuple, list]) -> dict:
    """Which shrinking runs `runs` holds (their lengths and choices): a process that learned
    one the file lacks writes the file again, so that the next process replays it too."""
    return {kind: [(len(log), chosen) for log, chosen in known] for kind, known in runs.items()}


def _evict(folder) -> None:
    """Keep the KEPT most recently used files: every --seed, contract and option set has
    its own (about 0.7 MB), and `--seed random` would otherwise add one per run."""
    files = sorted(folder.glob("*.pickle"), key=lambda f: (f.stat().st_mtime_ns, f.name))
    for old in files[:-KEPT]:
        old.unlink(missing_ok=True)
