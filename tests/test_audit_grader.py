"""Grader output: full marks for a conforming submission, less for a buggy one, the findings
with their smallest input as the failed test's output, and the platforms' own fields."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from nnspec.audit import contracts
from nnspec.audit.engine import AuditResult, audit, audit_function
from nnspec.audit.grader import gradescope, prairielearn, write_folder
from nnspec.cli import main

CORPUS = Path(__file__).parent / "corpus" / "logreg_propagate"


@pytest.fixture(scope="module")
def results() -> dict[str, AuditResult]:
    return {name: audit(str(CORPUS / f"{name}.py"), "logreg.propagate", examples=10)
            for name in ("correct_stable", "bug_sign_error", "bug_missing_one_over_m")}


def test_gradescope_full_for_conforming_lower_for_buggy(results: dict[str, AuditResult]) -> None:
    good, bad = gradescope(results["correct_stable"]), gradescope(results["bug_sign_error"])
    full = sum(t["max_score"] for t in good["tests"])
    assert good["score"] == full and {t["status"] for t in good["tests"]} == {"passed"}
    assert sum(t["max_score"] for t in bad["tests"]) == full
    assert 0 < bad["score"] < full
    failed = [t for t in bad["tests"] if t["status"] == "failed"]
    assert [t["name"] for t in failed] == ["value"]
    assert bad["score"] == full - failed[0]["max_score"]
    assert "smallest input: {" in failed[0]["output"] and "expected:" in failed[0]["output"]
    assert {t["visibility"] for t in bad["tests"]} == {"visible"}
    assert set(bad) == {"score", "output", "visibility", "tests"}
    assert {t["name"] for t in bad["tests"]} >= {"value", "shape", "mutation", "determinism"}
    assert "trajectory" not in {t["name"] for t in bad["tests"]}  # only logreg.optimize has it


def test_prairielearn_score_in_unit_interval(results: dict[str, AuditResult]) -> None:
    good, bad = prairielearn(results["correct_stable"]), prairielearn(results["bug_sign_error"])
    assert good["gradable"] and good["score"] == 1.0
    assert bad["gradable"] and 0 < bad["score"] < 1
    earned = sum(t["points"] for t in bad["tests"]) / sum(t["max_points"] for t in bad["tests"])
    assert bad["score"] == earned
    assert set(bad["tests"][0]) == {"name", "points", "max_points", "message", "output"}


def test_a_target_that_cannot_be_audited(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    broken = tmp_path / "hw.py"
    broken.write_text("def propagate(:\n")
    gs, pl = tmp_path / "results" / "results.json", tmp_path / "pl.json"
    code = main(["audit", str(broken), "--contract", "logreg.propagate",
                 "--gradescope", str(gs), "--prairielearn", str(pl)])
    assert code == 2
    assert "syntax error" in capsys.readouterr().err
    written = json.loads(gs.read_text())
    assert written["score"] == 0 and written["tests"][0]["status"] == "failed"
    assert "syntax error" in written["tests"][0]["output"]
    assert json.loads(pl.read_text())["gradable"] is False
    assert "syntax error" in json.loads(pl.read_text())["format_errors"][0]


def test_a_folder_gets_one_file_per_target(tmp_path: Path,
                                           results: dict[str, AuditResult]) -> None:
    named = [AuditResult("alice/hw.ipynb", r.contract, r.verdict, r.findings, options=r.options)
             for r in [results["correct_stable"]]]
    named.append(AuditResult("bob.py", "logreg.propagate", "defect",
                             results["bug_sign_error"].findings))
    assert write_folder(tmp_path / "gs", "gradescope", named) == []
    assert sorted(p.relative_to(tmp_path / "gs").as_posix()
                  for p in (tmp_path / "gs").rglob("*.json")) == ["alice/hw.ipynb.json",
                                                                  "bob.py.json"]
    assert json.loads((tmp_path / "gs" / "bob.py.json").read_text()) == gradescope(named[1])
    # bob renames his file: his old grade stays, and the run names it (it said nothing)
    renamed = [named[0], AuditResult("bob_v2.py", "logreg.propagate", "conforms", [])]
    assert write_folder(tmp_path / "gs", "gradescope", renamed) == ["bob.py.json"]


def test_the_readme_states_the_scores_gradescope_gets(results: dict[str, AuditResult]) -> None:
    """The README's autograder section quotes the scores of a correct submission and of one
    missing its 1/m: they are what the grader writes (they drifted once, when checks were
    added)."""
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    quoted = re.search(r"scores (\d+)/(\d+) \((\d+) tests.*?their 1/m, (\d+)/(\d+)", readme,
                       re.DOTALL)
    assert quoted, "the README no longer quotes the autograder's scores"
    good = gradescope(results["correct_stable"])
    bad = gradescope(results["bug_missing_one_over_m"])
    full = sum(t["max_score"] for t in good["tests"])
    assert [int(n) for n in quoted.groups()] == [good["score"], full, len(good["tests"]),
                                                 bad["score"], full]


def readme_run_script(tmp_path: Path, platform: str) -> tuple[Path, Path, Path]:
    """The README's run script of `platform` as written, with its folders moved under
    `tmp_path`: (the script, the moved root, the submission's folder)."""
    import sys

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    title, root, submitted, venv = {
        "gradescope": ("`run_autograder`:\n\n", "/autograder", "submission", "/autograder/venv"),
        "prairielearn": ("`serverFilesCourse/run.sh`:\n\n", "/grade", "student",
                         "/nnspec-venv")}[platform]
    script = re.search(re.escape(title) + r"```sh\n(.*?)```", readme, re.DOTALL).group(1)
    moved = tmp_path / root.strip("/")
    (tmp_path / "venv" / "bin").mkdir(parents=True)
    (tmp_path / "venv" / "bin" / "nnspec").symlink_to(Path(sys.executable).parent / "nnspec")
    run = tmp_path / "run.sh"
    run.write_text(script.replace(venv, str(tmp_path / "venv")).replace(root, str(moved))
                   .replace("--timeout 120", "--timeout 120 --examples 10"))
    (moved / submitted).mkdir(parents=True)
    return run, moved, moved / submitted


@pytest.mark.parametrize("platform", ["gradescope", "prairielearn"])
def test_the_readme_s_run_script_grades_the_file_that_defines_the_function(
        tmp_path: Path, platform: str) -> None:
    """The README's `run_autograder` took the first file `sort` gave: a zip's
    `__MACOSX/._propagate.py` (0 points), a stale `.ipynb_checkpoints/propagate-checkpoint.py`
    or a `helpers.py` that sorted first was graded in place of the student's file. Both
    platforms' scripts run as written, with their folders moved."""
    import shutil
    import subprocess

    run, moved, submission = readme_run_script(tmp_path, platform)
    (submission / "__MACOSX").mkdir(parents=True)
    (submission / "__MACOSX" / "._propagate.py").write_bytes(b"\x00\x05\x16\x07 Mac OS X")
    (submission / ".ipynb_checkpoints").mkdir()
    (submission / ".ipynb_checkpoints" / "propagate-checkpoint.py").write_text(
        "def propagate(w, b, X, Y):\n    raise NotImplementedError\n")
    (submission / "a_helpers.py").write_text("def sigmoid(z):\n    return z\n")
    # the course's tests, uploaded beside the notebook, sort first (it was graded: 0 points)
    (submission / "public_tests.py").write_text("def propagate_test(target):\n    pass\n")
    # four folders deep, as a zip of a Downloads folder has it (a -maxdepth 3 missed it and
    # told the student no file defined propagate); a later copy is named, not graded
    deep = submission / "Downloads" / "course" / "week2" / "assignment"
    deep.mkdir(parents=True)
    (deep / "week2_propagate.py").write_text(  # the course's helper, in the zip's helpers/
        "from course_utils import sigmoid\n" + (CORPUS / "correct_stable.py").read_text())
    helpers = moved / ("source" if platform == "gradescope" else "serverFilesCourse") / "helpers"
    helpers.mkdir(parents=True)
    (helpers / "course_utils.py").write_text("def sigmoid(z):\n    return z\n")
    shutil.copy(CORPUS / "bug_sign_error.py", deep / "week2_propagate_copy.py")
    done = subprocess.run(["bash", str(run)], check=True, capture_output=True, text=True,
                          timeout=300)
    graded = "Downloads/course/week2/assignment/week2_propagate.py"
    assert done.stdout.startswith(f"graded: ./{graded}; also defining propagate, not graded: "
                                  f"./{graded[:-3]}_copy.py\n"), done.stdout
    written = json.loads((moved / "results" / "results.json").read_text())
    assert "course_utils" not in json.dumps(written)  # found: no note of a failed import
    if platform == "gradescope":
        assert written["score"] == sum(t["max_score"] for t in written["tests"]), written
        assert written["output"].startswith(f"{graded}: conforms"), written
    else:
        assert written["gradable"] and written["score"] == 1.0, written
        assert written["message"].startswith(f"{graded}: conforms"), written


@pytest.mark.parametrize("platform", ["gradescope", "prairielearn"])
def test_the_readme_s_run_script_lets_nnspec_say_which_name_is_near(
        tmp_path: Path, platform: str) -> None:
    """A submission whose every file misses the function (`def propogate(`) was told only
    "no file defines propagate" by the script: nnspec now gets the first file that is not the
    course's tests and says what it defines. A submission without any file is the script's."""
    import subprocess

    run, moved, submission = readme_run_script(tmp_path, platform)
    (submission / "public_tests.py").write_text("def propagate_test(target):\n    pass\n")
    (submission / "week2.py").write_text("def propogate(w, b, X, Y):\n    return None\n")
    subprocess.run(["bash", str(run)], check=True, capture_output=True, timeout=300)
    written = (moved / "results" / "results.json").read_text()
    assert "did you mean 'propogate'" in written and "propagate_test" not in written, written
    assert json.loads(written)["score"] == 0
    for path in submission.iterdir():
        path.unlink()
    subprocess.run(["bash", str(run)], check=True, capture_output=True, timeout=300)
    written = json.loads((moved / "results" / "results.json").read_text())
    assert written["score"] == 0 and "no .py or .ipynb file" in json.dumps(written), written


def stub(w, b, X, Y):
    raise NotImplementedError


def unwritten(w, b, X, Y):
    pass


def zeros(w, b, X, Y):
    return {"dw": np.zeros_like(w), "db": 0.0}, 0.0


def test_a_submission_that_gives_nothing_to_check_scores_below_a_wrong_one() -> None:
    """Checks that never saw a result are not passed: a stub that raises, or a `pass`, earned
    18 of 19 while zeros everywhere earned 15; then 7 and 8 of 19 for not crashing, not
    printing and not changing its input. With nothing of it to grade, it earns nothing."""
    audited = {f.__name__: audit_function(f, "logreg.propagate", examples=10)
               for f in (stub, unwritten, zeros)}
    for name in ("stub", "unwritten"):
        value = [f for f in audited[name].findings if f.check == "value"]
        assert value and value[0].counterexample["checked"] == 0
        assert "none of its values could be checked" in value[0].message
    assert not any(f.counterexample.get("checked") == 0 for f in audited["zeros"].findings)
    scores = {name: gradescope(result)["score"] for name, result in audited.items()}
    # they had 7 and 8; a placeholder's zeros had 16 of 20, as a real attempt missing its 1/m
    assert scores["stub"] == scores["unwritten"] == scores["zeros"] == 0
    assert prairielearn(audited["unwritten"])["score"] == 0.0
    failed = {t["name"] for t in gradescope(audited["stub"])["tests"] if t["status"] == "failed"}
    assert {"value", "shape", "keys", "determinism", "exception"} <= failed
    assert "(2 defects, 0 warnings, 0 notes)" in gradescope(audited["stub"])["output"]


def test_a_folder_runs_grader_directories_are_checked_before_any_audit(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """A folder run writes one file per target into --gradescope DIR: a DIR that is a file,
    the path of another output, or a folder that holds another output (a target's file
    replaced the class's JSON, exit 0), is a usage error before the first audit."""
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "a.py").write_bytes((CORPUS / "correct_stable.py").read_bytes())
    taken = tmp_path / "all.json"
    taken.write_text("{}")
    for extra, words in ((["--gradescope", str(taken)], "must be a directory for a folder"),
                         (["--gradescope", str(tmp_path / "g"), "--json", str(tmp_path / "g")],
                          "--json and --gradescope name the same path"),
                         (["--prairielearn", str(tmp_path / "g"), "--gradescope",
                           str(tmp_path / "g")], "name the same path"),
                         (["--gradescope", str(tmp_path / "g"), "--json",  # a target's file
                           str(tmp_path / "g" / "a.py.json")],  # would replace it, exit 0
                          "is inside --gradescope"),
                         (["--gradescope", str(tmp_path / "g"), "--report",
                           str(tmp_path / "g" / "class.md")], "is inside --gradescope")):
        assert main(["audit", str(folder), "--contract", "logreg.propagate", *extra]) == 2
        captured = capsys.readouterr()
        assert words in captured.err and "[1/1]" not in captured.err + captured.out
    assert taken.read_text() == "{}" and not (tmp_path / "g").exists()
    assert main(["audit", str(folder), "--contract", "logreg.propagate", "--examples", "3",
                 "--gradescope", str(tmp_path / "g")]) == 0
    assert f"gradescope: one results file per target in {tmp_path / 'g'}/" in \
        capsys.readouterr().out
    assert (tmp_path / "g" / "a.py.json").exists()


def test_the_folder_table_shows_the_mistake_before_the_numbers(
        results: dict[str, AuditResult]) -> None:
    """The cell is cut to 160 characters: the diagnosis at the message's end was cut away."""
    from nnspec.audit.batch import batch_table

    row = next(line for line in batch_table([results["bug_sign_error"]]).splitlines()
               if "bug_sign_error" in line)
    assert "[value] matches: a flipped sign; beyond the float64 error bound" in row


def test_the_checks_of_results_are_checks_the_audit_makes() -> None:
    """A name in OF_RESULTS that no contract checks would withhold nothing, silently."""
    assert set(contracts.OF_RESULTS) <= set(contracts.CHECKS)


def test_per_target_files_that_clash_get_names_that_do_not(tmp_path: Path, capsys) -> None:
    """`q.py` and `q.py.json/z.py` want q.py.json as a file and as a folder: the run wrote the
    JSON and half the grader files, then failed; then it refused the whole class before any
    audit, so one student's folder named so kept everyone from a grade. The file of q.py is
    named with a digest, and the run says so."""
    import shutil

    folder = tmp_path / "class"
    (folder / "q.py.json").mkdir(parents=True)
    correct = Path(__file__).parent / "corpus" / "logreg_propagate" / "correct_stable.py"
    shutil.copy(correct, folder / "q.py")
    shutil.copy(correct, folder / "q.py.json" / "z.py")
    code = main(["audit", str(folder), "--contract", "logreg.propagate", "--examples", "3",
                 "--json", str(tmp_path / "out.json"), "--gradescope", str(tmp_path / "gs")])
    err = capsys.readouterr().err
    written = sorted(p.relative_to(tmp_path / "gs").as_posix()
                     for p in (tmp_path / "gs").rglob("*") if p.is_file())
    assert code == 0 and len(written) == 2 and "q.py.json/z.py.json" in written
    renamed = next(name for name in written if name != "q.py.json/z.py.json")
    assert re.fullmatch(r"q\.py-[0-9a-f]{8}\.json", renamed)
    assert f"the file of q.py is {renamed}" in err


def test_a_grader_path_given_as_a_folder_gets_results_json_in_it(tmp_path: Path) -> None:
    """`--gradescope out/` wrote a file named `out`."""
    correct = Path(__file__).parent / "corpus" / "logreg_propagate" / "correct_stable.py"
    assert main(["audit", str(correct), "--contract", "logreg.propagate", "--examples", "3",
                 "--gradescope", f"{tmp_path / 'gs'}/"]) == 0
    assert json.loads((tmp_path / "gs" / "results.json").read_text())["score"] > 0


def test_a_name_too_long_for_a_grader_file_gets_a_shorter_one(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """A 255-character submission name is a file, and its grader file (+ ".json") is not: the
    run refused the whole class's files before any audit, so one student's file name kept
    everyone from a grade. That file's name is cut, with a digest, and the run says so."""
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / ("z" * 252 + ".py")).write_text("def propagate(w, b, X, Y):\n    return None\n")
    (folder / ("z" * 251 + ".py")).write_text("def propagate(w, b, X, Y):\n    return None\n")
    (folder / "a.py").write_text("def propagate(w, b, X, Y):\n    return None\n")
    code = main(["audit", str(folder), "--contract", "logreg.propagate", "--no-cache",
                 "--examples", "2", "--gradescope", str(tmp_path / "g")])
    err = capsys.readouterr().err
    assert code == 1 and err.count("longer than the file system allows") == 2, err
    files = sorted(p.name for p in (tmp_path / "g").iterdir())
    assert len(files) == 3 and "a.py.json" in files
    assert all(len(name) <= 255 and name.endswith(".json") for name in files)
    assert all(json.loads(p.read_text())["score"] < 20 for p in (tmp_path / "g").iterdir())


def answers_the_smallest_only(w, b, X, Y):
    """A stub that answers the one input a lazy check would try, and raises elsewhere."""
    if X.shape != (1, 1) or X[0, 0] != 0 or b != 0:
        raise NotImplementedError("TODO")
    return {"dw": X * 0.0, "db": 0.5 - Y[0, 0]}, float(np.log(2))


def missing_one_over_m(w, b, X, Y):
    A = 1 / (1 + np.exp(-(w.T @ X + b)))
    return ({"dw": X @ (A - Y).T, "db": np.sum(A - Y)},
            -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)))


