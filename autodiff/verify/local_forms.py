"""Every local derivative of the rules table in symbols: ∂(a·b)/∂a = b, d tanh(q)/dq = 1 − o² (o the
tanh node), written with the names of the nodes, as plain text and as LaTeX, with its number.

The forms are derived from ``rules.py`` itself: a row's derivative function is run on ``Term`` objects
(a name or number with its text, LaTeX and value) instead of floats, so the symbols say exactly what the
engine computes (``1.0 - out * out`` becomes ``1 − o²``). Only the rows whose functions branch on the
numbers (relu's ``x > 0``, max's tie, pow's special cases) have a form written here, in ``BRANCHING``;
``tests/test_derivation.py`` checks that every row has a form whose value is the engine's recorded local.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from ..engine import Value
from ..rules import RULES, Binary, Unary, _sigmoid
from ..text.display import REFLECTED, fmt

SUM, PRODUCT, POWER, ATOM = 1, 2, 3, 4  # precedence: an operand binding looser than its operator gets brackets
DIGITS = 4


class Term:
    """A symbolic quantity: ``text`` (Unicode), ``latex``, its ``value``, the precedence of its
    outermost operator, and whether it is a plain number. Arithmetic on Terms (and numbers) builds the
    text of the result; numbers fold (``2 − 1`` is ``1``), ``1·x`` is ``x``, ``o·o`` is ``o²``."""

    __slots__ = ("is_number", "latex", "prec", "text", "value")

    def __init__(self, text: str, latex: str, value: float, prec: int = ATOM, is_number: bool = False) -> None:
        self.text, self.latex, self.value, self.prec, self.is_number = text, latex, value, prec, is_number

    def __repr__(self) -> str:
        return f"Term({self.text!r}, value={self.value!r})"

    def __bool__(self):
        raise TypeError("a symbolic term has no truth value (the rule branches on numbers)")

    def __lt__(self, other):
        raise TypeError("symbolic terms are not compared (the rule branches on numbers)")

    __le__ = __gt__ = __ge__ = __lt__

    # ---- arithmetic -------------------------------------------------------------------------------
    def __add__(self, other):
        o = lift(other)
        if self.is_number and o.is_number:
            return number(self.value + o.value)
        if o.is_number and o.value < 0:
            return self - number(-o.value)
        return binary(self, o, " + ", " + ", self.value + o.value, SUM)

    def __radd__(self, other):
        return lift(other) + self

    def __sub__(self, other):
        o = lift(other)
        if self.is_number and o.is_number:
            return number(self.value - o.value)
        return binary(self, o, " − ", " - ", self.value - o.value, SUM, right_strict=True)

    def __rsub__(self, other):
        return lift(other) - self

    def __mul__(self, other):
        o = lift(other)
        if self.is_number and o.is_number:
            return number(self.value * o.value)
        if self.text == o.text and self.prec == ATOM:  # o·o is o²
            return Term(f"{self.text}²", f"{{{self.latex}}}^{{2}}", self.value * o.value, POWER)
        for one, other_ in ((self, o), (o, self)):  # 1·x is x
            if one.is_number and one.value == 1.0:
                return other_
        return binary(self, o, "·", r" \cdot ", self.value * o.value, PRODUCT, right_strict=True)

    def __rmul__(self, other):
        return lift(other) * self

    def __truediv__(self, other):
        o = lift(other)
        value = self.value / o.value if o.value else math.inf
        if self.is_number and o.is_number:
            return number(value)
        left, right = wrap(self, PRODUCT), wrap(o, PRODUCT, strict=True)
        return Term(f"{left}/{right}", rf"\frac{{{self.latex}}}{{{o.latex}}}", value, PRODUCT)

    def __rtruediv__(self, other):
        return lift(other) / self

    def __pow__(self, other):
        o = lift(other)
        value = _safe(lambda a: a**o.value, self.value)
        if o.is_number and o.value == 1.0:
            return self
        if o.is_number and o.text in _SUPERSCRIPT:
            exponent = _SUPERSCRIPT[o.text]
        else:
            exponent = "**" + (o.text if o.prec == ATOM and not o.text.startswith("−") else f"({o.text})")
        return Term(f"{wrap(self, ATOM)}{exponent}", f"{{{latex_wrap(self, ATOM)}}}^{{{o.latex}}}", value, POWER)

    def __neg__(self):
        if self.is_number:
            return number(-self.value)
        return Term(f"−{wrap(self, PRODUCT)}", f"-{latex_wrap(self, PRODUCT)}", -self.value, PRODUCT)

    # ---- the functions the rules' helpers call on non-numbers (rules.log, sin, cos, sigmoid) --------
    def log(self):
        return call(self, "ln", r"\ln", _safe(math.log, self.value))

    def sin(self):
        return call(self, "sin", r"\sin", math.sin(self.value))

    def cos(self):
        return call(self, "cos", r"\cos", math.cos(self.value))

    def sigmoid(self):
        return call(self, "σ", r"\sigma", _sigmoid(self.value))


_SUPERSCRIPT = {str(k): "⁰¹²³⁴⁵⁶⁷⁸⁹"[k] for k in range(2, 10)}


def _safe(f: Callable[[float], float], x: float) -> float:
    try:
        y = f(x)
    except (ArithmeticError, ValueError):
        return math.nan
    return y if isinstance(y, float) else math.nan if isinstance(y, complex) else float(y)


def wrap(t: Term, prec: int, strict: bool = False) -> str:
    """``t``'s text, bracketed when it binds looser than ``prec`` (or as loose, when ``strict``: the
    right operand of − and /), and as the right operand of anything when it starts with a minus."""
    loose = t.prec < prec or (strict and (t.prec == prec or t.text.startswith("−")))
    return f"({t.text})" if loose else t.text


def latex_wrap(t: Term, prec: int, strict: bool = False) -> str:
    loose = t.prec < prec or (strict and (t.prec == prec or t.text.startswith("−")))
    return rf"\left({t.latex}\right)" if loose else t.latex


def binary(a: Term, b: Term, op: str, latex_op: str, value: float, prec: int, right_strict: bool = False) -> Term:
    text = f"{wrap(a, prec)}{op}{wrap(b, prec, right_strict)}"
    return Term(text, f"{latex_wrap(a, prec)}{latex_op}{latex_wrap(b, prec, right_strict)}", value, prec)


def call(x: Term, name: str, latex_function: str, value: float) -> Term:
    return Term(f"{name}({x.text})", rf"{latex_function}\left({x.latex}\right)", value)


def number(x: float, digits: int = DIGITS) -> Term:
    """A number as a term (Unicode minus); a negative one is bracketed as a right operand ("z·(−4)")."""
    s = fmt(x, digits)
    if s.startswith("-"):
        return Term("−" + s[1:], "-" + _latex_number(s[1:]), x, PRODUCT, True)
    return Term(s, _latex_number(s), x, ATOM, True)


def _latex_number(s: str) -> str:
    if "e" in s:
        mantissa, exponent = s.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return {"∞": r"\infty"}.get(s, s)


def lift(x) -> Term:
    return x if isinstance(x, Term) else number(float(x))


# ---- names -------------------------------------------------------------------------------------
_LATEX_SPECIAL = {
    "\\": r"\backslash ", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#", "%": r"\%",
    "_": r"\_", "^": r"\wedge ", "~": r"\sim ", " ": r"\ ",
}  # fmt: skip
_SIMPLE = re.compile(r"([A-Za-z])(\d*)")  # x, w0, x12: written x, w_{0}, x_{12}


def latex_name(name: str) -> str:
    """A node's name as LaTeX math: ``x``, ``w_{0}``, else ``\\mathrm{...}`` with every special
    character escaped (labels are whatever a user typed: ``\\``, ``{``, ``$``, ``_`` are harmless)."""
    m = _SIMPLE.fullmatch(name)
    if m:
        return m.group(1) + (f"_{{{m.group(2)}}}" if m.group(2) else "")
    out = "".join(_LATEX_SPECIAL.get(c, c if c.isprintable() else "?") for c in name)
    return rf"\mathrm{{{out}}}"


def name_term(v: Value, names: dict[Value, str]) -> Term:
    return Term(names[v], latex_name(names[v]), v.data)


def indicator(text: str, latex: str, value: float) -> Term:
    """1 where a condition holds (Iverson's bracket [x > 0]), with the engine's value (½ on a tie)."""
    return Term(f"[{text}]", rf"[{latex}]", value)


def sign(x: Term, value: float) -> Term:
    return call(x, "sign", r"\operatorname{sign}", value)


_ZERO = number(0.0)


def _compare(a: Term, op: str, latex_op: str, b: Term, value: float) -> Term:
    return indicator(f"{a.text} {op} {b.text}", f"{a.latex} {latex_op} {b.latex}", value)


def _above(x: Term) -> Term:
    return _compare(x, ">", ">", _ZERO, 1.0 if x.value > 0 else 0.0)


def _below(x: Term) -> Term:
    return _compare(x, "≤", r"\le", _ZERO, 0.0 if x.value > 0 else 1.0)


# Rows whose derivative functions branch on the numbers: their symbols, with the rule's own value.
BRANCHING: dict[str, tuple[Callable, ...]] = {
    "pow": (lambda a, b, out: b * a ** (b - 1), lambda a, b, out: out * a.log()),
    "max": (lambda a, b, out: _compare(a, ">", ">", b, RULES["max"].local_a(a.value, b.value, out.value)),
            lambda a, b, out: _compare(a, "<", "<", b, RULES["max"].local_b(a.value, b.value, out.value))),
    "min": (lambda a, b, out: _compare(a, "<", "<", b, RULES["min"].local_a(a.value, b.value, out.value)),
            lambda a, b, out: _compare(a, ">", ">", b, RULES["min"].local_b(a.value, b.value, out.value))),
    "leaky_relu": (lambda x, s, out: _above(x) + s * _below(x), lambda x, s, out: x * _below(x)),
    "sqrt": (lambda x, out: 1 / (2 * out),),
    "relu": (lambda x, out: _compare(x, ">", ">", _ZERO, RULES["relu"].local(x.value, out.value)),),
    "abs": (lambda x, out: sign(x, RULES["abs"].local(x.value, out.value)),),
}  # fmt: skip


def _forms(op: str) -> tuple[Callable, ...] | None:
    row = RULES.get(op) or RULES.get(REFLECTED.get(op, ""))
    if row is None:
        return None
    base = REFLECTED.get(op, op)
    if base in BRANCHING:
        return BRANCHING[base]
    if isinstance(row, Binary):
        return (row.local_a, row.local_b)
    if isinstance(row, Unary):
        return (row.local,)
    return None


def edge_form(v: Value, k: int, names: dict[Value, str], digits: int = DIGITS) -> Term:
    """∂v/∂(v's k-th input) in symbols: operands by their names (a plain-number operand by its
    value), the output by v's name. An operation without a form here gives its recorded number."""
    parents, locals_ = v.parents, v.local_grads
    recorded = number(locals_[k], digits)
    if v.op == "sum":
        return number(1.0)
    if v.op == "dot":  # ∂(Σ wᵢxᵢ + b)/∂wᵢ = xᵢ: the partner (a Value or a number), 1 for the bias
        partner = v._da[k]
        return name_term(partner, names) if isinstance(partner, Value) and partner in names else number(partner, digits)
    forms = _forms(v.op)
    if forms is None:
        return recorded
    out = name_term(v, names)
    const = v.constant
    try:
        if len(forms) == 1:
            form = forms[0](name_term(parents[0], names), out)
        elif const is None:
            a, b = (name_term(p, names) for p in parents)
            form = forms[k](a, b, out)
        elif v.op in REFLECTED:  # 2 − x: the Value is the second operand
            form = forms[1](number(const, digits), name_term(parents[0], names), out)
        else:
            form = forms[0](name_term(parents[0], names), number(const, digits), out)
    except TypeError:  # a rule that branches on numbers and has no form in BRANCHING
        return recorded
    return lift(form)


__all__ = ["BRANCHING", "Term", "edge_form", "latex_name", "number"]
