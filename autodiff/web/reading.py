"""A request of the site's API read into a graph: the expression (the command's language and parser:
nothing typed reaches ``eval``), the inputs' values, and names for inner nodes ("q = x + y").

A name is a definition, read in order (each may use the inputs and the names before it). The
expression may use it as a variable (``q * z`` with ``q = x + y``), or compute the same thing itself
(``(x + y) * z``): then the node of the expression computed as the definition says (the same
operation on the same operands, all the way down to the inputs) gets the name. Every refusal is a
``WebError`` naming the field and, for the parser's, the column.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..engine import Value
from ..graph import topological_order
from ..text.display import node_names, output_label
from ..verify.constants import constant
from ..verify.expression_text import clip, listing, quoted
from ..verify.expressions import Expression, ExpressionError, check_variable, parse
from . import worked
from .errors import WebError, from_expression

MAX_EXPRESSION = 10_000  # characters typed in the playground (the command takes up to 1,000,000)
MAX_INPUTS = 500
MAX_NAMES = 200  # definitions "NAME = EXPR"
MAX_NAME = 100  # characters of an input's or a node's name


@dataclass
class Problem:
    """A request's graph: ``root`` (not yet backward), ``leaves`` by name, the topological ``order``,
    the drawing's ids (node k of the order is "n<k>") and names (labels, else v1, v2, ... as drawn),
    which nodes the learner named, and notes (values given that the expression does not use)."""

    text: str
    root: Value
    leaves: dict[str, Value]
    named: set = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    order: list[Value] = field(init=False)
    ids: dict[Value, str] = field(init=False)
    names: dict[Value, str] = field(init=False)

    def __post_init__(self) -> None:
        self.order = topological_order(self.root)
        self.ids = {v: f"n{i}" for i, v in enumerate(self.order)}
        self.names = node_names(self.order)

    def node(self, key: object, what: str) -> Value:
        """The node a request names: by id ("n3") or by name ("q", "x", "v2")."""
        if isinstance(key, str):
            m = re.fullmatch(r"n(\d+)", key)
            if m and int(m.group(1)) < len(self.order):
                return self.order[int(m.group(1))]
            found = [v for v in self.order if self.names[v] == key]
            if len(found) == 1:
                return found[0]
        known = listing([self.names[v] for v in reversed(self.order)])
        if not isinstance(key, str):
            raise WebError(f"{what}: give a node's id or name as text (the nodes: {known})", field=what)
        raise WebError(f"{what}: no node is named {quoted(key)} (the nodes: {known})", field=what)


def read(request: Mapping) -> Problem:
    """The graph a request stands for: ``{"expr", "values", "names"?}``, or ``{"example": key}``."""
    if "example" in request:
        spec = worked.request(request["example"])
        if "example" not in spec:
            return read(spec)
        root = worked.network()
        leaves = {v.label: v for v in topological_order(root) if v.is_leaf and v.label}
        return Problem("", root, leaves, named=set(leaves.values()))
    text = request.get("expr")
    if not isinstance(text, str):
        raise WebError("the request needs \"expr\": the expression, as text", field="expr")
    if len(text) > MAX_EXPRESSION:
        raise WebError(f"expression too long: {len(text):,} characters (the playground's limit is {MAX_EXPRESSION:,}; "
                       "the command `autodiff grad` takes longer ones)", field="expr")  # fmt: skip
    try:
        expr = parse(text)
    except ExpressionError as err:
        raise from_expression(err, "expr") from None
    values = read_values(request.get("values", {}))
    return build(expr, values, request.get("names") or "")


def read_values(given: object) -> dict[str, float]:
    """``{"x": -2, "y": "pi/4"}``: names the language accepts, each a finite number or the text of a
    number (any expression of numbers and the constants pi, e)."""
    if not isinstance(given, Mapping):
        raise WebError(f"\"values\" must be an object {{name: number}}, got {type(given).__name__}", field="values")
    if len(given) > MAX_INPUTS:
        raise WebError(f"too many values: {len(given):,} (at most {MAX_INPUTS})", field="values")
    out: dict[str, float] = {}
    for name, x in given.items():
        try:
            check_name(name)
        except ExpressionError as err:
            raise WebError(f"values: {err}", field="values") from None
        out[name] = value_of(x, f"the value of {name}")
    return out


def check_name(name: str) -> None:
    """A name the language accepts as a variable (``check_variable``), of at most ``MAX_NAME`` characters."""
    check_variable(name)
    if len(name) > MAX_NAME:
        raise ExpressionError(f"{quoted(name)} is too long a name: at most {MAX_NAME} characters")


def value_of(x: object, what: str) -> float:
    """A number typed or sent as JSON: a finite number, or a text the language reads as a constant."""
    if isinstance(x, bool) or not isinstance(x, (int, float, str)):
        raise WebError(f"{what} must be a number, got {type(x).__name__}", field="values")
    if isinstance(x, str):
        if len(x) > 200:
            raise WebError(f"{what} is too long a text: {len(x):,} characters", field="values")
        try:
            x = constant(x)
        except ExpressionError as err:
            raise WebError(f"{what}: {err}", field="values", column=err.column, text=err.text) from None
        except ValueError as err:  # the command's UsageError: a value that uses names
            raise WebError(f"{what}: {err}", field="values") from None
    x = float(x)
    if not math.isfinite(x):
        raise WebError(f"{what} must be a finite number, got {x!r}", field="values")
    return x


def build(expr: Expression, values: dict[str, float], names_text: str) -> Problem:
    """The expression's graph from fresh leaves labelled with their names, inner nodes named."""
    leaves = {n: Value(v, label=n) for n, v in values.items()}
    definitions = read_names(names_text, values)
    defined: dict[str, Value] = {}
    for name, body, start in definitions:
        node = _evaluate(body, {**leaves, **defined}, ("names", names_text, start), f"names: {name} = ...: ")
        if node.is_leaf or node.label is not None:
            what = "an input or a number" if node.is_leaf else f"already named {node.label}"
            raise WebError(f"{name} = {clip(body.text)}: that is {what}; a name is for an operation's result",
                           field="names", column=start + 1, text=names_text)  # fmt: skip
        node.label = name
        defined[name] = node
    missing = [n for n in expr.names if n not in values and n not in defined]
    if missing:
        given = listing(values) or "none"
        raise WebError(f"no value for {listing(missing)} (the values given: {given})", field="values")
    root = _evaluate(expr, {**leaves, **defined}, ("expr", expr.text, 0))
    problem = Problem(expr.text, root, leaves, named=set(leaves.values()) | set(defined.values()))
    _name_matches(problem, definitions, defined, names_text)  # may name the output ("L = ...")
    if root.label is None:
        root.label = output_label({**values, **defined})
        problem.names = node_names(problem.order)
    unused = [n for n in values if leaves[n] not in problem.ids]
    if unused:
        problem.notes.append(f"not in the expression, so their gradient is 0: {listing(unused)}")
    return problem


