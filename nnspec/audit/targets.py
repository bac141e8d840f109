"""What an audit runs: a `.py` file, a Jupyter notebook or an importable module, and one function.

A target is written `file.py[:function]`, `notebook.ipynb[:function]` or
`package.module[:function]`; without `:function` the contract's conventional name is used.

`parse_target` and `check_target` run in the harness and only read files (they never execute
the target), so a bad target becomes a one-line `UsageError`. `load_function` executes the
target and runs only inside the sandbox process (`nnspec.audit.sandbox`).

A notebook is not run as a whole: only the imports, the function (and class) definitions and
the constants (assignments that call nothing) of its code cells are executed, in cell order,
so that a notebook that trains a model for an hour still loads in milliseconds. IPython
magics and shell lines (`%...`, `!...`, `x = !ls`, `np.dot?`) are dropped and cells that start
with a cell magic (`%%...`) are skipped, except `%%time`, `%%capture` and `%%prun`, whose body
IPython runs as Python (the magic's line is dropped); so are cells in IPython syntax that still
does not parse.
A `.py` file is executed as a module, as `import` would; if its top-level code fails (a script
that reads a data file or calls sys.exit), only its imports, definitions and constants are
loaded, with a note in the audit. A top level that never ends uses up the audit's time budget.

Notebooks as submitted import what the course machine had: matplotlib, h5py, PIL and course
helpers (`lr_utils`, `public_tests`, `testCases_v2`, `planar_utils`). Each import and definition
runs as its own statement, so an import that fails is a note naming the module and the rest
still loads; only when the audited function (or a function of the target it calls) reads a
name that the failed import would have bound does loading fail, naming both. Modules beside the
file or notebook are importable.
"""

from __future__ import annotations

import ast
import contextlib
import errno
import functools
import importlib
import importlib.machinery
import importlib.util
import json
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nnspec.errors import UsageError
from nnspec.files import INPUT_LIMIT, not_utf8, python_text, read_input
from nnspec.text import did_you_mean

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
SUFFIXES = (".py", ".ipynb")
# A line only IPython runs: a magic or shell escape, one assigned (`x = !ls`), a help request
# (`np.dot?`, `?np.dot`).
_IPYTHON_LINE = re.compile(r"\s*([%!?]|[\w.]+\s*=\s*[%!]|[\w.()]+\?\??\s*$)")
NOTE_SEPARATOR = "\n"  # between the notes of one load, each `check<TAB>message`


@dataclass(frozen=True)
class Target:
    """One function to audit. `kind` is "file", "notebook" or "module"; `location` a path or a
    dotted module name; `function` the name looked up after loading (may be dotted: `Class.f`).
    `own_code`: the caller's own code (`audit_function(isolate=True)`), which may import
    nnspec; a submission's sandbox hides nnspec but for the worker's modules."""

    kind: str
    location: str
    function: str
    label: str
    own_code: bool = False


def parse_target(spec: str, default_function: str) -> Target:
    """Split `where[:function]` and decide the kind; raise UsageError if it cannot be a target."""
    where, sep, function = spec.rpartition(":")
    if (not sep or not all(_IDENTIFIER.fullmatch(p) for p in function.split("."))
            or os.path.isfile(spec)):  # a file named `hw1:final.py` is that file
        where, function = spec, default_function
    if not where:
        raise UsageError(f"empty target {spec!r}; give file.py, notebook.ipynb or package.module")
    path = Path(where)
    try:
        return _file_target(path, where, function, spec)
    except OSError as exc:  # a folder on the way that the user cannot read
        raise UsageError(f"target {where}: cannot read ({exc.strerror or exc})") from None


def _file_target(path: Path, where: str, function: str, spec: str) -> Target:
    if path.suffix in SUFFIXES or path.exists():
        if path.is_dir():
            raise UsageError(f"target {where} is a directory; `nnspec audit DIR` audits each "
                             "file in it")
        if not path.is_file():
            raise UsageError(f"target {where}: " + ("not a regular file" if path.exists()
                                                    else "no such file"))
        if path.suffix not in SUFFIXES:
            raise UsageError(f"target {where}: not a .py file or a .ipynb notebook")
        kind = "notebook" if path.suffix == ".ipynb" else "file"
        return Target(kind, str(path.resolve()), function, spec)
    if _MODULE.fullmatch(where):
        return Target("module", where, function, spec)
    raise UsageError(f"target {where}: no such file, and not a module name")


