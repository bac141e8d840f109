"""The sandbox: nothing a target does can hang, crash or corrupt the harness."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from nnspec.audit import isolation
from nnspec.audit.sandbox import CallOutcome, Sandbox, to_plain
from nnspec.audit.targets import parse_target

SOURCE = '''
import os, sys, time
import numpy as np
print("printed while loading")

def echo(x, d):
    return {"twice": x * 2, "scalar": np.float32(1.5), "n": 3, "items": [np.int64(4)]}

def talk(x, d):
    print("hello", x.shape)
    sys.stderr.write("on stderr\\n")
    return 1.0

def mutate(x, d):
    d["a"] += 1
    x[0] = 7.0
    return None

def hang(x, d):
    while True:
        pass

def sleep_then(x, d):
    time.sleep(float(x[0]))
    return float(x[0])

def leave(x, d):
    os._exit(3)

def segfault(x, d):
    import ctypes
    ctypes.string_at(0)

def allocate(x, d):
    return np.ones(1 << 31)

def huge(x, d):
    return np.zeros(10_000_000)

def fail(x, d):
    raise KeyError("dw")

class Tensor:  # duck-typed like torch.Tensor
    def __init__(self, v):
        self.v = v
    def detach(self):
        return self
    def cpu(self):
        return self
    def numpy(self):
        return np.asarray(self.v)

def tensor(x, d):
    return {"t": Tensor(x), "obj": object()}

CALLS = [0]

def loud(x, d):
    print("x" * 100_000)
    return 1.0

def forge(x, d):
    """Answers calls it has not run yet on the worker's own pipe, then sleeps."""
    from nnspec.audit import answers
    pipes = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            if int(fd) > 2 and os.readlink(f"/proc/self/fd/{fd}").startswith("pipe:"):
                pipes.append(int(fd))
        except OSError:  # the listing's own descriptor
            pass
    message = answers.encode({"status": "ok", "value": 1.0})
    for _ in range(1000):
        os.write(max(pipes), message)
    time.sleep(10**6)

def count(x, d):
    CALLS[0] += 1
    print("#" * CALLS[0])
    if x[0] < 0:
        os._exit(4)
    if x[0] == 2:
        x[1] = 9.0
    return CALLS[0]

def spin(x, d):
    # CPU seconds that 4 processes spinning for 1 s of wall-clock time get together
    children = []
    for _ in range(3):
        pid = os.fork()
        if pid == 0:
            end = time.time() + 1.0
            while time.time() < end:
                pass
            os._exit(0)
        children.append(pid)
    start = time.process_time()
    end = time.time() + 1.0
    while time.time() < end:
        pass
    total = time.process_time() - start
    for pid in children:
        total += sum(os.wait4(pid, 0)[2][:2])
    return total
