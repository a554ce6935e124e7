"""``autodiff train``: micrograd's demo as a command. An MLP 2-16-16-1 (relu, linear output) learns a
toy 2-D data set with the hinge loss + 1e-4·Σp² and SGD (η from 1.0 down to 0.1, linearly), then
the loss curve and the decision boundary are saved as PNGs in ``--out``.

A plug-in of the ``autodiff`` command (entry-point group ``autodiff.commands``: ``register`` adds the
subcommand); ``python -m nn.cli train ...`` runs it on its own.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autodiff.cli import whole_number

DEFAULT_OUT = "autodiff-train"


def register(subparsers) -> None:
    """Add the ``train`` subcommand to an argparse subparsers object (the plug-in hook)."""
    from .data import DATASETS

    p = subparsers.add_parser(
        "train",
        help="train an MLP on a toy 2-D data set; save its loss curve and decision boundary",
        description=__doc__.split("\n\n")[0],
    )
    p.add_argument("--data", choices=sorted(DATASETS), default="moons", help="the data set (default: moons)")
    p.add_argument("--steps", type=whole_number(1), default=100, help="optimizer steps, full batch (default: 100)")
    p.add_argument("--points", type=whole_number(1), default=100, help="number of samples (default: 100)")
    p.add_argument("--out", default=DEFAULT_OUT, help=f"folder for loss.png and boundary.png (default: {DEFAULT_OUT})")
    p.add_argument("--seed", type=int, default=0, help="seed for the data and the initial weights (default: 0)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Train, report, save the two pictures; the exit code (2 for bad input)."""
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        print(f"autodiff train: --out {str(out)!r} exists and is not a folder", file=sys.stderr)
        return 2
    if args.points < 2:
        print("autodiff train: --points must be at least 2 (two classes)", file=sys.stderr)
        return 2
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"autodiff train: cannot create the folder {str(out)!r}: {exc.strerror}", file=sys.stderr)
        return 2

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import functional as F
    from .data import DATASETS
    from .mlp import MLP
    from .optim import SGD, LinearLR
    from .plots import plot_decision_boundary, plot_loss
    from .train import fit, predict

    X, y = DATASETS[args.data](args.points, seed=args.seed, labels=(-1, 1))
    model = MLP(2, [16, 16, 1], activation="relu", output_activation="linear", seed=args.seed)
    optimizer = SGD(model.parameters(), lr=1.0)
    schedule = LinearLR(optimizer, start_factor=1.0, end_factor=0.1, total_iters=args.steps)
    history = fit(
        model,
        X,
        y,
        loss="hinge",
        optimizer=optimizer,
        scheduler=schedule,
        steps=args.steps,
        l2=1e-4,
        progress=not args.no_progress,
        desc=f"train {args.data}",
    )
    acc = F.accuracy(predict(model, X), y)

    ax = plot_loss(history, title=f"{args.data}: hinge loss + 1e-4·Σp², {args.steps} steps")
    loss_png = out / "loss.png"
    ax.figure.savefig(loss_png, dpi=100, bbox_inches="tight")
    plt.close(ax.figure)
    ax = plot_decision_boundary(model, X, y, title=f"{args.data}: training accuracy {acc:.0%}")
    boundary_png = out / "boundary.png"
    ax.figure.savefig(boundary_png, dpi=100, bbox_inches="tight")
    plt.close(ax.figure)

    print(f"{model!r}".splitlines()[0])
    print(
        f"data {args.data}: {args.points} points, {args.steps} steps: "
        f"loss {history[0]:.4f} → {history[-1]:.4f}, training accuracy {acc:.1%}"
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
