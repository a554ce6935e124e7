"""Pictures of grids with matplotlib: a matrix with its numbers in the cells, and how a pooling
layer routes its gradient (which inputs receive gradient, and how much).

The functions only read ``.data`` and ``.grad``; they never change them. They draw on new figures
(or the given Axes) and return them; choose a non-interactive backend in scripts (``matplotlib.use("Agg")``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from autodiff import Value
from autodiff.graph import edges

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

WINDOW_COLORS = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")


def _numbers(grid, what: str = "data") -> list[list[float]]:
    """A 2-D grid of Values or numbers as floats (``what``: "data" or "grad" of each Value)."""
    rows = [list(row) for row in grid]
    if not rows or not rows[0] or any(len(r) != len(rows[0]) for r in rows):
        raise ValueError("plot_grid: the grid must be a non-empty list of rows of the same length")
    return [[getattr(v, what) if isinstance(v, Value) else float(v) for v in row] for row in rows]


def _fmt(v: float) -> str:
    return f"{v:.3g}" if v != int(v) or abs(v) >= 1e4 else f"{int(v)}"


def plot_grid(
    grid: Sequence[Sequence[Value | float]],
    ax: Axes | None = None,
    *,
    title: str = "",
    what: str = "data",
    shade: bool = True,
    mark: Sequence[tuple[int, int]] = (),
) -> Axes:
    """The grid as a table of cells with each number written in (row 0 at the top); ``what`` reads
    each Value's "data" or "grad"; ``shade`` colours cells by |value| (white where 0, so a gradient
    grid shows at a glance which entries receive something); cells in ``mark`` (row, column) are
    filled yellow with the number in bold."""
    import matplotlib.pyplot as plt

    nums = _numbers(grid, what)
    h, w = len(nums), len(nums[0])
    if ax is None:
        _, ax = plt.subplots(figsize=(0.7 * w + 0.6, 0.7 * h + 0.6))
    marks = set(mark)
    top = max((abs(v) for row in nums for v in row), default=0.0) or 1.0
    for i, row in enumerate(nums):
        for j, v in enumerate(row):
            color = plt.cm.Oranges(0.15 + 0.6 * abs(v) / top) if shade and v != 0 else "white"
            if shade and v < 0:
                color = plt.cm.Blues(0.15 + 0.6 * abs(v) / top)
            marked = (i, j) in marks
            color = "#ffe08a" if marked else color
            ax.add_patch(plt.Rectangle((j, i), 1, 1, facecolor=color, edgecolor="#888888", linewidth=0.8))
            ax.text(j + 0.5, i + 0.5, _fmt(v), ha="center", va="center", fontsize=10,
                    fontweight="bold" if marked else "normal")
    ax.set_xlim(0, w)
    ax.set_ylim(h, 0)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def _windows(h: int, w: int, k: tuple[int, int], s: tuple[int, int]) -> list[tuple[int, int]]:
    return [(i * s[0], j * s[1]) for i in range((h - k[0]) // s[0] + 1) for j in range((w - k[1]) // s[1] + 1)]


def plot_pooling(
    x: Sequence[Sequence[Value]],
    out: Sequence[Sequence[Value]],
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    *,
    kind: str = "max",
) -> Figure:
    """Three panels for one channel of a pooling layer after ``backward()``: the input with each
    window outlined in its colour (and, for max pooling, the entry each output node routes to, read
    from its local derivatives, in yellow),
    the output with the upstream gradient δ = ``out.grad`` of each entry, and the input's gradient
    (white cells received nothing)."""
    import matplotlib.pyplot as plt

    k = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
    s = k if stride is None else ((stride, stride) if isinstance(stride, int) else tuple(stride))
    xs, ys = _numbers(x), _numbers(out)
    h, w = len(xs), len(xs[0])
    corners = _windows(h, w, k, s)
    winners = []
    if kind == "max":  # read off the graph: the parent each output's local derivative 1 points to
        where = {id(v): (i, j) for i, row in enumerate(x) for j, v in enumerate(row)}
        for node in (v for row in out for v in row if isinstance(v, Value)):
            winners += [where[id(p)] for p, d in edges(node) if d == 1.0 and id(p) in where]
    fig, axes = plt.subplots(1, 3, figsize=(3 * (0.7 * w + 0.9), 0.7 * h + 1.2))
    title = "input x (windows outlined" + (", each maximum yellow)" if kind == "max" else ")")
    plot_grid(xs, axes[0], title=title, shade=False, mark=winners)
    for n, (top, left) in enumerate(corners):
        inset = 0.04 + 0.06 * (n % 3) if s != k else 0.04
        axes[0].add_patch(plt.Rectangle((left + inset, top + inset), k[1] - 2 * inset, k[0] - 2 * inset, fill=False,
                                        edgecolor=WINDOW_COLORS[n % len(WINDOW_COLORS)], linewidth=2))
    name = "max" if kind == "max" else "average"
    plot_grid(ys, axes[1], title=f"{name} pool y, with its δ", shade=False)
    for n in range(len(corners)):
        i, j = divmod(n, len(ys[0]))
        axes[1].add_patch(plt.Rectangle((j + 0.04, i + 0.04), 0.92, 0.92, fill=False,
                                        edgecolor=WINDOW_COLORS[n % len(WINDOW_COLORS)], linewidth=2))
    grads = _numbers(out, "grad")
    for i, row in enumerate(grads):
        for j, g in enumerate(row):
            axes[1].text(j + 0.5, i + 0.85, f"δ = {_fmt(g)}", ha="center", va="center", fontsize=8, color="#d62728")
    plot_grid(x, axes[2], title="∂L/∂x (what each input receives)", what="grad")
    fig.tight_layout()
    return fig


__all__ = ["plot_grid", "plot_pooling"]
