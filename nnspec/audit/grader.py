"""Audit results as grading platforms read them: Gradescope's autograder `results.json` and
PrairieLearn's external grader `results.json`.

One test per check of the contract, with partial credit by check: a check earns its points
unless the audit found a defect there; a warning or a note costs nothing (a conforming
submission gets full marks) but is shown in the test's output. The checks of the values
themselves weigh VALUE_POINTS, every other check one point. A target that gave no result on
some inputs (it raised, hung or crashed there, returned something of the wrong type such as
None, or its process answered something that is not plain data, after which it is not called
again) earns nothing for the checks of results
(contracts.OF_RESULTS), which saw only the inputs it answered (one that answered none, a stub, and
one that returned a placeholder's zeros or None for every value earn nothing at all); one with a shape defect earns
nothing for its values, compared nowhere the shape is wrong. A failed
test's output is each finding with its smallest input, expected and returned values. A target
that could not be audited (syntax error, missing function) scores 0 with the reason;
PrairieLearn marks it not gradable, so that it does not use up an attempt.

For a folder, each platform's FILE is a directory that gets one file per target, named after
the target's path in the folder plus `.json` (`alice/hw.ipynb` -> `FILE/alice/hw.ipynb.json`).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from nnspec.audit import contracts, diagnosis
from nnspec.audit.engine import AuditResult, Finding, jsonable
from nnspec.files import write_atomic

VALUES = ("value", "trajectory")  # the numbers the notes define
ZEROS = diagnosis.ZEROS.mistake  # zeros returned on every failing input: a placeholder (16/20)
VALUE_POINTS = 4  # each of VALUES
ONLY_FOR = {"trajectory": "logreg.optimize", "threshold": "logreg.predict"}
OUTPUT_LIMIT = 8000  # characters of one test's output
VISIBILITY = "visible"  # Gradescope: shown to the student at once (counterexamples are no secret)


def checks_for(contract: str) -> list[str]:
    """The contract's checks in the audit's order (a check that only one contract makes is
    left out of the others)."""
    return [c for c in contracts.CHECKS if ONLY_FOR.get(c, contract) == contract]


def points(check: str, value_points: int = VALUE_POINTS) -> int:
    return value_points if check in VALUES else 1


# defects of calls that gave no result to compare: a result of the wrong type (None, a string)
# is none either (None everywhere but one trivial input scored 19 of 20), nor is a missing key
# (a propagate that never returns db kept the value check's 4 points)
NO_ANSWER = ("exception", "timeout", "crash", "output-size", "answer", "type", "keys")


def graded(result: AuditResult, value_points: int = VALUE_POINTS) -> list[dict]:
    """Per check: name, points earned, max points, passed, and the findings as text. When the
    target gave no result on some inputs (it raised, hung or crashed there), the checks of what
    it returns earn nothing: not seen to fail is not seen to pass (a stub that answers only the
    smallest input, or a missing 1/m hidden by a hang wherever m > 1, earned all but one
    point). When it gave none on any input (the engine's value defect with `"checked": 0`: a
    stub), no check earns anything: there is nothing of it to grade."""
    tests = []
    nothing = [f for f in result.findings  # no value checked, or a placeholder's zeros:
               if f.check == "value" and (f.counterexample.get("checked") == 0  # a stub
                                          or (f.diagnosis or {}).get("mistake") == ZEROS)]
    unseen = nothing or [f for f in result.findings if f.check in NO_ANSWER
                         and f.severity == "defect"  # (items in the other order are answers,
                         and not f.counterexample.get("swapped")]  # their values compared)
    misshapen = [f for f in result.findings if f.check == "shape" and f.severity == "defect"]
    for check in checks_for(result.contract):
        found = [f for f in result.findings if f.check == check]
        passed = not any(f.severity == "defect" for f in found)
        seen = any(f.severity != "note" for f in found)  # a note says nothing failed or held
        if nothing and not seen:  # a stub (`pass`, `raise NotImplementedError`, a hang) had
            # 7 or 8 of 19 points for not crashing, not printing, not changing its input
            passed, found = False, nothing + found
        elif unseen and check in contracts.OF_RESULTS and not seen:
            passed, found = False, unseen + found
        elif misshapen and check in VALUES and not seen:  # a value of the wrong shape is
            passed, found = False, misshapen + found  # compared nowhere its shape is wrong
        worth = points(check, value_points)
        tests.append({"name": check, "points": worth if passed else 0,
                      "max_points": worth, "passed": passed,
                      "output": _shorten("\n\n".join(_describe(f) for f in found))})
    return tests


def _describe(finding: Finding) -> str:
    lines = [f"{finding.severity}: {finding.message}"]
    ce = jsonable(finding.counterexample)
    labels = {"inputs": finding.input_label()}
    for key in ("inputs", "expected", "got", "difference", "bound"):
        if key in ce:
            value = ce[key] if isinstance(ce[key], str) else json.dumps(ce[key], sort_keys=True)
            lines.append(f"{labels.get(key, key)}: {value}")
    return "\n".join(lines)


def _shorten(text: str) -> str:
    return text if len(text) <= OUTPUT_LIMIT else text[: OUTPUT_LIMIT - 1] + "…"


def _headline(result: AuditResult) -> str:
    if result.verdict == "error":
        return f"Could not audit {result.target}: {result.reason}"
    return result.summary().splitlines()[0]  # the terminal's headline, plural forms and all


def gradescope(result: AuditResult, value_points: int = VALUE_POINTS) -> dict:
    """Gradescope's results.json: score, output, visibility, one test per check."""
    tests = graded(result, value_points)
    total = sum(t["max_points"] for t in tests)
    if result.verdict == "error":
        return {"score": 0, "output": _headline(result), "visibility": VISIBILITY,
                "tests": [{"name": "audit", "score": 0, "max_score": total, "status": "failed",
                           "output": result.reason, "visibility": VISIBILITY}]}
    return {"score": sum(t["points"] for t in tests), "output": _headline(result),
            "visibility": VISIBILITY,
            "tests": [{"name": t["name"], "score": t["points"], "max_score": t["max_points"],
                       "status": "passed" if t["passed"] else "failed", "output": t["output"],
                       "visibility": VISIBILITY} for t in tests]}


