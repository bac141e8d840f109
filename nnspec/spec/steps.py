"""Unstated steps: the notes give the 2-layer gradients for one example (lower-case x, y, a);
the cost J they minimise averages the loss over m examples, so each gradient needs a factor 1/m
and a sum over the examples that the notes never write (notes that write a gradient over the m
examples, and hold, get no finding for it). Each is a finding of its own, with the
vectorised form (the course's) proven equal, entry by entry, to the gradient of J on shapes
(n_x, n_h, m) with m > 1. The forms are written so that the notation table reads them as they
are meant (`*` on both sides of A^{[1]}: a juxtaposed (1 - A^{[1]}) would be a matrix product),
and each, read from its text, holds (tests/test_notes_findings.py).
"""

from __future__ import annotations

import re

VECTORISED = {
    "W2": "dW^{[2]} = \\frac{1}{m} dZ^{[2]} A^{[1]T}",
    "b2": "db^{[2]} = \\frac{1}{m} \\sum_{i=1}^m dZ^{[2](i)}",
    "W1": "dW^{[1]} = \\frac{1}{m} (W^{[2]T} dZ^{[2]} * A^{[1]} * (1 - A^{[1]})) X^T",
    "b1": "db^{[1]} = \\frac{1}{m} \\sum_{i=1}^m dZ^{[1](i)}",
}
NAMED = re.compile(r"d([Wb])\^\{\[(\d)\]\}")


def proof(parameter: str) -> str:
    from nnspec.derivations import two_layer
    from nnspec.spec import shapes
    from nnspec.spec.verify import MatrixEqual

    check = MatrixEqual(build=lambda s: two_layer.example(*s),
                        claimed=lambda q: two_layer.vectorised(q)["d" + parameter],
                        reference=lambda q: q.gradient(parameter),
                        sweep=shapes.PROOF_TWO_LAYER_VECTORISED,
                        proof_shapes=shapes.PROOF_TWO_LAYER_VECTORISED, text="")
    out = check.run()
    return out.detail if out.ok else f"NOT PROVEN: {out.detail} {out.evidence}"


SHAPE_OF = re.compile(r"\\dim\b|\.\s*(\\mathrm\{)?shape")  # \dim(dW^{[1]}) = \dim(X): a shape
UPDATE = re.compile(r"^\s*[Wb]\^\{\[\d\]\}\s*:?\s*$")  # W^{[1]} := W^{[1]} - alpha dW^{[1]}


def _states(claim: dict) -> bool:
    """Whether a claim gives a value: a formula with `=` that is not a parameter's update nor
    a statement of shapes (a relation such as `dW^{[1]} \\in \\mathbb{R}^{n_h \\times n_x}` says
    nothing of it)."""
    from nnspec.spec.extract import top_level_split

    if claim["kind"] == "code" or SHAPE_OF.search(claim["notes"]):
        return False
    parts = top_level_split(claim["notes"], ("=",))
    return len(parts) > 1 and not UPDATE.match(claim["notes"][parts[0][0]:parts[0][1]])


def _first_mentions(claims: list[dict]):
    """(claim, parameter) for the first formula that names each 2-layer parameter's
    gradient."""
    seen = set()
    for claim in claims:
        if not _states(claim):
            continue
        for letter, layer in NAMED.findall(claim["notes"]):
            parameter = f"{letter}{layer}"
            if parameter in VECTORISED and parameter not in seen:
                seen.add(parameter)
                yield claim, parameter


def named(claims: list[dict]) -> list[str]:
    """The parameters whose unstated step `unstated` reports (claims need "kind" and "notes")."""
    return [parameter for _, parameter in _first_mentions(claims)]


OVER_M = re.compile(r"\\frac\s*\{?\s*1\s*\}?\s*\{?\s*m\s*\}?|\b1\s*/\s*m\b|\\sum|np\.sum")


def _over_examples(claim: dict) -> bool:
    """A formula that speaks of the m examples (m or J in it, as the notation table reads it;
    1/m or a sum in one it cannot read): where the notes give a gradient so, they state the
    step themselves, rightly or not (a false one is a finding of its own: a planted
    `\\frac{1}{m} X^T dZ^{[1]}` also got "it needs 1/m")."""
    from nnspec.spec import notation
    from nnspec.spec.extract import top_level_split
    from nnspec.spec.meaning import names_in

    names: set = set()
    for start, end, _ in top_level_split(claim["notes"], ("=",)):
        try:
            names |= names_in(notation.parse(claim["notes"][start:end]))
        except notation.Unreadable:
            if OVER_M.search(claim["notes"][start:end]):
                names.add("m")
    return bool(names & {"m", "J"})


def unstated(claims: list[dict], proofs: dict[str, str] | None = None) -> list[dict]:
    """One finding per 2-layer parameter whose gradient the notes state for one example only
    (none of the formulas that name it holds over m examples); `proofs` holds the proofs
    already computed (`proof`), by parameter."""
    proofs = proofs or {}
    stated = {f"{letter}{layer}" for claim in claims if _states(claim)
              and _over_examples(claim) for letter, layer in NAMED.findall(claim["notes"])}
    return [{"kind": "unstated step", "claim": claim["id"], "line": claim["line"],
             "message": f"d{parameter} is stated for one example; for the cost J over m examples "
             f"it needs 1/m and a sum over the examples: {VECTORISED[parameter]} "
             f"({proofs[parameter] if parameter in proofs else proof(parameter)})"}
            for claim, parameter in _first_mentions(claims) if parameter not in stated]
