"""Targets: parsing `where[:function]`, reading files and notebooks without running them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from nnspec.audit.engine import audit
from nnspec.audit.targets import (
    MAX_CODE,
    NOTE_SEPARATOR,
    Target,
    check_target,
    find_targets,
    load_function,
    load_target,
    notebook_definitions,
    parse_target,
    read_source,
)
from nnspec.errors import UsageError

CORPUS = Path(__file__).parent / "corpus"


def _notebook(path: Path, *sources: str) -> Path:
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
              "source": s} for s in sources]
    cells.insert(0, {"cell_type": "markdown", "metadata": {}, "source": "def not_code(): pass"})
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                "nbformat_minor": 5}))
    return path


def test_parse_file_with_and_without_function(tmp_path: Path) -> None:
    f = tmp_path / "mine.py"
    f.write_text("def propagate(): pass\ndef other(): pass\n")
    expected = Target("file", str(f.resolve()), "propagate", str(f))
    assert parse_target(str(f), "propagate") == expected
    assert parse_target(f"{f}:other", "propagate").function == "other"
    expected = Target("module", "pkg.mod", "Class.method", "pkg.mod:Class.method")
    assert parse_target("pkg.mod:Class.method", "x") == expected
    assert parse_target("pkg.mod", "propagate").function == "propagate"


@pytest.mark.parametrize("spec, message", [
    ("missing.py", "no such file"),
    ("not a/module", "no such file, and not a module name"),
    ("", "empty target"),
])
def test_bad_targets_are_usage_errors(spec: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_target(spec, "propagate")


def test_wrong_suffix_is_a_usage_error(tmp_path: Path) -> None:
    f = tmp_path / "data.txt"
    f.write_text("x")
    with pytest.raises(UsageError, match="not a .py file"):
        parse_target(str(f), "propagate")


def test_syntax_error_and_missing_function_are_found_without_running(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def propagate(w, b, X, Y)\n    pass\n")
    with pytest.raises(UsageError, match="syntax error in bad.py line 1"):
        check_target(parse_target(str(bad), "propagate"))
    other = tmp_path / "other.py"
    other.write_text("import os\nos._exit(3)\ndef optimize(): pass\n")  # would end a process
    with pytest.raises(UsageError, match="no function 'propagate'"):
        check_target(parse_target(str(other), "propagate"))
    check_target(parse_target(str(other), "optimize"))  # reading only: this process lives on


def test_notebook_keeps_imports_definitions_and_constants_only(tmp_path: Path) -> None:
    nb = _notebook(tmp_path / "nb.ipynb",
                   "%matplotlib inline\nimport functools\nimport math\n!ls\n",
                   "%%time\nraise SystemExit\n",
                   "x = math.pi\nwhile True:\n    pass\n",
                   ["@functools.cache\n", "def f(y):\n", "    return y + 1\n",
                    "raise SystemExit\n"])
    pieces = notebook_definitions(nb.read_text(), "nb.ipynb")
    text = "\n".join(s for _, s in pieces)
    assert "import math" in text and "def f(y)" in text and "@functools.cache" in text
    assert "while" not in text and "SystemExit" not in text and "%" not in text
    assert "not_code" not in text and "x = math.pi" in text  # a constant: no call
    assert [name for name, _ in pieces] == ["nb.ipynb cell 2", "nb.ipynb cell 4",
                                            "nb.ipynb cell 5"]
    f = load_function(parse_target(f"{nb}:f", "g"))  # a hang or an exit cell would not return
    assert f(1) == 2


def test_notebook_errors_are_usage_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    with pytest.raises(UsageError, match="not a Jupyter notebook"):
        check_target(parse_target(str(broken), "f"))
    bad_cell = _notebook(tmp_path / "cell.ipynb", "def f(:\n    pass\n")
    with pytest.raises(UsageError, match="syntax error in cell.ipynb cell 2 line 1"):
        check_target(parse_target(str(bad_cell), "f"))


def test_load_module_target_and_missing_attribute() -> None:
    f = load_function(parse_target("nnspec.reference.logreg", "propagate"))
    assert f.__name__ == "propagate"
    with pytest.raises(LookupError, match="no function 'nope'"):
        load_function(parse_target("nnspec.reference.logreg:nope", "propagate"))


def test_find_targets_sorted_and_skips_hidden(tmp_path: Path) -> None:
    for name in ("b.py", "a.ipynb", "sub/c.py", ".hidden/d.py", "__pycache__/e.py", "f.txt"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
    assert [p.relative_to(tmp_path).as_posix() for p in find_targets(tmp_path)] == [
        "a.ipynb", "b.py", "sub/c.py"]


def test_notebook_ipython_lines_are_dropped_and_other_syntax_skipped(tmp_path: Path) -> None:
    nb = _notebook(tmp_path / "nb.ipynb", "files = !ls\nnp.dot?\n?np.sum\nx = %pwd\n",
                   "def propagate(w, b, X, Y):\n    return 1\n", "print(f'{x!r')\n")
    text = "\n".join(s for _, s in notebook_definitions(nb.read_text(), "nb.ipynb"))
    assert "!" not in text and "?" not in text and "%" not in text
    assert load_function(parse_target(str(nb), "propagate"))(0, 0, 0, 0) == 1
    with pytest.raises(UsageError, match="syntax error in nb.ipynb cell 4 line 1"):
        check_target(parse_target(str(nb), "optimize"))  # missing: say why it may be


COURSE_IMPORTS = ("import math\nimport h5py_not_here\nfrom lr_utils_not_here import load_dataset\n"
                  "from planar_not_here import sigmoid, plot_decision_boundary\n"
                  "from public_tests_not_here import *\n")


def test_failed_imports_are_notes_and_the_rest_loads(tmp_path: Path) -> None:
    nb = _notebook(tmp_path / "nb.ipynb", COURSE_IMPORTS + "def f(y):\n    return math.floor(y)\n")
    f, notes = load_target(parse_target(f"{nb}:f", "g"))
    assert f(1.5) == 1
    lines = notes.split(NOTE_SEPARATOR)
    assert [ln.split("\t")[0] for ln in lines] == ["import"] * 4
    for module, line in zip(("h5py_not_here", "lr_utils_not_here", "planar_not_here",
                             "public_tests_not_here"), lines):
        assert f"No module named '{module}'" in line


@pytest.mark.parametrize("body, name, module", [
    ("def f(z):\n    return sigmoid(z)\n", "sigmoid", "planar_not_here"),
    ("def g(z):\n    return np.exp(z)\ndef f(z):\n    return [g(t) for t in z]\n", "np",
     "public_tests_not_here"),
])
def test_a_name_the_failed_import_should_bind_is_the_error(tmp_path: Path, body: str, name: str,
                                                           module: str) -> None:
    nb = _notebook(tmp_path / "nb.ipynb", COURSE_IMPORTS, body)
    with pytest.raises(LookupError, match=f"f needs '{name}'.*No module named '{module}'"):
        load_target(parse_target(f"{nb}:f", "g"))


def test_a_notebook_s_constants_and_lambdas_are_loaded(tmp_path: Path) -> None:
    """`EPS = 1e-12` in a cell of its own (or beside the def), and `sigmoid = lambda z: ...`,
    were dropped: a correct propagate raised NameError on every call and scored 7 of 19."""
    nb = _notebook(tmp_path / "nb.ipynb", "import numpy as np\n%matplotlib inline\n",
                   "EPS = 1e-12  # to avoid log(0)\nsigmoid = lambda z: 1 / (1 + np.exp(-z))\n",
                   "X, Y = load_dataset()\nTINY = 10**-12\nBIG = 10**10**10\n"
                   "HUGE = ((10**999)**999)**999\n",
                   "def f(z):\n    return sigmoid(z) + EPS + TINY\n")
    f, _ = load_target(parse_target(f"{nb}:f", "f"))  # 10**10**10 would never return
    assert f(0.0) == 0.5 + 1e-12 + 1e-12


def test_a_deep_constant_is_read_without_recursion(tmp_path: Path) -> None:
    """`EPS = 1+1+...+1` with a few hundred terms raised RecursionError in the harness (the
    check that a constant calls nothing recursed once per term): the whole class's run ended
    with a traceback. It is a constant; `X = f()` nested as deep still calls something."""
    deep = "+".join(["1"] * 900)
    text = json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "source": f"EPS = {deep}\nX = {deep} + f()\n"}]})
    [(_, kept)] = notebook_definitions(text, "nb.ipynb")
    assert kept.startswith("EPS = 1+1") and "f()" not in kept


def test_a_global_the_load_could_not_bind_is_named_not_blamed(tmp_path: Path) -> None:
    """A function that reads a global set by a data cell (`m = X.shape[1]` after
    `X, Y = load_dataset()`) cannot be audited: it says which statement, not a NameError on
    every call (a defect the submission does not have where its notebook runs)."""
    nb = _notebook(tmp_path / "nb.ipynb", "X, Y = load_dataset()\nm = X.shape[1]\n",
                   "def f(z):\n    return z / m\n", "def g(z):\n    return z / X\n")
    with pytest.raises(LookupError, match=r"f needs 'm', bound at the top level by "
                       r"`m = X.shape\[1\]` \(nb.ipynb cell 2 line 2\)"):
        load_target(parse_target(f"{nb}:f", "f"))
    with pytest.raises(LookupError, match=r"g needs 'X', .*`X, Y = load_dataset\(\)`.*it "
                       r"runs a notebook's imports"):
        load_target(parse_target(f"{nb}:g", "g"))
    script = tmp_path / "script.py"  # a .py whose top level fails: its own words
    script.write_text("X = load_dataset()\nm = X.shape[1]\n\n\ndef f(z):\n    return z / m\n")
    with pytest.raises(LookupError, match=r"could not run \(it runs only the imports, "
                       r"definitions and constants of a file whose top level fails\)"):
        load_target(parse_target(f"{script}:f", "f"))


def test_the_reason_a_target_cannot_load_is_whole_and_nnspec_s_own(tmp_path: Path) -> None:
    """The reason was cut at 300 characters, before its advice ("put planar_utils.py beside
    the target"), and began with `LookupError:`."""
    nb = _notebook(tmp_path / "nb.ipynb", "from planar_utils import plot_decision_boundary, "
                   "sigmoid, load_planar_dataset, load_extra_datasets\n",
                   "def forward_propagation(X, parameters):\n    return sigmoid(X)\n")
    result = audit(str(nb), "two_layer.forward_propagation", examples=2, timeout=30)
    assert result.verdict == "error"
    assert result.reason.startswith("loading the target failed: forward_propagation needs")
    assert result.reason.endswith("put planar_utils.py beside the target")


def test_a_helper_module_beside_the_target_is_importable(tmp_path: Path) -> None:
    (tmp_path / "my_helpers.py").write_text("def double(x):\n    return 2 * x\n")
    script = tmp_path / "script.py"
    script.write_text("from my_helpers import double\nimport not_installed_here\n"
                      "def f(x):\n    return double(x)\n")
    f, notes = load_target(parse_target(f"{script}:f", "g"))
    assert f(2) == 4
    assert "import\t`import not_installed_here`" in notes


TRAINS_AT_THE_TOP = """import time

def propagate(w, b, X, Y):
    return "defined"

while True:  # the course's training loop, not under `if __name__ == "__main__":`
    time.sleep(0.01)
"""


def test_a_file_that_trains_at_the_top_level_loads_its_definitions(tmp_path: Path) -> None:
    """Its top-level code still running when the load's time is up, only its imports and
    definitions are loaded, with a note that says why (it used to fail to load at all, after
    the audit's whole --timeout)."""
    import time

    from nnspec.audit.targets import load_target

    path = tmp_path / "hw.py"
    path.write_text(TRAINS_AT_THE_TOP)
    start = time.perf_counter()
    function, notes = load_target(parse_target(str(path), "propagate"), run_limit=0.3)
    assert function(0, 0, 0, 0) == "defined" and time.perf_counter() - start < 5
    assert "did not finish within 0.3 s (a loop at the top level?" in notes


def test_a_file_whose_name_has_a_colon_is_that_file(tmp_path: Path) -> None:
    """`hw1:final.py` read as module `hw1`, function `final.py`, though the file is there."""
    path = tmp_path / "hw1:final.py"
    path.write_text("def propagate(w, b, X, Y):\n    return 1\n")
    target = parse_target(str(path), "propagate")
    assert (target.kind, target.function) == ("file", "propagate")
    assert parse_target(f"{path}:other", "propagate").function == "other"


def test_a_function_inside_a_cell_magic_is_pointed_at(tmp_path: Path) -> None:
    """`%%writefile` above the def: the cell is not run (in Jupyter either), and the error
    said "it defines no function" instead of where the function is."""
    path = tmp_path / "written.ipynb"
    path.write_text(json.dumps({"cells": [{"cell_type": "code", "source": [
        "%%writefile mine.py\n", "def propagate(w, b, X, Y):\n", "    return 1\n"]}]}))
    with pytest.raises(UsageError, match=r"'propagate' is defined in cell 1, which starts "
                                         r"with %%writefile"):
        check_target(parse_target(str(path), "propagate"))


@pytest.mark.parametrize("magic", ["%%time", "%%capture captured --no-stderr", "%%prun"])
def test_a_function_under_a_cell_magic_that_runs_python_is_loaded(tmp_path, magic) -> None:
    """IPython runs the body of `%%time`, `%%capture`, `%%prun` as Python in the notebook's
    namespace: the function is defined in Jupyter, and a timed cell was skipped (a correct
    submission scored 0)."""
    path = tmp_path / "timed.ipynb"
    path.write_text(json.dumps({"cells": [{"cell_type": "code", "source": [
        f"{magic}\n", "def propagate(w, b, X, Y):\n", "    return w + 1\n",
        "propagate(1, 2, 3, 4)\n"]}]}))
    target = parse_target(str(path), "propagate")
    check_target(target)
    assert load_function(target)(1, 0, 0, 0) == 2


@pytest.mark.parametrize("name", ["big.py", "big.ipynb"])
def test_more_code_than_a_submission_holds_is_refused_before_parsing(tmp_path, name):
    """8 MB of `a=1` lines took the harness minutes and gigabytes to parse, several times,
    before any --timeout applied; a notebook's outputs do not count, its code does."""
    code = "def propagate(w, b, X, Y):\n    return None\n" + "a = 1\n" * (MAX_CODE // 6 + 1)
    path = tmp_path / name
    if name.endswith(".ipynb"):
        path.write_text(json.dumps({"cells": [{"cell_type": "code", "source": code,
                                               "metadata": {}, "outputs": []}],
                                    "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    else:
        path.write_text(code)
    with pytest.raises(UsageError, match=f"target {name}: more than 1 MB of code"):
        check_target(parse_target(str(path), "propagate"))


def test_a_notebook_with_megabytes_of_outputs_is_audited(tmp_path: Path) -> None:
    """A correct notebook with 20 MB of plots in its outputs could not load ("File too
    large"): its copy in the sandbox was written whole, over the worker's file size limit."""
    nb = _notebook(tmp_path / "nb.ipynb", "import numpy as np\n",
                   (Path(__file__).parent / "corpus" / "logreg_propagate" /
                    "correct_vectorised.py").read_text())
    data = json.loads(nb.read_text())
    data["cells"][1]["outputs"] = [{"output_type": "display_data", "metadata": {},
                                    "data": {"image/png": "A" * 20_000_000}}]
    nb.write_text(json.dumps(data))
    result = audit(str(nb), "logreg.propagate", examples=3, timeout=60)
    assert result.verdict == "conforms", result.message()


@pytest.mark.parametrize("content, words", [
    ("", "an empty file, not a Jupyter notebook"),
    ('{"cells": [\n<<<<<<< HEAD\n{}\n=======\n{}\n>>>>>>> theirs\n]}',
     "its JSON is broken at line 2 (a merge conflict's <<<<<<< lines?)"),
    ('{"worksheets": [{"cells": []}], "nbformat": 3}', "an nbformat 3 notebook"),
    ('\ufeff{"cells": [], "nbformat": 4}', "it starts with a UTF-8 byte order mark"),
    ('{"cells": [], "pad": [' + "{}," * 250_000 + "{}]}",  # took the harness 18 s and 1.7 GB
     "more than 200000 JSON objects and lists, not a notebook as Jupyter writes it"),
])
def test_a_broken_notebook_says_what_is_wrong(tmp_path: Path, content: str, words: str) -> None:
    """An empty file, a merge conflict and an nbformat 3 notebook all said "not a Jupyter
    notebook (no JSON 'cells' list)"."""
    nb = tmp_path / "nb.ipynb"
    nb.write_text(content)
    with pytest.raises(UsageError, match=re.escape(words)):
        read_source(parse_target(str(nb), "propagate"))


def test_a_file_with_null_bytes_names_no_line_none(tmp_path: Path) -> None:
    path = tmp_path / "nul.py"
    path.write_bytes(b"def propagate():\n    return\x00 1\n")
    with pytest.raises(UsageError) as caught:
        read_source(parse_target(str(path), "propagate"))
    assert "line None" not in str(caught.value)


def test_the_syntax_error_named_is_that_of_the_cell_defining_the_function(tmp_path: Path) -> None:
    """A Python 2 `print "hello"` in a test cell above was named first; the student fixed it,
    then the next unrelated cell, before hearing of the cell that defines the function."""
    nb = _notebook(tmp_path / "nb.ipynb", 'print "hello"\n', "plt.plot(x\n",
                   "def optimize(w, b, X, Y, n, lr)\n    return w\n")
    with pytest.raises(UsageError, match=r"cell 4 line 1: .*\(the cell that defines optimize\)"):
        check_target(parse_target(str(nb), "optimize"))


def test_a_failed_import_names_the_package_to_install(tmp_path: Path) -> None:
    """`from sklearn.metrics import log_loss` failed "...; install sklearn", a package that
    does not exist (scikit-learn does)."""
    target = tmp_path / "t.py"
    target.write_text("from sklearn.nope_module import log_loss\n"
                      "def f(y):\n    return log_loss(y)\n")
    with pytest.raises(LookupError, match="install scikit-learn or put sklearn.py beside"):
        load_target(parse_target(f"{target}:f", "g"))


@pytest.mark.parametrize("data, said", [
    (b"\xef\xbb\xbfdef f(y):\n    return y + 1\n", None),  # UTF-8 with a BOM (Notepad)
    (b"# -*- coding: latin-1 -*-\n# r\xe9sum\xe9\ndef f(y):\n    return y + 1\n", None),
    (b"# coding: cp1252\ns = '\x93quoted\x94'\ndef f(y):\n    return y + 1\n", None),
    (b"# coding: no-such-encoding\ndef f(y):\n    return y + 1\n", "syntax error in t.py"),
])
def test_a_file_is_read_in_the_encoding_python_reads_it_in(tmp_path: Path, data: bytes,
                                                            said: str | None) -> None:
    """Python runs these; a BOM was "invalid non-printable character U+FEFF" and a declared
    Latin-1 or cp1252 "not UTF-8 text", so the submission scored 0."""
    from nnspec.audit.targets import read_source

    target = tmp_path / "t.py"
    target.write_bytes(data)
    if said is None:
        f, _ = load_target(parse_target(f"{target}:f", "g"))
        assert f(1) == 2 and read_source(parse_target(f"{target}:f", "g"))
    else:
        with pytest.raises(UsageError, match=said):
            read_source(parse_target(f"{target}:f", "g"))


def test_a_function_defined_twice_is_a_note_naming_both(tmp_path: Path) -> None:
    """A correct propagate with a scratch `def propagate(...): pass` below it scored 0 and
    nothing said that the draft was what ran."""
    from nnspec.audit.engine import audit

    body = (CORPUS / "logreg_propagate" / "correct_stable.py").read_text()
    target = tmp_path / "twice.py"
    target.write_text(body + "\n\ndef propagate(w, b, X, Y):\n    pass\n")
    last = len(target.read_text().splitlines()) - 1
    notes = [f.message for f in audit(str(target), "logreg.propagate", examples=3).findings
             if f.check == "load"]
    first = next(i for i, ln in enumerate(body.splitlines(), 1)
                 if ln.startswith("def propagate"))
    assert notes == [(f"defines propagate 2 times (line {first} and line {last}): the last one "
                      "is the one audited, as Python keeps it; delete the others")]
    once = audit(str(CORPUS / "logreg_propagate" / "correct_stable.py"), "logreg.propagate",
                 examples=3)
    assert not [f for f in once.findings if f.check == "load"]


def test_a_script_stopped_by_a_failed_import_says_its_top_level_did_not_run(
        tmp_path: Path) -> None:
    """A script whose import failed said only that the import failed: nothing told that the
    rest of its top level (the data loading, a training run) was not run, as a script that
    fails otherwise is told."""
    from nnspec.audit.engine import audit

    body = (CORPUS / "logreg_propagate" / "correct_stable.py").read_text()
    target = tmp_path / "script.py"
    target.write_text("import not_installed_anywhere\n" + body)
    notes = {f.check: f.message for f in audit(str(target), "logreg.propagate",
                                               examples=3).findings if f.severity == "note"}
    assert notes["load"] == ("running the file as a module stopped at an import that failed "
                             "(the import note names it); only its imports, definitions and "
                             "constants were loaded, as for a notebook"), notes
    assert "not_installed_anywhere" in notes["import"]


def test_a_long_cell_is_read_in_linear_time(tmp_path: Path) -> None:
    """The search for `def propagate` in cells that do not parse ran `^\\s*` across every blank
    line after each line start: a cell of 240 000 blank lines ending in a syntax error held
    the harness 166 s, outside the sandbox and its --timeout (a folder's worker with it)."""
    import subprocess
    import sys

    nb = tmp_path / "long.ipynb"
    nb.write_text(json.dumps({"cells": [{"cell_type": "code", "source": "\n" * 200_000 + "f(\n"}]}))
    script = ("import sys\nfrom nnspec.audit.targets import check_target, parse_target\n"
              "from nnspec.errors import UsageError\n"
              "try:\n    check_target(parse_target(sys.argv[1], 'propagate'))\n"
              "except UsageError as exc:\n    print(exc)\n")
    done = subprocess.run([sys.executable, "-c", script, str(nb)], check=False,
                          capture_output=True, text=True, timeout=60)
    assert "syntax error in long.ipynb cell 1 line 200001" in done.stdout, done


def test_a_lone_carriage_return_ends_a_line_as_python_reads_it(tmp_path: Path) -> None:
    """`EPS = 1e-12\\r<a call>` was one line to the filter, a constant, and two statements to
    Python: the call ran at load."""
    nb = _notebook(tmp_path / "nb.ipynb", "EPS = 1e-12\rraise SystemExit\n",
                   "%%time\rimport os\rx = os.getpid()\n")
    text = "\n".join(s for _, s in notebook_definitions(nb.read_text(), "nb.ipynb"))
    assert "EPS = 1e-12" in text and "import os" in text
    assert "SystemExit" not in text and "getpid" not in text


def test_the_harness_parses_a_target_once_however_many_places_read_its_tree(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Python's parser takes time quadratic in an f-string's fields: a 150 KB one cost 2.5 s
    for each of the eight parses the harness made, outside --timeout."""
    import ast

    from nnspec.audit import engine, targets

    source = (CORPUS / "logreg_propagate" / "correct_vectorised.py").read_text() + 'K = f"' + "{1}" * 500 + '"\n'
    (tmp_path / "hw.py").write_text(source)
    parses = []
    real = ast.parse
    monkeypatch.setattr(ast, "parse", lambda text, *a, **k: (parses.append(text), real(
        text, *a, **k))[1])
    targets._tree.cache_clear()
    result = engine.audit(str(tmp_path / "hw.py"), "logreg.propagate", examples=5)
    assert result.verdict == "conforms", result.message()
    assert parses.count(source) == 1


def test_a_global_a_notebook_cell_binds_is_named_before_a_failed_star_import(
        tmp_path: Path) -> None:
    """`m = X.shape[1]` in a cell was blamed on `from testCases_v2 import *`, which failed: the
    instructor who installed it was then told about `public_tests`; the line that binds m is
    the reason."""
    cells = ["import numpy as np\nfrom testCases_v2 import *\nfrom public_tests import *",
             "X = np.ones((2, 3))\nm = X.shape[1]",
             ("def propagate(w, b, X, Y):\n    A = 1 / (1 + np.exp(-(w.T @ X + b)))\n"
             "    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m\n"
             "    return {'dw': X @ (A - Y).T / m, 'db': np.sum(A - Y) / m}, cost")]
    nb = tmp_path / "hw.ipynb"
    nb.write_text(json.dumps({"cells": [{"cell_type": "code", "source": c, "metadata": {},
                                         "outputs": [], "execution_count": None}
                                        for c in cells], "metadata": {}, "nbformat": 4,
                              "nbformat_minor": 5}))
    result = audit(str(nb), "logreg.propagate", examples=3)
    assert result.verdict == "error"
    assert "bound at the top level by `m = X.shape[1]` (hw.ipynb cell 2 line 2)" in result.reason
    assert "testCases_v2" not in result.reason
    cells[1] = "X = np.ones((2, 3))\n(n, m) = X.shape  # the sizes"  # quoted as written
    nb.write_text(json.dumps({"cells": [{"cell_type": "code", "source": c, "metadata": {},
                                         "outputs": [], "execution_count": None}
                                        for c in cells], "metadata": {}, "nbformat": 4,
                              "nbformat_minor": 5}))
    reason = audit(str(nb), "logreg.propagate", examples=3).reason
    assert "bound at the top level by `(n, m) = X.shape` (hw.ipynb cell 2 line 2)" in reason


def test_parameters_in_another_order_are_told_as_such(tmp_path: Path) -> None:
    """`propagate(X, Y, w, b)` got only AttributeErrors and "none of its values could be
    checked", with no word on why."""
    source = (CORPUS / "logreg_propagate" / "correct_vectorised.py").read_text()
    hw = tmp_path / "hw.py"
    hw.write_text(source.replace("def propagate(w, b, X, Y):", "def propagate(X, Y, w, b):"))
    notes = [f.message for f in audit(str(hw), "logreg.propagate", examples=3).findings
             if f.check == "load"]
    assert notes == [("its parameters are propagate(X, Y, w, b), the contract's in another "
                     "order: it is called as propagate(w, b, X, Y), as the course calls it; "
                     "put them in that order")]
    hw.write_text(source)  # the contract's order: no note
    assert not [f for f in audit(str(hw), "logreg.propagate", examples=3).findings
                if f.check == "load"]


@pytest.mark.parametrize("signature, meant", [
    ("propagate(X, Y, W, b)", "X, Y, w, b"),  # a capital W
    ("propagate(X_train, Y_train, w, b)", "X, Y, w, b"),
    ("propagate(x, y, w, b)", "X, Y, w, b")])
def test_parameters_renamed_and_in_another_order_are_told_as_such(tmp_path: Path, signature,
                                                                   meant) -> None:
    """Real submissions rename a parameter as well (`propagate(X, Y, W, b)`): they got no
    note, and their exception was told "a .T missing or one too many". The names are matched
    up to case and known synonyms, and the exception names the order as its cause; a renamed
    parameter in the contract's order gets no note."""
    source = (CORPUS / "logreg_propagate" / "correct_vectorised.py").read_text()
    names = signature[len("propagate("):-1].split(", ")
    body = source.replace("def propagate(w, b, X, Y):", f"def {signature}:")
    for contract_name, name in zip(("X", "Y", "w", "b"), names):
        body = body.replace(f"def {signature}:", f"def {signature}:\n    {contract_name} = {name}")
    hw = tmp_path / "hw.py"
    hw.write_text(body)
    found = audit(str(hw), "logreg.propagate", examples=3).findings
    notes = [f.message for f in found if f.check == "load"]
    assert notes == [(f"its parameters {signature} are the contract's ({meant}) in another "
                     "order: it is called as propagate(w, b, X, Y), as the course calls it; "
                     "put them in that order")], notes
    raised = [f.message for f in found if f.check == "exception"]
    assert raised and all("in another order (the load note says which)" in m and ".T missing"
                          not in m for m in raised), raised
    in_order = f"propagate({names[2]}, {names[3]}, {names[0]}, {names[1]})"
    hw.write_text(source.replace("def propagate(w, b, X, Y):", f"def {in_order}:\n    X, Y, "
                                 f"w, b = {names[0]}, {names[1]}, {names[2]}, {names[3]}"))
    assert not [f for f in audit(str(hw), "logreg.propagate", examples=3).findings
                if f.check == "load"]
