"""The notes drive the verdicts: edited copies of the notes move them, and a second notes file in
another notation is verified with no new code."""

import re
from pathlib import Path

import pytest

from nnspec.spec import extract, notes, verify

SHIPPED = notes.shipped_text()
OTHER = Path(__file__).parent / "notes" / "other-notation.md"


def verdicts_of(text: str, quote: str) -> list[tuple[str, int]]:
    """(verdict, line) of every claim of `text` whose quote contains `quote`."""
    claims, _ = extract.claims(notes.parse(text))
    chosen = [c for c in claims if quote in c.notes]
    assert chosen, f"no claim quotes {quote!r}"
    return [(r.verdict, r.line) for r in verify.verify_notes(chosen, workers=1)]


def edited(old: str, new: str) -> str:
    assert SHIPPED.count(old) == 1, old
    return SHIPPED.replace(old, new)


@pytest.mark.parametrize("old, new", [
    (r"= (1-\sigma(z))\sigma(z) = (1-a)a", r"= (1+\sigma(z))\sigma(z) = (1-a)a"),
    (r"(1-a)ax = (a-y)x", r"(1-a)ax = (a+y)x"),
    (r"{dW^{[2]}} = \text{(similar logic as 1-layer)} = (a^{[2]}-y)a^{[1]T}",
     r"{dW^{[2]}} = \text{(similar logic as 1-layer)} = (a^{[2]}-y)a^{[1]}"),
    (r"\frac{d\mathcal{L}}{db} = (a-y)", r"\frac{d\mathcal{L}}{db} = (y-a)"),
])
def test_breaking_a_true_formula_makes_it_false(old, new):
    probe = old.removeprefix("= ")
    assert all(v == "holds" for v, _ in verdicts_of(SHIPPED, probe))
    after = verdicts_of(edited(old, new), new.removeprefix("= "))
    assert any(v == "false" for v, _ in after)


@pytest.mark.parametrize("old, new", [
    (r"$y=\omega^Tx + b$", r"$z=\omega^Tx + b$"),
    (r"\leftarrow z=\omega + b \leftarrow", r"\leftarrow z=\omega^Tx + b \leftarrow"),
    (r"\mathcal{L}(\widehat{y}^{(i)}, y^i)", r"\mathcal{L}(y^{(i)}, \widehat{y}^{(i)})"),
    (r"dW^{[1]} = (a^{[2]}-y)W^{[2]}\color{red}{*}((1-a^{[1]})a^{[1]})x",
     r"dW^{[1]} = (W^{[2]T}(a^{[2]}-y) * (a^{[1]} * (1-a^{[1]}))) x^T"),
])
def test_a_corrected_erratum_is_no_longer_false(old, new):
    def probe(text):
        return text.strip("$").removeprefix("\\leftarrow ").removesuffix(" \\leftarrow")
    assert any(v == "false" for v, _ in verdicts_of(SHIPPED, probe(old)))
    assert all(v == "holds" for v, _ in verdicts_of(edited(old, new), probe(new)))


def test_the_cost_line_and_the_return_fixed_in_the_notes_verify():
    """No hidden appending: closing the parenthesis in the notes makes the line hold."""
    cost = "cost = (- 1 / m) * np.sum(Y * np.log(A) + (1 - Y) * (np.log(1 - A))"
    assert verdicts_of(SHIPPED, cost) == [("false", 96)]
    fixed = edited(cost, cost + ")")
    assert verdicts_of(fixed, cost) == [("holds", 96)]
    unpack = "grads, cost = propagate(w, b, X_train, Y_train)"
    assert verdicts_of(fixed, unpack)[0][0] == "false"
    last = "db = (1/m)*np.sum(A-Y)"
    returned = fixed.replace(last, last + '\n    grads = {"dw": dw, "db": db}\n    return grads, cost')
    assert verdicts_of(returned, unpack)[0][0] == "holds"
    assert verdicts_of(returned, "w = w - learning_rate * dw")[0][0] == "holds"


def test_an_added_formula_appears_with_its_line():
    text = SHIPPED.replace("Then the bias:", "Then the bias:\n\n$$\\frac{d\\mathcal{L}}{dz} = a-y$$")
    line = text.splitlines().index("$$\\frac{d\\mathcal{L}}{dz} = a-y$$") + 1
    assert verdicts_of(text, r"\frac{d\mathcal{L}}{dz} = a-y") == [("holds", line)]


def test_swapped_arguments_of_the_loss_are_false_not_a_convention():
    for quote in (r"\mathcal{L}(\widehat{y}^{(i)}, y^i)", r"\to \mathcal{L}(a,y)"):
        claims, _ = extract.claims(notes.parse(SHIPPED))
        chosen = [c for c in claims if c.notes in quote or quote in c.notes]
        results = verify.verify_notes(chosen, workers=1)
        assert results and all(r.verdict == "false" and not r.convention for r in results)


def test_prose_claims_not_in_the_notes_are_reported_not_kept():
    claims, missing = extract.claims(notes.parse(SHIPPED.replace(
        "We notice that the loss function decreases", "The loss function changes")))
    assert "one.loss-decreases" in {c.id for c in missing}
    assert "one.loss-decreases" not in {c.id for c in claims}
    assert all(c.notes in SHIPPED for c in claims if c.kind == "prose statement")


def test_second_notes_file_in_another_notation(tmp_path, capsys):
    """w, \\hat{y}, \\partial, Markdown and a fenced listing; planted errors come out false."""
    text = OTHER.read_text(encoding="utf-8")
    claims, _ = extract.claims(notes.parse(text, str(OTHER)))
    results = {r.notes: r for r in verify.verify_notes(claims, workers=2)}
    planted = [r"\frac{\partial a}{\partial z} = a(1 + a)", r"x(a - y) = (y - a)x",
               "db = np.sum(A - Y)"]
    for quote in planted:
        assert results[quote].verdict == "false", quote
    for quote in (r"\frac{\partial \mathcal{L}}{\partial z} = a - y",
                  r"dW^{[2]} = (a^{[2]} - y) a^{[1]T}", "dw = np.dot(X, (A - Y).T) / m",
                  r"\frac{\partial \mathcal{L}}{\partial b} = a - y"):
        assert results[quote].verdict == "holds", quote
    row = results[r"\frac{\partial \mathcal{L}}{\partial a^{[1]}} = W^{[2]}(a^{[2]} - y)"]
    assert row.verdict == "holds-under-convention" and "row" in row.convention
    for r in results.values():
        assert r.notes in text and text.splitlines()[r.line - 1].find(r.notes[:12]) >= 0 \
            or r.notes in "\n".join(text.splitlines()[r.line - 1:r.line + 3])


def test_a_listing_line_missing_its_1_over_m_is_told_so():
    """The factor between the listing's dw and the notation table's is proven, and read as
    the slip it is; the first shape shown is the smallest where the values differ."""
    claims, _ = extract.claims(notes.parse(edited("    dw = (1/m)*np.dot(X,(A-Y).T)",
                                                  "    dw = np.dot(X,(A-Y).T)")))
    (result,) = verify.verify_notes([c for c in claims if c.notes.startswith("dw = np.dot")],
                                    workers=1)
    assert result.verdict == "false"
    assert result.evidence.startswith("at (n_x, m) = (2, 3): ")
    assert result.evidence.endswith("dw is 3 times what the notation table names dw "
                                    "(1/m missing, m = 3)"), result.evidence


def test_an_empty_line_inside_a_function_keeps_the_rest_of_its_listing():
    """A blank line between two statements of a body (PEP 8 style) used to end the listing:
    the lines after it were no claims, and propagate returned None."""
    text = edited("    db = (1/m)*np.sum(A-Y)\n", "    db = (1/m)*np.sum(A-Y)\n\n"
                  "    grads = {\"dw\": dw, \"db\": db}\n    return grads, cost\n")
    listings = notes.parse(text).code
    block = next(b for b in listings if "def propagate" in b.source)
    assert "db = (1/m)*np.sum(A-Y)\n\n    grads = " in block.source
    assert block.source.endswith("    return grads, cost\n")  # and no line of prose after it
    assert len(listings) == len(notes.parse(SHIPPED).code)


def _listing_verdicts(source: str, before: str = "") -> dict[str, tuple[str, str]]:
    """{line's text: (verdict, detail + evidence)} of a fenced listing in a Markdown file."""
    claims, _ = extract.claims(notes.parse(f"# Code\n\n{before}```python\n{source}```\n",
                                           "x.md"))
    return {r.notes: (r.verdict, f"{r.detail} | {r.evidence}")
            for r in verify.verify_notes(claims, workers=1)}


def test_a_listing_may_use_the_numpy_functions_authors_use():
    """np.matmul, np.squeeze, float(), np.logaddexp (the stable form the numerics finding
    advises) used to raise in the symbolic run: false, and every later line not reached."""
    got = _listing_verdicts(
        "m = X.shape[1]\n"
        "Z = np.matmul(w.T, X) + b\n"
        "A = sigmoid(Z)\n"
        "cost = np.mean(np.logaddexp(0, -Z) * Y + np.logaddexp(0, Z) * (1 - Y))\n"
        "cost = float(np.squeeze(cost))\n"
        "dw = np.divide(np.dot(X, np.subtract(A, Y).T), m)\n")
    assert all(v == "holds" for v, _ in got.values()), got
    line = "cost = np.mean(np.logaddexp(0, np.dot(w.T, X) + b) * Y)"  # z where -z belongs
    assert _listing_verdicts(line + "\n")[line][0] == "false"


def test_a_listing_that_imports_numpy_is_run_with_the_symbolic_one():
    """`import numpy as np` at a listing's top bound the real NumPy: a correct sigmoid was
    false (np.exp of a SymPy sum) and the rest not reached."""
    body = ("def sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n\n"
            "A = sigmoid(np.dot(w.T, X) + b)\ndw = np.dot(X, (A - Y).T) / X.shape[1]\n")
    plain = _listing_verdicts(body)
    assert [v for v, _ in plain.values()].count("holds") == 2
    for header in ("import numpy as np\n", "import numpy\nnp = numpy\n",
                   "from numpy import exp, dot\nimport math\n"):
        got = _listing_verdicts(header + body)
        assert {k: v for k, (v, _) in got.items() if k in plain} == \
               {k: v for k, (v, _) in plain.items()}, (header, got)


