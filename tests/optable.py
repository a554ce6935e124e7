"""The cross-tool suite's operation table, in the spirit of PyTorch's OpInfo: one row per operation
of ``autodiff.RULES`` that a learner calls, saying how to call it on the engine's Values and on torch
tensors, its domain, its kinks and its special points. ``graphgen.py`` builds random graphs from it and
``test_crosstool.py`` holds every tool against every other on them; ``test_optable_points.py`` runs each
row at its special points (0, ties, ±large, subnormal)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import autodiff

TINY = 5e-324  # the smallest subnormal
SUB = 2.2e-308  # just below the smallest normal


class Op(NamedTuple):
    name: str  # the RULES row it exercises
    arity: int  # Values it takes (1 or 2); "c" variants take a Value and a plain number
    engine: Callable  # on Values (and numbers)
    torch: Callable  # (torch module, *tensors or numbers) -> tensor
    domain: Callable | None = None  # operand -> an operand inside the domain (on Values or tensors), or None
    kinks: tuple = ()  # operand values where the derivative jumps (for finite differences to avoid)
    special: tuple = ()  # operand tuples to try the op at: 0, ties, ±large, subnormal


def _pos(x, c: float = 0.5):
    """x·x + c: a positive operand for log, sqrt, a divisor or a base."""
    return x * x + c


OPS: dict[str, Op] = {o.name: o for o in [
    Op("neg", 1, lambda x: -x, lambda t, x: -x, special=((0.0,), (1e300,), (-TINY,))),
    Op("exp", 1, lambda x: x.exp(), lambda t, x: t.exp(x), domain=lambda x: x * 0.25,
       special=((0.0,), (-700.0,), (709.0,), (TINY,))),
    Op("log", 1, lambda x: x.log(), lambda t, x: t.log(x), domain=_pos,
       special=((1.0,), (1e300,), (SUB,), (TINY,))),
    Op("sqrt", 1, lambda x: x.sqrt(), lambda t, x: t.sqrt(x), domain=_pos,
       special=((1.0,), (1e300,), (SUB,), (4.0,))),
    Op("tanh", 1, lambda x: x.tanh(), lambda t, x: t.tanh(x), special=((0.0,), (20.0,), (-400.0,), (TINY,))),
    Op("sigmoid", 1, lambda x: x.sigmoid(), lambda t, x: t.sigmoid(x),
       special=((0.0,), (40.0,), (-745.0,), (-40.0,))),
    Op("relu", 1, lambda x: x.relu(), lambda t, x: t.relu(x), kinks=(0.0,),
       special=((0.0,), (TINY,), (-TINY,), (1e300,))),
    Op("softplus", 1, lambda x: x.softplus(), lambda t, x: t.nn.functional.softplus(x),
       special=((0.0,), (40.0,), (-40.0,), (700.0,))),
    Op("abs", 1, lambda x: abs(x), lambda t, x: t.abs(x), kinks=(0.0,), special=((0.0,), (-TINY,), (-1e300,))),
    Op("sin", 1, lambda x: x.sin(), lambda t, x: t.sin(x), special=((0.0,), (math.pi,), (1e6,))),
    Op("cos", 1, lambda x: x.cos(), lambda t, x: t.cos(x), special=((0.0,), (math.pi / 2,), (-1e6,))),
    Op("leaky_relu", 1, lambda x: x.leaky_relu(0.1), lambda t, x: t.nn.functional.leaky_relu(x, 0.1),
       kinks=(0.0,), special=((0.0,), (-TINY,), (-1e300,))),
    Op("add", 2, lambda a, b: a + b, lambda t, a, b: a + b, special=((1e308, -1e308), (0.0, -0.0), (TINY, TINY))),
    Op("sub", 2, lambda a, b: a - b, lambda t, a, b: a - b, special=((1.0, 1.0), (1e308, 1e308), (TINY, -TINY))),
    Op("mul", 2, lambda a, b: a * b, lambda t, a, b: a * b, special=((0.0, 5.0), (1e150, 1e150), (TINY, 0.5))),
    Op("div", 2, lambda a, b: a / b, lambda t, a, b: a / b, special=((0.0, 3.0), (1.0, 1e300), (1e-300, 1e10))),
    Op("pow", 2, lambda a, b: a ** b, lambda t, a, b: a ** b, special=((0.0, 2.0), (2.0, 0.0), (1e-3, 0.5))),
    Op("max", 2, autodiff.max, lambda t, a, b: t.maximum(a, b), kinks=("tie",),
       special=((1.0, 1.0), (0.0, -0.0), (-TINY, TINY))),
    Op("min", 2, autodiff.min, lambda t, a, b: t.minimum(a, b), kinks=("tie",),
       special=((1.0, 1.0), (-3.0, -3.0), (TINY, -TINY))),
]}
UNARY = [n for n, o in OPS.items() if o.arity == 1]
BINARY = [n for n, o in OPS.items() if o.arity == 2]
SMOOTH = frozenset(n for n, o in OPS.items() if not o.kinks)

