"""The notation table: the notes' LaTeX read into an expression tree that keeps the order of
every product, so transposes and element-wise products can be checked on concrete shapes.

Normalisation (the notation table), applied before parsing:
    \\omega -> w;  \\widehat{y}, \\widehat y, \\hat{y}, \\hat y -> yhat;  \\mathcal{L} -> L
    X^{[k]}  the quantity X of layer k (W^{[2]}, a^{[1]});  X^{[k]T}, X^T, X^{T}, X^\\top  its
    transpose;  \\mathbf{X}, \\boldsymbol{X}, \\bm{X}, \\vec{X} -> X
    X^{(i)}  X of example i (X^{[k](i)}, X^{[k](i)T});  \\Sigma_{i=1}^m, \\sum_{i=1}^{m}  a sum
    over the examples, of the whole product that follows it
    \\color{red}{*}, *, \\odot, \\circ  element-wise product;  juxtaposition, \\cdot, \\times  matrix product
    \\frac{dF}{dV}, \\frac{d F}{d V}, \\frac{\\partial F}{\\partial V}, \\frac{d}{dV} F  derivative of F in V
    σ, ω, α, η, ², ᵀ, ⊤, ∂, ŷ, ⊙, ·, ∑ as typed: \\sigma, \\omega, \\alpha, \\eta, ^2, ^T, T,
    \\partial, \\hat{y}, \\odot, \\cdot, \\sum
    dV (dw, db, dW^{[2]}, d\\omega)  the gradient of the loss in V
    \\sigma(u) the sigmoid, \\log, \\exp, \\tanh, e^{u}, and their derivatives \\sigma'(u), ...;
    L(u, v) and J(...) as the notes define them
    g(u), g'(u), g^{[k]}(u), g^{[k]'}(u)  the activation of layer k (the hidden layer's without
    k) and its derivative
    \\mathbb{P}(y|x)  the model's probability of the label y
    \\text{...}  a reference in words ("same as above", "similar logic"): not a formula
    \\left, \\right, ~, \\,, \\quad, \\!  dropped;  [ ] as parentheses; ” “ quotes dropped;
    \\begin{aligned} ... \\end{aligned}, & and \\\\ dropped (an aligned chain is a chain); a
    trailing , . ; : dropped;  \\dfrac, \\tfrac -> \\frac;  \\ln -> \\log;  \\mathrm{d} -> d;
    e^-z -> e^{-z}
Anything else raises `Unreadable` with the reason; the claim is then reported unchecked.

Why not SymPy's LaTeX parser alone: it builds commutative products, so `(a^{[2]}-y)a^{[1]T}`
comes back as `a1T*(a2 - y)`; the order of a matrix product (what a transpose check is about)
is lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

FUNCTIONS = {"sigma": 1, "log": 1, "exp": 1, "L": 2, "J": None, "P": 1}


class Unreadable(Exception):
    """Text the notation table cannot read; the message says what and why."""


@dataclass(frozen=True)
class Name:
    """A quantity: base letter(s), layer (None or 1, 2), transposed, example index (or None),
    and `power` when written with a plain superscript index (y^i)."""

    base: str
    layer: int | None = None
    transposed: bool = False
    index: str | None = None
    power: str | None = None

    @property
    def key(self) -> str:
        return self.base + (str(self.layer) if self.layer else "")

    def __str__(self) -> str:
        text = self.key + ("^T" if self.transposed else "")
        text += f"^({self.index})" if self.index else ""
        return text + (f"^{self.power}" if self.power else "")


# expression nodes: plain tuples, ("op", ...)
#   ("num", Fraction) ("name", Name) ("grad", Name) ("deriv", F, Name) ("add", [t])
#   ("neg", t) ("mul", [f]) ("ew", l, r) ("dot", l, r) ("div", n, d) ("pow", b, int)
#   ("transpose", t)
#   ("call", f, [args])
#   ("sum", var, lo, hi, body) ("prob", Name, Name)


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


_TYPED = str.maketrans({"σ": "\\sigma ", "−": "-", "′": "'", "’": "'", "ω": "\\omega ",
                        "α": "\\alpha ", "η": "\\eta ", "²": "^2", "ᵀ": "^T", "⊤": "T",
                        "∂": "\\partial ", "ŷ": "\\hat{y}", "⊙": "\\odot ", "·": "\\cdot ",
                        "∑": "\\sum"})


def normalise(tex: str) -> str:
    """The notes' notation -> the reduced LaTeX the parser reads (see the module doc)."""
    # as typed, not as TeX: σ, the minus sign U+2212, the prime ′; \sigma^\prime; \sum\limits
    tex = tex.translate(_TYPED).replace("\\left", "").replace("\\right", "")
    tex = re.sub(r"\^\{?\\prime\}?", "'", tex)
    tex = re.sub(r"\\(no)?limits(?![A-Za-z])", "", tex)
    # \tanh^2(z), \sigma^{2}(z): the power of the value, (\tanh(z))^2
    tex = re.sub(r"\\(tanh|sigma|log|exp)\^\{?(\d)\}?\s*\(([^()]*)\)", r"(\\\1(\3))^\2", tex)
    tex = re.sub(r"\\[Bb]ig{1,2}[lr]?(?![A-Za-z])", "", tex)  # \big( \Bigr]: sizes only
    tex = re.sub(r"\\operatorname\{(tanh|sigma|log|exp|ln)\}", r"\\\1", tex)
    tex = re.sub(r"\\(begin|end)\{[A-Za-z*]+\}|&|\\\\(\[[^\]]*\])?", " ", tex)  # aligned: a chain
    tex = re.sub(r"[,.;:]\s*$", "", tex)  # the sentence's punctuation after a formula
    tex = re.sub(r"\\[dt]frac(?![A-Za-z])", r"\\frac", tex)
    tex = re.sub(r"\\frac\s*([0-9A-Za-z])", r"\\frac{\1}", tex)  # \frac12: one-token arguments
    tex = re.sub(r"\\frac\{([^{}]*)\}\s*([0-9A-Za-z])", r"\\frac{\1}{\2}", tex)
    # equation numbers and labels are not mathematics
    tex = re.sub(r"\\(tag|label)\*?\{[^{}]*\}|\\(nonumber|notag)(?![A-Za-z])", " ", tex)
    tex = re.sub(r"\\ln(?![A-Za-z])", r"\\log", tex)
    tex = _unwrap(tex, r"\mathrm", "{}")  # \mathrm{d}: d
    tex = re.sub(r"\be\^-\s*([A-Za-z0-9])", r"e^{-\1}", tex)  # e^-z: e^{-z}, as meant
    tex = re.sub(r"\\(quad|qquad|,|;|!|displaystyle)", " ", tex).replace("~", " ")
    tex = re.sub(r"[”“\"]", "", tex)
    tex = _unwrap(tex, r"\color{red}", "{{{}}}")
    for bold in (r"\mathbf", r"\boldsymbol", r"\bm", r"\vec"):  # \mathbf{w}: w
        tex = _unwrap(tex, bold, "{}")
    tex = re.sub(r"\\(top|intercal)(?![A-Za-z])", "T", tex)  # A^\top: A^T
    # spaced: `\log\hat{y}` read `\logY` and said "cannot read '@'"
    tex = re.sub(r"\\(widehat|hat)\{y\}|\\(widehat|hat) y\b", " Y@", tex)
    tex = re.sub(r"\\(widehat|hat)\{Y\}|\\(widehat|hat) Y\b", " YH@", tex)  # vectorised
    tex = re.sub(r"\\(omega|mathcal\{L\}|mathbb\{P\}|Sigma|partial|odot|circ|cdot|times)(?![A-Za-z])",
                 lambda m: {"omega": "w", "mathcal{L}": "L", "mathbb{P}": "P", "Sigma": "\\sum",
                            "partial": "d", "odot": "*", "circ": "*", "cdot": "\\cdot",
                            "times": "\\cdot"}[m.group(1)], tex)
    tex = tex.replace("{*}", "*")
    tex = re.sub(r"\^\{\[(\d)\](\d+)\}", r"^{[\1]}^{\2}", tex)  # A^{[1]2}: layer 1, squared
    return tex


