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
from ..text.display import output_label
from ..verify.constants import UsageError, constant
from ..verify.expression_text import clip, listing, quoted
from ..verify.expressions import MAX_LENGTH, Expression, ExpressionError, check_variable, parse
from . import terminal


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
    numbers and constants. Linear in the number of items (a plain number skips the parser)."""
    out: dict[str, float] = {}
    for item in items:
        name, value = named_item(item, out, "NAME=VALUE")
        try:
            out[name] = constant(value, what)
        except ExpressionError as err:
            raise UsageError(f"in {quoted(item)}: {err}") from None
    return out


def named_item(item: str, given, expected: str) -> tuple[str, str]:
    """``"x=-2"`` → ``("x", "-2")``: a variable name the language accepts, not among ``given``."""
    name, sep, text = item.partition("=")
    name = name.strip()
    if not sep or not name:
        raise UsageError(f"expected {expected}, got {quoted(item)}")
    check_variable(name)
    if name in given:
        raise UsageError(f"{clip(name)} is given twice")
    return name, text


DESTINATIONS = {"output": "-o", "draw": "--draw", "html": "--html", "gif": "--gif", "frames": "--frames", "out": "--out"}


def check_destinations(args: argparse.Namespace) -> None:
    """The command makes only what it is asked for: the folder of each file to write (and the
    parent of a folder such as ``--frames DIR``, which is made) must exist; else a UsageError."""
    for attr, option in DESTINATIONS.items():
        text = getattr(args, attr, None)
        if not isinstance(text, str) or not text:
            continue
        folder = Path(text).parent
        if not folder.is_dir():
            why = "is not a folder" if folder.exists() else "does not exist (create it first)"
            raise UsageError(f"{option} {quoted(text)}: the folder {quoted(str(folder))} {why}")


def build(expr: Expression, values: dict[str, float]) -> tuple[Value, dict[str, Value]]:
    """The expression's graph from fresh leaves labelled with their names: (output, leaves)."""
    missing = [n for n in expr.names if n not in values]
    if missing:
        given = listing(values) or "none"
        raise UsageError(f"no value for {listing(missing)} (give it as NAME=VALUE; the values given: {given})")
    leaves = {n: Value(v, label=n) for n, v in values.items()}
    out = expr.evaluate(leaves)
    unused = [n for n in values if n not in expr.names]
    if unused:
        print(f"note: not in the expression, so their gradient is 0: {listing(unused)}", file=sys.stderr)
    if out.label is None:
        out.label = output_label(values)
    return out, leaves


def _finite_or_text(x: float) -> float | str:
    """JSON has no inf or nan: those become the strings "inf", "-inf", "nan"."""
    return x if math.isfinite(x) else str(x)


def _dump(obj) -> None:
    """JSON on standard output; \\u escapes when the terminal cannot show the characters (lossless)."""
    print(json.dumps(obj, indent=2, ensure_ascii=not terminal.shows_unicode(sys.stdout), allow_nan=False))


# ---- grad ---------------------------------------------------------------------------------------
def run_grad(args: argparse.Namespace) -> int:
    check_destinations(args)
    expr = read_expression(args.expression)
    values = assignments(args.values)
    out, leaves = build(expr, values)
    derived = derivations(out, leaves, getattr(args, "derive", None) or [])
    trace = None
    if args.trace:
        from ..viz.trace import trace_backward

        trace = trace_backward(out)  # the backward pass, step by step (traced on the side, .grad untouched)
    page = _save_page(out, args)  # before backward(): the page traces the pass on the side
    out.backward()
    drawn = None
    if args.draw:
        from ..viz.drawing import render

        drawn = render(out, args.draw, show_local=args.local, legend=args.legend)
    if args.json:
        result = {
            "expression": expr.text,
            "output": out.label,
            "inputs": values,
            "value": _finite_or_text(out.data),
            "gradient": {n: _finite_or_text(v.grad) for n, v in leaves.items()},
        }
        if trace is not None:
            result["trace"] = str(trace)
        if drawn is not None:
            result["drawing"] = str(drawn)
        if derived:
            result["derivations"] = {n: {"text": str(d), "latex": d.latex, "total": _finite_or_text(d.total)}
                                     for n, d in derived.items()}  # fmt: skip
        if page is not None:
            result["page"] = str(page)
        _dump(result)
        return 0
    print(f"{out.label} = {clip(expr.text, 170)}")
    print(f"value: {tables.number(out.data, 12)}")
    if leaves:
        rows = [[n, tables.number(v.data, 12), tables.number(v.grad, 12)] for n, v in leaves.items()]
        print(tables.text_table(["input", "value", f"∂{out.label}/∂input"], rows))
    if trace is not None:
        print()
        print(trace)
    for d in derived.values():
        print()
        print(d)
    for written in (drawn, page):
        if written is not None:
            print(f"wrote {written}")
    return 0


def derivations(out: Value, leaves: dict[str, Value], names: list[str]) -> dict:
    """``--derive NAME``: ∂out/∂NAME written out as the chain rule, for inputs of the expression."""
    unknown = [n for n in names if n not in leaves]
    if unknown:
        inputs = listing(leaves) or "none"
        raise UsageError(f"--derive {clip(unknown[0])}: not an input of the expression (inputs: {inputs})")
    if not names:
        return {}
    from ..verify.derivation import derivation

    return {n: derivation(out, leaves[n]) for n in dict.fromkeys(names)}


