"""The claim model: what the notes say, and what has to be computed to judge it.

A `Claim` quotes the notes verbatim and carries a `Check` (what to compute: an equality, a
gradient on concrete shapes, a run of a code listing, a property of the axioms). The verdict is
never written in a claim: `nnspec.spec.verify` runs the check and returns a `ClaimResult`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

VERDICTS = ("holds", "holds-under-convention", "false", "unchecked")
KINDS = ("definition", "derivation step", "prose statement", "code", "shape/dimension")


def shown_set(region: Any) -> str:
    """A SymPy set as a reader writes it in a detail: (0, 1), [0, ∞), ∅ (its repr read
    Interval.open(0, 1), Interval(0, oo), EmptySet)."""
    import sympy as sp

    return sp.pretty(region, use_unicode=True)


@dataclass(frozen=True)
class Outcome:
    """What a check computed.

    `ok` is the check's answer for the claim as written (None: could not be decided);
    `convention` names the first convention under which it holds when `ok` is False;
    `engine_error` is set when the engine contradicts itself (exit 1), e.g. simplify proves an
    equality that high-precision evaluation refutes.
    """

    ok: bool | None
    detail: str
    evidence: str = ""
    convention: str = ""
    engine_error: str = ""


class Check(Protocol):
    def run(self) -> Outcome: ...

    def describe(self) -> str:
        """The SymPy transcription, as text."""
        ...


@dataclass(frozen=True)
class Claim:
    """One statement of the notes and the check that judges it.

    `correction` is the corrected statement (LaTeX) and `corrected` a check that must hold for
    it; the engine runs it whenever the claim is not `holds`, so a correction is never unproven.
    `extensions` are (label, check) pairs derived from the claim (e.g. its vectorised form over
    m examples); they must hold, and their result is added to the detail.
    """

    id: str
    section: str
    notes: str
    kind: str
    check: Any
    correction: str = ""
    corrected: Any = None
    transcription: str = ""
    extensions: tuple = ()
    line: int = 0
    extracted: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"claim {self.id}: unknown kind {self.kind!r}")


@dataclass(frozen=True)
class ClaimResult:
    """A claim with its computed verdict; `to_dict` is the JSON record."""

    id: str
    section: str
    notes: str
    kind: str
    verdict: str
    detail: str
    transcription: str = ""
    evidence: str = ""
    correction: str = ""
    convention: str = ""
    engine_errors: list[str] = field(default_factory=list)
    line: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
