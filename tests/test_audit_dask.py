"""`nnspec audit DIR --scheduler ADDRESS` on a real Dask cluster on this machine (a scheduler and
two workers, each its own process): the same JSON and Markdown bytes as the local pool."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from nnspec.audit import batch
from nnspec.cli import main

distributed = pytest.importorskip("distributed")

CORPUS = Path(__file__).parent / "corpus" / "logreg_propagate"
DASK = str(Path(sys.executable).parent / "dask")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    address = f"tcp://127.0.0.1:{_free_port()}"
    logs = tmp_path_factory.mktemp("dask")
    quiet = ["--no-dashboard"]
    procs = [subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port",
                               address.rsplit(":", 1)[1], *quiet],
                              stdout=subprocess.DEVNULL, stderr=(logs / "scheduler").open("w"))]
    try:
        for i in range(2):
            procs.append(subprocess.Popen(
                [DASK, "worker", address, "--no-nanny", "--nthreads", "1", *quiet,
                 "--local-directory", str(logs / f"w{i}")],
                stdout=subprocess.DEVNULL, stderr=(logs / f"worker{i}").open("w")))
        with distributed.Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        deadline = time.monotonic() + 1
        for proc in procs:
            try:
                proc.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_dask_cluster_writes_the_same_bytes_as_the_local_pool(
        cluster: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    folder = tmp_path / "class"
    (folder / "group").mkdir(parents=True)
    shutil.copy(CORPUS / "correct_stable.py", folder / "alice.py")
    shutil.copy(CORPUS / "bug_sign_error.py", folder / "group" / "bob.py")
    (folder / "dave.py").write_text("def propagate(:\n")
    outputs = {}
    for where, how in (("local", ["--workers", "2"]), ("dask", ["--scheduler", cluster])):
        code = main(["audit", str(folder), "--contract", "logreg.propagate", "--examples", "8",
                     "--no-cache", *how, "--json", str(tmp_path / f"{where}.json"),
                     "--report", str(tmp_path / f"{where}.md")])
        assert code == 1
        outputs[where] = ((tmp_path / f"{where}.json").read_bytes(),
                          (tmp_path / f"{where}.md").read_bytes())
    capsys.readouterr()
    assert outputs["dask"] == outputs["local"]
    assert b'"verdict": "defect"' in outputs["dask"][0]
    with distributed.Client(cluster, timeout="30s") as client:  # the audits ran as its tasks
        ran = client.run_on_scheduler(lambda dask_scheduler: {
            name: sum(prefix.state_counts.values())
            for name, prefix in dask_scheduler.task_prefixes.items()})
    assert "audit_job" in ran


def test_an_unreachable_scheduler_is_a_one_line_error(
        tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "CONNECT_TIMEOUT", "1s")
    shutil.copy(CORPUS / "correct_stable.py", tmp_path / "alice.py")
    code = main(["audit", str(tmp_path), "--contract", "logreg.propagate", "--no-cache",
                 "--scheduler", f"tcp://127.0.0.1:{_free_port()}"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("nnspec: error: cannot reach the Dask scheduler") and "Traceback" not in err


@pytest.mark.parametrize("server", ["silent", "http"])
def test_a_server_that_is_not_a_scheduler_is_a_one_line_error_in_bounded_time(
        tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch,
        server: str) -> None:
    """Dask's dashboard port typed by mistake (HTTP), or a server that says nothing, held the
    handshake for ever; some gave tracebacks (a length read from HTTP bytes asked for 3 EiB)."""
    import socket
    import threading
    import time

    monkeypatch.setattr(batch, "CONNECT_TIMEOUT", "1s")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held = []

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            held.append(conn)
            if server == "http":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")

    threading.Thread(target=serve, daemon=True).start()
    shutil.copy(CORPUS / "correct_stable.py", tmp_path / "alice.py")
    start = time.monotonic()
    try:
        code = main(["audit", str(tmp_path), "--contract", "logreg.propagate", "--no-cache",
                     "--scheduler", f"tcp://127.0.0.1:{listener.getsockname()[1]}"])
    finally:
        listener.close()
        for conn in held:
            conn.close()
    err = capsys.readouterr().err
    assert code == 2 and time.monotonic() - start < 30
    assert err.startswith("nnspec: error: cannot reach the Dask scheduler") and \
        err.count("\n") == 1, err


def test_scheduler_without_the_cluster_extra_is_an_error_even_when_the_cache_has_all(
        tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rerun served by the cache never reached Dask, so --scheduler without `distributed`
    installed went on without a word (the run without the cache said it)."""
    import importlib.util

    shutil.copy(CORPUS / "correct_stable.py", tmp_path / "alice.py")
    cache = str(tmp_path / "cache.sqlite")
    argv = ["audit", str(tmp_path), "--contract", "logreg.propagate", "--cache", cache,
            "--examples", "5"]
    assert main(argv) == 0
    found = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "distributed" else found(name, *a))
    capsys.readouterr()
    assert main([*argv, "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert capsys.readouterr().err == ("nnspec: error: --scheduler needs the cluster extra: "
                                       "pip install 'nnspec[cluster]'\n")


def _sandboxes(address: str) -> list[int]:
    """Pids of the sandbox workers that the cluster at `address` runs: those below a process
    whose command line names it (another suite's sandboxes on the machine made the Ctrl-C
    test fail)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if b"nnspec.audit.sandbox" in cmdline.read_bytes() and \
                    _below(int(cmdline.parent.name), address.encode()):
                found.append(int(cmdline.parent.name))
        except (OSError, ValueError):
            continue
    return found


def _below(pid: int, name: bytes) -> bool:
    """Whether an ancestor of `pid` has `name` in its command line."""
    while pid > 1:
        stat = Path(f"/proc/{pid}/stat").read_text()
        pid = int(stat.rsplit(")", 1)[1].split()[1])
        if name in Path(f"/proc/{pid}/cmdline").read_bytes():
            return True
    return False


def test_ctrl_c_stops_the_audits_running_on_the_cluster(cluster: str, tmp_path: Path) -> None:
    """Dask cannot interrupt a running task: Ctrl-C cancels the queued ones and kills the
    sandboxes of the running ones on every worker, so a hanging submission does not keep a
    worker busy for its whole --timeout after the instructor stopped the run."""
    import signal

    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "hangs.py").write_text("import time\n\ndef propagate(w, b, X, Y):\n"
                                     "    time.sleep(600)\n")
    before = set(_sandboxes(cluster))
    run = subprocess.Popen([sys.executable, "-m", "nnspec", "audit", str(folder), "--contract",
                            "logreg.propagate", "--examples", "5", "--timeout", "300",
                            "--no-cache", "--scheduler", cluster],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not set(_sandboxes(cluster)) - before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert set(_sandboxes(cluster)) - before, "the audit never started on the cluster"
    time.sleep(1)  # the target is in its sleep
    run.send_signal(signal.SIGINT)
    assert run.wait(30) == 130
    deadline = time.monotonic() + 10
    while set(_sandboxes(cluster)) - before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not set(_sandboxes(cluster)) - before


def test_a_file_that_cannot_be_shipped_is_an_error_verdict(
        cluster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture) -> None:
    """Its bytes travel with the task; a file the harness cannot read gave a traceback that
    lost the run, where a local run gives an error verdict."""
    from nnspec.audit import batch

    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(CORPUS / "correct_stable.py", folder / "alice.py")
    shutil.copy(CORPUS / "correct_stable.py", folder / "locked.py")
    real = batch.shipped

    def shipped(job):
        if job.label == "locked.py":
            raise PermissionError(13, "Permission denied")
        return real(job)

    monkeypatch.setattr(batch, "shipped", shipped)
    code = main(["audit", str(folder), "--contract", "logreg.propagate", "--examples", "3",
                 "--no-cache", "--scheduler", cluster, "--json", str(tmp_path / "out.json")])
    capsys.readouterr()
    verdicts = {t["target"]: (t["verdict"], t.get("reason", ""))
                for t in json.loads((tmp_path / "out.json").read_text())["targets"]}
    assert code == 2 and verdicts["alice.py"][0] == "conforms"
    assert verdicts["locked.py"] == ("error", "target locked.py: cannot read (Permission denied)")


def test_a_notebook_travels_to_the_cluster_as_its_code_cells(tmp_path: Path) -> None:
    """The whole .ipynb travelled with its task, an 11 MB plot output included (Dask warned of
    a large graph); the sandbox reads only the code cells, so only they travel, and the
    audit is the same."""
    notebook = json.loads((Path(__file__).parent / "corpus" / "notebooks" /
                           "propagate_correct.ipynb").read_text())
    image = {"output_type": "display_data", "data": {"image/png": "A" * 2_000_000}}
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = [image]
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "mine.ipynb").write_text(json.dumps(notebook))
    (job,) = batch.make_jobs(folder, "logreg.propagate", {"examples": 5})
    sent = batch.shipped(job)
    assert sent.files[0][0] == "mine.ipynb" and len(sent.files[0][1]) < 20_000
    assert batch.audit_job(sent).to_dict() == batch.audit_job(job).to_dict()


def test_a_notebook_a_local_run_refuses_travels_as_it_is(tmp_path: Path) -> None:
    """Turned into its code cells before the checks, a notebook with a UTF-8 BOM (or UTF-16)
    was repaired on the way: an error locally, conforming on Dask (and a shared cache kept
    whichever came first); a notebook of millions of [] cells took 2.4 GB in the
    instructor's process. The local run's checks come first: such a file travels as it is."""
    correct = (Path(__file__).parent / "corpus" / "notebooks" / "propagate_correct.ipynb")
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "bom.ipynb").write_bytes(b"\xef\xbb\xbf" + correct.read_bytes())
    (folder / "bomb.ipynb").write_text('{"cells": [' + ", ".join(["[]"] * 300_000) + "]}")
    for job in batch.make_jobs(folder, "logreg.propagate", {"examples": 5}):
        sent = batch.shipped(job)
        assert sent.files[0][1] == Path(job.path).read_bytes()
        local = batch.audit_job(job).to_dict()
        assert local["verdict"] == "error" and batch.audit_job(sent).to_dict() == local
