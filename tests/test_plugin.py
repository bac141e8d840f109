"""The pytest plugin, run on fresh test projects with pytest's own pytester (in a subprocess:
the plugin loads Hypothesis profiles, process-wide state)."""

import pytest

from nnspec.numerics.profiles import PROFILES

pytest_plugins = ["pytester"]

NO_ENV = ("NNSPEC_PROFILE", "CI")

# A user's own profile "mine" (7 examples) and "ci" (11): names nnspec must not take over.
MINE = '''
from hypothesis import settings
settings.register_profile("mine", max_examples=7, deadline=1234)
settings.register_profile("ci", max_examples=11)
'''
SHOW = '''
from hypothesis import settings
def test_show():
    s = settings()
    print("PROFILE", settings.get_current_profile_name(), s.max_examples, s.deadline)
'''


@pytest.fixture
def project(pytester, monkeypatch):
    """A fresh project whose conftest registers the user's profiles; no nnspec variable set."""
    for name in NO_ENV:
        monkeypatch.delenv(name, raising=False)
    pytester.makeconftest(MINE)
    pytester.makepyfile(test_show=SHOW)
    return pytester


def asking(monkeypatch, how: str, name: str) -> list[str]:
    """A run's arguments that ask for nnspec's profile `name` by the option, or else by the
    environment variable (set here)."""
    args = ["-s", "-p", "no:cacheprovider"]
    if how == "option":
        return [*args, "--nnspec-profile", name]
    monkeypatch.setenv("NNSPEC_PROFILE", name)
    return args


def shown(result) -> str:
    return next(line for line in result.stdout.lines if "PROFILE" in line).split("PROFILE ")[1]


def test_nothing_changes_for_a_suite_that_does_not_ask(project):
    result = project.runpytest_subprocess("-s", "-p", "no:cacheprovider")
    assert shown(result) == "default 100 0:00:00.200000"
    result.stdout.no_fnmatch_line("*nnspec:*")


def test_the_users_conftest_profile_holds(project, monkeypatch):
    (project.path / "conftest.py").write_text(MINE + 'settings.load_profile("mine")\n')
    monkeypatch.setenv("NNSPEC_PROFILE", "thorough")  # set for another project: yields
    monkeypatch.setenv("CI", "true")
    result = project.runpytest_subprocess("-s", "-p", "no:cacheprovider")
    assert shown(result) == "mine 7 0:00:01.234000"
    result.stdout.no_fnmatch_line("*nnspec:*")


def test_the_users_hypothesis_profile_option_holds(project):
    result = project.runpytest_subprocess("-s", "--hypothesis-profile", "ci",
                                          "-p", "no:cacheprovider")
    assert shown(result) == "ci 11 0:00:00.200000"  # the user's "ci", not nnspec's


@pytest.mark.parametrize("mine", ["mine", "default"])
def test_asking_for_nnspec_and_the_users_profile_at_once_is_a_usage_error(project, mine):
    """`--hypothesis-profile default` is a choice as much as `mine` (nnspec's profile replaced
    it: the current profile's name cannot tell "default" chosen from nothing chosen)."""
    result = project.runpytest_subprocess("--hypothesis-profile", mine,
                                          "--nnspec-profile", "thorough")
    assert result.ret == 4  # pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [f"*--nnspec-profile thorough: the Hypothesis profile '{mine}' is already loaded*"])


@pytest.mark.parametrize("how", ["option", "environment"])
def test_nnspec_profile_is_loaded_when_asked_and_shown_in_the_header(project, monkeypatch, how):
    result = project.runpytest_subprocess(*asking(monkeypatch, how, "thorough"))
    assert shown(result) == f"nnspec.thorough {PROFILES['thorough']['max_examples']} None"
    result.stdout.fnmatch_lines(["nnspec: hypothesis profile thorough"])


@pytest.mark.parametrize("how", ["option", "environment"])
def test_a_profile_of_a_conftest_read_during_collection_holds(pytester, monkeypatch, how):
    """A conftest below the test root is read after pytest_configure: the user's profile it
    registered took the loaded nnspec.ci as its parent (derandomized, no database), so
    NNSPEC_PROFILE changed the user's own profile and --nnspec-profile was not refused."""
    for name in NO_ENV:
        monkeypatch.delenv(name, raising=False)
    pytester.makeini("[pytest]\ntestpaths = tests\n")
    unit = pytester.path / "tests" / "unit"
    unit.mkdir(parents=True)
    (unit / "conftest.py").write_text(
        "from hypothesis import settings\n"
        "settings.register_profile('mine', max_examples=7)\nsettings.load_profile('mine')\n")
    (unit / "test_show.py").write_text(
        "from hypothesis import settings\ndef test_show():\n    s = settings()\n"
        "    print('PROFILE', settings.get_current_profile_name(), s.max_examples, "
        "s.derandomize, s.database is None)\n")
    result = pytester.runpytest_subprocess(*asking(monkeypatch, how, "ci"))
    if how == "option":
        assert result.ret == 4
        result.stderr.fnmatch_lines([("*--nnspec-profile ci: the Hypothesis profile 'mine' is "
                                     "already loaded*")])
    else:
        assert shown(result) == "mine 7 False False"
        result.stdout.no_fnmatch_line("*nnspec:*")