# bytes of code a target or a helper module may hold: parsing 8 MB of code took the harness 20 s
# and 5 GB, several times over, before any time budget applied
MAX_CODE = 1 << 20


def check_target(target: Target) -> None:
    """Read a file or notebook target without running it: syntax and the function's presence.

    A module target is only checked when the sandbox imports it (importing runs code).
    """
    if target.kind == "module":
        return
    source = read_source(target)
    top = target.function.split(".")[0]
    if top not in defined_names(source):
        if target.kind == "notebook":  # the function may sit in a cell that does not parse
            errors = notebook_syntax_errors(Path(target.location), defining=top)
            for _, error in errors[:1]:  # the cell that defines it first, else the first
                raise UsageError(error)
            for number, magic in _magic_cells_defining(Path(target.location), top):
                raise UsageError(f"target {_short(target)}: {top!r} is defined in cell "
                                 f"{number}, which starts with {magic}: a cell magic's cell "
                                 f"is not Python and is not run; move the def to a cell of "
                                 "its own")
        raise UsageError(f"target {_short(target)}: no function {top!r} defined at top level"
                         + _functions_hint(top, source))


def _functions_hint(name: str, pieces: list[tuple[str, str]]) -> str:
    """`; did you mean 'f'? it defines: f, g`, for a missing function."""
    defined = sorted({node.name for filename, source in pieces
                      for node in parsed(source, filename).body
                      if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))})
    if not any(source.strip() for _, source in pieces):
        return ("; it has no Python code (an empty notebook or file, saved before the work, or "
                "only cells that are not Python)")
    if not defined:
        return "; it defines no function"
    return f"; {did_you_mean(name, defined)}it defines: {', '.join(defined)}"


def _short(target: Target) -> str:
    return Path(target.location).name if target.kind != "module" else target.location


def read_source(target: Target) -> list[tuple[str, str]]:
    """The code that loading executes, as (filename, source) pieces; UsageError on bad syntax
    or more than MAX_CODE bytes of code."""
    path = Path(target.location)
    too_large = UsageError(f"target {path.name}: more than {MAX_CODE >> 20} MB of code, which "
                           "nnspec does not parse (a submission is a few KB)")
    try:
        data = read_input(path, MAX_CODE if target.kind == "file" else INPUT_LIMIT)
        text = data.decode("utf-8") if target.kind == "notebook" else python_text(data)
    except OSError as exc:
        if exc.errno == errno.EFBIG and target.kind == "file":
            raise too_large from None
        raise UsageError(f"target {path.name}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"target {path.name}: cannot read: {not_utf8(exc)}") from None
    except SyntaxError as exc:  # a coding line naming an encoding Python does not know
        raise UsageError(f"syntax error in {path.name}: {exc.msg}") from None
    if target.kind == "notebook":
        if sum(len(source) for _, source in code_cells(text, path.name)) > MAX_CODE:
            raise too_large
        return notebook_definitions(text, path.name)
    _parse(text, path.name)
    return [(str(path), text)]


def parsed(source: str, filename: str = "<unknown>") -> ast.Module:
    """`ast.parse`, once per source: the harness reads a target's tree in several places, and
    Python's parser takes time quadratic in an f-string's fields (a 150 KB one took 2.5 s for
    each of eight parses). The trees are only read; a syntax error names `filename`."""
    try:
        return _tree(source)
    except SyntaxError as exc:
        exc.filename = filename
        raise


@functools.lru_cache(maxsize=8)
def _tree(source: str) -> ast.Module:
    return ast.parse(source)


def _parse(source: str, filename: str) -> ast.Module:
    try:
        return parsed(source, filename)
    except SyntaxError as exc:
        where = f" line {exc.lineno}" if exc.lineno else ""
        raise UsageError(f"syntax error in {filename}{where}: {exc.msg}") from None
    except ValueError as exc:  # e.g. null bytes
        raise UsageError(f"cannot parse {filename}: {exc}") from None
    except (RecursionError, MemoryError):
        raise UsageError(f"cannot parse {filename}: nested too deeply") from None


MAX_JSON_CONTAINERS = 200_000


def code_cells(text: str, name: str):
    """(number, source) of each code cell of a notebook's JSON text; UsageError if it is not a
    notebook."""
    if not text.strip():
        raise UsageError(f"{name}: an empty file, not a Jupyter notebook")
    if text.count("{") + text.count("[") > MAX_JSON_CONTAINERS:  # 63 MB of `{}` took the
        # harness 18 s and 1.7 GB to parse (a notebook with 20 MB of plots has a few thousand)
        raise UsageError(f"{name}: more than {MAX_JSON_CONTAINERS} JSON objects and lists, not "
                         "a notebook as Jupyter writes it")
    try:
        document = json.loads(text)
    except ValueError as exc:
        if text.startswith("\ufeff"):  # as Jupyter's own reader, which refuses it too
            raise UsageError(f"{name}: not a Jupyter notebook as saved: it starts with a UTF-8 "
                             "byte order mark; save it as UTF-8 without one") from None
        conflict = " (a merge conflict's <<<<<<< lines?)" if "\n<<<<<<< " in text else ""
        line = f" at line {exc.lineno}" if hasattr(exc, "lineno") else ""
        raise UsageError(f"{name}: not a Jupyter notebook: its JSON is broken{line}"
                         f"{conflict}") from None
    except (RecursionError, MemoryError):
        raise UsageError(f"{name}: not a Jupyter notebook (its JSON is nested too deeply)") \
            from None
    if isinstance(document, dict) and "worksheets" in document:
        raise UsageError(f"{name}: an nbformat 3 notebook; open and save it in Jupyter (or run "
                         "`jupyter nbconvert --to notebook`) to make it nbformat 4")
    cells = document.get("cells") if isinstance(document, dict) else None
    if not isinstance(cells, list):  # `"cells": 5` ended a whole class's run in a traceback
        raise UsageError(f"{name}: not a Jupyter notebook (no JSON 'cells' list)")
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(piece, str) for piece in source):
            source = "".join(source)
        if isinstance(source, str):  # lines as Python reads them: a lone \r ends one too
            # (`EPS = 1e-12\r<a call>` passed as one constant's line, and its call ran)
            yield number, source.replace("\r\n", "\n").replace("\r", "\n")
        else:  # `"source": [1]` or `[null]`: not what Jupyter writes
            raise UsageError(f"{name}: not a Jupyter notebook (cell {number}'s source is not "
                             "text)")