def _save_page(out, args: argparse.Namespace):
    """The step-through page (``--html PATH``), or None."""
    if not args.html:
        return None
    from ..viz.page import save_html

    return save_html(out, args.html, show_local=args.local, legend=args.legend)


# ---- check --------------------------------------------------------------------------------------
def run_check(args: argparse.Namespace) -> int:
    from ..verify.check import check_formula
    from ..verify.symbolic import SympyMissingError

    expr = read_expression(args.expression)
    if not args.hand:
        raise UsageError("give at least one hand-derived derivative: --d NAME=FORMULA, e.g. --d x='sigmoid(x)'")
    hand: dict[str, str] = {}
    for item in args.hand:
        name, sep, formula = item.partition("=")
        name = name.strip()
        if not sep or not name or not formula.strip():
            raise UsageError(f"--d expects NAME=FORMULA, got {quoted(item)}")
        try:
            check_variable(name)
        except ExpressionError as err:
            raise UsageError(f"--d {clip(name)}=...: {err}") from None
        if name in hand:
            raise UsageError(f"--d {clip(name)}=... is given twice: give one hand-derived ∂f/∂{clip(name)}")
        if name not in expr.names:
            inputs = listing(expr.names) or "none"
            raise UsageError(f"--d {clip(name)}=...: {clip(name)} is not an input of the expression (inputs: {inputs})")
        hand[name] = formula
    points = [at_point(p, expr) for p in (args.at or [])]
    prove = getattr(args, "prove", False)
    try:
        report = check_formula(expr, hand, at=points or None, samples=args.samples, seed=args.seed, symbolic=prove)
    except SympyMissingError as err:  # --prove without sympy: how to install the extra
        raise UsageError(str(err)) from None
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
            **({"proofs": [{"input": p.input, "verdict": p.verdict, "text": str(p),
                            "derivative": None if p.derivative is None else str(p.derivative),
                            "difference": None if p.difference is None else str(p.difference), "witness": p.witness}
                           for p in report.proofs]} if prove else {}),
        })  # fmt: skip
    else:
        print(report)
    return 0 if report else 1


def at_point(items: list[str], expr: Expression) -> dict[str, float]:
    """One ``--at NAME=VALUE ...``: a value for each input of the expression, and for nothing else."""
    point = assignments(items, "point coordinate")
    extra = [n for n in point if n not in expr.names]
    missing = [n for n in expr.names if n not in point]
    if extra or missing:
        problems = [f"no value for {listing(missing)}"] if missing else []
        if extra:
            problems.append(f"{listing(extra)} {'is not an input' if len(extra) == 1 else 'are not inputs'}")
        inputs = listing(expr.names) or "none"
        raise UsageError(f"--at {clip(' '.join(items), 60)}: {'; '.join(problems)} (inputs: {inputs})")
    return point


def _opt(x: float | None):
    return None if x is None else _finite_or_text(x)


# ---- draw ---------------------------------------------------------------------------------------
def run_draw(args: argparse.Namespace) -> int:
    if not (args.output or args.frames or args.gif or args.html):
        raise UsageError("say where to draw: -o graph.png (or .svg, .pdf, .dot), --frames DIR, --gif out.gif "
                         "or --html steps.html")  # fmt: skip
    check_destinations(args)
    from ..viz.drawing import render
    from ..viz.frames import save_frames, save_gif

    expr = read_expression(args.expression)
    values = assignments(args.values)
    if args.output:
        out, _ = build(expr, values)
        out.backward()
        print(f"wrote {render(out, args.output, show_local=args.local, legend=args.legend)}")
    if args.frames:  # each film runs its own backward pass on a fresh graph
        out, _ = build(expr, values)
        written = save_frames(out, args.frames, show_local=args.local, legend=args.legend)
        print(f"wrote {len(written)} frame{'' if len(written) == 1 else 's'} to {args.frames}")
    if args.gif:
        out, _ = build(expr, values)
        print(f"wrote {save_gif(out, args.gif, show_local=args.local, legend=args.legend)}")
    if args.html:
        out, _ = build(expr, values)
        print(f"wrote {_save_page(out, args)}")
    return 0


# ---- examples -----------------------------------------------------------------------------------
def run_examples(args: argparse.Namespace) -> int:
    from ..version import __version__
    from .examples import replay_all, report

    check_destinations(args)
    print(f"autodiff {__version__}: worked examples from backpropagation tutorials, replayed by the engine\n")
    text = report()
    print(text)
    if args.out:
        from ..viz.drawing import render

        folder = Path(args.out)
        folder.mkdir(exist_ok=True)  # its parent exists (check_destinations)
        written = [render(ex.root, folder / f"{ex.name}.{args.format}") for ex in replay_all()]
        print(f"\nwrote {len(written)} graphs to {folder}: {', '.join(p.name for p in written)}")
    return 1 if "MISMATCH" in text else 0