_TOKEN = re.compile(r"\s*(\\text\{[^{}]*\}|\\[A-Za-z]+|\d+(?:\.\d+)?|YH@|Y@|[A-Za-z]"
                    r"|[{}()\[\]^_+\-*/=,|.'])")


def tokenize(tex: str) -> list[str]:
    tokens, pos = [], 0
    tex = tex.strip()
    while pos < len(tex):
        m = _TOKEN.match(tex, pos)
        if not m:
            raise Unreadable(f"cannot read '{tex[pos:pos + 12]}'")
        tokens.append(m.group(1))
        pos = m.end()
        while pos < len(tex) and tex[pos].isspace():
            pos += 1
    return tokens


class _Parser:
    def __init__(self, tokens: list[str]):
        self.t, self.i = tokens, 0

    def peek(self, k: int = 0) -> str | None:
        return self.t[self.i + k] if self.i + k < len(self.t) else None

    def take(self, expected: str | None = None) -> str:
        tok = self.peek()
        if tok is None:
            raise Unreadable("the formula ends early" + (f": '{expected}' expected" if expected
                                                          else ""))
        if expected is not None and tok != expected:
            raise Unreadable(f"expected '{expected}', found '{tok}'")
        self.i += 1
        return tok

    def group(self) -> list[str]:
        """The tokens of a {...} group (or a single token)."""
        if self.peek() != "{":
            return [self.take()]
        self.take("{")
        depth, out = 1, []
        while True:
            if self.peek() is None:
                raise Unreadable("a '{' is never closed")
            tok = self.take()
            depth += {"{": 1, "}": -1}.get(tok, 0)
            if depth == 0:
                return out
            out.append(tok)

    def parse(self):
        node = self.expr()
        if self.peek() is not None:
            raise Unreadable(f"unexpected '{self.peek()}'")
        return node

    def expr(self):
        terms = [self.signed()]
        while self.peek() in ("+", "-"):
            op = self.take()
            term = self.term()
            terms.append(term if op == "+" else ("neg", term))
        return terms[0] if len(terms) == 1 else ("add", terms)

    def signed(self):
        if self.peek() == "-":
            self.take()
            return ("neg", self.term())
        if self.peek() == "+":
            self.take()
        return self.term()

    def starts_factor(self) -> bool:
        tok = self.peek()
        return tok is not None and (tok in ("(", "[", "{", "Y@", "YH@") or tok[0].isalnum()
                                    or tok in ("\\frac", "\\sigma", "\\log", "\\exp", "\\tanh",
                                               "\\sum", "\\text") or tok.startswith("\\text"))

    def term(self):
        factors = [self.factor()]
        while True:
            if self.peek() == "*":
                self.take()
                factors = [("ew", _product(factors), self.factor())]
            elif self.peek() == "\\cdot":
                self.take()
                factors = [("dot", _product(factors), self.factor())]
            elif self.peek() == "/":
                self.take()
                below = self.factor()
                if factors[-1][0] == "grad" and below[0] == "grad":  # dL / dz, \partial L /
                    factors[-1] = ("deriv", ("name", factors[-1][1]), below[1])  # \partial z
                    continue
                factors = [("div", _product(factors), below)]
            elif self.starts_factor():
                factors.append(self.factor())
            else:
                return _product(factors)

    def factor(self):
        if self.peek() == "-":
            self.take()
            return ("neg", self.factor())
        node = self.primary()
        while self.peek() == "^":
            self.take()
            exp = self.group()
            if len(exp) == 1 and exp[0].isdigit():  # a^2, \sigma(z)^2, A^{[1]2}
                node = ("pow", node, int(exp[0]))
            elif exp in (["-", "1"],):
                node = ("pow", node, -1)
            elif isinstance(node, tuple) and node[0] == "name":
                node = ("name", _decorate(node[1], exp))
            elif exp == ["T"]:  # (a - y)^T: the transpose of an expression
                node = ("transpose", node)
            else:
                raise Unreadable(f"power ^{{{''.join(exp)}}} of an expression")
        return node

    def primary(self):
        tok = self.take()
        if tok.startswith("\\text"):
            raise Unreadable(f"words, not a formula: {tok[6:-1].strip()!r}")
        if tok in ("(", "["):
            inner = self.expr()
            self.take(")" if tok == "(" else "]")
            return inner
        if tok == "{":
            self.i -= 1
            return _Parser(self.group()).parse()
        if re.fullmatch(r"\d+(\.\d+)?", tok):
            return ("num", Fraction(tok))
        if tok == "\\frac":
            num, den = self.group(), self.group()
            if num == ["d"] and len(den) > 1 and den[0] == "d":  # \frac{d}{dz} \tanh(z)
                return ("deriv", self.factor(), _derivative(["d", "x"], den)[2])
            deriv = _derivative(num, den)
            if deriv is not None:
                return deriv
            return ("div", _Parser(num).parse(), _Parser(den).parse())
        if tok in ("\\sigma", "\\log", "\\exp", "\\tanh"):
            func = tok[1:]
            if self.peek() == "'":  # \sigma'(z): the derivative, taken by SymPy
                self.take("'")
                func += "'"
            if self.peek() != "(":  # \log \hat{y}: the argument is the next factor
                return ("call", func, [self.factor()])
            return ("call", func, self.arguments())
        if tok == "g" and self.peek() in ("'", "(", "^"):
            return self.activation()
        if tok == "\\sum":
            return self.summation()
        if tok == "e" and self.peek() == "^":
            self.take("^")
            return ("call", "exp", [_Parser(self.group()).parse()])
        if tok == "d" and self.peek() is not None and (self.peek() in ("Y@", "YH@", "\\omega")
                                                      or re.fullmatch(r"[A-Za-z]", self.peek())):
            return ("grad", self.name(self.take()))
        if tok in ("L", "J") and self.peek() == "(":
            return ("call", tok, self.arguments())
        if tok == "P" and self.peek() == "(":
            return self.probability()
        if tok in ("Y@", "YH@") or re.fullmatch(r"[A-Za-z]", tok):
            return ("name", self.name(tok))
        if tok in ("\\alpha", "\\eta"):  # the learning rate of a gradient-descent step
            return ("name", Name("alpha"))
        raise Unreadable(f"'{tok}' is not in the notation table")

    def name(self, tok: str) -> Name:
        base = {"Y@": "yhat", "YH@": "Yhat"}.get(tok, tok)
        name = Name(base)
        if self.peek() == "_":
            self.take()
            sub = self.group()
            raise Unreadable(f"subscript _{{{''.join(sub)}}} on {base}")
        while self.peek() == "^" and self._is_decoration(self.peek(1), self.peek(2)):
            self.take("^")
            name = _decorate(name, self.group())
        return name

    def _is_decoration(self, after: str | None, then: str | None) -> bool:
        return after == "T" or (after == "{" and then in ("[", "(", "T"))

    def arguments(self) -> list:
        self.take("(")
        args = [self.expr()]
        while self.peek() == ",":
            self.take(",")
            args.append(self.expr())
        self.take(")")
        return args

    def activation(self):
        """g(u), g'(u), g^{[k]}(u), g^{[k]'}(u): the activation of layer k (of the hidden
        layer without k), as the course writes it."""
        layer, prime = "", False
        if self.peek() == "^":
            self.take("^")
            text = "".join(self.group())
            m = re.fullmatch(r"\[(\d)\]('?)", text)
            if m is None:
                raise Unreadable(f"superscript ^{{{text}}} on g")
            layer, prime = m.group(1), bool(m.group(2))
        if self.peek() == "'":
            self.take("'")
            prime = True
        if self.peek() != "(":
            raise Unreadable("g without its argument in parentheses")
        return ("call", "g" + layer + ("'" if prime else ""), self.arguments())

    def summation(self):
        if self.peek() != "_":
            raise Unreadable("a sum without its index")
        self.take("_")
        lower = self.group()
        if len(lower) == 1:
            raise Unreadable(f"a sum over {lower[0]} without its limits (the notation table "
                             f"reads \\sum_{{{lower[0]}=1}}^{{m}})")
        if len(lower) < 3 or lower[1] != "=":
            raise Unreadable(f"sum index '{''.join(lower)}'")
        self.take("^")
        upper = self.group()
        # the body runs to the next + or - (a product of factors), as sum_i x_i y_i reads
        return ("sum", lower[0], "".join(lower[2:]), "".join(upper), self.term())

    def probability(self):
        self.take("(")
        label = self.name(self.take())
        self.take("|")
        given = self.name(self.take())
        self.take(")")
        return ("prob", label, given)


