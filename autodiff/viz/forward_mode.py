"""The forward-mode pass, step by step: a table in ``trace_backward``'s style, and frames.

``trace_forward_mode(root, {x: 1.0})`` walks the recorded graph in topological order (inputs first)
and records, for each operation, every parent's local derivative ∂node/∂parent (the same numbers
the backward pass uses), the parent's tangent, their product and the node's tangent as it sums:
ṫ(node) = Σ local × ṫ(parent). It is ``autodiff.forward.tangents`` (the one forward-mode walk) with
a step hook, so its numbers are that walk's own.
Frames show the tangents known so far in each box's gradient field, one frame per step, beside the
backward pass's frames; nothing is written to any ``.grad``.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, NamedTuple

from ..engine import Value
from ..forward import check_seeds, tangents
from ..graph import topological_order
from ..text.display import Listing, check_digits, counted, fmt, formula, unique_names
from .drawing import build, pipe
from .frames import write_numbered
from .options import DrawOptions, FrameState
from .trace import _html_table, _text_table, trace_backward

if TYPE_CHECKING:
    from pathlib import Path

MAX_STEPS = 300


class Push(NamedTuple):
    """What one parent adds to a node's tangent: ``local × tangent``."""

    parent: Value
    local: float  # ∂node/∂parent, recorded when the node was created
    tangent: float  # the parent's tangent, complete when the node is reached
    product: float  # local × tangent (0 added when the tangent is 0)
    before: float
    after: float


class TangentStep(NamedTuple):
    index: int
    node: Value
    pushes: tuple[Push, ...]
    tangent: float


class ForwardModeTrace(Listing):
    """The steps of one forward-mode pass: ``print(trace)`` for a table, ``trace[i]`` a step."""

    _rows = "steps"

    def __init__(self, root: Value, seeds: dict, order: list, steps: list, tangents: dict, digits: int) -> None:
        self.root, self.seeds, self.order, self.steps = root, seeds, order, steps
        self.tangents: dict[Value, float] = tangents
        self.digits = check_digits(digits)
        self.names = unique_names(order)

    def __repr__(self) -> str:
        return f"<ForwardModeTrace of {self.names[self.root]}: {counted(len(self), 'step')}>"

    def _head(self) -> list[str]:
        return ["step", "node", "parent", "local ∂node/∂parent", "tangent of parent", "local × tangent",
                "node tangent: before → after"]  # fmt: skip

    def step_rows(self, step: TangentStep) -> list[list[str]]:
        d, n = self.digits, self.names
        return [[str(step.index) if k == 0 else "", f"{n[step.node]} = {formula(step.node, n, d)}" if k == 0 else "",
                 n[p.parent], fmt(p.local, d), fmt(p.tangent, d),
                 f"{fmt(p.local, d)} × {fmt(p.tangent, d)} = {fmt(p.product, d)}", f"{fmt(p.before, d)} → {fmt(p.after, d)}"]
                for k, p in enumerate(step.pushes)]  # fmt: skip

    def seeds_text(self) -> str:
        leaves = [v for v in self.order if v.is_leaf]
        return ", ".join(f"ṫ({self.names[v]}) = {fmt(self.tangents[v], self.digits)}" for v in leaves)

    def title(self) -> str:
        return (f"forward-mode pass of {self.names[self.root]}: start with the input tangents {self.seeds_text()}; "
                f"{len(self)} step{'' if len(self) == 1 else 's'}, one per operation, from the inputs to the output")  # fmt: skip

    def summary(self) -> str:
        r = self.names[self.root]
        terms = " + ".join(f"∂{r}/∂{self.names[v]}·{fmt(t, self.digits)}" for v, t in self.seeds.items() if t)
        return f"tangent of the output: ṫ({r}) = {fmt(self.tangents[self.root], self.digits)}" + (
            f"  (= {terms}, the directional derivative)" if terms else "")

    def table(self, max_rows: int | None = None) -> str:
        rows = [row for s in self for row in self.step_rows(s)]
        cut = max_rows is not None and len(rows) > max_rows
        text = _text_table(self._head(), rows[:max_rows] if cut else rows, right={0, 3, 4})
        if cut:
            text += f"\n… {len(rows) - max_rows} more rows"
        return f"{self.title()}\n{text}\n{self.summary()}"

    __str__ = table

    def _repr_html_(self) -> str:
        body = _html_table(self.title(), self._head(), [self.step_rows(s) for s in self][:MAX_STEPS], right={0, 3, 4})
        return body + f"<pre>{html.escape(self.summary())}</pre>"


def trace_forward_mode(root: Value, seeds: Mapping, *, digits: int = 4) -> ForwardModeTrace:
    """The forward-mode pass of ``root``'s graph from the input tangents ``seeds`` ({x: 1.0} for ∂/∂x),
    recorded step by step; ``.tangents`` holds every node's tangent."""
    if not isinstance(root, Value):
        raise TypeError(f"expected a Value (the root of a graph), got {type(root).__name__}: {root!r}")
    seeds = check_seeds(seeds, "trace_forward_mode")
    order = topological_order(root)
    steps: list[TangentStep] = []
    pushes: dict[Value, list[Push]] = {}

    def record(v, i, p, tp, local, before, after) -> None:
        pushes.setdefault(v, []).append(Push(p, local, tp, local * tp if tp else 0.0, before, after))

    t = tangents(root, seeds, order, step=record)
    for v, made in pushes.items():
        steps.append(TangentStep(len(steps) + 1, v, tuple(made), t[v]))
    return ForwardModeTrace(root, {v: t[v] for v in order if v in seeds}, order, steps, t, digits)


