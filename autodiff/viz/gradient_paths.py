"""The gradient as a sum over paths: ∂root/∂x = Σ over every path x → … → root of the product of
the local derivatives along it (the chain rule, unrolled). ``backward()`` computes the same sum
without listing the paths, which is why it stays fast when paths multiply."""

from __future__ import annotations

import html
import math
from typing import NamedTuple

from ..engine import Value
from ..graph import edges, topological_order
from ..text.display import Listing, check_digits, counted, fmt, unique_names


class PathLimitError(ValueError):
    """Too many paths to list (their number grows exponentially with reuse)."""


class GradientPath(NamedTuple):
    """One path from x to the root: ``nodes[0] is x``, ``nodes[-1] is root``; ``locals[i]`` is
    ∂nodes[i+1]/∂nodes[i] on the edge used (a node using x twice, as y·y, gives two paths)."""

    nodes: tuple[Value, ...]
    locals: tuple[float, ...]
    product: float  # the product of the locals (1 for the empty path when x is the root)
    slots: tuple[int, ...] = ()  # which input of nodes[i+1] nodes[i] is (0 = first)


class PathsReport(Listing):
    """``∂root/∂x`` path by path: ``print(paths(f, x))``; ``.total`` is the sum of the products."""

    _rows = "paths"

    def __init__(self, root: Value, x: Value, found: list[GradientPath], names: dict[Value, str], digits: int) -> None:
        self.root, self.x, self.paths, self.names, self.digits = root, x, found, names, digits
        self.total = math.fsum(p.product for p in found)

    def _lines(self) -> tuple[str, list[tuple[str, str]], str]:
        n, d = self.names, self.digits
        r, x = n[self.root], n.get(self.x, self.x.label or "x")
        head = f"∂{r}/∂{x} as a sum over paths: {counted(len(self), 'path')} from {x} to {r}"
        rows = []
        reused: dict[Value, set[Value]] = {}  # node → the parents it uses more than once, counted once per node
        for p in self.paths:
            route = " → ".join(n[v] for v in p.nodes)
            twice = []
            for a, b, k in zip(p.nodes, p.nodes[1:], p.slots):
                if b not in reused:
                    reused[b] = _repeated(b.parents)
                if a in reused[b]:
                    twice.append(f"{n[a]} as input {k + 1} of {n[b]}")
            if twice:
                route += f"  ({'; '.join(twice)})"
            factors = " × ".join(fmt(a, d) for a in p.locals) or "1"
            rows.append((route, f"{factors} = {fmt(p.product, d)}"))
        if self.x not in self.names:
            foot = f"{x} is not in the graph of {r}: no path, ∂{r}/∂{x} = 0"
        else:
            foot = f"total: ∂{r}/∂{x} = {fmt(self.total, d)}  (what {r}.backward() leaves in {x}.grad)"
        return head, rows, foot

    def __str__(self) -> str:
        head, rows, foot = self._lines()
        w = max((len(a) for a, _ in rows), default=0)
        body = [f"  {a.ljust(w)}   {b}" for a, b in rows]
        return "\n".join([head, *body, foot])

    __repr__ = __str__  # the table, also at a Python prompt

    def _repr_html_(self) -> str:
        head, rows, foot = self._lines()
        cells = "".join(f"<tr><td>{html.escape(a)}</td><td>{html.escape(b)}</td></tr>" for a, b in rows)
        return (f'<p><b>{html.escape(head)}</b></p><table style="font-family:monospace">'
                f"<tr><th>path (each factor: ∂next/∂previous)</th><th>product</th></tr>{cells}</table>"
                f"<p>{html.escape(foot)}</p>")  # fmt: skip


def _repeated(parents: tuple[Value, ...]) -> set[Value]:
    """The parents listed more than once (x in x·x, or in sum([x, x, y]))."""
    seen: set[Value] = set()
    twice: set[Value] = set()
    for p in parents:
        (twice if p in seen else seen).add(p)
    return twice


def count_paths(root: Value, x: Value, order: list[Value] | None = None) -> int:
    """The number of paths from ``x`` to ``root``, by dynamic programming over the topological
    order (a node's count is the sum of its parents' counts, each use of a parent counted)."""
    order = topological_order(root) if order is None else order
    counts: dict[Value, int] = {x: 1}
    for v in order:
        if v is x:
            continue
        c = 0
        for p in v.parents:
            c += counts.get(p, 0)
        if c:
            counts[v] = c
    return counts.get(root, 0) if x in counts else 0


def paths(root: Value, x: Value, limit: int = 1000, *, digits: int = 4) -> PathsReport:
    """Every path from ``x`` to ``root`` with the product of its local derivatives; their sum,
    ``.total``, equals ∂root/∂x (``x.grad`` after ``root.backward()`` from zero).

    The paths are counted first (dynamic programming, no enumeration); more than ``limit`` raises
    ``PathLimitError`` before any is listed. Nothing is changed: no ``.grad`` is touched."""
    for what, v in (("root", root), ("x", x)):
        if not isinstance(v, Value):
            raise TypeError(f"paths needs Values, got {what} = {type(v).__name__}: {v!r}")
    if type(limit) is not int or limit < 1:
        raise ValueError(f"limit must be a positive int, got {limit!r}")
    check_digits(digits)
    order = topological_order(root)
    names = unique_names(order)
    position = {v: i for i, v in enumerate(order)}
    if x not in position:
        return PathsReport(root, x, [], names, digits)
    n = count_paths(root, x, order)
    if n > limit:
        raise PathLimitError(
            f"{n:,} paths lead from {names[x]} to {names[root]}, more than limit={limit:,}. The number of paths "
            "grows exponentially when nodes are reused, which is why backward() sums per node instead of per path. "
            "Pass a larger limit=, or ask about a node nearer to the output."
        )
    # Nodes on some path from x: reachable from x (upstream of root is given by the order).
    on_path = {x}
    for v in order[position[x] + 1 :]:
        if any(p in on_path for p in v.parents):
            on_path.add(v)
    found: list[GradientPath] = []
    # Depth-first from the root back to x, without recursion. Each entry is (node, rest), where
    # rest is a linked list (next node, ∂next/∂node, input slot, its rest) leading on to the root.
    stack: list[tuple[Value, tuple | None]] = [(root, None)]
    on_edges: dict[Value, list[tuple[Value, float, int]]] = {}  # a node's edges on some path, listed once
    while stack:
        v, rest = stack.pop()
        if v is x:
            nodes, locals_, slots = [x], [], []
            while rest is not None:
                w, a, k, rest = rest
                nodes.append(w)
                locals_.append(a)
                slots.append(k)
            product = 1.0
            for a in reversed(locals_):  # from the root back: upstream × local × local ...
                product *= a
            found.append(GradientPath(tuple(nodes), tuple(locals_), product, tuple(slots)))
            continue
        kept = on_edges.get(v)
        if kept is None:  # reversed: the first parent is explored first
            kept = on_edges[v] = [(p, a, k) for k, (p, a) in enumerate(edges(v)) if p in on_path][::-1]
        for p, a, k in kept:
            stack.append((p, (v, a, k, rest)))
    return PathsReport(root, x, found, names, digits)
