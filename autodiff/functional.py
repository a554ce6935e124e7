"""Whole-function derivatives, as ``torch.autograd.functional``: ``jacobian``, ``hessian``,
``vjp``, ``jvp``, ``hvp``.

``f`` takes what ``xs`` is: a number (f(x)) or a list of numbers (f([x0, x1, ...]), the scalar
engine's vector); each entry becomes a fresh leaf (a Value given is read for its ``data`` only).
An ``f`` with no parameters reads Values itself (``lambda: loss(model)``): then ``xs`` are those
Values (``model.parameters()``), differentiated where they are. No ``.grad`` is ever touched. ``f`` returns a Value (a scalar) or a list of Values. Results are floats,
in the shapes PyTorch gives: a Jacobian is m × n, a dimension dropped where the output or the input
is a scalar.

- reverse mode (``vjp``, ``jacobian(mode="reverse")``): one backward pass per output, a row each;
- forward mode (``jvp``, ``jacobian(mode="forward")``): one tangent pass per input, a column each;
- ``hessian``: reverse over reverse (each first derivative a Value, ``create_graph``, differentiated
  again), or ``mode="forward"``, forward over reverse (tangents pushed through the gradient graph);
  ``hvp`` is one forward-over-reverse pass.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence

from .differentiate import grad
from .engine import Value
from .forward import tangents
from .graph import gradients, merged_order
from .guards import check_data

Inputs = float | Value | Sequence[float | Value]
MODES = ("reverse", "forward")


def _inputs(xs: Inputs) -> tuple[list[Value], bool]:
    """Fresh leaves for ``xs`` and whether ``xs`` was a single number."""
    single = isinstance(xs, (int, float, Value)) and not isinstance(xs, bool)
    try:
        entries = [xs] if single else list(xs)
    except TypeError:
        raise TypeError(f"xs must be a number or a list of numbers, got {type(xs).__name__}") from None
    if not entries:
        raise ValueError("xs is empty: nothing to differentiate with respect to")
    leaves = []
    for i, x in enumerate(entries):
        label = x.label if isinstance(x, Value) and x.label else ("x" if single else f"x{i}")
        leaves.append(Value(check_data(x.data if isinstance(x, Value) else x, f"xs[{i}]"), label=label))
    return leaves, single


def _outputs(out) -> tuple[list, bool]:
    if isinstance(out, (Value, int, float)) and not isinstance(out, bool):
        return [out], True
    try:
        outs = list(out)
    except TypeError:
        raise TypeError(f"f must return a Value or a list of Values, got {type(out).__name__}") from None
    for i, o in enumerate(outs):
        if not isinstance(o, (Value, int, float)) or isinstance(o, bool):
            raise TypeError(f"f's output [{i}] must be a Value or a number, got {type(o).__name__}")
    return outs, False


def _call(f: Callable, xs: Inputs):
    if not callable(f):
        raise TypeError(f"f must be a function, got {type(f).__name__}")
    if _takes_nothing(f):  # f reads the Values xs itself (a model's parameters): differentiate in place
        single = isinstance(xs, Value)
        leaves = [xs] if single else list(xs)
        if not leaves or not all(isinstance(v, Value) for v in leaves):
            raise TypeError("f takes no inputs, so xs must be the Values it reads (e.g. model.parameters())")
        outs, out_single = _outputs(f())
        return leaves, single, outs, out_single
    leaves, single = _inputs(xs)
    outs, out_single = _outputs(f(leaves[0] if single else leaves))
    return leaves, single, outs, out_single


def _takes_nothing(f: Callable) -> bool:
    try:
        return not inspect.signature(f).parameters
    except (TypeError, ValueError):
        return False


def _shaped(matrix: list[list[float]], out_single: bool, in_single: bool):
    if out_single:
        row = matrix[0]
        return row[0] if in_single else row
    return [r[0] for r in matrix] if in_single else matrix


def _data(outs: list, out_single: bool):
    vals = [float(o.data if isinstance(o, Value) else o) for o in outs]
    return vals[0] if out_single else vals


def _vector(v, n: int, what: str) -> list[float]:
    entries = [v] if isinstance(v, (int, float)) and n == 1 else v
    try:
        entries = list(entries)
    except TypeError:
        raise TypeError(f"{what} must be a number or a list of {n} numbers, got {type(v).__name__}") from None
    if len(entries) != n:
        raise ValueError(f"{what} has {len(entries)} entries, needs {n}")
    return [check_data(x, f"{what}[{i}]") for i, x in enumerate(entries)]


def jacobian(f: Callable, xs: Inputs, *, mode: str = "reverse"):
    """J[i][j] = ∂fᵢ/∂xⱼ: by rows with one backward pass per output (``mode="reverse"``), or by
    columns with one forward-mode pass per input (``mode="forward"``); both give the same matrix."""
    if mode not in MODES:
        raise ValueError(f"mode must be 'reverse' or 'forward', got {mode!r}")
    leaves, single, outs, out_single = _call(f, xs)
    values = [o for o in outs if isinstance(o, Value)]
    if mode == "reverse":
        rows = []
        for o in outs:
            g = gradients(o) if isinstance(o, Value) else {}
            rows.append([g.get(x, 0.0) for x in leaves])
    else:
        order = merged_order(values) if values else []
        columns = []
        for x in leaves:
            t = tangents(values, {x: 1.0}, order) if values else {}
            columns.append([t.get(o, 0.0) if isinstance(o, Value) else 0.0 for o in outs])
        rows = [list(r) for r in zip(*columns)]
    return _shaped(rows, out_single, single)


def _first_derivatives(f: Callable, xs: Inputs):
    """f's output and its gradient as Values (create_graph), for a scalar f."""
    leaves, single, outs, out_single = _call(f, xs)
    if not out_single:
        raise ValueError(f"f must return one Value (a scalar) for a Hessian, got {len(outs)} outputs")
    y = outs[0]
    if not isinstance(y, Value):
        return leaves, single, y, [None] * len(leaves)
    found = grad(y, leaves, create_graph=True, allow_unused=True)
    return leaves, single, y, list(found)


