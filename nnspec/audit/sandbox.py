"""Run an untrusted target in a worker process: isolation, timeout, limits, captured stdout.

One worker process (`python -m nnspec.audit.sandbox`) serves every call of an audit. It is
started under the isolation of `nnspec.audit.isolation` (bubblewrap where user namespaces work)
and receives, over a pipe, first a private copy of the target (its file and the helper modules
of its folder that it imports) and then `(args, kwargs)` for each call. It answers with plain
data only (`nnspec.audit.answers`): the value returned and the arguments as they are after the
call. Every check that decides a verdict runs in the harness on that data: whether an input
changed, what was printed (the worker's stdout is a file the harness measures), the values and
shapes. A hostile target can make its own worker answer anything, but nothing it sends is more
than numbers, strings, lists and dicts, and an answer is never read past its size limit.

Limits in the worker, set by the worker on itself before the target is loaded (so no
`preexec_fn`): RLIMIT_AS (address space of one process, default 4 GiB), RLIMIT_FSIZE (what
printing can write), RLIMIT_NPROC (processes, when sandboxed), no core files; BLAS runs
single-threaded so that parallel audits do not oversubscribe the cores. The memory of all the
target's processes together is watched from the harness (`isolation.Watch`). The worker is killed
on a timeout and restarted lazily after a crash, a timeout or an exit. A worker restarted after
a crash runs each call in a child process of its own (`_Worker._guarded`): a target that crashes
on some inputs then costs a fork per call, not a new sandbox per crash.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from nnspec.audit import answers, isolation
from nnspec.audit.isolation import Isolation
from nnspec.audit.targets import MAX_CODE, Target, parse_target
from nnspec.errors import UsageError, raise_if_interrupted
from nnspec.files import read_input

MEMORY_LIMIT = 4 << 30
OUTPUT_LIMIT = 16 << 20  # bytes a target may print per audit before writes fail
MAX_ELEMENTS = 5_000_000  # array elements in one answer
ANSWER_LIMIT = 8 << 20  # bytes of an answer beyond twice the size of the call's arguments
TEXT_LIMIT = 1 << 20  # bytes of an answer's JSON part (structure and strings)
HELPERS_LIMIT = 8 << 20  # bytes of the target's own helper modules copied beside it
_REQUEST = struct.Struct("!Q")
SPARE_WAIT = 120.0  # seconds a worker waits for its target before it exits
RUN_LIMIT = 10.0  # seconds a file's top-level code may run before only its definitions load
WAIT_SLICE = 0.2  # seconds between two looks at a dropped Ctrl-C while an answer is awaited
_OPAQUE = "__nnspec_opaque__"
STATUSES = ("ok", "exception", "too-large", "load-error", "skipped", "crash")


@dataclass
class CallOutcome:
    """What one call did. status: ok | exception | timeout | crash | too-large | load-error |
    malformed (an answer that is not plain data)."""

    status: str
    value: Any = None
    message: str = ""
    stdout_bytes: int = 0
    stdout_head: str = ""
    changed: list[str] = field(default_factory=list)
    seconds: float = 0.0


class Sandbox:
    """A worker process for one target; `call` is cheap, the process is reused across calls.

    `budget` is the total time the target may take over the whole audit (the CLI's --timeout):
    each call may use what is left of it. `isolation` defaults to the strongest available.
    """

    def __init__(self, target: Target, *, budget: float = 60.0,
                 memory_limit: int = MEMORY_LIMIT, isolation: Isolation | None = None,
                 root: str | None = None) -> None:
        self.target = target
        self.root = root  # a folder run's root: hidden, and the top of the helpers' search
        self.budget = budget
        self.memory_limit = memory_limit
        self.isolation = isolation or _default_isolation()
        self.used = 0.0
        self.answered = 0  # calls that returned or raised (see engine._Engine._fatal)
        self.restarts = 0
        self.started = False
        self.load_note = ""  # why only the definitions of a .py file were loaded, if so
        self._proc: subprocess.Popen | None = None
        self._files: list = []
        self._watch: isolation.Watch | None = None
        self._printed = 0
        self._group: isolation.ProcessGroup | None = None
        self._launch_failed: CallOutcome | None = None
        self._load: tuple = ()
        self._run = ""  # the folder run it audits for (see `tagged`)

    # -- process management -------------------------------------------------------------
    def start(self) -> CallOutcome | None:
        """Start the worker and load the target: None, or the outcome that says why not."""
        self.launch()
        return self.loaded()

    def launch(self) -> None:
        """Start the worker (or take the one `prespawn` started for this folder) and send it
        the target, without waiting: the caller can work while the process starts (`loaded`
        then waits for it)."""
        self._launch_failed = None
        self.started = True
        self._run = getattr(_RUN, "id", "")
        if self._run in _STOPPED:
            self._launch_failed = CallOutcome("load-error", message="the folder run was stopped")
            return
        spare = _take_spare(self)
        try:
            target, files, path = self._load_request()
            if spare is not None:
                self._adopt(spare)
            else:
                self._spawn()
        except OSError as exc:  # the file went away, or the sandbox cannot be started
            if spare is not None:
                spare.close()
            self.close()
            self._launch_failed = CallOutcome("load-error",
                                              message=f"{type(exc).__name__}: {exc}")
            return
        _LIVE[self._proc.pid] = self._run
        guard = self.restarts > 0  # it crashed before: each call in a child of the worker
        run_limit = min(RUN_LIMIT, self.remaining() / 2)
        self._load = (("load", (target, files, path, guard, run_limit)),
                      sum(map(len, files.values())))
        if not self._send(self._load[0]):
            self._launch_failed = CallOutcome("load-error", message="the worker did not take "
                                              "its target within the audit's time budget")

    def _spawn(self) -> None:
        """Start the worker process (it waits for its target); OSError if it cannot start."""
        iso = self.isolation
        capture = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self._files = [capture, stderr]
        self._printed = 0
        if iso.kind == "bubblewrap" and self._group is None:
            self._group = isolation.ProcessGroup(memory=self.memory_limit)
        module = self.target.kind == "module"
        argv = isolation.command(iso, ["-m", isolation.WORKER, str(self.memory_limit),
                                       iso.kind, str(capture.fileno())], hide=self._hidden(),
                                 show=_module_path() if module else [],
                                 whole_nnspec=module or self.target.own_code,
                                 groups=self._group.paths if self._group else [])
        cwd = isolation.workdir(iso)
        if cwd:
            self._files.append(cwd)
        argv, options = isolation.options_in_a_file(argv)
        try:
            self._proc = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                pass_fds=(capture.fileno(), *options), env=isolation.environment(iso),
                cwd=cwd, start_new_session=True)
        finally:
            for fd in options:
                os.close(fd)
        os.set_blocking(self._proc.stdin.fileno(), False)  # see _write
        if iso.sandboxed:
            self._watch = isolation.Watch(self._proc.pid, self.memory_limit)
            self._watch.start()

    def _hidden(self) -> list[str]:
        """The folders the worker must not see: the target's own (it gets a private copy) and
        a folder run's root (the other submissions), none inside another."""
        own = [str(Path(self.target.location).parent)] if self.target.kind != "module" else []
        folders = {str(Path(f).resolve()) for f in [*own, *([self.root] if self.root else [])]}
        return sorted(f for f in folders
                      if not any(g != f and Path(f).is_relative_to(g) for g in folders))

    def _fits(self, other: Sandbox) -> bool:
        """Could `other`'s worker, started for no target yet, serve this target?"""
        return (self.target.kind != "module" and not self.target.own_code
                and other._hidden() == self._hidden()
                and other.isolation == self.isolation
                and other.memory_limit == self.memory_limit)

    def _adopt(self, spare: Sandbox) -> None:
        self._proc, self._files, self._watch, self._group = (spare._proc, spare._files,
                                                             spare._watch, spare._group)
        self._printed = 0
        spare._proc, spare._files, spare._watch, spare._group = None, [], None, None

    def loaded(self) -> CallOutcome | None:
        """After `launch`: None once the target is loaded, or the outcome that says why not."""
        if self._launch_failed is not None:
            return self._launch_failed
        request, size = self._load
        return self._exchange(request, self.remaining(), size, sent=True)

    def _load_request(self) -> tuple[Target, dict[str, bytes], list[str]]:
        """The target as the worker sees it, the files to copy into its folder, extra sys.path.

        Sandboxed, a file or notebook target is sent as a copy with the helper modules of its
        folder that it imports (`lr_utils.py`, `public_tests.py`, ...); never the folder."""
        target = self.target
        if not self.isolation.sandboxed:
            return target, {}, []
        if target.kind == "module":
            return target, {}, _module_path()
        path = Path(target.location)
        data = read_input(path)
        if target.kind == "notebook":
            data = code_only(data)
        root = Path(self.root) if self.root else None
        files = {path.name: data, **helper_modules(path, target.function, root=root)}
        return replace(target, location=path.name), files, []

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            _LIVE.pop(proc.pid, None)
        if self._watch is not None:
            self._watch.stop()
        if proc is not None:
            members = self._watch.members() if self._watch is not None else []
            if members:  # the namespace first: bwrap then reaps its child and exits
                self._watch.kill(members)
                try:
                    proc.wait(timeout=1)
                except subprocess.TimeoutExpired:
                    pass
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except OSError:
                    proc.kill()
            for stream in (proc.stdin, proc.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            proc.wait()
            with contextlib.suppress(OSError):  # a bwrap killed as it started leaves the
                os.killpg(proc.pid, signal.SIGKILL)  # namespace's init waiting forever
            isolation.wait_gone(members)
        self._watch = None
        if self._group is not None:
            self._group.remove()
            self._group = None
        for item in self._files:
            if isinstance(item, str):
                import shutil
                shutil.rmtree(item, ignore_errors=True)
            else:
                item.close()
        self._files = []

    def __enter__(self) -> Sandbox:  # noqa: PYI034
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def remaining(self) -> float:
        return max(self.budget - self.used, 0.0)

    # -- calls -----------------------------------------------------------------------------
    def call(self, args: tuple, kwargs: dict | None = None, names: tuple[str, ...] = ()
             ) -> CallOutcome:
        """Call the target on `args`; `names` label the arguments in the `changed` report.

        `args` and `kwargs` are never touched: the worker gets a copy, and whether it changed
        them is decided here, on the arguments it sends back."""
        failed = self._ready()
        if failed is not None:
            return failed
        kwargs = kwargs or {}
        payload = pickle.dumps((args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
        outcome, after = self._exchange(("call", payload), self.remaining(), len(payload))
        if outcome.status == "skipped":  # the worker skips only later calls of a `calls`
            self.close()
            return CallOutcome("malformed", message="the worker skipped the call it was given")
        if outcome.status in ("ok", "exception", "too-large") and after is not None:
            outcome.changed = _changes(args, kwargs, names, after)
        self.answered += outcome.status in ("ok", "exception")
        return outcome

    def calls(self, requests: list[tuple[tuple, dict | None, tuple[str, ...]]]
              ) -> list[CallOutcome]:
        """The outcomes of several calls (args, kwargs, names) sent in one request: the worker
        answers each in turn while the harness reads the ones before, instead of one round
        trip per call. Stops after the first outcome that ends the worker (timeout, crash, an
        answer too large or malformed): the calls after it are the caller's to make again.

        The worker stops a request after a call that printed (it answers `skipped` for the
        rest, which are sent again): its output file is then emptied between requests as for
        single calls, so prints count against the output limit per call, not per request."""
        outcomes: list[CallOutcome] = []
        while len(outcomes) < len(requests):
            failed = self._ready()
            if failed is not None:
                return [*outcomes, failed]
            pending = requests[len(outcomes):]
            payloads = [pickle.dumps((args, kwargs or {}), protocol=pickle.HIGHEST_PROTOCOL)
                        for args, kwargs, _ in pending]
            if not self._send(("calls", payloads)):
                return [*outcomes, CallOutcome("timeout", message="the worker did not take its "
                                               "inputs within the audit's time budget")]
            for n, ((args, kwargs, names), payload) in enumerate(zip(pending, payloads)):
                outcome, after = self._answer(None, self.remaining(), len(payload), sent=True,
                                              last=n == len(pending) - 1)
                if outcome.status == "skipped":
                    if n == 0:  # a worker always runs the first call: forged, no progress
                        self.close()
                        outcomes.append(CallOutcome("malformed", message="the worker skipped "
                                                    "the first call of a request"))
                        return outcomes
                    break
                if outcome.status in ("ok", "exception", "too-large") and after is not None:
                    outcome.changed = _changes(args, kwargs or {}, names, after)
                self.answered += outcome.status in ("ok", "exception")
                outcomes.append(outcome)
                if self._proc is None:
                    return outcomes
        return outcomes

    def _ready(self) -> CallOutcome | None:
        """None when a call can be sent (the worker started again if it had died), else the
        outcome that says why not."""
        raise_if_interrupted()
        if self.remaining() <= 0:
            return CallOutcome("timeout", message="the audit's time budget is spent")
        if self._proc is None:
            self.restarts += self.started
            return self.start()
        return None

    def _exchange(self, request: tuple, timeout: float, size: int, sent: bool = False):
        """Send a request (unless `sent`) and wait for its answer. A load gives None (loaded) or
        the failure; a call gives (outcome, the arguments after the call or None)."""
        loading = request[0] == "load"
        outcome, after = self._answer(request, timeout, size, sent)
        if loading:
            if outcome.status == "ok":
                self.load_note = outcome.message
                return None
            self.close()
            return outcome
        return outcome, after

    def _send(self, request: tuple) -> bool:
        """Write a request within what is left of the budget; False (the worker closed, the
        time counted) if the worker does not take it in time. A worker that died is found when
        its answer is read."""
        payload = pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)
        start = time.perf_counter()
        try:
            self._write(_REQUEST.pack(len(payload)) + payload, start + self.remaining())
        except TimeoutError:
            self.used += time.perf_counter() - start
            self.close()
            return False
        except OSError:  # BrokenPipeError: it died
            pass
        return True

    def _write(self, data: bytes, deadline: float) -> None:
        """All of `data` to the worker by `deadline`, else TimeoutError: a worker that stops
        reading (a target asleep after forging answers) cannot block the harness (its end of
        the pipe is non-blocking)."""
        fd = self._proc.stdin.fileno()
        view, sent = memoryview(data), 0
        while sent < len(data):
            wait = deadline - time.perf_counter()
            if wait <= 0 or not select.select([], [fd], [], wait)[1]:
                raise TimeoutError
            try:
                sent += os.write(fd, view[sent:])
            except BlockingIOError:
                continue

    def _answer(self, request: tuple | None, timeout: float, size: int, sent: bool = False,
                last: bool = True):
        """Read one answer (after sending `request` unless `sent`); `last`: no other answer is
        on its way (see `calls`)."""
        proc = self._proc
        start = time.perf_counter()
        limit = ANSWER_LIMIT + 2 * size
        try:
            if not sent:
                payload = pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)
                self._write(_REQUEST.pack(len(payload)) + payload, start + timeout)
            fd, deadline = proc.stdout.fileno(), start + timeout
            text_size, blob_size = answers.HEADER.unpack(
                _read_exact(fd, answers.HEADER.size, deadline))
            if text_size > TEXT_LIMIT or blob_size > limit:
                raise _TooLarge(f"the answer is {text_size + blob_size} bytes, over the limit "
                                f"of {limit + TEXT_LIMIT} for these inputs; it was not read")
            text = _read_exact(fd, text_size, deadline)
            blob = _read_exact(fd, blob_size, deadline)
        except TimeoutError:
            waited = time.perf_counter() - start
            self.used += waited
            self.close()
            return CallOutcome("timeout", message=f"no answer within {timeout:.3g} s",
                               seconds=waited), None
        except (BrokenPipeError, EOFError, OSError):
            self.used += time.perf_counter() - start
            return self._crashed(), None
        except _TooLarge as exc:
            self.used += time.perf_counter() - start
            self.close()
            return CallOutcome("too-large", message=str(exc)), None
        elapsed = time.perf_counter() - start
        self.used += elapsed
        try:
            outcome, after, printed = _outcome(answers.decode(text, blob))
        except answers.Malformed as exc:
            self.close()
            return CallOutcome("malformed", message=str(exc)), None
        outcome.seconds = elapsed
        self._stdout(outcome, printed, last or outcome.status == "skipped")
        return outcome, after

    def _stdout(self, outcome: CallOutcome, printed: int | None = None, last: bool = True
                ) -> None:
        """What the worker printed during the call answered, measured on the file it prints
        to: up to where the worker says its output stood after the call (the next calls of a
        `calls` request may have printed since; kept between the last answer's end and the
        file's size), else up to the end of the file."""
        if not self._files:
            return
        fd = self._files[0].fileno()
        end = os.fstat(fd).st_size
        if printed is not None:
            end = min(max(printed, self._printed), end)
        if end > self._printed:
            outcome.stdout_bytes = end - self._printed
            head = os.pread(fd, min(200, end - self._printed), self._printed)
            head = head.decode("utf-8", "replace")
            outcome.stdout_head = answers.printable(head)
        self._printed = end
        if last and end > 1 << 20:  # the worker appends: start again from an empty file
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)  # the worker's offset: it shares this open file
            self._printed = 0

    def _crashed(self) -> CallOutcome:
        proc = self._proc
        try:
            code = proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        why = self._watch.reason if self._watch is not None else ""
        if not why and self._group is not None and self._group.out_of_memory():
            why = (f"its processes' memory, shared memory included, passed the "
                   f"{self.memory_limit / 2**30:.2f} GiB limit")
        detail = self._stderr_tail()
        self.close()
        if why:
            return CallOutcome("crash", message=f"the sandbox was killed: {why}")
        if code is not None and self.isolation.kind == "bubblewrap" and 128 < code < 160:
            code = 128 - code  # bwrap reports its child's death by a signal as 128 + signal
        if code is not None and code < 0:
            return CallOutcome("crash", message=died(code))
        return CallOutcome("crash", message=f"{died(code)}{detail}")

    def _stderr_tail(self) -> str:
        """The sandbox's own complaint (bwrap: ...), if it failed to start."""
        if len(self._files) < 2:
            return ""
        data = os.pread(self._files[1].fileno(), 4096, 0).decode("utf-8", "replace")
        lines = [ln for ln in data.splitlines() if ln.startswith("bwrap:")]
        return f" ({answers.printable(lines[-1], 200)})" if lines else ""


_SPARE: list[Sandbox] = []  # a worker `prespawn` started, until a Sandbox takes it
_RUN = threading.local()  # the folder run this thread audits for (a Dask task), see `tagged`
_LIVE: dict[int, str] = {}  # pid of each live worker: the run it audits for
_STOPPED: set[str] = set()  # runs stopped by `stop_run`: their audits start no worker


@contextlib.contextmanager
def tagged(run: str) -> Iterator[None]:
    """The workers started in this block belong to `run` (a folder run's id), so that
    `stop_run` can stop them: a Dask task cannot be interrupted, its sandbox can."""
    _RUN.id = run
    try:
        yield
    finally:
        _RUN.id = ""


def stop_run(run: str) -> int:
    """Kill the workers of `run` in this process and start no other: the audits running for
    it end at once (as crashes, whose results nobody reads). The number killed."""
    _STOPPED.add(run)
    killed = 0
    for pid, owner in list(_LIVE.items()):
        if owner == run:
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
                killed += 1
    return killed


def prespawn(target: str, mode: str, root: str | None = None) -> None:
    """Start a worker for the file or notebook `target` (`file.py[:function]`) before the
    harness has imported what it needs (Hypothesis, the contracts: about 0.3 s), so that both
    start at once; the next `Sandbox.launch` for that folder takes it, and `drop_spare` stops
    one nobody took. Anything else (a folder, a module, a missing file) is left alone."""
    drop_spare()
    try:
        parsed = parse_target(target, "")
    except UsageError:
        return  # the audit says why, in one line
    if mode not in isolation.MODES or parsed.kind == "module":
        return
    spare = Sandbox(parsed, isolation=isolation.choose(mode), root=root)
    try:
        spare._spawn()
    except OSError:
        spare.close()
        return
    _SPARE[:] = [spare]


def drop_spare() -> None:
    """Stop the worker `prespawn` started if no audit took it (a usage error came first)."""
    while _SPARE:
        _SPARE.pop().close()


def _take_spare(sandbox: Sandbox) -> Sandbox | None:
    if _SPARE and sandbox._fits(_SPARE[0]):
        return _SPARE.pop()
    return None


def _default_isolation() -> Isolation:
    return isolation.choose("auto")


def code_only(notebook: bytes) -> bytes:
    """A notebook's JSON with its code cells' sources only: its outputs (plots, images, many
    megabytes) are not code, and the worker may write no file over OUTPUT_LIMIT. JSON that is
    not a notebook goes as it is, for the load to say so."""
    import json

    try:
        cells = json.loads(notebook)["cells"]
        kept = [{"cell_type": "code", "source": cell.get("source", "")} if isinstance(cell, dict)
                and cell.get("cell_type") == "code" else {"cell_type": "markdown", "source": ""}
                for cell in cells]  # the cells keep their numbers
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return notebook
    return json.dumps({"cells": kept, "nbformat": 4, "nbformat_minor": 5,
                       "metadata": {}}).encode()


def _module_path() -> list[str]:
    """The harness's import path, for a module target (installed or in the working directory:
    the `nnspec` command's path lacks it, which `python -m` has, and `nnspec audit
    mylr.logreg:propagate` run in the project said "No module named 'mylr'")."""
    found = [os.path.abspath(p or os.curdir) for p in sys.path if os.path.isdir(p or os.curdir)]
    return list(dict.fromkeys([*found, os.path.abspath(os.curdir)]))


def helper_modules(path: Path, function: str = "", limit: int = HELPERS_LIMIT,
                   root: Path | None = None) -> dict[str, bytes]:
    """The `.py` files beside `path`, or in a folder above it up to `root` (a folder run's;
    `targets.helper_folders`, the nearest first), that it imports, directly or through one
    another (a notebook's `lr_utils`, `public_tests`), and that may be its helpers
    (`targets.helper_file`: not an installed module's name, not another submission defining
    `function`, not a link out of the folder): name to bytes, up to `limit` bytes in all."""
    from nnspec.audit.targets import helper_file, helper_folders, imported_names, read_source

    kind = "notebook" if path.suffix == ".ipynb" else "file"
    try:
        pieces = read_source(Target(kind, str(path), "", path.name))
    except Exception:  # noqa: BLE001 - loading reports the error
        return {}
    found: dict[str, bytes] = {}
    todo = [src for _, src in pieces]
    while todo:
        for name in sorted(imported_names(todo.pop())):
            helper = next(filter(None, (helper_file(folder, name, function)
                                        for folder in helper_folders(path, root))), None)
            if helper is None or helper.name in found or helper == path:
                continue
            try:
                data = read_input(helper, MAX_CODE)
            except OSError:
                continue
            if sum(map(len, found.values())) + len(data) > limit:
                return found
            found[helper.name] = data
            todo.append(data.decode("utf-8", "replace"))
    return found


def _outcome(message: Any) -> tuple[CallOutcome, Any, int | None]:
    """A decoded answer as (CallOutcome, the arguments after the call, where the worker's
    output stood after it), checked field by field."""
    if not isinstance(message, dict) or not isinstance(message.get("status"), str):
        raise answers.Malformed("the answer is not an object with a status")
    status = message["status"]
    if status not in STATUSES:
        raise answers.Malformed(f"unknown status {status!r}")
    text = message.get("message", "")
    if not isinstance(text, str):
        raise answers.Malformed("the message is not a string")
    after = message.get("after")
    if after is not None and not (isinstance(after, list) and len(after) == 2
                                  and isinstance(after[0], list) and isinstance(after[1], dict)):
        raise answers.Malformed("the arguments after the call are not [args, kwargs]")
    printed = message.get("printed")
    if printed is not None and (type(printed) is not int or printed < 0):
        raise answers.Malformed("the output's position is not a size")
    return CallOutcome(status, value=message.get("value"), message=text), after, printed


def _changes(args: tuple, kwargs: dict, names: tuple[str, ...], after: list) -> list[str]:
    """Which arguments the worker's copy of them shows changed by the call."""
    labels = list(names) + [f"arg{i}" for i in range(len(names), len(args))]
    changed = []
    returned = list(after[0]) + [None] * (len(args) - len(after[0]))
    for label, before, now in zip(labels, args, returned):
        changed += _changed(before, now, label)
    for key, before in kwargs.items():
        changed += _changed(before, after[1].get(key), key)
    return changed


class _TooLarge(Exception):
    pass


def _read_exact(fd: int, size: int, deadline: float) -> bytes:
    """Waits in slices so that a Ctrl-C Python dropped still ends a wait for a hanging call."""
    chunks, got = [], 0
    while got < size:
        wait = deadline - time.perf_counter()
        if wait <= 0:
            raise TimeoutError
        if not select.select([fd], [], [], min(wait, WAIT_SLICE))[0]:
            raise_if_interrupted()
            continue
        chunk = os.read(fd, min(size - got, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


# ---- worker side ---------------------------------------------------------------------------

def to_plain(obj: Any, budget: list[int] | None = None, depth: int = 0) -> Any:
    """Turn a returned value into plain data: ndarray (numeric/bool), Python scalars, str, None,
    and dict/list/tuple of those. Tensors and array-likes become ndarrays; anything else becomes
    `{"__nnspec_opaque__": "<type>"}`. Raises OverflowError past MAX_ELEMENTS in total."""
    import numpy as np

    budget = budget if budget is not None else [MAX_ELEMENTS]
    if depth > 10:
        return {_OPAQUE: "nesting deeper than 10"}
    if isinstance(obj, np.generic):
        obj = np.asarray(obj)
    elif obj is None or isinstance(obj, (bool, int, float, complex, str)):
        if isinstance(obj, int) and not isinstance(obj, bool) and abs(obj) > 1 << 63:
            return float(obj)
        return obj[:1000] if isinstance(obj, str) else obj
    elif isinstance(obj, dict):
        if len(obj) > 1000:
            raise OverflowError("a dict of more than 1000 entries")
        return {(k if isinstance(k, str) else repr(k)[:100]): to_plain(v, budget, depth + 1)
                for k, v in obj.items()}
    if isinstance(obj, (list, tuple)) and type(obj) in (list, tuple):
        if len(obj) > MAX_ELEMENTS:
            raise OverflowError(f"a sequence of {len(obj)} items")
        budget[0] -= len(obj)
        items = [to_plain(v, budget, depth + 1) for v in obj]
        return tuple(items) if type(obj) is tuple else items
    if isinstance(obj, tuple):  # a namedtuple: keep the items
        return tuple(to_plain(v, budget, depth + 1) for v in obj)
    array = _as_array(obj)
    if array is None:
        return {_OPAQUE: type(obj).__module__ + "." + type(obj).__qualname__}
    budget[0] -= array.size
    if budget[0] < 0:
        raise OverflowError(f"arrays of more than {MAX_ELEMENTS} elements in total")
    if array.dtype.kind not in "biufc":
        if array.dtype.kind == "O" and array.size <= 10_000:
            try:
                return np.array(array.tolist(), dtype=float)
            except (TypeError, ValueError):
                pass
        return {_OPAQUE: f"ndarray of dtype {array.dtype}"}
    if array.dtype.kind in "fc" and array.dtype.itemsize > 8 * (1 + (array.dtype.kind == "c")):
        # long double: its values, rounded, not a dtype the harness's schema refuses (a
        # malformed answer stops the audit: a float128 stub once went unchecked)
        return array.astype(np.float64 if array.dtype.kind == "f" else np.complex128)
    return np.array(array, copy=True, order="C")


def _as_array(obj: Any):
    import numpy as np

    if isinstance(obj, np.ndarray):
        return np.asarray(obj)
    if isinstance(obj, np.generic):
        return np.asarray(obj)
    if hasattr(obj, "detach") and hasattr(obj, "cpu"):  # torch.Tensor
        try:
            return np.asarray(obj.detach().cpu().numpy())
        except Exception:  # noqa: BLE001
            return None
    if hasattr(obj, "__array__"):  # JAX, CuPy-on-host, pandas, ...
        try:
            return np.asarray(obj)
        except Exception:  # noqa: BLE001
            return None
    return None


def _changed(before: Any, after: Any, name: str) -> list[str]:
    """Paths of arrays (or dict entries) that differ after the call: a mutated input."""
    import numpy as np

    if isinstance(before, dict):
        if not isinstance(after, dict):
            return [name]
        added = [k for k in after if k not in before]
        dropped = [k for k in before if k not in after]
        if added or dropped:
            told = ([f"added {', '.join(map(repr, added))}"] if added else []) + (
                [f"removed {', '.join(map(repr, dropped))}"] if dropped else [])
            return [f"{name} ({'; '.join(told)})"]
        return [p for k in before for p in _changed(before[k], after[k], f"{name}[{k!r}]")]
    if isinstance(before, np.ndarray):
        if (not isinstance(after, np.ndarray) or before.shape != after.shape
                or before.dtype != after.dtype
                or not np.array_equal(before, after, equal_nan=before.dtype.kind in "fc")):
            return [name]
        return []
    try:
        return [] if before == after else [name]
    except Exception:  # noqa: BLE001
        return [name]


class _Worker:
    """The worker's loop: requests on fd 0, answers on fd 1, the target's prints to a file."""

    def __init__(self, memory_limit: int, kind: str, capture: int) -> None:
        import resource

        self.inp = os.fdopen(os.dup(0), "rb", buffering=0)
        self.out = os.fdopen(os.dup(1), "wb", buffering=0)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(capture, 1)
        os.close(capture)
        sys.stdin = open(os.devnull)  # noqa: SIM115
        sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        _limit(resource.RLIMIT_FSIZE, OUTPUT_LIMIT)
        _limit(resource.RLIMIT_CORE, 0)
        if memory_limit > 0:  # per process; the harness watches the sum
            _limit(resource.RLIMIT_AS, max(memory_limit, 1 << 30))
        if kind == "bubblewrap":  # counted per user namespace: the target's processes only
            _limit(resource.RLIMIT_NPROC, isolation.PROCESSES)
        import numpy  # noqa: F401 - the real one, before a target's folder can shadow it

        self.function = None
        self.kind = kind
        self.guard = False  # each call in a child process (see _guarded)
        self.position = None  # where the output file stood after the last call

    def serve(self) -> None:
        # a worker started ahead (`prespawn`) whose harness died never gets its target: it
        # leaves rather than wait for ever
        if not select.select([self.inp], [], [], SPARE_WAIT)[0]:
            return
        while True:
            try:
                header = self._read(_REQUEST.size)
            except EOFError:
                return
            kind, payload = pickle.loads(self._read(_REQUEST.unpack(header)[0]))
            if kind == "load":
                self._reply(self._load(*payload))
            else:
                batch = payload if kind == "calls" else [payload]
                for n, each in enumerate(batch):
                    answer = self._guarded(each) if self.guard else self._call(each)
                    self._reply(answer)
                    if kind == "calls" and n + 1 < len(batch) and self._printed(answer):
                        self._reply({"status": "skipped"})  # see Sandbox.calls
                        break

    def _printed(self, answer: dict) -> bool:
        """Whether the call just answered wrote to the output file."""
        before, self.position = self.position, answer.get("printed", self.position)
        return answer.get("printed") != before

    def _reply(self, answer: dict) -> None:
        try:
            data = answers.encode(answer)
        except Exception as exc:  # noqa: BLE001 - whatever the target left in there
            data = answers.encode({"status": "exception",
                                   "message": f"unencodable result: {exc}"[:500]})
        self.out.write(data)

    def _read(self, size: int) -> bytes:
        data = bytearray(size)
        view, got = memoryview(data), 0
        while got < size:
            count = self.inp.readinto(view[got:])
            if not count:
                raise EOFError
            got += count
        return bytes(data)

    def _flush(self) -> None:
        try:
            sys.stdout.flush()
        except Exception:  # noqa: BLE001, S110 - a broken stdout is the target's business
            pass

    def _load(self, target: Target, files: dict[str, bytes], path: list[str],
              guard: bool = False, run_limit: float = 0.0) -> dict:
        self.guard = guard
        try:
            for name, data in files.items():
                Path(name).write_bytes(data)
            if files:
                target = replace(target, location=os.path.abspath(target.location))
            if self.kind == "landlock":
                isolation.landlock(os.getcwd())
            if self.kind != "none" and not isolation.set_seccomp_filter() \
                    and isolation.seccomp_filter_known():  # the isolation line promised it
                raise OSError("the seccomp filter against sockets could not be set")
            sys.path.extend(p for p in path if p not in sys.path)
            _seed_global_generators()
            self.function, note = _load_quietly(target, run_limit)
            answer = {"status": "ok", "message": note}
        except BaseException as exc:  # noqa: BLE001 - SystemExit from a script too
            answer = {"status": "load-error", "message": _describe(exc)}
        self._flush()
        with contextlib.suppress(OSError):
            self.position = os.lseek(1, 0, os.SEEK_CUR)
        return answer

    def _call(self, payload: bytes) -> dict:
        args, kwargs = pickle.loads(payload)
        try:
            result = self.function(*args, **kwargs)
        except MemoryError:
            answer = {"status": "exception",
                      "message": "MemoryError (the memory limit was hit)"}
        except BaseException as exc:  # noqa: BLE001 - SystemExit, KeyboardInterrupt too
            answer = {"status": "exception", "message": _describe(exc)}  # its OverflowError too
        else:
            try:
                answer = {"status": "ok", "value": to_plain(result)}
            except OverflowError as exc:  # to_plain's own: more than the answer may hold
                answer = {"status": "too-large", "message": f"the result is too large: {exc}"}
        self._flush()
        with contextlib.suppress(OSError):  # where its output stands (see Sandbox._stdout)
            answer["printed"] = os.lseek(1, 0, os.SEEK_CUR)
        try:
            answer["after"] = [list(to_plain(list(args))), to_plain(dict(kwargs))]
        except Exception:  # noqa: BLE001 - the target broke its own arguments
            answer["after"] = [[None] * len(args), {}]
        return answer


    def _guarded(self, payload: bytes) -> dict:
        """The call in a child process, for a target that crashed its worker before: a crash
        again ends the child, and this worker answers it as one and serves the next call, so
        that shrinking a crash costs a fork per call instead of a new sandbox (its state
        between calls is lost: a crashing target's, only)."""
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: answer and leave, running nothing else of the worker's
            os.close(read)
            try:
                data = pickle.dumps(self._call(payload), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write, "wb") as out:
                    out.write(data)
            finally:
                os._exit(0)
        os.close(write)
        with os.fdopen(read, "rb") as inp:
            data = inp.read()
        _, status = os.waitpid(pid, 0)
        if data and status == 0:
            with contextlib.suppress(Exception):  # a child cut short answers nothing whole
                answer = pickle.loads(data)  # this worker's own child: no one else writes it
                if isinstance(answer, dict):
                    return answer
        return {"status": "crash", "message": died(os.waitstatus_to_exitcode(status))}


def died(code: int | None) -> str:
    """How a process ended, from its exit code (minus the signal that killed it)."""
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"the process was killed by {name}"
    return f"the process exited with status {code}"


def _limit(which: int, value: int) -> None:
    """Lower a resource limit, soft and hard, to `value` (or to the hard limit already in force
    if that is lower), so that the target cannot raise it again."""
    import resource

    _, hard = resource.getrlimit(which)
    value = value if hard == resource.RLIM_INFINITY else min(value, hard)
    resource.setrlimit(which, (value, value))


def _seed_global_generators() -> None:
    """The same draws in every run from NumPy's and Python's global generators: a target that
    adds np.random.rand() noise wrote other bytes to the class's JSON on each run (its two
    calls on one input still differ: the determinism check sees it)."""
    import random

    import numpy as np

    random.seed(0)
    np.random.seed(0)


def _load_quietly(target: Target, run_limit: float = 0.0):
    from nnspec.audit.targets import load_target

    return load_target(target, run_limit)


def _describe(exc: BaseException) -> str:
    """`Type: message` plus the innermost frame of the target's code, in one line (not
    nnspec's, nor the standard library's: importlib's frames say nothing to a learner)."""
    import traceback

    from nnspec.audit.targets import NotLoadable

    if isinstance(exc, NotLoadable):  # nnspec's own words, advice included: not cut
        return str(exc)[:1000]
    skipped = (os.path.dirname(os.path.abspath(__file__)) + os.sep,
               os.path.dirname(os.path.abspath(os.__file__)) + os.sep)
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not os.path.abspath(f.filename).startswith(skipped)
              and not f.filename.startswith("<frozen")]
    where = ""
    if frames:
        where = f" (at {os.path.basename(frames[-1].filename)} line {frames[-1].lineno})"
    text = str(exc).strip().splitlines()
    first = text[0][:300] if text else ""
    return f"{type(exc).__name__}: {first}{where}" if first else f"{type(exc).__name__}{where}"


if __name__ == "__main__":
    from nnspec.audit.sandbox import _Worker as Worker

    Worker(int(sys.argv[1]), sys.argv[2], int(sys.argv[3])).serve()
