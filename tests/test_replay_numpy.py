"""autodiff.compile(..., backend="numpy"): the batched replay gives the eager engine's values and
gradients (to 1e-12, relative and absolute as ``test_replay.close``) and its errors, on the Python
replay's own checks (run again here with the numpy backend) and on what only a batched plan has: a
layer on a batch as a matrix product, row-wise dots, repeated operands gathered and scattered back, a
user's operation run by its own functions, the plan and its readable program, one workspace per thread."""

from __future__ import annotations

import ast
import functools
import math
import re
import subprocess
import sys
import threading

import pytest
import test_replay as python_replay  # the Python replay's checks, run again on this backend
import test_replay_safety as python_safety
from graphgen import INPUT, programs, run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autodiff
import nn
from autodiff import Value
from autodiff.custom import remove_operation


def close(a: float, b: float, tol: float = 1e-12) -> bool:
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


@pytest.fixture
def numpy_backend(monkeypatch):
    """autodiff.compile with backend="numpy" unless a test says otherwise."""
    monkeypatch.setattr(autodiff, "compile", functools.partial(autodiff.compile, backend="numpy"))


# ---- the Python replay's checks, on the numpy backend --------------------------------------------------
@pytest.mark.usefixtures("numpy_backend")
@pytest.mark.parametrize("op", python_replay.test_every_operation_agrees_with_the_engine.pytestmark[0].args[1])
def test_every_operation_agrees_with_the_engine(op):
    python_replay.test_every_operation_agrees_with_the_engine(op)


@pytest.mark.usefixtures("numpy_backend")
@pytest.mark.parametrize("check", [
    python_replay.test_random_graphs_replay_like_the_engine,
    python_replay.test_params_are_read_live_and_their_grads_accumulate,
    python_replay.test_dot_and_sum_with_numbers_mixed_in,
    python_replay.test_a_function_of_nested_arguments_and_several_outputs,
    python_replay.test_the_same_node_twice_and_an_output_feeding_another,
    python_replay.test_a_leaf_as_its_own_output_and_an_unused_input,
    python_replay.test_a_relu_network_kink_switches_sides,
    python_safety.test_a_param_set_to_nan_by_hand_is_refused,
    python_safety.test_backward_needs_a_forward_and_the_right_seeds,
    python_safety.test_a_nested_shape_is_checked_per_position,
    python_safety.test_wrong_leaf_sets_are_refused_when_recording,
], ids=lambda f: f.__name__)  # fmt: skip
def test_the_python_replays_checks(check):
    check()


@pytest.mark.usefixtures("numpy_backend")
@pytest.mark.parametrize(("make", "rec", "bad"),
                         python_safety.test_numbers_leaving_the_float_range_raise_as_the_engine_does.pytestmark[0].args[1])
def test_numbers_leaving_the_float_range_raise_as_the_engine_does(make, rec, bad):
    """The engine's own error (type and text), with the note naming the node, as the Python replay."""
    python_safety.test_numbers_leaving_the_float_range_raise_as_the_engine_does(make, rec, bad)
    leaves = [Value(v) for v in rec]
    root = make(*leaves)
    errors = []
    for backend in ("python", "numpy"):
        with pytest.raises((ArithmeticError, ValueError)) as info:
            autodiff.compile(root, inputs=leaves, backend=backend).gradients(bad)
        errors.append((type(info.value), str(info.value), info.value.__notes__))
    assert errors[0] == errors[1] and re.search(r"at node \d+: \w+", errors[1][2][0])


# ---- a layer on a batch is a matrix product ---------------------------------------------------------------
def small_mlp(n: int = 12):
    X, y = nn.data.make_moons(n, noise=0.1, seed=3)
    X = [list(map(float, x)) for x in X]
    y = [1.0 if t > 0 else -1.0 for t in y]
    model = nn.MLP(2, [5, 4, 1], activation="relu", seed=2)
    params = model.parameters()
    F = nn.functional
    return X, params, lambda Xv: F.hinge([model(x) for x in Xv], y) + F.l2_penalty(params, 1e-3)


