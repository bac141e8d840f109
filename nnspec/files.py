"""Writing output files: never a half-written file, and a one-line error instead of a traceback."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from nnspec.errors import UsageError


def write_atomic(path: str | Path, data: str | bytes, *, make_dirs: bool = False) -> None:
    """Write to a temporary file beside `path`, then rename it into place (UTF-8 for text).

    A reader sees the old file or the new one, never a part; an OSError becomes a UsageError
    (`cannot write PATH: reason`), which the command line prints as one line with exit 2."""
    path = Path(path)
    directory = path.parent
    try:
        if make_dirs:
            directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise
