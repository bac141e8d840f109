"""The notes' code listings: the training loop and `propagate`, line by line.

Each line is run, not read: the listing is executed on NumPy object arrays of SymPy symbols
(integer literals made exact SymPy Integers, so `1/m` is the rational 1/m), with `np.log` and
`sigmoid` applied entry-wise, and what it computes is compared with the derivation from the
axioms (definitions.LogReg, definitions.gradient) over (n_x, m) in 1..4.
"""

from __future__ import annotations

import ast
import re
import textwrap
import types
from functools import cache
from importlib import resources

import numpy as np
import sympy as sp

from nnspec.derivations import symbols as S
from nnspec.spec import definitions as defs
from nnspec.spec import shapes
from nnspec.spec.claims import Claim, Outcome
from nnspec.spec.verify import Computed, MatrixEqual

COST_LINE = "cost = (- 1 / m) * np.sum(Y * np.log(A) + (1 - Y) * (np.log(1 - A))"
CLOSED_COST_LINE = COST_LINE + ")"
NAMING_SHAPES = ((1, 1), (1, 2), (3, 2), (2, 4))
RETURN_LINES = '    grads = {"dw": dw, "db": db}\n    return grads, cost\n'


def _notes() -> str:
    return resources.files("nnspec.derivations").joinpath(
        "neural-network-notes.txt").read_text(encoding="utf-8")


def listing(first: str, last: str) -> str:
    """The lines of the notes from the one starting with `first` to the one containing `last`."""
    lines = _notes().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(first))
    end = next(i for i in range(start, len(lines)) if last in lines[i])
    return textwrap.dedent("\n".join(line.rstrip() for line in lines[start:end + 1])) + "\n"


def loop_source() -> str:
    return listing("for i in range(num_iterations):", "costs.append(cost)")


def propagate_source() -> str:
    return listing("def propagate(w, b, X, Y):", "db = (1/m)*np.sum(A-Y)")


def closed_propagate_source() -> str:
    """The listing with the cost line's missing parenthesis closed, nothing else changed."""
    return propagate_source().replace(COST_LINE, CLOSED_COST_LINE)


def corrected_propagate_source() -> str:
    return closed_propagate_source() + RETURN_LINES


class _ExactIntegers(ast.NodeTransformer):
    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if type(node.value) is int:
            return ast.copy_location(ast.Call(ast.Name("Integer", ast.Load()),
                                              [node], []), node)
        return node


def _symbolic_numpy() -> types.SimpleNamespace:
    """The part of NumPy the listings use, acting on object arrays of SymPy expressions."""
    return types.SimpleNamespace(dot=np.dot, sum=np.sum,
                                 log=np.frompyfunc(sp.log, 1, 1),
                                 exp=np.frompyfunc(sp.exp, 1, 1))


def execute(source: str, namespace: dict) -> dict:
    """Run `source` with exact integers, symbolic NumPy and an entry-wise sigmoid."""
    tree = ast.fix_missing_locations(_ExactIntegers().visit(ast.parse(source)))
    env = {"np": _symbolic_numpy(), "Integer": sp.Integer,
           "sigmoid": np.frompyfunc(defs.sigma, 1, 1), **namespace}
    exec(compile(tree, "<notes>", "exec"), env)  # noqa: S102 - the notes' own listing
    return env


def as_array(matrix: sp.Matrix) -> np.ndarray:
    return np.array(matrix.tolist(), dtype=object)


@cache
def propagate_locals(n_x: int, m: int) -> tuple[defs.LogReg, dict]:
    """Every local variable of the notes' propagate (parenthesis closed) on a LogReg problem."""
    p = defs.LogReg(n_x, m)
    env = execute(closed_propagate_source() + "    return locals()\n", {})
    return p, env["propagate"](as_array(p.w), p.b, as_array(p.X), as_array(p.Y))


def _code_value(name: str):
    def value(p: defs.LogReg) -> sp.Matrix:
        v = propagate_locals(p.n_x, p.m)[1][name]
        return sp.Matrix(v) if isinstance(v, np.ndarray) else sp.Matrix([[v]])
    return value


def _sweep(claimed, reference, text) -> MatrixEqual:
    return MatrixEqual(build=lambda s: defs.LogReg(*s), claimed=claimed, reference=reference,
                       sweep=tuple(shapes.logreg_shapes()), proof_shapes=shapes.PROOF_LOGREG,
                       text=text, shape_names="(n_x, m)")