def forward_frame_states(trace: ForwardModeTrace, max_steps: int = MAX_STEPS) -> Iterator[FrameState]:
    """One frame per step: the tangents known after it (the inputs' from the start), the node it
    computed outlined, the edges from its parents bold."""
    if len(trace) > max_steps:
        raise ValueError(f"the forward-mode pass has {len(trace)} steps, more than max_steps={max_steps} frames: "
                         "draw a smaller graph or print the trace as a table")  # fmt: skip
    scale = max((abs(x) for x in trace.tangents.values() if not math.isnan(x)), default=0.0)
    d = trace.digits
    chars = max(len(fmt(x, d)) for x in [*trace.tangents.values(), *(v.data for v in trace.order)])
    known = {v: trace.tangents[v] for v in trace.order if v.is_leaf or v in trace.seeds}
    for step in trace:
        known[step.node] = step.tangent
        yield FrameState(grads=dict(known), current=step.node, caption=forward_caption(trace, step.index),
                         scale=scale, width_chars=chars, active_parents=frozenset(p.parent for p in step.pushes))  # fmt: skip


def forward_caption(trace: ForwardModeTrace, index: int) -> str:
    """The text under frame ``index``: the step written out, tangents in the boxes' grad field."""
    step, n, d = trace[index - 1], trace.names, trace.digits
    name = n[step.node]
    head = f"forward step {index} of {len(trace)}:  {name} = {formula(step.node, n, d)}"
    lines = [f"{head}  (the boxes show tangents ṫ, pushed from the inputs)"]
    for p in step.pushes:
        lines.append(f"    ṫ({name}) += {fmt(p.local, d)} (∂{name}/∂{n[p.parent]}) × {fmt(p.tangent, d)} "
                     f"(ṫ({n[p.parent]}))  =  {fmt(p.before, d)} + {fmt(p.product, d)}  =  {fmt(p.after, d)}")  # fmt: skip
    return "".join(line.replace("\\", "\\\\") + "\\l" for line in lines)


def render_forward_frames(root: Value, seeds: Mapping, fmt_: str = "png", *, max_steps: int = MAX_STEPS,
                          **draw_options) -> tuple[ForwardModeTrace, list[bytes]]:  # fmt: skip
    """The trace and each forward-mode frame's image bytes ("png" or "svg"), in step order."""
    if fmt_ not in ("png", "svg"):
        raise ValueError(f"frames are png or svg, got {fmt_!r}")
    trace = trace_forward_mode(root, seeds)
    options = DrawOptions.make(**draw_options)
    return trace, [pipe(build(root, options, s), fmt_) for s in forward_frame_states(trace, max_steps)]


def save_forward_frames(root: Value, seeds: Mapping, folder: str | Path, fmt: str = "png", *,
                        max_steps: int = MAX_STEPS, **draw_options) -> list[Path]:  # fmt: skip
    """One image per forward-mode step, ``forward_001.png``, ... in ``folder`` (created if needed)."""
    _, images = render_forward_frames(root, seeds, fmt, max_steps=max_steps, **draw_options)
    return write_numbered(folder, "forward", fmt, images)


class SideBySide:
    """Two finished passes over one graph, drawn next to each other in Jupyter: tangents pushed
    forward from one input (left) and adjoints pulled back from the output (right)."""

    def __init__(self, root: Value, seeds: Mapping, **draw_options) -> None:
        options = DrawOptions.make(**draw_options)
        self.forward = trace_forward_mode(root, seeds)
        self.backward = trace_backward(root)
        self.svgs = (pipe(build(root, options, FrameState(grads=self.forward.tangents)), "svg").decode(),
                     pipe(build(root, options, FrameState(grads=self.backward.grads)), "svg").decode())  # fmt: skip

    def _repr_html_(self) -> str:
        heads = ("forward mode: tangents ṫ = ∂node/∂input, pushed from the inputs",
                 "reverse mode: adjoints ∂output/∂node, pulled back from the output")  # fmt: skip
        cells = "".join(f'<div style="flex:1"><p><b>{html.escape(h)}</b></p>{svg}</div>' for h, svg in zip(heads, self.svgs))
        return f'<div style="display:flex;gap:24px;align-items:flex-start">{cells}</div>'


def side_by_side(root: Value, seeds: Mapping, **draw_options) -> SideBySide:
    """``root``'s graph twice: every node's tangent along ``seeds``, and every node's gradient."""
    return SideBySide(root, seeds, **draw_options)


__all__ = ["ForwardModeTrace", "save_forward_frames", "side_by_side", "trace_forward_mode"]
