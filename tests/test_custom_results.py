"""What an operation of your own returns is checked when its node is made (issue 19, defect 7): the
forward's result is a finite real number (an int becomes a float; a bool, a complex number, a string or
a Value is refused), the derivative's a real number (±inf allowed, as √x's at 0), each error naming the
operation, instead of a complex ``data`` or a bare TypeError at backward."""

from __future__ import annotations

import math

import pytest

import autodiff
from autodiff import Value
from autodiff.custom import custom_operations, remove_operation
from autodiff.graph import gradients


@pytest.fixture(autouse=True)
def clean():
    before = set(custom_operations())
    yield
    for name in set(custom_operations()) - before:
        remove_operation(name)


def one(name: str, forward, derivative):
    return autodiff.operation(name, name[:3], forward, derivative)


@pytest.mark.parametrize(("forward", "error", "message"), [
    (lambda x: complex(x, 1.0), TypeError, r"cplx: its forward returned a complex number \(\(2\+1j\)\) at 2.0"),
    (lambda x: x > 0, TypeError, "cplx: its forward returned a bool"),
    (lambda x: "2", TypeError, "cplx: its forward returned a str"),
    (lambda x: Value(x), TypeError, "cplx: its forward returned a Value"),
    (lambda x: 10**400, OverflowError, "cplx: its forward returned an int too large for a float at 2.0"),
    (lambda x: math.nan, ValueError, r"cplx\(2.0\) = nan: an operation's result must be a finite number"),
])  # fmt: skip
def test_a_forward_that_is_not_a_finite_real_number_is_refused_naming_the_operation(forward, error, message):
    op = one("cplx", forward, lambda x, out: 1.0)
    with pytest.raises(error, match=message):
        op(Value(2.0))


def test_a_derivative_that_is_not_a_number_is_refused_when_the_node_is_made_not_at_backward():
    x = Value(2.0)
    with pytest.raises(TypeError, match=r"text: its derivative returned a str \('1'\) at 2.0"):
        one("text", lambda t: 2 * t, lambda t, out: "1")(x)
    with pytest.raises(TypeError, match="flag: its derivative returned a bool"):
        one("flag", lambda t: 2 * t, lambda t, out: t > 0)(x)
    pair = autodiff.operation("pair", "p", lambda a, b: a * b, (lambda a, b, out: b, lambda a, b, out: 1j))
    with pytest.raises(TypeError, match=r"pair: its derivative ∂/∂b returned a complex number \(1j\) at 2.0, 3.0"):
        pair(x, Value(3.0))
    assert pair(x, 3.0).local_grads == (3.0,)  # ∂/∂b is not asked for a plain number


def test_ints_become_floats_and_an_infinite_derivative_stays_as_the_engine_allows():
    x = Value(4.0, label="x")
    twice = one("twice", lambda t: int(2 * t), lambda t, out: 2)
    y = twice(x)
    assert type(y.data) is float and y.data == 8.0 and type(y.local_grads[0]) is float
    assert gradients(y)[x] == 2.0 == (twice(Value(4.5)).data - twice(Value(3.5)).data) / 1.0
    root = one("root", math.sqrt, lambda t, out: 0.5 / out if out else math.inf)
    assert root(Value(0.0)).local_grads == (math.inf,)  # as Value(0.0).sqrt()'s
    assert root(Value(0.0)).local_grads == Value(0.0).sqrt().local_grads
    b = autodiff.operation("hyp", "h", lambda a, c: math.hypot(a, c), (lambda a, c, out: a / out, lambda a, c, out: c / out))
    z = b(Value(3.0), Value(4.0))
    assert (z.data, z.local_grads) == (5.0, (0.6, 0.8)) and z.row is autodiff.RULES["hyp"]
    with autodiff.no_grad():
        assert b(Value(3.0), 4.0).is_leaf
