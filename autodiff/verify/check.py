"""Checking gradients: ``gradcheck`` (the engine against finite differences) and ``check_formula``
(a hand-derived derivative against the engine and finite differences, at given and random points).

Finite differences are central:  ∂f/∂xᵢ ≈ (f(x + ε·eᵢ) − f(x − ε·eᵢ)) / 2ε,  with an error of order ε².
``gradcheck`` uses ``torch.autograd.gradcheck``'s rule and defaults (float64): an input passes when
|analytic − numeric| ≤ atol + rtol·|numeric|, with ε = 1e-6, atol = 1e-5, rtol = 1e-3.
Both return reports that print as a table, render as HTML in Jupyter and are truthy only when
everything agrees. Neither changes any ``.grad`` or ``.data`` it can see: the engine's gradients are
computed on the side (``graph.gradients``, bitwise what ``backward()`` gives from zero).
"""

from __future__ import annotations

import inspect
import math
import random
from collections.abc import Callable, Mapping, Sequence

from ..engine import Value
from ..graph import gradients
from ..modes import no_grad
from ..text import tables
from .expressions import Expression, parse
from .reports import FormulaReport, FormulaRow, GradcheckReport, GradcheckRow

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

    def graph(self, point: Mapping[str, float]) -> tuple[Value, dict[str, float]]:
        """f at ``point`` built from fresh leaves: (output, {name: ∂f/∂name}), the gradients of one
        backward pass from zero computed on the side (no ``.grad`` is touched, not even of Values
        that ``f`` reads itself)."""
        leaves = {n: Value(point[n], label=n) for n in self.names}
        out = self(leaves)
        if not isinstance(out, Value):
            raise TypeError(
                f"f must return a Value built from its inputs, got {type(out).__name__} "
                "(use Value operations such as x.exp(), not math.exp)"
            )
        grads = gradients(out)
        return out, {n: grads.get(v, 0.0) for n, v in leaves.items()}

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


# ---- gradcheck -------------------------------------------------------------------------------------
def gradcheck(
    f: Callable | str,
    inputs: Sequence[float | Value] | Mapping[str, float | Value] | float | Value,
    eps: float = EPS,
    atol: float = ATOL,
    rtol: float = RTOL,
) -> GradcheckReport:
    """Compare the engine's gradient of the scalar ``f(*inputs)`` (or ``f(**inputs)`` for a mapping,
    or an expression string) with central finite differences, input by input.

    Fresh leaves are made from the inputs' values, and the gradient is computed on the side, so no
    ``.grad`` is touched. When ``f`` takes no arguments, ``inputs`` are the Values it reads itself (a
    model's ``parameters()``, or ``dict(model.named_parameters())``): each is nudged by ±ε in place and
    put back bitwise (also when ``f`` raises), and no ``.grad`` is touched either.
    """
    if not eps > 0:
        raise ValueError(f"eps must be > 0, got {eps!r}")
    if callable(f) and not isinstance(f, Expression) and not _takes_inputs(f):
        return _gradcheck_in_place(f, inputs, eps, atol, rtol)
    names, xs, func = read_inputs(f, inputs)
    point = {n: x.data if isinstance(x, Value) else Value(x).data for n, x in zip(names, xs)}
    out, analytic_of = func.graph(point)
    rows = []
    for n in names:
        analytic = analytic_of[n]
        try:
            numeric = func.numeric(point, n, eps)
        except _DOMAIN_ERRORS as err:
            rows.append(GradcheckRow(n, point[n], analytic, None, False, f"f fails at {n} ± eps: {err}"))
            continue
        ok = math.isfinite(analytic) and _gradcheck_ok(analytic, numeric, atol, rtol)
        rows.append(GradcheckRow(n, point[n], analytic, numeric, ok))
    return GradcheckReport(func.description, out.data, rows, eps, atol, rtol)



def read_inputs(f, inputs) -> tuple[tuple[str, ...], list, _Function]:
    """The names and values of ``f``'s inputs (a number, a sequence, or a mapping for ``f(**inputs)``;
    an expression string's names in order) and ``f`` wrapped to take them."""
    if isinstance(inputs, (Value, int, float)):
        inputs = [inputs]
    if isinstance(inputs, Mapping):
        names, xs, keywords = tuple(inputs), list(inputs.values()), True
    else:
        xs, keywords = list(inputs), False
        if isinstance(f, (str, Expression)):
            names = (parse(f) if isinstance(f, str) else f).names
            if len(names) != len(xs):
                raise ValueError(f"the expression has inputs {', '.join(names)} but {len(xs)} values were given")
        else:
            names = _input_names(f, xs)
    return names, xs, _Function(f, names, keywords)

