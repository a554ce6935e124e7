"""The engine's three shared things, checked on their own: the record (every node's row applied to its
operands gives its value bitwise), the walk (``backward()``'s hand-written pass is ``graph.walk``
bitwise), and create_graph's gradients at the points where a √ or a power sits at 0."""

from __future__ import annotations

import math

import pytest
from graphgen import INPUT, build, programs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autodiff
from autodiff import Value
from autodiff.graph import gradients, topological_order, walk

RANDOM = settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


def _number(o) -> float:
    return o.data if isinstance(o, Value) else o


@RANDOM
@given(programs(), st.lists(INPUT, min_size=3, max_size=3))
def test_every_node_is_its_row_applied_to_its_operands_bitwise(program, xs):
    built = build(program, xs[: program.n_inputs], 1e300)
    if built is None:
        return
    for v in topological_order(built[1]):
        if v.is_leaf:
            assert v.operands == () and v.row is None
            continue
        assert v.row.forward(*map(_number, v.operands)) == v.data, (v.op, v.operands)
        among = [id(o) for o in v.operands if isinstance(o, Value)]
        assert sorted(among) == sorted(map(id, v.parents))  # the parents are the Values among the operands


def test_the_constants_of_sum_and_dot_are_operands_in_their_place():
    x, w = Value(0.0, label="x"), Value(1e10, label="w")
    s = autodiff.sum([x, 1.0, x, -0.5])
    assert s.operands == (x, 1.0, x, -0.5) and s.parents == (x, x) and s.data == 0.5
    d = autodiff.dot([w, 2.0], [x, 3], 5.0)
    assert d.operands == (w, x, 2.0, 3.0, 5.0) and d.parents == (w, x) and d.partners == (x, w) and d.data == 11.0
    assert (2.0 - x).operands == (2.0, x) and (2.0 - x).rule == "sub" and (x * 3).operands == (x, 3.0)


@RANDOM
@given(programs(), st.lists(INPUT, min_size=3, max_size=3), st.floats(-3, 3))
def test_backward_is_the_walk_bitwise(program, xs, seed):
    built = build(program, xs[: program.n_inputs], 1e300)
    if built is None:
        return
    root = built[1]
    order = topological_order(root)
    walked = walk(order, {**dict.fromkeys(order, 0.0), root: seed})
    root.backward(seed)
    assert all(v.grad == walked[v] for v in order)
    assert gradients(root, seed) == walked


def test_a_failing_walk_under_detect_anomaly_leaves_every_grad():
    x = Value(0.0, label="x")
    y = x.sqrt() * 2.0
    x.grad = 5.0
    with autodiff.detect_anomaly(), pytest.raises(autodiff.AnomalyError, match="'x'"):
        y.backward()
    assert x.grad == 5.0 and y.grad == 0.0


def test_create_graph_at_zero_gives_what_eager_gives():
    """x ** y at x = 0 (eager 0, 0); √x and x ** 0.5 at 0 when the derivative asked for is finite
    (torch.autograd.grad(z * x.sqrt(), z, create_graph=True) is 0 too)."""
    x, y = Value(0.0), Value(2.0)
    assert [g.data for g in autodiff.grad(x**y, [x, y], create_graph=True)] == list(autodiff.grad(x**y, [x, y]))
    z = Value(3.0)
    for f in (z * x.sqrt(), z * x**0.5):
        (dz,) = autodiff.grad(f, [z], create_graph=True)
        assert dz.data == 0.0 and autodiff.grad(dz, [z], allow_unused=True) == (None,)
    with pytest.raises(ZeroDivisionError, match="sqrt node.*inf"):  # ∂/∂x is +inf there: not a Value
        autodiff.grad(z * x.sqrt(), [x], create_graph=True)


@pytest.mark.parametrize(("make", "recorded", "elsewhere"), [
    (lambda x: x.relu() * x, 1.0, -1.0), (lambda x: abs(x) * x, 2.0, -2.0),
    (lambda x: autodiff.max(x, 0.5) * x, 1.0, 0.0), (lambda x: x.leaky_relu(0.1) * x, 1.5, -1.5),
])  # fmt: skip
def test_a_kinks_choice_is_recorded_as_a_function_of_its_operands(make, recorded, elsewhere):
    """d/dx of f recorded at one side of the kink, replayed at the other: the choice follows the numbers."""
    x = Value(recorded)
    (d,) = autodiff.grad(make(x), [x], create_graph=True)
    assert any(v.rule in ("step", "sign", "above", "below") for v in topological_order(d))
    step = autodiff.compile(d, inputs=[x])
    y = Value(elsewhere)
    (want,) = autodiff.grad(make(y), [y])
    assert math.isclose(step.gradients([elsewhere]).value, want, rel_tol=1e-15, abs_tol=0.0)


def test_a_power_s_exponent_at_zero_stays_a_function_of_the_exponent():
    """∂/∂x x^y = y·x^(y−1) is 0 at y = 0, but its derivative in y is x^(y−1) = ½ at x = 2 (found by the
    cross-tool suite: the rule's shortcut for y = 0 made it a constant)."""
    x, y = Value(2.0), Value(0.0)
    (dx,) = autodiff.grad(x**y, [x], create_graph=True)
    h = 1e-6
    by_differences = (autodiff.grad(x ** Value(h), [x])[0] - autodiff.grad(x ** Value(-h), [x])[0]) / (2 * h)
    assert dx.data == 0.0 and autodiff.grad(dx, [y]) == (0.5,) and math.isclose(by_differences, 0.5, rel_tol=1e-9)
