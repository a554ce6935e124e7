"""Walking a graph of Values: the topological order and the backward pass.

Works on the node layout of ``engine.Value`` (``_a, _da, _b, _db``) and imports nothing from it
(the engine imports this module): ``Value`` below is that layout, described as a protocol.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import attrgetter
from typing import Any, Protocol


class Value(Protocol):
    """A node as ``engine.Value`` lays it out (see its docstring)."""

    grad: Any
    _a: Value | None
    _da: Any
    _b: Value | tuple[Value, ...] | None
    _db: Any

_get_grad = attrgetter("grad")


def topological_order(root: Value) -> list[Value]:
    """Every node that ``root`` depends on, each after all of its parents (root last).

    Iterative depth-first search, so depth is limited by memory, not by Python's recursion
    limit. Parents are pushed one at a time: a node is emitted only once all its parents
    have been, and a parent can never be waiting lower on the stack (the graph is acyclic).
    """
    order: list[Value] = []
    seen = {root}
    stack = [root]
    nary_next: dict[Value, int] = {}  # how far through an n-ary node's parents we are
    push, pop, mark, emit, all_seen = stack.append, stack.pop, seen.add, order.append, seen.issuperset
    while stack:
        v = stack[-1]
        a = v._a
        if a is not None:
            if a not in seen:
                mark(a)
                push(a)
                continue
            b = v._b
            if b is not None and b not in seen:
                mark(b)
                push(b)
                continue
        elif v._b is not None:
            parents = v._b
            i = nary_next.get(v, -1)
            if i >= 0 or not all_seen(parents):  # (on a first visit, the common case is checked in C)
                n = len(parents)
                i = i if i > 0 else 0
                while i < n and parents[i] in seen:
                    i += 1
                if i < n:
                    nary_next[v] = i + 1
                    mark(parents[i])
                    push(parents[i])
                    continue
        pop()
        emit(v)
    return order


def backpropagate(root: Value, grad: float, order: list[Value] | None = None) -> None:
    """The chain rule over the graph ending in ``root``: walking the order backwards, each node
    adds upstream × local to each parent's grad. This pass's gradient is added to whatever the
    nodes already held (accumulation, as PyTorch)."""
    if order is None:
        order = topological_order(root)
    saved = None
    if any(map(_get_grad, order)):
        # Grads left from earlier passes: run this pass from zero, then add the old ones back,
        # so that a node's upstream is this pass's gradient alone.
        saved = [v.grad for v in order]
        zero_grad(order)
    root.grad = grad
    for v in reversed(order):
        g = v.grad
        a = v._a
        if a is not None:
            a.grad += g * v._da
            b = v._b
            if b is not None:
                b.grad += g * v._db
        elif g:  # an n-ary node (sum, dot) with no upstream adds exactly 0 to each parent: skip it
            parents = v._b
            if parents is not None:
                for p, local in zip(parents, v._db):
                    p.grad += g * local
    if saved is not None:
        for v, old in zip(order, saved):
            v.grad = old + v.grad


def zero_grad(values: Iterable[Value]) -> None:
    """Set ``grad = 0.0`` on each of the given Values (a model's parameters, or a whole order)."""
    for v in values:
        v.grad = 0.0
