"""What the built-in subcommands of ``autodiff`` do: ``grad``, ``check``, ``draw``, ``examples``.

Each ``run_*`` takes the parsed arguments and returns the exit code: 0 ok, 1 a check failed.
Bad input raises (``ExpressionError``, ``UsageError``, the engine's ValueError /
ZeroDivisionError / OverflowError); ``cli.main`` turns those into a message and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from ..engine import Value
from ..text import tables
from ..verify.expressions import CONSTANTS, FUNCTIONS, MAX_LENGTH, Expression, ExpressionError, parse


class UsageError(ValueError):
    """A mistake in the command line itself (not in an expression)."""


# ---- reading the command line ----------------------------------------------------------------------
def read_expression(text: str) -> Expression:
    """The expression argument, or standard input when it is ``-`` (for long expressions)."""
    if text == "-":
        data = sys.stdin.buffer.read(MAX_LENGTH + 1)
        if len(data) > MAX_LENGTH:
            raise UsageError(f"the expression on standard input is longer than {MAX_LENGTH:,} characters")
        text = data.decode("utf-8", errors="replace").strip()
    return parse(text)


def assignments(items: list[str], what: str = "value") -> dict[str, float]:
    """``["x=-2", "y=pi/4"]`` → ``{"x": -2.0, "y": 0.785...}``; a value may be any expression of
    numbers and constants."""
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"expected NAME=VALUE, got {item!r}")
        check_name(name)
        if name in out:
            raise UsageError(f"{name} is given twice")
        try:
            expr = parse(value)
            if expr.names:
                raise UsageError(f"a {what} must be a number, but {value.strip()!r} uses {', '.join(expr.names)}")
            out[name] = expr.evaluate({}).data
        except ExpressionError as err:
            raise UsageError(f"in {item!r}: {err}") from None
    return out


def check_name(name: str) -> None:
    if not (name.isascii() and name.isidentifier()):
        raise UsageError(f"{name!r} is not a name (letters, digits and _, not starting with a digit)")
    if name in FUNCTIONS:
        raise UsageError(f"{name!r} is a function of the language, not a variable")
    if name in CONSTANTS:
        raise UsageError(f"{name!r} is the constant {CONSTANTS[name]!r}, not a variable")


def build(expr: Expression, values: dict[str, float]) -> tuple[Value, dict[str, Value]]:
    """The expression's graph from fresh leaves labelled with their names: (output, leaves)."""
    missing = [n for n in expr.names if n not in values]
    if missing:
        given = ", ".join(values) or "none"
        raise UsageError(f"no value for {', '.join(missing)} (give it as NAME=VALUE; the values given: {given})")
    leaves = {n: Value(v, label=n) for n, v in values.items()}
    out = expr.evaluate(leaves)
    unused = [n for n in values if n not in expr.names]
    if unused:
        print(f"note: not in the expression, so their gradient is 0: {', '.join(unused)}", file=sys.stderr)
    if out.label is None:
        out.label = "f" if "f" not in values else "out"
    return out, leaves


def _finite_or_text(x: float) -> float | str:
    """JSON has no inf or nan: those become the strings "inf", "-inf", "nan"."""
    return x if math.isfinite(x) else str(x)


def _dump(obj) -> None:
    print(json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False))


# ---- grad ---------------------------------------------------------------------------------------
def run_grad(args: argparse.Namespace) -> int:
    expr = read_expression(args.expression)
    values = assignments(args.values)
    out, leaves = build(expr, values)
    trace = None
    if args.trace:
        from ..viz.trace import trace_backward

        trace = trace_backward(out)  # the backward pass, step by step (traced on the side, .grad untouched)
    out.backward()
    drawn = None
    if args.draw:
        from ..viz.drawing import render

        drawn = render(out, args.draw, show_local=args.local)
    if args.json:
        result = {
            "expression": expr.text,
            "inputs": values,
            "value": _finite_or_text(out.data),
            "gradient": {n: _finite_or_text(v.grad) for n, v in leaves.items()},
        }
        if trace is not None:
            result["trace"] = str(trace)
        if drawn is not None:
            result["drawing"] = str(drawn)
        _dump(result)
        return 0
    print(f"{out.label} = {_shorten(expr.text)}")
    print(f"value: {tables.number(out.data, 12)}")
    if leaves:
        rows = [[n, tables.number(v.data, 12), tables.number(v.grad, 12)] for n, v in leaves.items()]
        print(tables.text_table(["input", "value", f"∂{out.label}/∂input"], rows))
    if trace is not None:
        print()
        print(trace)
    if drawn is not None:
        print(f"wrote {drawn}")
    return 0


