"""Shape claims of the notes: `W^{[1]} \\in \\mathbb{R}^{n_h \\times n_x}`, `\\dim(b^{[1]}) =
(n_h, 1)`: the shape the notation table's value has (nnspec.spec.meaning), against the sizes
written.

The value is computed on a network whose sizes (n_x, n_h, m) = (3, 2, 4) are pairwise distinct
and not 1, so that swapped or missing sizes cannot match by chance, and each size of the
result names one of them back. A quantity of the examples written in lowercase (x, a^{[1]}, dz,
x^{(i)}) is one example's, a capital (X, A^{[1]}, dZ) the m examples side by side, as the
course writes them; the other reading is a convention. R^k alone is a column (k, 1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import sympy as sp

from nnspec.spec import notation
from nnspec.spec.claims import Outcome
from nnspec.spec.conventions import AS_WRITTEN
from nnspec.spec.meaning import CAPITALS, Evaluator, Network, names_in
from nnspec.spec.shapes import NonConforming

N_X, N_H, M = 3, 2, 4
SIZE_NAMES = {N_X: "n_x", N_H: "n_h", M: "m", 1: "1"}
EXAMPLES = {"x", "y", "z", "a", "yhat", "z1", "a1", "z2", "a2", "L"}  # one example's (L: the
# loss of one example, by the notes' definition)
ONE_EXAMPLE = "a lowercase name for the m examples side by side (the course's capital)"
STACKED = "a capital for one example (the course's lowercase)"

_SPACE = re.compile(r"\s*(?:\\mathbb\s*\{\s*R\s*\}|\\mathbb\s+R|\\Bbb\s*\{?\s*R\s*\}?|"
                    r"\\mathbf\s*\{\s*R\s*\}|\\R(?![A-Za-z])|\\reals|R)\s*"
                    r"(?:\^\s*(?:\{(?P<braced>.*)\}|(?P<one>[A-Za-z0-9])))?\s*$", re.DOTALL)
_DIM = re.compile(r"\s*(?:\\dim|\\operatorname\s*\{\s*dim\s*\}|\\mathrm\s*\{\s*dim\s*\}|"
                  r"\\text\s*\{\s*(?:dim|shape)\s*\})\s*(?P<of>.+?)\s*$", re.DOTALL)
_LAYER_SIZE = re.compile(r"n\s*\^\s*\{?\s*\[\s*(\d)\s*\]\s*\}?")
_SIZE_TEXT = re.compile(r"[0-9nmxh_+\-*() ]+")


def space_sizes(tex: str) -> tuple[str, ...] | None:
    """The sizes of `\\mathbb{R}^{a \\times b}` as written, ("1",) for R alone; None for
    anything else."""
    found = _SPACE.fullmatch(tex)
    if found is None:
        return None
    power = found.group("braced") or found.group("one") or "1"
    return tuple(part.strip() for part in re.split(r"\\times|×", power))


def tuple_sizes(tex: str) -> tuple[str, ...] | None:
    """The sizes of `(a, b)` (or `a \\times b`, or a space) as written; None otherwise."""
    text = re.sub(r"\\left|\\right", "", tex).strip()
    if text.startswith("(") and text.endswith(")"):
        return tuple(part.strip() for part in text[1:-1].split(","))
    if "\\times" in text or "×" in text:
        return tuple(part.strip() for part in re.split(r"\\times|×", text))
    return space_sizes(tex)


def dim_of(tex: str) -> str | None:
    """X of `\\dim(X)`, `\\dim X`, `\\text{shape}(X)`; None for anything else."""
    found = _DIM.fullmatch(tex)
    if found is None:
        return None
    inner = re.sub(r"^\\left\s*\(|\\right\s*\)$", "", found.group("of").strip()).strip()
    if inner.startswith("(") and inner.endswith(")"):
        inner = inner[1:-1]
    return inner.strip() or None


@dataclass(frozen=True)
class Shape:
    """`quantity` has the shape of `sizes` (each as the notes write it)."""

    quantity: str
    sizes: tuple[str, ...]
    written: str

    def describe(self) -> str:
        return self.written

    @property
    def subject(self) -> str:
        """The claim's id within its section: `W1-shape`."""
        try:
            tree = notation.parse(self.quantity)
        except notation.Unreadable:
            return "shape"
        name = tree[1] if tree[0] in ("name", "grad") else None
        if name is None:
            return "shape"
        return ("d" if tree[0] == "grad" else "") + name.key + ("T" if name.transposed else "") \
            + "-shape"

    def run(self) -> Outcome:
        try:
            tree = notation.parse(self.quantity)
        except notation.Unreadable as exc:
            return Outcome(None, f"the notation table cannot read it: {exc}")
        tree, one = _one_example(tree)
        two = bool(names_in(tree) & _layered())
        if len(self.sizes) > 2:
            return Outcome(None, f"{len(self.sizes)} sizes: the notation's quantities are "
                           "matrices")
        try:
            sizes = [_size(text, two) for text in self.sizes]
            got = _shape_of(tree, two, 1 if one else M)
        except notation.Unreadable as exc:
            return Outcome(None, f"the notation table cannot read it: {exc}")
        except NonConforming as exc:
            return Outcome(False, "its product does not conform", str(exc))
        if len(sizes) == 1:
            sizes.append(sp.Integer(1))  # R^k: a column
        want = tuple(int(size.subs(_SYMBOLS)) for size in sizes)
        on = f"on (n_x, n_h, m) = ({N_X}, {N_H}, {M})" if two else f"on (n_x, m) = ({N_X}, {M})"
        written = f"({', '.join(str(s) for s in sizes)})"
        what = self.subject.removesuffix("-shape").removesuffix("shape") or "it"
        if got == want:
            return Outcome(True, f"{what} is {_named(got)} as written ({got} {on})")
        evidence = (f"the notation table's {what} is {_named(got)}, {got} {on}, not "
                    f"{written}" + ("; that is the shape of its transpose"
                                    if got == want[::-1] else ""))
        try:
            other = _shape_of(tree, two, M if one else 1)
        except (notation.Unreadable, NonConforming):
            other = None
        if other == want:
            convention = ONE_EXAMPLE if one else STACKED
            return Outcome(False, f"{what} is {_named(got)}; holds under: {convention}",
                           evidence, convention=convention)
        return Outcome(False, f"{what} is {_named(got)}, not {written}", evidence)


