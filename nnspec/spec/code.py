"""Claims for the code listings of the notes, line by line, from the code as written.

A listing is parsed as it stands. A line that does not parse is false (Python's message is the
evidence); the rest of the listing is run without it (the line replaced by `pass`), and each
line is then judged by what it assigns. The listing runs on NumPy object arrays of SymPy
symbols (integer literals as exact SymPy Integers, `np.log`, `np.exp`, `sigmoid` entry-wise),
once per shape (n_x, m) in (1, 1), (2, 3), (3, 2), the smallest first. Code names (the course's):
    X, X_train: x (n_x, m); Y, Y_train: y (1, m); w, b; Z, A; cost: J; dw, db: dJ/dw, dJ/db;
    W1, b1, W2, b2, Z1, A1, Z2, A2, dW1, db1, dW2, db2 likewise; m: the number of examples;
    learning_rate: a positive symbol; num_iterations: 1.
A name assigned from itself (w = w - ...) is an update: it must be the gradient-descent step
w - learning_rate * dJ/dw. A line that raises is false (the exception is the evidence); lines
after it in the same run are not reached (unchecked). A line that assigns no name of the table
is unchecked, with what it did.
"""

from __future__ import annotations

import ast
import builtins
import math
import random
import re
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache

import numpy as np
import sympy as sp

from nnspec.spec import definitions as defs
from nnspec.spec.claims import Claim, Outcome
from nnspec.spec.conventions import AS_WRITTEN
from nnspec.spec.formulas import SEED, factor, matrices_equal
from nnspec.spec.meaning import (
    CROSS_ENTROPY,
    MODELLED,
    Evaluator,
    Loss,
    Network,
    either_hidden,
    hidden_hint,
    other_hidden,
)
from nnspec.spec.notation import Name
from nnspec.spec.notes import CodeBlock, Notes

SHAPES = ((1, 1), (2, 3), (3, 2))
HIDDEN = 2  # n_h of a 2-layer listing's run
DATA = {"X": "x", "X_train": "x", "Y": "y", "Y_train": "y"}
PARAMETERS = ("w", "b", "W1", "b1", "W2", "b2")
FORWARD = {"Z": "z", "A": "a", "Z1": "z1", "A1": "a1", "Z2": "z2", "A2": "a2"}
GRADIENTS = {"d" + p: p for p in PARAMETERS}
STEPS = {"dZ": None, "dZ1": 1, "dZ2": 2}  # the vectorised pass's dZ of each layer
LR = sp.Symbol("learning_rate", positive=True)


class _ExactIntegers(ast.NodeTransformer):
    """Integer literals as SymPy Integers, so 1/m is the exact rational 1/m; a decimal literal
    as the exact decimal it reads (0.01 is 1/100: `w - 0.01 * dw / m` in floats missed
    `w - c * dw` with c = 0.01 by 4e-19)."""

    def visit_Constant(self, node):
        if type(node.value) is int:
            return ast.copy_location(ast.Call(ast.Name("Integer", ast.Load()), [node], []), node)
        if type(node.value) is float and math.isfinite(node.value):
            decimal = ast.Constant(repr(node.value))
            return ast.copy_location(ast.Call(ast.Name("Rational", ast.Load()), [decimal], []),
                                     node)
        return node