# cell magics whose body IPython runs as Python in the notebook's namespace: a `def` under
# `%%time` is defined in Jupyter, and a student who timed the cell had it skipped (scored 0)
PYTHON_CELL_MAGICS = ("%%time", "%%capture", "%%prun")


def _cell_magic(source: str) -> str:
    """The cell magic a cell starts with (`%%time`), or ""."""
    return source.split()[0] if source.lstrip().startswith("%%") else ""


def _code_cells(text: str, name: str):
    """(filename, lines) of each code cell, magics blanked; the cells of a cell magic skipped,
    except those whose body is Python (PYTHON_CELL_MAGICS: its line blanked)."""
    for number, source in code_cells(text, name):
        lines = source.split("\n")
        if magic := _cell_magic(source):
            if magic not in PYTHON_CELL_MAGICS:
                continue
            first = next(i for i, line in enumerate(lines) if line.strip())
            lines[first] = ""
        yield f"{name} cell {number}", ["" if _IPYTHON_LINE.match(ln) else ln for ln in lines]


def _magic_cells_defining(path: Path, name: str) -> list[tuple[int, str]]:
    """(cell number, its magic) of the `%%` cells (not run) that hold `def name(`."""
    defines = re.compile(rf"^[ \t]*def[ \t]+{re.escape(name)}[ \t]*\(", re.MULTILINE)
    return [(number, _cell_magic(source))
            for number, source in code_cells(read_input(path).decode("utf-8"), path.name)
            if _cell_magic(source) not in ("", *PYTHON_CELL_MAGICS)
            and defines.search(source)]


