"""The cost of forward and reverse mode as a picture (lesson 15): seconds against the number of
inputs (or outputs), one line per mode, on log-log axes so that "grows like n" is a slope of 1.
Draws on ``ax`` (a new figure when None) and returns the Axes; nothing is saved."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def plot_mode_costs(sizes: Sequence[int], forward: Sequence[float], reverse: Sequence[float], *,
                    xlabel: str = "number of inputs n", forward_label: str = "forward mode: n passes",
                    reverse_label: str = "reverse mode: 1 pass", ax: Axes | None = None) -> Axes:  # fmt: skip
    """Two measured lines, seconds per full gradient (or Jacobian) against ``sizes``."""
    if not (len(sizes) == len(forward) == len(reverse)) or not sizes:
        raise ValueError(f"sizes, forward and reverse need the same length > 0, got {len(sizes)}, "
                         f"{len(forward)}, {len(reverse)}")  # fmt: skip
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(5.5, 3.8))
    ms = 1e3
    ax.plot(sizes, [t * ms for t in forward], "o-", color="#d62728", label=forward_label)
    ax.plot(sizes, [t * ms for t in reverse], "s-", color="#1f77b4", label=reverse_label)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks(list(sizes), [str(n) for n in sizes])
    ax.set_xlabel(xlabel)
    ax.set_ylabel("milliseconds (best of several runs)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(frameon=False)
    return ax
