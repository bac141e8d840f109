"""The report's figures, drawn with matplotlib's Agg renderer so that the PNG bytes are reproducible.

Each figure is drawn from data computed elsewhere (`nnspec.report.evidence`); this module only draws.
Reproducible output: matplotlib's default style plus the fixed `STYLE` below (never the user's
matplotlibrc), a fixed size and dpi, and PNG metadata without the Software entry.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

STYLE = {
    "figure.figsize": (7.0, 4.4),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "lines.linewidth": 1.6,
    "legend.fontsize": 9,
    "legend.framealpha": 0.9,
}


@dataclass(frozen=True)
class Figure:
    """A PNG written for the report, with the title and caption the report prints under it."""

    path: Path
    title: str
    caption: str


def _new_figure():
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(layout="constrained")
    return fig, fig.subplots()


def _save(fig, path: Path) -> Path:
    """PNG bytes into memory, then an atomic write (temp file + rename)."""
    from nnspec.files import write_atomic

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    write_atomic(path, buffer.getvalue())
    return path


def _styled(draw):
    """Run a drawing function under the default style plus STYLE, whatever the user's rc is."""
    import matplotlib.style

    def wrapper(*args, **kwargs):
        with matplotlib.style.context(["default", STYLE]):
            return draw(*args, **kwargs)

    wrapper.__doc__ = draw.__doc__
    wrapper.__name__ = draw.__name__
    return wrapper


@_styled
def step_size_figure(path: Path, steps: np.ndarray, errors: Mapping[str, np.ndarray],
                     *, title: str, ylabel: str, levels: Mapping[str, float] = {}) -> Path:
    """Error of a finite difference against its step h, both axes logarithmic.

    `errors` maps a label to the error at each step (zeros are drawn at the floor of the axis);
    `levels` are horizontal lines (errors that do not depend on h).
    """
    fig, ax = _new_figure()
    for (label, err), marker, z in zip(errors.items(), ("o", "s", "^"), (3, 2, 1)):
        ax.loglog(steps, np.maximum(err, np.finfo(float).tiny), marker=marker, markersize=3,
                  label=label, zorder=z)
    for (label, level), style in zip(levels.items(), ("--", ":", "-.")):
        ax.axhline(level, linestyle=style, color="0.3", linewidth=1.0, label=label)
    ax.set_xlabel("step h of the central difference (J(w + h d) − J(w − h d)) / 2h")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc="best")
    return _save(fig, path)


@_styled
def ulp_error_figure(path: Path, z: np.ndarray, panels: Sequence[tuple[str, Mapping[str, np.ndarray]]],
                     *, title: str, floor: float = 0.01) -> Path:
    """Error in ulp against z, log scale, one panel per label y; tiny and non-finite marked.

    Each panel maps a label to the error in ulp at each z: errors below `floor` (0 included) are
    drawn on the floor line, inf/nan on a ceiling line above every finite error.
    """
    finite = [e[np.isfinite(e)] for _, curves in panels for e in map(np.asarray, curves.values())]
    top = max([float(f.max()) for f in finite if f.size] + [1.0])
    ceiling = 10.0 ** (np.ceil(np.log10(top)) + 2)
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(layout="constrained", figsize=(7.0, 2.6 + 2.4 * len(panels)))
    axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    for ax, (panel_title, curves) in zip(axes, panels):
        styles = zip(curves.items(), ("o", "s", "^", "v", "D"), (3.0, 2.0, 2.0, 2.0, 2.0))
        for (label, err), marker, size in styles:
            err = np.asarray(err, dtype=float)
            shown = np.where(np.isfinite(err), np.clip(err, floor, ceiling), ceiling)
            ax.semilogy(z, shown, linestyle="none", marker=marker, markersize=size, label=label,
                        zorder=3 if marker == "o" else 2)
        ax.axhline(ceiling, color="firebrick", linewidth=0.8, linestyle="--",
                   label="inf or nan returned (drawn on this line)")
        ax.axhline(floor, color="0.4", linewidth=0.8, linestyle=":",
                   label=f"error ≤ {floor:g} ulp, 0 included (drawn on this line)")
        ax.set_ylim(floor / 10, ceiling * 1e4)
        ax.set_ylabel("error (ulp of the exact cost)")
        ax.set_title(panel_title)
    axes[-1].set_xlabel("z = wᵀx + b")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=2)
    fig.suptitle(title)
    return _save(fig, path)


