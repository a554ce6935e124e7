"""Higher-order gradients: the backward pass with ``create_graph=True``, every gradient a Value.

The same chain rule as ``graph.backpropagate``, upstream × local, accumulated over every path, but
each local derivative is a Value: the node's ``rules.py`` row evaluated on its parents and on the
node itself as ``out`` (no second copy of any rule). A row whose derivative is a constant (relu's
``step``, abs's ``sign``, max's ½ on a tie, ∂(x·3)/∂x = 3) is a number, the one the node recorded,
so relu'' = 0 as in PyTorch. The gradients then form a graph of their own, and ``.grad.backward()``
differentiates again.

Imports nothing that imports the engine (``Value.backward`` calls in here): new Values come from
operations on the graph's own nodes, and grad mode is switched on for this thread through the
engine's per-thread mode record that ``backward`` hands over (as PyTorch builds the graph of a
``create_graph`` backward even under ``no_grad``).
"""

from __future__ import annotations

from collections.abc import Sequence

from .graph import edges, topological_order
from .rules import RULES, Unary

REFLECTED = {"rsub": "sub", "rdiv": "div", "rpow": "pow"}  # a plain number on the left: 2 - x, 1 / x
_FAILURES = (ArithmeticError, ValueError)  # what an operation on Values raises (overflow, domain)


def value_locals(v) -> list[tuple[object, object]]:
    """(parent, ∂v/∂parent) for each parent of ``v``, the derivative a Value built by ``v``'s row
    (or the recorded number where the row gives a constant)."""
    op, a, b = v.op, v._a, v._b
    if a is None:
        if b is None:
            return []
        if op == "dot":  # ∂(Σ wᵢxᵢ)/∂wᵢ = xᵢ: the partner each parent was multiplied by
            return list(zip(b, v._da))
        if op == "sum":
            return list(zip(b, v._db))
        raise TypeError(f"create_graph: no rule for the n-ary operation {op!r}")
    row = RULES.get(op)
    if row is None and op in REFLECTED:  # c op x: x is the row's second input
        local = RULES[REFLECTED[op]].local_b(v._db, a, v)
        return [(a, local if not _constant(local) else v._da)]
    if row is None or not hasattr(row, "forward"):
        raise TypeError(f"create_graph: the node's operation {op!r} has no row in autodiff.RULES")
    if isinstance(row, Unary):
        local = row.local(a, v)
        return [(a, local if not _constant(local) else v._da)]
    second = v._db if b is None else b  # x * 3: the constant 3 is the row's second input
    da = row.local_a(a, second, v)
    pairs = [(a, da if not _constant(da) else v._da)]
    if b is not None:
        db = row.local_b(a, b, v)
        pairs.append((b, db if not _constant(db) else v._db))
    return pairs


def _constant(x) -> bool:
    return isinstance(x, (int, float))


def merged_order(roots: Sequence) -> list:
    """One topological order for several roots (their nodes once each, every node after its
    parents): ``topological_order`` of a stand-in node whose parents are the roots, without it."""
    if len(roots) == 1:
        return topological_order(roots[0])
    return topological_order(_Roots(tuple(roots)))[:-1]


class _Roots:
    """A stand-in with the node layout of an n-ary node whose parents are the given roots."""

    __slots__ = ("_a", "_b", "_da", "_db")

    def __init__(self, roots: tuple) -> None:
        self._a, self._b, self._da, self._db = None, roots, None, None


def value_gradients(order: list, seeds: dict, anomaly=None) -> dict:
    """{v: Σ over paths of seed × ∂root/∂v, as a Value} for the nodes of ``order`` that the seeded
    roots reach; ``_propagate`` with Values (a local of exactly 1 passes the upstream on, as
    PyTorch's add does). Writes no ``.grad``. Under ``detect_anomaly`` a failing step raises the
    anomaly's error naming the node."""
    grads = dict(seeds)
    for v in reversed(order):
        g = grads.get(v)
        if g is None:
            continue
        try:
            pairs = value_locals(v)
        except _FAILURES as err:
            _failed(v, g, grads, anomaly, err)
        for i, (p, local) in enumerate(pairs):
            old = grads.get(p)
            try:
                c = g if (type(local) is float and local == 1.0) else g * local
                grads[p] = c if old is None else old + c
            except _FAILURES as err:
                _failed(v, g, grads, anomaly, err, i)
    return grads


def _failed(v, g, grads: dict, anomaly, err: Exception, at: int = 0) -> None:
    """A local derivative or a contribution that could not be built (not finite): under
    ``detect_anomaly`` its error names the node, else the engine's error says which operation."""
    if anomaly is not None:
        p, local = edges(v)[at]  # (the recorded float local, for the message)
        before = grads[p].data if p in grads else 0.0
        anomaly.fail(v, at, p, g.data, local, before + g.data * local)
    what = f"the {v.op} node" + (f" {v.label!r}" if v.label else "")
    raise type(err)(f"backward(create_graph=True): {what} at its inputs "
                    f"({', '.join(repr(p.data) for p, _ in edges(v))}): {err}") from err  # fmt: skip


def backpropagate_graph(root, seed: float, order: list | None, mode) -> None:
    """``root.backward(seed, create_graph=True)``: every node's ``.grad`` gets ∂root/∂node · seed
    as a Value, added to what it held (``old + new``, a Value too, as PyTorch accumulates). Nothing is
    written when the pass fails. ``mode`` is the engine's record of this thread's modes."""
    if order is None:
        order = topological_order(root)
    elif type(order) is not list or not order or order[-1] is not root:
        raise ValueError("backward(order=...) needs topological_order(root), the list that ends in this root")
    with grad_on(mode):
        grads = value_gradients(order, {root: type(root)(seed)}, mode.anomaly)
        for v in order:
            g = grads.get(v)
            if g is not None:
                old = v.grad
                v.grad = g if (old is None or (type(old) is float and old == 0.0)) else old + g  # None: no grad yet


class grad_on:
    """Grad mode on in this thread for a block (``mode`` is ``engine._mode``): the engine keeps a
    node whenever its thread's ``mode.grad`` is True, whatever the fast-path switch says."""

    def __init__(self, mode) -> None:
        self.mode = mode

    def __enter__(self) -> None:
        self.before = self.mode.grad
        self.mode.grad = True

    def __exit__(self, *exc) -> None:
        self.mode.grad = self.before
