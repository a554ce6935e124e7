"""``autodiff train``: micrograd's demo as a command. An MLP 2-16-16-1 (relu, linear output) learns a
toy 2-D data set with the hinge loss + 1e-4·Σp² and SGD (η from 1.0 down to 0.1, linearly), then
the loss curve and the decision boundary are saved as PNGs in ``--out``. ``--hidden``,
``--activation``, ``--loss``, ``--lr`` and ``--batch-size`` change the network and the training.

A plug-in of the ``autodiff`` command (entry-point group ``autodiff.commands``: ``register`` adds the
subcommand); ``python -m nn.cli train ...`` runs it on its own.
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
from pathlib import Path

from autodiff.cli import whole_number

DEFAULT_OUT = "autodiff-train"
MAX_STEPS = 100_000
MAX_POINTS = 10_000
MAX_WIDTH, MAX_HIDDEN_LAYERS = 256, 8
#: points × parameters one step may push through the graph (~150 bytes each: ~600 MB, a few seconds)
MAX_STEP_SIZE = 4_000_000
#: steps × points × parameters of a whole run (~2.5 µs each here: 10⁹ is about 40 minutes)
MAX_WORK = 1_000_000_000
#: loss → (labels, output activation, outputs): ±1 scores for hinge and the squared errors, 0/1 with a
#: probability or a logit, two logits for cross_entropy; every name ``fit`` takes (nn.LOSSES)
LOSS_SETUP = {
    "hinge": ((-1, 1), "linear", 1),
    "mse": ((-1, 1), "linear", 1),
    "half_squared_error": ((-1, 1), "linear", 1),
    "binary_cross_entropy": ((0, 1), "sigmoid", 1),
    "binary_cross_entropy_with_logits": ((0, 1), "linear", 1),
    "bce_with_logits": ((0, 1), "linear", 1),
    "cross_entropy": ((0, 1), "linear", 2),
}


def _at_most(limit: int, minimum: int = 1):
    """An argparse ``type=``: a whole number from ``minimum`` to ``limit``."""
    at_least = whole_number(minimum)

    def parse(text: str) -> int:
        n = at_least(text)
        if n > limit:
            raise argparse.ArgumentTypeError(f"expected a whole number <= {limit}, got {n}")
        return n

    return parse


def _rate(text: str) -> float:
    """An argparse ``type=``: a finite number > 0."""
    try:
        x = float(text)
    except ValueError:
        x = math.nan
    if not (math.isfinite(x) and x > 0):
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {text!r}")
    return x


def _widths(text: str) -> list[int]:
    """An argparse ``type=``: comma-separated hidden-layer widths, e.g. ``16,16``."""
    parts = text.split(",")
    try:
        sizes = [int(p) for p in parts]
    except ValueError:
        sizes = []
    if not sizes or len(sizes) > MAX_HIDDEN_LAYERS or not all(1 <= n <= MAX_WIDTH for n in sizes):
        raise argparse.ArgumentTypeError(
            f"expected 1 to {MAX_HIDDEN_LAYERS} comma-separated widths from 1 to {MAX_WIDTH}, e.g. 16,16; got {text!r}"
        )
    return sizes


def register(subparsers) -> None:
    """Add the ``train`` subcommand to an argparse subparsers object (the plug-in hook)."""
    from .data import DATASETS

    p = subparsers.add_parser(
        "train",
        help="train an MLP on a toy 2-D data set; save its loss curve and decision boundary",
        description=__doc__.split("\n\n")[0],
    )
    p.add_argument("--data", choices=sorted(DATASETS), default="moons", help="the data set (default: moons)")
    p.add_argument("--steps", type=_at_most(MAX_STEPS), default=100,
                   help=f"optimizer steps, at most {MAX_STEPS} (default: 100)")  # fmt: skip
    p.add_argument("--points", type=_at_most(MAX_POINTS), default=100,
                   help=f"number of samples, 2 to {MAX_POINTS} (default: 100)")  # fmt: skip
    p.add_argument("--batch-size", type=_at_most(MAX_POINTS), default=None,
                   help="samples per step, at most --points (default: all of them, full batch)")  # fmt: skip
    p.add_argument("--hidden", type=_widths, default=[16, 16], metavar="W1,W2,...",
                   help="hidden-layer widths (default: 16,16)")  # fmt: skip
    p.add_argument("--activation", choices=("relu", "tanh", "sigmoid"), default="relu",
                   help="of the hidden layers (default: relu)")  # fmt: skip
    p.add_argument("--loss", choices=tuple(LOSS_SETUP), default="hinge",
                   help="hinge, mse and half_squared_error train on labels ±1 (linear output), binary_cross_entropy "
                   "on 0/1 (sigmoid output), binary_cross_entropy_with_logits (bce_with_logits) on 0/1 (linear "
                   "output), cross_entropy on classes 0/1 (two linear outputs) (default: hinge)")  # fmt: skip
    p.add_argument("--lr", type=_rate, default=1.0,
                   help="starting learning rate of SGD, lowered linearly to a tenth of it (default: 1.0)")  # fmt: skip
    p.add_argument("--out", default=DEFAULT_OUT, help=f"folder for loss.png and boundary.png (default: {DEFAULT_OUT})")
    p.add_argument("--seed", type=int, default=0, help="seed for the data and the initial weights (default: 0)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(run=run)
    p.error = lambda message: p.exit(2, f"{p.prog}: error: {message} (see --help)\n")  # one line, no usage


def _refuse(message: str) -> int:
    print(f"autodiff train: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    """Train, report, save the two pictures; the exit code (2 for bad input)."""
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        return _refuse(f"--out {str(out)!r} exists and is not a folder")
    if args.points < 2:
        return _refuse("--points must be at least 2 (two classes)")
    batch = args.points if args.batch_size is None else args.batch_size
    if batch > args.points:
        return _refuse(f"--batch-size {batch} is more than the {args.points} points (at most --points)")
    labels, output, n_out = LOSS_SETUP[args.loss]
    sizes = [2, *args.hidden, n_out]
    n_params = sum((a + 1) * b for a, b in itertools.pairwise(sizes))
    if batch * n_params > MAX_STEP_SIZE:
        return _refuse(
            f"a step over {batch} points × {n_params} parameters is too big ({batch * n_params:,} > "
            f"{MAX_STEP_SIZE:,}): use a smaller --batch-size or --hidden"
        )
    if args.steps * batch * n_params > MAX_WORK:
        return _refuse(
            f"{args.steps} steps × {batch} points × {n_params} parameters is too long a run "
            f"({args.steps * batch * n_params:,} > {MAX_WORK:,}): use fewer --steps, a smaller --batch-size or --hidden"
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return _refuse(f"cannot create the folder {str(out)!r}: {exc.strerror}")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import functional as F
    from .data import DATASETS
    from .mlp import MLP
    from .optim import SGD, LinearLR
    from .plots import plot_decision_boundary, plot_loss
    from .train import fit, predict

    X, y = DATASETS[args.data](args.points, seed=args.seed, labels=labels)
    model = MLP(2, [*args.hidden, n_out], activation=args.activation, output_activation=output, seed=args.seed)
    optimizer = SGD(model.parameters(), lr=args.lr)
    schedule = LinearLR(optimizer, start_factor=1.0, end_factor=0.1, total_iters=args.steps)
    done = [0]  # steps finished, for the message when training blows up

    def watch(step: int, loss: float) -> bool:
        done[0] = step + 1
        return not math.isfinite(loss)  # stop at an infinite or nan loss

    try:
        history = fit(
            model,
            X,
            y,
            loss=args.loss,
            optimizer=optimizer,
            scheduler=schedule,
            steps=args.steps,
            batch_size=args.batch_size,
            l2=1e-4,
            progress=not args.no_progress,
            desc=f"train {args.data}",
            callback=watch,
        )
    except (ValueError, ArithmeticError) as exc:  # the engine refusing an overflow, a probability of 0 or 1
        return _refuse(f"training diverged at step {done[0] + 1} ({exc}); try a smaller --lr")
    if not math.isfinite(history[-1]):
        return _refuse(f"training diverged at step {len(history)} (loss {history[-1]}); try a smaller --lr")
    acc = F.accuracy(predict(model, X), y, threshold=0.5 if output == "sigmoid" else 0.0)

    ax = plot_loss(history, title=f"{args.data}: {args.loss} + 1e-4·Σp², {args.steps} steps")
    loss_png = out / "loss.png"
    ax.figure.savefig(loss_png, dpi=100, bbox_inches="tight")
    plt.close(ax.figure)
    ax = plot_decision_boundary(model, X, y, title=f"{args.data}: training accuracy {acc:.0%}")
    boundary_png = out / "boundary.png"
    ax.figure.savefig(boundary_png, dpi=100, bbox_inches="tight")
    plt.close(ax.figure)

    print(f"{model!r}".splitlines()[0] + f", {args.activation} hidden, {output} output")
    print(f"SGD, lr {args.lr:g} → {args.lr / 10:g} (linear), batches of {batch}, labels {labels[0]}/{labels[1]}")
    print(
        f"data {args.data}: {args.points} points, {args.steps} steps: "
        f"{args.loss} loss {history[0]:.4f} → {history[-1]:.4f}, training accuracy {acc:.1%}"
    )
    print(f"saved {loss_png} and {boundary_png}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nn.cli")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    register(sub)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