'''


@pytest.fixture(scope="module")
def module(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sandbox") / "targets.py"
    path.write_text(SOURCE)
    return path


def _call(module: Path, name: str, budget: float = 10.0) -> CallOutcome:
    with Sandbox(parse_target(f"{module}:{name}", name), budget=budget) as box:
        return box.call((np.arange(3.0), {"a": np.zeros(2)}), names=("x", "d"))


def test_values_come_back_as_plain_numpy(module: Path) -> None:
    out = _call(module, "echo")
    assert out.status == "ok" and out.changed == [] and out.stdout_bytes == 0
    assert np.array_equal(out.value["twice"], [0.0, 2.0, 4.0])
    assert out.value["scalar"].dtype == np.float32 and out.value["scalar"].shape == ()
    assert out.value["n"] == 3 and out.value["items"][0].shape == ()


def test_prints_are_captured_not_shown(module: Path, capfd: pytest.CaptureFixture) -> None:
    out = _call(module, "talk")
    assert out.stdout_bytes == len("hello (3,)\n") and out.stdout_head == "hello (3,)\n"
    assert capfd.readouterr().out == ""  # neither the load-time nor the call's print


def test_changed_inputs_are_named(module: Path) -> None:
    assert _call(module, "mutate").changed == ["x", "d['a']"]


def test_hang_is_a_timeout_and_the_next_call_restarts(module: Path) -> None:
    target = parse_target(f"{module}:sleep_then", "f")
    with Sandbox(target, budget=3.0) as box:
        start = time.perf_counter()
        out = box.call((np.array([60.0]), {}))
        assert out.status == "timeout" and time.perf_counter() - start < 10
        out = box.call((np.array([60.0]), {}))
        assert out.status == "timeout" and "budget" in out.message
    with Sandbox(target, budget=30.0) as box:
        assert box.call((np.array([0.0]), {})).value == 0.0


def test_a_dropped_ctrl_c_ends_the_wait_for_a_hanging_call(module: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A Ctrl-C that Python dropped (raised in a gc callback) is only remembered: the wait for
    the answer sees it within a slice, not after the call's timeout."""
    import threading

    from nnspec import errors

    monkeypatch.setattr(errors, "_INTERRUPTED", [])
    with Sandbox(parse_target(f"{module}:sleep_then", "f"), budget=60.0) as box:
        threading.Timer(1.0, errors._INTERRUPTED.append, (2,)).start()
        start = time.perf_counter()
        with pytest.raises(KeyboardInterrupt):
            box.call((np.array([60.0]), {}))
        assert time.perf_counter() - start < 5


@pytest.mark.parametrize("name, status, words", [
    ("leave", "crash", "exited with status 3"),
    ("segfault", "crash", "SIGSEGV"),
    ("allocate", "exception", "MemoryError"),
    ("huge", "too-large", "too large"),
    ("fail", "exception", "KeyError: 'dw' (at targets.py line"),
])
def test_crashes_and_errors_become_outcomes(module: Path, name: str, status: str,
                                            words: str) -> None:
    out = _call(module, name)
    assert out.status == status and words in out.message


def _in_groups(groups: set[int]) -> list[int]:
    import os

    found = []
    for name in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.getpgid(int(name)) in groups:
                found.append(int(name))
        except OSError:
            pass
    return found


def test_a_worker_closed_while_it_starts_leaves_no_process(module: Path) -> None:
    """bwrap killed while it starts its namespace left the namespace's init waiting forever
    for a signal (about one start in fifteen)."""
    groups = set()
    for delay in (0.0, 0.001, 0.003, 0.01) * 10:
        box = Sandbox(parse_target(f"{module}:echo", "echo"))
        box._spawn()
        groups.add(box._proc.pid)
        time.sleep(delay)
        box.close()
    deadline = time.monotonic() + 5
    while _in_groups(groups) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _in_groups(groups) == []


@pytest.mark.parametrize("name, words", [("leave", "exited with status 3"),
                                         ("segfault", "killed by SIGSEGV")])
def test_after_a_crash_each_call_runs_in_a_child_of_one_new_worker(module: Path, name: str,
                                                                   words: str) -> None:
    """The first crash restarts the worker; later crashes end a child of it, said the same
    way, and the calls after them are answered by the same worker (no restart to pay)."""
    with Sandbox(parse_target(f"{module}:{name}", "f")) as box:
        first = box.call((np.arange(3.0), {}))
        workers = set()
        for _ in range(4):
            again = box.call((np.arange(3.0), {}))
            assert (again.status, again.message) == (first.status, first.message)
            assert words in again.message
            workers.add(box._proc.pid)
        assert box.restarts == 1 and len(workers) == 1  # the first start is not a restart


def test_a_guarded_worker_still_answers_calls_that_return(module: Path) -> None:
    with Sandbox(parse_target(f"{module}:count", "f")) as box:
        assert box.call(*_requests(-1)[0]).status == "crash"
        outs = box.calls(_requests(1, -1, 2, 0))
        assert [o.status for o in outs] == ["ok", "crash", "ok", "ok"]
        assert [outs[0].value, outs[2].value] == [1, 1]  # a child's state is not kept
        assert outs[2].changed == ["x"] and box.restarts == 1


def _requests(*firsts: float) -> list:
    return [((np.array([v, 0.0]), {}), None, ("x", "d")) for v in firsts]


def test_calls_in_one_request_answer_as_they_would_one_by_one(module: Path) -> None:
    """The worker runs ahead of the harness: each call's prints are still its own."""
    with Sandbox(parse_target(f"{module}:count", "f")) as box:
        assert box.start() is None
        outs = box.calls(_requests(0, 1, 2, 3, 4, 5))
    assert [o.value for o in outs] == [1, 2, 3, 4, 5, 6]
    assert [o.stdout_bytes for o in outs] == [2, 3, 4, 5, 6, 7]  # n '#' and a newline
    assert [o.stdout_head for o in outs] == ["#" * n + "\n" for n in range(1, 7)]
    assert [o.changed for o in outs] == [[], [], ["x"], [], [], []]


def test_calls_stop_at_a_crash_and_the_next_call_restarts(module: Path) -> None:
    with Sandbox(parse_target(f"{module}:count", "f")) as box:
        outs = box.calls(_requests(0, -1, 1))
        assert [o.status for o in outs] == ["ok", "crash"] and outs[0].value == 1
        assert "exited with status 4" in outs[1].message
        assert box.call(*_requests(1)[0]).value == 1 and box.restarts == 1


def test_array_likes_are_converted_in_the_worker(module: Path) -> None:
    out = _call(module, "tensor")
    assert np.array_equal(out.value["t"], [0.0, 1.0, 2.0])
    assert out.value["obj"] == {"__nnspec_opaque__": "builtins.object"}


def test_to_plain_caps_sizes() -> None:
    with pytest.raises(OverflowError):
        to_plain([np.zeros(3_000_000), np.zeros(3_000_000)])
    assert to_plain((np.float64(2.0), True, None, "s")) == (np.asarray(2.0), True, None, "s")


def test_the_worker_s_files_stay_visible_when_the_targets_folder_holds_them() -> None:
    """Auditing a file beside an editable checkout hides that folder, not the worker's own
    modules (bound back after it); the rest of nnspec stays hidden."""
    import nnspec
    from nnspec.audit import isolation

    package = Path(nnspec.__file__).resolve().parent
    argv = isolation.command(isolation.Isolation("bubblewrap", ""), ["-c", ""],
                             hide=[str(package.parent)])
    hidden = [argv[i + 1] for i, a in enumerate(argv) if a == "--tmpfs"]
    shown = [argv[i + 1] for i, a in enumerate(argv) if a == "--ro-bind"]
    worker = str(package / "audit" / "sandbox.py")
    assert str(package.parent) in hidden and worker in shown
    assert argv.index(str(package.parent)) < argv.index(worker)  # bound back after
    assert str(package) not in shown and str(package / "audit" / "contracts.py") not in shown


def test_a_module_target_sees_the_whole_of_nnspec() -> None:
    """A module the user names (nnspec.reference.logreg in the corpus) is loaded by import,
    so nothing of nnspec is hidden from it."""
    import nnspec
    from nnspec.audit import isolation

    package = str(Path(nnspec.__file__).resolve().parent)
    argv = isolation.command(isolation.Isolation("bubblewrap", ""), ["-c", ""],
                             whole_nnspec=True)
    assert package not in [argv[i + 1] for i, a in enumerate(argv) if a == "--tmpfs"]


def _spawns(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    from nnspec.audit import sandbox

    spawned: list[str] = []
    real = sandbox.Sandbox._spawn

    def counting(self: Sandbox) -> None:
        spawned.append(self.target.function)
        real(self)

    monkeypatch.setattr(sandbox.Sandbox, "_spawn", counting)
    return spawned


def test_the_command_line_audit_uses_the_worker_started_before_its_imports(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    """One worker for a one-file audit: started by `prespawn` (for no function yet) and taken
    by the audit; without the spare the audit starts its own (the count would be 2)."""
    from nnspec.audit import sandbox
    from nnspec.cli import main

    spawned = _spawns(monkeypatch)
    target = Path(__file__).parent / "corpus" / "logreg_propagate" / "correct_stable.py"
    assert main(["audit", str(target), "--contract", "logreg.propagate", "--examples", "5"]) == 0
    assert spawned == [""]  # the spare only
    assert not sandbox._SPARE
    capsys.readouterr()
    spawned.clear()
    sandbox.prespawn(str(target), "auto")
    sandbox._SPARE[0].isolation = sandbox.isolation.choose("none")  # a spare that does not fit...
    with Sandbox(parse_target(str(target), "propagate")) as box:  # ...is not taken
        assert box.start() is None
    assert spawned == ["", "propagate"]
    sandbox.drop_spare()


def test_a_usage_error_stops_the_spare_worker(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture) -> None:
    from nnspec.audit import sandbox
    from nnspec.cli import main

    spawned = _spawns(monkeypatch)
    target = Path(__file__).parent / "corpus" / "logreg_propagate" / "correct_stable.py"
    assert main(["audit", str(target), "--contract", "logreg.propagate", "--examples", "0"]) == 2
    assert spawned == [""] and not sandbox._SPARE
    assert "--examples must be between 1 and 10000" in capsys.readouterr().err


def test_stopping_a_run_ends_its_audit_at_once(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """`stop_run` (what Ctrl-C does on a Dask worker) kills the run's sandbox and lets no other
    start: the hanging audit ends within seconds, with a crash, instead of after --timeout.
    It is stopped once the calls are sent (a fixed wait found it still loading on a loaded
    machine)."""
    import threading

    from nnspec.audit import sandbox
    from nnspec.audit.engine import audit

    target = tmp_path / "hangs.py"
    target.write_text("import time\n\ndef propagate(w, b, X, Y):\n    time.sleep(600)\n")
    found, calling = [], threading.Event()
    send = sandbox.Sandbox._send

    def sent(self, request: tuple) -> bool:
        if request[0] != "load":
            calling.set()
        return send(self, request)

    monkeypatch.setattr(sandbox.Sandbox, "_send", sent)

    def run() -> None:
        with sandbox.tagged("run-1"):
            found.append(audit(str(target), "logreg.propagate", examples=5, timeout=300))

    worker = threading.Thread(target=run)
    start = time.monotonic()
    worker.start()
    assert calling.wait(60)
    time.sleep(0.2)
    assert sandbox.stop_run("other-run") == 0
    assert sandbox.stop_run("run-1") == 1
    worker.join(30)
    assert time.monotonic() - start < 60
    first = found[0].findings[0]
    assert (first.check, first.message) == (
        "crash", "the process running it died: the process was killed by SIGKILL")
    assert [f.counterexample.get("checked") for f in found[0].findings[1:]] == [0]
    assert "run-1" not in sandbox._LIVE.values()


def test_a_worker_that_never_gets_its_target_leaves() -> None:
    """A worker started ahead whose harness died waits SPARE_WAIT seconds for its target, then
    exits: no sandbox outlives the run that started it."""
    import subprocess
    import sys
    import tempfile

    code = ("import sys, nnspec.audit.sandbox as s\n"
            "s.SPARE_WAIT = 0.5\n"
            "s._Worker(0, 'none', int(sys.argv[1])).serve()\n")
    with tempfile.TemporaryFile() as capture:
        worker = subprocess.Popen([sys.executable, "-c", code, str(capture.fileno())],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  pass_fds=(capture.fileno(),))
        start = time.monotonic()
        assert worker.wait(10) == 0  # stdin still open: it left on its own
        assert time.monotonic() - start < 8
        worker.stdin.close()
        worker.stdout.close()


def test_a_failed_import_names_no_frame_of_the_standard_library() -> None:
    import importlib

    from nnspec.audit.sandbox import _describe

    try:
        importlib.import_module("nnspec.no_such_module")
    except ImportError as exc:
        described = _describe(exc)  # the import statement's own frame, not importlib's
        assert described.startswith("ModuleNotFoundError: No module named 'nnspec.no_such_")
        assert described.endswith(f"(at {Path(__file__).name} line {exc.__traceback__.tb_lineno})")


def test_a_worker_that_stops_reading_cannot_block_the_harness(module: Path) -> None:
    """A target that forges the answers of the calls after its own and then sleeps: the next
    request (larger than a pipe holds) must not block the harness past the budget."""
    import signal

    def blocked(*_):
        raise AssertionError("the harness blocked writing to a worker that stopped reading")

    requests = [((np.zeros(2000), {}), None, ("x", "d")) for _ in range(60)]
    previous = signal.signal(signal.SIGALRM, blocked)
    signal.alarm(30)  # fail, not hang, where the harness would block
    try:
        with Sandbox(parse_target(f"{module}:forge", "f"), budget=3.0) as box:
            assert box.start() is None
            outs = box.calls(requests)
            outs += box.calls(requests)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert outs[-1].status == "timeout"


def test_prints_count_against_the_limit_per_call_not_per_request(module: Path) -> None:
    """200 calls printing 100 kB each print more than the output limit in all: each call is
    still answered as one by one (the worker stops a request after a call that printed)."""
    with Sandbox(parse_target(f"{module}:loud", "f")) as box:
        outs = box.calls([((np.zeros(1), {}), None, ("x", "d"))] * 200)
    assert [o.status for o in outs] == ["ok"] * 200
    assert {o.stdout_bytes for o in outs} == {100_001}


def test_a_target_s_processes_share_one_core(module: Path) -> None:
    """Four processes that spin for a second get one core's worth of time between them, not
    the machine's (about 2 s on 2 cores without the cpu cgroup): a fork bomb in one submission
    does not starve the others of a folder run."""
    probe = isolation.ProcessGroup()
    if probe.path is None:
        pytest.skip("no cgroups here (not root, or cgroup v2 only)")
    probe.remove()
    out = _call(module, "spin")
    assert out.status == "ok" and out.value < 1.3, out


def test_the_isolation_line_says_whether_unix_sockets_are_filtered(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Where no seccomp filter can be set (another machine's syscall table), the line says
    the socket files stay reachable instead of claiming "no Unix sockets"."""
    isolation._auto.cache_clear()
    try:
        line = isolation.choose("auto").describe()
        if isolation.choose("auto").kind == "process":
            pytest.skip("neither bubblewrap nor Landlock here")
        assert ("no sockets" in line) == isolation.seccomp_filter_known()
        monkeypatch.setattr(isolation, "_SECCOMP", {})
        isolation._auto.cache_clear()
        line = isolation.choose("auto").describe()
        assert "no sockets" not in line and "Unix socket files reachable" in line
    finally:
        isolation._auto.cache_clear()


def test_a_worker_that_cannot_set_the_socket_filter_refuses_its_target(
        module: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The isolation line promised no Unix sockets: a worker whose filter failed does not run
    the target rather than run it with sockets open."""
    from nnspec.audit import sandbox

    worker = object.__new__(sandbox._Worker)
    worker.kind = "bubblewrap"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(isolation, "seccomp_filter_known", lambda: True)
    monkeypatch.setattr(isolation, "set_seccomp_filter", lambda: False)
    target = parse_target(f"{module}:echo", "echo")
    answer = worker._load(target, {}, [])
    assert answer["status"] == "load-error"
    assert "against sockets could not be set" in answer["message"]


def test_a_target_drawing_from_numpy_s_global_generator_gets_the_same_result_each_run() -> None:
    """np.random.rand() noise wrote other bytes to a class's JSON on every run; the generators
    are seeded before the target loads, and its two calls on one input still differ."""
    from nnspec.audit.engine import audit

    target = Path(__file__).parent / "corpus" / "logreg_propagate" / "bug_nondeterministic.py"
    runs = [audit(str(target), "logreg.propagate", examples=5).to_dict() for _ in range(2)]
    assert runs[0] == runs[1]
    assert "determinism" in {f["check"] for f in runs[0]["findings"]}
