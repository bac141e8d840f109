"""The pytest plugin's fixture as a user's own test uses it (the README's `--nnspec-report`
example runs on this file): the reference conforms, and a mistake fails the test."""

from __future__ import annotations

import pytest

from nnspec.reference import logreg


def test_the_reference_propagate_conforms(nnspec_audit) -> None:
    result = nnspec_audit(logreg.propagate, contract="logreg.propagate", examples=20)
    assert result.verdict == "conforms"


def test_a_missing_one_over_m_fails_the_test(nnspec_audit) -> None:
    def propagate(w, b, X, Y):
        grads, cost = logreg.propagate(w, b, X, Y)
        m = X.shape[1]
        return {"dw": grads["dw"] * m, "db": grads["db"] * m}, cost

    with pytest.raises(pytest.fail.Exception, match="matches: missing 1/m"):
        nnspec_audit(propagate, contract="logreg.propagate", examples=20)