@pytest.mark.parametrize("sign, verdict", [("-z", "holds"), ("z", "false")])
def test_a_function_calls_the_notes_own_helper_from_another_listing(sign, verdict):
    """A propagate ran with nnspec's sigmoid, not the notes' own of the listing before, so
    a sigmoid with its sign flipped went unseen (A held)."""
    text = (f"# Code\n\n```python\ndef sigmoid(z):\n    return 1 / (1 + np.exp({sign}))\n```\n\n"
            "```python\ndef propagate(w, b, X, Y):\n    A = sigmoid(np.dot(w.T, X) + b)\n"
            "    return A\n```\n")
    claims, _ = extract.claims(notes.parse(text, "x.md"))
    got = {r.notes: r for r in verify.verify_notes(claims, workers=1)}
    assert got[f"return 1 / (1 + np.exp({sign}))"].verdict == verdict, got
    caller = got["A = sigmoid(np.dot(w.T, X) + b)"]  # the erratum is the sigmoid's, not its
    assert ("once sigmoid is the notation table's" in caller.detail) == (verdict == "false")


@pytest.mark.parametrize("loop, verdict", [('dw = grads["dw"]', "holds"),
                                           ('dw = -grads["dw"]', "false")])
@pytest.mark.parametrize("sign", ["-", "+"])
def test_a_line_fed_a_wrong_value_by_another_listing_is_not_a_second_erratum(
        sign, loop, verdict):
    """A training loop that reads a wrong propagate's dw was false too: two errata for the
    one in propagate. It holds once propagate's dw is the table's, and says so; a loop line
    wrong in itself (the sign flipped) stays false."""
    text = ("# Code\n\n```python\ngrads, cost = propagate(w, b, X, Y)\n"
            f"{loop}\nw = w - learning_rate * dw\n```\n\n"
            "```python\ndef propagate(w, b, X, Y):\n    m = X.shape[1]\n"
            "    A = sigmoid(np.dot(w.T, X) + b)\n    cost = -np.sum(Y * np.log(A) + (1 - Y) * "
            "np.log(1 - A)) / m\n"
            f"    dw = np.dot(X, (A {sign} Y).T) / m\n    db = np.sum(A - Y) / m\n"
            '    return {"dw": dw, "db": db}, cost\n```\n')
    claims, _ = extract.claims(notes.parse(text, "x.md"))
    got = {r.notes: r for r in verify.verify_notes(claims, workers=1)}
    wrong = sign == "+"
    assert got[f"dw = np.dot(X, (A {sign} Y).T) / m"].verdict == ("false" if wrong else "holds")
    expected = "false" if verdict == "false" else "holds"
    assert got[loop].verdict == expected, got[loop]
    assert ("once propagate's dw is the notation table's" in got[loop].detail) == \
        (wrong and expected == "holds"), got[loop].detail
    assert got["w = w - learning_rate * dw"].verdict == "holds"


@pytest.mark.parametrize("unpack", ["grads, cost", "cost, grads"])
def test_results_unpacked_in_another_order_are_one_erratum(unpack):
    """`cost, grads = propagate(...)` was "runs; assigns no quantity" (a dict is no matrix),
    then `grads["dw"]` raised and `grads["db"]` below it raised again: two errata, neither on
    the line at fault. The unpack is false, the lines that read grads hold once it is the
    table's."""
    text = ("# Code\n\n```python\n"
            f"{unpack} = propagate(w, b, X, Y)\n"
            'dw = grads["dw"]\ndb = grads["db"]\nw = w - learning_rate * dw\n```\n\n'
            "```python\ndef propagate(w, b, X, Y):\n    m = X.shape[1]\n"
            "    A = sigmoid(np.dot(w.T, X) + b)\n    cost = -np.sum(Y * np.log(A) + (1 - Y) * "
            "np.log(1 - A)) / m\n    dw = np.dot(X, (A - Y).T) / m\n    db = np.sum(A - Y) / m\n"
            '    return {"dw": dw, "db": db}, cost\n```\n')
    claims, _ = extract.claims(notes.parse(text, "x.md"))
    got = {r.notes: r for r in verify.verify_notes(claims, workers=1)}
    swapped = unpack == "cost, grads"
    line = got[f"{unpack} = propagate(w, b, X, Y)"]
    assert line.verdict == ("false" if swapped else "holds"), line
    assert ("results unpacked in another order?" in line.evidence) == swapped, line
    for reads in ('dw = grads["dw"]', 'db = grads["db"]'):
        assert got[reads].verdict == "holds", got[reads]
        assert ("once grads is the notation table's: L1 gives another" in got[reads].detail) \
            == swapped, got[reads].detail
    assert got["w = w - learning_rate * dw"].verdict == "holds"


def test_a_listing_that_starts_with_imports_is_named_by_its_first_function():
    claims, _ = extract.claims(notes.parse(
        "# Code\n\n```python\nimport numpy as np\n\ndef propagate(w, b, X, Y):\n"
        "    A = 1 / (1 + np.exp(-(np.dot(w.T, X) + b)))\n    return A\n```\n", "x.md"))
    assert {c.id for c in claims} == {"code.propagate.L1", "code.propagate.L3",
                                      "code.propagate.L4", "code.propagate.L5"}  # was code1


def test_a_numpy_function_not_modelled_is_unchecked_not_false():
    got = _listing_verdicts("A = sigmoid(np.dot(w.T, X) + b)\nA = np.clip(A, 0, 1)\n"
                            "dw = np.dot(X, (A - Y).T) / X.shape[1]\n")
    verdict, detail = got["A = np.clip(A, 0, 1)"]
    assert verdict == "unchecked" and "np.clip, which the symbolic run" in detail
    assert got["dw = np.dot(X, (A - Y).T) / X.shape[1]"][0] == "unchecked"  # not reached


def test_a_two_layer_listing_names_its_three_sizes_and_a_1d_gradient():
    got = _listing_verdicts(
        "Z1 = np.dot(W1, X) + b1\nA1 = sigmoid(Z1)\nA2 = sigmoid(np.dot(W2, A1) + b2)\n"
        "dZ1 = np.dot(W2.T, A2 - Y) * A1 * (1 - A1)\n"
        "db1 = np.sum(dZ1, axis=1) / X.shape[1]\n")
    assert "on (n_x, n_h, m) in [(1, 2, 1)" in got["Z1 = np.dot(W1, X) + b1"][1]
    verdict, detail = got["db1 = np.sum(dZ1, axis=1) / X.shape[1]"]
    assert verdict == "false"
    assert "at (n_x, n_h, m) = (1, 2, 1): the line gives a 1-D array of shape (2,)" in detail


def test_a_gradient_step_is_judged_with_the_listings_own_gradient():
    """A wrong db made the correct `b = b - learning_rate * db` false too ("b is not what the
    notation table names b"), an error that is the db line's; a step up the gradient stays
    false."""
    got = _listing_verdicts("m = X.shape[1]\nA = sigmoid(np.dot(w.T, X) + b)\n"
                            "dw = np.dot(X, (A - Y).T) / m\ndb = np.sum(A - Y)\n"
                            "w = w + learning_rate * dw\nb = b - learning_rate * db\n")
    assert got["db = np.sum(A - Y)"][0] == "false"
    assert got["b = b - learning_rate * db"][0] == "holds"
    assert got["w = w + learning_rate * dw"][0] == "false"


def test_one_wrong_line_is_one_erratum_not_every_line_fed_by_it():
    """A listing with one wrong line (dZ2 = A2 + Y) had every line below it false too, five
    errata for one, none naming the cause: a line fed a wrong input holds with the table's
    value of that input, and names the line that gave it; a line wrong in itself as well
    (dW2 without its 1/m) stays false."""
    source = ("m = X.shape[1]\nA1 = sigmoid(np.dot(W1, X) + b1)\n"
              "A2 = sigmoid(np.dot(W2, A1) + b2)\ndZ2 = A2 + Y\n"
              "dW2 = np.dot(dZ2, A1.T) / m\ndb2 = np.sum(dZ2, axis=1, keepdims=True) / m\n"
              "dZ1 = np.dot(W2.T, dZ2) * A1 * (1 - A1)\ndW1 = np.dot(dZ1, X.T) / m\n")
    got = _listing_verdicts(source)
    assert [line for line, (v, _) in got.items() if v == "false"] == ["dZ2 = A2 + Y"]
    assert "once dZ2 is the notation table's: L4 gives another" in got["dZ1 = np.dot(W2.T, dZ2) * A1 * (1 - A1)"][1]
    assert "once dZ1 is the notation table's: L7" in got["dW1 = np.dot(dZ1, X.T) / m"][1]
    worse = _listing_verdicts(source.replace("dW2 = np.dot(dZ2, A1.T) / m", "dW2 = np.dot(dZ2, A1.T)"))
    assert worse["dW2 = np.dot(dZ2, A1.T)"][0] == "false"
    assert [line for line, (v, _) in worse.items() if v == "false"] == ["dZ2 = A2 + Y", "dW2 = np.dot(dZ2, A1.T)"]


def test_a_tanh_listing_is_false_with_the_reason():
    """The course's network (np.tanh hidden layer) against the notes' sigma: each line that
    uses tanh is false, and says it is what a tanh hidden layer gives; a line right in itself,
    fed the tanh values, holds and names the line they came from. (The notes define the
    sigmoid hidden layer; in notes that define none, the listing's tanh is theirs.)"""
    got = _listing_verdicts("Z1 = np.dot(W1, X) + b1\nA1 = np.tanh(Z1)\n"
                            "A2 = sigmoid(np.dot(W2, A1) + b2)\n"
                            "dZ1 = np.dot(W2.T, A2 - Y) * (1 - np.power(A1, 2))\n"
                            "dW1 = np.dot(dZ1, X.T) / X.shape[1]\n"
                            "dW2 = np.dot(A2 - Y, A1.T) * 2 / X.shape[1]\n",
                            "$$A^{[1]} = \\sigma(Z^{[1]})$$\n\n")
    for line in ("A1 = np.tanh(Z1)", "dZ1 = np.dot(W2.T, A2 - Y) * (1 - np.power(A1, 2))"):
        verdict, detail = got[line]
        assert verdict == "false" and "it is what a tanh hidden layer gives" in detail
    for line, fed in (("A2 = sigmoid(np.dot(W2, A1) + b2)", "A1 is the notation table's: L2"),
                      ("dW1 = np.dot(dZ1, X.T) / X.shape[1]", "dZ1 is the notation table's: L4")):
        verdict, detail = got[line]
        assert verdict == "holds" and fed in detail
    verdict, detail = got["dW2 = np.dot(A2 - Y, A1.T) * 2 / X.shape[1]"]  # wrong either way
    assert verdict == "false" and "tanh" not in detail


def _claim_result(text: str, claim_id: str):
    claims, _ = extract.claims(notes.parse(text))
    chosen = [c for c in claims if c.id == claim_id]
    assert chosen, claim_id
    return verify.verify_notes(chosen, workers=1)[0]


