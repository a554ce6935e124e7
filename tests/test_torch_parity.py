"""Every operation against PyTorch float64 (values and gradients to 1e-10), alone, with plain
numbers on either side, at PyTorch's conventions for kinks and ties, and in random graphs.
Skipped when torch is not installed (CI installs the CPU build)."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from programs import binary, random_program, run_program, unary

from autodiff import Value

torch = pytest.importorskip("torch")


def leaf(x: float):
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


def same(ours: float, theirs) -> bool:
    t = float(theirs)
    if math.isinf(t) or math.isinf(ours):
        return ours == t
    return math.isclose(ours, t, rel_tol=1e-10, abs_tol=1e-10)


DOMAINS = {
    "neg": (-50, 50), "exp": (-30, 30), "log": (1e-3, 100), "sqrt": (1e-3, 100), "tanh": (-20, 20),
    "sigmoid": (-40, 40), "relu": (-20, 20), "leaky_relu": (-20, 20), "softplus": (-40, 40),
    "abs": (-20, 20), "sin": (-20, 20), "cos": (-20, 20),
}


@pytest.mark.parametrize("name", sorted(DOMAINS))
def test_unary_matches_torch(name):
    @settings(max_examples=60)
    @given(st.floats(*DOMAINS[name], allow_nan=False))
    def check(x0):
        x, t = Value(x0), leaf(x0)
        y, ty = unary(name, x), unary(name, t)
        y.backward()
        ty.backward()
        assert same(y.data, ty.item()) and same(x.grad, t.grad.item()), (name, x0, y.data, ty.item(), x.grad, t.grad)

    check()


BINARY = {"add": (-50, 50, -50, 50), "sub": (-50, 50, -50, 50), "mul": (-20, 20, -20, 20),
          "div": (-20, 20, 0.1, 20), "pow": (0.1, 5, -3, 3), "max": (-5, 5, -5, 5), "min": (-5, 5, -5, 5)}


@pytest.mark.parametrize("form", ["value-value", "value-number", "number-value"])
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_matches_torch(name, form):
    lo_a, hi_a, lo_b, hi_b = BINARY[name]

    @settings(max_examples=40)
    @given(st.floats(lo_a, hi_a, allow_nan=False), st.floats(lo_b, hi_b, allow_nan=False))
    def check(a0, b0):
        a, b, ta, tb = Value(a0), Value(b0), leaf(a0), leaf(b0)
        if form == "value-value":
            out, tout = binary(name, a, b), binary(name, ta, tb)
        elif form == "value-number":
            out, tout = binary(name, a, b0), binary(name, ta, b0)
        else:
            out, tout = binary(name, a0, b), binary(name, a0, tb)
        out.backward()
        tout.backward()
        assert same(out.data, tout.item())
        if form != "number-value":
            assert same(a.grad, ta.grad.item()), (name, form, a0, b0, a.grad, ta.grad)
        if form != "value-number":
            assert same(b.grad, tb.grad.item()), (name, form, a0, b0, b.grad, tb.grad)

    check()


@pytest.mark.parametrize(
    "name, x0",
    [("relu", 0.0), ("abs", 0.0), ("leaky_relu", 0.0), ("sqrt", 0.0), ("sigmoid", 1000.0), ("sigmoid", -1000.0),
     ("tanh", 1000.0), ("relu", -0.0)],
)
def test_kinks_and_extremes_follow_torch(name, x0):
    x, t = Value(x0), leaf(x0)
    y, ty = unary(name, x), unary(name, t)
    y.backward()
    ty.backward()
    assert same(y.data, ty.item()) and same(x.grad, t.grad.item()), (name, x.grad, t.grad)


@pytest.mark.parametrize("name", ["max", "min"])
def test_ties_split_like_torch(name):
    a, b, ta, tb = Value(1.5), Value(1.5), leaf(1.5), leaf(1.5)
    binary(name, a, b).backward()
    binary(name, ta, tb).backward()
    assert (a.grad, b.grad) == (ta.grad.item(), tb.grad.item()) == (0.5, 0.5)


def test_power_edge_cases_follow_torch():
    for a0, b0 in [(0.0, 2.0), (0.0, 0.5), (-2.0, 3.0), (2.0, 0.0), (0.0, 0.0)]:
        a, ta = Value(a0), leaf(a0)
        (a**b0).backward()
        (ta**b0).backward()
        assert same(a.grad, ta.grad.item()), (a0, b0, a.grad, ta.grad)
    a, b, ta, tb = Value(0.0), Value(2.0), leaf(0.0), leaf(2.0)
    (a**b).backward()
    (ta**tb).backward()
    assert same(b.grad, tb.grad.item()) and same(a.grad, ta.grad.item())


@settings(max_examples=120)
@given(st.integers(0, 2**32 - 1), st.integers(1, 4), st.integers(1, 20))
def test_random_composed_graphs_match_torch(seed, n_leaves, n_steps):
    rng = random.Random(seed)
    xs = [rng.uniform(-2, 2) for _ in range(n_leaves)]
    steps = random_program(rng, n_leaves, n_steps, smooth=False)
    leaves, tleaves = [Value(x) for x in xs], [leaf(x) for x in xs]
    out, _ = run_program(steps, leaves)
    tout, _ = run_program(steps, tleaves)
    out.backward()
    tout.backward()
    assert same(out.data, tout.item())
    for v, t in zip(leaves, tleaves):
        tg = 0.0 if t.grad is None else t.grad.item()
        assert same(v.grad, tg), (steps, v.grad, tg)


@settings(max_examples=60)
@given(st.lists(st.floats(-3, 3, allow_nan=False), min_size=1, max_size=10), st.integers(0, 2**32 - 1))
def test_dot_and_sum_match_torch(values, seed):
    """One n-ary node against torch's dot of the same entries, with reuse and plain numbers."""
    import autodiff

    rng = random.Random(seed)
    n = len(values)
    leaves, tleaves = [Value(v) for v in values], [leaf(v) for v in values]
    pick = [rng.randrange(n) for _ in range(n + 2)]  # entries repeat on purpose
    plain = [rng.random() < 0.3 for _ in pick]
    consts = [rng.uniform(-2, 2) for _ in pick]
    ws = [leaves[i] for i in pick]
    xs = [c if p else leaves[(i + 1) % n] for i, p, c in zip(pick, plain, consts)]
    out = autodiff.dot(ws, xs) + autodiff.sum(ws)
    tws = torch.stack([tleaves[i] for i in pick])
    txs = torch.stack([torch.tensor(c, dtype=torch.float64) if p else tleaves[(i + 1) % n]
                       for i, p, c in zip(pick, plain, consts)])
    tout = torch.dot(tws, txs) + tws.sum()
    out.backward()
    tout.backward()
    assert same(out.data, tout.item())
    for v, t in zip(leaves, tleaves):
        assert same(v.grad, 0.0 if t.grad is None else t.grad.item())
