"""Answers from a sandbox: plain data decoded with a strict schema, never the target's objects."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nnspec.audit import answers


def _roundtrip(value):
    data = answers.encode(value)
    text_size, _ = answers.HEADER.unpack(data[:answers.HEADER.size])
    text = data[answers.HEADER.size:answers.HEADER.size + text_size]
    return answers.decode(text, data[answers.HEADER.size + text_size:])


def test_plain_data_comes_back_with_its_types_dtypes_and_shapes() -> None:
    value = {"dw": np.arange(6, dtype=np.float32).reshape(3, 2), "db": np.asarray(0.5),
             "ok": True, "n": 3, "t": (1.5, None, "s"), "c": 1 + 2j, "$a": [np.int64(1)],
             "o": {"__nnspec_opaque__": "torch.Tensor"}, "big": np.zeros((0, 4), bool)}
    got = _roundtrip({**value, "$a": [np.asarray(1)]})
    assert got["dw"].dtype == np.float32 and got["dw"].shape == (3, 2)
    assert np.array_equal(got["dw"], value["dw"]) and got["db"].shape == ()
    assert got["t"] == (1.5, None, "s") and got["c"] == 1 + 2j and got["n"] == 3
    assert got["o"] == {"__nnspec_opaque__": "torch.Tensor"} and got["big"].shape == (0, 4)
    assert got["$a"][0].shape == ()  # a key that looks like a tag is only a key


@pytest.mark.parametrize("tree, blob, words", [
    ({"$a": ["|O", [1], 0]}, b"x" * 8, "not a number type"),
    ({"$a": ["<f8", [10**6, 10**6], 0]}, b"", "outside the answer"),
    ({"$a": ["<f8", [2], 4]}, b"x" * 16, "outside the answer"),
    ({"$a": ["<f8", [-1], 0]}, b"", "shape"),
    ({"$x": 1}, b"", "unknown tag"),
    ({"a": 1, "b": 2}, b"", "not one tagged entry"),
    ({"$c": ["1", 2]}, b"", "unknown tag"),
    ({"$a": ["<f8", [0, 2 ** 70], 0]}, b"", "shape is refused"),  # no bytes: passes the size
], ids=["object-dtype", "huge-shape", "past-the-end", "negative", "tag", "untagged", "complex",
        "empty-but-huge"])
def test_forged_answers_are_malformed_not_tracebacks(tree, blob: bytes, words: str) -> None:
    with pytest.raises(answers.Malformed, match=words):
        answers.decode(json.dumps(tree).encode(), blob)


def test_arrays_that_share_bytes_are_malformed_so_an_answer_decodes_to_its_size() -> None:
    """400 entries naming one 1 MB array decoded to 400 copies (4 GB in the harness from an
    11 KB forged answer); arrays must follow each other in the blob, as the encoder writes."""
    one = {"$a": ["<f8", [4], 0]}
    with pytest.raises(answers.Malformed, match="do not follow"):
        answers.decode(json.dumps([one] * 400).encode(), bytes(32))
    with pytest.raises(answers.Malformed, match="do not follow"):  # the second before the first
        answers.decode(json.dumps([{"$a": ["<f8", [4], 32]}, one]).encode(), bytes(64))
    got = answers.decode(json.dumps([one, {"$a": ["<f8", [4], 32]}]).encode(), bytes(64))
    assert [a.shape for a in got] == [(4,), (4,)]


def test_deep_nesting_and_bad_bytes_are_malformed() -> None:
    for text in (b"[" * 100_000 + b"]" * 100_000, b"\xff\xfe", b"{1: 2}", b"1" * 5000):
        with pytest.raises(answers.Malformed):
            answers.decode(text, b"")
    deep: object = 1
    for _ in range(answers.MAX_DEPTH + 2):
        deep = [deep]
    with pytest.raises(answers.Malformed, match="deeper"):
        answers.decode(json.dumps(deep).encode(), b"")


def test_control_characters_of_target_text_are_escaped() -> None:
    got = _roundtrip({"msg": "ok\x1b[2J\rgone\u202e|x"})
    assert got["msg"] == "ok\\x1b[2J\\x0dgone\\u202e|x"
    assert answers.printable("a\tb\nc") == "a\tb\nc"  # layout characters stay


def test_a_targets_words_cannot_rewrite_the_reports() -> None:
    """A file name with `|` and backticks showed bob as conforming in the folder table; a key
    with a backtick closed the code span and let an image and bold text in; a newline in a
    message added a forged line to the terminal and the report."""
    import re

    from nnspec.audit.batch import batch_markdown
    from nnspec.audit.engine import AuditResult, Finding

    forged = "`k` ![p](http://a.example/p.png) **all tests passed**\nNo finding: every check"
    bob = AuditResult("bob` | conforms | 0 | 0 | 0 |  |.py", "logreg.propagate", "defect",
                      [Finding("exception", "defect", f"raises KeyError: {forged}",
                               {"inputs": {"w": [[1.0]]}, forged: "x"})])
    def cells(row: str) -> int:
        return len(re.split(r"(?<!\\)\|", row))

    for text in (batch_markdown("class", "logreg.propagate", [bob]), bob.to_markdown()):
        tables = re.findall(r"(?:^\|.*\n)+", text, re.MULTILINE)
        assert tables
        for rows in (t.splitlines() for t in tables):  # no cell added or lost
            assert {cells(row) for row in rows} == {cells(rows[0])}, rows
        assert not re.search(r"(?<!\\)\]\(", text) and not re.search(r"(?<!\\)\*\*all", text)
        assert not any(line.startswith("No finding") for line in text.splitlines())
    table = batch_markdown("class", "logreg.propagate", [bob]).splitlines()
    row = next(line for line in table if "bob" in line)
    assert re.split(r"(?<!\\)\|", row)[2].strip() == "defect"
    assert not any(line.lstrip().startswith("No finding") for line in bob.summary().splitlines())


def test_a_target_s_name_is_shown_on_one_line_and_never_like_another_s() -> None:
    """A file named `x.py: conforms\\n[9/9] bob.py` forged lines of a class's progress log,
    and two 600-character paths cut at 500 characters shared one grader file (one student's
    grade replaced the other's); a name with a control character showed like another's
    written out with a backslash."""
    assert answers.label("alice/hw.ipynb") == "alice/hw.ipynb"  # a plain name is itself
    forged = answers.label("x.py: conforms\n[9/9] bob.py")
    assert "\n" not in forged and forged.startswith("x.py: conforms\\n[9/9] bob.py#")
    long = "d" * 490 + "/"
    cut = {answers.label(long + "alice.py"), answers.label(long + "bob.py")}
    assert len(cut) == 2 and all(len(c) <= 509 for c in cut)
    assert answers.label("a\x01.py") != answers.label("a\\x01.py")


def test_a_bare_link_in_a_target_s_text_is_not_a_link_in_markdown() -> None:
    """GitHub's Markdown links a bare URL, `www.` or an e-mail address: an exception's message
    put a clickable link in the class's report."""
    shown = answers.md_text("see https://evil.example/x?a=1|b www.evil.com or a.b@evil.co")
    assert "`https://evil.example/x?a=1`" in shown and "\\|b" in shown
    assert "`www.evil.com`" in shown and "`a.b@evil.co`" in shown
    assert answers.md_text("plain [value] text") == "plain [value] text"
