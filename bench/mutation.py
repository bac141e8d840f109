"""Mutation testing of the emitted reference: every single-node change to reference/*.py that
changes behaviour must make a test fail. Writes reports/mutation.md.

Each mutant is one change on the syntax tree of reference/logreg.py, two_layer_sigmoid.py or
two_layer_tanh.py (an operator or sign swapped, a constant changed, a comparison loosened, an
axis, keepdims or a transpose dropped, ...). A forked child loads it in place of the module
(nnspec.reference.<name>, before any test imports it) and runs the focused tests in-process,
stopping at the first failure. The drift check (`generate --check`, byte-identical files) is not
among them: it reads the files on disk, which never change here. The mutants that cannot change
behaviour are listed in EQUIVALENT below, each with the reason.

Run: .venv/bin/python bench/mutation.py [--jobs 2] [--only ID ...] [--timeout S]
         [--reuse LOG] [--out reports/mutation.md]   (progress on stderr: 2> LOG)
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import functools
import importlib
import inspect
import json
import multiprocessing
import os
import re
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ("logreg", "two_layer_sigmoid", "two_layer_tanh")

# The tests that use the reference in-process, fastest and most focused first (pytest -x).
TESTS = [
    "tests/test_reference_training.py",
    "tests/test_reference.py",
    "tests/test_properties.py",
    "tests/test_audit_contracts.py",
    "tests/test_verify_code.py",
    "tests/test_digits.py",
    "tests/test_report_evidence.py",
]

# Mutant id -> why it cannot change what the function returns or prints (reviewed by hand).
_SPLIT_SIGMOID_AT_ZERO = (
    "at z = 0 (and -0.0) both branches give 0.5 exactly: e0 = exp(-0) = 1, e1 = 1/(1 + 1) = "
    "0.5 and e0*e1 = 0.5; every other z takes the same branch as before")
_ABS_OF_NEGATION = "abs(-z) is abs(z) for every float64 z (and -0.0, inf, nan alike)"
EQUIVALENT: dict[str, str] = {
    **{f"{m}.sigmoid:GtE->Gt:1": _SPLIT_SIGMOID_AT_ZERO for m in MODULES},
    **{f"{m}.sigmoid:negate-z:2": _ABS_OF_NEGATION for m in MODULES},
    **{f"{m}.backward_propagation:drop-axis:1": (
        "dZ2 is (1, m) (one output unit, the notes' network): the sum of all its entries with "
        "keepdims is the (1, 1) sum of its one row, the same value") for m in MODULES[1:]},
    "logreg.model:negate-w:1": (
        "w is numpy.zeros here: -w is -0.0 everywhere, which equals 0.0 in every comparison and "
        "gives the same w - lr*dw (-0.0 - x = 0.0 - x for x != 0; only a zero step keeps the "
        "sign of zero, which no numerical result shows)"),
    "logreg.model:negate-b:1": (
        "b is 0.0 here: -b is -0.0, and -0.0 + z = z and -0.0 - lr*db = -(lr*db) for any "
        "nonzero step, the same as from 0.0 (a zero step keeps only the sign of zero)"),
}

SWAP_BINOP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
              ast.Pow: ast.Mult, ast.Mod: ast.FloorDiv}
SWAP_CMP = {ast.GtE: ast.Gt, ast.Gt: ast.GtE, ast.LtE: ast.Lt, ast.Lt: ast.LtE,
            ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is}
SWAP_CALL = {"log": "log1p", "log1p": "log", "sum": "mean", "mean": "sum"}
# Calls whose arguments are not negated, and names never negated (dicts, flags: `-True` is
# as true as True), so that no mutant is equivalent or absurd by construction.
NOT_NEGATED = {"range", "print", "tuple"}
NOT_NEGATED_NAMES = {"parameters", "grads", "cache", "print_cost"}


@dataclass(frozen=True)
class Mutant:
    module: str
    function: str
    kind: str
    ordinal: int  # among the mutants of this kind in this function, in source order
    node: int  # index of the node in ast.walk order
    line: int
    before: str
    after: str

    @property
    def id(self) -> str:
        return f"{self.module}.{self.function}:{self.kind}:{self.ordinal}"


def _ops(node: ast.AST) -> list[tuple[str, callable]]:
    """The mutations of one node: (kind, function changing the node in place)."""
    out = []
    if isinstance(node, ast.BinOp) and type(node.op) in SWAP_BINOP:
        new = SWAP_BINOP[type(node.op)]
        out.append((f"{type(node.op).__name__}->{new.__name__}",
                    lambda n, new=new: setattr(n, "op", new())))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        out.append(("drop-minus", "operand"))
    elif isinstance(node, ast.BoolOp):
        new = ast.Or if isinstance(node.op, ast.And) else ast.And
        out.append((f"{type(node.op).__name__}->{new.__name__}",
                    lambda n, new=new: setattr(n, "op", new())))
    elif isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in SWAP_CMP:
        new = SWAP_CMP[type(node.ops[0])]
        out.append((f"{type(node.ops[0]).__name__}->{new.__name__}",
                    lambda n, new=new: setattr(n, "ops", [new()])))
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        out.append((f"{node.value}->{not node.value}",
                    lambda n: setattr(n, "value", not n.value)))
    elif isinstance(node, ast.Constant) and isinstance(node.value, int):
        new = {0: 1, 1: 0}.get(node.value, node.value + 1)
        out.append((f"{node.value}->{new}", lambda n, new=new: setattr(n, "value", new)))
    elif isinstance(node, ast.Constant) and isinstance(node.value, float):
        new = node.value * 2 if node.value else 1.0
        out.append((f"{node.value}->{new}", lambda n, new=new: setattr(n, "value", new)))
    elif isinstance(node, ast.Attribute) and node.attr == "T":
        out.append(("drop-T", "value"))
    elif isinstance(node, ast.Call):
        out.extend(_call_ops(node))
    return out


def _call_ops(node: ast.Call) -> list[tuple[str, callable]]:
    out = []
    name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
    if name in SWAP_CALL:
        out.append((f"{name}->{SWAP_CALL[name]}",
                    lambda n: setattr(n.func, "attr", SWAP_CALL[n.func.attr])))
    if name == "where" and len(node.args) == 3:
        out.append(("where-swap", lambda n: n.args.__setitem__(slice(1, 3), n.args[:0:-1])))
    if name == "abs":
        out.append(("drop-abs", lambda n: n.args[0]))
    for i, kw in enumerate(node.keywords):
        out.append((f"drop-{kw.arg}", lambda n, i=i: n.keywords.__delitem__(i)))
    if name not in NOT_NEGATED:
        for i, arg in enumerate(node.args):
            if isinstance(arg, ast.Name) and arg.id not in NOT_NEGATED_NAMES:
                out.append((f"negate-{arg.id}", lambda n, i=i: n.args.__setitem__(
                    i, ast.UnaryOp(ast.USub(), n.args[i]))))
    return out


def _is_docstring(node: ast.AST) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)


def _nodes(tree: ast.AST) -> list[tuple[ast.AST, str]]:
    """Every node with the name of its enclosing top-level function, docstrings left out."""
    out = []

    def visit(node, function):
        if _is_docstring(node):
            return
        out.append((node, function))
        for child in ast.iter_child_nodes(node):
            name = child.name if isinstance(child, ast.FunctionDef) else function
            visit(child, name)

    visit(tree, "<module>")
    return out


def _apply(node: ast.AST, parent_fix, change) -> None:
    """Run change on node; a string names the child that replaces the node itself."""
    if isinstance(change, str):
        parent_fix(getattr(node, change))
        return
    result = change(node)
    if isinstance(result, ast.AST):
        parent_fix(result)


def _replacer(tree: ast.AST, target: ast.AST):
    """A function that puts a new node where target sits in its parent."""
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if value is target:
                return lambda new, p=parent, f=field: setattr(p, f, new)
            if isinstance(value, list) and any(v is target for v in value):
                i = next(k for k, v in enumerate(value) if v is target)
                return lambda new, lst=value, i=i: lst.__setitem__(i, new)
    raise LookupError("node without a parent")


def mutants(module: str) -> list[Mutant]:
    source = (ROOT / "reference" / f"{module}.py").read_text()
    tree = ast.parse(source)
    out, counts = [], {}
    for index, (node, function) in enumerate(_nodes(tree)):
        for op_index, (kind, _) in enumerate(_ops(node)):
            key = (function, kind)
            counts[key] = counts.get(key, 0) + 1
            after = mutant_source(module, index, op_index, fragment=True)
            out.append(Mutant(module, function, kind, counts[key], index, node.lineno,
                              ast.get_source_segment(source, node) or "", after))
    return out


def mutant_source(module: str, index: int, op_index: int, *, fragment: bool = False) -> str:
    """The module's source with mutation op_index of node `index` applied (or, with fragment,
    the mutated statement holding the node)."""
    tree = ast.parse((ROOT / "reference" / f"{module}.py").read_text())
    node = _nodes(tree)[index][0]
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    _apply(node, _replacer(tree, node), _ops(node)[op_index][1])
    if fragment:
        return _headline(node, parents)
    return ast.unparse(ast.fix_missing_locations(tree))


def _headline(node: ast.AST, parents: dict) -> str:
    """The mutated line, short: the statement holding node, or its header for an if, a for or
    a def (then only the arguments)."""
    while not isinstance(node, (ast.stmt, ast.arguments)):
        node = parents[node]
    if isinstance(node, ast.arguments):
        text = f"def {parents[node].name}({ast.unparse(node)})"
    elif isinstance(node, ast.If):
        text = f"if {ast.unparse(node.test)}:"
    elif isinstance(node, ast.For):
        text = f"for {ast.unparse(node.target)} in {ast.unparse(node.iter)}:"
    else:
        text = ast.unparse(node).splitlines()[0]
    return text if len(text) <= 120 else text[:117] + "..."


def _pytest(args: list[str], plugin, result_path: str) -> None:
    """In a forked child: run pytest quietly, then write the plugin's `result` and exit."""
    import pytest

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    code = pytest.main(["-q", "-p", "no:cacheprovider", "--rootdir", str(ROOT), *args],
                       plugins=[plugin])
    Path(result_path).write_text(json.dumps({"exit": int(code), **plugin.result}))
    os._exit(0)