def _panels(n: int, width: float, height: float):
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(layout="constrained", figsize=(width, height))
    return fig, fig.subplots(1, n, squeeze=False)[0]


@_styled
def training_figure(path: Path, panels: Sequence[tuple[str, Mapping[str, np.ndarray]]],
                    *, title: str, ylabel: str) -> Path:
    """Cost against iteration, one panel per model; each panel maps a trainer to its costs."""
    fig, axes = _panels(len(panels), 4.0 * len(panels), 4.0)
    for ax, (panel_title, curves) in zip(axes, panels):
        for (label, costs), style in zip(curves.items(), ("-", "--", ":")):
            ax.plot(np.arange(len(costs)), costs, linestyle=style, label=label)
        ax.set_yscale("log")
        ax.set_xlabel("iteration (full-batch gradient descent)")
        ax.set_title(panel_title)
    axes[0].set_ylabel(ylabel)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels))
    fig.suptitle(title)
    return _save(fig, path)


def draw_all(directory: Path, evidence) -> dict[str, Figure]:
    """Every figure the evidence has data for, written to `directory`; keyed by name."""
    out = {}
    steps = evidence.steps
    path = step_size_figure(
        directory / "finite-difference-step.png", steps.steps,
        {"central difference in float64": steps.float64,
         f"central difference at {steps.dps} digits (the oracle)": steps.oracle},
        levels={f"reference gradient in float64 (no step): {steps.reference:.2g}":
                steps.reference},
        title=f"Gradient check on logistic regression (n_x, m) = {steps.shape}",
        ylabel="relative error of the derivative along d")
    h, err = steps.best_float64
    slope = float(np.polyfit(np.log10(steps.steps), np.log10(steps.oracle), 1)[0])
    out["steps"] = Figure(path, "Finite differences against the step size", (
        "Relative error of the central difference of the cost along a seeded direction d of w, "
        f"against the exact directional derivative (the oracle at {steps.dps} digits). In float64 "
        f"the error falls as h² until rounding (u/h) takes over: the best step, h = {h:.2g}, "
        f"leaves {err:.2g}. At the oracle's precision the error falls with slope {slope:.2f} "
        "(h²) over the whole range: no rounding floor in sight. The "
        f"reference's own float64 gradient is off by {steps.reference:.2g}, with no step."))
    scan = evidence.costs
    path = ulp_error_figure(
        directory / "cost-error-ulp.png", scan.z,
        [(f"y = {y}", {name: scan.ulps[y][name] for name in ("notes' propagate", "reference")})
         for y in (1, 0)],
        title="Error of one example's cost against z")
    out["cost"] = Figure(path, "Error of the cost against z", (
        "Error in ulp of the exact cost of one example (w = 1, x = z, b = 0), "
        "for the notes' propagate (its cost line) and for the reference, on "
        f"{scan.z.size} values of z in [{scan.z[0]:g}, {scan.z[-1]:g}], log scale."))
    if evidence.training is not None:
        t = evidence.training
        panels = {}
        for c in t.curves:
            panels.setdefault(c.model, {})[c.implementation] = c.costs
        path = training_figure(
            directory / "digits-training.png", list(panels.items()),
            title=f"Training cost on the digits {t.pair[0]} vs {t.pair[1]} "
            f"({t.m_train} training images)", ylabel="training cost J (log scale)")
        out["training"] = Figure(path, "Training on the digits", (
            "Training cost at each iteration of full-batch gradient descent, the reference "
            "beside scikit-learn's MLPClassifier set to the same algorithm (same rate, same "
            "number of iterations; each with its own initial parameters)."))
    return out
