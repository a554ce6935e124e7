"""autodiff.functional against torch.autograd.functional / torch.func (float64): Hessians of random
composed functions and of a tiny MLP's loss to 1e-10, jvp/vjp/jacobian/hvp, both Jacobian modes,
and grads of grads accumulating and zeroing as PyTorch's do. PyTorch is optional: without it the
comparisons skip (saying so) and the checks of our own modes against each other still run."""

from __future__ import annotations

import math
import random

import pytest

import autodiff
import nn
from autodiff import Value
from autodiff.functional import hessian, hvp, jacobian, jvp, vjp
from nn import functional as F

try:
    import torch
except ImportError:  # PyTorch is optional
    torch = None

needs_torch = pytest.mark.skipif(torch is None,
                                 reason="PyTorch is not installed: the comparison with PyTorch is skipped")

# torch's own note on backward(create_graph=True) (a reference cycle in torch; the comparison wants it)
pytestmark = [pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True:UserWarning"),
              pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")]

UNARY = ["exp", "tanh", "sigmoid", "sin", "cos", "log", "sqrt", "neg", "square"]
BINARY = ["add", "sub", "mul", "div", "pow"]


def program(seed: int, n: int, steps: int = 10) -> list[tuple]:
    rng = random.Random(seed)
    prog = []
    for k in range(steps):
        size = n + k
        if rng.random() < 0.5:
            prog.append(("u", rng.choice(UNARY), rng.randrange(size)))
        else:
            prog.append(("b", rng.choice(BINARY), rng.randrange(size), rng.randrange(size)))
    return prog


def run(prog: list[tuple], xs: list, lib) -> object:
    """The program on autodiff Values or torch tensors: each step appends a node; log, sqrt, pow
    and div read a positive version (v² + ½) so every point is in the domain."""
    nodes = list(xs)
    for step in prog:
        if step[0] == "u":
            v = nodes[step[2]]
            name = step[1]
            if name in ("log", "sqrt"):
                v = v * v + 0.5
            nodes.append(-v if name == "neg" else v * v if name == "square" else getattr(v, name)())
        else:
            a, b = nodes[step[2]], nodes[step[3]]
            name = step[1]
            if name in ("div", "pow"):
                a2 = a * a + 0.5
                nodes.append(a / (b * b + 0.5) if name == "div" else a2 ** (b.tanh()))
            else:
                nodes.append({"add": a + b, "sub": a - b, "mul": a * b}[name])
    return lib.total(nodes[len(xs):])


class Ours:
    total = staticmethod(lambda nodes: autodiff.sum(nodes) * 0.5)


class Torch:
    total = staticmethod(lambda nodes: torch.stack(nodes).sum() * 0.5)


def _torch_h(f, x0):
    return torch.autograd.functional.hessian(f, torch.tensor(x0, dtype=torch.float64)).tolist()


def _flat(m) -> list:
    return [x for row in m for x in row] if isinstance(m[0], list) else list(m)


def _close(a, b, tol=1e-10):
    flat_a, flat_b = _flat(a), _flat(b)
    assert len(flat_a) == len(flat_b)
    for p, q in zip(flat_a, flat_b):
        assert abs(p - q) <= tol * max(1.0, abs(q)), (p, q)


def _random_case(seed: int) -> tuple[list, list[float]]:
    rng = random.Random(100 + seed)
    return program(seed, 3), [rng.uniform(-1.5, 1.5) for _ in range(3)]


@needs_torch
@pytest.mark.parametrize("seed", range(8))
def test_hessian_of_random_functions_matches_torch(seed):
    prog, x0 = _random_case(seed)
    _close(hessian(lambda xs: run(prog, xs, Ours), x0), _torch_h(lambda t: run(prog, list(t), Torch), x0))


@pytest.mark.parametrize("seed", range(8))
def test_hessian_forward_over_reverse_matches_reverse_over_reverse(seed):
    prog, x0 = _random_case(seed)
    ours = hessian(lambda xs: run(prog, xs, Ours), x0)
    _close(hessian(lambda xs: run(prog, xs, Ours), x0, mode="forward"), ours)


@needs_torch
def test_hessian_of_a_tiny_mlp_loss_matches_torch():
    model = nn.MLP(2, [3, 1], activation="tanh", seed=1)
    X, Y = [[0.5, -1.0], [1.5, 0.3]], [0.2, -0.4]
    params = model.parameters()
    ours = hessian(lambda: F.mse([model(x) for x in X], Y), params)
    net = model.to_torch()
    names = [n for n, _ in net.named_parameters()]
    shapes = [p.shape for _, p in net.named_parameters()]
    flat = torch.cat([p.detach().reshape(-1) for _, p in net.named_parameters()])
    xt, yt = torch.tensor(X, dtype=torch.float64), torch.tensor(Y, dtype=torch.float64)

    def loss(theta):
        out, k = {}, 0
        for name, shape in zip(names, shapes):
            size = shape.numel()
            out[name] = theta[k:k + size].reshape(shape)
            k += size
        return ((torch.func.functional_call(net, out, (xt,)).reshape(-1) - yt) ** 2).mean()

    order = _torch_order(model, net)
    theirs = torch.autograd.functional.hessian(loss, flat)
    _close(ours, [[theirs[i, j].item() for j in order] for i in order])
    assert all(p.grad == 0.0 for p in params)  # no .grad touched


def _torch_order(model, net) -> list[int]:
    """Position in torch's flat parameter vector of each of model.parameters() (same values)."""
    flat = torch.cat([p.detach().reshape(-1) for p in net.parameters()]).tolist()
    pos = []
    for p in model.parameters():
        pos.append(next(i for i, v in enumerate(flat) if v == p.data and i not in pos))
    return pos


def vector_f(v):
    return [v[0] * v[1].sin(), (v[0] - v[2]).exp(), v[1] ** 2.0 / (v[2] * v[2] + 1.0), v[0].tanh()]


def vector_t(t):
    return torch.stack([t[0] * t[1].sin(), (t[0] - t[2]).exp(), t[1] ** 2.0 / (t[2] * t[2] + 1.0), t[0].tanh()])


X0 = [0.4, -1.1, 0.8]


@needs_torch
def test_jacobian_matches_torch():
    theirs = torch.autograd.functional.jacobian(vector_t, torch.tensor(X0, dtype=torch.float64)).tolist()
    _close(jacobian(vector_f, X0), theirs, 1e-13)
    assert jacobian(lambda x: x.sin(), 0.3) == pytest.approx(torch.cos(torch.tensor(0.3, dtype=torch.float64)).item())


def test_jacobian_both_modes_agree():
    reverse, forward = jacobian(vector_f, X0), jacobian(vector_f, X0, mode="forward")
    _close(forward, reverse, 1e-15)
    assert jacobian(lambda x: x.sin(), 0.3) == pytest.approx(math.cos(0.3), rel=1e-15)
    with pytest.raises(ValueError, match="mode"):
        jacobian(vector_f, X0, mode="sideways")


@needs_torch
def test_jvp_vjp_hvp_match_torch():
    t0, v3, v4 = torch.tensor(X0, dtype=torch.float64), [1.0, -2.0, 0.5], [0.3, 1.0, -1.0, 2.0]
    value, ours = jvp(vector_f, X0, v3)
    _, theirs = torch.func.jvp(vector_t, (t0,), (torch.tensor(v3, dtype=torch.float64),))
    _close(ours, theirs.tolist(), 1e-13)
    _close(value, vector_t(t0).tolist(), 1e-15)
    _, ours = vjp(vector_f, X0, v4)
    _, theirs = torch.autograd.functional.vjp(vector_t, t0, torch.tensor(v4, dtype=torch.float64))
    _close(ours, theirs.tolist(), 1e-13)
    prog = program(3, 3)
    _, ours = hvp(lambda xs: run(prog, xs, Ours), X0, v3)
    _, theirs = torch.autograd.functional.hvp(lambda t: run(prog, list(t), Torch), t0,
                                              torch.tensor(v3, dtype=torch.float64))  # fmt: skip
    _close(ours, theirs.tolist(), 1e-10)
    with pytest.raises(ValueError, match="3 entries, needs 4"):
        vjp(vector_f, X0, v3)


@needs_torch
def test_grads_of_grads_accumulate_and_zero_as_torch():
    def f(x, y):
        return (x * y).sin() * x + y.exp() * x * x

    x, y = Value(0.7), Value(-0.4)
    xt = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    yt = torch.tensor(-0.4, dtype=torch.float64, requires_grad=True)
    f(x, y).backward(create_graph=True)
    f(x, y).backward(create_graph=True)  # twice: x.grad = 2 ∂f/∂x, a Value
    f(xt, yt).backward(create_graph=True)
    f(xt, yt).backward(create_graph=True)
    assert x.grad.data == pytest.approx(xt.grad.item(), rel=1e-14)
    gx, gxt = x.grad, xt.grad
    x.grad = y.grad = 0.0
    xt.grad = yt.grad = None
    gx.backward()
    gxt.backward()
    assert (x.grad, y.grad) == pytest.approx((xt.grad.item(), yt.grad.item()), rel=1e-13)
    x.grad, y.grad = 0.0, 0.0
    xt.grad, yt.grad = None, None
    out = f(x, y)
    out.backward(create_graph=True)
    out.zero_grad()  # zero_grad works on Value grads
    assert x.grad == 0.0 and y.grad == 0.0 and out.grad == 0.0
    (gx,) = autodiff.grad(f(x, y), [x], create_graph=True)
    (gxt,) = torch.autograd.grad(f(xt, yt), [xt], create_graph=True)
    gx.backward(create_graph=True)
    gx.backward(create_graph=True)  # ∂²f/∂x² accumulated twice, as Values
    gxt.backward(create_graph=True)
    gxt.backward(create_graph=True)
    assert x.grad.data == pytest.approx(xt.grad.item(), rel=1e-13)
    assert y.grad.data == pytest.approx(yt.grad.item(), rel=1e-13)


BINARY_PAIRS = {  # name: (autodiff, torch), each read as op(a, b) · a + b³ so every mixed term appears
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "div": (lambda a, b: a / b, lambda a, b: a / b),
    "pow": (lambda a, b: a**b, lambda a, b: a**b),
    "max": (autodiff.max, lambda a, b: torch.maximum(a, b)),
    "min": (autodiff.min, lambda a, b: torch.minimum(a, b)),
    "dot": (lambda a, b: autodiff.dot([a, b], [b, a]), lambda a, b: a * b + b * a),
}


@needs_torch
@pytest.mark.parametrize("name", sorted(BINARY_PAIRS))
def test_hessian_of_each_binary_operation_of_two_values_matches_torch(name):
    ours_op, torch_op = BINARY_PAIRS[name]
    for point in ([0.7, 1.3], [1.6, 0.4]):
        ours = hessian(lambda v: ours_op(v[0], v[1]) * v[0] + v[1] ** 3, point)
        theirs = _torch_h(lambda t: torch_op(t[0], t[1]) * t[0] + t[1] ** 3, point)
        _close(ours, theirs, 1e-12)


@pytest.mark.parametrize("make", [lambda ps: nn.SGD(ps, lr=0.1), lambda ps: nn.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
                                  lambda ps: nn.Adam(ps, lr=0.01, weight_decay=0.01)])  # fmt: skip
def test_optimizers_step_with_value_gradients_as_torch(make):
    """After backward(create_graph=True) every .grad is a Value: a step reads its number (as torch's
    step reads the gradient tensor); p.data used to become a Value, silently."""
    def run(create_graph: bool) -> list[float]:
        model = nn.MLP(1, [2, 1], activation="tanh", seed=0)
        opt = make(model.parameters())
        for _ in range(2):
            opt.zero_grad()
            F.mse([model([0.5]), model([-1.0])], [0.2, 0.1]).backward(create_graph=create_graph)
            opt.step()
        return [p.data for p in model.parameters()]

    values = run(True)
    assert all(type(d) is float for d in values) and values == run(False)
