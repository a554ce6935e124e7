"""From a tape to straight-line Python: one line per node forward, one line per node backward.

Names are the compiler's own: ``x3`` an input, ``p7`` a param's value, ``v12`` node 12, ``g12`` its
gradient, ``s0`` an output's seed; ``_exp``, ``_inf``, … the functions and numbers it uses; ``_f9``,
``_la9``, ``_lb9`` a rules-table row without an inline form (its forward and local derivatives,
called through names bound when the code is made). Numbers are written as ``repr`` of finite
floats, non-finite ones as ``_inf``/``_nan``. Nothing a user wrote (a label, a scope name) is ever
part of the code.

The inline forms below agree with the rows of ``rules.py`` (``tests/test_replay.py`` checks every
op); a row replaced or added at run time is called through its own functions.
"""

from __future__ import annotations

import math
import re
from typing import NamedTuple

from ..guards import check_pow
from ..rules import RULES, Binary, _sigmoid, softplus
from .tape import Entry, Tape

CHUNK = 100  # terms per statement: longer sums continue on the next line (the parser nests deeply)

# op → (forward, ∂/∂first operand, ∂/∂second operand); {a} {b} operands, {o} the output; a local
# with @G is the whole term upstream × local (@G the upstream: relu's g·1 is g)
INLINE: dict[str, tuple[str, ...]] = {
    "add": ("{a} + {b}", "1.0", "1.0"),
    "sub": ("{a} - {b}", "1.0", "-1.0"),
    "mul": ("{a} * {b}", "{b}", "{a}"),
    "div": ("{a} / {b}", "(1.0 / {b})", "(-{o} / {b})"),
    "pow": ("{a} ** {b}", "", ""),  # written for the side that is a number: _pow_form
    "max": ("({a} if {a} >= {b} else {b})", "(1.0 if {a} > {b} else (0.5 if {a} == {b} else 0.0))",
            "(1.0 if {a} < {b} else (0.5 if {a} == {b} else 0.0))"),
    "min": ("({a} if {a} <= {b} else {b})", "(1.0 if {a} < {b} else (0.5 if {a} == {b} else 0.0))",
            "(1.0 if {a} > {b} else (0.5 if {a} == {b} else 0.0))"),
    "leaky_relu": ("({a} if {a} > 0.0 else {b} * {a})", "(1.0 if {a} > 0.0 else {b})", "(0.0 if {a} > 0.0 else {a})"),
    "neg": ("-{a}", "-1.0"),
    "exp": ("_exp({a})", "{o}"),
    "log": ("_log({a})", "(1.0 / {a})"),
    "sqrt": ("_sqrt({a})", "(0.5 / {o} if {o} else _inf)"),
    "tanh": ("_tanh({a})", "(1.0 - {o} * {o})"),
    "sigmoid": ("_sigmoid({a})", "({o} * (1.0 - {o}))"),
    "relu": ("({a} if {a} > 0.0 else 0.0)", "(@G if {a} > 0.0 else @G * 0.0)"),
    "softplus": ("_softplus({a})", "_sigmoid({a})"),
    "abs": ("_abs({a})", "(1.0 if {a} > 0.0 else (-1.0 if {a} < 0.0 else 0.0))"),
    "sin": ("_sin({a})", "_cos({a})"),
    "cos": ("_cos({a})", "-_sin({a})"),
}  # fmt: skip
_BUILTIN_ROWS = {op: RULES[op] for op in INLINE}  # an inline form is used only while its row is this one
# ops whose result can leave the float range (or the reals) from finite operands without raising:
# their values enter the replay's one finite-number check; the others are finite on finite input
# (exp, log, sqrt raise themselves)
SAFE = frozenset({"neg", "relu", "abs", "max", "min", "tanh", "sigmoid", "sin", "cos", "exp", "log", "sqrt",
                  "softplus"})  # fmt: skip


def _pow_checked(a, b):
    """a ** b for a Value exponent: a must be >= 0 (the engine's rule, for ∂/∂b = a^b·ln a)."""
    check_pow(a, b, True)
    return a**b


NAMESPACE = {"_exp": math.exp, "_log": math.log, "_sqrt": math.sqrt, "_tanh": math.tanh, "_sin": math.sin,
             "_cos": math.cos, "_abs": abs, "_sigmoid": _sigmoid, "_softplus": softplus, "_inf": math.inf,
             "_nan": math.nan, "_pow": _pow_checked}  # fmt: skip


def number(x: float) -> str:
    """A float as code: its repr when finite (in parentheses when negative), else a bound name."""
    x = float(x)
    if math.isnan(x):
        return "_nan"
    if x in (math.inf, -math.inf):
        return "_inf" if x > 0 else "(-_inf)"
    text = repr(x)
    return f"({text})" if text.startswith("-") else text


class Code(NamedTuple):
    forward: list[str]  # the forward lines (values of every node)
    check: list[str]  # lines that sum the values that might not be finite into _c
    backward: list[str]  # the backward lines (gradients), seeds s0, s1, … for the outputs
    bound: dict  # names → the rules-table functions the lines call
    saved: list[str]  # the forward names the backward lines read


