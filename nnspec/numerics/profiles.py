"""Hypothesis profiles: `ci` (derandomized, fast), `dev`, `thorough` (ten times `ci`'s examples).

Chosen by `--nnspec-profile NAME` or the environment variable NNSPEC_PROFILE; the default is
`ci` when the environment variable CI is set, `dev` otherwise.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

CI_EXAMPLES = 30
PROFILES = {
    "ci": {"max_examples": CI_EXAMPLES, "derandomize": True, "print_blob": True},  # no database
    "dev": {"max_examples": CI_EXAMPLES},
    "thorough": {"max_examples": 10 * CI_EXAMPLES},
}
_COMMON = {"deadline": None,
           "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}

for _name, _options in PROFILES.items():
    settings.register_profile(_name, **_COMMON, **_options)


def default_profile() -> str:
    return os.environ.get("NNSPEC_PROFILE") or ("ci" if os.environ.get("CI") else "dev")


def load(name: str | None = None) -> str:
    """Load a profile by name (default: `default_profile()`); raise ValueError if unknown."""
    name = name or default_profile()
    if name not in PROFILES:
        raise ValueError(
            f"unknown Hypothesis profile {name!r}; choose one of {', '.join(PROFILES)}")
    settings.load_profile(name)
    return name
