"""The reference values of the explore problems, computed in a forked process while the engine
draws them: on a first audit (nothing kept on disk yet) the draws and the exact values took a
core each in turn, half a second between them; side by side they take the longer of the two.

Only a speed-up: what the helper sends is what the engine would compute itself (the same
functions on the same problems), and whatever it does not send in time (it failed, it was
slow, there is no fork) the engine computes as before. It runs where forking is safe and
pays: Linux, two usable cores, no thread but the sandbox's watches, not in a folder's worker
(its cores are taken)."""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import select
import signal
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from typing import Any

from nnspec.audit import contracts
from nnspec.cores import usable_cores

WAIT = 30.0  # seconds the engine waits for the values once it has drawn every problem
PIPE_SIZE = 1 << 20  # the most an unprivileged process may ask for (/proc/sys/fs/pipe-max-size)


def wanted() -> bool:
    import multiprocessing

    from nnspec.audit.isolation import Watch

    others = [t for t in threading.enumerate() if t is not threading.current_thread()]
    return (sys.platform == "linux" and hasattr(os, "fork") and usable_cores() >= 2
            and threading.current_thread() is threading.main_thread()
            and all(isinstance(t, Watch) for t in others)  # they hold no lock the helper needs
            and multiprocessing.parent_process() is None)


@contextlib.contextmanager
def references(contract: contracts.Contract, options: contracts.Options
               ) -> Iterator[Any]:
    """A function to hand each problem drawn to; on leaving, the values the helper computed
    are the engine's (contracts.keep_truth). A no-op function where no helper runs."""
    started = _fork() if wanted() else None
    if started is None:
        yield lambda problem: None
        return
    pid, (problems_r, problems_w), (values_r, values_w) = started
    if pid == 0:  # the helper: never returns
        code = 1
        try:
            os.close(problems_w)
            os.close(values_r)
            _serve(contract, options, problems_r, values_w)
            code = 0
        finally:
            os._exit(code)
    os.close(problems_r)
    os.close(values_w)
    sink = _Sink(problems_w)
    try:
        yield sink.hand
        sink.close()
        for key, value in _received(values_r, time.monotonic() + WAIT).items():
            contracts.keep_truth(key, value)
    finally:
        sink.close()
        os.close(values_r)
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)  # done by now, or no longer waited for
        os.waitpid(pid, 0)


def _fork() -> tuple[int, tuple[int, int], tuple[int, int]] | None:
    """The helper's pid and the two pipes; None where the system refuses (no file
    descriptors or processes left, a seccomp filter): the engine then computes alone."""
    pipes: list[int] = []
    try:
        problems, values = os.pipe(), os.pipe()
        pipes += [*problems, *values]
        with warnings.catch_warnings():  # Python 3.12 warns of any thread (a Watch) at a fork
            warnings.simplefilter("ignore", DeprecationWarning)
            return os.fork(), problems, values
    except OSError:
        for fd in pipes:
            os.close(fd)
        return None


class _Sink:
    """The pipe to the helper, written without blocking: a helper that stopped reading (it
    hung) is given up after WAIT seconds, its pipe full, instead of holding the engine."""

    def __init__(self, fd: int) -> None:
        self.fd: int | None = fd
        os.set_blocking(fd, False)
        import fcntl  # (Linux only, as the helper)

        with contextlib.suppress(OSError):  # room for every problem: the engine never waits
            fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_SIZE)

    def hand(self, problem: Any) -> None:
        data = memoryview(pickle.dumps(problem, protocol=pickle.HIGHEST_PROTOCOL))
        deadline = time.monotonic() + WAIT
        while data and self.fd is not None:
            try:
                data = data[os.write(self.fd, data):]
            except BlockingIOError:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([], [self.fd], [], left)[1]:
                    self.close()
            except OSError:  # it is gone: the engine computes the values
                self.close()

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _received(fd: int, deadline: float) -> dict:
    chunks = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return {}
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    try:
        return pickle.loads(b"".join(chunks))  # from this process's own fork
    except (pickle.UnpicklingError, EOFError, ValueError):
        return {}


def _serve(contract: contracts.Contract, options: contracts.Options, problems_fd: int,
           values_fd: int) -> None:
    """Read every problem (a thread empties the pipe at once, so the engine never waits to
    hand one), compute their reference values in order, send the new ones in one pickle."""
    import numpy as np

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C stops the engine, which kills it
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    known = set(contracts.truths())
    todo: queue.SimpleQueue = queue.SimpleQueue()

    def read() -> None:
        with os.fdopen(problems_fd, "rb") as source:
            while True:
                try:
                    todo.put(pickle.load(source))
                except (EOFError, OSError, pickle.UnpicklingError):
                    todo.put(None)
                    return

    threading.Thread(target=read, daemon=True).start()
    while (problem := todo.get()) is not None:
        with np.errstate(all="ignore"), contextlib.suppress(Exception):  # as the engine's check
            contract.reference(problem, options)
    new = {k: v for k, v in contracts.truths().items() if k not in known}
    with os.fdopen(values_fd, "wb") as out:
        out.write(pickle.dumps(new, protocol=pickle.HIGHEST_PROTOCOL))
