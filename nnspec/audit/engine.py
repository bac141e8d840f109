"""`nnspec audit`: is an implementation right, and if not, the smallest input on which it is wrong.

The engine, in two Hypothesis passes over the contract's problems (`nnspec.audit.contracts`):
1. explore: `examples` problems (seeded, no database; drawn once per process for a contract and
   its options, since they do not depend on the target); each is evaluated once (two calls of the
   target, all sent to the sandbox in one request, then every check of the contract) and the
   failures are cached by the problem's bytes;
2. shrink: for each check that failed, first drop one feature, hidden unit or example at a time
   while the check still fails (`_reduce`: a few evaluations, no Hypothesis), then a second
   seeded run over problems no larger than that one, which fails only on that check, so that
   Hypothesis shrinks the entries of a small problem (its shrinker costs milliseconds per
   step and entry, so shrinking a 7 x 7 problem before its size took most of an audit); the
   run stops SHRINK_CALLS calls after its first failure (a count, so the result does not
   depend on the machine); a run is replayed without Hypothesis when a known run of the same
   kind saw exactly the same candidates fail (`_replay`: many targets of a class share one);
3. reduce the shrunk problem again, the same way, then make its numbers rounder one at a time
   while the check still fails (`_rounded`: 0, a power of ten, fewer digits; at most
   ROUNDING_EVALUATIONS new problems).
One Finding per (check, severity) with its minimal counterexample. A timeout stops the audit
(its counterexample is the first input that hung, not shrunk); after MAX_CRASHES restarts of
the sandbox (a crash after the first ends only a child of the worker, see nnspec.audit.sandbox;
a target that takes its whole sandbox down restarts it each time) the target is not called
again. Verdict: "defect" if any finding is a defect, else "conforms" (warnings and notes
allowed); "error" when the target could not be audited at all (missing file or function,
syntax error, import failure).

The target runs in a sandbox process (`nnspec.audit.sandbox`). `audit_function` runs a function object
in this process instead (the pytest fixture): a function defined in a test file cannot in general
be re-imported by name in another process, and the fixture's user trusts their own code; a call
that exceeds the timeout is abandoned on a daemon thread and every later call is skipped; there
is no memory limit. `audit_function(..., isolate=True)` re-loads a module-level function from
its file in a sandbox instead.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import copy
import dataclasses
import io
import json
import math
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnspec.audit import contracts, diagnosis, prefetch, warmstart
from nnspec.audit import isolation as isolation_modes
from nnspec.audit.answers import label as shown_label
from nnspec.audit.answers import md_code, md_text, printable
from nnspec.audit.contracts import Failure, _names
from nnspec.audit.sandbox import OUTPUT_LIMIT, CallOutcome, Sandbox, to_plain
from nnspec.audit.targets import (
    NOTE_SEPARATOR,
    SUFFIXES,
    Arity,
    Target,
    arity,
    check_target,
    definitions_of,
    parse_target,
)
from nnspec.errors import EXIT_FINDING, EXIT_OK, EXIT_USAGE, UsageError
from nnspec.files import check_outputs, write_atomic
from nnspec.text import plural

SEVERITIES = ("defect", "warning", "note")
MAX_CRASHES = 8  # sandbox restarts after which an audit stops calling the target
# the outcomes that end a worker, and the check each is reported as (`_Engine._fatal`)
ENDING = {"timeout": "timeout", "crash": "crash", "too-large": "output-size",
          "load-error": "crash", "malformed": "answer"}
# Hypothesis test calls per shrinking run, by severity: a count keeps the audit deterministic,
# unlike a time limit; each call costs some milliseconds of Hypothesis's own generation.
SHRINK_CALLS = {"defect": 150, "warning": 40, "note": 40}
_STRATEGIES: dict[tuple, Any] = {}  # the contracts' strategies by options (see _problems)
_EXPLORED: dict[tuple, list] = {}  # explore-pass problems by contract and options (see _explored)
# shrinking runs by contract, options, bounds and kind of failure: for each, the candidates
# evaluated in order, whether each failed, and the place of the one returned (see _replay)
_SHRUNK: collections.OrderedDict[tuple, list[tuple[list, int | None]]] = collections.OrderedDict()
MAX_SHRUNK = 256  # kinds of shrinking run kept
RUNS_PER_KIND = 4  # runs kept per kind (targets that fail on different candidates)
_SHRUNK_LOCK = threading.Lock()  # audits run in threads of one Dask worker


@dataclass(frozen=True)
class Finding:
    """One check that failed, with the smallest problem found on which it fails."""

    check: str
    severity: str
    message: str
    counterexample: dict
    diagnosis: dict | None = None  # the known mistake a value defect matches (Match.as_dict)

    def to_dict(self) -> dict:
        return {"check": self.check, "severity": self.severity, "message": self.message,
                "counterexample": jsonable(self.counterexample), "diagnosis": self.diagnosis}

    def input_label(self) -> str:
        """A timeout's input is the call during which the time ran out, not shrunk; so is the
        input of a check found after the audit stopped calling the target (crashes)."""
        if self.check == "timeout":
            return "input of the call the time ran out on"
        if self.counterexample.get("shrunk") is False:
            return "input found (not shrunk: the audit had stopped calling the target)"
        if self.counterexample.get("shrunk") == "partly":
            return "smallest input found (shrinking stopped: the audit's budget for it was spent)"
        return "smallest input"


LARGE_EXAMPLES = 2  # problems of the large pass, at least
MAX_TIMEOUT = 7 * 24 * 3600  # seconds: a week; 1e10 overflowed the clock (time_t)
ROUNDING_EVALUATIONS = 24  # new problems a counterexample's rounding may evaluate, at most
# the sizes (product of n_x, n_h, m) of the problems shrinking may evaluate in one audit: the
# corpus's audits spend up to 3000, a target failing five ways on large problems only 1.8
# million (33 s); past it, each finding keeps the smallest input found so far
SHRINK_BUDGET = 300_000
MAX_EXAMPLES = 10_000  # problems an audit may explore (the default, 100, takes a second)
DIAGNOSIS_INPUTS = 8  # inputs with a value defect that its diagnosis must explain, at most
DIAGNOSIS_SPARE = 48  # more such inputs, that tell apart mistakes the first ones fit equally
BATCH = 8  # problems per request: the answers of a batch are held together (a target that
# returns 8 MB with each answer held 1.7 GB in the harness for a batch of 110 problems)
MAX_SATURATED = 64  # saturation failures kept while exploring, to pick one a defect does not explain
SHORT_INPUT = 240  # characters of a counterexample the terminal summary shows inline


@dataclass
class AuditResult:
    """The outcome of one audit; `to_json()` and `to_markdown()` are deterministic."""

    target: str
    contract: str
    verdict: str
    findings: list[Finding] = field(default_factory=list)
    reason: str = ""
    options: dict = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {s: sum(f.severity == s for f in self.findings) for s in SEVERITIES}

    def to_dict(self) -> dict:
        data = {"target": self.target, "contract": self.contract, "verdict": self.verdict,
                "findings": [f.to_dict() for f in self.findings]}
        if self.reason:
            data["reason"] = self.reason
        if self.options.get("edition"):
            data["edition"] = self.options["edition"]
        if "seed" in self.options:
            data["seed"] = self.options["seed"]
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, indent=2, allow_nan=False) + "\n"

    def summary(self) -> str:
        """A few lines for the terminal: verdict, then one line per finding."""
        if self.verdict == "error":
            return f"{self.target}: could not audit: {self.reason}"
        c = self.counts()
        called = ""
        if len(contracts.get(self.contract).all_editions()) > 1 and self.options.get("edition"):
            called = f" called as {self.options['edition']}"
        head = (f"{self.target}: {self.verdict} against {self.contract}{called} "
                f"({plural(c['defect'], 'defect')}, {plural(c['warning'], 'warning')}, "
                f"{plural(c['note'], 'note')})")
        lines = []
        for f in self.findings:
            one_line = f.message.replace("\n", "\\n")  # a target's text cannot add lines
            lines.append(f"  {f.severity} [{f.check}] {one_line}")
            inputs = f.counterexample.get("inputs")
            if isinstance(inputs, dict):
                lines.append(f"    {f.input_label()}: {_cut(_compact(jsonable(inputs)))}")
            worst = f.counterexample.get("worst")
            if isinstance(worst, dict) and isinstance(worst.get("inputs"), dict):
                lines.append(f"    input of the worst error found: "
                             f"{_cut(_compact(jsonable(worst['inputs'])))}")
        return "\n".join([head, *lines])

    def message(self) -> str:
        """The summary and each finding's minimal counterexample: what a failing test shows."""
        parts = [self.summary()]
        for f in self.findings:
            parts.append(f"[{f.check}] counterexample: "
                         + json.dumps(jsonable(f.counterexample), sort_keys=True, allow_nan=False))
        return "\n".join(parts)

    def to_markdown(self) -> str:
        o = self.options
        lines = [f"# Audit of {md_code(self.target)}", "",
                 f"- contract: `{self.contract}`",
                 f"- verdict: **{self.verdict}**"]
        if o:
            lines.append(f"- hidden activation {o.get('hidden_activation')}, "
                         f"dtype {o.get('dtype')}, {o.get('examples')} examples, "
                         f"seed {o.get('seed')}")
            if o.get("edition"):
                lines.append(f"- called as {md_code(o['edition'])}")
        if self.verdict == "error":
            return "\n".join(lines + ["", f"Could not audit: {md_text(self.reason)}", ""])
        if not self.findings:
            return "\n".join(lines + ["", "No finding: every check passed on every example.", ""])
        lines += ["", "| # | check | severity | message |", "|---|---|---|---|"]
        for i, f in enumerate(self.findings, 1):
            lines.append(f"| {i} | {f.check} | {f.severity} | {md_text(f.message)} |")
        for i, f in enumerate(self.findings, 1):
            label = f.input_label()
            heading = ("Minimal counterexample:" if label == "smallest input"
                       else f"{label[:1].upper()}{label[1:]}:")
            lines += ["", f"## {i}. {f.check} ({f.severity})", "", md_text(f.message), "",
                      heading, ""]
            ce = jsonable(f.counterexample)
            shown = {"inputs", "expected", "got", "difference", "bound", "shrunk"}
            for key in ("inputs", "expected", "got", "difference", "bound"):
                if key in ce:
                    lines.append(f"- {key}: {md_code(_compact(ce[key]))}")
            for key in sorted(set(ce) - shown):
                lines.append(f"- {md_text(key)}: {md_code(_compact(ce[key]))}")
        return "\n".join(lines) + "\n"


