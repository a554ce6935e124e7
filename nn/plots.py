"""Pictures of training with matplotlib: the loss curve and a 2-D classifier's decision boundary.

Each function draws on ``ax`` (a new figure when None) and returns the Axes; save with
``ax.figure.savefig("loss.png")``. In scripts and tests choose a non-interactive backend first
(``matplotlib.use("Agg")``); the ``autodiff train`` command does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import autodiff
from autodiff import Value

if TYPE_CHECKING:
    from matplotlib.axes import Axes

CLASS_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b")


def _axes(ax: Axes | None, figsize: tuple[float, float] = (5.5, 4.0)) -> Axes:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_loss(
    history: Sequence[float],
    ax: Axes | None = None,
    *,
    label: str | None = None,
    logy: bool = False,
    title: str = "training loss",
    xlabel: str = "step",
) -> Axes:
    """The loss after each step (``fit``'s history) as a line; several calls on one ``ax`` compare runs."""
    if len(history) == 0:
        raise ValueError("plot_loss: the history is empty")
    ax = _axes(ax)
    ax.plot(range(len(history)), list(history), label=label, linewidth=1.5)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    if label is not None:
        ax.legend()
    return ax


def _default_threshold(model) -> float:
    """0.5 when the model ends in a sigmoid (its output is a probability), else 0 (a score)."""
    layers = getattr(model, "layers", None)
    if layers and getattr(layers[-1], "activation", None) == "sigmoid":
        return 0.5
    return 0.0


def plot_decision_boundary(
    model: Callable,
    X: Sequence[Sequence[float]],
    y: Sequence,
    ax: Axes | None = None,
    *,
    resolution: int = 60,
    threshold: float | None = None,
    padding: float = 0.5,
    title: str = "decision boundary",
) -> Axes:
    """The regions a 2-D classifier assigns to each class, with the data on top.

    A model with one output is read as a score (the second class, e.g. label 1 of labels 0/1 or ±1,
    where output > ``threshold``; default 0, or 0.5 for a sigmoid output; the boundary is drawn
    where the score crosses it); a model with several outputs by its largest output (class index).
    The grid of resolution × resolution points is evaluated under ``autodiff.no_grad()``.
    """
    import numpy as np

    rows = [list(map(float, x)) for x in X]
    if not rows or any(len(r) != 2 for r in rows):
        raise ValueError("plot_decision_boundary needs 2-D inputs: X must be a non-empty list of [x1, x2] rows")
    if len(rows) != len(y):
        raise ValueError(f"X has {len(rows)} rows but y has {len(y)} labels")
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2:
        raise ValueError(f"resolution must be an int >= 2, got {resolution!r}")
    thr = _default_threshold(model) if threshold is None else threshold
    xs, ys = [r[0] for r in rows], [r[1] for r in rows]
    gx = np.linspace(min(xs) - padding, max(xs) + padding, resolution)
    gy = np.linspace(min(ys) - padding, max(ys) + padding, resolution)
    classes = sorted(set(y))
    grid = np.zeros((resolution, resolution))
    binary = True
    with autodiff.no_grad():
        for i, b in enumerate(gy):
            for j, a in enumerate(gx):
                out = model([float(a), float(b)])
                if isinstance(out, Value):
                    grid[i, j] = out.data  # a score: the boundary is its level set at the threshold
                else:
                    binary = False
                    values = [v.data for v in out]
                    grid[i, j] = values.index(max(values))
    ax = _axes(ax)
    if binary:
        lo, hi = min(grid.min(), thr) - 1.0, max(grid.max(), thr) + 1.0
        ax.contourf(gx, gy, grid, levels=[lo, thr, hi], colors=CLASS_COLORS[:2], alpha=0.25)
        ax.contour(gx, gy, grid, levels=[thr], colors="k", linewidths=1.0)
    else:
        from matplotlib.colors import ListedColormap

        n_regions = max(int(grid.max()) + 1, len(classes))
        cmap = ListedColormap([CLASS_COLORS[k % len(CLASS_COLORS)] for k in range(n_regions)])
        ax.contourf(gx, gy, grid, levels=np.arange(-0.5, n_regions), cmap=cmap, alpha=0.25)
        ax.contour(gx, gy, grid, levels=np.arange(0.5, n_regions - 1), colors="k", linewidths=1.0)
    for k, c in enumerate(classes):
        pts = [r for r, label in zip(rows, y) if label == c]
        ax.scatter(
            [p[0] for p in pts],
            [p[1] for p in pts],
            s=22,
            color=CLASS_COLORS[k % len(CLASS_COLORS)],
            edgecolors="k",
            linewidths=0.5,
            label=f"class {c}",
        )
    ax.set_xlim(gx[0], gx[-1])
    ax.set_ylim(gy[0], gy[-1])
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize=8, framealpha=0.8)
    return ax
