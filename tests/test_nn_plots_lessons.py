"""The lessons' plotting helpers in nn.plots draw the data they are given (read back from the
matplotlib artists), with plain-number ticks on log axes."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

import nn
from nn import plots


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_plot_curves_draws_each_curve_with_its_label_and_plain_log_ticks():
    curves = {"a": [1.0, 0.5, 0.1, 0.05], "b": [2.0, 0.3, 0.2, 0.03]}
    ax = plots.plot_curves(curves, logy=True, marker="o", colors=["red", "blue"], title="t", xlabel="x", ylabel="y")
    assert [line.get_label() for line in ax.lines] == ["a", "b"]
    assert [list(line.get_ydata()) for line in ax.lines] == [curves["a"], curves["b"]]
    assert ax.get_yscale() == "log" and ax.get_title() == "t"
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels and all("e" not in s and "^" not in s for s in labels), labels
    with pytest.raises(ValueError, match="no curve"):
        plots.plot_curves({})


def test_plot_classes_and_plot_fits_show_the_data_and_each_model():
    X, y = [[0.0, 0.0], [1.0, 1.0], [2.0, 0.5]], [-1, 1, 1]
    ax = plots.plot_classes(X, y, title="moons")
    offsets = [c.get_offsets().tolist() for c in ax.collections]
    assert offsets == [[[0.0, 0.0]], [[1.0, 1.0], [2.0, 0.5]]] and ax.get_title() == "moons"
    model = nn.MLP(1, [3, 1], seed=0)
    Xr, yr = [[-1.0], [0.0], [1.0]], [0.5, 0.0, -0.5]
    ax = plots.plot_fits(Xr, yr, {"net": model}, truth=math.sin, truth_label="sin", span=(-1.0, 1.0))
    assert [line.get_label() for line in ax.lines] == ["sin", "net"]
    xs, ys = ax.lines[1].get_data()
    assert len(xs) == 200 and ys[0] == pytest.approx(nn.predict(model, [[-1.0]])[0], abs=1e-12)
    assert ax.collections[0].get_offsets().tolist() == [[-1.0, 0.5], [0.0, 0.0], [1.0, -0.5]]


def test_plot_paths_draws_every_path_and_the_minimum():
    paths = {"gd": [(-4.0, 1.0), (-3.0, -0.5), (-2.0, 0.2)], "adam": [(-4.0, 1.0), (-3.5, 0.5)]}
    ax = plots.plot_paths(lambda p: 0.5 * (p[0] ** 2 + 25 * p[1] ** 2), paths, levels=[0.5, 2, 8])
    drawn = {line.get_label(): list(zip(*line.get_data())) for line in ax.lines if line.get_label() in paths}
    assert drawn == {k: [tuple(map(float, p)) for p in v] for k, v in paths.items()}
    assert any(line.get_marker() == "*" for line in ax.lines)


def test_plot_descent_has_a_panel_per_learning_rate_with_its_verdict():
    def loss(w):
        return (w - 1) ** 2

    runs = {0.25: ([3.0, 2.0, 1.5], [4.0, 2.0]), 1.1: ([3.0, -1.4], [4.0])}
    fig = plots.plot_descent(loss, runs, start=3.0)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["η = 0.25:  L = 4.00 → 1.00  (loss goes down)", "η = 1.1:  L = 4.00 → 5.76  (overshoots: loss goes UP)"]
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "step −η·L'(W) = −1.0" in texts
