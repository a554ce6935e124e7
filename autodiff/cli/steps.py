"""``autodiff check-steps`` and ``autodiff quiz``: a learner's backward pass, step by step.

    autodiff check-steps "(x+y)*z" x=-2 y=5 z=-4 q="x+y" --grad q=-4 --grad x=-4 --grad z=3
    autodiff quiz "(x+y)*z" x=-2 y=5 z=-4 q="x+y"  < answers.txt

Naming the nodes. An input is ``NAME=NUMBER``. An inner node is named by a definition
``NAME=(EXPRESSION)``, a ``NAME=VALUE`` whose value uses names: ``q="x+y"`` names the node of the
expression computed as x + y (written in the same order and grouping; + and × may swap their
operands). The expression may also use the name itself (``"q*z" q="x+y"``). Definitions may use
earlier ones. Unnamed nodes keep the drawings' names ``v1, v2, ...`` (counted over the unnamed
nodes, in graph order, as drawings and traces count them); the output is ``f`` (or ``out`` when f is taken). ``--grad NAME=VALUE`` gives your
∂f/∂NAME, ``--local CHILD/PARENT=VALUE`` your local derivative ∂CHILD/∂PARENT.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from ..engine import Value
from ..graph import topological_order
from ..verify.expression_text import clip, listing, quoted
from ..verify.expressions import Expression, ExpressionError, parse
from .commands import UsageError, check_destinations, constant, named_item, output_label, read_expression

NAMING = ("Inputs are NAME=NUMBER; an inner node is named by a definition NAME=EXPRESSION that uses names, e.g. "
          "q='x+y' (the node the expression computes as x + y; the expression may also use q itself). Other "
          "inner nodes keep the drawings' names v1, v2, ... (counted over the unnamed ones); the output is f.")  # fmt: skip
COMMUTATIVE = {"add", "mul", "max", "min"}


def add_commands(command) -> None:
    """Add check-steps and quiz with ``app.build_parser``'s ``command(name, help, run)``."""
    p = command("check-steps", "check your backward pass node by node and find the first wrong step", run_check_steps)
    p.description += " " + NAMING + " Exit 0 all right, 1 a mistake, 2 bad input."
    _inputs(p)
    p.add_argument("--grad", action="append", default=[], metavar="NAME=VALUE",
                   help="your ∂f/∂NAME, e.g. --grad q=-4 (repeat for every node you computed)")  # fmt: skip
    p.add_argument("--local", action="append", default=[], metavar="CHILD/PARENT=VALUE",
                   help="your local derivative ∂CHILD/∂PARENT, e.g. --local q/x=1")  # fmt: skip
    p.add_argument("--draw", metavar="PATH", help="draw the graph with the first wrong step marked (.svg, .png, ...)")
    p = command("quiz", "quiz yourself on the backward pass: type each gradient, read from standard input", run_quiz)
    p.description += (" " + NAMING + " One answer a line (a number, or numbers such as 1/2), in the order asked; "
                      "exit 0 when all are right, 1 otherwise, 2 when the input ends early.")  # fmt: skip
    _inputs(p)


def _inputs(p: argparse.ArgumentParser) -> None:
    p.add_argument("expression", help="e.g. '(x+y)*z', or - to read it from standard input")
    p.add_argument("values", nargs="*", metavar="NAME=VALUE",
                   help="inputs x=-2, and definitions naming inner nodes q='x+y'")  # fmt: skip


