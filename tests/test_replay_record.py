"""autodiff.compile reads the record and the rules rows only: a replay's values are the engine's bitwise
(the numbers inside sum and dot in their place, dot added as rules._dot adds), a create_graph gradient's
kinks follow each replay's numbers, a re-registered operation's old nodes keep their row, operations
may be named like the compiler's variables, and backward() after a failed forward() is refused."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_replay_safety import check_source

import autodiff
from autodiff import Value
from autodiff.custom import BUILT_IN
from autodiff.replay import codegen
from autodiff.rules import REFLECTED, RULES, Nary


def same(a: float, b: float) -> bool:
    """Bitwise equal (the sign of a zero included)."""
    return repr(a) == repr(b)


def eager(make, xs: list[float]):
    """Value and input gradients of make(*leaves), run by the engine at xs."""
    leaves = [Value(x) for x in xs]
    out = make(*leaves)
    out.backward()
    return out.data, [v.grad for v in leaves]


def agree(make, record_at: list[float], replay_at: list[float]) -> None:
    """make recorded at one point and replayed at another gives the engine's value and gradients, bitwise."""
    step = autodiff.compile(make, *record_at)
    want, want_grads = eager(make, replay_at)
    got = step.gradients(*replay_at)
    assert same(got.value, want), (got.value, want)
    assert all(same(g, w) for g, w in zip(got.inputs, want_grads)), (got.inputs, want_grads)
    assert same(step(*replay_at), want)


# ---- the numbers inside sum and dot are operands in their place (no "total minus the other terms") ----
def test_a_constant_in_a_sum_survives_a_large_recording():
    """sum([x, 1.0]) recorded at 1e17 (where x + 1 rounds to x): the 1.0 is still there at x = 0."""
    step = autodiff.compile(lambda x: autodiff.sum([x, 1.0]), 1e17)
    assert step(0.0) == 1.0 == autodiff.sum([Value(0.0), 1.0]).data


def test_a_dot_keeps_its_bias_recorded_at_a_large_product():
    agree(lambda w, x: autodiff.dot([w], [x], 5.0), [1e10, 1e10], [1.0, 2.0])
    assert autodiff.compile(lambda w, x: autodiff.dot([w], [x], 5.0), 1e10, 1e10)(1.0, 2.0) == 7.0


def test_a_dot_with_plain_numbers_invents_nothing():
    """dot([w0, 1.0, w2], [1.0, x1, 1.0]) recorded at (1e16, 1, −1e16): 1e16 + 1 rounds, so a total
    minus the other terms would invent −1; the operands give the engine's numbers."""
    def make(w0, x1, w2):
        return autodiff.dot([w0, 1.0, w2], [1.0, x1, 1.0])

    agree(make, [1e16, 1.0, -1e16], [1e16, 1.0, -1e16])
    agree(make, [1e16, 1.0, -1e16], [2.0, 3.0, 4.0])
    assert autodiff.compile(make, 1e16, 1.0, -1e16)(2.0, 3.0, 4.0) == 9.0


def test_a_kink_after_a_sum_with_a_constant_takes_the_engine_side():
    """sum([x, 0.3]).relu() recorded at 0.1, replayed at −0.3: the sum is exactly 0, relu'(0) = 0."""
    step = autodiff.compile(lambda x: autodiff.sum([x, 0.3]).relu(), 0.1)
    want, (want_grad,) = eager(lambda x: autodiff.sum([x, 0.3]).relu(), [-0.3])
    assert (want, want_grad) == (0.0, 0.0)
    got = step.gradients(-0.3)
    assert same(got.value, want) and got.inputs == [0.0]


SCALES = st.sampled_from([1e16, 1e-16, 1.0, 3.0, 1e300, 1e-300, 0.1, -0.0, 0.0])
NUMBER = st.builds(lambda s, m: s * m, SCALES, st.floats(-2, 2, allow_nan=False))


