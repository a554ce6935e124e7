"""Checking gradients: ``gradcheck`` (the engine against finite differences) and ``check_formula``
(a hand-derived derivative against the engine and finite differences, at given and random points).

Finite differences are central:  ∂f/∂xᵢ ≈ (f(x + ε·eᵢ) − f(x − ε·eᵢ)) / 2ε,  with an error of order ε².
``gradcheck`` uses ``torch.autograd.gradcheck``'s rule and defaults (float64): an input passes when
|analytic − numeric| ≤ atol + rtol·|numeric|, with ε = 1e-6, atol = 1e-5, rtol = 1e-3.
Both return reports that print as a table, render as HTML in Jupyter and are truthy only when
everything agrees.
"""

from __future__ import annotations

import inspect
import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from . import tables
from .engine import Value, no_grad
from .expressions import Expression, parse

EPS, ATOL, RTOL = 1e-6, 1e-5, 1e-3  # torch.autograd.gradcheck's float64 defaults
_DOMAIN_ERRORS = (ArithmeticError, ValueError)  # what the engine raises outside a function's domain


class _Function:
    """``f`` (a callable of Values, or an expression string) evaluated at a point {name: float}."""

    def __init__(self, f: Callable | str | Expression, names: Sequence[str] | None = None, keywords=False) -> None:
        if isinstance(f, str):
            f = parse(f)
        self.expression = f if isinstance(f, Expression) else None
        if self.expression is not None:
            self.names = tuple(names) if names is not None else self.expression.names
            self.description = self.expression.text
        elif callable(f):
            self.names = tuple(names) if names is not None else _parameters(f)
            self.description = getattr(f, "__name__", "f")
        else:
            raise TypeError(f"f must be a function of Values or an expression string, got {type(f).__name__}")
        self.f, self.keywords = f, keywords

    def __call__(self, point: Mapping[str, float | Value]) -> Value | float:
        if self.expression is not None:
            return self.expression.evaluate(point)
        if self.keywords:
            return self.f(**point)
        return self.f(*(point[n] for n in self.names))

    def graph(self, point: Mapping[str, float]) -> tuple[Value, dict[str, Value]]:
        """f at ``point`` built from fresh leaves, after ``backward()``: (output, leaves)."""
        leaves = {n: Value(point[n], label=n) for n in self.names}
        out = self(leaves)
        if not isinstance(out, Value):
            raise TypeError(
                f"f must return a Value built from its inputs, got {type(out).__name__} "
                "(use Value operations such as x.exp(), not math.exp)"
            )
        out.backward()
        return out, leaves

    def value(self, point: Mapping[str, float]) -> float:
        with no_grad():
            out = self({n: Value(point[n]) for n in self.names})
        return _real(out, "f")

    def numeric(self, point: Mapping[str, float], name: str, eps: float) -> float:
        """Central difference (f(x + ε) − f(x − ε)) / 2ε in the direction of ``name``."""
        plus, minus = dict(point), dict(point)
        plus[name] += eps
        minus[name] -= eps
        return (self.value(plus) - self.value(minus)) / (2 * eps)


def _parameters(f: Callable) -> tuple[str, ...]:
    try:
        params = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):
        params = ()
    names = tuple(p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                  and p.default is p.empty)  # fmt: skip
    if not names:
        raise TypeError("f must name its inputs as parameters, as in def f(x, y): ... (or pass an expression string)")
    return names


def _real(x, what: str) -> float:
    if isinstance(x, Value):
        return x.data
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return float(x)
    raise TypeError(f"{what} must return a number or a Value, got {type(x).__name__}")


def _gradcheck_ok(analytic: float, numeric: float, atol: float, rtol: float) -> bool:
    return abs(analytic - numeric) <= atol + rtol * abs(numeric)


def _relative(a: float, b: float) -> float:
    return abs(a - b) / abs(b) if b else (0.0 if a == b else math.inf)


# ---- gradcheck -------------------------------------------------------------------------------------
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


