"""Forward mode on the recorded graph: the same local derivatives, accumulated the other way.

Every node recorded ∂node/∂parent when it was made. Reverse mode pulls adjoints back from the output
(grad(p) += grad(v) · local); forward mode pushes tangents forward from the inputs, in topological
order:  ṫ(v) = Σₚ local(v, p) · ṫ(p),  starting from the seeds ṫ(x) given for some inputs. One
pass gives the directional derivative Σₓ ∂root/∂x · ṫ(x) of every node at once: one column of the
Jacobian per pass, where reverse mode gives one row. Imports nothing from the engine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .graph import edges, merged_order
from .guards import check_data
from .node import Node


def check_seeds(seeds: Mapping, where: str = "forward_gradient") -> dict:
    """{Value: finite float} from a mapping of input Values to their tangents."""
    if not isinstance(seeds, Mapping):
        raise TypeError(f"{where} needs the seeds as a mapping {{input Value: tangent}}, got {type(seeds).__name__}")
    out = {}
    for k, t in seeds.items():
        if not isinstance(k, Node):
            raise TypeError(f"{where}: a seed's key must be a Value (an input of the graph), got {type(k).__name__}")
        out[k] = check_data(t, f"{where}: the tangent of {k.label or 'an input'}")
    return out


def tangents(roots, seeds: Mapping, order: list | None = None, step=None) -> dict:
    """{v: ṫ(v)} for every node of the graph(s) ending in ``roots`` (a Value or a sequence), in one
    pass in topological order. A seeded node's tangent is its seed; a parent with tangent 0 adds
    nothing (so an infinite local, √x at 0, off the seeded paths stays out of the sums).
    ``step(v, i, p, tangent, local, before, after)``, when given, sees each (parent, local) of every
    node it sums (``after`` is ``before`` where the parent's tangent is 0): the traces' hook."""
    seeds = check_seeds(seeds)
    if order is None:
        order = merged_order(list(roots) if isinstance(roots, Sequence) else [roots])
    t: dict = {}
    for v in order:
        s = seeds.get(v)
        if s is None:
            s = 0.0
            for i, (p, local) in enumerate(edges(v)):
                tp = t[p]
                before = s
                if tp:
                    s += local * tp
                if step is not None:
                    step(v, i, p, tp, local, before, s)
        t[v] = s
    return t


def forward_gradient(root, seeds: Mapping) -> float:
    """The directional derivative of ``root`` along the seeds, Σₓ ∂root/∂x · seeds[x], by one
    forward-mode pass over the recorded graph: ``forward_gradient(f, {x: 1.0})`` is ∂f/∂x."""
    if not isinstance(root, Node):
        raise TypeError(f"forward_gradient needs a Value (the root of a graph), got {type(root).__name__}")
    return tangents(root, seeds)[root]


__all__ = ["forward_gradient", "tangents"]
