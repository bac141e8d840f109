"""pytest plugin: thin adapter over nnspec's library functions (profiles, report, audit fixture).

- `--nnspec-profile NAME` loads a Hypothesis profile of `nnspec.numerics.profiles`.
- `--nnspec-report PATH` writes the verification report (`nnspec.report.markdown`) to PATH after the run,
  its figures in a `figures/` folder beside it.
- the fixture `nnspec_audit(function, contract=..., **options)` audits a function object with
  `nnspec.audit.engine.audit_function` and fails the test with the audit's message (the minimal
  counterexample) unless the function conforms; `examples` defaults to the Hypothesis
  profile's max_examples, so `--nnspec-profile thorough` audits with more examples.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nnspec.errors import UsageError
from nnspec.numerics import profiles

_PROFILE = pytest.StashKey[str]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("nnspec")
    group.addoption("--nnspec-profile", metavar="NAME", default=None,
                    help="Hypothesis profile: ci, dev or thorough (default: $NNSPEC_PROFILE, "
                    "else ci under CI, else dev)")
    group.addoption("--nnspec-report", metavar="PATH", default=None,
                    help="after the run, write the verification report (Markdown) to PATH "
                    "(a file, or a directory for PATH/verification.md), figures/ beside it")


def pytest_configure(config: pytest.Config) -> None:
    try:
        name = profiles.load(config.getoption("--nnspec-profile"))
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[_PROFILE] = name
    path = config.getoption("--nnspec-report")
    if path is not None:  # fail before the run, not after it
        from nnspec.report import markdown as report
        try:
            report.ensure_writable_dir(_report_path(Path(path)).parent)
        except UsageError as exc:
            raise pytest.UsageError(f"--nnspec-report: {exc}") from None


def _report_path(path: Path) -> Path:
    from nnspec.report import markdown as report
    return path / report.REPORT_NAME if path.is_dir() else path


def pytest_report_header(config: pytest.Config) -> str:
    return f"nnspec: hypothesis profile {config.stash.get(_PROFILE, '?')}"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    path = session.config.getoption("--nnspec-report")
    if path is None or hasattr(session.config, "workerinput"):  # xdist workers leave it to the main
        return
    from nnspec.report import markdown as report
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.ensure_newline()
    try:
        written = report.write_report(Path(path))
    except UsageError as exc:
        if reporter is not None:
            reporter.write_line(f"nnspec: error: {exc}", red=True)
        session.exitstatus = pytest.ExitCode.USAGE_ERROR
        return
    if reporter is not None:
        reporter.write_line(f"nnspec: wrote {written[0]} and {len(written) - 1} figures")


@pytest.fixture
def nnspec_audit():
    """Audit a function object against a contract; fail the test with the counterexample.

    Usage: `nnspec_audit(my_propagate, contract="logreg.propagate")`; keyword options go to
    `nnspec.audit.engine.audit_function` (examples defaults to the active profile's max_examples).
    Returns the AuditResult when the function conforms.
    """
    from hypothesis import settings

    from nnspec.audit.engine import audit_function

    def audit(function, contract: str, **options):
        options.setdefault("examples", settings().max_examples)
        try:
            result = audit_function(function, contract, **options)
        except UsageError as exc:
            pytest.fail(f"nnspec: error: {exc}", pytrace=False)
        if result.verdict != "conforms":
            pytest.fail(result.message(), pytrace=False)
        return result

    return audit
