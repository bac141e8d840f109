"""The proof cache of `nnspec verify`: verdicts kept by the notes' text, the claim and the nnspec
version, so a second run of the same notes does no SymPy work (and imports no SymPy).

Where: `directory()`: $NNSPEC_CACHE_DIR, else $XDG_CACHE_HOME/nnspec, else ~/.cache/nnspec. Off: `nnspec verify
--no-cache` or NNSPEC_NO_CACHE=1. The version is nnspec's version string and a digest of the
source of nnspec and nnspec.derivations (the code that computes a verdict), so an edit of the
engine never reuses an old verdict. Two stores:
    runs/<digest of version + notes text>.json   the whole run (claims, harness checks, not found)
    claims/<digest of version + claim>.json      one claim's result, reused when the notes change
                                                 elsewhere (the claim's key holds its id, line,
                                                 quote and what its check reads)
Every file is written to a temporary name and renamed into place, so concurrent runs never see
half a file; an entry that is unreadable or not as written (its value's digest is kept with
it) is a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from functools import cache
from pathlib import Path

from nnspec.errors import UsageError
from nnspec.files import write_atomic


def enabled() -> bool:
    return os.environ.get("NNSPEC_NO_CACHE", "") in ("", "0")


def directory() -> Path:
    """nnspec's one cache folder (proofs, the audits' warm start and results, Hypothesis's
    examples): $NNSPEC_CACHE_DIR, else the user's cache folder (XDG_CACHE_HOME or ~/.cache,
    ~/Library/Caches on macOS, LOCALAPPDATA on Windows) / nnspec."""
    if os.environ.get("NNSPEC_CACHE_DIR"):
        return Path(os.environ["NNSPEC_CACHE_DIR"])
    if sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    elif os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "nnspec"


@cache
def version() -> str:
    """nnspec's version and a digest of the source that computes verdicts."""
    import nnspec

    digest = hashlib.sha256(nnspec.__version__.encode())
    roots = [Path(nnspec.__file__).parent]
    try:
        from nnspec import derivations

        roots.append(Path(derivations.__file__).parent)
    except ImportError:
        pass
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix in (".py", ".txt") and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return f"{nnspec.__version__}+{digest.hexdigest()[:16]}"


def key(*parts: str) -> str:
    digest = hashlib.sha256(version().encode())
    for part in parts:
        digest.update(b"\0" + part.encode())
    return digest.hexdigest()


def _sealed(value) -> dict:
    text = json.dumps(value, sort_keys=True)
    return {"sha256": hashlib.sha256(text.encode()).hexdigest(), "value": value}


def load(kind: str, name: str):
    """The stored JSON value, or None (missing, unreadable, not as `store` wrote it, or the
    cache is off): an entry is kept with the digest of its value, so one edited or cut by
    anything but `store` (valid JSON of another shape made verify fail with a traceback) is a
    miss."""
    if not enabled():
        return None
    try:
        entry = json.loads((directory() / kind / f"{name}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(entry, dict) or set(entry) != {"sha256", "value"} \
            or _sealed(entry["value"]) != entry:
        return None
    return entry["value"]


def store(kind: str, name: str, value) -> None:
    """Store a JSON value; a cache that cannot be written is skipped, never an error."""
    if not enabled():
        return
    try:
        folder = directory() / kind
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / f"{name}.json", json.dumps(_sealed(value), sort_keys=True))
    except (OSError, UsageError):
        pass