def _gradcheck_in_place(f: Callable, inputs, eps: float, atol: float, rtol: float) -> GradcheckReport:
    named = list(inputs.items()) if isinstance(inputs, Mapping) else list(enumerate(inputs))
    if not named or not all(isinstance(v, Value) for _, v in named):
        raise TypeError("f takes no inputs, so inputs must be the Values it reads (e.g. model.parameters())")
    named = [(v.label or f"p{k}" if isinstance(k, int) else k, v) for k, v in named]
    out = f()
    if not isinstance(out, Value):
        raise TypeError(f"f must return a Value, got {type(out).__name__}")
    grads = gradients(out)
    analytic = [grads.get(v, 0.0) for _, v in named]
    rows = []
    for (name, v), a in zip(named, analytic):
        x0 = v.data
        try:
            with no_grad():
                v.data = x0 + eps
                up = _real(f(), "f")
                v.data = x0 - eps
                down = _real(f(), "f")
        except _DOMAIN_ERRORS as err:
            rows.append(GradcheckRow(name, x0, a, None, False, f"f fails at {name} ± eps: {err}"))
            continue
        finally:
            v.data = x0
        numeric = (up - down) / (2 * eps)
        rows.append(GradcheckRow(name, x0, a, numeric, math.isfinite(a) and _gradcheck_ok(a, numeric, atol, rtol)))
    return GradcheckReport(getattr(f, "__name__", "f"), out.data, rows, eps, atol, rtol)


def _takes_inputs(f: Callable) -> bool:
    try:
        return bool(inspect.signature(f).parameters)
    except (TypeError, ValueError):
        return True


def _input_names(f: Callable, xs: list) -> tuple[str, ...]:
    """Names for the report: the Values' labels, else f's parameter names, else x0, x1, ..."""
    labels = tuple(x.label if isinstance(x, Value) else None for x in xs)
    if all(labels) and len(set(labels)) == len(labels):
        return labels
    try:
        params = _parameters(f)
    except TypeError:
        params = ()
    return params if len(params) == len(xs) else tuple(f"x{i}" for i in range(len(xs)))


# ---- check_formula ---------------------------------------------------------------------------------
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
    symbolic: bool = False,
) -> FormulaReport:
    """Check hand-derived partial derivatives of ``f`` against the engine and finite differences.

    ``f`` is a function of Values (its parameters name the inputs) or an expression string;
    ``hand`` maps an input's name to its hand-derived ∂f/∂input, a callable taking the same inputs
    as ``f`` or an expression string. They are compared at the points ``at`` and at ``samples``
    random points (each input uniform in [−3, 3] or [0.05, 3]; a point where ``f`` raises is
    replaced by another). A hand value agrees when |hand − engine| ≤ atol + rtol·max(|hand|, |engine|).
    With ``symbolic=True`` (sympy, the extra ``symbolic``) each hand formula is also proved equal for all
    inputs or shown to differ (``verify/proofs.py``); when that cannot be decided the samples stand.
    """
    func = _Function(f)
    hands = _hand_functions(hand, func.names)
    if symbolic:
        from .proofs import attach, prove

        proofs = prove(func.expression, {n: h.expression for n, (_, h) in hands.items()}, func.names)
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
    return attach(report, proofs) if symbolic else report


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
            what = "; ".join(
                ([f"no value for {', '.join(missing)}"] if missing else [])
                + ([f"{', '.join(extra)} is not an input"] if extra else [])
            )
            raise ValueError(f"at={dict(p)!r}: {what} (inputs of f: {', '.join(names)})")
        out.append({n: Value(p[n]).data for n in names})
    return out


def _check_point(func: _Function, hands: dict, p: dict[str, float], given: bool, rtol: float, atol: float):
    """Rows for one point; raises a domain error when f (or f at x ± ε, for a random point) fails."""
    _, engine_of = func.graph(p)
    rows = []
    for name, (_, h) in hands.items():
        engine = engine_of[name]
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