def _evaluate(expr: Expression, values: dict[str, Value], where: tuple[str, str, int], prefix: str = "") -> Value:
    """``expr``'s graph; an error's column counted in the text of the field (``where``: the field, its
    text, the index of ``expr`` in it)."""
    field_name, text, start = where
    try:
        return expr.evaluate(values)
    except ExpressionError as err:
        err = _in_place(err, lambda: parse(" " * start + expr.text).evaluate(values), start)
        raise WebError(f"{prefix}{err}", field=field_name, column=err.column, text=text) from None
    except (ArithmeticError, ValueError) as err:
        raise WebError(f"{prefix}{err}", field=field_name) from None


_DEFINITION = re.compile(r"\s*([^=;\n]*?)\s*=")


def read_names(text: object, values: Mapping[str, float]) -> list[tuple[str, Expression, int]]:
    """``"q = x + y; r = q * 2"`` (``;`` or new lines between) → ``[(name, its expression, index of
    the definition in the text)]``; refused: a bad name, an input's name, a name given twice."""
    if not isinstance(text, str):
        raise WebError(f"\"names\" must be text such as \"q = x + y\", got {type(text).__name__}", field="names")
    if len(text) > MAX_EXPRESSION:
        raise WebError(f"names too long: {len(text):,} characters (at most {MAX_EXPRESSION:,})", field="names")
    out: list[tuple[str, Expression, int]] = []
    seen: set[str] = set()
    for m in re.finditer(r"[^;\n]+", text):
        piece, start = m.group(), m.start()
        if not piece.strip():
            continue
        d = _DEFINITION.match(piece)
        if d is None:
            raise WebError(f"names: expected NAME = EXPRESSION, got {quoted(piece.strip())}", field="names",
                           column=start + len(piece) - len(piece.lstrip()) + 1, text=text)  # fmt: skip
        name, body_start = d.group(1), start + d.end()
        where = {"field": "names", "column": start + d.start(1) + 1, "text": text}
        try:
            check_name(name)
        except ExpressionError as err:
            raise WebError(f"names: {err}", **where) from None
        if name in values:
            raise WebError(f"names: {name} is an input (it has a value); name an operation", **where)
        if name in seen:
            raise WebError(f"names: {name} is defined twice", **where)
        seen.add(name)
        try:
            body = parse(piece[d.end() :])
        except ExpressionError as err:
            padded = " " * body_start + piece[d.end() :]
            err = _in_place(err, lambda: parse(padded), body_start)  # noqa: B023 - called at once
            raise WebError(f"names: {name} = ...: {err}", field="names", column=err.column, text=text) from None
        out.append((name, body, body_start))
        if len(out) > MAX_NAMES:
            raise WebError(f"names: more than {MAX_NAMES} definitions", field="names")
    return out