_SYMBOLS = {sp.Symbol("n_x"): N_X, sp.Symbol("n_h"): N_H, sp.Symbol("m"): M}


def _layered() -> set:
    from nnspec.spec.formulas import LAYERED

    return LAYERED


def _size(text: str, two: bool) -> sp.Expr:
    """One size as an expression in n_x, n_h, m: `n_h`, `n_{x}`, `n^{[1]}` (n_h in a 2-layer
    network, the output's 1 in logistic regression), `n_y` (1), `m`, numbers."""
    layers = {"0": "n_x", "1": "n_h" if two else "1", "2": "1"}
    clean = re.sub(r"\\[,;!: ]|\\quad|\\left|\\right", "", text)
    clean = _LAYER_SIZE.sub(lambda m: layers.get(m.group(1), "?"), clean)
    clean = re.sub(r"n_\{\s*([A-Za-z0-9]+)\s*\}", r"n_\1", clean)
    clean = re.sub(r"\bn_y\b", "1", clean).replace("\\cdot", "*").strip()
    if not clean or not _SIZE_TEXT.fullmatch(clean) or re.search(r"n_(?![xh]\b)", clean):
        raise notation.Unreadable(f"the size {text.strip()!r} is none of the notation table's "
                                  "(n_x, n_h, m, n^{[l]}, numbers)")
    try:
        size = sp.sympify(clean, locals={str(symbol): symbol for symbol in _SYMBOLS})
    except (sp.SympifyError, SyntaxError, TypeError) as exc:
        raise notation.Unreadable(f"the size {text.strip()!r} does not read: {exc}") from None
    if not size.free_symbols <= set(_SYMBOLS):  # `h`, `x m`: letters of no size
        raise notation.Unreadable(f"the size {text.strip()!r} is none of the notation table's "
                                  "(n_x, n_h, m, n^{[l]}, numbers)")
    return size


def _one_example(tree):
    """(the tree, whether it is one example's): an example index (`x^{(i)}`) is dropped, and
    a lowercase quantity of the examples, with no capital beside it, is one example's."""
    if tree[0] == "name" and tree[1].index:
        return ("name", replace(tree[1], index=None)), True
    written = _written(tree)
    return tree, bool(written) and not written & set(CAPITALS)


def _written(node) -> set[str]:
    """The keys of the quantities of the examples as written (names_in reads A1 as a1)."""
    if isinstance(node, notation.Name):
        return {node.key} if node.key in EXAMPLES or node.key in CAPITALS else set()
    if isinstance(node, (tuple, list)):
        return set().union(*(_written(part) for part in node)) if node else set()
    return set()


def _shape_of(tree, two: bool, m: int) -> tuple[int, int]:
    return tuple(Evaluator(Network(N_X, N_H, m, two), AS_WRITTEN)(tree).shape)


def _named(shape: tuple[int, int]) -> str:
    return f"({', '.join(SIZE_NAMES.get(size, str(size)) for size in shape)})"
