"""From a tape to straight-line Python: one line per node forward, one line per node backward.

Names are the compiler's own: ``x3`` an input, ``p7`` a param's value, ``v12`` node 12, ``g12`` its
gradient, ``s0`` an output's seed; ``_exp``, ``_sigmoid``, … a built-in row's forward (``"_"`` + the
row's name, as its ``code`` calls it), ``_inf``/``_nan`` numbers, ``_total`` Python's ``sum``; ``_f9``,
``_la9``, ``_lb9`` the forward and local derivatives of a row written without ``code`` (a user's
operation), called through names bound when the code is made. No name an operation was registered
under, no label and no scope name is ever part of the code, so a user's operation may be named ``x``,
``p`` or ``_exp``. Numbers are written as ``repr`` of finite floats, non-finite ones as ``_inf``/``_nan``.

Every line computes what the node's row computes, in the same order of operations, so a replay's
values are the engine's bitwise: a built-in row's ``code`` templates (``rules.py``), pow written for
the side that is a number, a sum added left to right from 0.0 (``rules._sum``), a dot's products
added by Python's ``sum`` and then its bias (``rules._dot``; written out as additions from 0.0 before
Python 3.12, where ``sum`` of floats is exactly that). The backward lines are ``graph.walk`` run
on code: each gradient the sum of upstream × local over the node's uses, in the walk's order.
"""

from __future__ import annotations

import ast
import builtins
import functools
import math
import re
import sys
from typing import NamedTuple

from ..custom import BUILT_IN
from ..graph import walk
from ..guards import check_pow
from ..rules import RULES, Binary, Nary, _dot, _pow_da, _sum
from .tape import INPUT, NODE, PARAM, Entry, RecordError, Tape

SUM_LEFT_TO_RIGHT = sys.version_info < (3, 12)  # builtins.sum of floats: plain additions from 0 (3.12: compensated)
CHUNK = 100  # terms per statement: longer sums continue on the next line (the parser nests deeply)
BUILT_IN_ROWS = {name: row for name, row in RULES.items() if name in BUILT_IN}  # whose ``code`` is ours


def _checked_pow(a, b):
    """a ** b for a Value exponent: a must be >= 0 (the engine's rule, for ∂/∂b = a^b·ln a)."""
    check_pow(a, b, True)
    return a**b


def _namespace() -> dict:
    """The functions the rows' ``code`` calls (``_tanh`` is the tanh row's forward) and the
    compiler's own names."""
    own = {"_inf": math.inf, "_nan": math.nan, "_total": builtins.sum}
    found = {}
    for row in BUILT_IN_ROWS.values():
        for text in getattr(row, "code", ()):
            for word in re.findall(r"(?<!\w)_[a-z]\w*", text):
                if word not in own:
                    found[word] = BUILT_IN_ROWS[word[1:]].forward
    return {**found, **own}


NAMESPACE = _namespace()


def number(x: float) -> str:
    """A float as code: its repr when finite (in parentheses when negative), else a bound name."""
    x = float(x)
    if math.isnan(x):
        return "_nan"
    if x in (math.inf, -math.inf):
        return "_inf" if x > 0 else "(-_inf)"
    text = repr(x)
    return f"({text})" if text.startswith("-") else text


@functools.cache
def may_leave_floats(form: str) -> bool:
    """Whether a forward template can give a result that is not a finite float from finite operands
    without raising: arithmetic between operands can overflow to ±inf (a + b, slope·x); a call to a
    row's forward does not (math's functions raise on an overflow or outside their domain, the others
    are bounded or grow slower than their input), nor a choice between operands or a negation.
    ``tests/test_replay_record.py`` holds every built-in row to this on extreme operands."""
    tree = ast.parse(form.format(a="a", b="b", o="o"), mode="eval")
    return any(isinstance(node, ast.BinOp) for node in ast.walk(tree))


class Code(NamedTuple):
    forward: list[str]  # the forward lines (values of every node)
    check: list[str]  # lines that sum the values that might not be finite into _c
    backward: list[str]  # the backward lines (gradients), seeds s0, s1, … for the outputs
    bound: dict  # names → the rows' functions the lines call
    saved: list[str]  # the forward names the backward lines read
    names: list[str]  # each entry's value name (x3, p7, v12)


