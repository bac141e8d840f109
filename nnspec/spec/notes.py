"""Read a notes file (plain text or Markdown with LaTeX): its math segments, its code listings,
its sections, each with the line it starts on.

Math: `$...$` and `\\(...\\)` (inline), `$$...$$`, `\\[...\\]` and an equation or align
environment outside them (displayed). Code: fenced blocks
(```) and, outside them, unfenced Python blocks as in the shipped notes: a block starts at an
unindented line that reads as Python (`def`, `for`, `while`, `class`, `import`, `from`, an
assignment) and runs to the next unindented line that does not (blank lines inside a
body included). Sections: Markdown headings
(`#`), or in plain text a short line standing alone between blank lines that starts with a
capital or a digit and ends without punctuation; a heading starting with a digit opens a top
section (as "1-layer neural network"), and once one has, the others are its subsections.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from nnspec.errors import UsageError
from nnspec.files import not_utf8, read_input

DISPLAY_ENVIRONMENTS = "equation|align|gather|multline"  # displayed math outside $$
MATH = re.compile(r"\$\$(?P<d1>.+?)\$\$|\\\[(?P<d2>.+?)\\\]|\\\((?P<i1>.+?)\\\)"
                  rf"|\\begin\{{(?P<env>({DISPLAY_ENVIRONMENTS})\*?)\}}(?P<d3>.+?)"
                  r"\\end\{(?P=env)\}"
                  r"|(?<!\\)\$(?P<i2>[^$]+?)(?<!\\)\$", re.DOTALL)
PYTHON_START = re.compile(r"^(def |for |while |class |import |from |if |with |return\b"
                          r"|[A-Za-z_][\w.]*(\[[^\]]*\])?(\s*,\s*[A-Za-z_]\w*)*\s*[-+*/]?=[^=])")
SHIPPED = "neural-network-notes.txt"
MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s+(\S.*?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*([\w+-]*)")  # its language: ```python, ~~~text
LISTING_LANGUAGES = ("", "python", "py", "python3", "ipython", "ipython3", "numpy")
GITHUB_INLINE = re.compile(r"\$`([^`\n]+)`\$")
GITHUB_DISPLAY = re.compile(r"^([ \t>]*(?:`{3,}|~{3,})[ \t]*math[ \t]*)$(.*?)"
                            r"^([ \t>]*(?:`{3,}|~{3,})[ \t]*)$",
                            re.MULTILINE | re.DOTALL | re.IGNORECASE)  # in a blockquote too
# an HTML comment, or an inline code span of one or two backticks on one line
HIDDEN_TEXT = re.compile(r"<!--.*?-->|(?<!`)(``?)(?!`)[^`\n]+?(?<!`)\1(?!`)", re.DOTALL)


@dataclass(frozen=True)
class Math:
    """One math segment: its LaTeX (delimiters removed), where it is, displayed or inline."""

    tex: str
    line: int
    section: str
    display: bool
    offset: int


@dataclass(frozen=True)
class CodeBlock:
    """One listing: its lines as (line number, text), in order."""

    lines: tuple[tuple[int, str], ...]
    section: str

    @property
    def source(self) -> str:
        import textwrap

        return textwrap.dedent("\n".join(text.rstrip() for _, text in self.lines)) + "\n"


@dataclass
class Notes:
    path: str
    text: str
    math: list[Math] = field(default_factory=list)
    code: list[CodeBlock] = field(default_factory=list)
    headings: list[tuple[int, str]] = field(default_factory=list)  # (line, section path)

    def line_of(self, offset: int) -> int:
        return self.text.count("\n", 0, offset) + 1

    def section_at(self, line: int) -> str:
        section = ""
        for start, name in self.headings:
            if start <= line:
                section = name
        return section

    def find(self, quote: str) -> int | None:
        """The line where `quote` starts in the notes, or None when the notes do not contain it."""
        at = self.text.find(quote)
        return None if at < 0 else self.line_of(at)


def shipped_text() -> str:
    return resources.files("nnspec.derivations").joinpath(SHIPPED).read_text(encoding="utf-8")


def load(path: str | Path | None = None) -> Notes:
    """The notes at `path` (default: the shipped notes); UsageError if it cannot be read."""
    if path is None:
        return parse(shipped_text(), f"derivations/{SHIPPED}")
    return parse(read(path), str(path))


NOTES_SUFFIXES = ("", ".md", ".markdown", ".txt", ".text", ".tex", ".rst")


def read(path: str | Path) -> str:
    """The text of a notes file; UsageError (one line) if it cannot be read, or is not notes
    by its name: `nnspec verify pyproject.toml` found 32 "claims" in its `key = value` lines
    and exited 0, a wrong file passing CI."""
    suffix = Path(path).suffix.lower()
    if suffix not in NOTES_SUFFIXES:
        raise UsageError(f"{path} is not notes: nnspec reads notes as Markdown or plain text "
                         f"({', '.join(s for s in NOTES_SUFFIXES if s)}, or no suffix), "
                         f"not {suffix}")
    try:  # a regular file of bounded size: a link to /dev/zero filled the memory, a FIFO hung
        text = read_input(path).decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except FileNotFoundError:
        raise UsageError(f"cannot read {path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"cannot read {path}: {not_utf8(exc)}") from None
    except OSError as exc:
        if Path(path).is_dir():
            raise UsageError(f"cannot read {path}: it is a directory") from None
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    if not text.replace("\0", "").strip():  # a truncated file, or the wrong one: not "0 claims"
        what = "is empty" if not text else "has no text (only NUL bytes or spaces)"
        raise UsageError(f"{path} {what}: no notes to verify")
    return text


SENTENCE_START = re.compile(r"^(We|I|You|It|This|These|That|Those|There|Then|Now|Here|So|Thus|"
                            r"Hence|Let|Since|Because|If|When|Note that|As)\b")


def _is_heading(lines: list[str], i: int) -> bool:
    """A plain-text heading: a short line alone between blank lines, capitalised or numbered,
    without final punctuation, math or code, of at most six words, and not a sentence ("We
    use the chain rule below" is one)."""
    line = lines[i]
    text = line.strip()
    before = i == 0 or not lines[i - 1].strip()
    after = i + 1 >= len(lines) or not lines[i + 1].strip()
    return (before and after and 0 < len(text) < 60 and line == line.lstrip()
            and (text[0].isupper() or text[0].isdigit()) and text[-1] not in ".:;,!?)"
            and len(text.split()) <= 6 and not SENTENCE_START.match(text)
            and not re.search(r"[$\\=(]", text) and not PYTHON_START.match(text))


def parse(text: str, path: str = "<notes>") -> Notes:
    notes = Notes(path, text)
    lines = text.split("\n")
    code_lines = _code_blocks(notes, lines)
    _headings(notes, lines, code_lines)
    notes.code = [CodeBlock(b.lines, notes.section_at(b.lines[0][0])) for b in notes.code
                  if b.lines]
    masked = _mask_code(text, lines, code_lines)
    for m in MATH.finditer(masked):
        kind = next(k for k in ("d1", "d2", "d3", "i1", "i2") if m.group(k) is not None)
        line = notes.line_of(m.start())
        notes.math.append(Math(m.group(kind), line, notes.section_at(line), kind[0] == "d",
                               m.start(kind)))
    return notes


def _headings(notes: Notes, lines: list[str], code_lines: set[int]) -> None:
    top, markdown = "", any(MARKDOWN_HEADING.match(line) for k, line in enumerate(lines)
                            if k + 1 not in code_lines)  # a `#` comment in a listing is code
    stack: list[str] = []
    for i, line in enumerate(lines):
        if i + 1 in code_lines:
            continue
        if markdown:
            m = MARKDOWN_HEADING.match(line)
            if not m:
                continue
            stack = stack[:len(m.group(1)) - 1] + [m.group(2)]
        elif _is_heading(lines, i):
            name = line.strip()
            if name[0].isdigit() or not top:
                top = name if name[0].isdigit() else ""
                stack = [name]
            else:
                stack = [stack[0], name] if top else [name]
        else:
            continue
        notes.headings.append((i + 1, " / ".join(stack)))


def _code_blocks(notes: Notes, lines: list[str]) -> set[int]:
    """Find the listings; return the line numbers they cover (fences included)."""
    covered: set[int] = set()
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = FENCE.match(line)
        if fence:
            mark = fence.group(1)
            closing = re.compile(rf"^\s*{re.escape(mark[0])}{{{len(mark)},}}\s*$")
            end = next((j for j in range(i + 1, len(lines)) if closing.match(lines[j])),
                       len(lines))
            if fence.group(2).lower() == "math":  # GitHub's displayed math: `_mask_code`
                i = end + 1
                continue
            if fence.group(2).lower() in LISTING_LANGUAGES:  # ```text, ```bash: not a listing
                notes.code.append(CodeBlock(tuple((j + 1, lines[j]) for j in range(i + 1, end)),
                                            ""))
            covered.update(range(i + 1, end + 2))
            i = end + 1
            continue
        shown = _display_end(lines, i)
        if shown:  # `$$` on a line of its own, then `db = y - a`: math, not a listing
            i = shown
            continue
        indented = _indented_block(lines, i)
        if indented:
            notes.code.append(CodeBlock(tuple((k + 1, lines[k]) for k in range(i, indented)), ""))
            covered.update(range(i + 1, indented + 1))
            i = indented
            continue
        if PYTHON_START.match(line) and _reads_as_code(line):
            j = i + 1
            while j < len(lines) and (lines[j][:1].isspace() or _inside(lines, j) or (
                    lines[j].strip() and lines[j - 1].strip() and PYTHON_START.match(lines[j]))):
                j += 1
            while j > i and not lines[j - 1].strip():
                j -= 1
            notes.code.append(CodeBlock(tuple((k + 1, lines[k]) for k in range(i, j)), ""))
            covered.update(range(i + 1, j + 1))
            i = j
            continue
        i += 1
    return covered


_DISPLAY_OPEN = re.compile(rf"^\s*(\$\$|\\\[|\\begin\{{((?:{DISPLAY_ENVIRONMENTS})\*?)\}})")


def _display_end(lines: list[str], i: int) -> int:
    """The line after the end of displayed math that opens at line i and closes on a later
    line; 0 if none does."""
    m = _DISPLAY_OPEN.match(lines[i])
    if not m:
        return 0
    close = ("$$" if m.group(1) == "$$" else "\\]" if m.group(2) is None
             else f"\\end{{{m.group(2)}}}")
    if close in lines[i][m.end():]:
        return 0
    return next((j + 1 for j in range(i + 1, len(lines)) if close in lines[j]), 0)


def _indented_block(lines: list[str], i: int) -> int:
    """The end of a block indented by four spaces or a tab that starts at line i after a blank
    line (Markdown's indented code block) and is Python: it parses, and its first line starts
    like Python. 0 if there is none: indented ASCII math (`z = w^T x + b`) or prose stays
    prose."""
    import ast
    import textwrap

    if not lines[i].startswith(("    ", "\t")) or (i and lines[i - 1].strip()):
        return 0
    j = i
    while j < len(lines) and (lines[j].startswith(("    ", "\t")) or not lines[j].strip()):
        j += 1
    while j > i and not lines[j - 1].strip():
        j -= 1
    block = textwrap.dedent("\n".join(lines[i:j]))
    if "$" in block or not PYTHON_START.match(block.lstrip()):
        return 0
    try:
        ast.parse(block)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return 0
    return j


def _reads_as_code(line: str) -> bool:
    """Whether a line that starts like Python (`for `, `if `, `Cost = `) is code, not a line
    of hard-wrapped prose ("for the weights $dw = (a-y)x$ and ..."): no math in it, and it
    parses (a header with a body added; a bracket left open is a statement that goes on)."""
    import ast

    text = line.strip()
    if "$" in text:
        return False
    source = text + ("\n    pass" if text.endswith(":") else "")
    try:
        ast.parse(source)
    except SyntaxError as exc:
        return "never closed" in str(exc.msg) or "unexpected EOF" in str(exc.msg)
    return True


def _inside(lines: list[str], j: int) -> bool:
    """An empty line inside a block: the next line that is not blank is indented (a blank line
    between two statements of a function's body, as PEP 8 writes them)."""
    if lines[j].strip():
        return False
    after = next((line for line in lines[j + 1:] if line.strip()), "")
    return after[:1].isspace()


def _mask_code(text: str, lines: list[str], code_lines: set[int]) -> str:
    """The text with the listings, Markdown's inline code spans and HTML comments blanked (same
    length, lines kept), so `$` in code or in a comment is not math (`` `$dw = 0$` `` and
    `<!-- $$dw = 0$$ -->` were false formulas). GitHub's math, a ```math fence and inline
    $`...`$, becomes $$...$$ and $...$ of the same length (a wrong formula in either was no
    claim at all)."""
    masked = "\n".join((" " * len(line) if k + 1 in code_lines else line)
                       for k, line in enumerate(lines))
    masked = GITHUB_INLINE.sub(lambda m: f" ${m.group(1)}$ ", masked)
    masked = GITHUB_DISPLAY.sub(lambda m: _same_length(m.group(1), "$$") + re.sub(
        r"(?m)^([ \t]*)>", r"\1 ", m.group(2)) + _same_length(m.group(3), "$$"), masked)
    return HIDDEN_TEXT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), masked)


def _same_length(text: str, by: str) -> str:
    return by + " " * (len(text) - len(by))