def _in_place(err: ExpressionError, again, start: int) -> ExpressionError:
    """The parser's error for a definition read at index ``start`` of the names' text, its message's
    column counted in that whole text: ``again()`` repeats the work with ``start`` spaces before it."""
    if not start or err.column is None:
        return err
    try:
        again()
    except ExpressionError as moved:
        return moved
    return err


def _name_matches(problem: Problem, definitions, defined: dict[str, Value], text: str) -> None:
    """A definition the expression computes itself names that node (the same operation on the same
    operands, down to the inputs); one found nowhere, or twice, is refused."""
    lost = [(name, body, start) for name, body, start in definitions if defined[name] not in problem.ids]
    if not lost:
        return
    keys: dict = {}
    canon = _canonical(problem.order, problem.leaves, keys)
    for name, body, start in lost:
        mine = _canonical(topological_order(defined[name]), problem.leaves, keys)[defined[name]]
        found = [v for v in problem.order if canon[v] == mine and not v.is_leaf]
        if len(found) != 1:
            how = "does not compute" if not found else f"computes {len(found)} times"
            raise WebError(f"names: {name} = {clip(body.text)}: the expression {how} that "
                           f"(use {name} in the expression instead)", field="names", column=start + 1, text=text)  # fmt: skip
        if found[0].label is not None and found[0].label != name:
            raise WebError(f"names: {name} = {clip(body.text)}: that node is already named {found[0].label}",
                           field="names", column=start + 1, text=text)  # fmt: skip
        found[0].label = name
        problem.named.add(found[0])
    problem.names = node_names(problem.order)


def _canonical(order: list[Value], leaves: dict[str, Value], keys: dict) -> dict[Value, int]:
    """Each node's structure as a small int: equal ints ⇔ the same operation on equal operands (an
    input by its name, a plain number by its value). Flat keys, so any depth hashes quickly."""
    inputs = {v: n for n, v in leaves.items()}
    out: dict[Value, int] = {}
    for v in order:
        if v.is_leaf:
            key: tuple = ("input", inputs.get(v, id(v)))
        else:
            key = (str(v.op), *(out[o] if isinstance(o, Value) else ("number", float(o)) for o in v.operands))
        out[v] = keys.setdefault(key, len(keys))
    return out


__all__ = ["MAX_EXPRESSION", "Problem", "WebError", "read", "read_values", "value_of"]
