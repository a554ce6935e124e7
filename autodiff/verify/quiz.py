"""``quiz(root)``: the backward pass as questions. Gradients are hidden; the learner gives each
node's ∂root/∂node in backward order and hears right or wrong, with the hint ``check_backward``
gives for the same answers (one diagnosis: a step judged from the learner's own upstream answers,
so a right step from a wrong upstream "follows upstream"), and a final score that counts each
question's first try. In Jupyter with ipywidgets: a picture whose "?" fill in as the answers come, an input
box and a check button. Without widgets (a plain prompt, a notebook run headless, static HTML):
the picture, the questions, and each answer folded away. ``autodiff quiz`` reads the answers from
standard input. Nothing of the graph is touched (the gradients are computed on the side).
"""

from __future__ import annotations

import base64
import html
import math
from dataclasses import dataclass

from ..engine import Value
from ..graph import gradients, topological_order
from ..text.display import eq, fmt, formula, node_names, unique_names
from ..text.slips import agrees
from .backward_check import ATOL, RTOL, _lookup
from .diagnosis import Context, Diagnosis, diagnose
from .expressions import ExpressionError, parse

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
INFINITY = {"inf", "infinity", "∞"}  # an answer can be infinite: d√x/dx at 0


def read_number(text: str) -> float:
    """An answer: a number, or an expression of numbers and constants (``-4``, ``1/2``, ``3*0.25``),
    read by the expression language (never eval'd), or an infinity (``inf``, ``-inf``, ``∞``, ``-∞``).
    ValueError when it is not one."""
    word = text.strip().replace("−", "-")
    sign, bare = (-1.0, word[1:]) if word[:1] == "-" else (1.0, word[1:] if word[:1] == "+" else word)
    if bare.strip().lower() in INFINITY:
        return sign * math.inf
    try:
        expr = parse(text.strip())
        if expr.names:
            raise ValueError(f"an answer is a number, not a formula in {', '.join(expr.names)}")
        return expr.evaluate({}).data
    except (ExpressionError, ArithmeticError) as err:  # 1/0 is no answer either
        raise ValueError(f"not a number: {text.strip()[:40]!r} ({err})") from None


@dataclass
class Answer:
    node: Value
    given: float
    right: float
    ok: bool
    hint: Diagnosis | None = None
    of: str = "f"  # the root's name

    def text(self, names: dict[Value, str]) -> str:
        if self.ok:
            return "✓ right"
        why = f"\n  {self.hint.message}" if self.hint is not None else ""
        how = ""
        if self.hint is not None and self.hint.computation:  # from a wrong upstream, "right" is not the right value
            from_yours = not agrees(self.hint.right, self.right, 1e-12)
            how = f"\n  {'from your upstream' if from_yours else 'right'}: {self.hint.computation}"
        return f"✗ wrong: ∂{self.of}/∂{names[self.node]} is {fmt(self.right, 6)}, yours {fmt(self.given, 6)}{why}{how}"