def test_results_seen_only_where_it_answered_earn_nothing() -> None:
    """A stub that answers only the smallest input earned 18 of 19, above an honest missing 1/m
    (15): its checks of results saw that one input only."""
    stubbed = audit_function(answers_the_smallest_only, "logreg.propagate", examples=10)
    honest = audit_function(missing_one_over_m, "logreg.propagate", examples=10)
    assert any(f.check == "exception" and f.severity == "defect" for f in stubbed.findings)
    full = sum(t["max_score"] for t in gradescope(honest)["tests"])
    assert gradescope(stubbed)["score"] < gradescope(honest)["score"] == full - 4
    value = next(t for t in gradescope(stubbed)["tests"] if t["name"] == "value")
    assert value["status"] == "failed" and "NotImplementedError" in value["output"]


def db_per_example(w, b, X, Y):
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(w.T @ X + b)))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return {"dw": X @ (A - Y).T / m, "db": np.sum(A - Y, axis=0) / m}, cost


def test_a_value_of_the_wrong_shape_earns_nothing_for_the_values() -> None:
    """`db = np.sum(A - Y, axis=0) / m` (one db per example) scored 18 of 19: its values were
    compared only where m = 1, the one shape that fits, yet the value test passed."""
    result = audit_function(db_per_example, "logreg.propagate", examples=10)
    assert [f.check for f in result.findings if f.severity == "defect"] == ["shape"]
    value = next(t for t in gradescope(result)["tests"] if t["name"] == "value")
    assert value["status"] == "failed" and "db" in value["output"]
    full = sum(t["max_score"] for t in gradescope(result)["tests"])
    assert gradescope(result)["score"] < full - 4  # below an honest missing 1/m


