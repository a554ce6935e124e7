"""Proofs, not samples, with sympy (the optional extra ``symbolic``: ``pip install 'autodiff[symbolic]'``).

``symbolic(root)`` turns a graph into one sympy expression, node by node (a leaf is a real symbol named
as in the drawings, an operation is its sympy function), and lists each ∂root/∂leaf simplified, beside
the engine's numbers; ``proofs.py`` uses the same conversion for ``check_formula(..., symbolic=True)``.

No text ever reaches sympy's parser (``sympify``/``parse_expr`` call ``eval``): an expression string is
read by the project's own whitelisted parser (``expressions.parse``) and its instructions are converted
one by one; numbers become exact rationals; a part made of numbers only is computed by the engine first,
so ``9**9**9`` is the engine's overflow message, not a huge integer. Sizes are capped before sympy
simplifies anything, and simplification has a time budget (sympy can take minutes on a few nested σ).
"""

from __future__ import annotations

import math
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from typing import NamedTuple

from ..engine import Value
from ..graph import gradients, topological_order
from ..text import tables
from ..text.display import Listing, unique_names
from . import sympy_process
from .expression_functions import CALLS, _call
from .expression_text import clip
from .expressions import BIN, NEG, NUM, VAR, Expression
from .local_forms import latex_name

INSTALL = "symbolic=True needs sympy, the optional extra 'symbolic': pip install 'autodiff[symbolic]' (or pip install sympy)"
MAX_TERMS = 5_000  # nodes of the formula written as a tree (a reused node counts once per use)
MAX_OPS = 400  # operations in a formula that sympy is asked to simplify
SECONDS = 8.0  # sympy's time for one proof or one derivative's simplification (it can take minutes)
TOTAL_SECONDS = 30.0  # sympy's time for all the derivatives of one symbolic(root)
# where to look for a point that shows a difference: small numbers first, then large ones
WITNESSES = (0.5, 1.5, -0.5, 2.0, -1.5, 0.25, 3.0, -2.5, 0.75, 10.0, -10.0, 100.0, -100.0, 1000.0, -1000.0)


class SympyMissingError(ImportError):
    """sympy is not installed: the message says how to install the extra."""


class NotSymbolicError(ValueError):
    """A formula not handed to sympy: too large, or an operation without a sympy form."""


class _OutOfTime(BaseException):  # not an Exception: sympy's own ``except Exception`` must not swallow it
    """The time budget of a proof or a simplification ran out."""


def budget_usable() -> bool:
    """Whether ``time_budget`` can limit sympy here: a signal timer, in the main thread on Unix, when no
    other timer runs. Elsewhere the proofs run in a worker process instead (``sympy_process``)."""
    return (hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
            and signal.getitimer(signal.ITIMER_REAL)[0] == 0)  # fmt: skip


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise ``_OutOfTime`` inside the block after ``seconds`` (a real-time timer, where
    ``budget_usable()``; elsewhere the block runs unbounded, within the size caps)."""
    if not budget_usable():
        yield
        return

    def stop(signum, frame):
        raise _OutOfTime

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 1e-3))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def require_sympy():
    try:
        import sympy
    except ImportError:
        raise SympyMissingError(INSTALL) from None
    return sympy


def rational(sp, x: float):
    """A float as an exact sympy number: the decimal it was written as (0.1 is 1/10), π and e by name."""
    if x == math.pi:
        return sp.pi
    if x == math.e:
        return sp.E
    q = Fraction(repr(float(x)))
    return sp.Rational(q.numerator, q.denominator)


def _num(sp, x):
    return rational(sp, x) if isinstance(x, float) else x


# ---- an expression string, from the parsed program ------------------------------------------------
def from_expression(expr: Expression, symbols: dict) -> object:
    """The sympy expression of a parsed formula, built from its whitelisted instructions (never from
    its text); ``symbols`` maps each name to its sympy symbol. Raises NotSymbolicError past the caps, and
    the engine's error for a part made of numbers only that cannot be computed."""
    sp = require_sympy()
    program = expr._program
    if len(program) > MAX_TERMS:
        raise NotSymbolicError(f"the formula has {len(program):,} parts, more than {MAX_TERMS:,}")
    stack: list = []  # floats while a part is made of numbers only, else sympy expressions
    for kind, arg, _ in program:
        if kind == NUM:
            stack.append(float(arg))
        elif kind == VAR:
            stack.append(symbols[arg])
        else:
            n = 1 if kind == NEG else 2 if kind == BIN else arg[1]
            args = stack[-n:]
            del stack[-n:]
            if all(isinstance(a, float) for a in args):  # numbers only: the engine computes it
                if kind == NEG:
                    stack.append(-args[0])
                elif kind == BIN:
                    stack.append(arg[1](Value(args[0]), args[1]).data)
                else:
                    stack.append(float(_call(arg[0], args)))
                continue
            args = [_num(sp, a) for a in args]
            if kind == NEG:
                stack.append(-args[0])
            elif kind == BIN:
                stack.append(arg[1](*args))
            else:
                stack.append(CALLS[arg[0]].sympy(sp, *args))
    (out,) = stack
    return _num(sp, out)


