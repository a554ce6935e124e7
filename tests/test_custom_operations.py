"""autodiff.operation: a row of your own in the rules table, treated like the built-ins (drawn,
traced, checked, differentiated to any order). GELU (tanh form) and softsign against torch (when it
is installed; without it those comparisons skip, saying so, and the rest run)."""

from __future__ import annotations

import math
import re

import pytest

import autodiff
from autodiff import RULES, Value
from autodiff.custom import remove_operation
from autodiff.functional import hessian
from autodiff.rules import Binary, Unary, sqrt, tanh

try:
    import torch
except ImportError:  # PyTorch is optional
    torch = None

needs_torch = pytest.mark.skipif(torch is None,
                                 reason="PyTorch is not installed: the comparison with PyTorch is skipped")
C = math.sqrt(2 / math.pi)


def _gelu_d(x, out):
    """GELU'(x) = ½(1 + t) + ½x(1 − t²)·C(1 + 3·0.044715x²), t = tanh(C(x + 0.044715x³))."""
    t = tanh(C * (x + 0.044715 * x * x * x))
    return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * C * (1.0 + 3 * 0.044715 * x * x)


@pytest.fixture
def ops():
    made = {
        "gelu": autodiff.operation("gelu", "GELU", lambda x: 0.5 * x * (1 + math.tanh(C * (x + 0.044715 * x**3))),
                                   _gelu_d, maths="GELU(x) = ½x(1 + tanh(√(2/π)(x + 0.044715x³)))"),
        "softsign": autodiff.operation("softsign", "softsign", lambda x: x / (1 + abs(x)),
                                       lambda x, out: 1.0 / (1.0 + abs(x)) ** 2, maths="d/dx x/(1+|x|) = 1/(1+|x|)²"),
        "hypot": autodiff.operation("hypot", "hypot", math.hypot,
                                    (lambda a, b, out: a / out, lambda a, b, out: b / out), maths="∂/∂a = a/out"),
    }
    yield made
    for name in made:
        remove_operation(name)
    assert "gelu" not in RULES


TORCH = {"gelu": lambda t: torch.nn.functional.gelu(t, approximate="tanh"),
         "softsign": lambda t: torch.nn.functional.softsign(t)}


@needs_torch
@pytest.mark.parametrize("name", ["gelu", "softsign"])
def test_values_first_and_second_derivatives_match_torch(ops, name):
    op = ops[name]
    for x0 in (-2.3, -0.4, 0.0 if name == "gelu" else 0.2, 0.7, 3.1):
        x = Value(x0, label="x")
        y = op(x)
        assert y.op == name and isinstance(RULES[name], Unary)
        (d1,) = autodiff.grad(y, [x], create_graph=True)
        (d2,) = autodiff.grad(d1, [x])
        t = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
        yt = TORCH[name](t)
        (t1,) = torch.autograd.grad(yt, t, create_graph=True)
        (t2,) = torch.autograd.grad(t1, t)
        assert y.data == pytest.approx(yt.item(), rel=1e-15, abs=1e-16)
        assert d1.data == pytest.approx(t1.item(), rel=1e-14)
        assert d2 == pytest.approx(t2.item(), rel=1e-12, abs=1e-15)


@needs_torch
def test_a_binary_operation_of_your_own_has_its_hessian(ops):
    hyp = ops["hypot"]
    ours = hessian(lambda v: hyp(v[0], v[1]) * v[0], [0.6, -1.4])
    theirs = torch.autograd.functional.hessian(lambda t: torch.hypot(t[0], t[1]) * t[0],
                                               torch.tensor([0.6, -1.4], dtype=torch.float64)).tolist()  # fmt: skip
    assert [h for row in ours for h in row] == pytest.approx([h for row in theirs for h in row], rel=1e-12)


def test_a_binary_operation_of_your_own_is_a_binary_row(ops):
    hyp = ops["hypot"]
    assert isinstance(RULES["hypot"], Binary)
    assert hyp(Value(3.0), 4.0).data == 5.0  # a plain number as the second input


