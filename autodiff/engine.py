"""The engine: a scalar ``Value`` that records, when it is created, its parents and its local derivative
towards each of them; ``backward()`` then applies the chain rule, upstream × local, over every path.

Layout (``__slots__``, one object per node, no closures, no reference cycles; ``node.py`` reads it back):

    data, grad, label, op   the number, its gradient (0.0 at creation), a name, the operation
    _a, _da / _b, _db       the parents and ∂self/∂parent; a plain-number second operand (``x * 3``):
                            ``_b = None``, ``_db`` = that number
    n-ary nodes (sum, dot)  ``_a = None``, ``_b`` = the parents, ``_db`` = their locals; ``_da`` = the
                            operands: dot's (ws, xs, bias), sum's terms when some are numbers (else None)
    _scope                  set only on nodes made inside ``autodiff.scope(...)``

Each method computes the forward value and asks its ``rules.py`` row for the local derivative; the hot
ones (+ − × ÷, relu, ** with a number, exp, log, tanh) write their row out inline (``tests/test_rules.py``
checks they agree). Operands and results must be finite (``guards.py``); grad mode and scopes are per
thread (``modes.py``, ``scopes.py``) behind two fast-path switches that cost nothing single-threaded.
"""

from __future__ import annotations

import math
import threading
from numbers import Real

from . import graph
from .guards import check_data as _check_data
from .guards import check_pow as _check_pow
from .guards import leaf_error, refuse, refuse_node, refuse_pair, type_error
from .guards import number as _number
from .node import Node, Number
from .node import data_of as _data
from .rules import RULES, Binary, Unary


class _Modes(threading.local):
    grad, scope, anomaly = True, (), None  # this thread's: record graphs? new nodes' scope; detect_anomaly


_mode = _Modes()
# Fast-path switches for every thread at once (modes.py keeps them right): while no thread has grad off a
# new node is kept without asking its thread; while none has a scope or anomaly detection, nodes are bare.
_grad_enabled, _tracking = True, False


def _math(op: str):
    """A method ``x.op()`` from the op's row: its forward on the data, its local derivative (``_unary``)."""
    rule = RULES[op]
    fn = rule.forward

    def method(self: Value) -> Value:
        return _unary(rule, op, self, fn(self.data))

    method.__name__, method.__qualname__, method.__doc__ = op, f"Value.{op}", f"{op};  {rule.maths}."
    return method