def generate(tape: Tape) -> Code:
    entries = tape.entries
    names = [_name(e, k) for k, e in enumerate(entries)]
    bound: dict = {}
    forward, risky = [], []
    local: list[list] = []  # per entry, the local derivative towards each edge (code, or 1.0)
    for k, e in enumerate(entries):
        if e.kind != NODE:
            local.append([])
            if e.kind == PARAM:
                risky.append(names[k])
            continue
        ref = [names[x] if type(x) is int else number(x) for x in e.args]
        fwd, locs, unsafe = _node_code(e, k, ref, names, bound)
        forward.extend(_sum_lines(names[k], fwd) if isinstance(fwd, list) else [f"{names[k]} = {fwd}"])
        local.append(locs)
        if unsafe:
            risky.append(names[k])
    backward = _backward(tape, names, local)
    used = set()
    for line in backward:
        used.update(_words(line))
    saved = [n for n in names if n in used]
    return Code(forward, _sum_lines("_c", risky or ["0.0"]), backward, bound, saved, names)


def _name(e: Entry, k: int) -> str:
    return f"x{e.slot}" if e.kind == INPUT else f"p{e.slot}" if e.kind == PARAM else f"v{k}"


def _grad_name(e: Entry, k: int) -> str:
    return f"gx{e.slot}" if e.kind == INPUT else f"gp{e.slot}" if e.kind == PARAM else f"g{k}"


def _node_code(e: Entry, k: int, ref: list[str], names: list[str], bound: dict):
    """(forward expression, or a list of terms to add; the local of each edge, code or 1.0; whether
    the value may leave the floats without raising)."""
    row, o = e.row, names[k]
    ours = BUILT_IN_ROWS.get(e.rule) is row  # a built-in row as this module knows it: its code is ours
    if isinstance(row, Nary):
        if not ours or row.forward not in (_sum, _dot):
            raise RecordError(f"node {k}: an n-ary operation {e.rule!r} the compiler does not know (only sum and dot)")
        locs = [1.0 if type(q) is float and q == 1.0 else _ref(q, names) for _, q in e.edges]
        return (_sum_terms(e.args, ref) if row.forward is _sum else _dot_code(e.args, ref)), locs, True
    power = ours and getattr(row, "local_a", None) is _pow_da  # pow: written for the side that is a number
    form = _pow_form(e.args) if power else row.code if ours else ()
    unsafe = power or not form or may_leave_floats(form[0])
    if not form:  # a row without code (a user's operation): called through its own functions
        form = _bound_form(row, k, bound, _checked_pow if power else row.forward)
    a = ref[0]
    b = ref[1] if len(ref) > 1 else ""
    locs = [form[1 + i].format(a=a, b=b, o=o) for _, i in e.edges]
    return form[0].format(a=a, b=b, o=o), [1.0 if x == "1.0" else x for x in locs], unsafe


def _sum_terms(args: tuple, ref: list[str]) -> list[str]:
    """rules._sum's order: 0.0 + t₀ + t₁ + … left to right (a leading run of numbers added now)."""
    total, i = 0.0, 0
    while i < len(args) and type(args[i]) is float:
        total += args[i]
        i += 1
    return [number(total), *ref[i:]]


def _dot_code(args: tuple, ref: list[str]) -> str | list[str]:
    """rules._dot's order: Python's sum of the products wᵢ·xᵢ, then + the bias. Before Python 3.12
    ``sum`` of floats adds left to right from 0 (written out: no call); from 3.12 it compensates the
    rounding (Neumaier), so the code calls it."""
    n = len(ref) // 2 * 2
    products = [_product(args[i], args[i + 1], ref[i], ref[i + 1]) for i in range(0, n, 2)]
    bias = [ref[-1]] if len(ref) % 2 else []
    if SUM_LEFT_TO_RIGHT and products:
        return ["0.0", *products, *bias]
    text = f"_total(({', '.join(products)}{',' if len(products) == 1 else ''}))"
    return f"{text} + {bias[0]}" if bias else text


def _pow_form(args: tuple):
    """a ** b with one side a number: the derivative written for that number (rules._pow_da/_pow_db)."""
    a, b = args
    if type(a) is int and type(b) is int:
        return ()  # two Values: the row's locals through bound names, a checked forward
    if type(b) is float:  # x ** c: ∂/∂x = c·x^(c−1); 0 for c = 0; +inf at x = 0 for c < 1
        if b == 0:
            da = "0.0"
        elif b < 1:
            da = f"(_inf if {{a}} == 0.0 else {number(b)} * {{a}} ** {number(b - 1)})"
        elif b - 1 == 1.0:
            da = f"({number(b)} * {{a}})"
        else:
            da = f"({number(b)} * {{a}} ** {number(b - 1)})"
        return ("{a} ** {b}", da, "")
    if a == 0:  # c ** x: ∂/∂x = c^x·ln c, 0 for c = 0
        return ("{a} ** {b}", "", "0.0")
    if a < 0:
        return ()
    return ("{a} ** {b}", "", f"({{o}} * {number(math.log(a))})")


