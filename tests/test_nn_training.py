"""nn.data (seeded toy sets, batching), nn.fit (history, silence, steps), the plots, and the
``train`` command end to end."""

from __future__ import annotations

import argparse
import math
import random
import subprocess
import sys
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

import autodiff
import autodiff.cli.app
import nn
from nn import cli as nn_cli
from nn import functional as F

ROOT = Path(__file__).resolve().parents[1]
MAKERS = [nn.data.make_moons, nn.data.make_circles, nn.data.make_xor, nn.data.make_spirals]


@pytest.mark.parametrize("make", MAKERS, ids=lambda f: f.__name__)
def test_toy_sets_are_deterministic_per_seed_and_shaped_right(make):
    X, y = make(101, seed=3)
    assert (X, y) == make(101, seed=3) and X != make(101, seed=4)[0]
    assert len(X) == len(y) == 101 and all(len(row) == 2 and all(isinstance(v, float) for v in row) for row in X)
    assert sorted(set(y)) == [0, 1] and 45 <= y.count(1) <= 56
    assert make(101, seed=random.Random(3)) == (X, y), "a seed or a generator"
    _, signed = make(101, seed=3, labels=(-1, 1))
    assert signed == [1 if c else -1 for c in y]


def test_noise_free_sets_lie_on_their_curves():
    X, y = nn.data.make_moons(40, noise=0.0, seed=0)
    for (a, b), c in zip(X, y):
        centre = (0.0, 0.0) if c == 0 else (1.0, 0.5)
        assert math.isclose(math.hypot(a - centre[0], b - centre[1]), 1.0, rel_tol=1e-12)
        assert (b >= -1e-12) if c == 0 else (b <= 0.5 + 1e-12)
    X, y = nn.data.make_circles(40, noise=0.0, factor=0.3, seed=0)
    assert all(math.isclose(math.hypot(*row), 1.0 if c == 0 else 0.3, rel_tol=1e-12) for row, c in zip(X, y))
    X, y = nn.data.make_xor(200, seed=1)
    assert all(c == int((a > 0) != (b > 0)) for (a, b), c in zip(X, y))
    X, y = nn.data.make_regression(30, noise=0.0, seed=2)
    assert all(len(row) == 1 and -3 <= row[0] <= 3 and t == math.sin(row[0]) for row, t in zip(X, y))


def test_bad_data_arguments():
    with pytest.raises(ValueError, match="n must be an int >= 2"):
        nn.data.make_moons(1)
    with pytest.raises(ValueError, match="noise"):
        nn.data.make_circles(10, noise=-0.1)
    with pytest.raises(ValueError, match="noise must be a finite number >= 0, got 'a'"):
        nn.data.make_regression(10, noise="a")
    with pytest.raises(ValueError, match="labels must be two different values"):
        nn.data.make_xor(10, labels=(1, 1))
    with pytest.raises(TypeError, match="seed"):
        nn.data.make_spirals(10, seed=1.5)


@pytest.mark.parametrize("batch_size", [None, 1, 7, 25, 200])
def test_batches_cover_every_sample_once_per_epoch(batch_size):
    X = [[float(i), -float(i)] for i in range(25)]
    y = list(range(25))
    batches = nn.Batches(X, y, batch_size, seed=0)
    k = 25 if batch_size is None else min(batch_size, 25)
    assert len(batches) == math.ceil(25 / k)
    epochs = [list(batches) for _ in range(3)]
    for epoch in epochs:
        assert len(epoch) == len(batches)
        assert sorted(t for _, yb in epoch for t in yb) == y
        assert all(len(yb) == k for _, yb in epoch[:-1])
        assert all(xb == [X[t] for t in yb] for xb, yb in epoch), "rows stay with their labels"
    if k < 25:
        assert [yb for _, yb in epochs[0]] != [yb for _, yb in epochs[1]], "each epoch reshuffles"
    assert [yb for _, yb in nn.Batches(X, y, batch_size, seed=0)] == [yb for _, yb in epochs[0]]
    assert [t for _, yb in nn.Batches(X, y, batch_size, shuffle=False) for t in yb] == y