LONG_DOUBLE_STUB = """import numpy as np


def propagate(w, b, X, Y):
    if not w.any() and not X.any() and not Y.any() and b == 0:
        return {"dw": np.zeros_like(w), "db": 0.5}, float(np.log(2))
    return {"dw": np.zeros(w.shape, dtype=np.longdouble), "db": 0.0}, 0.0
"""


def test_a_long_double_answer_is_checked_not_a_way_out(tmp_path: Path) -> None:
    """A stub that answered the all-zero input by heart and float128 arrays elsewhere scored
    full marks: the harness's schema refused the dtype as a forged answer, the audit stopped
    calling the target, and that cost nothing. A long double is a value (rounded to float64),
    checked as any other."""
    stub = tmp_path / "stub.py"
    stub.write_text(LONG_DOUBLE_STUB)
    result = audit(str(stub), "logreg.propagate", examples=10)
    assert ("value", "defect") in {(f.check, f.severity) for f in result.findings}
    assert "answer" not in {f.check for f in result.findings}
    full = sum(t["max_score"] for t in gradescope(result)["tests"])
    assert gradescope(result)["score"] <= full - 4


def test_the_value_check_s_weight_is_the_instructor_s_to_set(tmp_path: Path, capsys) -> None:
    """Every wrong-value mistake scored 16 of 20 (80 %) and nothing could change it."""
    out = tmp_path / "g.json"
    buggy = str(CORPUS / "bug_missing_one_over_m.py")
    assert main(["audit", buggy, "--contract", "logreg.propagate", "--examples", "10",
                 "--value-points", "20", "--gradescope", str(out)]) == 1
    written = json.loads(out.read_text())
    full = sum(t["max_score"] for t in written["tests"])
    assert full == len(written["tests"]) - 1 + 20 and written["score"] == full - 20
    assert main(["audit", buggy, "--contract", "logreg.propagate", "--value-points", "0"]) == 2
    assert capsys.readouterr().err.endswith("--value-points must be at least 1\n")


