"""Step-by-step traces: the steps of (x + y)·z and of the sigmoid gate against the documents'
numbers and the hand derivation, bitwise the gradients of a fresh ``backward()`` (and no ``.grad``
touched), contributions summing to each gradient on graphs with reuse, the tables; and ``paths``."""

from __future__ import annotations

import math
import random
import time

import pytest
from graphs import add_mul

import autodiff
from autodiff import PathLimitError, Value
from autodiff.cli.examples import reference
from autodiff.viz.gradient_paths import count_paths

# The documents' numbers: the project's copy, which tests/test_worked_examples.py checks against ../shared/.
EXAMPLES = reference()["examples"]


def close(a: float, b: float, rtol: float = 1e-12) -> bool:
    return math.isclose(a, b, rel_tol=rtol, abs_tol=1e-300)


def contributions(step) -> list[tuple]:
    return [(c.parent, c.local, c.contribution, c.before, c.after) for c in step.contributions]


# ---- the documents' examples ------------------------------------------------------------------------------
def test_trace_of_add_mul_matches_the_document_step_by_step():
    ref = EXAMPLES["cs231n_add_mul"]
    x, y, z, q, f = add_mul()
    g = ref["expected_grads"]
    trace = autodiff.trace_backward(f)
    assert [s.node for s in trace] == [f, q], "leaves make no step; the output first"
    first, second = trace
    assert first.index == 1 and first.upstream == 1.0
    # multiply swaps: ∂f/∂q = z, ∂f/∂z = q
    assert contributions(first) == [(q, z.data, g["q"], 0.0, g["q"]), (z, q.data, g["z"], 0.0, g["z"])]
    # add distributes: q's upstream goes to x and y unchanged
    assert second.upstream == g["q"]
    assert contributions(second) == [(x, 1.0, g["x"], 0.0, g["x"]), (y, 1.0, g["y"], 0.0, g["y"])]
    assert [trace.grads[v] for v in (x, y, z, q, f)] == [g["x"], g["y"], g["z"], g["q"], 1.0]
    assert (x.grad, y.grad, z.grad, q.grad, f.grad) == (0.0,) * 5, "the trace touches no .grad"
    forward = autodiff.trace_forward(f)
    assert [(s.node, s.value) for s in forward] == [(v, v.data) for v in autodiff.topological_order(f)]
    assert [s.value for s in forward if s.node in (q, f)] == [
        ref["expected_forward"]["q"],
        ref["expected_forward"]["f"],
    ]


def sigmoid_leaves():
    ref = EXAMPLES["cs231n_sigmoid_gate"]
    return ref, {k: Value(v, label=k) for k, v in ref["inputs"].items()}


def test_trace_of_the_staged_sigmoid_gate_matches_the_hand_derivation():
    ref, v = sigmoid_leaves()
    p0, p1 = v["w0"] * v["x0"], v["w1"] * v["x1"]
    s01 = p0 + p1
    z = s01 + v["w2"]
    neg = -z
    e = neg.exp()
    den = e + 1
    f = 1 / den
    trace = autodiff.trace_backward(f)
    assert [s.node for s in trace] == [f, den, e, neg, z, s01, p1, p0]
    # the hand derivation, in plain floats (seed 001 §三's picture, gate by gate)
    zh = 2.0 * -1.0 + -3.0 * -2.0 + -3.0
    eh = math.exp(-zh)
    denh = 1.0 + eh
    d_den = -1.0 / denh**2  # 1/x gate
    d_e = d_den * 1.0  # +1 gate
    d_neg = d_e * eh  # exp gate
    d_z = d_neg * -1.0  # negate gate
    expected = [  # (upstream, [(parent, local, contribution)])
        (1.0, [(den, -1.0 / denh**2, d_den)]),
        (d_den, [(e, 1.0, d_e)]),
        (d_e, [(neg, eh, d_neg)]),
        (d_neg, [(z, -1.0, d_z)]),
        (d_z, [(s01, 1.0, d_z), (v["w2"], 1.0, d_z)]),
        (d_z, [(p0, 1.0, d_z), (p1, 1.0, d_z)]),
        (d_z, [(v["w1"], -2.0, d_z * -2.0), (v["x1"], -3.0, d_z * -3.0)]),
        (d_z, [(v["w0"], -1.0, d_z * -1.0), (v["x0"], 2.0, d_z * 2.0)]),
    ]
    for step, (up, rows) in zip(trace, expected):
        assert close(step.upstream, up), (step.index, step.upstream, up)
        assert [c.parent for c in step.contributions] == [r[0] for r in rows]
        for c, (_, local, contribution) in zip(step.contributions, rows):
            assert close(c.local, local) and close(c.contribution, contribution), (step.index, c)
            assert c.before == 0.0 and c.after == c.contribution  # no reuse in this graph
    assert close(d_z, ref["expected_grads"]["w2"]), "the chain of gates gives σ(1 − σ)"
    for name, grad in ref["expected_grads"].items():
        assert close(trace.grads[v[name]], grad), name
    assert close(f.data, ref["expected_forward"]["f"]) and z.data == ref["expected_forward"]["dot"]
    # the document prints them rounded: dx = [0.39, -0.59], dw = [-0.2, -0.39, 0.2]
    shown = [round(trace.grads[v[k]], 2) for k in ("x0", "x1", "w0", "w1", "w2")]
    assert shown == [0.39, -0.59, -0.2, -0.39, 0.2]


