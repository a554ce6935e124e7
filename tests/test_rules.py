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
    "neg": lambda x: -x, "exp": Value.exp, "log": Value.log, "sqrt": Value.sqrt, "tanh": Value.tanh,
    "sigmoid": Value.sigmoid, "relu": Value.relu, "softplus": Value.softplus, "abs": abs,
    "sin": Value.sin, "cos": Value.cos,
}
BINARY_CALLS = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "pow": lambda a, b: a**b, "max": autodiff.max, "min": autodiff.min,
    "leaky_relu": lambda a, b: a.leaky_relu(b),
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
    assert d._da == (x, 4.0, 5.0, w)  # each local derivative as the Value (or number) it came from
    assert [p.data if isinstance(p, Value) else p for p in d._da] == list(d.local_grads)
