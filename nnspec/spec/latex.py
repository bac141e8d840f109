"""Parse the notes' LaTeX with SymPy, after a small normalisation of their notation.

SymPy's ANTLR LaTeX parser misreads the notes silently (FACTS.md): `\\widehat{y}` as a product,
`a(1-a)` as a call of a function `a`, `W^{[2]}` as a power, `e` as a symbol. Normalisation:
    \\widehat{y}, \\widehat y  -> y_{h}          (read back as the symbol `yhat`)
    X^{[k]}, X^{[k]T}         -> X_{k}          (layer index; `a1`, `W2`; T dropped: scalar reading)
    ^T                        -> (dropped)      (a scalar reading of w^T x)
    \\omega -> w,  \\mathcal{L} -> L,  \\Sigma_ -> \\sum_,  e^{u} -> \\exp(u)
    \\color{red}{u} -> u,  * -> \\cdot,  v( -> v \\cdot (   (a variable before a parenthesis)
    trailing `~~~~\\text{Reminder: ...}` dropped
The parsed expression is compared with a claim's transcription, so a transcription mistake
is caught. `compare` degrades to "unavailable" when the parser backend is missing.
"""

from __future__ import annotations

import re

import sympy as sp

from nnspec.spec import definitions as defs

NAMES = {"y_{h}": "yhat", "a_{1}": "a1", "a_{2}": "a2", "W_{1}": "W1", "W_{2}": "W2",
         "z_{1}": "z1", "z_{2}": "z2", "b_{1}": "b1", "b_{2}": "b2"}
FUNCTIONS = {"sigma": defs.sigma, "L": defs.loss}
VARIABLES = "aybwxz"


class LatexUnavailable(Exception):
    """The ANTLR backend (antlr4-python3-runtime 4.11) is not installed."""


def _unwrap(tex: str, command: str, replace: str = "{}") -> str:
    """Replace `command{...}` (balanced braces) by `replace` formatted with the content."""
    while (start := tex.find(command + "{")) != -1:
        depth, i = 0, start + len(command)
        for i in range(start + len(command), len(tex)):
            depth += {"{": 1, "}": -1}.get(tex[i], 0)
            if depth == 0:
                break
        inner = tex[start + len(command) + 1:i]
        tex = tex[:start] + replace.format(inner) + tex[i + 1:]
    return tex


def normalise(tex: str) -> str:
    """The notes' notation -> what SymPy's LaTeX parser reads as intended (see module doc)."""
    tex = re.sub(r"~+\\text\{Reminder.*$", "", tex)
    tex = _unwrap(tex, r"\color{red}")
    tex = re.sub(r"\\widehat\{y\}|\\widehat y", "y_{h}", tex)
    tex = re.sub(r"\^\{\[(\d)\]T?\}", r"_{\1}", tex)
    tex = tex.replace("^T", "").replace(r"\omega", "w").replace(r"\mathcal{L}", "L")
    tex = tex.replace(r"\Sigma_", r"\sum_").replace("*", r" \cdot ")
    tex = _unwrap(tex, "e^", r"\exp({})")
    tex = re.sub(rf"(?<![\\A-Za-z])([{VARIABLES}](?:_\{{\w+\}})?)\s*\(", r"\1 \\cdot (", tex)
    return tex


def parse(tex: str) -> sp.Expr:
    """Parse normalised LaTeX; symbols renamed (NAMES), sigma and L bound to the axioms."""
    try:
        from sympy.parsing.latex import parse_latex

        parsed = parse_latex(normalise(tex))
    except ImportError as exc:
        raise LatexUnavailable(str(exc)) from None
    renames = {s: sp.Symbol(NAMES.get(s.name, s.name)) for s in parsed.free_symbols}
    parsed = parsed.xreplace(renames)
    for name, func in FUNCTIONS.items():
        parsed = parsed.replace(sp.Function(name), func)
    return parsed.replace(lambda e: isinstance(e, sp.log) and len(e.args) == 2,
                          lambda e: sp.log(e.args[0]) / sp.log(e.args[1]))


def _by_name(expr: sp.Expr, expected: sp.Expr) -> sp.Expr:
    """Bind the parsed symbols to the transcription's symbols of the same name (assumptions)."""
    table = {s.name: s for s in expected.free_symbols}
    return expr.xreplace({s: table[s.name] for s in expr.free_symbols if s.name in table})


def compare(tex: str, expected: sp.Expr, bind: dict[str, sp.Expr] | None = None
            ) -> tuple[str, str]:
    """("agrees" | "differs" | "unparsed" | "unavailable", one-line message).

    `bind` maps parsed symbol names to expressions (e.g. a1 to sigma(W1 x + b1) at a 1 x 1
    shape), so a matrix transcription can be compared with the notes in the scalar case.
    """
    try:
        parsed = parse(tex)
    except LatexUnavailable:
        return "unavailable", "LaTeX unchecked: parser unavailable (antlr4-python3-runtime==4.11)"
    except Exception as exc:  # noqa: BLE001 - the parser raises several unrelated types
        return "unparsed", f"LaTeX does not parse after normalisation: {type(exc).__name__}"
    if bind:
        parsed = parsed.xreplace({s: bind[s.name] for s in parsed.free_symbols
                                  if s.name in bind})
    parsed = _by_name(parsed, sp.sympify(expected))
    diff = (parsed - expected).replace(defs.sigma, defs.sigma_exp)
    if sp.simplify(diff) == 0:
        return "agrees", "LaTeX parse agrees with the transcription"
    return "differs", f"LaTeX parses as {sp.sstr(parsed)}, the transcription is {sp.sstr(expected)}"
