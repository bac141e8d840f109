"""The pytest plugin, run on fresh test projects with pytest's own pytester."""

import pytest

from nnspec.numerics.profiles import PROFILES

pytest_plugins = ["pytester"]


def test_bad_profile_name_is_a_usage_error(pytester):
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest_subprocess("--nnspec-profile", "nosuch")
    assert result.ret == 4  # pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown Hypothesis profile 'nosuch'*ci, dev, thorough*"])


def test_profile_is_loaded_and_shown_in_the_header(pytester):
    expected = PROFILES["thorough"]["max_examples"]
    pytester.makepyfile(
        "from hypothesis import settings\n"
        "def test_profile():\n"
        f"    assert settings().max_examples == {expected}\n"
    )
    result = pytester.runpytest_subprocess("--nnspec-profile", "thorough")
    result.stdout.fnmatch_lines(["nnspec: hypothesis profile thorough"])
    result.assert_outcomes(passed=1)


PROPAGATE = '''
import numpy as np


def propagate(w, b, X, Y):
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(w.T @ X + b)))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return {"dw": X @ (A - Y).T / m, "db": np.sum(A - Y) / m}, cost


def propagate_without_mean(w, b, X, Y):
    A = 1 / (1 + np.exp(-(w.T @ X + b)))
    cost = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    return {"dw": X @ (A - Y).T, "db": np.mean(A - Y)}, cost
'''


def test_audit_fixture_passes_a_correct_function_and_fails_a_wrong_one(pytester):
    pytester.makepyfile(implementation=PROPAGATE)
    pytester.makepyfile(test_mine=(
        "from implementation import propagate, propagate_without_mean\n"
        "def test_correct(nnspec_audit):\n"
        "    nnspec_audit(propagate, contract='logreg.propagate')\n"
        "def test_wrong(nnspec_audit):\n"
        "    nnspec_audit(propagate_without_mean, contract='logreg.propagate')\n"))
    result = pytester.runpytest_subprocess("--nnspec-profile", "ci", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*test_wrong*", "*defect against logreg.propagate*",
                                 "*counterexample: {*"])
    result.stdout.no_fnmatch_line("*test_correct FAILED*")


def test_audit_fixture_reports_a_bad_contract_as_a_failure(pytester):
    pytester.makepyfile(implementation=PROPAGATE)
    pytester.makepyfile(test_mine=(
        "from implementation import propagate\n"
        "def test_contract(nnspec_audit):\n"
        "    nnspec_audit(propagate, contract='logreg.nosuch')\n"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*nnspec: error:*nosuch*"])


@pytest.fixture
def restore_profile():
    """An in-process pytester run loads a Hypothesis profile: put this session's back after."""
    from hypothesis import settings

    name = settings.get_current_profile_name()
    yield
    settings.load_profile(name)


def test_report_option_writes_the_report_through_the_library(pytester, monkeypatch,
                                                             restore_profile):
    from nnspec.report import markdown as report
    calls = []

    def write_report(path):
        calls.append(path)
        path.write_text("report\n")
        return [path]

    monkeypatch.setattr(report, "write_report", write_report)
    pytester.makepyfile("def test_nothing():\n    pass\n")
    target = pytester.path / "out" / "verification.md"
    target.parent.mkdir()
    result = pytester.runpytest("--nnspec-report", str(target), "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert calls == [target] and target.read_text() == "report\n"
    result.stdout.fnmatch_lines([f"nnspec: wrote *{target}*"])


def test_report_option_without_it_writes_nothing(pytester, monkeypatch, restore_profile):
    from nnspec.report import markdown as report
    monkeypatch.setattr(report, "write_report", lambda path: pytest.fail("called"))
    pytester.makepyfile("def test_nothing():\n    pass\n")
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_report_option_with_an_unwritable_path_is_a_usage_error(pytester):
    pytester.makepyfile("def test_nothing():\n    pass\n")
    (pytester.path / "file").write_text("")
    result = pytester.runpytest_subprocess("--nnspec-report", "file/verification.md",
                                           "-p", "no:cacheprovider")
    assert result.ret == 4  # pytest.ExitCode.USAGE_ERROR, before any test runs
    result.stderr.fnmatch_lines(["*--nnspec-report: cannot write reports to 'file'*"])
    result.stdout.no_fnmatch_line("*passed*")