def hessian(f: Callable, xs: Inputs, *, mode: str = "reverse"):
    """H[i][j] = ∂²f/∂xᵢ∂xⱼ of a scalar f: each ∂f/∂xᵢ built as a Value (``create_graph``) and
    differentiated again by a backward pass (``mode="reverse"``, reverse over reverse) or by a
    forward-mode pass per input (``mode="forward"``, forward over reverse)."""
    if mode not in MODES:
        raise ValueError(f"mode must be 'reverse' or 'forward', got {mode!r}")
    leaves, single, _, g = _first_derivatives(f, xs)
    n = len(leaves)
    if mode == "reverse":
        rows = []
        for gi in g:
            d = gradients(gi) if isinstance(gi, Value) else {}
            rows.append([d.get(x, 0.0) for x in leaves])
    else:
        values = [gi for gi in g if isinstance(gi, Value)]
        order = merged_order(values) if values else []
        columns = []
        for x in leaves:
            t = tangents(values, {x: 1.0}, order) if values else {}
            columns.append([t.get(gi, 0.0) if isinstance(gi, Value) else 0.0 for gi in g])
        rows = [[columns[j][i] for j in range(n)] for i in range(n)]
    return rows[0][0] if single else rows


def vjp(f: Callable, xs: Inputs, v: float | Sequence[float] | None = None):
    """(f(xs), vᵀJ): one backward pass seeded with v (1 for a scalar output when v is omitted)."""
    leaves, single, outs, out_single = _call(f, xs)
    if v is None:
        if not out_single:
            raise ValueError("vjp: v is needed when f has several outputs (one number per output)")
        v = 1.0
    seeds = _vector(v, len(outs), "v")
    pairs = [(o, s) for o, s in zip(outs, seeds) if isinstance(o, Value)]
    if pairs:
        found = grad([o for o, _ in pairs], leaves, [s for _, s in pairs], allow_unused=True)
    else:
        found = (None,) * len(leaves)
    result = [0.0 if g is None else g for g in found]
    return _data(outs, out_single), result[0] if single else result


def jvp(f: Callable, xs: Inputs, v: float | Sequence[float]):
    """(f(xs), J·v): one forward-mode pass over the recorded graph, the inputs' tangents v."""
    leaves, _, outs, out_single = _call(f, xs)
    seeds = dict(zip(leaves, _vector(v, len(leaves), "v")))
    values = [o for o in outs if isinstance(o, Value)]
    t = tangents(values, seeds) if values else {}
    result = [t.get(o, 0.0) if isinstance(o, Value) else 0.0 for o in outs]
    return _data(outs, out_single), result[0] if out_single else result


def hvp(f: Callable, xs: Inputs, v: float | Sequence[float]):
    """(f(xs), H·v) for a scalar f: the gradient built as Values, then one forward-mode pass
    through it with the inputs' tangents v (forward over reverse)."""
    leaves, single, y, g = _first_derivatives(f, xs)
    seeds = dict(zip(leaves, _vector(v, len(leaves), "v")))
    values = [gi for gi in g if isinstance(gi, Value)]
    t = tangents(values, seeds) if values else {}
    result = [t.get(gi, 0.0) if isinstance(gi, Value) else 0.0 for gi in g]
    value = float(y.data if isinstance(y, Value) else y)
    return value, result[0] if single else result


__all__ = ["hessian", "hvp", "jacobian", "jvp", "vjp"]
