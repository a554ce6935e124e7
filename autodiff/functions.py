"""The operations as functions, as PyTorch's ``torch.exp(x)``: ``autodiff.sum``, ``autodiff.dot``,
``autodiff.mean``, ``autodiff.max``, ``autodiff.min``, and one function per rules-table row that is a
method of ``Value`` (``autodiff.exp(x)`` is ``x.exp()``, ``autodiff.leaky_relu(x, 0.1)`` is
``x.leaky_relu(0.1)``; made from the table at import, see ``_method_functions``). An n-ary operation
makes **one** node with many parents (not a chain of additions), so a neuron's weighted sum is a
single node."""

from __future__ import annotations

import builtins
import inspect
from collections.abc import Callable, Iterable, Sequence
from operator import mul

from .engine import Value, _binary, _node
from .guards import SHOWN, is_finite, number, refuse, type_error
from .rules import RULES

_MAX, _MIN = RULES["max"], RULES["min"]
_ONLY_VALUES, _ONLY_FLOATS = {Value}, {float}


def sum(values: Iterable[Value | float]) -> Value:
    """Σ xᵢ as one node, added left to right;  ∂/∂xᵢ = 1 for every Value xᵢ. Plain numbers among the
    terms are recorded in their place (``operands``). A Value listed twice is a parent twice and gets
    2 back, as it would through a chain."""
    values = values if type(values) in (list, tuple) else list(values)
    parents: list[Value] = []
    total = 0.0
    for v in values:
        if type(v) is Value or isinstance(v, Value):
            parents.append(v)
            total += v.data
        else:  # a plain number among the terms: the node keeps every operand in its place
            return _sum_with_numbers(values)
    if not is_finite(total):  # every term was finite: the sum overflowed
        raise refuse("sum", "+", _terms(values))
    return _node(total, "sum", None, None, tuple(parents), (1.0,) * len(parents))


def _sum_with_numbers(values: list | tuple) -> Value:
    terms = tuple(v if isinstance(v, Value) else _plain(v, "sum") for v in values)
    parents = tuple(v for v in terms if isinstance(v, Value))
    total = 0.0
    for t in terms:
        total += t.data if isinstance(t, Value) else t
    if not is_finite(total):
        raise refuse("sum", "+", _terms(values))
    return _node(total, "sum", None, terms, parents, (1.0,) * len(parents))


def dot(ws: Sequence[Value | float], xs: Sequence[Value | float], bias: Value | float | None = None) -> Value:
    """Σ wᵢxᵢ (+ bias) as one node;  ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ, ∂/∂bias = 1 (for the entries that are
    Values). Parents are recorded grouped: the Values among ``ws``, then ``bias``, then those among
    ``xs`` (a neuron reads w₀…wₙ, b, x₀…xₙ). The node keeps ``ws``, ``xs`` and ``bias`` as given (its
    ``operands``), so higher-order passes and the tools read each parent's partner from them."""
    ws = ws if type(ws) is tuple else tuple(ws)
    xs = xs if type(xs) is tuple else tuple(xs)
    if len(ws) != len(xs):
        raise ValueError(f"dot needs two sequences of the same length, got {len(ws)} and {len(xs)}")
    wd, w_pick, ws = _split(ws)
    xd, x_pick, xs = _split(xs)
    total = builtins.sum(map(mul, wd, xd))
    if w_pick is ALL:
        parents, locals_ = ws, tuple(xd)
    else:
        parents, locals_ = tuple(ws[i] for i in w_pick), tuple(xd[i] for i in w_pick)
    if isinstance(bias, Value):
        total += bias.data
        parents, locals_ = (*parents, bias), (*locals_, 1.0)
    elif bias is not None:
        bias = _plain(bias, "dot")
        total += bias
    if x_pick is ALL:
        parents, locals_ = parents + xs, locals_ + tuple(wd)
    elif x_pick:
        parents += tuple(xs[i] for i in x_pick)
        locals_ += tuple(wd[i] for i in x_pick)
    if not is_finite(total):
        raise _dot_error(wd, xd, bias)
    return _node(total, "dot", None, (ws, xs, bias), parents, locals_)


def dot_node(total: float, ws: tuple, xs: tuple, bias, parents: tuple, locals_: tuple) -> Value:
    """A dot node from parts its caller computed (``nn``'s neurons: ``total`` = Σ wᵢxᵢ + bias added as
    ``dot`` adds, ``ws``/``xs`` tuples of Values and floats, parents and locals grouped as ``dot`` groups
    them), recorded exactly as ``dot`` records it."""
    return _node(total, "dot", None, (ws, xs, bias), parents, locals_)


ALL = None  # _split's answer when every entry is a Value