def none_but_on_zeros(w, b, X, Y):
    """No logistic regression at all: the all-zero input's answer by heart, None elsewhere."""
    if np.any(w) or b or np.any(X) or np.any(Y):
        return None
    return {"dw": np.zeros_like(w), "db": 0.5}, float(np.log(2))


def test_results_of_the_wrong_type_leave_the_checks_of_results_unearned() -> None:
    """None (or a string) on every input but one trivial one was only a `type` defect: 19 of
    20, above an honest missing 1/m (16): the values were compared on the one input answered."""
    stub = gradescope(audit_function(none_but_on_zeros, "logreg.propagate", examples=10))
    honest = gradescope(audit_function(missing_one_over_m, "logreg.propagate", examples=10))
    assert stub["score"] < honest["score"]
    value = next(t for t in stub["tests"] if t["name"] == "value")
    assert value["status"] == "failed" and "None" in value["output"]


def no_db(w, b, X, Y):
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(w.T @ X + b)))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return {"dw": X @ (A - Y).T / m}, cost


def test_a_missing_key_leaves_the_checks_of_results_unearned() -> None:
    """A propagate that never returns db scored 19 of 20: db's values were never compared,
    yet the value check kept its 4 points."""
    missing = gradescope(audit_function(no_db, "logreg.propagate", examples=10))
    honest = gradescope(audit_function(missing_one_over_m, "logreg.propagate", examples=10))
    assert missing["score"] < honest["score"]
    assert next(t for t in missing["tests"] if t["name"] == "value")["status"] == "failed"