# --- checks ----------------------------------------------------------------------------------

def _parses(source: str) -> Outcome:
    try:
        ast.parse(source)
    except SyntaxError as exc:
        return Outcome(False, "does not parse", f"SyntaxError: {exc.msg} (line {exc.lineno})")
    return Outcome(True, "parses as Python")


def _loop_outcome(propagate_src: str) -> Outcome:
    """Run one iteration of the notes' loop with the given propagate on a (2, 3) problem."""
    p = defs.LogReg(2, 3)
    lr = sp.Symbol("learning_rate", positive=True)
    env = execute(propagate_src, {})
    ns = {"num_iterations": 1, "propagate": env["propagate"], "w": as_array(p.w), "b": p.b,
          "X_train": as_array(p.X), "Y_train": as_array(p.Y), "learning_rate": lr, "costs": []}
    try:
        env = execute(loop_source(), ns)
    except Exception as exc:  # noqa: BLE001 - what the listing raises is the finding
        returned = env["propagate"](*(ns[k] for k in ("w", "b", "X_train", "Y_train")))
        return Outcome(False, "the loop cannot unpack what propagate returns",
                       f"{type(exc).__name__}: {exc}; propagate returns {returned!r} "
                       "(the listing has no return statement)")
    return Outcome(True, "the loop unpacks (grads, cost) from propagate", "", ""), env, p, lr


def _loop_runs(propagate_src: str) -> Outcome:
    out = _loop_outcome(propagate_src)
    return out if isinstance(out, Outcome) else out[0]


def _loop_step_is_gradient_descent(name: str) -> Outcome:
    """After one iteration (corrected propagate): w <- w - lr dJ/dw and b <- b - lr dJ/db."""
    out = _loop_outcome(corrected_propagate_source())
    if isinstance(out, Outcome):
        return out
    _, env, p, lr = out
    param = p.w if name == "w" else sp.Matrix([[p.b]])
    new = sp.Matrix(env[name]) if name == "w" else sp.Matrix([[env[name]]])
    expected = param - lr * defs.gradient(p.J(), param)
    ok = all(sp.cancel(e) == 0 for e in new - expected)
    return Outcome(ok, f"with propagate returning its grads, one iteration gives {name} - "
                   f"learning_rate * dJ/d{name} exactly (n_x = 2, m = 3)")


def _descent_direction(name: str) -> Outcome:
    """d/dlr J(param - lr * dparam) at lr = 0 is -|dJ/dparam|^2 <= 0: the step lowers the cost."""
    p = defs.LogReg(2, 3)
    lr = sp.Symbol("lr")
    param = list(p.w) if name == "w" else [p.b]
    J = p.J()
    grads = [sp.diff(J, s) for s in param]
    moved = J.xreplace({s: s - lr * g for s, g in zip(param, grads)})
    slope = sp.diff(moved, lr).subs(lr, 0)
    ok = sp.cancel(slope + sum(g**2 for g in grads)) == 0
    return Outcome(ok, f"dJ/dlr at lr = 0 is -|dJ/d{name}|^2 <= 0: a gradient-descent step")


def _costs_recorded() -> Outcome:
    out = _loop_outcome(corrected_propagate_source())
    if isinstance(out, Outcome):
        return out
    _, env, p, _ = out
    ok = len(env["costs"]) == 1 and sp.cancel(env["costs"][0] - p.J()) == 0
    return Outcome(ok, "records J at the current parameters once per iteration; `costs` must "
                   "exist before the loop (costs = [] in the course's optimize)")


def _uses_every_example() -> Outcome:
    p, env = propagate_locals(3, 4)
    dw = sp.Matrix(env["dw"])
    ok = set(p.X) <= dw.free_symbols and set(p.Y) <= dw.free_symbols
    return Outcome(ok, "dw depends on every entry of X and Y: batch gradient on all m examples")


def _m_is_examples() -> Outcome:
    bad = [(n, m) for n, m in shapes.logreg_shapes() if propagate_locals(n, m)[1]["m"] != m]
    return Outcome(not bad, "m equals the number of columns of X (n_x, m) on every shape",
                   f"wrong at {bad}" if bad else "")


