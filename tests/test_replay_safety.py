"""autodiff.compile's generated code holds only the compiler's names, numbers and the rules table's
operations (parsed with ast against a whitelist, on random graphs and on hostile labels and scopes);
wrong arguments are clear errors; numbers that leave the float range raise as the engine raises."""

from __future__ import annotations

import ast
import math
import random
import re

import pytest
from programs import random_program, run_program

import autodiff
from autodiff import Value
from autodiff.replay.codegen import NAMESPACE
from autodiff.rules import RULES, Binary, Unary

ALLOWED = (ast.Module, ast.FunctionDef, ast.arguments, ast.arg, ast.Return, ast.Assign, ast.Name, ast.Load,
           ast.Store, ast.Tuple, ast.BinOp, ast.UnaryOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub,
           ast.IfExp, ast.Compare, ast.Gt, ast.Lt, ast.GtE, ast.LtE, ast.Eq, ast.Call, ast.Constant)  # fmt: skip
NAME = re.compile(r"^((x|p|v|g|gx|gp|s)\d+|_(f|la|lb)\d+|_[cxps]|_saved)$")
HOSTILE = ['"); import os; os.system("echo pwned") #', "__import__('os')", "\n\ndef forward(): pass", "g1 = 0"]


def check_source(source: str) -> None:
    """Every node type on the whitelist, every name the compiler's, every constant a float, every
    call to a bound name, every comment one of the compiler's."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        assert isinstance(node, ALLOWED), f"{type(node).__name__} in generated code"
        if isinstance(node, ast.Name):
            assert NAME.match(node.id) or node.id in NAMESPACE, node.id
        if isinstance(node, ast.arg):
            assert NAME.match(node.arg) or node.arg in NAMESPACE, node.arg
        if isinstance(node, ast.Constant):
            assert type(node.value) is float, repr(node.value)
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name) and node.func.id.startswith("_") and not node.keywords
        if isinstance(node, ast.FunctionDef):
            assert node.name in ("forward", "backward", "step") and not node.decorator_list
            assert all(isinstance(d, ast.Name) and d.id == a.arg for d, a in zip(node.args.defaults,
                       node.args.args[len(node.args.args) - len(node.args.defaults):]))  # fmt: skip
    comments = {line.strip() for line in source.splitlines() if line.strip().startswith("#")}
    assert comments <= {"# forward: one line per node", "# forward", "# backward",
                        "# the most-read names first: CPython numbers local slots in order of appearance",
                        "# backward: each gradient is the sum over the node's uses of upstream × local derivative"}


def sources(step) -> list[str]:
    return [step.source, step.step_source]


@pytest.mark.parametrize("seed", range(40))
def test_generated_code_is_whitelisted_on_random_graphs(seed):
    rng = random.Random(seed)
    leaves = [Value(rng.uniform(-2, 2), label=HOSTILE[seed % len(HOSTILE)]) for _ in range(3)]
    with autodiff.scope(HOSTILE[(seed + 1) % len(HOSTILE)]):
        out, pool = run_program(random_program(rng, 3, 12, smooth=False), leaves)
    for v in pool:
        v.label = HOSTILE[seed % len(HOSTILE)]
    step = autodiff.compile(out, inputs=leaves[:2])
    for text in sources(step):
        check_source(text)
        for bad in ("pwned", "import", "os", "label", "scope"):
            assert bad not in text.replace("_cos", "")


def test_a_row_registered_at_run_time_is_called_through_bound_names(monkeypatch):
    """A user's Unary and Binary rows (no inline form) run through _f/_la/_lb names bound to the
    row's functions; replacing a built-in row also switches off its inline form."""
    cube = Unary("cube", lambda x: x**3, lambda x, out: 3 * x * x, "3x²")
    hyp = Binary("hyp", lambda a, b: math.hypot(a, b), lambda a, b, out: a / out, lambda a, b, out: b / out, "")
    monkeypatch.setitem(RULES, "cube", cube)
    monkeypatch.setitem(RULES, "hyp", hyp)
    monkeypatch.setitem(RULES, "tanh", Unary("tanh", math.tanh, lambda x, out: 1.0 - out * out, "same maths"))
    x, y = Value(0.5), Value(2.0)
    c = Value(x.data**3)
    c.op, c._a, c._da = "cube", x, 3 * x.data**2
    h = Value(math.hypot(c.data, y.data))
    h.op, h._a, h._da, h._b, h._db = "hyp", c, c.data / h.data, y, y.data / h.data
    out = h.tanh() * x
    step = autodiff.compile(out, inputs=[x, y])
    for text in sources(step):
        check_source(text)
    assert "_f" in step.source and "_tanh(" not in step.source
    a, b = 0.7, -1.5
    cv = a**3
    hv = math.hypot(cv, b)
    t = math.tanh(hv)
    got = step.gradients([a, b])
    dh = (1 - t * t) * a
    assert math.isclose(got.value, t * a, rel_tol=1e-12)
    assert math.isclose(got.inputs[0], t + dh * cv / hv * 3 * a * a, rel_tol=1e-12)
    assert math.isclose(got.inputs[1], dh * b / hv, rel_tol=1e-12)