def test_drawn_traced_and_checked_like_a_built_in(ops):
    x = Value(0.8, label="x")
    y = ops["gelu"](x * 2.0)
    assert "GELU" in autodiff.draw(y).source
    assert "GELU(v1)" in str(autodiff.trace_backward(y))
    assert autodiff.gradcheck(lambda x: ops["gelu"](x) * ops["softsign"](x), [0.8])
    assert autodiff.gradgradcheck(lambda x: ops["gelu"](x) * ops["softsign"](x), [0.8])
    assert x.grad == 0.0


def test_a_wrong_derivative_is_caught_by_gradcheck():
    bad = autodiff.operation("bad_square", "sq", lambda x: x * x, lambda x, out: 3.0 * x)
    try:
        report = autodiff.gradcheck(lambda x: bad(x), [0.9])
        assert not report and "✗" in str(report)
    finally:
        remove_operation("bad_square")


def test_registration_errors_are_clear(ops):
    with pytest.raises(ValueError, match="built-in"):
        autodiff.operation("tanh", "t", math.tanh, lambda x, out: 1 - out * out)
    with pytest.raises(ValueError, match="identifier"):
        autodiff.operation("my op", "m", math.tanh, lambda x, out: 1 - out * out)
    with pytest.raises(TypeError, match=r"2 argument\(s\) \(x, out\)"):
        autodiff.operation("mine", "m", math.tanh, lambda x: 1)
    with pytest.raises(TypeError, match="pair of functions"):
        autodiff.operation("mine", "m", math.tanh, 3)
    with pytest.raises(ValueError, match="finite"):
        autodiff.operation("blowup", "b", lambda x: math.inf, lambda x, out: 0.0)(Value(1.0))
    remove_operation("blowup")
    with pytest.raises(ValueError, match="mylog: its forward failed at -1.0"):
        autodiff.operation("mylog", "ln", math.log, lambda x, out: 1.0 / x)(Value(-1.0))
    remove_operation("mylog")
    with pytest.raises(TypeError, match="needs a Value"):
        ops["gelu"](0.3)
    with pytest.raises(TypeError, match="two inputs"):
        ops["hypot"](Value(1.0))


def test_the_micrograd_constructor_points_to_autodiff_operation():
    a, b = Value(1.0), Value(2.0)
    with pytest.raises(TypeError, match=r"autodiff\.operation\(name, symbol, forward, derivative\)"):
        Value(3.0, (a, b), (2.0, 1.0))


def test_the_symbol_is_escaped_in_drawings():
    op = autodiff.operation("angle", "<b>&", lambda x: 2 * x, lambda x, out: 2.0)
    try:
        source = autodiff.draw(op(Value(1.0))).source
        assert "<b>&" not in source.replace("&lt;b&gt;&amp;", "")
    finally:
        remove_operation("angle")


def test_sqrt_helper_runs_on_values():
    x = Value(4.0)
    assert sqrt(x).op == "sqrt" and sqrt(4.0) == 2.0


def test_a_registered_operation_is_compiled_and_forward_differentiated_like_the_built_ins(ops):
    """The compiled replay and forward mode read the row registered at run time: the same numbers as
    the eager engine (values, gradients), and both Jacobian modes agree."""
    gelu, softsign, hypot = ops["gelu"], ops["softsign"], ops["hypot"]

    def f(x, y):
        return hypot(gelu(x * y), softsign(x - y)) * x

    step = autodiff.compile(f, 0.7, -1.3)
    for x0, y0 in [(0.7, -1.3), (-2.0, 0.4), (1.9, 2.2)]:
        x, y = Value(x0, label="x"), Value(y0, label="y")
        out = f(x, y)
        out.backward()
        got = step.gradients(x0, y0)
        assert got.value == pytest.approx(out.data, rel=1e-12)
        assert list(got.inputs) == pytest.approx([x.grad, y.grad], rel=1e-12)
        tangent = autodiff.forward_gradient(out, {x: 1.0})
        assert tangent == pytest.approx(x.grad, rel=1e-12)
    assert not {"gelu", "softsign", "hypot"} & set(re.findall(r"[A-Za-z_]+", step.source))  # names are user text
    rows = autodiff.functional.jacobian(lambda v: [f(v[0], v[1])], [0.3, 0.8])
    cols = autodiff.functional.jacobian(lambda v: [f(v[0], v[1])], [0.3, 0.8], mode="forward")
    assert len(rows) == len(cols) == 1 and rows[0] == pytest.approx(cols[0], rel=1e-12)