class _Coverage:
    """Which tests call which reference function, and how long each test takes."""

    def __init__(self):
        self.result = {"calls": {}, "seconds": {}}
        self.current = None

    def pytest_runtest_protocol(self, item, nextitem):
        self.current = item.nodeid

    def pytest_runtest_logreport(self, report):
        seconds = self.result["seconds"]
        seconds[report.nodeid] = seconds.get(report.nodeid, 0.0) + report.duration

    def wrap(self, key: str, function):
        @functools.wraps(function)
        def recorded(*args, **kwargs):
            callers = self.result["calls"].setdefault(key, [])
            if self.current is not None and self.current not in callers:
                callers.append(self.current)
            return function(*args, **kwargs)
        return recorded


def _coverage_child(tests: list[str], result_path: str) -> None:
    plugin = _Coverage()
    for module_name in MODULES:
        module = importlib.import_module(f"nnspec.reference.{module_name}")
        for name, value in list(vars(module).items()):
            if inspect.isfunction(value) and value.__module__ == module.__name__:
                setattr(module, name, plugin.wrap(f"{module_name}.{name}", value))
    _pytest(tests, plugin, result_path)


class _FirstFailure:
    """Records the first failing test; turns off Hypothesis' shrinking (a failure is all a kill
    needs, and shrinking against the oracle can take minutes)."""

    def __init__(self):
        self.result = {"failed": ""}

    def pytest_sessionstart(self, session):
        from hypothesis import Phase, settings

        settings.register_profile("nnspec-mutation", parent=settings.default,
                                  phases=[Phase.explicit, Phase.reuse, Phase.generate])
        settings.load_profile("nnspec-mutation")

    def pytest_runtest_logreport(self, report):
        if report.failed and not self.result["failed"]:
            self.result["failed"] = report.nodeid


