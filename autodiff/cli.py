"""The ``autodiff`` command. For now: ``autodiff examples`` replays the documents' worked
examples (value and gradient beside each document's numbers) and ``autodiff --version``."""

from __future__ import annotations

import argparse
import sys

from . import __version__


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="autodiff",
        description="A scalar autodiff engine for learning and checking backpropagation.",
    )
    parser.add_argument("--version", action="version", version=f"autodiff {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("examples", help="replay the documents' worked examples beside their printed numbers")
    args = parser.parse_args(argv)
    from .examples import report

    if args.command in (None, "examples"):
        print(f"autodiff {__version__}: the documents' worked examples, replayed by the engine\n")
        text = report()
        print(text)
        return 0 if "MISMATCH" not in text else 1
    parser.error(f"unknown command {args.command!r}")  # argparse exits with status 2
    return 2


if __name__ == "__main__":
    sys.exit(main())
