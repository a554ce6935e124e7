"""A step-through page: the forward and the backward pass of a graph, one self-contained HTML file.

The graph is drawn once per pass with Graphviz (inline SVG, ``page_picture``); the page's script
shows each step on that one drawing (the current node outlined, the edges being applied bold, the
gradients not yet arrived shown as "?"), beside the trace table (the current row marked) and the
step as a sentence ("upstream -4 × local 1 = -4 added to x.grad: 0 → -4"). ◀ ▶ buttons, the ←/→
keys, a slider and play/pause move through the steps; the forward pass has its own mode; the quiz
hides each step's answers until the learner reveals them or, in the backward pass, types them: the
local derivative, the contribution and the new gradient of each edge (checked at ``check_backward``'s
tolerance, a wrong number given the hint of the slip that explains it: ``page_hints``; a running
score of first tries). So the page grows with the graph, not graph × steps: a graph of
``max_nodes`` = 2000 nodes makes a page of a few MB in seconds; a pass of more than ``MAX_ROWS``
rows (nodes + edges) is refused.

The numbers are ``trace_backward``'s and ``trace_forward``'s, so page, tables, frames and GIFs agree;
no ``.grad`` or ``.data`` is written. The page works from ``file://`` with no network request of any
kind (its Content-Security-Policy forbids them): the CSS and the small script in ``assets/`` are
written into it. The template is filled in one pass (a ``{{name}}`` inside an inserted text stays
text). Every user text is escaped: names through ``style.printable`` and ``html.escape``; the SVG
comes from Graphviz, which escapes its labels (``style``'s policy); the JSON in the ``<script>`` has
``< > &`` written as ``\\u003c`` ... so no text can close the script.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from ..engine import Value
from ..text.display import fmt, formula
from ..text.slips import ATOL, RTOL
from .drawing import GraphTooLargeError, builder
from .frames import MAX_STEPS, backward_trace
from .options import DrawOptions
from .page_hints import BOXES, step_boxes
from .page_picture import Pictures
from .style import DATA_INK, GRAD_INK, MAX_TIP_NAME, MUTED_INK, NEUTRAL, printable
from .trace import BackwardTrace, ForwardTrace, trace_forward

ASSETS = Path(__file__).with_name("assets")
MAX_ROWS = 6000  # nodes (the forward pass's steps) + edges (the backward pass's rows): a page that still loads fast


def save_html(source: Value | BackwardTrace, path: str | Path, *, title: str | None = None,
              max_steps: int = MAX_STEPS, **draw_options) -> Path:  # fmt: skip
    """Write the step-through page of ``source`` (a root, whose passes are traced on the side, or a
    ``BackwardTrace``) into ``path`` (.html or .htm; the folder is made). Draw options as ``draw``;
    a graph over ``max_nodes`` or with more than ``max_steps`` steps is refused, as ``draw`` and the
    frames refuse it, and so is one of more than ``MAX_ROWS`` nodes and edges. Returns the path written."""
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"save_html writes an .html file, got {path.name!r}")
    page = page_html(source, title=title, max_steps=max_steps, **draw_options)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


def page_html(source: Value | BackwardTrace, *, title: str | None = None, max_steps: int = MAX_STEPS,
              **draw_options) -> str:  # fmt: skip
    """The step-through page as a string (what ``save_html`` writes and ``step_through`` shows)."""
    return fill_page(page_parts(source, title=title, max_steps=max_steps, **draw_options))


def fill_page(parts: dict) -> str:
    """The page from ``page_parts``: its template filled, the CSS, the script and the data inline."""
    parts = {**parts, "data": script_json(parts["data"]), "css": (ASSETS / "page.css").read_text(encoding="utf-8"),
             "js": (ASSETS / "page.js").read_text(encoding="utf-8")}  # fmt: skip
    return fill(ASSETS.joinpath("page.html").read_text(encoding="utf-8"), parts)


def page_parts(source: Value | BackwardTrace, *, title: str | None = None, max_steps: int = MAX_STEPS,
               render: bool = True, **draw_options) -> dict:  # fmt: skip
    """What fills the page's template (``page.html``): "title", "summary", "where" (HTML), "last" (the
    last step's index), "body" (the two passes' sections: drawing, sentences, table; HTML), "data" (the
    player's JSON data, as a dict) and "dot" (each pass's drawing as DOT). With ``render=False`` no
    Graphviz program runs and each section's ``<div class="picture">`` is left empty, for a page that
    lays the DOT out itself (the playground)."""
    options = DrawOptions.make(**draw_options)
    root = source.root if isinstance(source, BackwardTrace) else source
    if isinstance(root, Value):
        builder(root, options)  # refuses a graph over the drawing limit (with the collapse hint) before any work
    trace = backward_trace(source)
    rows = len(trace.order) + sum(len(s.contributions) for s in trace)
    if rows > MAX_ROWS:
        raise GraphTooLargeError(
            f"the step-through page of this graph would have {rows} rows ({len(trace.order)} nodes and "
            f"{rows - len(trace.order)} edges), more than {MAX_ROWS}: draw a sub-graph (pass an intermediate "
            "node as the root), or print the trace as a table (autodiff.trace_backward)"
        )
    pictures = Pictures(trace, options, max_steps, render)  # refuses more than max_steps steps
    forward = trace_forward(trace.root, digits=trace.digits)
    ids = {v: f"n{i}" for i, v in enumerate(trace.order)}  # the drawing's node ids (builder: order index)
    back, fwd = _backward_steps(trace, ids), _forward_steps(forward, trace, ids)
    name = trace.names[trace.root]
    title = title if title is not None else f"the backward pass of {name}, step by step"
    data = {
        "ink": {"backward": GRAD_INK, "forward": DATA_INK, "muted": MUTED_INK, "neutral": NEUTRAL},
        "tol": {"rtol": RTOL, "atol": ATOL},
        "start": pictures.start(),
        "backward": [{**s.public(), **({} if s.node is None else pictures.backward_step(trace[i - 1]))}
                     for i, s in enumerate(back)],
        "forward": [{**s.public(), **pictures.outline(step.node)} for s, step in zip(fwd, forward)],
    }  # fmt: skip
    body = "".join(_section(mode, pictures.svg[mode], steps, head, rows, mode == "backward") for mode, steps, (head, rows) in (
        ("backward", back, _backward_table(trace)), ("forward", fwd, _forward_table(forward))))  # fmt: skip
    return {
        "title": text(title),
        "summary": "\n".join(text(line) for line in trace.summary().split("\n")),
        "last": str(len(back) - 1),
        "where": text(back[0].where),
        "data": data,
        "body": body,
        "dot": {mode: g.source for mode, g in pictures.graphs.items()},
    }


def fill(template: str, parts: dict[str, str]) -> str:
    """``template`` with each ``{{name}}`` replaced by ``parts[name]``, in one pass: a ``{{...}}`` in
    an inserted text is never read as a placeholder."""
    return re.sub(r"\{\{(\w+)\}\}", lambda m: parts[m.group(1)], template)


def text(s: str, limit: int | None = None) -> str:
    """A user text as HTML: printable (control characters as escapes, cut at ``limit``), entities."""
    return html.escape(printable(str(s), limit), quote=True)


def script_json(data) -> str:
    """``data`` as JSON that is safe inside ``<script>``: ``< > &`` and the line separators
    U+2028/9 as ``\\u`` escapes (no "</script>" or "<!--" can appear), still the same JSON."""
    out = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for c, e in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        out = out.replace(c, e)
    return out


# ---- the steps -------------------------------------------------------------------------------------
class PageStep:
    """One position of the player: the sentence (HTML), where we are, the current node's drawing id
    and the ids whose numbers are this step's answers (hidden by the quiz)."""

    def __init__(self, where: str, sentence: str, node: Value | None, names, ids, answers=(), boxes=()) -> None:
        self.where, self.sentence = where, sentence
        self.node = None if node is None else printable(names[node], MAX_TIP_NAME)
        self.node_id = None if node is None else ids[node]
        self.answers = [ids[v] for v in answers]
        self.boxes = list(boxes)  # what the learner types in the quiz (page_hints.step_boxes)

    def public(self) -> dict:
        return {"where": self.where, "node": self.node, "id": self.node_id, "answers": self.answers,
                "boxes": self.boxes}  # fmt: skip


