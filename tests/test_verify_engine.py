"""The engine judges deliberately wrong claims false and right ones holds."""

import sympy as sp

from nnspec.spec import definitions as defs
from nnspec.spec import shapes
from nnspec.spec.claims import Claim, Outcome
from nnspec.spec.verify import Computed, Equal, MatrixEqual, Unchecked, verify_claim

a, y, z, x = sp.symbols("a y z x", real=True)
S = defs.sigma_exp(z)


def verdict(check, **kw):
    return verify_claim(Claim("t", "test", "text", "derivation step", check, **kw))


def test_sigma_prime_right_and_wrong():
    assert verdict(Equal(sp.diff(S, z), S * (1 - S))).verdict == "holds"
    wrong = verdict(Equal(sp.diff(S, z), S * (1 + S)), correction="c",
                    corrected=Equal(sp.diff(S, z), S * (1 - S)))
    assert wrong.verdict == "false"
    assert "lhs =" in wrong.evidence and not wrong.engine_errors


def test_sign_flip_in_dl_da_is_false():
    dlda = sp.diff(defs.loss(y, a), a)
    assert verdict(Equal(dlda, (a - y) / (a * (1 - a)))).verdict == "holds"
    assert verdict(Equal(dlda, (y - a) / (a * (1 - a))), correction="c").verdict == "false"


def test_swapped_arguments_hold_only_under_the_named_convention():
    conv = (("label first", defs.loss(y, a), defs.loss(y, a)),)
    r = verdict(Equal(defs.loss(a, y), defs.loss(y, a), conventions=conv))
    assert r.verdict == "holds-under-convention" and r.convention == "label first"
    # a convention that does not rescue it leaves it false
    r = verdict(Equal(defs.loss(a, y), defs.loss(y, a), conventions=(("none", a, y),)),
                correction="c")
    assert r.verdict == "false"


def test_false_without_correction_is_a_finding_not_an_engine_error():
    """An author's edit can make a bound claim false with no correction known for it: a
    finding (exit 0); the shipped errata's corrections are a test of the suite instead
    (test_verify_notes)."""
    r = verdict(Equal(a, y))
    assert r.verdict == "false" and not r.engine_errors


def test_a_correction_that_does_not_verify_is_an_engine_error():
    r = verdict(Equal(a, y), correction="c", corrected=Equal(a, 2 * a))
    assert any("correction does not verify" in e for e in r.engine_errors)


def _logreg_check(claimed, conventions=()):
    return MatrixEqual(build=lambda s: defs.LogReg(*s), claimed=claimed,
                       reference=lambda p: defs.gradient(p.J(), p.w),
                       sweep=tuple(shapes.logreg_shapes()), proof_shapes=shapes.PROOF_LOGREG,
                       text="", conventions=conventions, shape_names="(n_x, m)")


def test_vectorised_dw_right_and_wrong():
    def right(p):
        return sp.Rational(1, p.m) * shapes.mm(p.X, (p.A() - p.Y).T)

    assert verdict(_logreg_check(right)).verdict == "holds"
    # missing 1/m: equal only when m == 1, caught at m = 2
    r = verdict(_logreg_check(lambda p: shapes.mm(p.X, (p.A() - p.Y).T)), correction="c")
    assert r.verdict == "false" and "m) = (1, 2)" in r.evidence
    # dropped transpose: does not conform unless m == 1
    r = verdict(_logreg_check(lambda p: shapes.mm(p.X, p.A() - p.Y) / p.m), correction="c")
    assert r.verdict == "false" and "does not conform" in r.evidence


def test_row_gradient_holds_under_the_transpose_convention():
    def row(p):
        return sp.Rational(1, p.m) * shapes.mm(p.A() - p.Y, p.X.T)

    conv = (("row gradient", lambda p: row(p).T),)
    r = verdict(_logreg_check(row, conv))
    assert r.verdict == "holds-under-convention" and r.convention == "row gradient"
    # the degenerate n_x = 1 shapes conform: the error shows at n_x = 2
    assert r.evidence.startswith("at (n_x, m) = (2, 1)")
    assert "holds only at [(1, 1), (1, 2), (1, 3), (1, 4)]" in r.evidence


