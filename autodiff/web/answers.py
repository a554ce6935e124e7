"""The playground's answers about one graph: "compute" (values, gradients, local derivatives, the DOT
drawing), "steps" (the step-through page's player data), "derive" (the chain rule written out, the
paths) and "check" (a learner's backward pass, ``check_backward``).

Every number is the engine's; the drawings are ``viz``'s (values, gradients, ∂child/∂parent on the
wires; every text escaped by ``viz.style``); the DOT is laid out by the browser's Graphviz. A graph over
``DRAW_LIMIT`` nodes still computes; its drawing is refused with ``draw``'s hint (collapse, a sub-graph).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..engine import Value
from ..graph import edges
from ..text.display import fmt, formula
from ..verify.backward_check import check_backward
from ..verify.derivation import derivation
from ..viz.drawing import GraphTooLargeError, draw
from ..viz.gradient_paths import paths
from ..viz.page import fill_page, page_parts
from .errors import WebError, number
from .reading import Problem, value_of

EMPTY_PICTURE = '<div class="picture"></div>'
SVG_SLOT = "<!--autodiff:svg:{mode}-->"  # where the page's script puts Graphviz's SVG of the pass's DOT
DRAW_LIMIT = 500  # nodes the browser lays out (Graphviz in WebAssembly); larger graphs get the hint
DIGITS = 4


def _drawing(problem: Problem, request: Mapping, **options) -> dict:
    """``{"dot", "too_large", "hint"?}``: the drawing, or why there is none."""
    collapse = request.get("collapse", ())
    try:
        graph = draw(problem.root, show_local=True, collapse=collapse, max_nodes=DRAW_LIMIT, **options)
    except GraphTooLargeError as err:
        return {"dot": None, "too_large": True, "hint": str(err)}
    except (TypeError, ValueError) as err:  # a bad "collapse"
        raise WebError(f"collapse: {err}", field="collapse") from None
    return {"dot": graph.source, "too_large": False}


def _node(p: Problem, v: Value) -> dict:
    out = {"id": p.ids[v], "label": p.names[v], "op": str(v.op) or "input", "input": v.is_leaf,
           "formula": "input" if v.is_leaf else formula(v, p.names, DIGITS),
           "data": number(v.data), "grad": number(v.grad),
           "data_shown": fmt(v.data, DIGITS), "grad_shown": fmt(v.grad, DIGITS)}  # fmt: skip
    if v in p.named:
        out["name"] = p.names[v]
    return out


def graph_json(p: Problem) -> dict:
    """The nodes (topological order) and edges (parent → child, with ∂child/∂parent, and the title of
    the DOT edge that draws it into the child's gate, for highlighting)."""
    nodes = [_node(p, v) for v in p.order]
    wires = []
    for v in p.order:
        for slot, (parent, local) in enumerate(edges(v)):
            wires.append({"from": p.ids[parent], "to": p.ids[v], "slot": slot, "local": number(local),
                          "local_shown": fmt(local, DIGITS), "dot_edge": f"{p.ids[parent]}->{p.ids[v]}_op"})  # fmt: skip
    return {"nodes": nodes, "edges": wires}


def compute(p: Problem, request: Mapping) -> dict:
    """The forward and backward pass: ``root.backward()`` on the graph the request built."""
    p.root.backward()
    out = {
        "expr": p.text,
        "output": {"id": p.ids[p.root], "label": p.names[p.root], "data": number(p.root.data),
                   "data_shown": fmt(p.root.data, DIGITS)},
        "inputs": {n: {"id": p.ids.get(v), "data": number(v.data), "grad": number(v.grad),
                       "grad_shown": fmt(v.grad, DIGITS)} for n, v in p.leaves.items()},
        "notes": p.notes,
    }  # fmt: skip
    drawing = _drawing(p, request)
    out.update(graph_json(p) if not drawing["too_large"] else {"nodes": [], "edges": []})
    out.update(drawing)
    return out


def steps(p: Problem, request: Mapping) -> dict:
    """The step-through page's parts, its drawings as DOT (``viz.page.page_parts``, ``render=False``);
    with ``"page": true`` also the whole page (``page.html``: its player and quiz, CSS and script inline),
    each pass's empty picture holding the marker ``SVG_SLOT`` for the laid-out drawing."""
    try:
        parts = page_parts(p.root, render=False, show_local=True, max_nodes=DRAW_LIMIT)
    except ValueError as err:  # over the drawing limit (GraphTooLargeError), or more steps than the player takes
        return {"too_large": True, "hint": str(err)}
    out = {"too_large": False, **parts}
    if request.get("page") is True:
        body = parts["body"]
        for mode in ("backward", "forward"):  # the sections come in this order, each with one empty picture
            body = body.replace(EMPTY_PICTURE, f'<div class="picture">{SVG_SLOT.format(mode=mode)}</div>', 1)
        out["page"] = fill_page({**parts, "body": body})
        out["svg_slots"] = {mode: SVG_SLOT.format(mode=mode) for mode in ("backward", "forward")}
    return out


def derive(p: Problem, request: Mapping) -> dict:
    """∂root/∂wrt written out (``derivation``: text and LaTeX) and path by path (``paths``)."""
    wrt = request.get("wrt")
    leaf = p.node(wrt, "wrt")
    d = derivation(p.root, leaf, digits=DIGITS)
    try:
        found = paths(p.root, leaf, digits=DIGITS)
    except ValueError as err:  # PathLimitError: too many paths to list
        found, note = None, str(err)
    rows = []
    if found is not None:
        for q in found.paths:
            rows.append({"ids": [p.ids[v] for v in q.nodes], "labels": [p.names[v] for v in q.nodes],
                         "locals": [number(x) for x in q.locals], "product": number(q.product),
                         "text": " → ".join(p.names[v] for v in q.nodes),
                         "factors": f"{' × '.join(fmt(x, DIGITS) for x in q.locals) or '1'} = {fmt(q.product, DIGITS)}"})  # fmt: skip
        note = str(found)
    return {"wrt": p.names[leaf], "id": p.ids[leaf], "text": d.text, "latex": d.latex, "total": number(d.total),
            "paths": rows, "paths_text": note}  # fmt: skip


def check(p: Problem, request: Mapping) -> dict:
    """The learner's gradients (and local derivatives) against the engine's: ``check_backward``."""
    grads = request.get("grads", {})
    local = request.get("locals") or {}
    if not isinstance(grads, Mapping) or not isinstance(local, Mapping):
        raise WebError("\"grads\" and \"locals\" must be objects {node: number}", field="grads")
    hand = {}
    for key, x in grads.items():
        if x == "" or x is None:
            continue  # a box left empty: not checked
        v = p.node(key, "grads")
        hand[v] = value_of(x, f"your ∂{p.names[p.root]}/∂{p.names[v]}")
    hand_local = {}
    for key, x in local.items():
        if x == "" or x is None:
            continue
        parent, sep, child = str(key).partition("->")
        if not sep:
            raise WebError(f"locals: a key is \"<from>-><to>\" (the input, then the node), got {str(key)[:60]!r}",
                           field="locals")  # fmt: skip
        c, q = p.node(child.strip(), "locals"), p.node(parent.strip(), "locals")
        if not any(u is q for u in c.parents):
            raise WebError(f"locals: {p.names[q]} is not an input of {p.names[c]}", field="locals")
        hand_local[(c, q)] = value_of(x, f"your ∂{p.names[c]}/∂{p.names[q]}")
    if not hand and not hand_local:
        raise WebError("type at least one gradient to check", field="grads")
    report = check_backward(p.root, hand, hand_local)
    d = report.diagnosis
    first = report.first if report.first is not None else (d.node if d is not None else None)
    edge = d.edge if d is not None and d.edge is not None and d.edge[0] is not None else None
    rows = [{"id": p.ids[r.node], "label": p.names[r.node], "formula": r.formula, "yours": number(r.hand),
             "engine": number(r.engine), "ok": r.ok,
             "slip": None if r.ok or r.node not in report.diagnoses else report.diagnoses[r.node].kind}
            for r in report.rows]  # fmt: skip
    wrong_locals = [{"from": p.ids[r.parent], "to": p.ids[r.child], "yours": number(r.hand),
                     "engine": number(r.engine), "ok": r.ok} for r in report.locals]  # fmt: skip
    try:
        dot = report.draw(max_nodes=DRAW_LIMIT).source
    except GraphTooLargeError:
        dot = None
    return {
        "all_right": bool(report), "first_wrong": None if first is None else p.ids[first],
        "first_wrong_label": None if first is None else p.names[first],
        "slip": None if d is None else d.kind, "message": None if d is None else d.message,
        "right": None if d is None else d.computation, "edge": None if edge is None else
        {"from": p.ids[edge[1]], "to": p.ids[edge[0]], "dot_edge": f"{p.ids[edge[1]]}->{p.ids[edge[0]]}_op"},
        "rows": rows, "locals": wrong_locals, "verdict": report._verdict(), "table": str(report), "dot": dot,
    }  # fmt: skip


__all__ = ["DRAW_LIMIT", "check", "compute", "derive", "graph_json", "steps"]
