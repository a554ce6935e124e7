"""The batched plan of a tape: the scalar graph as a few array operations.

Nodes are grouped by (longest-path level, operation, the row itself, which operands are nodes and which
plain numbers): a group's nodes depend only on earlier levels, so each group is one array operation
forward and one backward. Every number lives in one flat array ``V`` (its gradient in ``G``, laid out
alike): the inputs first (``x``), then the params (``p``), then each group's outputs as one contiguous
run, in the order that makes the next groups' reads contiguous too (a group's nodes sorted by where
their operands are). A group of dot nodes whose weight rows and input rows form a full grid (every
weight row meets every input row once: a layer on a batch) is a matrix product ``X @ W.T``; other
dots are row-wise; a sum is a row sum; a row without an array form (a user's operation) is a group
that calls the row's own functions node by node (kind ``"python"``).

Each operand of a group is a block of positions in ``V``; ``Ref`` decides once how it is read (a view
when the positions are an affine grid, else a gather into a buffer) and how gradients go back (into a
view, summed over repeated axes; by fancy index where the positions are distinct; by ``np.bincount``
where they repeat). Nothing is decided per call.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..custom import BUILT_IN
from ..rules import RULES, Nary, _dot, _sum
from .tape import INPUT, NODE, PARAM, RecordError, Tape

ELEMENTWISE, MATMUL, PYTHON = "elementwise", "matmul", "python"
BUILT_IN_ROWS = {name: row for name, row in RULES.items() if name in BUILT_IN}


class Ref(NamedTuple):
    """An operand block: positions in V (``idx``, any shape), or one number for every node
    (``scalar``: a plain number the same in each node of the group). ``grad``: gradients go back to
    it in the step (params) / in backward (params and inputs)."""

    idx: np.ndarray | None
    scalar: float | None = None
    grad_step: bool = False
    grad_all: bool = False


class Group:
    """One batched operation. Public: ``index``, ``level``, ``op`` (the rule's name, or "matmul"),
    ``kind`` ("matmul" | "elementwise" | "python"), ``size``, ``nodes`` (the recorded Values it covers,
    in tape order), ``entries`` (their tape indices, in the order the group lays them out), ``span``
    (its run of positions in V) and ``shape`` (its output's array shape)."""

    def __init__(self, index: int, level: int, rule: str, row, kind: str, entries: list[int]) -> None:
        self.index, self.level, self.rule, self.row, self.kind = index, level, rule, row, kind
        self.op = "matmul" if kind == MATMUL else rule
        self.entries = entries
        self.size = len(entries)
        self.nodes: tuple = ()
        self.refs: dict[str, Ref] = {}  # "a", "b" (elementwise), "w", "x", "c" (dot), "t" (sum)
        self.span = (0, 0)
        self.shape: tuple[int, ...] = (len(entries),)
        self.dims: tuple[int, ...] = ()  # matmul: (rows, weight rows, K)
        self.padded = False  # sums or dots of several lengths, the shorter rows padded with zeros

    def __repr__(self) -> str:
        return f"<Group {self.index}: level {self.level}, {self.kind} {self.op}, {self.size} node(s)>"


class Plan:
    """The groups in execution order and the layout of V: the inputs in slot order, then the params
    (``param_cells[j]``: param j's cell; ``param_order``: the slots in cell order), then the groups'
    outputs and the constants. ``group_of(v)``: a recorded Value's group index (None for an input or
    a param, or a Value not in the graph)."""

    def __init__(self, tape: Tape, n_inputs: int) -> None:
        self.n_inputs, self.n_params = n_inputs, len(tape.params)
        entries = tape.entries
        self.pos = [-1] * len(entries)  # a param's cell is taken where a group first reads it (see _item)
        for k, e in enumerate(entries):
            if e.kind == INPUT:
                self.pos[k] = e.slot
        self.size = n_inputs + self.n_params  # V: inputs, then the params (in the order groups first read them)
        self._next_param = n_inputs
        self.consts: list[tuple[int, float]] = []  # (position, number): V's constant cells, set once
        self._const_at: dict[str, int] = {}
        self.need_p, self.need_x = _needs(tape)
        self._tape_entries = entries
        self.groups = [self._place(i, g) for i, g in enumerate(_grouped(tape))]
        self.outputs = [self._item(k) for k in tape.outputs]
        self.param_cells = [-1] * self.n_params  # the cell of each param slot (unused ones at the end)
        for k, e in enumerate(entries):
            if e.kind == PARAM:
                self.param_cells[e.slot] = self._item(k)
        for j, c in enumerate(self.param_cells):  # a param the graph does not read: the region's end
            if c < 0:
                self.param_cells[j], self._next_param = self._next_param, self._next_param + 1
        self.param_order = sorted(range(self.n_params), key=self.param_cells.__getitem__)  # slots by cell
        self._group_of: dict[int, int] = {}
        if tape.values is not None:
            order = tape.values
            for g in self.groups:
                g.nodes = tuple(order[k] for k in sorted(g.entries))
                self._group_of.update((id(v), g.index) for v in g.nodes)

    def group_of(self, v) -> int | None:
        return self._group_of.get(id(v))

    def __repr__(self) -> str:
        return f"<autodiff numpy plan: {len(self.groups)} groups, {self.size:,} cells>"

    # ---- layout -----------------------------------------------------------------------------------------
    def _take(self, n: int) -> int:
        start, self.size = self.size, self.size + n
        return start

    def _const(self, x: float) -> int:
        key = float(x).hex()
        at = self._const_at.get(key)
        if at is None:
            at = self._const_at[key] = self._take(1)
            self.consts.append((at, float(x)))
        return at

    def _item(self, a) -> int:
        """An operand's cell: a node's or an input's; a param's, taken now if no group read it yet (so a
        layer's weights lie as its matrix); a number's, in the constants; a padding's (None), a zero
        cell of its own (a gradient added to it goes nowhere)."""
        if a is None:
            at = self._take(1)
            self.consts.append((at, 0.0))
            return at
        if type(a) is not int:
            return self._const(a)
        at = self.pos[a]
        if at < 0:
            at = self.pos[a] = self._next_param
            self._next_param += 1
        return at

    def _ref(self, items: list, shape: tuple[int, ...]) -> Ref:
        """The block of operand items (entry indices or numbers), shaped."""
        nodes = [a for a in items if type(a) is int]
        idx = np.array([self._item(a) for a in items], dtype=np.int64).reshape(shape)
        return Ref(idx, None, any(self.need_p[a] for a in nodes), any(self.need_p[a] or self.need_x[a] for a in nodes))

    def _column(self, items: list) -> Ref:
        """One operand of an elementwise group: a number the same everywhere is written as that number."""
        if all(type(a) is float for a in items) and len({a.hex() for a in items}) == 1:
            return Ref(None, items[0])
        if all(type(a) is float for a in items):
            start = self._take(len(items))
            self.consts.extend((start + i, a) for i, a in enumerate(items))
            return Ref(np.arange(start, start + len(items), dtype=np.int64))
        return self._ref(items, (len(items),))

    def _place(self, index: int, found: tuple) -> Group:
        level, rule, row, members = found
        entries, pos = self._tape_entries, self.pos
        key = lambda k: tuple(pos[a] for a in entries[k].args if type(a) is int)
        built = BUILT_IN_ROWS.get(rule) is row
        if isinstance(row, Nary) and not (built and row.forward in (_sum, _dot)):
            raise RecordError(f"node {members[0]}: an n-ary operation {rule!r} the numpy replay does not know")
        if built and row.forward is _dot:
            grid = _grid([entries[k].args for k in members], members)
            if grid is not None:
                return self._matmul(index, level, rule, row, members, grid)
        kind = ELEMENTWISE if built and (isinstance(row, Nary) or row.array) else PYTHON
        g = Group(index, level, rule, row, kind, sorted(members, key=key))
        args = [entries[k].args for k in g.entries]
        if isinstance(row, Nary) and row.forward is _dot:
            n = max(len(x) // 2 for x in args)
            g.padded = min(len(x) // 2 for x in args) < n
            g.refs["w"] = self._ref(_padded([x[0 : len(x) // 2 * 2 : 2] for x in args], n), (g.size, n))
            g.refs["x"] = self._ref(_padded([x[1 : len(x) // 2 * 2 : 2] for x in args], n), (g.size, n))
            if len(args[0]) % 2:
                g.refs["c"] = self._column([x[-1] for x in args])
            g.op = "dot"
        elif isinstance(row, Nary):
            n = max(map(len, args))
            g.refs["t"] = self._ref(_padded(args, n), (g.size, n))
            g.padded = min(map(len, args)) < n
        else:
            for j, name in enumerate("ab"[: len(args[0])]):
                g.refs[name] = self._column([x[j] for x in args]) if kind == ELEMENTWISE else \
                    self._ref([x[j] for x in args], (g.size,))  # fmt: skip
        self._settle(g)
        return g

    def _matmul(self, index, level, rule, row, members, grid) -> Group:
        """A full grid of dots: node (i, j) = x-row i · w-row j (+ its bias), laid out row-major."""
        xrows, wrows, at = grid
        entries, pos = self._tape_entries, self.pos
        sort = lambda rows: sorted(rows, key=lambda r: tuple(pos[a] if type(a) is int else a for a in r))
        xrows, wrows = sort(xrows), sort(wrows)
        g = Group(index, level, rule, row, MATMUL, [at[(x, w)] for x in xrows for w in wrows])
        k = len(wrows[0])
        g.dims, g.shape = (len(xrows), len(wrows), k), (len(xrows), len(wrows))
        g.refs["w"] = self._ref([a for r in wrows for a in r], (len(wrows), k))
        g.refs["x"] = self._ref([a for r in xrows for a in r], (len(xrows), k))
        if len(entries[members[0]].args) % 2:
            bias = [entries[e].args[-1] for e in g.entries]
            c = self._column(bias) if all(type(a) is float for a in bias) else self._ref(bias, g.shape)
            g.refs["c"] = c if c.idx is None else c._replace(idx=c.idx.reshape(g.shape))
        self._settle(g)
        return g

    def _settle(self, g: Group) -> None:
        start = self._take(g.size)
        g.span = (start, start + g.size)
        for i, k in enumerate(g.entries):
            self.pos[k] = start + i


# ---- grouping ---------------------------------------------------------------------------------------------
def _grouped(tape: Tape) -> list[tuple]:
    """(level, rule, row, member entries in tape order) per group, in execution order."""
    entries = tape.entries
    level = [0] * len(entries)
    found: dict[tuple, list[int]] = {}
    rows: dict[tuple, tuple] = {}
    for k, e in enumerate(entries):
        if e.kind != NODE:
            continue
        lv = 1 + max((level[a] for a in e.args if type(a) is int), default=0)
        level[k] = lv
        kinds = tuple(type(a) is int for a in e.args)
        if type(e.row) is Nary and all(kinds):  # sums and dots of Values alone: one group, shorter rows padded
            kinds = ("padded", len(kinds) % 2 if e.row.forward is _dot else 0)
        key = (lv, e.rule, id(e.row), kinds)
        if key not in found:
            found[key], rows[key] = [], (lv, e.rule, e.row)
        found[key].append(k)
    order = sorted(found, key=lambda key: (key[0], found[key][0]))
    return [(*rows[key], found[key]) for key in order]


def _grid(args: list[tuple], members: list[int]):
    """For dot nodes (w₀, x₀, w₁, x₁, …[, bias]): (x-rows, w-rows, node of each pair) when every
    x-row meets every w-row exactly once, else None."""
    n = len(args[0]) // 2 * 2
    if any(len(a) != len(args[0]) for a in args):  # a padded group: rows of several lengths
        return None
    at: dict[tuple, int] = {}
    xs: dict[tuple, None] = {}
    ws: dict[tuple, None] = {}
    for i, a in enumerate(args):
        w, x = a[0:n:2], a[1:n:2]
        xs[x] = ws[w] = None
        at[(x, w)] = members[i]
    if len(at) != len(args) or len(xs) * len(ws) != len(args):
        return None
    return list(xs), list(ws), at


def _padded(rows: list, n: int) -> list:
    """The rows' items, each row padded with None (a zero) to n: sums and dots of several lengths."""
    return [a for row in rows for a in (*row, *(None,) * (n - len(row)))]


def _needs(tape: Tape) -> tuple[list[bool], list[bool]]:
    """Per entry: whether a param (a list), or an input (the other), lies below it."""
    need_p, need_x = [], []
    for e in tape.entries:
        if e.kind != NODE:
            need_p.append(e.kind == PARAM)
            need_x.append(e.kind != PARAM)
            continue
        ints = [a for a in e.args if type(a) is int]
        need_p.append(any(need_p[a] for a in ints))
        need_x.append(any(need_x[a] for a in ints))
    return need_p, need_x
