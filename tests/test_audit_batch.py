"""Folder runs: a dead worker costs only its target, Ctrl-C stops at once and writes nothing,
progress and the per-check summary of a class."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nnspec.audit import diagnosis
from nnspec.audit.batch import (
    Job,
    Progress,
    batch_markdown,
    check_summary,
    mistake_summary,
    named_mistakes,
    run_jobs,
)
from nnspec.audit.engine import AuditResult, Finding, audit

CORPUS = Path(__file__).parent / "corpus" / "logreg_propagate"
OPTIONS = (("dtype", "float64"), ("examples", 10), ("hidden_activation", "sigmoid"),
           ("seed", 0), ("timeout", 60.0))


def _quick(job: Job) -> AuditResult:
    """A stand-in audit that kills its worker process on `killer.py`."""
    if job.label == "killer.py":
        os._exit(9)
    return AuditResult(job.label, job.contract, "conforms")


def test_a_dead_worker_costs_only_its_own_target() -> None:
    labels = [f"s{i:02d}.py" for i in range(7)] + ["killer.py"] + [f"t{i}.py" for i in range(4)]
    jobs = [Job(label, label, "logreg.propagate", OPTIONS) for label in labels]
    results: dict[str, AuditResult] = {}
    run_jobs(jobs, lambda job, r: results.setdefault(r.target, r), workers=2, task=_quick)
    assert sorted(results) == sorted(labels)
    killed = results.pop("killer.py")
    assert killed.verdict == "defect" and [f.check for f in killed.findings] == ["crash"]
    assert "worker process auditing it died" in killed.findings[0].message
    assert {r.verdict for r in results.values()} == {"conforms"}


@pytest.mark.parametrize("interrupted", [False, True])
def test_the_pools_threads_have_ended_when_the_run_returns(interrupted: bool) -> None:
    """The exit's hook wakes each pool's thread through a pipe that the thread closes as it
    ends: a thread still ending at exit made the write fail now and then (Bad file descriptor,
    a traceback and exit 1 after a Ctrl-C). Ended by then, the hook has nothing to wake."""
    from concurrent.futures import process

    jobs = [Job(f"s{i}.py", f"s{i}.py", "logreg.propagate", OPTIONS) for i in range(4)]

    def done(job: Job, result: AuditResult) -> None:
        if interrupted:
            raise KeyboardInterrupt

    try:
        run_jobs(jobs, done, workers=2, task=_quick)
    except KeyboardInterrupt:
        assert interrupted
    assert not [thread for thread in process._threads_wakeups if thread.is_alive()]


def test_a_ctrl_c_is_taken_between_two_steps_of_the_run_not_inside_one() -> None:
    """A Ctrl-C raised wherever the main thread was could strike inside concurrent.futures'
    `wait` between two lock acquisitions and leave a future's lock held: the pool's thread then
    blocked on it for ever, and so did the exit that joins that thread ("nnspec: interrupted"
    and no end: once in a CI run). Here it comes in the middle of a result's handling, which
    ends before the run stops."""
    jobs = [Job(f"s{i}.py", f"s{i}.py", "logreg.propagate", OPTIONS) for i in range(4)]
    handled: list[str] = []

    def done(job: Job, result: AuditResult) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        handled.append(job.label)

    from nnspec.errors import reset_interrupt

    previous = signal.getsignal(signal.SIGINT)
    try:
        with pytest.raises(KeyboardInterrupt):
            run_jobs(jobs, done, workers=2, task=_quick)
    finally:  # the run leaves them as the CLI's exit needs: the remembered interrupt too
        signal.signal(signal.SIGINT, previous)
        reset_interrupt()
    assert handled and handled == sorted(handled)  # every handling begun was ended


def test_ctrl_c_stops_within_two_seconds_and_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("a.py", "b.py", "c.py"):
        shutil.copy(CORPUS / "bug_hang.py", folder / name)
    out = tmp_path / "out.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "nnspec", "audit", str(folder), "--contract", "logreg.propagate",
         "--timeout", "120", "--workers", "2", "--no-cache", "--json", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 90
    while len(_descendants(proc.pid)) < 4 and time.monotonic() < deadline:
        time.sleep(0.2)  # until the two workers are up and their sandboxes spin in the target
    time.sleep(0.5)
    assert proc.poll() is None
    start = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C sends: the whole group
    _, err = proc.communicate(timeout=30)
    assert time.monotonic() - start < 2.0
    assert proc.returncode == 130 and err.decode().strip().endswith("nnspec: interrupted")
    assert "Traceback" not in err.decode()
    assert not out.exists() and not list(tmp_path.glob(".out.json.*"))


def test_ctrl_c_while_the_workers_start_and_twice_says_one_line(tmp_path: Path) -> None:
    """A Ctrl-C while the pool's workers were still importing printed a worker's traceback;
    a second one at once (`timeout -s INT` signals the process and then its group) ended the
    run without a word, left the workers running (holding stderr open: communicate hung) and
    multiprocessing's tracker warned of leaked semaphores. Progress lines aside, one line."""
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("a.py", "b.py", "c.py"):
        shutil.copy(CORPUS / "correct_vectorised.py", folder / name)
    for delay, times in ((0.3, 1), (0.6, 2), (0.9, 2), (1.0, 2)):
        proc = subprocess.Popen(
            [sys.executable, "-m", "nnspec", "audit", str(folder), "--contract",
             "logreg.propagate", "--workers", "2", "--no-cache"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        time.sleep(delay)
        for _ in range(times):
            os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        lines = [ln for ln in err.decode().strip().splitlines() if not ln.startswith("[")]
        if proc.returncode == 0:  # it was done before the signal: nothing to see
            continue
        assert proc.returncode == 130 and lines == ["nnspec: interrupted"], (delay, lines)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL])
