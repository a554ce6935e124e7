"""The ``autodiff`` command.

    autodiff grad "(x+y)*z" x=-2 y=5 z=-4 [--trace] [--draw out.svg] [--json] [--derive x] [--html steps.html]
    autodiff check "log(1+exp(x))" --d x="sigmoid(x)" [--at x=0.3] [--samples 20] [--seed N] [--prove]
    autodiff draw "tanh(w*x+b)" w=0.5 x=2 b=-1 -o graph.png [--local] [--legend] [--frames DIR | --gif out.gif]
                  [--html steps.html]
    autodiff examples [--out DIR]
    autodiff check-steps "(x+y)*z" x=-2 y=5 z=-4 q="x+y" --grad q=-4 --grad x=-4 [--local q/x=1] [--draw out.svg]
    autodiff quiz "(x+y)*z" x=-2 y=5 z=-4 q="x+y" < answers.txt
    autodiff practice --seed 7 --level 3 [--answers FILE] [--json] [--key]

Exit status: 0 ok, 1 a check failed, 2 bad input (a message, never a traceback), 141 the reader
of the output went away (``autodiff examples | head -2``: stopped quietly, 128 + SIGPIPE as a shell
reports a program that a closed pipe ends). An expression of
``-`` is read from standard input. More subcommands come from plug-ins: each entry point of the
group ``autodiff.commands`` names a function ``register(subparsers)`` that adds a subparser and sets
``run=func`` (``func(args) -> int``); ``autodiff train`` comes from ``nn`` this way. A plug-in that
fails to load (its import or its ``register`` raises anything, ``SystemExit`` included: a plug-in
may not end the command while it registers) is listed as broken and breaks nothing else; only
Ctrl-C (KeyboardInterrupt) stops the loading. ``--version`` and the built-in commands load no
plug-in at all.

Messages stay short whatever the input (long names and lists are clipped, with their size), and
on a terminal that cannot show Unicode the output falls back to ASCII (see ``terminal``).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from importlib.metadata import entry_points

from ..verify.expression_text import clip, listing, quoted
from ..verify.expressions import CONSTANTS, FUNCTIONS, ExpressionError
from ..version import __version__
from . import commands, practice, steps, terminal

PLUGIN_GROUP = "autodiff.commands"
BUILTIN = ("grad", "check", "draw", "examples", "check-steps", "quiz", "practice")
MAX_SAMPLES = 10_000  # random points of `check` (10,000 take seconds; more is a hang, not a check)
MAX_MESSAGE = 600  # characters of an error message, whatever the input
BROKEN_PIPE = 141  # 128 + SIGPIPE: the exit status of a program a closed pipe ends (yes | head)
MAX_OPTIONS = 1_000  # words starting with "-": argparse's time grows with their square (20,000 took 25 s)
LANGUAGE = (
    "Expressions: numbers, names, + - * / **, unary minus, parentheses, the functions "
    f"{', '.join(FUNCTIONS)} and the constants {' and '.join(CONSTANTS)}. Use - to read the expression "
    "from standard input."
)


class _Parser(argparse.ArgumentParser):
    """argparse, with its error messages kept short (they quote what was typed)."""

    def error(self, message: str):
        super().error(brief(message))


def build_parser(with_plugins: bool = True) -> argparse.ArgumentParser:
    parser = _Parser(
        prog="autodiff",
        description="A scalar autodiff engine for learning and checking backpropagation.",
        epilog=f"Exit status: 0 ok, 1 a check failed, 2 bad input, {BROKEN_PIPE} output pipe closed early (| head).",
    )
    parser.add_argument("--version", action="version", version=f"autodiff {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help: str, run) -> argparse.ArgumentParser:
        about = help[0].upper() + help[1:] + "." + ("" if name in ("examples", "practice") else " " + LANGUAGE)
        p = sub.add_parser(name, help=help, description=about)
        p.set_defaults(run=run)
        return p

    p = command("grad", "evaluate an expression and print its value and gradient", commands.run_grad)
    p.add_argument("expression", help="e.g. '(x+y)*z', or - to read it from standard input")
    p.add_argument("values", nargs="*", metavar="NAME=VALUE", help="the inputs, e.g. x=-2 y=5 z=-4")
    p.add_argument("--trace", action="store_true", help="print the backward pass step by step")
    p.add_argument("--draw", metavar="PATH", type=file_name, help="draw the graph into PATH (.svg, .png, .pdf or .dot)")
    p.add_argument("--local", action="store_true", help="with --draw: write local derivatives on the edges")
    p.add_argument("--legend", action="store_true", help="with --draw: add a key to the picture")
    p.add_argument("--html", metavar="PATH", type=file_name,
                   help="a step-through page of the forward and backward passes (one self-contained .html)")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--derive", action="append", metavar="NAME",
                   help="write ∂f/∂NAME out as the chain rule, path by path (repeat for several inputs)")  # fmt: skip

    p = command("check", "check hand-derived partial derivatives against the engine", commands.run_check)
    p.add_argument("expression", help="the function, e.g. 'log(1+exp(x))', or - for standard input")
    p.add_argument("--d", dest="hand", action="append", metavar="NAME=FORMULA",
                   help="your ∂f/∂NAME, e.g. --d x='sigmoid(x)' (repeat for several inputs)")  # fmt: skip
    p.add_argument("--at", action="append", nargs="+", metavar="NAME=VALUE",
                   help="a point to check at, e.g. --at x=0.3 y=1 (repeat for several points)")  # fmt: skip
    p.add_argument("--samples", type=whole_number(0, MAX_SAMPLES), default=20,
                   help=f"random points to check at as well (default 20, at most {MAX_SAMPLES:,})")  # fmt: skip
    p.add_argument("--seed", type=whole_number(0, 2**64 - 1),
                   help="seed of the random points, 0 to 2**64-1 (default: a fresh one, printed)")  # fmt: skip
    p.add_argument("--prove", action="store_true",
                   help="also prove each formula equal for all inputs, or show where it differs (needs sympy)")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print the report as JSON")

    p = command("draw", "draw an expression's graph after the backward pass", commands.run_draw)
    p.add_argument("expression", help="e.g. 'tanh(w*x+b)', or - to read it from standard input")
    p.add_argument("values", nargs="*", metavar="NAME=VALUE", help="the inputs, e.g. w=0.5 x=2 b=-1")
    p.add_argument("-o", "--output", metavar="PATH", type=file_name,
                   help="the picture: .svg, .png, .pdf, or .dot for DOT source")  # fmt: skip
    p.add_argument("--local", action="store_true", help="write the local derivative on every edge")
    p.add_argument("--legend", action="store_true", help="add a key: what the rows, colours and shapes mean")
    p.add_argument("--html", metavar="PATH", type=file_name,
                   help="a step-through page of the forward and backward passes (one self-contained .html)")  # fmt: skip
    film = p.add_mutually_exclusive_group()
    film.add_argument("--frames", metavar="DIR", type=file_name, help="one PNG per backward step in DIR")
    film.add_argument("--gif", metavar="PATH", type=file_name, help="the backward pass as an animated GIF")

    p = command("examples", "replay tutorials' worked examples beside their printed numbers",
                commands.run_examples)  # fmt: skip
    p.add_argument("--out", metavar="DIR", type=file_name, help="also draw each example's graph into DIR")
    p.add_argument("--format", choices=("png", "svg", "pdf"), default="png", help="with --out (default png)")

    steps.add_commands(command)
    practice.add_command(command, whole_number)
    if with_plugins:
        _load_plugins(sub)
    return parser


def whole_number(minimum: int = 0, maximum: int | None = None):
    """An argparse ``type=`` that accepts whole numbers from ``minimum`` to ``maximum`` (None: no
    upper bound; plug-ins use it too)."""
    wanted = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum:,}"

    def parse(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number {wanted}, got {quoted(text)}") from None
        if n < minimum:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {minimum}, got {n:,}")
        if maximum is not None and n > maximum:
            raise argparse.ArgumentTypeError(f"expected a whole number <= {maximum:,}, got {n:,}")
        return n

    return parse


def file_name(text: str) -> str:
    """An argparse ``type=`` for a path to write: not empty (an empty one was silently ignored)."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"expected a file name, got {quoted(text)}")
    return text