def test_an_operation_without_a_row_is_refused_when_recording():
    x = Value(1.0)
    y = x * 2.0
    y.op = "mystery"
    with pytest.raises(ValueError, match="'mystery' has no row"):
        autodiff.compile(y, inputs=[x])


@pytest.mark.parametrize(("args", "error", "match"), [
    (([1.0],), ValueError, r"argument 1: .*recorded for 2 entries here, got 1"),
    (([1.0, 2.0, 3.0],), ValueError, "recorded for 2 entries"),
    (([1.0, "2"],), TypeError, r"argument 1\[1\]"),
    (([1.0, Value(2.0)],), TypeError, r"argument 1\[1\]: a replay takes numbers, got a Value"),
    (([1.0, math.nan],), ValueError, r"argument 1\[1\] needs a finite number"),
    (([math.inf, 1.0],), ValueError, r"argument 1\[0\] needs a finite number"),
    (([True, 1.0],), TypeError, r"argument 1\[0\]"),
    ((1.0,), TypeError, "expected a list of 2 numbers, got float"),
    (([1.0, 2.0], [3.0]), TypeError, "takes 1 argument"),
])  # fmt: skip
def test_wrong_arguments_are_clear_errors(args, error, match):
    x, y = Value(1.0), Value(2.0)
    step = autodiff.compile(x * y, inputs=[x, y])
    with pytest.raises(error, match=match):
        step(*args)
    assert step([3, 4.0]) == 12.0  # ints are numbers (as Value takes them)


def test_a_nested_shape_is_checked_per_position():
    step = autodiff.compile(lambda rows: autodiff.sum([r[0] * r[1] for r in rows]), [[1.0, 2.0], [3.0, 4.0]])
    assert step.forward([[1.0, 1.0], [2.0, 2.0]]) == 5.0
    with pytest.raises(ValueError, match=r"argument 1\[1\]: .*2 entries here, got 3"):
        step.forward([[1.0, 1.0], [2.0, 2.0, 2.0]])
    with pytest.raises(ValueError, match=r"argument 1\[1\]\[0\] needs a finite number"):
        step.forward([[1.0, 1.0], [math.inf, 2.0]])


def test_wrong_leaf_sets_are_refused_when_recording():
    x, y, z = Value(1.0), Value(2.0), Value(3.0)
    f = x * y + z
    with pytest.raises(ValueError, match="not a leaf"):
        autodiff.compile(f, inputs=[x * y])
    with pytest.raises(ValueError, match="same Value"):
        autodiff.compile(f, inputs=[x, x])
    with pytest.raises(ValueError, match="neither inputs nor params"):
        autodiff.compile(f, inputs=[x], params=[y])
    with pytest.raises(ValueError, match="also one of the inputs"):
        autodiff.compile(f, inputs=[x], params=[x, y, z])
    with pytest.raises(TypeError, match="name the leaves"):
        autodiff.compile(f)
    assert autodiff.compile(f, inputs=[x], params=[z, y]).gradients([2.0]).params == [1.0, 2.0]


