"""Step-by-step traces of the forward and backward passes, printed like a hand derivation.

``trace_backward(root)`` computes the backward pass on the side, in a dict of gradients: the order
and the arithmetic of ``root.backward()`` from zero, so its numbers are bitwise the ones
``backward()`` gives on a fresh graph; and it records every step: the node, its upstream gradient
∂root/∂node, and for each parent the local derivative ∂node/∂parent, the contribution
upstream × local and the parent's gradient before and after it was added. No ``.grad`` is written
(tools never change what they show). It is ``graph.walk`` with a step hook: ``graph.gradients(root)``
is the same pass, unrecorded.
"""

from __future__ import annotations

import html
from typing import NamedTuple

from ..engine import Value, _check_data
from ..graph import topological_order, walk
from ..text.display import Listing, check_digits, counted, eq, fmt, formula, unique_names


class Contribution(NamedTuple):
    """What one step adds to one parent: ``contribution = upstream × local``."""

    parent: Value
    local: float  # ∂node/∂parent, recorded when the node was created
    contribution: float  # upstream × local
    before: float  # the parent's gradient (in this pass) before the contribution ...
    after: float  # ... and after: before + contribution


class Step(NamedTuple):
    """One node of the backward pass: its upstream gradient, passed on to each parent."""

    index: int  # 1-based, in the order the engine applies the steps
    node: Value
    upstream: float  # ∂root/∂node, complete when the node is reached
    contributions: tuple[Contribution, ...]


class ForwardStep(NamedTuple):
    index: int
    node: Value
    formula: str  # "x + y"
    with_values: str  # "-2 + 5"
    value: float


class ForwardTrace(Listing):
    """The forward values in topological order (inputs first): ``print(trace_forward(f))``."""

    _rows = "steps"

    def __init__(self, root: Value, digits: int = 4) -> None:
        self.root, self.digits = root, check_digits(digits)
        self.order = topological_order(root)
        self.names = unique_names(self.order)
        self.steps = [
            ForwardStep(i, v, formula(v, self.names, digits), "" if v.is_leaf else formula(v, self.names, digits, True),
                        v.data)
            for i, v in enumerate(self.order, 1)
        ]  # fmt: skip

    def _cells(self) -> tuple[list[str], list[list[str]]]:
        head = ["step", "node", "computed as", "with values", "value"]
        rows = [[str(s.index), self.names[s.node], s.formula, s.with_values, fmt(s.value, self.digits)] for s in self]
        return head, rows

    def table(self) -> str:
        head, rows = self._cells()
        title = f"forward pass of {self.names[self.root]}: {len(self)} nodes, inputs first"
        return title + "\n" + _text_table(head, rows, right={0, 4})

    __str__ = table

    def _repr_html_(self) -> str:
        head, rows = self._cells()
        return _html_table(f"forward pass of {self.names[self.root]}", head, [[r] for r in rows], right={0, 4})


class BackwardTrace(Listing):
    """The steps of one backward pass: ``print(trace)`` for a table, ``trace[i]`` for a ``Step``.

    ``grads`` holds every node's gradient from this pass alone (from zero); ``earlier`` the non-zero
    ``.grad`` the nodes held when it was traced, which the trace left as they were."""

    _rows = "steps"

    def __init__(self, root, seed, order, steps, grads, earlier, digits: int = 4) -> None:
        self.root, self.seed, self.order, self.steps = root, seed, order, steps
        self.grads: dict[Value, float] = grads
        self.earlier: dict[Value, float] = earlier
        self.digits = check_digits(digits)
        self.names = unique_names(order)

    def __repr__(self) -> str:
        return f"<BackwardTrace of {self.names[self.root]}: {counted(len(self), 'step')}>"

    # ---- text ------------------------------------------------------------------------------
    def _head(self) -> list[str]:
        r = self.names[self.root]
        return ["step", "node", "upstream ∂" + r + "/∂node", "parent", "local ∂node/∂parent", "upstream × local",
                "parent grad: before → after"]  # fmt: skip

    def step_rows(self, step: Step) -> list[list[str]]:
        """The table rows of one step (one per parent)."""
        d, n = self.digits, self.names
        rows = []
        for k, c in enumerate(step.contributions):
            first = k == 0
            rows.append([
                str(step.index) if first else "",
                f"{n[step.node]} = {formula(step.node, n, d)}" if first else "",
                fmt(step.upstream, d) if first else "",
                n[c.parent],
                fmt(c.local, d),
                f"{fmt(step.upstream, d)} × {fmt(c.local, d)} {eq(c.contribution, d)}",
                f"{fmt(c.before, d)} → {fmt(c.after, d)}",
            ])  # fmt: skip
        return rows

    def title(self) -> str:
        r = self.names[self.root]
        return (f"backward pass of {r}: start with ∂{r}/∂{r} {eq(self.seed, self.digits)}; "
                f"{len(self)} step{'' if len(self) == 1 else 's'}, one per operation, from the output back to the inputs")  # fmt: skip

    def summary(self) -> str:
        """The final gradients of the inputs (leaves), and a note on accumulation."""
        d, n, r = self.digits, self.names, self.names[self.root]
        leaves = [v for v in self.order if v.is_leaf]
        lines = ["gradients of the inputs: " + ", ".join(f"∂{r}/∂{n[v]} {eq(self.grads[v], d)}" for v in leaves)]
        if self.earlier:
            lines.append(
                f"{len(self.earlier)} node(s) hold gradients from earlier passes in .grad; this trace is one pass "
                "from zero, computed on the side, and left every .grad as it was"
            )
        return "\n".join(lines)

    def table(self, max_rows: int | None = None) -> str:
        """The whole pass as a plain-text table (``max_rows`` cuts a long one short)."""
        rows = [row for s in self for row in self.step_rows(s)]
        cut = max_rows is not None and len(rows) > max_rows
        text = _text_table(self._head(), rows[:max_rows] if cut else rows, right={0, 2, 4})
        if cut:
            text += f"\n… {len(rows) - max_rows} more rows"
        return f"{self.title()}\n{text}\n{self.summary()}"

    def __str__(self) -> str:
        return self.table()

    # ---- html ------------------------------------------------------------------------------
    def html(self, current: int | None = None, max_rows: int | None = 400) -> str:
        """An HTML table; the step with index ``current`` (1-based) is highlighted."""
        groups, total = [], 0
        for s in self:
            rows = self.step_rows(s)
            total += len(rows)
            if max_rows is not None and total > max_rows:
                break
            groups.append(rows)
        mark = None if current is None else current - 1
        body = _html_table(self.title(), self._head(), groups, right={0, 2, 4}, highlight=mark)
        note = "" if len(groups) == len(self) else f"<p>… {len(self) - len(groups)} more steps</p>"
        return body + note + f"<pre>{html.escape(self.summary())}</pre>"

    def step_html(self, index: int) -> str:
        """One step (1-based ``index``) as a small HTML table with the column heads."""
        step = self.steps[index - 1]
        return _html_table(f"step {index} of {len(self)}", self._head(), [self.step_rows(step)], right={0, 2, 4})

    def _repr_html_(self) -> str:
        return self.html()


