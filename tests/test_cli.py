"""The command line's own behaviour: one-line usage errors, suggestions, --version, messages
that name what was expected, plurals."""

from __future__ import annotations

from pathlib import Path

import pytest

import nnspec
from nnspec.cli import CONTRACTS, main

CORPUS = Path(__file__).parent / "corpus"
CORRECT = CORPUS / "logreg_propagate" / "correct_stable.py"


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's own exits: --version, --help, usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("argv, words", [
    ([], "the following arguments are required: COMMAND"),
    (["audt"], "invalid choice 'audt'; did you mean 'audit'?"),
    (["audit"], "the following arguments are required: TARGET, --contract"),
    (["audit", "x.py"], "required: --contract"),
    (["audit", "x.py", "--contract", "logreg.propagat"],
     "invalid choice 'logreg.propagat'; did you mean 'logreg.propagate'?"),
    (["audit", "x.py", "--contract", "propagate"], "did you mean 'logreg.propagate'?"),
    (["audit", "x.py", "--contract", "nothing_like_it"],
     "choose one of " + ", ".join(CONTRACTS)),
    (["audit", "x.py", "--contract", "logreg.propagate", "--examples", "many"],
     "argument --examples: invalid int value: 'many'"),
    (["audit", "x.py", "--contract", "logreg.propagate", "--dtype", "f"],
     "choose one of float64, float32"),
    (["verify", "--bogus"], "unrecognized arguments: --bogus (see nnspec verify --help)"),
    (["audit", "x.py", "--contract", "logreg.propagate", "--exmples", "5"],
     "unrecognized arguments: --exmples 5; did you mean '--examples'? (see nnspec audit --help)"),
    (["audit", "x.py", "--contrat", "logreg.propagate"],
     "required: --contract; --contrat is not an option, did you mean '--contract'?"),
    (["report", "--out"], "argument --out: expected one argument"),
    (["audit", str(CORRECT), "--contract", "logreg.propagate", "--examples", "0"],
     "--examples must be between 1 and 10000"),
])
def test_every_usage_error_is_one_line_with_exit_2(capsys, argv, words):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("nnspec: error: ") and words in err
    assert "usage:" not in err


def test_help_still_shows_the_usage(capsys):
    code, out, _ = run(capsys, "audit", "--help")
    assert code == 0 and out.startswith("usage: nnspec audit")


@pytest.mark.parametrize("command", ["verify", "generate", "audit", "report"])
def test_help_lists_the_exit_codes_the_readme_documents(capsys, command):
    import re

    code, out, _ = run(capsys, command, "--help")
    listed = set(re.findall(r"(?:^|[;:] )(\d+) ", " ".join(out.split("exit codes:")[1].split())))
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith(f"| `nnspec {command}"))
    documented = set(re.findall(r"(?:^|; )(\d+) ", row.rsplit("|", 2)[-2].strip()))
    assert code == 0 and listed and listed == documented


def test_version(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out == f"nnspec {nnspec.__version__}\n"


def test_a_missing_function_lists_the_functions_the_file_defines(tmp_path, capsys):
    target = tmp_path / "hw.py"
    target.write_text("def sigmoid(z):\n    pass\n\n\ndef propagte(w, b, X, Y):\n    pass\n")
    code, _, err = run(capsys, "audit", str(target), "--contract", "logreg.propagate")
    assert code == 2 and err.count("\n") == 1
    assert ("no function 'propagate' defined at top level; did you mean 'propagte'? "
            "it defines: propagte, sigmoid") in err
    target.write_text("x = 1\n")
    _, _, err = run(capsys, "audit", str(target), "--contract", "logreg.propagate")
    assert "no function 'propagate' defined at top level; it defines no function" in err
    target.write_text("\n")  # (an empty notebook: the same words)
    _, _, err = run(capsys, "audit", str(target), "--contract", "logreg.propagate")
    assert "defined at top level; it has no Python code (an empty notebook or file" in err


SWAPPED = '''
import numpy as np


def propagate(w, b, X, Y):
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(w.T @ X + b)))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return cost, {"dw": X @ (A - Y).T / m, "db": np.sum(A - Y) / m}
'''


def test_results_in_the_wrong_order_name_the_expected_order_and_plurals_agree(tmp_path,
                                                                               capsys):
    target = tmp_path / "swapped.py"
    target.write_text(SWAPPED)
    code, out, _ = run(capsys, "audit", str(target), "--contract", "logreg.propagate",
                       "--examples", "5")
    assert code == 1
    assert "(1 defect, 0 warnings, 0 notes)" in out.splitlines()[0]
    assert ("defect [type] the result's items are in the other order: (cost, grads); "
            "expected the result (grads, cost); their values are checked as if in order") in out


def test_a_forked_child_of_the_cli_ends_on_sigterm_as_by_default():
    """SIGTERM is the CLI's to take (a folder run stops its workers), but verify's forked pool
    workers inherited the handler: the pool stopping them printed a KeyboardInterrupt
    traceback. A child ends as SIGTERM ends any process."""
    import os
    import signal
    import time

    from nnspec.errors import on_interrupt, reset_interrupt

    reset_interrupt()
    previous = signal.signal(signal.SIGTERM, on_interrupt)
    try:
        pid = os.fork()
        if pid == 0:  # the child
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(5)
            finally:
                os._exit(3)
        _, status = os.waitpid(pid, 0)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGTERM



EXIT_PROBE = r"""
import atexit, sys, threading, time
from pathlib import Path
from nnspec import cli

class Teardown:
    def __del__(self):
        print("freed at teardown", flush=True)

kept = Teardown()  # freed only by the interpreter's teardown
atexit.register(lambda: print("exit hook ran"))
def late():
    time.sleep(0.3)
    Path(sys.argv[1]).write_text("thread finished")
threading.Thread(target=late).start()
if sys.argv[3] == "failing":  # as a process pool's hook writing to a pipe closed under it
    def failing():
        raise OSError(9, "Bad file descriptor")
    threading._register_atexit(failing)
print("buffered output")
(cli.exit_now if sys.argv[2] == "exit_now" else sys.exit)(3)
"""


@pytest.mark.parametrize("hooks", ["working", "failing"])
@pytest.mark.parametrize("how", ["exit_now", "sys.exit"])
def test_the_command_exits_after_the_hooks_and_threads_without_the_teardown(tmp_path, how, hooks):
    """`nnspec` ends with `exit_now`: the exit code, the buffered output, the exit hooks and the
    threads still running are kept; freeing every object (0.1 to 0.2 s) is skipped. The
    sys.exit run shows that the probe tells the two apart. A failing hook of the threads'
    is said and the exit goes on, as the interpreter's does (it was a traceback and exit 1)."""
    import subprocess
    import sys

    done = tmp_path / "done"
    result = subprocess.run([sys.executable, "-c", EXIT_PROBE, str(done), how, hooks],
                            check=False, capture_output=True, text=True, timeout=60)
    assert ("Bad file descriptor" in result.stderr) == (hooks == "failing")
    assert result.returncode == 3, result.stderr
    assert result.stdout.splitlines()[:2] == ["buffered output", "exit hook ran"]
    assert done.exists() == (hooks == "working")  # the interpreter's exit skips the joins too
    if hooks == "working":  # (a thread left running keeps the teardown's frees from showing)
        assert ("freed at teardown" in result.stdout) == (how == "sys.exit")
