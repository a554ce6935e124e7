"""The engine: a scalar ``Value`` that records, when it is created, its parents and its local
derivative towards each of them; ``backward()`` then applies the chain rule,
upstream × local, accumulated over every path.

Layout (``__slots__``, one object per node, no closures, no reference cycles):

    data, grad, label, op   the number, its gradient (0.0 at creation), a name, the operation
    _a, _da                 first parent and ∂self/∂_a
    _b, _db                 second parent and ∂self/∂_b, or, when the second operand was a
                            plain number (``x * 3``), ``_b = None`` and ``_db`` = that number
    n-ary nodes (sum, dot): ``_a = None``, ``_b`` = tuple of parents, ``_db`` = tuple of locals,
                            and for dot ``_da`` = each parent's partner (∂(w·x)/∂w = x as a Value
                            or number, which a higher-order pass needs)
    _scope                  only set on nodes made inside ``autodiff.scope(...)`` (drawn as
                            clusters); outside any scope the slot stays empty and costs no store

The derivative rules themselves live in ``rules.py``; each method below computes the forward
value and asks its table row for the local derivative. The three hottest gates (+, ×, relu),
whose local derivatives are constants or inputs, are written out inline for speed;
``tests/test_rules.py`` checks that every node records exactly what its row says.
"""

from __future__ import annotations

import math
from numbers import Real

from .graph import backpropagate, topological_order, zero_grad
from .rules import RULES

Number = int | float
_grad_enabled = True
_scope: tuple[str, ...] = ()  # set by scope.py; nodes made meanwhile record it (see _new)


class Value:
    """A scalar in a computation graph: ``Value(3.0, label="x")``."""

    __slots__ = ("data", "grad", "label", "op", "_a", "_da", "_b", "_db", "_scope")

    def __init__(self, data: Number, label: str | None = None) -> None:
        self.data = _check_data(data)
        self.grad = 0.0
        self.label = label
        self.op = ""
        self._a = self._da = self._b = self._db = None
        if _scope:
            self._scope = _scope

    # ---- what the node recorded -------------------------------------------------------------
    @property
    def parents(self) -> tuple[Value, ...]:
        """The Values this one was computed from (empty for a leaf)."""
        if self._a is not None:
            return (self._a,) if self._b is None else (self._a, self._b)
        return self._b if self._b is not None else ()

    @property
    def local_grads(self) -> tuple[float, ...]:
        """∂self/∂parent for each parent, recorded when this node was created."""
        if self._a is not None:
            return (self._da,) if self._b is None else (self._da, self._db)
        return self._db if self._b is not None else ()

    @property
    def constant(self) -> float | None:
        """The plain-number operand of an operation such as ``x * 3`` or ``2 - x``, else None."""
        return self._db if self._a is not None and self._b is None else None

    @property
    def is_leaf(self) -> bool:
        return self._a is None and self._b is None

    @property
    def scope(self) -> tuple[str, ...]:
        """The ``autodiff.scope(...)`` names this node was created inside, outermost first."""
        try:
            return self._scope
        except AttributeError:
            return ()

    def __repr__(self) -> str:
        name = f", label={self.label!r}" if self.label is not None else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{name})"

    def __float__(self) -> float:
        return self.data

    # Ordering compares data; equality and hashing stay by identity, so Values can key dicts.
    def __lt__(self, other):
        return self.data < _data(other)

    def __le__(self, other):
        return self.data <= _data(other)

    def __gt__(self, other):
        return self.data > _data(other)

    def __ge__(self, other):
        return self.data >= _data(other)

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
            v.data = self.data + other.data
            v._b = other
            v._db = 1.0
        else:
            if t is not float:
                other = _number(other, "add")
                if other is NotImplemented:
                    return other
            v.data = self.data + other
            v._b = None
            v._db = other
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
            v.data = a * b
            v._da = b
            v._b = other
            v._db = a
        else:
            if t is not float:
                other = _number(other, "mul")
                if other is NotImplemented:
                    return other
            v.data = a * other
            v._da = other
            v._b = None
            v._db = other
        return v if _grad_enabled else _forget(v)

    __rmul__ = __mul__

    def __sub__(self, other: Value | Number) -> Value:
        """a − b;  ∂/∂a = 1, ∂/∂b = −1."""
        return _binary(_SUB, "sub", self, other)

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
        if x > 0.0:
            v.data = x
            v._da = 1.0
        else:
            v.data = 0.0
            v._da = 0.0
        v._b = None
        v._db = None
        return v if _grad_enabled else _forget(v)

    # ---- other binary operations: forward here, local derivatives from the table -------------
    def __truediv__(self, other: Value | Number) -> Value:
        """a / b;  ∂/∂a = 1/b, ∂/∂b = −a/b².  Raises ZeroDivisionError when b = 0."""
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
        is_value = isinstance(other, Value)
        _check_pow(self.data, other.data if is_value else other, is_value)
        return _binary(_POW, "pow", self, other)

    def __rpow__(self, other: Number) -> Value:
        if type(other) is float or type(other) is int or isinstance(other, Real):
            _check_pow(other, self.data, True)
        return _reflected(_POW, "rpow", other, self)

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """x if x > 0 else slope·x;  d/dx = 1 if x > 0 else slope (slope at 0, as PyTorch)."""
        return _binary(_LEAKY, "leaky_relu", self, slope)

    # ---- unary operations ---------------------------------------------------------------------
    def exp(self) -> Value:
        """eˣ;  d/dx = eˣ.  Raises OverflowError past x ≈ 709.78."""
        try:
            out = math.exp(self.data)
        except OverflowError:
            raise OverflowError(
                f"exp overflow: exp({self.data!r}) is larger than the largest float (~1.8e308)"
            ) from None
        return _unary(_EXP, "exp", self, out)

    def log(self) -> Value:
        """ln x;  d/dx = 1/x.  Defined for x > 0 only."""
        if self.data <= 0:
            raise ValueError(f"log needs x > 0, got x = {self.data!r}")
        return _unary(_LOG, "log", self, math.log(self.data))

    def sqrt(self) -> Value:
        """√x;  d/dx = 1/(2√x), +inf at x = 0 (as PyTorch).  Defined for x ≥ 0 only."""
        if self.data < 0:
            raise ValueError(f"sqrt needs x >= 0, got x = {self.data!r}")
        return _unary(_SQRT, "sqrt", self, math.sqrt(self.data))

    def tanh(self) -> Value:
        """tanh x;  d/dx = 1 − tanh²x."""
        return _unary(_TANH, "tanh", self, math.tanh(self.data))

    def sigmoid(self) -> Value:
        """σ(x) = 1/(1 + e⁻ˣ), computed stably;  d/dx = σ(x)(1 − σ(x))."""
        return _unary(_SIGMOID, "sigmoid", self, _SIGMOID.forward(self.data))

    def softplus(self) -> Value:
        """ln(1 + eˣ), computed stably;  d/dx = σ(x)."""
        return _unary(_SOFTPLUS, "softplus", self, _SOFTPLUS.forward(self.data))

    def abs(self) -> Value:
        """|x|;  d/dx = sign x (0 at x = 0, as PyTorch)."""
        return _unary(_ABS, "abs", self, abs(self.data))

    __abs__ = abs

    def sin(self) -> Value:
        """sin x;  d/dx = cos x."""
        return _unary(_SIN, "sin", self, math.sin(self.data))

    def cos(self) -> Value:
        """cos x;  d/dx = −sin x."""
        return _unary(_COS, "cos", self, math.cos(self.data))

    # ---- gradients ----------------------------------------------------------------------------
    def backward(self, grad: Number = 1.0, *, order: list[Value] | None = None) -> None:
        """Add ∂self/∂v · grad to ``v.grad`` for every node v of this graph (PyTorch accumulates
        the same way; call ``zero_grad`` between steps).

        The order is built iteratively (no recursion limit); pass ``order=topological_order(root)``
        to reuse one when backpropagating through the same graph again.
        """
        backpropagate(self, _check_data(grad, "backward(grad=...)"), order)

    def zero_grad(self) -> None:
        """Set ``grad = 0.0`` on every node of the graph that ends in this one."""
        zero_grad(topological_order(self))

    def detach(self) -> Value:
        """A new leaf with the same data, cut off from this graph (no gradient flows back)."""
        return Value(self.data, self.label)


