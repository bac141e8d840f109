"""`nnspec verify [NOTES] [--json FILE] [--no-cache]`: the command, kept free of SymPy so that a
run whose verdicts are cached (nnspec.spec.cache) prints them without loading the engine.

Exit codes: 0 when the harness's own checks pass (errata are findings), 1 when one fails, 2 on
usage errors (one line)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from nnspec.errors import EXIT_FAIL_ON, EXIT_FINDING, EXIT_OK, UsageError, raise_if_interrupted
from nnspec.files import check_outputs, write_atomic
from nnspec.spec import cache
from nnspec.text import plural

VERDICTS = ("holds", "holds-under-convention", "false", "unchecked")


def to_json(doc: dict) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def format_table(claims: list[dict]) -> str:
    """One row per claim: its id, the line of the notes it quotes (an id's `L10` is a listing's
    own line, not the file's), its verdict and why."""
    width_id = max((len(c["id"]) for c in claims), default=2)
    width_v = max((len(c["verdict"]) for c in claims), default=7)
    lines = [f"{'id':<{width_id}}  {'line':>4}  {'verdict':<{width_v}}  detail"]
    for c in claims:
        detail = c["detail"] + (f" | {c['evidence']}" if c["evidence"] else "")
        line = str(c.get("line") or "-")
        lines.append(f"{c['id']:<{width_id}}  {line:>4}  {c['verdict']:<{width_v}}  {detail}")
    return "\n".join(lines)


def format_finding(f: dict) -> str:
    """One line per finding: numerics (where float64 fails, the stable form) or unstated step."""
    if f["kind"] == "numerics":
        return (f"numerics: {f['claim']} (line {f['line']}): {f['quantity']} in float64: "
                f"{f['range']}; stable: {f['stable form']}")
    return f"unstated step: {f['claim']} (line {f['line']}): {f['message']}"


def print_run(doc: dict) -> int:
    """The table, the count per verdict, what was not found, the harness line; the exit code."""
    claims, checks = doc["claims"], doc["harness_checks"]
    print(format_table(claims))
    for f in doc.get("findings", []):
        print(format_finding(f))
    counts = {v: sum(c["verdict"] == v for c in claims) for v in VERDICTS}
    print(f"{plural(len(claims), 'claim')}: "
          + ", ".join(f"{v} {n}" for v, n in counts.items()))
    if doc["not_found"] and not doc.get("hand_bound_found", 1):
        print(f"the {len(doc['not_found'])} hand-bound prose claims are sentences of the shipped "
              "notes, and these notes quote none of them")
    elif doc["not_found"]:
        print(f"{len(doc['not_found'])} hand-bound prose claims not found in the notes (their "
              "quote is not in the text): " + ", ".join(
                  c["id"] + (f" (line {c['near_line']} reads like an edited form of it)"
                             if c.get("near_line") else "") for c in doc["not_found"]))
    failures = [c for c in checks if not c["ok"]]
    errors = [e for c in claims for e in c["engine_errors"]]
    print(f"harness checks: {len(checks) - len(failures)} of {len(checks)} pass; "
          f"{len(errors)} engine errors")
    for c in failures:
        print(f"harness check failed: {c['name']}: {c['detail']}", file=sys.stderr)
    for e in errors:
        print(f"harness check failed: {e}", file=sys.stderr)
    return EXIT_FINDING if failures or errors else EXIT_OK


def notes_text(path: str | None) -> str:
    from nnspec.spec import notes

    return notes.shipped_text() if path is None else notes.read(path)


def document(path: str | None, use_cache: bool, extra_findings=None) -> dict:
    """The verify run of the notes at `path` (default: the shipped notes) as JSON-ready data,
    from the cache when this text was verified before; `extra_findings(claims) -> [finding]`
    adds findings computed outside this room (nnspec.numerics.findings). A UsageError for a
    file with no claim."""
    text = notes_text(path)
    doc = cache.load("runs", cache.key("run", text)) if use_cache else None
    if doc is None:
        from nnspec.spec import verify

        doc = verify.verify_document(text, path, use_cache)
        if extra_findings is not None:
            doc["findings"] += extra_findings(doc["claims"])
        # a Ctrl-C that Python dropped (raised in a gc callback) ended as a full run, exit
        # 0, and the run it cut short could be cached
        raise_if_interrupted()
        if use_cache and not any(c["engine_errors"] for c in doc["claims"]):
            cache.store("runs", cache.key("run", text), doc)
    if not doc["claims"] and all(c["ok"] for c in doc["harness_checks"]):  # a wrong file
        # (a README, a log): CI must not pass on it
        raise UsageError(f"no claims in {path}: no formula, no code listing, no prose claim "
                         "in the notation of the notes (see the README's 'Verifying the notes')")
    return doc


def run(args: Any, extra_findings=None) -> int:
    """Verdicts (cached or computed), printed; `extra_findings(claims) -> [finding]` adds
    findings computed outside this room (nnspec.numerics.findings)."""
    json_path = Path(args.json) if getattr(args, "json", None) else None
    path = getattr(args, "notes", None)
    # before any work (a missing folder is made, as audit does); never over the notes
    check_outputs({"--json": getattr(args, "json", None)}, inputs=(path,) if path else (),
                  reads="verifies")
    failing = fail_on(getattr(args, "fail_on", None))
    use_cache = cache.enabled() and not getattr(args, "no_cache", False)
    doc = document(path, use_cache, extra_findings)
    code = print_run(doc)
    if json_path is not None:
        write_atomic(json_path, to_json(doc), make_dirs=True)
    failed = failed_on(doc, failing)
    if failed and code == EXIT_OK:
        print(f"--fail-on: {failed}", file=sys.stderr)
        return EXIT_FAIL_ON
    return code


FAIL_ON = ("false", "unchecked", "holds-under-convention", "not-found")


def fail_on(text: str | None) -> frozenset[str]:
    """The verdicts `--fail-on` names (None: not given); a UsageError (before any work) for
    another word, or for none (`--fail-on ,`, an empty variable in CI, turned the gate off)."""
    from nnspec.text import did_you_mean

    if text is None:
        return frozenset()
    names = frozenset(w.strip() for w in text.split(",") if w.strip())
    if not names:
        raise UsageError(f"--fail-on names no verdict; choose from {', '.join(FAIL_ON)}")
    unknown = sorted(names - set(FAIL_ON))
    if unknown:
        raise UsageError(f"--fail-on: unknown verdict {unknown[0]!r}; "
                         f"{did_you_mean(unknown[0], FAIL_ON)}choose from {', '.join(FAIL_ON)}")
    return names


def failed_on(doc: dict, names: frozenset[str]) -> str:
    """What of the run `names` fails on, in one line (empty: nothing)."""
    hits = [f"{sum(c['verdict'] == v for c in doc['claims'])} {v}" for v in FAIL_ON
            if v in names and any(c["verdict"] == v for c in doc["claims"])]
    if "not-found" in names and doc["not_found"] and doc.get("hand_bound_found", 1):
        hits.append(f"{len(doc['not_found'])} not found")  # (none quoted: other notes)
    return ", ".join(hits)
