"""autodiff.compile: replays equal the eager engine (values and gradients to 1e-12) on random graphs
of every operation, with reuse, diamonds and relu/abs/max kinks that switch sides between recording
and replay; params are read live; several outputs take seeds."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from programs import random_program, run_program

import autodiff
from autodiff import Value
from autodiff.custom import BUILT_IN
from autodiff.replay.codegen import number
from autodiff.rules import RULES, Binary, Nary


def close(a: float, b: float, tol: float = 1e-12) -> bool:
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol) or (math.isnan(a) and math.isnan(b))


def eager(steps, xs: list[float]):
    """Value and leaf gradients of a program, run by the engine at xs."""
    leaves = [Value(x) for x in xs]
    out, _ = run_program(steps, leaves)
    out.backward()
    return out.data, [v.grad for v in leaves]


def draw_inputs(rng: random.Random, n: int) -> list[float]:
    return [round(rng.uniform(-2, 2), 3) for _ in range(n)]


@given(st.integers(0, 10**9))
def test_random_graphs_replay_like_the_engine(seed):
    rng = random.Random(seed)
    n = rng.randint(1, 4)
    steps = random_program(rng, n, rng.randint(1, 14), smooth=False)
    leaves = [Value(x) for x in draw_inputs(rng, n)]
    out, _ = run_program(steps, leaves)
    step = autodiff.compile(out, inputs=leaves)
    for _ in range(3):  # new numbers: relu, abs, max, min, leaky_relu may take the other side now
        xs = draw_inputs(rng, n)
        try:
            want, want_grads = eager(steps, xs)
        except (ArithmeticError, ValueError):
            with pytest.raises((ArithmeticError, ValueError)):
                step.gradients(xs)
            continue
        got = step.gradients(xs)
        assert close(got.value, want)
        assert all(close(g, w) for g, w in zip(got.inputs, want_grads)), (got.inputs, want_grads)


@given(st.integers(0, 10**9))
def test_params_are_read_live_and_their_grads_accumulate(seed):
    """Half the leaves as inputs, the others params: a param's new data is used, __call__ adds to
    its .grad exactly as backward() does."""
    rng = random.Random(seed)
    n = rng.randint(2, 4)
    steps = random_program(rng, n, rng.randint(1, 10), smooth=True)
    leaves = [Value(x) for x in draw_inputs(rng, n)]
    out, _ = run_program(steps, leaves)
    k = n // 2
    step = autodiff.compile(out, inputs=leaves[:k], params=leaves[k:])
    xs = draw_inputs(rng, n)
    for p, x in zip(leaves[k:], xs[k:]):
        p.data, p.grad = x, 0.25
    want, want_grads = eager(steps, xs)
    assert close(step(xs[:k]), want)
    assert all(close(p.grad, 0.25 + w) for p, w in zip(leaves[k:], want_grads[k:]))


X_AT = [-1.5, -0.5, 0.0, 0.5, 1.5]


@pytest.mark.parametrize("op", sorted(op for op in BUILT_IN if not isinstance(RULES[op], Nary)))
def test_every_operation_agrees_with_the_engine(op):
    """Each op, both operands Values and with a number on either side, at points on both sides of
    every kink and on the ties (max/min: ½ each), recorded at one point and replayed at the others;
    the kinks' own rows (step, sign, above, below) made with ``Value.apply``."""
    makers = {
        "add": [lambda x, y: x + y, lambda x, y: x + 1.5, lambda x, y: 1.5 + x],
        "sub": [lambda x, y: x - y, lambda x, y: x - 1.5, lambda x, y: 1.5 - x],
        "mul": [lambda x, y: x * y, lambda x, y: x * -2.0],
        "div": [lambda x, y: x / (y * y + 1.0), lambda x, y: x / 3.0, lambda x, y: 2.0 / (x * x + 1.0)],
        "pow": [lambda x, y: (x * x + 1.0) ** y, lambda x, y: x**2, lambda x, y: x**3, lambda x, y: x**-2.0,
                lambda x, y: (x * x) ** 0.5, lambda x, y: (x * x + 1) ** -0.5, lambda x, y: x**0,
                lambda x, y: 2.0**x, lambda x, y: 0.0**(x * x)],
        "max": [lambda x, y: autodiff.max(x, y), lambda x, y: autodiff.max(x, 0.5), lambda x, y: autodiff.max(0.5, x)],
        "min": [lambda x, y: autodiff.min(x, y), lambda x, y: autodiff.min(x, -0.5)],
        "leaky_relu": [lambda x, y: x.leaky_relu(0.1), lambda x, y: x.leaky_relu()],
        "log": [lambda x, y: (x * x + 0.5).log()],
        "sqrt": [lambda x, y: (x * x).sqrt()],
    }.get(op, [lambda x, y, op=op: x.apply(op, y), lambda x, y, op=op: x.apply(op, 0.5)] if isinstance(RULES[op], Binary)
           else [lambda x, y, op=op: x.apply(op)])  # fmt: skip
    for make in makers:
        x, y = Value(1.5), Value(0.5)
        step = autodiff.compile(make(x, y), inputs=[x, y])
        assert op in {e.rule for e in step._tape.entries}
        for a in X_AT:
            for b in X_AT:
                ex, ey = Value(a), Value(b)
                try:
                    out = make(ex, ey)
                except (ArithmeticError, ValueError):
                    continue
                out.backward()
                got = step.gradients([a, b])
                assert close(got.value, out.data), (op, a, b)
                assert close(got.inputs[0], ex.grad) and close(got.inputs[1], ey.grad), (op, a, b, got, ex.grad)


