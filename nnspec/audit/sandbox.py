"""Run an untrusted target in its own process: timeout, memory limit, captured stdout.

One worker process (`python -m nnspec.audit.sandbox`) serves every call of an audit over a pipe: the
harness sends `(args, kwargs)`, the worker calls the target and answers with the result turned
into plain data (NumPy arrays, Python scalars, dicts, lists, tuples) inside the worker, so that a
PyTorch tensor, a JAX array or a NumPy scalar never crosses the pipe as its own class. Messages
are length-prefixed pickles; the harness unpickles them with a restricted unpickler that accepts
only NumPy arrays and builtins. The worker is killed on a timeout and restarted lazily after a
crash, a timeout or an exit.

Limits in the worker: RLIMIT_AS (address space, default 4 GiB) turns a runaway allocation into a
MemoryError; RLIMIT_FSIZE bounds what printing can write; BLAS runs single-threaded so that
parallel audits do not oversubscribe the cores. Prints on stdout go to a private file and are
reported (count and first bytes) per call, never to the harness's stdout.
"""

from __future__ import annotations

import copy
import io
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

from nnspec.audit.targets import Target

MEMORY_LIMIT = 4 << 30
OUTPUT_LIMIT = 16 << 20  # bytes a target may print per audit before writes fail
MAX_ELEMENTS = 5_000_000  # array elements in one answer
MAX_MESSAGE = 64 << 20
_HEADER = struct.Struct("!Q")
_OPAQUE = "__nnspec_opaque__"
_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


@dataclass
class CallOutcome:
    """What one call did. status: ok | exception | timeout | crash | too-large | load-error."""

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
    each call may use what is left of it.
    """

    def __init__(self, target: Target, *, budget: float = 60.0,
                 memory_limit: int = MEMORY_LIMIT) -> None:
        self.target = target
        self.budget = budget
        self.memory_limit = memory_limit
        self.used = 0.0
        self.restarts = 0
        self.started = False
        self.load_note = ""  # why only the definitions of a .py file were loaded, if so
        self._proc: subprocess.Popen | None = None
        self._stderr = None

    # -- process management -------------------------------------------------------------
    def start(self) -> CallOutcome | None:
        """Start the worker and load the target: None, or the outcome that says why not."""
        self.started = True
        env = dict(os.environ, PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1")
        env.update({name: "1" for name in _THREAD_VARS})
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "nnspec.audit.sandbox", str(self.memory_limit)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, env=env,
            start_new_session=True)
        return self._exchange(("load", self.target), self.remaining())

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
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
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def __enter__(self) -> Sandbox:  # noqa: PYI034
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def remaining(self) -> float:
        return max(self.budget - self.used, 0.0)

    # -- calls -----------------------------------------------------------------------------
    def call(self, args: tuple, kwargs: dict | None = None, names: tuple[str, ...] = ()
             ) -> CallOutcome:
        """Call the target on `args`; `names` label the arguments in the `changed` report."""
        if self.remaining() <= 0:
            return CallOutcome("timeout", message="the audit's time budget is spent")
        if self._proc is None:
            self.restarts += self.started
            failed = self.start()
            if failed is not None:
                return failed
        return self._exchange(("call", (args, kwargs or {}, names)), self.remaining())

    def _exchange(self, request: tuple, timeout: float) -> CallOutcome | None:
        """Send a request, wait for the answer; None means a successful load."""
        proc = self._proc
        start = time.perf_counter()
        try:
            payload = pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)
            proc.stdin.write(_HEADER.pack(len(payload)) + payload)
            proc.stdin.flush()
            answer = _read_message(proc.stdout.fileno(), start + timeout)
        except TimeoutError:
            self.used += time.perf_counter() - start
            self.close()
            return CallOutcome("timeout", message=f"no answer within {timeout:.3g} s")
        except (BrokenPipeError, EOFError, OSError):
            self.used += time.perf_counter() - start
            return self._crashed()
        except _TooLarge as exc:
            self.close()
            return CallOutcome("too-large", message=str(exc))
        elapsed = time.perf_counter() - start
        self.used += elapsed
        try:
            outcome = _SafeUnpickler(io.BytesIO(answer)).load()
        except Exception as exc:  # noqa: BLE001 - whatever a hostile answer does
            self.close()
            return CallOutcome("crash", message=f"unreadable answer from the target ({exc})")
        if not isinstance(outcome, CallOutcome):
            self.close()
            return CallOutcome("crash", message="unreadable answer from the target")
        outcome.seconds = elapsed
        if request[0] == "load":
            if outcome.status == "ok":
                self.load_note = outcome.message
                return None
            self.close()
            return outcome
        return outcome

    def _crashed(self) -> CallOutcome:
        proc = self._proc
        try:
            code = proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        self.close()
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return CallOutcome("crash", message=f"the process was killed by {name}")
        return CallOutcome("crash", message=f"the process exited with status {code}")


class _TooLarge(Exception):
    pass


def _read_exact(fd: int, size: int, deadline: float) -> bytes:
    chunks, got = [], 0
    while got < size:
        wait = deadline - time.perf_counter()
        if wait <= 0 or not select.select([fd], [], [], wait)[0]:
            raise TimeoutError
        chunk = os.read(fd, min(size - got, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _read_message(fd: int, deadline: float) -> bytes:
    (size,) = _HEADER.unpack(_read_exact(fd, _HEADER.size, deadline))
    if size > MAX_MESSAGE:
        raise _TooLarge(f"the answer is {size} bytes, over the {MAX_MESSAGE} byte limit")
    return _read_exact(fd, size, deadline)


_ALLOWED = {
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
    ("nnspec.audit.sandbox", "CallOutcome"),
    ("builtins", "bytearray"), ("builtins", "complex"), ("builtins", "slice"),
}


class _SafeUnpickler(pickle.Unpickler):
    """Accept NumPy arrays, builtins and CallOutcome only: an answer cannot run code here."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED or (module == "numpy.dtypes" and name.endswith("DType")):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refused {module}.{name}")


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
        return tuple(items) if isinstance(obj, tuple) else items
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
        if not isinstance(after, dict) or set(before) != set(after):
            return [name]
        return [p for k in before for p in _changed(before[k], after[k], f"{name}[{k!r}]")]
    if isinstance(before, np.ndarray):
        if (not isinstance(after, np.ndarray) or before.shape != after.shape
                or before.dtype != after.dtype
                or not np.array_equal(before, after, equal_nan=True)):
            return [name]
        return []
    try:
        return [] if before == after else [name]
    except Exception:  # noqa: BLE001
        return [name]


