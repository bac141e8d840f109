"""Matrix claims: the shape sweep catches errors that hide at n_h == 1 or n_x == n_h."""

import sympy as sp

from nnspec.derivations import two_layer as T
from nnspec.spec import definitions as defs
from nnspec.spec import shapes
from nnspec.spec.claims import Claim
from nnspec.spec.shapes import ew, mm
from nnspec.spec.verify import MatrixEqual, verify_claim


def check(claimed, name="W1", conventions=(), sweep=None):
    return MatrixEqual(build=lambda s: T.example(s[0], s[1]), claimed=claimed,
                       reference=lambda q: q.gradient(name),
                       sweep=sweep or tuple(shapes.two_layer_shapes(per_example=True)),
                       proof_shapes=shapes.PROOF_TWO_LAYER, text="", conventions=conventions)


def verdict(c):
    return verify_claim(Claim("t", "s", "n", "shape/dimension", c, correction="c"))


def one_minus(q):
    return sp.ones(q.n_h, 1) - q.a1


def test_correct_dw1_holds():
    assert verdict(check(T.corrected_dW1)).verdict == "holds"


def test_dropped_transpose_of_x_is_false_but_hides_when_n_x_is_1():
    def dropped(q):
        return mm(ew(mm(q.W2.T, q.a2 - q.y), ew(q.a1, one_minus(q))), q.x)

    r = verdict(check(dropped))
    assert r.verdict == "false" and "(2, 1, 1)" in r.evidence
    only_n_x_1 = tuple((1, n_h, 1) for n_h in shapes.SIZES)
    assert verdict(check(dropped, sweep=only_n_x_1)).verdict == "holds"


def test_w2_without_transpose_hides_when_n_h_is_1():
    def no_transpose(q):
        return mm(ew(mm(q.W2, q.a2 - q.y), ew(q.a1, one_minus(q))), q.x.T)

    only_n_h_1 = tuple((n_x, 1, 1) for n_x in shapes.SIZES)
    assert verdict(check(no_transpose, sweep=only_n_h_1)).verdict == "holds"
    r = verdict(check(no_transpose))
    assert r.verdict == "false" and "does not conform" in r.evidence


def test_sign_flip_and_wrong_activation_derivative_are_false():
    def sign(q):
        return -T.corrected_dW1(q)

    def tanh_rule(q):  # 1 - a^2 is tanh's derivative, not sigmoid's
        d = sp.ones(q.n_h, 1) - ew(q.a1, q.a1)
        return mm(ew(mm(q.W2.T, q.a2 - q.y), d), q.x.T)

    assert verdict(check(sign)).verdict == "false"
    r = verdict(check(tanh_rule))
    assert r.verdict == "false" and "entries differ" in r.evidence


def test_notes_dw1_row_times_column_reports_numpy_broadcast():
    r = verdict(check(lambda q: mm(ew(mm(q.a2 - q.y, q.W2), ew(one_minus(q), q.a1)), q.x),
                      conventions=(("row", lambda q: mm(ew(mm(q.a2 - q.y, q.W2),
                                                            ew(one_minus(q), q.a1)), q.x).T),)))
    assert r.verdict == "false" and "NumPy would broadcast to (2, 2)" in r.evidence


def test_row_gradient_of_a1_holds_under_convention():
    def notes(q):
        return mm(q.a2_of(q.a1_free) - q.y, q.W2)

    c = MatrixEqual(build=lambda s: T.example(s[0], s[1]), claimed=notes,
                    reference=lambda q: defs.gradient(T.loss_of_a1(q), q.a1_free),
                    sweep=tuple(shapes.two_layer_shapes(per_example=True)),
                    proof_shapes=shapes.PROOF_TWO_LAYER, text="",
                    conventions=(("row", lambda q: notes(q).T),))
    r = verdict(c)
    assert r.verdict == "holds-under-convention" and "(1, 2, 1)" in r.evidence


def test_vectorised_db1_without_mean_is_false():
    def summed(q):
        return q.m * T.vectorised(q)["db1"]

    c = MatrixEqual(build=lambda s: T.example(*s), claimed=summed,
                    reference=lambda q: q.gradient("b1"),
                    sweep=((2, 3, 1), (2, 3, 2)), proof_shapes=((2, 3, 1),), text="")
    r = verdict(c)
    assert r.verdict == "false" and "(2, 3, 2)" in r.evidence


def test_exact_stand_in_comparison_is_confirmed_by_true_sigma():
    import random

    from nnspec.spec.verify import _entries_equal_at_random_point

    q = T.example(2, 2)
    rng = random.Random(0)
    # sigma(-t) = 1 - sigma(t) holds only for the true sigma: the stand-in differs, the
    # high-precision confirmation with the true sigma must then accept it
    t = q.z2[0, 0]
    assert _entries_equal_at_random_point(sp.Matrix([[defs.sigma(-t)]]),
                                          sp.Matrix([[1 - defs.sigma(t)]]), rng)
    assert not _entries_equal_at_random_point(sp.Matrix([[defs.sigma(-t)]]),
                                              sp.Matrix([[defs.sigma(t)]]), rng)


def test_linearity_shortcut_is_held_to_the_direct_gradient(monkeypatch):
    assert T.linearity_check()
    real = T.Example.gradient_by_examples
    monkeypatch.setattr(T.Example, "gradient_by_examples",
                        lambda self, name: real(self, name) * self.m)  # a sum, not a mean
    assert not T.linearity_check()


def test_exact_proof_and_evaluation_disagreeing_is_an_engine_error():
    # sigma(-t) = 1 - sigma(t): true, but not an identity in independent sigma atoms
    c = MatrixEqual(build=lambda s: T.example(s[0], s[1]),
                    claimed=lambda q: q.z2.applyfunc(lambda t: defs.sigma(-t)),
                    reference=lambda q: q.z2.applyfunc(lambda t: 1 - defs.sigma(t)),
                    sweep=((2, 3, 1),), proof_shapes=((2, 3, 1),), text="")
    r = verdict(c)
    assert r.verdict == "unchecked" and r.engine_errors
