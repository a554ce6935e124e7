"""The walk: the topological order and the backward pass, once for every tool.

``walk`` is the chain rule, upstream × local accumulated over every path in reverse topological order:
``autodiff.grad``, ``create_graph`` (with Value locals, ``higher.py``), ``detect_anomaly``, the traces, the
page, ``check_backward``'s engine side and the replay's recorder all run it. ``backward()`` runs
``_propagate``, the same walk written out on ``.grad`` for speed (the engine's one hand-written pass:
``tests/test_record_and_walk.py`` holds it bitwise to ``walk``). ``forward.py`` has the one forward-mode walk.

Works on the node layout of ``engine.Value`` (``_a, _da, _b, _db``) and imports nothing from it
(the engine imports this module): ``Value`` below is that layout, described as a protocol.
"""

from __future__ import annotations

import copy
import copyreg
import threading
from collections.abc import Iterable
from operator import attrgetter, countOf
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


def backpropagate(root: Value, grad: float, order: list[Value] | None = None, anomaly=None) -> None:
    """The chain rule over the graph ending in ``root``: walking the order backwards, each node
    adds upstream × local to each parent's grad. This pass's gradient is added to whatever the
    nodes already held (accumulation, as PyTorch). With ``anomaly`` (a ``detect_anomaly`` record)
    every new gradient is checked, and the first that is not finite raises through
    ``anomaly.fail(...)`` with every grad put back as it was."""
    if order is None:
        order = topological_order(root)
    elif type(order) is not list or not order or order[-1] is not root:
        what = f"got a {type(order).__name__}" if type(order) is not list else (
            "it is empty" if not order else "its last node is not this root")  # fmt: skip
        raise ValueError(f"backward(order=...) needs topological_order(root), the list that ends in this root: {what}")
    if anomaly is not None:  # the pass in a dict first: a failure leaves every grad as it was
        found = gradients(root, grad, order, anomaly=anomaly)
        for v in order:
            v.grad = found[v] if v.grad is None else v.grad + found[v]
        return
    saved = None
    if countOf(map(_get_grad, order), 0.0) != len(order):
        # Grads left from earlier passes (or set to None, torch's "no gradient yet"): run this pass
        # from zero, then add the old ones back, so that a node's upstream is this pass's gradient alone.
        saved = [v.grad for v in order]
        zero_grad(order)
    root.grad = grad
    _propagate(order)
    if saved is not None:
        for v, old in zip(order, saved):
            v.grad = v.grad if old is None else old + v.grad


def _propagate(order: list[Value]) -> None:
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


def edges(v: Value) -> list[tuple[Value, float]]:
    """(parent, ∂v/∂parent) for each parent of ``v``, in the order it records them."""
    a = v._a
    if a is not None:
        return [(a, v._da)] if v._b is None else [(a, v._da), (v._b, v._db)]
    return list(zip(v._b, v._db)) if v._b is not None else []


def walk(order: list[Value], grads: dict, edges_of=edges, step=None) -> dict:
    """The chain rule over ``order`` (every node after its parents), from the gradients in ``grads``
    (the roots' seeds; ``dict.fromkeys(order, 0.0)`` with them for floats): for each node from the
    last back, each (parent, local) of ``edges_of(node)`` adds upstream × local to the parent's entry
    (a local of exactly 1.0 passes the upstream on: the same float, no new Value). A node without an
    entry was not reached and passes nothing. ``step(v, i, p, g, local, before, after)``, when given,
    sees every addition (traces, anomaly checks) and may raise to stop. Returns ``grads``."""
    get = grads.get
    for v in reversed(order):
        g = get(v)
        if g is None:
            continue
        for i, (p, local) in enumerate(edges_of(v)):
            c = g if (type(local) is float and local == 1.0) else g * local
            old = get(p)
            new = c if old is None else old + c
            if step is not None:
                step(v, i, p, g, local, old, new)
            grads[p] = new
    return grads