def test_trace_of_the_fused_sigmoid_is_one_step_for_the_whole_block():
    ref, v = sigmoid_leaves()
    z = v["w0"] * v["x0"] + v["w1"] * v["x1"] + v["w2"]
    f = z.sigmoid()
    trace = autodiff.trace_backward(f)
    first = trace[0]
    assert first.node is f and len(first.contributions) == 1
    (c,) = first.contributions
    sigma_prime = ref["expected_grads"]["w2"]  # ∂f/∂w2 = σ'(z) · 1
    assert c.parent is z and close(c.local, sigma_prime) and close(c.local, f.data * (1 - f.data))
    assert len(trace) == 1 + 4, "σ, then the two adds and the two multiplies"
    for name, grad in ref["expected_grads"].items():
        assert close(trace.grads[v[name]], grad), name


# ---- the same as backward() ---------------------------------------------------------------------------------
def reuse_graph():
    """a is used four times (directly and through b, c), c twice by one node (c·c)."""
    a, b = Value(1.5, label="a"), Value(-0.5, label="b")
    c = a * b + a
    c.label = "c"
    d = c * c + (a * 3).tanh() - autodiff.max(a, b) + autodiff.dot([a, b], [c, 2.0])
    d.label = "d"
    return (a, b, c), d


def test_trace_backward_gives_exactly_the_gradients_of_a_fresh_backward_and_touches_no_grad():
    _, d1 = reuse_graph()
    _, d2 = reuse_graph()
    _, d3 = reuse_graph()
    order1, order2, order3 = (autodiff.topological_order(d) for d in (d1, d2, d3))
    d1.backward()
    t = autodiff.trace_backward(d2)
    assert [t.grads[v] for v in order2] == [v.grad for v in order1]
    assert all(v.grad == 0.0 for v in order2) and t.earlier == {}
    d3.backward(2.5)  # a fresh pass with seed 2.5
    d2.backward()
    d2.backward(2.5)  # d2 now holds two passes
    held = [v.grad for v in order2]
    t = autodiff.trace_backward(d2, 2.5)
    assert [t.grads[v] for v in order2] == [v.grad for v in order3], "one pass from zero, whatever .grad holds"
    assert [v.grad for v in order2] == held, "and .grad is left as it was"
    assert t.seed == 2.5 and t[0].upstream == 2.5
    assert t.earlier == {v: v.grad for v in order2 if v.grad} and len(t.earlier) == len(order2)
    assert all(c.before == 0.0 for c in t[0].contributions), "this pass starts from zero"
    with pytest.raises(TypeError, match="Value"):
        autodiff.trace_backward(3.0)
    with pytest.raises(ValueError, match="finite"):
        autodiff.trace_backward(d2, math.nan)