def test_the_training_loop_claim_reads_the_loop_after_its_sentence():
    """The sentence on the updated parameters read the notes' first `for` listing: an earlier
    loop over the pixels made it false (and, without a correction, an engine error: exit 1)."""
    pixels = "Note: $x$ are all the pixels of one image."
    loop_first = edited(pixels, pixels + "\n\nfor k in range(n_x):\n    z = z + w[k] * x[k]\n")
    result = _claim_result(loop_first, "one.bwd.updated-parameters")
    assert result.verdict == "holds" and not result.engine_errors


def test_a_prose_claim_made_false_by_an_edit_is_a_finding_not_an_engine_error():
    """Errata are findings (exit 0): the loop without its bias step makes the sentence false,
    though no correction is known for that edit."""
    result = _claim_result(edited("    b = b - learning_rate * db\n", ""),
                           "one.bwd.updated-parameters")
    assert result.verdict == "false" and "['w']" in result.detail and not result.engine_errors


def test_every_false_bound_claim_of_the_shipped_notes_has_a_correction():
    """What the run checked at run time (and so failed on any edit), a test of the shipped
    notes now: their errata each come with the correction that verifies."""
    claims, _ = extract.claims(notes.parse(SHIPPED))
    bound = [c for c in claims if not c.extracted]
    results = verify.verify_notes(bound, workers=1)
    false = [r for r in results if r.verdict == "false"]
    assert false and all(r.correction for r in false), [r.id for r in false if not r.correction]


def _own(text: str) -> dict[str, str]:
    """Verdict by quote of every formula link of notes of one's own."""
    claims, _ = extract.claims(notes.parse(text))
    return {c.notes: r.verdict for c, r in zip(claims, verify.verify_notes(claims, workers=1))}


def test_powers_are_entry_wise_as_numpy_s():
    """`a - a^2` and the course's `1 - A^{[1]2}` were unchecked ("a power of a named
    quantity") or false ("power of (2, 1) and (1, 1) does not conform")."""
    found = _own("# Two layers\n\n"
                 "$$\\sigma(z^{[1]}) - \\sigma(z^{[1]})^2 = \\sigma'(z^{[1]})$$\n\n"
                 "$$a^{[1]} - a^{[1]2} = \\sigma'(z^{[1]})$$\n\n"
                 "$$A^{[1]} - A^{[1]}^2 = A^{[1]} * (1 - A^{[1]})$$\n\n"
                 "$$\\sigma(Z) - \\sigma(Z)^3 = \\sigma(Z) * (1 - \\sigma(Z))$$\n")
    assert list(found.values()) == ["holds", "holds", "holds", "false"], found


def test_cdot_between_two_columns_is_their_dot_product():
    """`z = \\omega \\cdot x + b` was false: "matrix product of (2, 1) and (2, 1) does not
    conform"; a product of matrices that conform is still the matrix product."""
    found = _own("# Logistic\n\n$$z = \\omega \\cdot x + b$$\n\n$$z = x \\cdot x + b$$\n\n"
                 "$$Z = \\omega^T \\cdot X + b$$\n")
    assert list(found.values()) == ["holds", "false", "holds"], found


def test_the_range_sentence_reads_its_subject_and_interval_from_the_notes():
    """`\\in [0,1]` was bound to the range of sigma whatever the notes wrote before it: tanh's
    range (-1, 1) was called within [0, 1]."""
    quote = r"\in [0,1]"
    assert _own(f"# Activations\n\nEach unit gives $\\tanh(z) {quote}$.\n")[quote] == "false"
    assert _own(f"# Activations\n\nEach unit gives $\\sigma(z) {quote}$.\n")[quote] == "holds"
    line = r"$\widehat{y}=\sigma(\omega^Tx + b)=\mathbb{P}(y|x) \in [0,1]$"
    tanh = edited(line, r"$\widehat{y}=\tanh(\omega^Tx + b) \in [0,1]$")
    assert _claim_result(SHIPPED, "one.yhat-range").verdict == "holds"
    result = _claim_result(tanh, "one.yhat-range")
    assert result.verdict == "false" and r"\tanh(\omega^Tx + b): (-1, 1) is not within [0, 1]" in \
        result.evidence


def test_everyday_latex_is_read():
    """Each of these was unchecked (`cannot read '&'`, `unexpected ','`, `'\\dfrac' is not in
    the notation table`, `unexpected "'"`, `index i outside a sum`, "not proven") though the
    formula is plain: an aligned chain, a sentence's comma, a remark in words after \\quad,
    \\dfrac, \\ln, e^-z, the course's g', the per-example a^{(i)}, a tanh identity and a
    difference below the 30 digits shown."""
    text = (r"""# Logistic regression

$$
\begin{aligned}
\frac{d\mathcal{L}}{dz} &= \frac{d\mathcal{L}}{da}\frac{da}{dz} \\
&= a - y
\end{aligned}
$$

\[\frac{d\mathcal{L}}{dz} = a - y,\]

\[\frac{d\mathcal{L}}{dz} = a - y \quad\text{for every example}\]

\[\frac{d\mathcal{L}}{dz} = \dfrac{d\mathcal{L}}{da}\dfrac{da}{dz}\]

\[\mathcal{L}(y, a) = -y\ln(a) - (1-y)\ln(1-a)\]

\[a = \frac{1}{1+e^-z}\]

\[a^{(i)} = \sigma(w^Tx^{(i)} + b)\]

\[z^{(i)} = w^Tx^{(i)} - b\]

\[\tanh(z) = 2\sigma(2z) - 1\]

\[\frac{d\mathcal{L}}{dz} = a - y + e^{-1000}\]

# Two layers

\[dz^{[1]} = W^{[2]T}dz^{[2]} * g^{[1]'}(z^{[1]})\]

\[dz^{[1]} = W^{[2]T}dz^{[2]} * g'(z^{[1]})\]
""")
    claims, _ = extract.claims(notes.parse(text))
    verdicts = [r.verdict for r in verify.verify_notes(claims, workers=1)]
    assert verdicts == ["holds"] * 8 + ["false", "holds", "false", "holds", "holds"], verdicts


TANH_NOTES = r"""# Tanh network

$$A^{[1]} = \tanh(Z^{[1]})$$

$$dZ^{[1]} = W^{[2]T}dZ^{[2]} * (1 - A^{[1]2})$$

$$dZ^{[1]} = W^{[2]T}dZ^{[2]} * A^{[1]} * (1 - A^{[1]})$$

```python
def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    W2 = parameters["W2"]
    A1 = cache["A1"]
    A2 = cache["A2"]
    dZ2 = A2 - Y
    dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))
    dW1 = np.dot(dZ1, X.T) / m
    return {"dW1": dW1}
```
"""


def test_notes_that_define_a_tanh_hidden_layer_are_held_to_it():
    """Notes whose hidden layer is tanh were held to the shipped notes' sigma: their own
    definition and their correct dZ1 were false, "but the notes define a^{[1]} =
    \\sigma(z^{[1]})", untrue of them. The sigmoid's g' is now what is false there, with the
    hint turned round."""
    claims, _ = extract.claims(notes.parse(TANH_NOTES))
    results = {c.notes: r for c, r in zip(claims, verify.verify_notes(claims, workers=1))}
    assert results[r"A^{[1]} = \tanh(Z^{[1]})"].verdict == "holds"
    assert results[r"dZ^{[1]} = W^{[2]T}dZ^{[2]} * (1 - A^{[1]2})"].verdict == "holds"
    wrong = results[r"dZ^{[1]} = W^{[2]T}dZ^{[2]} * A^{[1]} * (1 - A^{[1]})"]
    assert wrong.verdict == "false"
    assert "holds for a sigmoid hidden layer, but the notes define a^{[1]} = \\tanh" in \
        wrong.detail
    assert results["dW1 = np.dot(dZ1, X.T) / m"].verdict == "holds"
    assert extract.hidden_of(notes.parse(SHIPPED)) == "sigmoid"


RELU_NOTES = r"""# A ReLU hidden layer

$$A^{[1]} = \max(0, Z^{[1]})$$

$$g^{[1]'}(z) = g^{[1]}(z)(1 - g^{[1]}(z))$$

$$dZ^{[1]} = W^{[2]T} dZ^{[2]} * A^{[1]} * (1 - A^{[1]})$$

$$dW^{[2]} = \frac{1}{m} dZ^{[2]} A^{[1]T}$$

```python
def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    W2 = parameters["W2"]
    Z1 = cache["Z1"]
    A1 = cache["A1"]
    dZ2 = cache["A2"] - Y
    dW1 = np.dot(np.dot(W2.T, dZ2) * A1 * (1 - A1), X.T) / m
    dZ1 = np.dot(W2.T, dZ2) * (Z1 > 0)
    return dW1
```
"""


def test_notes_with_a_hidden_activation_nnspec_lacks_are_not_read_with_a_sigmoid():
    """Notes with a ReLU hidden layer were read with the sigmoid: the sigmoid's g', a dZ1 and a
    listing's dW1 built on it held, not a word said. What depends on the activation is
    unchecked with the reason, what holds alike for sigmoid and tanh keeps its verdict, and
    NumPy's `(Z1 > 0)` is not the notes' error."""
    parsed = notes.parse(RELU_NOTES)
    assert extract.hidden_of(parsed) == r"A^{[1]} = \max(0, Z^{[1]}) (line 3)"
    claims, _ = extract.claims(parsed)
    results = {c.notes: r for c, r in zip(claims, verify.verify_notes(claims, workers=1))}
    for quote in (r"g^{[1]'}(z) = g^{[1]}(z)(1 - g^{[1]}(z))",
                  r"dZ^{[1]} = W^{[2]T} dZ^{[2]} * A^{[1]} * (1 - A^{[1]})",
                  "dW1 = np.dot(np.dot(W2.T, dZ2) * A1 * (1 - A1), X.T) / m"):
        assert results[quote].verdict == "unchecked", quote
        assert r"the notes define A^{[1]} = \max(0, Z^{[1]}) (line 3)" in results[quote].detail
    assert results[r"dW^{[2]} = \frac{1}{m} dZ^{[2]} A^{[1]T}"].verdict == "holds"
    compared = results["dZ1 = np.dot(W2.T, dZ2) * (Z1 > 0)"]
    assert compared.verdict == "unchecked" and "comparison" in compared.detail
    listing_only = RELU_NOTES.replace("$$A^{[1]} = \\max(0, Z^{[1]})$$", "").replace(
        '    A1 = cache["A1"]', "    A1 = np.maximum(0, Z1)")
    assert extract.hidden_of(notes.parse(listing_only)) == "A1 = np.maximum(0, Z1) (line 16)"


