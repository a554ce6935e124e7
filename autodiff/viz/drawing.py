"""Computation graphs as pictures, in the style of CS231n's gate diagrams.

Each Value is a rounded box: its name on top, the forward value above the line and the gradient
∂root/∂node below it ("values above the wire, gradients below"). Each operation is a small circle
(+, ×, σ, ...) between its inputs and its result; a plain-number operand (the 3 in ``x * 3``) is
a small dashed box. The fill colour shows the gradient: orange where it is positive, blue where
it is negative, stronger where |grad| is larger. ``show_local=True`` writes the local derivative
∂child/∂parent on every edge.

Nodes made inside ``with autodiff.scope(name):`` are drawn inside a labelled cluster (nested
scopes nest); ``collapse=`` turns whole clusters into single boxes for big networks. Graphs over
``max_nodes`` are refused before any layout work. ``render`` writes SVG, PNG, PDF or DOT files.

DOT ids, for anyone reading the source: Values are ``n0, n1, ...`` in ``topological_order(root)``,
a Value's gate ``n<i>_op``, its plain-number operand ``n<i>_c``, collapsed scopes ``box<k>``; each
Value's ``tooltip`` holds its exact data and grad. Names, scope names and captions are user text: they
are escaped (control characters shown as ``\\x..`` escapes, long names cut with "…"; see ``style``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from ..engine import Value
from ..graph import topological_order
from ..text.display import node_names
from .builder import Builder
from .clusters import boxes as collapsed_boxes
from .options import DrawOptions, FrameState

if TYPE_CHECKING:
    from pathlib import Path

    import graphviz  # imported when a graph is drawn: `import autodiff` stays fast

COLLAPSE_SCAN_FACTOR = 50  # with collapse=..., scan up to 50 × max_nodes Values before giving up

INSTALL_HINT = (
    "Graphviz's `dot` program was not found on PATH; it is needed to lay out and render graphs.\n"
    "Install it with your system's package manager, then retry:\n"
    "  Debian/Ubuntu: sudo apt-get install graphviz\n"
    "  Fedora:        sudo dnf install graphviz\n"
    "  macOS:         brew install graphviz\n"
    "  conda:         conda install -c conda-forge graphviz\n"
    "  Windows/other: https://graphviz.org/download/ (add its bin folder to PATH)"
)


class GraphTooLargeError(ValueError):
    """The graph has more nodes than ``max_nodes``: refused before any layout work."""


class GraphvizMissingError(RuntimeError):
    """Graphviz's ``dot`` program is not installed (the DOT source was written instead)."""


def draw(
    root: Value,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    show_local: bool = False,
    color: bool = True,
    highlight: Iterable[Value] | Value = (),
    legend: bool = False,
    digits: int = 4,
    collapse: Iterable[str] | str | int = (),
    max_nodes: int | None = 2000,
    node_colours: Mapping[Value, str] | None = None,
    groups: object | None = None,
) -> graphviz.Digraph:
    """The computation graph ending in ``root`` as a ``graphviz.Digraph`` (shows itself in Jupyter).

    rankdir     "LR" (inputs on the left) or "TB", "RL", "BT"
    show_grad   write each node's ``.grad`` under its value (False: a forward-only picture)
    show_local  write the local derivative ∂child/∂parent on each edge
    color       fill by gradient: orange > 0, blue < 0, stronger for larger |grad|
    highlight   Values to outline, (child, parent) pairs whose edge to draw bold, or a
                ``check_backward`` report (its first wrong node and edge)
    legend      add a small key
    digits      significant digits of the printed numbers
    collapse    draw whole scopes as one box each: a depth (1 = every top-level scope), or scope
                names: "layers.0", "layers.0.neurons.3", a name prefix ("neurons" boxes every
                neurons.j) or a glob ("layers.*")
    max_nodes   refuse larger graphs at once (GraphTooLargeError); None for no limit
    node_colours  fill by your own key instead of the gradient: {Value: "#rrggbb"} (others unfilled)
    groups      a numpy replay's plan (``autodiff.compile(root, inputs=..., backend="numpy").plan``, of
                this very graph): each node filled by the batched group it runs in and captioned
                "group k" (``legend`` lists them); nodes in no group (leaves) are unfilled
    """
    options = DrawOptions.make(
        rankdir=rankdir, show_grad=show_grad, show_local=show_local, color=color, highlight=highlight,
        legend=legend, digits=digits, collapse=collapse, max_nodes=max_nodes,
        node_colours=node_colours, groups=groups,
    )  # fmt: skip
    return build(root, options)


def render(root: Value, path: str | Path, **draw_options) -> Path:
    """Draw ``root``'s graph into ``path``; the format comes from the suffix: .svg, .png, .pdf,
    or .dot/.gv for the DOT source only. Returns the path written.

    Without Graphviz's ``dot`` program: writes the DOT source next to ``path`` (same name,
    suffix .gv) and raises ``GraphvizMissingError`` saying how to install Graphviz."""
    return save(build(root, DrawOptions.make(**draw_options)), path)


