"""Proofs for ``check_formula(..., symbolic=True)`` and ``autodiff check --prove``: whether a hand-derived
derivative equals the true one for all inputs, with sympy (``symbolic.py`` builds the formulas from the
parsed expressions, never from text). "equal everywhere" (where both are defined), "differs" with a point
that shows it, or "could not decide" (a Python function, a formula too large, sympy's time ran out); then
the sampled check stands, as without a proof.

A point shows a difference only when sympy *certifies* hand − true is not 0 there: the point's numbers
are taken exactly and sympy raises its precision until it can tell (a right formula whose terms cancel
beyond any fixed number of digits is never "proved wrong"); points where f or the hand formula is not a
finite float (``exp(exp(10))``) are skipped. Everything sympy does for one formula is under its time
budget (``SECONDS`` to decide, then at most ``SHOWN_SECONDS`` twice to simplify what is shown); away from
the main thread, where that budget's timer cannot run, the proof runs in a worker process that is
killed past the same time (``sympy_process``).
"""

from __future__ import annotations

import time
from typing import NamedTuple

from ..text import tables
from . import sympy_process
from .expression_text import clip
from .expressions import Expression
from .reports import FormulaReport
from .symbolic import (
    SECONDS,
    WITNESSES,
    _OutOfTime,
    budget_usable,
    evaluate,
    from_expression,
    is_zero,
    require_sympy,
    simplify,
    time_budget,
)

SHOWN_SECONDS = 2.0  # to simplify the true derivative (and the difference) for the report


class Proof(NamedTuple):
    """The verdict on one hand formula: ``verdict`` is "equal", "differs" or "undecided"."""

    input: str
    verdict: str
    derivative: object = None  # the true ∂f/∂input, simplified (when it could be)
    difference: object = None  # hand − true, simplified
    witness: dict[str, float] | None = None  # a point where they differ
    reason: str = ""

    def __str__(self) -> str:
        name, true = f"∂f/∂{self.input}", str(self.derivative)
        if self.verdict == "equal":
            return f"✓ {name}: proved equal everywhere (where both are defined) to the true derivative {clip(true, 200)}"
        if self.verdict == "differs":
            w = self.witness or {}
            return (f"✗ {name}: proved wrong: it differs: the difference (hand − true) simplifies to "
                    f"{clip(str(self.difference), 200)}, e.g. at {tables.point(w)}; the true derivative is {clip(true, 200)}")
        return f"? {name}: could not decide ({self.reason}); the sampled check stands"


def prove(f: Expression | None, hand: dict[str, Expression | None], names: tuple[str, ...],
          seconds: float = SECONDS) -> list[Proof]:  # fmt: skip
    """For each input, decide whether the hand formula equals ∂f/∂input for all inputs. ``f`` or a hand
    formula that is not an expression (a Python function may branch on its inputs) cannot be decided.
    Each formula takes at most ``seconds + 2·SHOWN_SECONDS`` of sympy's time, in any thread."""
    require_sympy()
    if f is None:
        return [Proof(n, "undecided", reason="f is a Python function; give it as an expression string") for n in hand]
    if budget_usable():
        return _prove(f, hand, names, seconds)
    limit = (len(hand) + 1) * (seconds + 2 * SHOWN_SECONDS)
    try:
        return sympy_process.run(__name__, "_prove", (f, hand, names, seconds), limit)
    except sympy_process.OutOfTime as err:
        return [Proof(n, "undecided", reason=str(err)) for n in hand]


def _prove(f: Expression, hand: dict[str, Expression | None], names: tuple[str, ...], seconds: float) -> list[Proof]:
    sp = require_sympy()
    symbols = {n: sp.Symbol(n, real=True) for n in names}
    try:
        with time_budget(seconds):
            true_f = from_expression(f, symbols)
    except _OutOfTime:
        return [Proof(n, "undecided", reason=f"sympy took more than {seconds:g} s to read f") for n in hand]
    except (ArithmeticError, ValueError) as err:
        return [Proof(n, "undecided", reason=f"f: {err}") for n in hand]
    return [_prove_one(sp, f, true_f, h, n, symbols, seconds) for n, h in hand.items()]


def _prove_one(sp, f: Expression, true_f, h: Expression | None, n: str, symbols: dict, seconds: float) -> Proof:
    """A point where hand − true is certainly not 0 shows the difference at once; else sympy tries to
    simplify hand − true to 0, within what is left of its time budget."""
    if h is None:
        return Proof(n, "undecided", reason="the hand formula is a Python function; give it as an expression string")
    deadline = time.monotonic() + seconds
    try:
        with time_budget(seconds):
            hand = from_expression(h, symbols)
            true = sp.diff(true_f, symbols[n])
            raw = hand - true
            witness = _witness(f, h, raw, true, symbols)
    except _OutOfTime:
        return Proof(n, "undecided", reason=f"sympy took more than {seconds:g} s")
    except (ArithmeticError, ValueError, TypeError) as err:  # NotSymbolicError is a ValueError
        return Proof(n, "undecided", reason=str(err))
    if witness is not None:
        return Proof(n, "differs", _shown(sp, true), _shown(sp, raw), witness)
    try:
        zero, difference = is_zero(sp, raw, deadline - time.monotonic())
    except (ArithmeticError, ValueError, TypeError) as err:
        return Proof(n, "undecided", reason=str(err))
    if zero:
        return Proof(n, "equal", _shown(sp, true), difference)
    why = f"sympy took more than {seconds:g} s" if zero is None else f"the difference simplifies to {clip(str(difference), 200)}"
    return Proof(n, "undecided", true, difference, reason=f"{why}, and no point where it is not 0 was found")


def _witness(f: Expression, h: Expression, raw, true, symbols: dict) -> dict[str, float] | None:
    """The first of ``WITNESSES`` where f and the hand formula are finite floats and sympy certifies
    that hand − true is not 0 (beyond 1e-12 of the true value), or None."""
    for k in range(len(WITNESSES)):
        point = {name: WITNESSES[(k + i) % len(WITNESSES)] for i, name in enumerate(symbols)}
        try:
            f.evaluate({m: point[m] for m in f.names})
            h.evaluate({m: point[m] for m in h.names})
        except (ArithmeticError, ValueError):  # outside a domain, or beyond the float range
            continue
        at = {symbols[name]: x for name, x in point.items()}
        d, t = evaluate(raw, at, strict=True), evaluate(true, at)
        if d is not None and abs(d) > 1e-12 * max(1.0, abs(t if t is not None else 0.0)):
            return point
    return None


def _shown(sp, e):
    """``e`` simplified for the report within ``SHOWN_SECONDS`` (as it is, if sympy cannot)."""
    try:
        return simplify(sp, e, SHOWN_SECONDS)[0]
    except (ArithmeticError, ValueError, TypeError):
        return e


def attach(report, proofs: list[Proof]):
    """``report`` (a FormulaReport) with the proofs as notes; falsy also when a proof finds a difference."""
    proved = ProvedFormulaReport(**{k: getattr(report, k) for k in report.__dataclass_fields__})
    proved.proofs = proofs
    proved.notes = [*report.notes, *map(str, proofs)]
    return proved


class ProvedFormulaReport(FormulaReport):
    """A FormulaReport with ``proofs``: falsy when the samples or a proof find a difference."""

    proofs: list[Proof]

    def __bool__(self) -> bool:
        return super().__bool__() and not any(p.verdict == "differs" for p in self.proofs)


__all__ = ["Proof", "ProvedFormulaReport", "attach", "prove"]
