"""pytest plugin: thin adapter over nnspec's library functions (profiles, audit fixture, report).

Installing nnspec changes nothing for a test suite that does not use it: no Hypothesis profile
is loaded, no header line is printed, Hypothesis is not even imported.
- `--nnspec-profile NAME` (or the environment variable NNSPEC_PROFILE) loads nnspec's Hypothesis
  profile NAME (`nnspec.numerics.profiles`). A profile the user chose (`settings.load_profile`
  in a conftest, even one read during collection, `--hypothesis-profile`) is never replaced
  (nnspec's is loaded after collection: a profile registered after it took it as its
  parent): with the environment variable
  nnspec's profile is then not loaded; with the option it is a usage error.
- the fixture `nnspec_audit(function, contract=..., **options)` audits a function object with
  `nnspec.audit.engine.audit_function` and fails the test with the audit's message (the minimal
  counterexample) unless the function conforms; `examples` defaults to the max_examples of
  nnspec's profile when one is loaded, else to the audit's own default.
- `--nnspec-report PATH` writes the Markdown report of the audits the fixture ran in this
  session (`nnspec.report.audits`); the path is checked before any test runs.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import pytest

from nnspec.errors import UsageError
from nnspec.text import plural

_PROFILE = pytest.StashKey[str]()  # nnspec's profile asked for (loaded after collection)
_ASKED = pytest.StashKey[bool]()  # by the option (else by NNSPEC_PROFILE)
_AUDITS = pytest.StashKey[list]()
_WROTE = pytest.StashKey[str]()  # the report's line, said in the terminal summary
_PROPERTY = "nnspec_audit"  # a pytest-xdist worker's audit, in its test's user_properties


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("nnspec")
    group.addoption("--nnspec-profile", metavar="NAME", default=None,
                    help="load nnspec's Hypothesis profile NAME: ci, dev or thorough "
                    "(default: $NNSPEC_PROFILE; none unless asked)")
    group.addoption("--nnspec-report", metavar="PATH", default=None,
                    help="after the run, write the audits of the nnspec_audit fixture to PATH "
                    "(Markdown)")


class _WorkersAudits:
    """The main process's side of a pytest-xdist run: each worker's audits arrive with the
    reports of the tests that ran them (at the session's end they were lost with a worker
    that crashed, and the report looked complete)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "teardown":  # the last report of a test holds all its properties
            return
        import base64
        import pickle

        for key, value in report.user_properties:
            if key == _PROPERTY:
                self.config.stash[_AUDITS].append(pickle.loads(base64.b64decode(value)))


@pytest.hookimpl(trylast=True)  # after Hypothesis's own plugin has loaded --hypothesis-profile
def pytest_configure(config: pytest.Config) -> None:
    config.stash[_AUDITS] = []
    if config.getoption("--nnspec-report") is not None and not hasattr(config, "workerinput"):
        config.pluginmanager.register(_WorkersAudits(config), "nnspec-workers-audits")
    path = config.getoption("--nnspec-report")
    if path is not None:  # fail before the run, not after it
        from nnspec.report import audits

        try:
            audits.check_path(Path(path))
        except UsageError as exc:
            raise pytest.UsageError(f"--nnspec-report: {exc}") from None
    asked = config.getoption("--nnspec-profile")
    wanted = asked or os.environ.get("NNSPEC_PROFILE")
    if not wanted and "hypothesis" not in sys.modules:
        return  # nothing asked, and nobody can load a profile without Hypothesis
    from nnspec.numerics import profiles  # registers nnspec's profiles; loads none

    if not wanted:
        return
    source = "--nnspec-profile" if asked else "NNSPEC_PROFILE"
    # `--hypothesis-profile default` is a choice too, though the current profile's name
    # cannot tell it from no choice (nnspec's profile replaced it)
    chosen = config.getoption("--hypothesis-profile", default=None) is not None \
        or profiles.user_chose_one()
    if chosen and not asked:
        return  # the variable gives way to the user's own profile, whatever its value
    try:
        profiles.check(wanted)
    except ValueError as exc:
        raise pytest.UsageError(f"{source}: {exc}") from None
    if chosen:  # asked for by the option
        raise pytest.UsageError(_both(asked))
    config.stash[_PROFILE] = wanted  # loaded once every conftest and test module is read
    config.stash[_ASKED] = bool(asked)


