"""How nodes and numbers are written in drawings and traces: one shared vocabulary, so that a
table row and the picture beside it call the same node by the same name."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..rules import RULES

if TYPE_CHECKING:
    from ..engine import Value

REFLECTED = {"rsub": "sub", "rdiv": "div", "rpow": "pow"}  # a plain number on the left: 2 - x, 1 / x


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


def _significant(text: str) -> int:
    """The significant digits written in a %g text: "1" → 1, "0.5" → 1, "1.25e-05" → 3."""
    mantissa = text.lstrip("-").split("e")[0].replace(".", "").lstrip("0")
    return len(mantissa)


def rule_of(op: str):
    """The rules.py row of an operation (reflected ops such as "rsub" share their row)."""
    return RULES.get(op) or RULES.get(REFLECTED.get(op, ""))


def symbol(op: str) -> str:
    """The drawing symbol of an operation: "+", "×", "σ", ...; the op name when it has no row."""
    row = rule_of(op)
    return row.symbol if row is not None else op


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
    """How ``v`` was computed, in names ("x + y", "tanh(z)", "3 − x") or, with ``with_values``,
    in numbers ("-2 + 5")."""
    if v.is_leaf:
        return "input"

    def term(p: Value) -> str:
        return fmt(p.data, digits) if with_values else names[p]

    op, parents = v.op, v.parents
    sym = symbol(op)
    const = v.constant
    if op in ("sum", "dot") or len(parents) > 2 or (op not in RULES and op not in REFLECTED):
        return f"{sym}({', '.join(term(p) for p in parents)})"
    row = rule_of(op)
    if len(parents) == 2:
        if type(row).__name__ == "Binary" and op not in ("max", "min", "leaky_relu"):
            return f"{term(parents[0])} {sym} {term(parents[1])}"
        return f"{sym}({term(parents[0])}, {term(parents[1])})"
    (p,) = parents
    if const is None:
        if op == "neg":
            t = term(p)
            return f"-({t})" if t.startswith("-") else f"-{t}"
        return f"{sym}({term(p)})"
    c = fmt(const, digits)
    if op in REFLECTED:
        return f"{c} {sym} {term(p)}"
    if op in ("max", "min", "leaky_relu"):
        return f"{sym}({term(p)}, {c})"
    return f"{term(p)} {sym} {c}"


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
