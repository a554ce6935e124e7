"""``x.grad = None`` (PyTorch's set-to-none, ``opt.zero_grad(set_to_none=True)``) means "no gradient
yet": ``backward()`` fills it, the tools read it, optimizers skip the parameter (as torch.optim does).
Checked against a fresh graph's gradients, finite differences, and torch.optim in float64 when
PyTorch is installed."""

from __future__ import annotations

import math

import pytest

import autodiff
import nn
from autodiff import Value


def _graph():
    """f = tanh(x·y + z)·x at x = 0.5, y = −1.5, z = 0.25."""
    x, y, z = Value(0.5, label="x"), Value(-1.5, label="y"), Value(0.25, label="z")
    return x, y, z, (x * y + z).tanh() * x


def _numeric() -> list[float]:
    def f(x, y, z):
        return math.tanh(x * y + z) * x

    h, at = 1e-6, [0.5, -1.5, 0.25]
    out = []
    for i in range(3):
        up, down = list(at), list(at)
        up[i] += h
        down[i] -= h
        out.append((f(*up) - f(*down)) / (2 * h))
    return out


def test_backward_fills_a_grad_set_to_none():
    x, y, z, f = _graph()
    x.grad = None
    f.grad = None
    f.backward()
    assert [v.grad for v in (x, y, z)] == pytest.approx(_numeric(), rel=1e-8)
    fresh = _graph()
    fresh[3].backward()
    assert [v.grad for v in (x, y, z)] == [v.grad for v in fresh[:3]]  # bitwise a pass from zero


def test_none_beside_gradients_left_from_an_earlier_pass():
    x, y, z, f = _graph()
    f.backward()
    once = [v.grad for v in (x, y, z)]
    x.grad = None  # x starts again; y and z accumulate
    f.backward()
    assert x.grad == once[0] and [y.grad, z.grad] == [2 * once[1], 2 * once[2]]


