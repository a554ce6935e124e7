"""create_graph: every gradient a Value built from the rules table, differentiated again.

Second and third derivatives of every operation against analytic formulas and against central
finite differences of the derivative one order lower; reuse and diamonds; kinks as PyTorch
(relu'' = 0); the first derivative's numbers bitwise those of the float path."""

from __future__ import annotations

import math

import pytest

import autodiff
from autodiff import Value
from autodiff.rules import _sigmoid

H = 1e-5  # finite-difference step for the derivative one order lower


def nth(f, x0: float, n: int) -> list[float]:
    """[f, f', ..., f⁽ⁿ⁾] at x0 by create_graph, differentiating the previous Value again."""
    x = Value(x0, label="x")
    d = f(x)
    out = [d.data]
    for k in range(n):
        (d,) = autodiff.grad(d, [x], create_graph=k < n - 1, allow_unused=True)
        if d is None:  # the previous derivative was a constant: this one is 0
            out += [0.0] * (n - k)
            break
        out.append(d.data if isinstance(d, Value) else d)
        if not isinstance(d, Value):
            out += [0.0] * (n - k - 1)
            break
    return out


def fd_of(f, x0: float, order: int) -> float:
    """Central difference of the (order − 1)-th derivative."""
    return (nth(f, x0 + H, order - 1)[-1] - nth(f, x0 - H, order - 1)[-1]) / (2 * H)


