"""Shape-aware products for matrix claims, and the shapes the claims are checked on.

The notes write per-example formulas such as (a2 - y) W2 * ((1 - a1) a1) x. Transcribed with
`mm` (matrix product) and `ew` (element-wise product), a product whose shapes do not conform
raises `NonConforming` naming both shapes and what NumPy would silently do instead
(broadcast an (1, n) row against an (n, 1) column into an (n, n) matrix).
"""

from __future__ import annotations

import itertools
import random

import numpy as np
import sympy as sp

SIZES = (1, 2, 3, 4)
# Pairwise distinct sizes (and the degenerate ones): a misplaced transpose cannot conform by chance.
PROOF_LOGREG = ((3, 2), (2, 4), (1, 1))
PROOF_TWO_LAYER = ((3, 2, 1), (2, 4, 1), (1, 1, 1))
PROOF_TWO_LAYER_VECTORISED = ((3, 2, 4), (1, 1, 1))


class NonConforming(Exception):
    """A product whose operand shapes do not conform."""

    def __init__(self, op: str, left: tuple[int, int], right: tuple[int, int]):
        self.op, self.left, self.right = op, tuple(left), tuple(right)
        try:
            numpy = f"NumPy would broadcast to {np.broadcast_shapes(self.left, self.right)}"
        except ValueError:
            numpy = "NumPy would raise too"
        if op == "matrix product":
            numpy = "np.dot would raise"
        super().__init__(f"{op} of {self.left} and {self.right} does not conform ({numpy})")


def mm(left: sp.Matrix, right: sp.Matrix) -> sp.Matrix:
    """Matrix product (p, q)(q, r) -> (p, r); a (1, 1) factor acts as a scalar, as in the notes."""
    if left.shape == (1, 1) and right.shape != (1, 1):
        return left[0, 0] * right
    if right.shape == (1, 1) and left.shape != (1, 1):
        return right[0, 0] * left
    if left.shape[1] != right.shape[0]:
        raise NonConforming("matrix product", left.shape, right.shape)
    return left * right


def ew(left: sp.Matrix, right: sp.Matrix) -> sp.Matrix:
    """Element-wise (Hadamard) product of two matrices of the same shape."""
    if left.shape != right.shape:
        raise NonConforming("element-wise product", left.shape, right.shape)
    return left.multiply_elementwise(right)


def logreg_shapes() -> list[tuple[int, int]]:
    """Every (n_x, m) with sizes 1..4."""
    return list(itertools.product(SIZES, SIZES))


def two_layer_shapes(per_example: bool) -> list[tuple[int, int, int]]:
    """Every (n_x, n_h, m) with sizes 1..4; m = 1 for the notes' per-example formulas."""
    ms = (1,) if per_example else SIZES
    return list(itertools.product(SIZES, SIZES, ms))


def rational_point(symbols: set[sp.Symbol], rng: random.Random) -> dict[sp.Symbol, sp.Rational]:
    """Random rationals in (-2, 2) for every symbol, sorted by name so a seed gives one point."""
    return {
        s: sp.Rational(rng.randint(-199, 199), rng.randint(100, 199))
        for s in sorted(symbols, key=lambda s: s.name)
    }

