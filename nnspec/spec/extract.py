"""Claims by extraction: every `=` link of every formula of the notes, with its line.

A math segment is cut into formulas at labels in words (`\\text{where:}`, `\\text{Reminder: }`),
then at arrows (`\\to`, `\\leftarrow`), then at each top-level `=`: a chain A = B = C gives the
claims A = B and B = C. An element in words (`\\text{same as above}`, `\\text{(similar logic as
1-layer)}`) is not a formula: the link into it is reported unchecked with the words as the reason,
and the link out of it compares the last formula before it with the one after it. In an arrow
chain, a step that is a call of a function the notes define (`\\mathcal{L}(a,y)`) is checked
against that quantity. Other relations (`\\in`, `\\ge`, `\\neq`) are cut off: in displayed math they
are reported unchecked; in inline math they belong to the sentence (prose claims).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from itertools import pairwise

from nnspec.spec import dimensions, notation
from nnspec.spec.claims import Claim
from nnspec.spec.dimensions import Shape
from nnspec.spec.formulas import Link, Unread
from nnspec.spec.meaning import CROSS_ENTROPY, PARAMETERS, Loss, WithOwnLoss, own_loss
from nnspec.spec.notes import Math, Notes

LABEL = re.compile(r"\\text\{[^{}]*:\s*\}")
ARROWS = ("\\to", "\\leftarrow", "\\rightarrow", "\\Rightarrow", "\\Leftarrow",
          "\\longrightarrow", "\\longleftarrow")
OTHER_RELATIONS = ("\\in", "\\ge", "\\geq", "\\le", "\\leq", "\\neq", "\\ne", "\\approx",
                   "\\simeq", "\\sim", "\\propto", "\\cong", "\\gg", "\\ll", "\\leqslant",
                   "\\geqslant", "\u2a7d", "\u2a7e", "<", ">",
                   "\u2248", "\u2264", "\u2265", "\u2260", "\u221d")  # ≈ ≤ ≥ ≠ ∝ as typed


def _word(heading: str, n: int = 1) -> str:
    """The first `n` words of a heading that are not an article nor a number ("A 2-layer
    network": 2-layer; "3. Code": code), lower-case, accents dropped ("Réseaux": reseaux),
    letters of any script kept."""
    import unicodedata

    plain = "".join(c for c in unicodedata.normalize("NFKD", heading)
                    if not unicodedata.combining(c)).lower()
    words = [re.sub(r"[^\w-]", "", w) for w in plain.split()]
    kept = [w for w in words if w and w not in ("a", "an", "the")
            and not re.fullmatch(r"[\d_]+", w)]
    return "-".join(kept[:n])


def slug(section: str, words: dict | None = None) -> str:
    """A short id prefix from the section path: a word for each heading (`_word`), or those
    `section_slugs` chose where headings under one parent start alike."""
    parts = section.split(" / ")
    chosen = [(words or {}).get((tuple(parts[:i]), part)) or _word(part)
              for i, part in enumerate(parts)]
    return ".".join(w for w in chosen if w) or "notes"


def section_slugs(notes: Notes):
    """`slug` for these notes: headings under one parent whose first words are alike
    ("Example 1", "Example 2") get as many words as tell them apart (they shared `example`, so
    a formula inserted in one renamed the other's ids), then a number."""
    siblings: dict[tuple, list[str]] = defaultdict(list)
    for _, section in notes.headings:
        parts = section.split(" / ")
        for i, part in enumerate(parts):
            if part not in siblings[tuple(parts[:i])]:
                siblings[tuple(parts[:i])].append(part)
    words: dict[tuple, str] = {}
    for parent, parts in siblings.items():
        alike: dict[str, list[str]] = defaultdict(list)
        for part in parts:
            alike[_word(part)].append(part)
        for group in (g for g in alike.values() if len(g) > 1):
            n = 2
            while len({_word(p, n) for p in group}) < len(group) and n < 12:
                n += 1
            named = {p: _word(p, n) for p in group}
            for k, part in enumerate(group):
                clash = list(named.values()).count(named[part]) > 1
                words[(parent, part)] = f"{named[part]}-{k + 1}" if clash else named[part]
    return lambda section: slug(section, words)


def top_level_split(tex: str, seps: tuple[str, ...]) -> list[tuple[int, int, str]]:
    """Spans (start, end, separator before it) of `tex` cut at separators outside brackets."""
    spans, depth, start, i, before = [], 0, 0, 0, ""
    while i < len(tex):
        ch = tex[i]
        if ch == "\\" and tex[i:i + 5] in ("\\left", "\\righ"):
            pass
        if ch in "{([":
            depth += 1
        elif ch in "})]":
            depth -= 1
        elif depth == 0:
            sep = next((s for s in seps if tex.startswith(s, i) and not (
                s[0] == "\\" and tex[i + len(s):i + len(s) + 1].isalpha())), None)
            if sep is not None:
                spans.append((start, i, before))
                before, i = sep, i + len(sep)
                start = i
                continue
        if ch == "\\":
            m = re.match(r"\\[A-Za-z]+|\\.", tex[i:])
            i += len(m.group(0)) if m else 1
            continue
        i += 1
    spans.append((start, len(tex), before))
    return spans


_LEADING = re.compile(r"(\s|&|\\\\|\\begin\{[A-Za-z*]+\})*")
_TRAILING = re.compile(r"(\s|~|&|\\\\\s*\\text\{[^{}]*\}\s*\\q?quad|\\\\(\[[^\]]*\])?"
                       r"|\\end\{[A-Za-z*]+\}|[,.;:]|\\[,;!]"
                       r"|\\(tag|label)\*?\{[^{}]*\}|\\(nonumber|notag)"
                       r"|\\q?quad\s*(\\text\{[^{}]*\}|\(\d+[a-z]?\)))*$")


def _trim(tex: str, start: int, end: int) -> tuple[int, int]:
    """The element without what surrounds it: spaces, an aligned environment's `&`, `\\\\`
    and its begin/end, the sentence's punctuation, a remark (`\\quad\\text{for every i}`),
    and the colon of `:=`."""
    start += _LEADING.match(tex, start, end).end() - start
    end = _TRAILING.search(tex, start, end).start()
    return start, max(start, end)


def _words(tex: str) -> str | None:
    m = re.search(r"\\text\{([^{}]*)\}", tex)
    return m.group(1).strip() if m else None


def _is_definition(tex: str) -> bool:
    try:
        tree = notation.parse(tex)
    except notation.Unreadable:
        return False
    return tree[0] in ("name", "call")


# an activation the definitions do not have, as notes write one (ReLU, max(0, z), leaky ReLU)
_UNMODELLED = re.compile(r"(?i)relu|\\max\b|\bmax\s*\(|np\.maximum|softplus|\bgelu|\bswish")
_HIDDEN_LINE = re.compile(r"^\s*A1\s*=\s*(.+)$")


def hidden_of(notes: Notes) -> str:
    """The hidden activation the notes define: "tanh" where a formula says a^{[1]} (A^{[1]},
    g^{[1]}(z)) is tanh of something, "sigmoid" where it says sigma (the shipped notes' a^{[1]}
    = \\sigma(z^{[1]})); the first such definition decides, one on a line of its own before one
    in a sentence ("some use $A^{[1]} = \\tanh(Z^{[1]})$; we do not"). One the definitions do
    not have (`A^{[1]} = \\max(0, Z^{[1]})`, a listing's `A1 = np.maximum(0, Z1)`) is given as
    written, with its line: claims that depend on it are then unchecked
    (meaning.either_hidden), never read with a sigmoid. No definition: the sigmoid."""
    found = sorted(_hidden_definitions(notes), key=lambda d: d[0])  # stable: text order
    if found:
        return found[0][2]
    return next((hidden for _, _, hidden in _listing_definitions(notes)
                 if hidden not in ("tanh", "sigmoid")), "sigmoid")


def hidden_scopes(notes: Notes) -> list[tuple[int, str, str, bool]]:
    """(line, section, hidden activation, in a sentence) of each definition, in
    order (a listing's `A1 = np.tanh(Z1)` is one on a line of its own)."""
    found = [(line, notes.section_at(line), hidden, in_sentence)
             for in_sentence, line, hidden in _hidden_definitions(notes)]
    return sorted(found + [(line, section, hidden, False) for line, section, hidden
                           in _listing_definitions(notes) if hidden in ("tanh", "sigmoid")])


def _listing_definitions(notes: Notes):
    """(line, section, hidden activation) of each listing line `A1 = ...` that says it: tanh,
    sigmoid, or one the definitions do not have (`np.maximum(0, Z1)`), given as written."""
    for block in notes.code:
        for number, text in block.lines:
            m = _HIDDEN_LINE.match(text)
            value = m.group(1) if m else ""
            if re.match(r"\s*np\.tanh\(\s*Z1\s*\)", value):
                yield number, block.section, "tanh"
            elif re.match(r"\s*sigmoid\(\s*Z1\s*\)", value):
                yield number, block.section, "sigmoid"
            elif m and _UNMODELLED.search(value):
                yield number, block.section, f"A1 = {value.strip()} (line {number})"


def hidden_at(scopes: list[tuple[int, str, str, bool]], line: int, section: str,
              default: str) -> str:
    """The hidden activation of `section`: a section is read with its own first definition
    on a line of its own, else its own first in a sentence ("now the hidden layer is a
    sigmoid, $A^{[1]} = \\sigma(Z^{[1]})$"), else the last one on a line of its own before it
    (notes that compare a sigmoid and a tanh hidden layer section by section), else `default`
    where the notes define none on a line of its own, else the sigmoid (a later section's tanh
    is its own); a second definition within a section is a claim about the first."""
    for sentence in (False, True):
        own = [hidden for _, where, hidden, s in scopes if where == section and s is sentence]
        if own:
            return own[0]
    shown = [hidden for at, _, hidden, s in scopes if not s]
    before = [hidden for at, _, hidden, s in scopes if at <= line and not s]
    return before[-1] if before else "sigmoid" if shown else default


def _hidden_definitions(notes: Notes):
    """(in a sentence, line, hidden activation) of each formula that defines a^{[1]}."""
    lines = notes.text.split("\n")
    for seg in notes.math:
        parts = [seg.tex[s:e] for s, e, _ in top_level_split(seg.tex, ("=",))]
        trees = [_tree(part) for part in parts]
        for (left, right), (left_tex, right_tex) in zip(pairwise(trees), pairwise(parts)):
            hidden_name = left is not None and left[0] == "name" and \
                left[1].key in ("a1", "A1") and not left[1].index and not left[1].transposed
            if not (hidden_name or (left is not None and left[0] == "call"
                                    and left[1] in ("g1", "g"))):
                continue
            if right is not None and right[0] == "call" and right[1] in ("tanh", "sigma"):
                yield (_in_a_sentence(seg, lines), seg.line,
                       "tanh" if right[1] == "tanh" else "sigmoid")
                break
            if _UNMODELLED.search(right_tex):
                yield (_in_a_sentence(seg, lines), seg.line,
                       f"{left_tex.strip()} = {right_tex.strip()} (line {seg.line})")
                break


PREDICTIONS = ("yhat", "Yhat", "a", "A", "a2", "A2")


_DEFINES = re.compile(r"\\triangleq|\\coloneqq|\\equiv|\\doteq"
                      r"|\\(?:stackrel|overset)\{[^{}]*\}\{=\}")
_LOGARITHM = re.compile(r"\\log|\\ln\b")
# a right side in terms of L or J names it (the shipped `L = \mathcal{L}(a, y)`), not defines it
_READS_THE_LOSS = re.compile(r"\\mathcal\{L\}|(?<![A-Za-z\\])[LJ](?![A-Za-z])")


def losses(notes: Notes) -> list[tuple[int, Loss]]:
    """(line, loss) of each definition of L the notes give, in order: a formula whose first
    side is L(u, v) of the label and the prediction (either order, an example's ^{(i)} too),
    L alone or the cost J written out (not in terms of L; only before any other), and its
    second side (=, :=, \\triangleq, without its remark or punctuation). The order of the
    arguments is the notes' (the shipped L(y, \\widehat{y}); the course's L(\\hat{y}, y) made
    notes that define it so false throughout, their definition too). A loss written with a
    logarithm that the notation table reads is the cross-entropy, and held to it (a sign or a
    log left out is an erratum); one without (a squared error) is the notes' own, and what
    follows is checked with it; one the notation table cannot read (with a logarithm or not)
    leaves what reads L unchecked, never the cross-entropy."""
    found, lines = [], notes.text.split("\n")
    for seg in notes.math:
        tex = _DEFINES.sub("=", seg.tex)
        for _, _, check, _ in _links(tex, seg.display):
            if not isinstance(check, Link):
                continue
            tree = _tree(check.left)
            order = _loss_order(tree)
            if found and tree is not None and "J" in (tree[1], getattr(tree[1], "key", "")):
                continue  # J after a loss: a formula checked with it
            if order is None or _READS_THE_LOSS.search(check.right) or \
                    not _of_label_and_prediction(check.right):
                continue  # `L = 3` layers, `J = 0.14`: a value, not a loss
            if order == "either":  # J or L alone: the order of the notes' earlier L(u, v)
                order = found[-1][1].label_first if found else True
            own = "" if _LOGARITHM.search(check.right) and _readable(check.right) \
                else check.right
            found.append((seg.line, Loss(order, own), _in_a_sentence(seg, lines)))
            break
    # one inside a sentence only where none is on a line of its own: "we do not use the squared
    # error $L = ...$ here" made the squared error the loss of every formula below it
    shown = [(line, loss) for line, loss, in_sentence in found if not in_sentence]
    return shown or [(line, loss) for line, loss, _ in found]


def named_losses(notes: Notes, defined: Sequence[tuple[int, Loss]]) -> set[int]:
    """Lines of the losses named in a sentence that `losses` (`defined`) leaves out (one on a
    line of its own defines the notes' own): "we do not use the squared error $L = ...$" is no
    erratum."""
    kept, lines = {line for line, _ in defined}, notes.text.split("\n")
    return {seg.line for seg in notes.math if seg.line not in kept and not seg.display
            and _in_a_sentence(seg, lines)
            and any(isinstance(c, Link) and _loss_order(_tree(c.left)) not in (None, "either")
                    and not _READS_THE_LOSS.search(c.right) and _of_label_and_prediction(c.right)
                    for _, _, c, _ in _links(_DEFINES.sub("=", seg.tex), False))}


def _readable(tex: str) -> bool:
    """Whether the notation table reads a loss: one it cannot read is the notes' own even
    with a logarithm in it (log cosh was held to the cross-entropy, and dz = a - y held)."""
    try:
        own_loss(tex)
    except notation.Unreadable:
        return False
    return True


def _of_label_and_prediction(tex: str) -> bool:
    """Whether a loss's right side reads the label and the prediction: as evaluated, or, where
    the table cannot read it, as written (`\\|a - y\\|^2`)."""
    try:
        value, symbols = own_loss(tex)
        return all(symbol in value.free_symbols for symbol in symbols)
    except notation.Unreadable as exc:
        if "reads more than" in str(exc):
            return True  # a loss, of more than these two (a penalty on w): unchecked
        names = set(re.findall(r"(?<![A-Za-z\\])[A-Za-z](?![A-Za-z])", notation.normalise(tex)))
        return "y" in names and bool(names & {"a", "A", "Y"}) or "Y@" in notation.normalise(tex)


def _loss_order(tree) -> bool | str | None:
    """Whether the tree `L(label, prediction)` (True), `L(prediction, label)` (False), or `L`
    or the cost `J` alone ("either": the order stays the notes' earlier one; J's loss of one
    example is its value at m = 1) names the loss; None if it does not."""
    if tree is not None and (tree[0] == "call" and tree[1] == "J" or tree[0] == "name" and (
            tree[1].key == "L" or tree[1].key == "J" and not tree[1].index)):
        return "either"  # L^{(i)}: the loss of example i
    if tree is None or tree[0] != "call" or tree[1] != "L" or len(tree[2]) != 2:
        return None
    names = [arg[1].key if arg[0] == "name" else "" for arg in tree[2]]
    if names[0] in PREDICTIONS and names[1] in ("y", "Y"):
        return False
    if names[0] in ("y", "Y") and names[1] in PREDICTIONS:
        return True
    return None


def loss_at(defined: Sequence[tuple[int, Loss]], line: int, notes: Notes | None = None) -> Loss:
    """The loss in effect at `line`: the first definition of its (top-level) section (notes
    that use L before they define it), else the last one before it (notes that compare two
    losses section by section), else the cross-entropy, label first (a squared error defined
    in a later section made an earlier section's dL/dz = a - y false)."""
    return _definition_at(defined, line, notes)[1]


def _top(section: str) -> str:
    """The top-level section of a section path: a section's subsections are one network."""
    return section.split(" / ")[0]


def _definition_at(defined: Sequence[tuple[int, Loss]], line: int,
                   notes: Notes | None = None) -> tuple[int, Loss]:
    section = _top(notes.section_at(line)) if notes is not None else None
    own = [item for item in defined
           if notes is not None and _top(notes.section_at(item[0])) == section]
    if own:
        return own[0]
    before = [item for item in defined if item[0] <= line]
    return before[-1] if before else (0, CROSS_ENTROPY)


def subject(tex: str) -> str:
    """A formula's id within its section: what its first side names (`dw`, `dW2`, `a1`,
    `dL-dz`, `L`, `sigma`), else `f`. An id that follows the formula, not its place: a formula
    inserted before it, or inline math in the prose, renumbers nothing."""
    tree = _tree(tex)
    if tree is None:
        return "f"
    text = f"d{_named(tree[1])}-d{tree[2].key}" if tree[0] == "deriv" else _named(tree)
    return re.sub(r"[^0-9A-Za-z-]", "", text) or "f"


def _named(tree) -> str:
    """A quantity's name (`dW2`, `a1T`, `z-i`) or a function's (`L`, `g1-prime`), else ""."""
    if tree[0] in ("name", "grad"):
        name = tree[1]
        return (("d" if tree[0] == "grad" else "") + name.key
                + ("T" if name.transposed else "") + (f"-{name.index}" if name.index else ""))
    if tree[0] == "call":
        return tree[1].replace("'", "-prime")
    return ""


_DEEP_LAYER = re.compile(r"\^\{?\s*\[\s*(?:[3-9]|\d\d+|[lL](?:\s*[+-]\s*1)?)\s*\]")


_DEEP_CODE = re.compile(r"\b[WbZA]([3-9]|\d\d+)\b")


def deeper_sections(notes: Notes) -> dict[str, str]:
    """{top-level section: where} for each section (its subsections together: a Forward and
    a Backward subsection are one network) whose math names a layer beyond 2 (Z^{[3]}, or the
    generic layer ^{[l]} / ^{[L]} of a deep network) or whose listings do (Z3 = ...): there the
    output is not layer 2, and dZ^{[2]} = A^{[2]} - Y, true of nnspec's 2-layer network, was
    "holds" in a 3-layer one."""
    found: dict[str, str] = {}
    for seg in notes.math:
        m = _DEEP_LAYER.search(seg.tex)
        top = _top(seg.section)
        if m and top not in found:
            tex = " ".join(seg.tex.split())
            shown = tex if len(tex) <= 48 else f"the layer {m.group(0).lstrip('^{').strip()}"
            found[top] = f"{shown} on line {seg.line}"
    for block in notes.code:
        top = _top(block.section)
        for number, text in block.lines:
            m = _DEEP_CODE.search(text)
            if m and top not in found and not text.lstrip().startswith("#"):
                found[top] = f"{m.group(0)} in the listing on line {number}"
    return found


def formula_claims(notes: Notes, hidden: str = "sigmoid", prefix=slug,
                   defined: tuple[tuple[int, Loss], ...] = ()) -> list[tuple[int, int, Claim]]:
    """(line, offset, claim) for every `=` link of every math segment; `hidden`: the hidden
    activation the notes define (`hidden_of`), `defined` their losses (`losses`). Ids: the
    section, the formula's `subject` (a second formula of one subject in a section gets `-2`,
    ...), and `.k` for the k-th link of a chain. Formulas on lines of their own are numbered
    before inline math within a sentence, so that such math inserted in the prose renumbers
    no display."""
    formulas = []  # (numbered after the displays, key, [(line, offset, text, check, kind)])
    previous = None
    deeper = deeper_sections(notes)
    scopes = hidden_scopes(notes)
    in_sentences = named_losses(notes, defined) if defined else set()
    lines = notes.text.split("\n")
    for seg in notes.math:
        seg, named = _continued(seg, previous)
        previous = (seg, named)  # as read: a chain split over three displays goes on
        loss = loss_at(defined, seg.line, notes)
        read = _as_assignments(seg.tex)  # the same offsets
        order = 0
        for span in _statements(read):
            scope = {"hidden": hidden_at(scopes, seg.line, seg.section, hidden), "loss": loss,
                     "deeper": deeper.get(_top(seg.section), "")}
            links = [(s, e, _bind(check, scope, seg.line in in_sentences, defined, seg, notes), d)
                     for s, e, check, d in _links(seg.tex, seg.display, [span])]
            if not links:
                continue
            line = seg.line + seg.tex.count("\n", 0, links[0][0])  # an aligned row's own
            first = top_level_split(read[links[0][0]:links[0][1]], ("=",))[0]
            own = named or (links[0][2].subject if isinstance(links[0][2], Shape) else "")
            key = f"{prefix(seg.section)}.{own or subject(read[links[0][0]:links[0][0] + first[1]])}"
            group = []
            for start, end, check, definition in links:
                order += 1
                kind = "shape/dimension" if isinstance(check, Shape) else \
                    "definition" if definition else "derivation step"
                group.append((line, (seg.offset, order), seg.tex[start:end], check, kind))
            formulas.append((_in_a_sentence(seg, lines), key, seg.section, group))
    counters: dict[str, int] = defaultdict(int)
    bases = {}
    for i in sorted(range(len(formulas)), key=lambda i: formulas[i][0]):  # stable: text order
        key = formulas[i][1]
        counters[key] += 1
        bases[i] = key if counters[key] == 1 else f"{key}-{counters[key]}"
    out = []
    for i, (_, _, section, group) in enumerate(formulas):
        for j, (line, offset, text, check, kind) in enumerate(group, 1):
            ident = bases[i] if len(group) == 1 else f"{bases[i]}.{j}"
            out.append((line, offset, Claim(ident, section, text, kind, check, line=line)))
    return out


def _bind(check, scope: dict, named_loss: bool, defined, seg: Math, notes: Notes):
    """A link read in its scope (the hidden activation, the loss, a deeper network);
    a loss named in a sentence where the notes define their own elsewhere is not checked."""
    if not isinstance(check, Link):
        return check
    if named_loss and _loss_order(_tree(check.left)) is not None:
        return Unread(f"a loss named in a sentence; the notes' own is defined on line "
                      f"{_definition_at(defined, seg.line, notes)[0]}: nothing to check it "
                      "against")
    return replace(check, **scope)


def _in_a_sentence(seg: Math, lines: list[str]) -> bool:
    """Inline math with words around it on its line (not `$y = w^T x + b$` alone)."""
    line = lines[seg.line - 1].strip() if 0 < seg.line <= len(lines) else ""
    return not seg.display and line.strip("$") != seg.tex.strip()


def _continued(seg: Math, previous: tuple[Math, str] | None) -> tuple[Math, str]:
    """A display that starts with `=` continues the display before it in its section (a
    chain split over `$$...$$` lines, `$$= y - a$$`): its link starts from that display's last
    side, and its id is that display's subject's; so does any display after one that ends
    with `=` (`$$db =$$` then `$$y - a$$`). Such steps had no left side, and were dropped
    without a word. `previous`: the display before, as read, and its subject. Other
    segments: as they are, and no subject."""
    tex = seg.tex.lstrip()
    if previous is None or not (seg.display and previous[0].display
                                and previous[0].section == seg.section):
        return seg, ""
    before, named = previous
    read = _as_assignments(before.tex)
    sides = top_level_split(read, ("=",))
    open_ = len(sides) >= 2 and not read[sides[-1][0]:sides[-1][1]].strip()  # `$$dz =$$`
    if not (tex.startswith("=") or open_):
        return seg, ""
    if open_:
        sides = sides[:-1]  # the chain goes on from dz
    last = " ".join(read[sides[-1][0]:sides[-1][1]].split())
    if not last or len(sides) < 2 and not open_:
        return seg, ""
    joined = f"{last} {tex}" if tex.startswith("=") else f"{last} = {tex}"
    return replace(seg, tex=joined), named or subject(read[sides[0][0]:sides[0][1]])


def _links(tex: str, display: bool, spans: list[tuple[int, int]] | None = None):
    """(start, end, check, is_definition) for each link of one segment (of its `spans`:
    default, its `_statements`)."""
    tex = _as_assignments(tex)
    pieces = []
    for first, end in _statements(tex) if spans is None else spans:
        last = first
        for m in LABEL.finditer(tex, first, end):
            pieces.append((last, m.start()))
            last = m.end()
        pieces.append((last, end))
    for p_start, p_end in pieces:
        piece = tex[p_start:p_end]
        if "\\begin{cases}" in piece:  # its `y = 1` made links of words and a false `1 = 0`
            yield (*_trim(tex, p_start, p_end), Unread(
                "a definition by cases: the notation table has no cases"), False)
            continue
        parts = top_level_split(piece, ARROWS)
        if len(parts) >= 2 and not _has_equals(piece) and all(
                piece[s:e].strip() for s, e, _ in parts):  # `J \to 0`: a limit (or a diagram)
            arrow = parts[1][2]
            yield (*_trim(tex, p_start, p_end), Unread(
                f"the relation {arrow} is not in the notation table" if display else
                f"a relation ({arrow}) in the prose: only the built-in prose claims read "
                "relations other than =, and none quotes this sentence"), False)
            continue
        for s, e, _ in parts:
            yield from _part_links(tex, p_start + s, p_start + e, display, len(parts) > 1)


_ARROW = re.compile(r"\\(leftarrow|gets)(?![A-Za-z])")


def _as_assignments(tex: str) -> str:
    """`w \\leftarrow w - \\alpha dw` (`\\omega`, `\\mathbf{w}`, `w &\\gets ...`) is a step
    (formulas.Link reads it), not a chain of arrows: the arrow becomes `=` padded to its
    length (offsets stay those of the notes' text), where what it points to is a parameter.
    A definition's own sign (`\\triangleq`, `\\coloneqq`, `\\equiv`, ...) is `=` too: such a
    formula gave no claim at all."""
    out = list(tex)
    for m in _DEFINES.finditer(tex):
        out[m.start():m.end()] = "=".ljust(m.end() - m.start())
    for m in _ARROW.finditer(tex):
        row = tex.rfind("\\\\", 0, m.start())
        before = max(row + 2 if row >= 0 else 0,
                     max((a.end() for a in _ARROW.finditer(tex, 0, m.start())), default=0))
        tree = _tree(tex[before:m.start()].replace("&", " "))
        if tree is not None and tree[0] == "name" and tree[1].key in PARAMETERS:
            out[m.start():m.end()] = "=".ljust(m.end() - m.start())
    return "".join(out)


_ROW_SPACING = re.compile(r"(\s*\[[^\]]*\])?")
# what a row may start with and still go on with the chain above: spacing, words, `\begin`
_NO_LEFT_SIDE = re.compile(r"\\begin\{[A-Za-z*]+\}|\\text\{[^{}]*\}|\\q?quad|\\[,;!]|~|\s")
# environments whose `\\` separates a matrix's rows or a case, not two formulas
_INNER = re.compile(r"\\begin\{(cases|[pbvBV]?matrix|smallmatrix|array)\}.*?\\end\{\1\}",
                    re.DOTALL)


def _statements(tex: str) -> list[tuple[int, int]]:
    """Spans of the separate equations of one segment. A row of an aligned block with a left
    side of its own (`dz &= a - y \\\\ dw &= x\\, dz`) starts one: the rows were one chain,
    the line break a product (`a - y dw`), three right gradients false. A row that starts at
    its relation (`&= a(1 - a)`, `\\quad &= ...`, `= a - y`), or has no `=`, goes on with the
    one above, as does a row of a matrix or of cases."""
    inner = [m.span() for m in _INNER.finditer(tex)]
    spans: list[list[int]] = []
    for row_start, row_end, _ in top_level_split(tex, ("\\\\",)):
        if spans and any(s < row_start <= e for s, e in inner):
            spans[-1][1] = row_end
            continue
        row_start = _ROW_SPACING.match(tex, row_start, row_end).end()  # \\\\[4pt]
        for start, end in _side_by_side(tex, row_start, row_end):
            if spans and not _has_left_side(tex[start:end]):
                spans[-1][1] = end
            else:
                spans.append([start, end])
    return [(s, e) for s, e in spans]


def _has_left_side(row: str) -> bool:
    """Whether the row has an `=` with something of its own before it (before its `&`)."""
    cut = top_level_split(row, ("=",))
    if len(cut) < 2:
        return False
    head = row[:cut[0][1]].split("&", 1)[0]
    return bool(_NO_LEFT_SIDE.sub("", head))


# between two formulas on one line: `z = w^T x + b \quad\text{and}\quad a = \sigma(z)`,
# `,\quad`, `\quad\text{so}\quad`
_BETWEEN = re.compile(r",?\s*\\q?quad(?:\s*\\text\{[^{}]*\}\s*\\q?quad)?")


def _side_by_side(tex: str, start: int, end: int) -> list[tuple[int, int]]:
    """The row cut where it puts two formulas side by side (outside brackets): read as one,
    they made a false `z = \\sigma(z)` of two right ones. A remark that goes on with the
    chain (`,\\quad \\text{i.e.} = ...`) is no cut."""
    cuts, last = [], start
    for m in _BETWEEN.finditer(tex, start, end):
        if _depth(tex, start, m.start()) == 0 and _has_equals(tex[last:m.start()]) and \
                _has_left_side(tex[m.end():end]):
            cuts.append((last, m.start()))
            last = m.end()
    return [*cuts, (last, end)]


def _has_equals(tex: str) -> bool:
    return len(top_level_split(tex, ("=",))) > 1


def _depth(tex: str, start: int, end: int) -> int:
    return sum(1 if ch in "{([" else -1 if ch in "})]" else 0 for ch in tex[start:end])


def _part_links(tex: str, start: int, end: int, display: bool, in_arrows: bool):
    elements = []
    for s, e, _ in top_level_split(tex[start:end], ("=",)):
        s, e = _trim(tex, start + s, start + e)
        if s < e:
            elements.append([s, e])
    tail = None
    if elements:  # a relation other than = ends the chain
        s, e = elements[-1]
        cut = top_level_split(tex[s:e], OTHER_RELATIONS)
        if len(cut) > 1:
            elements[-1][1] = _trim(tex, s, s + cut[0][1])[1]
            tail = (s, e, cut[1][2])
    if len(elements) == 1 and in_arrows:
        s, e = elements[0]
        tree = _tree(tex[s:e])
        if tree and tree[0] == "call" and tree[1] in ("L", "J"):
            name = "\\mathcal{L}" if tree[1] == "L" else "J"
            yield s, e, Link(name, tex[s:e]), True
    for k in range(1, len(elements)):
        (ls, le), (rs, re_) = elements[k - 1], elements[k]
        left_words, right_words = _words(tex[ls:le]), _words(tex[rs:re_])
        if right_words is not None:
            yield ls, re_, Unread(f"a reference in words, not a formula: "
                                  f"\"{right_words}\""), False
            continue
        if left_words is not None:
            before = elements[0] if k >= 2 else None  # the subject of the chain
            if before is None or _words(tex[before[0]:before[1]]) is not None:
                yield ls, re_, Unread(f"no formula before \"{left_words}\""), False
                continue
            yield before[0], re_, Link(tex[before[0]:before[1]], tex[rs:re_]), False
            continue
        of = dimensions.dim_of(tex[ls:le])
        sizes = dimensions.tuple_sizes(tex[rs:re_]) if of is not None and k == 1 else None
        if sizes is not None:  # `\dim(b^{[1]}) = (n_h, 1)`
            yield ls, re_, Shape(of, sizes, tex[ls:re_]), False
            continue
        yield ls, re_, Link(tex[ls:le], tex[rs:re_]), k == 1 and _is_definition(tex[ls:le])
    shape = _shape_claim(tex, tail, elements[0]) if tail else None
    if shape is not None:  # `W^{[1]} \in \mathbb{R}^{n_h \times n_x}`, shown or in a sentence
        yield shape
    elif tail and display:
        s, e, rel = tail
        yield s, e, Unread(f"the relation {rel} is not in the notation table"), False
    elif tail and len(elements) == 1:  # `$z \ge 0.5$` in a sentence no built-in claim reads
        s, e, rel = tail
        yield s, e, Unread(f"a relation ({rel}) in the prose: only the built-in prose claims "
                           "read relations other than =, and none quotes this sentence"), False


def _shape_claim(tex: str, tail: tuple[int, int, str], first: list[int]):
    """(start, end, Shape, False) for `X \\in \\mathbb{R}^{...}` after the last element of a
    chain, or None. The shape is that of the chain's first element (`Z^{[1]} = W^{[1]} X +
    b^{[1]} \\in ...` is about Z1, whose own link reads the sum with its conventions)."""
    s, e, rel = tail
    if rel != "\\in":
        return None
    (ls, le, _), (rs, re_, _), *more = top_level_split(tex[s:e], OTHER_RELATIONS)
    if more:
        return None
    rs, re_ = _trim(tex, s + rs, s + re_)
    sizes = dimensions.space_sizes(tex[rs:re_])
    if sizes is None:
        return None
    ls, le = _trim(tex, s + ls, s + le)
    of = tex[first[0]:first[1]] if first[0] != ls else tex[ls:le]
    return ls, re_, Shape(of, sizes, f"{of} {tex[le:re_].strip()}"), False


def _tree(tex: str):
    try:
        return notation.parse(tex)
    except notation.Unreadable:
        return None


def claims(notes: Notes) -> tuple[list[Claim], list[Claim]]:
    """(the claims of NOTES in the notes' order, the hand-bound prose claims it does not contain).

    Formulas and code lines are extracted; prose claims (nnspec.derivations) are bound by quote
    and kept only where NOTES contains their quote, at that line.
    """
    from nnspec.derivations.catalogue import corrections, prose_claims
    from nnspec.spec.code import code_claims

    hidden = hidden_of(notes)
    prefix = section_slugs(notes)
    defined = tuple(losses(notes))
    scopes = hidden_scopes(notes)
    found = formula_claims(notes, hidden, prefix, defined) + code_claims(
        notes, prefix, hidden, lambda line: loss_at(defined, line, notes),
        lambda line: hidden_at(scopes, line, notes.section_at(line), hidden))
    fixes = corrections()
    found = [(line, off, _with_correction(c, fixes)) for line, off, c in found]
    missing, sentences = [], []
    for claim in prose_claims(notes):
        at, span = find_quote(notes.text, claim.notes)
        if at < 0 and claim.correction and claim.corrected is not None:
            at, span = find_quote(notes.text, claim.correction)  # the notes took the fix
            if at >= 0:
                claim = replace(claim, notes=claim.correction, check=claim.corrected,
                                correction="", corrected=None)
        if at < 0:
            missing.append(claim)
            continue
        line = notes.line_of(at)
        sentences.append((at, at + span))
        where, loss = _definition_at(defined, line, notes)
        if loss.tex:  # the notes' own loss: a statement that reads L is about another one
            claim = replace(claim, check=WithOwnLoss(claim.check, loss, where),
                            correction="", corrected=None)
        found.append((line, (at, 0), replace(claim, line=line, section=notes.section_at(line)
                                             or claim.section)))
    found = [item for item in found if not _inside_a_sentence(notes, item, sentences)]
    found.sort(key=lambda item: (item[0], item[1]))
    return [c for _, _, c in found], missing


_TYPOGRAPHIC = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def find_quote(text: str, quote: str) -> tuple[int, int]:
    """(offset, length) in `text` of `quote`, or (-1, 0): typographic apostrophes and quotes
    match straight ones, and any run of spaces or line breaks matches any other (an author
    who retypes ’ as ' or rewraps a paragraph keeps the claim)."""
    at = text.find(quote)
    if at >= 0:
        return at, len(quote)
    words = quote.translate(_TYPOGRAPHIC).split()
    if not words:
        return -1, 0
    pattern = r"\s+".join(re.escape(w) for w in words)
    m = re.search(pattern, text.translate(_TYPOGRAPHIC))  # same length: offsets hold
    return (m.start(), m.end() - m.start()) if m else (-1, 0)


def _inside_a_sentence(notes: Notes, item: tuple, sentences: list[tuple[int, int]]) -> bool:
    """A formula claim of inline math inside a bound sentence is part of what the sentence
    says ("it is 0 only when $\\widehat y = y$"), not an identity of its own."""
    _, (offset, _), claim = item
    if not claim.extracted or claim.kind == "code" or not isinstance(offset, int):
        return False
    seg = next((m for m in notes.math if m.offset == offset), None)
    return seg is not None and not seg.display and any(
        start <= seg.offset and seg.offset + len(seg.tex) <= end for start, end in sentences)


NEAR = 0.6  # difflib's ratio above which a line reads like an edited form of a quote


def near_line(text: str, quote: str) -> int | None:
    """The line (or two lines) of `text` most like `quote`, if alike enough: where a bound
    sentence the notes no longer quote was edited ("decreases" made "increases", a typo fixed),
    so the author sees which of their lines is not checked any more."""
    import difflib

    wanted = " ".join(quote.split())
    lines = text.split("\n")
    best, where = NEAR, None
    for i in range(len(lines)):
        sentences = re.split(r"(?<=[.!?])\s+", lines[i])  # a paragraph on one line
        pair = [" ".join(lines[i:i + 2])] if lines[i].strip() and i + 1 < len(lines) else []
        for piece in (lines[i], *pair, *sentences, *map(" ".join, pairwise(sentences))):
            piece = " ".join(piece.split())
            matcher = difflib.SequenceMatcher(None, wanted, piece, autojunk=False)
            if piece and matcher.real_quick_ratio() > best and matcher.quick_ratio() > best \
                    and matcher.ratio() > best:
                best, where = matcher.ratio(), i + 1
    return where


def _with_correction(claim: Claim, fixes: dict) -> Claim:
    """The catalogue's correction of a formula, found by its text. They are stated for the
    shipped notes' definitions: notes with a loss or a hidden layer of their own get none (a
    squared error's notes were told "the correction verifies" of the cross-entropy's formula,
    which the same run called false two lines later)."""
    shipped = (not getattr(claim.check, "loss", CROSS_ENTROPY).tex
               and getattr(claim.check, "hidden", "sigmoid") == "sigmoid")
    if claim.notes not in fixes or not shipped:
        return replace(claim, extracted=True)
    fix = fixes[claim.notes]
    if isinstance(fix, str):
        return replace(claim, extracted=True, correction=fix)
    left, right = fix
    return replace(claim, extracted=True, correction=f"{left} = {right}",
                   corrected=Link(left, right))
