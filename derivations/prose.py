"""Prose claims whose checked content is read from the notes' own text.

The sentence is bound by quote; what it lists (the parameters to update, the names the training
loop assigns) is read from the text of NOTES that follows the quote, so an edit of the list or of
the listing moves the verdict.
"""

from __future__ import annotations

import ast
import re

import sympy as sp

from nnspec.derivations import symbols as S
from nnspec.derivations.two_layer import parameter_groups
from nnspec.spec import definitions as defs
from nnspec.spec.claims import Claim, Outcome, shown_set
from nnspec.spec.notes import Notes
from nnspec.spec.verify import Computed

PARAMETERS_QUOTE = "We now need to update 4 parameters:"
UPDATED_QUOTE = ("The parameters that are udpated during the training are the weights $\\omega$ "
                 "and the bias $b$.")


def listed_parameters(tex: str) -> list[str]:
    """W^{[1]}, b^{[2]}, ... -> ["W1", "b2", ...], in the order written."""
    return [f"{letter}{layer}" for letter, layer in re.findall(r"([Wb])\^\{\[(\d)\]\}", tex)]


def text_after(notes: Notes, quote: str) -> str:
    """The first math segment after the quote, on the same line ("" if none)."""
    at = notes.text.find(quote)
    rest = notes.text[at + len(quote):].split("\n", 1)[0] if at >= 0 else ""
    m = re.search(r"\$([^$]+)\$", rest)
    return m.group(1) if m else ""


def parameters_listed(tex: str) -> Outcome:
    listed = listed_parameters(tex)
    actual = parameter_groups(defs.TwoLayer(2, 3, 1))
    missing, twice = actual - set(listed), sorted({n for n in listed if listed.count(n) > 1})
    ok = len(listed) == len(actual) and set(listed) == actual
    return Outcome(ok, f"the cost depends on {sorted(actual)}; the notes list {listed}",
                   f"missing {sorted(missing)}, listed twice {twice}" if not ok else "")


def loop_assignments(notes: Notes, quote: str) -> set[str] | None:
    """Names assigned in the training loop the sentence `quote` speaks of, or None: the first
    `for` listing after it (else the last before it), not the first of the notes, which may
    be any loop (a sum over the pixels) written earlier."""
    at = notes.text.find(quote)
    line = notes.line_of(at) if at >= 0 else 0
    loops = [b for b in notes.code if b.source.startswith("for ")]
    after = [b for b in loops if b.lines[0][0] >= line]
    for block in (after or loops[::-1])[:1]:
        try:
            tree = ast.parse(block.source)
        except SyntaxError:
            return None
        return {t.id for n in ast.walk(tree) if isinstance(n, ast.Assign)
                for t in n.targets if isinstance(t, ast.Name)}
    return None


def parameters_updated(notes: Notes) -> Outcome:
    targets = loop_assignments(notes, UPDATED_QUOTE)
    if targets is None:
        return Outcome(None, "no training loop (a `for` listing that parses) in the notes")
    p = defs.LogReg(2, 1)
    parameters = {s.name.split("_")[0] for s in p.J().free_symbols - set(p.X) - set(p.Y)}
    updated = targets & parameters
    return Outcome(updated == parameters, f"the loop assigns {sorted(targets)}; of those, "
                   f"{sorted(updated)} are the parameters of J ({sorted(parameters)})")


RANGE_QUOTE = r"\in [0,1]"
_INTERVAL = re.compile(r"^\s*([\[\]()])\s*(-?\d+)\s*,\s*(-?\d+)\s*([\[\]()])")


def range_statement(notes: Notes, quote: str) -> tuple[list[str], str]:
    """(the parts of the chain, what follows `\\in`) of the math segment holding `quote`."""
    for math in notes.math:
        if quote in math.tex:
            before, _, after = math.tex.partition("\\in")
            return [part.strip() for part in before.split("=") if part.strip()], after
    return [], ""


def stated_range(parts: list[str], stated: str) -> Outcome:
    """The range of each part of the chain, as the notes write it (yhat, sigma(w^T x + b),
    tanh(z)), over every z = w x + b, against the interval the text states: false where one
    part leaves it. A part that is not a function of z alone (P(y|x) as written depends on
    y) is left out."""
    bounds = _INTERVAL.match(stated)
    if not parts or bounds is None:
        return Outcome(None, f"no interval read after \\in in {stated.strip()!r}")
    low, high = int(bounds.group(2)), int(bounds.group(3))
    interval = sp.Interval(low, high, bounds.group(1) in "(]", bounds.group(4) in ")[")
    ranges = {part: _range_over_z(part) for part in parts}
    read = {part: rng for part, rng in ranges.items() if isinstance(rng, sp.Set)}
    if not read:
        return Outcome(None, "; ".join(ranges.values()))
    outside = {part: rng for part, rng in read.items() if rng.is_subset(interval) is not True}
    shown = "; ".join(f"the range of {part} over every z is {shown_set(rng)}"
                      for part, rng in read.items())
    if outside:
        return Outcome(False, f"{shown}; the notes state {shown_set(interval)}",
                       "; ".join(f"{part}: {shown_set(rng)} is not within {shown_set(interval)}"
                                 for part, rng in outside.items()))
    never = [str(e) for e in (low, high)
             if e in interval and not any(e in rng for rng in read.values())]
    return Outcome(True, shown + (f" ({' and '.join(never)} never reached)" if never else ""))