# ---- a graph, node by node -----------------------------------------------------------------------
def from_graph(root: Value) -> tuple[object, dict[Value, object], dict[Value, str]]:
    """(root's sympy expression, {leaf: symbol}, names): each node's expression from its parents'."""
    sp = require_sympy()
    order = topological_order(root)
    size: dict[Value, int] = {}
    for v in order:
        size[v] = 1 + sum(size[p] for p in v.parents)
        if size[v] > MAX_TERMS:
            raise NotSymbolicError(f"the graph written as one formula has more than {MAX_TERMS:,} parts (nodes are reused)")
    names = unique_names(order)
    leaves: dict[Value, object] = {}
    expr: dict[Value, object] = {}
    for v in order:
        if v.is_leaf:
            expr[v] = leaves[v] = sp.Symbol(names[v], real=True)
            continue
        form = v.row.sympy
        if form is None:
            raise NotSymbolicError(f"no sympy form for the operation {clip(str(v.op))!r} (an operation of your own)")
        expr[v] = form(sp, *(expr[o] if isinstance(o, Value) else rational(sp, o) for o in v.operands))
    return expr[root], leaves, names


def _guard(sp, e) -> None:
    if sp.count_ops(e) > MAX_OPS:
        raise NotSymbolicError(f"more than {MAX_OPS} operations to simplify")


def _tries(sp, e):
    """``e`` rewritten the ways that decide most learners' formulas, cheapest first: together, cancel in
    exponentials (σ and tanh become exp), sympy's simplify, and simplify after the rewrite. A way sympy
    cannot take is skipped."""
    for way in (lambda: sp.together(e), lambda: sp.cancel(e.rewrite(sp.exp)), lambda: sp.simplify(e),
                lambda: sp.simplify(e.rewrite(sp.exp))):  # fmt: skip
        try:
            yield way()
        except Exception:  # noqa: BLE001, S112 - sympy's own failures (PolynomialError, ...) mean: try the next way
            continue


def simplify(sp, e, seconds: float = SECONDS) -> tuple[object, bool]:
    """(the shortest simplified form of ``e`` found, whether every way finished within ``seconds``)."""
    _guard(sp, e)
    found = [e]
    try:
        with time_budget(seconds):
            for t in _tries(sp, e):
                found.append(t)  # noqa: PERF402 - one by one: what was found before the time ran out is kept
    except _OutOfTime:
        return min(found, key=sp.count_ops), False
    return min(found[1:] or found, key=sp.count_ops), True


def is_zero(sp, e, seconds: float = SECONDS) -> tuple[bool | None, object]:
    """(True, 0) when a simplification of ``e`` is 0; (False, its shortest form) when none is; (None,
    its shortest form so far) when the time ran out first."""
    _guard(sp, e)
    found = [e]
    try:
        with time_budget(seconds):
            for t in _tries(sp, e):
                if t == 0:
                    return True, t
                found.append(t)
    except _OutOfTime:
        return None, min(found, key=sp.count_ops)
    return False, min(found, key=sp.count_ops)


def evaluate(e, at: dict, strict: bool = False) -> float | None:
    """``e`` at the point {symbol: float}, the floats taken exactly, or None where it is not a finite
    real number. sympy raises its working precision where terms cancel; ``strict``: None also where
    even then it cannot tell the value from 0 (an exact zero written the long way), so that a value
    returned is never rounding noise."""
    sp = require_sympy()
    try:
        z = complex(e.subs({s: sp.Rational(x) for s, x in at.items()}).evalf(15, strict=strict))
    except (TypeError, ValueError, ArithmeticError, sp.core.evalf.PrecisionExhausted):
        return None
    return z.real if z.imag == 0 and math.isfinite(z.real) else None


class SymbolicRow(NamedTuple):
    name: str
    derivative: object  # ∂root/∂leaf, simplified (a sympy expression)
    value: float | None  # that expression at the graph's point
    engine: float  # the engine's gradient (backward from zero, computed on the side)

    @property
    def ok(self) -> bool:
        return self.value is not None and abs(self.value - self.engine) <= 1e-9 * max(1.0, abs(self.engine))


