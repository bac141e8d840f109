"""The catalogue: every claim quotes the notes verbatim, ids are unique, fields are complete."""

from importlib import resources

import pytest

from nnspec.derivations.catalogue import all_claims
from nnspec.spec.claims import KINDS, Claim

NOTES = resources.files("nnspec.derivations").joinpath("neural-network-notes.txt").read_text(
    encoding="utf-8")
CLAIMS = all_claims()


@pytest.mark.parametrize("claim", CLAIMS, ids=[c.id for c in CLAIMS])
def test_claim_text_occurs_verbatim_in_the_notes(claim):
    assert claim.notes and claim.notes in NOTES


def test_ids_are_unique_and_kinds_known():
    ids = [c.id for c in CLAIMS]
    assert len(ids) == len(set(ids))
    assert {c.kind for c in CLAIMS} <= set(KINDS)


def test_catalogue_is_large_and_covers_every_kind():
    assert len(CLAIMS) >= 50
    assert {c.kind for c in CLAIMS} == set(KINDS)


def test_a_misquoted_claim_would_be_caught():
    bad = Claim("x", "s", r"\frac{d\mathcal{L}}{db} = (y-a)", "derivation step", check=None)
    assert bad.notes not in NOTES


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        Claim("x", "s", "text", "opinion", check=None)


def test_claims_come_in_the_notes_order():
    positions = [NOTES.find(c.notes) for c in CLAIMS]
    assert positions == sorted(positions)
