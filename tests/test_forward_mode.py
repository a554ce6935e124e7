"""Forward mode on the recorded graph: tangents pushed in topological order with the recorded
locals give the same derivatives as the backward pass; its trace and frames leave every .grad alone."""

from __future__ import annotations

import random

import pytest

import autodiff
from autodiff import Value
from autodiff.forward import tangents


def build(seed: int):
    rng = random.Random(seed)
    xs = [Value(rng.uniform(-1, 1), label=f"x{i}") for i in range(3)]
    nodes = list(xs)
    for _ in range(12):
        a, b = rng.choice(nodes), rng.choice(nodes)
        op = rng.randrange(6)
        made = [a * b, a + b, (a * b).tanh(), a.sigmoid() - b, autodiff.dot([a, b], [b, 2.0]), (a * a + 0.5).log()]
        nodes.append(made[op])
    return xs, autodiff.sum(nodes[3:])


@pytest.mark.parametrize("seed", range(6))
def test_forward_gradient_equals_the_backward_pass(seed):
    xs, f = build(seed)
    grads = autodiff.grad(f, xs, allow_unused=True)
    for x, g in zip(xs, grads):
        assert autodiff.forward_gradient(f, {x: 1.0}) == pytest.approx(g or 0.0, rel=1e-13, abs=1e-15)
    v = [0.5, -2.0, 1.5]
    directional = autodiff.forward_gradient(f, dict(zip(xs, v)))
    assert directional == pytest.approx(sum(vi * (g or 0.0) for vi, g in zip(v, grads)), rel=1e-12)
    assert all(x.grad == 0.0 for x in xs) and f.grad == 0.0


def test_seeds_are_checked():
    x = Value(1.0, label="x")
    f = x * 2.0
    with pytest.raises(TypeError, match="mapping"):
        autodiff.forward_gradient(f, [1.0])
    with pytest.raises(TypeError, match="must be a Value"):
        autodiff.forward_gradient(f, {"x": 1.0})
    with pytest.raises(ValueError, match="finite"):
        autodiff.forward_gradient(f, {x: float("nan")})
    with pytest.raises(TypeError, match="root of a graph"):
        autodiff.forward_gradient(3.0, {x: 1.0})


def test_trace_is_bitwise_the_pass_and_reads_as_a_table():
    x, y = Value(0.5, label="x"), Value(-1.5, label="y")
    f = ((x * y).sin() + x * x).exp()
    f.label = "f"
    trace = autodiff.trace_forward_mode(f, {x: 1.0})
    assert trace.tangents == tangents(f, {x: 1.0})
    assert trace.tangents[f] == autodiff.forward_gradient(f, {x: 1.0})
    assert len(trace) == 5 and [s.node.op for s in trace] == ["mul", "sin", "mul", "add", "exp"]
    text = str(trace)
    assert text.startswith("forward-mode pass of f: start with the input tangents ṫ(x) = 1, ṫ(y) = 0; 5 steps")
    assert "tangent of the output: ṫ(f) = " in text and "<table" in trace._repr_html_()
    step = trace[2]  # v3 = x × x: two pushes of 0.5 × 1
    assert [(p.local, p.tangent, p.after) for p in step.pushes] == [(0.5, 1.0, 0.5), (0.5, 1.0, 1.0)]
    assert x.grad == 0.0 and f.grad == 0.0


def test_frames_one_per_step_and_side_by_side(tmp_path):
    x, y = Value(0.5, label="x"), Value(-1.5, label="y")
    f = (x * y).tanh() + x
    x.grad = 3.0
    paths = autodiff.save_forward_frames(f, {x: 1.0}, tmp_path / "fw")
    assert [p.name for p in paths] == ["forward_001.png", "forward_002.png", "forward_003.png"]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in paths)
    both = autodiff.side_by_side(f, {x: 1.0})._repr_html_()
    assert both.count("<svg") == 2 and "forward mode" in both and "reverse mode" in both
    assert (x.grad, y.grad, f.grad, x.data) == (3.0, 0.0, 0.0, 0.5)


def test_the_readme_block_runs_and_says_what_it_claims():
    import math
    import re
    from pathlib import Path

    from autodiff.custom import remove_operation

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL) if "create_graph" in b]
    space = {"autodiff": autodiff, "Value": Value}
    try:
        exec(compile(block, "README: higher order", "exec"), space)  # noqa: S102 - the project's own README
        s = 1 / (1 + math.exp(-0.5))
        assert space["d2"] == pytest.approx(s * (1 - s) * (1 - 2 * s), rel=1e-14)
        assert isinstance(space["x"].grad, Value)
        assert space["softsign"](Value(1.0)).data == 0.5
    finally:
        remove_operation("softsign")
