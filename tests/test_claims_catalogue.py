"""The claims of the shipped notes: extracted from the text, each quoting it verbatim at its line,
ids unique and stable, in the notes' order."""

import pytest

from nnspec.spec import extract, notes
from nnspec.spec.claims import KINDS, Claim

NOTES = notes.load()
CLAIMS, MISSING = extract.claims(NOTES)


@pytest.mark.parametrize("claim", CLAIMS, ids=[c.id for c in CLAIMS])
def test_claim_text_occurs_verbatim_at_its_line(claim):
    assert claim.notes and claim.notes in NOTES.text
    lines = NOTES.text.split("\n")
    assert claim.notes.split("\n")[0] in lines[claim.line - 1]


def test_every_hand_bound_claim_is_found_in_the_shipped_notes():
    assert MISSING == []


def test_ids_are_unique_kinds_known_and_every_kind_is_used():
    ids = [c.id for c in CLAIMS]
    assert len(ids) == len(set(ids))
    assert {c.kind for c in CLAIMS} <= set(KINDS)
    assert {"definition", "derivation step", "prose statement", "code"} <= {c.kind for c in CLAIMS}


def test_every_displayed_formula_with_a_relation_gives_claims():
    displayed = [m for m in NOTES.math if m.display and "=" in m.tex]
    quoted = {c.line for c in CLAIMS if c.extracted}
    assert {m.line for m in displayed} <= quoted
    assert len([c for c in CLAIMS if c.extracted and c.kind != "code"]) >= 50


def test_a_chain_gives_one_claim_per_link():
    chain = [c for c in CLAIMS if c.id.startswith("1-layer.backward.dL-da.")]
    assert [c.notes.count("=") for c in chain] == [1, 1, 1, 1, 1]
    assert len(chain) == 5


def test_ids_survive_an_edit_in_another_section():
    edited = NOTES.text.replace("Those notes are largely", "$$a = a$$\n\nThose notes are largely")
    ids = [c.id for c in extract.claims(notes.parse(edited))[0]]
    assert {c.id for c in CLAIMS if c.section.startswith("2-layer")} <= set(ids)


@pytest.mark.parametrize("old, new", [
    # a formula inserted before the others of its section (and inline math in the prose)
    ("We use a regression to predict",
     "Recall $\\sigma(z) = \\frac{1}{1+e^{-z}}$ for any $z$.\n\nWe use a regression to predict"),
    # a listing with a `#` comment: the notes stay plain text, their headings kept
    ("2-layer neural network\n\nForward propagation",
     ("```python\n# the gradient step\nw = w - learning_rate * dw\n```\n\n"
      "2-layer neural network\n\nForward propagation")),
    # a short sentence alone on its line is no heading
    ("First the weights:", "First the weights:\n\nWe use the chain rule below\n"),
    # inline math in a sentence, of the subject of a display below it in its section: the
    # display was renumbered (`da-dz` became `da-dz-2`)
    ("To find the new value of",
     "We will need $\\frac{da}{dz} = a(1-a)$ on the way.\n\nTo find the new value of"),
])
def test_ids_survive_an_insertion_before_them(old, new):
    """Ids were positions: a formula inserted early renumbered its section (a CI diff showed
    `1-layer.f2: false -> holds`, the erratum merely moved to f3); a `#` comment in a listing
    switched plain-text notes to Markdown headings; a short sentence became a section. 66 of
    89 ids changed. Every id of the notes now stays, with its verdict's claim."""
    assert NOTES.text.count(old) == 1
    after = extract.claims(notes.parse(NOTES.text.replace(old, new)))[0]
    before = {c.id: c.notes for c in CLAIMS}
    kept = {c.id: c.notes for c in after if c.id in before}
    assert kept == before


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        Claim("x", "s", "text", "opinion", check=None)


def test_claims_come_in_the_notes_order():
    assert [c.line for c in CLAIMS] == sorted(c.line for c in CLAIMS)