def test_dot_and_sum_with_numbers_mixed_in():
    """dot of Values and numbers (the number products and a plain bias folded into the total), a
    Value paired with itself and listed twice; sum with numbers between the Values."""
    def f(a, b, c):
        d = autodiff.dot([a, 2.0, b, a], [b, 3.0, b, 0.5], bias=c)
        e = autodiff.dot([a, b], [a, 1.25], bias=0.75)
        return autodiff.sum([d, 1.5, e, a, -2.0, a]) * d

    step = autodiff.compile(f, 0.3, -0.7, 1.1)
    for args in ([0.3, -0.7, 1.1], [2.0, 1.5, -0.25], [-1.0, 0.0, 3.0]):
        vs = [Value(v) for v in args]
        out = f(*vs)
        out.backward()
        got = step.gradients(*args)
        assert close(got.value, out.data)
        assert all(close(g, v.grad) for g, v in zip(got.inputs, vs))


def test_a_function_of_nested_arguments_and_several_outputs():
    """compile(fn, rows, weights): two arguments of their own shapes; forward gives every output,
    backward(seeds) adds seeds · Jacobian to the params, as (Σ seedᵢ·outᵢ).backward() does."""
    w = [Value(0.5), Value(-1.25)]
    b = Value(0.1)

    def model(rows, scale):
        return [(autodiff.dot(w, row, bias=b) * scale).tanh() for row in rows]

    step = autodiff.compile(model, [[1.0, 2.0], [3.0, -1.0], [0.0, 0.5]], 2.0)
    assert step.params == [*w, b] or set(map(id, step.params)) == {id(w[0]), id(w[1]), id(b)}
    rows, scale, seeds = [[0.3, -0.2], [1.0, 1.0], [-2.0, 0.1]], 0.7, [1.0, -0.5, 2.0]
    outs = step.forward(rows, scale)
    gx = step.backward(seeds)
    got = {id(p): p.grad for p in step.params}
    for p in step.params:
        p.grad = 0.0
    leaves = [[Value(v) for v in row] for row in rows]
    s = Value(scale)
    eager_outs = model(leaves, s)
    autodiff.sum([o * k for o, k in zip(eager_outs, seeds)]).backward()
    assert all(close(o, e.data) for o, e in zip(outs, eager_outs))
    assert all(close(got[id(p)], p.grad) for p in step.params)
    flat = [v for row in leaves for v in row] + [s]
    assert all(close(g, v.grad) for g, v in zip(gx, flat))


def test_the_same_node_twice_and_an_output_feeding_another():
    x = Value(0.4)
    y = x * x
    z = y.exp() + y
    step = autodiff.compile([y, z, y], inputs=[x])
    step.forward([1.3])
    (gx,) = step.backward([2.0, 0.5, -1.0])
    e = Value(1.3)
    ey = e * e
    ez = ey.exp() + ey
    (2.0 * ey + 0.5 * ez - ey).backward()
    assert close(gx, e.grad)


def test_a_leaf_as_its_own_output_and_an_unused_input():
    x, unused = Value(2.0), Value(5.0)
    step = autodiff.compile(x, inputs=[x, unused])
    assert step.gradients([3.0, 1.0]) == (3.0, [1.0, 0.0], [])


@pytest.mark.parametrize("x", [0.0, -0.0, 1e-300, -1e300, 5e-324, math.inf, -math.inf, 1 / 3, -2.5])
def test_numbers_are_written_so_that_they_read_back_exactly(x):
    text = number(x)
    got = eval(text, {"_inf": math.inf, "_nan": math.nan})
    assert got == x and math.copysign(1.0, got) == math.copysign(1.0, x)
    assert math.isnan(eval(number(math.nan), {"_nan": math.nan}))


def test_a_relu_network_kink_switches_sides():
    """relu(w·x) recorded where it is active, replayed where it is not, and back."""
    w = Value(1.0)
    step = autodiff.compile(lambda x: (w * x).relu() * 3.0, 2.0)
    assert step.gradients(2.0).params == [6.0]
    assert step.gradients(-2.0) == (0.0, [0.0], [0.0])
    assert step.gradients(0.0).params == [0.0]  # relu'(0) = 0, as the engine
    assert step.gradients(0.5) == (1.5, [3.0], [1.5])
