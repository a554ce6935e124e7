"""``check_backward``: a learner's own backward pass, node by node, with the first wrong step found
and its slip named (``diagnosis``).

The learner gives ∂L/∂node for some or all nodes (a dict keyed by label, by the drawings' names
``v1, v2, ...`` or by Value), optionally their local derivatives ∂child/∂parent per edge, or a
function that fills ``.grad`` by hand (micrograd's ``_backward`` closures, hand derivations' δ
recursion); the function runs on a copy of the graph whose ``.grad`` start as a marked 0.0, so a
gradient it never set is known: an input's that the engine finds non-zero is reported as not given
(the report is then not right), any other node's is not compared. Each given value is set beside the engine's
(one backward pass from zero, computed on the side): they agree when |hand − engine| ≤ atol +
rtol·|engine| (gradcheck's rtol; atol = 0 so that gradients as small as 1e-12 are still compared).
Nothing of the graph is changed: every ``.grad`` and ``.data`` is left bitwise as it was found.
"""

from __future__ import annotations

import copy
import math
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..engine import Value
from ..graph import gradients, topological_order
from ..text import tables
from ..text.display import fmt, formula, node_names, unique_names
from ..text.slips import ATOL, RTOL, agrees
from .diagnosis import Context, Diagnosis, diagnose
from .diagnosis import _edge_local as edge_local

MAX_DIAGNOSED = 100  # wrong nodes given a diagnosis (each reads the graph between it and your next values)
Hand = Mapping[Any, float] | Callable[[Value], Any]


@dataclass
class NodeRow:
    node: Value
    name: str
    formula: str
    engine: float
    hand: float
    ok: bool
    note: str = ""


@dataclass
class LocalRow:
    child: Value
    parent: Value
    engine: float
    hand: float
    ok: bool


