"""The derivative table: every operation's row, complete, in one place.

A row gives the symbol drawings use, the forward on floats, the local derivative(s) ∂out/∂input as
functions of the operands and the output, the maths in words, and what the other tools need: ``code``
(the compiled replay's forward and local templates over ``{a}``, ``{b}``, the output ``{o}``; a local
with ``@G`` is the whole term upstream × local), ``array`` (the same on numpy arrays, for the batched
replay: ``np.where`` where ``code`` has an ``if``), ``sympy`` (the form, given the sympy module and the
operands) and ``call`` (the name of the function in the expression language and in ``autodiff.exp``
& co.; None for an operator). Tools derive from the row; no tool keeps a second copy of a rule.

The local derivatives are written with arithmetic and the helpers below only, so they work on floats
(the engine's fast path, evaluated once when a node is made) and on Values (a higher-order backward
evaluates these same rules on Values). Where a derivative is undefined the table follows PyTorch:
relu'(0) = 0, abs'(0) = 0, leaky_relu'(0) = slope, max/min with a tie send half to each side,
sqrt'(0) = +inf. A kink's choice is itself a row (``step``, ``sign``, ``above``, ``below``: their
derivative is 0), so on Values it is recorded as a function of the operands, and a higher-order
graph or its compiled replay takes the side of each call's numbers.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable
from operator import mul
from typing import NamedTuple

REFLECTED = {"rsub": "sub", "rdiv": "div", "rpow": "pow"}  # a plain number on the left (2 - x): the row's first operand


# ---- helpers that work on floats and on Values (anything with the method of the same name) ----------
def _is_number(x: object) -> bool:
    return isinstance(x, (int, float))


def value(x) -> float:
    """The number behind ``x``: itself for a number, ``.data`` for a Value (a convention's test)."""
    return x if _is_number(x) else x.data


def log(x):
    return math.log(x) if _is_number(x) else x.log()


def sin(x):
    return math.sin(x) if _is_number(x) else x.sin()


def cos(x):
    return math.cos(x) if _is_number(x) else x.cos()


def exp(x):
    return math.exp(x) if _is_number(x) else x.exp()


def tanh(x):
    return math.tanh(x) if _is_number(x) else x.tanh()


def sqrt(x):
    return math.sqrt(x) if _is_number(x) else x.sqrt()


def sigmoid(x):
    return _sigmoid(x) if _is_number(x) else x.sigmoid()


def _sigmoid(x: float) -> float:
    """Stable logistic function on a float: never evaluates exp of a large positive number."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def softplus(x: float) -> float:
    """Stable log(1 + e^x) = max(x, 0) + log1p(e^-|x|)."""
    return (x if x > 0.0 else 0.0) + math.log1p(math.exp(-abs(x)))


# ---- the kinks: a choice made from the operands' numbers, a row of its own on Values -----------------
def _step(x: float) -> float:
    return 1.0 if x > 0 else 0.0


def _sign(x: float) -> float:
    return 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)


def _above(a: float, b: float) -> float:
    return 1.0 if a > b else (0.5 if a == b else 0.0)


def _below(a: float, b: float) -> float:
    return 1.0 if a < b else (0.5 if a == b else 0.0)


def step(x):
    """1 where x > 0, else 0 (relu's derivative): a number, or on a Value a "step" node."""
    return _step(x) if _is_number(x) else x.apply("step")


def sign(x):
    """1, −1 or 0 by the sign of x (abs's derivative): a number, or on a Value a "sign" node."""
    return _sign(x) if _is_number(x) else x.apply("sign")


def above(a, b):
    """1 if a > b, ½ on a tie, else 0 (∂max/∂a, ∂min/∂b): a number, or on Values an "above" node."""
    if _is_number(a):
        return _above(a, b) if _is_number(b) else b.apply("below", a)
    return a.apply("above", b)


def below(a, b):
    """1 if a < b, ½ on a tie, else 0 (∂min/∂a, ∂max/∂b)."""
    if _is_number(a):
        return _below(a, b) if _is_number(b) else b.apply("above", a)
    return a.apply("below", b)


# ---- derivatives with a convention at a point ----------------------------------------------------
def _pow_da(a, b, out):
    """∂/∂a a^b = b·a^(b−1); 0 for b = 0; +inf at a = 0 with b < 1, as PyTorch. A Value exponent at 0
    keeps b·a^(b−1) as a function of b (its derivative a^(b−1) is not 0) unless a is 0 too."""
    if value(b) == 0 and (_is_number(b) or value(a) == 0):
        return 0.0
    if value(a) == 0 and value(b) < 1:
        return math.inf
    return b * a ** (b - 1)


def _pow_db(a, b, out):
    """∂/∂b a^b = a^b·ln a; 0 where a = 0 and b >= 0 (PyTorch's convention)."""
    if value(a) == 0 and value(b) >= 0:
        return 0.0
    return out * log(a)


def _sqrt_d(x, out):
    """d/dx √x = 1/(2√x); +inf at x = 0, as PyTorch."""
    return 0.5 / out if value(out) else math.inf


def _max(a, b):
    return a if a >= b else b


def _min(a, b):
    return a if a <= b else b


def _relu(x):
    return x if x > 0 else 0.0


def _leaky(x, slope):
    return x if x > 0 else slope * x


def _leaky_dx(x, slope, out):
    """1 where x > 0, else the slope (the slope at 0, as PyTorch): step(x) + (1 − step(x))·slope."""
    if _is_number(x):
        return 1.0 if x > 0 else slope
    s = step(x)
    return s + (1.0 - s) * slope


def _leaky_dslope(x, slope, out):
    """0 where x > 0, else x: x·(1 − step(x))."""
    if _is_number(x):
        return 0.0 if x > 0 else x
    return x * (1.0 - step(x))


# ---- n-ary rows: operands are the terms (sum), or w₀, x₀, w₁, x₁, … and an optional bias last (dot) -
def _sum(*terms: float) -> float:
    total = 0.0
    for t in terms:
        total += t
    return total


def _dot(*operands: float) -> float:
    n = len(operands) // 2 * 2
    total = builtins.sum(map(mul, operands[0:n:2], operands[1:n:2]))
    return total + operands[-1] if len(operands) % 2 else total


def _dot_local(operands: tuple, i: int, out):
    """∂(Σ wⱼxⱼ + b)/∂operands[i]: the partner of a weight or an input, 1 for the bias."""
    if i == len(operands) - 1 and len(operands) % 2:
        return 1.0
    return operands[i + 1] if i % 2 == 0 else operands[i - 1]


def _piecewise(sp, first, cond, second):
    return sp.Piecewise((first, cond), (second, True))


class Unary(NamedTuple):
    symbol: str
    forward: Callable[[float], float]
    local: Callable  # (x, out) -> ∂out/∂x
    maths: str
    code: tuple[str, ...] = ()  # (forward, ∂/∂x) over {a} and {o}; () calls the row's functions
    sympy: Callable | None = None  # (sympy, x) -> the form
    call: str | None = None  # the function's name (expression language, autodiff.<name>)
    array: tuple[str, ...] = ()  # (forward, ∂/∂x) on numpy arrays {a}, {o} (the numpy replay); () none


class Binary(NamedTuple):
    symbol: str
    forward: Callable[[float, float], float]
    local_a: Callable  # (a, b, out) -> ∂out/∂a
    local_b: Callable  # (a, b, out) -> ∂out/∂b
    maths: str
    code: tuple[str, ...] = ()  # (forward, ∂/∂a, ∂/∂b) over {a}, {b} and {o}
    sympy: Callable | None = None  # (sympy, a, b) -> the form
    call: str | None = None
    array: tuple[str, ...] = ()  # (forward, ∂/∂a, ∂/∂b) on numpy arrays {a}, {b}, {o}; () none


class Nary(NamedTuple):
    symbol: str
    forward: Callable[..., float]  # (*operands) -> out
    local: Callable  # (operands, i, out) -> ∂out/∂operands[i]
    maths: str
    sympy: Callable | None = None  # (sympy, *operands) -> the form
    call: str | None = None


Row = Unary | Binary | Nary

# fmt: off
RULES: dict[str, Row] = {
    # op  symbol   forward            ∂out/∂a (a, b, out)              ∂out/∂b (a, b, out)                maths
    "add": Binary("+", lambda a, b: a + b, lambda a, b, out: 1.0, lambda a, b, out: 1.0, "∂/∂a = 1, ∂/∂b = 1",
                  ("{a} + {b}", "1.0", "1.0"), lambda sp, a, b: a + b,
                  array=("{a} + {b}", "1.0", "1.0")),
    "sub": Binary("−", lambda a, b: a - b, lambda a, b, out: 1.0, lambda a, b, out: -1.0, "∂/∂a = 1, ∂/∂b = −1",
                  ("{a} - {b}", "1.0", "-1.0"), lambda sp, a, b: a - b,
                  array=("{a} - {b}", "1.0", "-1.0")),
    "mul": Binary("×", lambda a, b: a * b, lambda a, b, out: b, lambda a, b, out: a, "∂/∂a = b, ∂/∂b = a",
                  ("{a} * {b}", "{b}", "{a}"), lambda sp, a, b: a * b,
                  array=("{a} * {b}", "{b}", "{a}")),
    "div": Binary("÷", lambda a, b: a / b, lambda a, b, out: 1.0 / b, lambda a, b, out: -out / b,
                  "∂/∂a = 1/b, ∂/∂b = −a/b²", ("{a} / {b}", "(1.0 / {b})", "(-{o} / {b})"), lambda sp, a, b: a / b,
                  array=("{a} / {b}", "1.0 / {b}", "-{o} / {b}")),
    "pow": Binary("^", lambda a, b: a ** b, _pow_da, _pow_db, "∂/∂a = b·a^(b−1), ∂/∂b = a^b·ln a",
                  (), lambda sp, a, b: a ** b,
                  array=("np.power({a}, {b})", "np.where({b} == 0.0, 0.0, np.where(({a} == 0.0) & ({b} < 1.0), np.inf, {b} * np.power({a}, {b} - 1.0)))", "np.where(({a} == 0.0) & ({b} >= 0.0), 0.0, {o} * np.log({a}))")),  # (the replay writes pow for the side that is a number)
    "max": Binary("max", _max, lambda a, b, out: above(a, b), lambda a, b, out: below(a, b),
                  "1 to the larger input, ½ each on a tie",
                  ("({a} if {a} >= {b} else {b})", "(1.0 if {a} > {b} else (0.5 if {a} == {b} else 0.0))",
                   "(1.0 if {a} < {b} else (0.5 if {a} == {b} else 0.0))"), lambda sp, a, b: sp.Max(a, b), "max",
                  array=("np.where({a} >= {b}, {a}, {b})", "({a} > {b}) + 0.5 * ({a} == {b})", "({a} < {b}) + 0.5 * ({a} == {b})")),
    "min": Binary("min", _min, lambda a, b, out: below(a, b), lambda a, b, out: above(a, b),
                  "1 to the smaller input, ½ each on a tie",
                  ("({a} if {a} <= {b} else {b})", "(1.0 if {a} < {b} else (0.5 if {a} == {b} else 0.0))",
                   "(1.0 if {a} > {b} else (0.5 if {a} == {b} else 0.0))"), lambda sp, a, b: sp.Min(a, b), "min",
                  array=("np.where({a} <= {b}, {a}, {b})", "({a} < {b}) + 0.5 * ({a} == {b})", "({a} > {b}) + 0.5 * ({a} == {b})")),
    "leaky_relu": Binary("lrelu", _leaky, _leaky_dx, _leaky_dslope, "∂/∂x = 1 if x > 0 else slope",
                         ("({a} if {a} > 0.0 else {b} * {a})", "(1.0 if {a} > 0.0 else {b})",
                          "(0.0 if {a} > 0.0 else {a})"),
                         lambda sp, x, s: _piecewise(sp, x, x > 0, s * x), "leaky_relu",
                         array=("np.where({a} > 0.0, {a}, {b} * {a})", "np.where({a} > 0.0, 1.0, {b})", "np.where({a} > 0.0, 0.0, {a})")),
    # the kinks' choices: derivative 0 (a constant wherever it is defined)
    "above": Binary("[a>b]", _above, lambda a, b, out: 0.0, lambda a, b, out: 0.0, "1 if a > b, ½ if a = b, else 0",
                    ("(1.0 if {a} > {b} else (0.5 if {a} == {b} else 0.0))", "0.0", "0.0"),
                    lambda sp, a, b: sp.Piecewise((1, a > b), (sp.S.Half, sp.Eq(a, b)), (0, True)),
                    array=("({a} > {b}) + 0.5 * ({a} == {b})", "0.0", "0.0")),
    "below": Binary("[a<b]", _below, lambda a, b, out: 0.0, lambda a, b, out: 0.0, "1 if a < b, ½ if a = b, else 0",
                    ("(1.0 if {a} < {b} else (0.5 if {a} == {b} else 0.0))", "0.0", "0.0"),
                    lambda sp, a, b: sp.Piecewise((1, a < b), (sp.S.Half, sp.Eq(a, b)), (0, True)),
                    array=("({a} < {b}) + 0.5 * ({a} == {b})", "0.0", "0.0")),
    # op        symbol    forward     d out/dx (x, out)                 maths
    "neg":      Unary("−", lambda x: -x, lambda x, out: -1.0, "d(−x)/dx = −1", ("-{a}", "-1.0"), lambda sp, x: -x,
                      array=("-{a}", "-1.0")),
    "exp":      Unary("exp", math.exp, lambda x, out: out, "d/dx eˣ = eˣ", ("_exp({a})", "{o}"),
                      lambda sp, x: sp.exp(x), "exp",
                      array=("np.exp({a})", "{o}")),
    "log":      Unary("log", math.log, lambda x, out: 1.0 / x, "d/dx ln x = 1/x", ("_log({a})", "(1.0 / {a})"),
                      lambda sp, x: sp.log(x), "log",
                      array=("np.log({a})", "1.0 / {a}")),
    "sqrt":     Unary("√", math.sqrt, _sqrt_d, "d/dx √x = 1/(2√x), +inf at 0", ("_sqrt({a})", "(0.5 / {o} if {o} else _inf)"),
                      lambda sp, x: sp.sqrt(x), "sqrt",
                      array=("np.sqrt({a})", "np.where({o} != 0.0, 0.5 / {o}, np.inf)")),
    "tanh":     Unary("tanh", math.tanh, lambda x, out: 1.0 - out * out, "d/dx tanh x = 1 − tanh²x",
                      ("_tanh({a})", "(1.0 - {o} * {o})"), lambda sp, x: sp.tanh(x), "tanh",
                      array=("np.tanh({a})", "1.0 - {o} * {o}")),
    "sigmoid":  Unary("σ", _sigmoid, lambda x, out: out * (1.0 - out), "d/dx σ(x) = σ(x)(1 − σ(x))",
                      ("_sigmoid({a})", "({o} * (1.0 - {o}))"), lambda sp, x: 1 / (1 + sp.exp(-x)), "sigmoid",
                      array=("np.where({a} >= 0.0, 1.0 / (1.0 + np.exp(-np.abs({a}))), np.exp(-np.abs({a})) / (1.0 + np.exp(-np.abs({a}))))", "{o} * (1.0 - {o})")),
    "relu":     Unary("relu", _relu, lambda x, out: step(x), "d/dx relu x = 1 if x > 0 else 0 (0 at 0)",
                      ("({a} if {a} > 0.0 else 0.0)", "(@G if {a} > 0.0 else @G * 0.0)"),
                      lambda sp, x: _piecewise(sp, x, x > 0, 0), "relu",
                      array=("np.maximum({a}, 0.0)", "({a} > 0.0)")),
    "softplus": Unary("softplus", softplus, lambda x, out: sigmoid(x), "d/dx ln(1 + eˣ) = σ(x)",
                      ("_softplus({a})", "_sigmoid({a})"), lambda sp, x: sp.log(1 + sp.exp(x)), "softplus",
                      array=("np.maximum({a}, 0.0) + np.log1p(np.exp(-np.abs({a})))", "np.where({a} >= 0.0, 1.0 / (1.0 + np.exp(-np.abs({a}))), np.exp(-np.abs({a})) / (1.0 + np.exp(-np.abs({a}))))")),
    "abs":      Unary("abs", abs, lambda x, out: sign(x), "d/dx |x| = sign x (0 at 0)",
                      ("_abs({a})", "(1.0 if {a} > 0.0 else (-1.0 if {a} < 0.0 else 0.0))"),
                      lambda sp, x: sp.Abs(x), "abs",
                      array=("np.abs({a})", "np.sign({a})")),
    "sin":      Unary("sin", math.sin, lambda x, out: cos(x), "d/dx sin x = cos x", ("_sin({a})", "_cos({a})"),
                      lambda sp, x: sp.sin(x), "sin",
                      array=("np.sin({a})", "np.cos({a})")),
    "cos":      Unary("cos", math.cos, lambda x, out: -sin(x), "d/dx cos x = −sin x", ("_cos({a})", "-_sin({a})"),
                      lambda sp, x: sp.cos(x), "cos",
                      array=("np.cos({a})", "-np.sin({a})")),
    "step":     Unary("[x>0]", _step, lambda x, out: 0.0, "1 if x > 0 else 0; its derivative is 0",
                      ("(1.0 if {a} > 0.0 else 0.0)", "0.0"), lambda sp, x: sp.Heaviside(x, 0),
                      array=("1.0 * ({a} > 0.0)", "0.0")),
    "sign":     Unary("sign", _sign, lambda x, out: 0.0, "sign x; its derivative is 0",
                      ("(1.0 if {a} > 0.0 else (-1.0 if {a} < 0.0 else 0.0))", "0.0"), lambda sp, x: sp.sign(x),
                      array=("np.sign({a})", "0.0")),
    # n-ary: one node, many operands (Values and plain numbers, in the order the forward combines them)
    "sum":      Nary("Σ", _sum, lambda operands, i, out: 1.0, "∂/∂xᵢ Σ xⱼ = 1",
                     lambda sp, *xs: sp.Add(*xs), "sum"),
    "dot":      Nary("·", _dot, _dot_local, "∂/∂wᵢ Σ wⱼxⱼ = xᵢ, ∂/∂xᵢ = wᵢ",
                     lambda sp, *o: sp.Add(*(o[i] * o[i + 1] for i in range(0, len(o) - 1, 2)), *o[len(o) // 2 * 2:])),
}
# fmt: on
KINKS = frozenset({"step", "sign", "above", "below"})  # the rows that record a kink's choice
