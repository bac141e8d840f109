"""The numerical evidence the report prints: scans, errors, and what they catch."""

import numpy as np
import pytest

from nnspec.reference import logreg
from nnspec.report import evidence
from nnspec.report.evidence import NonFinite, nonfinite_runs


def test_scan_finds_each_run_and_its_exact_float_edges():
    def f(z):
        return np.inf if z >= 2.5 else np.nan if z <= -1 / 3 else 0.0

    runs = nonfinite_runs(f, -10.0, 10.0, points=101)
    assert runs == [NonFinite(-10.0, -1 / 3, "nan"), NonFinite(2.5, 10.0, "inf")]
    assert f(np.nextafter(-1 / 3, 0)) == 0 and f(np.nextafter(2.5, 0)) == 0


def test_scan_of_a_finite_function_finds_nothing():
    assert nonfinite_runs(np.tanh, -1000.0, 1000.0, points=201) == []


def test_scan_finds_a_run_narrower_than_the_grid_step_only_if_a_point_lands_in_it():
    runs = nonfinite_runs(lambda z: np.nan if 0.0 <= z <= 0.0 else 1.0, -1.0, 1.0, points=3)
    assert runs == [NonFinite(0.0, 0.0, "nan")]


def test_ulp_error_of_a_correctly_rounded_value_is_at_most_half_and_next_float_about_one():
    from nnspec.numerics import oracle
    exact = oracle.logreg_exact(np.ones((1, 1)), 0.0, np.full((1, 1), 3.0), np.ones((1, 1)))
    rounded = exact.float64("cost")
    assert evidence.ulp_errors(rounded, exact["cost"]) <= 0.5
    assert 0.5 < evidence.ulp_errors(np.nextafter(rounded, 1.0), exact["cost"]) <= 1.5
    assert evidence.ulp_errors(np.nan, exact["cost"]) == np.inf


def _doubled_dw(w, b, X, Y):
    grads, cost = logreg.propagate(w, b, X, Y)
    return {"dw": 2 * grads["dw"], "db": grads["db"]}, cost


def test_errors_against_the_oracle_pass_the_reference_and_catch_a_wrong_gradient():
    problems = evidence.seeded_logreg_problems(10, saturation=False)
    good = {q.quantity: q for q in evidence.logreg_errors(problems, logreg.propagate, "ref")}
    bad = {q.quantity: q for q in evidence.logreg_errors(problems, _doubled_dw, "bad")}
    assert all(q.worst_bound <= 1 and q.nonfinite == 0 for q in good.values())
    assert bad["dw"].worst_bound > 1 and bad["db"].worst_bound <= 1


def test_seeded_samples_are_the_same_on_every_call_and_reach_their_z_targets():
    a = evidence.seeded_logreg_problems(8, saturation=True)
    b = evidence.seeded_logreg_problems(8, saturation=True)
    assert all(np.array_equal(p[2], q[2]) and p[1] == q[1] for p, q in zip(a, b))
    for saturation in (False, True):
        targets = evidence.z_targets(saturation)
        for i, (w, b_, X, _) in enumerate(evidence.seeded_logreg_problems(6, saturation)):
            assert np.max(np.abs(w.T @ X + b_)) == pytest.approx(targets[i % len(targets)])
        for i, (p, X, _) in enumerate(evidence.seeded_two_layer_problems(4, saturation, "tanh")):
            Z1 = p["W1"] @ X + p["b1"]
            Z2 = p["W2"] @ np.tanh(Z1) + p["b2"]
            for Z in (Z1, Z2):
                assert np.max(np.abs(Z)) == pytest.approx(targets[i % len(targets)])
    assert max(evidence.z_targets(False)) < min(evidence.z_targets(True))


def test_cost_scan_ranks_a_float32_cost_far_below_the_reference():
    def float32_cost(z, y):
        z32 = np.asarray(z, dtype=np.float32)
        return np.where(y == 1, np.logaddexp(np.float32(0), -z32),
                        np.logaddexp(np.float32(0), z32)).astype(np.float64)

    z = np.linspace(-5, 5, 11)
    scan = evidence.cost_scan({"reference": evidence.propagate_cost(logreg.propagate),
                               "float32": float32_cost, "absent": None}, z)
    assert scan.missing == ("absent",)
    for y in (0, 1):
        assert scan.ulps[y]["reference"].max() <= 1.0
        assert scan.ulps[y]["float32"].max() > 1e6


def test_edges_of_the_notes_propagate_are_exact_float_boundaries():
    scans = evidence.edge_scans({"notes": evidence.notes_propagate()})
    cost_runs = [(s, r) for s in scans if s.quantity == "cost" for r in s.runs]
    assert cost_runs, "the notes' cost formula overflows somewhere on [-1000, 1000]"
    for scan, run in cost_runs:
        value = evidence._propagate_at(evidence.notes_propagate(), "cost", float(scan.y))
        assert not np.isfinite(value(run.start)) and not np.isfinite(value(run.end))
        inner = [np.nextafter(run.start, -np.inf), np.nextafter(run.end, np.inf)]
        outside = [v for v in inner if evidence.Z_RANGE[0] <= v <= evidence.Z_RANGE[1]]
        assert all(np.isfinite(value(v)) for v in outside)


def test_step_scan_float64_error_has_an_interior_minimum_far_above_the_oracle():
    scan = evidence.step_scan(steps=10.0 ** np.arange(-14.0, -1.0, 1.0))
    best = int(np.argmin(scan.float64))
    assert 0 < best < len(scan.steps) - 1  # the V: rounding on the left, truncation on the right
    assert np.all(scan.oracle[:best] < 1e-3 * scan.float64[:best])  # no rounding at 60 digits
    assert scan.reference < scan.float64.min()
