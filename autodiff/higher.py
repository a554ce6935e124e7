"""Higher-order gradients: the backward pass with ``create_graph=True``, every gradient a Value.

The one walk (``graph.walk``), upstream × local accumulated over every path, with each local
derivative a Value: the row the node recorded, evaluated on its operands and on the node itself as
``out`` (no second copy of any rule). A kink's choice (relu's ``step``, abs's ``sign``, max's
``above``) is a node of its own whose derivative is 0, so relu'' = 0 as in PyTorch and a compiled
replay of the gradient takes the side of its own numbers; a derivative that is a constant
(∂(x·3)/∂x = 3) is the number the node recorded. The gradients form a graph of their own, and
``.grad.backward()`` differentiates again.

Imports nothing that imports the engine (``Value.backward`` calls in here): new Values come from
operations on the graph's own nodes, and grad mode is switched on for this thread through the
engine's per-thread mode record that ``backward`` hands over (as PyTorch builds the graph of a
``create_graph`` backward even under ``no_grad``).
"""

from __future__ import annotations

from .graph import topological_order, walk
from .node import Node
from .rules import Nary, Unary

_FAILURES = (ArithmeticError, ValueError)  # what an operation on Values raises (overflow, domain)


def value_locals(v, needed=None) -> list[tuple[object, object]]:
    """(parent, ∂v/∂parent) for each parent of ``v`` (those in ``needed``, when given), read from its
    record: the node's own row evaluated on its operands and on ``v`` as ``out``, a Value (or the
    recorded number where the row gives a constant)."""
    row, parents, recorded = v.row, v.parents, v.local_grads
    if not parents:
        return []
    if row is None or not hasattr(row, "forward"):
        raise TypeError(f"create_graph: the node's operation {v.op!r} has no row in autodiff.RULES")
    if isinstance(row, Nary):  # sum: 1; dot: each parent's partner
        locals_ = v.partners if v.rule == "dot" else recorded
        return [(p, local) for p, local in zip(parents, locals_) if needed is None or p in needed]
    operands = v.operands
    if isinstance(row, Unary):
        rules = (row.local,)
    else:
        rules = (row.local_a, row.local_b)
    pairs, j = [], 0
    for i, x in enumerate(operands):
        if not isinstance(x, Node):  # a plain-number operand: no parent
            continue
        if needed is None or x in needed:
            local = rules[i](*operands, v)
            if isinstance(local, (int, float)):
                local = recorded[j]
                if local - local != 0.0:  # √x at 0: a Value holds finite numbers only
                    raise ZeroDivisionError(f"the local derivative towards operand {i + 1} is {local!r}")
            pairs.append((x, local))
        j += 1
    return pairs


def reaching(order: list, inputs) -> set:
    """The nodes of ``order`` from which some of ``inputs`` can be reached (through parents): the
    only ones a gradient towards ``inputs`` passes through."""
    found = set(inputs)
    for v in order:
        if v not in found and any(p in found for p in v.parents):
            found.add(v)
    return found


def value_gradients(order: list, seeds: dict, anomaly=None, inputs=None) -> dict:
    """{v: Σ over paths of seed × ∂root/∂v, as a Value} for the nodes of ``order`` that the seeded
    roots reach (only along paths to ``inputs``, when given, as PyTorch computes only what is asked):
    ``graph.walk`` with Value locals. Writes no ``.grad``. A step that cannot be built (not finite)
    raises the engine's error naming the node, or the anomaly's under ``detect_anomaly``."""
    needed = None if inputs is None else reaching(order, inputs)
    grads = dict(seeds)
    at = [None]  # the node whose locals the walk is using

    def locals_of(v):
        at[0] = v
        return value_locals(v, needed) if needed is None or v in needed else []

    try:
        return walk(order, grads, locals_of)
    except _FAILURES as err:
        if at[0] is None:
            raise
        raise _failed(at[0], grads.get(at[0]), anomaly, err) from err


def _failed(v, g, anomaly, err: Exception) -> Exception:
    """The error for a local derivative or a contribution that could not be built (not finite):
    under ``detect_anomaly`` the anomaly's, naming the node; else the engine's, saying which operation."""
    if anomaly is not None:
        gd = getattr(g, "data", 0.0)
        at = next((i for i, local in enumerate(v.local_grads) if (gd * local) - (gd * local) != 0.0), 0)
        local = v.local_grads[at]
        anomaly.fail(v, at, v.parents[at], gd, local, gd * local)
    what = f"the {v.op} node" + (f" {v.label!r}" if v.label else "")
    return type(err)(f"backward(create_graph=True): {what} at its inputs "
                     f"({', '.join(repr(p.data) for p in v.parents)}): {err}")  # fmt: skip


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
