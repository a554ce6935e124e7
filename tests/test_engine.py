"""The Value's contract: what it records, how gradients accumulate, no_grad, detach, the
1,000,000-deep chain, and a clear error for every kind of bad input."""

from __future__ import annotations

import gc
import math

import pytest

import autodiff
from autodiff import Value


def test_value_holds_data_grad_label_op_parents_and_locals():
    x, y = Value(3, label="x"), Value(-2.0)
    q = x * y
    assert isinstance(x.data, float) and x.data == 3.0 and x.grad == 0.0 and x.label == "x"
    assert x.op == "" and x.parents == () and x.local_grads == () and x.is_leaf
    assert q.op == "mul" and q.parents == (x, y) and q.local_grads == (-2.0, 3.0) and not q.is_leaf
    assert not hasattr(x, "__dict__"), "Value uses __slots__"


def test_number_operands_stay_plain_numbers_in_both_orders():
    x = Value(2.0)
    for node, local, const in [(x * 3, 3.0, 3.0), (3 * x, 3.0, 3.0), (x + 1, 1.0, 1.0), (1 + x, 1.0, 1.0),
                               (x - 5, 1.0, 5.0), (5 - x, -1.0, 5.0), (x / 4, 0.25, 4.0), (8 / x, -2.0, 8.0)]:
        assert node.parents == (x,), node.op
        assert node.local_grads == (local,), node.op
        assert node.constant == const, node.op


def test_identity_hash_and_ordering_by_data():
    a, b = Value(1.0), Value(1.0)
    assert a != b and a == a  # noqa: PLR0124 - equality is identity
    assert len({a, b}) == 2
    assert {a: "a", b: "b"}[b] == "b"
    assert a <= b and a >= b and not a < b and Value(0.5) < a and a > 0.5 and a < 2 and a >= 1
    assert Value(2.5).item() == 2.5  # float(Value) refuses (it would cut the graph): tests/test_habits.py
    r = repr(Value(2.5, label="w"))
    assert "2.5" in r and "grad=0.0" in r and "'w'" in r


def test_nary_sum_and_dot_are_one_node():
    xs = [Value(float(i)) for i in range(5)]
    s = autodiff.sum(xs)
    assert s.op == "sum" and s.parents == tuple(xs) and s.local_grads == (1.0,) * 5
    ws = [Value(0.5 * i) for i in range(5)]
    d = autodiff.dot(ws, xs)
    assert d.op == "dot" and len(d.parents) == 10 and d.data == sum(0.5 * i * i for i in range(5))
    d.backward()
    assert [w.grad for w in ws] == [x.data for x in xs] and [x.grad for x in xs] == [w.data for w in ws]
    mixed = autodiff.dot(ws, [1.0, 2.0, 3.0, 4.0, 5.0])  # plain inputs are not nodes
    assert mixed.parents == tuple(ws)
    with pytest.raises(ValueError, match="same length"):
        autodiff.dot(ws, xs[:2])


def test_max_and_min_route_the_gradient_and_split_ties():
    a, b = Value(3.0), Value(-1.0)
    autodiff.max(a, b).backward()
    assert (a.grad, b.grad) == (1.0, 0.0)
    a.grad = b.grad = 0.0
    autodiff.min(a, b).backward()
    assert (a.grad, b.grad) == (0.0, 1.0)
    c, d = Value(2.0), Value(2.0)
    autodiff.max(c, d).backward()
    assert (c.grad, d.grad) == (0.5, 0.5), "ties split evenly, as torch.maximum"
    e = Value(1.0)
    m = autodiff.max(0.0, e)
    m.backward()
    assert m.parents == (e,) and e.grad == 1.0


def test_gradients_accumulate_over_backward_calls():
    x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
    q = x + y
    f = q * z
    f.backward()
    first = (x.grad, y.grad, z.grad, q.grad, f.grad)
    f.backward()
    assert (x.grad, y.grad, z.grad, q.grad, f.grad) == tuple(2 * g for g in first)
    f.backward(grad=0.5)
    assert x.grad == 2.5 * first[0]
    f.zero_grad()
    assert all(v.grad == 0.0 for v in (x, y, z, q, f))
    f.backward()
    assert (x.grad, y.grad, z.grad, q.grad, f.grad) == first


def test_accumulation_across_two_graphs_sharing_a_leaf():
    w = Value(3.0)
    (w * 2.0).backward()
    (w * w).backward()  # a second graph, without zero_grad: 2 + 2w
    assert w.grad == 2.0 + 6.0
    autodiff.zero_grad([w])
    assert w.grad == 0.0


def test_reused_order_gives_the_same_gradients():
    x = Value(0.7)
    y = (x * x).tanh() * x + x.sin()
    order = autodiff.topological_order(y)
    assert order[-1] is y and order[0] is x and len(order) == len(set(order))
    position = {v: i for i, v in enumerate(order)}
    assert all(position[p] < position[v] for v in order for p in v.parents)
    y.backward()
    g = x.grad
    x.grad = 0.0
    autodiff.zero_grad(order)
    y.backward(order=order)
    assert x.grad == g


def test_million_deep_chain_backward_and_free():
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y * 1.0 + 0.5
    y.backward()
    assert x.grad == 1.0 and y.data == 500_001.0
    del y  # freeing a deep chain must not overflow the C stack either


def test_no_reference_cycles():
    gc.collect()
    gc.disable()
    try:
        x = Value(2.0)
        y = autodiff.sum([(x * x).tanh(), x.exp(), autodiff.dot([x, x], [1.0, x])]) / 3.0
        y.backward()
        del x, y
        assert gc.collect() == 0, "every node must be freed by reference counting alone"
    finally:
        gc.enable()