def test_only_math_and_python_listings_are_read():
    """A ```text block was a Python listing ("false: does not parse"); an inline code span
    `` `$dw = 0$` `` and an HTML comment `<!-- $$dw = 0$$ -->` were false formulas (and moved
    the real formula's id); a ~~~python block was not a listing at all."""
    text = ("# Edge\n\nInline code: `$dw = 0$` and ``$db = 0$``.\n\n"
            "<!-- draft:\n$$dw = 0$$ -->\n\n```text\nthe price is $5 and $x = 2$\n```\n\n"
            "$$dw = \\frac{1}{m} X (A - Y)^T$$\n\n"
            "~~~python\nm = X.shape[1]\n~~~\n")
    parsed = notes.parse(text)
    assert [seg.tex for seg in parsed.math] == [r"dw = \frac{1}{m} X (A - Y)^T"]
    assert [block.source for block in parsed.code] == ["m = X.shape[1]\n"]
    claims, _ = extract.claims(parsed)
    assert [c.id for c in claims] == ["edge.dw", "edge.code1.L1"]


def test_a_function_taking_the_gradients_is_called_with_them():
    """`update(w, b, dw, db, learning_rate)` was never called ("not run", no reason given):
    the gradients are quantities of the notation table, given by name as `grads` is; a
    parameter that is not one is named."""
    got = _listing_verdicts("def update(w, b, dw, db, learning_rate):\n"
                            "    w = w - learning_rate * dw\n    b = b + learning_rate * db\n"
                            "    return w, b\n"
                            "def step(w, gamma):\n    return w - gamma\n")
    assert got["w = w - learning_rate * dw"][0] == "holds"
    assert got["b = b + learning_rate * db"][0] == "false"
    why = ("not run: step's parameter gamma is not a quantity of the notation table, so the "
           "function is not called | ")
    assert got["return w - gamma"] == ("unchecked", why)


def test_section_ids_tell_sections_that_start_alike_apart():
    """The id took each heading's first word: "Example 1" and "Example 2" shared `example`, so
    a formula inserted under one renamed the other's; "3. Code" gave `3`, so renumbering renamed
    every id; "Réseaux" gave `rseaux` and a Greek heading nothing."""
    def ids(text: str) -> list[str]:
        return [c.id for c in extract.claims(notes.parse(text))[0]]

    two = ("# Logistic regression\n\n## Example 1: one example\n\n$$dw = (a - y) x$$\n\n"
           "## Example 2: a batch\n\n$$dw = (a - y) x$$\n")
    before = ids(two)
    assert before == ["logistic.example-one.dw", "logistic.example-batch.dw"]
    inserted = ids(two.replace("one example\n\n", "one example\n\n$$db = a - y$$\n\n"))
    assert before[1] in inserted
    assert ids(two.replace("1:", "3:").replace("2:", "4:")) == before
    greek = "\u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac"  # Ελληνικά
    assert ids(f"# R\u00e9seaux\n\n## {greek}\n\n$$db = a - y$$\n") == [
        "reseaux.\u03b5\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03b1.db"]


def test_the_loss_takes_its_arguments_in_the_order_the_notes_define():
    """Notes that define the course's L(\\hat{y}, y) were false throughout, their definition too:
    L was always label first. The shipped notes define L(y, \\widehat{y}), and their J with
    L(\\widehat{y}, y) stays false (test_swapped_arguments_of_the_loss_are_false_...)."""
    course = ("# Cost\n\n$$\\mathcal{L}(\\hat{y}, y) = -(y \\log \\hat{y} + (1 - y) "
              "\\log(1 - \\hat{y}))$$\n\n"
              "$$J = \\frac{1}{m} \\sum_{i=1}^{m} \\mathcal{L}(\\hat{y}^{(i)}, y^{(i)})$$\n\n"
              "$$J = \\frac{1}{m} \\sum_{i=1}^{m} \\mathcal{L}(y^{(i)}, \\hat{y}^{(i)})$$\n")
    assert [loss.label_first for _, loss in extract.losses(notes.parse(course))] == [False]
    assert [loss.label_first for _, loss in extract.losses(notes.parse(SHIPPED))] == [True]
    assert list(_own(course).values()) == ["holds", "holds", "false"]


SQUARED_ERROR = r"""# Regression

The loss is $\mathcal{L}(a, y) = \frac{1}{2}(a - y)^2$, so $\frac{d\mathcal{L}}{da} = a - y$
and $\frac{d\mathcal{L}}{dz} = (a - y)a(1 - a)$; over the examples
$J = \frac{1}{2m}\sum_{i=1}^{m}(a^{(i)} - y^{(i)})^2$, $dw = \frac{1}{m}X dZ^T$ with
$dZ = (A - Y) * A * (1 - A)$. Not $\frac{d\mathcal{L}}{da} = y - a$, nor $dZ = A - Y$.

```python
def propagate(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = np.sum((A - Y) ** 2) / (2 * m)
    dZ = (A - Y) * A * (1 - A)
    return np.dot(X, dZ.T) / m, cost
```
"""


def test_notes_on_a_loss_of_their_own_are_checked_with_it():
    """Notes on a squared-error loss were false throughout, their definition and its correct
    derivatives included: L was always the cross-entropy. A loss without a logarithm is the
    notes' own: their definition is unchecked (nothing to hold it to) and every formula and
    listing line is checked with it, so an erratum in it is still false."""
    got = _own(SQUARED_ERROR)
    assert got.pop(r"\mathcal{L}(a, y) = \frac{1}{2}(a - y)^2") == "unchecked"
    assert got.pop(r"\frac{d\mathcal{L}}{da} = y - a") == "false"
    assert got.pop("dZ = A - Y") == "false"  # the cross-entropy's
    for held in (r"\frac{d\mathcal{L}}{da} = a - y", r"\frac{d\mathcal{L}}{dz} = (a - y)a(1 - a)",
                 r"J = \frac{1}{2m}\sum_{i=1}^{m}(a^{(i)} - y^{(i)})^2",
                 r"dw = \frac{1}{m}X dZ^T", "dZ = (A - Y) * A * (1 - A)",
                 "cost = np.sum((A - Y) ** 2) / (2 * m)"):  # the last two: listing lines
        assert got.pop(held) == "holds", held
    assert "false" not in got.values(), got


@pytest.mark.parametrize("definition", [
    r"-(y \log a + (1 - y) \log(1 - a))",  # the cross-entropy: its derivative is not a - y
    r"y \log a + (1 - y) \log(1 - a)",  # its sign left out: an erratum, not a loss of its own
])
def test_a_loss_with_a_logarithm_is_held_to_the_cross_entropy(definition):
    text = SQUARED_ERROR.replace(r"\frac{1}{2}(a - y)^2", definition)
    got = _own(text)
    assert got[rf"\mathcal{{L}}(a, y) = {definition}"] == ("false" if definition[0] == "y"
                                                         else "holds")
    assert got[r"\frac{d\mathcal{L}}{da} = a - y"] == "false"


def test_a_listing_s_dz_is_checked_as_a_formula_s_is():
    """`dZ2 = Y - A2` and `dZ1 = ... * (1 - A1)` were "assigns no quantity of the notation
    table", though the same notes' formula dZ^{[2]} was checked: a wrong dZ was only seen one
    line later, at dW."""
    got = _listing_verdicts("def backward(parameters, cache, Y):\n"
                            "    W2 = parameters[\"W2\"]\n    A1 = cache[\"A1\"]\n"
                            "    dZ2 = cache[\"A2\"] - Y\n"
                            "    dZ1 = np.dot(W2.T, dZ2) * A1 * (1 - A1)\n"
                            "    wrong2 = Y - cache[\"A2\"]\n    dZ2 = wrong2\n"
                            "    dZ1 = np.dot(W2.T, cache[\"A2\"] - Y) * (1 - A1)\n"
                            "    return dZ1\n")
    assert got['dZ2 = cache["A2"] - Y'][0] == "holds"
    assert got["dZ1 = np.dot(W2.T, dZ2) * A1 * (1 - A1)"][0] == "holds"
    assert got["dZ2 = wrong2"][0] == "false"
    assert got['dZ1 = np.dot(W2.T, cache["A2"] - Y) * (1 - A1)'][0] == "false"


def test_a_listing_with_the_course_signature_is_run():
    """`backward_propagation(parameters, cache, X, Y)` was never called: every line "not
    run", so a wrong `np.dot(dZ1, X)` went unnoticed; `W2 = parameters["W2"]` is a read."""
    broken = TANH_NOTES.replace("np.dot(dZ1, X.T) / m", "np.dot(dZ1, X) / m")
    claims, _ = extract.claims(notes.parse(broken))
    results = {c.notes: r.verdict for c, r in zip(claims, verify.verify_notes(claims, workers=1))}
    assert results['W2 = parameters["W2"]'] == "holds"
    assert results["dW1 = np.dot(dZ1, X) / m"] == "false"


def test_hard_wrapped_prose_that_starts_like_python_is_prose():
    """Lines of prose starting with `for `, `if ` or `Cost = ` were unfenced listings: each
    "false: does not parse", the formulas on them never checked."""
    text = ("# Gradients\n\nThe same gradient $\\frac{d\\mathcal{L}}{dz} = a - y$ appears "
            "twice,\nfor the weights $dw = (a-y)x$ and for the bias $db = (a-y)$,\nif we keep "
            "the example fixed.\n\nCost = average of the losses, as in the listing below.\n")
    parsed = notes.parse(text)
    assert parsed.code == []
    assert {c.notes: r.verdict for c, r in zip(*_claims_and_results(parsed))} == {
        r"\frac{d\mathcal{L}}{dz} = a - y": "holds", "dw = (a-y)x": "holds",
        "db = (a-y)": "holds"}


def _claims_and_results(parsed):
    claims, _ = extract.claims(parsed)
    return claims, verify.verify_notes(claims, workers=1)


def test_a_sentence_retyped_rewrapped_or_corrected_keeps_its_claim():
    """Straight apostrophes for ’ dropped 4 prose claims ("not found"); nnspec's own
    correction pasted into the notes dropped its claim and made `\\widehat y = y` in it a
    false formula of its own; a relation in unbound prose gave no row at all."""
    straight = SHIPPED.replace("\u2019", "'")
    claims, missing = extract.claims(notes.parse(straight))
    assert not missing
    loss = next(c for c in extract.claims(notes.parse(SHIPPED))[0]
                if c.id == "one.loss-decreases")
    fixed = edited(loss.notes, loss.correction)
    result = _claim_result(fixed, "one.loss-decreases")
    assert result.verdict == "holds"
    claims, _ = extract.claims(notes.parse(fixed))
    assert not any(c.notes.strip() in ("\\widehat y = y",) for c in claims)
    rewrapped = edited("We notice that the loss function decreases when",
                       "We notice that the loss\nfunction decreases when")
    assert _claim_result(rewrapped, "one.loss-decreases").verdict == "false"
    claims, _ = extract.claims(notes.parse("# Rule\n\nWe predict 1 when $z \\ge 0.5$.\n"))
    assert [(c.notes, c.check.run().ok) for c in claims] == [("z \\ge 0.5", None)]