def _decorate(name: Name, exp: list[str]) -> Name:
    """Apply a superscript: [k] layer, [k]T, T transpose, (i) example index, [k](i) both, i a
    plain index. Layer 0 is the input: A^{[0]} is X (a^{[0]} is x), as the course writes it;
    no other quantity has a layer 0 (read as no layer, A^{[0]} = X was an erratum)."""
    text = "".join(exp)
    m = re.fullmatch(r"\[(\d)\](T?)", text)
    if m:
        return _layer(Name(name.base, int(m.group(1)), bool(m.group(2)), name.index,
                           name.power))
    m = re.fullmatch(r"\[(\d)\]\(([a-z])\)(T?)", text)  # Z^{[2](i)}: layer 2, example i
    if m:
        return _layer(Name(name.base, int(m.group(1)), name.transposed or bool(m.group(3)),
                           m.group(2), name.power))
    if text == "T":
        return Name(name.base, name.layer, True, name.index, name.power)
    m = re.fullmatch(r"\(([a-z])\)", text)
    if m:
        return Name(name.base, name.layer, name.transposed, m.group(1), name.power)
    if re.fullmatch(r"[a-z]", text):
        return Name(name.base, name.layer, name.transposed, name.index, text)
    if re.fullmatch(r"\d+", text):
        raise Unreadable(f"{name}^{text}: a power of a named quantity")
    raise Unreadable(f"superscript ^{{{text}}} on {name}")