def answer(value: str) -> str:
    """A number the quiz hides: ``<span class="ans" data-v="...">...</span>``."""
    return f'<span class="ans" data-v="{value}">{value}</span>'


def typed(value: str, k: int) -> str:
    """A number the quiz hides and the learner may type into box ``k`` of the step (the script puts
    the input box, the verdict and the hint beside it when the quiz asks). ``value`` is HTML."""
    return f'<span class="ans" data-v="{value}" data-box="{k}">{value}</span>'


def _backward_steps(trace: BackwardTrace, ids) -> list[PageStep]:
    n, d = trace.names, trace.digits
    r = text(n[trace.root], MAX_TIP_NAME)
    seed = fmt(trace.seed, d)
    total = len(trace)
    start = (f"<p>Start at the output: ∂{r}/∂{r} = {text(seed)}. Each step takes one node's gradient "
             "(complete once every node that uses it is done) and passes it to the node's inputs: "
             "upstream × local.</p>")  # fmt: skip
    out = [PageStep(f"start (then {total} step{'' if total == 1 else 's'})", start, None, n, ids)]
    for s in trace:
        name = text(n[s.node], MAX_TIP_NAME)
        up = text(fmt(s.upstream, d))
        lines = [(f"<p><b>Step {s.index} of {total}:</b> {name} = {text(formula(s.node, n, d), 400)}; "
                  f"its gradient ∂{r}/∂{name} = {up} is complete.</p><ul>")]  # fmt: skip
        boxes = step_boxes(trace, s)
        for j, c in enumerate(s.contributions):
            p = text(n[c.parent], MAX_TIP_NAME)
            local, k, a = (typed(text(fmt(x, d)), BOXES * j + i) for i, x in enumerate((c.local, c.contribution, c.after)))
            lines.append(f"<li>upstream {up} × local {local} (∂{name}/∂{p}) = {k} added to {p}.grad: "
                         f"{text(fmt(c.before, d))} → {a}</li>")  # fmt: skip
        lines.append("</ul>")
        out.append(PageStep(f"step {s.index} of {total}", "".join(lines), s.node, n, ids,
                            [c.parent for c in s.contributions], boxes))  # fmt: skip
    return out


