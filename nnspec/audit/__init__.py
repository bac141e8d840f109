"""Audits of other people's implementations: engine, contracts, sandbox and targets.

May import: nnspec.spec, nnspec.numerics, nnspec.reference, nnspec.errors, nnspec.files; never report.
"""