def build_named(expr: Expression, items: list[str]) -> tuple[Value, dict[str, Value]]:
    """The expression's graph from its inputs, with the defined inner nodes labelled: (output, names)."""
    inputs: dict[str, float] = {}
    definitions: dict[str, Expression] = {}
    taken: set[str] = set()  # the names so far (one set, not a union per item: linear in the items)
    for item in items:
        name, text = named_item(item, taken, "NAME=VALUE or NAME=EXPRESSION")
        taken.add(name)
        try:
            value = parse(text)
        except ExpressionError as err:
            raise UsageError(f"in {quoted(item)}: {err}") from None
        if value.names:
            definitions[name] = value
        else:
            inputs[name] = constant(text)
    known: dict[str, Value] = {n: Value(x, label=n) for n, x in inputs.items()}
    for name, d in definitions.items():
        missing = [n for n in d.names if n not in known]
        if missing:
            raise UsageError(f"the definition {name}={clip(d.text)} uses {listing(missing)}, which "
                             f"{'is' if len(missing) == 1 else 'are'} not given before it")  # fmt: skip
        node = d.evaluate(known)
        if node.label is not None:
            raise UsageError(f"the definition {name}={clip(d.text)} is just {node.label}: name an operation")
        node.label = name
        known[name] = node
    missing = [n for n in expr.names if n not in known]
    if missing:
        raise UsageError(f"no value for {listing(missing)} (give it as NAME=VALUE; given: {listing(known) or 'none'})")
    out = expr.evaluate({n: known[n] for n in expr.names})
    _name_matching(out, {n: known[n] for n in definitions}, inputs)
    if out.label is None:
        out.label = output_label(known)
    return out, known


def _name_matching(out: Value, defined: dict[str, Value], inputs: dict) -> None:
    """Label each node of the graph that a definition not used by name computes the same way."""
    order = topological_order(out)
    members = set(order)
    keys: dict[tuple, int] = {}
    sig: dict[Value, int] = {}

    def signature(v: Value) -> int:
        if v.is_leaf:
            key: tuple = ("leaf", id(v))
        else:
            # the record: its row and every operand in order, plain numbers included (sum([x, 1]) ≠ sum([x, 2]))
            operands = [(0, sig[o]) if isinstance(o, Value) else (1, o) for o in v.operands]
            if v.rule in COMMUTATIVE:
                operands.sort()
            key = (v.rule, tuple(operands))
        return keys.setdefault(key, len(keys))

    where: dict[int, list[Value]] = {}
    for v in order:
        sig[v] = signature(v)
        where.setdefault(sig[v], []).append(v)
    for name, node in defined.items():
        if node in members:
            continue  # the expression uses it by name
        for v in topological_order(node):
            if v not in sig:
                sig[v] = signature(v)
        found = [v for v in where.get(sig[node], []) if v is not node]
        if not found:
            raise UsageError(f"the definition {name}=... is not a node of the expression: no node is computed as "
                             f"{clip(_text(node))} (write it as the expression groups it, or use {name} in it)")
        if len(found) > 1:
            raise UsageError(f"the definition {name}=... matches {len(found)} nodes of the expression; "
                             f"use {name} in the expression to say which")  # fmt: skip
        if found[0].label is not None and found[0].label not in inputs:
            raise UsageError(f"{name} and {found[0].label} name the same node")
        found[0].label = name


def _text(node: Value) -> str:
    from ..text.display import formula, node_names

    return formula(node, node_names(topological_order(node)))


def _pairs(items: list[str], option: str) -> list[tuple[str, float]]:
    out = []
    for item in items:
        name, sep, value = item.rpartition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"{option} expects NAME=VALUE, got {quoted(item)}")
        try:
            out.append((name, constant(value, f"{option} value")))
        except ExpressionError as err:
            raise UsageError(f"{option} {quoted(item)}: {err}") from None
    return out


