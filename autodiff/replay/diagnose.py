"""When a replay's numbers go wrong (a value past the float range, a log of 0, a division by zero):
replay the tape once more through the engine itself, on fresh leaves, so the error raised is the one
the eager engine raises for the same numbers (its type and its text), with the node named."""

from __future__ import annotations

import operator

from .. import functions
from ..engine import Value
from ..guards import check_data, is_finite, refuse
from ..rules import RULES, Unary
from .codegen import _BUILTIN_ROWS
from .tape import Tape

_BINARY = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv,
           "pow": operator.pow, "max": functions.max, "min": functions.min, "leaky_relu": Value.leaky_relu}  # fmt: skip
_UNARY = {"neg": Value.__neg__, **{op: getattr(Value, op) for op in (
    "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "softplus", "abs", "sin", "cos")}}  # fmt: skip


def check_params(params: list[Value]) -> None:
    """Each param's data as the engine would take it (a Value's data set by hand to nan, or a str)."""
    for j, p in enumerate(params):
        check_data(p.data, f"compiled replay: param {j}'s data")


def diagnose(tape: Tape, xs: list[float], params: list[Value]) -> None:
    """Raise the engine's error for the first node that fails on these numbers; return if none does."""
    check_params(params)
    vals: list = []
    for k, e in enumerate(tape.entries):
        try:
            vals.append(_apply(e, vals, xs, params))
        except (ArithmeticError, ValueError, TypeError) as exc:
            exc.add_note(f"(in a compiled replay, at node {k}: {e.op})")
            raise


def _apply(e, vals: list, xs: list[float], params: list[Value]) -> Value:
    if e.op == "x":
        return Value(xs[e.slot])
    if e.op == "p":
        return Value(params[e.slot].data)
    if e.op == "sum":
        return functions.sum([*(vals[t] for t in e.args), *([e.offset] if e.offset else [])])
    if e.op == "dot":
        pick = [[vals[x] if type(x) is int else x for x in pair] for pair in e.args]
        return functions.dot([w for w, _ in pick], [x for _, x in pick], e.offset or None)
    args = [vals[x] if type(x) is int else x for x in e.args]
    row = RULES[e.op]
    if row is _BUILTIN_ROWS.get(e.op):
        return _UNARY[e.op](*args) if isinstance(row, Unary) else _BINARY[e.op](*args)
    nums = [a.data if isinstance(a, Value) else a for a in args]
    out = row.forward(*nums)
    if not is_finite(out):
        raise refuse(e.op, row.symbol, nums)
    return Value(out)