def _line_parses(line: str) -> Outcome:
    return _parses(line)


def _closed_cost() -> Outcome:
    parsed = _parses(CLOSED_COST_LINE)
    if not parsed.ok:
        return parsed
    out = _sweep(_code_value("cost"), lambda p: sp.Matrix([[p.J()]]), "").run()
    return Outcome(out.ok, "with the parenthesis closed it parses and equals J: " + out.detail,
                   out.evidence)


def _signature_matches_call() -> Outcome:
    func = ast.parse(closed_propagate_source()).body[0]
    call = next(n for n in ast.walk(ast.parse(loop_source())) if isinstance(n, ast.Call)
                and getattr(n.func, "id", "") == "propagate")
    params = [arg.arg for arg in func.args.args]
    passed = [arg.id for arg in call.args]
    ok = [re.sub("_train$", "", name) for name in passed] == params
    return Outcome(ok, f"the loop passes {passed} to the parameters {params}, in order")


def _parameters_updated() -> Outcome:
    loop = ast.parse(loop_source()).body[0]
    targets = {t.id for n in ast.walk(loop) if isinstance(n, ast.Assign) for t in n.targets
               if isinstance(t, ast.Name)}
    p = defs.LogReg(2, 1)
    parameters = {"w", "b"} if (p.J().free_symbols - set(p.X) - set(p.Y)) == set(p.w) | {p.b} \
        else set()
    updated = targets & {"w", "b"}
    return Outcome(updated == parameters, f"the loop assigns {sorted(targets)}; of those, "
                   f"{sorted(updated)} are the parameters of J")


def _name_means(name: str, mean: bool) -> Outcome:
    """The listing's dw / db against dL/dparam of one example (mean=False) or dJ/dparam.

    On a few shapes: m = 1 and m > 1, pairwise distinct sizes (code.propagate.dw and .db
    sweep every (n_x, m) in 1..4).
    """
    for n_x, m in NAMING_SHAPES:
        p, env = propagate_locals(n_x, m)
        param = p.w if name == "dw" else sp.Matrix([[p.b]])
        loss = p.J() if mean else defs.loss(p.Y[0, 0], p.A()[0, 0])
        code = sp.Matrix(env[name]) if name == "dw" else sp.Matrix([[env[name]]])
        if not all(sp.cancel(e) == 0 for e in code - defs.gradient(loss, param)):
            return Outcome(False, f"the listing's {name} is not dL/d{name[1:]} of one example "
                           f"once m > 1", f"at (n_x, m) = ({n_x}, {m}): it is the mean over "
                           "the m examples, dJ/d" + name[1:])
    what = f"dJ/d{name[1:]}, the mean of the examples' gradients" if mean else "dL"
    return Outcome(True, f"the listing's {name} is {what} at (n_x, m) in {NAMING_SHAPES}")


def _assigned_between(first_comment: str, last_comment: str | None) -> list[str]:
    """Names assigned in propagate between two comment lines of the listing."""
    lines = closed_propagate_source().splitlines()
    start = next(i for i, line in enumerate(lines) if first_comment in line)
    end = next((i for i, line in enumerate(lines) if last_comment and last_comment in line),
               len(lines))
    block = textwrap.dedent("\n".join(lines[start + 1:end]))
    return [t.id for n in ast.walk(ast.parse(block)) if isinstance(n, ast.Assign)
            for t in n.targets if isinstance(t, ast.Name)]


def _forward_block() -> Outcome:
    names = _assigned_between("# FORWARD PROPAGATION", "# BACKWARD PROPAGATION")
    p, env = propagate_locals(3, 2)
    ok = names == ["A", "cost"] and set(p.X) <= sp.sympify(env["cost"]).free_symbols
    return Outcome(ok, f"the block assigns {names}; the cost depends on every entry of X")


def _backward_block() -> Outcome:
    names = _assigned_between("# BACKWARD PROPAGATION", None)
    grads = _name_means("dw", True).ok and _name_means("db", True).ok
    return Outcome(names == ["dw", "db"] and grads,
                   f"the block assigns {names}, the gradient of J (dJ/dw, dJ/db)")