def test_elementwise_product_of_row_and_column_reports_shapes():
    row, col = sp.ones(1, 3), sp.ones(3, 1)
    try:
        shapes.ew(row, col)
    except shapes.NonConforming as exc:
        assert "(1, 3)" in str(exc) and "(3, 3)" in str(exc)
    else:
        raise AssertionError("a row times a column element-wise must not conform")


def test_computed_and_unchecked():
    assert verdict(Computed(lambda: Outcome(True, "ok"), "")).verdict == "holds"
    r = verdict(Computed(lambda: Outcome(False, "no"), "",
                         conventions=(("c", lambda: Outcome(True, "yes")),)))
    assert r.verdict == "holds-under-convention"
    assert verdict(Unchecked("why")).verdict == "unchecked"


def test_simplify_failure_is_never_a_silent_verdict():
    # equal, but only numerically checkable: the verdict is unchecked, not holds or false
    class Hard(sp.Function):
        def _eval_evalf(self, prec):
            return sp.Float(2, prec)

    r = verdict(Equal(Hard(z), sp.Integer(2)))
    assert r.verdict == "unchecked" and "unproven" in r.detail


def test_a_simplify_bug_cannot_make_a_false_claim_hold(monkeypatch):
    """Sides far apart at a point are false before simplify is asked (sides a rounding apart
    still ask it: test_sides_a_rounding_apart_still_go_to_the_proof)."""
    from nnspec.spec import verify
    monkeypatch.setattr(verify, "_prove", lambda lhs, rhs: True)  # a simplify bug
    r = verdict(Equal(a, 2 * a), correction="c")
    assert r.verdict == "false" and not r.engine_errors


def test_pool_falls_back_to_one_by_one(monkeypatch):
    from nnspec.spec import verify
    claims = [Claim(f"t{i}", "s", "n", "derivation step", Equal(a * i, i * a)) for i in range(3)]

    class NoPool:
        def Pool(self, n, *initializer):
            raise OSError("no /dev/shm")

    monkeypatch.setattr(verify.mp, "get_context", lambda method: NoPool())
    assert [r.verdict for r in verify.verify_notes(claims, workers=2)] == ["holds"] * 3


def test_a_check_that_raises_is_an_engine_error_not_a_verdict():
    def boom():
        raise RuntimeError("bug")

    r = verdict(Computed(boom, ""))
    assert r.verdict == "unchecked" and "RuntimeError: bug" in r.engine_errors[0]


def test_sides_far_apart_are_false_without_an_attempt_at_a_proof(monkeypatch):
    from nnspec.spec import verify

    def no_proof(lhs, rhs):
        raise AssertionError("a proof was attempted")

    monkeypatch.setattr(verify, "_prove", no_proof)
    out = verify.equality(sp.diff(S, z), S * (1 + S))
    assert out.ok is False and "lhs =" in out.evidence


def test_sides_a_rounding_apart_still_go_to_the_proof(monkeypatch):
    """1e-35 apart is below APART: the proof decides, and one that disagrees with the
    evaluation is an engine error, not a verdict."""
    from nnspec.spec import verify

    monkeypatch.setattr(verify, "_prove", lambda lhs, rhs: True)
    out = verify.equality(x, x + sp.Rational(1, 10**35))
    assert out.ok is None and "evaluation refutes" in out.engine_error


def test_the_reference_cross_check_catches_a_broken_reference(monkeypatch):
    from nnspec.reference import logreg, two_layer_sigmoid
    from nnspec.spec import verify

    assert verify._reference_cross_check().ok
    backward = two_layer_sigmoid.backward_propagation

    def off_by_a_millionth(*args):
        grads = dict(backward(*args))
        grads["dW1"] = grads["dW1"] * (1 + 1e-6)
        return grads

    with monkeypatch.context() as patch:
        patch.setattr(two_layer_sigmoid, "backward_propagation", off_by_a_millionth)
        assert not verify._reference_cross_check().ok
    propagate = logreg.propagate

    def db_halved(*args):
        grads, cost = propagate(*args)
        return {**grads, "db": grads["db"] / 2}, cost

    monkeypatch.setattr(logreg, "propagate", db_halved)
    assert not verify._reference_cross_check().ok
