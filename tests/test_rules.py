"""The rule table is the one authority on derivatives: every node records exactly what its row
says (the gates written out in the engine for speed included), and the rules evaluate on Values
too, which is what higher-order gradients will reuse."""

from __future__ import annotations

import random

import pytest

import autodiff
from autodiff import RULES, Value
from autodiff.rules import Binary, Nary, Unary

UNARY_CALLS = {
    "step": lambda x: x.apply("step"), "sign": lambda x: x.apply("sign"),
    "neg": lambda x: -x, "exp": Value.exp, "log": Value.log, "sqrt": Value.sqrt, "tanh": Value.tanh,
    "sigmoid": Value.sigmoid, "relu": Value.relu, "softplus": Value.softplus, "abs": abs,
    "sin": Value.sin, "cos": Value.cos,
}
BINARY_CALLS = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "pow": lambda a, b: a**b, "max": autodiff.max, "min": autodiff.min,
    "leaky_relu": lambda a, b: a.leaky_relu(b),
    "above": lambda a, b: a.apply("above", b), "below": lambda a, b: a.apply("below", b),
}
POINTS = [0.3, 1.7, 2.0, 0.05] + [random.Random(7).uniform(0.1, 3) for _ in range(20)]


def test_table_covers_every_operation():
    assert set(RULES) == set(UNARY_CALLS) | set(BINARY_CALLS) | {"sum", "dot"}
    for name, rule in RULES.items():
        assert isinstance(rule, (Unary, Binary, Nary)) and rule.maths and rule.symbol, name


@pytest.mark.parametrize("name", sorted(UNARY_CALLS))
def test_unary_nodes_record_their_table_row(name):
    rule = RULES[name]
    for x0 in POINTS + [-p for p in POINTS if name not in ("log", "sqrt")]:
        y = UNARY_CALLS[name](Value(x0))
        assert y.op == name
        assert y.data == rule.forward(x0)
        assert y.local_grads == (rule.local(x0, y.data),)


@pytest.mark.parametrize("name", sorted(BINARY_CALLS))
def test_binary_nodes_record_their_table_row(name):
    rule = RULES[name]
    rng = random.Random(name)
    for _ in range(40):
        a0, b0 = rng.uniform(0.1, 3), rng.uniform(-2, 2)
        if name == "pow":
            b0 = abs(b0)
        a, b = Value(a0), Value(b0)
        out = BINARY_CALLS[name](a, b) if name != "leaky_relu" else a.leaky_relu(b0)
        assert out.data == rule.forward(a0, b0)
        if name == "leaky_relu":
            assert out.local_grads == (rule.local_a(a0, b0, out.data),) and out.constant == b0
            continue
        assert out.op == name
        assert out.local_grads == (rule.local_a(a0, b0, out.data), rule.local_b(a0, b0, out.data))
        with_number = BINARY_CALLS[name](a, b0)  # a plain number on the right
        assert with_number.local_grads == (rule.local_a(a0, b0, out.data),) and with_number.constant == b0


@pytest.mark.parametrize("name, op", [("sub", "rsub"), ("div", "rdiv"), ("pow", "rpow")])
def test_reflected_operations_use_the_same_row(name, op):
    rule = RULES[name]
    for c, x0 in [(2.0, 0.5), (3.5, 1.25), (0.7, 2.0)]:
        x = Value(x0)
        node = BINARY_CALLS[name](c, x)
        assert node.op == op and node.constant == c and node.parents == (x,)
        assert node.local_grads == (rule.local_b(c, x0, node.data),)


def test_rules_evaluate_on_values_for_higher_order():
    """Evaluating a row's local derivative on Values gives a Value (a graph), equal to the float
    rule: d/dx tanh x = 1 − tanh²x, and its own derivative by backward is −2 tanh x (1 − tanh²x)."""
    x = Value(0.8)
    out = x.tanh()
    local = RULES["tanh"].local(x, out)
    assert isinstance(local, Value) and local.data == RULES["tanh"].local(0.8, out.data)
    local.backward()
    t = out.data
    assert abs(x.grad - (-2 * t * (1 - t * t))) < 1e-15
    for name in ("exp", "log", "sqrt", "sigmoid", "softplus", "sin", "cos"):
        v = Value(0.6)
        o = UNARY_CALLS[name](v)
        assert RULES[name].local(v, o).data == pytest.approx(RULES[name].local(0.6, o.data), rel=1e-15), name
    a, b = Value(1.5), Value(0.5)
    o = a**b
    assert RULES["pow"].local_b(a, b, o).data == pytest.approx(RULES["pow"].local_b(1.5, 0.5, o.data), rel=1e-15)


def test_dot_records_each_parents_partner_for_higher_order():
    w, x = Value(2.0), Value(3.0)
    d = autodiff.dot([w, x, w], [x, 4.0, 5.0])
    assert d.parents == (w, x, w, x) and d.local_grads == (3.0, 4.0, 5.0, 2.0)  # ws's Values, then xs's
    assert d.partners == (x, 4.0, 5.0, w)  # each local derivative as the Value (or number) it came from
    assert d.operands == (w, x, x, 4.0, w, 5.0)  # w₀, x₀, w₁, x₁, w₂, x₂: what the forward multiplied
    assert [p.data if isinstance(p, Value) else p for p in d.partners] == list(d.local_grads)