def _layer(name: Name) -> Name:
    if name.layer != 0:
        return name
    if name.base in ("A", "a"):
        return Name("X" if name.base == "A" else "x", None, name.transposed, name.index,
                    name.power)
    raise Unreadable(f"{name.base}^{{[0]}}: layer 0 is the input, whose only quantity is "
                     "A^{[0]} = X")


def _product(factors: list):
    return factors[0] if len(factors) == 1 else ("mul", factors)


def _derivative(num: list[str], den: list[str]):
    """\\frac{dF}{dV} -> ("deriv", F, V) when both start with d (or a partial)."""
    if not (num and den and num[0] == "d" and den[0] == "d"):
        if num and num[0] == "d" and len(num) > 1:
            raise Unreadable("a derivative whose denominator is not d<quantity>")
        return None
    if len(num) == 1:
        raise Unreadable("a derivative operator d/dV applied to what follows")
    wrt = _Parser(den[1:])
    var = wrt.name(wrt.take())
    if wrt.peek() is not None:
        raise Unreadable(f"derivative in '{''.join(den[1:])}', not one quantity")
    return ("deriv", _Parser(num[1:]).parse(), var)


MAX_NESTING = 60  # brackets within brackets that a formula may have (notes use a few)


def parse(tex: str):
    """The normalised LaTeX of one side of a relation, as an expression tree. Nesting deeper
    than MAX_NESTING is unreadable: the parser, and every walk of its tree, recurse once per
    level (200 nested parentheses were a RecursionError and a traceback)."""
    tokens = tokenize(normalise(tex))
    if not tokens:
        raise Unreadable("empty formula")
    depth = deepest = 0
    for tok in tokens:
        depth += (tok in ("(", "{", "[")) - (tok in (")", "}", "]"))
        deepest = max(deepest, depth)
    if deepest > MAX_NESTING:
        raise Unreadable(f"brackets nested {deepest} deep, more than the {MAX_NESTING} nnspec "
                         "reads")
    try:
        return _Parser(tokens).parse()
    except RecursionError:
        raise Unreadable("nested too deeply to read") from None
