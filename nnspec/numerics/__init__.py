"""Numbers: the mpmath oracle, float64 error bounds, problem generators and their profiles.

May import: nnspec.errors and nnspec.files only; never spec, emit, audit or report.
"""