s = _sigmoid
# name: (f, [f', f'', f'''] as functions of x, points)
CASES = {
    "neg": (lambda x: -x, [lambda x: -1, lambda x: 0, lambda x: 0], [0.7, -1.2]),
    "exp": (Value.exp, [math.exp] * 3, [0.3, -1.1]),
    "log": (Value.log, [lambda x: 1 / x, lambda x: -1 / x**2, lambda x: 2 / x**3], [0.4, 2.5]),
    "sqrt": (Value.sqrt, [lambda x: 0.5 * x**-0.5, lambda x: -0.25 * x**-1.5, lambda x: 0.375 * x**-2.5], [0.3, 4.0]),
    "tanh": (Value.tanh, [lambda x: 1 - math.tanh(x) ** 2, lambda x: -2 * math.tanh(x) * (1 - math.tanh(x) ** 2),
                          lambda x: (1 - math.tanh(x) ** 2) * (6 * math.tanh(x) ** 2 - 2)], [0.4, -1.3]),
    "sigmoid": (Value.sigmoid, [lambda x: s(x) * (1 - s(x)), lambda x: s(x) * (1 - s(x)) * (1 - 2 * s(x)),
                                lambda x: s(x) * (1 - s(x)) * (1 - 6 * s(x) + 6 * s(x) ** 2)], [0.5, -2.0]),
    "softplus": (Value.softplus, [s, lambda x: s(x) * (1 - s(x)), lambda x: s(x) * (1 - s(x)) * (1 - 2 * s(x))],
                 [0.5, -2.0]),
    "relu": (Value.relu, [lambda x: float(x > 0), lambda x: 0, lambda x: 0], [0.8, -0.8]),
    "abs": (abs, [lambda x: math.copysign(1, x), lambda x: 0, lambda x: 0], [0.8, -0.8]),
    "sin": (Value.sin, [math.cos, lambda x: -math.sin(x), lambda x: -math.cos(x)], [0.9, -2.1]),
    "cos": (Value.cos, [lambda x: -math.sin(x), lambda x: -math.cos(x), math.sin], [0.9, -2.1]),
    "add": (lambda x: x + 2.5, [lambda x: 1, lambda x: 0, lambda x: 0], [0.3]),
    "sub": (lambda x: x - 2.5, [lambda x: 1, lambda x: 0, lambda x: 0], [0.3]),
    "rsub": (lambda x: 2.5 - x, [lambda x: -1, lambda x: 0, lambda x: 0], [0.3]),
    "mul": (lambda x: x * x * x, [lambda x: 3 * x**2, lambda x: 6 * x, lambda x: 6], [0.7, -1.4]),
    "div": (lambda x: x / 3.0, [lambda x: 1 / 3, lambda x: 0, lambda x: 0], [0.7]),
    "rdiv": (lambda x: 2.0 / x, [lambda x: -2 / x**2, lambda x: 4 / x**3, lambda x: -12 / x**4], [0.7, -1.6]),
    "div_values": (lambda x: x.sin() / x, None, [0.7, 2.2]),
    "pow": (lambda x: x**3.5, [lambda x: 3.5 * x**2.5, lambda x: 8.75 * x**1.5, lambda x: 13.125 * x**0.5],
            [0.6, 1.7]),
    "rpow": (lambda x: 2.0**x, [lambda x: math.log(2) * 2**x, lambda x: math.log(2) ** 2 * 2**x,
                                lambda x: math.log(2) ** 3 * 2**x], [0.6, -1.2]),
    "pow_values": (lambda x: x**x, None, [0.6, 1.7]),
    "max": (lambda x: autodiff.max(x * x, 0.5), [lambda x: 2 * x, lambda x: 2, lambda x: 0], [1.2]),
    "min": (lambda x: autodiff.min(x * x, 0.5), [lambda x: 0, lambda x: 0, lambda x: 0], [1.2]),
    "leaky_relu": (lambda x: (x * x * x).leaky_relu(0.1),
                   [lambda x: 3 * x**2 * (1 if x > 0 else 0.1), lambda x: 6 * x * (1 if x > 0 else 0.1),
                    lambda x: 6 * (1 if x > 0 else 0.1)], [0.7, -0.7]),
    "sum": (lambda x: autodiff.sum([x * x, x.exp(), 3.0]), [lambda x: 2 * x + math.exp(x),
                                                             lambda x: 2 + math.exp(x), math.exp], [0.4]),
    "dot": (lambda x: autodiff.dot([x, x.sin(), 2.0], [x, x, x]), [lambda x: 2 * x + math.sin(x) + x * math.cos(x) + 2,
            lambda x: 2 + 2 * math.cos(x) - x * math.sin(x), lambda x: -3 * math.sin(x) - x * math.cos(x)], [0.4, -1.1]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_second_and_third_derivatives(name):
    f, analytic, points = CASES[name]
    for x0 in points:
        got = nth(f, x0, 3)
        for order in (2, 3):
            assert got[order] == pytest.approx(fd_of(f, x0, order), rel=1e-6, abs=1e-6), (name, x0, order)
            if analytic is not None:
                assert got[order] == pytest.approx(analytic[order - 1](x0), rel=1e-12, abs=1e-12), (name, x0, order)
        if analytic is not None:
            assert got[1] == pytest.approx(analytic[0](x0), rel=1e-12, abs=1e-12)


def test_reuse_and_diamond():
    """x feeds a diamond twice (a = x², b = sin x, out = a·b + a/b): second and third derivatives
    against finite differences, and against the product rule written out."""
    def f(x):
        a, b = x * x, x.sin()
        return a * b + a / b

    for x0 in (0.6, 1.9):
        d = nth(f, x0, 3)
        assert d[2] == pytest.approx(fd_of(f, x0, 2), rel=1e-6)
        assert d[3] == pytest.approx(fd_of(f, x0, 3), rel=1e-5)
        exact2 = 2 * math.sin(x0) + 4 * x0 * math.cos(x0) - x0**2 * math.sin(x0)
        c, sn = math.cos(x0), math.sin(x0)
        exact2 += (2 * sn**2 - 4 * x0 * sn * c + x0**2 * (sn**2 + 2 * c**2)) / sn**3  # (x²/sin x)''
        assert d[2] == pytest.approx(exact2, rel=1e-12)


def test_first_derivative_is_bitwise_the_float_path():
    def f(x, y):
        z = (x * y).tanh() + x**3 / y - autodiff.dot([x, y], [y, 2.0]) + (x * x).sigmoid() * y.exp()
        return z + z.relu() + abs(y)

    a, b = Value(0.7), Value(-1.3)
    f(a, b).backward()
    c, d = Value(0.7), Value(-1.3)
    f(c, d).backward(create_graph=True)
    assert isinstance(c.grad, Value) and (c.grad.data, d.grad.data) == (a.grad, b.grad)
    assert autodiff.grad(f(c, d), [c, d]) == (a.grad, b.grad)  # (floats, touching no .grad)


def test_relu_second_derivative_is_zero_as_torch():
    x = Value(0.5)
    (g,) = autodiff.grad(x.relu() * 3.0, [x], create_graph=True)
    # relu' is step(x), a node whose own derivative is 0: torch.autograd.grad(g, x) is tensor(0.) too
    assert g.data == 3.0 and autodiff.grad(g, [x]) == (0.0,)
    y = Value(-0.5)
    (g,) = autodiff.grad(y.relu(), [y], create_graph=True)
    assert g.data == 0.0 and isinstance(g, Value)  # a Value even where relu' = 0 (torch: requires_grad)


def test_grad_leaves_every_grad_alone_and_names_unused_inputs():
    x, y, z = Value(0.3, label="x"), Value(2.0, label="y"), Value(1.0, label="z")
    x.grad = 7.0
    f = x * y + y.exp()
    assert autodiff.grad(f, x) == (2.0,)
    assert (x.grad, y.grad, f.grad) == (7.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="'z'.*allow_unused"):
        autodiff.grad(f, [x, z])
    assert autodiff.grad(f, [x, z], allow_unused=True) == (2.0, None)
    assert autodiff.grad([f, x * 3.0], [x], grad_outputs=[1.0, 2.0]) == (8.0,)  # Σ grad_outputs · ∂out/∂x
    with pytest.raises(ValueError, match="2 entries for 1 output"):
        autodiff.grad(f, [x], grad_outputs=[1.0, 2.0])
    with pytest.raises(TypeError, match=r"inputs\[0\] must be a Value"):
        autodiff.grad(f, [0.3])


def test_create_graph_inside_no_grad_still_builds_the_graph_as_torch():
    x = Value(0.8)
    y = x * x * x
    with autodiff.no_grad():
        y.backward(create_graph=True)
        assert not autodiff.is_grad_enabled()
    assert isinstance(x.grad, Value) and x.grad.data == pytest.approx(3 * 0.64)
    (g2,) = autodiff.grad(x.grad, [x])
    assert g2 == pytest.approx(6 * 0.8)


def test_failing_create_graph_pass_leaves_grads_and_anomaly_names_the_node():
    x = Value(0.0, label="x")
    y = x.sqrt() * 2.0  # √x at 0: the local 1/(2√x) cannot be built as a Value
    with pytest.raises(ZeroDivisionError):
        y.backward(create_graph=True)
    assert x.grad == 0.0 and y.grad == 0.0
    with autodiff.detect_anomaly():
        z = Value(0.0, label="z")
        w = z.sqrt()
        with pytest.raises(autodiff.AnomalyError, match="'z'"):
            w.backward(create_graph=True)
    assert z.grad == 0.0


def test_drawing_shows_the_number_of_a_value_grad_and_leaves_it():
    """After backward(create_graph=True) every .grad is a Value: the drawing shows its number
    (it raised TypeError from Value.__format__ before) and the grads stay the same objects."""
    x = Value(0.5, label="x")
    f = (x * x).tanh()
    f.backward(create_graph=True)
    held = x.grad
    source = autodiff.draw(f).source
    assert "0.94" in source and x.grad is held and held.data == pytest.approx(0.940014848806378)


def test_grad_under_detect_anomaly_names_the_first_infinite_gradient():
    """As torch.autograd.grad under detect_anomaly: √x at 0 gives ∂/∂x = inf, an AnomalyError; outside
    it the inf comes back (as from backward)."""
    x = Value(0.0, label="x")
    y = x.sqrt() * 3.0
    assert autodiff.grad(y, [x]) == (math.inf,)
    with autodiff.detect_anomaly():
        z = Value(0.0, label="z")
        w = z.sqrt() * 3.0
        with pytest.raises(autodiff.AnomalyError, match="'z'"):
            autodiff.grad(w, [z])
        a = Value(0.5, label="a")
        assert autodiff.grad([a * a, a * 3.0], [a]) == (4.0,)