@pytest.mark.parametrize("how", ["option", "environment"])
def test_bad_profile_name_is_a_usage_error(project, monkeypatch, how):
    args = ["--nnspec-profile", "nosuch"] if how == "option" else []
    if how == "environment":
        monkeypatch.setenv("NNSPEC_PROFILE", "nosuch")
    result = project.runpytest_subprocess(*args)
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*unknown Hypothesis profile 'nosuch'*ci, dev, thorough*"])


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
TESTS = (
    "from implementation import propagate, propagate_without_mean\n"
    "def test_correct(nnspec_audit):\n"
    "    nnspec_audit(propagate, contract='logreg.propagate', examples=20)\n"
    "def test_wrong(nnspec_audit):\n"
    "    nnspec_audit(propagate_without_mean, contract='logreg.propagate', examples=20)\n"
    "def test_contract(nnspec_audit):\n"
    "    nnspec_audit(propagate, contract='logreg.nosuch')\n")


@pytest.fixture
def audited(project):
    project.makepyfile(implementation=PROPAGATE, test_mine=TESTS)
    return project


def test_audit_fixture_fails_a_wrong_function_and_the_report_lists_every_audit(audited):
    target = audited.path / "out" / "audits.md"
    result = audited.runpytest_subprocess("--nnspec-report", str(target), "-p",
                                          "no:cacheprovider", "test_mine.py")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(["*test_wrong*", "*defect against logreg.propagate*",
                                 "*counterexample: {*"])
    result.stdout.fnmatch_lines(["*nnspec: error:*nosuch*"])
    result.stdout.no_fnmatch_line("*test_correct FAILED*")
    # the conforming audit's saturation warning is seen (it passed without a word)
    result.stdout.fnmatch_lines([("*NnspecAuditWarning*propagate conforms to logreg.propagate "
                                 "with a warning*saturation*")])
    result.stdout.fnmatch_lines(["nnspec: wrote *audits.md (3 audits)"])
    text = target.read_text()
    assert "3 audits: 1 conform, 1 with a defect, 1 could not be audited." in text
    rows = [line for line in text.splitlines() if line.startswith("| `test_mine.py::")]
    assert [row.split(" | ")[3] for row in rows] == ["error", "conforms", "defect"]
    assert "`implementation:propagate_without_mean`" in text and "Minimal counterexample:" in text
    assert "logreg.nosuch" in text
    assert "verification" not in text  # the notes' report stays `nnspec report`


def test_the_report_gathers_the_audits_of_xdist_workers(audited):
    """Under pytest-xdist the audits run in the workers: the report said "0 audits"."""
    target = audited.path / "audits.md"
    result = audited.runpytest_subprocess("-n", "2", "--nnspec-report", str(target), "-p",
                                          "no:cacheprovider", "test_mine.py")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(["nnspec: wrote *audits.md (3 audits)"])
    text = target.read_text()
    assert "3 audits: 1 conform, 1 with a defect, 1 could not be audited." in text
    serial = audited.path / "serial.md"
    audited.runpytest_subprocess("--nnspec-report", str(serial), "-p", "no:cacheprovider",
                                 "test_mine.py")
    assert text == serial.read_text()  # the same report, whichever worker ran which test


def test_a_crashed_xdist_worker_loses_only_the_test_it_crashed_in(audited):
    """A worker's audits went to the main process at the session's end: a worker that
    crashed (os._exit in a target run in-process) lost every audit it had run, and the
    report still looked whole ("2 audits" for 6 tests that passed)."""
    audited.makepyfile(test_many="".join(
        f"def test_ok{i}(nnspec_audit):\n"
        f"    from implementation import propagate\n"
        f"    nnspec_audit(propagate, contract='logreg.propagate', examples=5)\n"
        for i in range(6)) + (
        "def test_z_crash(nnspec_audit):\n    import os\n"
        "    nnspec_audit(lambda w, b, X, Y: os._exit(3), contract='logreg.propagate')\n"))
    target = audited.path / "audits.md"
    result = audited.runpytest_subprocess("-n", "2", "--nnspec-report", str(target), "-p",
                                          "no:cacheprovider", "-p", "no:randomly",
                                          "test_many.py")
    result.assert_outcomes(passed=6, failed=1)
    assert "6 audits: 6 conform" in target.read_text(), target.read_text()