def test_an_mlp_on_a_batch_is_three_matrix_products_and_equals_eager():
    X, params, loss = small_mlp()
    step = autodiff.compile(loss, X, backend="numpy")
    layers = [g for g in step.plan.groups if g.kind == "matmul" and g.size > 1]
    assert [g.dims for g in layers] == [(12, 5, 2), (12, 4, 5), (12, 1, 4)]
    assert "np.matmul(x" in step.source and "matmul: 60 dot nodes = 12 rows × 5 weight rows" in step.source
    X2 = [[x0 * 0.9 - 0.1, x1 + 0.2] for x0, x1 in X]  # new inputs: some relus change sides
    for p in params:
        p.grad = 0.0
    root = loss([[Value(v) for v in x] for x in X2])
    root.backward()
    want = [p.grad for p in params]
    for p in params:
        p.grad = 0.5
    got = step(X2)  # __call__ adds to .grad as backward() does
    assert close(got, root.data)
    assert all(close(p.grad, 0.5 + w) for p, w in zip(params, want))


def test_the_plan_covers_each_node_once_and_names_its_group():
    X, params, loss = small_mlp(6)
    leaves = [[Value(v) for v in x] for x in X]
    root = loss(leaves)
    step = autodiff.compile(root, inputs=[v for x in leaves for v in x], backend="numpy")
    order = autodiff.topological_order(root)
    nodes = [v for v in order if not v.is_leaf]
    covered = [v for g in step.plan.groups for v in g.nodes]
    assert sorted(map(id, covered)) == sorted(map(id, nodes))
    for g in step.plan.groups:
        assert g.size == len(g.nodes) and g.index == step.plan.groups.index(g)
        assert all(step.plan.group_of(v) == g.index for v in g.nodes)
        assert g.kind in ("matmul", "elementwise", "python") and g.op in ("matmul", *autodiff.RULES)
        assert all(g.level > step.plan.groups[step.plan.group_of(p)].level for v in g.nodes for p in v.parents
                   if step.plan.group_of(p) is not None)  # fmt: skip
    assert step.plan.group_of(params[0]) is None and step.plan.group_of(leaves[0][0]) is None
    assert step.plan.group_of(Value(1.0)) is None
    levels = [g.level for g in step.plan.groups]
    assert levels == sorted(levels) and max(levels) == 10 and len(step.plan.groups) <= 14


def test_row_wise_dots_repeated_operands_and_sums_with_numbers():
    """Dot nodes that are not a grid (each row its own weights) run row-wise; one weight read by many
    nodes has its gradients summed back (np.bincount); a sum of Values and numbers."""
    w = [Value(0.3), Value(-0.8), Value(1.1)]

    def f(rows):
        outs = [autodiff.dot([w[i % 3], w[(i + 1) % 3]], row, bias=0.25 * i) for i, row in enumerate(rows)]
        prods = [w[0] * o for o in outs]  # w[0] in every node of one group
        return autodiff.sum([*prods, 0.1, 0.3, *outs]).tanh()

    rows = [[0.5, -1.0], [2.0, 0.25], [-0.75, 1.5], [1.0, 1.0]]
    step = autodiff.compile(f, rows, backend="numpy")
    kinds = {(g.kind, g.op) for g in step.plan.groups}
    assert ("elementwise", "dot") in kinds and "bincount" in step.source
    new = [[r[0] * 1.5, r[1] - 0.5] for r in rows]
    leaves = [[Value(v) for v in r] for r in new]
    root = f(leaves)
    root.backward()
    got = step.gradients(new)
    assert close(got.value, root.data)
    assert all(close(g, v.grad) for g, v in zip(got.inputs, [v for r in leaves for v in r]))
    assert all(close(g, p.grad) for g, p in zip(got.params, step.params))


