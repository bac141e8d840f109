"""The numerical evidence the report prints: scans, errors, and what they catch."""

import numpy as np

from nnspec.evidence import NonFinite, nonfinite_runs


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
