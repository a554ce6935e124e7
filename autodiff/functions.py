"""Operations on several Values at once, as functions: ``autodiff.sum``, ``autodiff.dot``,
``autodiff.max``, ``autodiff.min``. An n-ary operation makes **one** node with many parents
(not a chain of additions), so a neuron's weighted sum is a single node."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .engine import Value, _binary, _node, _number
from .rules import RULES

_MAX, _MIN = RULES["max"], RULES["min"]


def sum(values: Iterable[Value | float]) -> Value:
    """Σ xᵢ as one node;  ∂/∂xᵢ = 1 for every Value xᵢ (plain numbers only shift the total).
    A Value listed twice is a parent twice and gets 2 back, as it would through a chain."""
    parents: list[Value] = []
    total = 0.0
    for v in values:
        if type(v) is Value or isinstance(v, Value):
            parents.append(v)
            total += v.data
        else:
            total += _plain(v, "sum")
    return _node(total, "sum", None, None, tuple(parents), (1.0,) * len(parents))


def dot(ws: Sequence[Value | float], xs: Sequence[Value | float]) -> Value:
    """Σ wᵢxᵢ as one node;  ∂/∂wᵢ = xᵢ and ∂/∂xᵢ = wᵢ (for the entries that are Values)."""
    if len(ws) != len(xs):
        raise ValueError(f"dot needs two sequences of the same length, got {len(ws)} and {len(xs)}")
    parents: list[Value] = []
    locals_: list[float] = []
    partners: list[Value | float] = []  # the local derivative as it was before .data: for higher order
    total = 0.0
    for w, x in zip(ws, xs):
        w_is_value = type(w) is Value or isinstance(w, Value)
        x_is_value = type(x) is Value or isinstance(x, Value)
        wd = w.data if w_is_value else (w if type(w) is float else _plain(w, "dot"))
        xd = x.data if x_is_value else (x if type(x) is float else _plain(x, "dot"))
        total += wd * xd
        if w_is_value:
            parents.append(w)
            locals_.append(xd)  # ∂(w·x)/∂w = x
            partners.append(x)
        if x_is_value:
            parents.append(x)
            locals_.append(wd)  # ∂(w·x)/∂x = w
            partners.append(w)
    return _node(total, "dot", None, tuple(partners), tuple(parents), tuple(locals_))


def max(a: Value | float, b: Value | float) -> Value:
    """The larger of a and b: the gate that routes the whole gradient to the larger input.
    On a tie each side gets half (PyTorch's ``torch.maximum``)."""
    return _pair(_MAX, "max", a, b)


def min(a: Value | float, b: Value | float) -> Value:
    """The smaller of a and b; the gradient goes to the smaller input, half each on a tie."""
    return _pair(_MIN, "min", a, b)


def _pair(rule, op: str, a, b) -> Value:
    if isinstance(a, Value):
        return _binary(rule, op, a, b)
    if isinstance(b, Value):  # number first: the rule is symmetric, so swap the operands
        return _binary(rule, op, b, a)
    return Value(rule.forward(_plain(a, op), _plain(b, op)))


def _plain(x, op: str) -> float:
    y = _number(x, op)
    if y is NotImplemented:
        raise TypeError(f"{op} needs Values or numbers, got {type(x).__name__}: {x!r}")
    return y


__all__ = ["dot", "max", "min", "sum"]