def test_no_grad_records_nothing_and_restores():
    x = Value(2.0)
    with autodiff.no_grad():
        assert not autodiff.is_grad_enabled()
        y = x * 3 + x.exp()
        with autodiff.no_grad():
            pass
        assert not autodiff.is_grad_enabled()
        z = autodiff.sum([x, x])
    assert autodiff.is_grad_enabled()
    assert y.is_leaf and y.parents == () and y.op == "" and y.data == 6 + math.exp(2)
    assert z.is_leaf and z.data == 4.0
    y.backward()
    assert x.grad == 0.0

    @autodiff.no_grad()
    def predict(v):
        return v * v

    assert predict(x).is_leaf and autodiff.is_grad_enabled()
    with pytest.raises(ZeroDivisionError), autodiff.no_grad():
        x / 0
    assert autodiff.is_grad_enabled(), "no_grad restores the switch after an exception"


def test_detach_cuts_the_graph():
    x = Value(3.0)
    d = (x * x).detach()
    assert d.is_leaf and d.data == 9.0
    (d * x).backward()
    assert x.grad == 9.0  # only the direct path; none through the detached x*x


@pytest.mark.parametrize("bad", ["3", None, [1.0], 1 + 2j, True], ids=["str", "None", "list", "complex", "bool"])
def test_non_numbers_are_type_errors_naming_the_type(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_data_is_refused_at_creation(bad):
    with pytest.raises(ValueError, match="finite"):
        Value(bad)


@pytest.mark.parametrize(
    "make, error, words",
    [
        (lambda: Value(0.0).log(), ValueError, ["log", "0.0"]),
        (lambda: Value(-1.0).log(), ValueError, ["log", "-1.0"]),
        (lambda: Value(-1.0).sqrt(), ValueError, ["sqrt", "-1.0"]),
        (lambda: Value(-8.0) ** (1 / 3), ValueError, ["pow", "-8.0"]),
        (lambda: (-8.0) ** Value(0.5), ValueError, ["pow", "-8.0"]),
        (lambda: Value(-2.0) ** Value(2.0), ValueError, ["pow", "-2.0"]),
        (lambda: Value(0.0) ** -1, ZeroDivisionError, ["pow", "negative"]),
        (lambda: Value(1.0) / 0, ZeroDivisionError, ["division", "a / b"]),
        (lambda: Value(1.0) / Value(0.0), ZeroDivisionError, ["division"]),
        (lambda: 1.0 / Value(0.0), ZeroDivisionError, ["division"]),
        (lambda: Value(1000.0).exp(), OverflowError, ["exp", "1000.0"]),
        (lambda: Value(10.0) ** 400, OverflowError, ["pow", "400"]),
        (lambda: Value(1.0) + "a", TypeError, ["Value", "str"]),
        (lambda: Value(1.0) * None, TypeError, ["NoneType"]),
        (lambda: Value(1.0).backward(grad="x"), TypeError, ["backward", "str"]),
        (lambda: autodiff.sum([Value(1.0), "2"]), TypeError, ["sum", "str"]),
    ],
    ids=lambda p: None,
)
def test_bad_input_raises_a_clear_error(make, error, words):
    with pytest.raises(error) as info:
        make()
    for w in words:
        assert w in str(info.value), (w, str(info.value))


@pytest.mark.parametrize("x0", [-1000.0, -40.0, 0.0, 40.0, 1000.0])
def test_sigmoid_and_softplus_are_stable_at_the_extremes(x0):
    for op in ("sigmoid", "softplus"):
        x = Value(x0)
        y = getattr(x, op)()
        y.backward()
        assert math.isfinite(y.data) and math.isfinite(x.grad), (op, x0, y.data, x.grad)
    assert Value(1000.0).sigmoid().data == 1.0 and Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).softplus().data == 1000.0 and Value(-1000.0).softplus().data == 0.0


def test_undefined_derivatives_follow_pytorch():
    cases = [("relu", 0.0, 0.0), ("abs", 0.0, 0.0), ("sqrt", 0.0, math.inf)]
    for op, x0, expected in cases:
        x = Value(x0)
        getattr(x, op)().backward()
        assert x.grad == expected, op
    x = Value(0.0)
    x.leaky_relu(0.2).backward()
    assert x.grad == 0.2


def test_subclasses_of_value_work_on_either_side():
    class Parameter(Value):
        __slots__ = ()

    a, p = Value(2.0), Parameter(5.0)
    for node, parents in [(a + p, (a, p)), (a - p, (a, p)), (a * p, (a, p)), (p - a, (p, a)), (a / p, (a, p))]:
        assert node.parents == parents, node.op
    d = a - p
    d.backward()
    assert (a.grad, p.grad) == (1.0, -1.0)


def test_scope_records_nested_names_only_inside_the_block():
    x = Value(2.0, label="x")
    with autodiff.scope("layers.0"):
        with autodiff.scope("neurons.1"):
            y = x * 3 + autodiff.dot([x], [x])
            c = Value(1.0)
        z = y.tanh()
    w = z + 1
    assert (x.scope, w.scope) == ((), ())
    assert y.scope == c.scope == ("layers.0", "neurons.1")
    assert z.scope == ("layers.0",)
    assert autodiff.current_scope() == ()


def test_scope_is_restored_after_an_exception():
    with pytest.raises(ZeroDivisionError), autodiff.scope("block"):
        Value(1.0) / 0
    assert autodiff.current_scope() == ()
    assert (Value(1.0) + 1).scope == ()
    with pytest.raises(ValueError, match="non-empty string"):
        autodiff.scope("")
