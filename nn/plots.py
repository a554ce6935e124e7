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


def _numbers(values) -> list[float]:
    """What to draw: a Value is drawn as its number (``float(value)`` refuses, to keep graphs whole)."""
    return [float(v.data if isinstance(v, Value) else v) for v in values]


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
    ax.plot(range(len(history)), _numbers(history), label=label, linewidth=1.5)
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

    rows = [_numbers(x) for x in X]
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


# ---- the lessons' pictures (so a notebook cell shows what it teaches, not 30 lines of matplotlib) ----
def log_axis(ax: Axes) -> Axes:
    """A log-scale y axis (call after plotting) with ticks at plain numbers: 0.03, 0.05, 0.1, ...
    (not 5×10⁻²), and a light grid."""
    import matplotlib.ticker as mticker

    ax.set_yscale("log")
    low, high = ax.get_ylim()
    ticks: list[float] = []
    for mantissas in ((1, 2, 3, 5), (1,)):
        ticks = [m * 10.0**e for e in range(-12, 3) for m in mantissas if low <= m * 10.0**e <= high]
        if len(ticks) <= 10:
            break
    ax.yaxis.set_major_locator(mticker.FixedLocator(ticks))
    ax.yaxis.set_major_formatter(mticker.FormatStrFormatter("%g"))
    ax.yaxis.set_minor_formatter(mticker.NullFormatter())
    ax.grid(alpha=0.3, which="both")
    return ax


def plot_curves(curves, ax: Axes | None = None, *, x=None, logy: bool = False, title: str = "", xlabel: str = "step",
                ylabel: str = "loss", marker: str | None = None, colors=None, linewidth: float = 1.2) -> Axes:  # fmt: skip
    """Several labelled curves on one Axes: ``curves`` maps a label to its values; ``x`` the shared
    x values (default 0, 1, 2, ...); ``logy`` a log scale with plain-number ticks (``log_axis``)."""
    if not curves:
        raise ValueError("plot_curves: no curve to draw")
    ax = _axes(ax, (6.5, 4.0))
    for k, (label, values) in enumerate(curves.items()):
        xs = range(len(values)) if x is None else x
        color = None if colors is None else colors[k]
        ax.plot(xs, _numbers(values), label=label, marker=marker, markersize=3, linewidth=linewidth, color=color)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if logy:
        log_axis(ax)
    else:
        ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax


def plot_classes(X, y, ax: Axes | None = None, *, title: str = "the data") -> Axes:
    """A labelled 2-D data set: one colour per class, equal axes."""
    ax = _axes(ax, (5.5, 3.6))
    rows = [_numbers(x) for x in X]
    for k, c in enumerate(sorted(set(y))):
        pts = [r for r, label in zip(rows, y) if label == c]
        ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=22, color=CLASS_COLORS[k % len(CLASS_COLORS)],
                   edgecolors="k", linewidths=0.5, label=f"class {c}")  # fmt: skip
    ax.set_aspect("equal")
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return ax


def plot_fits(X, y, models, ax: Axes | None = None, *, truth: Callable | None = None, truth_label: str = "",
              title: str = "", colors=None, span: tuple[float, float] | None = None) -> Axes:  # fmt: skip
    """A 1-D regression set (points) and the curve each model draws (``models`` maps a label to a
    model taking ``[x]``), with the noise-free ``truth`` dashed when given."""
    import numpy as np

    from .train import predict

    xs = _numbers(r[0] for r in X)
    lo, hi = span if span is not None else (min(xs) - 0.2, max(xs) + 0.2)
    grid = np.linspace(lo, hi, 200)
    ax = _axes(ax, (6.0, 3.2))
    ax.scatter(xs, _numbers(y), s=18, color="k", label=f"data ({len(xs)} points)")
    if truth is not None:
        ax.plot(grid, [truth(float(g)) for g in grid], color="0.6", linestyle="--", label=truth_label)
    for k, (label, model) in enumerate(models.items()):
        color = None if colors is None else colors[k]
        ax.plot(grid, predict(model, [[float(g)] for g in grid]), color=color, label=label)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(title)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return ax


