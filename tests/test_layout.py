"""The package layout follows the data flow: a room never imports a room above it."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import nnspec

ROOT = Path(nnspec.__file__).parent
# spec -> emit -> numerics -> audit -> report -> the adapters (cli, pytest_plugin)
RANK = {"spec": 0, "emit": 1, "numerics": 2, "audit": 3, "report": 4}
ADAPTERS = {"cli", "pytest_plugin", "__main__"}


def imported_modules(path: Path) -> set[str]:
    """Every nnspec module a file imports, at any depth (lazy imports inside functions too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return {m for m in found if m.startswith("nnspec.")}


def room(module: str) -> str | None:
    """The room a dotted nnspec module belongs to (None: a top-level helper or data package)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in RANK else None


def violations(package_dir: Path, own_rank: int) -> list[str]:
    bad = []
    for path in sorted(package_dir.rglob("*.py")):
        for module in sorted(imported_modules(path)):
            target = room(module)
            if module.split(".")[1] in ADAPTERS or target is not None and RANK[target] > own_rank:
                bad.append(f"{path.name} imports {module}")
    return bad


@pytest.mark.parametrize("name", sorted(RANK))
def test_no_room_imports_a_room_above_it(name):
    assert violations(ROOT / name, RANK[name]) == []


def test_the_data_packages_import_no_room_above_spec():
    """derivations/ and reference/ feed spec and emit: neither reaches audit or report."""
    import nnspec.derivations
    import nnspec.reference

    for package in (nnspec.derivations, nnspec.reference):
        assert violations(Path(package.__file__).parent, RANK["spec"]) == []


def test_the_rule_catches_an_upward_import(tmp_path):
    """A spec module that imports the audit engine is reported (the check can fail)."""
    (tmp_path / "bad.py").write_text("def f():\n    from nnspec.audit.engine import audit\n")
    assert violations(tmp_path, RANK["spec"]) == ["bad.py imports nnspec.audit.engine",
                                                  "bad.py imports nnspec.audit.engine.audit"]


@pytest.mark.parametrize("public, home", [("nnspec.oracle", "nnspec.numerics.oracle"),
                                          ("nnspec.tolerance", "nnspec.numerics.tolerance"),
                                          ("nnspec.strategies", "nnspec.numerics.strategies")])
def test_public_names_stay_where_the_readme_shows_them(public, home):
    assert importlib.import_module(public) is importlib.import_module(home)


def test_the_readme_example_imports():
    from nnspec import oracle, tolerance
    from nnspec.strategies import logreg_problems

    assert callable(oracle.logreg_exact) and callable(tolerance.assert_close)
    assert callable(logreg_problems)


def test_every_room_is_packaged():
    """A plain `pip install .` ships every subpackage: each is listed in pyproject.toml."""
    tomllib = pytest.importorskip("tomllib")
    pyproject = ROOT.parent / "pyproject.toml"
    if not pyproject.exists():
        pytest.skip("not a source checkout")
    listed = set(tomllib.loads(pyproject.read_text())["tool"]["setuptools"]["packages"])
    rooms = {f"nnspec.{p.parent.name}" for p in ROOT.glob("*/__init__.py")}
    assert rooms <= listed


def test_every_readme_section_a_message_names_exists():
    """An error sent authors to "the README's 'Your own notes'", a section that never was."""
    import re

    headings = {line.lstrip("#").strip()
                for line in (ROOT.parent / "README.md").read_text().splitlines()
                if line.startswith("#")}
    named = {(path.name, name) for path in ROOT.rglob("*.py")
             for name in re.findall(r"README's '([^']+)'", path.read_text())}
    assert named and {(p, n) for p, n in named if n not in headings} == set()


def test_the_suite_run_from_another_folder_leaves_nothing_there(tmp_path) -> None:
    """pytest run from another folder left Hypothesis's `.hypothesis/` in it."""
    import os
    import subprocess
    import sys

    suite = Path(__file__).resolve().parent
    env = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_STORAGE_DIRECTORY"}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(suite / "test_strategies.py"), "-k", "shapes_follow"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stdout[-2000:]
    assert list(tmp_path.iterdir()) == []
