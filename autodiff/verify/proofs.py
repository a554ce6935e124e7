"""Proofs for ``check_formula(..., symbolic=True)`` and ``autodiff check --prove``: whether a hand-derived
derivative equals the true one for all inputs, with sympy (``symbolic.py`` builds the formulas from the
parsed expressions, never from text). "equal everywhere" (where both are defined), "differs" with a point
that shows it (checked to 30 digits), or "could not decide" (a Python function, a formula too large,
sympy's time ran out); then the sampled check stands, as without a proof."""

from __future__ import annotations

from typing import NamedTuple

from ..text import tables
from .expression_text import clip
from .expressions import Expression
from .reports import FormulaReport
from .symbolic import SECONDS, WITNESSES, evaluate, from_expression, is_zero, require_sympy, simplify


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


def prove(f: Expression | None, hand: dict[str, Expression | None], names: tuple[str, ...]) -> list[Proof]:
    """For each input, decide whether the hand formula equals ∂f/∂input for all inputs. ``f`` or a hand
    formula that is not an expression (a Python function may branch on its inputs) cannot be decided."""
    sp = require_sympy()
    symbols = {n: sp.Symbol(n, real=True) for n in names}
    if f is None:
        return [Proof(n, "undecided", reason="f is a Python function; give it as an expression string") for n in hand]
    try:
        true_f = from_expression(f, symbols)
    except (ArithmeticError, ValueError) as err:
        return [Proof(n, "undecided", reason=f"f: {err}") for n in hand]
    out = []
    for n, h in hand.items():
        out.append(_prove_one(sp, true_f, h, n, symbols))
    return out


def _prove_one(sp, true_f, h: Expression | None, n: str, symbols: dict) -> Proof:
    """A point where hand − true is clearly not 0 (to 30 digits) shows the difference at once; else
    sympy tries to simplify hand − true to 0, within its time budget."""
    if h is None:
        return Proof(n, "undecided", reason="the hand formula is a Python function; give it as an expression string")
    try:
        hand = from_expression(h, symbols)
        true = sp.diff(true_f, symbols[n])
        raw = hand - true
        for k in range(len(WITNESSES)):
            at = {s: WITNESSES[(k + i) % len(WITNESSES)] for i, s in enumerate(symbols.values())}
            d, t = evaluate(raw, at), evaluate(true, at)
            if d is not None and t is not None and abs(d) > 1e-12 * max(1.0, abs(t)):
                witness = {str(s): x for s, x in at.items()}
                return Proof(n, "differs", simplify(sp, true, 2.0)[0], simplify(sp, raw, 2.0)[0], witness)
        zero, difference = is_zero(sp, raw)
    except (ArithmeticError, ValueError, TypeError) as err:  # NotSymbolicError is a ValueError
        return Proof(n, "undecided", reason=str(err))
    if zero:
        return Proof(n, "equal", simplify(sp, true, 2.0)[0], difference)
    why = f"sympy took more than {SECONDS:g} s" if zero is None else f"the difference simplifies to {clip(str(difference), 200)}"
    return Proof(n, "undecided", true, difference, reason=f"{why}, and no point where it is not 0 was found")


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