@given(st.data())
def test_sums_and_dots_with_constants_replay_bitwise(data):
    """Random sums and dots of inputs and plain numbers (in any place, a bias or none, a Value paired
    with itself), on numbers whose sums round: recorded at one point, replayed at others, bitwise."""
    n = data.draw(st.integers(1, 3))
    layout = data.draw(st.lists(st.one_of(st.integers(0, n - 1), NUMBER), min_size=2, max_size=8))
    kind = data.draw(st.sampled_from(["sum", "dot", "dot+bias", "dot+constant bias"]))
    bias_const = data.draw(NUMBER)

    def operands(leaves):
        return [leaves[t] if type(t) is int else t for t in layout]

    def make(*leaves):
        ops = operands(leaves)
        if kind == "sum":
            body = autodiff.sum(ops)
        else:
            half = len(ops) // 2
            bias = leaves[0] if kind == "dot+bias" else bias_const if kind == "dot+constant bias" else None
            body = autodiff.dot(ops[:half], ops[half : 2 * half], bias)
        return body * leaves[-1] + leaves[0]  # every input reached, the body's gradient used

    points = [[data.draw(NUMBER) for _ in range(n)] for _ in range(3)]
    try:
        step = autodiff.compile(make, *points[0])
    except (ArithmeticError, ValueError):
        return
    for xs in points[1:]:
        try:
            want, want_grads = eager(make, xs)
        except (ArithmeticError, ValueError):
            continue
        got = step.gradients(*xs)
        assert same(got.value, want), (got.value, want)
        assert all(same(g, w) or g == w == 0.0 for g, w in zip(got.inputs, want_grads)), (got.inputs, want_grads)


# ---- create_graph: a kink's choice is a node, so a replay of the gradient follows its own numbers -----
KINKED = {
    "relu": lambda x: x.relu() * x,
    "abs": lambda x: abs(x) * x,
    "max": lambda x: autodiff.max(x, 0.0) * x,
    "min": lambda x: autodiff.min(x, 0.0) * x,
    "max of two": lambda x: autodiff.max(x, x * 0.5) * x,
    "leaky_relu": lambda x: x.leaky_relu(0.1) * x,
}


@pytest.mark.parametrize("name", sorted(KINKED))
@pytest.mark.parametrize(("record_at", "replay_at"), [(1.0, -1.0), (-1.0, 1.0), (1.0, 0.0), (-2.0, 0.5)])
def test_a_compiled_create_graph_gradient_follows_the_replay_numbers(name, record_at, replay_at):
    """d/dx (f(x)·x) as a graph (create_graph), recorded at one side of f's kink, replayed at the other:
    the value is the engine's first derivative there, its gradient the engine's second derivative."""
    f = KINKED[name]

    def first(x):
        (g,) = autodiff.grad(f(x), [x], create_graph=True)
        return g

    x = Value(replay_at)
    g = first(x)
    (want_second,) = autodiff.grad(g, [x])
    got = autodiff.compile(first, record_at).gradients(replay_at)
    assert same(got.value, g.data), (got.value, g.data)
    assert got.inputs == [want_second]


# ---- a user's operation registered again: old nodes keep their row, in the replay too ---------------
@pytest.fixture
def square_then_cube():
    """Op "f" registered as x² (f_old), nodes made, then registered again as x³."""
    f_old = autodiff.operation("f", "f", lambda x: x * x, lambda x, out: 2.0 * x)
    try:
        yield f_old
    finally:
        autodiff.custom.remove_operation("f")


