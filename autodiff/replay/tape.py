"""Recording a graph as a tape: one entry per node, in topological order (``graph.merged_order``), read
from the record every tool reads (``v.operands``, ``v.row``, ``v.rule``, ``v.parents``, ``v.partners``)
and keeping only what a replay needs. No Value is kept but the params.

An operand is an ``int`` (the index of an earlier entry) or a ``float`` (a number the node recorded in
its place: the 3 of ``x * 3``, the 2 of ``2 - x``, a sum's constants, a dot's plain weights and bias).
The row's forward on the operands' numbers is the node's value, bitwise: nothing is re-derived from
the recorded total.
"""

from __future__ import annotations

from typing import NamedTuple

from ..engine import Value
from ..graph import merged_order
from ..rules import Binary, Nary, Row, Unary

INPUT, PARAM, NODE = "input", "param", "node"  # an entry's kind (never an operation's name)


class Entry(NamedTuple):
    """One node. ``kind``: INPUT (given at each replay), PARAM (a leaf read live) or NODE. ``rule``:
    the rules row's key (for messages only: no name reaches the code); ``row``: that row as it was
    when the node was made. ``args``: the operands in the row's order (unary 1, binary 2, sum its
    terms, dot w₀, x₀, w₁, x₁, … and its bias last). ``edges``: (parent index, local) in the order the
    backward visits the parents; the local is the operand's position for a unary or binary row, the
    partner (an index or a number: 1.0 for a sum's term or a bias) for an n-ary one. ``slot``: a
    leaf's position among the inputs or params."""

    kind: str
    rule: str = ""
    row: Row | None = None
    args: tuple = ()
    edges: tuple = ()
    slot: int = -1


class Tape(NamedTuple):
    entries: list[Entry]
    outputs: list[int]  # the entries the recorded roots are
    params: list[Value]  # the leaves read live at each replay, in slot order
    values: list[Value] | None = None  # every recorded Value in entry order, when asked to keep them


class RecordError(ValueError):
    """The graph cannot be compiled as asked (an unknown operation, a wrong leaf set)."""


def record(roots: list[Value], inputs: list[Value], params: list[Value] | None, keep: bool = False) -> Tape:
    """The tape of the graph that ends in ``roots``. ``inputs`` become x0, x1, … (given at each
    replay); every other leaf is a param (its ``.data`` read at each replay, its ``.grad`` added
    to by ``__call__``/``backward``), in graph order unless ``params`` fixes the list. ``keep``: the
    tape holds the recorded Values too (``values``: the numpy plan names the nodes each group covers)."""
    for i, r in enumerate(roots):
        if not isinstance(r, Value):
            raise RecordError(f"output {i} is a {type(r).__name__}, not a Value")
    slot_of = _leaf_slots(inputs, "inputs")
    index: dict[int, int] = {}
    entries: list[Entry] = []
    found: list[Value] = []
    order = merged_order(roots)
    for v in order:
        index[id(v)] = k = len(entries)
        if v.is_leaf:
            if id(v) in slot_of:
                entries.append(Entry(INPUT, slot=slot_of[id(v)]))
            else:
                entries.append(Entry(PARAM, slot=len(found)))
                found.append(v)
        else:
            entries.append(_entry(v, index, k))
    if params is not None:
        found = _reorder(entries, found, params, slot_of)
    return Tape(entries, [index[id(r)] for r in roots], found, order if keep else None)


def _entry(v: Value, index: dict[int, int], k: int) -> Entry:
    """A node's entry, from its record."""
    row = v.row
    if not isinstance(row, (Unary, Binary, Nary)):
        raise RecordError(f"node {k}: operation {v.op!r} has no row in autodiff.RULES")
    operands, parents = v.operands, v.parents
    args = tuple(index[id(o)] if type(o) is Value or isinstance(o, Value) else float(o) for o in operands)
    if isinstance(row, Nary):  # a dot's partners, or a sum's locals (the constant 1.0)
        partners = v.partners or v.local_grads
        edges = tuple((index[id(p)], index[id(q)] if type(q) is Value or isinstance(q, Value) else float(q))
                      for p, q in zip(parents, partners))  # fmt: skip
        return Entry(NODE, v.rule, row, args, edges)
    positions = [i for i, o in enumerate(operands) if isinstance(o, Value)]
    if len(operands) != (1 if isinstance(row, Unary) else 2) or [operands[i] for i in positions] != list(parents):
        raise RecordError(f"node {k}: operation {v.op!r} has {len(operands)} operand(s), its row another count")
    return Entry(NODE, v.rule, row, args, tuple((args[i], i) for i in positions))


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
        if e.kind == PARAM:
            entries[k] = e._replace(slot=new_slot[e.slot])
    return list(params)
