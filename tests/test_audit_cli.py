"""`nnspec audit` end to end: exit codes, JSON and Markdown, batch over a folder, in-process API."""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from nnspec.audit.engine import audit_function
from nnspec.cli import main
from nnspec.errors import UsageError

CORPUS = Path(__file__).parent / "corpus"
CORRECT = CORPUS / "logreg_propagate" / "correct_stable.py"
BUGGY = CORPUS / "logreg_propagate" / "bug_sign_error.py"
FAST = ["--examples", "10"]


def _audit(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    code = main(["audit", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_conforming_target_exits_0_with_deterministic_json_and_markdown(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    outputs = []
    for run in ("a", "b"):
        code, out, _ = _audit(capsys, str(CORRECT), "--contract", "logreg.propagate", *FAST,
                              "--json", str(tmp_path / run / "r.json"),
                              "--report", str(tmp_path / run / "r.md"))
        assert code == 0 and "conforms" in out
        outputs.append(((tmp_path / run / "r.json").read_bytes(),
                        (tmp_path / run / "r.md").read_bytes()))
    assert outputs[0] == outputs[1]
    data = json.loads(outputs[0][0])
    assert set(data) == {"target", "contract", "verdict", "findings", "edition", "seed"}
    assert data["edition"] == "propagate(w, b, X, Y)" and data["seed"] == 0
    assert data["verdict"] == "conforms" and data["contract"] == "logreg.propagate"
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["r.json", "r.md"]  # no temp


def test_defect_exits_1_with_a_minimal_counterexample(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture) -> None:
    code, out, _ = _audit(capsys, str(BUGGY), "--contract", "logreg.propagate", *FAST,
                          "--json", str(tmp_path / "r.json"), "--report", str(tmp_path / "r.md"))
    assert code == 1 and "defect [value]" in out
    finding = next(f for f in json.loads((tmp_path / "r.json").read_text())["findings"]
                   if f["check"] == "value")
    assert finding["severity"] == "defect"
    example = finding["counterexample"]
    assert np.shape(example["inputs"]["X"]) == (1, 1)  # shrunk to one feature, one example
    assert {"expected", "got", "difference", "bound"} <= set(example)
    assert "Minimal counterexample" in (tmp_path / "r.md").read_text()


@pytest.mark.parametrize("target, words", [
    ("no/such/file.py", "no such file"),
    (f"{CORRECT}:nothing", "no function 'nothing'"),
    (str(CORPUS / "logreg_propagate" / "error_syntax.py"), "syntax error in error_syntax.py"),
    ("nnspec_no_such_module_anywhere", "ModuleNotFoundError"),
])
def test_cannot_audit_exits_2_with_one_line(capsys: pytest.CaptureFixture, target: str,
                                            words: str) -> None:
    code, out, err = _audit(capsys, target, "--contract", "logreg.propagate", *FAST)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and words in err and "Traceback" not in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture) -> None:
    code, _, err = _audit(capsys, str(CORRECT), "--contract", "logreg.propagate",
                          "--examples", "0")
    assert code == 2 and "--examples must be between 1 and 10000" in err


def test_target_prints_do_not_reach_the_terminal(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = _audit(capsys, str(CORPUS / "logreg_propagate" / "note_prints.py"),
                          "--contract", "logreg.propagate", *FAST)
    assert code == 0 and "note [stdout] prints on stdout" in out
    assert "conforms against logreg.propagate (0 defects," in out.splitlines()[0]
    *findings, last = out.splitlines()[1:]
    assert all(line.startswith("  ") for line in findings)  # the summary only
    assert last.startswith("isolation: ")  # then which sandbox was in force


def test_batch_over_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(CORRECT, folder / "alice.py")
    shutil.copy(BUGGY, folder / "bob.py")
    shutil.copy(CORPUS / "notebooks" / "propagate_correct.ipynb", folder / "carol.ipynb")
    (folder / "dave.py").write_text("def propagate(:\n")
    code, out, err = _audit(capsys, str(folder), "--contract", "logreg.propagate", *FAST,
                            "--json", str(tmp_path / "all.json"), "--report",
                            str(tmp_path / "all.md"))
    assert code == 1
    verdicts = {t["target"]: t["verdict"]
                for t in json.loads((tmp_path / "all.json").read_text())["targets"]}
    assert verdicts == {"alice.py": "conforms", "bob.py": "defect", "carol.ipynb": "conforms",
                        "dave.py": "error"}
    assert re.search(r"^bob\.py +defect ", out, re.MULTILINE) and "[4/4]" in err
    summary = (tmp_path / "all.md").read_text()
    assert "4 targets: 2 conform, 1 with a defect, 1 not audited." in summary
    again = _audit(capsys, str(folder), "--contract", "logreg.propagate", *FAST,
                   "--json", str(tmp_path / "again.json"))
    assert again[0] == 1  # same bytes whichever worker ran which file, in whatever order
    assert (tmp_path / "again.json").read_bytes() == (tmp_path / "all.json").read_bytes()


def test_empty_folder_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code, _, err = _audit(capsys, str(tmp_path), "--contract", "logreg.propagate")
    assert code == 2 and "no .py or .ipynb files" in err


def test_unwritable_report_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, err = _audit(capsys, str(CORRECT), "--contract", "logreg.propagate", *FAST,
                          "--json", str(blocker / "r.json"))
    assert code == 2 and err.startswith("nnspec: error: cannot write")


def _sign_bug(w, b, X, Y):
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(w.T @ X + b)))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return {"dw": X @ (Y - A).T / m, "db": np.sum(Y - A) / m}, cost


def _stable(w, b, X, Y):
    from nnspec.reference import logreg

    return logreg.propagate(w, b, X, Y)


def test_audit_function_in_process() -> None:
    good = audit_function(_stable, "logreg.propagate", examples=10)
    assert good.verdict == "conforms" and good.findings == []
    bad = audit_function(_sign_bug, "logreg.propagate", examples=10)
    assert bad.verdict == "defect"
    assert "[value] counterexample" in bad.message() and '"X": [[' in bad.message()


def test_audit_function_timeout() -> None:
    def slow(w, b, X, Y):
        import time

        time.sleep(30)

    result = audit_function(slow, "logreg.propagate", examples=5, timeout=0.5)
    assert [(f.check, f.severity) for f in result.findings] == [("timeout", "defect"),
                                                                 ("value", "defect")]
    assert result.findings[1].counterexample["checked"] == 0  # nothing returned to compare
    assert "does not return within the audit's time budget" in result.findings[0].message
    assert "input of the call the time ran out on" in result.summary()


def test_a_slow_target_is_told_apart_from_a_stuck_one() -> None:
    """Each call returns, but all of them take longer than --timeout: the message says so,
    and what to do, without the measured times (which made each run's bytes differ)."""
    def slow(w, b, X, Y):
        import time

        time.sleep(0.02)
        return _stable(w, b, X, Y)

    result = audit_function(slow, "logreg.propagate", timeout=0.5)
    (finding,) = [f for f in result.findings if f.check == "timeout"]
    assert finding.message == (
        "spent the audit's time budget (--timeout 0.5 s) on calls that returned before this "
        "one: slow rather than stuck (an audit makes a few hundred calls); audit it with a "
        "larger --timeout")


def test_a_target_that_hits_the_memory_limit_is_not_told_to_take_more_time() -> None:
    """A memory hog raises MemoryError on every call, each after allocating up to the limit:
    its timeout said "slow rather than stuck; audit it with a larger --timeout", which cannot
    help. The memory is named instead."""
    def hog(w, b, X, Y):
        import time

        time.sleep(0.02)  # the allocation up to the limit
        raise MemoryError

    result = audit_function(hog, "logreg.propagate", timeout=0.5)
    (finding,) = [f for f in result.findings if f.check == "timeout"]
    assert "hitting the memory limit (MemoryError)" in finding.message, finding.message
    assert "larger --timeout" not in finding.message


def _no_one_over_m(w, b, X, Y):
    m = X.shape[1]
    Z = w.T @ X + b
    A = 1 / (1 + np.exp(-Z))
    cost = np.sum(Y * np.logaddexp(0, -Z) + (1 - Y) * np.logaddexp(0, Z)) / m
    return {"dw": X @ (A - Y).T, "db": np.sum(A - Y) / m}, cost


def test_counterexample_has_the_fewest_features_and_examples() -> None:
    """dw without 1/m is right when m = 1: the smallest counterexample has n_x = 1, m = 2."""
    result = audit_function(_no_one_over_m, "logreg.propagate", examples=20)
    value = next(f for f in result.findings if f.check == "value")
    assert np.shape(value.counterexample["inputs"]["X"]) == (1, 2)


def test_audit_function_isolated_in_a_sandbox() -> None:
    result = audit_function(_sign_bug, "logreg.propagate", examples=10, isolate=True)
    assert result.verdict == "defect" and result.target.endswith(":_sign_bug")
    assert any(f.check == "value" for f in result.findings)

    def local(w, b, X, Y):
        return None

    with pytest.raises(UsageError, match="cannot be loaded by name"):
        audit_function(local, "logreg.propagate", isolate=True)


class _Model:
    def propagate(self, w, b, X, Y):
        return _sign_bug(w, b, X, Y)

    def __call__(self, w, b, X, Y):
        return _sign_bug(w, b, X, Y)


@pytest.mark.parametrize("target, said", [
    (_Model().propagate, "a bound method"),  # was re-loaded unbound: w given as self
    (functools.partial(_sign_bug), "a partial"),  # was looked for in functools.py
    (_Model(), "a _Model, not a function"),  # was "no function ''"
])
def test_what_cannot_be_isolated_says_why(target, said) -> None:
    """Only a function defined with def at a module's top level can be loaded by name in a
    sandbox: a bound method got defects of the harness's making (its instance lost), a partial
    and a callable object a confusing "no function ''"."""
    with pytest.raises(UsageError, match=f"cannot be loaded by name in another process: it is "
                       f"{said}"):
        audit_function(target, "logreg.propagate", isolate=True)
    assert audit_function(target, "logreg.propagate", examples=5).verdict == "defect"
    assert "?" not in engine_label(target)


def engine_label(target) -> str:
    from nnspec.audit.engine import function_label

    return function_label(target)


def test_seed_random_is_drawn_printed_and_recorded(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture) -> None:
    code, _, err = _audit(capsys, str(CORRECT), "--contract", "logreg.propagate", "--examples",
                          "3", "--seed", "random", "--json", str(tmp_path / "r.json"))
    assert code == 0
    drawn = int(err.split("--seed random drew ")[1].split(";")[0])
    assert json.loads((tmp_path / "r.json").read_text())["seed"] == drawn
    code, _, err = _audit(capsys, str(CORRECT), "--contract", "logreg.propagate", "--seed", "x")
    assert code == 2 and err.startswith("nnspec: error: --seed must be an integer or 'random'")


def test_options_that_do_not_apply_are_named_on_stderr(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture) -> None:
    """A cluster, a worker count or a cache asked for on one file, and a hidden activation
    for logistic regression, would otherwise be dropped without a word."""
    code, out, err = _audit(capsys, str(CORRECT), "--contract", "logreg.propagate", *FAST,
                            "--scheduler", "tcp://127.0.0.1:1", "--workers", "3",
                            "--hidden-activation", "tanh")
    assert code == 0 and "conforms" in out
    lines = err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("nnspec: ignored: --workers, --scheduler apply to a folder")
    assert "--hidden-activation applies to the two_layer contracts" in lines[1]
    code, _, err = _audit(capsys, str(CORRECT), "--contract", "logreg.propagate", *FAST,
                          "--no-cache")
    assert err.startswith("nnspec: ignored: --no-cache applies to a folder")
    code, _, err = _audit(capsys, str(CORRECT), "--contract", "logreg.propagate", *FAST)
    assert code == 0 and err == ""


@pytest.mark.parametrize("option, said", [
    (["--examples", "100000000"], "--examples must be between 1 and 10000"),
    (["--workers", "0"], "--workers must be at least 1"),
    (["--cache", "."], "--cache . is a directory: name the database file in it")])
def test_an_option_out_of_range_is_one_line_for_one_file_too(option, said, capsys) -> None:
    """`--examples 100000000` ran until killed (--timeout counts the target's calls only);
    `--workers 0` on one file was accepted (refused for a folder); `--cache /tmp` said
    SQLite's "unable to open database file"."""
    target = str(Path(__file__).parent / "corpus" / "logreg_propagate" / "correct_stable.py")
    assert main(["audit", target, "--contract", "logreg.propagate", *option]) == 2
    assert capsys.readouterr().err == f"nnspec: error: {said}\n"


def test_the_command_audits_a_module_of_the_working_directory_by_name(tmp_path):
    """`nnspec audit mylr.logreg:propagate` run in the project: the `nnspec` command's import
    path lacks the working directory (`python -m` has it): "No module named 'mylr'"."""
    import subprocess
    import sys

    (tmp_path / "mylr").mkdir()
    (tmp_path / "mylr" / "__init__.py").write_text("")
    shutil.copy(Path(__file__).parent / "corpus" / "logreg_propagate" / "correct_stable.py",
                tmp_path / "mylr" / "logreg.py")
    done = subprocess.run([str(Path(sys.executable).parent / "nnspec"), "audit",
                           "mylr.logreg:propagate", "--contract", "logreg.propagate",
                           "--examples", "10"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("mylr.logreg:propagate: conforms")


@pytest.mark.parametrize("options", [{"examples": "10"}, {"examples": 10.0}, {"examples": True},
                                     {"timeout": True}, {"timeout": float("inf")},
                                     {"timeout": 1e10},  # overflowed the clock: a traceback
                                     {"seed": 1.5}, {"seed": "7"}, {"isolate": "yes"}])
def test_a_library_callers_bad_option_is_a_usage_error(options) -> None:
    """`examples="10"` gave a TypeError traceback and 10.0 Hypothesis's own; True ran one
    example, `isolate="yes"` and `seed=1.5` went through."""
    with pytest.raises(UsageError, match="must be"):
        audit_function(_sign_bug, "logreg.propagate", **options)


def test_seed_random_in_the_library_is_drawn_and_recorded(capsys) -> None:
    """It hashed the string: every run drew the same problems, recorded as "seed random"."""
    seeds = {audit_function(_sign_bug, "logreg.propagate", examples=3,
                            seed="random").options["seed"] for _ in range(3)}
    assert all(isinstance(s, int) for s in seeds) and len(seeds) > 1
    assert "replay with --seed" in capsys.readouterr().err


def test_the_global_generators_are_seeded_for_an_in_process_audit_and_given_back() -> None:
    """A target that adds np.random noise gave another report on each run (the sandbox seeds
    the generators, the in-process audit did not); the caller's draws stay its own."""
    def noisy(w, b, X, Y):
        grads, cost = _sign_bug(w, b, X, Y)
        return {**grads, "dw": grads["dw"] + np.random.rand() * 1e-3}, cost

    np.random.seed(123)
    expected_next = np.random.rand()
    np.random.seed(123)
    audit_function(noisy, "logreg.propagate", examples=10)
    assert np.random.rand() == expected_next  # as if no audit had run


NOISY_RUN = """
import hashlib
import numpy as np
from nnspec.audit.engine import audit_function

def noisy(w, b, X, Y):
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(w.T @ X + b)))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return {"dw": X @ (A - Y).T / m + np.random.rand() * 1e-3, "db": np.sum(A - Y) / m}, cost

print(audit_function(noisy, "logreg.propagate", examples=10).to_json())
"""


def test_an_in_process_audit_of_a_noisy_target_writes_the_same_bytes_in_every_run(
        tmp_path: Path) -> None:
    """Two test runs (two processes) gave two reports for a target with np.random noise."""
    import subprocess
    import sys

    runs = [subprocess.run([sys.executable, "-c", NOISY_RUN], capture_output=True, text=True,
                           check=True, env={**os.environ, "NNSPEC_CACHE_DIR": str(tmp_path / c)}
                           ).stdout for c in ("a", "b")]
    assert '"determinism"' in runs[0] and runs[0] == runs[1]


def test_check_example_takes_the_contracts_inputs_and_says_what_is_wrong_with_them(
        tmp_path: Path) -> None:
    """A missing key was a bare KeyError, lists an AttributeError, a function object an
    AttributeError deep inside, and inputs whose shapes do not fit a defect of a correct
    target. Nested `parameters` and lists are taken as the contract's inputs."""
    from nnspec.audit.engine import check_example

    target = tmp_path / "impl.py"
    target.write_text(CORRECT.read_text())
    w, X, Y = np.ones((2, 1)), np.ones((2, 3)), np.ones((1, 3))
    assert check_example(str(target), "logreg.propagate",
                         {"w": w.tolist(), "b": 0.0, "X": X.tolist(), "Y": Y.tolist()},
                         isolation="none") == []
    for problem, words in (({"w": w, "X": X, "Y": Y}, "the problem has no 'b'"),
                           ({"w": np.ones((4, 1)), "b": 0.0, "X": X, "Y": Y}, "do not fit"),
                           (5, "must be a dict")):
        with pytest.raises(UsageError, match=words):
            check_example(str(target), "logreg.propagate", problem, isolation="none")
    with pytest.raises(UsageError, match="takes a target such as"):
        check_example(np.exp, "logreg.propagate", {})
    forward = tmp_path / "forward.py"
    forward.write_text("import numpy as np\n\ndef forward_propagation(X, parameters):\n"
                       "    Z1 = parameters['W1'] @ X + parameters['b1']\n    A1 = np.tanh(Z1)\n"
                       "    Z2 = parameters['W2'] @ A1 + parameters['b2']\n"
                       "    A2 = 1 / (1 + np.exp(-Z2))\n"
                       "    return A2, {'Z1': Z1, 'A1': A1, 'Z2': Z2, 'A2': A2}\n")
    parameters = {"W1": np.ones((3, 2)) / 4, "b1": np.zeros((3, 1)), "W2": np.ones((1, 3)) / 4,
                  "b2": np.zeros((1, 1))}
    assert check_example(str(forward), "two_layer.forward_propagation",
                         {"parameters": parameters, "X": X, "Y": Y},
                         hidden_activation="tanh", isolation="none") == []
