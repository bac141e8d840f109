"""What crosses from a sandboxed target to the harness: plain data, in a format the harness
decodes with a strict schema, so that no object or type of the target's ever reaches it.

A message is `JSON length, blob length, JSON, blob` (two 8-byte big-endian lengths). The JSON
holds None, booleans, numbers, strings and lists; tagged objects stand for the rest:
`{"$d": {...}}` a dict with string keys, `{"$t": [...]}` a tuple, `{"$c": [re, im]}` a complex
number, `{"$o": "type"}` a value that is not plain data, and `{"$a": [dtype, shape, offset]}`
an array whose bytes are at `offset` in the blob (dtype a NumPy type string such as "<f8":
bool, int, uint, float or complex only), each array's bytes right after the previous one's in
the order the JSON lists them: no two arrays share bytes, so an answer decodes to no more
than its size (400 entries naming one 1 MB array decoded to 400 copies). Anything else is a `Malformed` answer: the
harness reports a finding, never a traceback. Every string is cut at MAX_TEXT characters and
its control characters are escaped, so a target's text cannot move the terminal's cursor or
break a Markdown table. The harness reads at most `limit` bytes of an answer: a longer one is
cut (not read) and reported.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import struct
from typing import Any

HEADER = struct.Struct("!QQ")
MAX_DEPTH = 12
MAX_TEXT = 2000
MAX_DIMS = 32
_DTYPE = re.compile(r"[<>|](b1|[iu][1248]|f[248]|c(8|16))")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                      r"\ud800-\udfff]")  # lone surrogates too: a file name's bytes not UTF-8


class Malformed(ValueError):
    """An answer that does not follow the schema."""


def printable(text: str, limit: int = MAX_TEXT) -> str:
    """`text` cut at `limit` characters, control characters (ANSI escapes, carriage returns,
    bidirectional overrides) and lone surrogates written as \\xNN / \\uNNNN; newlines and
    tabs kept."""
    text = text[:limit]
    return _CONTROL.sub(lambda m: (f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100
                                   else f"\\u{ord(m[0]):04x}"), text)


MAX_LABEL = 500  # characters of a target's name as shown


def label(name: str) -> str:
    """A target's name as results show it, on one line: `printable`, with newlines and tabs
    escaped too (a file named `x.py: conforms\\n[9/9] bob.py` forged lines of a class's
    progress log). A name that had to be cut or escaped gets 8 hex digits of its digest, so
    that two names never show alike (two 600-character paths cut to one name shared a
    grader file: one student's grade replaced another's)."""
    shown = printable(name, MAX_LABEL).replace("\n", "\\n").replace("\t", "\\t")
    if shown == name:
        return shown
    return f"{shown}#{hashlib.sha256(name.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"


# what could open a code span, emphasis, strikethrough, HTML or an autolink, end a table cell,
# or (`](`) make a link or an image; `_` only where it could open or close emphasis
_MARKDOWN = re.compile(r"([\\`*<>|~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|\](?=\())")


# what GitHub's Markdown makes a link of with no markup at all: a URL, www., an e-mail address
_AUTOLINK = re.compile(r"(?i)\b(?:https?://|ftp://|www\.)[^\s|`]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def md_text(text: str) -> str:
    """Text for Markdown that may hold a target's words (a key, an exception's message): what
    Markdown would act on is escaped (it renders as itself) and newlines are spaces, so no
    link, image, code span or emphasis opens, and no table row ends; `[value]` stays as is.
    What GitHub would link bare (`https://...`, `www.`, an e-mail address) is a code span."""
    pieces, last = [], 0
    for m in _AUTOLINK.finditer(text):
        pieces += [_MARKDOWN.sub(r"\\\1", text[last:m.start()]), md_code(m.group(0))]
        last = m.end()
    pieces.append(_MARKDOWN.sub(r"\\\1", text[last:]))
    return "".join(pieces).replace("\n", " ")


def md_code(text: str, *, in_table: bool = False) -> str:
    """`text` as one inline code span, whatever backticks it holds (a fence longer than any
    run of them); newlines as spaces; in a table, pipes escaped (GitHub reads them as `|`)."""
    text = text.replace("\n", " ")
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text[:1] == "`" or text[-1:] == "`" else ""
    span = f"{fence}{pad}{text}{pad}{fence}"
    return span.replace("|", "\\|") if in_table else span


# ---- worker side: plain data (see nnspec.audit.sandbox.to_plain) to bytes ----------------------

def encode(value: Any) -> bytes:
    blob = bytearray()
    text = json.dumps(_tree(value, blob), allow_nan=True, separators=(",", ":")).encode()
    return HEADER.pack(len(text), len(blob)) + text + bytes(blob)


def _tree(value: Any, blob: bytearray) -> Any:
    import numpy as np

    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if abs(value) < 1 << 63 else float(value)
    if isinstance(value, float):
        return value
    if isinstance(value, complex):
        return {"$c": [value.real, value.imag]}
    if isinstance(value, np.ndarray):
        array = np.asarray(value, order="C")  # not ascontiguousarray, which makes 0-d 1-d
        offset = len(blob)
        blob += array.tobytes()
        return {"$a": [array.dtype.str, list(array.shape), offset]}
    if isinstance(value, tuple):
        return {"$t": [_tree(v, blob) for v in value]}
    if isinstance(value, list):
        return [_tree(v, blob) for v in value]
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)) == "__nnspec_opaque__":
            return {"$o": str(value["__nnspec_opaque__"])}
        return {"$d": {str(k): _tree(v, blob) for k, v in value.items()}}
    return {"$o": type(value).__module__ + "." + type(value).__qualname__}


# ---- harness side: bytes to plain data, strictly ---------------------------------------------

def decode(text: bytes, blob: bytes) -> Any:
    """The plain value of an answer's JSON and blob; Malformed if it breaks the schema."""
    try:
        tree = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise Malformed(f"not plain data ({type(exc).__name__})") from None
    return _value(tree, _Blob(memoryview(blob)), 0)