class SymbolicReport(Listing):
    """The graph as a formula and each ∂root/∂leaf simplified, beside the engine's numbers; truthy when
    every derivative's value at the graph's point is the engine's gradient."""

    _rows = "rows"

    def __init__(self, name: str, expression, rows: list[SymbolicRow], names_latex: dict, notes: list[str]) -> None:
        self.name, self.expression, self.rows, self.notes, self._latex_names = name, expression, rows, notes, names_latex

    @property
    def derivatives(self) -> dict[str, object]:
        return {r.name: r.derivative for r in self.rows}

    def __bool__(self) -> bool:
        return all(r.ok for r in self.rows)

    def _table(self) -> tuple[list[str], list[list[str]]]:
        head = ["leaf", f"∂{self.name}/∂leaf (sympy, simplified)", "its value here", "engine", ""]
        rows = [[r.name, str(r.derivative), tables.number(r.value), tables.number(r.engine), "✓" if r.ok else "✗"]
                for r in self.rows]  # fmt: skip
        return head, rows

    def __str__(self) -> str:
        head, rows = self._table()
        return "\n".join([f"{self.name} = {self.expression}", tables.text_table(head, rows), *self.notes])

    __repr__ = __str__

    @property
    def latex(self) -> str:
        """The formula and the derivatives as a LaTeX ``aligned`` block (names escaped)."""
        sp = require_sympy()
        tex = lambda e: sp.latex(e, symbol_names=self._latex_names)
        r = latex_name(self.name)
        lines = [rf"{r} &= {tex(self.expression)}"]
        lines += [rf"\frac{{\partial {r}}}{{\partial {latex_name(row.name)}}} &= {tex(row.derivative)}" for row in self]
        return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"

    def _repr_html_(self) -> str:
        head, rows = self._table()
        return tables.html_table(f"{self.name} = {self.expression}", head, rows, [not r.ok for r in self.rows],
                                 " · ".join(self.notes))  # fmt: skip


def _derivatives(expression, asked: list[tuple]) -> tuple[list[SymbolicRow], list[str]]:
    """For each (name, symbol, its number, the engine's gradient): ∂expression/∂symbol simplified and
    its value at the graph's point, all within ``TOTAL_SECONDS`` (``SECONDS`` for one derivative)."""
    sp = require_sympy()
    at = {s: x for _, s, x, _ in asked}
    rows, notes = [], []
    deadline = time.monotonic() + TOTAL_SECONDS
    for name, s, _, engine in asked:
        d, value = sp.diff(expression, s), None
        left = min(SECONDS, deadline - time.monotonic())
        try:
            if left <= 0:
                raise NotSymbolicError(f"sympy's {TOTAL_SECONDS:g} s for this graph are spent")
            d, finished = simplify(sp, d, left)
            if not finished:
                notes.append(f"∂/∂{name}: sympy took more than {left:.3g} s; shown as simplified by then")
            with time_budget(max(deadline - time.monotonic(), 0.0)):
                value = evaluate(d, at)
        except NotSymbolicError as err:
            notes.append(f"∂/∂{name} is not simplified: {err}")
        except _OutOfTime:
            notes.append(f"∂/∂{name} is not evaluated: sympy's {TOTAL_SECONDS:g} s for this graph are spent")
        rows.append(SymbolicRow(name, d, value, engine))
    return rows, notes


def symbolic(root: Value) -> SymbolicReport:
    """``root``'s graph as a sympy expression (built node by node) and each ∂root/∂leaf simplified,
    beside the engine's gradient. Nothing is changed: no ``.grad`` or ``.data`` is touched."""
    if not isinstance(root, Value):
        raise TypeError(f"symbolic needs a Value, got {type(root).__name__}: {root!r}")
    sp = require_sympy()
    expression, leaves, names = from_graph(root)
    grads = gradients(root)
    asked = [(names[v], s, v.data, grads.get(v, 0.0)) for v, s in leaves.items()]
    if budget_usable():
        rows, notes = _derivatives(expression, asked)
    else:  # no signal timer in this thread: sympy in a worker process, killed past the same time
        try:
            rows, notes = sympy_process.run(__name__, "_derivatives", (expression, asked), TOTAL_SECONDS + SECONDS)
        except sympy_process.OutOfTime as err:
            rows = [SymbolicRow(name, sp.diff(expression, s), None, g) for name, s, _, g in asked]
            notes = [f"the derivatives are not simplified or evaluated: {err}"]
    latex_names = {s: latex_name(names[v]) for v, s in leaves.items()}
    return SymbolicReport(names[root], expression, rows, latex_names, notes)


__all__ = ["INSTALL", "NotSymbolicError", "SymbolicReport", "SympyMissingError", "from_expression", "from_graph", "symbolic"]