def test_batches_drop_last_and_errors():
    X, y = [[0.0]] * 10, list(range(10))
    assert [len(yb) for _, yb in nn.Batches(X, y, 4, drop_last=True)] == [4, 4]
    with pytest.raises(ValueError, match="X has 10 samples but y has 9"):
        nn.Batches(X, y[:-1])
    with pytest.raises(ValueError, match="batch_size"):
        nn.Batches(X, y, 0)


def test_fit_returns_a_falling_history_and_is_silent_without_progress(capsys):
    X, y = nn.data.make_regression(20, noise=0.05, seed=1)
    model = nn.MLP(1, [8, 1], activation="tanh", seed=1)
    seen = []
    history = nn.fit(
        model,
        X,
        y,
        loss="mse",
        lr=0.1,
        epochs=30,
        batch_size=5,
        seed=2,
        progress=False,
        callback=lambda step, loss: seen.append((step, loss)),
    )
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    assert len(history) == 30 * 4 and seen == list(enumerate(history))
    assert sum(history[-8:]) < 0.5 * sum(history[:8])
    assert all(isinstance(v, float) for v in history)


def test_fit_callback_sees_the_rate_its_step_used_and_can_stop_training():
    X, y = nn.data.make_moons(20, noise=0.1, seed=0, labels=(-1, 1))
    model = nn.MLP(2, [4, 1], seed=0)
    opt = nn.SGD(model.parameters(), lr=1.0)
    schedule = nn.LinearLR(opt, start_factor=1.0, end_factor=0.1, total_iters=10)
    rates = []

    def callback(step, loss):
        rates.append(opt.lr)
        return step == 4  # stop after the fifth step

    history = nn.fit(model, X, y, loss="hinge", optimizer=opt, scheduler=schedule, steps=10, progress=False,
                     callback=callback)  # fmt: skip
    assert len(history) == len(rates) == 5
    assert rates == pytest.approx([1.0 - 0.09 * k for k in range(5)], rel=1e-12)


def test_fit_shows_a_progress_bar_with_the_running_loss(capsys):
    X, y = nn.data.make_moons(20, seed=0, labels=(-1, 1))
    model = nn.MLP(2, [4, 1], seed=0)
    history = nn.fit(
        model,
        X,
        y,
        loss="hinge",
        optimizer=nn.Adam(model.parameters(), lr=0.05),
        steps=7,
        batch_size=6,
        desc="moons",
        l2=1e-4,
    )
    err = capsys.readouterr().err
    assert len(history) == 7 and "moons" in err and "7/7" in err and "loss=" in err


def test_fit_with_a_schedule_and_a_custom_loss():
    X, y = nn.data.make_moons(30, seed=1)
    model = nn.MLP(2, [6, 2], activation="tanh", seed=1)
    opt = nn.SGD(model.parameters(), lr=0.5, momentum=0.5)
    sched = nn.StepLR(opt, step_size=5, gamma=0.5)
    history = nn.fit(model, X, y, loss=F.cross_entropy, optimizer=opt, scheduler=sched, epochs=10, progress=False)
    assert len(history) == 10 and history[-1] < history[0]
    assert opt.lr == pytest.approx(0.5 * 0.25)
    assert F.accuracy(nn.predict(model, X), y) > 0.75
    with pytest.raises(ValueError, match="unknown loss 'l1'"):
        nn.fit(model, X, y, loss="l1", progress=False)
    with pytest.raises(ValueError, match="epochs"):
        nn.fit(model, X, y, epochs=0, progress=False)


def test_predict_keeps_no_graph():
    model = nn.MLP(2, [3, 2], seed=0)
    out = nn.predict(model, [[1.0, 2.0], [0.0, -1.0]])
    assert all(isinstance(v, float) for row in out for v in row)
    assert out[0] == [v.data for v in model([1.0, 2.0])]


# ---- plots ---------------------------------------------------------------------------------------
def _pixels(path: Path):
    from PIL import Image

    with Image.open(path) as im:
        return im.size, {c for _, c in im.convert("RGB").getcolors(maxcolors=1 << 24)}


