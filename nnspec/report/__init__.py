"""The Markdown reports: the verification report, its numerical evidence, figures and the digits.

May import every room below it: spec, emit, numerics, audit, and nnspec.errors, nnspec.files.
"""