def _load_plugins(sub) -> None:
    """Add each plug-in's subcommand; one that fails is listed as broken, and runs as an error."""
    try:
        found = list(entry_points(group=PLUGIN_GROUP))
    except Exception:  # noqa: BLE001 - broken package metadata must not break the built-in commands
        return
    for ep in found:
        if ep.name in BUILTIN:
            continue
        try:
            ep.load()(sub)
        except KeyboardInterrupt:
            raise
        except BaseException as err:  # noqa: BLE001 - a plug-in's failure (even sys.exit) stays the plug-in's
            why = _failure(err)
            problem = f"the plug-in command {quoted(ep.name)} ({clip(ep.value)}) could not be loaded: {why}"
            try:
                p = sub.add_parser(ep.name, help="(plug-in failed to load; run it to see why)", add_help=False)
            except Exception:  # noqa: BLE001, S112 - it got as far as adding itself: leave that one
                continue
            p.set_defaults(run=lambda args, problem=problem: _broken(problem))


def _failure(err: BaseException) -> str:
    """``"RuntimeError: its message"``; a message that cannot be made (a hostile __str__) is left out."""
    try:
        text = str(err)
    except Exception:  # noqa: BLE001 - the plug-in's exception, not ours
        text = ""
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def _leading_minus_expression(argv: list[str]) -> bool:
    """Is the expression of grad/check/draw (right after the command) one that starts with a minus?"""
    if len(argv) < 2 or argv[0] not in ("grad", "check", "draw", "check-steps", "quiz"):
        return False
    word = argv[1]
    if len(word) < 2 or word[0] != "-" or word[:2] in ("-h", "-o"):
        return False
    return re.fullmatch(r"--([A-Za-z][\w-]*(=.*)?)?", word) is None  # not "--", "--json", "--at=..."


