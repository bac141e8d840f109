"""Code emission: the derived expressions printed by SymPy as the NumPy reference.

May import: nnspec.spec, nnspec.errors, nnspec.files; never numerics, audit or report.
"""