def _range_over_z(part: str) -> sp.Set | str:
    """The range of one part over every z = w x + b (x = 1, b = 0: z = w), or why none."""
    from sympy.calculus.util import function_range

    from nnspec.spec import notation
    from nnspec.spec.conventions import AS_WRITTEN
    from nnspec.spec.meaning import Evaluator, Network
    from nnspec.spec.verify import sigma_defined

    net = Network(1, 1, 1, False)
    try:
        value = Evaluator(net, AS_WRITTEN)(notation.parse(part))
    except (notation.Unreadable, ValueError) as exc:
        return f"the notation table cannot read {part!r}: {exc}"
    (x,), (b,), (w,) = net.value("x"), net.value("b"), net.value("w")
    expr = sigma_defined(value[0, 0]).subs({x: 1, b: 0})
    if value.shape != (1, 1) or expr.free_symbols - {w}:
        return f"{part} is not a function of z alone"
    return function_range(expr, w, sp.S.Reals)


SECOND_ARROW_QUOTE = "Second arrow: probability"


def arrow_step(notes: Notes, quote: str, k: int) -> list[str]:
    """The parts of what the k-th arrow of the arrow chain before `quote` makes
    (`x, \\omega, b \\to z = ... \\to \\widehat{y}=a=\\sigma(z) \\to ...`: the second
    arrow's is yhat = a = sigma(z)), or []."""
    from nnspec.spec.extract import ARROWS, top_level_split

    at = notes.text.find(quote)
    chains = [m for m in notes.math if at < 0 or m.offset < at]
    for math in reversed(chains):
        steps = top_level_split(math.tex, ARROWS)
        if len(steps) > k:
            s, e, _ = steps[k]
            return [part.strip() for part in math.tex[s:e].split("=") if part.strip()]
    return []


FIRST_ARROW_QUOTE = "First arrow: regression"


def affine_in_x(parts: list[str]) -> Outcome:
    """What the first arrow makes, as the notes write it, is a linear regression: affine in
    the input x (every second derivative in x is 0, a first one is not)."""
    from nnspec.spec import notation
    from nnspec.spec.conventions import AS_WRITTEN
    from nnspec.spec.meaning import Evaluator, Network
    from nnspec.spec.verify import sigma_defined

    net = Network(2, 1, 1, False)
    xs = list(net.value("x"))
    read = {}
    for part in parts:
        try:
            value = Evaluator(net, AS_WRITTEN)(notation.parse(part))
        except (notation.Unreadable, ValueError):
            continue
        if value.shape == (1, 1):
            read[part] = sigma_defined(value[0, 0])
    if not read:
        return Outcome(None, "no step of the arrow chain read before the sentence")
    curved = [part for part, e in read.items()
              if any(sp.simplify(sp.diff(e, u, v)) != 0 for u in xs for v in xs)]
    flat = [part for part, e in read.items() if all(sp.diff(e, u) == 0 for u in xs)]
    if curved or flat:
        return Outcome(False, f"{', '.join(read)}: not affine in x",
                       "; ".join([f"{p} is curved in x (a second derivative is not 0)"
                                  for p in curved] + [f"{p} does not depend on x"
                                                      for p in flat]))
    return Outcome(True, f"{' = '.join(read)} is affine in x (zero second derivatives): a "
                   "linear regression")


def claims(notes: Notes) -> list[Claim]:
    listed = text_after(notes, PARAMETERS_QUOTE)
    fixed = r"W^{[1]}, b^{[1]}, W^{[2]}, b^{[2]}"
    return [
        Claim("two.bwd.four-parameters", S.TWO_BACKWARD, PARAMETERS_QUOTE, "prose statement",
              Computed(lambda: parameters_listed(listed), f"the list ${listed}$ read from the "
                       "notes vs the parameters of J"),
              correction=f"{PARAMETERS_QUOTE} ${fixed}$",
              corrected=Computed(lambda: parameters_listed(fixed), "")),
        Claim("one.yhat-range", S.ONE_LAYER, RANGE_QUOTE, "prose statement",
              Computed(lambda: stated_range(*range_statement(notes, RANGE_QUOTE)),
                       "function_range of the subject read from the notes, over every z")),
        Claim("one.fwd.first-arrow", S.ONE_FORWARD, FIRST_ARROW_QUOTE, "prose statement",
              Computed(lambda: affine_in_x(arrow_step(notes, FIRST_ARROW_QUOTE, 1)),
                       "what the first arrow makes, read from the notes: affine in x")),
        Claim("one.fwd.second-arrow", S.ONE_FORWARD, SECOND_ARROW_QUOTE, "prose statement",
              Computed(lambda: stated_range(arrow_step(notes, SECOND_ARROW_QUOTE, 2), "[0,1]"),
                       "what the second arrow makes, read from the notes: a probability")),
        Claim("one.bwd.updated-parameters", S.ONE_BACKWARD, UPDATED_QUOTE, "prose statement",
              Computed(lambda: parameters_updated(notes), "assignment targets of the loop "
                       "listing read from the notes")),
    ]