def test_a_re_registered_operation_replays_old_nodes_with_their_row(square_then_cube):
    x = Value(3.0)
    old = square_then_cube(x)
    f_new = autodiff.operation("f", "f", lambda x: x**3, lambda x, out: 3.0 * x * x)
    y = Value(3.0)
    new = f_new(y)
    assert (old.data, new.data) == (9.0, 27.0)
    step_old = autodiff.compile(old, inputs=[x])
    step_new = autodiff.compile(new, inputs=[y])
    step_both = autodiff.compile(old * new, inputs=[x, y])
    for a in (3.0, -1.5, 0.25):
        assert step_old.gradients([a]) == (a * a, [2.0 * a], [])
        assert step_new.gradients([a]) == (a**3, [3.0 * a * a], [])
        xs, ys = Value(a), Value(a)
        z = square_then_cube(xs) * f_new(ys)
        z.backward()
        got = step_both.gradients([a, a])
        assert got.value == z.data and got.inputs == [xs.grad, ys.grad]
    (g_old,) = autodiff.grad(old, [x], create_graph=True)  # create_graph reads the same rows
    (g_new,) = autodiff.grad(new, [y], create_graph=True)
    assert (g_old.data, g_new.data) == (6.0, 27.0)
    replay_g = autodiff.compile(g_old, inputs=[x])
    assert replay_g.gradients([-2.0]).value == -4.0


def test_a_re_registered_operation_fails_in_the_replay_as_its_old_row_fails():
    """Made with a row whose forward is log (fails at x <= 0), then the name re-registered as x²: the
    replay at −1 raises the old row's error, as the eager engine does for the old function."""
    f_log = autodiff.operation("g", "g", math.log, lambda x, out: 1.0 / x)
    try:
        x = Value(2.0)
        step = autodiff.compile(f_log(x), inputs=[x])
        autodiff.operation("g", "g", lambda x: x * x, lambda x, out: 2.0 * x)
        with pytest.raises(ValueError) as eager_error:
            f_log(Value(-1.0))
        with pytest.raises(ValueError) as info:
            step.gradients([-1.0])
        assert str(eager_error.value) in str(info.value) and "compiled replay" in "".join(info.value.__notes__)
        assert step.gradients([math.e]).value == 1.0
    finally:
        autodiff.custom.remove_operation("g")


# ---- operations named like the compiler's variables and functions ---------------------------------
NAMES = ["x", "p", "v", "g", "s", "gx", "gp", "x0", "v1", "s0", "_exp", "_c", "_f0", "_la1", "_total", "_inf",
         "_x", "_saved", "forward", "backward", "_checked_pow", "_sigmoid"]  # fmt: skip


def test_operations_named_like_the_compiler_names_replay_as_the_engine():
    ops = []
    try:
        for i, name in enumerate(NAMES):
            k = 1.0 + i / 8
            if i % 2:
                ops.append(autodiff.operation(name, "op", lambda a, b, k=k: a * b + k,
                                              (lambda a, b, out: b, lambda a, b, out: a)))  # fmt: skip
            else:
                ops.append(autodiff.operation(name, "op", lambda x, k=k: math.sin(k * x),
                                              lambda x, out, k=k: k * autodiff.rules.cos(k * x)))  # fmt: skip

        def make(x, y):
            z = x
            for i, op in enumerate(ops):
                z = op(z, y) if i % 2 else op(z) + x
            return z

        step = autodiff.compile(make, 0.3, -0.4)
        check_source(step.source)
        check_source(step.step_source)
        for xs in ([0.3, -0.4], [1.1, 0.7], [-0.2, 2.0]):
            want, want_grads = eager(make, xs)
            got = step.gradients(*xs)
            assert same(got.value, want) and got.inputs == want_grads
    finally:
        for name in NAMES:
            if name in autodiff.custom.custom_operations():
                autodiff.custom.remove_operation(name)


# ---- what the replay derives from the rows -------------------------------------------------------
def test_the_functions_the_code_calls_are_the_rows_forwards():
    """Each ``_name`` a row's code calls is the ``name`` row's forward; the rest are the compiler's own."""
    for name, row in RULES.items():
        if name in BUILT_IN and not isinstance(row, Nary):
            for text in row.code:
                for word in codegen.NAMESPACE:
                    if f"{word}(" in text:
                        assert codegen.NAMESPACE[word] is RULES[word[1:]].forward
    assert codegen.NAMESPACE["_total"] is sum  # what rules._dot adds its products with