class _Worker:
    def __init__(self, memory_limit: int) -> None:
        import resource

        self.inp = os.fdopen(os.dup(0), "rb", buffering=0)
        self.out = os.fdopen(os.dup(1), "wb", buffering=0)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        self.capture = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the worker
        os.dup2(self.capture.fileno(), 1)
        sys.stdin = open(os.devnull)  # noqa: SIM115
        sys.stdout = io.TextIOWrapper(os.fdopen(1, "wb", buffering=0, closefd=False),
                                      write_through=True)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        _limit(resource.RLIMIT_FSIZE, OUTPUT_LIMIT)
        if memory_limit > 0:
            _limit(resource.RLIMIT_AS, memory_limit)
        self.function = None
        self.printed = 0

    def serve(self) -> None:
        while True:
            try:
                header = self._read(_HEADER.size)
            except EOFError:
                return
            request = pickle.loads(self._read(_HEADER.unpack(header)[0]))
            kind, payload = request
            outcome = self._load(payload) if kind == "load" else self._call(*payload)
            self._send(outcome)

    def _read(self, size: int) -> bytes:
        data = bytearray(size)
        view, got = memoryview(data), 0
        while got < size:
            count = self.inp.readinto(view[got:])
            if not count:
                raise EOFError
            got += count
        return bytes(data)

    def _send(self, outcome: CallOutcome) -> None:
        try:
            data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001
            data = pickle.dumps(CallOutcome("exception", message=f"unpicklable result: {exc}"))
        self.out.write(_HEADER.pack(len(data)) + data)

    def _stdout(self, outcome: CallOutcome) -> CallOutcome:
        """Bytes printed since the last call (fd 1 is a private file); rewound past 1 MiB."""
        try:
            sys.stdout.flush()
        except Exception:  # noqa: BLE001, S110 - a broken stdout is the target's business
            pass
        end = os.lseek(1, 0, os.SEEK_CUR)
        if end > self.printed:
            outcome.stdout_bytes = end - self.printed
            outcome.stdout_head = os.pread(1, 200, self.printed).decode("utf-8", "replace")
        self.printed = end
        if end > 1 << 20:
            os.ftruncate(1, 0)
            os.lseek(1, 0, os.SEEK_SET)
            self.printed = 0
        return outcome

    def _load(self, target: Target) -> CallOutcome:
        try:
            self.function, note = _load_quietly(target)
            return self._stdout(CallOutcome("ok", message=note))
        except BaseException as exc:  # noqa: BLE001 - SystemExit from a script too
            return self._stdout(CallOutcome("load-error", message=_describe(exc)))

    def _call(self, args: tuple, kwargs: dict, names: tuple[str, ...]) -> CallOutcome:
        pristine = copy.deepcopy((args, kwargs))
        try:
            result = self.function(*args, **kwargs)
            outcome = CallOutcome("ok", value=to_plain(result))
        except OverflowError as exc:
            outcome = CallOutcome("too-large", message=f"the result is too large: {exc}")
        except MemoryError:
            outcome = CallOutcome("exception", message="MemoryError (the memory limit was hit)")
        except BaseException as exc:  # noqa: BLE001 - SystemExit, KeyboardInterrupt too
            outcome = CallOutcome("exception", message=_describe(exc))
        labels = list(names) + [f"arg{i}" for i in range(len(names), len(args))]
        for label, before, after in zip(labels, pristine[0], args):
            outcome.changed += _changed(before, after, label)
        for key, before in pristine[1].items():
            outcome.changed += _changed(before, kwargs[key], key)
        return self._stdout(outcome)


def _limit(which: int, value: int) -> None:
    """Lower a resource limit, soft and hard, to `value` (or to the hard limit already in force
    if that is lower), so that the target cannot raise it again."""
    import resource

    _, hard = resource.getrlimit(which)
    value = value if hard == resource.RLIM_INFINITY else min(value, hard)
    resource.setrlimit(which, (value, value))


def _load_quietly(target: Target):
    from nnspec.audit.targets import load_target

    return load_target(target)


def _describe(exc: BaseException) -> str:
    """`Type: message` plus the innermost frame of the target's code, in one line."""
    import traceback

    own = os.path.dirname(os.path.abspath(__file__))
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not os.path.abspath(f.filename).startswith(own + os.sep)
              and not f.filename.startswith("<frozen")]
    where = ""
    if frames:
        where = f" (at {os.path.basename(frames[-1].filename)} line {frames[-1].lineno})"
    text = str(exc).strip().splitlines()
    first = text[0][:300] if text else ""
    return f"{type(exc).__name__}: {first}{where}" if first else f"{type(exc).__name__}{where}"


if __name__ == "__main__":
    from nnspec.audit.sandbox import (
        _Worker as Worker,  # so answers pickle as nnspec.audit.sandbox classes
    )

    Worker(int(sys.argv[1])).serve()
