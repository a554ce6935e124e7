"""``exercise(seed, level)``: a practice exercise on the backward pass, generated from a seed.

The graph is built on the engine (``exercise_levels``: one gate, a chain, fan-out where paths add, a
neuron with σ or tanh, a two-layer net), so the same seed and level give the same exercise in Python,
in ``autodiff practice`` and on the site. The learner fills blanks in backward order: for each node v
below the output f (∂f/∂f = 1 is given), first the local derivative ∂c/∂v on each edge to a node c
that uses v, then the gradient ∂f/∂v = Σ_c ∂f/∂c · ∂c/∂v.

``answer(index, typed)`` checks one blank at ``text/slips.py``'s tolerance (|yours − right| ≤
rtol·|right|, rtol 1e-3) and names a wrong answer by its slip, with the names ``check_backward``
uses: a local derivative by the suspects of ``slips.local_suspects`` (mul swapped, the value for the
derivative, the input for the output), then sign flipped and a factor of 2, else a wrong local with the
rule; a gradient by ``check_backward``'s diagnosis of the answers so far (sign flipped, missing path,
chain forgotten, follows upstream, a wrong local you typed, ...). The score counts first tries. Typed
answers are read by the expression language (``-4``, ``1/2``, ``3*0.25``), never evaluated by Python.
Nothing of the graph is changed: the answers are computed on the side, every ``.grad`` stays 0.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from ..engine import Value
from ..graph import gradients, topological_order
from ..text import slips
from ..text.display import eq, fmt, formula, unique_names
from ..text.slips import FACTOR_2, FOLLOWS, RTOL, SIGN, WRONG_LOCAL, agrees
from .diagnosis import Context, diagnose
from .diagnosis import _edge_local as edge_local
from .diagnosis import _local as local_rule
from .diagnosis import _suspects as suspects
from .exercise_levels import LEVELS, build
from .quiz import read_number

MAX_SEED = 2**64 - 1
MAX_TYPED = 100  # characters of one typed answer


@dataclass(frozen=True)
class Blank:
    """One number to fill: ``kind`` "local" (∂node/∂parent) or "grad" (∂f/∂node); ``answer`` the right one."""

    index: int
    kind: str
    node: str
    parent: str | None
    prompt: str
    answer: float


HINTS = {  # what to do about each slip, without the right number (``Verdict.hint``)
    slips.SIGN: "the sign is flipped",
    slips.MISSING_PATH: "a path is missing: the gradient sums upstream × local over every node that uses this one",
    slips.CHAIN: "that is the local derivative alone: multiply it by the upstream gradient",
    slips.SWAPPED: "a product's local derivative is the other factor, not this input itself",
    slips.VALUE_FOR_DERIVATIVE: "that is the operation's value: its derivative is needed",
    slips.INPUT_FOR_OUTPUT: "the rule reads the operation's output, and your value puts its input there",
    slips.FACTOR_2: "off by a factor of 2",
    slips.FOLLOWS: "this step is right from your wrong upstream answer: the mistake is there",
    slips.WRONG_LOCAL: "a local derivative is wrong: look at the operation's rule again",
    slips.OVERWRITTEN: "only the last contribution is there: contributions add up",
    slips.UNKNOWN: "no known slip fits: take upstream × local, summed over the nodes that use this one",
}


@dataclass(frozen=True)
class Verdict:
    """A checked answer: right or not, the slip's name (one of ``slips.KINDS``) when wrong, what to say
    (``message``, with the right number and computation), and ``hint``: what to do, without the number."""

    correct: bool
    slip: str | None
    message: str
    right: float
    given: float

    @property
    def hint(self) -> str:
        return "" if self.correct else HINTS.get(self.slip or slips.UNKNOWN, HINTS[slips.UNKNOWN])


@dataclass(frozen=True)
class Score:
    """First tries: right ones, answered blanks, all blanks."""

    right: int
    answered: int
    total: int

    def __str__(self) -> str:
        left = self.total - self.answered
        return f"score: {self.right} of {self.total} right" + (f" ({left} not answered)" if left else "")


class Exercise:
    """An exercise: ``root`` (the output f), ``title``, ``values`` (the inputs), ``nodes`` (name → Value),
    ``blanks`` in backward order; ``answer(index, typed)``, ``score()``, ``to_json(answers=False)``."""

    def __init__(self, seed: int, level: int) -> None:
        _check(seed, level)
        self.seed, self.level = seed, level
        self.root = build(seed, level)
        self.order = topological_order(self.root)
        self.names = unique_names(self.order)
        self.nodes = {self.names[v]: v for v in self.order}
        self.values = {self.names[v]: v.data for v in self.order if v.is_leaf}
        self.engine = gradients(self.root, order=self.order)
        inner = "; ".join(f"{self.names[v]} = {formula(v, self.names)}" for v in self.order if not v.is_leaf)
        self.title = f"level {level}, {LEVELS[level]}: {inner}"
        self._edges: dict[int, tuple[Value, Value]] = {}
        self._of: dict[int, Value] = {}
        self.blanks = self._make_blanks()
        self._first: dict[int, Verdict] = {}
        self._grads: dict[Value, float] = {}  # the latest answer for each gradient
        self._locals: dict[tuple[Value, Value], float] = {}  # the latest answer for each local derivative

    def _make_blanks(self) -> list[Blank]:
        n, L = self.names, self.names[self.root]
        users: dict[Value, list[Value]] = {v: [] for v in self.order}
        for c in self.order:
            for p in dict.fromkeys(c.parents):  # a parent twice (x·x) is one edge, its locals summed
                users[p].append(c)
        blanks: list[Blank] = []
        for v in reversed(self.order):
            if v is self.root:
                continue
            for c in users[v]:
                i = len(blanks)
                self._edges[i] = (c, v)
                blanks.append(Blank(i, "local", n[c], n[v], f"local derivative ∂{n[c]}/∂{n[v]}  "
                                    f"({n[c]} = {formula(c, n)}; {self._at(c)})", edge_local(c, v)))  # fmt: skip
            i = len(blanks)
            self._of[i] = v
            what = f"{eq(v.data)}, an input" if v.is_leaf else f"= {formula(v, n)} {eq(v.data)}"
            blanks.append(Blank(i, "grad", n[v], None, f"gradient ∂{L}/∂{n[v]}  ({n[v]} {what})", self.engine[v]))
        return blanks

    def _at(self, c: Value) -> str:
        """The numbers a local derivative of c reads: its inputs' values and its own."""
        n = self.names
        parts = [f"{n[p]} {eq(p.data)}" for p in dict.fromkeys(c.parents)]
        return ", ".join([*parts, f"{n[c]} {eq(c.data)}"])

    def __len__(self) -> int:
        return len(self.blanks)

    def __repr__(self) -> str:
        return f"<Exercise seed={self.seed} level={self.level}: {len(self)} blanks; {self.score()}>"

    def answer(self, index: int, typed: str | float) -> Verdict:
        """Check the answer ``typed`` (a number, or text such as "-4" or "1/2") for blank ``index``."""
        blank = self.blank(index)
        given = read_answer(typed)
        if blank.kind == "local":
            c, p = self._edges[index]
            self._locals[(c, p)] = given
            verdict = self._judge_local(c, p, given)
        else:
            v = self._of[index]
            self._grads[v] = given
            verdict = self._judge_grad(v, given)
        self._first.setdefault(index, verdict)
        return verdict

    def check(self, answers: dict) -> list[Verdict]:
        """Answer several blanks at once, {index: typed}, in index order (a stateless caller's history)."""
        return [self.answer(i, answers[i]) for i in sorted(answers, key=lambda i: self.blank(i).index)]

    def blank(self, index: int) -> Blank:
        if isinstance(index, bool) or not isinstance(index, int):
            raise TypeError(f"a blank's index is a whole number, got {type(index).__name__}")
        if not 0 <= index < len(self.blanks):
            raise ValueError(f"no blank {index}: this exercise has blanks 0 to {len(self.blanks) - 1}")
        return self.blanks[index]

    def blank_of(self, kind: str, node: str, parent: str | None = None) -> Blank:
        """The blank asking for ∂f/∂node (kind "grad") or ∂node/∂parent (kind "local")."""
        found = [b for b in self.blanks if (b.kind, b.node, b.parent) == (kind, node, parent)]
        if not found:
            what = f"∂{node}/∂{parent}" if kind == "local" else f"∂{self.names[self.root]}/∂{node}"
            raise ValueError(f"no {kind} blank {what} in this exercise")
        return found[0]

    def _judge_local(self, c: Value, p: Value, given: float) -> Verdict:
        n, right = self.names, edge_local(c, p)
        head = f"✗ ∂{n[c]}/∂{n[p]} is {fmt(right, 6)}, yours {fmt(given, 6)}"
        if agrees(given, right):
            return Verdict(True, None, f"✓ right: ∂{n[c]}/∂{n[p]} {eq(right, 6)}", right, given)
        slot = next(k for k, q in enumerate(c.parents) if q is p)
        rule = local_rule(c, p, n, right)
        found = [(kind, x, why) for kind, x, why in suspects(c, slot, p, right, n)]
        found += [(SIGN, -right, f"{SIGN}: {rule}; your value has the opposite sign")]
        found += [(FACTOR_2, k * right, f"off by a factor of {w}: {rule}; your value is {h} that")
                  for k, w, h in ((2.0, "2", "twice"), (0.5, "½", "half"))]  # fmt: skip
        for kind, x, why in found:
            if not agrees(x, right) and agrees(given, x):
                return Verdict(False, kind, f"{head}\n  {why}", right, given)
        return Verdict(False, WRONG_LOCAL, f"{head}\n  {WRONG_LOCAL}: the rule gives {rule}", right, given)

    def _judge_grad(self, v: Value, given: float) -> Verdict:
        n, L, right = self.names, self.names[self.root], self.engine[v]
        if agrees(given, right):
            return Verdict(True, None, f"✓ right: ∂{L}/∂{n[v]} {eq(right, 6)}", right, given)
        d = self._diagnose(v, given, self._grads)
        right_only = {u: x for u, x in self._grads.items() if u is v or agrees(x, self.engine[u])}
        if d.kind != FOLLOWS and len(right_only) < len(self._grads):  # not from your wrong upstream: the slip
            d = self._diagnose(v, given, right_only)  # is named against the right one (the one shown after it)
        from_yours = not agrees(d.right, right, 1e-12)
        lines = [f"✗ ∂{L}/∂{n[v]} is {fmt(right, 6)}, yours {fmt(given, 6)}", f"  {d.message}"]
        if d.computation:
            lines.append(f"  {'from your values' if from_yours else 'right'}: {d.computation}")
        return Verdict(False, d.kind, "\n".join(lines), right, given)

    def _node_json(self, v: Value) -> dict:
        n = self.names
        inputs = [n[p] for p in dict.fromkeys(v.parents)]
        return {"name": n[v], "formula": None if v.is_leaf else formula(v, n), "data": v.data, "inputs": inputs}

    def _diagnose(self, v: Value, given: float, grads: dict[Value, float]):
        """check_backward's diagnosis of ``given`` for ∂f/∂v, the learner's values being ``grads``."""
        ctx = Context(self.root, self.order, self.names, grads, agrees, False, self._locals)
        return diagnose(ctx, v, given, lambda u: u not in grads or agrees(grads[u], self.engine[u]))

    def score(self) -> Score:
        """First tries: how many right, of how many answered, of all blanks."""
        return Score(sum(v.correct for v in self._first.values()), len(self._first), len(self.blanks))

    def to_json(self, answers: bool = False) -> dict:
        """The exercise as JSON-ready data; the right answers only with ``answers=True``."""
        n = self.names
        blanks = [asdict(b) for b in self.blanks]
        if not answers:
            for b in blanks:
                del b["answer"]
        return {
            "seed": self.seed,
            "level": self.level,
            "about": LEVELS[self.level],
            "title": self.title,
            "output": n[self.root],
            "given": f"∂{n[self.root]}/∂{n[self.root]} = 1",
            "values": dict(self.values),
            "nodes": [self._node_json(v) for v in self.order],
            "blanks": blanks,
            "rtol": RTOL,
            "score": asdict(self.score()),
        }


