"""The functions of the expression language, from the rules table: each row with a ``call`` name is one
(``exp(x)``, ``max(a, b)``, ``sum(x, y, ...)``), taking as many arguments as its kind says (a unary row
one, a binary row two, an n-ary row one or more), an argument the engine's function gives a default
(``leaky_relu``'s slope) optional; and ``mean`` = ``sum(...)/n``. A function makes its node with the
engine's own function (so its checks and messages apply), and gives sympy the row's form."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import NamedTuple

from .. import functions as F
from ..engine import Value
from ..rules import RULES, Binary, Nary, Row, Unary


class Function(NamedTuple):
    """A function of the language: the rules row it makes (its ``call`` is the name), how many
    arguments it takes (``most`` None: any number), the engine's function that makes the node, the
    values of its optional trailing arguments, and whether it divides by the count (``mean``)."""

    row: Row
    fewest: int
    most: int | None
    engine: Callable
    defaults: tuple = ()
    mean: bool = False

    def sympy(self, sp, *args):
        """The sympy form of the call on sympy ``args`` (optional arguments filled in, as exact numbers)."""
        args = (*args, *(sp.Rational(repr(d)) for d in self.defaults[len(args) - self.fewest :]))
        form = self.row.sympy(sp, *args)
        return form / len(args) if self.mean else form


def _function(row: Row) -> Function:
    """A row's function, from the row's kind and the engine's function's signature: ``leaky_relu(x)``
    or ``leaky_relu(x, slope)`` because the engine's slope has a default."""
    engine = getattr(F, row.call, None) or getattr(Value, row.call)
    if isinstance(row, Nary):
        return Function(row, 1, None, engine)
    if isinstance(row, Unary):
        return Function(row, 1, 1, engine)
    params = [p for p in inspect.signature(engine).parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
    defaults = tuple(p.default for p in params if p.default is not p.empty)
    return Function(row, len(params) - len(defaults), len(params), engine, defaults)


# the rows' ``call`` names (one argument first, then two, then any number), and mean = sum(...)/n
_ROWS = sorted((row for row in RULES.values() if row.call), key=lambda r: (Unary, Binary, Nary).index(type(r)))
CALLS: dict[str, Function] = {row.call: _function(row) for row in _ROWS}
CALLS["mean"] = CALLS["sum"]._replace(engine=F.mean, mean=True)
FUNCTIONS: dict[str, tuple[int, int | None]] = {name: (f.fewest, f.most) for name, f in CALLS.items()}


def _call(name: str, args: list) -> Value | float:
    """A function of the language on its arguments (Values or numbers); on numbers only, the
    engine computes it on temporary Values and the number is returned."""
    f = CALLS[name]
    values = any(isinstance(a, Value) for a in args)
    if f.most is None:
        out = f.engine(args)
    else:
        x = args[0] if isinstance(args[0], Value) else Value(args[0])
        out = f.engine(x, *args[1:])
    return out if values else out.data