def notebook_syntax_errors(path: Path, defining: str = "") -> list[tuple[str, str]]:
    """(cell, one-line message) for each code cell that does not parse as Python; those whose
    text holds `def defining(` first (the error a student must fix, not a Python 2 `print`
    in a test cell above it), with a word saying so."""
    errors, first = [], []
    # [ \t], not \s: `^\s*` crossed every blank line after each line start (quadratic: a cell
    # of 240 000 blank lines held the harness, outside the sandbox and its timeout, 166 s)
    pattern = re.compile(rf"^[ \t]*def[ \t]+{re.escape(defining)}\b", re.MULTILINE) if defining \
        else None
    for filename, lines in _code_cells(read_input(path).decode("utf-8"), path.name):
        source = "\n".join(lines)
        try:
            _parse(source, filename)
        except UsageError as exc:
            if pattern is not None and pattern.search(source):
                first.append((filename, f"{exc} (the cell that defines {defining})"))
            else:
                errors.append((filename, str(exc)))
    return first + errors


def notebook_definitions(text: str, name: str) -> list[tuple[str, str]]:
    """Imports, def/class statements and constants (`_kept`) of each code cell of an .ipynb
    (nbformat 4 JSON).

    Each piece keeps the cell's own line numbers: statements that are dropped are blanked, not
    removed, so a traceback names the right line of `name cell N`. A cell that does not parse
    (IPython syntax such as `x = !ls` or `np.dot?`) is skipped; `check_target` reports it if
    the audited function is then missing.
    """
    pieces = []
    for filename, lines in _code_cells(text, name):
        try:
            pieces += _definitions("\n".join(lines), filename)
        except UsageError:
            continue
    return pieces


def _definitions(source: str, filename: str) -> list[tuple[str, str]]:
    """The statements of `source` that a definitions-only load runs (`_kept`; others blanked),
    as one piece."""
    lines = source.split("\n")
    tree = _parse(source, filename)
    keep = [False] * len(lines)
    for node in tree.body:
        if _kept(node):
            first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            for i in range(first - 1, node.end_lineno):
                keep[i] = True
    kept = "\n".join(ln if k else "" for ln, k in zip(lines, keep))
    return [(filename, kept)] if kept.strip() else []


def _kept(node: ast.stmt) -> bool:
    """Imports, definitions, and assignments whose value calls nothing (`EPS = 1e-12`,
    `sigmoid = lambda z: ...`: a lambda's body runs only when called): a notebook's constants
    are part of its functions, its data loading and training are not."""
    if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef,
                         ast.ClassDef)):
        return True
    return (isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None
            and not _runs_code(node.value))


def _runs_code(node: ast.AST) -> bool:
    """Whether evaluating `node` calls something, or may compute for a long time: a power or a
    shift whose right side is not a small number (`10**10**10` never returns, and cannot be
    interrupted; `10**-8` is a constant). A loop, not a recursion: `1+1+...+1` with a few
    hundred terms is that deep, and a RecursionError here stopped a whole class's run."""
    todo = [node]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, (ast.Call, ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)):
            return True
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Pow, ast.LShift)):
            left, right = (side.operand if isinstance(side, ast.UnaryOp) else side
                           for side in (node.left, node.right))
            if not all(isinstance(side, ast.Constant) and isinstance(side.value, (int, float))
                       and abs(side.value) <= bound for side, bound in ((left, 10**6),
                                                                        (right, 1000))):
                return True  # ((10**999)**999)**999 is no constant to compute at load
        todo.extend(ast.iter_child_nodes(node))
    return False


def unrun_bindings(target: Target) -> dict[str, str]:
    """Name -> `statement` (where) for the top-level statements of a file or notebook that
    bind it, other than imports and definitions: a definitions-only load does not run them
    (`X, Y = load_dataset()`), or they failed there (`m = X.shape[1]`)."""
    path = Path(target.location)
    data = read_input(path)
    try:
        text = data.decode("utf-8", "replace") if target.kind == "notebook" \
            else python_text(data, "replace")
    except SyntaxError:  # read_source said why
        return {}
    if target.kind == "notebook":
        sources = [(f, "\n".join(lines)) for f, lines in _code_cells(text, path.name)]
    else:
        sources = [(path.name, text)]
    found: dict[str, str] = {}
    for filename, source in sources:
        try:
            tree = parsed(source, filename)
        except (SyntaxError, ValueError):
            continue
        for node in tree.body:
            if not isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef,
                                     ast.AsyncFunctionDef, ast.ClassDef)):
                written = ast.get_source_segment(source, node) or ast.unparse(node)
                statement = written.split("\n")[0][:80]  # as written, not ast's normal form
                for name in _names_in_block(node):
                    found.setdefault(name, f"`{statement}` ({filename} line {node.lineno})")
    return found