def generate(tape: Tape) -> Code:
    entries = tape.entries
    names = [_name(e, k) for k, e in enumerate(entries)]
    bound: dict = {}
    forward, risky = [], []
    local: list[list[str]] = []  # per entry, the local derivative towards each edge (code)
    for k, e in enumerate(entries):
        if e.op in ("x", "p"):
            local.append([])
            if e.op == "p":
                risky.append(names[k])
            continue
        ref = [names[x] if type(x) is int else number(x) for x in e.args] if e.op != "dot" else []
        fwd, locs = _node_code(e, k, ref, names, bound)
        forward.extend(_sum_lines(names[k], fwd) if isinstance(fwd, list) else [f"{names[k]} = {fwd}"])
        local.append(locs)
        if e.op not in SAFE or e.op not in INLINE or RULES.get(e.op) is not _BUILTIN_ROWS.get(e.op):
            risky.append(names[k])
    backward = _backward(tape, names, local)
    used = set()
    for line in backward:
        used.update(_words(line))
    saved = [n for n in names if n in used and n[0] in "vxp"]
    return Code(forward, _sum_lines("_c", risky or ["0.0"]), backward, bound, saved)


def _name(e: Entry, k: int) -> str:
    return f"x{e.slot}" if e.op == "x" else f"p{e.slot}" if e.op == "p" else f"v{k}"


def _node_code(e: Entry, k: int, ref: list[str], names: list[str], bound: dict):
    """(forward expression, or a list of terms to add; the local derivative of each edge)."""
    o = names[k]
    if e.op == "sum":
        terms = list(ref) + ([number(e.offset)] if e.offset else [])
        return (terms or ["0.0"]), ["1.0"] * len(e.edges)
    if e.op == "dot":
        terms = [_product(_ref(a, names), _ref(b, names)) for a, b in e.args]
        terms += [number(e.offset)] if e.offset else []
        return (terms or ["0.0"]), [_ref(partner, names) for _, partner in e.edges]
    row = RULES[e.op]
    form = INLINE.get(e.op) if row is _BUILTIN_ROWS.get(e.op) else None
    if e.op == "pow":
        form = _pow_form(e, form)
    if form is None:  # a row without an inline form: called through its own functions
        form = _bound_form(row, k, len(ref), bound)
    a = ref[0]
    b = ref[1] if len(ref) > 1 else ""
    fwd = form[0].format(a=a, b=b, o=o)
    locs = [form[1 + i].format(a=a, b=b, o=o) for i, x in enumerate(e.args) if type(x) is int]
    return fwd, locs


def _pow_form(e: Entry, form):
    """a ** b with one side a number: the derivative written for that number (rules._pow_da/_pow_db)."""
    if form is None:
        return None
    a, b = e.args
    if type(a) is int and type(b) is int:
        return ("_pow({a}, {b})", *_bound_locals())
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
        return None
    return ("{a} ** {b}", "", f"({{o}} * {number(math.log(a))})")


def _bound_locals():
    return "_lapow({a}, {b}, {o})", "_lbpow({a}, {b}, {o})"


NAMESPACE["_lapow"], NAMESPACE["_lbpow"] = RULES["pow"].local_a, RULES["pow"].local_b


def _bound_form(row, k: int, n: int, bound: dict) -> tuple[str, ...]:
    """Forward and locals of a row called through names bound to its functions (_f9, _la9, _lb9)."""
    if isinstance(row, Binary):
        bound[f"_f{k}"], bound[f"_la{k}"], bound[f"_lb{k}"] = row.forward, row.local_a, row.local_b
        return (f"_f{k}({{a}}, {{b}})", f"_la{k}({{a}}, {{b}}, {{o}})", f"_lb{k}({{a}}, {{b}}, {{o}})")
    bound[f"_f{k}"], bound[f"_la{k}"] = row.forward, row.local
    return (f"_f{k}({{a}})", f"_la{k}({{a}}, {{o}})")


def _product(a: str, b: str) -> str:
    return a if b == "1.0" else b if a == "1.0" else f"{a} * {b}"  # (a plain bias: b·1.0 is b exactly)


def _ref(x, names: list[str]) -> str:
    return names[x] if type(x) is int else number(x)


def _backward(tape: Tape, names: list[str], local: list[list[str]]) -> list[str]:
    """g_k = Σ over the uses of node k of (upstream × local), the terms in the order the eager
    backward adds them (walking the nodes from the last one back, each node's parents in order)."""
    entries = tape.entries
    terms: list[list[str]] = [[] for _ in entries]
    for i, out in enumerate(tape.outputs):
        terms[out].append(f"s{i}")
    lines = []
    for k in range(len(entries) - 1, -1, -1):
        e = entries[k]
        g = _grad_name(e, k)
        own = terms[k]
        if not own:
            lines.append(f"{g} = 0.0")  # not reached from an output (an unused input or param)
        else:
            lines.extend(_sum_lines(g, own))
        for (parent, _), loc in zip(e.edges, local[k]):
            terms[parent].append(_times(g, loc))
        terms[k] = []
    return lines


def _grad_name(e: Entry, k: int) -> str:
    return f"gx{e.slot}" if e.op == "x" else f"gp{e.slot}" if e.op == "p" else f"g{k}"


def _times(g: str, local: str) -> str:
    """The term upstream × local, as the engine computes it (g·1.0 is g, g·−1.0 is −g exactly)."""
    if "@G" in local:
        return local.replace("@G", g)
    if local == "1.0":
        return g
    if local == "-1.0":
        return f"-{g}"
    return f"{g} * {local}"


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