def test_the_second_arrow_reads_what_the_notes_chain_makes():
    """"Second arrow: probability" was the range of sigma whatever the chain said: with the
    notes' forward chain switched to tanh it still held."""
    assert _claim_result(SHIPPED, "one.fwd.second-arrow").verdict == "holds"
    tanh = edited(r"\widehat{y}=a=\sigma(z) \to", r"\widehat{y}=a=\tanh(z) \to")
    result = _claim_result(tanh, "one.fwd.second-arrow")
    assert result.verdict == "false"
    assert r"\tanh(z): (-1, 1) is not within [0, 1]" in result.evidence


def test_the_first_arrow_reads_what_the_notes_chain_makes():
    """"First arrow: regression" checked w*x + b, typed into the check, not the notes."""
    assert _claim_result(SHIPPED, "one.fwd.first-arrow").verdict == "holds"
    curved = edited(r"b \to z=\omega^Tx + b \to", r"b \to z=\sigma(\omega^Tx + b) \to")
    result = _claim_result(curved, "one.fwd.first-arrow")
    assert result.verdict == "false" and "is curved in x" in result.evidence


def test_g_is_the_notes_hidden_activation_whatever_its_argument():
    """In notes with a tanh hidden layer, g^{[1]}(z) of a plain z was still sigma: the notes'
    own `g^{[1]}(z) = \\tanh(z)` was false and `g^{[1]}(z) = \\sigma(z)` held."""
    text = ("# Two layers\n\n$g^{[1]}(z) = \\tanh(z)$\n\n$g^{[1]}(z) = \\sigma(z)$\n\n"
            "$g^{[1]'}(z) = 1 - \\tanh(z)^2$\n\n$g^{[2]}(z) = \\sigma(z)$\n")
    claims, _ = extract.claims(notes.parse(text))
    assert [r.verdict for r in verify.verify_notes(claims, workers=1)] == [
        "holds", "false", "holds", "holds"]


def test_a_tanh_mentioned_in_a_sentence_does_not_make_tanh_notes():
    """"Some people use $A^{[1]} = \\tanh(Z^{[1]})$; we do not" made the notes tanh notes: their
    own sigmoid definition on the next line and a correct dZ1 were false."""
    text = ("# Two layers\n\nSome people use $A^{[1]} = \\tanh(Z^{[1]})$; we do not.\n\n"
            "$A^{[1]} = \\sigma(Z^{[1]})$\n\n"
            "$dZ^{[1]} = W^{[2]T} dZ^{[2]} * A^{[1]} * (1 - A^{[1]})$\n")
    assert extract.hidden_of(notes.parse(text)) == "sigmoid"


RIGHT_DZ, CROSS_ENTROPY_DZ = "dz = (a - y)a(1 - a)", "dz = a - y"


@pytest.mark.parametrize("definition", [
    r"\mathcal{L}(\hat{y}^{(i)}, y^{(i)}) = \frac{1}{2}(\hat{y}^{(i)} - y^{(i)})^2",  # example i
    r"\mathcal{L} = \frac12 (\hat{y} - y)^2",  # L alone; \frac12 as LaTeX takes it
    r"\mathcal{L}(\hat{y}, y) = \frac{1}{2}(\hat{y} - y)^2 \quad \text{(squared error)}",
    r"\mathcal{L}(\hat{y}, y) = \frac{1}{2}(\hat{y} - y)^2,",
    r"\mathcal{L}(\hat{y}, y) \triangleq \frac{1}{2}(\hat{y} - y)^2",
])
def test_a_squared_error_is_the_notes_loss_however_it_is_written(definition):
    """Each of these was held to the cross-entropy (or not seen as a definition): the right
    dz false, the cross-entropy's dz holds."""
    got = _own(f"# Loss\n\n$${definition}$$\n\n$${RIGHT_DZ}$$\n\n$${CROSS_ENTROPY_DZ}$$\n")
    assert (got[RIGHT_DZ], got[CROSS_ENTROPY_DZ]) == ("holds", "false"), got


@pytest.mark.parametrize("definition", [
    r"\frac{1}{2}\|a - y\|^2",
    r"\log(\cosh(a - y))",  # a logarithm it cannot read was held to the cross-entropy
    r"\log\left(a^{y} (1 - a)^{1 - y}\right)",  # the cross-entropy with its sign flipped
])
def test_a_loss_the_table_cannot_read_is_never_read_as_the_cross_entropy(definition):
    """`\\frac{1}{2}\\|a - y\\|^2` was unchecked, and what followed was checked with the
    cross-entropy: the right dz false, the wrong one holds. What reads L is unchecked now."""
    text = f"# Loss\n\n$$\\mathcal{{L}}(a, y) = {definition}$$\n\n" \
           f"$${RIGHT_DZ}$$\n\n$${CROSS_ENTROPY_DZ}$$\n\n$$a = \\sigma(z)$$\n"
    claims, _ = extract.claims(notes.parse(text))
    results = {c.notes: r for c, r in zip(claims, verify.verify_notes(claims, workers=1))}
    for quote in (RIGHT_DZ, CROSS_ENTROPY_DZ):
        assert results[quote].verdict == "unchecked"
        assert "the loss the notes define" in results[quote].detail
    assert results["a = \\sigma(z)"].verdict == "holds"  # reads no loss


def test_each_loss_governs_the_formulas_after_it():
    """Notes that compare two losses section by section: the second was judged against the
    first, so an exact cross-entropy was false."""
    text = ("# Squared\n\n$$\\mathcal{L}(\\hat{y}, y) = \\frac{1}{2}(\\hat{y} - y)^2$$\n\n"
            f"$${RIGHT_DZ}$$\n\n# Cross-entropy\n\n"
            "$$\\mathcal{L}(\\hat{y}, y) = -(y\\log(\\hat{y}) + (1-y)\\log(1-\\hat{y}))$$\n\n"
            f"$${CROSS_ENTROPY_DZ}$$\n")
    assert set(_own(text).values()) == {"unchecked", "holds"}


def test_a_correction_is_checked_with_the_notes_loss():
    """The catalogue's corrections are the cross-entropy's: under a squared error one said
    "the correction verifies" for what the same run called false two lines later. They are
    the shipped notes' own; notes with a loss of their own get none."""
    text = edited(r"\mathcal{L}(y, \widehat{y})=-[y\log(\widehat{y})+(1-y)\log(1-\widehat{y})]",
                  r"\mathcal{L}(y, \widehat{y})=\frac{1}{2}(\widehat{y}-y)^2")
    claims, _ = extract.claims(notes.parse(text))
    results = {r.id: r for r in verify.verify_notes(claims, workers=1)}
    told = results["2-layer.backward.dL-da1.2"]  # (a^{[2]}-y)W^{[2]}: false either way
    assert told.verdict == "false" and not told.correction and "correction" not in told.detail
    assert not [c for c in claims if c.kind != "prose statement" and c.correction]


@pytest.mark.parametrize("formula", [
    "$$db = y - a \\tag{2}$$",
    "$$db = y - a \\label{eq:db}$$",
    "$$db = y - a \\quad (3)$$",
    "\\begin{equation}\ndb = y - a\n\\end{equation}",
    "$$\ndb = y - a\n$$",  # on lines of their own: was a Python listing
    "$$\\begin{aligned} dz &= a - y \\\\[4pt] db &= y - a, \\end{aligned}$$",
])
def test_numbered_and_environment_formulas_are_read(formula):
    """A \\tag or \\label made the formula unreadable, `\\quad (3)` was a factor 3, an
    equation environment gave no claim, `$$` on lines of their own made a listing, and an
    aligned block of separate equations was one chain: the flipped sign went unseen."""
    got = {re.sub(r"[\s&]", "", quote): verdict
           for quote, verdict in _own(f"# G\n\n{formula}\n").items()}
    assert got.pop("db=y-a") == "false", got
    assert set(got.values()) <= {"holds"}, got


def test_two_formulas_side_by_side_are_two():
    """`z = w^T x + b \\quad\\text{and}\\quad a = \\sigma(z)` was one chain, a false
    `z = \\sigma(z)` of two right formulas; `,\\quad` made both unreadable."""
    got = _own("# F\n\n$$z = w^T x + b \\quad\\text{and}\\quad a = \\sigma(z)$$\n\n"
               "$$dw = x\\,dz, \\quad db = y - a$$\n")
    assert got == {"z = w^T x + b": "holds", "a = \\sigma(z)": "holds",
                   "dw = x\\,dz": "holds", "db = y - a": "false"}


def test_a_message_never_shows_the_parser_s_stand_ins():
    """`\\log\\hat{y}` with no space between was "cannot read '@'" (Y@ is the parser's
    \\hat{y}); it is read."""
    got = _own("# L\n\n$$\\mathcal{L}(\\hat{y}, y) = -y\\log\\hat{y} - (1-y)\\log(1-\\hat{y})$$\n")
    assert list(got.values()) == ["holds"]


def test_a_loss_that_is_not_finite_is_not_the_notes_loss():
    text = "# L\n\n$$\\mathcal{L}(a, y) = \\frac{1}{0}(a - y)^2$$\n\n$$dz = a - y$$\n"
    claims, _ = extract.claims(notes.parse(text))
    result = verify.verify_notes(claims, workers=1)[-1]
    assert result.verdict == "unchecked" and "is not finite" in result.detail


def test_a_cost_written_out_is_the_notes_loss_and_keeps_their_order():
    """A squared-error cost J with no L was read with the cross-entropy: the right dz and the
    listing's cost false. J written out (not in terms of L) defines the loss too, its value
    on one example; after an L, J is a formula checked with it."""
    squared = "# Cost\n\n$$J = \\frac{1}{2m}\\sum_{i=1}^{m}(a^{(i)} - y^{(i)})^2$$\n\n" \
              f"$${RIGHT_DZ}$$\n\n$${CROSS_ENTROPY_DZ}$$\n"
    got = _own(squared)
    assert (got[RIGHT_DZ], got[CROSS_ENTROPY_DZ]) == ("holds", "false"), got
    course = ("# Cost\n\n$$\\mathcal{L}(\\hat{y}, y) = -(y \\log \\hat{y} + (1 - y) "
              "\\log(1 - \\hat{y}))$$\n\n$$J = -\\frac{1}{m}\\sum_{i=1}^{m} (y^{(i)}\\log a^{(i)} "
              "+ (1-y^{(i)})\\log(1-a^{(i)}))$$\n\n"
              "$$J = \\frac{1}{m} \\sum_{i=1}^{m} \\mathcal{L}(\\hat{y}^{(i)}, y^{(i)})$$\n")
    assert [loss.label_first for _, loss in extract.losses(notes.parse(course))] == [False]
    assert set(_own(course).values()) == {"holds"}