def _mutant_child(mutant: Mutant, op_index: int, tests: list[str], result_path: str) -> None:
    """Load the mutant as nnspec.reference.<module> (in the module already imported, so every
    caller sees it), then run the tests that call the mutated function, stopping at the first
    failure."""
    module = importlib.import_module(f"nnspec.reference.{mutant.module}")
    code = compile(mutant_source(mutant.module, mutant.node, op_index), module.__file__, "exec")
    exec(code, module.__dict__)  # noqa: S102 - a one-node change of our own reference
    _pytest(["-x", *tests], _FirstFailure(), result_path)


def _preload(tests: list[str]) -> None:
    """Collect the tests once in the parent, so that each forked child starts with every module
    imported. Safe because the reference is only ever imported as a module object
    (`from nnspec.reference import logreg`, then `logreg.f`): a child that re-executes the
    mutant in that module's namespace changes what every caller sees."""
    import pytest

    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        code = pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", *tests])
    if code != 0:
        raise SystemExit(f"mutation: error: the tests do not collect (pytest exit {code})")


def _in_own_group(target, *args) -> None:
    os.setpgid(0, 0)  # so that a timeout ends the child and whatever it started
    target(*args)


def _fork(target, args, tmp: Path, name: str):
    path = tmp / f"{name}.json"
    process = multiprocessing.get_context("fork").Process(target=_in_own_group,
                                                          args=(target, *args, str(path)))
    process.start()
    return process, path


