"""Every claim of the notes, section by section, in the notes' order."""

from __future__ import annotations

from nnspec.claims import Claim


def all_claims() -> list[Claim]:
    from nnspec.derivations import code_listing, one_layer, two_layer

    return one_layer.claims() + code_listing.claims() + two_layer.claims()