def test_a_listing_line_s_evidence_names_whose_value_is_which():
    """A formula's evidence is its left and right sides; a listing line's said "left" for the
    line's value and "right" for the notation's, the other way round from a formula's J."""
    verdict, detail = _listing_verdicts("A = sigmoid(np.dot(w.T, X) + b)\ndZ = Y - A\n")[
        "dZ = Y - A"]
    assert verdict == "false" and "the line gives " in detail and ", the table " in detail
    assert "left" not in detail and "right" not in detail


@pytest.mark.parametrize("step, verdict", [
    (r"w := w - \alpha\, dw", "holds"),
    (r"W^{[1]} \leftarrow W^{[1]} - \alpha\, dW^{[1]}", "holds"),
    (r"b \gets b - \eta\, \frac{\partial J}{\partial b}", "holds"),
    (r"b := b + \alpha\, db", "false"),  # an ascent
    (r"w := w - \alpha\, dw^T", "false"),  # its transpose: the shapes differ
])
def test_a_gradient_descent_step_is_checked(step, verdict):
    """An update was never checked: \\alpha was not in the notation table, and a line with
    \\leftarrow gave no claim at all, so an ascent went unseen."""
    claims, _ = extract.claims(notes.parse(f"# Update\n\n$${step}$$\n"))
    (result,) = verify.verify_notes(claims, workers=1)
    assert result.verdict == verdict and "a gradient-descent step" in result.detail


def test_a_false_step_s_counterexample_has_a_positive_learning_rate():
    """An ascent `w := w + \\alpha\\, dw` was shown false at alpha = -99/65."""
    text = ("# N\n\n$$z = w^T x + b$$\n\n$$a = \\sigma(z)$$\n\n"
            "$$L(a, y) = -(y \\log a + (1 - y) \\log(1 - a))$$\n\n$$dz = a - y$$\n\n"
            "$$dw = x\\, dz$$\n\n$$w := w + \\alpha\\, dw$$\n")
    claims, _ = extract.claims(notes.parse(text))
    step = [r for r in verify.verify_notes(claims, workers=1) if "gradient-descent" in r.detail]
    assert [r.verdict for r in step] == ["false"] and "at alpha = " in step[0].evidence
    assert not step[0].evidence.split("at alpha = ")[1].startswith("-"), step[0].evidence


@pytest.mark.parametrize("before", [
    "We use a network with $L = 3$ layers.",  # a value, not a loss
    "The cost is $J = 0.14$ after training.",
    (r"$$\mathcal{L}(a, y) = \begin{cases} -\log a & \text{if } y = 1 \\ "
    r"-\log(1 - a) & \text{if } y = 0 \end{cases}$$"),  # the cross-entropy, by cases
])
def test_a_value_or_cases_is_not_a_loss_of_its_own(before):
    """`L = 3` or `J = 0.14` became the loss (a constant), and the `1` of a cases' `y = 1` too:
    every derivative of L after it was false."""
    got = _own(f"# N\n\n{before}\n\n$${CROSS_ENTROPY_DZ}$$\n\n"
               "$$\\frac{d\\mathcal{L}}{da} = -\\frac{y}{a} + \\frac{1-y}{1-a}$$\n")
    assert got[CROSS_ENTROPY_DZ] == "holds", got
    assert got["\\frac{d\\mathcal{L}}{da} = -\\frac{y}{a} + \\frac{1-y}{1-a}"] == "holds", got


def test_an_example_s_loss_written_with_its_index_is_the_notes_loss():
    got = _own("# Loss\n\n$$\\mathcal{L}^{(i)} = \\frac12(a^{(i)} - y^{(i)})^2$$\n\n"
               f"$${RIGHT_DZ}$$\n\n$${CROSS_ENTROPY_DZ}$$\n")
    assert (got[RIGHT_DZ], got[CROSS_ENTROPY_DZ]) == ("holds", "false"), got


@pytest.mark.parametrize("block", [
    (r"\begin{aligned} \frac{d\mathcal{L}}{dz} &= \frac{d\mathcal{L}}{da}\frac{da}{dz} \\ "
    r"\text{(chain rule)} \quad &= a - y \end{aligned}"),
    (r"\begin{aligned} \frac{d\mathcal{L}}{dz} &= \frac{d\mathcal{L}}{da}\frac{da}{dz} \\ "
    r"\quad &= a - y \end{aligned}"),
    r"\frac{d\mathcal{L}}{dz} = \frac{d\mathcal{L}}{da}\frac{da}{dz} \\ = a - y",
    r"\frac{d\mathcal{L}}{dz} = \frac{d\mathcal{L}}{da}\frac{da}{dz}, \quad \text{i.e.} = a - y",
])
def test_a_row_that_goes_on_with_the_chain_stays_in_it(block):
    """A continuation row with words or spacing before its `&`, or none at all, was cut off
    its chain: the link into it was lost or unchecked."""
    claims, _ = extract.claims(notes.parse(f"# C\n\n$${block}$$\n"))
    results = verify.verify_notes(claims, workers=1)
    assert [r.verdict for r in results] == ["holds", "holds"], [r.detail for r in results]


def test_words_between_two_formulas_and_a_matrix_s_rows():
    """`dz = a - y, \\quad \\text{so} \\quad dw = x\\,dz` left dw unchecked ("no formula
    before so"); the `\\\\` of a matrix cut it in two (the ids moved)."""
    got = _own("# W\n\n$$dz = a - y, \\quad \\text{so} \\quad dw = x\\,dz$$\n")
    assert got == {"dz = a - y": "holds", "dw = x\\,dz": "holds"}
    matrix = "$$X = \\begin{bmatrix} x_1 & x_2 \\\\ x_3 & x_4 \\end{bmatrix}$$"
    claims, _ = extract.claims(notes.parse(f"# M\n\n{matrix}\n"))
    assert [c.id for c in claims] == ["m.X"]


@pytest.mark.parametrize("step", [
    r"\omega \leftarrow \omega + \alpha\, d\omega",
    r"\mathbf{w} \leftarrow \mathbf{w} + \alpha\, d\mathbf{w}",
    r"\begin{aligned} w &\leftarrow w + \alpha\, dw \\ b &\gets b + \alpha\, db \end{aligned}",
])
def test_an_ascent_written_any_way_is_a_false_step(step):
    claims, _ = extract.claims(notes.parse(f"# U\n\n$${step}$$\n"))
    results = verify.verify_notes(claims, workers=1)
    assert results and all(r.verdict == "false" and "gradient-descent step" in r.detail
                           for r in results), [(r.verdict, r.detail) for r in results]


def test_a_learning_rate_s_value_is_not_checked():
    got = _own("# U\n\nWe take $\\alpha = 0.01$ (or $\\eta = 0.1$).\n")
    assert set(got.values()) == {"unchecked"}, got


def test_the_course_s_order_of_the_loss_keeps_the_corrections():
    """Notes that write the cross-entropy as L(\\widehat{y}, y) lost every correction, those
    that do not depend on the order too (y = \\omega^Tx + b)."""
    text = edited(r"\mathcal{L}(y, \widehat{y})=-[y\log(\widehat{y})",
                  r"\mathcal{L}(\widehat{y}, y)=-[y\log(\widehat{y})")
    claims, _ = extract.claims(notes.parse(text))
    results = {r.id: r for r in verify.verify_notes(claims, workers=1)}
    assert results["1-layer.y"].correction and not any(
        r.engine_errors for r in results.values())


def test_a_definition_by_cases_is_unchecked_not_false():
    """The `y = 1` and `y = 0` of the cases made links of words and a false `1 = 0`."""
    got = _own(r"# C" "\n\n" r"$$\mathcal{L}(a, y) = \begin{cases} -\log a & \text{if } y = 1 \\ "
               r"-\log(1 - a) & \text{if } y = 0 \end{cases}$$" "\n")
    assert list(got.values()) == ["unchecked"], got


@pytest.mark.parametrize("sign", [r"\triangleq", r"\coloneqq", r"\equiv", r"\stackrel{def}{=}"])
def test_a_definition_written_with_its_own_sign_is_a_claim(sign):
    """`z \\triangleq w^T x + b` gave no claim at all, so an erratum written so went unseen."""
    got = _own(f"# N\n\n$$z {sign} w^T x + b$$\n\n$$a {sign} \\sigma(z + 1)$$\n")
    assert sorted(got.values()) == ["false", "holds"], got


@pytest.mark.parametrize("open_, close", [("$$", "$$"), ("\\[", "\\]")])
def test_a_display_that_starts_with_equals_continues_the_one_before(open_, close):
    """`$$dz = ...$$` then `$$= y - a$$` on the next line: the second display had no left side
    and was dropped without a word, so its flipped sign was never checked."""
    text = (f"# T\n\n{open_}dz = \\frac{{d\\mathcal{{L}}}}{{da}}\\frac{{da}}{{dz}}{close}\n"
            f"{open_}= y - a{close}\n\nand\n\n{open_}dw = x\\, dz{close}\n{open_}= x (a - y){close}\n")
    claims, _ = extract.claims(notes.parse(text, "x.md"))
    got = {(c.id, c.line): r.verdict for c, r in zip(claims, verify.verify_notes(claims, workers=1))}
    assert got == {("t.dz", 3): "holds", ("t.dz-2", 4): "false",
                   ("t.dw", 8): "holds", ("t.dw-2", 9): "holds"}, got


def test_a_display_that_ends_with_equals_is_continued_by_the_next():
    """`$$dz =$$` then `$$= a - y$$`: neither display had two sides, so both were dropped
    (and notes written so had no claim at all)."""
    text = "# T\n\n$$dz =$$\n$$= a + y$$\n\n$$\\frac{d\\mathcal{L}}{db} =$$\n\n$$= a - y$$\n"
    claims, _ = extract.claims(notes.parse(text, "x.md"))
    got = {(c.id, c.line): r.verdict for c, r in zip(claims, verify.verify_notes(claims, workers=1))}
    assert got == {("t.dz", 4): "false", ("t.dL-db", 8): "holds"}, got