@pytest.mark.parametrize("name, content", [("implementation.py", None),
                                           ("notes.txt", "my own notes\n")])
def test_the_report_writes_over_no_file_but_its_own(audited, name, content):
    """`--nnspec-report mylr/logreg.py` replaced the module under test (and, run as root,
    `/etc/passwd`): an existing file is written over only if it is empty or a report of
    audits."""
    target = audited.path / name
    if content is not None:
        target.write_text(content)
    before = target.read_bytes()
    result = audited.runpytest_subprocess("--nnspec-report", str(target), "test_mine.py")
    assert result.ret == 4
    result.stderr.fnmatch_lines([(f"*--nnspec-report: {str(target)!r} exists and is not a "
                                 "report of audits*")])
    assert target.read_bytes() == before
    report = audited.path / "audits.md"
    for _ in range(2):  # its own report, and an empty file, it writes over
        audited.runpytest_subprocess("--nnspec-report", str(report), "test_mine.py")
        assert report.read_text().startswith("# Audits of this test run")
    (audited.path / "empty.md").write_text("")
    audited.runpytest_subprocess("--nnspec-report", str(audited.path / "empty.md"),
                                 "test_mine.py")
    assert (audited.path / "empty.md").read_text().startswith("# Audits of this test run")


def test_report_option_without_audits_says_so(project):
    target = project.path / "audits.md"
    project.runpytest_subprocess("--nnspec-report", str(target)).assert_outcomes(passed=1)
    assert "No test called the `nnspec_audit` fixture." in target.read_text()


def test_report_option_needs_no_matplotlib(project):
    """A `matplotlib` that cannot be imported does not stop the report."""
    (project.path / "matplotlib.py").write_text("raise ImportError('no matplotlib here')\n")
    target = project.path / "audits.md"
    result = project.runpytest_subprocess("--nnspec-report", str(target))
    result.assert_outcomes(passed=1)
    assert target.read_text().startswith("# Audits of this test run")


@pytest.mark.parametrize("where, message", [
    ("file/audits.md", "*--nnspec-report: cannot write 'file/audits.md': file is not a dir*"),
    (".", "*--nnspec-report: '.' is a directory; give a file name*"),
    # it said "No such file or directory"
    ("/proc/x.md", "*--nnspec-report: cannot write '/proc/x.md': /proc holds the system's*"),
])
def test_report_option_with_an_unwritable_path_is_a_usage_error(project, where, message):
    (project.path / "file").write_text("")
    result = project.runpytest_subprocess("--nnspec-report", where)
    assert result.ret == 4  # pytest.ExitCode.USAGE_ERROR, before any test runs
    result.stderr.fnmatch_lines([message])
    result.stdout.no_fnmatch_line("*passed*")


FIXTURE_USES = '''
import sys, time
from implementation import propagate
def test_by_path(nnspec_audit):
    result = nnspec_audit("implementation.py:propagate", contract="logreg.propagate",
                          examples=10)
    assert result.verdict == "conforms" and result.target.endswith("implementation.py:propagate")
def test_not_a_function(nnspec_audit):
    nnspec_audit(42, contract="logreg.propagate")
def test_misspelt(nnspec_audit):
    nnspec_audit(propagate, contract="logreg.propagate", exampels=10)
def test_bad_value(nnspec_audit):
    nnspec_audit(propagate, contract="logreg.propagate", examples=0)
def test_no_hidden_layer(nnspec_audit):
    nnspec_audit(propagate, contract="logreg.propagate", examples=5, hidden_activation="tanh")
def hangs(w, b, X, Y):
    while True:
        time.sleep(0.01)
def test_hang(nnspec_audit):
    nnspec_audit(hangs, contract="logreg.propagate", timeout=0.5)
def test_after_the_hang():
    print("PRINTED AFTER THE HANG")
'''