@dataclass(repr=False)
class BackwardReport:
    """Theirs vs the engine's, node by node in backward order; truthy only when all agree.
    ``first`` is the first wrong node (whose upstream values are right) and ``diagnosis`` its slip."""

    root: Value
    names: dict[Value, str]
    rows: list[NodeRow]
    locals: list[LocalRow]
    rtol: float
    atol: float
    engine: dict[Value, float] = field(default_factory=dict)
    diagnoses: dict[Value, Diagnosis] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    missing: list[Value] = field(default_factory=list)  # inputs whose gradient the learner's function did not give
    never_set: set[Value] = field(default_factory=set)  # nodes whose .grad it never wrote (the rest of the unset: left at 0)
    unset: list[Value] = field(default_factory=list)  # other nodes it left at 0: not compared

    def __bool__(self) -> bool:
        return not self.missing and all(r.ok for r in self.rows) and all(r.ok for r in self.locals)

    @property
    def wrong(self) -> list[Value]:
        """The nodes whose given value disagrees with the engine, in backward order."""
        return [r.node for r in self.rows if not r.ok]

    @property
    def first(self) -> Value | None:
        return next((r.node for r in self.rows if not r.ok), None)

    @property
    def diagnosis(self) -> Diagnosis | None:
        """The slip at the first wrong node (or at the first wrong local derivative)."""
        first = self.first
        if first is not None:
            return self.diagnoses.get(first)
        bad = next((r for r in self.locals if not r.ok), None)
        if bad is None:
            return None
        return self.diagnoses.get(bad.child)

    def highlights(self) -> list:
        """What ``draw(..., highlight=report)`` marks: the first wrong node and its wrong edge."""
        d = self.diagnosis
        marks: list = []
        if self.first is not None:
            marks.append(self.first)
        if d is not None and d.edge is not None and d.edge[0] is not None:
            marks.append(d.edge)
        return marks

    def draw(self, **draw_options):
        """The graph with the engine's gradients (computed on the side), the first wrong node and its
        wrong edge marked, and the diagnosis as the caption."""
        from ..viz.drawing import build
        from ..viz.options import DrawOptions, FrameState

        draw_options.setdefault("show_local", True)
        draw_options["highlight"] = self.highlights()
        caption = "\\l".join(line.replace("\\", "\\\\") for line in self._verdict().splitlines()) + "\\l"
        return build(self.root, DrawOptions.make(**draw_options), FrameState(grads=self.engine, caption=caption))

    def _table(self) -> tuple[list[str], list[list[str]]]:
        L = self.names[self.root]
        head = ["node", "computed as", f"yours ∂{L}/∂node", "engine", "verdict"]
        rows = []
        missing = set(self.missing)
        given = {r.node: r for r in self.rows}
        for v in [v for v in reversed(list(self.names)) if v in given or v in missing]:  # backward order
            r = given.get(v)
            if r is None:
                why = "never set" if v in self.never_set else "left at 0"
                rows.append([self.names[v], "input", "not given", tables.number(self.engine[v]), f"✗ not given ({why})"])
                continue
            if r.ok:
                verdict = "✓"
            elif r.node is self.first:
                verdict = "✗ first wrong step"
            else:
                d = self.diagnoses.get(r.node)
                verdict = "✗ " + (d.kind if d is not None else "")
            rows.append([r.name, r.formula, tables.number(r.hand), tables.number(r.engine), verdict.rstrip()])
        for r in self.locals:
            rows.append([f"∂{self.names[r.child]}/∂{self.names[r.parent]}", "local derivative", tables.number(r.hand),
                         tables.number(r.engine), "✓" if r.ok else "✗"])  # fmt: skip
        return head, rows

    def _title(self) -> str:
        return f"check_backward of {self.names[self.root]} = {tables.number(self.root.data)}"

    def _verdict(self) -> str:
        rule = f"(agreement: |yours − engine| ≤ {self.atol:g} + {self.rtol:g}·|engine|)"
        n = len(self.rows) + len(self.locals)
        if self:
            head = (f"✓ the {n} value{'s' if n > 1 else ''} your function set agree{'s' if n == 1 else ''} with the engine"
                    if self.unset else f"✓ all {n} of your values agree with the engine")  # fmt: skip
            return "\n".join([f"{head} {rule}", *self.notes])
        wrong = self.wrong
        lines = []
        if wrong or not self.missing:
            lines.append(f"✗ {len(wrong)} of {len(self.rows)} gradients wrong" + (
                f": {', '.join(self.names[v] for v in wrong)}" if wrong else "") + f" {rule}")  # fmt: skip
        if self.missing:
            L, k = self.names[self.root], len(self.missing)
            lines.append(f"✗ {k} input gradient{'s' if k > 1 else ''} not given by your function: " + ", ".join(
                f"{self.names[v]} (the engine's ∂{L}/∂{self.names[v]} = {fmt(self.engine[v])})" for v in self.missing))
            kinds = [(what, [self.names[v] for v in self.missing if (v in self.never_set) == never])
                     for what, never in (("never set", True), ("left at 0", False))]  # fmt: skip
            lines.append("  your function " + "; ".join(f"{what}: {', '.join(vs)}" for what, vs in kinds if vs))
        bad_locals = [r for r in self.locals if not r.ok]
        if bad_locals:
            lines.append(f"✗ {len(bad_locals)} local derivative{'s' if len(bad_locals) > 1 else ''} wrong: "
                         + ", ".join(f"∂{self.names[r.child]}/∂{self.names[r.parent]}" for r in bad_locals))
        d = self.diagnosis
        if d is not None:
            message = d.message[len(d.kind) + 2:] if d.message.startswith(d.kind + ": ") else d.message
            lines.append(f"first wrong step: {self.names[d.node]} ({d.kind}): {message}")
            if d.computation:
                lines.append(f"  right: {d.computation}")
        return "\n".join(lines + self.notes)

    def __str__(self) -> str:
        head, rows = self._table()
        return "\n".join([self._title(), tables.text_table(head, rows), self._verdict()])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        head, rows = self._table()
        bad = [row[-1].startswith("✗") for row in rows]
        return tables.html_table(self._title(), head, rows, bad, self._verdict())