def defined_names(pieces: list[tuple[str, str]]) -> set[str]:
    """Names bound at the top level of the pieces (defs, classes, imports, assignments)."""
    names: set[str] = set()
    for filename, source in pieces:
        for node in parsed(source, filename).body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update((a.asname or a.name).split(".")[0] for a in node.names)
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    names.update(n.id for n in ast.walk(t) if isinstance(n, ast.Name))
            elif isinstance(node, (ast.If, ast.Try, ast.With)):
                names.update(_names_in_block(node))
    return names


def _names_in_block(node: ast.AST) -> set[str]:
    found = set()
    for sub in ast.walk(node):
        if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(sub.name)
        elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
            found.add(sub.id)
        elif isinstance(sub, ast.alias):
            found.add((sub.asname or sub.name).split(".")[0])
    return found


@dataclass(frozen=True)
class Arity:
    """How many positional arguments a function takes: at least `required`, at most `total`
    (unbounded with *args)."""

    required: int
    total: int
    varargs: bool

    def accepts(self, n: int) -> bool:
        return self.required <= n and (self.varargs or n <= self.total)

    @classmethod
    def of(cls, args: ast.arguments) -> Arity:
        positional = [*args.posonlyargs, *args.args]
        return cls(len(positional) - len(args.defaults), len(positional), args.vararg is not None)


def definitions_of(target: Target) -> list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """Where the file or notebook defines the target's function at the top level ("line 3",
    "cell 4 line 1") and the definition, in order: the last is what runs (a scratch
    `def propagate(...): pass` below the real one, which the audit names). None for a module
    target or a method, which are read only when imported."""
    if target.kind == "module" or "." in target.function:
        return []
    found = []
    for filename, source in read_source(target):
        cell = re.search(r" (cell \d+)$", filename)
        for node in parsed(source, filename).body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                    and node.name == target.function:
                place = f"{cell[1]} line {node.lineno}" if cell else f"line {node.lineno}"
                found.append((place, node))
    return found


def arity(target: Target) -> Arity | None:
    """The positional arity of the target's function, read without running it (the last top-
    level definition wins, as when the code runs); None for a module target or a method."""
    found = definitions_of(target)
    return Arity.of(found[-1][1].args) if found else None


def load_function(target: Target) -> Callable[..., Any]:
    """Execute the target and return its function (see `load_target`)."""
    return load_target(target)[0]


class NotLoadable(LookupError):
    """The target loaded but cannot be audited: its function is missing, not callable, or
    needs a name its load could not bind. The message is nnspec's own, shown whole."""


class RanTooLong(Exception):
    """A file's top-level code still ran when the load's time was up (a training loop)."""


def load_target(target: Target, run_limit: float = 0.0) -> tuple[Callable[..., Any], str]:
    """Execute the target and return (its function, notes). Runs in the sandbox: this executes
    user code.

    A `.py` file runs as a module; if its top-level code fails (a data file that is not there, a
    script's sys.exit, a course module that is not installed), only its imports and definitions
    are run, as for a notebook; so too when it runs past `run_limit` seconds (0: no limit; a
    script that trains its model at the top level). The notes are lines `check<TAB>message`
    (NOTE_SEPARATOR between
    them): "load" for a script that failed, "import" for each import that failed. Raises
    LookupError when the function is missing or not callable, or needs a name that a failed
    import should have bound; anything else the target's own code raises propagates.
    """
    notes: list[str] = []
    failed: list[FailedImport] = []
    if target.kind == "module":
        namespace: Any = importlib.import_module(target.location)
    else:
        path = Path(target.location)
        if str(path.parent) not in sys.path:
            sys.path.insert(0, str(path.parent))  # a submission's own helper modules
        if target.kind == "file":
            try:
                namespace = _exec_file(path, run_limit)
            except (Exception, SystemExit) as exc:  # noqa: BLE001 - any failure of a script
                namespace, failed = _exec_pieces(target, _definitions(
                    python_text(read_input(path, MAX_CODE)), str(path)))
                why = (f"did not finish within {run_limit:g} s (a loop at the top level? put "
                       "it under `if __name__ == \"__main__\":`)" if isinstance(exc, RanTooLong)
                       else "stopped at an import that failed (the import note names it)"
                       if isinstance(exc, ImportError) and failed
                       else f"failed ({_one_line(exc)})")
                # said after a failed import too: the rest of its top level did not run
                notes.append(f"load\trunning the file as a module {why}; only its imports, "
                             "definitions and constants were loaded, as for a notebook")
        else:
            namespace, failed = _exec_pieces(target, read_source(target))
    obj = namespace
    for part in target.function.split("."):
        if not hasattr(obj, part):
            raise NotLoadable(f"no function {target.function!r} in {_short(target)}"
                              + _failed_hint(failed))
        obj = getattr(obj, part)
    if not callable(obj):
        message = f"{target.function!r} in {_short(target)} is not callable"
        raise NotLoadable(message)
    if target.kind != "module" and namespace is not None and \
            getattr(namespace, "__name__", "") == "nnspec_definitions":
        _check_unrun_names(target, obj, namespace, failed)
    _check_needed_names(target.function, obj, namespace, failed)
    notes += [f"import\t{f.note()}" for f in failed]
    return obj, NOTE_SEPARATOR.join(notes)


