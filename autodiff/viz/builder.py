"""The DOT statements of a drawing: a box per Value, a circle per operation, a dashed box per
plain-number operand, edges (with local derivatives), nested clusters per scope, collapsed
scopes as single boxes. ``draw.build`` validates and counts first, then hands over to this.
User text (names, scopes, captions) enters DOT only through ``style``'s ``html_text``,
``text_label``, ``caption_label`` and ``tooltip`` (the policy is in ``style``'s docstring)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..engine import Value
from ..graph import edges
from ..text.display import fmt, formula, symbol
from .clusters import module_order
from .options import DrawOptions, FrameState
from .style import (
    DATA_INK,
    FONT,
    GRAD_INK,
    HIGHLIGHT,
    MAX_LABEL,
    MUTED_INK,
    NEUTRAL,
    caption_label,
    fill_colour,
    html_text,
    legend,
    printable,
    row,
    short,
    text_label,
    tooltip,
)

if TYPE_CHECKING:
    import graphviz


class Builder:
    def __init__(self, root, order, names, boxes, o: DrawOptions, frame: FrameState | None) -> None:
        self.root, self.order, self.names, self.boxes, self.o, self.frame = root, order, names, boxes, o, frame
        self.ids = {v: f"n{i}" for i, v in enumerate(order)}
        self.path_ids: dict[tuple[str, ...], int] = {}
        self.rank = module_order(order)  # clusters and boxes in the order their modules ran
        self.box_ids = {path: f"box{self._path_id(path)}" for path in sorted(set(boxes.values()), key=self._rank)}
        self.members: dict[tuple[str, ...], list[str]] = {}  # cluster path -> node statements
        self.edges: list[tuple[str, str, dict]] = []
        self.grads = frame.grads if frame is not None else None
        self.scale = self._scale()
        self.width = self._fixed_width(frame.width_chars) if frame is not None and frame.width_chars else None

    def _path_id(self, path: tuple[str, ...]) -> int:
        """A small id per scope path (scope names may hold characters DOT ids cannot)."""
        return self.path_ids.setdefault(path, len(self.path_ids))

    def _rank(self, path: tuple[str, ...]) -> tuple[int, tuple[str, ...]]:
        return self.rank.get(path, len(self.rank)), path

    def known(self, v: Value) -> bool:
        """Is ``v``'s forward value computed yet (in a forward-pass frame)?"""
        return self.frame is None or self.frame.computed is None or v in self.frame.computed

    def grad(self, v: Value) -> float | None:
        """The gradient to show (None: not computed yet in this frame); a Value's number when
        ``backward(create_graph=True)`` left a Value in ``.grad``."""
        g = v.grad if self.grads is None else self.grads.get(v)
        return g.data if isinstance(g, Value) else g

    def _scale(self) -> float:
        if self.frame is not None and self.frame.scale is not None:
            return self.frame.scale
        return max((abs(g) for v in self.order if (g := self.grad(v)) is not None and not math.isnan(g)), default=0.0)

    def _fixed_width(self, chars: int) -> int:
        """Points for a box whose longest gradient has ``chars`` characters (12 pt digits are ~7.7 pt
        wide, plus the small "grad " caption), or whose "name = value" line is the longest."""
        shown = (len(printable(self.names[v], MAX_LABEL)) + 3 + len(fmt(v.data, self.o.digits)) for v in self.order)
        top = max(shown, default=1)
        return round(max(26 + 7.7 * chars, 8 + 7.6 * top))

    # ---- statements --------------------------------------------------------------------------
    def run(self) -> graphviz.Digraph:
        o = self.o
        from graphviz import Digraph  # imported here, so that `import autodiff` stays fast

        g = Digraph("autodiff", format="svg")
        g.attr(rankdir=o.rankdir, fontname=FONT, bgcolor="white", nodesep="0.22", ranksep="0.32", pad="0.15")
        g.attr("node", fontname=FONT, fontsize="11")
        g.attr("edge", fontname=FONT, fontsize="9", color="#555555", arrowsize="0.6")
        for v in self.order:
            if v in self.boxes:
                continue
            self._value(v)
            if not v.is_leaf:
                self._operation(v)
        if self.boxes:
            self._collapsed()
            g.attr(mclimit="0.01")  # keep boxes in module order (crossing minimisation would rotate a layer)
        self._emit(g)
        for src, dst, attrs in self.edges:
            g.edge(src, dst, **attrs)
        if o.legend:
            g.node("legend", legend(o), shape="plain", fontsize="9")
        if self.frame is not None and self.frame.caption:
            g.attr(label=caption_label(self.frame.caption), labeljust="l", labelloc="b", fontsize="12")
        return g

    def _put(self, path: tuple[str, ...], statement: tuple[str, dict]) -> None:
        self.members.setdefault(path, []).append(statement)

    def _value(self, v: Value) -> None:
        o, name = self.o, self.names[v]
        g = self.grad(v)
        w = self.width
        ink = "#222222" if v.label else MUTED_INK
        shown = f"<B>{html_text(name)}</B>" if v.label else html_text(name)
        value = fmt(v.data, o.digits) if self.known(v) else "?"
        eq, value = (" ≈ ", value[1:]) if value.startswith("≈") else (" = ", value)  # "f3 ≈ 1", not "f3 = ≈1"
        top = (f'<FONT POINT-SIZE="11" COLOR="{ink}">{shown}</FONT><FONT POINT-SIZE="11" COLOR="{MUTED_INK}">{eq}</FONT>'
               f'<FONT POINT-SIZE="12" COLOR="{DATA_INK if self.known(v) else MUTED_INK}">{html_text(value)}</FONT>')  # fmt: skip
        width = f' WIDTH="{w}"' if w else ""
        rows = [f"<TR><TD{width}>{top}</TD></TR>"]
        if o.show_grad:
            text = html_text("?" if g is None else fmt(g, o.digits))
            rows.append("<HR/>")
            rows.append(row(text, "grad ", ink=GRAD_INK if g is not None else MUTED_INK, size=12, width=w))
        keyed = o.colouring
        if keyed is not None and v in keyed.captions:
            rows.append(row(html_text(keyed.captions[v]), "", ink=MUTED_INK, size=9, width=w))
        label = f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">{"".join(rows)}</TABLE>>'
        if keyed is not None:
            fill = keyed.colours.get(v, NEUTRAL)
        else:
            fill = fill_colour(g, self.scale) if (o.color and o.show_grad and g is not None) else NEUTRAL
        attrs = {
            "label": label,
            "shape": "box",
            "style": "rounded,filled",
            "fillcolor": fill,
            "margin": "0.06,0.03",
            "color": "#666666",
            "tooltip": self._tooltip(v, g),
        }
        if v is self.root:
            attrs["peripheries"] = "2"
        self._outline(v, attrs)
        self._put(v.scope, (self.ids[v], attrs))

    def _tooltip(self, v: Value, g: float | None) -> str:
        parts = [short(self.names[v]), f"data = {v.data!r}" if self.known(v) else "data not computed yet"]
        if self.o.show_grad:
            parts.append(f"grad = {g!r}" if g is not None else "grad not computed yet")
        parts.append(f"op = {v.op or 'leaf'}")
        return tooltip(", ".join(parts))

    def _outline(self, v: Value, attrs: dict) -> None:
        if v in self.o.highlight or (self.frame is not None and v is self.frame.current):
            attrs.update(color=HIGHLIGHT, penwidth="3")
        elif self.frame is not None and v in self.frame.active_parents:
            attrs.update(color=HIGHLIGHT, penwidth="1.6")

    def _operation(self, v: Value) -> None:
        o, vid = self.o, self.ids[v]
        op_id = vid + "_op"
        current = self.frame is not None and v is self.frame.current
        sym = symbol(v)  # the row v was made with (a user operation registered again later keeps old nodes' own)
        attrs = {
            "label": text_label(sym),
            "shape": "circle" if len(sym) == 1 else "ellipse",  # a circle round "tanh" would be huge
            "width": "0.3",
            "height": "0.3",
            "margin": "0.02,0.01",
            "fontsize": "22" if sym == "·" else "12",  # a centred dot (dot product) needs to be big to show
            "style": "filled",
            "fillcolor": "#fffbe6" if not current else "#e9dcf5",
            "color": HIGHLIGHT if current else "#666666",
            "tooltip": tooltip(self._operation_tip(v)),
        }
        if current:
            attrs["penwidth"] = "2"
        self._put(v.scope, (op_id, attrs))
        self.edges.append((op_id, vid, {}))
        child = self.names[v]
        seen_boxes = set()
        # a dot node's plain-number inputs (x in w·x) are not nodes: name them on their weight's wire
        pairs = edges(v)
        partners = v.partners or (None,) * len(pairs)
        for (p, local), partner in zip(pairs, partners):
            src = self._drawn(p)
            attrs = {}
            if p in self.boxes:
                if src in seen_boxes:
                    continue
                seen_boxes.add(src)
            elif not o.show_local and partner is not None and not isinstance(partner, Value):
                attrs["label"] = text_label(f"× {fmt(partner, o.digits)}")
                attrs["tooltip"] = tooltip(f"{short(self.names[p])} × the plain number {partner!r} (not a node: no gradient)")
                attrs["fontcolor"] = "#444444"
            elif o.show_local:
                number, parent = fmt(local, o.digits), self.names[p]
                full = f"∂{child}/∂{parent} = {number}"
                # long names ("w0*x0+w1*x1") would make the label unreadable: then the number alone
                attrs["label"] = text_label(full if _short(child) and _short(parent) else number)
                attrs["tooltip"] = tooltip(f"∂{short(child)}/∂{short(parent)} = {number}")
                attrs["fontcolor"] = "#5a3d7a"
            if current or (v, p) in o.highlight:
                attrs.update(color=HIGHLIGHT, penwidth="2.2" if current else "3")
            if p.scope != v.scope:
                # Leave a rank free between clusters: a cluster's own inputs (a layer's weights) sit one
                # rank before its first gate, so without this it could not stand beside the previous one.
                attrs["minlen"] = "2"
            self.edges.append((src, op_id, attrs))
        for k, (text, tip) in enumerate(_plain_operands(v, o.digits)):
            cid = f"{vid}_c{k or ''}"
            self._put(v.scope, (cid, {"label": text_label(text), "shape": "box", "style": "dashed", "fontsize": "10",
                                      "color": "#999999", "fontcolor": "#444444", "width": "0.3", "height": "0.25",
                                      "margin": "0.05,0.02", "tooltip": tooltip(tip)}))  # fmt: skip
            self.edges.append((cid, op_id, {"style": "dashed", "color": "#999999"}))

    def _operation_tip(self, v: Value) -> str:
        """The operation's tooltip: how the node was computed and its rule, from the row it was made with."""
        row = v.row
        how = f"{short(self.names[v])} = {formula(v, self.names, self.o.digits)}"
        return f"{how}: {row.maths}" if row is not None and row.maths else how

    def _drawn(self, v: Value) -> str:
        box = self.boxes.get(v)
        return self.ids[v] if box is None else self.box_ids[box]

    def _collapsed(self) -> None:
        """One pass over the graph for all boxes: members, outputs (used outside or the root) and
        the edges into each box (one per distinct source)."""
        members: dict[tuple[str, ...], list[Value]] = {}
        exported: set[Value] = set()
        into: set[tuple[str, str]] = set()
        for c in self.order:
            bc = self.boxes.get(c)
            if bc is not None:
                members.setdefault(bc, []).append(c)
            for p in c.parents:
                bp = self.boxes.get(p)
                if bp is not None and bp != bc:
                    exported.add(p)  # edges out of a box are drawn by their consumer
                if bc is not None and bp != bc and (self._drawn(p), self.box_ids[bc]) not in into:
                    into.add((self._drawn(p), self.box_ids[bc]))
                    self.edges.append((self._drawn(p), self.box_ids[bc], {}))
        exported.add(self.root)
        for path in sorted(members, key=self._rank):
            self._box(path, members[path], [v for v in members[path] if v in exported])

    def _box(self, path: tuple[str, ...], inside: list[Value], outputs: list[Value]) -> None:
        """One box for a collapsed scope: its name, node count and output values."""
        o, bid = self.o, self.box_ids[path]
        rows = [
            row(html_text(".".join(path)), "", bold=True, ink="#222222", size=11),
            row(
                html_text(f"{_count(len(inside), 'node')}, {_count(len(outputs), 'output')}"),
                "",
                ink=MUTED_INK,
                size=10,
            ),
        ]
        for v in outputs[:6]:
            g = self.grad(v)
            text = f"{html_text(self.names[v])} = {html_text(fmt(v.data, o.digits))}"
            if o.show_grad:
                text += html_text(f"   grad {'?' if g is None else fmt(g, o.digits)}")
            rows.append(row(text, "", ink="#222222", size=10))
        if len(outputs) > 6:
            rows.append(row(html_text(f"… {len(outputs) - 6} more"), "", ink=MUTED_INK, size=10))
        label = f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">{"".join(rows)}</TABLE>>'
        attrs = {
            "label": label,
            "shape": "box3d",
            "margin": "0.14,0.07",
            "style": "filled",
            "fillcolor": "#eef0f6",
            "color": "#555577",
            "tooltip": tooltip(f"scope {short('.'.join(path))} collapsed: {_count(len(inside), 'node')}"),
        }
        if any(v in o.highlight or (self.frame is not None and v is self.frame.current) for v in inside):
            attrs.update(color=HIGHLIGHT, penwidth="3")
        self._put(path[:-1], (bid, attrs))

    def _emit(self, g: graphviz.Digraph) -> None:
        """Node statements, nested in one cluster per scope path."""
        paths = set(self.members)
        for path in list(paths):  # every ancestor of a used path is a cluster too
            paths.update(path[:k] for k in range(1, len(path)))
        children: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
        for path in paths:
            if path:
                children.setdefault(path[:-1], []).append(path)

        def fill(sub: graphviz.Digraph, path: tuple[str, ...]) -> None:
            for node_id, attrs in self.members.get(path, ()):
                sub.node(node_id, **attrs)
            for child in sorted(children.get(path, ()), key=self._rank):
                with sub.subgraph(name=f"cluster{self._path_id(child)}") as c:
                    depth = len(child)
                    c.attr(
                        label=text_label(child[-1]),
                        tooltip=tooltip("scope " + short(".".join(child))),
                        labeljust="l",
                        fontsize="10",
                        fontcolor="#555555",
                        style="rounded,filled",
                        fillcolor="#f7f7f7" if depth % 2 else "#ececec",
                        color="#aaaaaa",
                    )
                    fill(c, child)

        fill(g, ())


