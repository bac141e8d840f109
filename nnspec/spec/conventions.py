"""The conventions: the one global table of readings a formula may be judged under.

A formula is first read as written (the reading of nnspec.spec.meaning, below). If it is false
as written, each convention of this table is tried on its own; the claim is
holds-under-convention when one makes it hold, with that convention named. A convention never
touches what the notes define: the argument order of L(y, yhat), the sigmoid, the forward pass.

As written (the course's layout, the notes' definitions):
    the gradient of a scalar in a quantity has the shape of that quantity (dW has the shape of W);
    the derivative of a vector in a vector is the matrix d out_j / d in_i (rows: the inputs);
    juxtaposition is the matrix product, a (1, 1) factor acting as a scalar;
    X^{(i)} is the quantity of example i; a plain superscript y^i is a power;
    P(y|x) is the probability the model gives to the label y: yhat^y (1 - yhat)^(1 - y).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Reading:
    """How a formula is read: as written (all False), or with one convention switched on."""

    row_layout: bool = False
    elementwise_vectors: bool = False
    superscript_index: bool = False
    probability_of_one: bool = False
    broadcast_columns: bool = False
    name: str = field(default="as written", compare=False)


AS_WRITTEN = Reading()

CONVENTIONS = (
    replace(AS_WRITTEN, row_layout=True,
            name="row (numerator-layout) gradients: d(scalar)/dV is the transpose of V's shape, "
                 "and d(vector)/d(vector) has a row per output"),
    replace(AS_WRITTEN, elementwise_vectors=True,
            name="entry-wise reading: the derivative of an entry-wise function is the vector of "
                 "entry-wise derivatives, and a product of two vectors (or matrices) of the same "
                 "shape is element-wise"),
    replace(AS_WRITTEN, superscript_index=True,
            name="a plain superscript is the example index: y^i means y^{(i)}"),
    replace(AS_WRITTEN, probability_of_one=True,
            name="P(y|x) means P(y = 1 | x)"),
    replace(AS_WRITTEN, broadcast_columns=True,
            name="a column added to a matrix is added to each of its columns (b broadcast "
                 "over the examples, as NumPy does)"),
)