class _Record(_ExactIntegers):
    """After every assignment, record the names it assigned: __record__(line, {name: value});
    with `fixing`, then give each name assigned alone the value __fix__(line, name, value)."""

    def __init__(self, fixing: bool = False, replaced: tuple[int, ...] = (),
                 hooks: tuple[str, str] = ("__record__", "__fix__")) -> None:
        self.fixing = fixing
        self.replaced = replaced  # lines whose value is __fix__'s alone (they raised)
        self.record, self.fix = hooks  # the other listings' run has hooks of their own

    def _after(self, node, targets):
        self.generic_visit(node)  # its literals exact too (1 / m was a float: not visited)
        if node.lineno in self.replaced and isinstance(node, ast.Assign) \
                and len(targets) == 1 and isinstance(targets[0], ast.Name):
            node.value = ast.copy_location(ast.Call(ast.Name(self.fix, ast.Load()), [
                ast.Constant(node.lineno), ast.Constant(targets[0].id), ast.Constant(None)],
                []), node.value)
        names = [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
        call = ast.Expr(ast.Call(ast.Name(self.record, ast.Load()), [
            ast.Constant(node.lineno),
            ast.Dict([ast.Constant(n) for n in names], [ast.Name(n, ast.Load()) for n in names])],
            []))
        after = [node, ast.copy_location(call, node)]
        alone = [t for t in targets if isinstance(t, ast.Name)] + [  # and unpacked: grads, cost
            e for t in targets if isinstance(t, ast.Tuple) for e in t.elts
            if isinstance(e, ast.Name)]
        for name in (t.id for t in alone) if self.fixing else ():
            fix = ast.Call(ast.Name(self.fix, ast.Load()),
                           [ast.Constant(node.lineno), ast.Constant(name), ast.Name(name, ast.Load())],
                           [])
            after.append(ast.copy_location(ast.Assign([ast.Name(name, ast.Store())], fix), node))
        return after

    def visit_Assign(self, node):
        return self._after(node, node.targets)

    def visit_AugAssign(self, node):
        return self._after(node, [node.target])


def _exact_float(value):
    """`float(x)` in a listing: the same value, kept exact (a one-element array gives its
    entry), as the course's `cost = float(np.squeeze(cost))` means it."""
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(-1)[0]
    return value if isinstance(value, sp.Basic) else float(value)


class Unmodelled(Exception):
    """A NumPy function the symbolic run of the listings does not stand in for."""


class _SymbolicNumpy(types.SimpleNamespace):
    def __getattr__(self, name: str):  # only for names not set
        raise Unmodelled(f"np.{name}")


def _symbolic_numpy() -> _SymbolicNumpy:
    """`np` for the listings: NumPy's own functions where they work on arrays of SymPy
    expressions, SymPy's for the elementary functions (exact, so a stable form such as
    np.logaddexp(0, -z) is proven equal to -log(sigma(z)))."""
    def unary(f):
        return np.frompyfunc(f, 1, 1)

    plain = ("dot", "matmul", "sum", "mean", "multiply", "divide", "add", "subtract", "power",
             "square", "abs", "transpose", "squeeze", "reshape", "array", "asarray", "shape",
             "zeros", "ones", "zeros_like", "ones_like")
    return _SymbolicNumpy(
        **{name: getattr(np, name) for name in plain},
        log=unary(sp.log), exp=unary(sp.exp), tanh=unary(sp.tanh), sqrt=unary(sp.sqrt),
        log1p=unary(lambda x: sp.log(1 + x)), expm1=unary(lambda x: sp.exp(x) - 1),
        logaddexp=np.frompyfunc(lambda x, y: sp.log(sp.exp(x) + sp.exp(y)), 2, 1))


@dataclass(frozen=True)
class Parsed:
    """The listing after removing lines that do not parse: source, and {line: SyntaxError}."""

    source: str
    broken: dict


def parse_listing(block: CodeBlock) -> Parsed:
    lines = block.source.split("\n")
    broken: dict[int, str] = {}
    for _ in range(len(lines)):
        try:
            ast.parse("\n".join(lines))
            break
        except SyntaxError as exc:
            k = (exc.lineno or 1) - 1
            if k >= len(lines) or k in broken:
                broken[-1] = exc.msg
                break
            broken[k] = f"SyntaxError: {exc.msg} (line {block.lines[k][0]})"
            indent = re.match(r"\s*", lines[k]).group(0)
            lines[k] = indent + "pass"
    return Parsed("\n".join(lines), broken)


def _as_matrix(value) -> sp.Matrix | None:
    if isinstance(value, np.ndarray):
        return sp.Matrix(np.atleast_2d(value).tolist())
    if isinstance(value, int):
        return sp.Matrix([[sp.Integer(value)]])
    if isinstance(value, sp.Basic) and not isinstance(value, sp.MatrixBase):
        return sp.Matrix([[value]])
    return None


def _inputs(net: Network, grads: bool = False) -> dict:
    """The names a listing may read, as the notation table means them: the data, the
    parameters, and the course's dicts `parameters`, `cache` (the forward pass) and, when
    `grads`, `grads` (the gradients of J), so that a function with the course's signature
    (`backward_propagation(parameters, cache, X, Y)`) is run too."""
    def array(key: str) -> np.ndarray:
        return np.array(net.value(key).tolist(), dtype=object)

    env = {code: array(key) for code, key in DATA.items()}
    for p in PARAMETERS:
        v = net.value(p)
        env[p] = v[0, 0] if p == "b" else np.array(v.tolist(), dtype=object)
    env.update(learning_rate=LR, num_iterations=1, alpha=LR, lr=LR, eta=LR)  # rate's names
    names = ("W1", "b1", "W2", "b2") if net.two_layer else ("w", "b")
    env["parameters"] = {p: env[p] for p in names}
    if net.two_layer:
        env["cache"] = {code: array(key) for code, key in FORWARD.items() if code[-1] in "12"}
    if grads:  # also by name, for a function such as update(w, b, dw, db, learning_rate)
        J = net.value("J")[0, 0]
        env["grads"] = {f"d{p}": np.array(defs.gradient(J, net.value(p)).tolist(), dtype=object)
                        for p in names}
        env.update({k: (v[0, 0] if k == "db" else v) for k, v in env["grads"].items()})
    return env


def expected(name: str, net: Network, before: dict) -> sp.Matrix | None:
    """What a code name means on this network; `before` holds the values before the line."""
    if name in FORWARD:
        return net.value(FORWARD[name])
    if name == "cost":
        return net.value("J")
    if name == "m":
        return sp.Matrix([[net.m]])
    if name in GRADIENTS:
        return defs.gradient(net.value("J")[0, 0], net.value(GRADIENTS[name]))
    if name in STEPS and (len(name) == 2) != net.two_layer:  # dZ2 = A2 - Y: each example's
        # gradient in its own z, side by side, as a formula's dZ^{[2]} is read
        return Evaluator(net, AS_WRITTEN)(("grad", Name("Z", STEPS[name])))
    if name in PARAMETERS and name in before:
        return net.value(name) - LR * defs.gradient(net.value("J")[0, 0], net.value(name))
    return None


def _other_gives(name: str, got: sp.Matrix, net: Network, before: set,
                 rng: random.Random) -> bool:
    """Whether a listing's value is what the network with the other hidden activation gives
    (the course's tanh, for notes that define sigma): a hint beside the verdict, which the
    notes' own definition decides."""
    other = Network(net.n_x, net.n_h, net.m, net.two_layer, hidden=other_hidden(net.hidden),
                    loss=net.loss)
    want = expected(name, other, before)
    return want is not None and want.shape == got.shape and \
        matrices_equal(got, want, rng)[0] is True


def _reads_a_dict(line: str) -> bool:
    """`W2 = parameters["W2"]`, `W1 = copy.deepcopy(parameters["W1"])`: a name given a value
    read from a dict (the course's), which is no gradient step."""
    try:
        node = ast.parse(line.strip()).body[0]
    except (SyntaxError, IndexError):
        return False
    value = getattr(node, "value", None) if isinstance(node, ast.Assign) else None
    while isinstance(value, ast.Call) and len(value.args) == 1:
        value = value.args[0]
    return isinstance(value, ast.Subscript) and isinstance(value.slice, ast.Constant)


def _assigned_before(records: dict, index: int, name: str) -> sp.Matrix | None:
    """The value the listing last gave `name` on a line before `index` (its first run)."""
    lines = [line for line in records if line < index and name in records[line][0]]
    return _as_matrix(records[max(lines)][0][name]) if lines else None


def _fixed_rate(got: sp.Matrix, before: sp.Matrix, gradient: sp.Matrix) -> sp.Expr | None:
    """The positive number c with got = before - c * gradient, read from one entry (the
    matrices' comparison confirms it on all): a step with a rate of its own (`w - 0.01 * dw`),
    which the notes may choose as they choose alpha. None otherwise."""
    if got.shape != before.shape or got.shape != gradient.shape:
        return None
    for g, b, d in zip(got, before, gradient):
        if d != 0:
            c = sp.simplify((b - g) / d)
            return c if c.is_number and c.is_positive else None
    return None


FIXABLE = {*FORWARD, *GRADIENTS, *(name for name in STEPS if name), "grads"}


def _wrong_inputs(text: str, records: dict, index: int, net: Network
                  ) -> tuple[tuple[int, str], ...]:
    """(line, name) of each quantity that line `index` reads, as an earlier line (run once)
    last gave it, where that value is not the notation table's: a line fed a wrong dZ2 is
    false whatever it does with it."""
    try:
        read = {n.id for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Name)
                and isinstance(n.ctx, ast.Load) and n.id in FIXABLE}
    except SyntaxError:
        return ()
    rng, wrong = random.Random(SEED), []
    for name in sorted(read):
        lines = [line for line in records if line < index and name in records[line][0]]
        if not lines or len(records[max(lines)]) != 1:
            continue
        if _not_the_tables(name, records[max(lines)][0][name], net, rng):
            wrong.append((max(lines), name))
    return tuple(wrong)


