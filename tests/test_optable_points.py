"""Each operation of the cross-tool table at its special points (0, ties, ±large, subnormal): the
compiled replay (recorded at an ordinary point), create_graph's first pass and forward mode all give
the eager engine's value and gradients there, and PyTorch float64 does too when installed."""

from __future__ import annotations

import math

import pytest
from optable import OPS

import autodiff
from autodiff import Value

CASES = [(name, point) for name, op in OPS.items() for point in op.special]


def _eager(name: str, point: tuple):
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(point)]
    out = OPS[name].engine(*leaves)
    return leaves, out, autodiff.grad(out, leaves)


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


@pytest.mark.parametrize(("name", "point"), CASES, ids=[f"{n}{p}" for n, p in CASES])
def test_every_tool_gives_the_engine_s_numbers_at_the_special_points(name, point):
    try:
        leaves, out, grads = _eager(name, point)
    except (OverflowError, ValueError, ZeroDivisionError) as err:  # refused by the engine: say so, no tool runs
        pytest.skip(f"the engine refuses {name}{point}: {err}")
    ordinary = tuple(0.75 + 0.5 * i for i in range(len(point)))
    rec_leaves = [Value(x) for x in ordinary]
    step = autodiff.compile(OPS[name].engine(*rec_leaves), inputs=rec_leaves)
    replay = step.gradients(list(point))
    assert _same(replay.value, out.data) and all(map(_same, replay.inputs, grads)), (replay, out.data, grads)
    for x, g in zip(leaves, grads):
        assert _same(autodiff.forward_gradient(out, {x: 1.0}), g)
    if all(math.isfinite(g) for g in grads):
        firsts = autodiff.grad(out, leaves, create_graph=True)
        assert [v.data for v in firsts] == list(grads)


@pytest.mark.parametrize(("name", "point"), CASES, ids=[f"{n}{p}" for n, p in CASES])
def test_pytorch_float64_at_the_special_points(name, point):
    torch = pytest.importorskip("torch")
    try:
        _, out, grads = _eager(name, point)
    except (OverflowError, ValueError, ZeroDivisionError) as err:
        pytest.skip(f"the engine refuses {name}{point}: {err}")
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    t_out = OPS[name].torch(torch, *ts)
    t_grads = torch.autograd.grad(t_out, ts)
    assert math.isclose(t_out.item(), out.data, rel_tol=1e-12, abs_tol=1e-300)  # (subnormals keep few digits)
    for t, g in zip(t_grads, grads):
        assert math.isclose(t.item(), g, rel_tol=1e-12, abs_tol=1e-300) or (math.isinf(g) and t.item() == g), (t, g)