def prairielearn(result: AuditResult, value_points: int = VALUE_POINTS) -> dict:
    """PrairieLearn's external grader results.json: gradable, score in [0, 1], message, tests."""
    if result.verdict == "error":  # the reason in format_errors too, as PrairieLearn asks
        return {"gradable": False, "score": 0.0, "message": _headline(result),
                "format_errors": [result.reason], "tests": []}
    tests = graded(result, value_points)
    total = sum(t["max_points"] for t in tests)
    return {"gradable": True, "score": sum(t["points"] for t in tests) / total,
            "message": _headline(result),
            "tests": [{"name": t["name"], "points": t["points"], "max_points": t["max_points"],
                       "message": "passed" if t["passed"] else "failed",
                       "output": t["output"]} for t in tests]}


FORMATS = {"gradescope": gradescope, "prairielearn": prairielearn}


def _text(data: dict) -> str:
    return json.dumps(data, sort_keys=True, indent=2, allow_nan=False) + "\n"


def combined(kind: str, results: list[AuditResult], value_points: int = VALUE_POINTS) -> dict:
    """One results file for several functions of one submission (a notebook graded on its
    forward pass, cost, backward pass and update: four runs into one results.json kept only the
    last one's): each function's tests named `function: check`, the points summed. A function
    that could not be audited scores 0 on its tests; PrairieLearn's result is gradable unless
    none could be."""
    if len(results) == 1:
        return FORMATS[kind](results[0], value_points)
    parts = [(contracts.get(r.contract).function, r, FORMATS[kind](r, value_points))
             for r in results]
    headline = "\n".join(_headline(r) for _, r, _ in parts)
    if kind == "gradescope":
        tests = [{**t, "name": f"{name}: {t['name']}"} for name, _, data in parts
                 for t in data["tests"]]
        return {"score": sum(t["score"] for t in tests), "output": headline,
                "visibility": VISIBILITY, "tests": tests}
    tests = []
    for name, result, data in parts:
        if result.verdict == "error":
            total = sum(t["max_points"] for t in graded(result, value_points))
            tests.append({"name": f"{name}: audit", "points": 0, "max_points": total,
                          "message": "failed", "output": result.reason})
        tests += [{**t, "name": f"{name}: {t['name']}"} for t in data["tests"]]
    errors = [r.reason for _, r, _ in parts if r.verdict == "error"]
    return {"gradable": len(errors) < len(parts),
            "score": sum(t["points"] for t in tests) / sum(t["max_points"] for t in tests),
            "message": headline, "format_errors": errors, "tests": tests}


def write_one(path: str | Path, kind: str, results: list[AuditResult],
              value_points: int = VALUE_POINTS) -> None:
    write_atomic(path, _text(combined(kind, results, value_points)), make_dirs=True)


def write_folder(directory: str | Path, kind: str, results: list[AuditResult],
                 value_points: int = VALUE_POINTS) -> list[str]:
    """One file per target: DIRECTORY/<target's path in the folder>.json (`file_names`). The
    .json files already there that no target of this run wrote, which it leaves as they were
    (a renamed submission's old grade would be uploaded beside its new one)."""
    names = file_names(directory, [r.target for r in results])
    for result in results:
        write_atomic(Path(directory) / names[result.target],
                     _text(FORMATS[kind](result, value_points)),
                     make_dirs=True)
    written = {Path(directory, name).resolve() for name in names.values()}
    return sorted(p.relative_to(Path(directory).resolve()).as_posix()
                  for p in Path(directory).resolve().rglob("*.json")
                  if p.resolve() not in written and p.is_file())


def file_names(directory: str | Path, labels: list[str]) -> dict[str, str]:
    """Each target's file in DIRECTORY, `<its path>.json`, where that name can be written:
    a part longer than the file system's limit (a submission named with 251 characters and
    more) is cut, and a name that another target's file needs as a folder (`bob/hw.py` beside
    `bob/hw.py.json/x.py`) ends with 8 hex digits of its digest instead of `.json` (either
    refused the whole class's files)."""
    where = Path(directory).resolve()
    while not where.exists():
        where = where.parent
    try:
        limit = os.pathconf(where, "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    names = {label: "/".join(_fitted(part, limit) for part in f"{label}.json".split("/"))
             for label in labels}
    folders = {"/".join(name.split("/")[:n]) for name in names.values()
               for n in range(1, name.count("/") + 1)}
    for label, name in names.items():
        if name in folders:
            digest = hashlib.sha256(os.fsencode(label)).hexdigest()[:8]
            names[label] = _fitted(f"{name[:-len('.json')]}-{digest}.json", limit)
    return names


def _fitted(part: str, limit: int) -> str:
    raw = os.fsencode(part)
    if len(raw) <= limit:
        return part
    suffix = ".json" if part.endswith(".json") else ""
    digest = hashlib.sha256(raw).hexdigest()[:8]
    keep = raw[:limit - len(suffix) - 10].decode("utf-8", "ignore")  # a whole last character
    return f"{keep}-{digest}{suffix}"
