"""The conventions table: each convention rescues a formula that is false as written, and each
leaves false a formula it does not make true; the argument order of L is never a convention."""

import pytest

from nnspec.spec.conventions import CONVENTIONS
from nnspec.spec.formulas import Link

RESCUED = {
    "row": (r"\frac{d\mathcal{L}}{da^{[1]}}", r"(a^{[2]}-y)W^{[2]}"),
    "entry-wise": (r"\frac{da^{[1]}}{dz^{[1]}}", r"(1-a^{[1]})a^{[1]}"),
    "superscript": (r"J(w, b)", r"\frac{1}{m}\sum_{i=1}^{m}\mathcal{L}(y^i, \widehat{y}^{(i)})"),
    "P(y|x)": (r"\widehat{y}", r"\mathbb{P}(y|x)"),
    "broadcast": ("Z^{[1]}", r"W^{[1]} X + b^{[1]}"),
}
NOT_RESCUED = {
    "row": (r"\frac{d\mathcal{L}}{da^{[1]}}", r"(y-a^{[2]})W^{[2]}"),
    "entry-wise": (r"\frac{da^{[1]}}{dz^{[1]}}", r"(1+a^{[1]})a^{[1]}"),
    "superscript": (r"J(w, b)", r"\frac{1}{m}\sum_{i=1}^{m}\mathcal{L}(\widehat{y}^{(i)}, y^i)"),
    "P(y|x)": (r"1 - \widehat{y}", r"\mathbb{P}(y|x)"),
    "broadcast": ("Z^{[1]}", r"W^{[1]} X - b^{[1]}"),
}


def convention(word: str) -> str:
    return next(c.name for c in CONVENTIONS if word in c.name)


@pytest.mark.parametrize("word", sorted(RESCUED))
def test_each_convention_rescues_only_what_it_should(word):
    out = Link(*RESCUED[word]).run()
    assert out.ok is False and out.convention == convention(word)
    out = Link(*NOT_RESCUED[word]).run()
    assert out.ok is False and out.convention == "", (word, out.detail)


def test_every_convention_of_the_table_is_tested():
    assert {convention(w) for w in RESCUED} == {c.name for c in CONVENTIONS}


def test_a_claim_true_as_written_is_never_under_a_convention():
    out = Link(r"\frac{d\mathcal{L}}{da^{[1]}}", r"W^{[2]T}(a^{[2]}-y)").run()
    assert out.ok is True and out.convention == ""


def test_swapped_loss_arguments_are_false_under_every_convention():
    out = Link(r"\mathcal{L}", r"\mathcal{L}(a, y)").run()
    assert out.ok is False and out.convention == ""


def test_the_entry_wise_reading_covers_matrices_of_one_shape():
    """`A^{[1]}(1 - A^{[1]})` between two (n_h, m) matrices, as authors write sigma' over the
    examples: a matrix product that does not conform as written, element-wise under the
    entry-wise reading (it was false, with no convention, when only vectors were covered)."""
    left = "dZ^{[1]}"
    out = Link(left, r"W^{[2]T} dZ^{[2]} * A^{[1]}(1 - A^{[1]})").run()
    assert out.ok is False and out.convention == convention("entry-wise"), out.detail
    out = Link(left, r"W^{[2]T} dZ^{[2]} * A^{[1]}(1 + A^{[1]})").run()
    assert out.ok is False and out.convention == ""


def test_a_matrix_product_of_two_activations_never_conforms_over_the_examples():
    """Every 2-layer shape over m examples has n_h != m, so `A^{[1]}(1 - A^{[1]})` read as a
    matrix product fails for its shapes, not for its values (the shapes were (3, 2, 2),
    (2, 3, 3): the product conformed, and the evidence spoke of values)."""
    out = Link("dZ^{[1]}", r"W^{[2]T} dZ^{[2]} * A^{[1]}(1 - A^{[1]})").run()
    assert "does not conform" in out.evidence, out.evidence
