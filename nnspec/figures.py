"""The report's figures, drawn with matplotlib's Agg renderer so that the PNG bytes are reproducible.

Each figure is drawn from data computed elsewhere (`nnspec.evidence`); this module only draws.
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
    from nnspec.report import atomic_write_bytes

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    atomic_write_bytes(path, buffer.getvalue())
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
                     *, title: str, ylabel: str, guides: Mapping[str, np.ndarray] = {}) -> Path:
    """Error of a finite difference against its step h, both axes logarithmic.

    `errors` maps a label to the error at each step (zeros are drawn at the floor of the axis);
    `guides` are dotted model lines such as h^2 or u/h.
    """
    fig, ax = _new_figure()
    for label, err in errors.items():
        ax.loglog(steps, np.maximum(err, np.finfo(float).tiny), marker="o", markersize=3,
                  label=label)
    for label, line in guides.items():
        ax.loglog(steps, line, linestyle=":", color="0.45", linewidth=1.0, label=label)
    ax.set_xlabel("step h of the central difference (J(θ+h) − J(θ−h)) / 2h")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc="best")
    return _save(fig, path)


@_styled
def ulp_error_figure(path: Path, z: np.ndarray, panels: Sequence[tuple[str, Mapping[str, np.ndarray]]],
                     *, title: str, floor: float = 0.1, ceiling: float = 1e20) -> Path:
    """Error in ulp against z, log scale, one panel per label y; exact and non-finite marked.

    Each panel maps a label to the error in ulp at each z: 0 is drawn on the `floor` line
    ("exact"), inf/nan on the `ceiling` line ("inf or nan returned").
    """
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(layout="constrained", figsize=(7.0, 2.6 + 2.4 * len(panels)))
    axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    for ax, (panel_title, curves) in zip(axes, panels):
        for (label, err), marker in zip(curves.items(), ("o", "s", "^", "v", "D")):
            err = np.asarray(err, dtype=float)
            shown = np.where(np.isfinite(err), np.clip(err, floor, ceiling), ceiling)
            ax.semilogy(z, shown, linestyle="none", marker=marker, markersize=2.5, label=label)
        ax.axhline(ceiling, color="firebrick", linewidth=0.8, linestyle="--")
        ax.axhline(floor, color="0.4", linewidth=0.8, linestyle="--")
        ax.text(z[0], ceiling, " inf or nan returned", va="bottom", ha="left", fontsize=8,
                color="firebrick")
        ax.text(z[0], floor, " exact (0 ulp)", va="bottom", ha="left", fontsize=8, color="0.3")
        ax.set_ylim(floor / 10, ceiling * 1e4)
        ax.set_ylabel("error (ulp of the exact cost)")
        ax.set_title(panel_title)
        ax.legend(loc="center right")
    axes[-1].set_xlabel("z = wᵀx + b")
    fig.suptitle(title)
    return _save(fig, path)


@_styled
def training_figure(path: Path, curves: Mapping[str, tuple[np.ndarray, np.ndarray]],
                    *, title: str, xlabel: str, ylabel: str) -> Path:
    """Cost against iteration for each trainer; `curves` maps a label to (iterations, costs)."""
    fig, ax = _new_figure()
    for label, (iterations, costs) in curves.items():
        ax.plot(iterations, costs, label=label)
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc="best")
    return _save(fig, path)
