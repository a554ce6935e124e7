"""``gradgradcheck``: second derivatives (the engine's ``create_graph`` backward, differentiated
again) against central finite differences of the first derivatives, as ``torch.autograd.gradgradcheck``:

    ∂²f/∂xᵢ∂xⱼ ≈ (∂f/∂xᵢ(x + ε·eⱼ) − ∂f/∂xᵢ(x − ε·eⱼ)) / 2ε,

each first derivative from the engine's own backward pass. Same rule, defaults and report as
``gradcheck`` (a pair passes when |analytic − numeric| ≤ atol + rtol·|numeric|); no ``.grad`` is touched.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

from ..differentiate import grad
from ..engine import Value
from ..graph import gradients
from .check import _DOMAIN_ERRORS, ATOL, EPS, RTOL, _gradcheck_ok, read_inputs
from .reports import GradcheckReport, GradcheckRow


class GradgradcheckReport(GradcheckReport):
    """Per pair of inputs: the engine's ∂²f/∂xᵢ∂xⱼ, the finite difference of ∂f/∂xᵢ along xⱼ."""

    def _title(self) -> str:
        return f"gradgradcheck of {self.function} = {self.value:.10g} (second derivatives)"

    def _verdict(self) -> str:
        return super()._verdict().replace("gradients", "second derivatives").replace("the gradient agrees",
                                                                                    "the second derivative agrees")


def gradgradcheck(f: Callable | str, inputs: Sequence[float | Value] | Mapping[str, float | Value] | float | Value,
                  eps: float = EPS, atol: float = ATOL, rtol: float = RTOL) -> GradgradcheckReport:  # fmt: skip
    """Compare every second derivative ∂²f/∂xᵢ∂xⱼ of the scalar ``f(*inputs)`` (``f(**inputs)`` for a
    mapping, or an expression string) with central differences of the engine's first derivatives."""
    if not eps > 0:
        raise ValueError(f"eps must be > 0, got {eps!r}")
    names, xs, func = read_inputs(f, inputs)
    point = {n: x.data if isinstance(x, Value) else Value(x).data for n, x in zip(names, xs)}
    leaves = {n: Value(point[n], label=n) for n in names}
    out = func(leaves)
    if not isinstance(out, Value):
        raise TypeError(f"f must return a Value built from its inputs, got {type(out).__name__}")
    first = grad(out, list(leaves.values()), create_graph=True, allow_unused=True)
    analytic = {}
    for ni, gi in zip(names, first):
        d = gradients(gi) if isinstance(gi, Value) else {}
        for nj in names:
            analytic[ni, nj] = d.get(leaves[nj], 0.0)
    rows = []
    for nj in names:
        try:
            plus, minus = dict(point), dict(point)
            plus[nj] += eps
            minus[nj] -= eps
            up, down = func.graph(plus)[1], func.graph(minus)[1]
        except _DOMAIN_ERRORS as err:
            rows += [GradcheckRow(f"∂²f/∂{ni}∂{nj}", point[nj], analytic[ni, nj], None, False,
                                  f"f fails at {nj} ± eps: {err}") for ni in names]  # fmt: skip
            continue
        for ni in names:
            a, numeric = analytic[ni, nj], (up[ni] - down[ni]) / (2 * eps)
            ok = math.isfinite(a) and _gradcheck_ok(a, numeric, atol, rtol)
            rows.append(GradcheckRow(f"∂²f/∂{ni}∂{nj}", point[nj], a, numeric, ok))
    return GradgradcheckReport(func.description, out.data, rows, eps, atol, rtol)


__all__ = ["GradgradcheckReport", "gradgradcheck"]
