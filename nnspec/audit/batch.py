"""`nnspec audit DIR`: every submission of a folder, audited on a pool of warm workers or on a
Dask cluster, through one `concurrent.futures.Executor` seam.

Each target is audited alone by `nnspec.audit.engine.audit` (the same sandboxed audit as for one
file) in a worker process that stays up for the whole folder: the harness (NumPy, Hypothesis, the
reference, the contracts) is imported once per worker, and what does not depend on the target
(the explore pass's problems, the strategies) is drawn once per worker. The results come back in
the folder's sorted order whatever order the workers finish in, so the table, the JSON and the
Markdown are the same bytes from run to run, on a local pool or on a cluster.

A worker that dies takes only its own target with it: after a broken pool the targets that were
in flight run again one at a time, the one that breaks its worker again gets a `crash` finding,
and the others go back to a fresh pool. Ctrl-C stops the workers and their sandboxes within
about two seconds and writes no output file; a second Ctrl-C exits at once.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from nnspec.audit import contracts, grader, isolation
from nnspec.audit.answers import label, md_code, md_text, printable
from nnspec.audit.cache import ResultCache, default_path, installed_key, target_key
from nnspec.audit.engine import (
    SEVERITIES,
    AuditResult,
    Finding,
    _audit_options,
    _compact,
    audit,
    jsonable,
)
from nnspec.audit.sandbox import (
    code_only,
    drop_spare,
    helper_modules,
    prespawn,
    stop_run,
    tagged,
)
from nnspec.audit.targets import (
    find_targets,
    helpers_in,
    links,
    may_define,
    parse_target,
    read_source,
    unreadable,
)
from nnspec.cores import usable_cores
from nnspec.errors import (
    EXIT_FINDING,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    hold_interrupt,
    raise_if_interrupted,
)
from nnspec.files import read_input, write_atomic
from nnspec.text import columns, plural

STOP_GRACE = 1.5  # seconds the workers get to stop their sandboxes after Ctrl-C
CONNECT_TIMEOUT = "10s"  # to reach a Dask scheduler


@dataclass(frozen=True)
class Job:
    """One target of a folder: `label` is its path relative to the folder. `files` (for a
    cluster, whose workers may not see this machine's disk) carries the target's bytes and its
    helper modules' as (name relative to the target's folder, bytes)."""

    path: str
    label: str
    contract: str
    options: tuple[tuple[str, object], ...]
    files: tuple[tuple[str, bytes], ...] = ()
    run: str = ""  # the folder run's id on a cluster, whose Ctrl-C stops its sandboxes


def _root(job: Job) -> Path:
    """The folder the run audits (the target's path without its label)."""
    return Path(job.path).parents[len(Path(job.label).parts) - 1]


def audit_job(job: Job) -> AuditResult:
    """The task a worker runs (local or on a Dask worker): one sandboxed audit, which sees
    none of the folder's other submissions (their root is hidden, not only the target's own
    folder). Then the worker starts the sandbox for its next target of the folder, which it
    takes while the next job arrives (`prespawn`)."""
    options = dict(job.options)
    if not job.files:
        root = str(_root(job))
        result = audit(job.path, job.contract, label=job.label, root=root, **options)
        prespawn(job.path, options.get("isolation", "auto"), root=root)
        return result
    with tempfile.TemporaryDirectory(prefix="nnspec-job-") as folder, tagged(job.run):
        for name, data in job.files:
            (Path(folder) / name).parent.mkdir(parents=True, exist_ok=True)
            (Path(folder) / name).write_bytes(data)
        target = Path(folder) / job.files[0][0]
        return audit(str(target), job.contract, label=job.label, root=folder, **options)


def shipped(job: Job) -> Job:
    """The job with its files' bytes, for a worker on another machine: the target (a
    notebook's code cells only, as its sandbox gets it: an 11 MB plot output travelled with
    the task, and Dask warned of a large graph) and the helper modules a local sandbox gets
    (`helper_modules`)."""
    path = Path(job.path)
    function = contracts.get(job.contract).function
    helpers = helper_modules(path, function, root=_root(job))
    data = read_input(path)
    if path.suffix == ".ipynb":
        try:  # the checks a local run makes first, on the notebook as submitted
            read_source(parse_target(str(path), function))
        except UsageError:  # shipped as it is, for the worker to refuse it alike: code_only
            pass  # repaired a BOM or UTF-16 (conforms on Dask, an error locally) and turned
            # millions of [] cells into 2.4 GB in this process
        else:
            data = code_only(data)
    return replace(job, files=((path.name, data), *sorted(helpers.items())))


def make_jobs(folder: Path, contract: str, options: dict) -> list[Job]:
    """One job per target of the folder; what is not audited is named on stderr."""
    locked = unreadable(folder)
    if locked and locked[0].startswith(f"{folder}: "):
        raise UsageError(f"cannot read folder {printable(locked[0], 300)}")
    for entry in locked:
        print(f"nnspec: not audited, a folder that cannot be read: {printable(entry, 300)}",
              file=sys.stderr)
    paths, function = find_targets(folder), contracts.get(contract).function
    helpers_only = helpers_in(paths, function, folder)
    beside = f"helper modules (imported by the submissions beside or below them, no {function})"
    linked = [f"{p.relative_to(folder).as_posix()}{'/' if p.is_dir() else ''} -> {where}"
              for p, where in links(folder)]
    for what, names in (("links (a submission is a file of its own)", linked),
                        (beside, [p.relative_to(folder).as_posix() for p in helpers_only])):
        if names:
            print(f"nnspec: not audited, {what}: {printable(', '.join(names), 300)}",
                  file=sys.stderr)
    paths = [p for p in paths if p not in helpers_only]
    if not paths:
        raise UsageError(f"no .py or .ipynb files in {folder}")
    for line in _several_per_folder(paths, folder, function):
        print(f"nnspec: {line}", file=sys.stderr)
    frozen = tuple(sorted(options.items()))
    return [Job(str(p), p.relative_to(folder).as_posix(), contract, frozen) for p in paths]


def _several_per_folder(paths: list[Path], folder: Path, function: str) -> list[str]:
    """A student's folder with more than one file defining the function (a draft and a final):
    each is audited and graded on its own, which an instructor may not expect."""
    by_folder: dict[Path, list[str]] = {}
    for path in paths:
        if path.parent != folder and may_define(path, function.split(".")[0]):
            by_folder.setdefault(path.parent, []).append(path.name)
    return [f"{printable(p.relative_to(folder).as_posix(), 200)}/ has {len(names)} files that "
            f"define {function} ({printable(', '.join(names), 200)}): each is audited and "
            "graded as a target of its own" for p, names in sorted(by_folder.items())
            if len(names) > 1]


# ---- executors ---------------------------------------------------------------------------------

ORPHAN_CHECK = 0.5  # seconds between two looks of a worker at its parent


def _on_term(signum: int, frame: object) -> None:
    """Kill this worker's sandboxes (each leads its own process group) and remove their
    cgroups, then exit at once: unwinding instead could be swallowed by whatever the signal
    interrupts."""
    me = str(os.getpid())
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = stat.read_text().rsplit(")", 1)[1].split()[1]
        except (OSError, IndexError):
            continue
        if ppid == me:
            for kill in (os.killpg, os.kill):
                with contextlib.suppress(OSError):
                    kill(int(stat.parent.name), signal.SIGKILL)
    isolation.remove_groups()
    os._exit(1)


def _worker_init() -> None:
    """Ctrl-C is the parent's to handle: it stops the workers with SIGTERM. A sandbox started
    for a next target that never came is stopped when the worker exits."""
    import atexit

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_term)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, HELD)  # see _children_start_deaf
    atexit.register(drop_spare)
    threading.Thread(target=_orphaned, args=(os.getppid(),), daemon=True,
                     name="nnspec-parent-watch").start()


