"""pytest plugin: thin adapter over nnspec's library functions (profiles, report, audit fixture)."""

from __future__ import annotations

import pytest

from nnspec import profiles


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("nnspec")
    group.addoption("--nnspec-profile", metavar="NAME", default=None,
                    help="Hypothesis profile: ci, dev or thorough (default: $NNSPEC_PROFILE, "
                    "else ci under CI, else dev)")


def pytest_configure(config: pytest.Config) -> None:
    try:
        name = profiles.load(config.getoption("--nnspec-profile"))
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[_PROFILE] = name


_PROFILE = pytest.StashKey[str]()


def pytest_report_header(config: pytest.Config) -> str:
    return f"nnspec: hypothesis profile {config.stash.get(_PROFILE, '?')}"