@pytest.mark.parametrize("formula", [
    "σ'(z) = σ(z)(1 − σ(z))",  # typed: sigma, the minus sign U+2212
    r"\sigma^\prime(z) = \sigma(z)(1 - \sigma(z))",
    r"\sigma^{\prime}(z) = \sigma(z)(1 - \sigma(z))",
    r"J = \frac{1}{m}\sum\limits_{i=1}^{m} \mathcal{L}(y^{(i)}, a^{(i)})",
    r"\tanh'(z) = 1 - \tanh^2(z)",
])
def test_equivalent_ways_of_typing_a_formula_keep_its_verdict(formula):
    """Each was unchecked ("cannot read 'σ'(z)'", "'^' is not in the notation table", "a sum
    without its index"); and a sign flipped in it is false."""
    assert verdicts_of(f"# T\n\n$${formula}$$\n", formula) == [("holds", 3)]
    broken = formula.replace("(1 − σ", "(1 + σ").replace("(1 - \\sigma", "(1 + \\sigma") \
        .replace("\\frac{1}{m}", "\\frac{1}{2m}").replace("= 1 - \\tanh", "= 1 + \\tanh")
    assert verdicts_of(f"# T\n\n$${broken}$$\n", broken) == [("false", 3)]


@pytest.mark.parametrize("formula", [r"dz = \frac{1}{0}", r"dz = \frac{a-y}{a-a}"])
def test_a_division_by_zero_is_said(formula):
    """1/0 was false as "the difference is zoo, not 0"; (a - y)/(a - a) unchecked as "equal to
    1e-20 at a random point, not proven"."""
    claims, _ = extract.claims(notes.parse(f"# T\n\n$${formula}$$\n", "x.md"))
    (result,) = verify.verify_notes(claims, workers=1)
    assert result.verdict == "false" and "the right side divides by zero" in result.evidence


def test_shape_claims_are_checked_against_the_notation_s_values():
    """`W^{[1]} \\in \\mathbb{R}^{n_h \\times n_x}` and `\\dim(b) = (a, b)` were unchecked ("the
    relation \\in is not in the notation table"): an author's dimensions went unread, a
    transposed one too."""
    text = ("# Two\n\n## Shapes\n\n"
            "We write $W^{[1]} \\in \\mathbb{R}^{n^{[1]} \\times n^{[0]}}$ for the first layer.\n\n"
            "$$W^{[2]} \\in \\mathbb{R}^{n_h \\times 1}$$\n\n"
            "$$Z^{[1]} = W^{[1]} X + b^{[1]} \\in \\mathbb{R}^{n_h \\times m}$$\n\n"
            "$$\\dim(dW^{[1]}) = (n_h, n_x)$$\n\n"
            "$$a^{[1]} \\in \\mathbb{R}^{n_h \\times m}$$\n\n"
            "$$x^{(i)} \\in \\mathbb{R}^{n_x}$$\n\n"
            "$$b^{[1]} \\in \\mathbb{R}^{k \\times 1}$$\n")
    claims, _ = extract.claims(notes.parse(text, "x.md"))
    shapes = [c for c in claims if c.kind == "shape/dimension"]
    got = {c.id: r for c, r in zip(shapes, verify.verify_notes(shapes, workers=1))}
    assert {k: r.verdict for k, r in got.items()} == {
        "two.shapes.W1-shape": "holds", "two.shapes.W2-shape": "false",
        "two.shapes.Z1.2": "holds", "two.shapes.dW1-shape": "holds",
        "two.shapes.a1-shape": "holds-under-convention", "two.shapes.x-shape": "holds",
        "two.shapes.b1-shape": "unchecked"}, got
    assert "(1, n_h), not (n_h, 1)" in got["two.shapes.W2-shape"].detail
    assert "that is the shape of its transpose" in got["two.shapes.W2-shape"].evidence
    assert "lowercase name for the m examples" in got["two.shapes.a1-shape"].convention
    assert "the size 'k' is none of the notation table's" in got["two.shapes.b1-shape"].detail


def test_a_gradient_step_with_a_rate_of_its_own_is_a_step():
    """`w = w - 0.01 * dw` in a listing and `w := w - 0.01\\, dw` in a formula were false (held
    to learning_rate = 27/133, a number the notes never wrote), and `update(..., alpha)` was
    not run; a step up the gradient stays false."""
    got = _listing_verdicts("m = X.shape[1]\nA = sigmoid(np.dot(w.T, X) + b)\n"
                            "dw = np.dot(X, (A - Y).T) / m\ndb = np.sum(A - Y) / m\n"
                            "w = w - 0.01 * dw\nb = b + 0.01 * db\n")
    assert got["w = w - 0.01 * dw"][0] == "holds"
    assert got["b = b + 0.01 * db"][0] == "false"
    got = _listing_verdicts("def update(w, b, dw, db, alpha):\n    w = w - alpha * dw\n"
                            "    return w\n")
    assert got["w = w - alpha * dw"][0] == "holds"
    for step, verdict in ((r"w := w - 0.01\, dw", "holds"), (r"w := w + 0.01\, dw", "false")):
        assert verdicts_of(f"# T\n\n$${step}$$\n", step) == [(verdict, 3)]


def test_a_chain_split_over_displays_without_a_leading_equals_is_read_whole():
    """`$$db =$$` then `$$y - a$$` (no `=` to start the second), and a chain over three
    displays: no claim at all, so both errata vanished and --fail-on passed."""
    text = ("# T\n\n$$db =$$\n$$y - a$$\n\nand\n\n$$dw =$$\n"
            "$$\\frac{\\partial \\mathcal{L}}{\\partial w}$$\n$$= x (y - a)$$\n")
    claims, _ = extract.claims(notes.parse(text, "x.md"))
    got = {(c.id, c.line): r.verdict for c, r in zip(claims, verify.verify_notes(claims, workers=1))}
    assert got == {("t.db", 4): "false", ("t.dw", 9): "holds", ("t.dw-2", 10): "false"}, got


def test_the_lines_below_a_line_that_raises_are_judged_all_the_same():
    """A line that raises (dZ1 with a transpose too many) left every line below it "not
    reached": a missing 1/m there went unseen until the first erratum was fixed. They run with
    the notation table's dZ1 in its place."""
    got = _listing_verdicts(
        "m = X.shape[1]\nA1 = sigmoid(np.dot(W1, X) + b1)\nA2 = sigmoid(np.dot(W2, A1) + b2)\n"
        "dZ2 = A2 - Y\ndZ1 = np.dot(W2, dZ2.T) * A1 * (1 - A1)\n"
        "dW1 = np.dot(dZ1, X.T)\ndb1 = np.sum(dZ1, axis=1, keepdims=True) / m\n")
    assert got["dZ1 = np.dot(W2, dZ2.T) * A1 * (1 - A1)"][0] == "false"
    verdict, detail = got["dW1 = np.dot(dZ1, X.T)"]
    assert verdict == "false" and "(L5 raises: run with the notation table's dZ1 in its place)" \
        in detail
    assert got["db1 = np.sum(dZ1, axis=1, keepdims=True) / m"][0] == "holds"


@pytest.mark.parametrize("size", ["h", "x", "n", "nm"])
def test_a_shape_of_letters_that_name_no_size_is_unchecked(size):
    """`\\mathbb{R}^{h}` read h as a symbol and the check raised (an engine error)."""
    from nnspec.spec.dimensions import Shape

    out = Shape("W^{[1]}", (size,), "").run()
    assert out.ok is None and "is none of the notation table's" in out.detail


def test_the_loss_is_one_example_s_number():
    """`\\mathcal{L} \\in \\mathbb{R}` was unchecked: L was evaluated over m examples."""
    from nnspec.spec.dimensions import Shape

    assert Shape("\\mathcal{L}", ("1",), "").run().ok is True
    assert Shape("\\mathcal{L}", ("m",), "").run().ok is False


def test_layer_0_is_the_input_layer_not_the_one_layer_output():
    """^{[0]} was dropped: the course's A^{[0]} = X was an erratum (A of the 1-layer network is
    (1, m)), and A^{[0]} = sigma(w^T X + b) held."""
    found = _own("# Layers\n\n$$A^{[0]} = X$$\n\n$$a^{[0]} = x$$\n\n"
                 "$$A^{[0]} = \\sigma(w^T X + b)$$\n\n$$dZ^{[0]} = A - Y$$\n")
    assert list(found.values()) == ["holds", "holds", "false", "unchecked"], found


def test_a_section_with_a_third_layer_checks_nothing_against_the_two_layer_output():
    """dZ^{[2]} = A^{[2]} - Y held in a section whose network ends in A^{[3]}: true of
    nnspec's 2-layer network, false of the notes'. Its forward step of layer 2 is still
    layer 2's, and the 2-layer section before it is checked as ever."""
    two = ("# Two layers\n\n$$dZ^{[2]} = A^{[2]} - Y$$\n\n")
    three = ("# Three layers\n\n$$Z^{[2]} = W^{[2]} A^{[1]} + b^{[2]}$$\n\n"
             "$$A^{[3]} = \\sigma(Z^{[3]})$$\n\n$$dZ^{[2]} = A^{[2]} - Y$$\n\n"
             "$$dW^{[2]} = \\frac{1}{m} dZ^{[2]} A^{[1]T}$$\n")
    claims, _ = extract.claims(notes.parse(two + three))
    got = [(c.section, c.notes, r.verdict)
           for c, r in zip(claims, verify.verify_notes(claims, workers=1))]
    assert [v for *_, v in got] == ["holds", "holds", "unchecked", "unchecked", "unchecked"], got
    assert "more than two layers" in verify.verify_notes(claims[3:4], workers=1)[0].detail


def test_a_listing_does_not_see_a_helper_defined_after_it():
    """A wrong sigmoid in a listing appended at the end of the notes made an earlier,
    untouched propagate false: a listing ran with every other listing's definitions."""
    text = ("# Code\n\n```python\ndef propagate(w, b, X, Y):\n    A = sigmoid(np.dot(w.T, X) + b)\n"
            "    return A\n```\n\n# Later\n\n```python\ndef sigmoid(z):\n"
            "    return 1 / (1 + np.exp(z))\n```\n")
    claims, _ = extract.claims(notes.parse(text, "x.md"))
    got = {r.notes: r.verdict for r in verify.verify_notes(claims, workers=1)}
    assert got["A = sigmoid(np.dot(w.T, X) + b)"] == "holds", got


@pytest.mark.parametrize("relation", ["\\approx", "\\ne", "\\simeq", "\\sim", "\\propto",
                                      "\\gg", "\u2248", "\u2264", "\\to"])
def test_every_relation_is_a_claim_unchecked_if_nothing_reads_it(relation):
    """`\\ne` was skipped where `\\neq` was counted, and so were \\approx, ≈, ≤, \\propto and
    a limit's \\to: a wrong relation in the notes was counted nowhere."""
    for text in (f"# R\n\n$$\\sigma(0) {relation} 0.9$$\n", f"# R\n\nSo $\\sigma(0) {relation} 0.9$ here.\n"):
        found = _own(text)
        assert list(found.values()) == ["unchecked"], (text, found)