def run_check_steps(args: argparse.Namespace) -> int:
    from ..verify.backward_check import check_backward

    check_destinations(args)
    expr = read_expression(args.expression)
    out, _ = build_named(expr, args.values)
    if not args.grad and not args.local:
        raise UsageError("give your gradients: --grad NAME=VALUE (e.g. --grad q=-4), or --local CHILD/PARENT=VALUE")
    hand: dict[str, float] = {}
    for name, value in _pairs(args.grad, "--grad"):
        if name in hand:
            raise UsageError(f"--grad {clip(name)}=... is given twice")
        hand[name] = value
    local: dict[tuple[str, str], float] = {}
    for name, value in _pairs(args.local, "--local"):
        child, slash, parent = name.partition("/")
        if not slash or not child.strip() or not parent.strip():
            raise UsageError(f"--local expects CHILD/PARENT=VALUE such as q/x=1, got {quoted(name)}")
        local[(child.strip(), parent.strip())] = value
    try:
        report = check_backward(out, hand, local or None)
    except ValueError as err:  # a name that is no node, or no edge: say which option named it, as typed
        message = str(err)
        for child, parent in local:
            message = message.replace(f"hand_local[{(child, parent)!r}]", f"--local {child}/{parent}", 1)
        raise UsageError(message.replace("hand_local", "--local", 1).replace("hand", "--grad", 1)) from None
    print(report)
    if args.draw:
        from ..viz.drawing import save

        print(f"wrote {save(report.draw(), args.draw)}")
    return 0 if report else 1


MAX_LINE = 1_000  # bytes of one answer line (an endless line is refused, never read whole)
MAX_UNREADABLE = 20  # lines that are not numbers, over the whole quiz (then the quiz stops: exit 2)


def run_quiz(args: argparse.Namespace) -> int:
    from ..verify.quiz import Quiz, read_number

    if args.expression == "-":
        raise UsageError("the quiz reads its answers from standard input: give the expression as an argument")
    expr = read_expression(args.expression)
    out, _ = build_named(expr, args.values)
    quiz = Quiz(out)
    names = quiz.names
    L = names[out]
    print(f"quiz: the backward pass of {L} = {clip(expr.text, 120)} = {quiz.root.data:.6g}; ∂{L}/∂{L} = 1")
    print(f"{len(quiz)} question{'' if len(quiz) == 1 else 's'}; one answer a line")
    asker = Asker(None, echo=not sys.stdin.isatty(), what="quiz", summary=quiz.summary)
    for i, v in enumerate(quiz.questions, 1):
        value = asker.ask(f"{i}. {quiz.prompt(v)}", read_number, hint="type a number such as -4 or 1/2 (or inf)")
        if value is None:
            print(quiz.summary())
            raise UsageError(f"standard input ended after {len(quiz.answers)} of {len(quiz)} answers")
        print("  " + quiz.answer(v, value).text(names).replace("\n", "\n  "))
    print(quiz.summary())
    right, total = quiz.score
    return 0 if right == total else 1


class Asker:
    """Asks one question a line until an answer reads (``read`` raises ValueError for one that does not),
    echoing what was typed when it is piped in; more than ``MAX_UNREADABLE`` unreadable lines over the
    whole session stop it (a UsageError, after ``summary()``)."""

    def __init__(self, stream, echo: bool, what: str, summary: Callable[[], object]) -> None:
        self.stream, self.echo, self.what, self.summary, self.unreadable = stream, echo, what, summary, 0

    def ask(self, prompt: str, read: Callable[[str], object], hint: str = "type a number such as -4 or 1/2"):
        """What ``read`` made of the first line that reads, or None at the end of the input."""
        from ..viz.style import printable

        while True:
            sys.stdout.write(f"{prompt} = ? ")
            sys.stdout.flush()
            line = answer_line(self.stream)
            if not line:
                print()
                return None
            if self.echo:
                print(printable(line.strip(), 80))  # what was typed, control characters escaped
            try:
                return read(line)
            except ValueError as err:
                self.unreadable += 1
                if self.unreadable >= MAX_UNREADABLE:
                    print(self.summary())
                    raise UsageError(f"{self.unreadable} answers were not numbers: the {self.what} stops") from None
                print(f"  {printable(str(err), 200)}; {hint}")


def answer_line(stream=None) -> str:
    """One line of ``stream`` (standard input by default), at most ``MAX_LINE`` bytes (a longer one is a
    UsageError); "" at its end."""
    stream = stream if stream is not None else getattr(sys.stdin, "buffer", sys.stdin)
    raw = stream.readline(MAX_LINE + 1)
    line = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    if len(raw) > MAX_LINE and not line.endswith("\n"):
        raise UsageError(f"an answer line is longer than {MAX_LINE:,} characters")
    return line