def _not_the_tables(name: str, value, net: Network, rng: random.Random) -> bool:
    """Whether a value a line gave `name` is known not to be the notation table's (a `grads`
    that is no gradients' dict: `_not_the_table_grads`)."""
    if name == "grads":
        return _not_the_table_grads(value, net)
    got, want = _as_matrix(value), expected(name, net, set())
    return got is not None and want is not None and matrices_equal(got, want, rng)[0] is False


def _table_grads(net: Network) -> dict:
    """The notation table's gradients as a `grads` dict holds them (dw, db; dW1, ..., db2)."""
    names = ("dW1", "db1", "dW2", "db2") if net.two_layer else ("dw", "db")
    return {name: np.array(expected(name, net, set()).tolist(), dtype=object) for name in names}


def _not_the_table_grads(value, net: Network) -> bool:
    """Whether a `grads` the listing holds is no gradients' dict at all (a cost unpacked into
    it). Wrong values in a right dict are the function's that made it (another listing's:
    `_fed_by_another_listing` names it), not the line's that unpacked it."""
    return not isinstance(value, dict) or not set(_table_grads(net)) <= set(value)


def _wrong_in_others(others: str, shape: tuple[int, int], two: bool, hidden: str,
                     loss: Loss) -> tuple[tuple[int, str], ...]:
    """(line, name) of each line of the other listings whose one value, run as a listing of
    its own (each function called once on the table's inputs), is not the notation table's:
    a training loop that reads a wrong propagate's dw is false for propagate's line."""
    net, records, _, _ = _run(others, "", shape, two, hidden, loss)
    rng, wrong = random.Random(SEED), []
    for line in sorted(records):
        if len(records[line]) != 1 or len(records[line][0]) != 1:
            continue
        (name, value), = records[line][0].items()
        if name in FIXABLE | {"cost"} and _not_the_tables(name, value, net, rng):
            wrong.append((line, name))  # (a function's cost is handed back whole)
    return tuple(wrong)


