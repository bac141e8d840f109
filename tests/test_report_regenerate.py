"""The committed report is exactly what `nnspec report` writes: text and figures, byte for byte.

When this fails after a change to the notes' claims, the reference, the oracle or the report
itself, regenerate with `nnspec report` and commit reports/.
"""

import difflib
import importlib.util
import re
from pathlib import Path

import pytest

from nnspec import cli

pytest.importorskip("matplotlib")
pytest.importorskip("sklearn")

REPORTS = Path(__file__).resolve().parent.parent / "reports"
TORCH = importlib.util.find_spec("torch") is not None
PEERS = re.compile(r"^## Accuracy of the cost.*?(?=^## )", re.DOTALL | re.MULTILINE)
PEERS_SUMMARY = re.compile(r"^- One example's cost on .*\n", re.MULTILINE)


def _without_peers(text: str) -> str:
    """The report less what depends on PyTorch being installed (the peers' section and line)."""
    return PEERS_SUMMARY.sub("", PEERS.sub("", text))


def _versions_apart() -> str:
    """The installed packages whose versions differ from tests/constraints.txt, which the
    committed reports were written with (their numbers and figures depend on them)."""
    from importlib import metadata

    pinned = Path(__file__).with_name("constraints.txt").read_text(encoding="utf-8")
    apart = []
    for line in pinned.splitlines():
        name, _, version = line.partition("==")
        if not version or line.startswith("#"):
            continue
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
        if installed != version:
            apart.append(f"{name} {installed} (pinned {version})")
    if not apart:
        return ""
    return ("\nthis environment is not the pinned one (install with -c tests/constraints.txt): "
            + ", ".join(apart))


def _first_difference(committed: str, written: str) -> str:
    diff = difflib.unified_diff(committed.splitlines(), written.splitlines(),
                                "committed", "written", n=1, lineterm="")
    return "\n".join(list(diff)[:20])


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    assert cli.main(["report", "--out", str(out)]) == 0
    return out


def test_report_text_is_byte_identical_to_the_committed_one(written):
    committed = (REPORTS / "verification.md").read_text(encoding="utf-8")
    text = (written / "verification.md").read_text(encoding="utf-8")
    if not TORCH:  # the committed report was written with PyTorch installed
        assert "PyTorch binary_cross_entropy_with_logits is not installed here" in text
        committed, text = _without_peers(committed), _without_peers(text)
    if text != committed:
        pytest.fail("reports/verification.md is stale: run `nnspec report` and commit reports/"
                    + _versions_apart() + "\n" + _first_difference(committed, text), pytrace=False)


def test_figures_are_byte_identical_and_linked(written):
    committed = sorted(p.name for p in (REPORTS / "figures").glob("*.png"))
    assert sorted(p.name for p in (written / "figures").glob("*.png")) == committed
    for name in committed:
        if (written / "figures" / name).read_bytes() != (REPORTS / "figures" / name).read_bytes():
            pytest.fail(f"reports/figures/{name} is stale: run `nnspec report`"
                        + _versions_apart(), pytrace=False)
        assert f"](figures/{name})" in (written / "verification.md").read_text(encoding="utf-8")


def test_report_into_an_unwritable_place_is_a_one_line_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert cli.main(["report", "--out", str(blocker / "reports")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nnspec: error: cannot write reports to") and err.count("\n") == 1
    assert not (blocker.parent / "reports").exists()


def test_report_without_matplotlib_names_the_extra(tmp_path, capsys, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert cli.main(["report", "--out", str(tmp_path / "r")]) == 2
    assert "pip install 'nnspec[report]'" in capsys.readouterr().err
    assert not (tmp_path / "r" / "verification.md").exists()


def test_a_report_without_an_optional_peer_says_what_it_leaves_out(monkeypatch) -> None:
    """Without PyTorch the report dropped its rows without a word, and a user who committed it
    (as the test's message says to) lost them."""
    import importlib.util

    from nnspec.report import markdown

    found = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "torch" else found(name, *a))
    (line,) = markdown.missing_peers()
    assert line.startswith("nnspec: note: PyTorch is not installed: the report leaves out")
    assert "pip install torch==2.13.0" in line

