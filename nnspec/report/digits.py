"""Real data: the reference networks trained on scikit-learn's 8x8 digits, beside scikit-learn.

Two classes of `sklearn.datasets.load_digits` (shipped with scikit-learn, no download); each
image's 64 pixels, scaled to [0, 1], are one column x of X (64, m), as in the notes. The default
pair is 1 vs 8: of the 45 pairs it is the one an unpenalised scikit-learn LogisticRegression
separates worst on this split (97.2 % test accuracy, seed 0), so the comparison has errors to
count; 0 vs 1, the obvious choice, is separated perfectly by every model here.

Both sides are scored with the same cost, the reference's `cost_from_logits`, computed from each
model's logits (scikit-learn's `log_loss` clips probabilities, which hides saturation), and
the same accuracy. scikit-learn is a test dependency, imported only when this module is used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from nnspec.reference import logreg, two_layer_sigmoid, two_layer_tanh

PAIR = (1, 8)


@dataclass(frozen=True)
class Settings:
    pair: tuple[int, int] = PAIR
    test_fraction: float = 0.3
    seed: int = 0
    n_h: int = 8
    logreg_iterations: int = 2000
    logreg_learning_rate: float = 0.5
    nn_iterations: int = 5000
    nn_learning_rate: float = 1.2


QUICK = Settings(logreg_iterations=200, nn_iterations=400, n_h=4)


@dataclass(frozen=True)
class Row:
    model: str
    train_cost: float
    test_cost: float
    train_accuracy: float
    test_accuracy: float


def load_pair(settings: Settings = Settings()):
    """(X_train, Y_train, X_test, Y_test) in the notes' layout: X (64, m) in [0, 1], Y (1, m)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    keep = np.isin(digits.target, settings.pair)
    X = digits.data[keep] / 16.0
    y = (digits.target[keep] == settings.pair[1]).astype(np.float64)
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=settings.test_fraction, random_state=settings.seed, stratify=y)
    return X_tr.T, y_tr[None, :], X_te.T, y_te[None, :]


def _row(name: str, logits: Callable, data) -> Row:
    X_tr, Y_tr, X_te, Y_te = data
    Z_tr, Z_te = logits(X_tr), logits(X_te)
    return Row(name,
               float(two_layer_sigmoid.cost_from_logits(Z_tr, Y_tr)),
               float(two_layer_sigmoid.cost_from_logits(Z_te, Y_te)),
               float(np.mean((Z_tr >= 0) == (Y_tr == 1))),
               float(np.mean((Z_te >= 0) == (Y_te == 1))))


def train_reference_logreg(X, Y, settings: Settings):
    """Gradient descent from w = 0, b = 0 (reference `optimize`); returns the logits map."""
    params, _, _ = logreg.optimize(np.zeros((X.shape[0], 1)), 0.0, X, Y,
                                   settings.logreg_iterations, settings.logreg_learning_rate)
    return lambda X_: params["w"].T @ X_ + params["b"]


def _reference_nn(module):
    def train(X, Y, settings: Settings):
        params = module.nn_model(X, Y, settings.n_h, num_iterations=settings.nn_iterations,
                                 seed=settings.seed, learning_rate=settings.nn_learning_rate)
        return lambda X_: module.forward_propagation(X_, params)[1]["Z2"]
    return train


def _sklearn_logreg(X, Y, settings: Settings):
    import sklearn
    from sklearn.linear_model import LogisticRegression

    # No penalty: penalty=None, spelled C=inf from scikit-learn 1.8 on (penalty is deprecated).
    major, minor = (int(v) for v in sklearn.__version__.split(".")[:2])
    unpenalised = {"C": np.inf} if (major, minor) >= (1, 8) else {"penalty": None}
    clf = LogisticRegression(max_iter=10_000, **unpenalised).fit(X.T, Y.ravel())
    return lambda X_: clf.decision_function(X_.T)[None, :]