def _function_at(source: str, line: int) -> str:
    """The name of the top-level function of `source` that holds `line`, or ""."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ""
    return next((node.name for node in tree.body if isinstance(node, ast.FunctionDef)
                 and node.lineno <= line <= (node.end_lineno or line)), "")


@cache
def _run(source: str, others: str, shape: tuple[int, int], two: bool,
         hidden: str = "sigmoid", loss: Loss = CROSS_ENTROPY,
         fixes: tuple[tuple[int, str], ...] = (), replaced: tuple[int, ...] = (),
         table_functions: tuple[str, ...] = (),
         others_fixes: tuple[tuple[int, str], ...] = ()) -> tuple:
    """One run of a listing on one shape. `fixes`: (line, name) whose value the listing gives
    is replaced, after that line, by the notation table's (what a later line computes
    from a right input); the `replaced` lines (they raised) are not run, their name given
    the table's value alone; the notes' own functions named in `table_functions` (a sigmoid)
    are the table's; `others_fixes` are `fixes` in the other listings' code."""
    n_x, m = shape
    net = Network(n_x, HIDDEN if two else 1, m, two, hidden=hidden, loss=loss)
    records: dict[int, list] = {}
    symbolic = _symbolic_numpy()

    def fix(line: int, name: str, value, fixes=fixes):
        if (line, name) not in fixes:
            return value
        if name == "grads":
            return _table_grads(net)
        want = expected(name, net, set())
        if isinstance(value, np.ndarray) or want.shape != (1, 1):
            return np.array(want.tolist(), dtype=object)
        return want[0, 0]

    env = {**_listing_globals(symbolic), "__fix__": fix,
           "__record__": lambda line, values: records.setdefault(line, []).append(values),
           "__others_fix__": lambda line, name, value: fix(line, name, value, others_fixes),
           "__others_record__": lambda line, values: None}
    failed, reached = None, set()

    def trace(frame, event, arg):
        if frame.f_code.co_filename != "<notes>":
            return None
        if event == "line":
            reached.add(frame.f_lineno)
        return trace

    sys.settrace(trace)
    try:
        if others:
            visitor = _Record(True, (), ("__others_record__", "__others_fix__")) \
                if others_fixes else _ExactIntegers()
            tree = ast.fix_missing_locations(visitor.visit(ast.parse(others)))
            exec(compile(tree, "<others>", "exec"), env)  # noqa: S102 - the notes' own listings
        env.update(_inputs(net))
        tree = ast.fix_missing_locations(_Record(bool(fixes), replaced).visit(ast.parse(source)))
        exec(compile(tree, "<notes>", "exec"), env)  # noqa: S102
        env.update({name: _table_function(name) for name in table_functions})
        functions = [n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)]
        wanted = {a.arg for f in functions for a in f.args.args}
        inputs = _inputs(net, grads="grads" in source or bool(wanted & set(GRADIENTS)))
        for node in functions:
            args = [inputs.get(a.arg) for a in node.args.args]
            if any(a is None for a in args):
                continue
            env[node.name](*args)
    except Exception as exc:  # noqa: BLE001 - what the listing raises is the finding
        import traceback

        line = next((f.lineno for f in reversed(traceback.extract_tb(exc.__traceback__))
                     if f.filename == "<notes>"), None)
        if isinstance(exc, TypeError) and "Relational" in str(exc):  # `* (Z1 > 0)`: the run's
            # symbols have no sign, the notes are not wrong
            exc = Unmodelled("a comparison of symbolic values (such as Z1 > 0)")
        failed = (line, f"{type(exc).__name__}: {exc}{_why(exc, others or source)}")
    finally:
        sys.settrace(None)
    return net, records, failed, reached


def _listing_globals(symbolic: _SymbolicNumpy) -> dict:
    """What a listing runs with: the symbolic NumPy (also for its own `import numpy`), exact
    numbers, and nnspec's sigmoid (`PROVIDED`)."""
    return {"np": symbolic, "Integer": sp.Integer, "Rational": sp.Rational,
            "float": _exact_float,
            "__builtins__": {**vars(builtins), "__import__": _importing(symbolic)},
            "sigmoid": np.frompyfunc(defs.sigma, 1, 1)}


def _importing(symbolic: _SymbolicNumpy) -> Callable:
    """The listings' `__import__`: NumPy is the symbolic one (a listing's `import numpy as np`
    bound the real NumPy over it, and a correct line was false: np.exp of a SymPy sum)."""
    def importer(name, globals=None, locals=None, fromlist=(), level=0):
        if name == "numpy" and not level:
            return symbolic
        return builtins.__import__(name, globals, locals, fromlist, level)

    return importer