def test_contributions_sum_to_each_final_gradient_with_reuse():
    (a, b, c), d = reuse_graph()
    trace = autodiff.trace_backward(d)
    received: dict[Value, list[float]] = {}
    for step in trace:
        assert step.upstream == trace.grads[step.node], "a node's gradient is complete when it is reached"
        for ctr in step.contributions:
            assert ctr.contribution == step.upstream * ctr.local
            assert ctr.after == ctr.before + ctr.contribution
            assert ctr.before == sum_in_order(received.get(ctr.parent, []))
            received.setdefault(ctr.parent, []).append(ctr.contribution)
    d.backward()  # from zero: the trace left every .grad at 0
    for v, parts in received.items():
        assert sum_in_order(parts) == v.grad == trace.grads[v], v
    assert len(received[a]) == 5 and len(received[c]) == 3, "a: a·b, +a, a·3, max, dot; c: c·c twice, dot"
    # and the total is right: finite differences of d in a
    h = 1e-6
    assert math.isclose(a.grad, derivative(lambda t: reuse_value(t, b.data), a.data, h), rel_tol=1e-6)


def sum_in_order(parts: list[float]) -> float:
    total = 0.0
    for p in parts:
        total += p
    return total


def reuse_value(a: float, b: float) -> float:
    c = a * b + a
    return c * c + math.tanh(a * 3) - max(a, b) + (a * c + b * 2.0)


def derivative(fn, x: float, h: float) -> float:
    return (fn(x + h) - fn(x - h)) / (2 * h)


def test_a_deep_chain_traces_without_recursion():
    x = Value(1.0, label="x")
    v = x
    for _ in range(20_000):
        v = v * 1.0
    trace = autodiff.trace_backward(v)
    assert len(trace) == 20_000 and trace.grads[x] == 1.0 and x.grad == 0.0
    report = autodiff.paths(v, x)
    assert len(report) == 1 and len(report[0].nodes) == 20_001 and report.total == 1.0


# ---- tables -------------------------------------------------------------------------------------------------
def test_tables_read_like_a_hand_derivation():
    *_, f = add_mul()
    text = str(autodiff.trace_backward(f)).splitlines()
    assert text[0].startswith("backward pass of f: start with ∂f/∂f = 1; 2 steps")
    assert text[1].split()[:3] == ["step", "node", "upstream"]
    rows = [line.split() for line in text[3:7]]
    assert rows[0] == ["1", "f", "=", "q", "×", "z", "1", "q", "-4", "1", "×", "-4", "=", "-4", "0", "→", "-4"]
    assert rows[1] == ["z", "3", "1", "×", "3", "=", "3", "0", "→", "3"]
    assert rows[2] == ["2", "q", "=", "x", "+", "y", "-4", "x", "1", "-4", "×", "1", "=", "-4", "0", "→", "-4"]
    assert text[-1] == "gradients of the inputs: ∂f/∂x = -4, ∂f/∂y = -4, ∂f/∂z = 3"
    page = autodiff.trace_backward(f)._repr_html_()
    assert page.count("<tr") == 1 + 4 and "<th" in page and "1 × -4 = -4" in page
    fwd = str(autodiff.trace_forward(f)).splitlines()
    assert fwd[0] == "forward pass of f: 5 nodes, inputs first"
    assert fwd[5].split() == ["3", "q", "x", "+", "y", "-2", "+", "5", "3"]
    assert fwd[7].split() == ["5", "f", "q", "×", "z", "3", "×", "-4", "-12"]
    assert "<table" in autodiff.trace_forward(f)._repr_html_()
    f.backward()
    again = str(autodiff.trace_backward(f))
    assert "hold gradients from earlier passes in .grad" in again and "0 → -4" in again
    assert "left every .grad as it was" in again