class Quiz:
    """The questions (nodes in backward order, the root's own ∂root/∂root = 1 given), the answers
    so far and the score. ``answer(node, value)`` checks one; ``question`` is the next one.
    ``answers`` keeps each question's first try (the score counts those); a later try of the same
    node is checked and hinted too, and becomes the upstream value the next steps are judged from."""

    def __init__(self, root: Value, *, rtol: float = RTOL, atol: float = ATOL, digits: int = 4) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"quiz needs a Value (the root of a graph), got {type(root).__name__}")
        self.root, self.rtol, self.atol, self.digits = root, rtol, atol, digits
        self.order = topological_order(root)
        self.names = unique_names(self.order)
        self.engine = gradients(root, order=self.order)
        self.questions = [v for v in reversed(self.order) if v is not root]
        self.answers: dict[Value, Answer] = {}  # the first try of each question
        self.latest: dict[Value, float] = {}  # the learner's latest value of each node answered
        self._find = _lookup(self.order, self.names)

    def __len__(self) -> int:
        return len(self.questions)

    @property
    def question(self) -> Value | None:
        """The next node to answer (None when all are answered)."""
        return next((v for v in self.questions if v not in self.answers), None)

    def prompt(self, v: Value) -> str:
        L, name = self.names[self.root], self.names[v]
        if v.is_leaf:
            return f"∂{L}/∂{name}  ({name} {eq(v.data, self.digits)}, an input)"
        return f"∂{L}/∂{name}  ({name} = {formula(v, node_names(self.order), self.digits)} {eq(v.data, self.digits)})"

    def answer(self, node, value: float | str) -> Answer:
        """Check the answer for ``node`` (a Value, label or drawing name): right or wrong, with the
        hint ``check_backward`` gives when the learner's values are their answers so far and this one."""
        v = self._find(node, "quiz.answer")
        if v is self.root:
            raise ValueError(f"∂{self.names[v]}/∂{self.names[v]} = 1 is given: answer the other nodes")
        given = read_number(value) if isinstance(value, str) else float(value)
        self.latest[v] = given

        def agree(mine: float, right: float) -> bool:
            return agrees(mine, right, self.rtol, self.atol)

        ok = agree(given, self.engine[v])
        hint = None
        if not ok:
            ctx = Context(self.root, self.order, self.names, self.latest, agree, False)
            hint = diagnose(ctx, v, given, lambda u: u not in self.latest or agree(self.latest[u], self.engine[u]))
        out = Answer(v, given, self.engine[v], ok, hint, self.names[self.root])
        self.answers.setdefault(v, out)
        return out

    @property
    def score(self) -> tuple[int, int]:
        """(right answers, questions)."""
        return sum(a.ok for a in self.answers.values()), len(self.questions)

    def summary(self) -> str:
        right, total = self.score
        done = len(self.answers)
        tail = "" if done == total else f" ({total - done} not answered)"
        return f"score: {right} of {total} right{tail}"

    # ---- pictures and displays ------------------------------------------------------------------------
    def picture(self, fmt_: str = "png") -> bytes:
        """The graph with the gradients answered so far (the right ones) and "?" for the rest."""
        from ..viz.drawing import build, pipe
        from ..viz.options import DrawOptions, FrameState

        shown = {self.root: self.engine[self.root], **{v: self.engine[v] for v in self.answers}}
        nxt = self.question
        frame = FrameState(grads=shown, scale=max(map(abs, self.engine.values()), default=0.0))
        options = DrawOptions.make(digits=self.digits, highlight=() if nxt is None else nxt)  # the next question
        return pipe(build(self.root, options, frame), fmt_)

    def _img(self) -> str:
        data = base64.b64encode(self.picture()).decode("ascii")
        return f'<img src="data:image/png;base64,{data}" style="max-width:100%" alt="the graph, gradients hidden">'

    def static_html(self) -> str:
        """The picture, then every question with its answer folded away (no widgets needed)."""
        L = self.names[self.root]
        parts = [(f"<p><b>{html.escape(f'quiz: the backward pass of {L} {eq(self.root.data, self.digits)}')}</b>"
                 f" &mdash; {html.escape(f'∂{L}/∂{L} = 1; give each gradient in this order')}</p>"), self._img(), "<ol>"]
        for v in self.questions:
            a = self.answers.get(v)
            mark = "" if a is None else (" ✓" if a.ok else f" ✗ (yours {fmt(a.given, 6)})")
            parts.append(f"<li>{html.escape(self.prompt(v) + mark)} <details><summary>answer</summary>"
                         f"{html.escape(fmt(self.engine[v], 6))}</details></li>")  # fmt: skip
        parts.append(f"</ol><p>{html.escape(self.summary())}</p>")
        return "".join(parts)

    def _repr_html_(self) -> str:
        return self.static_html()

    def __str__(self) -> str:
        lines = [f"quiz: the backward pass of {self.names[self.root]}"]
        for i, v in enumerate(self.questions, 1):
            a = self.answers.get(v)
            lines.append(f"{i}. {self.prompt(v)}" + ("" if a is None else "  " + a.text(self.names).splitlines()[0]))
        return "\n".join([*lines, self.summary()])

    def __repr__(self) -> str:
        return f"<Quiz: {len(self)} questions on the backward pass of {self.names[self.root]}; {self.summary()}>"

    def widget(self):
        """An ipywidgets box: the picture, the question, an answer box and a check button."""
        try:
            import ipywidgets as w
        except ImportError:
            raise ImportError("the quiz widget needs ipywidgets: pip install ipywidgets (or display the quiz "
                              "itself for the static version)") from None  # fmt: skip
        image = w.Image(value=self.picture(), format="png", layout=w.Layout(max_width="100%"))
        question = w.HTML()
        box = w.Text(placeholder="your gradient, e.g. -4 or 1/2", layout=w.Layout(width="260px"))
        check = w.Button(description="check")
        feedback = w.HTML()

        def ask() -> None:
            nxt = self.question
            if nxt is None:
                question.value = f"<b>{html.escape(self.summary())}</b>"
                box.disabled = check.disabled = True
            else:
                question.value = html.escape(self.prompt(nxt))
                box.value = ""

        def on_check(_=None) -> None:
            nxt = self.question
            if nxt is None:
                return
            try:
                a = self.answer(nxt, box.value)
            except ValueError as err:
                feedback.value = f"<span style='color:#a3161b'>{html.escape(str(err))}</span>"
                return
            feedback.value = "<pre>" + html.escape(a.text(self.names)) + "</pre>"
            image.value = self.picture()
            ask()

        check.on_click(on_check)
        ask()
        return w.VBox([image, question, w.HBox([box, check]), feedback])

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        """The widget (when it can run here) with the static HTML beside it as the fallback."""
        from ..viz.stepper import widgets_available

        bundle = {"text/plain": repr(self), "text/html": self.static_html()}
        if widgets_available() and self.questions:
            view = self.widget()._repr_mimebundle_()
            if view and WIDGET_MIME in view:
                bundle[WIDGET_MIME] = view[WIDGET_MIME]
        return bundle


def quiz(root: Value, *, rtol: float = RTOL, atol: float = ATOL, digits: int = 4) -> Quiz:
    """A quiz on ``root``'s backward pass: display it in Jupyter, or call ``.answer(node, value)``."""
    return Quiz(root, rtol=rtol, atol=atol, digits=digits)


__all__ = ["Answer", "Quiz", "quiz", "read_number"]