def _why(exc: Exception, source: str) -> str:
    """What in the listings explains an exception: a function of the notes with no return."""
    if "NoneType" not in str(exc):
        return ""
    silent = [f.name for f in ast.walk(ast.parse(source)) if isinstance(f, ast.FunctionDef)
              and not any(isinstance(n, ast.Return) for n in ast.walk(f))]
    return f" ({', '.join(silent)} has no return statement: it returns None)" if silent else ""


TABLE_FUNCTIONS = {"sigmoid": "sigma", "sigma": "sigma", "tanh": "tanh"}  # a helper's name: its
# function in the notation table


def _table_function(name: str):
    """The notation table's function a helper of that name computes, entry-wise."""
    return np.frompyfunc(defs.sigma if TABLE_FUNCTIONS[name] == "sigma" else sp.tanh, 1, 1)


def _own_helpers(source: str) -> list[str]:
    """The one-argument functions the listings define under a name of the table's (sigmoid)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return sorted({node.name for node in tree.body if isinstance(node, ast.FunctionDef)
                   and node.name in TABLE_FUNCTIONS and len(node.args.args) == 1})


def _helper_returned(source: str, line: int) -> str:
    """The name of the table's function whose `return` is at `line` of a listing, or ""."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in TABLE_FUNCTIONS \
                and len(node.args.args) == 1 and node.lineno <= line <= node.end_lineno:
            return node.name if any(isinstance(n, ast.Return) and n.lineno == line
                                    for n in ast.walk(node)) else ""
    return ""


@cache
def _helper_outcome(source: str, name: str) -> Outcome:
    """A listing's own sigmoid (tanh) judged as the table's function it is named after: its
    value on an array of symbols, entry by entry, at exact random points (a wrong sigmoid's
    return line was "not run", and every line that called it was an erratum of its own)."""
    z = sp.symbols("z0:4", real=True)
    env = _listing_globals(_symbolic_numpy())
    try:
        tree = ast.fix_missing_locations(_ExactIntegers().visit(ast.parse(source)))
        exec(compile(tree, "<helper>", "exec"), env)  # noqa: S102 - the notes' own listings
        got = np.asarray(env[name](np.array(z, dtype=object).reshape(2, 2)), dtype=object)
    except Exception as exc:  # noqa: BLE001 - what the listing raises is the finding
        return Outcome(False, f"{name} raises on an array", f"{type(exc).__name__}: {exc}")
    want = defs.sigma_exp if TABLE_FUNCTIONS[name] == "sigma" else sp.tanh
    shown = "\\sigma(z) = 1 / (1 + e^{-z})" if TABLE_FUNCTIONS[name] == "sigma" else "\\tanh(z)"
    if np.shape(got) != (2, 2):
        return Outcome(False, f"{name} is not the notation table's {shown} entry by entry",
                       f"on a (2, 2) array it gives shape {np.shape(got)}")
    rng = random.Random(SEED)
    for _ in range(3):
        point = {s: sp.Rational(rng.randint(-40, 40), rng.randint(1, 9)) for s in z}
        for entry, symbol in zip(got.ravel(), z):
            value = sp.N(sp.sympify(entry).subs(point), 30)
            exact = sp.N(want(symbol).subs(point), 30)
            if not value.is_number or abs(value - exact) > sp.Float("1e-20") * (1 + abs(exact)):
                return Outcome(False, f"{name} is not the notation table's {shown}",
                               f"at z = {point[symbol]}: {name} gives {sp.N(value, 8)}, the "
                               f"table {sp.N(exact, 8)}")
    return Outcome(True, f"{name} is the notation table's {shown}, entry by entry (3 exact "
                   "random points)")


@cache
def _input_names() -> frozenset[str]:
    """The names `_inputs` gives a value, in either network (a symbolic gradient each: kept)."""
    return frozenset(_inputs(Network(1, 1, 1, False), grads=True)) | frozenset(
        _inputs(Network(1, 1, 1, True), grads=True))


def _unknown_parameter(source: str, line: int) -> str:
    """Why the function holding `line` was not called: a parameter the notation table gives no
    value ("update's parameter alpha is not a quantity of the notation table"); "" if none."""
    known = _input_names()
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.lineno <= line <= node.end_lineno:
            unknown = [a.arg for a in node.args.args if a.arg not in known]
            if unknown:
                return (f"{node.name}'s parameter {unknown[0]} is not a quantity of the "
                        "notation table, so the function is not called")
    return ""


def _shape(shape: tuple[int, int], two: bool) -> tuple[int, ...]:
    """The sizes a listing ran with: (n_x, m), or (n_x, n_h, m) for a 2-layer one."""
    return (shape[0], HIDDEN, shape[1]) if two else shape


def _names(two: bool) -> str:
    return "(n_x, n_h, m)" if two else "(n_x, m)"


def _label(shape: tuple[int, int], two: bool) -> str:
    return f"{_names(two)} = {_shape(shape, two)}"


