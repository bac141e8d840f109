"""Every claim of the notes, in the notes' order (position of each claim's text in the notes)."""

from __future__ import annotations

from importlib import resources

from nnspec.spec.claims import Claim


def notes_text() -> str:
    return resources.files("nnspec.derivations").joinpath(
        "neural-network-notes.txt").read_text(encoding="utf-8")


def all_claims() -> list[Claim]:
    from nnspec.derivations import code_listing, one_layer, two_layer

    claims = one_layer.claims() + code_listing.claims() + two_layer.claims()
    text = notes_text()
    order = {c.id: (text.find(c.notes), i) for i, c in enumerate(claims)}
    return sorted(claims, key=lambda c: order[c.id])
