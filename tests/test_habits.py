"""The habits people bring from PyTorch and from plain Python: ``math.exp(x)`` and ``float(x)``
refuse a Value (they would cut the graph), ``x.item()`` and ``f"{x:.3f}"`` give its number, and the
operations are functions too (``autodiff.exp(x)``, as ``torch.exp``). Gradients are checked by
central differences."""

from __future__ import annotations

import math

import pytest

import autodiff
from autodiff import Value
from autodiff.rules import RULES
from autodiff.verify.expressions import FUNCTIONS, parse


def _network(d0: float, exp):
    """(a·b + c).tanh() / (1 + exp(−d)) at a = 0.5, b = −1.5, c = 0.25 and d = d0, with ``exp``."""
    a, b, c, d = Value(0.5), Value(-1.5), Value(0.25), Value(d0)
    out = (a * b + c).tanh() / (1 + exp(-d))
    return out, d


def _plain(d: float) -> float:
    return math.tanh(0.5 * -1.5 + 0.25) / (1 + math.exp(-d))


def test_math_exp_on_a_value_refuses_instead_of_cutting_the_graph():
    with pytest.raises(TypeError) as err:
        _network(0.3, math.exp)
    text = str(err.value)
    assert "x.exp()" in text and "autodiff.exp(x)" in text and "x.item()" in text and "cut the graph" in text


def _percent(v) -> str:
    return "%.3f" % v  # noqa: UP031 - the habit under test


@pytest.mark.parametrize(
    "convert",
    [float, int, round, complex, math.exp, math.floor, math.sqrt, _percent, lambda v: [0, 1][v]],
    ids=["float", "int", "round", "complex", "math.exp", "math.floor", "math.sqrt", "percent-format", "index"],
)
def test_every_silent_conversion_gives_the_same_message(convert):
    with pytest.raises(TypeError) as err:
        convert(Value(1.0))
    assert "x.item()" in str(err.value) and "autodiff.exp(x)" in str(err.value)


def test_the_function_form_keeps_the_graph_and_its_gradient_is_the_finite_difference():
    out, d = _network(0.3, autodiff.exp)
    out.backward()
    h = 1e-6
    numeric = (_plain(0.3 + h) - _plain(0.3 - h)) / (2 * h)
    assert out.data == pytest.approx(_plain(0.3), rel=1e-15)
    assert d.grad != 0.0 and d.grad == pytest.approx(numeric, rel=1e-8)


def test_item_and_format_give_the_number():
    x = Value(2.0 / 3.0, label="x")
    assert x.item() == x.data and type(x.item()) is float
    assert f"{x:.3f}" == "0.667" and f"{x:>8.2e}" == format(2.0 / 3.0, ">8.2e")
    assert f"{x}" == str(x) == repr(x)  # no format spec: as print shows it


def test_every_function_of_the_expression_language_is_a_function_of_autodiff():
    for name in FUNCTIONS:
        assert callable(getattr(autodiff, name, None)), name
        assert getattr(autodiff, name) is getattr(autodiff.functions, name), name


def _unary_methods() -> list[str]:
    return [op for op in RULES if callable(getattr(Value, op, None)) and not op.startswith("_")]


@pytest.mark.parametrize("name", _unary_methods())
def test_each_function_is_its_method_and_agrees_with_finite_differences(name):
    x0 = 0.7
    args = (0.2,) if name == "leaky_relu" else ()
    x, y = Value(x0), Value(x0)
    f = getattr(autodiff, name)(x, *args)
    m = getattr(y, name)(*args)
    assert (f.data, f.op, f.local_grads) == (m.data, m.op, m.local_grads)
    f.backward()
    h = 1e-6

    def number(t):
        return getattr(Value(t), name)(*args).data

    assert x.grad == pytest.approx((number(x0 + h) - number(x0 - h)) / (2 * h), rel=1e-7)
    if name in FUNCTIONS:  # the language's function of the same name gives the same number
        assert parse(f"{name}(x)").evaluate({"x": x0}).data == f.data


def test_on_a_plain_number_the_function_gives_a_constant_and_refuses_other_types():
    e = autodiff.exp(1.0)
    assert isinstance(e, Value) and e.is_leaf and e.data == math.e
    slope = Value(0.2)
    y = autodiff.leaky_relu(-2.0, slope)  # the slope is a Value: the graph is kept
    y.backward()
    assert y.data == pytest.approx(-0.4) and slope.grad == -2.0
    with pytest.raises(TypeError, match="exp needs Values or numbers, got str"):
        autodiff.exp("2")
    with pytest.raises(ValueError, match="log needs x > 0"):
        autodiff.log(0.0)


def test_mean_is_the_sum_over_n():
    xs = [Value(1.0), Value(2.0), 6.0]
    m = autodiff.mean(xs)
    m.backward()
    assert m.data == 3.0 and [x.grad for x in xs[:2]] == [1 / 3, 1 / 3]
    assert m.data == parse("mean(a, b, c)").evaluate({"a": 1.0, "b": 2.0, "c": 6.0}).data
    with pytest.raises(ValueError, match="mean of no values"):
        autodiff.mean([])


def test_names_that_shadow_builtins_stay_out_of_star_imports():
    import builtins

    new = set(autodiff.functions.METHOD_FUNCTIONS) | {"mean"}
    for name in new:
        assert (name in autodiff.__all__) != hasattr(builtins, name), name
    assert "abs" not in autodiff.__all__ and autodiff.abs(Value(-2.0)).data == 2.0


def test_a_loss_history_of_values_plots_as_numbers():
    import matplotlib

    matplotlib.use("Agg")
    from nn.plots import plot_loss

    history = [Value(1.0), Value(0.5), Value(0.25)]
    ax = plot_loss(history)
    assert list(ax.lines[0].get_ydata()) == [1.0, 0.5, 0.25]


def test_paths_shows_its_table_at_the_prompt_and_counts_in_the_singular():
    x = Value(2.0, label="x")
    f = x * 3.0
    report = autodiff.paths(f, x)
    shown = repr(report)
    assert shown == str(report) and "object at 0x" not in shown
    assert shown.splitlines()[0].endswith(": 1 path from x to v1") and "3 = 3" in shown
    assert "1 path)" in repr(autodiff.derivation(f, x)) and "1 paths" not in repr(autodiff.derivation(f, x))
    assert repr(autodiff.trace_backward(f)).endswith(": 1 step>")
    g = x * x
    assert ": 2 paths from x" in repr(autodiff.paths(g, x)) and autodiff.paths(g, x).total == 4.0  # d(x²)/dx = 2x