def save(graph: graphviz.Digraph, path: str | Path) -> Path:
    """Write a drawn graph to ``path`` (format from the suffix, as ``render``), making its folder."""
    from pathlib import Path

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt_ = path.suffix.lower().lstrip(".")
    if fmt_ in ("dot", "gv"):
        path.write_text(graph.source, encoding="utf-8")
        return path
    if fmt_ not in ("svg", "png", "pdf"):
        raise ValueError(f"cannot tell the image format from {path.name!r}: use a .svg, .png, .pdf, .dot or .gv suffix")
    data = pipe(graph, fmt_, source_next_to=path)
    path.write_bytes(data)
    return path


def pipe(graph: graphviz.Digraph, fmt_: str, source_next_to: Path | None = None) -> bytes:
    """Run ``dot`` on the graph and return the image bytes; a clear error when ``dot`` is missing."""
    from graphviz import ExecutableNotFound

    try:
        return graph.pipe(format=fmt_)
    except ExecutableNotFound:
        message = INSTALL_HINT
        if source_next_to is not None:
            source = source_next_to.with_suffix(".gv")
            source.write_text(graph.source, encoding="utf-8")
            message += (
                f"\nThe DOT source was written to {source}; once Graphviz is installed, "
                f"`dot -T{fmt_} {source.name} -o {source_next_to.name}` renders it."
            )
        raise GraphvizMissingError(message) from None


# ---- building the picture ----------------------------------------------------------------------
def build(root: Value, o: DrawOptions, frame: FrameState | None = None) -> graphviz.Digraph:
    """The Digraph for ``root`` with validated options (and, for frames, a FrameState)."""
    return builder(root, o, frame).run()


def builder(root: Value, o: DrawOptions, frame: FrameState | None = None) -> Builder:
    """The checked ``Builder`` of ``build`` (the page reads its drawing ids before running it)."""
    if not isinstance(root, Value):
        raise TypeError(f"draw needs a Value (the root of a graph), got {type(root).__name__}: {root!r}")
    order = _order_within_limit(root, o)
    _check_texts(order)
    names = node_names(order)
    boxes = collapsed_boxes(order, o.collapse)  # Value -> scope path of the box it is collapsed into
    if o.collapse and o.max_nodes is not None:
        drawn = sum(1 for v in order if v not in boxes) + len(set(boxes.values()))
        if drawn > o.max_nodes:
            raise GraphTooLargeError(
                f"even collapsed, the graph has {drawn} boxes to draw (max_nodes={o.max_nodes}): "
                "collapse more (a smaller depth, or more scope names), draw a sub-graph, or raise max_nodes"
            )
    return Builder(root, order, names, boxes, o, frame)


def _check_texts(order: list[Value]) -> None:
    """Labels and scope names are drawn as text: each must be a str (labels may be None)."""
    for i, v in enumerate(order):
        if v.label is not None and not isinstance(v.label, str):
            raise TypeError(f"a node's label must be a str or None, got {type(v.label).__name__}: {v.label!r} "
                            f"(node {i} in topological order, data {v.data!r})")  # fmt: skip
        bad = next((s for s in v.scope if not isinstance(s, str)), None) if v.scope else None
        if bad is not None:
            raise TypeError(f"scope names must be str, got {type(bad).__name__}: {bad!r} in the scope {v.scope!r} "
                            f"of node {i} in topological order")  # fmt: skip


def _order_within_limit(root: Value, o: DrawOptions) -> list[Value]:
    """The topological order, after counting the nodes with an early exit (no full traversal of a
    graph that is too big)."""
    if o.max_nodes is None:
        return topological_order(root)
    cap = o.max_nodes * COLLAPSE_SCAN_FACTOR if o.collapse else o.max_nodes
    n = count_nodes(root, cap)
    if n > cap and o.collapse:
        raise GraphTooLargeError(
            f"the graph has more than {cap} Values: too many to scan even for collapse (which reads up to "
            f"{COLLAPSE_SCAN_FACTOR} × max_nodes); draw a sub-graph (pass an intermediate node as the root) "
            "or raise max_nodes"
        )
    if n > cap:
        raise GraphTooLargeError(
            f"the graph has more than {o.max_nodes} Values (max_nodes={o.max_nodes}), too many to lay out "
            "quickly. Collapse clusters into boxes (draw(root, collapse=1) boxes every top-level scope, such "
            "as an nn layer), draw a sub-graph (pass an intermediate node as the root), or raise max_nodes"
        )
    return topological_order(root)


def count_nodes(root: Value, stop_after: int) -> int:
    """The number of Values in ``root``'s graph, or ``stop_after + 1`` as soon as it exceeds
    ``stop_after`` (so a huge graph costs no more than ``stop_after`` visits)."""
    seen = {root}
    stack = [root]
    while stack:
        for p in stack.pop().parents:
            if p not in seen:
                seen.add(p)
                if len(seen) > stop_after:
                    return stop_after + 1
                stack.append(p)
    return len(seen)