@dataclass(frozen=True)
class CodeLine:
    """One line of a listing, judged from the listing's run on every shape."""

    source: str
    others: str
    index: int  # 1-based line within the listing
    text: str
    broken: str = ""
    two_layer: bool = False
    hidden: str = "sigmoid"  # the hidden activation the notes define (extract.hidden_of)
    loss: Loss = CROSS_ENTROPY  # the loss the notes define (extract.losses)
    fixes: tuple[tuple[int, str], ...] = ()  # _run's: the table's values in place of these
    replaced: tuple[int, ...] = ()  # _run's: lines not run (they raised), their value the table's
    table_functions: tuple[str, ...] = ()  # _run's: the notes' own functions taken as the table's
    others_fixes: tuple[tuple[int, str], ...] = ()  # _run's: `fixes` in the other listings

    def describe(self) -> str:
        return self.text.strip()

    def run(self) -> Outcome:
        """The line judged in the listing's run. A line that is false only because an earlier
        line gave it a wrong input holds, judged with the table's value of that input (as a
        step is judged with the listing's own gradient): one wrong line is one erratum, not
        every line downstream of it."""
        outcome = self._judged()
        beyond = self._beyond_a_fed_raise() if outcome.detail.startswith("not reached") \
            else None
        if beyond is not None:
            return beyond
        raised = self._raised() if outcome.detail.startswith("not reached") else None
        if raised is not None:  # the lines below a line that raises are judged all the same
            line, name = raised
            fed = replace(self, fixes=(raised,), replaced=(line,))._judged()
            if fed.detail.startswith("not reached"):
                return outcome
            rooted = self._fed_wrong_inputs((raised,), (line,)) if fed.ok is False else None
            return rooted or replace(fed, detail=f"{fed.detail} (L{line} raises: run with the "
                                     f"notation table's {name} in its place)")
        if outcome.ok is not False or self.fixes or self.broken or self.table_functions \
                or self.others_fixes:
            return outcome
        wrong_helpers = tuple(name for name in _own_helpers(self.others + "\n\n" + self.source)
                              if _helper_outcome(self.others + "\n\n" + self.source,
                                                 name).ok is False)
        if wrong_helpers:
            fed = replace(self, table_functions=wrong_helpers)._judged()
            if fed.ok is True:
                names = ", ".join(wrong_helpers)
                return Outcome(True, f"{fed.detail}, once {names} is the notation table's: the "
                               f"notes' own {names} gives another (the erratum is there)")
        fed = self._fed_wrong_inputs()
        if fed is not None:
            return fed if fed.ok is True else outcome
        return self._fed_by_another_listing(outcome)

    def _beyond_a_fed_raise(self) -> Outcome | None:
        """A line not reached because an earlier line raised on a wrong input that a line
        above it gave (`grads["dw"]` on a cost unpacked into grads): judged in the run with
        the table's value of that input, as the line that raised is."""
        if self.fixes or self.replaced:
            return None
        net, records, failed, _ = _run(self.source, self.others, SHAPES[0], self.two_layer,
                                       self.hidden, self.loss)
        if not failed or not failed[0] or failed[0] >= self.index:
            return None
        wrong = _wrong_inputs(self.source.split("\n")[failed[0] - 1].strip(), records,
                              failed[0], net)
        if not wrong or _wrong_inputs(self.text, records, self.index, net):
            return None  # a line that reads the wrong input itself is told so (`run`)
        fed = replace(self, fixes=wrong)._judged()
        if fed.detail.startswith("not reached"):
            return None
        names = ", ".join(name for _, name in wrong)
        lines = ", ".join(f"L{line}" for line, _ in wrong)
        return replace(fed, detail=f"{fed.detail} (L{failed[0]} raises on the {names} {lines} "
                       f"gives: run with the notation table's {names})")

    def _fed_wrong_inputs(self, fixes: tuple = (), replaced: tuple = ()) -> Outcome | None:
        """The line judged with the table's values of the inputs earlier lines gave it wrong
        (in the run with `fixes` and `replaced`, those of a line that raised): None when no
        input is wrong, else the outcome (holds, naming them, or what it gives then). A line
        below one that raised may be fed a wrong value from above it too (a cost unpacked
        into grads, then `grads["dw"]` raised, and `grads["db"]` below it)."""
        for shape in SHAPES:
            net, records, _, _ = _run(self.source, self.others, shape, self.two_layer,
                                      self.hidden, self.loss, fixes, replaced)
            wrong = _wrong_inputs(self.text, records, self.index, net)
            if wrong:
                fed = replace(self, fixes=wrong)._judged()
                if fed.ok is not True:
                    return fed if not fixes else None
                names = ", ".join(name for _, name in wrong)
                lines = ", ".join(f"L{line}" for line, _ in wrong)
                one = len(wrong) == 1
                return Outcome(True, f"{fed.detail}, once {names} {'is' if one else 'are'} the "
                               f"notation table's: {lines} give{'s' if one else ''} another "
                               "(the erratum is there or above)")
        return None

    def _fed_by_another_listing(self, outcome: Outcome) -> Outcome:
        """The line judged with the other listings' wrong lines giving the table's values: a
        loop that reads a wrong propagate's dw holds once that dw is right (one erratum, in
        propagate, not a second one in the loop)."""
        if not self.others:
            return outcome
        wrong = _wrong_in_others(self.others, SHAPES[0], self.two_layer, self.hidden,
                                 self.loss)
        if not wrong:
            return outcome
        fed = replace(self, others_fixes=wrong)._judged()
        if fed.ok is not True:
            return outcome
        named = sorted({f"{_function_at(self.others, line) or 'the listings'}'s {name}"
                        for line, name in wrong})
        one = len(named) == 1
        return Outcome(True, f"{fed.detail}, once {', '.join(named)} {'is' if one else 'are'} "
                       "the notation table's: another listing gives another (the erratum is "
                       "there)")

    def _raised(self) -> tuple[int, str] | None:
        """(line, name) of the earlier line that raised in the listing's first run, if it
        assigns one quantity of the notation table alone (`dZ1 = ...`); not a line the
        symbolic run cannot model (np.clip), whose value the lines below may rely on."""
        if self.fixes or self.replaced:
            return None
        failed = _run(self.source, self.others, SHAPES[0], self.two_layer, self.hidden,
                      self.loss)[2]
        if not failed or not failed[0] or failed[0] >= self.index \
                or failed[1].startswith(Unmodelled.__name__):  # not an error of the notes
            return None
        try:
            node = ast.parse(self.source.split("\n")[failed[0] - 1].strip()).body[0]
        except (SyntaxError, IndexError):
            return None
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name) and node.targets[0].id in FIXABLE:
            return failed[0], node.targets[0].id
        return None

    def _judged(self) -> Outcome:
        if self.broken:
            return Outcome(False, "does not parse", self.broken)
        helper = _helper_returned(self.source, self.index)
        if helper:
            return _helper_outcome(self.others + "\n\n" + self.source, helper)
        if self.hidden not in MODELLED:
            return either_hidden(lambda h: replace(self, hidden=h).run(), self.hidden)
        rng = random.Random(SEED)
        checked, passing = [], []
        for shape in SHAPES:
            net, records, failed, reached = _run(self.source, self.others, shape,
                                                 self.two_layer, self.hidden, self.loss,
                                                 self.fixes, self.replaced,
                                                 self.table_functions, self.others_fixes)
            if failed and failed[0] == self.index:
                if failed[1].startswith("NameError"):
                    return Outcome(None, f"uses a name the notes never define ({failed[1]})")
                if failed[1].startswith(Unmodelled.__name__):
                    name = failed[1].split(": ", 1)[1]
                    return Outcome(None, f"uses {name}, which the symbolic run of the listings "
                                   "does not model")
                deep = re.match(r"KeyError: '(d?[WbZA](?:[3-9]|\d\d+))'", failed[1])
                if deep:  # W3 = parameters["W3"]: a layer the notation table does not have
                    return Outcome(None, f"reads {deep.group(1)}, a layer beyond the two of the "
                                   "notation table's network")
                return Outcome(False, "raises when the listing runs",
                               f"at {_label(shape, self.two_layer)}: {failed[1]}")
            if self.index not in records:
                if self.index in reached:
                    return Outcome(None, "runs; assigns no quantity of the notation table")
                if failed:
                    where = f"line {failed[0]} of the listing" if failed[0] else "the listing"
                    if failed[1].startswith(Unmodelled.__name__):
                        return Outcome(None, f"not reached: {where} uses "
                                       f"{failed[1].split(': ', 1)[1]}, which the symbolic run "
                                       "of the listings does not model")
                    return Outcome(None, f"not reached: {where} raised ({failed[1]})")
                missing = _unknown_parameter(self.source, self.index)
                if missing:
                    return Outcome(None, f"not run: {missing}")
                return Outcome(None, "not run (a function the listing never calls, or a "
                               "branch not taken)")
            values = records[self.index][0]
            before = {} if self.index == 1 else {k for r in records.values() for v in r
                                                 for k in v}
            for name, value in values.items():
                want = expected(name, net, before)
                if name in PARAMETERS and _reads_a_dict(self.text):
                    want = net.value(name)  # W2 = parameters["W2"]: read, not a step
                own = _assigned_before(records, self.index, "d" + name)
                got = _as_matrix(value)
                if name in PARAMETERS and want is not None and own is not None:
                    # a step judged with the listing's own gradient: a wrong dw is the dw
                    # line's error, not the step's; with a rate of its own (w - 0.01 * dw)
                    rate = _fixed_rate(got, net.value(name), own) if got is not None else None
                    want = net.value(name) - (LR if rate is None else rate) * own
                if want is not None and isinstance(value, (dict, list, tuple, str)):
                    kind = (f"a dict (keys {', '.join(map(str, value))})"
                            if isinstance(value, dict) else f"a {type(value).__name__}")
                    return Outcome(False, f"{name} is not what the notation table names {name}",
                                   f"at {_label(shape, self.two_layer)}: the line gives {kind}, "
                                   f"the notation table a {want.shape[0]} x {want.shape[1]} "
                                   "value (results unpacked in another order?)")
                if want is None or got is None:
                    continue
                ok, why = matrices_equal(got, want, rng)
                if ok is False:
                    times = factor(got, want, shape[1], f"what the notation table names {name}")
                    # a line has no sides: its value, then the table's ("left" read as the
                    # notation's in a formula's evidence, and as the line's here)
                    why = why.replace("the left side is", "the line gives").replace(
                        "the right side", "the notation table").replace(
                        "left = ", "the line gives ").replace(", right = ", ", the table ")
                    if np.ndim(value) == 1 and got.shape != want.shape:
                        why = (f"the line gives a 1-D array of shape {np.shape(value)}, the "
                               f"notation table {want.shape}")
                    other = self.two_layer and _other_gives(name, got, net, before, rng)
                    hint = hidden_hint(self.hidden, listing=True)
                    return Outcome(False, f"{name} is not what the notation table names "
                                   f"{name}" + (f"; {hint}" if other else ""),
                                   f"at {_label(shape, self.two_layer)}: {why}"
                                   + (f"; {name} is {times}" if times else ""))
                checked.append(name)
            passing.append(shape)
        if not checked:
            names = sorted({k for r in records.get(self.index, []) for k in r})
            return Outcome(None, "runs; assigns no quantity of the notation table"
                           + (f" ({', '.join(names)})" if names else ""))
        names = ", ".join(sorted(set(checked)))
        shapes = [tuple(_shape(shape, self.two_layer)) for shape in passing]
        return Outcome(True, f"{names} equal entry by entry on {_names(self.two_layer)} in "
                       f"{shapes}")