# ---- a user's operation: its own functions, node by node ------------------------------------------------
def test_a_users_operations_run_as_a_python_group():
    cube = autodiff.operation("npcore_cube", "cube", lambda x: x * x * x, lambda x, out: 3 * x * x)
    hyp = autodiff.operation("npcore_hyp", "hyp", lambda a, b: math.hypot(a, b),
                             (lambda a, b, out: a / out, lambda a, b, out: b / out))  # fmt: skip
    try:
        def f(xs):
            return autodiff.sum([hyp(cube(x), x + 1.0) for x in xs])

        step = autodiff.compile(f, [0.5, -1.0, 2.0], backend="numpy")
        python = [g for g in step.plan.groups if g.kind == "python"]
        assert [(g.op, g.size) for g in python] == [("npcore_cube", 3), ("npcore_hyp", 3)]
        assert "npcore" not in step.source + step.step_source  # no name a user chose reaches the code
        xs = [1.5, -0.25, 0.75]
        leaves = [Value(x) for x in xs]
        root = f(leaves)
        root.backward()
        got = step.gradients(xs)
        assert close(got.value, root.data) and all(close(g, v.grad) for g, v in zip(got.inputs, leaves))
    finally:
        remove_operation("npcore_cube")
        remove_operation("npcore_hyp")


# ---- the program it runs -----------------------------------------------------------------------------
NAME = re.compile(r"^([oadbwxct]|g[abwxct]|i[abwxct]|u[abwxct]|n[abwxct])\d+$|^(_f\d+|_l\d+[ab]|_a|_b|_o|np|V|G)$")
HEADER = re.compile(r"^# (group \d+ · level \d+ · .*\(nodes v\d+.*\)|  [a-z]\d+: .* \(a view\)|the .*|each .*"
                    r"|level \d+ +o\d+ = .* # [\d,]+ \w+ nodes?.*)$")


def test_the_source_is_readable_python_of_our_names_only():
    """Every name the compiler's, every comment one of its own (group headers with node ranges, the
    views it reads), on a graph with hostile labels and scope names."""
    w = Value(0.5, label=python_safety.HOSTILE[0])
    with autodiff.scope(python_safety.HOSTILE[2]):
        step = autodiff.compile(lambda xs: autodiff.sum([(w * x).relu() for x in xs]).log(), [1.0, 2.0],
                                backend="numpy")  # fmt: skip
    for text in (step.source, step.step_source):
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                assert NAME.match(node.id), node.id
            if isinstance(node, ast.Attribute):  # np.add.reduce, d3.T, w2.tolist: on one of our names
                root = node
                while isinstance(root, ast.Attribute):
                    root = root.value
                assert isinstance(root, ast.Name), ast.dump(node)
            if isinstance(node, ast.Constant):
                assert node.value in (None, ...) or type(node.value) in (float, int, str), node.value
                assert type(node.value) is not str or node.value == "ij,ij->i"
        for line in text.splitlines():
            if line.strip().startswith("#"):
                assert HEADER.match(line.strip()), line
            assert "pwned" not in line and "import" not in line
    assert "o1[...] = np.maximum(" in step.source and "# group 2 · level 3 · sum" in step.source
    assert "# level 2   o1 = np.maximum(o0, 0.0)" in step.source  # the plan, one line per group