@dataclass(frozen=True)
class FailedImport:
    """An import statement of the target that raised: where, the module, the names it binds
    (None for `from m import *`) and the error in one line."""

    where: str
    statement: str
    module: str
    names: tuple[str, ...] | None
    error: str

    def note(self) -> str:
        return (f"`{self.statement}` ({self.where}) failed: {self.error}; the audit goes on "
                "without it")


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:200]}" if text else type(exc).__name__


def _failed_import(node: ast.Import | ast.ImportFrom, filename: str, exc: BaseException
                   ) -> FailedImport:
    if isinstance(node, ast.ImportFrom):
        module = "." * node.level + (node.module or "")
        star = any(a.name == "*" for a in node.names)
        names = None if star else tuple(a.asname or a.name for a in node.names)
    else:
        module = node.names[0].name
        names = tuple((a.asname or a.name).split(".")[0] for a in node.names)
    missing = getattr(exc, "name", None) if isinstance(exc, ImportError) else None
    return FailedImport(f"{Path(filename).name} line {node.lineno}", ast.unparse(node),
                        missing or module, names, _one_line(exc))


def _failed_hint(failed: list[FailedImport]) -> str:
    return f" (imports that failed: {', '.join(f.module for f in failed)})" if failed else ""


def _global_names(function: Any, namespace: Any, seen: set[int] | None = None) -> set[str]:
    """The global names `function` reads, and those of the target's own functions it reads in
    turn (bytecode LOAD_GLOBAL / LOAD_NAME, nested functions and comprehensions included)."""
    import dis
    import types

    seen = set() if seen is None else seen
    code = getattr(getattr(function, "__func__", function), "__code__", None)
    if code is None or id(code) in seen:
        return set()
    seen.add(id(code))
    found: set[str] = set()
    stack = [code]
    while stack:
        c = stack.pop()
        found.update(i.argval for i in dis.get_instructions(c)
                     if i.opname in ("LOAD_GLOBAL", "LOAD_NAME"))
        stack += [k for k in c.co_consts if isinstance(k, types.CodeType)]
    for name in sorted(found):
        value = getattr(namespace, name, None)
        if isinstance(value, types.FunctionType) and value.__globals__ is vars(namespace):
            found |= _global_names(value, namespace, seen)
    return found


def _check_needed_names(name: str, function: Any, namespace: Any,
                        failed: list[FailedImport]) -> None:
    """LookupError naming the failed import that should have bound a name `function` needs."""
    if not failed:
        return
    import builtins

    needed = _global_names(function, namespace)
    missing = sorted(n for n in needed if not hasattr(namespace, n) and not hasattr(builtins, n))
    for n in missing:
        culprit = next((f for f in failed if f.names and n in f.names), None)
        culprit = culprit or next((f for f in failed if f.names is None), None)
        if culprit is not None:
            raise NotLoadable(
                f"{name} needs {n!r}, which `{culprit.statement}` ({culprit.where}) should bind, "
                f"but that import failed: {culprit.error}; install {_pip_name(culprit.module)} "
                f"or put {culprit.module.split('.')[0].lstrip('.')}.py beside the target")


