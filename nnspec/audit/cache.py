"""Audit results by content, in SQLite: a rerun of an unchanged folder audits nothing again, and
an interrupted folder run resumes where it stopped (each result is stored as it arrives).

The key is a SHA-256 of everything the result depends on: the target's file name and bytes, the
bytes of the helper modules its sandbox gets (those beside it that it imports, directly or
through one another: a notebook's or a script's helpers), the
contract, the audit options, the harness itself (nnspec's version and the bytes of its own
source, so that a changed engine, contract or reference never serves an old verdict) and the
versions of Python, NumPy, Hypothesis and mpmath. A result that depends on what else is
installed (an error, an import that failed) is stored under a key that holds the installed
distributions too (`installed_key`). Data files a target reads at run time are not part of
the key.

Several runs and processes may share one file: WAL mode, a busy timeout, and one short
transaction per result keep it consistent.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import os
import sqlite3
from pathlib import Path

import nnspec
from nnspec.audit import warmstart
from nnspec.audit.engine import AuditResult, Finding
from nnspec.errors import UsageError
from nnspec.files import read_input

BUSY_TIMEOUT = 60.0  # seconds a writer waits for another one
SCHEMA = "CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, result TEXT NOT NULL)"


def default_path() -> Path:
    """audits.sqlite in nnspec's cache folder (nnspec.spec.cache.directory: $NNSPEC_CACHE_DIR,
    else the user's cache folder)."""
    from nnspec.spec import cache

    return cache.directory() / "audits.sqlite"


@functools.cache
def harness_digest() -> str:
    """nnspec's version and the bytes of every module of the installed package."""
    digest = hashlib.sha256(nnspec.__version__.encode())
    packages = [Path(p) for name in ("nnspec", "nnspec.derivations", "nnspec.reference")
                for p in importlib.import_module(name).__path__]
    for package in packages:
        for path in sorted(package.rglob("*")):
            if path.suffix in (".py", ".txt") and "__pycache__" not in path.parts:
                digest.update(path.relative_to(package).as_posix().encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()


@functools.cache
def environment_digest() -> str:
    """The installed distributions, by name and version: part of the key of a result that
    depends on what is installed (see `installed_key`)."""
    from importlib import metadata

    found = sorted({f"{d.metadata.get('Name', '')}=={d.version}" for d in metadata.distributions()})
    return hashlib.sha256("\n".join(found).encode()).hexdigest()


def installed_key(key: str) -> str:
    """The key of a result that may change once a package is installed (an error, an import
    that failed): `key` and the installed distributions. After `pip install` of what the
    message said to install, the rerun served the cached error (0 points) until --no-cache."""
    return hashlib.sha256(f"{key}\0{environment_digest()}".encode()).hexdigest()


def target_key(path: str | Path, contract: str, options: dict,
               root: Path | None = None) -> str:
    """The cache key of one audit (see the module docstring): the helper modules are those the
    sandbox ships with the target (`sandbox.helper_modules`), so that a changed helper, even
    one imported by another helper or from a notebook cell with a magic, is a new key."""
    from nnspec.audit import contracts
    from nnspec.audit.sandbox import helper_modules

    path = Path(path)
    digest = hashlib.sha256()
    try:
        files = [(path.name, read_input(path))]
    except OSError:  # the audit says why it cannot be read
        files = [(path.name, b"")]
    helpers = helper_modules(path, contracts.get(contract).function, root=root)
    for name, data in [*files, *sorted(helpers.items())]:
        digest.update(os.fsencode(name) + b"\0" + data + b"\0")
    digest.update(json.dumps({"contract": contract, "options": options,
                              "harness": harness_digest(),
                              "stack": warmstart.stack_versions()}, sort_keys=True).encode())
    return digest.hexdigest()


class ResultCache:
    """A SQLite file of AuditResults by key; `get` and `put` each take one short transaction
    (autocommit), which a concurrent writer waits for up to BUSY_TIMEOUT."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
            self.db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
            tables = {row[0] for row in self.db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            if tables - {"results"}:  # another program's database: not ours to change
                self.db.close()
                raise UsageError(f"cannot use the cache {self.path}: it is another program's "
                                 f"database (tables {', '.join(sorted(tables))}); pass --cache "
                                 "FILE elsewhere or --no-cache")
            if self.db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":  # kept by the
                self.db.execute("PRAGMA journal_mode = WAL")  # file; setting it again while
                # another run writes failed at once ("database is locked"), with no busy wait
            self.db.execute(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise UsageError(f"cannot use the cache {self.path}: {exc}; pass --cache FILE "
                             "elsewhere or --no-cache") from None

    def get(self, key: str, label: str) -> AuditResult | None:
        """The stored result under `key`, named `label`; None if absent or unreadable."""
        row = self.db.execute("SELECT result FROM results WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        try:
            return _load(row[0], label)
        except (ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, result: AuditResult) -> None:
        data = {**result.to_dict(), "options": result.options}
        text = json.dumps(data, sort_keys=True, allow_nan=False)
        self.db.execute("INSERT OR REPLACE INTO results (key, result) VALUES (?, ?)",
                        (key, text))  # one statement: one transaction

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> ResultCache:  # noqa: PYI034
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _load(text: str, label: str) -> AuditResult:
    data = json.loads(text)
    findings = [Finding(f["check"], f["severity"], f["message"], f["counterexample"],
                        f.get("diagnosis")) for f in data["findings"]]
    return AuditResult(label, data["contract"], data["verdict"], findings,
                       reason=data.get("reason", ""), options=data["options"])