def test_names_of_unlabelled_and_repeated_nodes():
    with autodiff.scope("n0"):
        w0 = Value(1.0, label="w")
    with autodiff.scope("n1"):
        w1 = Value(2.0, label="w")
    out = (w0 * w1).exp() + 1
    t = autodiff.trace_backward(out)
    names = {t.names[v] for v in t.order}
    assert {"n0.w", "n1.w", "v1", "v2", "v3"} == names
    assert "v3 = v2 + 1" in str(t) and "v2 = exp(v1)" in str(t) and "v1 = n0.w × n1.w" in str(t)


# ---- paths ----------------------------------------------------------------------------------------------------
def test_paths_total_equals_the_gradient_on_a_graph_with_reuse():
    (a, b, c), d = reuse_graph()
    reports = {v: autodiff.paths(d, v) for v in (a, b, c)}
    assert all(v.grad == 0.0 for v in (a, b, c)), "paths changes no gradient"
    d.backward()
    for v, report in reports.items():
        assert close(report.total, v.grad), (v.label, report.total, v.grad)
        assert len(report) == count_paths(d, v)
        for p in report:
            assert p.nodes[0] is v and p.nodes[-1] is d
            assert all(w in nxt.parents for w, nxt in zip(p.nodes, p.nodes[1:]))
            assert p.locals == tuple(nxt.local_grads[k] for nxt, k in zip(p.nodes[1:], p.slots))
            assert close(p.product, math.prod(p.locals))
    # c feeds d three times: twice through c·c (two paths, one per input slot), once through dot
    (cc,) = [v for v in autodiff.topological_order(d) if v.parents == (c, c)]
    assert len(reports[c]) == 3 and sorted(p.slots[0] for p in reports[c] if p.nodes[1] is cc) == [0, 1]
    text = str(reports[c])
    assert text.startswith("∂d/∂c as a sum over paths: 3 paths from c to d") and "as input 2 of" in text
    assert text.splitlines()[-1].startswith(f"total: ∂d/∂c = {c.grad:.4g}")


def make(op: str, a: Value, b: Value) -> Value:
    if op == "add":
        return a + b
    if op == "mul":
        return a * b
    if op == "sub":
        return a - b
    return a.tanh() if op == "tanh" else 0.5 * a


def test_paths_on_random_graphs():
    rng = random.Random(5)
    for _ in range(30):
        leaves = [Value(rng.uniform(-1.5, 1.5), label=f"x{i}") for i in range(3)]
        pool = list(leaves)
        for _ in range(rng.randint(2, 9)):
            a, b = rng.choice(pool), rng.choice(pool)
            op = rng.choice(["add", "mul", "tanh", "sub", "num"])
            pool.append(make(op, a, b))
        root = pool[-1]
        reports = [autodiff.paths(root, x, limit=10_000) for x in leaves]
        root.backward()
        for x, report in zip(leaves, reports):
            scale = math.fsum(abs(p.product) for p in report)
            assert abs(report.total - x.grad) <= 1e-12 * max(scale, 1e-300), (report.total, x.grad)


def test_paths_are_counted_before_they_are_listed():
    x = Value(1.0, label="x")
    v = x
    for _ in range(40):
        v = v + v
    assert count_paths(v, x) == 2**40
    start = time.perf_counter()
    with pytest.raises(PathLimitError) as err:
        autodiff.paths(v, x)
    assert time.perf_counter() - start < 1.0
    assert f"{2**40:,} paths" in str(err.value) and "limit=1,000" in str(err.value) and "backward()" in str(err.value)
    assert isinstance(err.value, ValueError)
    small = autodiff.paths(x + x, x, limit=2)
    assert len(small) == 2 and small.total == 2.0


def test_paths_edge_cases():
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    f = x * x
    f.label = "f"
    itself = autodiff.paths(f, f)
    assert len(itself) == 1 and itself[0].nodes == (f,) and itself.total == 1.0
    absent = autodiff.paths(f, y)
    assert len(absent) == 0 and absent.total == 0.0 and "not in the graph" in str(absent)
    assert "<table" in autodiff.paths(f, x)._repr_html_()
    with pytest.raises(TypeError, match="Values"):
        autodiff.paths(f, 2.0)
    with pytest.raises(ValueError, match="limit"):
        autodiff.paths(f, x, limit=0)