def check_backward(root: Value, hand: Hand, hand_local: Mapping | None = None, *, rtol: float = RTOL,
                   atol: float = ATOL) -> BackwardReport:  # fmt: skip
    """Check a learner's backward pass of ``root`` node by node (see the module docstring).

    ``hand``: {label, drawing name or Value: ∂root/∂node}, or a function ``hand(copy_of_root)`` that
    fills ``.grad`` by hand. ``hand_local``: {(child, parent): ∂child/∂parent}, keyed the same way.
    """
    if not isinstance(root, Value):
        raise TypeError(f"check_backward needs a Value (the root of a graph), got {type(root).__name__}")
    for name, x in (("rtol", rtol), ("atol", atol)):
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not x >= 0 or not math.isfinite(x):
            raise ValueError(f"{name} must be a finite number >= 0, got {x!r}")
    order = topological_order(root)
    names = unique_names(order)
    lookup = _lookup(order, names)
    notes: list[str] = []
    never_set: set[Value] = set()
    if callable(hand) and not isinstance(hand, Mapping):
        given = _run_by_hand(root, order, hand, notes, never_set)
        code = True
    elif isinstance(hand, Mapping):
        given = {lookup(k, "hand"): _number(x, f"hand[{k!r}]") for k, x in hand.items()}
        code = False
    else:
        raise TypeError(f"hand must be a dict of gradients or a function that fills .grad, got {type(hand).__name__}")
    locals_given = {}
    for key, x in (hand_local or {}).items():
        if not (isinstance(key, tuple) and len(key) == 2):
            raise TypeError(f"hand_local keys are (child, parent) pairs such as ('q', 'x'), got {key!r}")
        c, p = lookup(key[0], "hand_local"), lookup(key[1], "hand_local")
        if not any(q is p for q in c.parents):
            raise ValueError(f"hand_local[{key!r}]: {names[p]} is not an input of {names[c]}")
        locals_given[(c, p)] = _number(x, f"hand_local[{key!r}]")
    engine = gradients(root, order=order)

    def agree(mine: float, reference: float) -> bool:
        return agrees(mine, reference, rtol, atol)

    drawn = node_names(order)
    rows = [NodeRow(v, names[v], formula(v, drawn) if not v.is_leaf else "input", engine[v], given[v],
                    agree(given[v], engine[v])) for v in reversed(order) if v in given]  # fmt: skip
    local_rows = [LocalRow(c, p, edge_local(c, p), x, agree(x, edge_local(c, p)))
                  for (c, p), x in sorted(locals_given.items(), key=lambda kv: -order.index(kv[0][0]))]  # fmt: skip
    report = BackwardReport(root, names, rows, local_rows, rtol, atol, engine, notes=notes, never_set=never_set)
    if code:  # what the learner's function did not set: an input's non-zero gradient is missing, the rest not compared
        unset = [v for v in reversed(order) if v not in given]
        report.missing = [v for v in unset if v.is_leaf and engine[v] != 0.0]
        report.unset = [v for v in unset if not (v.is_leaf and engine[v] != 0.0)]
        k = len(report.unset)
        if k:
            shown = ", ".join(names[v] for v in report.unset[:8]) + (", …" if k > 8 else "")
            notes.insert(0, f"note: {k} node{'s' if k > 1 else ''} your function left at 0 "
                            f"{'were' if k > 1 else 'was'} not compared: {shown}")  # fmt: skip
    ctx = Context(root, order, names, given, agree, code, locals_given)
    right = {r.node: r.ok for r in rows}
    for r in [r for r in rows if not r.ok][:MAX_DIAGNOSED]:
        report.diagnoses[r.node] = diagnose(ctx, r.node, r.hand, lambda u: right.get(u, True))
    if report.first is None:
        for r in local_rows:
            if not r.ok:
                report.diagnoses[r.child] = Diagnosis(
                    "wrong local", r.child, f"your local derivative ∂{names[r.child]}/∂{names[r.parent]} = "
                    f"{fmt(r.hand)} is wrong: it is {fmt(r.engine)}", r.engine, r.hand, (r.child, r.parent), r.hand)
                break
    return report