def _cut(text: str) -> str:
    """At most SHORT_INPUT characters of a counterexample for the terminal; JSON has it all."""
    if len(text) <= SHORT_INPUT:
        return text
    return text[:SHORT_INPUT].rstrip() + f" ... ({len(text)} characters; all in --json)"


def _compact(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, allow_nan=False)


def jsonable(value: Any) -> Any:
    """Arrays to nested lists; NaN and infinities to the strings "nan", "inf", "-inf"."""
    import numpy as np

    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        return jsonable(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, complex):
        return repr(value)
    return value


# ---- callers: who runs the target ------------------------------------------------------------

class FunctionCaller:
    """Calls a function object in this process (the pytest fixture); same answers as Sandbox."""

    def __init__(self, function: Callable, budget: float) -> None:
        self.function = function
        self.budget = budget
        self.used = 0.0
        self.answered = 0
        self.restarts = 0
        self.dead = False

    def call(self, args: tuple, kwargs: dict | None = None, names: tuple[str, ...] = ()
             ) -> CallOutcome:
        from nnspec.audit.sandbox import _changed, _describe

        if self.dead or self.used >= self.budget:
            return CallOutcome("timeout", message="the audit's time budget is spent")
        kwargs = kwargs or {}
        args, kwargs = copy.deepcopy((args, kwargs))
        pristine = copy.deepcopy((args, kwargs))
        box: dict[str, Any] = {}
        printed = io.StringIO()

        def work() -> None:
            import numpy as np

            try:  # np.errstate is per thread: the target's float warnings stay in its thread
                with contextlib.redirect_stdout(printed), np.errstate(all="ignore"):
                    result = self.function(*args, **kwargs)
            except BaseException as exc:  # noqa: BLE001 - its own OverflowError too
                box["outcome"] = CallOutcome("exception", message=_describe(exc))
                return
            try:
                box["outcome"] = CallOutcome("ok", value=to_plain(result))
            except OverflowError as exc:  # to_plain's own: more than the answer may hold
                box["outcome"] = CallOutcome("too-large", message=f"the result is too large: {exc}")

        start = time.perf_counter()
        stdout = sys.stdout
        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        thread.join(self.budget - self.used)
        elapsed = time.perf_counter() - start
        self.used += elapsed
        if thread.is_alive():
            self.dead = True
            sys.stdout = stdout  # the hung call's redirect is process-wide: it hid every print
            return CallOutcome("timeout", message=f"no answer within {self.budget:.3g} s",
                               seconds=elapsed)
        outcome = box["outcome"]
        self.answered += outcome.status in ("ok", "exception")
        labels = list(names) + [f"arg{i}" for i in range(len(names), len(args))]
        for label, before, after in zip(labels, pristine[0], args):
            outcome.changed += _changed(before, after, label)
        text = printed.getvalue()
        outcome.stdout_bytes, outcome.stdout_head = len(text.encode()), text[:200]
        outcome.seconds = elapsed
        return outcome

    def calls(self, requests: list[tuple[tuple, dict | None, tuple[str, ...]]]
              ) -> list[CallOutcome]:
        """As Sandbox.calls: one after the other, up to the first timeout."""
        outcomes = []
        for request in requests:
            outcomes.append(self.call(*request))
            if outcomes[-1].status == "timeout":
                break
        return outcomes

    def close(self) -> None:
        pass


# ---- the engine --------------------------------------------------------------------------------

class _Hit(Exception):
    """Raised inside the shrinking run when the check being shrunk fails."""


class _Enough(BaseException):
    """Ends a shrinking run after SHRINK_CALLS test calls; Hypothesis lets a BaseException that
    is not SystemExit or GeneratorExit through, and the best example so far is kept."""