# ---- around the replay ------------------------------------------------------------------------------------
def test_each_thread_has_its_own_arrays():
    step = autodiff.compile(lambda x: (x * x).exp(), 0.5, backend="numpy")
    results, errors = {}, []

    def run(x: float) -> None:
        try:
            for _ in range(200):
                value = step.forward(x)
                (gx,) = step.backward()
                assert value == math.exp(x * x) and close(gx, 2 * x * value), (x, value, gx)
            results[x] = True
        except AssertionError as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(x,)) for x in (0.1, 0.7, -0.4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 3


def test_an_unknown_backend_is_a_clear_error_and_import_needs_no_numpy():
    with pytest.raises(ValueError, match="backend must be one of 'python', 'numpy', got 'torch'"):
        autodiff.compile(lambda x: x * 2.0, 1.0, backend="torch")
    assert autodiff.compile(lambda x: x * 2.0, 1.0).backend == "python"
    assert autodiff.compile(lambda x: x * 2.0, 1.0, backend="numpy").backend == "numpy"
    code = "import sys, autodiff; autodiff.compile(lambda x: x * 2.0, 1.0)(3.0); print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_constants_are_as_recorded():
    """Plain numbers meet where rounding shows (1e16 absorbs x; 0.1 + 0.3 is not 0.4): elementwise
    groups compute what the engine computes, bitwise."""
    def f(x):
        return ((x + 1e16) - 1e16) * 0.1 + 0.3 - x * 0.4

    step = autodiff.compile(f, 0.5, backend="numpy")
    for x in (0.5, 3.0, -7.25, 1e-3):
        v = Value(x)
        root = f(v)
        root.backward()
        assert step.gradients(x) == (root.data, [v.grad], [])


def test_sums_and_dots_of_several_lengths_are_one_padded_group():
    """Causal attention's pattern: position t's softmax sums t + 1 terms and mixes t + 1 values; the
    rows of several lengths are one group, the shorter ones padded with zeros."""
    def attend(q, k, v):
        outs = []
        for t in range(len(q)):
            scores = [(q[t] * k[s]).exp() for s in range(t + 1)]
            total = autodiff.sum(scores)
            outs.append(autodiff.dot([e / total for e in scores], v[: t + 1]))
        return autodiff.sum(outs)

    args = [[0.5, -1.0, 0.25, 2.0], [1.5, 0.3, -0.7, 0.1], [0.2, 0.4, -1.2, 0.9]]
    step = autodiff.compile(attend, *args, backend="numpy")
    padded = [(g.op, g.size) for g in step.plan.groups if g.padded]
    assert padded == [("sum", 4), ("dot", 4)]
    new = [[a * 0.7 + 0.1 for a in row] for row in args]
    leaves = [[Value(a) for a in row] for row in new]
    root = attend(*leaves)
    root.backward()
    got = step.gradients(*new)
    assert close(got.value, root.data)
    assert all(close(g, v.grad) for g, v in zip(got.inputs, [v for row in leaves for v in row]))


def _batch(program, shared: Value, numbers: list[float], batch: int):
    """The program on ``batch`` samples: its first input shared by all (a weight), the others per sample;
    the root the sum of the samples' outputs. None where the engine refuses these numbers."""
    rows = [[Value(numbers[1 + b * 2 + i]) for i in range(program.n_inputs - 1)] for b in range(batch)]
    try:
        outs = [run(program, [shared, *row])[-1] for row in rows]
    except (ArithmeticError, ValueError):
        return None
    if not all(isinstance(o, Value) for o in outs) or any(abs(v.data) > 1e300 for v in outs):
        return None
    return [v for row in rows for v in row], autodiff.sum(outs)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(programs(), st.lists(INPUT, min_size=7, max_size=7))
def test_a_random_program_on_a_batch_equals_eager(program, numbers):
    """The cross-tool suite's random programs run on a batch of three samples sharing one input: every
    group has several nodes, the shared input is read by all of them (its gradients summed back), the
    kinks of each sample fall on their own side; replayed at other numbers, eager's values and
    gradients to 1e-12."""
    shared = Value(numbers[0])
    built = _batch(program, shared, numbers, 3)
    if built is None:
        return
    leaves, root = built
    step = autodiff.compile(root, inputs=leaves, params=[shared], backend="numpy")
    assert max(g.size for g in step.plan.groups) >= 3
    new = [numbers[0], *reversed(numbers[1:])]
    shared2 = Value(new[0])
    again = _batch(program, shared2, new, 3)
    if again is None:
        return
    leaves2, root2 = again
    root2.backward()
    shared.data = new[0]
    got = step.gradients([v.data for v in leaves2])
    assert close(got.value, root2.data), (program, numbers)
    assert all(close(g, v.grad) for g, v in zip(got.inputs, leaves2)), (program, numbers)
    assert close(got.params[0], shared2.grad), (program, numbers)
