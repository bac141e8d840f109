"""A counterexample's numbers are made rounder while the same check still fails: a warning's
shrinking run ends after a fixed number of calls and may leave b = -118867.63."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnspec.audit import engine, numbers


def skips_saturated_terms(w, b, X, Y):
    """Correct away from saturation; where a rounds to 0 or 1 it drops the loss term (cost 0
    instead of |z|): a saturation warning on the cost."""
    m = X.shape[1]
    cost, dw, db = 0.0, np.zeros_like(w), 0.0
    for j in range(m):
        z = float(w[:, 0] @ X[:, j] + b)
        a = 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))
        y = Y[0, j]
        cost -= y * math.log(a) + (1 - y) * math.log(1 - a) if 0 < a < 1 else 0.0
        dw[:, 0] += X[:, j] * (a - y)
        db += a - y
    return {"dw": dw / m, "db": db / m}, cost / m


def _saturation(result) -> dict:
    found = [f for f in result.findings if f.check == "saturation"]
    assert found, result.summary()
    return found[0].counterexample["inputs"]


def _numbers(inputs: dict) -> list[float]:
    return [float(v) for value in inputs.values() for v in np.ravel(value)]


def test_the_counterexample_of_a_warning_has_round_numbers():
    inputs = _saturation(engine.audit_function(skips_saturated_terms, "logreg.propagate"))
    assert all(numbers.simple(v) for v in _numbers(inputs)), inputs


def test_without_the_rounding_the_same_audit_keeps_an_unround_number(monkeypatch):
    """The test above can fail: the shrinking run alone leaves a number of many digits."""
    monkeypatch.setattr(engine, "ROUNDING_EVALUATIONS", 0)
    inputs = _saturation(engine.audit_function(skips_saturated_terms, "logreg.propagate"))
    assert not all(numbers.simple(v) for v in _numbers(inputs)), inputs


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_candidates_are_simpler_than_the_number_and_simplest_first(dtype):
    for x in (-118867.63384308884, 797.6557844335412, -0.3761020804394296, 3.75e-05):
        found = numbers.simpler_numbers(x, dtype)
        ranks = [numbers.rank(c, dtype) for c in found]
        assert found[0] == 0.0 and ranks == sorted(ranks)
        assert all(r < numbers.rank(x, dtype) for r in ranks)
        assert all(float(np.dtype(dtype).type(c)) == c for c in found)  # representable


def test_round_numbers_have_no_candidates():
    assert all(numbers.simpler_numbers(x) == [] for x in (0.0, 40.0, -0.5, 1e-05, 25.0))


DIES_ON_ONE_EXAMPLE = """import os
import signal
import numpy as np


def propagate(w, b, X, Y):
    if X.shape[1] == 1:
        {death}
    m = X.shape[1]
    A = 1 / (1 + np.exp(-(w.T @ X + b)))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return {{'dw': X @ (A - Y).T / m, 'db': np.sum(A - Y) / m}}, cost
"""


def test_an_input_found_after_the_target_stopped_being_called_is_not_called_smallest(tmp_path):
    """A target that kills its whole process group on every one-column input takes its worker
    with it each time; after MAX_CRASHES restarts it is no longer called, and what it failed
    before that is shown as found, not as the smallest input."""
    target = tmp_path / "kills_its_group.py"
    target.write_text(DIES_ON_ONE_EXAMPLE.format(death="os.killpg(0, signal.SIGKILL)"))
    result = engine.audit(str(target), "logreg.propagate")
    labels = {f.check: f.input_label() for f in result.findings}
    assert labels["crash"] == "smallest input"  # all zeros, 1 x 1: nothing to shrink
    assert labels["saturation"].startswith("input found (not shrunk")
    assert result.findings[-1].counterexample.get("shrunk") is False
    assert "Input found (not shrunk" in result.to_markdown()
    shrunk = engine.audit_function(skips_saturated_terms, "logreg.propagate")
    assert {f.input_label() for f in shrunk.findings} == {"smallest input"}


def test_a_target_that_only_ends_its_own_process_is_still_shrunk(tmp_path):
    """After its first crash each call runs in a child of the worker: a target that exits on
    one-column inputs is called on to the end, and its other findings are shrunk."""
    target = tmp_path / "exits_on_one_example.py"
    target.write_text(DIES_ON_ONE_EXAMPLE.format(death="os._exit(3)"))
    result = engine.audit(str(target), "logreg.propagate")
    labels = {f.check: f.input_label() for f in result.findings}
    assert labels == {"crash": "smallest input", "saturation": "smallest input"}
    saturation = next(f for f in result.findings if f.check == "saturation")
    assert len(saturation.counterexample["inputs"]["X"][0]) == 2  # m = 2: the smallest it takes


def test_an_accuracy_warning_shows_the_input_of_its_worst_error():
    """Its message gives the worst relative error found; the terminal shows where, beside the
    smallest input."""
    def tanh_form(w, b, X, Y):
        m = X.shape[1]
        A = 0.5 * (1 + np.tanh((w.T @ X + b) / 2))
        cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
        return {"dw": X @ (A - Y).T / m, "db": np.sum(A - Y) / m}, cost

    result = engine.audit_function(tanh_form, "logreg.propagate")
    accuracy = [f for f in result.findings if f.check == "accuracy"]
    assert accuracy and "worst" in accuracy[0].counterexample
    assert "input of the worst error found: " in result.summary()


def test_a_hang_met_only_while_shrinking_is_a_finding(tmp_path):
    """The rounding of the saturation warning's w tries w[0] = -10, where this target hangs
    (no input before it has that w[0]): the hang is reported with that input (it was lost:
    the audit stopped, the warning kept)."""
    import inspect

    source = inspect.getsource(skips_saturated_terms).replace(
        "    m = X.shape[1]\n", "    m = X.shape[1]\n    while w[0, 0] == -10.0:\n        pass\n", 1
    ).replace("def skips_saturated_terms(", "def propagate(", 1)
    target = tmp_path / "hangs_at_minus_10.py"
    target.write_text("import math\n\nimport numpy as np\n\n\n" + source)
    result = engine.audit(str(target), "logreg.propagate", timeout=3.0)
    hang = [f for f in result.findings if f.check == "timeout"]
    assert result.verdict == "defect" and hang, result.summary()
    assert hang[0].counterexample["inputs"]["w"][0][0] == -10.0
    assert any(f.check == "saturation" for f in result.findings)
