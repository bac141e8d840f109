"""The notes as claims and verdicts: the axioms, the notation, the claims, the SymPy checks.

May import: nnspec.errors, nnspec.files, nnspec.derivations and the emitted nnspec.reference;
never emit, numerics, audit or report.
"""