def test_a_run_killed_by_a_signal_leaves_no_process(tmp_path: Path, signum: int) -> None:
    """`kill` (SIGTERM) of a folder run exited 143 without a word and left its workers and
    their sandboxes running; after `kill -9` they went on auditing for minutes. SIGTERM is
    taken as Ctrl-C is; a worker whose run is gone stops with its sandboxes."""
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("a.py", "b.py", "c.py"):
        shutil.copy(CORPUS / "bug_hang.py", folder / name)
    proc = subprocess.Popen(
        [sys.executable, "-m", "nnspec", "audit", str(folder), "--contract", "logreg.propagate",
         "--timeout", "120", "--workers", "2", "--no-cache"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 90
    while len(_descendants(proc.pid)) < 4 and time.monotonic() < deadline:
        time.sleep(0.2)  # the two workers are up and their sandboxes spin in the target
    time.sleep(0.5)
    below = _descendants(proc.pid)
    assert proc.poll() is None and len(below) >= 4
    os.kill(proc.pid, signum)  # the run alone, as `kill PID` does: not its group
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == (143 if signum == signal.SIGTERM else -9)
    if signum == signal.SIGTERM:
        assert err.decode().strip().endswith("nnspec: interrupted"), err.decode()
    deadline = time.monotonic() + 10
    while [p for p in below if _alive(p)] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [p for p in below if _alive(p)]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _descendants(pid: int) -> list[int]:
    """Processes under `pid` (Linux /proc)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def _row(out: str, target: str, verdict: str) -> bool:
    """The folder run's stdout has the row of `target` with `verdict`."""
    import re

    return re.search(rf"^{re.escape(target)} +{verdict} ", out, re.MULTILINE) is not None


def _result(name: str, *found: tuple[str, str]) -> AuditResult:
    findings = [Finding(check, severity, "m", {}) for check, severity in found]
    verdict = "defect" if any(s == "defect" for _, s in found) else "conforms"
    return AuditResult(name, "logreg.propagate", verdict, findings)


def test_check_summary_counts_targets_per_check_most_common_defect_first() -> None:
    results = [_result("a.py", ("value", "defect"), ("saturation", "warning")),
               _result("b.py", ("value", "defect")),
               _result("c.py", ("shape", "defect"), ("saturation", "warning")),
               _result("d.py"),
               AuditResult("e.py", "logreg.propagate", "error", reason="syntax error")]
    summary = check_summary(results)
    lines = summary.splitlines()
    assert lines[0] == ("Targets with a finding, by check (of 4 audited targets; a target counts "
                        "once per check and severity):")
    assert lines[4:] == ["| value | 2 | 0 | 0 |", "| shape | 1 | 0 | 0 |",
                         "| saturation | 0 | 2 | 0 |"]
    assert summary in batch_markdown("class", "logreg.propagate", results)
    assert check_summary(results, markdown=False).splitlines()[1:] == [
        "check       defect  warning  note", "value       2       0        0",
        "shape       1       0        0", "saturation  0       2        0"]
    assert check_summary([_result("d.py")]) == "No check failed on the one audited target."
    one = batch_markdown("class", "logreg.propagate", [_result("a.py", ("value", "defect"))])
    assert "1 target: 0 conform, 1 with a defect" in one
    assert "(of 1 audited target;" in one
    alone = batch_markdown("class", "logreg.propagate",
                           [_result("d.py"), _result("a.py", ("value", "defect"))])
    assert "2 targets: 1 conforms, 1 with a defect" in alone


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_a_bar_on_a_terminal_and_plain_lines_otherwise() -> None:
    bar = Progress(8, stream=_Terminal())
    bar.count = 2
    assert bar.bar(30.0) == "[######..................] 2/8  4.0 audits/min  0:01:30 left"
    plain = io.StringIO()
    progress = Progress(2, stream=plain)
    progress.step(_result("a.py"))
    progress.step(_result("b.py", ("value", "defect")))
    assert plain.getvalue() == "[1/2] a.py: conforms\n[2/2] b.py: defect\n"


def test_workers_below_one_is_a_usage_error(tmp_path: Path) -> None:
    shutil.copy(CORPUS / "correct_stable.py", tmp_path / "a.py")
    from nnspec.cli import main

    assert main(["audit", str(tmp_path), "--contract", "logreg.propagate", "--workers", "0"]) == 2


def test_an_audit_draws_the_same_whatever_modules_the_process_loaded(
        tmp_path: Path, monkeypatch) -> None:
    """A pool worker, a Dask worker and a command-line process load different local modules;
    Hypothesis would mix their literals into the draws."""
    from nnspec.audit.engine import _EXPLORED, _STRATEGIES, audit

    target = str(CORPUS / "bug_sign_error.py")
    first = audit(target, "logreg.propagate", examples=10).to_json()
    (tmp_path / "literals_here.py").write_text(
        "VALUES = [0.1234567, 37.0, -709.5, 1e-300, 3, 17, 2**40, 0.5000001, -1e9]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    __import__("literals_here")
    _EXPLORED.clear()
    _STRATEGIES.clear()
    assert audit(target, "logreg.propagate", examples=10).to_json() == first


def test_a_helper_module_beside_a_submission_is_not_graded_as_one(tmp_path: Path,
                                                                  capsys) -> None:
    """The course's helpers (erin_utils.py, imported by erin's submission, no propagate) are
    copied into that submission's sandbox, not audited: as targets they were errors, and an
    all-correct class exited 2. A file nobody imports is still audited."""
    from nnspec.cli import main

    erin, fred = tmp_path / "class" / "erin", tmp_path / "class" / "fred"
    erin.mkdir(parents=True)
    fred.mkdir()
    (erin / "erin_utils.py").write_text("import numpy as np\n\n\ndef sigmoid(z):\n"
                                        "    return 1 / (1 + np.exp(-z))\n")
    (erin / "submission.py").write_text("from erin_utils import sigmoid\n" + (
        CORPUS / "correct_stable.py").read_text())
    shutil.copy(CORPUS / "correct_stable.py", fred / "sub.py")
    (fred / "notes.py").write_text("x = 1\n")  # imported by nothing: audited, an error
    code = main(["audit", str(tmp_path / "class"), "--contract", "logreg.propagate",
                 "--examples", "5", "--no-cache"])
    out, err = capsys.readouterr()
    assert "not audited, helper modules (imported by the submissions beside or below them, no " \
        "propagate): erin/erin_utils.py" in err
    assert "erin_utils" not in out and _row(out, "fred/notes.py", "error") and code == 2
    assert "3 targets: 2 conform, 0 with a defect, 1 not audited." in out  # as in --report
    (fred / "notes.py").unlink()
    assert main(["audit", str(tmp_path / "class"), "--contract", "logreg.propagate",
                 "--examples", "5", "--no-cache"]) == 0


def test_a_course_helper_at_the_top_of_the_class_folder_serves_every_student(
        tmp_path: Path, capsys) -> None:
    """`planar_utils.py` at the top of a class of one folder per student was audited as a
    submission (an error) and reached no sandbox: every notebook that imports it failed to
    load ("No module named 'planar_utils'") and scored 0."""
    from nnspec.cli import main

    folder = tmp_path / "class"
    for student in ("alice", "bob"):
        (folder / student).mkdir(parents=True)
        (folder / student / "hw.py").write_text(USES_SIGMOID)
    (folder / "course_utils.py").write_text("import numpy as np\n\n\ndef sigmoid(z):\n"
                                            "    return 1 / (1 + np.exp(-z))\n")
    code = main(["audit", str(folder), "--contract", "logreg.propagate", "--examples", "5",
                 "--no-cache", "--workers", "1"])
    out, err = capsys.readouterr()
    assert "helper modules (imported by the submissions beside or below them, no propagate): " \
        "course_utils.py" in err
    assert "2 targets: 2 conform" in out and code == 0
    (folder / "alice" / "course_utils.py").write_text("def sigmoid(z):\n    return 0.5\n")
    code = main(["audit", str(folder), "--contract", "logreg.propagate", "--examples", "5",
                 "--no-cache", "--workers", "1"])
    out, _ = capsys.readouterr()  # alice's own helper is nearer: hers is used, not the course's
    assert _row(out, "alice/hw.py", "defect") and _row(out, "bob/hw.py", "conforms")


USES_SIGMOID = """from course_utils import sigmoid
import numpy as np


def propagate(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(w.T @ X + b)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return {"dw": X @ (A - Y).T / m, "db": np.sum(A - Y) / m}, cost
"""


def test_what_cannot_be_read_is_said_and_fails_the_run(tmp_path: Path) -> None:
    """A locked student folder was passed over without a word (exit 0), a locked file gave a
    traceback through the cache, and a file in a locked folder one through `is_dir`."""
    prefix = []
    if os.geteuid() == 0:  # root reads everything: drop the capabilities that let it
        if not shutil.which("setpriv"):
            import pytest
            pytest.skip("running as root without setpriv")
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
    folder = tmp_path / "class"
    for name in ("open/a.py", "open/c.py", "locked/b.py"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(CORPUS / "correct_stable.py", folder / name)
    (folder / "open" / "c.py").chmod(0)
    (folder / "locked").chmod(0)
    env = {**os.environ, "NNSPEC_CACHE_DIR": str(tmp_path / "cache")}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*prefix, sys.executable, "-m", "nnspec", "audit", *args,
                               "--contract", "logreg.propagate", "--examples", "3"],
                              capture_output=True, text=True, env=env, timeout=120, check=False)

    try:
        whole = run(str(folder))
        assert whole.returncode == 2 and "Traceback" not in whole.stderr, whole.stderr
        assert "not audited, a folder that cannot be read: locked: Permission denied" in \
            whole.stderr
        assert _row(whole.stdout, "open/c.py", "error") and "cannot read" in whole.stdout
        one = run(str(folder / "locked" / "b.py"))
        assert one.returncode == 2 and one.stderr.strip().count("\n") == 0, one.stderr
        assert "cannot read (Permission denied)" in one.stderr
        locked = run(str(folder / "locked"))
        assert locked.returncode == 2 and "cannot read folder" in locked.stderr
    finally:
        (folder / "locked").chmod(0o755)


def test_the_folder_report_gives_every_finding_with_its_smallest_input() -> None:
    """The table shows each target's first finding, cut at 160 characters; the report goes on
    with every finding in full and its counterexample, as a single audit's report does."""
    long = "beyond the float64 error bound: " + "x" * 300 + "; matches: missing 1/m"
    found = Finding("value", "defect", long, {"inputs": {"X": [[0.0, 1.0]]},
                                              "expected": {"db": 0.25}, "got": {"db": 0.5}})
    text = batch_markdown("class", "logreg.propagate", [
        AuditResult("a.py", "logreg.propagate", "defect", [found]), _result("d.py")])
    assert "## `a.py`: defect" in text and "matches: missing 1/m" in text
    assert '  - smallest input: `{"X": [[0.0, 1.0]]}`' in text
    assert '  - expected: `{"db": 0.25}`' in text and '  - got: `{"db": 0.5}`' in text
    assert "## `d.py`" not in text  # nothing to say


def _with_diagnosis(target: str, mistake: str, advice: str = "the advice",
                    activation: str = "") -> AuditResult:
    match = diagnosis.Match(mistake, advice, activation=activation)
    finding = Finding("value", "defect", f"beyond the float64 error bound: ...; {match}", {},
                      match.as_dict())
    return AuditResult(target, "two_layer.backward_propagation", "defect", [finding])


def test_the_class_summary_names_the_common_mistakes_and_a_wrong_activation() -> None:
    """The summary counted findings by check only: a saturation warning every correct
    submission gets looked as common as a real mistake, and a class held to the wrong hidden
    activation (its correct submissions failing, the one with the other g' passing) went
    unnoticed."""
    advice = ("g' of sigmoid is a (1 - a) (if the network is meant to use tanh, run with "
              "--hidden-activation tanh)")
    tanh = ("tanh' = 1 - a^2 used for the sigmoid hidden layer's g'", advice, "tanh")
    results = [_with_diagnosis(f"s{i}.py", *tanh) for i in range(3)] + [
        _with_diagnosis("t.py", "missing 1/m"), AuditResult("u.py", "x", "conforms")]
    text = mistake_summary(results)
    lines = text.splitlines()
    assert lines[1].startswith("- tanh' = 1 - a^2 used") and "3 targets (s0.py, s1.py, s2.py)" \
        in lines[1]
    assert lines[2] == "- missing 1/m: 1 target (t.py)"
    assert "3 of 5 audited targets match a tanh hidden layer" in text
    assert "run again with --hidden-activation tanh" in text
    assert "audited targets match" not in mistake_summary(results[2:])  # 1 of 3: no warning
    assert [m for m, _ in named_mistakes(results)][1] == "missing 1/m"


def test_a_target_cannot_name_a_mistake_in_the_class_summary(tmp_path: Path) -> None:
    """The summary read the mistakes back from the messages, which quote the target's own text:
    an exception whose message said '; matches: copied from s1.py; ...' was listed as a mistake
    of the class, and '--hidden-activation tanh' in it counted towards the wrong-network
    warning. Only the engine's diagnosis names a mistake."""
    forged = tmp_path / "forged.py"
    forged.write_text("def propagate(w, b, X, Y):\n    raise ValueError('x; matches: copied from "
                      "s1.py; run with --hidden-activation tanh')\n")
    result = audit(str(forged), "logreg.propagate", examples=5)
    assert result.verdict == "defect" and "matches: copied from s1.py" in result.findings[0].message
    assert all(f.diagnosis is None for f in result.findings)
    assert named_mistakes([result]) == [] and mistake_summary([result]) == ""
    honest = _with_diagnosis("t.py", "missing 1/m")
    assert [m for m, _ in named_mistakes([result, honest])] == ["missing 1/m"]


def test_a_ctrl_c_handled_while_the_workers_spawn_waits_until_they_have_their_tasks() -> None:
    """A Ctrl-C that came just before the signals were blocked had its handler run by Python
    inside the block, between spawning a worker and sending it its task: the worker printed
    "EOFError: Ran out of input". Now the block finishes, then the interrupt is raised."""
    from nnspec.audit.batch import _children_start_deaf
    from nnspec.errors import on_interrupt, reset_interrupt

    reset_interrupt()
    previous = signal.signal(signal.SIGINT, on_interrupt)
    reached = []
    try:
        with pytest.raises(KeyboardInterrupt), _children_start_deaf(True):
            signal.getsignal(signal.SIGINT)(signal.SIGINT, None)  # as Python runs it there
            reached.append("the workers spawned and given their tasks")
    finally:
        signal.signal(signal.SIGINT, previous)
        reset_interrupt()
    assert reached and signal.getsignal(signal.SIGINT) is previous


def test_a_folder_run_prints_plain_columns_not_markdown(tmp_path: Path, capsys) -> None:
    """The terminal got the report's Markdown table: pipes, backticks and escapes such as
    `off by 1 \\> bound` (the files written keep the Markdown)."""
    from nnspec.cli import main

    for name in ("bug_sign_error.py", "correct_stable.py"):
        shutil.copy(CORPUS / name, tmp_path / name)
    assert main(["audit", str(tmp_path), "--contract", "logreg.propagate", "--examples", "20",
                 "--no-cache", "--report", str(tmp_path.parent / "class.md")]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["target", "verdict", "defects", "warnings", "notes", "first",
                              "finding"]
    assert out[1].startswith("bug_sign_error.py  defect    1")
    assert "off by 1 > bound" in out[1] and not any("|" in line or "`" in line for line in out)
    assert "| `bug_sign_error.py` | defect |" in (tmp_path.parent / "class.md").read_text()


def test_ctrl_c_on_a_terminal_ends_the_progress_bar_s_line(tmp_path: Path, monkeypatch) -> None:
    """"nnspec: interrupted" was printed on the bar's line: `...0:00:12 leftnnspec: interrupted`."""
    from nnspec.audit import batch

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    def interrupted(todo, done, workers, scheduler) -> None:
        done(todo[0], _result(todo[0].label))
        raise KeyboardInterrupt

    for name in ("a.py", "b.py"):
        shutil.copy(CORPUS / "correct_stable.py", tmp_path / name)
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(batch, "_run_todo", interrupted)
    jobs = batch.make_jobs(tmp_path, "logreg.propagate", {})
    with pytest.raises(KeyboardInterrupt):
        batch._audit_all(jobs, {}, 1, None, None)
    assert "1/2" in terminal.getvalue() and terminal.getvalue().endswith("\n")


@pytest.mark.parametrize("notebook", [
    '{"cells": [{"cell_type": "code", "source": [1]}], "nbformat": 4}',
    '{"cells": [{"cell_type": "code", "source": [null]}], "nbformat": 4}',
    '{"cells": 5, "nbformat": 4}', '{"cells": null, "nbformat": 4}', '[1, 2]'])
def test_a_malformed_notebook_is_one_error_not_the_class_s_traceback(tmp_path: Path, capsys,
                                                                    notebook: str) -> None:
    """A notebook whose cells or sources are not what Jupyter writes raised a TypeError while
    the class's jobs were listed: a traceback, and no JSON, report or grader file for anyone
    (found by a hostile hunt)."""
    from nnspec.cli import main

    (tmp_path / "bad.ipynb").write_text(notebook)
    shutil.copy(CORPUS / "correct_stable.py", tmp_path / "ok.py")
    out = tmp_path.parent / f"{tmp_path.name}.json"
    assert main(["audit", str(tmp_path), "--contract", "logreg.propagate", "--examples", "5",
                 "--no-cache", "--json", str(out)]) == 2
    verdicts = {t["target"]: (t["verdict"], t.get("reason", ""))
                for t in json.loads(out.read_text())["targets"]}
    assert verdicts["ok.py"][0] == "conforms"
    assert verdicts["bad.ipynb"][0] == "error" and "not a Jupyter notebook" in verdicts[
        "bad.ipynb"][1]


def test_grader_files_for_the_other_network_are_flagged_on_stderr(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """The summary said the grades would be inverted (a tanh class audited as sigmoid), but
    the grader files were written without a word where an upload script reads."""
    from nnspec.cli import main

    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("a.py", "b.py"):
        shutil.copy(Path(__file__).parent / "corpus" / "two_layer" / "backward_tanh.py",
                    folder / name)
    assert main(["audit", str(folder), "--contract", "two_layer.backward_propagation",
                 "--examples", "10", "--no-cache", "--workers", "1",
                 "--gradescope", str(tmp_path / "gs")]) == 1
    err = capsys.readouterr().err
    assert "nnspec: warning: the grader files are written, but 2 of 2 audited targets match " \
           "a tanh hidden layer" in err


def test_a_student_folder_with_two_files_of_the_function_is_named(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """A draft and a final in one student's folder were two rows and two grades (16 and 20),
    with nothing said."""
    from nnspec.audit.batch import make_jobs

    for student, names in (("eli", ("draft.py", "final.py")), ("ann", ("hw.py",))):
        (tmp_path / student).mkdir()
        for name in names:
            shutil.copy(CORPUS / "correct_vectorised.py", tmp_path / student / name)
    make_jobs(tmp_path, "logreg.propagate", dict(OPTIONS))
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [("nnspec: eli/ has 2 files that define propagate (draft.py, final.py): each "
                   "is audited and graded as a target of its own")]
