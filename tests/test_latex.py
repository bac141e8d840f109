"""LaTeX normalisation and the parse check that catches transcription mistakes."""

import builtins

import pytest
import sympy as sp

from nnspec.spec import definitions as defs
from nnspec.spec import latex

a, y, z, x, w, b = sp.symbols("a y z x w b", real=True)


@pytest.mark.parametrize("tex, expected", [
    (r"\frac{a-y}{a(1-a)}", (a - y) / (a * (1 - a))),
    (r"(1-\sigma(z))\sigma(z)", (1 - defs.sigma(z)) * defs.sigma(z)),
    (r"\frac{-(-1)e^{-z}}{(1+e^{-z})^2}", sp.exp(-z) / (1 + sp.exp(-z)) ** 2),
    (r"\sigma(\omega^Tx + b)", defs.sigma(w * x + b)),
    (r"-[y\log(\widehat{y})+(1-y)\log(1-\widehat{y})]",
     defs.loss(y, sp.Symbol("yhat", real=True))),
])
def test_notes_notation_parses_as_intended(tex, expected):
    assert latex.compare(tex, expected)[0] == "agrees"


def test_normalisation_rules():
    assert latex.normalise(r"a(1-a)") == r"a \cdot (1-a)"
    assert latex.normalise(r"W^{[2]}a^{[1]T}") == "W_{2}a_{1}"
    assert latex.normalise(r"e^{-z}") == r"\exp(-z)"
    assert latex.normalise(r"\color{red}{*}") == r" \cdot "
    assert r"\sigma(z)" in latex.normalise(r"\sigma(z)")  # a function, not a product


def test_a_transcription_mistake_is_caught():
    status, message = latex.compare(r"\frac{a-y}{a(1-a)}", (y - a) / (a * (1 - a)))
    assert status == "differs" and "parses as" in message
    # without the normalisation, a(1-a) would be read as a call of a function `a`
    assert latex.compare(r"(1-a)a", (1 - a) * a)[0] == "agrees"


def test_unparsable_latex_is_reported_not_raised():
    assert latex.compare(r"\frac{1}{", a)[0] == "unparsed"


def test_missing_parser_degrades_to_unavailable(monkeypatch):
    real_import = builtins.__import__

    def no_antlr(name, *args, **kwargs):
        if name.startswith("sympy.parsing.latex"):
            raise ImportError("antlr4 missing")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_antlr)
    status, message = latex.compare(r"a", a)
    assert status == "unavailable" and "parser unavailable" in message


def test_bind_compares_a_matrix_transcription_in_the_scalar_case():
    W2, a1 = sp.symbols("W2_0_0 s", real=True)
    status, _ = latex.compare(r"(a^{[2]}-y)W^{[2]}", (a - y) * W2, bind={"a2": a, "W2": W2})
    assert status == "agrees"
    assert latex.compare(r"(a^{[2]}-y)W^{[2]}", (y - a) * W2, {"a2": a, "W2": W2})[0] == "differs"
    del a1