def _region_colour(hex_colour: str, alpha: float = 0.25) -> tuple[int, int, int]:
    """A class colour painted with ``alpha`` over white, as the decision regions are."""
    rgb = [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]
    return tuple(round(255 * (1 - alpha) + c * alpha) for c in rgb)


def _has(colours, target, tol: int = 2) -> bool:
    return any(all(abs(a - b) <= tol for a, b in zip(c, target)) for c in colours)


def test_plots_draw_the_loss_and_both_regions(tmp_path):
    import matplotlib.pyplot as plt

    X, y = nn.data.make_moons(60, seed=0, labels=(-1, 1))
    model = nn.MLP(2, [8, 8, 1], seed=0)
    history = nn.fit(model, X, y, loss="hinge", lr=0.3, epochs=40, l2=1e-4, progress=False)
    ax = nn.plots.plot_loss(history, label="SGD")
    assert ax.lines[0].get_ydata().tolist() == history and ax.get_legend() is not None
    ax.figure.savefig(tmp_path / "loss.png")
    plt.close(ax.figure)
    ax = nn.plots.plot_decision_boundary(model, X, y, resolution=30)
    ax.figure.savefig(tmp_path / "boundary.png")
    plt.close(ax.figure)
    size, colours = _pixels(tmp_path / "boundary.png")
    assert size[0] > 200 and len(colours) > 50
    regions = [_region_colour(c) for c in nn.plots.CLASS_COLORS[:2]]
    assert all(_has(colours, c) for c in regions), "both class regions are painted"
    multi = nn.MLP(2, [4, 3], seed=0)
    ax = nn.plots.plot_decision_boundary(multi, [[0.0, 0.0], [1.0, 1.0], [1.0, 0.0]], [0, 1, 2], resolution=10)
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="2-D inputs"):
        nn.plots.plot_decision_boundary(model, [[1.0, 2.0, 3.0]], [1])
    with pytest.raises(ValueError, match="empty"):
        nn.plots.plot_loss([])


# ---- the train command ---------------------------------------------------------------------------
def test_train_command_through_nn_cli_saves_both_pictures(tmp_path, capsys):
    out = tmp_path / "run"
    code = nn_cli.main(["train", "--steps", "5", "--out", str(out), "--no-progress", "--data", "circles"])
    text = capsys.readouterr()
    assert code == 0, text.err
    assert "data circles: 100 points, 5 steps" in text.out and text.err == ""
    for name in ("loss.png", "boundary.png"):
        size, colours = _pixels(out / name)
        assert size[0] > 200 and len(colours) > 20


def test_train_command_bad_input_exits_2(tmp_path, capsys):
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    assert nn_cli.main(["train", "--steps", "1", "--out", str(a_file), "--no-progress"]) == 2
    assert "is not a folder" in capsys.readouterr().err
    for bad in (["--steps", "0"], ["--steps", "many"], ["--data", "iris"]):
        with pytest.raises(SystemExit) as exc:
            nn_cli.main(["train", *bad])
        assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "expected a whole number >= 1" in err and "invalid choice: 'iris'" in err


def test_register_adds_a_train_subcommand_to_any_parser():
    parser = argparse.ArgumentParser(prog="autodiff")
    nn_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["train", "--data", "xor", "--seed", "4"])
    assert args.run is nn_cli.run and (args.data, args.seed, args.steps) == ("xor", 4, 100)


PLUGINS_LOADED = "autodiff.commands" in Path(autodiff.cli.app.__file__).read_text(encoding="utf-8")


@pytest.mark.skipif(not PLUGINS_LOADED, reason="autodiff/cli.py does not load plug-in commands yet")
def test_autodiff_train_end_to_end(tmp_path):
    exe = Path(sys.executable).with_name("autodiff")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "autodiff.cli"]
    p = subprocess.run(
        [*cmd, "train", "--steps", "5", "--out", str(tmp_path), "--no-progress"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=ROOT,
    )
    assert p.returncode == 0, p.stderr
    assert "saved" in p.stdout and (tmp_path / "loss.png").exists() and (tmp_path / "boundary.png").exists()
    bad = subprocess.run([*cmd, "train", "--steps", "-3"], capture_output=True, text=True, timeout=120, check=False)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert autodiff.current_scope() == ()
