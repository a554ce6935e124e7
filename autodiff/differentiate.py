"""``autodiff.grad``: the gradients of outputs with respect to chosen inputs, returned instead of
stored (``torch.autograd.grad``). No ``.grad`` is read or written.

    gx, gy = autodiff.grad(f, [x, y])                       # floats, bitwise what f.backward() gives
    (gx,) = autodiff.grad(f, [x], create_graph=True)        # a Value: differentiate it again
    (gxx,) = autodiff.grad(gx, [x])
"""

from __future__ import annotations

from collections.abc import Sequence

from . import engine
from .engine import Value
from .graph import gradients, merged_order
from .guards import check_data
from .higher import grad_on, value_gradients


def grad(outputs: Value | Sequence[Value], inputs: Value | Sequence[Value],
         grad_outputs: float | Value | Sequence[float | Value] | None = None, *, create_graph: bool = False,
         allow_unused: bool = False) -> tuple:  # fmt: skip
    """(Σₖ grad_outputs[k] · ∂outputs[k]/∂x for x in inputs), as a tuple (as PyTorch, also for one
    input). ``grad_outputs`` defaults to 1 for each output. With ``create_graph=True`` the results
    are Values built from the rules table (higher order; also under ``no_grad``, as PyTorch), else
    floats. An input the outputs do not depend on is an error unless ``allow_unused=True`` (then
    its entry is None, as PyTorch)."""
    outs = _values([outputs] if isinstance(outputs, Value) else outputs, "outputs")
    ins = _values([inputs] if isinstance(inputs, Value) else inputs, "inputs")
    seeds = _seeds(grad_outputs, len(outs), create_graph)
    if not create_graph:
        anomaly = engine._mode.anomaly
        if len(outs) == 1:
            found = gradients(outs[0], seeds[0], anomaly=anomaly)
        else:
            found = gradients(outs[0], order=merged_order(outs), seeds=zip(outs, seeds), anomaly=anomaly)
    else:
        m = engine._mode
        with grad_on(m):
            start: dict = {}
            for o, s in zip(outs, seeds):
                s = s if isinstance(s, Value) else Value(s)
                start[o] = s if o not in start else start[o] + s
            found = value_gradients(merged_order(outs), start, m.anomaly, ins)
    result = []
    for i, x in enumerate(ins):
        if x not in found:
            if not allow_unused:
                name = repr(x.label) if x.label else f"inputs[{i}]"
                raise ValueError(f"grad: the outputs do not depend on {name} (pass allow_unused=True to get None for it)")
            result.append(None)
        else:
            result.append(found[x])
    return tuple(result)


def _values(xs, what: str) -> list[Value]:
    try:
        xs = list(xs)
    except TypeError:
        raise TypeError(f"grad: {what} must be a Value or a sequence of Values, got {type(xs).__name__}") from None
    if not xs:
        raise ValueError(f"grad: {what} is empty")
    for i, x in enumerate(xs):
        if not isinstance(x, Value):
            raise TypeError(f"grad: {what}[{i}] must be a Value, got {type(x).__name__}: {x!r:.60}")
    return xs


def _seeds(grad_outputs, n: int, create_graph: bool) -> list:
    if grad_outputs is None:
        return [1.0] * n
    if isinstance(grad_outputs, (int, float, Value)):
        grad_outputs = [grad_outputs]
    seeds = list(grad_outputs)
    if len(seeds) != n:
        raise ValueError(f"grad: grad_outputs has {len(seeds)} entries for {n} output(s)")
    out = []
    for k, s in enumerate(seeds):
        if isinstance(s, Value):
            out.append(s if create_graph else s.data)
        else:
            out.append(check_data(s, f"grad: grad_outputs[{k}]"))
    return out


__all__ = ["grad"]