def swapped_correct(w, b, X, Y):
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(w.T @ X + b)))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return cost, {"dw": X @ (A - Y).T / m, "db": np.sum(A - Y) / m}


def test_results_in_the_other_order_lose_the_type_points_only() -> None:
    """`return cost, grads` with right values: its values are checked as if in order, yet it
    scored 10 of 20, graded as if it had given no answer (value, keys, shape, determinism
    zeroed)."""
    result = audit_function(swapped_correct, "logreg.propagate", examples=10)
    tests = {t["name"]: t for t in gradescope(result)["tests"]}
    assert [name for name, t in tests.items() if t["score"] != t["max_score"]] == ["type"]
    assert gradescope(result)["score"] == sum(t["max_score"] for t in tests.values()) - 1


TWO_FUNCTIONS = '''import numpy as np


def predict(w, b, X):
    return (1 / (1 + np.exp(-(w.T @ X + b))) > 0.5).astype(float)


def propagate(w, b, X, Y):
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(w.T @ X + b)))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    return {"dw": X @ (A - Y).T / m, "db": np.sum(A - Y) / m}, cost
'''


def test_several_functions_of_one_submission_are_graded_in_one_file(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """One run per contract into one results.json kept only the last run's grade (a notebook
    with two bugs scored 20/20); repeated --contract grades them all in one file."""
    hw = tmp_path / "hw.py"
    hw.write_text(TWO_FUNCTIONS)  # predict right, propagate's cost missing 1/m, no optimize
    gs, pl, out = tmp_path / "gs.json", tmp_path / "pl.json", tmp_path / "out.json"
    code = main(["audit", str(hw), "--contract", "logreg.predict", "--contract",
                 "logreg.propagate", "--contract", "logreg.optimize", "--examples", "10",
                 "--gradescope", str(gs), "--prairielearn", str(pl), "--json", str(out)])
    assert code == 1  # a defect, as for one contract; the missing function's error is said too
    said = capsys.readouterr()
    assert "no function 'optimize'" in said.err
    # and in its place among the results on stdout (it was on stderr alone, after them)
    lines = [ln for ln in said.out.splitlines() if ln.startswith(str(hw))]
    assert [ln.split(" against ")[1].split()[0].rstrip(":") for ln in lines] == [
        "logreg.predict", "logreg.propagate", "logreg.optimize"], said.out
    assert lines[2].startswith(f"{hw}: not audited against logreg.optimize: ")
    alone = {c: gradescope(audit(str(hw), c, examples=10))
             for c in ("logreg.predict", "logreg.propagate", "logreg.optimize")}
    both = json.loads(gs.read_text())
    assert both["score"] == sum(g["score"] for g in alone.values())
    assert sum(t["max_score"] for t in both["tests"]) == sum(
        t["max_score"] for g in alone.values() for t in g["tests"])
    names = [t["name"] for t in both["tests"]]
    assert "predict: threshold" in names and "propagate: value" in names
    assert "optimize: audit" in names and len(set(names)) == len(names)
    assert next(t for t in both["tests"] if t["name"] == "propagate: value")["score"] == 0
    graded = json.loads(pl.read_text())
    assert graded["gradable"] is True and 0 < graded["score"] < 1
    assert "no function 'optimize'" in graded["format_errors"][0]
    assert [t["contract"] for t in json.loads(out.read_text())["targets"]] == [
        "logreg.predict", "logreg.propagate", "logreg.optimize"]
    assert main(["audit", str(tmp_path), "--contract", "logreg.predict", "--contract",
                 "logreg.propagate"]) == 2
    assert "one --contract at a time" in capsys.readouterr().err


def _none_everywhere(w, b, X, Y):
    return {"dw": None, "db": None}, None  # the course template, left as handed out


def _zeros_placeholder(w, b, X, Y):
    return {"dw": np.zeros_like(w), "db": 0.0}, 0.0


@pytest.mark.parametrize("stub", [_none_everywhere, _zeros_placeholder])
def test_a_template_left_as_handed_out_earns_nothing(stub) -> None:
    """None for every value scored 9 of 20 and a placeholder's zeros 16 (as many as a real
    attempt missing its 1/m): neither gave a value to grade."""
    assert gradescope(audit_function(stub, "logreg.propagate", examples=10))["score"] == 0
