"""``autodiff practice``: a practice exercise on the backward pass in the terminal.

    autodiff practice --seed 7 --level 3               # asks each blank, names each slip, prints the score
    autodiff practice --seed 7 --level 3 < answers.txt # one answer a line (or --answers FILE)
    autodiff practice --seed 7 --level 3 --json [--key]

The exercise is ``autodiff.exercise(seed, level)``: the same seed and level give the same exercise
here, in Python and on the site. Each blank is asked in backward order (local derivatives, then the
gradient they add up to); a wrong answer is named by its slip and the next blank is asked. The end of
the input (Ctrl-D) stops with the score so far. Exit 0 when every blank was right at the first try,
1 otherwise, 2 for bad input (a seed or level out of range, too many lines that are not numbers).
"""

from __future__ import annotations

import argparse
import json
import random
import sys

from ..text.display import eq
from ..verify.exercise import MAX_SEED, Exercise, exercise
from ..verify.exercise_levels import LEVELS
from .commands import UsageError
from .steps import Asker


def add_command(command, whole_number) -> None:
    """Add ``practice`` with ``app.build_parser``'s ``command(name, help, run)``."""
    p = command("practice", "practise the backward pass: an exercise made from a seed, each slip named", run)
    p.description += (" Levels: " + "; ".join(f"{k} {about}" for k, about in LEVELS.items()) + ". One answer a "
                      "line (a number, or numbers such as 1/2); the end of the input (Ctrl-D) stops with the score "
                      "so far. Exit 0 when all are right at the first try, 1 otherwise, 2 for bad input.")  # fmt: skip
    p.add_argument("--seed", type=whole_number(0, MAX_SEED),
                   help="the exercise's seed, 0 to 2**64-1 (default: a fresh one, printed)")  # fmt: skip
    p.add_argument("--level", type=whole_number(1, max(LEVELS)), default=1,
                   help="1 one gate, 2 a chain, 3 fan-out, 4 a neuron, 5 a two-layer net (default 1)")  # fmt: skip
    p.add_argument("--answers", metavar="FILE", help="read the answers from FILE, one a line (default: standard input)")
    p.add_argument("--json", action="store_true", help="print the exercise as JSON (without the answers) and stop")
    p.add_argument("--key", action="store_true", help="print the answers (a teacher's key) and stop")


def run(args: argparse.Namespace) -> int:
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    ex = exercise(seed, args.level)
    if args.json:
        print(json.dumps(ex.to_json(answers=args.key), ensure_ascii=False, indent=1))
        return 0
    if args.key:
        _header(ex, fresh=args.seed is None)
        for b in ex.blanks:
            print(f"{b.index + 1}. {b.prompt} {eq(b.answer, 6)}")
        return 0
    if args.answers is None:
        _header(ex, fresh=args.seed is None)
        return _ask(ex, getattr(sys.stdin, "buffer", sys.stdin), echo=not sys.stdin.isatty())
    if not args.answers.strip():
        raise UsageError("--answers expects a file name, got an empty one")
    with open(args.answers, "rb") as stream:  # opened first: a missing file is the only thing said
        _header(ex, fresh=args.seed is None)
        return _ask(ex, stream, echo=True)


def _header(ex: Exercise, fresh: bool) -> None:
    again = f" (--seed {ex.seed} gives it again)" if fresh else ""
    L = ex.names[ex.root]
    print(f"practice: seed {ex.seed}{again}, level {ex.level}: {LEVELS[ex.level]}")
    print("inputs: " + ", ".join(f"{name} {eq(x)}" for name, x in ex.values.items()))
    for node in ex.to_json()["nodes"]:
        if node["formula"] is not None:
            print(f"  {node['name']} = {node['formula']} {eq(node['data'])}")
    print(f"∂{L}/∂{L} = 1 is given. {len(ex)} blanks in backward order: each local derivative, then the "
          f"gradient; one answer a line (a number, or numbers such as 1/2)")  # fmt: skip


def _ask(ex: Exercise, stream, echo: bool) -> int:
    asker = Asker(stream, echo=echo, what="practice", summary=ex.score)
    for b in ex.blanks:
        try:
            verdict = asker.ask(f"{b.index + 1}/{len(ex)}. {b.prompt}", lambda line, b=b: ex.answer(b.index, line))
        except KeyboardInterrupt:
            print()
            print(f"{ex.score()} (interrupted)")
            return 130
        if verdict is None:
            print(f"the input ended: {ex.score()}")
            return 1
        print("  " + verdict.message.replace("\n", "\n  "))
    score = ex.score()
    print(score)
    return 0 if score.right == score.total else 1