def _sklearn_mlp(activation: str):
    def train(X, Y, settings: Settings):
        from sklearn.neural_network import MLPClassifier

        clf = MLPClassifier(hidden_layer_sizes=(settings.n_h,), activation=activation, alpha=0.0,
                            solver="lbfgs", max_iter=10_000, random_state=settings.seed)
        clf.fit(X.T, Y.ravel())
        (W1, W2), (b1, b2) = clf.coefs_, clf.intercepts_
        g = np.tanh if activation == "tanh" else two_layer_sigmoid.sigmoid
        return lambda X_: (g(X_.T @ W1 + b1) @ W2 + b2).T
    return train


TRAINERS: dict[str, Callable] = {
    "reference logreg (gradient descent)": train_reference_logreg,
    "scikit-learn LogisticRegression(penalty=None)": _sklearn_logreg,
    "reference two_layer_sigmoid.nn_model": _reference_nn(two_layer_sigmoid),
    "scikit-learn MLPClassifier(logistic, alpha=0, lbfgs)": _sklearn_mlp("logistic"),
    "reference two_layer_tanh.nn_model": _reference_nn(two_layer_tanh),
    "scikit-learn MLPClassifier(tanh, alpha=0, lbfgs)": _sklearn_mlp("tanh"),
}

#: Each reference model and the scikit-learn model it is held against.
PAIRS = (
    ("reference logreg (gradient descent)", "scikit-learn LogisticRegression(penalty=None)"),
    ("reference two_layer_sigmoid.nn_model",
     "scikit-learn MLPClassifier(logistic, alpha=0, lbfgs)"),
    ("reference two_layer_tanh.nn_model", "scikit-learn MLPClassifier(tanh, alpha=0, lbfgs)"),
)


def compare(settings: Settings = Settings(), trainers: dict[str, Callable] | None = None
            ) -> list[Row]:
    """Train every model on the same split; cost and accuracy on both sets."""
    data = load_pair(settings)
    trainers = TRAINERS if trainers is None else trainers
    return [_row(name, train(data[0], data[1], settings), data) for name, train in trainers.items()]


def shortfalls(rows: list[Row], max_accuracy_gap: float = 0.03) -> list[str]:
    """Reference models whose test accuracy trails their scikit-learn peer by more than the gap."""
    by_name = {r.model: r for r in rows}
    out = []
    for ours, theirs in PAIRS:
        if ours in by_name and theirs in by_name:
            gap = by_name[theirs].test_accuracy - by_name[ours].test_accuracy
            if gap > max_accuracy_gap:
                out.append(f"{ours}: test accuracy {by_name[ours].test_accuracy:.3f} trails "
                           f"{theirs} ({by_name[theirs].test_accuracy:.3f}) by {gap:.3f}")
    return out


def to_markdown(rows: list[Row], settings: Settings) -> str:
    data = load_pair(settings)
    lines = [
        "# Digits: the reference networks beside scikit-learn",
        "",
        (f"Digits {settings.pair[0]} (y = 0) vs {settings.pair[1]} (y = 1) of "
         "`sklearn.datasets.load_digits`, 64 pixels scaled to [0, 1] per column of X; "
         f"{data[0].shape[1]} training and {data[2].shape[1]} test images "
         f"(stratified split, seed {settings.seed})."),
        ("Cost: the cross-entropy from each model's logits (the reference's "
         "`cost_from_logits`), the same function for every row."),
        "",
        "Settings: " + ", ".join(f"{k} = {v}" for k, v in asdict(settings).items()),
        "",
        "| model | train cost | test cost | train accuracy | test accuracy |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [f"| {r.model} | {r.train_cost:.4g} | {r.test_cost:.4g} | "
              f"{100 * r.train_accuracy:.2f} % | {100 * r.test_accuracy:.2f} % |" for r in rows]
    problems = shortfalls(rows)
    lines += ["", "Reference models trailing their scikit-learn peer by more than 3 points of "
              "test accuracy: " + ("; ".join(problems) if problems else "none") + "."]
    return "\n".join(lines) + "\n"