# ---- the paths engine.py writes out: each must record exactly what its row says -------------------
@pytest.mark.parametrize("b", [2, 3, -1, 0, 1, -3, 0.5, -0.5, 0.0, -0.0, 2.5, 1e-3])
def test_written_out_pow_with_a_number_exponent_agrees_with_its_row(b):
    rule = RULES["pow"]
    for a0 in [0.3, 1.0, 1.7, 2.0, 1e-5, 123.0, 4.9e-324]:
        bf = float(b)
        try:
            rule.local_a(a0, bf, rule.forward(a0, bf))
        except OverflowError:  # a⁻¹ of the smallest subnormal: both paths raise alike
            with pytest.raises(OverflowError):
                Value(a0) ** b
            continue
        node = Value(a0) ** b
        assert node.op == "pow" and node.constant == bf and type(node.constant) is float
        assert node.data == rule.forward(a0, bf)
        assert node.local_grads == (rule.local_a(a0, bf, node.data),)


def test_pow_outside_the_written_out_path_still_follows_its_row_and_its_checks():
    rule = RULES["pow"]
    for a0, b in [(-2.0, 3), (-1.5, 2.0), (0.0, 2), (0.0, 0.5), (0.0, 0)]:
        node = Value(a0) ** b
        assert node.data == rule.forward(a0, float(b)) and node.local_grads == (rule.local_a(a0, float(b), node.data),)
    with pytest.raises(ValueError, match="int too large"):
        Value(2.0) ** 10**400
    with pytest.raises(OverflowError, match="pow overflow"):
        Value(1e200) ** 2
    with pytest.raises(ZeroDivisionError, match="negative power"):
        Value(0.0) ** -1
    with pytest.raises(ValueError, match="integer exponent"):
        Value(-2.0) ** 0.5
    with pytest.raises(TypeError):
        Value(2.0) ** True  # a bool is not a number operand, as for every other operation
    x = Value(1.0)
    x.data = float("inf")
    with pytest.raises(ValueError, match="operand 1 is inf"):
        x**2


@pytest.mark.parametrize("name", ["exp", "log", "tanh"])
def test_written_out_unary_operations_agree_with_their_rows_far_out(name):
    rule = RULES[name]
    points = [1e-300, 5e-324, 0.5, 20.0, 700.0, 709.78, 1e300] + ([] if name == "log" else [-745.0, -1e300, -20.0])
    for x0 in points:
        if name == "exp" and x0 > 709.79:
            continue
        y = UNARY_CALLS[name](Value(x0))
        assert y.op == name and y.data == rule.forward(x0) and y.local_grads == (rule.local(x0, y.data),)


def test_written_out_sub_agrees_with_its_row_and_names_its_overflow():
    rule = RULES["sub"]
    a, b = Value(0.25), Value(-3.5)
    for node, y in [(a - b, b), (a - 2.0, None), (a - 7, None)]:
        bd = b.data if y is not None else node.constant
        assert node.op == "sub" and node.data == rule.forward(0.25, bd)
        assert node.local_grads == ((1.0, -1.0) if y is not None else (1.0,)) and node.parents[1:] == ((b,) if y else ())
    assert (a - 7).constant == 7.0 and type((a - 7).constant) is float
    with pytest.raises(OverflowError, match=r"sub overflow: 1\.7e\+308 − -1\.7e\+308"):
        Value(1.7e308) - Value(-1.7e308)


def test_written_out_div_agrees_with_its_row_and_keeps_its_checks():
    rule = RULES["div"]
    for a0, b0 in [(0.25, -3.5), (1.0, 3.0), (-7.5, 1e-300), (5e-324, 2.0), (1e300, 1e-5)]:
        a, b = Value(a0), Value(b0)
        for node, other in [(a / b, b), (a / b0, None)]:
            assert node.op == "div" and node.data == rule.forward(a0, b0)
            local_b = (rule.local_b(a0, b0, node.data),) if other is not None else ()
            assert node.local_grads == (rule.local_a(a0, b0, node.data), *local_b)
            assert node.parents == ((a, b) if other is not None else (a,))
    assert (Value(1.0) / 4).constant == 4.0 and type((Value(1.0) / 4).constant) is float
    with pytest.raises(OverflowError, match="div overflow"):
        Value(1e308) / Value(1e-10)
    for zero in (0.0, Value(0.0), 0):
        with pytest.raises(ZeroDivisionError, match="division by zero"):
            Value(1.0) / zero
    with pytest.raises(ValueError, match="finite"):
        Value(1.0) / float("nan")
    x = Value(1.0)
    x.data = float("inf")
    with pytest.raises(ValueError, match="operand 1 is inf"):
        x / 2.0


def test_one_input_methods_made_from_their_rows_look_like_methods():
    for name in ("sigmoid", "softplus", "abs", "sin", "cos"):
        method = getattr(Value, name)
        assert method.__name__ == name and method.__qualname__ == f"Value.{name}" and "d/dx" in method.__doc__
    assert Value.__abs__ is Value.abs