PIP_NAMES = {"sklearn": "scikit-learn", "skimage": "scikit-image", "cv2": "opencv-python",
             "PIL": "Pillow", "yaml": "PyYAML"}  # modules whose package has another name


def _pip_name(module: str) -> str:
    """What to install for `module` ("install sklearn" named no package that exists)."""
    top = module.split(".")[0]
    return PIP_NAMES.get(top, top) if top else module


def _check_unrun_names(target: Target, function: Any, namespace: Any,
                       failed: list[FailedImport] = ()) -> None:
    """LookupError when `function` needs a global that only a top-level statement the
    definitions-only load did not run would bind: the audit could not run it, which is not
    the submission's mistake (a NameError on every call was blamed on it). Said before a
    failed star import, which only might bind it (`m = X.shape[1]` in a notebook's cell was
    blamed on `from testCases_v2 import *`); an import that names it is said instead."""
    import builtins

    needed = _global_names(function, namespace)
    named = {n for f in failed for n in (f.names or ())}
    missing = sorted(n for n in needed if not hasattr(namespace, n) and not hasattr(builtins, n)
                     and n not in named)
    if not missing:
        return
    binders = unrun_bindings(target)
    for n in missing:
        if n in binders:
            raise NotLoadable(
                f"{target.function} needs {n!r}, bound at the top level by {binders[n]}, which "
                f"the audit could not run (it runs {_loaded(target)}); pass it as an argument "
                "or compute it inside the function")


def _loaded(target: Target) -> str:
    """What the definitions-only load runs, in the target's own words."""
    if target.kind == "notebook":
        return "a notebook's imports, definitions and constants"
    return "only the imports, definitions and constants of a file whose top level fails"


def _exec_file(path: Path, run_limit: float = 0.0) -> Any:
    if run_limit > 0:  # SIGALRM interrupts the module's code, in the worker's main thread
        import signal

        def stop(signum: int, frame: Any) -> None:
            raise RanTooLong

        previous = signal.signal(signal.SIGALRM, stop)
        signal.setitimer(signal.ITIMER_REAL, run_limit)
        try:
            return _exec_file(path)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    spec = importlib.util.spec_from_file_location("nnspec_target", path)
    namespace = importlib.util.module_from_spec(spec)
    sys.modules["nnspec_target"] = namespace
    spec.loader.exec_module(namespace)
    return namespace


def _exec_pieces(target: Target, pieces: list[tuple[str, str]]
                 ) -> tuple[Any, list[FailedImport]]:
    """Run the pieces statement by statement in a fresh module: an import that raises is
    recorded and skipped; anything else that raises propagates."""
    import types

    module = types.ModuleType("nnspec_definitions")
    module.__file__ = target.location
    sys.modules["nnspec_definitions"] = module
    failed = []
    for filename, source in pieces:
        for node in parsed(source, filename).body:
            code = compile(ast.Module([node], type_ignores=[]), filename, "exec")
            if isinstance(node, (ast.Assign, ast.AnnAssign)):  # a constant that cannot be
                with contextlib.suppress(Exception):  # computed here (m = X.shape[1]) stays
                    exec(code, module.__dict__)  # noqa: S102 - unbound: see unrun_bindings
                continue
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                exec(code, module.__dict__)  # noqa: S102 - sandboxed
                continue
            try:
                exec(code, module.__dict__)  # noqa: S102 - sandboxed
            except Exception as exc:  # noqa: BLE001 - any failure of an import is a note
                failed.append(_failed_import(node, filename, exc))
    return module, failed


def find_targets(folder: Path) -> list[Path]:
    """The .py and .ipynb files directly in `folder` and below, sorted; hidden ones and links
    skipped (`links`)."""
    return [path for path in _candidates(folder) if not path.is_symlink()]


def helper_folders(path: Path, root: Path | None = None) -> list[Path]:
    """Where a submission's helper modules may be, nearest first: its own folder, then each
    folder above it up to `root` (a folder run's: the course's `planar_utils.py` at the top of
    a class folder of one folder per student serves every student)."""
    folders = [path.parent]
    if root is not None and inside(path, root):
        folders += [f for f in path.parent.parents if inside(f, root)]
    return folders