def _both(asked: str) -> str:
    from hypothesis import settings

    return (f"--nnspec-profile {asked}: the Hypothesis profile "
            f"{settings.get_current_profile_name()!r} is already loaded (by "
            "--hypothesis-profile or a conftest); choose one of the two")


@pytest.hookimpl(tryfirst=True)  # before the terminal reports the collection
def pytest_collection_finish(session: pytest.Session) -> None:
    """Load nnspec's profile now, not at configure time: a conftest below the test root (or a
    test module) is read during collection, and a profile it registered after nnspec's was
    loaded took nnspec's as its parent (derandomized, no database): the user's own profile
    must hold, so one loaded there makes the variable give way and the option an error."""
    from nnspec.numerics import profiles

    wanted = session.config.stash.get(_PROFILE, None)
    if wanted is None:
        return
    if profiles.user_chose_one():
        if session.config.stash.get(_ASKED, False):
            raise pytest.UsageError(_both(wanted))
        del session.config.stash[_PROFILE]
        return
    profiles.load(wanted)


def _profile_line(config: pytest.Config, by_option: bool) -> str | None:
    """Asked for by the option, the profile is loaded or the run stops: said at once (the
    header). By the variable, it may give way to a conftest read later: said after collection."""
    name = config.stash.get(_PROFILE, None)
    if name is None or config.stash.get(_ASKED, False) != by_option:
        return None
    return f"nnspec: hypothesis profile {name}"


def pytest_report_header(config: pytest.Config) -> str | None:
    return _profile_line(config, by_option=True)


def pytest_report_collectionfinish(config: pytest.Config) -> str | None:
    return _profile_line(config, by_option=False)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    path = session.config.getoption("--nnspec-report")
    if path is None:
        return
    if hasattr(session.config, "workerinput"):  # a pytest-xdist worker: its audits went to the
        return  # main process with its tests' reports (_WorkersAudits)
    from nnspec.report import audits

    recorded = session.config.stash.get(_AUDITS, [])
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    try:
        written = audits.write(Path(path), sorted(recorded, key=lambda a: a.test))
    except UsageError as exc:
        if reporter is not None:
            reporter.write_line(f"nnspec: error: {exc}", red=True)
        session.exitstatus = pytest.ExitCode.USAGE_ERROR
        return
    session.config.stash[_WROTE] = f"nnspec: wrote {written} ({plural(len(recorded), 'audit')})"


def pytest_terminal_summary(terminalreporter: object, exitstatus: int, config: pytest.Config
                            ) -> None:
    """After the progress line is ended (at session finish the cursor is still on it)."""
    wrote = config.stash.get(_WROTE, None)
    if wrote:
        terminalreporter.write_line(wrote)


class NnspecAuditWarning(UserWarning):
    """A warning of an audit that conforms (saturation, accuracy): shown in pytest's warnings
    summary; `-W ignore::nnspec.pytest_plugin.NnspecAuditWarning` hides them."""