@dataclass
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
        head = ["input", "at", "analytic (engine)", "numeric (finite diff.)", "abs. error", "rel. error", ""]
        rows = [[r.name, tables.number(r.at, 6), tables.number(r.analytic), tables.number(r.numeric),
                 tables.error(r.abs_error), tables.error(r.rel_error), ("✓" if r.ok else "✗ " + r.note).rstrip()]
                for r in self.rows]  # fmt: skip
        return head, rows

    def _title(self) -> str:
        return f"gradcheck of {self.function} = {tables.number(self.value)}"

    def _verdict(self) -> str:
        rule = f"|analytic − numeric| ≤ atol + rtol·|numeric|, eps = {self.eps:g}, atol = {self.atol:g}, rtol = {self.rtol:g}"
        if self:
            return f"✓ all {len(self.rows)} gradients agree with finite differences ({rule})"
        names = ", ".join(r.name for r in self.failures)
        return f"✗ {len(self.failures)} of {len(self.rows)} gradients disagree: {names} ({rule})"

    def __str__(self) -> str:
        head, rows = self._table()
        return "\n".join([self._title(), tables.text_table(head, rows), self._verdict()])

    def _repr_html_(self) -> str:
        head, rows = self._table()
        return tables.html_table(self._title(), head, rows, [not r.ok for r in self.rows], self._verdict())


def gradcheck(
    f: Callable | str,
    inputs: Sequence[float | Value] | Mapping[str, float | Value] | float | Value,
    eps: float = EPS,
    atol: float = ATOL,
    rtol: float = RTOL,
) -> GradcheckReport:
    """Compare the engine's gradient of the scalar ``f(*inputs)`` (or ``f(**inputs)`` for a mapping,
    or an expression string) with central finite differences, input by input.

    Fresh leaves are made from the inputs' values, so the inputs' own ``.grad`` is left alone.
    """
    if not eps > 0:
        raise ValueError(f"eps must be > 0, got {eps!r}")
    if isinstance(inputs, (Value, int, float)):
        inputs = [inputs]
    if isinstance(inputs, Mapping):
        names, xs, keywords = tuple(inputs), list(inputs.values()), True
    else:
        xs = list(inputs)
        keywords = False
        if isinstance(f, (str, Expression)):
            names = (parse(f) if isinstance(f, str) else f).names
            if len(names) != len(xs):
                raise ValueError(f"the expression has inputs {', '.join(names)} but {len(xs)} values were given")
        else:
            names = tuple(_label(x, i) for i, x in enumerate(xs))
            if len(set(names)) != len(names):
                names = tuple(f"x{i}" for i in range(len(xs)))
    func = _Function(f, names, keywords)
    point = {n: x.data if isinstance(x, Value) else Value(x).data for n, x in zip(names, xs)}
    out, leaves = func.graph(point)
    rows = []
    for n in names:
        analytic = leaves[n].grad
        try:
            numeric = func.numeric(point, n, eps)
        except _DOMAIN_ERRORS as err:
            rows.append(GradcheckRow(n, point[n], analytic, None, False, f"f fails at {n} ± eps: {err}"))
            continue
        ok = math.isfinite(analytic) and _gradcheck_ok(analytic, numeric, atol, rtol)
        rows.append(GradcheckRow(n, point[n], analytic, numeric, ok))
    return GradcheckReport(func.description, out.data, rows, eps, atol, rtol)


def _label(x, i: int) -> str:
    return x.label if isinstance(x, Value) and x.label else f"x{i}"


# ---- check_formula ---------------------------------------------------------------------------------
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


@dataclass
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

    def _repr_html_(self) -> str:
        head, rows = self._table()
        return tables.html_table(self._title(), head, rows, [not r.ok for r in self.rows], " · ".join(self._summary()))


Point = Mapping[str, float]