def _forward_steps(forward: ForwardTrace, trace: BackwardTrace, ids) -> list[PageStep]:
    n, d, total = trace.names, trace.digits, len(forward)
    out = []
    for s in forward:
        name, value = text(n[s.node], MAX_TIP_NAME), answer(text(fmt(s.value, d)))
        head = f"<b>Step {s.index} of {total}:</b> "
        if s.node.is_leaf:
            body = f"{name} is an input: {name} = {value}."
        else:
            body = f"{name} = {text(formula(s.node, n, d), 400)} = {text(s.with_values, 400)} = {value}."
        out.append(PageStep(f"step {s.index} of {total}", f"<p>{head}{body}</p>", s.node, n, ids, [s.node]))
    return out


# ---- the tables ------------------------------------------------------------------------------------
def _backward_table(trace: BackwardTrace) -> tuple[list[str], list[tuple[int, list[str]]]]:
    d, n = trace.digits, trace.names
    rows = [(0, ["0", text(n[trace.root], MAX_TIP_NAME), text(fmt(trace.seed, d)), "", "", "start", ""])]
    for s in trace:
        for k, (cells, c) in enumerate(zip(trace.step_rows(s), s.contributions)):
            shown = [text(x, 400) for x in cells[:5]]
            up = text(fmt(s.upstream, d))
            shown[4] = answer(shown[4])  # the local derivative: typed in the quiz
            shown.append(f"{up} × {shown[4]} = {answer(text(fmt(c.contribution, d)))}")
            shown.append(f"{text(fmt(c.before, d))} → {answer(text(fmt(c.after, d)))}")
            rows.append((s.index, shown if k == 0 else ["", "", "", *shown[3:]]))
    return [text(h) for h in trace._head()], rows


def _forward_table(forward: ForwardTrace) -> tuple[list[str], list[tuple[int, list[str]]]]:
    head, cells = forward._cells()
    rows = [(i, [*(text(c, 400) for c in row[:4]), answer(text(row[4]))]) for i, row in enumerate(cells)]
    return [text(h) for h in head], rows


def _section(mode: str, svg: str, steps: list[PageStep], head: list[str], rows, visible: bool) -> str:
    sentences = "".join(
        f'<div class="sentence" data-i="{i}"{"" if i == 0 else " hidden"}>{s.sentence}</div>' for i, s in enumerate(steps)
    )
    th = "".join(f"<th>{h}</th>" for h in head)
    trs = "".join(
        f'<tr data-i="{i}"{" class=current" if i == 0 else ""}>{"".join(f"<td>{c}</td>" for c in cells)}</tr>'
        for i, cells in rows
    )
    hidden = "" if visible else " hidden"
    return (f'<section class="pass" data-mode="{mode}"{hidden}><div class="picture">{svg}</div>'
            f'<div class="sentences">{sentences}</div>'
            f'<table class="trace"><thead><tr>{th}</tr></thead><tbody>{trs}</tbody></table></section>')  # fmt: skip


def page_height(page: str) -> int:
    """Pixels an iframe needs to show ``page`` without scrolling (the drawing, controls, table)."""
    heights = [float(h) for h in re.findall(r'<svg width="[0-9.]+pt" height="([0-9.]+)pt"', page)] or [100.0]
    rows = page.count("<tr data-i=") // 2 + 2  # the backward table: about half of the rows of both
    return int(min(2000, max(heights) * 4 / 3 + 220 + 24 * rows))


__all__ = ["fill_page", "page_html", "page_parts", "save_html", "script_json"]