PROVIDED = ("sigmoid",)  # the functions a listing may call without defining them (_listing_globals)


def _functions(source: str) -> dict[str, str]:
    """The top-level functions of a listing, by name, with their source."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    return {node.name: ast.get_source_segment(source, node) or "" for node in tree.body
            if isinstance(node, ast.FunctionDef)}


def _visible(before: list[str], after: list[str]) -> str:
    """What a listing runs after: the listings before it whole (imports too), then the
    functions of the listings after it that neither those nor nnspec define (the shipped
    notes' training loop calls a propagate listed below it; a sigmoid appended at the end of
    the notes made the untouched 1-layer propagate above it false)."""
    known = set(PROVIDED).union(*(_functions(source) for source in before))
    later = {}
    for source in after:
        for name, text in _functions(source).items():
            if name not in known and name not in later:
                later[name] = text
    return "\n\n".join([*before, *later.values()])


def code_claims(notes: Notes, prefix, hidden: str = "sigmoid",
                loss_at: Callable[[int], Loss] = lambda line: CROSS_ENTROPY,
                hidden_at: Callable[[int], str] | None = None
                ) -> list[tuple[int, int, Claim]]:
    """(line, 0, claim) for every non-blank, non-comment line of every listing; `hidden`: the
    hidden activation the notes define, `loss_at(line)` the loss in effect at a line and
    `hidden_at(line)` the hidden activation (default: `hidden`)."""
    out = []
    parsed = [parse_listing(b) for b in notes.code]
    defining = [(b, p) for b, p in zip(notes.code, parsed)
                if b.source.startswith(("def ", "import ", "from "))]
    counters: dict[str, int] = {}
    for n, (block, p) in enumerate(zip(notes.code, parsed)):
        # the notes' definitions (`_visible`), its own after them: a propagate calls the notes'
        # own sigmoid of a listing before (it ran with nnspec's, and that sigmoid's bug went
        # unseen)
        earlier = {id(b) for b in notes.code[:n]}
        others = _visible([q.source for b, q in defining if id(b) in earlier],
                          [q.source for b, q in defining if id(b) not in earlier | {id(block)}])
        two = bool(re.search(r"\b[WbAZ][12]\b", block.source))
        named = re.search(r"^def\s+(\w+)", block.source, re.MULTILINE)  # its first function, else
        key = f"{prefix(block.section)}.{named.group(1) if named else 'code'}"  # code, by section
        counters[key] = counters.get(key, 0) + 1
        base = key + (str(counters[key]) if not named else
                      f"-{counters[key]}" if counters[key] > 1 else "")
        for i, (line, text) in enumerate(block.lines, 1):
            stripped = text.strip()
            if not stripped or stripped.startswith("#"):
                continue
            check = CodeLine(p.source, others, i, stripped, p.broken.get(i - 1, ""), two,
                             hidden_at(block.lines[0][0]) if hidden_at else hidden,
                             loss_at(block.lines[0][0]))
            out.append((line, (0, 0), Claim(f"{base}.L{i}", block.section, stripped, "code", check,
                                       line=line)))
    return out
