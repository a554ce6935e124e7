"""Recording a graph as a tape: one entry per node, in topological order, that keeps only what a
replay needs (the operation, which earlier entries or numbers it reads, and in what order the
backward pass visits its parents). No Value is kept but the leaves.

An operand is an ``int`` (the index of an earlier entry) or a ``float`` (a constant the node
recorded: the ``3`` of ``x * 3``). Reflected nodes ("rsub", "rdiv", "rpow": the Value in ``_a``,
the number in ``_db``) are stored as their row with the number first: ``2 - x`` is ``sub(2.0, x)``.
"""

from __future__ import annotations

from typing import NamedTuple

from ..engine import Value
from ..graph import topological_order
from ..rules import RULES, Binary, Unary

REFLECTED = {"rsub": "sub", "rdiv": "div", "rpow": "pow"}


class Entry(NamedTuple):
    """One node. ``op`` is a RULES key, or "x" (input leaf), "p" (param leaf). ``args``: the
    operands in the row's order (unary: 1, binary: 2; sum: the terms; dot: the products as pairs).
    ``edges``: (parent index, local) in the order the eager backward visits them, the local being an
    operand ("partner") for dot, None otherwise. ``offset``: the plain numbers folded into a
    sum/dot total. ``slot``: the leaf's position among the inputs or params."""

    op: str
    args: tuple = ()
    edges: tuple = ()
    offset: float = 0.0
    slot: int = -1


class Tape(NamedTuple):
    entries: list[Entry]
    outputs: list[int]  # the entries the recorded roots are
    params: list[Value]  # the leaves read live at each replay, in slot order


class RecordError(ValueError):
    """The graph cannot be compiled as asked (an unknown operation, a wrong leaf set)."""


def record(roots: list[Value], inputs: list[Value], params: list[Value] | None) -> Tape:
    """The tape of the graph that ends in ``roots``. ``inputs`` become x0, x1, … (given at each
    replay); every other leaf is a param (its ``.data`` read at each replay, its ``.grad`` added
    to by ``__call__``/``backward``), in graph order unless ``params`` fixes the list."""
    for i, r in enumerate(roots):
        if not isinstance(r, Value):
            raise RecordError(f"output {i} is a {type(r).__name__}, not a Value")
    slot_of = _leaf_slots(inputs, "inputs")
    index: dict[int, int] = {}
    entries: list[Entry] = []
    datas: list[float] = []
    found: list[Value] = []
    for v in _order(roots):
        index[id(v)] = k = len(entries)
        datas.append(v.data)
        if v._a is None and v._b is None:
            if id(v) in slot_of:
                entries.append(Entry("x", slot=slot_of[id(v)]))
            else:
                entries.append(Entry("p", slot=len(found)))
                found.append(v)
        else:
            entries.append(_entry(v, index, datas, k))
    if params is not None:
        found = _reorder(entries, found, params, slot_of)
    return Tape(entries, [index[id(r)] for r in roots], found)


def _leaf_slots(leaves: list[Value], what: str) -> dict[int, int]:
    slots: dict[int, int] = {}
    for i, v in enumerate(leaves):
        if not isinstance(v, Value):
            raise RecordError(f"{what}[{i}] is a {type(v).__name__}, not a Value")
        if not v.is_leaf:
            raise RecordError(f"{what}[{i}] is not a leaf (it was made by {v.op!r}); list the Values you create")
        if id(v) in slots:
            raise RecordError(f"{what}[{i}] is the same Value as {what}[{slots[id(v)]}]")
        slots[id(v)] = i
    return slots


def _reorder(entries: list[Entry], found: list[Value], params: list[Value], inputs: dict[int, int]) -> list[Value]:
    """Check that ``params`` lists exactly the graph's other leaves (any order, unused ones allowed)
    and renumber the param entries to their place in it."""
    slots = _leaf_slots(list(params), "params")
    for v in params:
        if id(v) in inputs:
            raise RecordError(f"params[{slots[id(v)]}] is also one of the inputs")
    missing = [i for i, v in enumerate(found) if id(v) not in slots]
    if missing:
        raise RecordError(
            f"the graph has {len(missing)} leaf/leaves that are neither inputs nor params (the first with "
            f"data {found[missing[0]].data!r}); list every leaf, or leave params out to read them all live"
        )
    new_slot = {j: slots[id(v)] for j, v in enumerate(found)}
    for k, e in enumerate(entries):
        if e.op == "p":
            entries[k] = e._replace(slot=new_slot[e.slot])
    return list(params)


def _order(roots: list[Value]) -> list[Value]:
    """Every node the roots depend on, parents first (one pass, through a stand-in n-ary node)."""
    if len(roots) == 1:
        return topological_order(roots[0])
    top = Value(0.0)
    top._b = tuple(roots)
    top._db = (1.0,) * len(roots)
    return topological_order(top)[:-1]


def _entry(v: Value, index: dict[int, int], datas: list[float], k: int) -> Entry:
    op, a, b = v.op, v._a, v._b
    if a is None:  # n-ary
        if op == "sum":
            terms = tuple(index[id(p)] for p in b)
            total = 0.0
            for t in terms:
                total += datas[t]
            return Entry(op, terms, tuple((t, None) for t in terms), v.data - total)
        if op == "dot":
            return _dot_entry(v, index, datas)
        raise RecordError(f"node {k}: an n-ary operation {op!r} the compiler does not know (only sum and dot)")
    base = REFLECTED.get(op, op)
    if op in RULES:  # a row of its own (also a user row named like a reflected one)
        base = op
    row = RULES.get(base)
    if not isinstance(row, (Unary, Binary)):
        raise RecordError(f"node {k}: operation {op!r} has no row in autodiff.RULES")
    ia = index[id(a)]
    if b is not None:
        args = (ia, index[id(b)])
    elif v._db is None:
        args = (ia,)
    elif base != op:  # reflected: the number is the row's first operand
        args = (float(v._db), ia)
    else:
        args = (ia, float(v._db))
    if isinstance(row, Unary) != (len(args) == 1):
        raise RecordError(f"node {k}: operation {op!r} has {len(args)} operand(s), its row another count")
    return Entry(base, args, tuple((x, None) for x in args if type(x) is int))


def _dot_entry(v: Value, index: dict[int, int], datas: list[float]) -> Entry:
    """Σ wᵢxᵢ from what a dot node records: each parent with its partner; a product of two Values
    is listed twice (once from each side) and is summed once. The plain-number products folded
    into the total (and a plain bias) are the offset."""
    pending: dict = {}  # (parent, partner) pairs of two Values seen once so far
    pairs, edges = [], []
    total = 0.0
    for p, partner in zip(v._b, v._da):
        ip = index[id(p)]
        if type(partner) is float:
            edges.append((ip, partner))
            pairs.append((ip, partner))
            total += datas[ip] * partner
            continue
        other = index[id(partner)] if isinstance(partner, Value) else float(partner)
        edges.append((ip, other))
        if type(other) is int:
            if pending.get((other, ip)):
                pending[(other, ip)] -= 1
                continue
            pending[(ip, other)] = pending.get((ip, other), 0) + 1
        pairs.append((ip, other))
        total += datas[ip] * (datas[other] if type(other) is int else other)
    return Entry("dot", tuple(pairs), tuple(edges), v.data - total)