def _split(seq: tuple) -> tuple[list[float], list[int] | None, tuple]:
    """The numbers of ``seq``, the positions of its Values (``ALL`` when all are Values), and ``seq``
    with its plain numbers as floats."""
    kinds = set(map(type, seq))
    if kinds <= _ONLY_VALUES:
        return [v.data for v in seq], ALL, seq
    if kinds <= _ONLY_FLOATS:
        return list(seq), [], seq
    datas = [v.data if isinstance(v, Value) else _plain(v, "dot") for v in seq]
    picks = [i for i, v in enumerate(seq) if isinstance(v, Value)]
    return datas, picks, tuple(v if isinstance(v, Value) else d for v, d in zip(seq, datas))


def mean(values: Iterable[Value | float]) -> Value:
    """(Σ xᵢ) / n: the sum node divided by n (the expression language's ``mean``);  ∂/∂xᵢ = 1/n."""
    values = values if type(values) in (list, tuple) else list(values)
    if not values:
        raise ValueError("mean of no values: give at least one Value or number")
    return sum(values) / len(values)


def max(a: Value | float, b: Value | float) -> Value:
    """The larger of a and b: the gate that routes the whole gradient to the larger input.
    On a tie each side gets half (PyTorch's ``torch.maximum``)."""
    return _pair(_MAX, "max", a, b)


def min(a: Value | float, b: Value | float) -> Value:
    """The smaller of a and b; the gradient goes to the smaller input, half each on a tie."""
    return _pair(_MIN, "min", a, b)


def _pair(rule, op: str, a, b) -> Value:
    if isinstance(a, Value):
        out = _binary(rule, op, a, _plain(b, op) if not isinstance(b, Value) else b)
    elif isinstance(b, Value):  # number first: the rule is symmetric, so swap the operands
        out = _binary(rule, op, b, _plain(a, op))
    else:
        out = Value(rule.forward(_plain(a, op), _plain(b, op)))
    return out


def _plain(x, op: str) -> float:
    """A plain-number operand as a finite float, or a TypeError / ValueError naming ``op``."""
    y = number(x, op)
    if y is NotImplemented:
        raise type_error(op, x)
    return y


def _dot_error(wd: list[float], xd: list[float], bias) -> ValueError | ArithmeticError:
    """Why Σ wᵢxᵢ + b is not finite: an entry that is not (named by its place), else an overflow."""
    for name, seq in (("ws", wd), ("xs", xd)):
        for i, x in enumerate(seq):
            if not is_finite(x):
                return ValueError(f"dot: {name}[{i}] is {x!r}; operations need finite numbers")
    pairs = [f"{w!r}·{x!r}" for w, x in zip(wd[:SHOWN], xd)] + ([] if bias is None else [repr(_terms((bias,))[0])])
    more = f" + … ({len(wd) - SHOWN} more)" if len(wd) > SHOWN else ""
    return OverflowError(f"dot overflow: {' + '.join(pairs)}{more} is beyond the float range (±1.8e308)")


def _terms(values) -> list[float]:
    """The numbers of a sequence of Values and plain numbers (for an error message)."""
    return [v.data if isinstance(v, Value) else v for v in values]


def _method_functions() -> dict[str, Callable[..., Value]]:
    """``f(x, *args)`` = ``x.f(*args)`` for each rules-table row whose ``call`` names a function (the
    expression language's names). On a plain number f computes on a fresh leaf and gives a leaf back
    (as ``max(2, 3)``: a constant), unless another argument is a Value (``leaky_relu(2.0, slope)``)."""
    made = {}
    for row in RULES.values():
        name = row.call
        method = getattr(Value, name, None) if name else None
        if name in globals() or not callable(method):
            continue
        made[name] = _function_of(name, method)
    return made


def _function_of(op: str, method) -> Callable[..., Value]:
    def function(x, *args, **kwargs):
        if isinstance(x, Value):
            return method(x, *args, **kwargs)
        out = method(Value(_plain(x, op)), *args, **kwargs)
        return out if any(isinstance(a, Value) for a in (*args, *kwargs.values())) else Value(out.data)

    sig = inspect.signature(method)
    first, *rest = sig.parameters.values()
    function.__signature__ = sig.replace(parameters=[first.replace(name="x", annotation="Value | float"), *rest])
    function.__name__ = function.__qualname__ = op
    function.__doc__ = f"``x.{op}(...)`` as a function (a number x gives a constant Value). {method.__doc__ or ''}"
    function.__module__ = __name__
    return function


METHOD_FUNCTIONS = _method_functions()
globals().update(METHOD_FUNCTIONS)

__all__ = ["dot", "max", "mean", "min", "sum"]
__all__ += list(METHOD_FUNCTIONS)