def test_the_fixture_takes_a_path_and_says_usage_errors_in_its_own_words(audited):
    """A path was a defect of a target named '?:?' ("'str' object is not callable"); a
    misspelt option a TypeError; messages named the command line's --examples, and came twice
    (a chained traceback); after a hung call every print of the session was lost."""
    audited.makepyfile(test_uses=FIXTURE_USES)
    result = audited.runpytest_subprocess("-s", "-p", "no:cacheprovider", "test_uses.py")
    result.assert_outcomes(passed=3, failed=4, warnings=2)  # and the saturation warning
    out = result.stdout.str()
    assert "NnspecAuditWarning" in out
    assert "nnspec_audit: hidden_activation applies to the two_layer contracts; ignored for " \
           "logreg.propagate" in out  # silently accepted, as the command line does not
    assert "nnspec: error: nnspec_audit takes a function, or a target such as " \
           "'path/file.py:function', not int" in out
    assert ("nnspec: error: nnspec_audit has no option 'exampels'; did you mean 'examples'? "
            "its options: hidden_activation") in out
    assert "nnspec: error: examples must be between 1 and" in out and "--examples" not in out
    assert "During handling of the above exception" not in out
    assert "does not return within" in out
    assert "(timeout=0.5 s)" in out and "--timeout" not in out  # the fixture's own words
    assert "PRINTED AFTER THE HANG" in out


def test_the_fixtures_advice_names_its_keywords_not_the_command_lines_options():
    """The failure messages advised `--hidden-activation tanh`, `--dtype float32`, a larger
    `--timeout` and "all in --json", none of which a fixture has; a target's own `--`
    text is left as it is."""
    from nnspec.pytest_plugin import _fixture_words

    assert _fixture_words("matches: tanh hidden layer; run with --hidden-activation tanh; "
                          "or --dtype float32 (--timeout 1 s); audit it with a larger "
                          "--timeout; (300 characters; all in --json); raises ValueError: "
                          "--foo 3") == (
        'matches: tanh hidden layer; run with hidden_activation="tanh"; or dtype="float32" '
        "(timeout=1 s); audit it with a larger timeout; (300 characters; all in the "
        "AuditResult's to_json()); raises ValueError: --foo 3")


def test_a_bad_nnspec_profile_variable_gives_way_to_the_users_profile(project, monkeypatch):
    """The README says the variable is ignored under the user's own profile: a bad value there
    stopped every run (exit 4)."""
    monkeypatch.setenv("NNSPEC_PROFILE", "nosuch")
    result = project.runpytest_subprocess("-s", "--hypothesis-profile", "mine",
                                          "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert shown(result) == "mine 7 0:00:01.234000"


def test_the_report_quotes_any_test_id_and_names_a_partial_by_its_function():
    """A backtick in a parametrized test's id broke the report's code spans; a
    functools.partial was named `functools:?`."""
    import functools

    from nnspec.audit.engine import AuditResult, function_label
    from nnspec.report.audits import SessionAudit, session_markdown

    def propagate(w, b, X, Y, scale=1.0):
        return None

    label = function_label(functools.partial(propagate, scale=2.0))
    assert label == f"partial({__name__}:{propagate.__qualname__})"
    test_id = "test_x.py::test_audit[`m` = 1]"
    text = session_markdown([SessionAudit(test_id, AuditResult(label, "logreg.propagate",
                                                               "conforms"))])
    assert f"- test: ``{test_id}``" in text and f"| ``{test_id}`` |" in text


def test_isolate_audits_a_function_of_a_package_that_imports_its_own_modules(project,
                                                                           monkeypatch):
    """With isolate=True a package's module was loaded as a lone file: `from .util import`
    and `from mylr.util import` could not be audited."""
    monkeypatch.setenv("HOME", str(project.path.parent))  # pytester's HOME is the project
    project.mkpydir("mylr")
    (project.path / "mylr" / "util.py").write_text(
        "import numpy as np\n\ndef sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n")
    (project.path / "mylr" / "logreg.py").write_text(
        "import numpy as np\nfrom .util import sigmoid\nfrom mylr import util\n\n"
        "def propagate(w, b, X, Y):\n    m = X.shape[1]\n    A = sigmoid(w.T @ X + b)\n"
        "    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m\n"
        "    return {'dw': X @ (A - Y).T / m, 'db': np.sum(A - util.sigmoid(0) * 0 - Y) / m},"
        " cost\n")
    project.makepyfile(test_pkg=(
        "from mylr.logreg import propagate\n"
        "def test_isolated(nnspec_audit):\n"
        "    result = nnspec_audit(propagate, contract='logreg.propagate', examples=10,"
        " isolate=True)\n"
        "    assert result.target == 'mylr.logreg:propagate'\n"))
    result = project.runpytest_subprocess("-p", "no:cacheprovider", "test_pkg.py")
    result.assert_outcomes(passed=1)
