"""`nnspec generate`: the proofs it relies on, the printer, the drift check, determinism."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp
from sympy import HadamardProduct, MatrixSymbol, OneMatrix, Trace
from sympy.codegen.numpy_nodes import logaddexp
from sympy.codegen.rewriting import ReplaceOptim
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from nnspec.cli import main
from nnspec.emit import codegen, rewrites
from nnspec.errors import EXIT_FINDING, EXIT_OK, EXIT_USAGE
from nnspec.spec import vectorised
from nnspec.spec.definitions import sigma

REFERENCE = Path(codegen.default_out_dir())


# ------------------------------------------------------------------------- the proofs


def test_every_emitted_formula_and_rewrite_is_proven():
    assert codegen.proof_failures() == ()


def test_proof_covers_every_step_at_every_shape():
    proofs = vectorised.prove_logreg(shapes=((3, 5), (1, 1)))
    steps = {p.step for p in proofs}
    assert steps == set(vectorised.logreg(3, 5).steps)
    assert {p.shape for p in proofs} == {(3, 5), (1, 1)}


def _unproven(derivation, inputs, checks, shape):
    return {p.step for p in vectorised.prove(derivation, inputs, checks, shape) if not p.proven}


def test_proof_catches_a_sign_error_in_dz():
    d = vectorised.logreg(3, 5)
    d.steps["dZ"] = d.symbol("Y") - d.symbol("A")
    inputs, checks = vectorised._axioms_logreg(3, 5)
    assert _unproven(d, inputs, checks, (3, 5)) == {"dZ", "dw", "db", "w_new", "b_new"}


def test_proof_catches_dw2_used_in_place_of_w2():
    """A bug seen in real implementations: back-propagating through dW2 instead of W2."""
    d = vectorised.two_layer(1, 2, 3)
    dZ2, A1 = d.symbol("dZ2"), d.symbol("A1")
    g_prime = vectorised.activation_derivative(sigma)
    d.steps["dZ1"] = HadamardProduct(d.symbol("dW2").T * dZ2, vectorised.apply_lambda(g_prime, A1))
    inputs, checks = vectorised._axioms_two_layer(1, 2, 3, "sigmoid")
    assert _unproven(d, inputs, checks, (1, 2, 3)) == {"dZ1", "dW1", "db1", "W1_new", "b1_new"}


def test_proof_catches_the_sigmoid_derivative_in_the_tanh_network():
    d = vectorised.two_layer(1, 2, 3, "tanh")
    wrong = vectorised.two_layer(1, 2, 3, "sigmoid").steps["dZ1"]
    d.steps["dZ1"] = wrong
    inputs, checks = vectorised._axioms_two_layer(1, 2, 3, "tanh")
    assert "dZ1" in _unproven(d, inputs, checks, (1, 2, 3))


def test_proof_catches_a_missing_transpose_at_a_square_shape_only_by_value():
    """At n_x = m the shapes conform; the entries still differ."""
    d = vectorised.logreg(3, 3)
    d.steps["dw"] = d.symbol("X").T * d.symbol("dZ").T / 3
    inputs, checks = vectorised._axioms_logreg(3, 3)
    assert "dw" in _unproven(d, inputs, checks, (3, 3))


def test_activation_derivatives_are_derived_from_the_activation():
    a = sp.Symbol("a", real=True)
    assert sp.expand(vectorised.activation_derivative(sigma)(a) - a * (1 - a)) == 0
    assert vectorised.activation_derivative(sp.tanh)(a) == 1 - a**2


def test_every_rewrite_fires_and_is_proven():
    for rewrite in rewrites.CANONICAL_INPUT:
        lhs, rhs, proven = rewrites.prove_rewrite(rewrite)
        assert proven and rhs != lhs, (lhs, rhs)


def test_a_broken_rewrite_is_caught_by_its_lemma():
    """log(sigma(u)) -> -logaddexp(0, u): the sign of u lost."""
    w = rewrites._w
    broken = ReplaceOptim(rewrites._log_of(sigma(w)),
                          lambda e: -logaddexp(0, rewrites._matched(e, sigma(w))))
    _, rhs, proven = rewrites.prove_rewrite(broken, sp.log(sigma(rewrites._u)))
    assert rhs == -logaddexp(0, rewrites._u) and not proven


def test_a_broken_split_sigmoid_is_caught_on_one_side_only():
    """Swapping the branches is right at u = 0 and wrong for u > 0 and u < 0."""
    u = rewrites._u
    e = sp.exp(-sp.Abs(u))

    def swapped(x):
        return sp.Piecewise((e / (1 + e), x.args[0] >= 0), (1 / (1 + e), True))

    broken = ReplaceOptim(lambda x: isinstance(x, sigma), swapped)
    assert not rewrites.prove_rewrite(broken, sigma(u))[2]


def test_the_zero_weight_guard_is_proven_and_a_misplaced_one_is_caught():
    for term in rewrites.GUARDED_TERMS:
        assert rewrites.prove_zero_weight_guard(term)

    def misplaced(e):  # guards on 1 - W instead of W: wrong wherever w = 1
        applied = next(a for a in e.args if isinstance(a, ElementwiseApplyFunction))
        (weight,) = [a for a in e.args if a is not applied]
        guarded = rewrites.Where(OneMatrix(*weight.shape) - weight, applied.expr, 1)
        return HadamardProduct(weight, vectorised.apply_lambda(applied.function, guarded))

    broken = ReplaceOptim(rewrites._weighted_log, misplaced)
    assert not rewrites.prove_zero_weight_guard(rewrites.GUARDED_TERMS[0], broken)


def test_generate_refuses_unproven_formulas(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(codegen, "proof_failures", lambda: ("logreg dw at (3, 5)",))
    with pytest.raises(codegen.UnprovenError, match="logreg dw"):
        codegen.emit()
    assert main(["generate", "--out", str(tmp_path)]) == EXIT_FINDING
    assert "refusing to emit" in capsys.readouterr().err and not list(tmp_path.iterdir())


# ------------------------------------------------------------------------- the printer


def test_the_run_check_catches_wrong_printed_code():
    """What the printer made of a proven expression is run against the axioms too."""
    files = codegen.emit()
    assert codegen.check_emitted(files) == []
    dropped = dict(files)
    dropped["logreg.py"] = files["logreg.py"].replace("Z = b + numpy.dot", "Z = numpy.dot")
    assert any(m.startswith("logreg d") for m in codegen.check_emitted(dropped))
    wrong = dict(files)
    wrong["two_layer_tanh.py"] = files["two_layer_tanh.py"].replace("(1 - A1**2)", "(1 - A1)")
    found = codegen.check_emitted(wrong)
    assert any(m.startswith("two_layer_tanh dW1") for m in found)
    assert not any(m.startswith("two_layer_sigmoid") for m in found)


def test_emit_refuses_a_printer_that_loses_a_transpose(monkeypatch):
    monkeypatch.setattr(codegen.ReferencePrinter, "_print_Transpose",
                        lambda self, expr: self._print(expr.arg))
    with pytest.raises(codegen.UnprovenError, match="printed code disagrees"):
        codegen.emit()


def test_printer_forms():
    m = sp.Symbol("m", integer=True, positive=True)
    M, Y = MatrixSymbol("M", 4, m), MatrixSymbol("Y", 1, m)
    b = MatrixSymbol("b", 4, 1)
    p = codegen.print_expr
    assert p(M * OneMatrix(m, 1) / m) == "numpy.sum(M, axis=1, keepdims=True)/m"
    assert p(b * OneMatrix(1, m) + M) in ("M + b", "b + M")
    assert p(Trace(Y * OneMatrix(m, 1)) / m) == "numpy.sum(Y)/m"
    assert p(HadamardProduct(Y, OneMatrix(1, m) - Y)) in ("(1 - Y) * Y", "Y * (1 - Y)")
    assert p(sp.Symbol("b") * OneMatrix(1, m)) == "b"


def test_emitted_formulas_are_the_printed_derivation(monkeypatch):
    """Change the derivation and the emitted code changes with it: nothing is typed by hand."""
    real = vectorised.logreg

    def halved(n_x, m):
        d = real(n_x, m)
        d.steps["dw"] = d.steps["dw"] / 2
        return d

    monkeypatch.setattr(vectorised, "logreg", halved)
    assert "dw = numpy.dot(X, dZ.T)/(2*m)" in codegen.render("logreg")


def test_formulas_in_the_modules():
    text = (REFERENCE / "logreg.py").read_text()
    assert "loss = (1 - Y) * numpy.logaddexp(0, Z) + numpy.logaddexp(0, -Z) * Y" in text
    assert "cost = numpy.sum(loss)/m" in text
    assert "dZ = A - Y" in text
    sigmoid_text = (REFERENCE / "two_layer_sigmoid.py").read_text()
    assert "dZ1 = numpy.dot(W2.T, dZ2) * (A1*(1 - A1))" in sigmoid_text
    tanh_text = (REFERENCE / "two_layer_tanh.py").read_text()
    assert "dZ1 = numpy.dot(W2.T, dZ2) * (1 - A1**2)" in tanh_text


def test_header_says_generated_and_from_which_derivation():
    for module in codegen.MODULES:
        head = (REFERENCE / f"{module}.py").read_text().splitlines()[:2]
        assert "Generated by `nnspec generate`" in head[0]
        assert "nnspec.spec.vectorised" in head[1]


RUFF = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")


@pytest.mark.skipif(RUFF is None, reason="ruff not installed")
def test_emitted_modules_pass_ruff():
    out = subprocess.run([RUFF, "check", "--no-cache", str(REFERENCE)], capture_output=True,
                         text=True, check=False)
    assert out.returncode == 0, out.stdout


# ------------------------------------------------------------------ generate and --check


def test_installed_reference_is_up_to_date(capsys):
    assert main(["generate", "--check"]) == EXIT_OK
    assert "up to date" in capsys.readouterr().out


@pytest.fixture
def copy(tmp_path):
    out = tmp_path / "reference"
    shutil.copytree(REFERENCE, out, ignore=shutil.ignore_patterns("__pycache__"))
    return out


def test_check_catches_an_edited_file_and_writes_nothing(copy, capsys):
    path = copy / "two_layer_tanh.py"
    edited = path.read_text().replace("(1 - A1**2)", "(1 - A1)")
    path.write_text(edited)
    before = {p.name: p.read_bytes() for p in copy.iterdir()}
    assert main(["generate", "--check", "--out", str(copy)]) == EXIT_FINDING
    out = capsys.readouterr().out
    assert "two_layer_tanh.py" in out and "logreg.py" not in out
    assert {p.name: p.read_bytes() for p in copy.iterdir()} == before


def test_check_catches_a_missing_file(copy, capsys):
    (copy / "logreg.py").unlink()
    assert main(["generate", "--check", "--out", str(copy)]) == EXIT_FINDING
    assert "logreg.py" in capsys.readouterr().out


def test_generate_repairs_drift_and_leaves_no_temporary_files(copy):
    header = (copy / "logreg.py").read_text().splitlines()[0]
    (copy / "logreg.py").write_text(f"{header}\n# edited\n")
    assert main(["generate", "--out", str(copy)]) == EXIT_OK
    assert main(["generate", "--check", "--out", str(copy)]) == EXIT_OK
    assert not [p for p in copy.iterdir() if p.name.endswith(".tmp")]


def test_a_file_generate_did_not_write_is_never_written_over(tmp_path, capsys):
    """`nnspec generate --out src/` replaced a user's own logreg.py, exit 0."""
    (tmp_path / "logreg.py").write_text("my own code\n")
    assert main(["generate", "--out", str(tmp_path)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "holds logreg.py that nnspec generate did not write" in err
    assert (tmp_path / "logreg.py").read_text() == "my own code\n"
    assert not (tmp_path / "two_layer_tanh.py").exists()  # nothing written at all


def test_out_that_is_a_file_is_a_usage_error(tmp_path, capsys):
    target = tmp_path / "file.txt"
    target.write_text("x")
    assert main(["generate", "--out", str(target)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("nnspec: error:") and len(err.strip().splitlines()) == 1


def test_unwritable_out_is_a_usage_error(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running with permissions that ignore the mode")
        assert main(["generate", "--out", str(locked)]) == EXIT_USAGE
        assert capsys.readouterr().err.startswith("nnspec: error: cannot write")
    finally:
        locked.chmod(0o700)


def test_regeneration_is_byte_identical_in_a_fresh_process(tmp_path):
    """Another process, another hash seed: the same bytes as the committed reference."""
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    script = ("import sys; from pathlib import Path; from nnspec.emit import codegen\n"
              "for m in codegen.MODULES:\n"
              "    Path(sys.argv[1], m + '.py').write_text(codegen.render(m), newline='\\n')\n")
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path)], env=env,
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    for module in codegen.MODULES:
        name = f"{module}.py"
        assert (tmp_path / name).read_bytes() == (REFERENCE / name).read_bytes(), name


def test_long_formulas_break_only_at_top_level_signs():
    assert codegen._top_level_terms("a + f(b + c) - d[0 - 1]") == ["a", "+ f(b + c)", "- d[0 - 1]"]
    code = "    loss = " + " + ".join(["numpy.log(A2 + 1)"] * 8) + "\n"
    wrapped = codegen._wrap_long_lines(code)
    assert wrapped.splitlines()[0] == "    loss = (" and wrapped.splitlines()[-1] == "    )"
    compile("def f(A2):\n" + wrapped, "<wrapped>", "exec")


def test_check_names_the_folder_it_checked_and_the_command_that_mends_it(tmp_path, capsys,
                                                                        monkeypatch):
    """`generate --check --out DIR` said "reference/ is out of date: run `nnspec generate`",
    whichever folder it checked, and a missing file "differs"."""
    import argparse

    from nnspec.emit import codegen

    monkeypatch.setattr(codegen, "emit", lambda: {"logreg.py": "x = 1\n", "other.py": "y\n"})
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "logreg.py").write_text("x = 2\n")
    code = codegen.run(argparse.Namespace(out=str(tmp_path / "out"), check=True))
    printed = capsys.readouterr().out
    assert code == 1 and f"differs: {tmp_path / 'out' / 'logreg.py'}" in printed
    assert f"missing: {tmp_path / 'out' / 'other.py'}" in printed
    assert f"run `nnspec generate --out {tmp_path / 'out'}`" in printed
