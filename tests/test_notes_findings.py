"""Numerics findings (scanned against the oracle) and unstated steps, from the notes' own text."""

import numpy as np
import pytest

from nnspec.numerics import findings as F
from nnspec.spec.formulas import Link
from nnspec.spec.steps import VECTORISED, unstated


def claim(text, kind="code"):
    return {"id": "c", "line": 7, "kind": kind, "notes": text}


def test_the_log_of_one_minus_a_is_infinite_from_where_a_rounds_to_one():
    runs = F.scan(next(p for p in F.PATTERNS if p.name == "log(1 - a)"))
    (start,) = [lo for kind, lo, hi in runs if kind == "inf"]
    assert np.isneginf(F._f64_log(1 - F._f64_sigmoid(start)))
    assert np.isfinite(F._f64_log(1 - F._f64_sigmoid(np.nextafter(start, 0))))
    assert 36 < start < 37.5


def test_a_finding_names_the_claim_the_range_and_the_stable_form():
    found = F.findings([claim("cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))")])
    assert {f["quantity"] for f in found} == {"log(a)", "log(1 - a)"}
    assert all(f["line"] == 7 and "logaddexp" in f["stable form"] for f in found)
    tex = claim(r"\mathcal{L} = -[y\log(\widehat{y})+(1-y)\log(1-\widehat{y})]", "definition")
    assert len(F.findings([tex])) == 2


def test_a_stable_form_carries_no_finding():
    assert F.findings([claim("cost = np.mean(Y * np.logaddexp(0, -Z) + (1 - Y) * "
                             "np.logaddexp(0, Z))")]) == []


def test_unstated_steps_name_each_two_layer_gradient_once_with_a_proof():
    found = unstated([claim(r"dW^{[2]} = (a^{[2]}-y)a^{[1]T}", "derivation step"),
                      claim(r"dW^{[2]} = x", "derivation step")])
    assert len(found) == 1 and "1/m" in found[0]["message"]
    assert "NOT PROVEN" not in found[0]["message"] and "equal entry by entry" in found[0]["message"]


@pytest.mark.parametrize("parameter", sorted(VECTORISED))
def test_each_suggested_vectorised_form_holds_when_read_from_its_text(parameter):
    """The finding proves the course's vectorised pass (code) and shows a formula; read by the
    notation table, that formula must hold too. dW1 was shown as `* A^{[1]}(1 - A^{[1]})`,
    which the table reads as a matrix product with (1 - A^{[1]}): false."""
    left, right = VECTORISED[parameter].split(" = ", 1)
    out = Link(left, right).run()
    assert out.ok is True, (out.detail, out.evidence)


def test_an_unstated_step_is_not_reported_where_the_notes_state_it():
    """Notes that give dW2 over the m examples state the step: the finding was attached to
    that very formula. So does a false one over the m examples (`\\frac{1}{m} X^T dZ^{[1]}`,
    transposed, was told "it needs 1/m": its falsehood is its own finding), and one the notation
    table cannot read but that writes 1/m or a sum. A relation (`\\in`), a statement of shapes
    (`\\dim`) or a parameter's update names the gradient without giving it: no finding there."""
    def said(text, verdict):
        return {**claim(text, "derivation step"), "verdict": verdict}

    per_example = said(r"dW^{[2]} = (a^{[2]}-y)a^{[1]T}", "holds")
    over = said(r"dW^{[2]} = \frac{1}{m} dZ^{[2]} A^{[1]T}", "holds")
    summed = said(r"db^{[2]} = \frac{1}{m}\sum_{i=1}^{m} dZ^{[2](i)}", "holds")
    proofs = {p: "proven" for p in VECTORISED}
    assert [f["message"][:3] for f in unstated([per_example], proofs)] == ["dW2"]
    assert unstated([per_example, over], proofs) == []
    assert unstated([summed], proofs) == []
    assert unstated([per_example, {**over, "verdict": "false"}], proofs) == []
    unread = said(r"db^{[2]} = \frac{1}{m} \text{np.sum}(dZ^{[2]}, \text{axis}=1)", "unchecked")
    assert unstated([unread], proofs) == []
    for text in (r"dW^{[1]} \in \mathbb{R}^{n_h \times n_x}", r"\dim(dW^{[1]}) = \dim(X)",
                 r"W^{[1]} := W^{[1]} - \alpha \, dW^{[1]}"):
        assert unstated([said(text, "unchecked")], proofs) == [], text
        assert [f["claim"] for f in unstated([said(text, "unchecked"), {
            **per_example, "id": "later"}], proofs)] == ["later"]


def test_the_sigmoid_written_out_on_any_argument_is_found():
    """1/(1+np.exp(-(w.T @ X + b))) and \\frac{1}{1+e^{-Z^{[2]}}} had no finding: only a
    bare z was matched."""
    for text, kind in (("A = 1/(1+np.exp(-(w.T @ X + b)))", "code"),
                       (r"A^{[2]} = \frac{1}{1+e^{-Z^{[2]}}}", "definition")):
        assert [f["quantity"] for f in F.findings([claim(text, kind)])] == ["1/(1 + e^-z)"]


@pytest.mark.parametrize("loss, found", [
    (r"\mathcal{L} = -(y \log \hat{y} + (1 - y) \log(1 - \hat{y}))", 2),  # the course's way
    (r"\mathcal{L} = -(y\log\hat{y} + (1 - y)\log(1 - \hat{y}))", 2),
    (r"\mathcal{L} = -(y \log a + (1 - y) \log(1 - a))", 2),
    (r"\mathcal{L} = -\log a_1", 0),  # another quantity
])
def test_the_log_of_a_without_parentheses_is_found(loss, found):
    """`\\log \\hat{y}` lost its log(a) finding: only `\\log(\\hat{y})` was matched."""
    assert len(F.findings([claim(loss, "definition")])) == found