_new = Value.__new__
_SUB, _DIV, _POW, _LEAKY, _NEG = (RULES[k] for k in ("sub", "div", "pow", "leaky_relu", "neg"))
_EXP, _LOG, _SQRT, _TANH = RULES["exp"], RULES["log"], RULES["sqrt"], RULES["tanh"]
_SIGMOID, _SOFTPLUS, _ABS, _SIN, _COS = (RULES[k] for k in ("sigmoid", "softplus", "abs", "sin", "cos"))


def _node(data: float, op: str, a, da, b, db) -> Value:
    """Make a node; under ``no_grad`` it is a leaf that remembers nothing."""
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
    """Under ``no_grad``: keep the value, drop the record of how it was made."""
    v.op = ""
    v._a = v._da = v._b = v._db = None
    return v


def _unary(rule, op: str, x: Value, out: float) -> Value:
    return _node(out, op, x, rule.local(x.data, out), None, None)


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


def _forward(rule, op: str, x: float, y: float) -> float:
    """A binary row's forward, with an overflow reported as the operation and its numbers."""
    try:
        return rule.forward(x, y)
    except OverflowError:
        raise OverflowError(f"{op} overflow: {x!r} {rule.symbol} {y!r} exceeds the float range") from None


def _number(x, op: str):
    """A plain-number operand as a float; NotImplemented for other types (Python then raises)."""
    if type(x) is float:
        return x
    if type(x) is int:
        return float(x)
    if isinstance(x, Real) and not isinstance(x, bool):
        return _check_data(x, op)
    return NotImplemented


def _data(x) -> float:
    return x.data if isinstance(x, Value) else x


def _check_data(x, where: str = "Value()") -> float:
    """A finite float from a real number, or a TypeError/ValueError naming what was wrong."""
    if type(x) is not float:
        if type(x) is int:
            x = float(x)
        elif isinstance(x, Value):
            raise TypeError(f"{where} needs a number, got a Value (use v.data, or v.detach())")
        elif isinstance(x, Real) and not isinstance(x, bool):
            x = float(x)
        else:
            raise TypeError(f"{where} needs a real number (int or float), got {type(x).__name__}: {x!r}")
    if x - x != 0.0:  # NaN or ±inf
        raise ValueError(f"{where} needs a finite number, got {x!r}")
    return x


def _check_pow(a, b, exponent_is_value: bool) -> None:
    """Domain of a ** b: the errors name the operation and the numbers."""
    if type(b) is not float and type(b) is not int and not isinstance(b, Real):
        return  # not a number: the operator returns NotImplemented and Python raises TypeError
    if a < 0 and exponent_is_value:
        raise ValueError(f"pow: ∂(a**b)/∂b = a**b·ln a needs a >= 0 when the exponent is a Value, got a = {a!r}")
    if a < 0 and not float(b).is_integer():
        raise ValueError(f"pow: a negative base needs an integer exponent, got {a!r} ** {b!r}")
    if a == 0 and b < 0:
        raise ZeroDivisionError(f"pow: 0 cannot be raised to a negative power ({a!r} ** {b!r})")
