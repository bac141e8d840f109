"""Hypothesis profiles: `ci` (derandomized, fast), `dev`, `thorough` (ten times `ci`'s examples).

They are registered under the names `nnspec.ci`, `nnspec.dev` and `nnspec.thorough` when this
module is imported, so that they never replace a profile of the user's own called `ci` or `dev`;
registering loads nothing. `load(name)` loads one: the pytest plugin calls it only when asked
(`--nnspec-profile NAME` or the environment variable NNSPEC_PROFILE), a test suite may call
`load(default_profile())` from its conftest (`ci` when the environment variable CI is set, `dev`
otherwise).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

CI_EXAMPLES = 30
PREFIX = "nnspec."
PROFILES = {
    "ci": {"max_examples": CI_EXAMPLES, "derandomize": True, "print_blob": True},  # no database
    "dev": {"max_examples": CI_EXAMPLES},
    "thorough": {"max_examples": 10 * CI_EXAMPLES},
}
_COMMON = {"deadline": None,
           "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}

for _name, _options in PROFILES.items():
    settings.register_profile(PREFIX + _name, **_COMMON, **_options)


def default_profile() -> str:
    """NNSPEC_PROFILE if set, else `ci` under CI, else `dev`."""
    return os.environ.get("NNSPEC_PROFILE") or ("ci" if os.environ.get("CI") else "dev")


def check(name: str) -> str:
    """`name` if it is one of PROFILES; else ValueError naming the choices."""
    if name not in PROFILES:
        raise ValueError(
            f"unknown Hypothesis profile {name!r}; choose one of {', '.join(PROFILES)}")
    return name


def load(name: str) -> str:
    """Load nnspec's profile `name` (ci, dev or thorough); raise ValueError if unknown."""
    settings.load_profile(PREFIX + check(name))
    return name


def active() -> str | None:
    """The short name of nnspec's profile in force, or None when another one is."""
    current = settings.get_current_profile_name()
    if not current.startswith(PREFIX):
        return None
    return current[len(PREFIX):].split("-with-")[0]


def user_chose_one() -> bool:
    """Whether a profile other than Hypothesis's default and nnspec's own is in force: one the
    user loaded (`settings.load_profile` in a conftest, `--hypothesis-profile`)."""
    current = settings.get_current_profile_name()
    return current != "default" and not current.startswith(PREFIX)