@pytest.fixture
def nnspec_audit(request: pytest.FixtureRequest):
    """Audit a function against a contract; fail the test with the counterexample.

    Usage: `nnspec_audit(my_propagate, contract="logreg.propagate")`. Contracts:
    logreg.propagate, logreg.optimize, logreg.predict, two_layer.forward_propagation,
    two_layer.compute_cost, two_layer.backward_propagation, two_layer.update_parameters.
    Options: hidden_activation ("sigmoid" or "tanh"), dtype ("float64" or "float32"),
    examples (default: the max_examples of nnspec's loaded profile, else 100), timeout,
    seed, isolate (True: in a sandbox). A target as the command line takes it
    ("path/file.py:function") is audited in a sandbox, as `nnspec audit` does. Returns the
    AuditResult when it conforms; its warnings are pytest warnings (NnspecAuditWarning).
    """
    from nnspec.audit.engine import AuditResult
    from nnspec.numerics import profiles
    from nnspec.report.audits import SessionAudit

    recorded = request.config.stash.get(_AUDITS, [])

    def audit(function, contract: str, **options):
        if profiles.active() is not None:
            from hypothesis import settings

            options.setdefault("examples", settings().max_examples)
        try:
            result = _audited(function, contract, options)
        except UsageError as exc:
            reason = _keywords(str(exc))
            result = AuditResult(_label(function), contract, "error", reason=reason)
        recorded.append(SessionAudit(request.node.nodeid, result))
        if hasattr(request.config, "workerinput") and \
                request.config.getoption("--nnspec-report") is not None:
            import base64
            import pickle

            request.node.user_properties.append((_PROPERTY, base64.b64encode(pickle.dumps(
                recorded[-1])).decode("ascii")))
        if result.verdict == "error":  # outside the except: no chained traceback
            pytest.fail(f"nnspec: error: {result.reason}", pytrace=False)
        if result.verdict != "conforms":
            pytest.fail(_fixture_words(result.message()), pytrace=False)
        for finding in result.findings:  # a conforming audit's warnings went unseen
            if finding.severity == "warning":
                warnings.warn(NnspecAuditWarning(_fixture_words(
                    f"{result.target} conforms to {contract} with a warning "
                    f"[{finding.check}]: {finding.message}")), stacklevel=2)
        return result

    return audit


def _audited(function: object, contract: str, options: dict):
    import inspect

    from nnspec.audit.engine import audit, audit_function
    from nnspec.text import did_you_mean

    accepted = [name for name, p in inspect.signature(audit_function).parameters.items()
                if p.kind is inspect.Parameter.KEYWORD_ONLY]
    for name in options:
        if name not in accepted:
            raise UsageError(f"nnspec_audit has no option {name!r}; "
                             f"{did_you_mean(name, accepted)}its options: {', '.join(accepted)}")
    if options.get("hidden_activation", "sigmoid") != "sigmoid" \
            and not contract.startswith("two_layer."):
        warnings.warn(f"nnspec_audit: hidden_activation applies to the two_layer contracts; "
                      f"ignored for {contract}", UserWarning, stacklevel=3)
    if isinstance(function, str):  # "file.py:function", as the command line takes it
        options.pop("isolate", None)  # always in a sandbox
        return audit(function, contract, **options)
    if not callable(function):
        raise UsageError(f"nnspec_audit takes a function, or a target such as "
                         f"'path/file.py:function', not {type(function).__name__}")
    return audit_function(function, contract, **options)


def _label(function: object) -> str:
    from nnspec.audit.engine import function_label

    return function if isinstance(function, str) else function_label(function)


def _fixture_words(message: str) -> str:
    """An audit's advice in the fixture's words: `hidden_activation="tanh"`, not the command
    line's `--hidden-activation tanh` (only nnspec's own options: a target's text may hold
    `--` too)."""
    import re

    message = re.sub(r"--(hidden-activation|dtype) (\w+)",
                     lambda m: f'{m.group(1).replace("-", "_")}="{m.group(2)}"', message)
    message = re.sub(r"--(timeout|examples|seed) ([\d.]+)", r"\1=\2", message)
    message = re.sub(r"--(timeout|examples|seed)\b", r"\1", message)
    return message.replace("all in --json", "all in the AuditResult's to_json()")


def _keywords(message: str) -> str:
    """A usage error in the fixture's words: `examples`, not the command line's --examples."""
    import re

    return re.sub(r"--([a-z][a-z-]*)", lambda m: m.group(1).replace("-", "_"), message)