EXTREME = [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 710.0, -710.0, 1e308, -1e308, 1.7e308, 5e-324, -5e-324]


@pytest.mark.parametrize("name", sorted(op for op in BUILT_IN if getattr(RULES[op], "code", ())))
def test_a_forward_that_can_leave_the_floats_is_checked(name):
    """A row whose forward gives inf (or anything not a finite float) from finite operands without
    raising is one whose values the replay checks (``may_leave_floats`` of its code)."""
    row = RULES[name]
    points = [[a] for a in EXTREME] if len(row.code) == 2 else [[a, b] for a in EXTREME for b in EXTREME]
    outs = [_forward_or_none(row.forward, args) for args in points]
    if any(out is not None and (type(out) is not float or out - out != 0.0) for out in outs):
        assert codegen.may_leave_floats(row.code[0]), name
    else:
        assert not codegen.may_leave_floats(row.code[0]), name  # (checking it would cost a replay for nothing)


def _forward_or_none(forward, args):
    try:
        return forward(*args)
    except (ArithmeticError, ValueError):
        return None


# ---- a failed forward leaves nothing for backward ------------------------------------------------
def test_backward_after_a_failed_forward_is_refused():
    step = autodiff.compile(lambda x, y: (x * y).log(), 1.0, 2.0)
    assert step.forward(1.0, 2.0) == math.log(2.0)
    with pytest.raises(ValueError, match="log"):
        step.forward(-1.0, 2.0)
    with pytest.raises(RuntimeError, match="forward"):
        step.backward()
    with pytest.raises(TypeError):
        step.forward(1.0)  # wrong arguments fail too
    with pytest.raises(RuntimeError, match="forward"):
        step.backward()
    step.forward(3.0, 2.0)
    assert step.backward() == eager(lambda x, y: (x * y).log(), [3.0, 2.0])[1]


def test_random_programs_still_replay_as_the_engine():
    """The random programs of the other replay tests, bitwise now (values and gradients)."""
    from programs import random_program, run_program

    rng = random.Random(19)
    for _ in range(60):
        n = rng.randint(1, 4)
        steps = random_program(rng, n, rng.randint(1, 14), smooth=False)
        xs0 = [round(rng.uniform(-2, 2), 3) for _ in range(n)]
        leaves = [Value(x) for x in xs0]
        out, _ = run_program(steps, leaves)
        step = autodiff.compile(out, inputs=leaves)
        for _ in range(3):
            xs = [round(rng.uniform(-2, 2), 3) for _ in range(n)]
            ls = [Value(x) for x in xs]
            try:
                o, _ = run_program(steps, ls)
            except (ArithmeticError, ValueError):
                continue
            o.backward()
            got = step.gradients(xs)
            assert same(got.value, o.data)
            assert got.inputs == [v.grad for v in ls]


@pytest.mark.parametrize("name", sorted(BUILT_IN))
def test_the_diagnosis_makes_every_rows_node_as_the_engine(name):
    """The replay's diagnosis makes a node of every built-in row through the engine (its operator, method,
    function or ``apply``): the node follows that row and holds the row's forward, with a number on
    either side where the row takes one."""
    from autodiff.replay.diagnose import engine_node

    row = RULES[name]
    x, y = Value(0.75), Value(1.5)
    cases = [[x]] if len(getattr(row, "code", "ab")) == 2 else [[x, y], [x, 0.5]]
    if name in REFLECTED.values():  # the reflected forms: a plain number first
        cases.append([2.0, x])
    if isinstance(row, Nary):
        cases = [[x, 2.0, y], [x, y, 0.5, x, 3.0]]
    for operands in cases:
        node = engine_node(name, row, operands)
        assert node.rule == name and node.row is row
        assert same(node.data, row.forward(*[getattr(o, "data", o) for o in operands]))
        assert node.operands == tuple(operands)
