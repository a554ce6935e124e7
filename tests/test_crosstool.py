"""The cross-tool suite: every tool held against every other on the same random graphs (hypothesis,
``graphgen.programs``: shared subexpressions, plain numbers, constants and a bias inside sum and dot),
the operations drawn from ``optable.OPS``. Two tools that disagree on one graph is a silent wrong result.

    eager backward        vs central differences of the forward
    compiled replay       vs eager, on new inputs (across kinks: relu, abs, max, min, leaky_relu)
    numpy replay          vs eager, on new inputs; vs the Python replay where it raises
    create_graph          vs central differences of the first derivatives; its first pass vs the float one
    forward mode          vs reverse mode
    symbolic, derivation  vs the engine's gradients
    check_backward        says right on the engine's own gradients, names a planted slip's node
    PyTorch float64       values, gradients and Hessians, when torch is installed

Examples are derandomized (the same graphs on every run); ``conftest.py`` prints how many graphs and
checks ran."""

from __future__ import annotations

import math

import pytest
from graphgen import INPUT, build, close, grads_at, programs, run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from optable import OPS, SMOOTH

import autodiff
from autodiff.graph import gradients, topological_order

FAST = settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
SLOW = settings(max_examples=50, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
INPUTS = st.lists(INPUT, min_size=3, max_size=3)


def tally(checks: int) -> None:
    """One graph and its number of checks, for the count printed at the end (conftest.py)."""
    from conftest import CROSSTOOL

    CROSSTOOL["graphs"] += 1
    CROSSTOOL["checks"] += checks


def _central(program, xs: list[float], i: int, h: float):
    """(f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h for f and for its gradient, or None where not built."""
    up, down = list(xs), list(xs)
    up[i] += h
    down[i] -= h
    a, b = grads_at(program, up), grads_at(program, down)
    if a is None or b is None:
        return None
    return (a[0] - b[0]) / (2 * h), [(p - q) / (2 * h) for p, q in zip(a[1], b[1])]


def _smooth_difference(program, xs, i):
    """Central differences at two steps, or None when they disagree (a kink or a steep bend is near)."""
    h = 1e-5 * max(1.0, abs(xs[i]))
    big, small = _central(program, xs, i, h), _central(program, xs, i, h / 4)
    if big is None or small is None:
        return None
    pairs = [(big[0], small[0]), *zip(big[1], small[1])]
    if any(abs(p - q) > 1e-4 * (1.0 + abs(q)) for p, q in pairs):
        return None
    return small


def _graph(program, xs: list[float], limit: float = 1e6):
    """(the inputs cut to the program's count, the leaves, the root), or None where it is not built."""
    xs = xs[: program.n_inputs]
    built = build(program, xs, limit)
    return None if built is None else (xs, *built)


def test_the_table_covers_every_operation_a_learner_calls():
    """Every rules row a learner calls has an entry (the kinks' own rows and sum/dot run inside graphs)."""
    called = set(autodiff.RULES) - {"step", "sign", "above", "below", "sum", "dot"}
    assert called <= set(OPS), f"rows without a cross-tool entry: {sorted(called - set(OPS))}"


@FAST
@given(programs(big=False), INPUTS)
def test_eager_backward_agrees_with_central_differences(program, xs):
    xs = xs[: program.n_inputs]
    got = grads_at(program, xs)
    if got is None:
        return
    f, grads = got
    checks = 0
    for i in range(len(xs)):
        d = _smooth_difference(program, xs, i)
        if d is None:
            continue
        assert abs(grads[i] - d[0]) <= 1e-6 * (1.0 + abs(d[0]) + abs(f)), (program, xs, i, grads[i], d[0])
        checks += 1
    tally(checks)


@FAST
@given(programs(), INPUTS, INPUTS)
def test_compiled_replay_agrees_with_eager_on_new_inputs(program, xs, ys):
    """Recorded at xs, replayed at ys: the value and every gradient are eager's at ys (the kinks take
    the side of ys, the constants are as recorded)."""
    xs, ys = xs[: program.n_inputs], ys[: program.n_inputs]
    built = build(program, xs, 1e300)
    want = grads_at(program, ys, 1e300)
    if built is None or want is None:
        return
    leaves, root = built
    step = autodiff.compile(root, inputs=leaves)
    at_xs = step.gradients(xs)
    assert at_xs.value == root.data
    got = step.gradients(ys)
    agrees_at(got, want, (program, xs, ys))
    tally(2 + len(ys))


def agrees_at(got, want, context) -> None:
    """A replay's value and input gradients are eager's (``want``: value, gradients) to 1e-12 relative."""
    assert close(got.value, want[0], 1e-12, 1e-300), (*context, got.value, want[0])
    for g, w in zip(got.inputs, want[1]):
        assert close(g, w, 1e-12, 1e-300), (*context, got.inputs, want[1])


@FAST
@given(programs(), INPUTS, INPUTS)
def test_numpy_replay_agrees_with_eager_on_new_inputs(program, xs, ys):
    """The batched numpy replay, recorded at xs and replayed at ys: eager's value and gradients at ys
    to 1e-12 relative (kinks on the side of ys, constants as recorded), or the engine's error where the
    Python replay raises it for ys."""
    xs, ys = xs[: program.n_inputs], ys[: program.n_inputs]
    built = build(program, xs, 1e300)
    if built is None:
        return
    leaves, root = built
    step = autodiff.compile(root, inputs=leaves, backend="numpy")
    at_xs = step.gradients(xs)
    assert close(at_xs.value, root.data, 1e-12, 1e-300)
    try:  # where the Python replay refuses ys (the engine's error for a node of this graph), so does numpy
        autodiff.compile(root, inputs=leaves).gradients(ys)
    except (OverflowError, ValueError, ZeroDivisionError) as refused:
        with pytest.raises(type(refused)):
            step.gradients(ys)
        tally(2)
        return
    want = grads_at(program, ys, 1e300)
    if want is None:
        return
    got = step.gradients(ys)
    agrees_at(got, want, (program, xs, ys))
    tally(3 + len(ys))


@FAST
@given(programs(max_steps=5, big=False), INPUTS)
def test_create_graph_agrees_with_differences_of_first_derivatives(program, xs):
    if (graph := _graph(program, xs)) is None:
        return
    xs, leaves, root = graph
    floats = autodiff.grad(root, leaves, allow_unused=True)
    try:
        firsts = autodiff.grad(root, leaves, create_graph=True, allow_unused=True)
    except (ArithmeticError, ValueError):
        return  # a derivative that is not finite cannot be a Value (the float pass has it)
    checks = 0
    for g, v in zip(floats, firsts):
        assert (g is None) == (v is None) and (v is None or close(v.data, g, 1e-15, 1e-300)), (program, xs)
        checks += 1
    for j in range(len(xs)):
        d = _smooth_difference(program, xs, j)
        if d is None:
            continue
        for i, v in enumerate(firsts):
            if v is None:
                continue
            (hij,) = autodiff.grad(v, [leaves[j]], allow_unused=True)
            hij = 0.0 if hij is None else (hij.data if isinstance(hij, autodiff.Value) else hij)
            assert abs(hij - d[1][i]) <= 1e-5 * (1.0 + abs(d[1][i]) + abs(root.data)), (program, xs, i, j)
            checks += 1
    tally(checks)


@FAST
@given(programs(), INPUTS)
def test_forward_mode_agrees_with_reverse_mode(program, xs):
    if (graph := _graph(program, xs)) is None:
        return
    xs, leaves, root = graph
    reverse = gradients(root)
    for x in leaves:
        forward = autodiff.forward_gradient(root, {x: 1.0})
        assert close(forward, reverse.get(x, 0.0), 1e-12, 1e-12), (program, xs)
    tally(len(leaves))


@SLOW
@given(programs(max_steps=4, ops=tuple(SMOOTH)), INPUTS)
def test_symbolic_and_derivation_agree_with_the_engine(program, xs):
    pytest.importorskip("sympy")
    if (graph := _graph(program, xs)) is None:
        return
    xs, leaves, root = graph
    engine = gradients(root)
    report = autodiff.symbolic(root)
    assert report, (program, xs, str(report))
    checks = len(report.rows)
    for x in leaves:
        if x in engine:
            d = autodiff.derivation(root, x)
            assert close(d.total, engine[x], 1e-12, 1e-12), (program, xs, d.total, engine[x])
            checks += 1
    tally(checks)


@FAST
@given(programs(), INPUTS, st.integers(0, 10**6))
def test_check_backward_says_right_and_names_a_planted_slip(program, xs, pick):
    if (graph := _graph(program, xs)) is None:
        return
    xs, _, root = graph
    engine = gradients(root)
    order = topological_order(root)
    assert autodiff.check_backward(root, {v: engine[v] for v in order}), (program, xs)
    inner = [v for v in order[:-1] if abs(engine[v]) > 1e-3]
    if not inner:
        tally(1)
        return
    slipped = inner[pick % len(inner)]
    hand = {v: engine[v] for v in order}
    hand[slipped] = -engine[slipped]  # the sign flipped at one node, every other value right
    report = autodiff.check_backward(root, hand)
    assert not report and report.first is slipped and report.diagnosis is not None, (program, xs)
    tally(2)


@FAST
@given(programs(), INPUTS)
def test_pytorch_float64_agrees(program, xs):
    torch = pytest.importorskip("torch")
    xs = xs[: program.n_inputs]
    got = grads_at(program, xs)
    if got is None:
        return
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    out = run(program, ts, torch)[-1]
    if not isinstance(out, torch.Tensor) or not out.requires_grad:
        return
    grads = torch.autograd.grad(out, ts, allow_unused=True)
    assert close(out.item(), got[0], 1e-10, 1e-12), (program, xs)
    for g, mine in zip(grads, got[1]):
        assert close(0.0 if g is None else g.item(), mine, 1e-9, 1e-9), (program, xs, grads, got[1])
    tally(1 + len(xs))


@SLOW
@given(programs(max_steps=5), INPUTS)
def test_pytorch_float64_hessians_agree(program, xs):
    torch = pytest.importorskip("torch")
    xs = xs[: program.n_inputs]
    if grads_at(program, xs) is None:
        return
    try:
        mine = autodiff.functional.hessian(lambda v: run(program, list(v))[-1], xs)
    except (ArithmeticError, ValueError, TypeError):
        return
    theirs = torch.autograd.functional.hessian(
        lambda *t: run(program, list(t), torch)[-1] + 0.0 * sum(t), tuple(torch.tensor(x, dtype=torch.float64) for x in xs))
    for i in range(len(xs)):
        for j in range(len(xs)):
            t = theirs[i][j].item()
            assert math.isclose(mine[i][j], t, rel_tol=1e-8, abs_tol=1e-8), (program, xs, i, j, mine, t)
    tally(len(xs) ** 2)


def test_a_reregistered_operation_keeps_its_row_in_every_tool():
    """Nodes made before an operation's name is registered again keep the row they were made with:
    eager, create_graph, forward mode, the replay and derivation give one answer for old and new nodes."""
    from autodiff.custom import remove_operation

    sq = autodiff.operation("crosstool_f", "f", lambda x: x * x, lambda x, out: 2 * x)
    x = autodiff.Value(3.0, label="x")
    old = sq(x) * 1.0
    cube = autodiff.operation("crosstool_f", "f", lambda x: x * x * x, lambda x, out: 3 * x * x)
    try:
        new = cube(x) * 1.0
        for root, value, slope, curve in ((old, 9.0, 6.0, 2.0), (new, 27.0, 27.0, 18.0)):
            assert root.data == value and autodiff.grad(root, [x]) == (slope,)
            (first,) = autodiff.grad(root, [x], create_graph=True)
            assert first.data == slope and autodiff.grad(first, [x]) == (curve,)
            assert autodiff.forward_gradient(root, {x: 1.0}) == slope
            replay = autodiff.compile(root, inputs=[x]).gradients([3.0])
            assert (replay.value, replay.inputs) == (value, [slope])
            assert autodiff.derivation(root, x).total == slope
        tally(12)
    finally:
        remove_operation("crosstool_f")
