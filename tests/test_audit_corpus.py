"""The audit on a corpus of implementations written to be right or wrong in a known way.

Each row is how the file was written (the ground truth): the verdict it must get and the
(check, severity) findings that must be among the audit's, which are computed (for a target
that cannot be audited: what its reason must name). A correct
variant must conform (warnings where sigmoid or tanh saturates are allowed); every bug must be caught by
the check that names it. The audits run in parallel, a few examples each.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from nnspec.audit.engine import AuditResult, audit

CORPUS = Path(__file__).parent / "corpus"
EXAMPLES = 20
P, LR, TL = "logreg_propagate", "logreg_other", "two_layer"

# (file, contract, options, expected verdict, findings that must be present)
TABLE = [
    (f"{P}/correct_vectorised.py", "logreg.propagate", {}, "conforms", set()),
    (f"{P}/correct_loops.py", "logreg.propagate", {}, "conforms", set()),
    (f"{P}/correct_einsum.py", "logreg.propagate", {}, "conforms", set()),
    (f"{P}/correct_stable.py", "logreg.propagate", {}, "conforms", set()),
    (f"{P}/correct_autograd.py", "logreg.propagate", {}, "conforms", set()),
    (f"{P}/correct_sklearn.py", "logreg.propagate", {}, "conforms", set()),
    (f"{P}/correct_torch.py", "logreg.propagate", {}, "conforms", set()),
    ("nnspec.reference.logreg", "logreg.propagate", {}, "conforms", set()),
    (f"{P}/bug_missing_one_over_m.py", "logreg.propagate", {}, "defect", {("value", "defect")}),
    (f"{P}/bug_sign_error.py", "logreg.propagate", {}, "defect", {("value", "defect")}),
    (f"{P}/bug_wrong_axis.py", "logreg.propagate", {}, "defect", {("shape", "defect")}),
    (f"{P}/bug_missing_transpose.py", "logreg.propagate", {}, "defect", {("shape", "defect")}),
    (f"{P}/bug_float32.py", "logreg.propagate", {}, "defect", {("value", "defect")}),
    (f"{P}/bug_float32.py", "logreg.propagate", {"dtype": "float32"}, "conforms", set()),
    (f"{P}/bug_clipped.py", "logreg.propagate", {}, "defect", {("value", "defect")}),
    (f"{P}/bug_nondeterministic.py", "logreg.propagate", {}, "defect",
     {("determinism", "defect")}),
    (f"{P}/bug_hang.py", "logreg.propagate", {"timeout": 3.0}, "defect", {("timeout", "defect")}),
    (f"{P}/bug_exit.py", "logreg.propagate", {}, "defect", {("crash", "defect")}),
    (f"{P}/bug_segfault.py", "logreg.propagate", {}, "defect", {("crash", "defect")}),
    (f"{P}/bug_transpose_square.py", "logreg.propagate", {}, "defect",
     {("value", "defect"), ("exception", "defect")}),
    (f"{P}/bug_batches_of_16.py", "logreg.propagate", {}, "defect", {("value", "defect")}),
    (f"{P}/bug_rounded.py", "logreg.propagate", {}, "defect", {("value", "defect")}),
    (f"{P}/correct_tanh_sigmoid.py", "logreg.propagate", {}, "conforms", set()),
    (f"{P}/correct_chain_rule_through_cost.py", "logreg.propagate", {}, "conforms", set()),
    (f"{P}/bug_missing_key.py", "logreg.propagate", {}, "defect", {("keys", "defect")}),
    (f"{P}/note_prints.py", "logreg.propagate", {}, "conforms", {("stdout", "note")}),
    (f"{P}/note_cost_1x1.py", "logreg.propagate", {}, "conforms", {("scalar-shape", "note")}),
    (f"{P}/note_top_level_script.py", "logreg.propagate", {}, "conforms", {("load", "note")}),
    (f"{P}/error_syntax.py", "logreg.propagate", {}, "error", set()),
    (f"{LR}/predict_ge.py", "logreg.predict", {}, "conforms", set()),
    (f"{LR}/predict_gt.py", "logreg.predict", {}, "conforms", {("threshold", "note")}),
    (f"{LR}/predict_flat.py", "logreg.predict", {}, "defect", {("shape", "defect")}),
    (f"{LR}/optimize_course.py", "logreg.optimize", {}, "conforms", set()),
    ("nnspec.reference.logreg", "logreg.optimize", {}, "conforms", set()),
    (f"{LR}/optimize_in_place.py", "logreg.optimize", {}, "defect", {("mutation", "defect")}),
    (f"{LR}/optimize_ascent.py", "logreg.optimize", {}, "defect", {("trajectory", "defect")}),
    (f"{TL}/forward_sigmoid.py", "two_layer.forward_propagation", {}, "conforms", set()),
    (f"{TL}/forward_tanh.py", "two_layer.forward_propagation", {"hidden_activation": "tanh"},
     "conforms", set()),
    (f"{TL}/forward_tanh.py", "two_layer.forward_propagation", {}, "defect",
     {("value", "defect")}),
    (f"{TL}/forward_tanh_from_exp.py", "two_layer.forward_propagation",
     {"hidden_activation": "tanh"}, "conforms", {("saturation", "warning")}),
    (f"{TL}/forward_W1_transposed.py", "two_layer.forward_propagation",
     {"hidden_activation": "tanh"}, "defect", {("value", "defect"), ("exception", "defect")}),
    (f"{TL}/forward_bias_broadcast.py", "two_layer.forward_propagation", {}, "defect",
     {("exception", "defect")}),
    (f"{TL}/cost_course.py", "two_layer.compute_cost", {}, "conforms", set()),
    (f"{TL}/cost_dot_1x1.py", "two_layer.compute_cost", {}, "conforms", {("scalar-shape", "note")}),
    (f"{TL}/cost_missing_term.py", "two_layer.compute_cost", {}, "defect", {("value", "defect")}),
    (f"{TL}/cost_broadcasting.py", "two_layer.compute_cost", {}, "defect", {("value", "defect")}),
    (f"{TL}/cost_rounded.py", "two_layer.compute_cost", {}, "defect", {("value", "defect")}),
    (f"{TL}/cost_older_edition.py", "two_layer.compute_cost", {}, "conforms", set()),
    (f"{TL}/cost_eps_in_log.py", "two_layer.compute_cost", {}, "conforms",
     {("accuracy", "warning")}),
    (f"{TL}/cost_eps_too_large.py", "two_layer.compute_cost", {}, "defect",
     {("value", "defect")}),
    (f"{TL}/cost_older_edition_missing_term.py", "two_layer.compute_cost", {}, "defect",
     {("value", "defect")}),
    ("notebooks/week3_older_edition.ipynb:compute_cost", "two_layer.compute_cost", {},
     "conforms", {("import", "note")}),
    (f"{TL}/backward_sigmoid.py", "two_layer.backward_propagation", {}, "conforms", set()),
    (f"{TL}/backward_tanh.py", "two_layer.backward_propagation", {"hidden_activation": "tanh"},
     "conforms", set()),
    (f"{TL}/backward_tanh.py", "two_layer.backward_propagation", {}, "defect",
     {("value", "defect")}),
    (f"{TL}/backward_sigmoid.py", "two_layer.backward_propagation", {"hidden_activation": "tanh"},
     "defect", {("value", "defect")}),
    (f"{TL}/backward_missing_keepdims.py", "two_layer.backward_propagation", {}, "defect",
     {("shape", "defect")}),
    (f"{TL}/backward_scalar_db2.py", "two_layer.backward_propagation",
     {"hidden_activation": "tanh"}, "conforms", {("scalar-shape", "note"), ("stdout", "note")}),
    (f"{TL}/backward_dW2_for_W2.py", "two_layer.backward_propagation", {}, "defect",
     {("value", "defect")}),
    ("nnspec.reference.two_layer_tanh", "two_layer.backward_propagation",
     {"hidden_activation": "tanh"}, "conforms", set()),
    (f"{TL}/update_new_dict.py", "two_layer.update_parameters", {}, "conforms", set()),
    (f"{TL}/update_in_place.py", "two_layer.update_parameters", {}, "defect",
     {("mutation", "defect")}),
    (f"{TL}/update_plus.py", "two_layer.update_parameters", {}, "defect", {("value", "defect")}),
    (f"{TL}/update_without_rate.py", "two_layer.update_parameters", {}, "defect",
     {("value", "defect")}),
    ("notebooks/propagate_correct.ipynb", "logreg.propagate", {}, "conforms", set()),
    ("notebooks/propagate_missing_one_over_m.ipynb", "logreg.propagate", {}, "defect",
     {("value", "defect")}),
    # as submitted: course imports that are not installed, magics, data loading, public tests
    ("notebooks/week2_as_submitted.ipynb", "logreg.propagate", {}, "conforms",
     {("import", "note")}),
    (f"{P}/note_course_script.py", "logreg.propagate", {}, "conforms", {("import", "note")}),
    ("notebooks/with_helper/backward_with_helper.ipynb", "two_layer.backward_propagation",
     {"hidden_activation": "tanh"}, "conforms", {("import", "note")}),
    ("notebooks/week2_np_from_public_tests.ipynb", "logreg.propagate", {}, "error",
     {"needs 'np'", "public_tests"}),
    ("notebooks/week3_older_edition.ipynb", "two_layer.forward_propagation",
     {"hidden_activation": "tanh"}, "error", {"needs 'sigmoid'", "planar_utils"}),
]


# What the value defect of each buggy file must be diagnosed as (a part of its message), by
# "file" or "file|hidden activation"; None: it must say that no known mistake matches.
DIAGNOSES = {
    f"{P}/bug_missing_one_over_m.py": "matches: missing 1/m",
    "notebooks/propagate_missing_one_over_m.ipynb": "matches: missing 1/m",
    f"{P}/bug_sign_error.py": "matches: a flipped sign",
    f"{P}/bug_float32.py": "matches: float32 arithmetic",
    f"{P}/bug_clipped.py": "matches: a clipped at 1e-07",
    f"{P}/bug_transpose_square.py": "matches: X^T dZ^T in place of X dZ^T (a transpose too many)",
    f"{P}/bug_batches_of_16.py": None,
    f"{P}/bug_rounded.py": "matches: values rounded to 8 decimals",
    f"{TL}/cost_rounded.py": "matches: values rounded to 4 decimals",
    f"{TL}/forward_tanh.py|sigmoid": "matches: tanh hidden layer; run with --hidden-activation tanh",
    f"{TL}/forward_W1_transposed.py|tanh": "matches: W1^T X in place of W1 X",
    f"{TL}/cost_missing_term.py": "matches: the (1 - y) log(1 - a) term dropped",
    f"{TL}/cost_older_edition_missing_term.py": "matches: the (1 - y) log(1 - a) term dropped",
    f"{TL}/cost_broadcasting.py": "an (m, m) broadcast summed whole",
    f"{TL}/cost_eps_too_large.py": "matches: eps = 0.001 inside the log",
    f"{TL}/backward_tanh.py|sigmoid": "matches: tanh' = 1 - a^2 used for the sigmoid hidden layer",
    f"{TL}/backward_sigmoid.py|tanh": "matches: sigmoid' = a (1 - a) used for the tanh hidden",
    f"{TL}/backward_dW2_for_W2.py": "matches: dW2 used in place of W2",
    f"{TL}/update_plus.py": "matches: a step up the gradient",
    f"{TL}/update_without_rate.py": "matches: the learning rate left out",
}


# Bugs that need a size or a tie: the value defect's smallest input (an entry, its shape).
SMALLEST = {
    f"{P}/bug_transpose_square.py": (("X",), (2, 2)),  # needs n_x == m
    f"{TL}/forward_W1_transposed.py": (("parameters", "W1"), (2, 2)),  # needs n_h == n_x
}


def diagnosis_key(row: tuple) -> str:
    name, _, options, *_ = row
    hidden = options.get("hidden_activation", "sigmoid")
    return f"{name}|{hidden}" if f"{name}|{hidden}" in DIAGNOSES else name


def diagnosis_right(row: tuple, result: AuditResult) -> bool | None:
    """Is the value defect diagnosed as the file was written? None if the file was not written
    with one (its value defect, if any, follows from another: noise, an exception)."""
    value = [f for f in result.findings if (f.check, f.severity) == ("value", "defect")]
    if not value or ("value", "defect") not in row[4]:
        return None
    expected = DIAGNOSES.get(diagnosis_key(row), "no entry in DIAGNOSES")
    text = value[0].message
    if expected is None:
        return "matches no known mistake" in text
    return expected in text and "never divide by a (1 - a)" not in text


def _target(name: str) -> str:
    return name if name.startswith("nnspec.") else str(CORPUS / name)


def _run(row: tuple) -> AuditResult:
    name, contract, options, _, _ = row
    return audit(_target(name), contract, **{"examples": EXAMPLES, "timeout": 20.0, **options})


def _needs_torch(row: tuple) -> bool:
    return "torch" in row[0]


@pytest.fixture(scope="module")
def results() -> dict[int, AuditResult]:
    try:
        import torch  # noqa: F401
        rows = list(enumerate(TABLE))
    except ImportError:
        rows = [(i, r) for i, r in enumerate(TABLE) if not _needs_torch(r)]
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        done = pool.map(_run, [r for _, r in rows])
        return dict(zip([i for i, _ in rows], done))


@pytest.mark.parametrize("index", range(len(TABLE)),
                         ids=[f"{r[0]}-{r[1]}-{'-'.join(map(str, r[2].values()))}" for r in TABLE])
def test_corpus_verdict_and_check(results: dict[int, AuditResult], index: int) -> None:
    row = TABLE[index]
    if _needs_torch(row):
        pytest.importorskip("torch")
    *_, verdict, required = row
    result = results[index]
    assert result.verdict == verdict, result.message()
    if verdict == "error":  # the reason names what is missing
        assert all(part in result.reason for part in required), result.reason
        return
    found = {(f.check, f.severity) for f in result.findings}
    assert diagnosis_right(row, result) in (True, None), result.message()
    if row[0] in SMALLEST:
        path, shape = SMALLEST[row[0]]
        entry = next(f for f in result.findings if f.check == "value").counterexample["inputs"]
        for key in path:
            entry = entry[key]
        assert np.shape(entry) == shape, result.message()
    assert required <= found, result.message()
    for finding in result.findings:  # every finding carries its counterexample's inputs
        assert finding.counterexample.get("inputs"), finding
        if finding.check in ("value", "saturation") and "checked" not in finding.counterexample:
            assert {"expected", "got", "difference", "bound"} <= set(finding.counterexample)


def test_detection_and_false_alarm_counts(results: dict[int, AuditResult]) -> None:
    """Every file written with a bug is caught, no correct one is flagged."""
    rows = [(TABLE[i], r) for i, r in results.items()]
    bugs = [r for row, r in rows if row[3] == "defect"]
    correct = [r for row, r in rows if row[3] == "conforms"]
    assert bugs and correct
    assert sum(r.verdict == "defect" for r in bugs) == len(bugs)
    assert sum(r.verdict == "defect" for r in correct) == 0
    diagnosed = [diagnosis_right(row, r) for row, r in rows]
    assert False not in diagnosed
    assert diagnosed.count(True) == len(DIAGNOSES)  # every diagnosis row was reached