def _eager_error(make, xs):
    leaves = [Value(v) for v in xs]
    with pytest.raises((ArithmeticError, ValueError)) as info:
        make(*leaves)
    return info.value


@pytest.mark.parametrize(("make", "rec", "bad"), [
    (lambda x, y: (x * y).tanh(), [1.0, 2.0], [1e200, 1e200]),  # the overflow tanh would hide (1.0)
    (lambda x, y: 1.0 / (x * y + 1.0) + y, [1.0, 2.0], [1e300, 1e300]),  # … and 1/inf = 0
    (lambda x, y: (x + y).exp(), [1.0, 2.0], [500.0, 400.0]),
    (lambda x, y: (x - y).log(), [3.0, 2.0], [1.0, 2.0]),
    (lambda x, y: (x - y).sqrt(), [3.0, 2.0], [1.0, 2.0]),
    (lambda x, y: x / (y - 2.0), [3.0, 3.0], [1.0, 2.0]),
    (lambda x, y: (x - y) ** 0.5, [3.0, 2.0], [1.0, 2.0]),
    (lambda x, y: (x - y) ** -1.0, [3.0, 2.0], [2.0, 2.0]),
    (lambda x, y: x ** y, [3.0, 2.0], [-1.0, 2.0]),
    (lambda x, y: (x * 1e300) * (y * 1e10) - x, [1e-300, 1e-10], [1.0, 1.0]),
    (lambda x, y: autodiff.dot([x, y], [x, y]).relu(), [1.0, 2.0], [1e200, 1.0]),
    (lambda x, y: autodiff.sum([x, y, x]).sigmoid(), [1.0, 2.0], [1.7e308, 1.7e308]),
])  # fmt: skip
def test_numbers_leaving_the_float_range_raise_as_the_engine_does(make, rec, bad):
    leaves = [Value(v) for v in rec]
    step = autodiff.compile(make(*leaves), inputs=leaves)
    want = _eager_error(make, bad)
    for run in (step.gradients, step.forward):
        with pytest.raises(type(want)) as info:
            run(bad)
        assert str(want) in str(info.value) and "compiled replay" in "".join(info.value.__notes__)


def test_a_param_set_to_nan_by_hand_is_refused():
    w = Value(1.0)
    step = autodiff.compile(lambda x: (w * x).tanh(), 1.0)
    w.data = math.nan
    with pytest.raises(ValueError, match="param 0's data needs a finite number"):
        step(2.0)
    w.data = "3"
    with pytest.raises(TypeError, match="param 0's data"):
        step(2.0)


def test_backward_needs_a_forward_and_the_right_seeds():
    x = Value(1.0)
    step = autodiff.compile([x * 2.0, x * 3.0], inputs=[x])
    with pytest.raises(RuntimeError, match="forward"):
        step.backward([1.0, 1.0])
    assert step.forward([2.0]) == [4.0, 6.0]
    with pytest.raises(ValueError, match="2 seed"):
        step.backward([1.0])
    with pytest.raises(ValueError, match="one seed per output"):
        step.backward()
    with pytest.raises(ValueError, match="2 outputs"):
        step([2.0])
    assert step.backward([1.0, -1.0]) == [-1.0]


def test_recording_under_no_grad_is_refused():
    """Under no_grad fn's results are leaves: a replay of them would silently be a constant."""
    with autodiff.no_grad(), pytest.raises(RuntimeError, match="grad on"):
        autodiff.compile(lambda x: x * 2.0, 1.0)