def claims() -> list[Claim]:
    code, sec = "code", S.CODE
    mean_conv = "for m examples, dw and db denote the mean gradients dJ/dw and dJ/db (the course)"
    return [
        Claim("one.bwd.dw-name", S.ONE_BACKWARD, r"\frac{d\mathcal{L}}{d\omega}=”d\omega”",
              "definition", Computed(lambda: _name_means("dw", False), "dw = dL/dw",
                                     conventions=((mean_conv, lambda: _name_means("dw", True)),)),
              ),
        Claim("one.bwd.db-name", S.ONE_BACKWARD, r"\frac{d\mathcal{L}}{db}=”db”", "definition",
              Computed(lambda: _name_means("db", False), "db = dL/db",
                       conventions=((mean_conv, lambda: _name_means("db", True)),))),
        Claim("one.bwd.updated-parameters", S.ONE_BACKWARD, r"The parameters that are udpated "
              r"during the training are the weights $\omega$ and the bias $b$.",
              "prose statement", Computed(_parameters_updated, "assignment targets of the loop")),
        Claim("code.loop.parses", sec, "for i in range(num_iterations):", code,
              Computed(lambda: _parses(loop_source()), "ast.parse(training loop)")),
        Claim("code.loop.unpack", sec, "grads, cost = propagate(w, b, X_train, Y_train)", code,
              Computed(lambda: _loop_runs(closed_propagate_source()),
                       "run the loop with the notes' propagate (parenthesis closed)"),
              correction=r'end propagate with \texttt{grads = \{"dw": dw, "db": db\}} and '
              r"\texttt{return grads, cost}",
              corrected=Computed(lambda: _loop_runs(corrected_propagate_source()), "")),
        Claim("code.loop.all-examples", sec, "# propagation on ALL the training sample", code,
              Computed(_uses_every_example, "free symbols of dw")),
        Claim("code.loop.dw", sec, 'dw = grads["dw"]', code,
              Computed(lambda: _loop_step_is_gradient_descent("w"), "one loop iteration")),
        Claim("code.loop.db", sec, 'db = grads["db"]', code,
              Computed(lambda: _loop_step_is_gradient_descent("b"), "one loop iteration")),
        Claim("code.loop.update-w", sec, "w = w - learning_rate * dw", code,
              Computed(lambda: _descent_direction("w"), "d J(w - lr dw) / d lr at 0")),
        Claim("code.loop.update-b", sec, "b = b - learning_rate * db", code,
              Computed(lambda: _descent_direction("b"), "d J(b - lr db) / d lr at 0")),
        Claim("code.loop.costs", sec, "costs.append(cost)", code,
              Computed(_costs_recorded, "costs after one iteration")),
        Claim("code.propagate.signature", sec, "def propagate(w, b, X, Y):", code,
              Computed(_signature_matches_call, "parameters vs the loop's call")),
        Claim("code.propagate.m", sec, "m = X.shape[1]", code,
              Computed(_m_is_examples, "m on every (n_x, m)")),
        Claim("code.propagate.forward-comment", sec, "# FORWARD PROPAGATION (FROM X TO COST)",
              code, Computed(_forward_block, "assignments of the block; free symbols of cost")),
        Claim("code.propagate.A", sec, "A = sigmoid(np.dot(w.T,X)+b)", code,
              _sweep(_code_value("A"), lambda p: p.A(), "sigmoid(w^T X + b) = A")),
        Claim("code.propagate.cost", sec, COST_LINE, code,
              Computed(lambda: _line_parses(COST_LINE), "ast.parse(cost line)"),
              correction=r"\texttt{" + CLOSED_COST_LINE + "}",
              corrected=Computed(_closed_cost, "")),
        Claim("code.propagate.backward-comment", sec, "# BACKWARD PROPAGATION (TO FIND GRAD)",
              code, Computed(_backward_block, "assignments of the block vs the gradient")),
        Claim("code.propagate.dw", sec, "dw = (1/m)*np.dot(X,(A-Y).T)", code,
              _sweep(_code_value("dw"), lambda p: defs.gradient(p.J(), p.w),
                     "(1/m) X (A - Y)^T = dJ/dw")),
        Claim("code.propagate.db", sec, "db = (1/m)*np.sum(A-Y)", code,
              _sweep(_code_value("db"), lambda p: sp.Matrix([[defs.gradient(p.J(), p.b)]]),
                     "(1/m) sum(A - Y) = dJ/db")),
    ]