def _shorten(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else f"{text[: limit - 30]} ... ({len(text):,} characters)"


# ---- check --------------------------------------------------------------------------------------
def run_check(args: argparse.Namespace) -> int:
    from ..verify.check import check_formula

    expr = read_expression(args.expression)
    if not args.hand:
        raise UsageError("give at least one hand-derived derivative: --d NAME=FORMULA, e.g. --d x='sigmoid(x)'")
    hand: dict[str, str] = {}
    for item in args.hand:
        name, sep, formula = item.partition("=")
        name = name.strip()
        if not sep or not name or not formula.strip():
            raise UsageError(f"--d expects NAME=FORMULA, got {item!r}")
        check_name(name)
        if name not in expr.names:
            raise UsageError(
                f"--d {name}=...: {name} is not an input of the expression (inputs: {', '.join(expr.names)})"
            )
        hand[name] = formula
    points = [assignments(p, "point coordinate") for p in (args.at or [])]
    report = check_formula(expr, hand, at=points or None, samples=args.samples, seed=args.seed)
    if args.json:
        _dump({
            "expression": expr.text,
            "hand": report.hand,
            "ok": bool(report),
            "seed": report.seed,
            "points": report.points,
            "rows": [
                {"point": r.point, "input": r.input, "hand": _opt(r.hand), "engine": _finite_or_text(r.engine),
                 "finite_differences": _opt(r.numeric), "ok": r.ok, "note": r.note}
                for r in report.rows
            ],
        })  # fmt: skip
    else:
        print(report)
    return 0 if report else 1


def _opt(x: float | None):
    return None if x is None else _finite_or_text(x)


# ---- draw ---------------------------------------------------------------------------------------
def run_draw(args: argparse.Namespace) -> int:
    if not (args.output or args.frames or args.gif):
        raise UsageError("say where to draw: -o graph.png (or .svg, .pdf, .dot), --frames DIR or --gif out.gif")
    from ..viz.drawing import render
    from ..viz.frames import save_frames, save_gif

    expr = read_expression(args.expression)
    values = assignments(args.values)
    if args.output:
        out, _ = build(expr, values)
        out.backward()
        print(f"wrote {render(out, args.output, show_local=args.local)}")
    if args.frames:  # each film runs its own backward pass on a fresh graph
        out, _ = build(expr, values)
        written = save_frames(out, args.frames, show_local=args.local)
        print(f"wrote {len(written)} frames to {args.frames}")
    if args.gif:
        out, _ = build(expr, values)
        print(f"wrote {save_gif(out, args.gif, show_local=args.local)}")
    return 0


# ---- examples -----------------------------------------------------------------------------------
def run_examples(args: argparse.Namespace) -> int:
    from ..version import __version__
    from .examples import replay_all, report

    print(f"autodiff {__version__}: the documents' worked examples, replayed by the engine\n")
    text = report()
    print(text)
    if args.out:
        from ..viz.drawing import render

        folder = Path(args.out)
        folder.mkdir(parents=True, exist_ok=True)
        written = [render(ex.root, folder / f"{ex.name}.{args.format}") for ex in replay_all()]
        print(f"\nwrote {len(written)} graphs to {folder}: {', '.join(p.name for p in written)}")
    return 1 if "MISMATCH" in text else 0
