"""The notation table's reasons for a formula it cannot read name what is wrong with it."""

from __future__ import annotations

import pytest

from nnspec.spec.notation import Unreadable, parse


@pytest.mark.parametrize("tex, reason", [
    (r"\frac{a-y}{a(1-a)", "a '{' is never closed"),
    (r"\frac{a-y}", "the formula ends early"),
    (r"a + b)", "unexpected ')'"),
    ("(" * 3000 + "a" + ")" * 3000, "brackets nested 3000 deep"),  # was a RecursionError
    ("(" * 61 + "a" + ")" * 61, "brackets nested 61 deep"),
])
def test_an_unreadable_formula_says_why(tex: str, reason: str) -> None:
    with pytest.raises(Unreadable) as caught:
        parse(tex)
    assert str(caught.value).startswith(reason)
    assert "None" not in str(caught.value)  # it said: expected None, found None


def test_a_well_formed_formula_reads() -> None:
    assert parse(r"\frac{a-y}{a(1-a)}") is not None
    assert parse("(" * 60 + "a" + ")" * 60) is not None