def _orphaned(parent: int) -> None:
    """Stop this worker and its sandboxes when the run that started it is gone: a run killed
    with SIGKILL (or the machine's OOM killer) left its workers auditing, and their
    sandboxes running, for minutes."""
    while os.getppid() == parent:
        time.sleep(ORPHAN_CHECK)
    _on_term(signal.SIGTERM, None)


HELD = {signal.SIGINT, signal.SIGTERM}


@contextmanager
def _children_start_deaf(local: bool) -> Iterator[None]:
    """Ctrl-C and SIGTERM held while jobs are submitted: the pool spawns its workers then, and
    a worker inherits the blocked signals until `_worker_init` takes them. A Ctrl-C that came
    while one was starting printed its traceback; one that came just before the block, whose
    handler Python runs at its next instruction, ended the parent between spawning a worker and
    sending it its task, and the worker printed "EOFError: Ran out of input" (2 runs in 12).
    The parent gets either as soon as the jobs are in."""
    if not local:
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, HELD)
    handlers = ({signum: signal.signal(signum, hold_interrupt) for signum in HELD}
                if threading.current_thread() is threading.main_thread() else {})
    try:
        yield
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
    raise_if_interrupted()


def local_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` spawned processes that live as long as the pool. Its semaphores
    are left to multiprocessing's resource tracker when a second Ctrl-C ends the run at once,
    and the tracker (started with the pool, with this environment) then says nothing."""
    import multiprocessing

    quiet = "ignore:resource_tracker:UserWarning"
    given = os.environ.get("PYTHONWARNINGS", "")
    if quiet not in given.split(","):
        os.environ["PYTHONWARNINGS"] = ",".join(filter(None, (given, quiet)))

    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_worker_init)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """SIGTERM every worker (each kills its sandbox), SIGKILL what is left after STOP_GRACE."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)  # a shutdown forgets it
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        if proc.is_alive():
            proc.terminate()
    deadline = time.monotonic() + STOP_GRACE
    for proc in procs:
        proc.join(max(deadline - time.monotonic(), 0))
    for proc in procs:
        if proc.is_alive():
            proc.kill()
            proc.join(0.5)
    if manager is not None:  # ended, it leaves the exit's hook no pipe to write to
        manager.join(STOP_GRACE)


NO_CLUSTER = "--scheduler needs the cluster extra: pip install 'nnspec[cluster]'"


def _connected(client_class: Any, address: str) -> Any:
    """A Client of the scheduler at `address`, or UsageError within CONNECT_TIMEOUT and a few
    seconds: a server that is not Dask's (its dashboard's HTTP port, a silent one) held the
    handshake for ever, and others gave tracebacks (a length read from HTTP bytes asked for
    3 EiB; a scheme it cannot use, a TypeError). The thread left waiting is a daemon's."""
    box: dict[str, Any] = {}

    def connect() -> None:
        try:
            box["client"] = client_class(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except BaseException as exc:  # noqa: BLE001 - whatever it raises is said in one line
            box["error"] = exc

    thread = threading.Thread(target=connect, daemon=True, name="nnspec-dask-connect")
    thread.start()
    thread.join(_seconds(CONNECT_TIMEOUT) + 5)
    if "client" in box:
        return box["client"]
    why = f"{type(box['error']).__name__}: {box['error']}" if "error" in box else \
        f"no answer within {_seconds(CONNECT_TIMEOUT) + 5:g} s"
    raise UsageError(f"cannot reach the Dask scheduler at {address} ({printable(why, 200)}); "
                     "is it a scheduler's address, such as tcp://host:8786?")


def _seconds(timeout: str | float) -> float:
    return float(str(timeout).rstrip("s"))


@contextmanager
def dask_executor(address: str, run: str = "") -> Iterator[Executor]:
    """An Executor whose tasks run on the Dask cluster at `address`; its `stop()` kills the
    sandboxes of the tasks of `run` on every worker (Dask cannot interrupt a running task)."""
    try:
        from distributed import Client
    except ImportError:
        raise UsageError(NO_CLUSTER) from None
    client = _connected(Client, address)
    executor = client.get_executor()
    executor.stop = lambda: client.run(stop_run, run)  # type: ignore[attr-defined]
    try:
        yield executor
    finally:
        client.close()


# ---- running the jobs --------------------------------------------------------------------------

WORKER_DIED = "the worker process auditing it died"
AUDIT_FAILED = "the audit failed"


def _harness_failure(result: AuditResult) -> bool:
    """A result the harness made up for a worker or an audit that failed: never cached, the
    next run tries again."""
    return (result.reason.startswith(AUDIT_FAILED)
            or any(f.message.startswith(WORKER_DIED) for f in result.findings))


def _installed(result: AuditResult) -> bool:
    """A result that may change once a package is installed, cached with the installed
    distributions in its key: an error (an import that failed; the message says to install
    it), an import note, an exception naming a module that could not be imported."""
    return result.verdict == "error" or any(
        f.check == "import" or "ModuleNotFoundError" in f.message or "ImportError" in f.message
        for f in result.findings)


def _shown_options(job: Job) -> dict:
    """The options an AuditResult records (the isolation is not one of them)."""
    return contracts.Options(**{k: v for k, v in job.options if k != "isolation"}).as_dict()


def _crashed(job: Job, why: str) -> AuditResult:
    finding = Finding("crash", "defect", f"{WORKER_DIED}: {why}",
                      {"inputs": "the whole audit"})
    return AuditResult(job.label, job.contract, "defect", [finding],
                       options=_shown_options(job))


def _failed(job: Job, exc: BaseException) -> AuditResult:
    name = type(exc).__name__
    if name == "KilledWorker":  # Dask gave up on the task after its workers died
        return _crashed(job, "Dask's workers died running it")
    return AuditResult(job.label, job.contract, "error",
                       reason=f"{AUDIT_FAILED}: {name}: {exc}",
                       options=_shown_options(job))


def run_jobs(jobs: list[Job], done: Callable[[Job, AuditResult], None], *,
             executor: Executor | None = None, workers: int = 1,
             task: Callable[[Job], AuditResult] = audit_job) -> None:
    """Run every job, calling `done` with it and its result as it arrives (a result names its
    target escaped for a terminal, so the job is what tells them apart): on `executor` (a Dask
    cluster's) when given, else on local pools of `workers` processes.

    A broken local pool is survived: the first jobs not yet done (those the pool can have been
    running: its workers plus one queued, as it takes jobs in order) run again one at a time in
    a one-worker pool, a job that breaks that pool too gets a `crash` finding, and the rest go
    on in a fresh pool. On Ctrl-C the workers are stopped and KeyboardInterrupt goes on up."""
    pools: list[ProcessPoolExecutor] = []

    def pool(size: int) -> ProcessPoolExecutor:
        pools.append(local_pool(size))
        return pools[-1]

    held = _interrupts_held()
    try:
        pending = list(jobs)
        while pending:
            current = executor or pool(workers)
            pending = _run_some(pending, current, done, task, local=executor is None)
            for job in pending[: workers + 1]:
                alone = pool(1)
                with _children_start_deaf(True):
                    future = alone.submit(task, job)
                for _ in _as_completed({future: job}):
                    pass
                done(job, _crashed(job, "it broke its worker process twice")
                     if isinstance(future.exception(), BrokenProcessPool)
                     else task_result(job, future))
                alone.shutdown()
            pending = pending[workers + 1:]
    except KeyboardInterrupt:
        workers_up = [proc for each in pools  # before a shutdown forgets them
                      for proc in (getattr(each, "_processes", None) or {}).values()]
        signal.signal(signal.SIGINT, lambda *_: _second_interrupt(workers_up))
        for each in pools:
            _stop_pool(each)
        if executor is not None:
            executor.shutdown(wait=False)  # cancels what has not started
            with contextlib.suppress(Exception):
                getattr(executor, "stop", lambda: None)()  # ends what has
        raise
    else:
        for signum, handler in held.items():
            signal.signal(signum, handler)
    finally:
        for each in pools:  # waited for: its thread must not be closing its pipe at exit
            each.shutdown(wait=True, cancel_futures=True)


def _interrupts_held() -> dict:
    """Ctrl-C and SIGTERM remembered, and raised only where the run looks for them (between
    two results, every 0.2 s): raised wherever the main thread was, one could strike inside
    concurrent.futures' `wait` between two lock acquisitions and leave a future's lock held,
    and the pool's thread, then the exit that joins it, blocked for ever. The handlers it
    replaces, put back by a run that ends without one."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {signum: signal.signal(signum, hold_interrupt) for signum in HELD}


def _second_interrupt(workers: list) -> None:
    """A second Ctrl-C while the workers stop: out at once, still saying why (a `timeout -s
    INT` signals the process and its group: two at once), the workers killed first (they
    ignore Ctrl-C, and outlived the run; their sandboxes die with them)."""
    for proc in workers:
        with contextlib.suppress(Exception):
            proc.kill()
    os.write(2, b"\nnnspec: interrupted\n" if sys.stderr.isatty() else b"nnspec: interrupted\n")
    os._exit(130)  # (on a terminal the progress bar holds the line)


def _run_some(jobs: list[Job], executor: Executor, done: Callable[[Job, AuditResult], None],
              task: Callable[[Job], AuditResult], *, local: bool) -> list[Job]:
    """Submit every job; report each result; return the jobs a broken pool left undone, in
    the order they were submitted."""
    with _children_start_deaf(local):
        futures = {executor.submit(task, job): job for job in jobs}
    for future in _as_completed(futures):
        if not (local and isinstance(future.exception(), BrokenProcessPool)):
            done(futures[future], task_result(futures[future], future))
    left = [job for f, job in futures.items() if isinstance(f.exception(), BrokenProcessPool)]
    if left and local:
        _stop_pool(executor)
    return left if local else []


def task_result(job: Job, future: Future) -> AuditResult:
    exc = future.exception()
    return _failed(job, exc) if exc is not None else future.result()


def _as_completed(futures: dict[Future, Job]) -> Iterator[Future]:
    """Completed futures as they finish; waits in short slices so that Ctrl-C is seen at once."""
    left = set(futures)
    while left:
        raise_if_interrupted()
        finished, left = wait(left, timeout=0.2, return_when="FIRST_COMPLETED")
        yield from sorted(finished, key=lambda f: futures[f].label)


# ---- the command ---------------------------------------------------------------------------------

def run_folder(args: argparse.Namespace) -> int:
    """Audit every target under a folder; one summary table, and the files asked for."""
    folder = Path(args.target)
    options = _audit_options(args)
    workers = getattr(args, "workers", None)  # checked by engine.run, before the folder is read
    if getattr(args, "scheduler", None) and importlib.util.find_spec("distributed") is None:
        raise UsageError(NO_CLUSTER)  # a rerun served by the cache went on without a word
    jobs = make_jobs(folder, args.contract, options)
    labels = [label(job.label) for job in jobs]
    for kind in grader.FORMATS:
        directory = getattr(args, kind, None)
        if not directory:
            continue
        for shown, name in grader.file_names(directory, labels).items():
            if name != f"{shown}.json":
                print(f"nnspec: --{kind}: the file of {printable(shown, 80)} is {name}: "
                      f"{shown}.json is longer than the file system allows or is another "
                      "target's folder", file=sys.stderr)
    workers = workers or usable_cores()
    cache = None
    if not getattr(args, "no_cache", False):
        cache = ResultCache(getattr(args, "cache", None) or default_path())
    try:
        ordered = _audit_all(jobs, options, workers, getattr(args, "scheduler", None), cache)
    finally:
        if cache is not None:
            cache.close()
    write_outputs(args, folder.name, ordered)
    print(batch_lines(ordered))
    print()
    print(verdict_counts(ordered))
    print(check_summary(ordered, markdown=False))
    mistakes = mistake_summary(ordered)
    if mistakes:
        print(mistakes)
    print(isolation.choose(getattr(args, "isolation", "auto")).describe())
    for kind in grader.FORMATS:
        if getattr(args, kind, None):
            print(f"{kind}: one results file per target in {os.path.join(getattr(args, kind), '')}")
    inverted = other_network(ordered)
    if inverted and any(getattr(args, kind, None) for kind in grader.FORMATS):
        print(f"nnspec: warning: the grader files are written, but {inverted}",
              file=sys.stderr)  # a script that uploads them reads stderr, not the summary
    if any(r.verdict == "defect" for r in ordered):
        return EXIT_FINDING
    failed = any(r.verdict == "error" for r in ordered) or unreadable(folder)
    return EXIT_USAGE if failed else EXIT_OK


def _audit_all(jobs: list[Job], options: dict, workers: int, scheduler: str | None,
               cache: ResultCache | None) -> list[AuditResult]:
    """Every job's result in the jobs' order: from the cache where it has one, else audited
    (and stored as soon as it arrives, so that an interrupted run resumes)."""
    results: dict[str, AuditResult] = {}
    progress = Progress(len(jobs))
    keys = {job.label: target_key(job.path, job.contract, options, _root(job)) for job in jobs} \
        if cache is not None else {}
    todo = []
    for job in jobs:
        hit = cache.get(keys[job.label], label(job.label)) or cache.get(
            installed_key(keys[job.label]), label(job.label)) if cache is not None else None
        if hit is None:
            todo.append(job)
        else:
            results[job.label] = hit
            progress.step(hit, " (cached)")

    def done(job: Job, result: AuditResult) -> None:
        results[job.label] = result
        progress.step(result)
        if cache is not None and not _harness_failure(result):
            key = keys[job.label]
            cache.put(installed_key(key) if _installed(result) else key, result)

    try:
        _run_todo(todo, done, workers, scheduler)
    finally:  # an interrupt's one line then starts a line of its own, not after the bar
        progress.done()
    return [results[job.label] for job in jobs]


def _run_todo(todo: list[Job], done: Callable[[Job, AuditResult], None], workers: int,
              scheduler: str | None) -> None:
    if todo and scheduler:
        import uuid

        run = uuid.uuid4().hex
        ready = []
        for job in todo:  # a file that cannot be read is said as a local run says it
            try:
                ready.append(replace(shipped(job), run=run))
            except OSError as exc:
                reason = f"target {Path(job.path).name}: cannot read ({exc.strerror or exc})"
                done(job, AuditResult(label(job.label), job.contract, "error",
                                      options=_shown_options(job), reason=reason))
        with dask_executor(scheduler, run) as executor:
            run_jobs(ready, done, executor=executor)
    elif todo:
        run_jobs(todo, done, workers=min(workers, len(todo)))


def write_outputs(args: argparse.Namespace, name: str, ordered: list[AuditResult]) -> None:
    if getattr(args, "report", None):
        write_atomic(args.report, batch_markdown(name, args.contract, ordered), make_dirs=True)
    if getattr(args, "json", None):
        data = {"contract": args.contract, "targets": [r.to_dict() for r in ordered],
                "mistakes": {m: [r.target for r in rs] for m, rs in named_mistakes(ordered)}}
        write_atomic(args.json, json.dumps(data, sort_keys=True, indent=2, allow_nan=False) + "\n",
                     make_dirs=True)
    for kind in grader.FORMATS:
        if getattr(args, kind, None):
            stale = grader.write_folder(getattr(args, kind), kind, ordered,
                                        getattr(args, "value_points", grader.VALUE_POINTS))
            if stale:
                shown = ", ".join(printable(s, 200) for s in stale[:5])
                more = f" and {len(stale) - 5} more" if len(stale) > 5 else ""
                print(f"nnspec: --{kind} {getattr(args, kind)}: {plural(len(stale), 'file')} "
                      f"of no target of this run left as it was: {shown}{more} (a renamed or "
                      "removed submission? delete it before uploading)", file=sys.stderr)


# ---- progress and summaries ----------------------------------------------------------------------

class Progress:
    """On a terminal, one bar rewritten in place: count, rate and time left. Otherwise one plain
    line per target (`[k/n] target: verdict`), which logs and CI keep readable."""

    WIDTH = 24

    def __init__(self, total: int, stream=None) -> None:
        self.total, self.count = total, 0
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.start = time.monotonic()

    def step(self, result: AuditResult, note: str = "") -> None:
        self.count += 1
        if not self.tty:
            print(f"[{self.count}/{self.total}] {result.target}: {result.verdict}{note}",
                  file=self.stream, flush=True)
            return
        print(f"\r\033[K{self.bar(time.monotonic() - self.start)}", end="", file=self.stream,
              flush=True)

    def bar(self, elapsed: float) -> str:
        filled = self.WIDTH * self.count // max(self.total, 1)
        rate = self.count / elapsed * 60 if elapsed > 0 else 0.0
        left = (self.total - self.count) * elapsed / self.count if self.count else 0.0
        return (f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {self.count}/{self.total}  "
                f"{rate:.1f} audits/min  {_clock(left)} left")

    def done(self) -> None:
        if self.tty and self.count:
            print(file=self.stream, flush=True)


def _clock(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _first(result: AuditResult) -> str:
    if result.verdict == "error":
        return result.reason
    worst = [f for f in result.findings if f.severity != "note"] or result.findings
    if not worst:
        return ""
    finding = worst[0]
    if finding.diagnosis:  # the mistake first: the cell is cut to a readable length
        head = finding.message.rpartition("; matches: ")[0] or finding.message
        return f"[{finding.check}] matches: {finding.diagnosis['mistake']}; {head}"
    return f"[{finding.check}] {finding.message}"


def _row(result: AuditResult) -> list[str]:
    """One target's row of the class table, unescaped: verdict, counts, first finding."""
    c = result.counts()
    return [result.target, result.verdict, str(c["defect"]), str(c["warning"]), str(c["note"]),
            _shorten(_first(result))]


ROW_HEADS = ["target", "verdict", "defects", "warnings", "notes", "first finding"]


def batch_lines(results: list[AuditResult]) -> str:
    """`batch_table` for a terminal: plain columns, no Markdown escapes or backticks."""
    rows = [[*row[:-1], printable(row[-1].replace("\n", " "))] for row in map(_row, results)]
    return columns([ROW_HEADS, *rows])


def batch_table(results: list[AuditResult]) -> str:
    rows = [f"| {' | '.join(ROW_HEADS)} |", "|---|---|---|---|---|---|"]
    for target, *counts, first in map(_row, results):
        rows.append(f"| {md_code(target, in_table=True)} | {' | '.join(counts)} | "
                    f"{md_text(first)} |")
    return "\n".join(rows)


def check_counts(results: list[AuditResult]) -> dict[str, dict[str, int]]:
    """For each check that failed anywhere: how many targets it failed, by severity."""
    counts: dict[str, dict[str, int]] = {}
    for r in results:
        for check, severity in {(f.check, f.severity) for f in r.findings}:
            counts.setdefault(check, dict.fromkeys(SEVERITIES, 0))[severity] += 1
    return counts


def check_summary(results: list[AuditResult], markdown: bool = True) -> str:
    """The class's common mistakes: per check, the number of targets with a defect, a warning,
    a note there; the most frequent defect first. A Markdown table, or plain columns for a
    terminal."""
    counts = check_counts(results)
    audited = sum(r.verdict != "error" for r in results)
    if not counts:
        if audited == 1:
            return "No check failed on the one audited target."
        return f"No check failed on any of the {audited} audited targets."
    order = contracts.CHECKS
    table = [[check, *(str(counts[check][s]) for s in SEVERITIES)] for check in sorted(
        counts, key=lambda c: (-counts[c]["defect"], -counts[c]["warning"],
                               order.index(c) if c in order else len(order), c))]
    head = (f"Targets with a finding, by check (of {plural(audited, 'audited target')}; "
            "a target counts once per check and severity):")
    if not markdown:
        return f"{head}\n{columns([['check', *SEVERITIES], *table])}"
    rows = [head, "", "| check | defect | warning | note |", "|---|---|---|---|"]
    rows += [f"| {' | '.join(row)} |" for row in table]
    return "\n".join(rows)


def named_mistakes(results: list[AuditResult]) -> list[tuple[str, list[AuditResult]]]:
    """The known mistakes the diagnoses of value defects name, with the targets that make
    each, the most common first: what the class gets wrong, not which check fails (a
    saturation warning every course-standard submission gets is no mistake)."""
    by_mistake: dict[str, list[AuditResult]] = {}
    for result in results:
        for f in result.findings:
            if f.diagnosis and f.severity == "defect":
                by_mistake.setdefault(f.diagnosis["mistake"], [])
                if result not in by_mistake[f.diagnosis["mistake"]]:
                    by_mistake[f.diagnosis["mistake"]].append(result)
    return sorted(by_mistake.items(), key=lambda item: (-len(item[1]), item[0]))


def mistake_summary(results: list[AuditResult]) -> str:
    """`- missing 1/m: 3 targets (a.py, b.py, c.py)`, one line per named mistake, and
    a warning when most audited targets match the other hidden activation: the run is most
    likely held to the wrong network (week 3 of the course uses tanh)."""
    named = named_mistakes(results)
    if not named:
        return ""
    lines = ["Mistakes named by the diagnoses of value defects:"]
    for mistake, targets in named:
        names = ", ".join(printable(r.target, 80) for r in targets[:5])
        more = f", and {len(targets) - 5} more" if len(targets) > 5 else ""
        lines.append(f"- {mistake}: {plural(len(targets), 'target')} ({names}{more})")
    inverted = other_network(results)
    if inverted:
        lines += ["", inverted]
    return "\n".join(lines)


def other_network(results: list[AuditResult]) -> str:
    """The warning that most audited targets match the other hidden activation, or ""."""
    audited = sum(r.verdict != "error" for r in results)
    other: dict[str, set[str]] = {}
    for r in results:
        for f in r.findings:
            if f.diagnosis and f.diagnosis.get("hidden_activation"):
                other.setdefault(f.diagnosis["hidden_activation"], set()).add(r.target)
    name, targets = max(other.items(), key=lambda item: len(item[1]), default=("", set()))
    if not audited or 2 * len(targets) <= audited:
        return ""
    return (f"{len(targets)} of {audited} audited targets match a {name} hidden layer: if the "
            f"course's network uses it, run again with --hidden-activation {name} (this run's "
            "grades would be inverted)")


def verdict_counts(results: list[AuditResult]) -> str:
    """`27 targets: 12 conform, 13 with a defect, 2 not audited.`"""
    verdicts = [r.verdict for r in results]
    return (f"{plural(len(results), 'target')}: {verdicts.count('conforms')} conform"
            f"{'s' if verdicts.count('conforms') == 1 else ''}, "
            f"{verdicts.count('defect')} with a defect, {verdicts.count('error')} not audited.")


def batch_markdown(folder: str, contract: str, results: list[AuditResult]) -> str:
    mistakes = mistake_summary(results)
    head = [f"# Audit of {md_code(folder + '/')} against `{contract}`", "", verdict_counts(results),
            "", "## Findings by check", "", check_summary(results), "",
            *(["## Mistakes", "", *map(md_text, mistakes.splitlines()), ""] if mistakes
              else []), "## Targets", ""]
    return "\n".join([*head, batch_table(results), *_every_finding(results)]) + "\n"


def _every_finding(results: list[AuditResult]) -> list[str]:
    """Each target's findings in full, each with its smallest input and the values expected
    and returned, and the whole reason a target was not audited: the table shows only the
    first, cut short."""
    lines = []
    for result in results:
        if result.verdict == "error":  # why it could not be audited, whole (the cell is cut)
            lines += ["", f"## {md_code(result.target)}: not audited", "",
                      md_text(result.reason)]
        if not result.findings:
            continue
        lines += ["", f"## {md_code(result.target)}: {result.verdict}", ""]
        for f in result.findings:
            ce = jsonable(f.counterexample)
            lines.append(f"- **{f.check}** ({f.severity}): {md_text(f.message)}")
            label = f.input_label()
            for key in ("inputs", "expected", "got"):
                if key in ce:
                    lines.append(f"  - {label if key == 'inputs' else key}: "
                                 f"{md_code(_compact(ce[key]))}")
    return lines


def _shorten(text: str, limit: int = 160) -> str:
    """Cut before escaping, so a table cell never ends inside an escape."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