def gradients(root: Value, grad: float = 1.0, order: list[Value] | None = None, *,
              seeds: Iterable[tuple[Value, float]] | None = None, anomaly=None) -> dict[Value, float]:  # fmt: skip
    """{v: grad · ∂root/∂v} for every node v of ``root``'s graph: the backward pass from zero in a
    dict, touching no ``.grad`` (what the tools show); bitwise what ``root.backward(grad)`` leaves on
    a fresh graph. ``seeds``: (root, seed) pairs of several roots instead (``order`` then covers them
    all), their gradients summed in one pass (``autodiff.grad``). With ``anomaly`` (a
    ``detect_anomaly`` record) the first gradient that is not finite raises through ``anomaly.fail``."""
    order = topological_order(root) if order is None else order
    grads = dict.fromkeys(order, 0.0)
    if seeds is None:
        grads[root] = grad
    else:
        for o, s in seeds:
            grads[o] += s
    return walk(order, grads, step=None if anomaly is None else _finite_or(anomaly))


def _finite_or(anomaly):
    """A ``walk`` step that stops at the first gradient that is NaN or infinite."""

    def step(v, i, p, g, local, before, after):
        if after - after != 0.0:
            anomaly.fail(v, i, p, g, local, after)

    return step


class _Roots:
    """A stand-in with the layout of an n-ary node whose parents are the given roots."""

    __slots__ = ("_a", "_b", "_da", "_db")

    def __init__(self, roots: tuple) -> None:
        self._a, self._b, self._da, self._db = None, roots, None, None


def merged_order(roots) -> list:
    """One topological order for several roots (their nodes once each, every node after its
    parents): ``topological_order`` of a stand-in node whose parents are the roots, without it."""
    roots = list(roots)
    if len(roots) == 1:
        return topological_order(roots[0])
    return topological_order(_Roots(tuple(roots)))[:-1]


def zero_grad(values: Iterable[Value]) -> None:
    """Set ``grad = 0.0`` on each of the given Values (a model's parameters, or a whole order)."""
    for v in values:
        v.grad = 0.0


# ---- copy, deepcopy and pickle: iterative (any depth works), shared nodes stay shared ---------------
_FIELDS = ("data", "grad", "label", "op", "_a", "_da", "_b", "_db")


def copy_node(v: Value) -> Value:
    """``copy.copy``: a new node with the same data, grad and label, sharing the same parents."""
    c = type(v).__new__(type(v))
    for name in _FIELDS:
        setattr(c, name, getattr(v, name))
    scope = getattr(v, "_scope", None)
    if scope is not None:
        c._scope = scope
    return c


def deepcopy_node(v: Value, memo: dict) -> Value:
    """``copy.deepcopy``: every node behind ``v`` copied once, in topological order (no recursion),
    each looked up in ``memo`` first, so nodes shared with other copied objects stay shared."""
    cls = type(v)
    for u in topological_order(v):
        if id(u) in memo:
            continue
        c = memo[id(u)] = cls.__new__(cls)
        c.data, c.label, c.op = u.data, u.label, u.op
        c.grad = u.grad if type(u.grad) is float else copy.deepcopy(u.grad, memo)
        c._a, c._da, c._b, c._db = (_copied(x, memo) for x in (u._a, u._da, u._b, u._db))
        scope = getattr(u, "_scope", None)
        if scope is not None:
            c._scope = scope
    return memo[id(v)]


def _copied(x, memo: dict):
    if x is None or type(x) is float:
        return x
    if type(x) is tuple:
        return tuple(_copied(y, memo) for y in x)
    return memo[id(x)] if id(x) in memo else copy.deepcopy(x, memo)


class _Scheduled(threading.local):
    def __init__(self) -> None:
        self.ids: set[int] = set()  # nodes listed at the head of a state being pickled now


_scheduled = _Scheduled()


def reduce_node(v: Value, protocol: int = 2):
    """``pickle``: the first node pickled lists, at the head of its state, every node it depends on
    in topological order; pickle saves those one at a time, each after its parents, so its own
    recursion stays shallow at any depth, and its memo keeps shared nodes shared (also with other
    objects pickled alongside). A node so listed is then saved with its fields alone."""
    ids = _scheduled.ids
    if id(v) in ids:
        ids.discard(id(v))
        prefix = None
    else:
        prefix = topological_order(v)[:-1]
        _scheduled.ids = set(map(id, prefix))
    state = (prefix or None, *(getattr(v, name) for name in _FIELDS), getattr(v, "_scope", None))
    return copyreg.__newobj__, (type(v),), state


def set_node_state(v: Value, state: tuple) -> None:
    """Unpickling: fill a node from ``reduce_node``'s state (its head, the listed nodes, is
    already restored by then)."""
    _, v.data, v.grad, v.label, v.op, v._a, v._da, v._b, v._db, scope = state
    if scope is not None:
        v._scope = scope
