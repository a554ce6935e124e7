"""Every local derivative in symbols: ∂(a·b)/∂a = b, d tanh(q)/dq = 1 − o² (o the tanh node), written
with the names of the nodes, as plain text and as LaTeX, with its number.

The forms are derived from the node's own rules row (``v.row``, the row it was made with, so a user
operation registered again later does not change what an old node shows): the row's derivative
function is run on ``Term`` objects (a name or number with its text, LaTeX and value) instead of
floats, so the symbols say exactly what the engine computes (``1.0 - out * out`` becomes ``1 − o²``).
Terms answer the rules' helpers as Values do: ``exp``, ``tanh``, ``sqrt``, ``log``, ``sigmoid``, ...
(one method per unary row with a ``call`` name), ``data`` (a convention's test, as pow's at 0), and
``apply`` for the kinks' rows, written as Iverson brackets: relu' is ``[x > 0]`` (1 where x > 0, else
0), max's ``[a > b]`` (½ on a tie). A derivative that branches on the numbers itself (``if x > 0``)
cannot run on Terms: its recorded number is shown. ``tests/test_derivation.py`` checks that every
row's form has the engine's recorded local as its value.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable

from ..engine import Value
from ..rules import RULES, Binary, Nary, Unary
from ..text.display import fmt

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

    # ---- what the rules' helpers read or call on a non-number --------------------------------------
    @property
    def data(self) -> float:
        """The number behind the term (``rules.value``: pow's convention at 0 reads it)."""
        return self.value

    def apply(self, op: str, *others) -> Term:
        """The row ``op`` on this term and ``others`` (the kinks' rows: ``step``, ``sign``, ...)."""
        return row_form(RULES[op], (self, *map(lift, others)))


def row_form(row, operands: tuple[Term, ...]) -> Term:
    """A row applied to terms, written with its symbol: an Iverson bracket such as ``[x>0]`` with the
    operands' names put in, else ``symbol(x)``; its value is the row's forward on the terms' values."""
    value = _safe(row.forward, *(t.value for t in operands))
    bracket = _BRACKET.fullmatch(row.symbol)
    if bracket is None:
        return call(operands[0], row.symbol, value)
    first, cmp, second = bracket.groups()
    left, right = _slot(first, operands), _slot(second, operands)
    return indicator(f"{left.text} {cmp} {right.text}", f"{left.latex} {cmp} {right.latex}", value)


_BRACKET = re.compile(r"\[(\w+)\s*([<>]=?)\s*(\w+)\]")  # a kink row's symbol: [x>0], [a>b], [a<b]
_OPERAND_NAMES = ("x", "a", "b")  # how a row's symbol names its operands: x (one), a and b (two)


def _slot(word: str, operands: tuple[Term, ...]) -> Term:
    if word in _OPERAND_NAMES:
        return operands[max(0, _OPERAND_NAMES.index(word) - 1)]
    return number(float(word))


def _method(row) -> Callable[[Term], Term]:
    return lambda self: row_form(row, (self,))


for _row in RULES.values():  # Term.exp(), Term.tanh(), ...: one method per unary row with a call name
    if isinstance(_row, Unary) and _row.call:
        setattr(Term, _row.call, _method(_row))


_SUPERSCRIPT = {str(k): "⁰¹²³⁴⁵⁶⁷⁸⁹"[k] for k in range(2, 10)}


def _safe(f: Callable[..., float], *xs: float) -> float:
    try:
        y = f(*xs)
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


def call(x: Term, symbol: str, value: float) -> Term:
    """``symbol(x)``: a word or a Greek letter with brackets (``tanh(q)``, ``σ(q)``), another sign
    before its operand (``√q``)."""
    if symbol.isalpha():
        head = rf"\operatorname{{{symbol}}}" if symbol.isascii() else _greek(symbol)
        return Term(f"{symbol}({x.text})", rf"{head}\left({x.latex}\right)", value)
    if symbol == "√":
        return Term(f"√{wrap(x, ATOM)}", rf"\sqrt{{{x.latex}}}", value, POWER)
    return Term(f"{symbol}({x.text})", rf"{latex_name(symbol)}\left({x.latex}\right)", value)


def _greek(symbol: str) -> str:
    """σ → \\sigma: a Greek letter's LaTeX macro from its Unicode name, else the escaped name."""
    words = unicodedata.name(symbol[0], "").split() if len(symbol) == 1 else []
    return "\\" + words[-1].lower() if words[:1] == ["GREEK"] else latex_name(symbol)


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


def local_form(v: Value, k: int, names: dict[Value, str], digits: int = DIGITS) -> Term | None:
    """∂v/∂(v's k-th parent) in symbols from v's own row, or None when the row's derivative cannot run
    on terms (it branches on the numbers, or calls what a term does not have)."""
    row, operands = v.row, v.operands
    terms = tuple(name_term(o, names) if isinstance(o, Value) else number(o, digits) for o in operands)
    if v.partners:  # dot: ∂(Σ wᵢxᵢ + b)/∂wᵢ = xᵢ, the partner (a Value or a number), 1 for the bias
        partner = v.partners[k]
        return name_term(partner, names) if isinstance(partner, Value) else number(partner, digits)
    i = [j for j, o in enumerate(operands) if isinstance(o, Value)][k]  # the parent's place among the operands
    out = name_term(v, names)
    try:
        if isinstance(row, Unary):
            form = row.local(terms[0], out)
        elif isinstance(row, Binary):
            form = (row.local_a, row.local_b)[i](*terms, out)
        elif isinstance(row, Nary):
            form = row.local(terms, i, out)
        else:
            return None
    except (TypeError, AttributeError, ValueError, ArithmeticError):  # branches on numbers, math.exp(term), ...
        return None
    return form if isinstance(form, Term) else number(form, digits) if isinstance(form, (int, float)) else None


def edge_form(v: Value, k: int, names: dict[Value, str], digits: int = DIGITS) -> Term:
    """∂v/∂(v's k-th parent) in symbols: operands by their names (a plain-number operand by its
    value), the output by v's name; the recorded number where the row has no form on terms."""
    form = local_form(v, k, names, digits)
    return number(v.local_grads[k], digits) if form is None else form


__all__ = ["Term", "edge_form", "latex_name", "local_form", "number"]