def trace_forward(root: Value, *, digits: int = 4) -> ForwardTrace:
    """The forward values of ``root``'s graph in topological order, each with how it was computed."""
    _check_root(root)
    return ForwardTrace(root, digits)


def trace_backward(root: Value, grad: float = 1.0, *, order: list[Value] | None = None,
                   digits: int = 4) -> BackwardTrace:  # fmt: skip
    """The steps of the backward pass from ``root``, as ``root.backward(grad)`` takes them from zero.

    Same order (reversed topological order; leaves make no step), same arithmetic
    (``parent.grad += upstream * local``, parents in the order the node records them), but into a
    dict on the side: the contributions to a node sum, in step order, exactly to its gradient from
    this pass (``.grads``), bitwise what ``backward()`` leaves on a fresh graph. No ``.grad`` or
    ``.data`` is written; ``.grad`` is only read, into ``.earlier`` (for the note in the summary).
    """
    _check_root(root)
    seed = _check_data(grad, "trace_backward(grad=...)")
    if order is None:
        order = topological_order(root)
    steps, grads = _recorded_pass(root, seed, order)
    earlier = {v: v.grad for v in order if v.grad}
    return BackwardTrace(root, seed, order, steps, grads, earlier, digits)


def _recorded_pass(root: Value, seed: float, order: list[Value]) -> tuple[list[Step], dict[Value, float]]:
    """``graph.gradients``' pass (``walk`` from zero), recording a ``Step`` per non-leaf node: ``walk``'s
    step hook sees every addition, so the numbers are the walk's own."""
    grads = dict.fromkeys(order, 0.0)
    grads[root] = seed
    steps: list[Step] = []
    node: list = [None, 0.0, []]  # the node being recorded, its upstream and its contributions

    def close() -> None:
        if node[0] is not None:
            steps.append(Step(len(steps) + 1, node[0], node[1], tuple(node[2])))

    def record(v, i, p, g, local, before, after) -> None:
        if v is not node[0]:
            close()
            node[:] = [v, g, []]
        node[2].append(Contribution(p, local, g * local, 0.0 if before is None else before, after))

    walk(order, grads, step=record)
    close()
    return steps, grads


def _check_root(root) -> None:
    if not isinstance(root, Value):
        raise TypeError(f"expected a Value (the root of a graph), got {type(root).__name__}: {root!r}")


def _text_table(head: list[str], rows: list[list[str]], right: set[int] = frozenset()) -> str:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]

    def line(r: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()

    return "\n".join([line(head), "  ".join("-" * w for w in widths), *(line(r) for r in rows)])


def _html_table(title: str, head: list[str], groups: list[list[list[str]]], right: set[int] = frozenset(),
                highlight: int | None = None) -> str:  # fmt: skip
    """Rows in groups (one group per step, shaded alternately); group number ``highlight`` stands out."""
    out = ['<table style="border-collapse:collapse;font-family:monospace;font-size:12px">',
           f'<caption style="text-align:left;font-weight:bold">{html.escape(title)}</caption><tr>']  # fmt: skip
    out += [f'<th style="text-align:left;border-bottom:1px solid #999;padding:2px 8px">{html.escape(h)}</th>'
            for h in head]  # fmt: skip
    out.append("</tr>")
    for k, group in enumerate(groups):
        bg = "#e9dcf5" if k == highlight else ("#f6f6f6" if k % 2 else "#ffffff")
        for row in group:
            cells = "".join(
                f'<td style="padding:2px 8px;text-align:{"right" if i in right else "left"}">{html.escape(c)}</td>'
                for i, c in enumerate(row)
            )
            out.append(f'<tr style="background:{bg}">{cells}</tr>')
    out.append("</table>")
    return "".join(out)


__all__ = ["BackwardTrace", "Contribution", "ForwardTrace", "Step", "trace_backward", "trace_forward"]
