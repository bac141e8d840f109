"""The hand-bound part of the claims: prose statements bound by quote, and the corrections of
the shipped notes' errata. Formulas and code lines are extracted from the notes themselves
(nnspec.spec.extract)."""

from __future__ import annotations

from nnspec.spec.claims import Claim
from nnspec.spec.notes import Notes, shipped_text


def notes_text() -> str:
    return shipped_text()


def prose_claims(notes: Notes) -> list[Claim]:
    from nnspec.derivations import one_layer, prose, two_layer

    return one_layer.claims() + prose.claims(notes) + two_layer.claims()


def corrections() -> dict:
    """{quote: (left, right)} for formulas; {quote: text} for code lines."""
    from nnspec.derivations.corrections import CODE_CORRECTIONS, CORRECTIONS

    return {**CORRECTIONS, **CODE_CORRECTIONS}
