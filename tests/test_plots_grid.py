"""nn.plots_grid: the pooling picture marks the entry each max-pool output routes to (read from the
graph), leaves every .data and .grad as it found them, and refuses a ragged grid."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import pytest

import autodiff
from autodiff import Value
from nn import functional as F
from nn.plots_grid import plot_grid, plot_pooling

YELLOW = mcolors.to_rgba("#ffe08a")


def marked_cells(ax):
    return sorted((int(p.get_y()), int(p.get_x())) for p in ax.patches
                  if isinstance(p, plt.Rectangle) and p.get_facecolor() == YELLOW)


def test_pooling_picture_marks_the_maxima_and_changes_nothing():
    x = [[Value(v) for v in row] for row in [[1.0, 3.0, 2.0], [3.0, 0.0, 5.0], [4.0, 1.0, 1.0]]]
    out = F.max_pool2d([x], 2, 1)
    autodiff.dot([v for row in out[0] for v in row], [1.0, 2.0, 3.0, 4.0]).backward()
    nodes = [v for row in x for v in row] + [v for row in out[0] for v in row]
    before = [(v.data, v.grad) for v in nodes]
    fig = plot_pooling(x, out[0], 2, 1)
    assert [(v.data, v.grad) for v in nodes] == before
    # windows: (1,3,3,0) → first 3 at (0,1); (3,2,0,5) → (1,2); (3,0,4,1) → (2,0); (0,5,1,1) → (1,2)
    assert marked_cells(fig.axes[0]) == [(0, 1), (1, 2), (2, 0)]
    texts = [t.get_text() for t in fig.axes[2].texts]
    assert texts == ["0", "1", "0", "0", "0", "6", "3", "0", "0"]  # ∂L/∂x, row by row
    plt.close(fig)


def test_average_picture_marks_nothing_and_a_ragged_grid_is_refused():
    x = [[Value(1.0), Value(2.0)], [Value(3.0), Value(4.0)]]
    fig = plot_pooling(x, F.avg_pool2d([x], 2)[0], 2, kind="avg")
    assert marked_cells(fig.axes[0]) == []
    plt.close(fig)
    with pytest.raises(ValueError, match="same length"):
        plot_grid([[1.0, 2.0], [3.0]])