class _Blob:
    """The blob and how far its arrays have been read."""

    def __init__(self, data: memoryview) -> None:
        self.data, self.read = data, 0


def _value(node: Any, blob: _Blob, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise Malformed(f"nested deeper than {MAX_DEPTH}")
    if node is None or isinstance(node, (bool, int)):
        return node
    if isinstance(node, float):
        return node
    if isinstance(node, str):
        return printable(node)
    if isinstance(node, list):
        return [_value(v, blob, depth + 1) for v in node]
    if not isinstance(node, dict):
        raise Malformed(f"a {type(node).__name__} is not plain data")
    if len(node) != 1:
        raise Malformed("an object that is not one tagged entry")
    (key, body), = node.items()
    if key == "$d" and isinstance(body, dict):
        return {printable(k, 200): _value(v, blob, depth + 1) for k, v in body.items()}
    if key == "$a":
            return _array(body, blob)
    if key == "$t" and isinstance(body, list):
        return tuple(_value(v, blob, depth + 1) for v in body)
    if key == "$c" and isinstance(body, list) and len(body) == 2 and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in body):
        return complex(body[0], body[1])
    if key == "$o" and isinstance(body, str):
        return {"__nnspec_opaque__": printable(body, 200)}
    raise Malformed(f"unknown tag {printable(key, 20)!r}")


def _array(body: Any, blob: _Blob) -> Any:
    import numpy as np

    if not (isinstance(body, list) and len(body) == 3 and isinstance(body[0], str)
            and isinstance(body[1], list) and isinstance(body[2], int)):
        raise Malformed("an array entry is not [dtype, shape, offset]")
    dtype, shape, offset = body
    if not _DTYPE.fullmatch(dtype):
        raise Malformed(f"dtype {printable(dtype, 20)!r} is not a number type")
    if len(shape) > MAX_DIMS or not all(isinstance(n, int) and not isinstance(n, bool)
                                        and 0 <= n for n in shape):
        raise Malformed("an array shape is not a list of sizes")
    kind = np.dtype(dtype)
    size = math.prod(shape) * kind.itemsize
    if not 0 <= offset <= len(blob.data) - size:
        raise Malformed("an array's bytes lie outside the answer")
    if offset != blob.read:
        raise Malformed("an array's bytes do not follow the previous array's")
    blob.read += size
    try:  # a size of 0 hides any shape from the check above: numpy has the last word
        array = np.frombuffer(blob.data[offset:offset + size], dtype=kind).reshape(tuple(shape))
    except (ValueError, OverflowError) as exc:
        raise Malformed(f"an array's shape is refused: {printable(str(exc), 100)}") from None
    return array.astype(kind.newbyteorder("="), copy=True)