def check_formula(
    f: Callable | str,
    hand: Mapping[str, Callable | str],
    at: Point | Sequence[Point] | None = None,
    samples: int = 20,
    seed: int | None = None,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-15,
) -> FormulaReport:
    """Check hand-derived partial derivatives of ``f`` against the engine and finite differences.

    ``f`` is a function of Values (its parameters name the inputs) or an expression string;
    ``hand`` maps an input's name to its hand-derived ∂f/∂input, a callable taking the same inputs
    as ``f`` or an expression string. They are compared at the points ``at`` and at ``samples``
    random points (each input uniform in [−3, 3] or [0.05, 3]; a point where ``f`` raises is
    replaced by another). A hand value agrees when |hand − engine| ≤ atol + rtol·max(|hand|, |engine|).
    """
    func = _Function(f)
    hands = _hand_functions(hand, func.names)
    given = _given_points(at, func.names)
    if not isinstance(samples, int) or samples < 0:
        raise ValueError(f"samples must be a whole number >= 0, got {samples!r}")
    if not given and samples == 0:
        raise ValueError("nothing to check: give points with at=... or ask for samples > 0")
    if seed is None and samples:
        seed = random.SystemRandom().randrange(2**31)
    report = FormulaReport(func.description, {n: d for n, (d, _) in hands.items()}, [], [], seed if samples else None,
                           rtol, atol, wanted=samples)  # fmt: skip
    for p in given:
        try:
            rows = _check_point(func, hands, p, True, rtol, atol)
        except _DOMAIN_ERRORS as err:
            raise ValueError(f"f cannot be evaluated at {tables.point(p)}: {err}") from err
        report.rows += rows
        report.points.append(p)
    report.given = len(given)
    rng = random.Random(seed)
    attempts = 0
    while len(report.points) - len(given) < samples and attempts < 50 * samples + 50:
        low = -3.0 if attempts % 2 == 0 else 0.05  # every other try all positive (for log, sqrt)
        p = {n: rng.uniform(low, 3.0) for n in func.names}
        attempts += 1
        try:
            rows = _check_point(func, hands, p, False, rtol, atol)
        except _DOMAIN_ERRORS as err:
            report.skipped += 1
            report.skip_reason = report.skip_reason or str(err)
            continue
        report.rows += rows
        report.points.append(p)
    return report


def _hand_functions(hand: Mapping[str, Callable | str], names: tuple[str, ...]) -> dict:
    if not isinstance(hand, Mapping) or not hand:
        raise TypeError("hand must map input names to hand-derived derivatives, e.g. {'x': 'sigmoid(x)'}")
    out = {}
    for name, h in hand.items():
        if name not in names:
            raise ValueError(f"hand names {name!r}, which is not an input of f (inputs: {', '.join(names)})")
        if isinstance(h, str):
            expr = parse(h)
            extra = [n for n in expr.names if n not in names]
            if extra:
                raise ValueError(
                    f"the hand formula for {name} uses {', '.join(extra)}, not inputs of f (inputs: {', '.join(names)})"
                )
            out[name] = (expr.text, _Function(expr, names))
        elif callable(h):
            out[name] = (getattr(h, "__name__", "hand"), _Function(h, names))
        else:
            raise TypeError(f"hand[{name!r}] must be a callable or an expression string, got {type(h).__name__}")
    return out


def _given_points(at, names: tuple[str, ...]) -> list[dict[str, float]]:
    if at is None:
        return []
    points = [at] if isinstance(at, Mapping) else list(at)
    out = []
    for p in points:
        if not isinstance(p, Mapping):
            raise TypeError(f"at must be a mapping of input names to numbers (or a list of them), got {p!r}")
        missing = [n for n in names if n not in p]
        extra = [n for n in p if n not in names]
        if missing or extra:
            what = f"no value for {', '.join(missing)}" if missing else f"{', '.join(extra)} is not an input"
            raise ValueError(f"at={dict(p)!r}: {what} (inputs of f: {', '.join(names)})")
        out.append({n: Value(p[n]).data for n in names})
    return out


def _check_point(func: _Function, hands: dict, p: dict[str, float], given: bool, rtol: float, atol: float):
    """Rows for one point; raises a domain error when f (or f at x ± ε, for a random point) fails."""
    _, leaves = func.graph(p)
    rows = []
    for name, (_, h) in hands.items():
        engine = leaves[name].grad
        try:
            numeric = func.numeric(p, name, EPS)
            fd_ok = _gradcheck_ok(engine, numeric, ATOL, RTOL)
        except _DOMAIN_ERRORS:
            if not given:
                raise
            numeric, fd_ok = None, None
        try:
            with no_grad():
                hv = _real(h({n: Value(p[n]) for n in func.names}), "the hand formula")
            ok = abs(hv - engine) <= atol + rtol * max(abs(hv), abs(engine))
            note = ""
        except _DOMAIN_ERRORS as err:
            hv, ok, note = None, False, f"the hand formula fails here: {err}"
        rows.append(FormulaRow(dict(p), name, hv, engine, numeric, ok, fd_ok, given, note))
    return rows


__all__ = ["FormulaReport", "GradcheckReport", "check_formula", "gradcheck"]