def coverage(tests: list[str], tmp: Path) -> dict:
    """One run of the tests on the unchanged reference: they must pass; returns which tests
    call each function, fastest first."""
    process, path = _fork(_coverage_child, (tests,), tmp, "coverage")
    process.join()
    result = json.loads(path.read_text()) if path.exists() else {"exit": -1}
    if result["exit"] != 0:
        raise SystemExit(f"mutation: error: the tests fail on the reference (exit {result['exit']})")
    seconds = result["seconds"]
    return {key: [(t, seconds.get(t, 0.0)) for t in sorted(ids, key=lambda t: seconds.get(t, 0.0))]
            for key, ids in result["calls"].items()}


@dataclass
class Outcome:
    mutant: Mutant
    status: str  # killed, survived, timeout, error, untested
    test: str
    seconds: float


def run(selected: list[tuple[Mutant, int]], callers: dict, jobs: int, timeout: float,
        tmp: Path) -> list[Outcome]:
    pending, running, done = list(selected), {}, []
    try:
        _loop(pending, running, done, callers, jobs, timeout, tmp, len(selected))
    finally:  # interrupted: end the children still running, and what they started
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
    return done


def _loop(pending, running, done, callers, jobs, timeout, tmp, total) -> None:
    while pending or running:
        while pending and len(running) < jobs:
            mutant, op_index = pending.pop(0)
            tests = callers.get(f"{mutant.module}.{mutant.function}", [])
            if not tests:
                done.append(Outcome(mutant, "untested", "", 0.0))
                continue
            ids = [t for t, _ in tests]
            process, path = _fork(_mutant_child, (mutant, op_index, ids), tmp, str(len(done)))
            # a mutant may make the tests slower, never 5 times slower and a minute more
            limit = min(timeout, 60 + 5 * sum(s for _, s in tests))
            running[process] = (mutant, path, time.monotonic(), limit)
        time.sleep(0.02)
        for process, (mutant, path, start, limit) in list(running.items()):
            elapsed = time.monotonic() - start
            if process.is_alive() and elapsed < limit:
                continue
            if process.is_alive():
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.join()
                status, test = "timeout", ""
            else:
                process.join()
                result = json.loads(path.read_text()) if path.exists() else {"exit": -1}
                status = {0: "survived", 1: "killed"}.get(result["exit"], "error")
                test = result.get("failed", "")
            path.unlink(missing_ok=True)
            del running[process]
            done.append(Outcome(mutant, status, test, elapsed))
            print(f"[{len(done)}/{total}] {status:8} {mutant.id} ({elapsed:.1f} s) {test}",
                  file=sys.stderr, flush=True)


