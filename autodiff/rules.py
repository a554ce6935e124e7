"""The derivative table: every operation's forward and its local derivative(s), in one screen.

Each row gives an operation's name, the symbol drawings use, its forward function on floats, and
its local derivative(s) ∂out/∂input as functions of the inputs and the output. The derivative
functions are written with arithmetic and the helpers below only, so they work on floats (the
engine's fast path, evaluated once when a node is created) and on ``Value`` objects alike: a
higher-order (create_graph) backward evaluates these same rules on Values, with no second copy.

Where a derivative is undefined the table follows PyTorch, and says so:
relu'(0) = 0, abs'(0) = 0, leaky_relu'(0) = slope, max/min with a tie send half to each side,
sqrt'(0) = +inf.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple


# Helpers that work on floats and on Values (anything with the method of the same name).
def _is_number(x: object) -> bool:
    return isinstance(x, (int, float))


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


def step(x) -> float:
    """1.0 where x > 0, else 0.0: a constant, so its own derivative is 0."""
    return 1.0 if x > 0 else 0.0


def sign(x) -> float:
    return 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)


def _pow_da(a, b, out):
    """∂/∂a a^b = b·a^(b−1); at a = 0 with b < 1 this is +inf (b > 0) as in PyTorch."""
    if b == 0:
        return 0.0
    if a == 0 and b < 1:
        return math.inf
    return b * a ** (b - 1)


def _pow_db(a, b, out):
    """∂/∂b a^b = a^b·ln a; 0 where a = 0 and b >= 0 (PyTorch's convention)."""
    if a == 0 and b >= 0:
        return 0.0
    return out * log(a)


def _max_d(a, b, out):
    """1 if a is the larger input, ½ on a tie (PyTorch's torch.maximum), else 0.
    Used as ∂max/∂a and, with the arguments' roles read the other way, as ∂min/∂b."""
    return 1.0 if a > b else (0.5 if a == b else 0.0)


def _min_d(a, b, out):
    """1 if a is the smaller input, ½ on a tie, else 0 (∂min/∂a, and ∂max/∂b)."""
    return 1.0 if a < b else (0.5 if a == b else 0.0)


def _max(a, b):
    return a if a >= b else b


def _min(a, b):
    return a if a <= b else b


def _relu(x):
    return x if x > 0 else 0.0


def _leaky(x, slope):
    return x if x > 0 else slope * x


def _leaky_dx(x, slope, out):
    """1 where x > 0, else the slope (the slope at 0, as PyTorch)."""
    return 1.0 if x > 0 else slope


def _leaky_dslope(x, slope, out):
    return 0.0 if x > 0 else x


def _sqrt_d(x, out):
    """d/dx √x = 1/(2√x); +inf at x = 0, as PyTorch."""
    return 0.5 / out if out else math.inf


class Unary(NamedTuple):
    symbol: str
    forward: Callable[[float], float]
    local: Callable  # (x, out) -> ∂out/∂x
    maths: str


class Binary(NamedTuple):
    symbol: str
    forward: Callable[[float, float], float]
    local_a: Callable  # (a, b, out) -> ∂out/∂a
    local_b: Callable  # (a, b, out) -> ∂out/∂b
    maths: str


class Nary(NamedTuple):
    symbol: str
    maths: str


# fmt: off
RULES: dict[str, Unary | Binary | Nary] = {
    # op            symbol      forward              ∂out/∂a  (a, b, out)           ∂out/∂b  (a, b, out)          maths
    "add":  Binary("+",        lambda a, b: a + b,  lambda a, b, out: 1.0,         lambda a, b, out: 1.0,        "∂/∂a = 1, ∂/∂b = 1"),
    "sub":  Binary("−",        lambda a, b: a - b,  lambda a, b, out: 1.0,         lambda a, b, out: -1.0,       "∂/∂a = 1, ∂/∂b = −1"),
    "mul":  Binary("×",        lambda a, b: a * b,  lambda a, b, out: b,           lambda a, b, out: a,          "∂/∂a = b, ∂/∂b = a"),
    "div":  Binary("÷",        lambda a, b: a / b,  lambda a, b, out: 1.0 / b,     lambda a, b, out: -out / b,   "∂/∂a = 1/b, ∂/∂b = −a/b²"),
    "pow":  Binary("^",        lambda a, b: a ** b, _pow_da,                       _pow_db,                      "∂/∂a = b·a^(b−1), ∂/∂b = a^b·ln a"),
    "max":  Binary("max",      _max,                _max_d,                        _min_d,                       "1 to the larger input, ½ each on a tie"),
    "min":  Binary("min",      _min,                _min_d,                        _max_d,                       "1 to the smaller input, ½ each on a tie"),
    "leaky_relu": Binary("lrelu", _leaky,           _leaky_dx,                     _leaky_dslope,                "∂/∂x = 1 if x > 0 else slope"),
    # op            symbol      forward              d out/dx  (x, out)                                          maths
    "neg":      Unary("−",        lambda x: -x,     lambda x, out: -1.0,                                         "d(−x)/dx = −1"),
    "exp":      Unary("exp",      math.exp,         lambda x, out: out,                                          "d/dx eˣ = eˣ"),
    "log":      Unary("log",      math.log,         lambda x, out: 1.0 / x,                                      "d/dx ln x = 1/x"),
    "sqrt":     Unary("√",        math.sqrt,        _sqrt_d,                                                     "d/dx √x = 1/(2√x), +inf at 0"),
    "tanh":     Unary("tanh",     math.tanh,        lambda x, out: 1.0 - out * out,                              "d/dx tanh x = 1 − tanh²x"),
    "sigmoid":  Unary("σ",        _sigmoid,         lambda x, out: out * (1.0 - out),                            "d/dx σ(x) = σ(x)(1 − σ(x))"),
    "relu":     Unary("relu",     _relu,            lambda x, out: step(x),                                      "d/dx relu x = 1 if x > 0 else 0 (0 at 0)"),
    "softplus": Unary("softplus", softplus,         lambda x, out: sigmoid(x),                                   "d/dx ln(1 + eˣ) = σ(x)"),
    "abs":      Unary("abs",      abs,              lambda x, out: sign(x),                                      "d/dx |x| = sign x (0 at 0)"),
    "sin":      Unary("sin",      math.sin,         lambda x, out: cos(x),                                       "d/dx sin x = cos x"),
    "cos":      Unary("cos",      math.cos,         lambda x, out: -sin(x),                                      "d/dx cos x = −sin x"),
    # n-ary: one node, many parents (the engine records the locals; see functions.py)
    "sum":      Nary("Σ",                                                                                        "∂/∂xᵢ Σ xⱼ = 1"),
    "dot":      Nary("·",                                                                                        "∂/∂wᵢ Σ wⱼxⱼ = xᵢ, ∂/∂xᵢ = wᵢ"),
}
# fmt: on