def _bound_form(row, k: int, bound: dict, forward) -> tuple[str, ...]:
    """Forward and locals of a row called through names bound to its functions (_f9, _la9, _lb9)."""
    if isinstance(row, Binary):
        bound[f"_f{k}"], bound[f"_la{k}"], bound[f"_lb{k}"] = forward, row.local_a, row.local_b
        return (f"_f{k}({{a}}, {{b}})", f"_la{k}({{a}}, {{b}}, {{o}})", f"_lb{k}({{a}}, {{b}}, {{o}})")
    bound[f"_f{k}"], bound[f"_la{k}"] = forward, row.local
    return (f"_f{k}({{a}})", f"_la{k}({{a}}, {{o}})")


def _product(w, x, w_ref: str, x_ref: str) -> str:
    """wᵢ·xᵢ as the engine computes it: two numbers multiplied now, ·1.0 left out (exact)."""
    if type(w) is float and type(x) is float:
        return number(w * x)
    return w_ref if x_ref == "1.0" else x_ref if w_ref == "1.0" else f"{w_ref} * {x_ref}"


def _ref(x, names: list[str]) -> str:
    return names[x] if type(x) is int else number(x)


class _Grad:
    """A gradient as code, for ``graph.walk``: the terms added so far, or, once its line is written,
    its name. ``g * local`` is the term upstream × local; ``g + h`` adds h's terms after g's (in
    place: a gradient not yet named belongs to one node's entry alone)."""

    __slots__ = ("name", "terms")

    def __init__(self, terms: list[str]) -> None:
        self.name, self.terms = "", terms

    def __mul__(self, local: str) -> _Grad:
        g = self.name
        if "@G" in local:  # the whole term written by the row (relu: g, or g·0.0)
            return _Grad([local.replace("@G", g)])
        return _Grad([f"-{g}" if local == "-1.0" else f"{g} * {local}"])

    def __add__(self, other: _Grad) -> _Grad:
        if self.name:  # a child's gradient passed on whole: its name is this one's first term
            return _Grad([self.name, *(other.terms if not other.name else [other.name])])
        self.terms.extend(other.terms if not other.name else [other.name])
        return self


def _backward(tape: Tape, names: list[str], local: list[list]) -> list[str]:
    """g_k = Σ over the uses of node k of (upstream × local), the terms in the order the engine's
    backward adds them: ``graph.walk`` over the entries with gradients as code."""
    entries = tape.entries
    grads: dict[int, _Grad] = {}
    for i, out in enumerate(tape.outputs):
        seed = _Grad([f"s{i}"])
        grads[out] = grads[out] + seed if out in grads else seed
    lines: list[str] = []
    written = set()

    def edges_of(k: int) -> list[tuple[int, object]]:
        g, name = grads[k], _grad_name(entries[k], k)
        if not g.name:
            lines.extend(_sum_lines(name, g.terms))
            g.name = name
        elif entries[k].kind != NODE:  # a leaf's gradient is returned under its own name
            lines.append(f"{name} = {g.name}")
        # (else a child's gradient passed on whole, already named: the terms use that name)
        written.add(k)
        return [(parent, loc) for (parent, _), loc in zip(entries[k].edges, local[k])]

    walk(list(range(len(entries))), grads, edges_of)
    for k, e in enumerate(entries):  # a leaf no output reaches (it takes no part in the graph's value)
        if k not in written and e.kind != NODE:
            lines.append(f"{_grad_name(e, k)} = 0.0")
    return lines


def _sum_lines(target: str, terms: list[str]) -> list[str]:
    """``target = t0 + t1 + …``, CHUNK terms per line, added left to right as written."""
    lines = []
    for start in range(0, len(terms), CHUNK):
        chunk = terms[start : start + CHUNK]
        text = chunk[0]
        for t in chunk[1:]:
            text += f" - {t[1:]}" if t.startswith("-") and not t.startswith("-_") else f" + {t}"
        lines.append(f"{target} = {text}" if start == 0 else f"{target} = {target} + {text}")
    return lines


_WORD = re.compile(r"[A-Za-z_]\w*")


def _words(line: str) -> list[str]:
    """The names a line of generated code mentions."""
    return _WORD.findall(line)
