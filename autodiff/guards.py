"""What operations accept, and the errors that say what was wrong.

One rule for every operation: operands are finite real numbers (a non-finite plain number is a
``ValueError``), and so is every result (a result past the float range is an ``OverflowError``
naming the operation and its operands). Gradients may legitimately be infinite (√x at 0); see
``autodiff.detect_anomaly`` for catching those. Imports nothing from the engine.
"""

from __future__ import annotations

from numbers import Real

from .rules import RULES

SHOWN = 4  # operands listed in an error message before "… (n more)"


def is_finite(x: float) -> bool:
    """False for NaN and ±inf (``x - x`` is NaN for both): the cheapest test on a float."""
    return x - x == 0.0


def check_data(x, where: str = "Value()") -> float:
    """A finite float from a real number, or a TypeError/ValueError naming what was wrong."""
    if type(x) is not float:
        if type(x) is int:
            try:
                x = float(x)
            except OverflowError:
                raise ValueError(f"{where} needs a finite number, got an int too large for a float") from None
        elif hasattr(x, "_da"):  # an autodiff Value (this module does not import the engine)
            raise TypeError(f"{where} needs a number, got a Value (use v.data, or v.detach())")
        elif isinstance(x, Real) and not isinstance(x, bool):
            x = float(x)
        else:
            raise TypeError(f"{where} needs a real number (int or float), got {type(x).__name__}: {_short(x)}")
    if x - x != 0.0:  # NaN or ±inf
        raise ValueError(f"{where} needs a finite number, got {x!r}")
    return x


def number(x, op: str):
    """A plain-number operand as a finite float; NotImplemented for other types (Python's operators
    then raise TypeError). A non-finite number is a ValueError naming the operation."""
    if type(x) is float:
        if x - x == 0.0:
            return x
        raise ValueError(f"{op}: operands must be finite numbers, got {x!r}")
    if type(x) is int or (isinstance(x, Real) and not isinstance(x, bool)):
        return check_data(x, op)
    return NotImplemented


def check_pow(a, b, exponent_is_value: bool) -> None:
    """Domain of a ** b: the errors name the operation and the numbers."""
    if type(b) is not float and type(b) is not int and not isinstance(b, Real):
        return  # not a number: the operator returns NotImplemented and Python raises TypeError
    if a < 0 and exponent_is_value:
        raise ValueError(f"pow: ∂(a**b)/∂b = a**b·ln a needs a >= 0 when the exponent is a Value, got a = {a!r}")
    if a < 0 and not float(b).is_integer():
        raise ValueError(f"pow: a negative base needs an integer exponent, got {a!r} ** {b!r}")
    if a == 0 and b < 0:
        raise ZeroDivisionError(f"pow: 0 cannot be raised to a negative power ({a!r} ** {b!r})")


def refuse(op: str, symbol: str, operands) -> ArithmeticError | ValueError:
    """The error for an operation whose result is not finite: a ValueError when an operand already
    was not (a Value whose ``data`` was set to nan or inf by hand), else an OverflowError."""
    operands = list(operands)
    for i, x in enumerate(operands):
        if not is_finite(x):
            return ValueError(
                f"{op}: operand {i + 1} is {x!r}; operations need finite numbers (was a Value's data set by hand?)"
            )
    if len(operands) == 1:
        shown = f"{op}({operands[0]!r})"
    else:
        shown = f" {symbol} ".join(repr(x) for x in operands[:SHOWN])
        if len(operands) > SHOWN:
            shown += f" {symbol} … ({len(operands) - SHOWN} more)"
    return OverflowError(f"{op} overflow: {shown} is beyond the float range (±1.8e308)")


def refuse_pair(op: str, a, other) -> ArithmeticError | ValueError:
    """``refuse`` for ``a op other``, other a Value or a plain number."""
    return refuse(op, RULES[op].symbol, (a.data, other.data if hasattr(other, "_da") else other))


def refuse_node(op: str, a, b, db) -> ArithmeticError | ValueError:
    """``refuse`` for a node, its operands read from what it records (``engine.Value``'s layout)."""
    row = RULES.get(op)
    symbol = row.symbol if row is not None else op
    if a is None and op == "dot":  # its parents are weights and inputs, not terms: name the largest
        datas = [p.data for p in b or ()]
        for i, x in enumerate(datas):
            if not is_finite(x):
                return ValueError(f"dot: parent {i + 1} of {len(datas)} is {x!r}; operations need finite numbers")
        big = max(datas, key=abs, default=0.0)
        return OverflowError(f"dot overflow: a weighted sum of {len(datas)} parents (the largest {big!r}) "
                             "is beyond the float range (±1.8e308)")  # fmt: skip
    if a is None:  # n-ary: its parents (plain-number terms are already folded into the total)
        return refuse(op, symbol, [p.data for p in b or ()])
    if b is not None:
        return refuse(op, symbol, (a.data, b.data))
    return refuse(op, symbol, (a.data,) if db is None else (a.data, db))


def leaf_error(parents: tuple, label) -> TypeError:
    """``Value(3.0, (a, b))`` (micrograd's and microgpt's constructor) or a label that is not a str."""
    if parents:
        return TypeError(
            "Value(data, label=...) takes one number: autodiff records a node's parents and local "
            "derivatives itself when an operation makes it (x * y, x.exp(), autodiff.dot(...)); "
            f"got {len(parents)} more positional argument(s). For an operation of your own, register "
            "its forward and local derivative once: op = autodiff.operation(name, symbol, forward, "
            "derivative), then op(x)"
        )
    return TypeError(f"label must be a str or None, got {type(label).__name__}: {_short(label)}")


def type_error(op: str, x) -> TypeError:
    return TypeError(f"{op} needs Values or numbers, got {type(x).__name__}: {_short(x)}")


def _short(x, limit: int = 60) -> str:
    text = repr(x)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"
