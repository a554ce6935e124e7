"""When a replay's numbers go wrong (a value past the float range, a log of 0, a division by zero):
replay the tape once more through the engine itself, on fresh leaves, each node made by the function
that made it eagerly for its row, so the error raised is the one the eager engine raises for the same
numbers (its type and its text), with the node named."""

from __future__ import annotations

import operator

from .. import functions
from ..custom import Operation
from ..engine import Value
from ..guards import check_data
from ..modes import enable_grad
from ..rules import Nary, _dot
from .codegen import BUILT_IN_ROWS
from .tape import INPUT, PARAM, Entry, Tape


def _operators() -> dict:
    """Python's operators on Values, keyed by the row each one's node records (tried once here)."""
    with enable_grad():  # (nodes that remember their operation)
        a, b = Value(2.0), Value(3.0)
        found = {fn(a, b).rule: fn for fn in (operator.add, operator.sub, operator.mul, operator.truediv, operator.pow)}
        found[operator.neg(a).rule] = operator.neg
    return found


OPERATORS = _operators()


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
            exc.add_note(f"(in a compiled replay, at node {k}: {e.rule})")
            raise


def _apply(e: Entry, vals: list, xs: list[float], params: list[Value]) -> Value:
    if e.kind == INPUT:
        return Value(xs[e.slot])
    if e.kind == PARAM:
        return Value(params[e.slot].data)
    operands = [vals[x] if type(x) is int else x for x in e.args]
    return engine_node(e.rule, e.row, operands)


def engine_node(rule: str, row, operands: list) -> Value:
    """A node of ``row`` on ``operands`` (Values and numbers, in the row's order), made as the eager
    engine makes it: a user's row through ``autodiff.operation``'s function (the row the node was made
    with, not today's); sum and dot through ``autodiff.sum``/``dot`` with their numbers in place; a
    built-in row through its Python operator, its method or function (named by the row's ``call``),
    or ``Value.apply`` (the kinks' rows)."""
    if BUILT_IN_ROWS.get(rule) is not row:
        return Operation(rule, row)(*operands)
    if row.forward is _dot:  # w₀, x₀, w₁, x₁, …, and the bias last when there is one
        n = len(operands) // 2 * 2
        return functions.dot(operands[0:n:2], operands[1:n:2], operands[-1] if len(operands) % 2 else None)
    if isinstance(row, Nary):
        return getattr(functions, row.call)(operands)
    if rule in OPERATORS:
        return OPERATORS[rule](*operands)
    if row.call is not None:
        return (getattr(Value, row.call, None) or getattr(functions, row.call))(*operands)
    return operands[0].apply(rule, *operands[1:])
