"""Unstated steps: the notes give the 2-layer gradients for one example (lower-case x, y, a);
the cost J they minimise averages the loss over m examples, so each gradient needs a factor 1/m
and a sum over the examples that the notes never write. Each is a finding of its own, with the
vectorised form (the course's) proven equal, entry by entry, to the gradient of J on shapes
(n_x, n_h, m) with m > 1.
"""

from __future__ import annotations

import re

VECTORISED = {
    "W2": "dW^{[2]} = \\frac{1}{m} dZ^{[2]} A^{[1]T}",
    "b2": "db^{[2]} = \\frac{1}{m} \\sum_{i=1}^m dZ^{[2](i)}",
    "W1": "dW^{[1]} = \\frac{1}{m} (W^{[2]T} dZ^{[2]} * A^{[1]}(1 - A^{[1]})) X^T",
    "b1": "db^{[1]} = \\frac{1}{m} \\sum_{i=1}^m dZ^{[1](i)}",
}
NAMED = re.compile(r"d([Wb])\^\{\[(\d)\]\}")


def _proof(parameter: str) -> str:
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


def unstated(claims: list[dict]) -> list[dict]:
    """One finding per 2-layer parameter whose gradient the notes state for one example only."""
    seen, out = set(), []
    for claim in claims:
        if claim["kind"] == "code":
            continue
        for letter, layer in NAMED.findall(claim["notes"]):
            parameter = f"{letter}{layer}"
            if parameter in seen or parameter not in VECTORISED:
                continue
            seen.add(parameter)
            out.append({"kind": "unstated step", "claim": claim["id"], "line": claim["line"],
                        "message": f"d{parameter} is stated for one example; for the cost J over "
                        f"m examples it needs 1/m and a sum over the examples: "
                        f"{VECTORISED[parameter]} ({_proof(parameter)})"})
    return out
