"""A shrinking run replayed from an earlier target's run gives what Hypothesis gives for this
target, and a target that fails on other candidates gets its own run."""

from __future__ import annotations

import collections

import numpy as np
import pytest

from nnspec.audit import engine


def naive(w, b, X, Y):
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(w.T @ X + b)))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return {"dw": X @ (A - Y).T / m, "db": np.sum(A - Y) / m}, cost


def late(w, b, X, Y):
    """Stable, except that the cost overflows only from |z| > 60 (naive's does from ~37): the
    same kind of warning, failing on other candidates."""
    m = X.shape[1]
    Z = w.T @ X + b
    A = 1 / (1 + np.exp(-Z))
    cost = np.sum(Y * np.logaddexp(0, -Z) + (1 - Y) * np.logaddexp(0, Z)) / m
    if np.any(np.abs(Z) > 60):
        cost = np.inf
    return {"dw": X @ (A - Y).T / m, "db": np.sum(A - Y) / m}, cost


def _audit(function, timeout: float = 60.0) -> tuple[str, int]:
    """The audit's JSON and how many shrinking runs Hypothesis made for it."""
    runs = [0]
    run = engine._Engine._run

    def counted(self, body, phases, within=()):
        runs[0] += any(p.name == "shrink" for p in phases)
        return run(self, body, phases, within)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine._Engine, "_run", counted)
        result = engine.audit_function(function, "logreg.propagate", timeout=timeout)
    return result.to_json(), runs[0]


@pytest.fixture
def no_runs(monkeypatch):
    monkeypatch.setattr(engine, "_SHRUNK", collections.OrderedDict())


def _fresh(function, monkeypatch) -> str:
    monkeypatch.setattr(engine, "_SHRUNK", collections.OrderedDict())
    return _audit(function)[0]


def test_a_replayed_run_gives_what_hypothesis_gives(monkeypatch, no_runs):
    fresh_naive, fresh_late = _fresh(naive, monkeypatch), _fresh(late, monkeypatch)
    assert '"saturation"' in fresh_naive and '"saturation"' in fresh_late
    assert fresh_naive != fresh_late  # so taking naive's run for late would show
    monkeypatch.setattr(engine, "_SHRUNK", collections.OrderedDict())
    first, runs = _audit(naive)
    assert (first, runs) == (fresh_naive, 1)
    again, runs = _audit(naive)
    assert (again, runs) == (fresh_naive, 0)  # replayed: Hypothesis did not run
    other, runs = _audit(late)
    assert (other, runs) == (fresh_late, 1)  # naive's run did not match: Hypothesis ran
    assert _audit(late) == (fresh_late, 0) and _audit(naive) == (fresh_naive, 0)  # both kept


def test_the_replay_returns_the_stored_run(no_runs):
    """The equalities above could not fail if runs were never replayed: a stored run whose
    chosen candidate is moved changes the audit."""
    first, _ = _audit(naive)
    key = next(k for k in engine._SHRUNK if k[2] == "saturation")
    log, chosen = engine._SHRUNK[key][0]
    other = next(i for i, (_, failed) in enumerate(log) if failed and i != chosen)
    engine._SHRUNK[key] = [(log, other)]
    planted, runs = _audit(naive)
    assert runs == 0 and planted != first


def test_a_run_is_replayed_under_another_time_budget(no_runs):
    """The time budget takes no part in which candidates a run draws: a class audited with
    --timeout 5 replays the runs recorded with the default."""
    first, runs = _audit(naive)
    assert runs == 1
    assert _audit(naive, timeout=5.0) == (first, 0)