def markdown(outcomes: list[Outcome], tests: list[str], wall: float, jobs: int,
             reused: int) -> str:
    total = len(outcomes)
    equivalent = [o for o in outcomes if o.mutant.id in EQUIVALENT]
    counted = [o for o in outcomes if o.mutant.id not in EQUIVALENT]
    killed = [o for o in counted if o.status in ("killed", "timeout")]
    survived = [o for o in counted if o.status in ("survived", "untested")]
    errors = [o for o in counted if o.status == "error"]
    score = 100 * len(killed) / len(counted) if counted else 100.0
    raw = 100 * sum(o.status in ("killed", "timeout") for o in outcomes) / max(total, 1)
    lines = [
        "# Mutation testing of the reference",
        "",
        "Written by `python bench/mutation.py`. Every single-node change to `reference/*.py`",
        "(operators and signs swapped, constants changed, comparisons loosened, axes, keepdims,",
        "transposes, keyword arguments and `abs` dropped, `where` branches swapped, `log`/`log1p`",
        "and `sum`/`mean` exchanged) is loaded as `nnspec.reference.<module>` and the tests that",
        "use the reference run against it, stopping at the first failure. The drift check",
        "(`generate --check`) is not counted: it reads the files, which stay unchanged.",
        "",
        (f"**Score: {len(killed)} of {len(counted)} non-equivalent mutants killed "
         f"({score:.1f} %)**; {len(equivalent)} equivalent; {total} mutants in all, {raw:.1f} % "
         "killed counting the equivalent ones as survivors."),
        "",
        "Each mutant runs the tests (of " + ", ".join(f"`{t}`" for t in tests) + ") that call",
        "the function it changes, fastest first, in a process forked from one that has them all",
        "imported; Hypothesis does not shrink there. A timeout (5 times the tests' own time",
        "plus a minute) counts as a kill.",
        "",
        (f"The mutants' runs took {sum(o.seconds for o in outcomes) / 60:.0f} min in all "
         f"(summed; about half that on 2 processes). Wall time of this invocation "
         f"{wall / 60:.1f} min on {jobs} processes"
         + (f"; {reused} of the {len(outcomes)} outcomes taken from earlier runs' progress "
            "logs (`--reuse`: kills and equivalent survivors are kept, the rest run again)."
            if reused else ".")),
        "",
        "| module | mutants | killed | timeout | survived | equivalent |",
        "|---|---|---|---|---|---|",
    ]
    for module in MODULES:
        mine = [o for o in outcomes if o.mutant.module == module]
        eq = sum(o.mutant.id in EQUIVALENT for o in mine)
        lines.append(f"| `{module}` | {len(mine)} | "
                     f"{sum(o.status == 'killed' and o.mutant.id not in EQUIVALENT for o in mine)} | "
                     f"{sum(o.status == 'timeout' and o.mutant.id not in EQUIVALENT for o in mine)}"
                     f" | {sum(o.status == 'survived' and o.mutant.id not in EQUIVALENT for o in mine)}"
                     f" | {eq} |")
    lines += ["", "## Surviving mutants", ""]
    if not survived and not errors:
        lines.append("None: every non-equivalent mutant is killed.")
    for o in survived + errors:
        lines.append(f"- `{o.mutant.id}` ({o.status}), line {o.mutant.line}: "
                     f"`{o.mutant.before}` -> `{o.mutant.after}`")
    lines += ["", "## Equivalent mutants", ""]
    for o in equivalent:
        note = "" if o.status == "survived" else f" (yet {o.status}: review the entry)"
        lines.append(f"- `{o.mutant.id}`{note}, line {o.mutant.line}, `{o.mutant.after}`: "
                     f"{EQUIVALENT[o.mutant.id]}")
    if not equivalent:
        lines.append("None.")
    lines += ["", "## Kills per function", "", "| function | mutants | killed |", "|---|---|---|"]
    functions = sorted({(o.mutant.module, o.mutant.function) for o in outcomes})
    for module, function in functions:
        mine = [o for o in outcomes if (o.mutant.module, o.mutant.function) == (module, function)]
        lines.append(f"| `{module}.{function}` | {len(mine)} | "
                     f"{sum(o.status in ('killed', 'timeout') for o in mine)} |")
    return "\n".join(lines) + "\n"