def test_none_under_detect_anomaly_and_create_graph():
    x, y, z, f = _graph()
    x.grad = None
    with autodiff.detect_anomaly():
        f.backward()
    assert [v.grad for v in (x, y, z)] == pytest.approx(_numeric(), rel=1e-8)
    x, y, z, f = _graph()
    x.grad = None
    f.backward(create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == pytest.approx(_numeric()[0], rel=1e-8)


def test_a_failed_anomaly_pass_puts_none_back():
    x = Value(0.0, label="x")
    y = Value(2.0)
    x.grad, y.grad = None, 1.5
    with pytest.raises(autodiff.AnomalyError), autodiff.detect_anomaly():
        (x.sqrt() * y).backward()
    assert x.grad is None and y.grad == 1.5


def test_another_type_error_still_raises():
    x, _, _, f = _graph()
    x.grad = "0"
    with pytest.raises(TypeError):
        f.backward()


def test_the_tools_read_a_none_grad_and_leave_it():
    x, y, z, f = _graph()
    x.grad = None
    trace = autodiff.trace_backward(f)
    assert [trace.grads[v] for v in (x, y, z)] == pytest.approx(_numeric(), rel=1e-8)
    assert "x" in autodiff.draw(f, show_local=True).source
    assert autodiff.check_backward(f, {x: _numeric()[0], y: _numeric()[1], z: _numeric()[2]})
    assert autodiff.paths(f, x).total == pytest.approx(_numeric()[0], rel=1e-8)
    assert x.grad is None


def test_a_compiled_replay_fills_a_grad_set_to_none():
    w, b = Value(0.5, label="w"), Value(-0.2, label="b")
    xin = Value(1.5, label="x")
    step = autodiff.compile((w * xin + b).tanh(), inputs=[xin])
    w.grad = None
    step([1.5])
    expected = 1 - math.tanh(0.5 * 1.5 - 0.2) ** 2
    assert w.grad == pytest.approx(1.5 * expected, rel=1e-12) and b.grad == pytest.approx(expected, rel=1e-12)


# ---- optimizers: a parameter whose grad is None is not stepped (torch.optim's rule) -------------
START = [0.8, -1.3, 0.25, 2.0]
SKIP = 2  # this parameter sits out the odd steps: its grad stays None there


def _loss(p, k):
    q = [0.25 if (i == SKIP and k % 2) else p[i] for i in range(len(p))]  # a plain number: not in the graph
    return sum((i + 1) * 0.5 * q[i] * q[i] + 0.3 * q[i] * q[(i + 1) % len(q)] for i in range(len(q))) + q[0] ** 4


MAKERS = {
    "sgd": (lambda ps: nn.SGD(ps, lr=0.1), lambda torch, ps: torch.optim.SGD(ps, lr=0.1)),
    "sgd-momentum-decay": (
        lambda ps: nn.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
        lambda torch, ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
    ),
    "adam": (lambda ps: nn.Adam(ps, lr=0.05), lambda torch, ps: torch.optim.Adam(ps, lr=0.05)),
    "adam-decay": (
        lambda ps: nn.Adam(ps, lr=0.05, weight_decay=0.01),
        lambda torch, ps: torch.optim.Adam(ps, lr=0.05, weight_decay=0.01),
    ),
}


def _ours(make, steps=5):
    params = [Value(x) for x in START]
    opt = make(params)
    trail = []
    for k in range(steps):
        opt.zero_grad(set_to_none=True)
        _loss(params, k).backward()
        assert (params[SKIP].grad is None) == bool(k % 2)
        opt.step()
        trail.append([p.data for p in params])
    return trail


@pytest.mark.parametrize("name", MAKERS)
def test_a_parameter_without_gradient_is_not_stepped(name):
    trail = _ours(MAKERS[name][0])
    for k in range(1, len(trail), 2):
        assert trail[k][SKIP] == trail[k - 1][SKIP]  # odd steps: the None parameter stayed put
        assert trail[k][0] != trail[k - 1][0]  # the others moved


def test_adam_counts_steps_per_parameter_when_one_is_skipped():
    """The skipped parameter's path equals an Adam of its own, stepped only on the steps it had a
    gradient, with the same gradients (its bias correction uses its own step count)."""
    params = [Value(x) for x in START]
    opt = nn.Adam(params, lr=0.05)
    alone = Value(START[SKIP])
    own = nn.Adam([alone], lr=0.05)
    for k in range(5):
        opt.zero_grad(set_to_none=True)
        _loss(params, k).backward()
        if params[SKIP].grad is not None:
            alone.grad = params[SKIP].grad
            own.step()
        opt.step()
        assert params[SKIP].data == alone.data


@pytest.mark.parametrize("name", MAKERS)
def test_skipping_matches_torch_optim(name):
    torch = pytest.importorskip("torch")
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in START]
    opt = MAKERS[name][1](torch, ts)
    expected = []
    for k in range(5):
        opt.zero_grad(set_to_none=True)
        _loss(ts, k).backward()
        assert (ts[SKIP].grad is None) == bool(k % 2)
        opt.step()
        expected.append([t.item() for t in ts])
    for ours, theirs in zip(_ours(MAKERS[name][0]), expected):
        assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-14)


def test_module_zero_grad_set_to_none_gives_the_gradients_of_zero_grad():
    """Over 30 initialisations (some leave the output 0: no upstream below it), every parameter ends
    with the float a zero_grad() model gets, 0.0 included, as torch gives a zero tensor."""
    import random

    for seed in range(30):
        random.seed(seed)
        model = nn.MLP(2, [3, 1])
        model.zero_grad(set_to_none=True)
        assert all(p.grad is None for p in model.parameters())
        out = model([0.5, -1.0])
        (out * out).backward()
        nones = [p.grad for p in model.parameters()]
        model.zero_grad()
        out = model([0.5, -1.0])
        (out * out).backward()
        assert nones == [p.grad for p in model.parameters()] and all(type(g) is float for g in nones), seed


def test_a_dead_neuron_gives_its_none_weights_zero():
    """relu of a negative sum passes no gradient back: the dot node below it is skipped, and its
    weights, set to None, get 0.0 (∂out/∂w = relu'(−0.9)·x = 0)."""
    w, b, v = [Value(0.5), Value(-1.0)], Value(-0.4), Value(2.0)
    out = autodiff.dot(w, [1.0, 1.0], b).relu() * v
    for p in (*w, b, v):
        p.grad = None
    out.backward()
    assert [p.grad for p in (*w, b)] == [0.0, 0.0, 0.0] and v.grad == 0.0