def _lookup(order: list[Value], names: dict[Value, str]):
    """A key (Value, label, or the drawings' name) → its node; unknown or ambiguous keys are refused."""
    members = set(order)
    by_name: dict[str, list[Value]] = {}
    for v in order:
        for key in dict.fromkeys((v.label, names[v])):
            if key is not None:
                by_name.setdefault(key, []).append(v)
    for v, name in node_names(order).items():
        if v not in by_name.get(name, []):
            by_name.setdefault(name, []).append(v)

    def find(key, what: str) -> Value:
        if isinstance(key, Value):
            if key not in members:
                raise ValueError(f"{what}: the Value {key!r} is not a node of this graph")
            return key
        if not isinstance(key, str):
            raise TypeError(f"{what} keys are labels (str) or Values, got {type(key).__name__}: {key!r}")
        found = by_name.get(key, [])
        if not found:
            known = ", ".join(list(dict.fromkeys(names[v] for v in reversed(order)))[:12])
            raise ValueError(f"{what}: no node is named {key!r} (the nodes: {known}{', ...' if len(order) > 12 else ''})")
        if len(found) > 1:
            raise ValueError(f"{what}: {key!r} names {len(found)} nodes; use one of "
                             f"{', '.join(names[v] for v in found[:6])} or the Value itself")  # fmt: skip
        return found[0]

    return find


def _number(x, what: str) -> float:
    if isinstance(x, Value):
        return x.data
    if isinstance(x, bool):
        raise TypeError(f"{what} must be a number, got {x!r}")
    if not isinstance(x, (int, float)):
        try:
            return float(x)
        except (TypeError, ValueError):
            raise TypeError(f"{what} must be a number, got {type(x).__name__}: {x!r}") from None
    return float(x)


class _Unset(float):
    """The 0.0 a copy's ``.grad`` starts from: still this type afterwards, the learner's function never
    wrote it (``+=`` and ``=`` leave a plain float or a Value)."""


UNSET = _Unset(0.0)


def _run_by_hand(root: Value, order: list[Value], hand: Callable, notes: list[str],
                 never_set: set[Value]) -> dict[Value, float]:  # fmt: skip
    """The learner's function on a copy of the graph (grads at a marked 0.0); their ``.grad`` of each
    node, mapped back to the original node (``never_set`` gains the nodes it never wrote). A function
    that writes the original nodes it closes over instead runs on the originals, from the same marked
    zeros, and everything is put back bitwise."""
    saved = [(v.grad, v.data) for v in order]
    memo: dict = {}
    twin = copy.deepcopy(root, memo)
    copies = [memo[id(v)] for v in order]
    for c in copies:
        c.grad = UNSET
    try:
        hand(twin)
        touched = [v for v, (g, d) in zip(order, saved) if not _same(v.grad, g) or not _same(v.data, d)]
        if not touched:
            return _written(root, order, copies, never_set)
        _restore(order, saved)
        notes.append("note: your function set the .grad of the Values it closes over, not of the copy it was given; "
                     "it ran on the original graph, whose .grad and .data were then put back as they were")
        for v in order:
            v.grad = UNSET
        hand(root)
        return _written(root, order, order, never_set)
    finally:
        _restore(order, saved)


def _written(root: Value, order: list[Value], nodes: list[Value], never_set: set[Value]) -> dict[Value, float]:
    """The learner's values: every .grad their function left other than 0.0 (a δ recursion writes some
    nodes only), and always the root's (∂L/∂L = 1 must be set)."""
    out = {}
    for v, c in zip(order, nodes):
        if type(c.grad) is _Unset:
            never_set.add(v)
        g = _number(c.grad, f"the .grad your function left on {v.label or 'a node'}")
        if g != 0.0 or v is root:
            out[v] = g
    return out


def _same(a, b) -> bool:
    """Bitwise the same float (nan and -0.0 included), or the same object."""
    if type(a) is float and type(b) is float:
        return struct.pack("<d", a) == struct.pack("<d", b)
    return a is b


def _restore(order: list[Value], saved: list) -> None:
    for v, (g, d) in zip(order, saved):
        v.grad, v.data = g, d


__all__ = ["BackwardReport", "LocalRow", "NodeRow", "check_backward"]
