"""How nodes and numbers are written in drawings and traces: one shared vocabulary, so that a
table row and the picture beside it call the same node by the same name."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..node import Node
from ..rules import REFLECTED, Nary  # noqa: F401 (REFLECTED: read from here by verify/local_forms until it reads v.row)

if TYPE_CHECKING:
    from ..engine import Value


def check_digits(digits: int) -> int:
    """Significant digits for printed numbers: an int from 1 to 17."""
    if type(digits) is not int or not 1 <= digits <= 17:
        raise ValueError(f"digits must be an int from 1 to 17 (significant digits), got {digits!r}")
    return digits


def counted(n: int, word: str) -> str:
    """``n`` and ``word``, plural unless n is 1: "1 path", "3 paths"."""
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


ROUND_TOLERANCE = 1e-12  # relative: a difference below this is float noise (0.1 + 0.2), not a value


def fmt(x: float, digits: int = 4) -> str:
    """``x`` to ``digits`` significant digits: 0.7311, -12, 1.475e-10; never "-0".

    A value is never written as a rounder number than it is: when rounding drops digits that
    matter (more than float noise, ``ROUND_TOLERANCE``) and the text has fewer than ``digits``
    significant digits, so that it would read as exact, it gets "≈": 0.99995 → "≈1",
    2.00001 → "≈2", 0.30000000000000004 → "0.3"."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    s = f"{x:.{digits}g}"
    if s in ("-0", "0"):
        return "0"
    shown = float(s)
    if abs(shown - x) > ROUND_TOLERANCE * abs(x) and _significant(s) < digits:
        return "≈" + s
    return s


def eq(x: float, digits: int = 4) -> str:
    """"= x" with ``fmt``'s text, or "≈ x" when that text is rounded ("≈0.822"): never "= ≈0.822"."""
    return equals(fmt(x, digits))


def equals(text: str) -> str:
    """"= 0.5" for a number's text, "≈ 0.8221" for a rounded one ("≈0.8221"): one sign, never "= ≈"."""
    return f"≈ {text[1:]}" if text.startswith("≈") else f"= {text}"


def _significant(text: str) -> int:
    """The significant digits written in a %g text: "1" → 1, "0.5" → 1, "1.25e-05" → 3."""
    mantissa = text.lstrip("-").split("e")[0].replace(".", "").lstrip("0")
    return len(mantissa)


def symbol(v: Value) -> str:
    """The drawing symbol of ``v``'s operation, from the row it was made with (``v.row``): "+", "×",
    "σ", ...; the op's name when the node has no row (one unpickled after its operation was removed)."""
    row = v.row
    return row.symbol if row is not None else str(v.op)


def reading_order(order: Iterable[Value]) -> list[Value]:
    """The nodes of a topological ``order`` as a drawing reads them, left to right: by column (the
    longest path from an input: inputs 0, their results 1, ...), then in ``order`` within a column
    (Graphviz stacks a column's nodes in that order). Itself a topological order."""
    order = list(order)
    depth: dict[Value, int] = {}
    for v in order:
        depth[v] = 1 + max((depth[p] for p in v.parents if p in depth), default=-1)
    position = {v: i for i, v in enumerate(order)}
    return sorted(order, key=lambda v: (depth[v], position[v]))


def output_label(taken) -> str:
    """The output's name: f, else out, else output, else f_1, f_2, ...: never an input's name, so
    that no table, trace or drawing shows two nodes under one name."""
    for name in ("f", "out", "output"):
        if name not in taken:
            return name
    return next(f"f_{k}" for k in itertools.count(1) if f"f_{k}" not in taken)


def node_names(order: Iterable[Value]) -> dict[Value, str]:
    """A name for every node: its label, or ``v1, v2, ...`` for unlabelled ones, numbered as the
    drawing reads them (``reading_order``: left to right, then top to bottom), skipping names
    already used as labels. The dict keeps the given order."""
    order = list(order)
    used = {v.label for v in order if v.label}
    numbered: dict[Value, str] = {}
    k = 0
    for v in reading_order(order):
        if v.label:
            continue
        k += 1
        while f"v{k}" in used:
            k += 1
        numbered[v] = f"v{k}"
    return {v: v.label if v.label else numbered[v] for v in order}


def unique_names(order: Iterable[Value]) -> dict[Value, str]:
    """Like ``node_names``, but a name shared by several nodes (``w0`` in every neuron) is
    qualified by the node's scope (``layers.0.neurons.1.w0``), and then by ``#2, #3, ...``."""
    names = node_names(order)
    counts: dict[str, int] = {}
    for name in names.values():
        counts[name] = counts.get(name, 0) + 1
    out: dict[Value, str] = {}
    seen: dict[str, int] = {}
    for v, name in names.items():
        if counts[name] > 1 and v.scope:
            name = ".".join((*v.scope, name))
        n = seen.get(name, 0) + 1
        seen[name] = n
        out[v] = name if n == 1 else f"{name}#{n}"
    return out


def formula(v: Value, names: dict[Value, str], digits: int = 4, with_values: bool = False) -> str:
    """How ``v`` was computed, read from its record (``v.row``'s symbol, ``v.operands`` in order,
    plain numbers included), in names ("x + y", "tanh(z)", "3 − x", "Σ(x, 1)", "w0·x0 + w1·2 + 0.5")
    or, with ``with_values``, in numbers ("-2 + 5")."""
    if v.is_leaf:
        return "input"

    def term(o) -> str:
        if isinstance(o, Node):
            return fmt(o.data, digits) if with_values else names[o]
        return fmt(o, digits)

    def factor(o) -> str:  # a negative number inside a product gets brackets: 2·(-1)
        t = term(o)
        return f"({t})" if t.startswith(("-", "≈-")) else t

    sym, ops = ("**" if v.rule == "pow" else symbol(v)), v.operands  # a power as expressions write it: x ** 2
    if v.partners:  # dot: w₀, x₀, w₁, x₁, … and a bias last when the length is odd
        n = len(ops) // 2 * 2
        parts = [f"{factor(ops[i])}{sym}{factor(ops[i + 1])}" for i in range(0, n, 2)]
        return " + ".join(parts + [factor(b) for b in ops[n:]])
    operator = sym == "**" or (len(sym) == 1 and not sym.isalnum())  # "+", "−", "×", "÷", "**": between operands
    if isinstance(v.row, Nary) or len(ops) > 2 or not operator:
        return f"{sym}({', '.join(term(o) for o in ops)})"
    if len(ops) == 2:
        return f"{term(ops[0])} {sym} {term(ops[1])}"
    t = term(ops[0])  # a one-operand operator: −x
    return f"{sym}({t})" if t.startswith(("-", "−", "≈")) else f"{sym}{t}"


class Listing:
    """A report that reads as the list of its rows (the attribute named by ``_rows``):
    ``len(report)``, ``for row in report``, ``report[i]``."""

    _rows: str

    def __len__(self) -> int:
        return len(getattr(self, self._rows))

    def __iter__(self):
        return iter(getattr(self, self._rows))

    def __getitem__(self, i: int):
        return getattr(self, self._rows)[i]