class Value(Node):
    """A scalar in a computation graph: ``Value(3.0, label="x")``; ``node.py`` reads back its record."""

    __slots__ = ("data", "grad", "label", "op", "_a", "_da", "_b", "_db", "_scope")

    def __init__(self, data: Number, *parents: object, label: str | None = None) -> None:
        if parents or (label is not None and not isinstance(label, str)):
            raise leaf_error(parents, label)
        self.data = _check_data(data)
        self.grad = 0.0
        self.label = label
        self.op = ""
        self._a = self._da = self._b = self._db = None
        if _tracking and _mode.scope:
            self._scope = _mode.scope

    # ---- the hottest gates, written out for speed: their local derivatives are constants or ----
    # inputs (rules.py rows "add", "mul", "relu"; tests/test_rules.py checks that they agree)
    def __add__(self, other: Value | Number) -> Value:
        """a + b;  ∂/∂a = 1, ∂/∂b = 1  (add distributes the gradient)."""
        v = _new(Value)
        v.grad = 0.0
        v.label = None
        v.op = "add"
        v._a = self
        v._da = 1.0
        t = type(other)
        if t is Value or (t is not float and isinstance(other, Value)):
            v.data = d = self.data + other.data
            v._b = other
            v._db = 1.0
        else:
            if t is not float:
                other = _number(other, "add")
                if other is NotImplemented:
                    return other
            v.data = d = self.data + other
            v._b = None
            v._db = other
        if d - d:  # nan (truthy) unless d is finite: an overflow, or a nan/inf operand
            raise refuse_pair("add", self, other)
        return v if _grad_enabled else _forget(v)

    __radd__ = __add__

    def __mul__(self, other: Value | Number) -> Value:
        """a × b;  ∂/∂a = b, ∂/∂b = a  (multiply swaps its inputs)."""
        v = _new(Value)
        v.grad = 0.0
        v.label = None
        v.op = "mul"
        v._a = self
        a = self.data
        t = type(other)
        if t is Value or (t is not float and isinstance(other, Value)):
            b = other.data
            v.data = d = a * b
            v._da = b
            v._b = other
            v._db = a
        else:
            if t is not float:
                other = _number(other, "mul")
                if other is NotImplemented:
                    return other
            v.data = d = a * other
            v._da = other
            v._b = None
            v._db = other
        if d - d:
            raise refuse_pair("mul", self, other)
        return v if _grad_enabled else _forget(v)

    __rmul__ = __mul__

    def __sub__(self, other: Value | Number) -> Value:
        """a − b;  ∂/∂a = 1, ∂/∂b = −1."""
        v = _new(Value)
        v.grad = 0.0
        v.label = None
        v.op = "sub"
        v._a = self
        v._da = 1.0
        t = type(other)
        if t is Value or (t is not float and isinstance(other, Value)):
            v.data = d = self.data - other.data
            v._b = other
            v._db = -1.0
        else:
            if t is not float:
                other = _number(other, "sub")
                if other is NotImplemented:
                    return other
            v.data = d = self.data - other
            v._b = None
            v._db = other
        if d - d:
            raise refuse_pair("sub", self, other)
        return v if _grad_enabled else _forget(v)

    def __rsub__(self, other: Number) -> Value:
        """c − x for a plain number c;  d/dx = −1."""
        return _reflected(_SUB, "rsub", other, self)

    def __neg__(self) -> Value:
        """−x;  d/dx = −1."""
        return _unary(_NEG, "neg", self, -self.data)

    def relu(self) -> Value:
        """max(x, 0);  d/dx = 1 if x > 0 else 0 (0 at x = 0, as PyTorch)."""
        x = self.data
        v = _new(Value)
        v.grad = 0.0
        v.label = None
        v.op = "relu"
        v._a = self
        if 0.0 < x < 1e309:  # (1e309 is inf: nan and ±inf data, set by hand, are refused)
            v.data = x
            v._da = 1.0
        elif -1e309 < x <= 0.0:
            v.data = 0.0
            v._da = 0.0
        else:
            raise refuse("relu", "relu", (x,))
        v._b = v._db = None
        return v if _grad_enabled else _forget(v)

    # ---- other binary operations: forward here, local derivatives from the table -------------
    def __truediv__(self, other: Value | Number) -> Value:
        """a / b;  ∂/∂a = 1/b, ∂/∂b = −a/b².  Raises ZeroDivisionError when b = 0."""
        t = type(other)
        y = other if t is float else (other.data if t is Value else 0.0)
        if y and self.data - self.data + y - y == 0.0:  # a finite, b finite and not 0: the "div" row
            v = _new(Value)  # written out (an overflow, and every other operand, take the checked path)
            v.data = d = self.data / y
            v.grad = 0.0
            v.op = "div"
            v._a = self
            v._da = 1.0 / y
            v.label, v._b, v._db = (None, None, y) if t is float else (None, other, -d / y)
            if d - d == 0.0:
                return v if _grad_enabled else _forget(v)
        if _data(other) == 0:
            raise ZeroDivisionError(f"division by zero in a / b: a = {self.data!r}, b = 0")
        return _binary(_DIV, "div", self, other)

    def __rtruediv__(self, other: Number) -> Value:
        if self.data == 0:
            raise ZeroDivisionError(f"division by zero in a / b: a = {other!r}, b = 0")
        return _reflected(_DIV, "rdiv", other, self)

    def __pow__(self, other: Value | Number) -> Value:
        """a ** b;  ∂/∂a = b·a^(b−1), ∂/∂b = a^b·ln a.  b may be a number or a Value
        (then a must be > 0, or 0, for ln a to exist)."""
        x = self.data
        t = type(other)
        if (t is float or t is int) and x > 0.0:  # a number exponent, a > 0: the "pow" row written out
            try:  # (b = 0 gives ∂/∂a = 0.0 · a⁻¹ = 0); an overflow takes the checked path, which reports it
                b = other if t is float else float(other)
                d = x**b
                da = b * x ** (b - 1.0)
            except OverflowError:
                pass
            else:
                if x - x + b - b == 0.0:  # a and b finite (nan if either is not)
                    v = _new(Value)
                    v.data = d
                    v.grad = 0.0
                    v.op = "pow"
                    v._a = self
                    v._da = da
                    v.label = v._b = None
                    v._db = b
                    return v if _grad_enabled else _forget(v)
        is_value = isinstance(other, Value)
        _check_pow(self.data, other.data if is_value else other, is_value)
        return _binary(_POW, "pow", self, other)

    def __rpow__(self, other: Number) -> Value:
        if type(other) is float or type(other) is int or isinstance(other, Real):
            _check_pow(other, self.data, True)
        return _reflected(_POW, "rpow", other, self)

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """x if x > 0 else slope·x;  d/dx = 1 if x > 0 else slope (slope at 0, as PyTorch)."""
        if (out := _binary(_LEAKY, "leaky_relu", self, slope)) is NotImplemented:
            raise type_error("leaky_relu's slope", slope)
        return out

    # ---- unary operations ---------------------------------------------------------------------
    def exp(self) -> Value:
        """eˣ;  d/dx = eˣ.  Raises OverflowError past x ≈ 709.78."""
        x = self.data
        try:
            d = _exp(x)
        except OverflowError:
            raise refuse("exp", "exp", (x,)) from None
        if x - x == 0.0:  # a finite input (nan or inf data set by hand: _unary refuses it)
            v = _new(Value)
            v.data = d
            v.grad = 0.0
            v.op = "exp"
            v._a = self
            v._da = d
            v.label = v._b = v._db = None
            return v if _grad_enabled else _forget(v)
        return _unary(_EXP, "exp", self, d)

    def log(self) -> Value:
        """ln x;  d/dx = 1/x.  Defined for x > 0 only."""
        x = self.data
        if x <= 0:
            raise ValueError(f"log needs x > 0, got x = {x!r}")
        if x - x == 0.0:
            v = _new(Value)
            v.data = _log(x)
            v.grad = 0.0
            v.op = "log"
            v._a = self
            v._da = 1.0 / x
            v.label = v._b = v._db = None
            return v if _grad_enabled else _forget(v)
        return _unary(_LOG, "log", self, math.log(x))

    def sqrt(self) -> Value:
        """√x;  d/dx = 1/(2√x), +inf at x = 0 (as PyTorch).  Defined for x ≥ 0 only."""
        if self.data < 0:
            raise ValueError(f"sqrt needs x >= 0, got x = {self.data!r}")
        return _unary(_SQRT, "sqrt", self, math.sqrt(self.data))

    def tanh(self) -> Value:
        """tanh x;  d/dx = 1 − tanh²x."""
        x = self.data
        d = _tanh(x)
        if x - x == 0.0:
            v = _new(Value)
            v.data = d
            v.grad = 0.0
            v.op = "tanh"
            v._a = self
            v._da = 1.0 - d * d
            v.label = v._b = v._db = None
            return v if _grad_enabled else _forget(v)
        return _unary(_TANH, "tanh", self, d)

    sigmoid, softplus, sin, cos = map(_math, ("sigmoid", "softplus", "sin", "cos"))  # (σ and softplus: stable)
    abs = __abs__ = _math("abs")

    def apply(self, op: str, *others: Value | Number) -> Value:
        """This Value through the rules row ``op`` and its further operands (``x.apply("tanh")``); the
        kinks' rows (``step``, ``sign``, ``above``, ``below``) are made this way."""
        row, x = RULES.get(op), self.data
        if isinstance(row, Unary) and not others:
            return _unary(row, op, self, _forward(row, op, x) if x - x == 0.0 else x)
        if isinstance(row, Binary) and len(others) == 1 and (out := _binary(row, op, self, others[0])) is not NotImplemented:
            return out
        raise TypeError(f"apply: {op!r} is not a row of autodiff.RULES taking these {1 + len(others)} operand(s)")

    # ---- gradients ----------------------------------------------------------------------------
    def backward(self, grad: Number = 1.0, *, order: list[Value] | None = None, create_graph: bool = False) -> None:
        """Add ∂self/∂v · grad to ``v.grad`` for every node v (accumulated, as PyTorch), in an iterative order
        (``order=topological_order(root)`` reuses one); ``create_graph=True``: Values (``higher.py``)."""
        g = _check_data(grad, "backward(grad=...)")
        if create_graph:
            from .higher import backpropagate_graph  # (it imports nothing that imports the engine)
            return backpropagate_graph(self, g, order, _mode)
        graph.backpropagate(self, g, order, _mode.anomaly if _tracking else None)