def test_github_math_is_read_as_math():
    """A ```math fence and GitHub's inline $`...`$ held wrong formulas that were no claims."""
    found = _own("# M\n\n```math\ndZ^{[2]} = Y - A^{[2]}\n```\n\n"
                 "So $`dZ^{[2]} = A^{[2]} - Y`$ here.\n")
    assert list(found.values()) == ["false", "holds"], found


def test_the_hidden_activation_is_read_section_by_section_as_the_loss_is():
    """Notes that compare a sigmoid and a tanh hidden layer: a correct tanh section appended
    made the sigmoid section's untouched da1/dz1 = d sigma(z1)/dz1 false (the first definition
    decided for the whole notes). A formula used before its section's definition is read with
    that definition."""
    tanh = ("\n\nWith a tanh hidden layer\n\n$$dZ^{[1]} = W^{[2]T} dZ^{[2]} * (1 - A^{[1]2})$$\n\n"
            "$$A^{[1]} = \\tanh(Z^{[1]})$$\n")
    shown = "\\frac{da^{[1]}}{dz^{[1]}} = \\frac{d\\sigma(z^{[1]})}{dz^{[1]}}"
    assert verdicts_of(SHIPPED + tanh, shown)[0][0] == "holds"
    assert verdicts_of(SHIPPED + tanh, "(1 - A^{[1]2})")[0][0] == "holds"


def test_prose_claims_about_the_loss_read_the_notes_own_loss():
    """With a squared-error loss, "a 1-layer network can be seen as a logistic regression"
    still held ("the loss is the Bernoulli negative log-likelihood"): the prose claims were
    computed with the cross-entropy whatever loss the notes define."""
    old = r"\mathcal{L}(y, \widehat{y})=-[y\log(\widehat{y})+(1-y)\log(1-\widehat{y})]"
    squared = edited(old, r"\mathcal{L}(y, \widehat{y})=\frac{1}{2}(\widehat{y}-y)^2")
    claims, _ = extract.claims(notes.parse(squared))
    chosen = {c.id: c for c in claims if c.id in ("one.logistic-regression", "one.cost-is-mean")}
    got = {r.id: r for r in verify.verify_notes(list(chosen.values()), workers=1)}
    assert got["one.logistic-regression"].verdict == "false"
    assert got["one.cost-is-mean"].verdict == "holds"
    assert "the notes' own loss" in got["one.cost-is-mean"].detail


def test_typed_greek_a_typed_square_and_d_over_dz_are_read():
    """ω, α, ² and ᵀ as typed, and the operator form d/dz f(z), were unchecked ("not in the
    notation table", "a derivative operator d/dV applied to what follows"), hiding errata."""
    found = _own("# U\n\n$$\\frac{d}{dz}\\tanh(z) = 1 - \\tanh(z)$$\n\n"
                 "$$\\frac{d}{dz}\\sigma(z) = \\sigma(z)(1-\\sigma(z))$$\n\n$$z = ωᵀx + b$$\n\n"
                 "$$\\sigma(z)² = \\sigma(z)\\sigma(z)$$\n\n$$w := w - α dw$$\n")
    assert list(found.values()) == ["false", "holds", "holds", "holds", "holds"], found


@pytest.mark.parametrize("body, verdict", [("1 / (1 + np.exp(-z))", "holds"),
                                           ("1 / (1 + np.exp(z))", "false")])
def test_the_notes_own_sigmoid_is_judged_and_its_callers_are_not_its_errata(body, verdict):
    """A wrong sigmoid's return line was "not run" (its parameter z is no quantity of the
    table) while every line that called it was an erratum of its own: now the sigmoid is the
    one false line, and its callers hold once it is the table's."""
    text = ("# Code\n\n```python\ndef sigmoid(z):\n    return " + body + "\n\n"
            "def propagate(w, b, X, Y):\n    A = sigmoid(np.dot(w.T, X) + b)\n"
            "    return A\n```\n")
    claims, _ = extract.claims(notes.parse(text, "x.md"))
    got = {r.notes: r for r in verify.verify_notes(claims, workers=1)}
    assert got[f"return {body}"].verdict == verdict, got
    caller = got["A = sigmoid(np.dot(w.T, X) + b)"]
    assert caller.verdict == "holds", caller
    assert ("once sigmoid is the notation table's" in caller.detail) == (verdict == "false")


def test_a_bound_sentence_edited_in_place_is_pointed_at():
    """An edited bound sentence (a typo fixed, an erratum fixed in other words, or made wrong)
    was "not found" with no hint of where: the line most like it is named."""
    sentence = "We notice that the loss function decreases when"
    line = SHIPPED[:SHIPPED.index(sentence)].count("\n") + 1
    doc = verify.verify_document(SHIPPED.replace(sentence, "We see that the loss increases when"))
    missing = {c["id"]: c for c in doc["not_found"]}
    assert missing["one.loss-decreases"]["near_line"] == line
    other = verify.verify_document("# Other notes\n\n$$z = w^T x + b$$\n")  # quotes none
    assert all("near_line" not in c for c in other["not_found"])


def test_a_loss_named_in_a_remark_redefines_nothing():
    """"We do not use the squared error $L = ...$ here" made the squared error the loss of
    every formula below it: six right formulas false, four errata gone."""
    remark = ("Remark: we do not use the squared error $\\mathcal{L}(y, \\widehat{y}) = "
              "\\frac{1}{2}(\\widehat{y} - y)^2$ here.\n\n")
    anchor = "The cost function is the empiric loss"
    remarked = edited(anchor, remark + anchor)
    quote = "\\frac{d\\mathcal{L}}{db} = (a-y)"
    assert [v for v, _ in verdicts_of(remarked, quote)] == [v for v, _ in verdicts_of(SHIPPED,
                                                                                      quote)]
    assert [v for v, _ in verdicts_of(remarked, "\\frac{1}{2}(\\widehat{y} - y)^2")] == [
        "unchecked"]


def test_a_loss_of_a_later_section_is_not_read_backwards():
    found = _own("# Logistic regression\n\n$$\\frac{\\partial \\mathcal{L}}{\\partial z} = a - y$$\n\n"
                 "# Squared error\n\n$$\\mathcal{L}(\\hat{y}, y) = \\frac{1}{2}(\\hat{y} - y)^2$$\n\n"
                 "$$\\frac{\\partial \\mathcal{L}}{\\partial z} = (a - y) a (1 - a)$$\n")
    assert list(found.values()) == ["holds", "unchecked", "holds"], found


def test_the_number_of_layers_l_is_no_erratum():
    """The course's `$L = 2$` (layers) was checked as "the loss equals 2": two errata."""
    found = _own("# Layers\n\nWe count $L = 1$ for the first and $L = 2$ for the second.\n")
    assert list(found.values()) == ["unchecked", "unchecked"], found


def test_a_three_layer_network_in_subsections_or_a_listing_is_seen():
    """The 3-layer scope was the leaf subsection: with Forward and Backward subsections (as
    the shipped 2-layer section has) dZ^{[2]} = A^{[2]} - Y held; a listing's Z3 too."""
    sub = _own("# 3-layer network\n\n## Forward\n\n$$Z^{[3]} = W^{[3]} A^{[2]} + b^{[3]}$$\n\n"
               "## Backward\n\n$$dZ^{[2]} = A^{[2]} - Y$$\n")
    assert list(sub.values())[-1] == "unchecked", sub
    code = _own("# Three layers\n\n```python\ndef forward(X, parameters):\n"
                "    Z3 = np.dot(W3, A2) + b3\n    return Z3\n```\n\n$$dZ^{[2]} = A^{[2]} - Y$$\n")
    assert code["dZ^{[2]} = A^{[2]} - Y"] == "unchecked", code
    three = _own("# Three\n\n```python\ndef backward_propagation(parameters, cache, X, Y):\n"
                 "    W3 = parameters[\"W3\"]\n    return W3\n```\n")
    assert "false" not in three.values(), three


def test_a_section_s_hidden_activation_given_in_a_sentence_is_its_own():
    found = _own("# Tanh\n\n$$A^{[1]} = \\tanh(Z^{[1]})$$\n\n"
                 "$$dZ^{[1]} = W^{[2]T} dZ^{[2]} * (1 - A^{[1]2})$$\n\n# Sigmoid\n\n"
                 "Now the hidden layer is a sigmoid, $A^{[1]} = \\sigma(Z^{[1]})$, as the output.\n\n"
                 "$$dZ^{[1]} = W^{[2]T} dZ^{[2]} * A^{[1]} * (1 - A^{[1]})$$\n")
    assert set(found.values()) == {"holds"}, found


def test_a_listing_s_tanh_hidden_layer_is_the_notes_hidden_layer():
    """The course's planar code (A1 = np.tanh(Z1)) in notes with no formula of a^{[1]} was
    false: "the notes define sigma"."""
    found = _own("# Planar\n\n```python\ndef forward_propagation(X, parameters):\n"
                 "    W1 = parameters[\"W1\"]\n    b1 = parameters[\"b1\"]\n"
                 "    Z1 = np.dot(W1, X) + b1\n    A1 = np.tanh(Z1)\n    return A1\n```\n")
    assert found["A1 = np.tanh(Z1)"] == "holds", found


@pytest.mark.parametrize("math", ["\\sigma(z) \\leqslant 1", "\\sigma(z) \u2a7d 1",
                                  "\\sigma(z) \\to 1 \\text{ as } z \\to \\infty"])
def test_more_relations_are_counted(math):
    assert list(_own(f"# R\n\n$${math}$$\n").values()) == ["unchecked"]


def test_a_math_fence_in_a_blockquote_is_read():
    found = _own("# Q\n\n> ```math\n> \\frac{d\\mathcal{L}}{dz} = 4(a - y)\n> ```\n")
    assert list(found.values()) == ["false"], found


def test_typed_partial_hat_transpose_odot_and_sum_are_read():
    """∂, ŷ, ⊤, ⊙ and ∑ as typed were unchecked ("cannot read"), the first two the most common
    in typed notes; a wrong one is false."""
    found = _own("# U\n\n$$\\frac{∂\\mathcal{L}}{∂z} = ŷ - y$$\n\n$$z = w^⊤x + b$$\n\n"
                 "$$dZ^{[1]} = W^{[2]T} dZ^{[2]} ⊙ A^{[1]} ⊙ (1 + A^{[1]})$$\n\n"
                 "$$J = \\frac{1}{m}∑_{i=1}^{m} \\mathcal{L}(y^{(i)}, a^{(i)})$$\n")
    assert list(found.values()) == ["holds", "holds", "false", "holds"], found
