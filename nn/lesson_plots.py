"""Small matplotlib pictures for the lessons (notebooks 10 and 11): σ' and its bound, gradients per layer
on a log scale, and counts of multiplications as a network grows.

Each function draws on ``ax`` (a new figure when None) and returns the Axes. Notebooks run with the Agg
backend (``MPLBACKEND=Agg``); nothing is written to disk.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def _axes(ax: Axes | None, figsize: tuple[float, float] = (5.5, 3.6)) -> Axes:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize)
    return ax


def _sigmoid(t: float) -> float:
    return 1.0 / (1.0 + math.exp(-t))


def plot_sigmoid_derivative(ax: Axes | None = None, span: float = 8.0) -> Axes:
    """σ(x), σ'(x) = σ(x)(1 − σ(x)) and its maximum 1/4 at x = 0, on [−span, span]."""
    ax = _axes(ax)
    xs = [-span + 2 * span * i / 400 for i in range(401)]
    s = [_sigmoid(x) for x in xs]
    ax.plot(xs, s, color="#1f77b4", label="σ(x)")
    ax.plot(xs, [v * (1 - v) for v in s], color="#d62728", label="σ'(x) = σ(x)(1 − σ(x))")
    ax.axhline(0.25, color="grey", linestyle="--", linewidth=1, label="1/4, the maximum (x = 0)")
    ax.set_xlabel("x")
    ax.legend(loc="center right", fontsize=8)
    ax.set_title("the sigmoid and its derivative")
    return ax


def plot_layer_gradients(
    curves: Mapping[str, Sequence[float]],
    ax: Axes | None = None,
    *,
    bound_from_last: float | None = None,
    title: str = "mean |∂L/∂W| of each layer",
    ylabel: str = "mean |∂L/∂W|",
) -> Axes:
    """One line per network: entry l is the mean |∂L/∂W| of layer l + 1 (input side first), log scale.

    ``bound_from_last=r`` adds the line r^k of the longest curve, k layers below its last one (the
    0.25^k that σ' ≤ 1/4 allows at best)."""
    ax = _axes(ax)
    for label, ys in curves.items():
        ax.semilogy(range(1, len(ys) + 1), ys, marker="o", markersize=3, label=label)
    if bound_from_last is not None and curves:
        longest = max(curves.values(), key=len)
        n = len(longest)
        ax.semilogy(range(1, n + 1), [longest[-1] * bound_from_last ** (n - 1 - i) for i in range(n)],
                    color="black", linestyle=":", label=f"{bound_from_last:g}ᵏ, k layers below the last")
    ax.set_xlabel("layer (1 = next to the input)")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=7)
    return ax


def plot_counts(
    sizes: Sequence[int],
    counts: Mapping[str, Sequence[int]],
    ax: Axes | None = None,
    *,
    xlabel: str = "hidden layers",
    title: str = "multiplications for every ∂L/∂w",
) -> Axes:
    """Counts (one line per method) against the network's size, on a log scale."""
    ax = _axes(ax)
    for label, ys in counts.items():
        ax.semilogy(list(sizes), list(ys), marker="o", markersize=4, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("multiplications")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return ax