def read_answer(typed: str | float) -> float:
    """A typed answer as a finite float: a number, or text read by the expression language ("1/2")."""
    if isinstance(typed, bool) or not isinstance(typed, (str, int, float)):
        raise TypeError(f"an answer is a number or its text, got {type(typed).__name__}")
    if isinstance(typed, str):
        text = typed.strip()
        if not text:
            raise ValueError("no answer given")
        if len(text) > MAX_TYPED:
            raise ValueError(f"an answer is a number, not {len(text):,} characters")
        value = read_number(text)
    else:
        try:
            value = float(typed)
        except OverflowError:  # an int too large for a float
            raise ValueError("every answer here is a finite number, not one that large") from None
    if not math.isfinite(value):
        raise ValueError(f"every answer here is a finite number, not {fmt(value)}")
    return value


def exercise(seed: int, level: int) -> Exercise:
    """The practice exercise of ``seed`` (0 to 2**64 − 1) at ``level`` 1..5: 1 one gate, 2 a chain,
    3 fan-out where paths add, 4 a neuron with σ or tanh, 5 a two-layer net."""
    return Exercise(seed, level)


def _check(seed: int, level: int) -> None:
    """A seed 0 to ``MAX_SEED`` and a level among ``LEVELS``, both ints (not bools); else a one-line error."""
    for name, x, top in (("seed", seed, MAX_SEED), ("level", level, max(LEVELS))):
        if isinstance(x, bool) or not isinstance(x, int):
            raise TypeError(f"the {name} is a whole number, got {type(x).__name__}")
        low = 0 if name == "seed" else 1
        if not low <= x <= top:
            raise ValueError(f"the {name} is a whole number from {low} to {top:,}, got {x:,}")


__all__ = ["LEVELS", "Blank", "Exercise", "Score", "Verdict", "exercise", "read_answer"]