class _Engine:
    def __init__(self, contract: contracts.Contract, caller: Any, options: contracts.Options):
        self.contract, self.caller, self.options = contract, caller, options
        self.cache: dict[bytes, list[Failure]] = {}
        self.wrong: list[tuple[Any, Failure]] = []  # the first inputs with a value defect
        self.spare: list[tuple[Any, Failure]] = []  # the next ones (see diagnosis.explain)
        self.changed: set[str] = set()  # the inputs changed on any problem
        self.ending: dict[tuple[str, str], tuple[Any, Failure]] = {}  # the first hang, crash...
        self.stopped = False
        self.searching = False  # the explore passes are evaluated; after them, shrinking
        self.spent = 0  # the size of the problems evaluated after the explore passes
        self.first: Any = None  # the first problem evaluated
        self.checked = 0  # problems on which the target gave something whose values were compared
        self.out_of_memory = 0  # problems on which it raised MemoryError (see _fatal)
        self.reordered = False  # its parameters are the contract's in another order (_reordered)
        self.misshapen: set[str] = set()  # quantities with a shape defect on some input (search)

    def evaluate(self, problem: Any, outcomes: list[CallOutcome] | None = None) -> list[Failure]:
        """Every failure on this problem (cached): two calls (made already if `outcomes` are
        given), then the contract's checks."""
        key = self.contract.key(problem)
        if key in self.cache:
            return self.cache[key]
        if self.stopped or self.spent_out():
            return []
        if not self.searching:
            self.spent += math.prod(self.contract.sizes(problem).values())
        failures = self._evaluate(problem, outcomes or [])
        self.cache[key] = failures
        self.first = problem if self.first is None else self.first
        self.checked += not _unchecked(failures)
        for f in failures:
            if f.check in ENDING.values():
                self.ending.setdefault((f.check, f.severity), (problem, f))
        if any(f.check == "value" for f in failures):
            wrong = (problem, next(f for f in failures if f.check == "value"))
            if len(self.wrong) < DIAGNOSIS_INPUTS:
                self.wrong.append(wrong)
            elif len(self.spare) < DIAGNOSIS_SPARE:
                self.spare.append(wrong)
        return failures

    def spent_out(self) -> bool:
        """Whether shrinking has used its budget: a target that fails many ways on large
        problems only made the harness shrink for 30 s and more (the oracle and the shrinking
        runs are the harness's time, not the target's: --timeout does not bound them)."""
        return not self.searching and self.spent > SHRINK_BUDGET

    def evaluate_all(self, problems: list) -> None:
        """Evaluate, in order, the problems not evaluated yet, with every call in one request
        (`calls`): on small problems a round trip to the sandbox costs more than the call. The
        same failures as `evaluate` one by one; after an outcome that ends the worker, the rest
        is left to `evaluate` (which starts it again)."""
        todo: dict[bytes, Any] = {}
        for problem in problems:
            key = self.contract.key(problem)
            if key not in self.cache:
                todo.setdefault(key, problem)
        if self.stopped or not todo:
            return
        c, names, problems = self.contract, self.contract.arg_names, list(todo.values())
        for start in range(0, len(problems), BATCH):
            chunk = problems[start:start + BATCH]
            outcomes = self.caller.calls([(*c.call_args(problem, self.options), names)
                                          for problem in chunk for _ in range(2)])
            for n, problem in enumerate(chunk):
                pair = outcomes[2 * n:2 * n + 2]
                if len(pair) < 2 and not (pair and pair[0].status in ENDING):
                    return
                self.evaluate(problem, pair)
            if self.stopped:
                return

    def _evaluate(self, problem: Any, outcomes: list[CallOutcome]) -> list[Failure]:
        c, names = self.contract, self.contract.arg_names
        if not outcomes:  # both calls in one round trip to the sandbox
            outcomes = self.caller.calls([(*c.call_args(problem, self.options), names)
                                          for _ in range(2)])
        first = outcomes[0]
        fatal = self._fatal(first)
        if fatal:
            return [fatal]
        self.out_of_memory += first.status == "exception" and first.message.startswith(
            "MemoryError")
        failures = []
        if first.stdout_bytes:
            failures.append(Failure("stdout", "note", (
                f"prints on stdout ({first.stdout_bytes} bytes in one call, starting "
                f"{first.stdout_head[:60]!r}); the harness captured it"), {}))
        if first.changed:
            self.changed.update(first.changed)
            failures.append(Failure("mutation", "defect", _mutation(first.changed, c.name),
                                    {"changed": first.changed}))
        second = (outcomes[1] if len(outcomes) > 1
                  else self.caller.call(*c.call_args(problem, self.options), names))
        fatal = self._fatal(second)
        if fatal:
            return [fatal]
        if first.status == "exception":
            infinite = c.infinite(problem, self.options)
            if infinite:  # a warning, as a nan there is
                return failures + [Failure("saturation", "warning", (
                    f"on an input where {infinite}: raises {first.message}; np.log gives -inf "
                    "there and the cost inf, which a caller can test for"), {})]
            return failures + [Failure("exception", "defect",
                                       f"raises {first.message}{self._hint(problem, first)}",
                                       {})]
        if second.status != "ok" or not same_value(first.value, second.value):
            failures.append(Failure("determinism", "defect", (
                "returns different results for the same inputs (random noise, a reseeded "
                "generator or global state?)"),
                {"got": first.value, "got_again": second.value if second.status == "ok"
                 else second.message}))
        import numpy as np

        with np.errstate(all="ignore"):  # bounds of huge inputs overflow to inf, as they should
            found = _one_scalar_note(c.check(problem, first.value, self.options))
            return failures + [self._benign(problem, f) for f in found]

    def _hint(self, problem: Any, outcome: CallOutcome) -> str:
        if self.reordered:  # its arguments reached other parameters: no other cause to guess
            return ("; its parameters are the contract's in another order (the load note says "
                    "which): each argument reached another parameter")
        c = self.contract
        return _hint(outcome.message, c.z_given, c.name, c.sizes(problem).values())

    def _benign(self, problem: Any, failure: Failure) -> Failure:
        """A value defect that a correct but less accurate form explains (eps inside the log)
        becomes an accuracy warning."""
        if failure.check != "value" or failure.severity != "defect":
            return failure
        match = diagnosis.diagnose(self.contract.name, problem, failure.details, self.options,
                                   float32=False)
        if match is None or not match.benign:
            return failure
        relative, at = contracts.worst_relative(failure.details)
        message = (f"less accurate than the stable formula in a correct form ({match}): "
                   f"relative error {relative:.2g} at {at}")
        return Failure("accuracy", "warning", message,
                       {**failure.details, "relative": relative, "at": at})

    def _fatal(self, outcome: CallOutcome) -> Failure | None:
        """The failure an outcome that ends the worker is reported as (under its check in
        ENDING); None for any other outcome."""
        check = ENDING.get(outcome.status)
        if check is None:
            return None
        if outcome.status == "timeout":
            self.stopped = True
            budget = f"the audit's time budget (--timeout {self.options.timeout:g} s)"
            calls = getattr(self.caller, "answered", 0)
            spent = getattr(self.caller, "used", 0.0) - outcome.seconds
            if calls and spent >= outcome.seconds and self.out_of_memory:
                return Failure(check, "defect", (  # a larger --timeout is not the remedy
                    f"spent {budget} on calls that returned before this one, some of them "
                    "after hitting the memory limit (MemoryError): each such call first "
                    "allocates up to the limit, so its memory use is what takes the time"), {})
            if calls and spent >= outcome.seconds:  # most of it went to calls that returned
                return Failure(check, "defect", (  # no measured times: the same bytes
                    f"spent {budget} on calls that returned before this one: slow rather "
                    "than stuck (an audit makes a few hundred calls); audit it with a larger "
                    "--timeout"), {})
            return Failure(check, "defect", f"does not return within {budget}", {})
        if outcome.status in ("crash", "too-large"):
            if getattr(self.caller, "restarts", 0) >= MAX_CRASHES:
                self.stopped = True
            message = outcome.message if outcome.status == "too-large" else \
                f"the process running it died: {outcome.message}"
            return Failure(check, "defect", message, {})
        self.stopped = True
        if outcome.status == "load-error":  # a restart after a crash that could not load
            return Failure(check, "defect", "the process running it could not be started "
                           f"again: {outcome.message}", {})
        # malformed: a forged answer, the worker is not to be believed
        return Failure(check, "defect", "its process answered with something that is "
                       f"not plain data ({outcome.message})", {})

    def _settings(self, phases: tuple) -> Any:
        from hypothesis import HealthCheck, Verbosity, settings

        return settings(max_examples=self.options.examples, database=None, deadline=None,
                        derandomize=False, phases=phases, report_multiple_bugs=False,
                        suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet,
                        print_blob=False)

    def _run(self, body: Callable[[Any], None], phases: tuple, within: tuple = ()) -> None:
        from hypothesis import given, seed

        problems = self._problems(within)
        test = seed(self.options.seed)(self._settings(phases)(given(problems)(body)))
        with _no_local_constants():
            test()

    def _problems(self, within: tuple = ()) -> Any:
        """The contract's strategy (problems no larger than `within`, if given), built once per
        process and options: Hypothesis validates a strategy the first time it draws from it,
        which costs as much as a hundred draws."""
        options = dataclasses.replace(self.options, within=within)
        key = (self.contract.name, options)
        if key not in _STRATEGIES:
            _STRATEGIES[key] = self.contract.problems(options)
        return _STRATEGIES[key]

    def prepare(self) -> None:
        """Draw the problems of the exploration (kept for the process, and on disk by
        nnspec.audit.warmstart): they do not depend on the target, so this can run while its
        sandbox starts."""
        problems, runs = warmstart.restore(self._warm_key())
        for key, drawn in problems.items():
            _EXPLORED.setdefault(key, drawn)
        learn_shrink_runs(runs)
        large = self._large_engine()
        if large._explore_key() in _EXPLORED and self._explore_key() in _EXPLORED:
            return
        with prefetch.references(self.contract, self.options) as hand:
            large._explored(hand)  # first: their values take the helper longest
            self._explored(hand)

    def keep(self) -> None:
        """Store what `prepare` drew, the reference values computed and the shrinking runs, for
        the next process."""
        keys = (self._explore_key(), self._large_engine()._explore_key())
        warmstart.keep(self._warm_key(), {k: _EXPLORED[k] for k in keys if k in _EXPLORED},
                       shrink_runs(self._warm_key()))

    def _warm_key(self) -> tuple:
        o = self.options
        return (self.contract.name, o.hidden_activation, o.dtype, o.examples, o.seed)

    def _explore_key(self) -> tuple:
        o = self.options
        return (self.contract.name, o.hidden_activation, o.dtype, o.examples, o.seed, o.large)

    def search(self) -> list[Finding]:
        first: dict[tuple[str, str], tuple[Any, Failure]] = {}
        saturated: list[tuple[Any, Failure]] = []
        worst: list[tuple[Any, Failure]] = []  # the accuracy failure of largest relative error

        misshapen: set[str] = set()  # quantities with a shape defect on some input

        def explore(problem: Any) -> None:
            for failure in self.evaluate(problem):
                first.setdefault((failure.check, failure.severity), (problem, failure))
                if (failure.check, failure.severity) == ("shape", "defect"):
                    misshapen.add(failure.details.get("quantity", ""))
                if failure.check == "saturation" and len(saturated) < MAX_SATURATED:
                    saturated.append((problem, failure))
                if failure.check == "accuracy":
                    _keep_worst(worst, problem, failure)

        self.searching = True
        for problems in (self._explored(), self._large()):
            self.evaluate_all(problems)
            for problem in problems:
                explore(problem)
        self.searching = False
        if ("determinism", "defect") in first:
            _drop_noise_as_accuracy(first, worst)
        _drop_explained_saturation(first, saturated, [f for _, f in self.wrong])
        _drop_explained_accuracy(first, worst, [f for _, f in self.wrong])
        self._drop_warnings_of_the_mistake(first, saturated)
        if worst and ("accuracy", "warning") in first and not self.stopped:
            self._climb(worst)
        note = first.get(("scalar-shape", "note"))
        self.misshapen = misshapen
        if note is not None and set(_scalar_parts(note[1])) <= misshapen:
            del first[("scalar-shape", "note")]  # the same mistake, seen where m = 1
        if ("value", "defect") in first:  # "uses a > 0.5" is a guess from a = 0.5 alone, which
            first.pop(("threshold", "note"), None)  # a wrong prediction elsewhere disproves
            # (a threshold on z at 0.5 predicts class 0 there too)
        findings = []
        kinds = sorted(first, key=_order)
        while kinds:
            findings += self._findings(first, kinds, worst)
            # a hang or a crash met first while shrinking another finding is a finding too
            kinds = sorted((k for k in self.ending if k not in first), key=_order)
            first.update({k: self.ending[k] for k in kinds})
        if not self.checked and self.first is not None and ("value", "defect") not in first:
            findings.append(self._nothing_checked())
        return sorted(findings, key=lambda f: _order((f.check, f.severity)))

    def _drop_warnings_of_the_mistake(self, first: dict, saturated: list) -> None:
        """A warning whose values the value defect's known mistake gives too is that mistake
        seen again, and its advice misleads: a sigmoid hidden layer held to tanh's also had A2
        off by 0.5 where z saturates (with advice on the sigmoid's form); float32 arithmetic
        also had an accuracy warning blaming 0.5*(1 + tanh(z/2)). Where sigmoid saturates the
        float32 bound explains anything, so it is not asked there."""
        value = first.get(("value", "defect"))
        if value is None or ("determinism", "defect") in first:  # no diagnosis is given then
            return
        name = self.contract.name
        mistake = diagnosis.diagnose(name, value[0], value[1].details, self.options)
        if mistake is None:
            return
        for check, others in (("saturation", saturated), ("accuracy", [])):
            shown = first.get((check, "warning"))
            if shown is None:
                continue
            left = [(p, f) for p, f in [shown, *(s for s in others if s is not shown)]
                    if not any(m.same(mistake) for m in diagnosis.candidates(
                        name, p, f.details, self.options, float32=check == "accuracy"))]
            if left:
                first[(check, "warning")] = left[0]
            else:
                del first[(check, "warning")]

    def _nothing_checked(self) -> Finding:
        """A value defect for a target that gave nothing to compare on any input: its values
        were never checked, which is not the same as right (a stub that raises
        NotImplementedError, a `pass`, a hang; graders give its value checks no points)."""
        counterexample = {"inputs": self.contract.describe(self.first, self.options),
                          "checked": 0}
        if not self._smallest(self.first):
            counterexample["shrunk"] = False
        return Finding("value", "defect", "none of its values could be checked: on every "
                       "input it raised, crashed, ran out of time or returned something other "
                       "than the contract's result", counterexample)

    def _findings(self, first: dict, kinds: list, worst: list) -> list[Finding]:
        findings = []
        for check, severity in kinds:
            problem, failure = found = first[(check, severity)]
            shrinking = check != "timeout" and not self.stopped
            if shrinking:
                problem, failure = self._shrink(check, severity, problem, failure)
                problem, failure = self._reduce(check, severity, problem, failure)
                problem, failure = self._rounded(problem, failure)
            if check == "scalar-shape":
                failure = _scalar_note_without(failure, self.misshapen)
            counterexample = {"inputs": self.contract.describe(problem, self.options)}
            counterexample.update(failure.details)
            if check != "timeout" and not shrinking and not self._smallest(problem):
                counterexample["shrunk"] = False  # the target is no longer called
            elif shrinking and self.spent_out() and not self._smallest(problem):
                counterexample["shrunk"] = "partly"  # the budget ran out on the way
            message, match = self._diagnosed(problem, failure, found)
            if check == "mutation" and self.changed != set(failure.details["changed"]):
                message = _mutation(sorted(self.changed), self.contract.name,
                                    failure.details["changed"])
            if check == "accuracy" and worst:
                w_problem, w_failure = worst[0]
                message = f"{w_failure.message} (the worst found; its input is 'worst' in --json)"
                counterexample["worst"] = {
                    "inputs": self.contract.describe(w_problem, self.options),
                    "relative": w_failure.details["relative"], "at": w_failure.details["at"]}
            findings.append(Finding(check, severity, message, counterexample,
                                    match.as_dict() if match else None))
        return findings

    def _smallest(self, problem: Any) -> bool:
        """Shrinking could not make it smaller: no size can lose an index and no number can be
        rounder (an input of all zeros, one of each size, is the smallest whether or not the
        target could still be called)."""
        return (next(iter(self.contract.smaller(problem)), None) is None
                and next(iter(self.contract.simpler(problem, self.options.dtype)), None) is None)

    def _explored(self, hand: Callable[[Any], None] = lambda problem: None) -> list:
        """The explore pass's problems. The pass never fails, so Hypothesis draws the same
        sequence whatever the target does: a process that audits many targets (a folder run)
        draws it once per contract and options instead of once per target. Each problem drawn
        is handed to `hand` (nnspec.audit.prefetch)."""
        key = self._explore_key()
        if key not in _EXPLORED:
            from hypothesis import Phase

            drawn: list = []

            def keep(problem: Any) -> None:
                drawn.append(problem)
                hand(problem)

            self._run(keep, (Phase.generate,))
            _EXPLORED[key] = drawn
        return _EXPLORED[key]

    def _large(self) -> list:
        """A tenth as many problems again (at least LARGE_EXAMPLES), with m above the small
        sizes: bugs that need many examples show there; `_reduce` then takes the examples off
        one by one (Hypothesis shrinks within the small problems only)."""
        return self._large_engine()._explored()

    def _large_engine(self) -> _Engine:
        o = self.options
        large = dataclasses.replace(o, large=True,
                                    examples=max(LARGE_EXAMPLES, o.examples // 10))
        return _Engine(self.contract, self.caller, large)

    def _climb(self, worst: list[tuple[Any, Failure]]) -> None:
        """A pass that Hypothesis steers (`target()`) towards the largest relative error
        within the textbook bound: run only when the exploration found an accuracy warning,
        since its draws depend on the target."""
        from hypothesis import Phase, target

        def climb(problem: Any) -> None:
            score = 0.0
            for failure in self.evaluate(problem):
                if failure.check == "accuracy":
                    score = failure.details["relative"]
                    _keep_worst(worst, problem, failure)
            target(min(score, 1e300), label="relative error within the textbook bound")

        self._run(climb, (Phase.generate, Phase.target))

    def _diagnosed(self, problem: Any, failure: Failure, found: tuple[Any, Failure]
                   ) -> tuple[str, diagnosis.Match | None]:
        """The message of a value defect with its diagnosis (on the smallest input, the one
        first found and the first DIAGNOSIS_INPUTS evaluated; the DIAGNOSIS_SPARE after them
        to tell apart mistakes that these fit equally) and the mistake it names; that of
        a saturation warning with the known mistake it matches in place of the stable-form
        advice."""
        if failure.check not in ("value", "saturation", "trajectory") \
                or "expected" not in failure.details:
            return failure.message, None
        if failure.check in ("value", "trajectory"):
            if any(f.check == "determinism" for f in self.evaluate(problem)):
                return (f"{failure.message}; no diagnosis: it returns different results for the "
                        "same inputs, so a match with a known mistake would be chance"), None
            seen = [(problem, failure), found] + [w for w in self.wrong if w[1].severity == "defect"]
            spare = [(p, f.details) for p, f in self.spare if f.severity == "defect"]
            text, match = diagnosis.explain(self.contract.name,
                                            [(p, f.details) for p, f in seen], self.options,
                                            spare)
            return (f"{failure.message}; {text}" if text else failure.message), match
        advice = failure.details.get("advice", "")
        explained = diagnosis.per_quantity(self.contract.name, problem, failure.details,
                                           self.options)
        if not explained or not advice:
            return failure.message, None
        names = set(failure.details["got"]) - set(explained)  # those the stable form is for
        hints = [h for h in advice.split("; ")
                 if not ((h == contracts.STABLE_GRAD and not any(n.startswith("d") for n in names))
                         or (h == contracts.STABLE_COST and "cost" not in names))]
        hints += sorted({f"{n}: {m}" for n, m in explained.items()})
        return failure.message.replace(advice, "; ".join(hints)), None

    def _reduce(self, check: str, severity: str, problem: Any, failure: Failure
                ) -> tuple[Any, Failure]:
        """After Hypothesis: drop features, hidden units or examples one at a time while the
        same check still fails (Hypothesis cannot always shrink a size that other draws hang
        on, e.g. a square X); at most a few dozen evaluations."""
        return self._descend(problem, failure, self.contract.smaller)

    def _rounded(self, problem: Any, failure: Failure) -> tuple[Any, Failure]:
        """Last, single numbers made rounder (0, a power of ten, fewer digits) while the same
        check still fails: a warning's shrinking run ends after SHRINK_CALLS and may leave
        b = -118867.63 where b = -1000 shows the same. At most ROUNDING_EVALUATIONS problems
        not evaluated before."""
        return self._descend(problem, failure,
                             lambda p: self.contract.simpler(p, self.options.dtype),
                             ROUNDING_EVALUATIONS)

    def _descend(self, problem: Any, failure: Failure, moves: Callable[[Any], Any],
                 budget: int | None = None) -> tuple[Any, Failure]:
        """Take the first of `moves(problem)` on which the same check still fails, again from
        there, until none does (or `budget` problems not evaluated before are spent)."""
        improved = True
        while improved and not self.stopped and not self.spent_out():
            improved = False
            for candidate in moves(problem):
                if budget is not None and self.contract.key(candidate) not in self.cache:
                    if budget == 0:
                        return problem, failure
                    budget -= 1
                found = [f for f in self.evaluate(candidate) if _same_kind(f, failure)]
                if found:
                    problem, failure, improved = candidate, found[0], True
                    break
        return problem, failure

    def _shrink(self, check: str, severity: str, problem: Any, failure: Failure
                ) -> tuple[Any, Failure]:
        problem, failure = self._reduce(check, severity, problem, failure)
        within = tuple(sorted(self.contract.sizes(problem).items()))
        drawn = dataclasses.replace(self.options, within=within, timeout=0.0)  # no part of a run
        key = (self.contract.name, drawn,
               check, severity, tuple(sorted(_names(failure))) if check == "saturation" else ())
        replayed = self._replay(key, failure)
        if replayed is not None:
            return replayed if replayed[0] is not None else (problem, failure)
        calls = [-1]  # counted from the first hit on
        log: list[tuple[Any, bool]] = []  # each candidate evaluated and whether it failed

        def hit(candidate: Any) -> None:
            if self.spent_out():
                raise _Enough
            if calls[0] >= 0:
                calls[0] += 1
                if calls[0] > SHRINK_CALLS[severity]:
                    raise _Enough
            found = self._matching(candidate, failure)
            log.append((candidate, found is not None))
            if found is not None:
                calls[0] = max(calls[0], 0)
                raise _Hit

        chosen: int | None = None  # the candidate returned (the last that failed), by its place
        from hypothesis import Phase

        try:
            self._run(hit, (Phase.generate, Phase.shrink), within)
        except (_Hit, _Enough):
            chosen = max((i for i, (_, failed) in enumerate(log) if failed), default=None)
        except Exception:  # noqa: BLE001, S110 - Hypothesis's flakiness errors: keep the first
            pass
        if not self.spent_out():  # a run the budget cut short is not the run to replay
            _remember(key, log, chosen)
        if chosen is None:
            return problem, failure
        return log[chosen][0], self._matching(log[chosen][0], failure)

    def _matching(self, candidate: Any, failure: Failure) -> Failure | None:
        return next((f for f in self.evaluate(candidate) if _same_kind(f, failure)), None)

    def _replay(self, key: tuple, failure: Failure) -> tuple[Any, Failure | None] | None:
        """The result of a shrinking run, without running Hypothesis, when an earlier run with
        the same strategy, seed and kind of failure saw this target fail on exactly the same
        candidates: Hypothesis's next candidate depends only on which earlier ones failed, so
        its run would call the same ones and return the same (so at most one known run can
        match). None when no known run matches (Hypothesis then runs; what was evaluated is
        cached); (None, None) for a run that kept the problem it started from.

        Every candidate evaluated here, up to the first that differs, is one Hypothesis's own
        run would evaluate, in the same order (the runs of one kind share their path up to
        where their candidates' outcomes differ), so the calls the target sees, the inputs
        kept for the diagnosis and a timeout are the same either way: candidates are not
        evaluated ahead."""
        for log, chosen in _SHRUNK.get(key, ()):
            result: tuple[Any, Failure | None] | None = (None, None)
            try:
                for i, (candidate, failed) in enumerate(log):
                    found = self._matching(candidate, failure)
                    if (found is not None) != failed:
                        result = None
                        break
                    if i == chosen:
                        result = (candidate, found)
            except Exception:  # noqa: BLE001 - whatever the run would meet, it meets itself
                return None
            if result is not None:
                with _SHRUNK_LOCK:
                    if key in _SHRUNK:
                        _SHRUNK.move_to_end(key)
                return result
        return None


def _drop_noise_as_accuracy(first: dict, worst: list) -> None:
    """A target that returns different results for the same inputs makes its own errors: its
    accuracy warning measured that noise and advised a stable form of sigmoid (the climb
    that looked for its worst error also took most of its audit). The determinism defect
    and the value defect say what is wrong."""
    first.pop(("accuracy", "warning"), None)
    worst.clear()


def _remember(key: tuple, log: list[tuple[Any, bool]], chosen: int | None) -> None:
    """Keep a shrinking run: RUNS_PER_KIND by key (the most recent first), MAX_SHRUNK keys."""
    with _SHRUNK_LOCK:
        _SHRUNK[key] = [(log, chosen), *_SHRUNK.pop(key, [])][:RUNS_PER_KIND]
        while len(_SHRUNK) > MAX_SHRUNK:
            _SHRUNK.popitem(last=False)


def shrink_runs(warm_key: tuple) -> dict[tuple, list]:
    """The shrinking runs this process knows under an engine's `_warm_key` (kept on disk by
    nnspec.audit.warmstart)."""
    with _SHRUNK_LOCK:
        return {k: v for k, v in _SHRUNK.items()
                if (k[0], k[1].hidden_activation, k[1].dtype, k[1].examples, k[1].seed)
                == warm_key}


def learn_shrink_runs(runs: dict[tuple, list]) -> None:
    with _SHRUNK_LOCK:
        for key, known in runs.items():
            _SHRUNK.setdefault(key, list(known)[:RUNS_PER_KIND])
        while len(_SHRUNK) > MAX_SHRUNK:
            _SHRUNK.popitem(last=False)


_CONSTANTS_LOCK = threading.Lock()
_CONSTANTS_USERS = [0, None]  # audits running in this process; Hypothesis's own function


@contextlib.contextmanager
def _no_local_constants():
    """Hypothesis mixes the literals of every local module loaded in the process into its draws,
    so the same audit drew other examples in a command-line process, a pool worker, a Dask
    worker or a test session (whichever of nnspec's modules each had loaded). During an audit
    it draws as if none were loaded; its function is restored when the last audit ends."""
    from hypothesis.internal.conjecture import providers

    with _CONSTANTS_LOCK:
        if _CONSTANTS_USERS[0] == 0:
            _CONSTANTS_USERS[1] = providers._get_local_constants
            providers._get_local_constants = providers.Constants
            providers.CONSTANTS_CACHE.cache.clear()
        _CONSTANTS_USERS[0] += 1
    try:
        yield
    finally:
        with _CONSTANTS_LOCK:
            _CONSTANTS_USERS[0] -= 1
            if _CONSTANTS_USERS[0] == 0:
                providers._get_local_constants = _CONSTANTS_USERS[1]
                providers.CONSTANTS_CACHE.cache.clear()


def _keep_worst(worst: list[tuple[Any, Failure]], problem: Any, failure: Failure) -> None:
    if not worst or failure.details["relative"] > worst[0][1].details["relative"]:
        worst[:] = [(problem, failure)]


UNCHECKED = ("exception", "timeout", "crash", "output-size", "answer")  # no result to compare


def _mutation(changed: list[str], contract: str, here: list[str] | None = None) -> str:
    """What a changed input says: an entry of a dict changes whether its array was updated in
    place (`W1 -= ...`) or replaced (`parameters["W1"] = W1 - ...`): both reach the caller.
    `changed`: every input changed on some problem; `here`: those the shown input changes, if
    fewer (the smallest input, with zero gradients for W1, changed W2 and b2 only)."""
    where = ", ".join(changed)
    if here is not None:
        where += f" (the input shown: {', '.join(here)})"
    if contract == "two_layer.update_parameters":
        fix = ("return a new dict of new arrays, e.g. {'W1': W1 - lr * dW1, ...}, or start "
               "from copy.deepcopy of it")
    else:
        fix = "compute new arrays, A = A - B rather than A -= B, and keep them in names of your own"
    if any("[" in path or " (" in path for path in changed):
        return (f"changes its input {where}, in place or by assigning into the caller's dict; "
                f"the caller's arguments must stay as they were ({fix})")
    return f"changes its input {where} in place; the caller's arrays must stay as they were ({fix})"


PRODUCT_NEEDLES = ("not aligned", "mismatch in its core dimension")  # a product's shapes
PRODUCT_EXAMPLE = {"two_layer.backward_propagation": " (dZ1 = W2^T dZ2 * g'(Z1))"}
EXCEPTION_HINTS = (  # what the exceptions that these functions raise most often mean
    (("[Errno 27] File too large",),
     (f"the output limit: what it printed or wrote in this audit passed "
      f"{OUTPUT_LIMIT >> 20} MiB (print less, or nothing, inside the function)")),
    (PRODUCT_NEEDLES,
     ("the shapes of a product do not fit: a .T missing or one too many, np.dot where an "
      "element-wise * belongs{example}, or an operand made the wrong shape by "
      "an earlier line (an element-wise * where a product belongs)?")),
    (("math range error",),
     ("math.exp overflows from z = 710: use exp(-z) for z >= 0 and exp(z) for z < 0, as in "
      "sigma(z) = 1 / (1 + exp(-z)) = exp(z) / (1 + exp(z))")),
    (("math domain error",),
     ("math.log(0)? where sigmoid saturates a rounds to 0 or 1: compute the loss from z "
      "(np.logaddexp)")),
)
LOG_OF_A_HINT = ("math.log(0)? where a is 0 or 1, leave out the term whose coefficient (y or "
                 "1 - y) is 0: given a and not z, the loss cannot be computed from z")


def _hint(message: str, z_given: bool = True, contract: str = "",
          sizes: Iterable[int] = ()) -> str:
    """What the exception most likely means. A product whose operand has a size that no
    input of the call has read something else than its parameters: a notebook's data set
    (`np.dot(w.T, x_train)`) was told "a .T missing"."""
    if not z_given and "math domain error" in message:
        return "; " + LOG_OF_A_HINT
    if sizes and any(n in message for n in PRODUCT_NEEDLES):
        known = {1, *sizes}
        shapes = re.search(r"shapes \(([\d, ]*)\) and \(([\d, ]*)\)", message)
        core = re.search(r"size (\d+) is different from (\d+)", message)  # matmul's
        dims = {int(d) for d in re.findall(r"\d+", " ".join(shapes.groups()))} if shapes \
            else {int(d) for d in core.groups()} if core else set()
        alien = sorted(dims - known)
        if alien:
            return (f"; {' and '.join(map(str, alien))} "
                    f"{'is not a size' if len(alien) == 1 else 'are not sizes'} of this call's "
                    "inputs: does the function read a name of the notebook (a data set such as "
                    "X_train) in place of its parameter?")
    return next(("; " + hint.format(example=PRODUCT_EXAMPLE.get(contract, ""))
                 for needles, hint in EXCEPTION_HINTS if any(n in message for n in needles)), "")


def _unchecked(failures: list[Failure]) -> bool:
    """The call gave nothing whose values could be compared: it raised, crashed, hung, or its
    result as a whole could not be read (None, a tuple too short, not a dict)."""
    return any(f.check in UNCHECKED or f.unread for f in failures)


def _order(key: tuple[str, str]) -> tuple[int, int, str]:
    check, severity = key
    rank = contracts.CHECKS.index(check) if check in contracts.CHECKS else len(contracts.CHECKS)
    return SEVERITIES.index(severity), rank, check


def same_value(a: Any, b: Any) -> bool:
    """Bitwise the same plain value (NaN equal to NaN; dtype and shape included)."""
    import numpy as np

    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray):
        return (a.shape == b.shape and a.dtype == b.dtype
                and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return a == b


SCALAR_PARTS = "; and also "  # between the parts of one scalar-shape note


def _one_scalar_note(failures: list[Failure]) -> list[Failure]:
    """One scalar-shape note per call, naming every quantity: the first alone was told, and a
    student who fixed db's shape (1,) then met the cost's (1, 1)."""
    notes = [f for f in failures if f.check == "scalar-shape"]
    if len(notes) < 2:
        return failures
    merged = dataclasses.replace(notes[0], message=SCALAR_PARTS.join(f.message for f in notes),
                                 details={**notes[0].details, "quantities": [
                                     f.details.get("quantity") for f in notes]})
    return [merged if f is notes[0] else f for f in failures
            if f.check != "scalar-shape" or f is notes[0]]


def _scalar_parts(failure: Failure) -> dict[str, str]:
    """A scalar-shape note's quantities, each with its part of the message."""
    quantities = failure.details.get("quantities") or [failure.details.get("quantity", "")]
    return dict(zip(quantities, failure.message.split(SCALAR_PARTS)))


def _scalar_note_without(failure: Failure, misshapen: set[str]) -> Failure:
    """The note without the quantities whose shape is a defect elsewhere (db of shape (m,)
    is a note only where m = 1)."""
    parts = _scalar_parts(failure)
    kept = {q: m for q, m in parts.items() if q not in misshapen}
    if not kept or len(kept) == len(parts):
        return failure
    details = {k: v for k, v in failure.details.items() if k != "quantities"}
    if len(kept) > 1:
        details["quantities"] = list(kept)
    details["quantity"] = next(iter(kept))
    return dataclasses.replace(failure, message=SCALAR_PARTS.join(kept.values()),
                               details=details)


def _same_kind(found: Failure, target: Failure) -> bool:
    """What shrinking must keep failing: the same check and severity, and for a saturation
    warning the same quantities (another one may be a defect already reported)."""
    return ((found.check, found.severity) == (target.check, target.severity)
            and (found.check != "saturation" or _names(found) == _names(target)))


def _drop_explained_saturation(first: dict[tuple[str, str], tuple[Any, Failure]],
                               saturated: list[tuple[Any, Failure]],
                               wrong_seen: list[Failure] = ()) -> None:
    """A saturation warning on quantities already wrong away from saturation is the same defect
    seen again, and its advice (the stable form) would mislead: keep the first saturation
    failure that names none of them (a cost that overflows where a 1/m is missing shows with
    one example), else the first that names another quantity, or none. The quantities wrong
    are those of the first value defect and of the others seen (`wrong_seen`): zeros returned
    for dw, db and cost may show only two of them on the first input."""
    wrong = _wrong_names(first, wrong_seen)
    if not wrong or ("saturation", "warning") not in first:
        return
    apart = [found for found in saturated if not _names(found[1]) & wrong]
    unexplained = [found for found in saturated if not _names(found[1]) <= wrong]
    if apart or unexplained:
        first[("saturation", "warning")] = (apart or unexplained)[0]
    else:
        del first[("saturation", "warning")]


def _drop_explained_accuracy(first: dict[tuple[str, str], tuple[Any, Failure]],
                             worst: list[tuple[Any, Failure]],
                             wrong_seen: list[Failure] = ()) -> None:
    """An accuracy warning whose quantities are all wrong elsewhere is that defect seen small
    (zeros returned for the cost are within the textbook bound of a cost of 1e-20): dropped, and
    no pass climbs towards it."""
    wrong = _wrong_names(first, wrong_seen)
    found = first.get(("accuracy", "warning"))
    if wrong and found and all(_names(f) <= wrong for _, f in [found, *worst]):
        del first[("accuracy", "warning")]
        worst.clear()


def _wrong_names(first: dict[tuple[str, str], tuple[Any, Failure]],
                 wrong_seen: list[Failure]) -> set[str]:
    """The quantities of the first value defect and of the others seen (none without one)."""
    value = first.get(("value", "defect"))
    return _names(value[1]).union(*map(_names, wrong_seen)) if value else set()


LOAD_CHECKS = ("load", "import")  # the checks of the notes `targets.load_target` writes
MAX_LOAD_NOTES = 64


def load_notes(text: str) -> list[Finding]:
    """The notes of loading the target (`check<TAB>message` lines from `targets.load_target`).
    The worker's answer is the target's to forge: a line of any other check is dropped (a
    submission that replaced the answer's encoder had a note under every check, which the
    grader took as the check passed: a stub scored 15/20)."""
    findings = []
    for line in filter(None, text.split(NOTE_SEPARATOR)):
        check, _, message = line.partition("\t")
        if check in LOAD_CHECKS and len(findings) < MAX_LOAD_NOTES:
            findings.append(Finding(check, "note", message,
                                    {"inputs": "the target's imports and top-level code"}))
    return findings


def _defined_again(function: str, places: list[str]) -> list[Finding]:
    """A note when the file defines the function more than once: the last definition is what
    Python keeps, and what was audited (a draft below the real one scored 0 without a word)."""
    if len(places) < 2:
        return []
    where = f"{', '.join(places[:-1])} and {places[-1]}"
    return [Finding("load", "note", f"defines {function} {len(places)} times ({where}): the "
                    "last one is the one audited, as Python keeps it; delete the others",
                    {"inputs": "the target's source"})]


def _reordered(spec: contracts.Contract, accepts: Any, definitions: list) -> list[Finding]:
    """A note when the function's parameters are the contract's names in another order
    (`backward_propagation(X, Y, cache, parameters)`): it is called as the course calls it,
    and its AttributeError said nothing of why."""
    if not definitions:
        return []
    args = definitions[-1][1].args
    names = tuple(a.arg for a in [*args.posonlyargs, *args.args])
    expected = spec.edition_for(accepts).args
    meant = tuple(_contract_name(name, expected) for name in names)
    if meant == expected or sorted(map(str, meant)) != sorted(expected):
        return []
    own = f"{spec.function}({', '.join(names)})"
    said = f"its parameters are {own}, the contract's" if meant == names else \
        f"its parameters {own} are the contract's ({', '.join(map(str, meant))})"
    return [Finding("load", "note", f"{said} in another order: it is called as "
                    f"{spec.function}({', '.join(expected)}), as the course calls it; put them "
                    "in that order", {"inputs": "the target's source"})]


PARAMETER_SYNONYMS = {  # a parameter's name as students write it (lower case): the contract's
    "params": "parameters", "weights": "parameters", "activations": "cache",
    "caches": "cache", "forward_cache": "cache", "lr": "learning_rate", "alpha":
    "learning_rate", "iterations": "num_iterations", "num_iters": "num_iterations",
    "epochs": "num_iterations", "x_train": "X", "y_train": "Y", "labels": "Y",
    "grad": "grads", "gradients": "grads"}


def _contract_name(name: str, expected: tuple[str, ...]) -> str | None:
    """The contract's parameter a parameter's name means: the same, the same but for case (W
    for w), or a known synonym (activations for cache); None if none."""
    if name in expected:
        return name
    folded = [e for e in expected if e.lower() == name.lower()]
    if len(folded) == 1:
        return folded[0]
    synonym = PARAMETER_SYNONYMS.get(name.lower())
    return synonym if synonym in expected else None


def _verdict(findings: list[Finding]) -> str:
    return "defect" if any(f.severity == "defect" for f in findings) else "conforms"


# ---- public API ----------------------------------------------------------------------------------

def _with_edition(spec: contracts.Contract, opts: contracts.Options, accepts: Any
                  ) -> contracts.Options:
    """The options with the published signature that the target's arity fits."""
    return dataclasses.replace(opts, edition=spec.edition_for(accepts).signature(spec.function))


def _arity_of(function: Callable) -> Callable[[int], bool] | None:
    """accepts(n): can `function` be called with n positional arguments? None if unknown."""
    import inspect

    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return None

    def accepts(n: int) -> bool:
        try:
            signature.bind(*range(n))
        except TypeError:
            return False
        return True

    return accepts


def _options(contract: str, hidden_activation: str, dtype: str, examples: int, timeout: float,
             seed: int, isolation: str = "auto") -> tuple[contracts.Contract, contracts.Options]:
    if isolation not in isolation_modes.MODES:
        raise UsageError(f"--isolation must be auto or none, not {isolation!r}")
    if hidden_activation not in ("sigmoid", "tanh"):
        raise UsageError(f"--hidden-activation must be sigmoid or tanh, not {hidden_activation!r}")
    if dtype not in ("float64", "float32"):
        raise UsageError(f"--dtype must be float64 or float32, not {dtype!r}")
    if isinstance(examples, bool) or not isinstance(examples, int):
        raise UsageError(f"--examples must be a whole number, not {examples!r}")
    if not 1 <= examples <= MAX_EXAMPLES:  # 10^8 ran on for ever: --timeout counts calls only
        raise UsageError(f"--examples must be between 1 and {MAX_EXAMPLES}")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) \
            or not 0 < timeout <= MAX_TIMEOUT:  # 1e10 s overflowed the clock's time_t
        raise UsageError(f"--timeout must be a positive number of seconds up to {MAX_TIMEOUT:g} "
                         f"(a week), not {timeout!r}")
    if seed == "random":  # the library's callers too (the fixture): drawn, said, recorded
        seed = resolve_seed(seed)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise UsageError(f"--seed must be an integer or 'random', not {seed!r}")
    return contracts.get(contract), contracts.Options(hidden_activation, dtype, examples,
                                                       timeout, seed)


def audit(target: str | Target, contract: str, *, hidden_activation: str = "sigmoid",
          dtype: str = "float64", examples: int = 100, timeout: float = 60.0, seed: int = 0,
          label: str | None = None, isolation: str = "auto", root: str | None = None
          ) -> AuditResult:
    """Audit `target` (file.py[:f], notebook.ipynb[:f], package.module[:f]) in a sandbox.

    A target that cannot be audited (missing, syntax error, no such function, import fails)
    gives verdict "error" with a one-line `reason`; a bad contract or option raises UsageError.
    `isolation`: "auto" (the strongest sandbox available) or "none" (trusted code); `root`: a
    folder run's root, which the target must not see besides its own folder (the other
    submissions) and up to which its helper modules are looked for.
    """
    spec, opts = _options(contract, hidden_activation, dtype, examples, timeout, seed)
    confinement = isolation_modes.choose(isolation)
    label = shown_label(label or (target if isinstance(target, str) else target.label))
    result = AuditResult(label, contract, "error", options=opts.as_dict())
    try:
        parsed = target if isinstance(target, Target) else parse_target(target, spec.function)
        check_target(parsed)
        definitions = definitions_of(parsed)  # read once: the arity is the last one's
    except UsageError as exc:
        result.reason = str(exc)
        return result
    found = Arity.of(definitions[-1][1].args) if definitions else None
    opts = _with_edition(spec, opts, found.accepts if found else None)
    result.options = opts.as_dict()
    with Sandbox(parsed, budget=timeout, isolation=confinement, root=root) as sandbox:
        sandbox.launch()
        engine = _Engine(spec, sandbox, opts)
        engine.prepare()  # while the sandbox starts
        failed = sandbox.loaded()
        if failed is not None:
            result.reason = f"loading the target failed: {failed.message}"
            return result
        reordered = _reordered(spec, found.accepts if found else None, definitions)
        engine.reordered = bool(reordered)
        result.findings = engine.search()
        engine.keep()
        result.findings += load_notes(sandbox.load_note) + _defined_again(
            spec.function, [place for place, _ in definitions]) + reordered
    result.verdict = _verdict(result.findings)
    return result


def check_example(target: str | Target, contract: str, problem: dict, *,
                  hidden_activation: str = "sigmoid", dtype: str = "float64",
                  timeout: float = 60.0, isolation: str = "auto") -> list[Finding]:
    """Every check of `contract` on one given problem (no search, no shrinking): a dict with
    the contract's inputs (w, b, X, Y; or W1, b1, W2, b2, X, Y; ...), e.g. at the size of a
    real data set; a dict value (`parameters`, `grads`) gives its keys, a list is an array.
    Raises UsageError when the target cannot be audited or the problem is not one of the
    contract's (a key missing, a value that is no array)."""
    spec, opts = _options(contract, hidden_activation, dtype, 1, timeout, 0)
    if not isinstance(target, (str, Target)):
        raise UsageError(f"check_example takes a target such as 'path/file.py:function', not "
                         f"{type(target).__name__} (audit_function audits a function object)")
    problem = _given_problem(problem)
    _fitting(problem)
    parsed = target if isinstance(target, Target) else parse_target(target, spec.function)
    check_target(parsed)
    found = arity(parsed)
    opts = _with_edition(spec, opts, found.accepts if found else None)
    with Sandbox(parsed, budget=timeout, isolation=isolation_modes.choose(isolation)) as sandbox:
        failed = sandbox.start()
        if failed is not None:
            raise UsageError(f"loading the target failed: {failed.message}")
        try:
            failures = _Engine(spec, sandbox, opts).evaluate(problem)
        except KeyError as exc:  # the harness's own reads: the target's come back as outcomes
            raise UsageError(f"the problem has no {exc.args[0]!r}, which {contract} needs "
                             f"(it has {', '.join(sorted(problem))})") from None
        except (AttributeError, TypeError, ValueError, IndexError) as exc:
            raise UsageError(f"the problem is not one of {contract}'s: {exc}") from None
    return [Finding(f.check, f.severity, f.message, {"inputs": "the given problem", **f.details})
            for f in failures]


def _fitting(problem: dict) -> None:
    """UsageError when the given inputs' shapes do not fit one another (w (4, 1) with X (2, 3)
    was reported as the target's exception defect)."""
    from nnspec.numerics import oracle

    try:
        if {"w", "b", "X", "Y"} <= problem.keys():
            oracle.check_logreg_shapes(problem["w"], problem["b"], problem["X"], problem["Y"])
        if {"W1", "b1", "W2", "b2", "X", "Y"} <= problem.keys():
            oracle.check_two_layer_shapes(problem, problem["X"], problem["Y"])
    except ValueError as exc:
        raise UsageError(f"the problem's {exc}") from None


def _given_problem(problem: dict) -> dict:
    """A problem as the contracts hold it: nested dicts flattened, lists as float64 arrays."""
    import numpy as np

    if not isinstance(problem, dict):
        raise UsageError(f"the problem must be a dict of the contract's inputs, not "
                         f"{type(problem).__name__}")
    flat: dict = {}
    for key, value in problem.items():
        flat.update(value if isinstance(value, dict) else {key: value})
    return {k: np.asarray(v, dtype=np.float64) if isinstance(v, (list, tuple)) else v
            for k, v in flat.items()}


def function_label(function: object) -> str:
    """module:qualname; a functools.partial by the function it wraps (it was functools:?)."""
    import functools

    inner = function.func if isinstance(function, functools.partial) else function
    name = getattr(inner, "__qualname__", None) or f"{type(inner).__qualname__} object"
    label = f"{getattr(inner, '__module__', None) or type(inner).__module__}:{name}"
    return f"partial({label})" if inner is not function else label


@contextlib.contextmanager
def _seeded_global_generators():
    """NumPy's and Python's global generators seeded for the audit, as a sandbox seeds them
    (a target that adds np.random noise wrote other bytes to the fixture's report on each
    run), and given back as they were: the caller's own tests draw as they would have."""
    import random

    import numpy as np

    from nnspec.audit.sandbox import _seed_global_generators

    saved = random.getstate(), np.random.get_state()
    _seed_global_generators()
    try:
        yield
    finally:
        random.setstate(saved[0])
        np.random.set_state(saved[1])


def audit_function(function: Callable, contract: str, *, hidden_activation: str = "sigmoid",
                   dtype: str = "float64", examples: int = 100, timeout: float = 60.0,
                   seed: int = 0, isolate: bool = False) -> AuditResult:
    """Audit a function object in this process (see the module docstring for why).

    With `isolate=True` the function is re-loaded by name in a sandbox process instead, as
    `audit` does: from its module's file, or a package's module by its name with this
    process's import path (only for a top-level function or method of a module with a file;
    UsageError otherwise): a crash or a hang then cannot touch this process.
    """
    name = function_label(function)
    if not isinstance(isolate, bool):
        raise UsageError(f"isolate must be True or False, not {isolate!r}")
    if isolate:
        import inspect

        module = sys.modules.get(getattr(function, "__module__", None) or "", None)
        qualname = getattr(function, "__qualname__", "") or ""
        path = getattr(module, "__file__", None)
        if inspect.ismethod(function) or not inspect.isfunction(function):
            what = "a bound method (its instance stays in this process)" \
                if inspect.ismethod(function) else \
                f"a {type(function).__name__}, not a function defined with def"
            raise UsageError(f"{name} cannot be loaded by name in another process: it is "
                             f"{what}; audit it with isolate=False")
        if not path or "<" in qualname or not path.endswith(".py"):
            raise UsageError(f"{name} cannot be loaded by name in another process "
                             "(defined in a function, or its module has no .py file); "
                             "audit it with isolate=False")
        package = getattr(getattr(module, "__spec__", None), "parent", "")
        # a package's module is imported by its name (its `from .util import` failed as a file)
        target = Target("module", module.__name__, qualname, name, own_code=True) if package \
            else Target("file", str(Path(path).resolve()), qualname, name, own_code=True)
        return audit(target, contract, hidden_activation=hidden_activation, dtype=dtype,
                     examples=examples, timeout=timeout, seed=seed)
    spec, opts = _options(contract, hidden_activation, dtype, examples, timeout, seed)
    opts = _with_edition(spec, opts, _arity_of(function))
    engine = _Engine(spec, FunctionCaller(function, timeout), opts)
    with _seeded_global_generators():
        findings = engine.search()
    return AuditResult(name, contract, _verdict(findings), findings, options=opts.as_dict())


# ---- command line ------------------------------------------------------------------------------

def _audit_options(args: argparse.Namespace) -> dict:
    return {"hidden_activation": args.hidden_activation, "dtype": args.dtype,
            "examples": args.examples, "timeout": args.timeout, "seed": args.seed,
            "isolation": getattr(args, "isolation", "auto")}


def resolve_seed(seed: int | str) -> int:
    """`--seed N`, or `--seed random`: a seed drawn from the OS, printed on stderr (and recorded
    in the JSON), so that a grader's audit cannot be predicted by a submission yet can be
    replayed."""
    if seed != "random":
        try:
            return int(seed)
        except (TypeError, ValueError):
            raise UsageError(f"--seed must be an integer or 'random', not {seed!r}") from None
    import secrets

    drawn = secrets.randbelow(2**32)
    print(f"nnspec: --seed random drew {drawn}; replay with --seed {drawn}", file=sys.stderr)
    return drawn


FOLDER_ONLY = ("--workers", "--scheduler", "--cache", "--no-cache")


def _not_applying(args: argparse.Namespace, folder: bool) -> list[str]:
    """The options given that this run does not use, one line each: a user who asked for a
    cluster or a hidden activation is told that the run goes without it, not left to guess."""
    lines = []
    if not folder:
        given = [o for o in FOLDER_ONLY if getattr(args, o[2:].replace("-", "_"), None)]
        if given:
            verb = "applies" if len(given) == 1 else "apply"
            lines.append(f"ignored: {', '.join(given)} {verb} to a folder of targets, and "
                         f"{printable(args.target, 200)} is one target (audited on this machine)")
    if args.hidden_activation != "sigmoid" and not any(
            c.startswith("two_layer.") for c in args.contracts):
        lines.append(f"ignored: --hidden-activation applies to the two_layer contracts, not "
                     f"{', '.join(args.contracts)} (logistic regression has no hidden layer)")
    return lines


def run(args: argparse.Namespace) -> int:
    """CLI: one target, or every .py/.ipynb under a folder. Exit 0 / 1 / 2 as in DESIGN.md."""
    args.seed = resolve_seed(args.seed)
    given = args.contract if isinstance(args.contract, list) else [args.contract]
    args.contracts = list(dict.fromkeys(given))
    args.contract = args.contracts[0]
    for contract in args.contracts:
        _options(contract, **_audit_options(args))  # usage errors before any work
    from nnspec.audit.grader import VALUE_POINTS

    points = getattr(args, "value_points", VALUE_POINTS)
    if points < 1:
        raise UsageError("--value-points must be at least 1")
    if getattr(args, "workers", None) is not None and args.workers < 1:  # a file's run too
        raise UsageError("--workers must be at least 1")
    if getattr(args, "cache", None) and os.path.isdir(args.cache):
        raise UsageError(f"--cache {args.cache} is a directory: name the database file in it")
    where = args.target.rpartition(":")[0] or args.target  # file.py of file.py:function
    folder = os.path.isdir(args.target)  # False, not PermissionError, in a locked folder
    for kind in ("gradescope", "prairielearn"):
        given = getattr(args, kind, None)
        if given and not folder and (given.endswith(("/", os.sep)) or os.path.isdir(given)):
            setattr(args, kind, os.path.join(given, "results.json"))  # the platforms' name
    graders = {f"--{kind}": getattr(args, kind, None) for kind in ("gradescope", "prairielearn")}
    check_outputs({"--json": args.json, "--report": args.report,  # --cache: a database written
                   "--cache": getattr(args, "cache", None),  # over an empty submission.py
                   **({} if folder else graders)},
                  (args.target, where), SUFFIXES, directories=graders if folder else None)
    for line in _not_applying(args, folder):
        print(f"nnspec: {line}", file=sys.stderr)
    if folder:
        if len(args.contracts) > 1:
            raise UsageError("a folder is audited against one --contract at a time: run it "
                             "once per contract, each with its own --gradescope or "
                             "--prairielearn directory")
        from nnspec.audit.batch import run_folder

        return run_folder(args)
    results = [audit(args.target, contract, **_audit_options(args))
               for contract in args.contracts]
    if args.report:
        write_atomic(args.report, "\n".join(r.to_markdown() for r in results), make_dirs=True)
    if args.json:
        write_atomic(args.json, results[0].to_json() if len(results) == 1 else json.dumps(
            {"targets": [r.to_dict() for r in results]}, sort_keys=True, indent=2,
            allow_nan=False) + "\n", make_dirs=True)
    for kind in ("gradescope", "prairielearn"):
        if getattr(args, kind, None):
            from nnspec.audit.grader import write_one

            write_one(getattr(args, kind), kind, results, points)
    for result in results:
        if result.verdict == "error":
            print(f"nnspec: error: {result.reason}", file=sys.stderr)
            if len(results) > 1:  # in its place among the others' results, not only on stderr
                print(f"{printable(result.target, 200)}: not audited against {result.contract}: "
                      f"{printable(result.reason, 300)}")
        else:
            print(result.summary())
    if any(r.verdict != "error" for r in results):
        print(isolation_modes.choose(args.isolation).describe())
    if any(r.verdict == "defect" for r in results):
        return EXIT_FINDING
    return EXIT_USAGE if any(r.verdict == "error" for r in results) else EXIT_OK
