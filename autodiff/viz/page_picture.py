"""The step-through page's pictures: one Graphviz drawing per pass, made once, and for each step what
the page's script changes on it (so the page grows with the graph, not with graph × steps).

The backward drawing is the last frame (every gradient known, every box as wide as the longest
number, the colour scale of the whole pass: ``frames.pass_layout``); each step lists the boxes it
repaints, ``[drawing id, the number as shown, the fill, the exact number]`` (step 0: the output's
seed), the box it outlines, its gate, the parents' boxes and the edges it draws bold. The script
shows step i by repainting from the start: a box no step has reached yet shows "?", filled
neutral, as the frames do. The forward drawing has every value; step i shows the values of the
nodes computed so far (the ids of steps 0 … i). The ids are the drawing's (``Builder``): node k of
the topological order is ``n<k>``, its gate ``n<k>_op``, a node inside a collapsed scope is drawn
as that scope's box (whose rows keep the last frame's numbers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..engine import Value
from ..text.display import fmt
from .drawing import builder, pipe
from .frames import pass_layout
from .options import DrawOptions, FrameState
from .style import NEUTRAL, fill_colour
from .trace import BackwardTrace

if TYPE_CHECKING:
    import graphviz


def exact(x: float) -> str:
    """A number as the tooltips write it (``repr``: all its digits, ``inf``, ``nan``)."""
    return repr(float(x))


class Pictures:
    """The two drawings of a pass (``svg["backward"]``, ``svg["forward"]``) and each step's changes
    (``backward_step(step)``, ``forward_step(node)``, ``start()``)."""

    def __init__(self, trace: BackwardTrace, options: DrawOptions, max_steps: int, render: bool = True) -> None:
        self.trace, self.o = trace, options
        scale, chars = pass_layout(trace, max_steps)
        self.scale = scale
        last = FrameState(grads=dict(trace.grads), scale=scale, width_chars=chars)
        back = builder(trace.root, options, last)
        fwd = builder(trace.root, options._replace(show_grad=False), FrameState(grads={}, width_chars=chars))
        self.drawn = back._drawn  # a Value's drawing id: its box, or the box of the scope it is collapsed into
        self.boxes = back.boxes
        self.graphs = {"backward": back.run(), "forward": fwd.run()}  # graphviz.Digraph: .source is the DOT
        # render=False (a browser lays the DOT out itself, the playground): no `dot` program is run
        self.svg = {mode: _svg(g) if render else "" for mode, g in self.graphs.items()}

    def paint(self, v: Value, g: float) -> list:
        fill = fill_colour(g, self.scale) if self.o.color and self.o.show_grad else NEUTRAL
        return [self.drawn(v), fmt(g, self.trace.digits), fill, exact(g)]

    def start(self) -> list[list]:
        return [self.paint(self.trace.root, self.trace.seed)]

    def outline(self, v: Value) -> dict:
        """The box of ``v`` outlined, its gate marked, the edges into the gate bold (``Builder``'s)."""
        me = self.drawn(v)
        gate = None if v.is_leaf or v in self.boxes else f"{me}_op"
        edges = [] if gate is None else sorted({f"{self.drawn(p)}->{gate}" for p in v.parents})
        return {"cur": me, "gate": gate, "edges": edges}

    def backward_step(self, step) -> dict:
        parents = [c.parent for c in step.contributions]
        return {**self.outline(step.node), "paint": [self.paint(c.parent, c.after) for c in step.contributions],
                "active": sorted({self.drawn(p) for p in parents})}  # fmt: skip


def _svg(graph: graphviz.Digraph) -> str:
    """Graphviz's SVG of a drawn graph, without its XML prologue (inline in HTML)."""
    svg = pipe(graph, "svg").decode("utf-8")
    return svg[svg.index("<svg") :]


__all__ = ["Pictures", "exact"]