def helpers_in(paths: list[Path], function: str, root: Path | None = None) -> list[Path]:
    """The `.py` files among `paths` that a file of the same folder, or of a folder below it
    (up to `root`), imports and that do not define `function`: the course's helpers
    (`lr_utils.py`, `public_tests.py`) beside a submission or above a class's folders, to be
    copied into the sandboxes, not audited as submissions without one. A file named like an
    installed module is never a helper (`helper_file`): it stays a target."""
    top = function.split(".")[0]
    imported: set[Path] = set()
    for path in paths:
        try:
            pieces = read_source(Target("notebook" if path.suffix == ".ipynb" else "file",
                                        str(path), "", path.name))
        except (OSError, UsageError):
            continue
        for _, source in pieces:
            imported |= {folder / f"{name}.py" for name in imported_names(source)
                         for folder in helper_folders(path, root)}
    return [path for path in paths if path in imported and path.suffix == ".py"
            and not _installed(path.stem) and not may_define(path, top)]


def may_define(path: Path, name: str) -> bool:
    """Whether `path` defines `name` at top level, or cannot be read to tell (then it is
    audited, which says why)."""
    try:
        return name in defined_names([(path.name, python_text(read_input(path, MAX_CODE),
                                                              "replace"))])
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return True


def imported_names(source: str) -> set[str]:
    """The first components of a source's absolute imports ({} if it does not parse)."""
    try:
        tree = parsed(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def links(folder: Path) -> list[tuple[Path, str]]:
    """The candidates that are symbolic links, with where each leads: never audited. Out of the
    folder, a submission would bring in a file the sandbox hides (the caller's home); inside
    it, a student's `hw_final.py -> ../bob/hw.py` was graded as theirs with bob's code."""
    found = []
    folders = [p for p in sorted(folder.rglob("*")) if p.is_symlink() and p.is_dir()
               and not any(q.startswith((".", "__")) for q in p.relative_to(folder).parts)]
    for path in sorted([*_candidates(folder), *folders]):  # a folder's link is not followed:
        if path.is_symlink():  # what it holds is not audited, and the run says so
            target = path.resolve()
            where = target.relative_to(folder.resolve()).as_posix() \
                if target.is_relative_to(folder.resolve()) else "out of the folder"
            found.append((path, where))
    return found


def _candidates(folder: Path) -> list[Path]:
    found = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).parts
        if any(p.startswith((".", "__")) for p in rel):
            continue
        if path.suffix in SUFFIXES and path.is_file():
            found.append(path)
    return found


def unreadable(folder: Path) -> list[str]:
    """The folders under `folder` that cannot be listed, as "path: reason" (the walk that
    finds the targets passes them over without a word: a locked student folder)."""
    errors: list[str] = []

    def note(exc: OSError) -> None:
        where = Path(exc.filename or folder)
        shown = where.relative_to(folder).as_posix() if where != folder else str(folder)
        errors.append(f"{shown}: {exc.strerror or exc}")

    for root, dirs, _ in os.walk(folder, onerror=note):
        dirs[:] = [d for d in dirs if not d.startswith((".", "__"))]
    return sorted(errors)


def inside(path: Path, folder: Path) -> bool:
    """Whether `path`, links followed, is in `folder`."""
    return path.resolve().is_relative_to(folder.resolve())


def helper_file(beside: Path, name: str, function: str = "") -> Path | None:
    """`name`.py beside a target, when the target may import it as a helper of its own (the
    course's `lr_utils`, `public_tests`); None otherwise: not a file; a link out of the folder
    (it would bring in a file the sandbox hides, the caller's home); a module named like an
    installed one (a `matplotlib.py` in a class folder would reach every submission that
    imports matplotlib, and change their results); another submission (a file that defines
    `function`: a neighbour's answer)."""
    path = beside / f"{name}.py"
    if not path.is_file() or not inside(path, beside) or _installed(name):
        return None
    return None if function and may_define(path, function.split(".")[0]) else path


@functools.cache
def _installed(name: str) -> bool:
    """Importable from the standard library or the installed packages (not from the current
    folder, which a plain `python` puts first)."""
    if name in sys.stdlib_module_names or name in sys.builtin_module_names:
        return True
    here = {"", os.getcwd()}
    path = [p for p in sys.path if p not in here and os.path.abspath(p) != os.getcwd()]
    try:
        return importlib.machinery.PathFinder.find_spec(name, path) is not None
    except (ImportError, ValueError):
        return False
