"""The record: what a node computed, read back. The one interface every tool reads (only the engine
core, ``engine.py``, ``functions.py``, ``graph.py`` and this file, touch the slots):

    v.op          the operation as called ("rsub" for 2 − x), "" for a leaf
    v.rule        the rules row it follows ("sub" for 2 − x)
    v.row         that row itself, as it was when v was made (a user operation registered again
                  later does not change what old nodes computed)
    v.operands    what the forward combined, in order: Values and plain numbers (the 3 of x·3, the
                  constants of a sum, dot's w₀, x₀, w₁, x₁, … and its bias last)
    v.parents     the Values among them, in the order the backward visits them
    v.local_grads ∂v/∂parent for each parent, recorded when v was made
    v.partners    dot only: each parent's partner (∂(w·x)/∂w = x), a Value or a number

``row.forward(*operands' numbers)`` is ``v.data`` bitwise (``tests/test_record_and_walk.py``). This base class
of ``engine.Value`` makes no nodes and has no slots of its own; ordering compares ``data``, while
equality and hashing stay by identity, so Values can key dicts."""

from __future__ import annotations

from . import graph
from .rules import REFLECTED, RULES

Number = int | float  # a plain-number operand

# float(x), int(x), round(x), math.exp(x), '%f' % x: a plain number has no parents, so the gradient
# would silently stop there (micrograd refuses too). The one message for all of them:
SILENT_NUMBER = (
    "a Value cannot become a plain number silently (float(x), int(x), round(x), math.exp(x), '%f' % x): "
    "that would cut the graph, and no gradient would flow back through it. Use x.exp() or autodiff.exp(x) "
    "(likewise log, tanh, sigmoid, ...) to stay in the graph, or x.item() / x.data for the number"
)


class Node:
    """The base of ``Value``: properties and comparisons over the slots ``Value`` declares."""

    __slots__ = ()

    # copy, deepcopy and pickle, of any depth and keeping shared nodes shared (graph.py)
    __copy__, __deepcopy__ = graph.copy_node, graph.deepcopy_node
    __reduce_ex__, __setstate__ = graph.reduce_node, graph.set_node_state

    @property
    def parents(self) -> tuple:
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
    def operands(self) -> tuple:
        """What the forward combined, in its order: Values and plain numbers (see the module's docstring)."""
        a = self._a
        if a is not None:
            b = self._b
            if b is not None:
                return (a, b)
            c = self._db
            if c is None:
                return (a,)
            return (c, a) if self.op in REFLECTED else (a, c)
        if self._b is None:
            return ()
        if self.op == "dot":
            ws, xs, bias = self._da
            flat = [t for pair in zip(ws, xs) for t in pair]
            return (*flat, bias) if bias is not None else tuple(flat)
        return self._b if self._da is None else self._da  # sum: its terms, with the numbers among them

    @property
    def rule(self) -> str:
        """The key of the rules row this node follows ("sub" for 2 − x); "" for a leaf."""
        return REFLECTED.get(self.op, self.op)

    @property
    def row(self):
        """The rules row this node followed when it was made (None for a leaf)."""
        op = self.op
        own = getattr(op, "row", None)  # a user operation's name carries its row (custom.py)
        return own if own is not None else RULES.get(REFLECTED.get(op, op))

    @property
    def partners(self) -> tuple:
        """A dot node's partner of each parent (the xᵢ of a weight wᵢ, the wᵢ of an input, 1 for a
        bias), a Value or a number; empty for other nodes."""
        if self.op != "dot" or self._a is not None:
            return ()
        ws, xs, bias = self._da
        return (*(x for w, x in zip(ws, xs) if isinstance(w, Node)), *((1.0,) if isinstance(bias, Node) else ()),
                *(w for w, x in zip(ws, xs) if isinstance(x, Node)))

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

    def item(self) -> float:
        """The number this Value holds (``x.data``), as PyTorch's ``tensor.item()``."""
        return self.data

    def __float__(self) -> float:
        raise TypeError(SILENT_NUMBER)

    __int__ = __index__ = __complex__ = __float__

    def __round__(self, ndigits: int | None = None):
        raise TypeError(SILENT_NUMBER)

    def __format__(self, spec: str) -> str:
        """``f"{x:.3f}"`` formats ``x.data`` (as PyTorch does for a one-number tensor); no spec: repr."""
        return format(self.data, spec) if spec else str(self)

    def __lt__(self, other):
        return self.data < data_of(other)

    def __le__(self, other):
        return self.data <= data_of(other)

    def __gt__(self, other):
        return self.data > data_of(other)

    def __ge__(self, other):
        return self.data >= data_of(other)

    def zero_grad(self) -> None:
        """Set ``grad = 0.0`` on every node of the graph that ends in this one."""
        graph.zero_grad(graph.topological_order(self))

    def detach(self):
        """A new leaf with the same data, cut off from this graph (no gradient flows back)."""
        return type(self)(self.data, label=self.label)


def data_of(x) -> float:
    """A Value's data, or x itself (a plain number)."""
    return x.data if isinstance(x, Node) else x
