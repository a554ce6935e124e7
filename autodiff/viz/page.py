"""A step-through page: the forward and the backward pass of a graph, one self-contained HTML file.

Each step is drawn with Graphviz when the page is made (inline SVG: the current node outlined, the
edges being applied bold, gradients not yet arrived shown as "?"), beside the trace table (the
current row marked) and the step as a sentence ("upstream -4 × local 1 = -4 added to x.grad:
0 → -4"). ◀ ▶ buttons, the ←/→ keys, a slider and play/pause move through the steps; the forward
pass has its own mode; the quiz hides each step's answers until the learner reveals them or, in
the backward pass, types them (checked at ``check_backward``'s tolerance, a wrong number given the
hint of the slip that explains it: ``page_hints``; a running score).

The numbers are ``trace_backward``'s and ``trace_forward``'s (the frames are ``frame_states``), so
page, tables, frames and GIFs agree; no ``.grad`` or ``.data`` is written. The page works from
``file://`` with no network request of any kind (its Content-Security-Policy forbids them): the CSS
and the small script in ``assets/`` are written into it. Every user text is escaped: names through
``style.printable`` and ``html.escape``; the SVG comes from Graphviz, which escapes its labels
(``style``'s policy); the JSON in the ``<script>`` has ``< > &`` written as ``\\u003c`` ... so no
text can close the script.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from ..engine import Value
from ..text.display import fmt, formula
from ..text.slips import ATOL, RTOL
from .drawing import build, pipe
from .frames import MAX_STEPS, backward_trace, frame_states
from .options import DrawOptions, FrameState
from .page_hints import step_boxes
from .style import DATA_INK, GRAD_INK, MAX_TIP_NAME, printable
from .trace import BackwardTrace, ForwardTrace, trace_forward

ASSETS = Path(__file__).with_name("assets")


def save_html(source: Value | BackwardTrace, path: str | Path, *, title: str | None = None,
              max_steps: int = MAX_STEPS, **draw_options) -> Path:  # fmt: skip
    """Write the step-through page of ``source`` (a root, whose passes are traced on the side, or a
    ``BackwardTrace``) into ``path`` (.html or .htm; the folder is made). Draw options as ``draw``;
    a graph over ``max_nodes`` or with more than ``max_steps`` steps is refused, as ``draw`` and the
    frames refuse it. Returns the path written."""
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
    options = DrawOptions.make(**draw_options)
    root = source.root if isinstance(source, BackwardTrace) else source
    if isinstance(root, Value):
        build(root, options)  # refuses a graph over the drawing limit (with the collapse hint) before any work
    trace = backward_trace(source)
    forward = trace_forward(trace.root, digits=trace.digits)
    backward_frames = _backward_frames(trace, max_steps)
    width = backward_frames[-1].width_chars
    ids = {v: f"n{i}" for i, v in enumerate(trace.order)}  # the drawing's node ids (builder: order index)
    back = Pass("backward", backward_frames, _backward_steps(trace, ids))
    fwd = Pass("forward", _forward_frames(forward, width), _forward_steps(forward, trace, ids))
    svgs = {
        "backward": [_svg(trace.root, options, f) for f in back.frames],
        "forward": [_svg(trace.root, options._replace(show_grad=False), f) for f in fwd.frames],
    }
    name = trace.names[trace.root]
    title = title if title is not None else f"the backward pass of {name}, step by step"
    data = {
        "ink": {"backward": GRAD_INK, "forward": DATA_INK},
        "tol": {"rtol": RTOL, "atol": ATOL},
        "backward": [s.public() for s in back.steps],
        "forward": [s.public() for s in fwd.steps],
    }
    body = "".join(_section(p, svgs[p.mode], head, rows, p.mode == "backward") for p, (head, rows) in (
        (back, _backward_table(trace)), (fwd, _forward_table(forward))))  # fmt: skip
    template = (ASSETS / "page.html").read_text(encoding="utf-8")
    parts = {
        "title": text(title),
        "summary": text(trace.summary()),
        "last": str(len(back.steps) - 1),
        "where": text(back.steps[0].where),
        "css": (ASSETS / "page.css").read_text(encoding="utf-8"),
        "js": (ASSETS / "page.js").read_text(encoding="utf-8"),
        "data": script_json(data),
        "body": body,
    }
    for key, value in parts.items():
        template = template.replace("{{" + key + "}}", value)
    return template


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


class Pass:
    def __init__(self, mode: str, frames: list[FrameState], steps: list[PageStep]) -> None:
        if len(frames) != len(steps):
            raise ValueError(f"{len(frames)} frames for {len(steps)} steps")
        self.mode, self.frames, self.steps = mode, frames, steps


def answer(value: str) -> str:
    """A number the quiz hides: ``<span class="ans" data-v="...">...</span>``."""
    return f'<span class="ans" data-v="{value}">{value}</span>'


def typed(value: str, k: int, label: str) -> str:
    """A number the quiz hides and the learner may type: the answer, its input box (hidden until
    the quiz asks), the verdict; the hint goes in ``hint(k)``. ``value`` and ``label`` are HTML."""
    return (f'<span class="ans" data-v="{value}" data-box="{k}">{value}</span>'
            f'<span class="box" data-box="{k}" hidden><input type="text" class="answer" size="9" placeholder="?" '
            f'inputmode="decimal" autocomplete="off" spellcheck="false" aria-label="{label}">'
            f'<button type="button" class="check">check</button></span>'
            f'<span class="verdict" data-box="{k}" hidden></span>')  # fmt: skip


def hint(k: int) -> str:
    return f'<span class="hint" data-box="{k}" hidden></span>'


def _backward_frames(trace: BackwardTrace, max_steps: int) -> list[FrameState]:
    """Step 0 (only ∂root/∂root known) and one frame per step, captions left to the page."""
    states = [s._replace(caption="") for s in frame_states(trace, max_steps)]
    start = FrameState(grads={trace.root: trace.seed})
    if states:
        start = start._replace(scale=states[0].scale, width_chars=states[0].width_chars)
    return [start, *states]


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
            local, before = text(fmt(c.local, d)), text(fmt(c.before, d))
            k, a = (typed(text(fmt(x, d)), 2 * j + i, text(boxes[2 * j + i]["label"]))
                    for i, x in enumerate((c.contribution, c.after)))  # fmt: skip
            lines.append(f"<li>upstream {up} × local {local} (∂{name}/∂{p}) = {k} added to {p}.grad: {before} → {a}"
                         f"{hint(2 * j)}{hint(2 * j + 1)}</li>")  # fmt: skip
        lines.append("</ul>")
        out.append(PageStep(f"step {s.index} of {total}", "".join(lines), s.node, n, ids,
                            [c.parent for c in s.contributions], boxes))  # fmt: skip
    return out


def _forward_frames(forward: ForwardTrace, width: int) -> list[FrameState]:
    return [FrameState(grads={}, current=s.node, width_chars=width, computed=frozenset(forward.order[: s.index]))
            for s in forward]  # fmt: skip


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
            shown.append(f"{up} × {text(fmt(c.local, d))} = {answer(text(fmt(c.contribution, d)))}")
            shown.append(f"{text(fmt(c.before, d))} → {answer(text(fmt(c.after, d)))}")
            rows.append((s.index, shown if k == 0 else ["", "", "", *shown[3:]]))
    return [text(h) for h in trace._head()], rows


def _forward_table(forward: ForwardTrace) -> tuple[list[str], list[tuple[int, list[str]]]]:
    head, cells = forward._cells()
    rows = [(i, [*(text(c, 400) for c in row[:4]), answer(text(row[4]))]) for i, row in enumerate(cells)]
    return [text(h) for h in head], rows


def _section(p: Pass, svgs: list[str], head: list[str], rows, visible: bool) -> str:
    frames = "".join(
        f'<div class="frame" data-i="{i}"{"" if i == 0 else " hidden"}>{svg}</div>' for i, svg in enumerate(svgs)
    )
    sentences = "".join(
        f'<div class="sentence" data-i="{i}"{"" if i == 0 else " hidden"}>{s.sentence}</div>'
        for i, s in enumerate(p.steps)
    )
    th = "".join(f"<th>{h}</th>" for h in head)
    trs = "".join(
        f'<tr data-i="{i}"{" class=current" if i == 0 else ""}>{"".join(f"<td>{c}</td>" for c in cells)}</tr>'
        for i, cells in rows
    )
    hidden = "" if visible else " hidden"
    return (f'<section class="pass" data-mode="{p.mode}"{hidden}><div class="picture">{frames}</div>'
            f'<div class="sentences">{sentences}</div>'
            f'<table class="trace"><thead><tr>{th}</tr></thead><tbody>{trs}</tbody></table></section>')  # fmt: skip


def _svg(root: Value, options: DrawOptions, frame: FrameState) -> str:
    """Graphviz's SVG of one frame, without its XML prologue (inline in HTML)."""
    svg = pipe(build(root, options, frame), "svg").decode("utf-8")
    return svg[svg.index("<svg") :]


def page_height(page: str) -> int:
    """Pixels an iframe needs to show ``page`` without scrolling (largest frame, controls, table)."""
    import re

    heights = [float(h) for h in re.findall(r'<svg width="[0-9.]+pt" height="([0-9.]+)pt"', page)] or [100.0]
    rows = page.count("<tr data-i=") // 2 + 2  # the backward table: about half of the rows of both
    return int(min(2000, max(heights) * 4 / 3 + 220 + 24 * rows))


__all__ = ["page_html", "save_html", "script_json"]
