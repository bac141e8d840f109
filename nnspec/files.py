"""Writing output files: never a half-written file, and a one-line error instead of a traceback.
Reading the files a user names or a folder holds without waiting for ever (`read_input`)."""

from __future__ import annotations

import errno
import json
import os
import stat
import tempfile
from pathlib import Path

from nnspec.errors import UsageError

INPUT_LIMIT = 64 << 20  # bytes of a target or of a helper module the harness reads
SYSTEM = ("/proc/", "/sys/", "/dev/")


def python_text(data: bytes, errors: str = "strict") -> str:
    """A .py file's text as Python reads it: UTF-8 with or without a byte order mark, or the
    encoding its coding line declares (`# -*- coding: latin-1 -*-`); a BOM was "invalid
    non-printable character U+FEFF" and a declared Latin-1 "not UTF-8 text". An encoding that
    Python does not know raises SyntaxError, as Python does."""
    import io
    import tokenize

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:  # no coding line, and not UTF-8 where one could stand
        if not str(exc).startswith("invalid or missing encoding declaration"):
            raise
        encoding = "utf-8"  # whose UnicodeDecodeError `not_utf8` explains (UTF-16? Latin-1?)
    return data.decode(encoding, errors)


def not_utf8(exc: UnicodeDecodeError) -> str:
    """What to tell a user whose file is not UTF-8: where, and what to do ("cannot read
    (UnicodeDecodeError)" gave neither)."""
    data = exc.object if isinstance(exc.object, bytes) else b""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16 text (it starts with a UTF-16 byte order mark); save it as UTF-8"
    line = data[:exc.start].count(b"\n") + 1
    return (f"not UTF-8 text: byte 0x{data[exc.start]:02x} on line {line} (Latin-1 or "
            "Windows-1252?); save it as UTF-8") if exc.start < len(data) else "not UTF-8 text"