MAX_PLAIN = 6  # dashed boxes per operation; more plain numbers are summed up in one more box


def _plain_operands(v: Value, digits: int) -> list[tuple[str, str]]:
    """(label, tooltip) of a dashed box for each plain-number operand of ``v`` that no wire shows: the 3
    of x·3, the constants among a sum's terms, a dot's plain bias and its terms of two numbers (a number
    beside a Value is written on that Value's wire)."""
    ops, plain = v.operands, " (a plain number, not a node: no gradient)"
    if v.partners:  # dot: w₀, x₀, w₁, x₁, …, bias last when the length is odd
        n = len(ops) // 2 * 2
        found = [(f"{fmt(a, digits)} × {fmt(b, digits)}", f"the term {a!r} × {b!r}" + plain)
                 for a, b in zip(ops[0:n:2], ops[1:n:2]) if not isinstance(a, Value) and not isinstance(b, Value)]
        if n < len(ops) and not isinstance(ops[-1], Value):
            found.append((f"+ {fmt(ops[-1], digits)}", f"the bias {ops[-1]!r}" + plain))
    else:
        found = [(fmt(c, digits), f"operand {i + 1}: {c!r}" + plain) for i, c in enumerate(ops) if not isinstance(c, Value)]
    if len(found) > MAX_PLAIN:
        rest = len(found) - MAX_PLAIN + 1
        found = [*found[: MAX_PLAIN - 1], (f"… {rest} more numbers", f"{rest} more plain-number operands")]
    return found


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _short(name: str) -> bool:
    """A name that reads well inside ∂a/∂b: a short identifier such as x, q, w0, v12."""
    return len(name) <= 6 and name.replace("_", "a").replace(".", "a").isalnum()