def _broken(problem: str) -> int:
    print(f"autodiff: error: {brief(problem)}", file=sys.stderr)
    return 2


def brief(message: str) -> str:
    """A message cut to a readable size: every very long word clipped, then the whole."""
    message = re.sub(r"\S{61,}", lambda m: clip(m.group()), message)
    return clip(message, MAX_MESSAGE)


def _needs_plugins(argv: list[str]) -> bool:
    """Only a plug-in's command, or the listing of all commands, loads the plug-ins."""
    for a in argv:
        if not a.startswith("-"):
            return a not in BUILTIN
        if a == "--":
            return True
        if len(a) >= 3 and "--version".startswith(a):  # argparse takes --vers for --version
            return False
    return True


def main(argv: list[str] | None = None) -> int:
    """Run the command; the exit code (0 ok, 1 a check failed, 2 bad input, 130 interrupted, 141 the
    output's reader went away)."""
    with terminal.ascii_fallback():
        try:
            return _main(sys.argv[1:] if argv is None else list(argv))
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130


def _main(argv: list[str]) -> int:
    parser = build_parser(with_plugins=_needs_plugins(argv))
    options = sum(1 for a in argv if a[:1] == "-" and a != "-")
    if options > MAX_OPTIONS:
        parser.error(f"too many options: {options:,} arguments start with '-' (at most {MAX_OPTIONS:,})")
    leading_minus = _leading_minus_expression(argv)
    if leading_minus:  # "-x*y" would look like an option to argparse; with a space in it, it does not
        argv[1] = " " + argv[1]
    args, extra = parser.parse_known_args(argv)
    if extra and getattr(args, "values", None) is not None and all("=" in a and a[0] != "-" for a in extra):
        args.values += extra  # NAME=VALUE after an option ("grad EXPR --json x=1"): argparse leaves those
    elif extra:
        parser.error(f"unrecognized arguments: {listing(extra, sep=' ')}")
    if leading_minus:
        args.expression = args.expression[1:]
    if args.command is None:
        parser.print_help()
        return 0
    if not hasattr(args, "run"):
        return _broken(f"the command {args.command!r} set no function to run")
    try:
        return args.run(args)
    except BrokenPipeError:  # e.g. `autodiff examples | head`: stop quietly (not 1: no check failed)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return BROKEN_PIPE
    except ExpressionError as err:
        _error(args.command, str(err), err)
    except (ValueError, ArithmeticError, OSError) as err:
        _error(args.command, _describe(err))
    except RuntimeError as err:
        from ..viz.drawing import GraphvizMissingError  # imported only here: `autodiff grad` stays light

        if not isinstance(err, GraphvizMissingError):
            raise
        _error(args.command, str(err))
    return 2


def _describe(err: BaseException) -> str:
    if isinstance(err, OSError) and err.filename is not None:
        return f"cannot write or read {err.filename}: {err.strerror or err}"
    return str(err)


def _error(command: str, message: str, err: ExpressionError | None = None) -> None:
    """``autodiff grad: error: ...``, and under it the expression with a caret at the column."""
    print(f"autodiff {command}: error: {brief(message)}", file=sys.stderr)
    if err is not None and err.column is not None and err.text:
        start = max(0, err.column - 40)
        excerpt = err.text[start : err.column + 40]
        excerpt = "".join(c if " " <= c <= "~" else "?" for c in excerpt)  # printable whatever the terminal
        prefix = "..." if start else ""
        print(f"  {prefix}{excerpt}{'...' if err.column + 40 < len(err.text) else ''}", file=sys.stderr)
        print("  " + " " * (len(prefix) + err.column - 1 - start) + "^", file=sys.stderr)