PROGRESS = re.compile(r"\[\d+/\d+\] (\w+) +(\S+) \(([\d.]+) s\) ?(.*)")


def _reused(log: str, selected: list[tuple[Mutant, int]]) -> list[Outcome]:
    """The outcomes of a previous run's progress lines that need no new run: kills, and the
    listed equivalent mutants that survived."""
    by_id = {m.id: m for m, _ in selected}
    kept = []
    for line in Path(log).read_text().splitlines():
        match = PROGRESS.fullmatch(line.strip())
        if not match or match[2] not in by_id:
            continue
        status, mutant_id = match[1], match[2]
        if status in ("killed", "timeout") or (status == "survived" and mutant_id in EQUIVALENT):
            kept.append(Outcome(by_id[mutant_id], status, match[4], float(match[3])))
    return kept


def _matches(mutant_id: str, wanted: str) -> bool:
    """An exact id, or a prefix such as `logreg.model` or `logreg.model:negate-w`."""
    return mutant_id == wanted or (not wanted[-1].isdigit() and mutant_id.startswith(wanted))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].replace("\n", " "))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="at most this many seconds per mutant (a timeout is a kill)")
    parser.add_argument("--only", nargs="*", default=None,
                        help="mutant ids or prefixes (a partial run writes no report)")
    parser.add_argument("--reuse", metavar="LOG",
                        help="a previous run's progress (its stderr): keep its kills and its "
                             "surviving equivalent mutants, run the rest again")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--out", default=str(ROOT / "reports" / "mutation.md"))
    args = parser.parse_args()
    os.environ.setdefault("CI", "true")  # the deterministic Hypothesis profile
    selected = []
    for module in MODULES:
        per_node: dict[int, int] = {}
        for m in mutants(module):
            op_index = per_node.get(m.node, 0)
            per_node[m.node] = op_index + 1
            if args.only is None or any(_matches(m.id, p) for p in args.only):
                selected.append((m, op_index))
    unknown = set(EQUIVALENT) - {m.id for module in MODULES for m in mutants(module)}
    if unknown:
        print(f"mutation: error: equivalent ids with no mutant: {sorted(unknown)}", file=sys.stderr)
        return 2
    if args.list:
        for m, _ in selected:
            print(f"{m.id}\tline {m.line}\t{m.after}")
        return 0
    os.chdir(ROOT)
    tests = [t for t in TESTS if (ROOT / t).exists()]
    start = time.monotonic()
    kept = _reused(args.reuse, selected) if args.reuse else []
    again = [(m, k) for m, k in selected if m.id not in {o.mutant.id for o in kept}]
    outcomes = kept
    if again:
        _preload(tests)
        with tempfile.TemporaryDirectory(prefix="nnspec-mutation-") as tmp:
            callers = coverage(tests, Path(tmp))
            outcomes = kept + run(again, callers, args.jobs, args.timeout, Path(tmp))
    order = {m.id: i for i, (m, _) in enumerate(selected)}
    outcomes.sort(key=lambda o: order[o.mutant.id])
    text = markdown(outcomes, tests, time.monotonic() - start, args.jobs, len(kept))
    if args.only is None:
        from nnspec.files import write_atomic

        write_atomic(args.out, text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
