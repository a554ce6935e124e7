"""The expression language for learners' habits (issue 12 §5): hints for ``x^2`` and implied
multiplication, ``leaky_relu`` with its optional slope, n-ary ``sum`` and ``mean``; each checked
against the engine's own operations (values and gradients)."""

from __future__ import annotations

import pytest

import autodiff
from autodiff import Value
from autodiff.verify.expressions import ExpressionError, parse


def grads(text: str, **values: float) -> tuple[float, dict[str, float]]:
    leaves = {n: Value(v, label=n) for n, v in values.items()}
    out = parse(text).evaluate(leaves)
    out.backward()
    return out.data, {n: v.grad for n, v in leaves.items()}


def refused(text: str) -> ExpressionError:
    with pytest.raises(ExpressionError) as info:
        parse(text)
    return info.value


@pytest.mark.parametrize("text", ["x^2", "x ^ y", "(x+1)^3"])
def test_a_caret_says_use_double_star(text):
    err = refused(text)
    assert "use ** for powers" in str(err) and err.column == text.index("^") + 1


@pytest.mark.parametrize(
    ("text", "column", "hint"),
    [("2x", 2, "write 2*x"), ("y + 23abc", 7, "write 23*abc"), ("3.5y", 4, "write 3.5*y"), ("1.5e3x", 6, "write 1.5e3*x"),
     ("2 x", 3, "write 2*x"), ("x y", 3, "write x*y"), ("(x+1) y", 7, "write (...)*y"), ("x + sin x", 9, "call it: sin(x)")],
)  # fmt: skip
def test_implied_multiplication_says_where_and_what_to_write(text, column, hint):
    err = refused(text)
    assert hint in str(err) and err.column == column and f"column {column}" in str(err)


@pytest.mark.parametrize("text", ["2(x+1)", "(x+1)(x-1)"])
def test_a_bracket_after_a_number_or_bracket_says_multiplication_is_never_implied(text):
    assert "multiplication is never implied" in str(refused(text))


def test_leaky_relu_with_and_without_its_slope_is_the_engines():
    for x in (-2.0, 3.0):
        for text, slope in (("leaky_relu(x)", 0.01), ("leaky_relu(x, 0.2)", 0.2)):
            v = Value(x, label="x")
            want = v.leaky_relu(slope)
            want.backward()
            value, g = grads(text, x=x)
            assert value == want.data and g["x"] == v.grad
    value, g = grads("leaky_relu(x, s)", x=-2.0, s=0.1)  # a slope that is a variable gets its gradient
    assert value == pytest.approx(-0.2) and g == {"x": 0.1, "s": -2.0}
    assert parse("leaky_relu(-2)").evaluate().data == pytest.approx(-0.02)
    assert "leaky_relu takes 1 or 2 arguments, got 3" in str(refused("leaky_relu(x, y, z)"))


def test_sum_and_mean_of_several_arguments():
    value, g = grads("sum(x, y, z)", x=1.0, y=2.0, z=4.0)
    assert value == 7.0 and g == {"x": 1.0, "y": 1.0, "z": 1.0}
    out = parse("sum(x, y, x)").evaluate({"x": Value(1.0, label="x"), "y": Value(2.0, label="y")})
    assert out.op == "sum" and len(out.parents) == 3  # one node, as autodiff.sum
    value, g = grads("mean(x, y, z, w)", x=1.0, y=2.0, z=3.0, w=6.0)
    assert value == 3.0 and g == {"x": 0.25, "y": 0.25, "z": 0.25, "w": 0.25}
    # seed 003: out = mean(3*(x_i+2)^2) over four x_i = 1 gives 27 and 4.5 each
    value, g = grads("mean(3*(a+2)**2, 3*(b+2)**2, 3*(c+2)**2, 3*(d+2)**2)", a=1.0, b=1.0, c=1.0, d=1.0)
    assert value == 27.0 and g == {"a": 4.5, "b": 4.5, "c": 4.5, "d": 4.5}
    assert parse("sum(1, 2, 3)").evaluate().data == 6.0 and parse("mean(2)").evaluate().data == 2.0
    assert "sum takes 1 or more arguments, got 0" in str(refused("sum()"))


def test_the_command_shows_the_hint_with_exit_2(capsys):
    from autodiff.cli.app import main

    assert main(["grad", "x^2", "x=3"]) == 2
    err = capsys.readouterr().err
    assert "use ** for powers" in err and "Traceback" not in err
    assert main(["grad", "mean(x, y)", "x=1", "y=3"]) == 0
    assert "value: 2" in capsys.readouterr().out


def test_the_api_leaky_relu_and_sum_are_reachable():
    assert autodiff.sum([Value(1.0), Value(2.0)]).data == 3.0