_exp, _log, _tanh = math.exp, math.log, math.tanh
_plain_new = _new = Value.__new__  # modes.py swaps in its tracking allocator while some thread tracks
_SUB, _DIV, _POW, _LEAKY, _NEG, _EXP, _LOG, _SQRT, _TANH = map(
    RULES.get, ("sub", "div", "pow", "leaky_relu", "neg", "exp", "log", "sqrt", "tanh"))


def _node(data: float, op: str, a, da, b, db) -> Value:
    """Make a node (refusing a result that is not finite); under ``no_grad`` a leaf remembering nothing."""
    if data - data:  # nan (truthy) unless data is finite
        raise refuse_node(op, a, b, db)
    v = _new(Value)
    v.data = data
    v.grad = 0.0
    v.label = None
    v.op = op
    v._a = a
    v._da = da
    v._b = b
    v._db = db
    return v if _grad_enabled else _forget(v)


def _forget(v: Value) -> Value:
    """Some thread has grad off: if it is this one, keep the value and drop how it was made."""
    if _mode.grad:
        return v
    v.op = ""
    v._a = v._da = v._b = v._db = None
    return v


def _unary(rule, op: str, x: Value, out: float) -> Value:
    """A one-input node; its input is checked (tanh(inf) = 1 would hide it), not its output (finite rows)."""
    xd = x.data
    if xd - xd:
        raise refuse(op, rule.symbol, (xd,))
    v = _new(Value)
    v.data = out
    v.grad = 0.0
    v.op = op
    v._a = x
    v._da = rule.local(xd, out)
    v.label = v._b = v._db = None
    return v if _grad_enabled else _forget(v)


def _binary(rule, op: str, a: Value, other) -> Value:
    """``a op other`` where other is a Value or a plain number (kept as a number, not a node)."""
    x = a.data
    if type(other) is Value or isinstance(other, Value):
        y = other.data
        out = _forward(rule, op, x, y)
        return _node(out, op, a, rule.local_a(x, y, out), other, rule.local_b(x, y, out))
    y = _number(other, op)
    if y is NotImplemented:
        return NotImplemented
    out = _forward(rule, op, x, y)
    return _node(out, op, a, rule.local_a(x, y, out), None, y)


def _reflected(rule, op: str, other, b: Value) -> Value:
    """``other op b`` with a plain number on the left (2 - x, 1 / x, 2 ** x)."""
    x = _number(other, op)
    if x is NotImplemented:
        return NotImplemented
    y = b.data
    out = _forward(rule, op, x, y)
    return _node(out, op, b, rule.local_b(x, y, out), None, x)


def _forward(rule, op: str, *xs: float) -> float:  # a row's forward; an overflow names the op and its numbers
    try:
        return rule.forward(*xs)
    except OverflowError:
        raise refuse(op, rule.symbol, xs) from None