def plot_paths(loss: Callable, paths, ax: Axes | None = None, *, box=((-4.5, 1.0), (-1.3, 1.3)), levels=None,
               title: str = "", xlabel: str = "a", ylabel: str = "b", minimum=(0.0, 0.0)) -> Axes:  # fmt: skip
    """Optimizers' paths on a 2-D loss: its contour lines, each path (a list of points) as dots joined
    by lines, the minimum as a star."""
    import numpy as np

    (a0, a1), (b0, b1) = box
    A, B = np.meshgrid(np.linspace(a0, a1, 200), np.linspace(b0, b1, 200))
    ax = _axes(ax, (10.0, 4.2))
    ax.contour(A, B, loss((A, B)), levels=levels, colors="0.75", linewidths=0.8)
    for label, path in paths.items():
        ax.plot([p[0] for p in path], [p[1] for p in path], marker="o", markersize=2.5, linewidth=1, label=label)
    ax.plot([minimum[0]], [minimum[1]], marker="*", markersize=12, color="k")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.set_aspect("equal")
    ax.legend(fontsize=8, loc="lower right")
    return ax


def plot_descent(loss: Callable, runs, start: float, *, span=(-2.0, 4.5), ylim=(-1.4, 9.5), minimum: float = 1.0):
    """Gradient descent on a one-weight loss, one panel per learning rate: ``runs`` maps η to
    (the weights visited, the slope at each). Each panel: the curve L(w), the tangent at the start,
    the first step P → P⁺ bold and the later ones faint, and the step −η·L'(W) along the w axis.
    Returns the figure."""
    from itertools import pairwise

    import matplotlib.pyplot as plt

    grid = [span[0] + (span[1] - span[0]) * i / 300 for i in range(301)]
    fig, axes = plt.subplots(1, len(runs), figsize=(5.5 * len(runs), 4.2), sharey=True, squeeze=False)
    W = start
    for ax, (eta, (ws, slopes)) in zip(axes[0], runs.items()):
        arrow = {"arrowstyle": "-|>", "color": "tab:blue"}
        ax.plot(grid, [loss(w) for w in grid], color="0.3", lw=1.5, label="L(w)")
        ax.plot([minimum], [loss(minimum)], marker="*", ms=12, color="tab:green", ls="none", label=f"minimum w* = {minimum:g}")
        tangent = [W - 0.9, W + 1.1]
        ax.plot(tangent, [loss(W) + slopes[0] * (t - W) for t in tangent], color="tab:orange", lw=1.5,
                label=f"tangent at W, slope L'(W) = {slopes[0]:g}")  # fmt: skip
        ax.plot(ws[2:], [loss(w) for w in ws[2:]], "o", color="tab:blue", alpha=0.45, ms=4)
        for a, b in pairwise(ws[1:]):
            ax.annotate("", xy=(b, loss(b)), xytext=(a, loss(a)), arrowprops={**arrow, "alpha": 0.45, "lw": 1.3})
        w_new = ws[1]
        ax.annotate("", xy=(w_new, loss(w_new)), xytext=(W, loss(W)), arrowprops={**arrow, "lw": 2.2, "mutation_scale": 16})
        ax.plot([W, w_new], [loss(W), loss(w_new)], "o", color="tab:blue", ms=6)
        ax.annotate("P (W)", (W, loss(W)), textcoords="offset points", xytext=(8, -4))
        ax.annotate("P⁺ (W⁺)", (w_new, loss(w_new)), textcoords="offset points", xytext=(-30, 10))
        ax.axhline(0, color="0.5", lw=0.8)
        ax.annotate("", xy=(w_new, -0.45), xytext=(W, -0.45), arrowprops={"arrowstyle": "-|>", "color": "tab:red", "lw": 1.5})
        ax.text((W + w_new) / 2, -1.15, f"step −η·L'(W) = {w_new - W:.1f}".replace("-", "−"), color="tab:red", ha="center")
        verdict = "loss goes down" if loss(w_new) < loss(W) else "overshoots: loss goes UP"
        ax.set_title(f"η = {eta}:  L = {loss(W):.2f} → {loss(w_new):.2f}  ({verdict})")
        ax.set_xlabel("weight w")
        ax.set_xlim(*span)
        ax.set_ylim(*ylim)
        ax.grid(True, alpha=0.3)
    axes[0][0].set_ylabel("loss L(w)")
    axes[0][0].legend(loc="upper center", fontsize=8)
    fig.suptitle("W⁺ = W − η·L'(W): the slope gives the direction, η the step", y=1.0)
    fig.tight_layout()
    return fig
