"""Real data: the reference trained on two digit classes, held against scikit-learn."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from nnspec.reference import logreg
from nnspec.report import digits

pytest.importorskip("sklearn")


def test_the_pair_in_the_notes_layout():
    X_tr, Y_tr, X_te, Y_te = digits.load_pair(digits.QUICK)
    assert X_tr.shape[0] == 64 and X_te.shape[0] == 64
    assert Y_tr.shape == (1, X_tr.shape[1]) and Y_te.shape == (1, X_te.shape[1])
    assert X_tr.min() >= 0.0 and X_tr.max() == 1.0
    assert set(np.unique(Y_tr)) == {0.0, 1.0}


def test_quick_comparison_with_scikit_learn():
    rows = digits.compare(digits.QUICK)
    by_name = {r.model: r for r in rows}
    assert len(rows) == 6
    for ours, _ in digits.PAIRS:
        assert by_name[ours].test_accuracy >= 0.9, by_name[ours]
        assert np.isfinite(by_name[ours].test_cost)
    assert digits.shortfalls(rows) == []
    # training lowers the cost below log 2, the cost of w = 0
    assert by_name["reference logreg (gradient descent)"].train_cost < np.log(2) / 2


def test_a_broken_trainer_is_caught():
    """Gradient ascent (the sign of the step flipped) trails scikit-learn: the check says so."""
    def ascent(X, Y, settings):
        params, _, _ = logreg.optimize(np.zeros((64, 1)), 0.0, X, Y, 50, -0.5)
        return lambda X_: params["w"].T @ X_ + params["b"]

    name, peer = digits.PAIRS[0]
    rows = digits.compare(digits.QUICK, {name: ascent, peer: digits.TRAINERS[peer]})
    problems = digits.shortfalls(rows)
    assert len(problems) == 1 and problems[0].startswith(name)


def test_markdown_is_deterministic():
    settings = dataclasses.replace(digits.QUICK, logreg_iterations=20)
    trainers = {k: digits.TRAINERS[k] for k in list(digits.TRAINERS)[:2]}
    first = digits.to_markdown(digits.compare(settings, trainers), settings)
    second = digits.to_markdown(digits.compare(settings, trainers), settings)
    assert first == second and "| reference logreg" in first
