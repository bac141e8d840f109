"""The suite's own Hypothesis profile: nnspec's `ci` under CI (derandomized), `dev` otherwise,
or NNSPEC_PROFILE; `--nnspec-profile NAME` still replaces it (it is one of nnspec's own)."""

from nnspec.numerics import profiles

profiles.load(profiles.default_profile())