def read_input(path: str | Path, limit: int = INPUT_LIMIT) -> bytes:
    """The bytes of a regular file, at most `limit` of them, read without blocking; OSError
    otherwise. A submission may be a link to /proc/kmsg, a FIFO or /dev/zero, whose plain read
    waits for ever or never ends."""
    if os.path.realpath(path).startswith(SYSTEM):
        raise OSError(errno.EPERM, "a link to a system file", str(path))
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        chunks, size = [], 0
        while chunk := os.read(fd, 1 << 20):
            size += len(chunk)
            if size > limit:
                raise OSError(errno.EFBIG, f"larger than {limit >> 20} MB", str(path))
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def write_atomic(path: str | Path, data: str | bytes, *, make_dirs: bool = False) -> None:
    """Write to a temporary file beside `path`, then rename it into place (UTF-8 for text).

    A reader sees the old file or the new one, never a part; an OSError becomes a UsageError
    (`cannot write PATH: reason`), which the command line prints as one line with exit 2. A
    link is written through (its target replaced, the link kept: renamed over, a link such as
    /dev/stdout became a regular file, for every program of the machine)."""
    shown = path
    if os.path.islink(path):
        path = os.path.realpath(path)
    path = Path(path)
    directory = path.parent
    try:
        if make_dirs:
            directory.mkdir(parents=True, exist_ok=True)
        # a short name of its own: `.NAME.xxxx.tmp` was longer than the file system allows
        # where NAME itself was near the limit (a long submission's grader file)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".nnspec-", suffix=".tmp")
    except OSError as exc:
        raise UsageError(f"cannot write {shown}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise UsageError(f"cannot write {shown}: {exc.strerror or exc}") from None
        raise


def check_writable(path: str | Path) -> None:
    """UsageError (one line) unless a file can later be written at `path` (see
    `writable_problem`)."""
    problem = writable_problem(path)
    if problem:
        raise UsageError(f"cannot write {path}: {problem}")


OWN_OUTPUTS = ("--json", "--report", "--out", "--gradescope", "--prairielearn")
OWN_STARTS = (b"# Audit of ", b"# Audits of this test run", b"# Verification of ",  # Markdown
              b"{")  # JSON, read further by `ours_to_replace`
OWN_KEYS = {"verdict", "targets", "claims", "harness_checks",  # a JSON output's top level
            "score", "gradable"}  # and a grader's results.json


def written_by(path: Path, heads: tuple[bytes, ...]) -> bool:
    """Whether a file may be written over: missing, empty, or starting with one of `heads`
    (what the command writes first). A file that is not regular, or cannot be read, may not
    (a FIFO's read waited for ever for a writer)."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return False
        with path.open("rb") as existing:
            head = existing.read(max(map(len, heads))).lstrip()
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return not head or head.startswith(heads)


def ours_to_replace(path: Path) -> bool:
    """A missing or empty file, or one nnspec wrote: `--json README.md` (a slip of the
    shell's completion) replaced the README, `--report src/model.py` a module."""
    if not written_by(path, OWN_STARTS):
        return False
    try:
        with path.open("rb") as existing:
            if not existing.read(64).lstrip().startswith(b"{"):
                return True
            existing.seek(0)
            document = json.loads(existing.read(INPUT_LIMIT))
    except FileNotFoundError:
        return True
    except (OSError, ValueError):  # not JSON
        return False
    return isinstance(document, dict) and bool(OWN_KEYS & document.keys())


def writable_problem(path: str | Path) -> str | None:
    """Why a file cannot later be written at `path` (a directory, a folder that is a file or is
    not writable), or None. Creates nothing, so that a command can check its outputs before any
    work and leave nothing behind if it is interrupted."""
    path = Path(path)
    try:
        return _writable_problem(path)
    except OSError as exc:  # a name too long, a loop of links: stat itself fails
        return exc.strerror or str(exc)


def _writable_problem(path: Path) -> str | None:
    if path.is_dir():
        return "it is a directory"
    if path.exists() and not os.access(path, os.W_OK):
        return "permission denied"
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        return f"{folder} is not a directory"
    if (os.path.realpath(folder) + "/").startswith(SYSTEM):  # root may "write" /proc, and fail
        return f"{folder} holds the system's files, not the user's"  # said to root or not
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"permission denied in {folder}"
    if os.statvfs(folder).f_flag & os.ST_RDONLY:
        return f"{folder} is on a read-only file system"
    return None


def check_outputs(outputs: dict[str, str | None], inputs: tuple[str, ...] = (),
                  suffixes: tuple[str, ...] = (),
                  directories: dict[str, str | None] | None = None, reads: str = "audits"
                  ) -> None:
    """Before any work: every output (option name to path, None if not given) writable, no two
    the same path, none an input, and none a file with one of `suffixes` inside an input
    folder (a file an audit of that folder would read). `directories` are outputs that are
    folders of files (a folder run's grader files): one must be a directory or be creatable,
    and no other output may be inside it (a target's file could replace it)."""
    seen: dict[Path, str] = {}
    folders = directories or {}
    for option, given in [*outputs.items(), *folders.items()]:
        if given == "":
            raise UsageError(f"{option} needs a file name, not an empty string")
        if not given:
            continue
        if option in ("--json", "--report") and given.endswith(("/", os.sep)):  # wrote `out`
            example = os.path.join(given, "out.md" if "report" in option else "out.json")
            raise UsageError(f"{option} {given} names a folder: give a file name, such as "
                             f"{example}")
        try:
            path = Path(given).resolve()
        except (RuntimeError, OSError):  # a link to itself, or a loop of links
            raise UsageError(f"cannot write {given}: a link that leads back to itself") from None
        if path in seen:
            raise UsageError(f"{seen[path]} and {option} name the same path {given}")
        seen[path] = option
        for source in (Path(p).resolve() for p in inputs):
            inside = source.is_dir() and source in path.parents and path.suffix in suffixes
            if path == source or inside:
                raise UsageError(f"{option} {given} would overwrite what it {reads}")
        if option not in folders:
            check_writable(path)
            if option in OWN_OUTPUTS and not ours_to_replace(path):
                raise UsageError(f"{option} {given} exists and is not a file nnspec wrote; give "
                                 "a new file name (a file is written over only if it is empty "
                                 "or an earlier output of nnspec)")
        elif problem := writable_problem(path / "results.json"):
            raise UsageError(f"{option} {given} must be a directory for a folder: {problem}")
    for option, given in outputs.items():  # the class's JSON inside the folder of grader files
        for folder, directory in folders.items():  # was silently replaced by one of them
            if given and directory and Path(directory).resolve() in Path(given).resolve().parents:
                raise UsageError(f"{option} {given} is inside {folder} {directory}, where "
                                 "each target's file goes: write it elsewhere")
