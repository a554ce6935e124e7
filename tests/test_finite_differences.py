"""Every operation's gradient against central finite differences, at many points (hypothesis),
alone, with a plain number on either side, and inside random graphs with reuse and diamonds."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from programs import binary, central_difference, random_program, run_program, unary, value_of_program

import autodiff
from autodiff import Value


def fd_close(analytic: float, numeric: float, scale: float = 1.0) -> bool:
    """Central differences with h = 1e-6 are good to ~1e-8 relative; allow 1e-6."""
    return math.isclose(analytic, numeric, rel_tol=1e-6, abs_tol=1e-6 * max(1.0, scale))


def reals(lo: float, hi: float, avoid: float | None = None):
    s = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
    return s.filter(lambda x: abs(x - avoid) > 1e-3) if avoid is not None else s


UNARY_DOMAINS = {
    "neg": reals(-50, 50),
    "exp": reals(-20, 20),
    "log": reals(1e-2, 50),
    "sqrt": reals(1e-2, 50),
    "tanh": reals(-10, 10),
    "sigmoid": reals(-30, 30),
    "relu": reals(-20, 20, avoid=0.0),
    "leaky_relu": reals(-20, 20, avoid=0.0),
    "softplus": reals(-30, 30),
    "abs": reals(-20, 20, avoid=0.0),
    "sin": reals(-10, 10),
    "cos": reals(-10, 10),
}


@pytest.mark.parametrize("name", sorted(UNARY_DOMAINS))
def test_unary_against_finite_differences(name):
    @given(UNARY_DOMAINS[name])
    def check(x0):
        x = Value(x0)
        y = unary(name, x)
        y.backward()
        numeric = central_difference(lambda xs: unary(name, Value(xs[0])).data, [x0], 0)
        assert fd_close(x.grad, numeric, abs(y.data)), (name, x0, x.grad, numeric)

    check()


BINARY_DOMAINS = {
    "add": (reals(-50, 50), reals(-50, 50)),
    "sub": (reals(-50, 50), reals(-50, 50)),
    "mul": (reals(-20, 20), reals(-20, 20)),
    "div": (reals(-20, 20), reals(0.1, 20)),
    "pow": (reals(0.1, 5), reals(-3, 3)),
    "max": (reals(-20, 20), reals(-20, 20)),
    "min": (reals(-20, 20), reals(-20, 20)),
}


@pytest.mark.parametrize("form", ["value-value", "value-number", "number-value"])
@pytest.mark.parametrize("name", sorted(BINARY_DOMAINS))
def test_binary_against_finite_differences(name, form):
    sa, sb = BINARY_DOMAINS[name]

    @given(sa, sb)
    def check(a0, b0):
        if name in ("max", "min") and abs(a0 - b0) < 1e-3:
            return  # a kink: the finite difference straddles it
        if form == "value-value":
            a, b = Value(a0), Value(b0)
            out = binary(name, a, b)
            out.backward()
            f = lambda xs: binary(name, Value(xs[0]), Value(xs[1])).data
            assert fd_close(a.grad, central_difference(f, [a0, b0], 0), abs(out.data))
            assert fd_close(b.grad, central_difference(f, [a0, b0], 1), abs(out.data))
        elif form == "value-number":
            a = Value(a0)
            out = binary(name, a, b0)
            out.backward()
            assert out.parents == (a,), "a plain number must stay a number, not become a node"
            f = lambda xs: binary(name, Value(xs[0]), b0).data
            assert fd_close(a.grad, central_difference(f, [a0], 0), abs(out.data))
        else:
            b = Value(b0)
            out = binary(name, a0, b)
            out.backward()
            assert out.parents == (b,)
            f = lambda xs: binary(name, a0, Value(xs[0])).data
            assert fd_close(b.grad, central_difference(f, [b0], 0), abs(out.data))

    check()


def test_negative_base_integer_exponent():
    for a0 in (-3.0, -1.5, -0.5):
        for n in (2, 3, -1, -2):
            a = Value(a0)
            (a**n).backward()
            numeric = central_difference(lambda xs, n=n: (Value(xs[0]) ** n).data, [a0], 0)
            assert fd_close(a.grad, numeric, abs(a0**n))


@given(st.lists(reals(-5, 5), min_size=1, max_size=12), st.integers(0, 2**31))
def test_sum_and_dot_with_repeated_entries(xs0, seed):
    rng = random.Random(seed)
    leaves = [Value(x) for x in xs0]
    picks = [rng.randrange(len(leaves)) for _ in range(len(leaves) + 3)]  # repeats on purpose
    ws = [leaves[i] for i in picks]
    xs = [leaves[rng.randrange(len(leaves))] if rng.random() < 0.5 else rng.uniform(-2, 2) for _ in picks]
    out = autodiff.dot(ws, xs) + autodiff.sum(ws) * 0.5
    out.backward()

    def f(vals):
        ls = [Value(v) for v in vals]
        w2 = [ls[i] for i in picks]
        x2 = [ls[leaves.index(x)] if isinstance(x, Value) else x for x in xs]
        return (autodiff.dot(w2, x2) + autodiff.sum(w2) * 0.5).data

    for i, leaf in enumerate(leaves):
        assert fd_close(leaf.grad, central_difference(f, xs0, i), abs(out.data))


@given(st.integers(0, 2**32 - 1), st.integers(1, 4), st.integers(1, 14))
def test_random_graphs_with_reuse(seed, n_leaves, n_steps):
    rng = random.Random(seed)
    xs = [rng.uniform(-2, 2) for _ in range(n_leaves)]
    steps = random_program(rng, n_leaves, n_steps, smooth=True)
    leaves = [Value(x) for x in xs]
    out, _ = run_program(steps, leaves)
    out.backward()
    f = lambda vals: value_of_program(steps, vals)
    for i, leaf in enumerate(leaves):
        assert fd_close(leaf.grad, central_difference(f, xs, i), abs(out.data)), (steps, i)


@pytest.mark.parametrize(
    "build, expected",
    [
        (lambda x: x * x, lambda x: 2 * x),  # reuse: d(x²)/dx = 2x
        (lambda x: x + x, lambda x: 2.0),
        (lambda x: (x * 2.0) * (x + 3.0), lambda x: 4 * x + 6),  # diamond
        (lambda x: ((x * x) * x).tanh() + x * x, lambda x: (1 - math.tanh(x**3) ** 2) * 3 * x**2 + 2 * x),
    ],
    ids=["x*x", "x+x", "diamond", "nested reuse"],
)
def test_reuse_and_diamonds_sum_over_paths(build, expected):
    for x0 in (-1.3, 0.4, 2.0):
        x = Value(x0)
        build(x).backward()
        assert math.isclose(x.grad, expected(x0), rel_tol=1e-12, abs_tol=1e-12)
        numeric = central_difference(lambda xs: build(Value(xs[0])).data, [x0], 0)
        assert fd_close(x.grad, numeric, abs(build(Value(x0)).data))
