"""Scalar symbols and section names shared by the transcriptions of the notes."""

import sympy as sp

a, y, z, x, w, b = sp.symbols("a y z x w b", real=True)
yhat = sp.Symbol("yhat", real=True)

INTRO = "Neural network"
ONE_LAYER = "1-layer neural network"
ONE_FORWARD = "1-layer neural network / Forward propagation"
ONE_BACKWARD = "1-layer neural network / Backward propagation"
CODE = "1-layer neural network / Code"
TWO_FORWARD = "2-layer neural network / Forward propagation"
TWO_BACKWARD = "2-layer neural network / Backward propagation"

ROW_GRADIENT = "row (denominator-layout) gradient: the transpose of the column gradient"
LABEL_FIRST = "label-first argument order, L(y, a) as the loss is defined"
