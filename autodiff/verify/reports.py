"""The reports of ``gradcheck`` and ``check_formula``: rows of numbers that print as a plain-text
table, render as an HTML table in Jupyter, and are truthy only when everything agrees."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..text import tables


def _relative(a: float, b: float) -> float:
    return abs(a - b) / abs(b) if b else (0.0 if a == b else math.inf)


@dataclass
class GradcheckRow:
    name: str
    at: float
    analytic: float
    numeric: float | None  # None when f could not be evaluated at x ± ε
    ok: bool
    note: str = ""

    @property
    def abs_error(self) -> float | None:
        return None if self.numeric is None else abs(self.analytic - self.numeric)

    @property
    def rel_error(self) -> float | None:
        return None if self.numeric is None else _relative(self.analytic, self.numeric)


@dataclass(repr=False)
class GradcheckReport:
    """Per input: the engine's gradient, the finite difference, their errors, pass or fail."""

    function: str
    value: float
    rows: list[GradcheckRow]
    eps: float
    atol: float
    rtol: float

    def __bool__(self) -> bool:
        return all(r.ok for r in self.rows)

    @property
    def failures(self) -> list[GradcheckRow]:
        return [r for r in self.rows if not r.ok]

    def _table(self) -> tuple[list[str], list[list[str]]]:
        head = ["input", "at", "analytic (engine)", "numeric (finite diff.)", "abs. error", "rel. error", "verdict"]
        rows = [[r.name, tables.number(r.at, 6), tables.number(r.analytic), tables.number(r.numeric),
                 tables.error(r.abs_error), tables.error(r.rel_error), ("✓" if r.ok else "✗ " + r.note).rstrip()]
                for r in self.rows]  # fmt: skip
        return head, rows

    def _title(self) -> str:
        return f"gradcheck of {self.function} = {tables.number(self.value)}"

    def _verdict(self) -> str:
        rule = f"|analytic − numeric| ≤ atol + rtol·|numeric|, eps = {self.eps:g}, atol = {self.atol:g}, rtol = {self.rtol:g}"
        if self:
            what = "the gradient agrees" if len(self.rows) == 1 else f"all {len(self.rows)} gradients agree"
            return f"✓ {what} with finite differences ({rule})"
        names = ", ".join(r.name for r in self.failures)
        return f"✗ {len(self.failures)} of {len(self.rows)} gradients disagree: {names} ({rule})"

    def __str__(self) -> str:
        head, rows = self._table()
        return "\n".join([self._title(), tables.text_table(head, rows), self._verdict()])

    __repr__ = __str__  # the table, also at a Python prompt

    def _repr_html_(self) -> str:
        head, rows = self._table()
        return tables.html_table(self._title(), head, rows, [not r.ok for r in self.rows], self._verdict())


@dataclass
class FormulaRow:
    point: dict[str, float]
    input: str
    hand: float | None  # None when the hand formula raised (see note)
    engine: float
    numeric: float | None  # finite differences; None when f fails at x ± ε
    ok: bool  # hand agrees with the engine
    fd_ok: bool | None  # the engine agrees with finite differences (None: not computed)
    given: bool  # a point the caller gave (else a random one)
    note: str = ""


@dataclass(repr=False)
class FormulaReport:
    """Per input and point: hand vs engine vs finite differences; falsy when any hand value disagrees."""

    function: str
    hand: dict[str, str]
    rows: list[FormulaRow]
    points: list[dict[str, float]]
    seed: int | None
    rtol: float
    atol: float
    given: int = 0  # how many of the points were given (they come first)
    skipped: int = 0  # random points dropped because f could not be evaluated there
    skip_reason: str = ""
    wanted: int = 0  # random points asked for
    notes: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.rows) and all(r.ok for r in self.rows)

    @property
    def failures(self) -> list[FormulaRow]:
        return [r for r in self.rows if not r.ok]

    def _table(self) -> tuple[list[str], list[list[str]]]:
        head = ["point", "input", "hand", "engine", "finite diff.", "hand vs engine"]
        rows = []
        for r in self.rows:
            verdict = "✓" if r.ok else ("✗ " + (r.note or f"rel. error {tables.error(_relative(r.hand, r.engine))}"))
            if r.fd_ok is False:
                verdict += "  (finite differences differ from the engine here)"
            where = tables.point(r.point) + ("" if r.given else "  (random)")
            rows.append([where, r.input, tables.number(r.hand), tables.number(r.engine), tables.number(r.numeric),
                         verdict])  # fmt: skip
        return head, rows

    def _title(self) -> str:
        hands = "; ".join(f"∂f/∂{n} = {t}" for n, t in self.hand.items())
        return f"check_formula: f = {self.function}; hand: {hands}"

    def _summary(self) -> list[str]:
        n_random = len(self.points) - self.given
        seed = f", seed {self.seed}" if self.seed is not None else ""
        lines = [f"{len(self.points)} points: {self.given} given, {n_random} random{seed}"]
        if self.skipped:
            lines.append(
                f"{self.skipped} random points were skipped because f is not defined there ({self.skip_reason})"
            )
        if n_random < self.wanted:
            lines.append(f"only {n_random} of {self.wanted} random points could be evaluated: give points with at=...")
        for name in self.hand:
            rows = [r for r in self.rows if r.input == name]
            bad = [r for r in rows if not r.ok]
            if not rows:
                lines.append(f"✗ ∂f/∂{name}: no point could be checked")
            elif not bad:
                lines.append(f"✓ ∂f/∂{name}: the hand formula agrees with the engine at all {len(rows)} points")
            else:
                r = bad[0]
                lines.append(
                    f"✗ ∂f/∂{name}: the hand formula disagrees with the engine at {len(bad)} of {len(rows)} points; "
                    f"first at {tables.point(r.point)}: hand {tables.number(r.hand)}, engine {tables.number(r.engine)}"
                    + (f", finite differences {tables.number(r.numeric)}" if r.numeric is not None else "")
                )
        lines.append(f"(agreement: |hand − engine| ≤ {self.atol:g} + {self.rtol:g}·max(|hand|, |engine|))")
        return lines + self.notes

    def __str__(self) -> str:
        head, rows = self._table()
        return "\n".join([self._title(), tables.text_table(head, rows), *self._summary()])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        head, rows = self._table()
        return tables.html_table(self._title(), head, rows, [not r.ok for r in self.rows], " · ".join(self._summary()))


__all__ = ["FormulaReport", "FormulaRow", "GradcheckReport", "GradcheckRow"]
