"""Operations of your own: a row in the rules table, used like the built-ins.

    gelu = autodiff.operation(
        "gelu", "GELU",
        forward=lambda x: 0.5 * x * (1 + math.tanh(C * (x + 0.044715 * x**3))),
        derivative=lambda x, out: ...,           # ∂out/∂x from x and out, arithmetic and rules helpers
        maths="GELU'(x) = ½(1 + tanh u) + ½x(1 − tanh²u)·u'")
    y = gelu(x)                                   # a node with op "gelu", drawn with its symbol

The row is an ordinary ``rules.Unary`` (or ``rules.Binary`` for two inputs, ``derivative=(∂/∂a,
∂/∂b)`` each of ``(a, b, out)``) in ``autodiff.RULES``, so drawing, tracing, checking, compiling and
``create_graph`` read it as they read ``tanh``'s: the derivative is written with arithmetic and
the helpers of ``autodiff.rules`` (``exp``, ``tanh``, ``log``, ``sigmoid``, ``step``, ...), so it runs
on floats when a node is made and on Values for higher-order gradients. What your functions return is
checked when a node is made, each error naming the operation: the forward's result is a finite real
number (an int becomes a float; a bool, a complex number, a string or a Value is refused), each
derivative's a real number (±inf allowed, as √x's at 0).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from numbers import Real

from .engine import Value, _node
from .guards import number, type_error
from .rules import RULES, Binary, Unary

BUILT_IN = frozenset(RULES)
RESERVED = BUILT_IN | {"rsub", "rdiv", "rpow", ""}
_custom: set[str] = set()  # the names registered here (so that a notebook cell can run twice)


class OpName(str):
    """A registered operation's name, as its nodes record it in ``op``: it carries the row it was
    registered with, so registering the name again later changes nothing that old nodes computed,
    in any tool (``Value.row`` reads it). Pickled as the plain name."""

    row: Unary | Binary

    def __new__(cls, name: str, row: Unary | Binary) -> OpName:  # noqa: PYI034 - typing.Self needs 3.11
        self = super().__new__(cls, name)
        self.row = row
        return self

    def __reduce__(self):
        return str, (str(self),)


class Operation:
    """A registered operation: call it on Values (``op(x)``, or ``op(a, b)`` for a binary row)."""

    def __init__(self, name: str, row: Unary | Binary) -> None:
        self.name, self.row = OpName(name, row), row
        self.__name__ = name
        self.__doc__ = f"{name}: {row.maths}"

    def __repr__(self) -> str:
        kind = "unary" if isinstance(self.row, Unary) else "binary"
        return f"<autodiff operation {self.name!r} ({kind}, drawn as {self.row.symbol!r}): {self.row.maths}>"

    def __call__(self, a: Value, b: Value | float | None = None) -> Value:
        name, row = self.name, self.row
        if not isinstance(a, Value):
            raise TypeError(f"{name} needs a Value as its first input, got {type(a).__name__}: {a!r:.60} "
                            "(make it a leaf: Value(x, label=...))")  # fmt: skip
        if isinstance(row, Unary):
            if b is not None:
                raise TypeError(f"{name} takes one input (it was registered with one derivative)")
            x = a.data
            out = _result(name, "forward", _run(name, "forward", row.forward, (x,)), (x,))
            return _node(out, name, a, _local(name, "derivative", row.local, (x, out)), None, None)
        if b is None:
            raise TypeError(f"{name} takes two inputs (it was registered with two derivatives)")
        y = b.data if isinstance(b, Value) else number(b, name)
        if y is NotImplemented:
            raise type_error(name, b)
        x = a.data
        out = _result(name, "forward", _run(name, "forward", row.forward, (x, y)), (x, y))
        da = _local(name, "derivative ∂/∂a", row.local_a, (x, y, out))
        if isinstance(b, Value):
            return _node(out, name, a, da, b, _local(name, "derivative ∂/∂b", row.local_b, (x, y, out)))
        return _node(out, name, a, da, None, y)


def _run(name: str, what: str, f: Callable, args: tuple):
    """``f(*args)``, a domain error (math.log(-1), 1/0) reported with the operation and its numbers."""
    try:
        return f(*args)
    except (ValueError, ZeroDivisionError, OverflowError) as err:
        shown = ", ".join(repr(getattr(x, "data", x)) for x in args if isinstance(x, (int, float, Value)))
        raise type(err)(f"{name}: its {what} failed at {shown}: {err}") from None


def _result(name: str, what: str, y, at: tuple, finite: bool = True) -> float:
    """What a user's function returned, as a float: a real number (an int converted, a bool, complex,
    string or Value refused), finite for a forward (a derivative may be ±inf, as √x's at 0)."""
    shown = ", ".join(map(repr, at))
    if type(y) is not float:
        if isinstance(y, bool) or not isinstance(y, Real):
            kind = "complex number" if isinstance(y, complex) else type(y).__name__
            raise TypeError(f"{name}: its {what} returned a {kind} ({y!r:.60}) at {shown}; it must return a real "
                            "number (a float)")  # fmt: skip
        try:
            y = float(y)
        except OverflowError:
            raise OverflowError(f"{name}: its {what} returned an int too large for a float at {shown}") from None
    if finite and y - y != 0.0:
        raise ValueError(f"{name}({shown}) = {y!r}: an operation's result must be a finite number")
    return y


def _local(name: str, what: str, f: Callable, args: tuple) -> float:
    return _result(name, what, _run(name, what, f, args), args[:-1], finite=False)


def operation(name: str, symbol: str, forward: Callable, derivative: Callable | tuple[Callable, Callable], *,
              maths: str = "") -> Operation:  # fmt: skip
    """Register an operation in ``autodiff.RULES`` and return the function that applies it.

    ``forward`` works on floats; ``derivative`` is ∂out/∂x as ``(x, out) -> ...`` for one input,
    or a pair ``(∂out/∂a, ∂out/∂b)`` of ``(a, b, out) -> ...`` for two; written with arithmetic and
    ``autodiff.rules`` helpers so that it also runs on Values (then ``create_graph`` and
    ``autodiff.functional.hessian`` work for it). Registering a name again replaces your earlier
    row for new nodes; nodes made before keep the row they were made with, in every tool. The
    built-in names are refused."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"an operation's name must be a Python identifier such as 'gelu', got {name!r}")
    if name in RESERVED:
        raise ValueError(f"{name!r} is a built-in operation of autodiff.RULES; choose another name")
    if not isinstance(symbol, str) or not symbol.strip() or len(symbol) > 12:
        raise ValueError(f"symbol is the short text drawings show (1 to 12 characters), got {symbol!r}")
    if not isinstance(maths, str):
        raise TypeError(f"maths must be a str (the rule in words), got {type(maths).__name__}")
    if not callable(forward):
        raise TypeError(f"forward must be a function of floats, got {type(forward).__name__}")
    if callable(derivative):
        _arity(derivative, 2, "derivative", "(x, out)")
        _arity(forward, 1, "forward", "(x)")
        row: Unary | Binary = Unary(symbol, forward, derivative, maths or f"d/dx {name}(x)")
    elif isinstance(derivative, (tuple, list)) and len(derivative) == 2 and all(map(callable, derivative)):
        _arity(derivative[0], 3, "derivative[0] (∂out/∂a)", "(a, b, out)")
        _arity(derivative[1], 3, "derivative[1] (∂out/∂b)", "(a, b, out)")
        _arity(forward, 2, "forward", "(a, b)")
        row = Binary(symbol, forward, derivative[0], derivative[1], maths or f"∂/∂a, ∂/∂b of {name}(a, b)")
    else:
        raise TypeError("derivative must be a function (x, out) -> ∂out/∂x, or a pair of functions (a, b, out) "
                        "for ∂out/∂a and ∂out/∂b")  # fmt: skip
    RULES[name] = row
    _custom.add(name)
    return Operation(name, row)


def _arity(f: Callable, n: int, what: str, shape: str) -> None:
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        return
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    varargs = any(p.kind is p.VAR_POSITIONAL for p in params)
    required = [p for p in positional if p.default is p.empty]
    if not (len(required) <= n and (len(positional) >= n or varargs)):
        raise TypeError(f"{what} must take {n} argument(s) {shape}, got {getattr(f, '__name__', 'a function')}"
                        f"{inspect.signature(f)}")  # fmt: skip


def remove_operation(name: str) -> None:
    """Take a registered operation's row out of ``autodiff.RULES`` (nodes already made keep their op name)."""
    if name not in _custom:
        raise KeyError(f"{name!r} is not an operation registered with autodiff.operation")
    _custom.discard(name)
    del RULES[name]


def custom_operations() -> tuple[str, ...]:
    return tuple(sorted(_custom))


__all__ = ["Operation", "custom_operations", "operation", "remove_operation"]
