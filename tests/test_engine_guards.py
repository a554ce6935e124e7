"""Silent wrong results become errors: non-finite operands and results, operands of the wrong
type, a wrong ``order``, micrograd's constructor shape, labels that are not text, and
``from autodiff import *`` shadowing Python's built-ins."""

from __future__ import annotations

import math

import pytest

import autodiff
from autodiff import Value

NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize("bad", [NAN, INF, -INF])
@pytest.mark.parametrize(
    "make",
    [
        lambda x, c: x + c,
        lambda x, c: c + x,
        lambda x, c: x - c,
        lambda x, c: c - x,
        lambda x, c: x * c,
        lambda x, c: c * x,
        lambda x, c: x / c,
        lambda x, c: c / x,
        lambda x, c: x**c,
        lambda x, c: c**x,
        lambda x, c: autodiff.max(x, c),
        lambda x, c: autodiff.min(x, c),
        lambda x, c: x.leaky_relu(c),
        lambda x, c: autodiff.sum([x, c]),
        lambda x, c: autodiff.dot([x, x], [1.0, c]),
        lambda x, c: autodiff.dot([x], [2.0], bias=c),
    ],
)
def test_a_non_finite_plain_number_operand_is_a_value_error(make, bad):
    x = Value(0.5)
    with pytest.raises(ValueError, match=r"finite|nan|inf"):
        make(x, bad)


@pytest.mark.parametrize(
    "make, op",
    [
        (lambda: Value(1e308) * 10, "mul overflow: 1e+308 × 10.0"),
        (lambda: Value(1e308) * Value(1e10), "mul overflow: 1e+308 × 10000000000.0"),
        (lambda: Value(1.7e308) + Value(1.7e308), "add overflow"),
        (lambda: Value(-1.7e308) - 1.7e308, "sub overflow"),
        (lambda: Value(1e308) / 1e-10, "div overflow"),
        (lambda: Value(10.0) ** 400, "pow overflow"),
        (lambda: autodiff.sum([Value(1.7e308), Value(1.7e308)]), "sum overflow"),
        (lambda: autodiff.dot([Value(1e200)], [1e200]), "dot overflow"),
        (lambda: autodiff.dot([Value(1.7e308)], [1.0], bias=1.7e308), "dot overflow"),
        (lambda: Value(1000.0).exp(), "exp overflow: exp(1000.0)"),
    ],
)
def test_a_result_past_the_float_range_is_an_overflow_error_naming_the_operation(make, op):
    with pytest.raises(OverflowError) as info:
        make()
    assert op in str(info.value) and "float range" in str(info.value)


@pytest.mark.parametrize("bad", [NAN, INF, -INF])
@pytest.mark.parametrize("op", ["tanh", "sigmoid", "exp", "relu", "abs", "neg", "softplus", "sqrt", "log"])
def test_data_set_to_nan_or_inf_by_hand_is_refused_by_the_next_operation(op, bad):
    x = Value(0.5)
    x.data = bad
    with pytest.raises(ValueError, match=r"nan|inf"):
        -x if op == "neg" else getattr(x, op)()
    y = Value(2.0)
    with pytest.raises(ValueError, match="operand 1 is"):
        x * y


def test_finite_work_is_unchanged_by_the_checks():
    x = Value(3.0)
    y = (x * 1e300 / 1e300 + 1e-300).tanh() * x - x**2 + autodiff.sum([x, 1.0]) + autodiff.dot([x], [2.0], bias=1.0)
    y.backward()
    assert math.isclose(y.data, math.tanh(3.0) * 3 - 9 + 4 + 7)
    assert math.isclose(x.grad, (1 - math.tanh(3.0) ** 2) * 3 + math.tanh(3.0) - 6 + 1 + 2)


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda x: autodiff.max(x, None), "max needs Values or numbers, got NoneType"),
        (lambda x: autodiff.min(x, "a"), "min needs Values or numbers, got str"),
        (lambda x: autodiff.max("a", x), "max needs Values or numbers, got str"),
        (lambda x: autodiff.min(None, 2.0), "min needs Values or numbers, got NoneType"),
        (lambda x: x.leaky_relu(None), "leaky_relu's slope needs Values or numbers, got NoneType"),
        (lambda x: x.leaky_relu("0.1"), "leaky_relu's slope needs Values or numbers, got str"),
        (lambda x: autodiff.sum([x, "1"]), "sum needs Values or numbers, got str"),
    ],
)
def test_functions_raise_type_errors_instead_of_returning_not_implemented(call, words):
    with pytest.raises(TypeError, match=words):
        call(Value(1.0))


def test_backward_refuses_an_order_that_is_not_this_roots():
    x = Value(2.0)
    f = x * x
    g = f + 1
    with pytest.raises(ValueError, match="it is empty"):
        g.backward(order=[])
    with pytest.raises(ValueError, match="its last node is not this root"):
        g.backward(order=autodiff.topological_order(f))
    with pytest.raises(ValueError, match="got a tuple"):
        g.backward(order=tuple(autodiff.topological_order(g)))
    assert x.grad == 0.0 and f.grad == 0.0  # nothing ran
    g.backward(order=autodiff.topological_order(g))
    assert x.grad == 4.0


def test_micrograds_constructor_shape_is_a_type_error_that_says_why():
    a = Value(1.0)
    with pytest.raises(TypeError, match="records a node's parents and local derivatives itself"):
        Value(3.0, (a,))
    with pytest.raises(TypeError, match="records a node's parents"):
        Value(3.0, (a,), (1.0,))
    with pytest.raises(TypeError, match="records a node's parents"):
        Value(3.0, "x")  # the label is keyword-only
    assert Value(3.0, label="x").label == "x"


@pytest.mark.parametrize("label", [3, 1.5, b"x", ("x",), ["x"], object()])
def test_a_label_that_is_not_text_is_a_type_error_at_creation(label):
    with pytest.raises(TypeError, match="label must be a str or None"):
        Value(1.0, label=label)


def test_star_import_keeps_pythons_sum_max_and_min():
    space: dict = {}
    exec("from autodiff import *", space)  # noqa: S102 - the test's own fixed text
    assert "sum" not in space and "max" not in space and "min" not in space
    assert "Value" in space and "no_grad" in space
    logits = [space["Value"](v) for v in (0.5, 2.0, -1.0)]
    assert max(v.data for v in logits) == 2.0  # microgpt's line, after the star import
    assert autodiff.sum is not sum and autodiff.max is not max


def test_a_neurons_weighted_sum_that_overflows_is_an_overflow_error():
    import nn

    layer = nn.Layer.from_weights([[1e300, 1e300]], [0.0], activation="linear")
    with pytest.raises(OverflowError, match=r"dot overflow: a weighted sum of 3 parents \(the largest 1e\+300\)"):
        layer([1e10, 1.0])
    weights = layer.parameters()
    weights[0].data = NAN  # an optimizer step gone wrong writes nan into a weight
    with pytest.raises(ValueError, match="dot: parent 1 of 3 is nan"):
        layer([1.0, 1.0])
