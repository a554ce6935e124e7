"""``autodiff train`` from the shell: the bounds on --steps and --points, the options a learner varies
(--lr, --hidden, --activation, --loss, --batch-size), each bad value a one-line message with exit 2,
and the printed losses checked against the same training run through the library."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import nn
from nn import cli as nn_cli

ROOT = Path(__file__).resolve().parents[1]
FAST = ["--no-progress", "--points", "20", "--steps", "3"]


def train(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "autodiff.cli", "train", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
        env=env,
    )


def assert_refused(p: subprocess.CompletedProcess, *words: str) -> None:
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
    lines = p.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("autodiff train: "), p.stderr
    assert "Traceback" not in p.stderr and "MemoryError" not in p.stderr and p.stdout == ""
    for w in words:
        assert w in lines[0], (w, lines[0])


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--points", "100000000"], ["--points", f"<= {10000}", "100000000"]),
        (["--steps", "1000000"], ["--steps", f"<= {100000}"]),
        (["--steps", "0"], ["--steps", ">= 1"]),
        (["--lr", "-1"], ["--lr", "finite number > 0", "'-1'"]),
        (["--lr", "0"], ["--lr"]),
        (["--lr", "nan"], ["--lr"]),
        (["--lr", "inf"], ["--lr"]),
        (["--lr", "fast"], ["--lr", "'fast'"]),
        (["--hidden", ""], ["--hidden", "e.g. 16,16"]),
        (["--hidden", "16,,16"], ["--hidden", "'16,,16'"]),
        (["--hidden", "0"], ["--hidden", "from 1 to 256"]),
        (["--hidden", "16,300"], ["--hidden"]),
        (["--hidden", ",".join(["2"] * 9)], ["--hidden", "1 to 8"]),
        (["--hidden", "a,b"], ["--hidden"]),
        (["--activation", "softmax"], ["--activation", "invalid choice"]),
        (["--loss", "bce"], ["--loss", "invalid choice", "binary_cross_entropy_with_logits", "bce_with_logits"]),
        (["--batch-size", "0"], ["--batch-size", ">= 1"]),
        (["--batch-size", "21"], ["--batch-size 21", "20 points"]),
        (["--points", "1"], ["--points", "at least 2"]),
        (["--points", "10000", "--hidden", "100"], ["--batch-size", "--hidden", "10000 points × 401 parameters"]),
        (["--points", "10000", "--steps", "300"], ["300 steps × 10000 points × 337 parameters", "fewer --steps"]),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) and v and v[0].startswith("--") else None,
)
def test_bad_options_exit_2_with_one_line(tmp_path, args, words):
    out = tmp_path / "run"
    p = train(*FAST, "--out", str(out), *args, cwd=tmp_path)
    assert_refused(p, *words)
    assert not out.exists(), "nothing is made for a refused run"


def _report(text: str) -> tuple[float, float, float]:
    m = re.search(r"loss (\S+) → (\S+), training accuracy (\S+)%", text)
    assert m, text
    return float(m.group(1)), float(m.group(2)), float(m.group(3)) / 100


@pytest.mark.parametrize(
    ("loss", "labels", "output", "n_out"),
    [
        ("hinge", (-1, 1), "linear", 1),
        ("mse", (-1, 1), "linear", 1),
        ("half_squared_error", (-1, 1), "linear", 1),
        ("binary_cross_entropy", (0, 1), "sigmoid", 1),
        ("bce_with_logits", (0, 1), "linear", 1),
        ("binary_cross_entropy_with_logits", (0, 1), "linear", 1),
        ("cross_entropy", (0, 1), "linear", 2),
    ],
)
def test_the_options_reach_the_training_run(tmp_path, loss, labels, output, n_out):
    args = ["--data", "circles", "--points", "30", "--steps", "7", "--batch-size", "8", "--hidden", "5,3",
            "--activation", "tanh", "--loss", loss, "--lr", "0.3", "--seed", "4", "--no-progress"]  # fmt: skip
    p = train(*args, "--out", str(tmp_path / "run"), cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    n_params = 37 + 4 * (n_out - 1)
    assert p.stdout.startswith(f"MLP(2 → 5 → 3 → {n_out}, {n_params} parameters), tanh hidden, {output} output\n")
    assert f"lr 0.3 → 0.03 (linear), batches of 8, labels {labels[0]}/{labels[1]}" in p.stdout
    assert "data circles: 30 points, 7 steps: " + loss in p.stdout
    assert (tmp_path / "run" / "loss.png").stat().st_size > 1000 and (tmp_path / "run" / "boundary.png").exists()

    X, y = nn.data.make_circles(30, seed=4, labels=labels)  # the same run through the library
    model = nn.MLP(2, [5, 3, n_out], activation="tanh", output_activation=output, seed=4)
    opt = nn.SGD(model, lr=0.3)
    sched = nn.LinearLR(opt, start_factor=1.0, end_factor=0.1, total_iters=7)
    history = nn.fit(model, X, y, loss=loss, optimizer=opt, scheduler=sched, steps=7, batch_size=8, l2=1e-4,
                     progress=False)  # fmt: skip
    acc = nn.functional.accuracy(nn.predict(model, X), y, threshold=0.5 if output == "sigmoid" else 0.0)
    first, last, printed_acc = _report(p.stdout)
    assert (first, last) == (round(history[0], 4), round(history[-1], 4))
    assert printed_acc == pytest.approx(acc, abs=5e-4)


@pytest.mark.parametrize(
    "args",
    [["--lr", "1e6"], ["--loss", "binary_cross_entropy", "--lr", "100"], ["--loss", "mse", "--lr", "1000"]],
    ids=lambda v: " ".join(v),
)
def test_a_rate_that_blows_up_is_one_line_not_a_traceback(tmp_path, args):
    p = train("--no-progress", "--points", "20", "--steps", "20", *args, "--out", str(tmp_path / "r"), cwd=tmp_path)
    assert_refused(p, "training diverged at step", "try a smaller --lr")
    assert not (tmp_path / "r" / "loss.png").exists()


def test_python_m_nn_cli_gives_the_same_one_line_errors(capsys):
    with pytest.raises(SystemExit) as exc:
        nn_cli.main(["train", "--hidden", "x"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("python -m nn.cli train: error: argument --hidden")


def test_the_command_takes_every_loss_name_fit_takes():
    assert set(nn_cli.LOSS_SETUP) == set(nn.LOSSES)
